//! Answer readers never panic, whatever the bytes (invalid UTF-8 is read as
//! the lossy text a vendor's body becomes), and what they read is a valid
//! option set or a finite number; the refusal classifier and the judges'
//! parsers answer for every input. `crates/tb-grade/tests/never_panics.rs`
//! covers the same ground on a stable toolchain, from a grammar of pieces.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tb_core::Choice;
use tb_grade::{choice, judge, numeric, refusal, second_opinion};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // Options that are letters, numbers, repeated words and markup, as real ones can be.
    let options: Vec<Choice> = ["甲", "B 选项", "(C)", "答案", "4", "B"]
        .iter()
        .zip(["A", "B", "C", "D", "E", "F"])
        .map(|(t, l)| Choice { label: l.into(), text: t.to_string() })
        .collect();
    for multi in [false, true] {
        match choice::read(&text, &options, multi) {
            choice::Reading::Chosen { labels, .. } => {
                assert!(!labels.is_empty());
                assert!(multi || labels.chars().count() == 1, "{labels}");
                assert!(labels.chars().all(|l| options.iter().any(|o| o.label == l.to_string())), "{labels}");
            }
            choice::Reading::Ambiguous(_) | choice::Reading::Undecided => {}
        }
    }
    // Knowing what was asked takes other paths (a turn to another way, the
    // clause naming the asked): with a question and without.
    for asked in [None, Some("怎么做？一共需要多少元？")] {
        if let numeric::Reading::Stated { value, .. } = numeric::read_asked(&text, asked) {
            assert!(value.value.is_finite());
        }
        let _ = refusal::classify_asked(&text, asked);
    }
    let _ = judge::parse_reply(&text);
    let verdict = serde_json::json!({ "judge": "j", "raw": text, "second_opinion": true });
    let _ = second_opinion::parse_reply(&verdict);
});
