//! What a numeric question asks for, as words to find in the answer: the
//! asking clause's content words ("How much water remains after 8 days?" →
//! water, remain), without the conditions it gives with numbers ("after 8
//! days") or the question words themselves. In Chinese, its character
//! pairs ("应找回多少元" → 应找, 找回).
//!
//! An answer that closes on a remark about something else ("After 8 days,
//! 260 liters remain. At this rate, the tank will be empty after about 14.3
//! days.", "Mia is 14 + 7 = 21 years old. Her brother is 14.") states its
//! result in the sentence that names what was asked.

use std::sync::LazyLock;

use regex::Regex;

/// Words that ask, or that any sentence may hold, and so tell nothing of what is asked.
const STOP: &[&str] = &[
    "how",
    "many",
    "much",
    "what",
    "which",
    "who",
    "whom",
    "when",
    "where",
    "does",
    "did",
    "do",
    "will",
    "would",
    "the",
    "and",
    "for",
    "with",
    "that",
    "this",
    "these",
    "those",
    "are",
    "was",
    "were",
    "have",
    "has",
    "had",
    "his",
    "her",
    "hers",
    "their",
    "its",
    "she",
    "they",
    "them",
    "you",
    "your",
    "there",
    "then",
    "than",
    "from",
    "into",
    "all",
    "each",
    "per",
    "after",
    "before",
    "total",
    "altogether",
    "answer",
    "find",
    "calculate",
    "get",
    "gets",
    "got",
    "can",
    "could",
    "should",
    "is",
    "be",
    "been",
    "being",
    "of",
    "in",
    "on",
    "at",
    "to",
    "an",
    "a",
    "if",
    "it",
    "he",
    "him",
    "by",
    "as",
    "or",
    "not",
    "more",
    "less",
    "left",
    "now",
];

/// Chinese characters that ask or join, not what is asked.
const STOP_ZH: &str = "多少几是的了吗呢吧啊么什怎个这那和与及共一要需问请求";

/// The asked-for terms of a question (lowercased word stems, or Chinese
/// character pairs); empty when the question names nothing to look for.
pub fn terms(question: &str) -> Vec<String> {
    let clause = asking_clause(question);
    let mut out: Vec<String> = Vec::new();
    let mut after_number = false;
    for token in tokens(clause) {
        match token {
            Token::Number => after_number = true,
            Token::Word(w) => {
                let lower = w.to_lowercase();
                // "after 8 days", "5 apples each": a condition's unit, not what is asked.
                let condition = std::mem::take(&mut after_number);
                // Two letters are enough for a unit ("km", "kg").
                if !condition && lower.chars().count() >= 2 && !STOP.contains(&lower.as_str()) {
                    out.push(stem(&lower));
                }
            }
            Token::Han(run) => {
                after_number = false;
                let chars: Vec<char> = run.chars().collect();
                for pair in chars.windows(2) {
                    if pair.iter().all(|c| !STOP_ZH.contains(*c)) {
                        out.push(pair.iter().collect());
                    }
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The asked "unit" of a percentage ([`units`]).
pub const PERCENT: &str = "%";
/// The asked "unit" of a fraction ([`units`]).
pub const FRACTION: &str = "fraction";
/// The asked "unit" of a calendar year ([`units`]).
pub const YEAR: &str = "year";

/// The units the question asks its result in: "一共跑多少米？" → 米,
/// "How many minutes…?" → minute, "…in kilometres?" → kilometre; [`PERCENT`]
/// or [`FRACTION`] when it asks for a share in that form, [`YEAR`] for a year.
pub fn units(question: &str) -> Vec<String> {
    static ASKED_UNIT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)多少\s*((?:平方|立方)?[\p{Han}&&[^个人次钱倍天年月只件本张元]]{0,1}[米克升秒分钟时吨亩里斤顷])|(?-u:\b)how\s+many\s+((?:square\s+|cubic\s+)?[a-z]+)|(?-u:\b)in\s+((?:square\s+|cubic\s+)?[a-z]+)\s*\?",
        )
        .expect("valid regex")
    });
    // A share asked as a percentage ("降价了百分之几", "what percent") or as a
    // fraction ("占几分之几", "what fraction"): the kind of number wanted.
    static ASKED_KIND: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(百分之(?:几|多少)|百分比|(?-u:\b)what\s+percent(?:age)?(?-u:\b)|(?-u:\b)how\s+many\s+percent)|(几分之几|(?-u:\b)what\s+fraction(?-u:\b))|((?-u:\b)(?:what|which)\s+year(?-u:\b)|哪一年|哪年|哪个年份|几几年)")
            .expect("valid regex")
    });
    let kinds = ASKED_KIND.captures_iter(question).map(|c| match (c.get(1), c.get(2)) {
        (Some(_), _) => PERCENT,
        (_, Some(_)) => FRACTION,
        _ => YEAR,
    });
    ASKED_UNIT
        .captures_iter(question)
        .filter_map(|c| c.get(1).or(c.get(2)).or(c.get(3)))
        .map(|m| {
            let unit = m.as_str().to_lowercase();
            // "minutes" → "minute": a restatement may say either.
            unit.strip_suffix('s').filter(|u| u.len() >= 3).map_or(unit.clone(), str::to_string)
        })
        .chain(kinds.map(str::to_string))
        .collect()
}

/// How many of `terms` a sentence names.
pub fn overlap(terms: &[String], sentence: &str) -> usize {
    if terms.is_empty() {
        return 0;
    }
    let mut words: Vec<String> = Vec::new();
    let mut pairs: Vec<String> = Vec::new();
    for token in tokens(sentence) {
        match token {
            Token::Word(w) => words.push(stem(&w.to_lowercase())),
            Token::Han(run) => {
                let chars: Vec<char> = run.chars().collect();
                pairs.extend(chars.windows(2).map(|p| p.iter().collect::<String>()));
            }
            Token::Number => {}
        }
    }
    terms.iter().filter(|t| words.contains(t) || pairs.contains(t)).count()
}

/// Whether a sentence speaks of something in words (a remark), not only
/// in figures ("2500 ÷ 250 = 10" does not).
pub fn speaks(sentence: &str) -> bool {
    tokens(sentence).iter().any(|t| match t {
        Token::Word(w) => w.chars().count() >= 3,
        Token::Han(run) => run.chars().count() >= 2,
        Token::Number => false,
    })
}

/// The question's last sentence that asks ("…How much change does she get?"),
/// or its last sentence.
fn asking_clause(question: &str) -> &str {
    let q = question.trim();
    let ends: Vec<usize> = q
        .char_indices()
        .filter(|(_, c)| matches!(c, '?' | '？' | '.' | '。' | '\n'))
        .map(|(i, c)| i + c.len_utf8())
        .collect();
    let mut start = 0;
    let mut asking = None;
    for end in ends.iter().copied().chain([q.len()]) {
        if end <= start {
            continue;
        }
        let s = &q[start..end];
        let asks = s.contains(['?', '？'])
            || ["how ", "what ", "多少", "几", "求"].iter().any(|w| s.to_lowercase().contains(w));
        if asks && !s.trim().is_empty() {
            asking = Some(s);
        }
        start = end;
    }
    let sentence = asking.unwrap_or(q);
    // Within it, the clause that asks ("…付了50元，应找回多少元？" → "应找回多少元？").
    let lower = sentence.to_lowercase();
    let asks_at = ["how ", "what ", "多少", "几", "求"].iter().filter_map(|w| lower.find(w)).min();
    match asks_at.and_then(|at| sentence.get(..at)).and_then(|before| before.rfind([',', '，', ';', '；', ':', '：']))
    {
        Some(comma) => &sentence[comma..],
        None => sentence,
    }
}

enum Token<'a> {
    Word(&'a str),
    Han(&'a str),
    Number,
}

/// Latin words, runs of Han characters, and numbers (digits, with their separators).
fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let kind = |c: char| {
            if c.is_ascii_digit() {
                2
            } else if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
                1
            } else if c.is_alphabetic() {
                0
            } else {
                3
            }
        };
        let k = kind(c);
        if k == 3 {
            continue;
        }
        let mut end = i + c.len_utf8();
        while let Some(&(j, d)) = chars.peek() {
            let same = kind(d) == k || (k == 2 && matches!(d, '.' | ',')) || (k == 0 && d == '\'');
            if !same {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        out.push(match k {
            0 => Token::Word(&text[i..end]),
            1 => Token::Han(&text[i..end]),
            _ => Token::Number,
        });
    }
    out
}

/// A word's stem for matching: "remains", "remained", "remaining" → "remain".
fn stem(word: &str) -> String {
    let w = word.trim_end_matches("'s");
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(s) = w.strip_suffix(suffix)
            && s.chars().count() >= 3
        {
            return s.to_string();
        }
    }
    w.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_asked_words_leave_out_conditions_and_question_words() {
        assert_eq!(
            terms("A tank holds 500 liters. It uses 35 liters a day. How much water remains after 8 days?"),
            ["remain", "water"]
        );
        assert_eq!(
            terms("Mia is 7 years older than her brother. Together they are 35. How old is Mia?"),
            ["mia", "old"]
        );
        assert_eq!(terms("张阿姨买了3千克苹果，每千克12元，付了50元，应找回多少元？"), ["应找", "找回"]);
        assert!(terms("").is_empty());
    }

    #[test]
    fn a_sentence_names_the_asked_words_in_any_form() {
        let asked = terms("How much water remains after 8 days?");
        assert_eq!(overlap(&asked, "After 8 days, 260 liters remain."), 1);
        assert_eq!(overlap(&asked, "The remaining water is 260 liters."), 2);
        assert_eq!(overlap(&asked, "At this rate, the tank will be empty after about 14.3 days."), 0);
        assert_eq!(overlap(&terms("应找回多少元？"), "所以应找回14元。"), 2);
        assert!(speaks("Her brother is 14.") && speaks("这瓶饮料一共可以倒满十杯") && !speaks("2500 ÷ 250 = 10 (L)"));
    }
}
