//! What identifies the model behind an endpoint, taken at the POC and at
//! every probe, and what moved between two of them.
//!
//! - **Token counts** of fixed probe strings (`usage.prompt_tokens` of a
//!   one-token request each): a tokenizer gives the same count for the same
//!   string every time, so any change is certain, not statistical. The same
//!   difference on every string is a changed prompt wrapper (a system prompt
//!   the vendor adds), not a changed tokenizer.
//! - **Temperature-0 answers** to fixed prompts: the share answered word for
//!   word as at the POC. Services are not always deterministic at
//!   temperature 0, so the contract states the share that must match.
//! - **Answer length**: the median length of those answers.
//! - The **`model`** and **`system_fingerprint`** fields, where the API gives them.
//!
//! What a fingerprint cannot tell: a model that uses the same tokenizer,
//! answers the fixed prompts the same and reports the same fields is not
//! told apart from the POC's; the quality and latency alarms watch the rest.

use serde::{Deserialize, Serialize};

/// The served model's fingerprint at one probe.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Fingerprint {
    /// `usage.prompt_tokens` for each fixed probe string, in order (None: not reported).
    pub prompt_tokens: Vec<Option<u64>>,
    /// The temperature-0 answers to the fixed prompts, in order.
    pub answers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
}

/// One thing that moved, in words a contract manager reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// `tokenizer`, `prompt_wrapper`, `answers`, `answer_length`, `model`, `system_fingerprint`.
    pub what: String,
    pub detail: String,
}

fn change(what: &str, detail: String) -> Change {
    Change { what: what.into(), detail }
}

/// What moved from `base` (the POC's) to `now`; empty when nothing did.
pub fn compare(base: &Fingerprint, now: &Fingerprint, min_exact_match: f64) -> Vec<Change> {
    let mut changes = Vec::new();
    changes.extend(token_change(base, now));
    let pairs: Vec<(&String, &String)> = base.answers.iter().zip(&now.answers).collect();
    if !pairs.is_empty() {
        let same = pairs.iter().filter(|(a, b)| a.trim() == b.trim()).count();
        let share = same as f64 / pairs.len() as f64;
        if share < min_exact_match {
            changes.push(change(
                "answers",
                format!(
                    "{same} of {} temperature-0 answers as at the POC ({:.0}%, the contract asks at least {:.0}%)",
                    pairs.len(),
                    share * 100.0,
                    min_exact_match * 100.0
                ),
            ));
        }
        let (was, is) = (median_chars(&base.answers), median_chars(&now.answers));
        if was > 0.0 && !(2.0 / 3.0..=1.5).contains(&(is / was)) {
            changes.push(change("answer_length", format!("median answer {was:.0} → {is:.0} characters")));
        }
    }
    for (what, was, is) in
        [("model", &base.model, &now.model), ("system_fingerprint", &base.system_fingerprint, &now.system_fingerprint)]
    {
        if let (Some(was), Some(is)) = (was, is)
            && was != is
        {
            changes.push(change(what, format!("{was} → {is}")));
        }
    }
    changes
}

fn token_change(base: &Fingerprint, now: &Fingerprint) -> Option<Change> {
    let pairs: Vec<(u64, u64)> =
        base.prompt_tokens.iter().zip(&now.prompt_tokens).filter_map(|(a, b)| Some(((*a)?, (*b)?))).collect();
    let moved: Vec<i64> = pairs.iter().map(|(a, b)| *b as i64 - *a as i64).filter(|d| *d != 0).collect();
    if moved.is_empty() {
        return None;
    }
    if moved.len() == pairs.len() && moved.iter().all(|d| *d == moved[0]) {
        return Some(change(
            "prompt_wrapper",
            format!("every probe string counts {:+} tokens: the same tokenizer behind a changed wrapper", moved[0]),
        ));
    }
    let mut ratios: Vec<f64> = pairs.iter().filter(|(a, _)| *a > 0).map(|(a, b)| *b as f64 / *a as f64).collect();
    ratios.sort_by(f64::total_cmp);
    let median = ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN);
    Some(change(
        "tokenizer",
        format!(
            "{} of {} probe strings count differently (median ratio {median:.2}): another tokenizer, so another model",
            moved.len(),
            pairs.len()
        ),
    ))
}

fn median_chars(answers: &[String]) -> f64 {
    let mut lengths: Vec<usize> = answers.iter().map(|a| a.trim().chars().count()).collect();
    lengths.sort_unstable();
    lengths.get(lengths.len() / 2).map_or(0.0, |l| *l as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn print(tokens: &[u64], answers: &[&str]) -> Fingerprint {
        Fingerprint {
            prompt_tokens: tokens.iter().map(|t| Some(*t)).collect(),
            answers: answers.iter().map(|a| (*a).to_string()).collect(),
            model: Some("glm-4".into()),
            system_fingerprint: None,
        }
    }

    #[test]
    fn the_same_service_shows_no_change() {
        let a = print(&[5, 12, 40], &["A", "42", "北京"]);
        assert!(compare(&a, &a.clone(), 0.5).is_empty());
        // One of three answers differs: within a 50% exact-match term.
        assert!(compare(&a, &print(&[5, 12, 40], &["A", "41", "北京"]), 0.5).is_empty());
    }

    #[test]
    fn a_tokenizer_a_wrapper_and_the_answers_are_told_apart() {
        let a = print(&[5, 12, 40], &["A", "42", "北京"]);
        let swapped = compare(&a, &print(&[4, 9, 31], &["A", "42", "北京"]), 0.5);
        assert_eq!(swapped.len(), 1);
        assert_eq!(swapped[0].what, "tokenizer", "{swapped:?}");
        let wrapped = compare(&a, &print(&[8, 15, 43], &["A", "42", "北京"]), 0.5);
        assert_eq!(wrapped[0].what, "prompt_wrapper");
        assert!(wrapped[0].detail.contains("+3"), "{wrapped:?}");
        let other = compare(&a, &print(&[5, 12, 40], &["答案是B", "结果是40", "上海市是直辖市之一"]), 0.5);
        let whats: Vec<&str> = other.iter().map(|c| c.what.as_str()).collect();
        assert_eq!(whats, ["answers", "answer_length"]);
        let mut renamed = a.clone();
        renamed.model = Some("glm-4-flash".into());
        assert_eq!(compare(&a, &renamed, 0.5)[0].detail, "glm-4 → glm-4-flash");
    }
}
