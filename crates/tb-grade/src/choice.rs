//! Multiple-choice answer extraction for Chinese and English answers.

use std::sync::LazyLock;

use regex::Regex;
use tb_core::{Choice, Gold, Grade};

use crate::{Grader, NOTE_NO_OPTION, Response, strip_reasoning};

pub struct ChoiceGrader;

impl Grader for ChoiceGrader {
    fn version(&self) -> u32 {
        1
    }

    fn grade(&self, response: &Response, gold: &Gold) -> Grade {
        let answer = response.text;
        match extract(answer, &gold.options) {
            Some(label) => {
                Grade { correct: label.eq_ignore_ascii_case(gold.answer.trim()), extracted: Some(label), note: None }
            }
            None => Grade::wrong(NOTE_NO_OPTION),
        }
    }
}

/// Explicit statements of the answer; the last one in the text wins, since
/// answers often discuss options before concluding.
static STATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?: 正确答案 | 最终答案 | 参考答案 | 答案 | 正确选项 | 正确的选项 | 故选 | 应选 | 所以选 | 因此选 | 选择 | 选
          | (?i:the\s+(?:correct\s+|right\s+|best\s+|final\s+)?(?:answer|option|choice)(?:\s+is)?)
          | (?i:answer) )
        \s* (?: 应该是 | 应该为 | 应为 | 是 | 为 | : | \s )* \s*
        [(\[【]? \s* ([A-F]) (?: [^A-Za-z] | $ )",
    )
    .expect("valid regex")
});

/// "B is correct", "B选项正确", "B 是正确的".
static CLAIMED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^A-Za-z])\(?([A-F])\)?\s*(?:选项)?\s*(?:is\s+(?:the\s+)?correct|is\s+right|正确|是正确的|是对的)",
    )
    .expect("valid regex")
});

/// An answer that opens with the label: "B", "B.", "B、", "(B)", "B：".
static LEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[(\[【]?\s*([A-F])\s*(?:[).:、，,】\]]|\s|$)").expect("valid regex"));

/// A label in brackets anywhere: "(B)".
static BRACKETED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[(\[【]([A-F])[)\]】]").expect("valid regex"));

/// Full-width forms that Chinese answers use, folded to ASCII.
fn normalize(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'Ａ'..='Ｚ' => char::from_u32(c as u32 - 'Ａ' as u32 + 'A' as u32).unwrap_or(c),
            '（' => '(',
            '）' => ')',
            '：' => ':',
            '．' => '.',
            _ => c,
        })
        .collect()
}

/// The option label an answer chose, if one can be read from it.
pub fn extract(answer: &str, options: &[Choice]) -> Option<String> {
    let stripped = strip_reasoning(answer);
    let text = normalize(&stripped);
    let valid = |l: &str| {
        if options.is_empty() { matches!(l, "A" | "B" | "C" | "D") } else { options.iter().any(|o| o.label == l) }
    };
    let last_valid = |re: &Regex| {
        re.captures_iter(&text).filter_map(|c| c.get(1)).map(|m| m.as_str().to_string()).filter(|l| valid(l)).last()
    };
    if let Some(l) = last_valid(&STATED) {
        return Some(l);
    }
    if let Some(l) = last_valid(&CLAIMED) {
        return Some(l);
    }
    if let Some(c) = LEADING.captures(&text) {
        let l = c[1].to_string();
        if valid(&l) {
            return Some(l);
        }
    }
    // Bracketed labels count only when they all name the same option.
    let bracketed: Vec<String> =
        BRACKETED.captures_iter(&text).map(|c| c[1].to_string()).filter(|l| valid(l)).collect();
    if let Some(first) = bracketed.first()
        && bracketed.iter().all(|l| l == first)
    {
        return Some(first.clone());
    }
    restated_option(&text, options)
}

/// The one option whose text the answer restates, when exactly one is restated
/// and it is not part of another option's text.
fn restated_option(text: &str, options: &[Choice]) -> Option<String> {
    let squash = |s: &str| -> String {
        normalize(s)
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '。' | '.' | '，' | ',' | '"' | '“' | '”'))
            .collect()
    };
    let answer = squash(text);
    let mut found = options.iter().filter(|o| {
        let t = squash(&o.text);
        !t.is_empty() && answer.contains(&t)
    });
    let hit = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let hit_text = squash(&hit.text);
    let nested = options.iter().any(|o| o.label != hit.label && squash(&o.text).contains(&hit_text));
    (!nested).then(|| hit.label.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> Vec<Choice> {
        ["税收法定原则", "税收公平原则源于法律上的平等性原则", "税收效率原则", "税务机关可以自由做出减征决定"]
            .iter()
            .zip(["A", "B", "C", "D"])
            .map(|(t, l)| Choice { label: l.into(), text: t.to_string() })
            .collect()
    }

    #[test]
    fn extracts_from_real_phrasings() {
        let table: &[(&str, &str)] = &[
            ("答案是B", "B"),
            ("答案是：B", "B"),
            ("正确答案：B", "B"),
            ("正确答案为 (B)", "B"),
            ("选 B", "B"),
            ("应选B项。", "B"),
            ("B. 税收公平原则源于法律上的平等性原则", "B"),
            ("(B)", "B"),
            ("（Ｂ）", "B"),
            ("B", "B"),
            ("B、", "B"),
            ("The answer is B.", "B"),
            ("The correct answer is (B) because of equality.", "B"),
            ("Answer: B", "B"),
            ("answer: B", "B"),
            ("根据税法原理，A选项错误，C选项不全面，因此答案是B。", "B"),
            ("首先分析A项……再看D项，D项说法不正确。故选D", "D"),
            ("B选项正确，其余错误。", "B"),
            ("B is correct.", "B"),
            ("税收公平原则源于法律上的平等性原则", "B"),
            ("我认为是“税收公平原则源于法律上的平等性原则”这一项。", "B"),
            ("<think>A看起来对，但是</think>\n答案：C", "C"),
            ("最终答案：\n\nD", "D"),
            ("**答案：A**", "A"),
        ];
        for (answer, want) in table {
            assert_eq!(extract(answer, &opts()).as_deref(), Some(*want), "{answer:?}");
        }
    }

    #[test]
    fn no_option_is_not_a_guess() {
        for answer in ["我不确定。", "I cannot answer that.", "", "Both (A) and (C) look plausible.", "答案是E"]
        {
            assert_eq!(extract(answer, &opts()), None, "{answer:?}");
        }
    }

    #[test]
    fn grade_marks_no_option_separately() {
        let gold = Gold { answer: "B".into(), options: opts(), ..Gold::default() };
        assert!(ChoiceGrader.grade(&Response::text("答案是B"), &gold).correct);
        let wrong = ChoiceGrader.grade(&Response::text("答案是A"), &gold);
        assert!(!wrong.correct && wrong.note.is_none());
        let none = ChoiceGrader.grade(&Response::text("不知道"), &gold);
        assert_eq!(none.note.as_deref(), Some(NOTE_NO_OPTION));
    }

    #[test]
    fn two_option_questions_accept_only_a_and_b() {
        let two =
            vec![Choice { label: "A".into(), text: "是。".into() }, Choice { label: "B".into(), text: "否。".into() }];
        assert_eq!(extract("答案：B", &two).as_deref(), Some("B"));
        assert_eq!(extract("答案：C", &two), None);
    }
}
