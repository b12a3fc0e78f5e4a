//! Final-number extraction for math word problems.

use std::sync::LazyLock;

use regex::Regex;
use tb_core::{Gold, Grade};

use crate::{Grader, NOTE_NO_NUMBER, Response, strip_reasoning};

pub struct NumericGrader;

impl Grader for NumericGrader {
    fn version(&self) -> u32 {
        1
    }

    fn grade(&self, response: &Response, gold: &Gold) -> Grade {
        let answer = response.text;
        let Some(found) = extract(answer) else { return Grade::wrong(NOTE_NO_NUMBER) };
        let correct = parse_number(&gold.answer).is_some_and(|g| same_number(found, g));
        Grade { correct, extracted: Some(format_number(found)), note: None }
    }
}

const NUMBER: &str = r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+";

static HASHES: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"####\s*[$¥￥]?\s*({NUMBER})")).expect("valid regex"));
static STATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:最终答案|答案|(?i:final answer|the answer|answer))\s*(?:是|为|应为|(?i:is)|:|：|=|\s)*\s*[$¥￥]?\s*({NUMBER})"
    ))
    .expect("valid regex")
});
static BOXED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"\\boxed\{{\s*[$¥￥]?\s*({NUMBER})")).expect("valid regex"));
static ANY: LazyLock<Regex> = LazyLock::new(|| Regex::new(NUMBER).expect("valid regex"));

/// The final number of an answer: after `####`, after a stated answer, in
/// `\boxed{}`, or else the last number in the text.
pub fn extract(answer: &str) -> Option<f64> {
    let text = strip_reasoning(answer);
    let text = text.replace('，', ",").replace('．', ".");
    for re in [&*HASHES, &*STATED, &*BOXED] {
        if let Some(n) = re.captures_iter(&text).filter_map(|c| parse_number(&c[1])).last() {
            return Some(n);
        }
    }
    ANY.find_iter(&text).filter_map(|m| parse_number(m.as_str())).last()
}

pub fn parse_number(s: &str) -> Option<f64> {
    let cleaned: String = s.trim().trim_end_matches('.').chars().filter(|c| *c != ',').collect();
    cleaned.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn same_number(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { n.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_final_numbers() {
        let table: &[(&str, f64)] = &[
            ("She makes 9 * 2 = $18 every day.\n#### 18", 18.0),
            ("#### 1,200", 1200.0),
            ("所以答案是 18。", 18.0),
            ("答案：18元", 18.0),
            ("The answer is $1,800.00.", 1800.0),
            ("So she earns 18 dollars.", 18.0),
            ("Final answer: \\boxed{42}", 42.0),
            ("First 3 + 4 = 7, then 7 * 2 = 14. The answer is 14.", 14.0),
            ("The temperature fell to -5 degrees.", -5.0),
            ("<think>maybe 12</think>答案为 13", 13.0),
            ("He needs 0.5 hours", 0.5),
        ];
        for (answer, want) in table {
            assert_eq!(extract(answer), Some(*want), "{answer:?}");
        }
    }

    #[test]
    fn grades_against_gold() {
        let gold = Gold { answer: "18".into(), options: vec![], ..Gold::default() };
        assert!(NumericGrader.grade(&Response::text("#### 18.00"), &gold).correct);
        let g = NumericGrader.grade(&Response::text("The answer is 19"), &gold);
        assert!(!g.correct);
        assert_eq!(g.extracted.as_deref(), Some("19"));
        assert_eq!(NumericGrader.grade(&Response::text("no idea"), &gold).note.as_deref(), Some(NOTE_NO_NUMBER));
    }
}
