//! The `reference` grader: an answer against a reference answer (`Gold::answer`),
//! by the criterion's metric:
//!
//! - `normalised` (default): equal after folding case and full-width forms and
//!   dropping whitespace and punctuation (zh and en); `data.aliases` lists
//!   other accepted answers;
//! - `exact`: equal after trimming;
//! - `code_exact`: a code completion's exact match (line-completion
//!   benchmarks' measure): the answer's first fenced block, else the answer,
//!   equal to the reference with runs of whitespace made one space — every
//!   token and operator counts;
//! - `regex`: the reference (or `data.pattern`) matches somewhere in the answer;
//! - `json_schema`: the answer (or its fenced JSON block) is JSON valid against
//!   `data.schema`;
//! - `char_f1`: character-level F1 with the reference, the measure Chinese
//!   reading-comprehension sets use; passes at `data.threshold` (default 0.5);
//! - `rouge_l`: ROUGE-L F-measure over characters for Chinese and words for
//!   Latin text; passes at `data.threshold` (default 0.5).
//!
//! For the two overlap measures the score itself is kept as the extracted value.

use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;
use tb_core::{Gold, Grade};

use crate::{Grader, Response, strip_reasoning};

pub struct ReferenceGrader;

pub const METRICS: &[&str] = &["normalised", "exact", "code_exact", "regex", "json_schema", "char_f1", "rouge_l"];

impl Grader for ReferenceGrader {
    fn version(&self) -> u32 {
        1
    }

    fn grade(&self, response: &Response, gold: &Gold) -> Grade {
        let answer = strip_reasoning(response.text);
        let answer = answer.trim();
        let reference = gold.answer.trim();
        let threshold = gold.data.get("threshold").and_then(Value::as_f64).unwrap_or(0.5);
        let pass = |correct: bool| Grade::judged(correct);
        match response.metric {
            "exact" => pass(answer == reference),
            "code_exact" => pass(collapse_space(code_in(answer)) == collapse_space(reference)),
            "regex" => {
                let pattern = gold.data.get("pattern").and_then(Value::as_str).unwrap_or(reference);
                match Regex::new(pattern) {
                    Ok(re) => pass(re.is_match(answer)),
                    Err(_) => Grade::wrong("invalid_pattern"),
                }
            }
            "json_schema" => {
                let Some(schema) = gold.data.get("schema") else { return Grade::wrong("no_schema") };
                let Ok(validator) = jsonschema::validator_for(schema) else { return Grade::wrong("invalid_schema") };
                match json_in(answer) {
                    Some(v) => pass(validator.is_valid(&v)),
                    None => Grade::wrong("no_json"),
                }
            }
            "char_f1" | "rouge_l" => {
                let score =
                    if response.metric == "char_f1" { char_f1(answer, reference) } else { rouge_l(answer, reference) };
                Grade { correct: score >= threshold, extracted: Some(format!("{score:.3}")), note: None, how: None }
            }
            _ => {
                let a = normalise(answer);
                let accepted = std::iter::once(reference.to_string()).chain(
                    gold.data.get("aliases").and_then(Value::as_array).into_iter().flatten().filter_map(|v| match v {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    }),
                );
                let correct = accepted.map(|r| normalise(&r)).any(|r| !r.is_empty() && r == a);
                pass(correct)
            }
        }
    }
}

/// Folds case and full-width forms, drops whitespace and punctuation.
pub fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            // Full-width ASCII forms to ASCII.
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation() && !is_cjk_punctuation(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_cjk_punctuation(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFF0F | 0xFF1A..=0xFF20 | 0x2018..=0x201F | 0x2026 | 0x00B7)
}

/// An answer's code: its first fenced block's body, else the whole answer.
fn code_in(answer: &str) -> &str {
    let Some(open) = answer.find("```") else { return answer };
    let body = &answer[open + 3..];
    let Some(newline) = body.find('\n') else { return answer };
    let body = &body[newline + 1..];
    body.find("```").map_or(body, |close| &body[..close])
}

fn collapse_space(code: &str) -> String {
    code.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The JSON value an answer holds: the whole answer, else its first fenced block.
fn json_in(answer: &str) -> Option<Value> {
    if let Ok(v) = serde_json::from_str(answer) {
        return Some(v);
    }
    answer
        .split("```")
        .skip(1)
        .step_by(2)
        .find_map(|block| serde_json::from_str(block.trim_start_matches("json").trim()).ok())
}

/// Character-level F1 over normalised text (multiset overlap).
pub fn char_f1(answer: &str, reference: &str) -> f64 {
    let (a, r): (Vec<char>, Vec<char>) = (normalise(answer).chars().collect(), normalise(reference).chars().collect());
    if a.is_empty() || r.is_empty() {
        return if a == r { 1.0 } else { 0.0 };
    }
    let mut counts: HashMap<char, i64> = HashMap::new();
    for c in &r {
        *counts.entry(*c).or_default() += 1;
    }
    let mut common = 0;
    for c in &a {
        if let Some(n) = counts.get_mut(c).filter(|n| **n > 0) {
            *n -= 1;
            common += 1;
        }
    }
    if common == 0 {
        return 0.0;
    }
    let precision = common as f64 / a.len() as f64;
    let recall = common as f64 / r.len() as f64;
    2.0 * precision * recall / (precision + recall)
}

/// Tokens for ROUGE-L: each CJK character alone, Latin words whole.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() && !is_cjk(c) {
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        if is_cjk(c) {
            out.push(c.to_string());
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF)
}

/// ROUGE-L F-measure (β = 1) from the longest common subsequence.
pub fn rouge_l(answer: &str, reference: &str) -> f64 {
    let (a, r) = (tokens(answer), tokens(reference));
    if a.is_empty() || r.is_empty() {
        return 0.0;
    }
    // One row of the LCS table at a time: memory is O(len(reference)).
    let mut prev = vec![0usize; r.len() + 1];
    for x in &a {
        let mut row = vec![0usize; r.len() + 1];
        for (j, y) in r.iter().enumerate() {
            row[j + 1] = if x == y { prev[j] + 1 } else { row[j].max(prev[j + 1]) };
        }
        prev = row;
    }
    let lcs = prev[r.len()] as f64;
    if lcs == 0.0 {
        return 0.0;
    }
    let (p, rec) = (lcs / a.len() as f64, lcs / r.len() as f64);
    2.0 * p * rec / (p + rec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn grade(metric: &str, answer: &str, reference: &str, data: Value) -> Grade {
        let gold = Gold { answer: reference.into(), data, ..Gold::default() };
        ReferenceGrader.grade(&Response { metric, ..Response::text(answer) }, &gold)
    }

    #[test]
    fn code_exact_counts_every_token_but_not_the_layout() {
        let reference = "    for idx, elem in enumerate(numbers):\n";
        assert!(grade("code_exact", "for idx, elem in enumerate(numbers):", reference, Value::Null).correct);
        assert!(
            grade("code_exact", "```python\n    for idx,  elem in enumerate(numbers):\n```", reference, Value::Null)
                .correct
        );
        assert!(!grade("code_exact", "for idx, elem in enumerate(number):", reference, Value::Null).correct);
        assert!(!grade("code_exact", "if a < b:", "if a > b:", Value::Null).correct, "an operator is a token");
    }

    #[test]
    fn normalised_folds_zh_and_en_forms() {
        assert!(grade("normalised", "  北京市。", "北京市", Value::Null).correct);
        assert!(grade("normalised", "ＡＢＣ－１２３", "abc123", Value::Null).correct);
        assert!(grade("normalised", "Beijing", "北京", json!({ "aliases": ["Beijing", "Peking"] })).correct);
        assert!(!grade("normalised", "上海", "北京", Value::Null).correct);
        assert!(!grade("exact", "北京市。", "北京市", Value::Null).correct);
    }

    #[test]
    fn regex_and_schema() {
        assert!(grade("regex", "编号：GZ-2024-0012", r"GZ-\d{4}-\d{4}", Value::Null).correct);
        assert_eq!(grade("regex", "x", "(", Value::Null).note.as_deref(), Some("invalid_pattern"));
        let schema = json!({ "type": "object", "required": ["name", "age"], "properties": { "age": { "type": "integer", "minimum": 0 } } });
        let d = json!({ "schema": schema });
        assert!(grade("json_schema", "```json\n{\"name\": \"张三\", \"age\": 30}\n```", "", d.clone()).correct);
        assert!(!grade("json_schema", "{\"name\": \"张三\", \"age\": -1}", "", d.clone()).correct);
        assert_eq!(grade("json_schema", "no json here", "", d).note.as_deref(), Some("no_json"));
    }

    #[test]
    fn overlap_measures_match_hand_computation() {
        // 5 of 6 answer characters match 5 of 5 reference characters: F1 = 2·(5/6)·1/(5/6+1) = 10/11.
        assert!((char_f1("北京是首都啊", "北京是首都") - 10.0 / 11.0).abs() < 1e-12);
        assert_eq!(char_f1("", ""), 1.0);
        // LCS of "the cat sat on mat" and "the cat on the mat" is 4 words ("the cat on mat") of 5 and 5.
        assert!((rouge_l("the cat sat on mat", "the cat on the mat") - 0.8).abs() < 1e-12);
        assert!((rouge_l("政府采购法规定", "政府采购法") - 2.0 * 1.0 * (5.0 / 7.0) / (1.0 + 5.0 / 7.0)).abs() < 1e-12);
        let g = grade("rouge_l", "政府采购法规定", "政府采购法", json!({ "threshold": 0.9 }));
        assert_eq!((g.correct, g.extracted.as_deref()), (false, Some("0.833")));
    }
}
