//! The `tool_call` grader: BFCL's AST match of the calls a model made against
//! the accepted calls (`Gold::data`, built by `tb_suite::bfcl`).
//!
//! - `expect = "calls"`: the model must make exactly as many calls as are
//!   accepted, in any order; each call must name the function and give each
//!   argument a value from its accepted list. A parameter whose list holds `""`
//!   is optional; a parameter the answer does not list must not appear.
//! - `expect = "no_call"` (irrelevance): no call at all. A refusal in any
//!   form (prose, or JSON such as `{"error": {"code": "no_suitable_function"}}`)
//!   is no call.
//! - `expect = "any_call"` (relevance): at least one call.
//!
//! Values follow BFCL's type rules (rule `bfcl`, the default, for
//! comparability): an integer is accepted where a float is expected, never
//! the reverse; strings compare after lower-casing and dropping spaces and
//! the punctuation `,./-_*^`; lists compare element by element, in order;
//! nested objects compare key by key. Rule `lenient` also accepts what a
//! careful reader would: an integer written `5.0`, and `null` for an
//! optional parameter.
//!
//! Calls written in the text instead of through the API's `tool_calls`
//! (`<tool_call>` blocks, `<function=name>` tags, JSON bare or fenced) are
//! read and recorded as such (`how = "calls_in_text"`). They count only under
//! `calls_in_text = "accept"`; by default they score as wrong
//! (`call_in_content`): the buyer asked for function calling. A JSON object
//! in the text is a call only when it names an offered function (where the
//! case lists them) and is shaped as one.

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

/// How a grade says its calls were read from the text.
pub const HOW_CALLS_IN_TEXT: &str = "calls_in_text";
/// The note of calls read from the text under `calls_in_text = "reject"`.
pub const NOTE_CALL_IN_CONTENT: &str = "call_in_content";

impl Grader for ToolCallGrader {
    fn version(&self) -> u32 {
        2
    }

    fn grade(&self, response: &Response, gold: &Gold) -> Grade {
        let lenient = response.rule == "lenient";
        let offered = offered_functions(&gold.data);
        let (calls, in_text) = match response.tool_calls {
            Some(v) => match parse_api_calls(v) {
                Ok(calls) => (calls, false),
                Err(e) => return Grade::wrong(e),
            },
            None => (calls_in_text(response.text, offered.as_deref()), true),
        };
        let in_text = in_text && !calls.is_empty();
        let extracted = Some(calls.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(","));
        let how = in_text.then(|| HOW_CALLS_IN_TEXT.to_string());
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
                match_calls(&calls, &accepted, &types, lenient)
            }
            _ => return Grade::wrong("no_expected_calls"),
        };
        match verdict {
            Ok(()) if in_text && !response.accept_calls_in_text => {
                Grade { correct: false, extracted, note: Some(NOTE_CALL_IN_CONTENT.into()), how }
            }
            Ok(()) => Grade { correct: true, extracted, note: None, how },
            Err(why) => Grade { correct: false, extracted, note: Some(why.into()), how },
        }
    }
}

/// The names of the functions the case offered, where its gold data lists them.
fn offered_functions(data: &Value) -> Option<Vec<String>> {
    let mut names: Vec<String> = data.get("types")?.as_object()?.keys().cloned().collect();
    for call in data.get("calls").and_then(Value::as_array).into_iter().flatten() {
        if let Some(n) = call["name"].as_str().filter(|n| !names.iter().any(|m| m == n)) {
            names.push(n.to_string());
        }
    }
    Some(names)
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

/// At most this many JSON values are tried in one answer's text.
const MAX_TEXT_VALUES: usize = 64;

/// Calls a model wrote in its text: `<tool_call>{…}</tool_call>` blocks,
/// `<function=name>{…}</function>` tags, and JSON (bare or fenced) shaped
/// as a call: `{"name": …, "arguments": …}`, OpenAI's
/// `{"type": "function", "function": {…}}`, a list of them, or
/// `{"function_name": {args}}`. `offered` (where known) are the functions a
/// call may name: anything else in the text is prose, not a call.
pub fn calls_in_text(text: &str, offered: Option<&[String]>) -> Vec<Call> {
    let stripped = strip_reasoning(text);
    let text: &str = &stripped;
    let is_offered = |name: &str| offered.is_none_or(|o| o.iter().any(|n| n == name));
    let mut calls = Vec::new();
    // `<function=name>{args}</function>` (Llama's form).
    let mut rest = text;
    while let Some(at) = rest.find("<function=") {
        rest = &rest[at + "<function=".len()..];
        let Some(close) = rest.find('>') else { break };
        let name = rest[..close].trim().trim_matches(['"', '\'']);
        let body = &rest[close + 1..];
        let body = body.find("</function>").map_or(body, |end| &body[..end]);
        if let Some(Value::Object(arguments)) = json_values(body).into_iter().next()
            && is_offered(name)
        {
            calls.push(Call { name: name.to_string(), arguments });
        }
    }
    if !calls.is_empty() {
        return calls;
    }
    // Everything else is JSON: inside `<tool_call>` blocks where there are
    // any, else anywhere in the text (fences are only text around JSON).
    let blocks: Vec<&str> =
        text.split("<tool_call>").skip(1).map(|b| b.split("</tool_call>").next().unwrap_or(b)).collect();
    let scopes = if blocks.is_empty() { vec![text] } else { blocks };
    for scope in scopes {
        for value in json_values(scope) {
            let items = match value {
                Value::Array(a) => a,
                other => vec![other],
            };
            calls.extend(items.iter().filter_map(|v| call_of_json(v, offered)));
        }
    }
    calls
}

/// The JSON objects and arrays in a text, outermost first, left to right.
fn json_values(text: &str) -> Vec<Value> {
    let mut values = Vec::new();
    let mut at = 0;
    while values.len() < MAX_TEXT_VALUES {
        let Some(start) = text[at..].find(['{', '[']).map(|i| at + i) else { break };
        let mut stream = serde_json::Deserializer::from_str(&text[start..]).into_iter::<Value>();
        match stream.next() {
            Some(Ok(v)) => {
                values.push(v);
                at = start + stream.byte_offset();
            }
            _ => at = start + 1,
        }
    }
    values
}

/// Keys that name what a JSON reply is, not a function it calls.
const NOT_FUNCTIONS: &[&str] = &[
    "error", "errors", "refusal", "response", "result", "message", "answer", "data", "output", "reason", "status",
    "detail",
];

fn call_of_json(v: &Value, offered: Option<&[String]>) -> Option<Call> {
    let m = v.as_object()?;
    let is_offered = |name: &str| match offered {
        Some(o) => o.iter().any(|n| n == name),
        None => !NOT_FUNCTIONS.contains(&name) && !name.is_empty() && !name.contains(char::is_whitespace),
    };
    if let Some(inner) = m.get("function").filter(|f| f.is_object()) {
        return call_of_json(inner, offered);
    }
    let name = m.get("name").or_else(|| m.get("function")).and_then(Value::as_str);
    if let Some(name) = name {
        let arguments = match m.get("arguments").or_else(|| m.get("parameters")) {
            Some(Value::Object(a)) => a.clone(),
            Some(Value::String(s)) => serde_json::from_str(s).ok()?,
            // A name alone is a call only of a function the case offered.
            None if offered.is_some() => Map::new(),
            _ => return None,
        };
        return is_offered(name).then(|| Call { name: name.to_string(), arguments });
    }
    match (m.len(), m.iter().next()) {
        (1, Some((name, Value::Object(args)))) if is_offered(name) => {
            Some(Call { name: name.clone(), arguments: args.clone() })
        }
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
fn match_calls(calls: &[Call], accepted: &[Value], types: &Value, lenient: bool) -> Result<(), &'static str> {
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
            match arguments_match(&c.arguments, &args, &types[name], lenient) {
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
    lenient: bool,
) -> Result<(), &'static str> {
    let optional = |options: &Value| options.as_array().is_some_and(|o| o.iter().any(is_omitted));
    for (param, value) in given {
        let Some(options) = accepted.get(param).and_then(Value::as_array) else {
            return Err("unexpected_parameter");
        };
        // Lenient: `null` is leaving the parameter out (wrong only where it is required).
        if lenient && value.is_null() {
            continue;
        }
        let declared = types[param].as_str().unwrap_or("any");
        if !options.iter().any(|o| !is_omitted(o) && value_matches(value, o, declared, lenient)) {
            return Err("wrong_value");
        }
    }
    for (param, options) in accepted {
        let left_out = given.get(param).is_none_or(|v| lenient && v.is_null());
        if left_out && !optional(options) {
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

fn value_matches(given: &Value, want: &Value, declared: &str, lenient: bool) -> bool {
    match (given, want) {
        (Value::Number(g), Value::Number(w)) => {
            // An integer stands for a float; a float never for an integer
            // (leniently, a float with no fraction does: `5.0`).
            let whole = g.as_f64().is_some_and(|f| f.fract() == 0.0);
            if declared == "integer" && !(g.is_i64() || g.is_u64()) && !(lenient && whole) {
                return false;
            }
            g.as_f64() == w.as_f64()
        }
        (Value::String(g), Value::String(w)) => standardise(g) == standardise(w),
        (Value::Bool(g), Value::Bool(w)) => g == w,
        (Value::Array(g), Value::Array(w)) => {
            g.len() == w.len() && g.iter().zip(w).all(|(g, w)| value_matches(g, w, "any", lenient))
        }
        (Value::Object(g), Value::Object(w)) => {
            // Nested objects in BFCL answers list accepted values per key.
            w.iter().all(|(k, options)| match (g.get(k), options) {
                (Some(v), Value::Array(opts)) => {
                    opts.iter().any(|o| !is_omitted(o) && value_matches(v, o, "any", lenient))
                }
                (None, Value::Array(opts)) => opts.iter().any(is_omitted),
                (Some(v), other) => value_matches(v, other, "any", lenient),
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
        graded("", Some(&calls), "", false, &gold())
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
        assert!(value_matches(&json!(3), &json!(3.0), "number", false));
        assert!(!value_matches(&json!(3.0), &json!(3), "integer", false));
        assert!(value_matches(&json!("New-York City"), &json!("new york city"), "string", false));
        // The lenient rule reads `3.0` as the integer 3, and nothing else.
        assert!(value_matches(&json!(3.0), &json!(3), "integer", true));
        assert!(!value_matches(&json!(3.5), &json!(3), "integer", true));
    }

    fn graded(text: &str, calls: Option<&Value>, rule: &str, accept: bool, gold: &Gold) -> Grade {
        let r = Response { text, tool_calls: calls, rule, accept_calls_in_text: accept, ..Response::text("") };
        ToolCallGrader.grade(&r, gold)
    }

    #[test]
    fn the_lenient_rule_accepts_null_for_optional_and_whole_floats() {
        let gold = Gold {
            data: json!({
                "expect": "calls",
                "calls": [{ "name": "area", "arguments": { "radius": [5], "unit": ["m", ""] } }],
                "types": { "area": { "radius": "integer", "unit": "string" } }
            }),
            ..Gold::default()
        };
        let call = json!([{ "name": "area", "arguments": "{\"radius\": 5.0, \"unit\": null}" }]);
        assert_eq!(graded("", Some(&call), "", false, &gold).note.as_deref(), Some("wrong_value"), "BFCL's rule");
        assert!(graded("", Some(&call), "lenient", false, &gold).correct);
        // null for a required parameter is still missing.
        let call = json!([{ "name": "area", "arguments": "{\"radius\": null}" }]);
        assert_eq!(graded("", Some(&call), "lenient", false, &gold).note.as_deref(), Some("missing_parameter"));
    }

    #[test]
    fn calls_in_content_are_read_but_flagged() {
        let text = "I'll call the tools:\n```json\n[{\"name\": \"weather_get\", \"arguments\": {\"city\": \"SF\"}}, {\"math_sum\": {\"numbers\": [1, 2.5]}}]\n```";
        let g = ToolCallGrader.grade(&Response::text(text), &gold());
        assert!(!g.correct);
        assert_eq!(g.note.as_deref(), Some("call_in_content"));
        assert_eq!(g.how.as_deref(), Some(HOW_CALLS_IN_TEXT));
        let g = graded(text, None, "", true, &gold());
        assert!(g.correct, "accepted when the spec says so: {g:?}");
        assert_eq!(g.how.as_deref(), Some(HOW_CALLS_IN_TEXT));
    }

    #[test]
    fn every_written_form_of_a_call_is_read() {
        let forms = [
            // Several Hermes / Qwen blocks.
            "<tool_call>\n{\"name\": \"weather_get\", \"arguments\": {\"city\": \"SF\"}}\n</tool_call>\n<tool_call>\n{\"name\": \"math_sum\", \"arguments\": {\"numbers\": [1, 2.5]}}\n</tool_call>",
            // Bare objects one after another, with prose between.
            "First: {\"name\": \"weather_get\", \"arguments\": {\"city\": \"SF\"}} then {\"name\": \"math_sum\", \"parameters\": {\"numbers\": [1, 2.5]}}.",
            // OpenAI's shape written out, arguments as JSON text.
            "[{\"type\": \"function\", \"function\": {\"name\": \"weather_get\", \"arguments\": \"{\\\"city\\\": \\\"SF\\\"}\"}}, {\"type\": \"function\", \"function\": {\"name\": \"math_sum\", \"arguments\": {\"numbers\": [1, 2.5]}}}]",
            // Llama's tags.
            "<function=weather_get>{\"city\": \"SF\"}</function><function=math_sum>{\"numbers\": [1, 2.5]}</function>",
        ];
        for text in forms {
            let g = graded(text, None, "", true, &gold());
            assert!(g.correct, "{text}: {g:?}");
        }
    }

    #[test]
    fn a_refusal_in_any_form_is_no_call() {
        let offered = Gold {
            data: json!({ "expect": "no_call", "types": { "get_stock": { "symbol": "string" } } }),
            ..Gold::default()
        };
        let unlisted = Gold { data: json!({ "expect": "no_call" }), ..Gold::default() };
        let refusals = [
            "{\"error\": {\"code\": \"no_suitable_function\", \"message\": \"None of the functions can answer this.\"}}",
            "```json\n{\"refusal\": {\"reason\": \"no tool fits\"}}\n```",
            "{\"name\": \"none\", \"reason\": \"no function applies\"}",
            "None of the given functions can compute that; the formula is {a: 1}.",
            "抱歉，提供的函数都无法完成此请求。",
        ];
        for text in refusals {
            for gold in [&offered, &unlisted] {
                let g = graded(text, None, "", true, gold);
                assert!(g.correct, "{text}: {g:?}");
            }
        }
        // A call of an offered function written in the text is a call.
        let call = "<tool_call>{\"name\": \"get_stock\", \"arguments\": {\"symbol\": \"AAPL\"}}</tool_call>";
        assert_eq!(graded(call, None, "", true, &offered).note.as_deref(), Some("unexpected_call"));
    }

    #[test]
    fn irrelevance_wants_no_call() {
        let gold = Gold { data: json!({ "expect": "no_call" }), ..Gold::default() };
        assert!(ToolCallGrader.grade(&Response::text("None of the tools fit this request."), &gold).correct);
        let call = json!([{ "name": "f", "arguments": "{}" }]);
        assert_eq!(graded("", Some(&call), "", false, &gold).note.as_deref(), Some("unexpected_call"));
    }
}
