//! What a final answer states, read as typed values — numbers and amounts,
//! dates, times of day, identifiers — and checked against what the episode
//! can support: an answer that states a total nobody computed, a date other
//! than the one booked, or a record id that does not exist is wrong even
//! when the listed facts are in it.
//!
//! Values are compared as values: `2,280元`, `2280.00 yuan` and `2280` are
//! one amount; `2026-12-09`, `2026年12月9日`, `Wednesday 9th December` and
//! `Dec 9` one date; `09:00`, `9:00 am`, `9 am` and `上午9点` one time;
//! `c1001` and `C1001` one id. Small whole numbers (counts, list markers)
//! and years are not claims.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// The typed values of a text.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Values {
    /// Numbers, as thousandths (2280.5 → 2280500), so they compare exactly.
    pub numbers: BTreeSet<i64>,
    /// (month, day).
    pub dates: BTreeSet<(u32, u32)>,
    /// (hour, minute), 24-hour.
    pub times: BTreeSet<(u32, u32)>,
    /// Identifiers (letters and digits together, or digit runs with dashes), upper case.
    pub ids: BTreeSet<String>,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A month's name or its abbreviation of three letters or more (`Dec`, `Sept`).
fn month_of(word: &str) -> Option<u32> {
    let w = word.trim_end_matches('.').to_lowercase();
    (w.len() >= 3).then(|| MONTHS.iter().position(|m| m.starts_with(&w)).map(|i| i as u32 + 1)).flatten()
}

/// A token of a text: a run of letters and digits (with inner `-`, `.`, `,`, `:`).
fn tokens(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    for (k, &(i, c)) in bytes.iter().enumerate() {
        let inner = matches!(c, '-' | '.' | ',' | ':' | '/')
            && start.is_some()
            && bytes.get(k + 1).is_some_and(|(_, n)| n.is_ascii_alphanumeric());
        if c.is_ascii_alphanumeric() || inner {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            out.push((s, &text[s..i]));
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

fn thousandths(s: &str) -> Option<i64> {
    let plain: String = s.chars().filter(|c| *c != ',').collect();
    let v: f64 = plain.parse().ok()?;
    v.is_finite().then(|| (v * 1000.0).round() as i64)
}

impl Values {
    /// Every typed value the text states (small whole numbers, counts and
    /// list markers, left out).
    pub fn of(text: &str) -> Values {
        Values::read(text, false)
    }

    /// Every typed value, small whole numbers included.
    pub fn with_small_numbers(text: &str) -> Values {
        Values::read(text, true)
    }

    fn read(text: &str, small: bool) -> Values {
        let mut v = Values::default();
        let toks = tokens(text);
        let chars_after = |at: usize, len: usize| text[at + len..].chars().take(4).collect::<String>();
        let chars_before = |at: usize| {
            let before: Vec<char> = text[..at].chars().collect();
            before[before.len().saturating_sub(3)..].iter().collect::<String>()
        };
        let mut i = 0;
        while i < toks.len() {
            let (at, t) = toks[i];
            let next = toks.get(i + 1).map(|x| x.1).unwrap_or("");
            let after = chars_after(at, t.len());
            // 2026-12-08, 2026/12/08
            let parts: Vec<&str> = t.split(['-', '/']).collect();
            if parts.len() == 3 && parts[0].len() == 4 && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) {
                if let (Ok(m), Ok(d)) = (parts[1].parse(), parts[2].parse()) {
                    v.dates.insert((m, d));
                }
                i += 1;
                continue;
            }
            // 09:00, 9:30 (pm)
            if let Some((h, m)) = t.split_once(':')
                && let (Ok(mut h), Ok(m)) = (h.parse::<u32>(), m.parse::<u32>())
                && h < 24
                && m < 60
            {
                if next.eq_ignore_ascii_case("pm") && h < 12 {
                    h += 12;
                }
                v.times.insert((h, m));
                i += 1;
                continue;
            }
            let digits = t.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.');
            let letters = t.chars().any(|c| c.is_ascii_alphabetic());
            if letters && t.chars().any(|c| c.is_ascii_digit()) {
                // 9am, 9th, 12pm, or an identifier.
                let lower = t.to_lowercase();
                let (num, suffix) = lower.split_at(lower.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(0));
                match (num.parse::<u32>(), suffix) {
                    (Ok(h), "am" | "pm") if (1..=12).contains(&h) => {
                        v.times.insert((h % 12 + if suffix == "pm" { 12 } else { 0 }, 0));
                    }
                    (Ok(d), "st" | "nd" | "rd" | "th") => {
                        if let Some(m) = month_of(next).or_else(|| i.checked_sub(1).and_then(|p| month_of(toks[p].1))) {
                            v.dates.insert((m, d));
                        }
                    }
                    _ => {
                        v.ids.insert(t.to_uppercase());
                    }
                }
                i += 1;
                continue;
            }
            if digits && !t.is_empty() {
                let n: Option<u32> = t.parse().ok();
                // 12月8日, 上午9点, 9 am, 8 December, December 8
                if after.starts_with('月') {
                    let day: Option<u32> = text[at + t.len() + '月'.len_utf8()..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect::<String>()
                        .parse()
                        .ok();
                    if let (Some(m), Some(d)) = (n, day) {
                        v.dates.insert((m, d));
                        i += 2;
                        continue;
                    }
                }
                if after.starts_with('点') || after.starts_with('时') {
                    if let Some(mut h) = n.filter(|h| *h < 24) {
                        let before = chars_before(at);
                        if (before.contains("下午") || before.contains("晚上")) && h < 12 {
                            h += 12;
                        }
                        let minutes: u32 = after
                            .chars()
                            .skip(1)
                            .take_while(char::is_ascii_digit)
                            .collect::<String>()
                            .parse()
                            .unwrap_or(0);
                        v.times.insert((h, if after.contains('半') { 30 } else { minutes }));
                    }
                    i += 1;
                    continue;
                }
                if (next.eq_ignore_ascii_case("am") || next.eq_ignore_ascii_case("pm"))
                    && let Some(h) = n.filter(|h| (1..=12).contains(h))
                {
                    v.times.insert((h % 12 + if next.eq_ignore_ascii_case("pm") { 12 } else { 0 }, 0));
                    i += 2;
                    continue;
                }
                if let Some(d) = n.filter(|d| (1..=31).contains(d)) {
                    let month = month_of(next).or_else(|| i.checked_sub(1).and_then(|p| month_of(toks[p].1)));
                    if let Some(m) = month {
                        v.dates.insert((m, d));
                        i += 1;
                        continue;
                    }
                }
                // Years and small counts are not claims; the rest are amounts.
                let is_year =
                    n.is_some_and(|y| (1900..=2100).contains(&y)) && (after.starts_with('年') || !t.contains('.'));
                let is_day_of = after.starts_with('日') || after.starts_with('号');
                if let Some(x) = thousandths(t)
                    && !(is_year || is_day_of || !small && (0..=10_000).contains(&x) && x % 1000 == 0)
                {
                    v.numbers.insert(x);
                }
            }
            i += 1;
        }
        v
    }

    /// What this text states that `evidence` does not: `(kind, value)` pairs.
    pub fn unsupported(&self, numbers_and_ids: &Values, dates_and_times: &Values) -> Vec<String> {
        let mut out = Vec::new();
        for n in self.numbers.difference(&numbers_and_ids.numbers) {
            out.push(format!("number {}", *n as f64 / 1000.0));
        }
        for id in self.ids.difference(&numbers_and_ids.ids) {
            out.push(format!("id {id}"));
        }
        for (m, d) in self.dates.difference(&dates_and_times.dates) {
            out.push(format!("date {m:02}-{d:02}"));
        }
        for (h, m) in self.times.difference(&dates_and_times.times) {
            out.push(format!("time {h:02}:{m:02}"));
        }
        out
    }

    pub fn extend(&mut self, other: Values) {
        self.numbers.extend(other.numbers);
        self.dates.extend(other.dates);
        self.times.extend(other.times);
        self.ids.extend(other.ids);
    }

    /// Whether the text states every value of `fact` (a listed answer fact).
    pub fn states(&self, fact: &Values) -> bool {
        let any = !fact.numbers.is_empty() || !fact.dates.is_empty() || !fact.times.is_empty() || !fact.ids.is_empty();
        any && fact.numbers.is_subset(&self.numbers)
            && fact.dates.is_subset(&self.dates)
            && fact.times.is_subset(&self.times)
            && fact.ids.is_subset(&self.ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str) -> Vec<(u32, u32)> {
        Values::of(text).dates.into_iter().collect()
    }

    fn times(text: &str) -> Vec<(u32, u32)> {
        Values::of(text).times.into_iter().collect()
    }

    #[test]
    fn one_value_in_every_writing() {
        for d in ["2026-12-09", "2026年12月9日", "Wednesday 9th December", "December 9", "on 9 Dec", "12月9日上午"]
        {
            assert_eq!(dates(d), [(12, 9)], "{d}");
        }
        for t in ["09:00", "at 9:00", "9:00 am", "9 am", "9am", "上午9点", "9点"] {
            assert_eq!(times(t), [(9, 0)], "{t}");
        }
        assert_eq!(times("下午2点半"), [(14, 30)]);
        assert_eq!(times("2:30 pm"), [(14, 30)]);
        for n in ["2,280元", "2280.00 yuan", "共2280", "¥2280"] {
            assert_eq!(Values::of(n).numbers.into_iter().collect::<Vec<_>>(), [2_280_000], "{n}");
        }
        let ids = Values::of("申请A-0004，时段S-XH-1208-09，公民c1001").ids;
        assert_eq!(ids.into_iter().collect::<Vec<_>>(), ["A-0004", "C1001", "S-XH-1208-09"]);
        // Counts and years are not claims.
        assert!(Values::of("3个月，2026年，第2步").numbers.is_empty());
    }

    #[test]
    fn what_the_evidence_does_not_support() {
        let evidence =
            Values::of("{\"monthly_yuan\": 2280, \"months\": 3, \"total_yuan\": 2280, \"slot\": \"2026-12-08 09:00\"}");
        let answer = Values::of("每月2280元，3个月合计6840元，预约在12月9日上午9点。");
        assert_eq!(answer.unsupported(&evidence, &evidence), ["number 6840", "date 12-09"]);
        let right = Values::of("Total 2,280.00 yuan; your slot is Tuesday 8th December at 9 am.");
        assert!(right.unsupported(&evidence, &evidence).is_empty());
    }

    #[test]
    fn a_listed_fact_read_as_a_value() {
        let answer = Values::with_small_numbers("The fee is 5.00 yuan, booked for Wednesday 9th December at 9:00.");
        for fact in ["2026-12-09", "09:00", "5", "5元"] {
            assert!(answer.states(&Values::with_small_numbers(fact)), "{fact}");
        }
        assert!(!answer.states(&Values::with_small_numbers("10:00")));
        assert!(!answer.states(&Values::with_small_numbers("plain words")));
    }
}
