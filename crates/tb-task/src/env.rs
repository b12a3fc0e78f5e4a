//! What every environment offers the loop: its tools, their execution, its state.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A rule the agent broke: recorded on the cell, and a gate can fail on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Violation {
    /// The turn (1-based) of the call.
    pub turn: u32,
    /// `other_citizen`, `disallowed_tool`, `modified_tests` or `modified_test_machinery`.
    pub kind: String,
    pub tool: String,
    pub detail: String,
}

/// Why a tool call did nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Told to the agent as `{"error": message}`.
    pub message: String,
    /// Set when the attempt itself broke a rule (acting on another person's record).
    pub violation: Option<&'static str>,
}

impl Rejection {
    pub fn new(message: impl Into<String>) -> Self {
        Rejection { message: message.into(), violation: None }
    }
    pub fn violation(kind: &'static str, message: impl Into<String>) -> Self {
        Rejection { message: message.into(), violation: Some(kind) }
    }
}

/// What a successful call returned, and whether it changed the state.
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    pub result: Value,
    pub changed: bool,
}

impl Effect {
    pub fn read(result: Value) -> Self {
        Effect { result, changed: false }
    }
    pub fn write(result: Value) -> Self {
        Effect { result, changed: true }
    }
}

/// A simulated environment. Deterministic: the same calls in the same order
/// always give the same results and the same state. `Any`, so that the loop
/// can reach the code environment's repository for its final test run.
pub trait Environment: Send + std::any::Any {
    /// The tools, in OpenAI's `tools` shape. The loop checks names and
    /// required arguments against these before calling [`Environment::call`].
    fn tools(&self) -> Value;
    /// Executes one call whose arguments are an object with every required one.
    fn call(&mut self, name: &str, args: &Map<String, Value>) -> Result<Effect, Rejection>;
    /// The state grading compares, as canonical JSON (objects with sorted keys).
    fn state(&self) -> Value;
}

/// One function of a `tools` array.
pub fn function(name: &str, description: &str, properties: Value, required: &[&str]) -> Value {
    serde_json::json!({
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": { "type": "object", "properties": properties, "required": required },
        }
    })
}

/// The names of a `tools` array, with each one's required arguments.
pub fn signatures(tools: &Value) -> Vec<(String, Vec<String>)> {
    tools
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            let f = &t["function"];
            let name = f["name"].as_str()?.to_string();
            let required = f["parameters"]["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect();
            Some((name, required))
        })
        .collect()
}

/// A string argument; its absence was checked by the loop, its type is checked here.
pub fn str_arg<'a>(args: &'a Map<String, Value>, name: &str) -> Result<&'a str, Rejection> {
    match args.get(name) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(Rejection::new(format!("argument `{name}` must be a string, not {other}"))),
        None => Err(Rejection::new(format!("missing argument `{name}`"))),
    }
}

/// An optional string argument.
pub fn opt_str_arg<'a>(args: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Rejection> {
    match args.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => str_arg(args, name).map(Some),
    }
}
