//! Answer readers never panic, whatever the bytes (invalid UTF-8 is read as
//! the lossy text a vendor's body becomes), and what they read is a valid
//! option set or a finite number; the refusal classifier and the second
//! opinion's parser answer for every input.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tb_core::Choice;
use tb_grade::{choice, numeric, refusal, second_opinion};

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
    if let numeric::Reading::Stated { value, .. } = numeric::read(&text) {
        assert!(value.value.is_finite());
    }
    let _ = refusal::classify(&text);
    let verdict = serde_json::json!({ "judge": "j", "raw": text, "second_opinion": true });
    let _ = second_opinion::parse_reply(&verdict);
});
