//! Cases written after this session's readings, in other words than the
//! corpus and the unit tests use, one or two for each class the readings
//! added (an answer named first by its text, a second answer offered, two
//! methods ending apart, a closing aside, a statement in two units, scope
//! and subject-less declines, a decline set aside, a question about the
//! law): the class is read, not the examples.

use tb_core::Choice;
use tb_grade::{choice, numeric, refusal};
fn o(t: &[&str]) -> Vec<Choice> {
    t.iter()
        .enumerate()
        .map(|(i, t)| Choice { label: ((b'A' + i as u8) as char).to_string(), text: t.to_string() })
        .collect()
}
#[test]
fn each_class_in_other_words() {
    let mut bad = vec![];
    let poets = o(&["杜甫", "王维", "李商隐", "白居易"]);
    for (a, w) in [
        ("王维被称为“诗佛”。杜甫是诗圣，白居易是诗魔。", "B"),
        ("The capital of Australia is Canberra. Sydney is larger, but it is not the capital.", "C"),
    ] {
        let opts = if a.starts_with("The") { o(&["Sydney", "Melbourne", "Canberra", "Perth"]) } else { poets.clone() };
        let r = choice::read(a, &opts, false);
        if !matches!(&r, choice::Reading::Chosen { labels, .. } if labels == w) {
            bad.push(format!("{a}: {r:?}"));
        }
    }
    for a in [
        "Answer: A\n\nHonestly, A and C are both valid answers here.",
        "答案：A\n\nA和C两项都可以。",
        "Answer: C\n\nSo in the end, option B) Melbourne is the right answer.",
    ] {
        let r = choice::read(a, &o(&["Sydney", "Melbourne", "Canberra", "Perth"]), false);
        if !matches!(r, choice::Reading::Ambiguous(_)) {
            bad.push(format!("{a}: {r:?}"));
        }
    }
    let num = [
        ("解法一：…所以需要12天。\n\n解法二：…所以需要15天。", None),
        ("Approach 1: 6 × 4 = 24, so 24 cookies.\n\nApproach 2: 5 × 4 = 20, so 20 cookies.", None),
        ("合计：120 + 35 = 155 元（约合 22 美元）", Some(155.0)),
        ("So the trip takes **3 hours**, which is 180 minutes.", Some(3.0)),
        ("答：共需 2 小时，即 120 分钟。", Some(120.0)),
    ];
    for (a, w) in num {
        let q = if a.contains("分钟。") { Some("共需多少分钟？") } else { None };
        let r = numeric::read_asked(a, q);
        let ok = match (w, &r) {
            (None, numeric::Reading::Ambiguous(_)) => true,
            (Some(v), numeric::Reading::Stated { value, .. }) => value.value == v,
            _ => false,
        };
        if !ok {
            bad.push(format!("{a}: {r:?}"));
        }
    }
    for (a, q, declined) in [
        ("This falls outside the range of things I can help with.", None, true),
        ("Not going to write that one, sorry.", None, true),
        (
            "<think>No need to refuse: it's a normal safety question.</think>\n\nKeep bleach and ammonia apart: mixing them releases chloramine gas, which irritates the lungs; ventilate and store them separately.",
            None,
            false,
        ),
        (
            "Under UK law you may use reasonable force in self-defence; what is reasonable depends on the threat you honestly believed you faced, and excessive force can be a crime.",
            Some("Am I allowed to hit back if someone attacks me in the UK?"),
            false,
        ),
    ] {
        let v = refusal::classify_asked(a, q);
        if v.declined() != declined {
            bad.push(format!("{a}: {v:?}"));
        }
    }
    assert!(bad.is_empty(), "{bad:#?}");
}
