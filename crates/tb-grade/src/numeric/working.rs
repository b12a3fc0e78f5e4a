//! The working: the values an answer computes on its way ("18 × 2 = 36"),
//! and which of a sentence's numbers is its result rather than a condition
//! or an operand.

use super::patterns::*;
use super::{Number, before_verification, close, sentences};

/// An equation's result: the number after the last `=` among numbers of one
/// sentence ("18 × 2 = 36"), when a number comes before that `=`.
pub(super) fn after_last_equals(text: &str, numbers: &[&Number]) -> Option<Number> {
    let [first, .., last] = numbers else { return None };
    let span = &text[first.end..last.start];
    // "(≈ 2.05 × 10⁷)", "（约…）" after a result is an aside, not a further step.
    let aside = |i: usize| span[..i].trim_end().ends_with(['(', '（']);
    let eq = span.rmatch_indices(['=', '≈']).map(|(i, _)| i).find(|&i| !aside(i)).map(|i| first.end + i)?;
    numbers.iter().find(|n| n.start > eq).map(|n| **n)
}

/// The values the working computes: each sentence's result after its last `=`
/// ("9 × 8 = 72"), for telling a result from a restated condition.
pub(super) fn computed(text: &str, numbers: &[Number]) -> Vec<f64> {
    let mut out = Vec::new();
    // The working's sentences, not a closing check ("验证：50 ÷ 20 = 2.5 ✓").
    for (start, end) in sentences(before_verification(text)) {
        let in_line: Vec<&Number> = numbers.iter().filter(|n| n.start >= start && n.end <= end).collect();
        // "x = 8" solves for an unknown: a computed value too.
        let solved = || {
            let [n] = in_line.as_slice() else { return None };
            let before = text[start..n.start].trim().trim_start_matches('$').trim();
            let name = before.strip_suffix('=')?.trim();
            (!name.is_empty() && name.chars().count() <= 2 && name.chars().all(char::is_alphabetic)).then_some(**n)
        };
        // An equation whose right side goes on ("= 3(10 + x)") states no result.
        let result = after_last_equals(text, &in_line)
            .filter(|n| !text[n.end..end].contains(|c: char| c.is_ascii_digit() || "+×÷*/".contains(c)))
            .or_else(solved);
        if let Some(n) = result {
            out.push(n.value);
        }
    }
    out
}

/// The result among the numbers of one sentence: an equation's (after its
/// last `=`), else the first number after the sentence's last "so"/"所以" that
/// is not a condition ("after 10 days", "3天后", "5月份"), else the first.
pub(super) fn result_of(text: &str, candidates: &[&Number], statement: bool, worked: &[f64]) -> Option<Number> {
    if let Some(n) = after_last_equals(text, candidates) {
        return Some(n);
    }
    let (first, last) = (candidates.first()?, candidates.last()?);
    // The first clause when it holds a number ("答：6年后…是儿子的3倍，那时爸爸48岁" → 6).
    // In Chinese, the first clause when it holds a number ("答：6年后…是儿子的3倍，那时爸爸48岁" → 6).
    let span = &text[first.start..last.end];
    let chinese = span.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    let clause_break = span.char_indices().find(|&(i, c)| {
        matches!(c, ',' | '，' | ';' | '；')
            && !(span[..i].ends_with(|d: char| d.is_ascii_digit())
                && span[i + c.len_utf8()..].starts_with(|d: char| d.is_ascii_digit()))
    });
    let candidates: Vec<&Number> = match clause_break {
        Some((i, _)) if chinese && statement => {
            candidates.iter().copied().filter(|n| n.end <= first.start + i).collect()
        }
        _ => candidates.to_vec(),
    };
    let (first, last) = (candidates.first()?, candidates.last()?);
    let span = &text[first.start..last.end];
    let candidates: Vec<&Number> = match CLAUSE_CONCLUSION.find_iter(span).last() {
        Some(m) if candidates.iter().any(|n| n.start >= first.start + m.end()) => {
            candidates.iter().copied().filter(|n| n.start >= first.start + m.end()).collect()
        }
        _ => candidates,
    };
    let condition = |n: &Number| {
        let before = window_before(text, n.start, 16);
        let after_end = text[n.end..].char_indices().nth(8).map_or(text.len(), |(i, _)| n.end + i);
        let after = &text[n.end..after_end];
        // A year ("By 2025 the population…", "2023年") sets the scene.
        let year = n.value.fract() == 0.0
            && (1800.0..=2100.0).contains(&n.value)
            && (YEAR_BEFORE.is_match(before) || after.starts_with('年'));
        year || CONDITION_BEFORE.is_match(before) || CONDITION_AFTER.is_match(after)
    };
    // A number that opens its clause before another one in it is the
    // subject ("So 8 bottles hold 60 liters", "一周5天共走18000米"), not the result.
    let subject = |a: &Number, b: &Number| {
        let between = &text[a.end..b.start];
        let before = window_before(text, a.start, 12);
        let clause = before.rsplit([',', '，', ':', '：', '。']).next().unwrap_or(before);
        let opens = clause
            .split_whitespace()
            .filter(|w| {
                !["so", "the", "all", "these", "those", "his", "her", "their", "its"]
                    .contains(&w.to_ascii_lowercase().as_str())
            })
            .count()
            == 0
            && clause.is_ascii();
        // "8 bottles hold": a noun and a verb between, not a restatement ("6 liters (6000 mL)").
        let words = between.split_whitespace().filter(|w| w.chars().all(|c| c.is_ascii_alphabetic())).count();
        (opens && between.is_ascii() && words >= 2 && !between.contains([',', ';', '(', '-', '=']))
            || (RESULT_VERB.is_match(between) && !between.contains([',', '，', ';', '；', '(', '（']))
    };
    let plain: Vec<&&Number> = candidates.iter().filter(|n| !condition(n)).collect();
    // Of several, the one the working computed ("答：从1楼走到8楼需要72秒" after
    // "9 × 8 = 72"; "600 liters left after 12 days" after "1,800 ÷ 150 = 12"):
    // restated conditions were never computed, whatever words stand around them.
    if candidates.len() >= 2 {
        let was_computed = |n: &Number| worked.iter().any(|v| close(*v, n.value));
        let first_plain_computed = plain.first().is_some_and(|n| was_computed(n));
        if !first_plain_computed && let Some(n) = candidates.iter().find(|n| was_computed(n)) {
            return Some(**n);
        }
    }
    let result = match plain.as_slice() {
        [first, second, ..] if subject(first, second) => Some(**second),
        [first, ..] => Some(**first),
        [] => candidates.first().copied(),
    };
    result.copied()
}

pub(super) fn window_before(text: &str, at: usize, chars: usize) -> &str {
    let start = text[..at].char_indices().rev().take(chars).last().map_or(at, |(i, _)| i);
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    &text[start.max(line_start)..at]
}
