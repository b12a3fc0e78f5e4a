//! The `tool_call` grader on every shared BFCL category: a call built from
//! each item's accepted answer passes, and the same call with a changed
//! argument, a missing call or a call written in the content does not.
//! Skipped where ../shared is missing, except in CI.

use std::path::Path;

use serde_json::{Map, Value, json};
use tb_grade::tool_call::ToolCallGrader;
use tb_grade::{Grader, Response};
use tb_suite::bfcl;

/// A call list made from the first accepted value of every parameter that is not optional.
fn known_correct(gold: &Value) -> Value {
    let calls = gold["calls"].as_array().unwrap();
    Value::Array(
        calls
            .iter()
            .map(|c| {
                let args: Map<String, Value> = c["arguments"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .filter_map(|(k, opts)| {
                        let first = opts.as_array()?.iter().find(|o| o.as_str() != Some(""))?;
                        Some((k.clone(), plain(first)))
                    })
                    .collect();
                json!({ "name": c["name"], "arguments": Value::Object(args).to_string() })
            })
            .collect(),
    )
}

/// Nested objects in answers list accepted values per key; a call sends one.
fn plain(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter_map(|(k, opts)| match opts {
                    Value::Array(a) => a.iter().find(|o| o.as_str() != Some("")).map(|o| (k.clone(), plain(o))),
                    other => Some((k.clone(), plain(other))),
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(plain).collect()),
        other => other.clone(),
    }
}

#[test]
fn every_bfcl_category_grades_known_answers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/bfcl");
    if !dir.exists() {
        assert!(std::env::var_os("TENDERBENCH_REQUIRE_SHARED").is_none(), "{} is required", dir.display());
        eprintln!("SKIPPED: {} not present (only on the developers' and CI machines)", dir.display());
        return;
    }
    let grade = |calls: Option<&Value>, text: &str, gold: &tb_core::Gold| {
        ToolCallGrader.grade(&Response { text, tool_calls: calls, verdict: None, metric: "" }, gold)
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
