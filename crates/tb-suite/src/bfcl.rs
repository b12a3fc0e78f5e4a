//! BFCL (Berkeley Function Calling Leaderboard) single-turn categories: the
//! questions file and its `possible_answer` file joined into cases whose
//! functions are offered as OpenAI `tools` and whose accepted calls are kept
//! for the `tool_call` grader.
//!
//! As BFCL's own OpenAI handler does, dots in function names become
//! underscores (OpenAI names allow `[a-zA-Z0-9_-]` only) and BFCL's types
//! become JSON Schema's (`dict` → `object`, `float` → `number`, `tuple` →
//! `array`; Java and JavaScript types → `string`). The grader compares
//! against the sent names; the original name is kept in the case.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value, json};
use tb_core::{Case, Gold, Message};

use crate::import::{ImportError, read_json_lines};

/// Categories with no answer file, and what the model should do.
fn expectation(category: &str) -> Option<&'static str> {
    match category {
        "irrelevance" | "live_irrelevance" => Some("no_call"),
        "live_relevance" => Some("any_call"),
        _ => None,
    }
}

/// The name sent to the vendor for a BFCL function name.
pub fn sent_name(name: &str) -> String {
    name.replace('.', "_")
}

fn schema_type(t: &str) -> Option<&'static str> {
    Some(match t {
        "dict" | "HashMap" | "object" => "object",
        "float" | "double" | "number" => "number",
        "integer" | "long" | "int" => "integer",
        "tuple" | "array" | "Array" | "ArrayList" | "list" => "array",
        "boolean" | "Boolean" | "bool" => "boolean",
        "any" | "" => return None,
        _ => "string",
    })
}

/// BFCL's parameter schema as JSON Schema, recursively.
fn convert_schema(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                match (k.as_str(), v) {
                    ("type", Value::String(t)) => {
                        if let Some(t) = schema_type(t) {
                            out.insert("type".into(), json!(t));
                        }
                    }
                    // Only JSON Schema's own keywords are kept beside converted ones.
                    ("properties", Value::Object(props)) => {
                        out.insert(
                            k.clone(),
                            Value::Object(props.iter().map(|(p, s)| (p.clone(), convert_schema(s))).collect()),
                        );
                    }
                    _ => {
                        out.insert(k.clone(), convert_schema(v));
                    }
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(convert_schema).collect()),
        other => other.clone(),
    }
}

/// Parameter types per function (by sent name), for the grader's type rules.
fn param_types(functions: &[Value]) -> Value {
    let mut out = Map::new();
    for f in functions {
        let name = sent_name(f["name"].as_str().unwrap_or(""));
        let props = f["parameters"]["properties"].as_object().cloned().unwrap_or_default();
        let types: Map<String, Value> = props
            .iter()
            .map(|(p, s)| (p.clone(), json!(s["type"].as_str().and_then(schema_type).unwrap_or("any"))))
            .collect();
        out.insert(name, Value::Object(types));
    }
    Value::Object(out)
}

/// Reads one category (`simple_python`, `parallel`, `irrelevance`, …) from a BFCL folder.
pub fn import(dir: &Path, category: &str) -> Result<Vec<Case>, ImportError> {
    let questions = read_json_lines(&dir.join(format!("BFCL_v4_{category}.json")))?;
    let answers: HashMap<String, Value> = match expectation(category) {
        Some(_) => HashMap::new(),
        None => read_json_lines(&dir.join("possible_answer").join(format!("BFCL_v4_{category}.json")))?
            .into_iter()
            .filter_map(|a| Some((a["id"].as_str()?.to_string(), a["ground_truth"].clone())))
            .collect(),
    };
    let mut cases = Vec::with_capacity(questions.len());
    let mut problems = Vec::new();
    for (i, q) in questions.iter().enumerate() {
        let id = q["id"].as_str().unwrap_or_default().to_string();
        let turn = &q["question"][0];
        let messages: Vec<Message> = match serde_json::from_value(turn.clone()) {
            Ok(m) => m,
            Err(e) => {
                problems.push(format!("line {}: question: {e}", i + 1));
                continue;
            }
        };
        let functions = q["function"].as_array().cloned().unwrap_or_default();
        let tools: Vec<Value> = functions
            .iter()
            .map(|f| {
                json!({ "type": "function", "function": {
                    "name": sent_name(f["name"].as_str().unwrap_or("")),
                    "description": f["description"],
                    "parameters": convert_schema(&f["parameters"]),
                }})
            })
            .collect();
        let data = match expectation(category) {
            // The offered functions' types name them: a call written in the text
            // counts only when it names one of them.
            Some(expect) => json!({ "expect": expect, "category": category, "types": param_types(&functions) }),
            None => {
                let Some(truth) = answers.get(&id) else {
                    problems.push(format!("line {}: {id} has no entry in possible_answer", i + 1));
                    continue;
                };
                // Accepted calls under the names the vendor sees.
                let calls: Vec<Value> = truth
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_object)
                    .flat_map(|m| m.iter().map(|(name, args)| json!({ "name": sent_name(name), "arguments": args })))
                    .collect();
                json!({ "expect": "calls", "category": category, "calls": calls, "types": param_types(&functions) })
            }
        };
        cases.push(Case {
            id,
            messages,
            gold: Gold { answer: String::new(), options: vec![], data },
            subject: Some(category.to_string()),
            language: Some("en".into()),
            tools: Some(Value::Array(tools)),
        });
    }
    if problems.is_empty() { Ok(cases) } else { Err(ImportError::Rows(problems)) }
}

/// The categories a BFCL folder holds.
pub const CATEGORIES: &[&str] = &[
    "simple_python",
    "simple_java",
    "simple_javascript",
    "multiple",
    "parallel",
    "parallel_multiple",
    "irrelevance",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
    "live_irrelevance",
    "live_relevance",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_become_json_schema() {
        let s = json!({ "type": "dict", "properties": { "x": { "type": "float" }, "t": { "type": "tuple", "items": { "type": "integer" } }, "a": { "type": "any" } }, "required": ["x"] });
        let c = convert_schema(&s);
        assert_eq!(c["type"], "object");
        assert_eq!(c["properties"]["x"]["type"], "number");
        assert_eq!(c["properties"]["t"]["type"], "array");
        assert!(c["properties"]["a"].get("type").is_none());
        assert_eq!(sent_name("math_toolkit.sum_of_multiples"), "math_toolkit_sum_of_multiples");
    }
}
