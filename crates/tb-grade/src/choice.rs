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

/// A label that opens any line: "B. …", "B、…", "(B)".
static LINE_LEADING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?m)^\s*[(\[【]?\s*([A-F])\s*(?:[).:、，,】\]]|\s|$)").expect("valid regex"));

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
    // Every place the answer names an option as its choice, with the text it
    // gives after the label: explicit statements ("答案是B", "the answer is B"),
    // claims ("B is correct"), and labels that open a line ("B. 12345").
    let with_text = |c: &regex::Captures, group: usize| {
        let m = c.get(group).expect("the label group matched");
        let rest = text[m.end()..].lines().next().unwrap_or("");
        (m.as_str().to_string(), rest.trim_start_matches(['.', ')', '、', ':', ' ', '：', '】', ']']).to_string())
    };
    let stated: Vec<(String, String)> = STATED
        .captures_iter(&text)
        .chain(CLAIMED.captures_iter(&text))
        .map(|c| with_text(&c, 1))
        .filter(|(l, _)| valid(l))
        .collect();
    let leading: Vec<(String, String)> =
        LINE_LEADING.captures_iter(&text).map(|c| with_text(&c, 1)).filter(|(l, _)| valid(l)).collect();
    // Lines opening with three or more different labels restate the options:
    // they are the question echoed, not a choice.
    let mut distinct: Vec<&str> = leading.iter().map(|(l, _)| l.as_str()).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let echoes_options = distinct.len() >= 3;
    let named: Vec<(String, String)> =
        if echoes_options { stated } else { stated.into_iter().chain(leading).collect() };
    if !named.is_empty() {
        // A label whose text is another option's text names that other option.
        // A degenerate text ("④⑥③⑥③⑥…", a small model's repetition loop) commits to nothing.
        let mut chosen: Vec<String> = named
            .iter()
            .map(|(l, t)| {
                if degenerate(t) {
                    return "?".to_string();
                }
                option_named_by_text(t, options).filter(|o| o != l).unwrap_or_else(|| l.clone())
            })
            .collect();
        chosen.sort_unstable();
        chosen.dedup();
        // Different options named as the answer: it did not commit to one.
        return (chosen.len() == 1 && named.iter().all(|(l, _)| *l == chosen[0])).then(|| chosen.remove(0));
    }
    // Bracketed labels count only when they all name the same option.
    let bracketed: Vec<String> =
        BRACKETED.captures_iter(&text).map(|c| c[1].to_string()).filter(|l| valid(l)).collect();
    if let Some(first) = bracketed.first()
        && bracketed.iter().all(|l| l == first)
    {
        return Some(first.clone());
    }
    if echoes_options {
        return None;
    }
    restated_option(&text, options)
}

/// The option a text after a label restates: equal to one option's text, or
/// a prefix of it, or starting with it (cut-off answers); `None` when the
/// text restates no option (an explanation) or several.
fn option_named_by_text(text: &str, options: &[Choice]) -> Option<String> {
    let t = squash(text);
    if t.chars().count() < 2 {
        return None;
    }
    let mut hits = options.iter().filter(|o| {
        let o_text = squash(&o.text);
        !o_text.is_empty()
            && (o_text == t || o_text.starts_with(&t) || (t.starts_with(&o_text) && o_text.chars().count() >= 2))
    });
    let hit = hits.next()?;
    hits.next().is_none().then(|| hit.label.clone())
}

/// True when a unit of one to four characters repeats six or more times in a row.
fn degenerate(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    (1..=4).any(|unit| {
        chars
            .windows(unit * 6)
            .any(|w| w.chunks(unit).all(|c| c == &w[..unit]) && w[..unit].iter().any(|c| !c.is_whitespace()))
    })
}

fn squash(s: &str) -> String {
    normalize(s)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '。' | '.' | '，' | ',' | '"' | '“' | '”'))
        .collect()
}

/// The one option whose text the answer restates, when exactly one is restated
/// and it is not part of another option's text.
fn restated_option(text: &str, options: &[Choice]) -> Option<String> {
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
