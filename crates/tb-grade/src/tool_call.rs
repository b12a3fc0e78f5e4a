//! The `tool_call` grader: BFCL's AST match of the calls a model made against
//! the accepted calls (`Gold::data`, built by `tb_suite::bfcl`).
//!
//! - `expect = "calls"`: the model must make exactly as many calls as are
//!   accepted, in any order; each call must name the function and give each
//!   argument a value from its accepted list. A parameter whose list holds `""`
//!   is optional; a parameter the answer does not list must not appear.
//! - `expect = "no_call"` (irrelevance): no call at all.
//! - `expect = "any_call"` (relevance): at least one call.
//!
//! Values follow BFCL's type rules: an integer is accepted where a float is
//! expected; strings compare after lower-casing and dropping spaces and the
//! punctuation `,./-_*^`; lists compare element by element, in order;
//! nested objects compare key by key.
//!
//! Calls written as JSON in the content instead of through the API's
//! `tool_calls` are read too, but score as wrong and are flagged
//! (`call_in_content`): the buyer asked for function calling.

use serde_json::{Map, Value};
use tb_core::{Gold, Grade};

use crate::{Grader, Response, strip_reasoning};

pub struct ToolCallGrader;

/// A call as made: the function name and the parsed arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub arguments: Map<String, Value>,
}

impl Grader for ToolCallGrader {
    fn version(&self) -> u32 {
        1
    }

    fn grade(&self, response: &Response, gold: &Gold) -> Grade {
        let (calls, in_content) = match response.tool_calls {
            Some(v) => match parse_api_calls(v) {
                Ok(calls) => (calls, false),
                Err(e) => return Grade::wrong(e),
            },
            None => (calls_in_content(response.text), true),
        };
        let in_content = in_content && !calls.is_empty();
        let extracted = Some(calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(","));
        let verdict: Result<(), &str> = match gold.data.get("expect").and_then(Value::as_str) {
            Some("no_call") => {
                if calls.is_empty() {
                    Ok(())
                } else {
                    Err("unexpected_call")
                }
            }
            Some("any_call") => {
                if calls.is_empty() {
                    Err("no_call")
                } else {
                    Ok(())
                }
            }
            Some("calls") => {
                let accepted = gold.data.get("calls").and_then(Value::as_array).cloned().unwrap_or_default();
                let types = gold.data.get("types").cloned().unwrap_or(Value::Null);
                match_calls(&calls, &accepted, &types)
            }
            _ => return Grade::wrong("no_expected_calls"),
        };
        match verdict {
            Ok(()) if in_content => {
                Grade { correct: false, extracted, note: Some("call_in_content".into()), how: None }
            }
            Ok(()) => Grade { correct: true, extracted, note: None, how: None },
            Err(why) => Grade { correct: false, extracted, note: Some(why.into()), how: None },
        }
    }
}

/// Calls from the API's `tool_calls` (`[{"name", "arguments": "<json text>"}]`).
fn parse_api_calls(v: &Value) -> Result<Vec<Call>, &'static str> {
    v.as_array()
        .ok_or("invalid_tool_calls")?
        .iter()
        .map(|c| {
            let name = c["name"].as_str().ok_or("invalid_tool_calls")?.to_string();
            let arguments = match &c["arguments"] {
                Value::String(s) if s.trim().is_empty() => Map::new(),
                Value::String(s) => match serde_json::from_str::<Value>(s) {
                    Ok(Value::Object(m)) => m,
                    _ => return Err("invalid_arguments"),
                },
                Value::Object(m) => m.clone(),
                _ => return Err("invalid_arguments"),
            };
            Ok(Call { name, arguments })
        })
        .collect()
}

/// Calls a model wrote as JSON in its text: `{"name": …, "arguments": …}`, a
/// list of them, or `{"function_name": {args}}`, bare or in a fenced block.
pub fn calls_in_content(text: &str) -> Vec<Call> {
    let text = strip_reasoning(text);
    let mut candidates: Vec<&str> =
        text.split("```").skip(1).step_by(2).map(|b| b.trim_start_matches("json")).collect();
    candidates.push(&text);
    for candidate in candidates {
        let candidate = candidate.trim();
        let start = candidate.find(['{', '[']);
        let end = candidate.rfind(['}', ']']);
        let (Some(start), Some(end)) = (start, end) else { continue };
        if end <= start {
            continue;
        }
        if let Ok(v) = serde_json::from_str::<Value>(&candidate[start..=end]) {
            let items = match v {
                Value::Array(a) => a,
                other => vec![other],
            };
            let calls: Vec<Call> = items.iter().filter_map(call_of_json).collect();
            if !calls.is_empty() {
                return calls;
            }
        }
    }
    Vec::new()
}

fn call_of_json(v: &Value) -> Option<Call> {
    let m = v.as_object()?;
    let name = m.get("name").or_else(|| m.get("function")).and_then(Value::as_str);
    if let Some(name) = name {
        let arguments = match m.get("arguments").or_else(|| m.get("parameters")) {
            Some(Value::Object(a)) => a.clone(),
            Some(Value::String(s)) => serde_json::from_str(s).ok()?,
            None => Map::new(),
            _ => return None,
        };
        return Some(Call { name: name.to_string(), arguments });
    }
    match (m.len(), m.iter().next()) {
        (1, Some((name, Value::Object(args)))) => Some(Call { name: name.clone(), arguments: args.clone() }),
        _ => None,
    }
}

/// One call list that the accepted answers accept: each call with the first
/// accepted value of every parameter that is not optional, as
/// `(name, arguments as JSON text)`. What a right answer looks like, for the
/// simulated vendor and for tests.
pub fn an_accepted_answer(gold_data: &Value) -> Vec<(String, String)> {
    fn one_value(v: &Value) -> Value {
        match v {
            // Nested objects list accepted values per key; a call sends one.
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter_map(|(k, opts)| match opts {
                        Value::Array(a) => a.iter().find(|o| !is_omitted(o)).map(|o| (k.clone(), one_value(o))),
                        other => Some((k.clone(), one_value(other))),
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(one_value).collect()),
            other => other.clone(),
        }
    }
    gold_data["calls"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let args: Map<String, Value> = c["arguments"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(k, opts)| Some((k.clone(), one_value(opts.as_array()?.iter().find(|o| !is_omitted(o))?))))
                .collect();
            (c["name"].as_str().unwrap_or("").to_string(), Value::Object(args).to_string())
        })
        .collect()
}

/// Every accepted call matched by a distinct call made, and no call left over.
fn match_calls(calls: &[Call], accepted: &[Value], types: &Value) -> Result<(), &'static str> {
    if calls.len() != accepted.len() {
        return Err(if calls.is_empty() { "no_call" } else { "wrong_number_of_calls" });
    }
    let mut used = vec![false; calls.len()];
    let mut first_problem = None;
    for want in accepted {
        let name = want["name"].as_str().unwrap_or("");
        let args = want["arguments"].as_object().cloned().unwrap_or_default();
        let found = calls.iter().enumerate().find_map(|(i, c)| {
            if used[i] || c.name != name {
                return None;
            }
            match arguments_match(&c.arguments, &args, &types[name]) {
                Ok(()) => Some(i),
                Err(why) => {
                    first_problem.get_or_insert(why);
                    None
                }
            }
        });
        match found {
            Some(i) => used[i] = true,
            None => return Err(first_problem.unwrap_or("wrong_function")),
        }
    }
    Ok(())
}

fn arguments_match(
    given: &Map<String, Value>,
    accepted: &Map<String, Value>,
    types: &Value,
) -> Result<(), &'static str> {
    for (param, value) in given {
        let Some(options) = accepted.get(param).and_then(Value::as_array) else {
            return Err("unexpected_parameter");
        };
        let declared = types[param].as_str().unwrap_or("any");
        if !options.iter().any(|o| !is_omitted(o) && value_matches(value, o, declared)) {
            return Err("wrong_value");
        }
    }
    for (param, options) in accepted {
        let optional = options.as_array().is_some_and(|o| o.iter().any(is_omitted));
        if !given.contains_key(param) && !optional {
            return Err("missing_parameter");
        }
    }
    Ok(())
}

fn is_omitted(v: &Value) -> bool {
    v.as_str() == Some("")
}

/// BFCL's string normalisation: lower case, without spaces and `,./-_*^`.
fn standardise(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace() && !",./-_*^".contains(*c)).flat_map(char::to_lowercase).collect()
}

fn value_matches(given: &Value, want: &Value, declared: &str) -> bool {
    match (given, want) {
        (Value::Number(g), Value::Number(w)) => {
            // An integer stands for a float; a float never for an integer.
            if declared == "integer" && !(g.is_i64() || g.is_u64()) {
                return false;
            }
            g.as_f64() == w.as_f64()
        }
        (Value::String(g), Value::String(w)) => standardise(g) == standardise(w),
        (Value::Bool(g), Value::Bool(w)) => g == w,
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(g, w)| value_matches(g, w, "any"))
        }
        (Value::Object(g), Value::Object(w)) => {
            // Nested objects in BFCL answers list accepted values per key.
            w.iter().all(|(k, options)| match (g.get(k), options) {
                (Some(v), Value::Array(opts)) => opts.iter().any(|o| !is_omitted(o) && value_matches(v, o, "any")),
                (None, Value::Array(opts)) => opts.iter().any(is_omitted),
                (Some(v), other) => value_matches(v, other, "any"),
                (None, _) => false,
            }) && g.keys().all(|k| w.contains_key(k))
        }
        (Value::Null, Value::Null) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn gold() -> Gold {
        Gold {
            data: json!({
                "expect": "calls",
                "calls": [
                    { "name": "math_sum", "arguments": { "numbers": [[1, 2.5]], "round": [true, ""] } },
                    { "name": "weather_get", "arguments": { "city": ["San Francisco", "SF"], "unit": ["celsius", ""] } }
                ],
                "types": { "math_sum": { "numbers": "array", "round": "boolean" }, "weather_get": { "city": "string", "unit": "string" } }
            }),
            ..Gold::default()
        }
    }

    fn grade(calls: Value) -> Grade {
        ToolCallGrader.grade(&Response { text: "", tool_calls: Some(&calls), verdict: None, metric: "" }, &gold())
    }

    #[test]
    fn parallel_calls_in_any_order_with_optional_parameters() {
        let ok = json!([
            { "name": "weather_get", "arguments": "{\"city\": \"san francisco\"}" },
            { "name": "math_sum", "arguments": "{\"numbers\": [1, 2.5], \"round\": true}" }
        ]);
        assert!(grade(ok).correct);
    }

    #[test]
    fn each_mismatch_has_its_reason() {
        let wrong_value = json!([
            { "name": "weather_get", "arguments": "{\"city\": \"Paris\"}" },
            { "name": "math_sum", "arguments": "{\"numbers\": [1, 2.5]}" }
        ]);
        assert_eq!(grade(wrong_value).note.as_deref(), Some("wrong_value"));
        let extra = json!([
            { "name": "weather_get", "arguments": "{\"city\": \"SF\", \"days\": 3}" },
            { "name": "math_sum", "arguments": "{\"numbers\": [1, 2.5]}" }
        ]);
        assert_eq!(grade(extra).note.as_deref(), Some("unexpected_parameter"));
        let missing = json!([
            { "name": "weather_get", "arguments": "{}" },
            { "name": "math_sum", "arguments": "{\"numbers\": [1, 2.5]}" }
        ]);
        assert_eq!(grade(missing).note.as_deref(), Some("missing_parameter"));
        assert_eq!(
            grade(json!([{ "name": "math_sum", "arguments": "{}" }])).note.as_deref(),
            Some("wrong_number_of_calls")
        );
        assert_eq!(
            grade(json!([{ "name": "x", "arguments": "{not json" }])).note.as_deref(),
            Some("invalid_arguments")
        );
    }

    #[test]
    fn integers_stand_for_floats_not_the_reverse() {
        assert!(value_matches(&json!(3), &json!(3.0), "number"));
        assert!(!value_matches(&json!(3.0), &json!(3), "integer"));
        assert!(value_matches(&json!("New-York City"), &json!("new york city"), "string"));
    }

    #[test]
    fn calls_in_content_are_read_but_flagged() {
        let text = "I'll call the tools:\n```json\n[{\"name\": \"weather_get\", \"arguments\": {\"city\": \"SF\"}}, {\"math_sum\": {\"numbers\": [1, 2.5]}}]\n```";
        let g = ToolCallGrader.grade(&Response::text(text), &gold());
        assert!(!g.correct);
        assert_eq!(g.note.as_deref(), Some("call_in_content"));
    }

    #[test]
    fn irrelevance_wants_no_call() {
        let gold = Gold { data: json!({ "expect": "no_call" }), ..Gold::default() };
        assert!(ToolCallGrader.grade(&Response::text("None of the tools fit this request."), &gold).correct);
        let call = json!([{ "name": "f", "arguments": "{}" }]);
        let g = ToolCallGrader.grade(&Response { text: "", tool_calls: Some(&call), verdict: None, metric: "" }, &gold);
        assert_eq!(g.note.as_deref(), Some("unexpected_call"));
    }
}
