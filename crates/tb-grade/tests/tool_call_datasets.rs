//! The `tool_call` grader on every shared BFCL category: a call built from
//! each item's accepted answer passes, and the same call with a changed
//! argument, a missing call or a call written in the content does not.
//! Skipped where ../shared is missing, except in CI.

mod common;
use common::shared;

use serde_json::{Value, json};
use tb_grade::tool_call::ToolCallGrader;
use tb_grade::{Grader, Response};
use tb_suite::bfcl;

/// The calls an item's answer file accepts, as the API returns them.
fn known_correct(gold: &Value) -> Value {
    let calls = tb_grade::tool_call::an_accepted_answer(gold);
    Value::Array(calls.into_iter().map(|(name, args)| json!({ "name": name, "arguments": args })).collect())
}

#[test]
fn every_bfcl_category_grades_known_answers() {
    let Some(dir) = shared("bfcl") else { return };
    let grade = |calls: Option<&Value>, text: &str, gold: &tb_core::Gold| {
        ToolCallGrader.grade(&Response { tool_calls: calls, ..Response::text(text) }, gold)
    };
    let mut total = 0;
    let mut failures = Vec::new();
    for category in bfcl::CATEGORIES {
        let cases = bfcl::import(&dir, category).unwrap_or_else(|e| panic!("{category}: {e}"));
        assert!(!cases.is_empty(), "{category}");
        for case in &cases {
            total += 1;
            assert!(case.tools.as_ref().unwrap().as_array().unwrap().iter().all(|t| {
                let name = t["function"]["name"].as_str().unwrap();
                name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            }));
            let data = &case.gold.data;
            match data["expect"].as_str().unwrap() {
                "no_call" => {
                    assert!(grade(None, "None of these functions can do that.", &case.gold).correct);
                    let call = json!([{ "name": "anything", "arguments": "{}" }]);
                    assert!(!grade(Some(&call), "", &case.gold).correct);
                }
                "any_call" => {
                    let name = case.tools.as_ref().unwrap()[0]["function"]["name"].clone();
                    assert!(grade(Some(&json!([{ "name": name, "arguments": "{}" }])), "", &case.gold).correct);
                    assert!(!grade(None, "I won't call anything.", &case.gold).correct);
                }
                _ => {
                    let right = known_correct(data);
                    let g = grade(Some(&right), "", &case.gold);
                    if !g.correct {
                        failures.push(format!("{}: {:?} for {right}", case.id, g.note));
                    }
                    assert!(!grade(None, "I'd call the function for you.", &case.gold).correct);
                    let mut wrong = right.clone();
                    wrong[0]["name"] = json!("not_a_function");
                    assert!(!grade(Some(&wrong), "", &case.gold).correct, "{}", case.id);
                    let as_text = format!("```json\n{}\n```", right);
                    let g = grade(None, &as_text, &case.gold);
                    assert!(!g.correct, "{}", case.id);
                }
            }
        }
    }
    eprintln!("BFCL: {total} cases; known-correct calls failing: {}: {failures:#?}", failures.len());
    assert!(failures.len() * 200 <= total, "more than 0.5% of known-correct calls failed: {failures:#?}");
}
