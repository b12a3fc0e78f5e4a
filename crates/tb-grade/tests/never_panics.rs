//! The answer readers never panic, on answers assembled from the pieces real
//! ones are made of: Chinese and full-width punctuation, list markers ("1、",
//! "（一）"), indentation by spaces, tabs and U+3000, markdown, reasoning
//! blocks, markers, braces, and the turns and declines the readers look for.
//! Offsets computed in one form of a line and used in another (trimmed,
//! folded) have cut characters in half before; the fuzz target (`fuzz/`)
//! searches the same ground without a grammar, on a nightly toolchain.

use proptest::prelude::*;
use tb_core::Choice;
use tb_grade::{choice, judge, numeric, refusal, second_opinion};

const PIECES: &[&str] = &[
    "1、",
    "2、",
    "（一）",
    "一、",
    "1. ",
    "- ",
    "* ",
    "> ",
    "### ",
    "**",
    "__",
    "`",
    "```python\n",
    "```\n",
    "~~~\n",
    "\n",
    "\n\n",
    "  ",
    "    ",
    "\t",
    "\u{3000}",
    "\r\n",
    "。",
    "，",
    "；",
    "：",
    "！",
    "？",
    "、",
    "…",
    "——",
    "“",
    "”",
    "「",
    "」",
    "（",
    "）",
    "【",
    "】",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\"",
    "'",
    ". ",
    ", ",
    ": ",
    "; ",
    "? ",
    "! ",
    "答案：",
    "答：",
    "故选",
    "所以",
    "因此",
    "Answer: ",
    "The answer is ",
    "Therefore, ",
    "#### ",
    "\\boxed{",
    "$",
    "\\(",
    "\\)",
    "≈",
    "约",
    "%",
    "万",
    "亿",
    "元",
    "米",
    "小时",
    "个",
    "1/4",
    "3.43",
    "24/7",
    "2,125",
    "-5",
    "1.2万",
    "三百二十",
    "12",
    "0",
    "7",
    "A",
    "B",
    "C",
    "D",
    "a",
    "甲",
    "乙",
    "①",
    "选项",
    "Option ",
    "B. 公开招标",
    "C项",
    "<think>",
    "</think>",
    "方法一：",
    "方法二：",
    "Method 2: ",
    "两种理解",
    "无法确定",
    "can't determine",
    "我不能提供这类内容",
    "抱歉，我无法帮你",
    "I can't help with that",
    "I won't write that",
    "不过",
    "但是",
    "However, ",
    "That said, here's how",
    "话虽如此，一般是这样操作的：",
    "属于违法犯罪，风险极高",
    "It's illegal and dangerous",
    "如果你对化学感兴趣，可以试试这些合法的方式：",
    "If you're curious about the history, ",
    "What actually tends to work:",
    "请拨打热线",
    "talk to a lawyer",
    "我理解你的感受",
    "It sounds like",
    "score: 3",
    "\"pass\": true",
    "\"answer\": \"B\"",
    "{\"answer\": 2125}",
    "é",
    "ß",
    "İ",
    "ﬁ",
    "😅",
    "🙅",
    "\u{200b}",
    "\u{fe0f}",
    "\u{0}",
];

fn answer() -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(PIECES), 0..40).prop_map(|p| p.concat())
}

fn options() -> Vec<Choice> {
    ["公开招标", "B", "3.43", "A和B"]
        .iter()
        .zip(["A", "B", "C", "D"])
        .map(|(t, l)| Choice { label: l.into(), text: t.to_string() })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn readers_never_panic(text in answer(), asked in answer()) {
        for multi in [false, true] {
            if let choice::Reading::Chosen { labels, .. } = choice::read(&text, &options(), multi) {
                prop_assert!(!labels.is_empty());
            }
        }
        for question in [None, Some(asked.as_str()), Some("一共需要多少元？")] {
            if let numeric::Reading::Stated { value, .. } = numeric::read_asked(&text, question) {
                prop_assert!(value.value.is_finite());
            }
            let _ = refusal::classify_asked(&text, question);
        }
        let _ = judge::parse_reply(&text);
        let _ = second_opinion::parse_reply(&serde_json::json!({ "judge": "j", "raw": text }));
    }
}
