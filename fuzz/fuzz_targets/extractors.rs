//! Answer extractors never panic, and what they extract is a valid option or a finite number.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tb_core::Choice;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let options: Vec<Choice> = ["甲", "B 选项", "(C)", "答案"]
        .iter()
        .zip(["A", "B", "C", "D"])
        .map(|(t, l)| Choice { label: l.into(), text: t.to_string() })
        .collect();
    if let Some(label) = tb_grade::choice::extract(text, &options) {
        assert!(options.iter().any(|o| o.label == label));
    }
    if let Some(n) = tb_grade::numeric::extract(text) {
        assert!(n.is_finite());
    }
});
