//! Function calls gathered from a response: whole in a JSON body, or in
//! pieces across stream chunks.
//!
//! Real vendors and the gateways in front of them differ in how they stream
//! a call, and a call assembled wrongly is graded wrongly:
//!
//! - OpenAI sends the name (and an `id`) in a call's first chunk and the
//!   arguments in fragments after it, every chunk with the call's `index`;
//! - some gateways repeat the whole name in every chunk (summing the pieces
//!   would give `f_namef_namef_name`);
//! - some leave `index` out, or give every parallel call index 0, and tell
//!   calls apart only by `id` or by a new name;
//! - parallel calls may interleave;
//! - the legacy `function_call` field (`message.function_call`,
//!   `delta.function_call`) carries one call.
//!
//! A chunk goes to the call its `id` names, else to the call its `index`
//! names (the last call given that index: a gateway that numbers every call
//! 0 still sends each one's `id`), else to the call last written. It starts
//! a new call when it names a function other than the one being written
//! after that one's arguments have begun, or when the arguments being
//! written are already one whole JSON value and the chunk starts another.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::wire::{Delta, FunctionCall, ResponseMessage};

#[derive(Default)]
pub(crate) struct ToolCalls {
    /// (name, arguments text) of each call, in the order calls began.
    calls: Vec<(String, String)>,
    /// Calls begun by a name alone after a whole call of that name: a
    /// gateway's repeat unless arguments follow.
    tentative: Vec<usize>,
    by_id: HashMap<String, usize>,
    by_index: HashMap<u64, usize>,
    /// The call the last chunk wrote to.
    last: Option<usize>,
}

impl ToolCalls {
    /// The calls of a non-streamed message: `tool_calls`, else the legacy `function_call`.
    pub(crate) fn of_message(message: &ResponseMessage) -> Option<Value> {
        let mut acc = ToolCalls::default();
        for call in message.tool_calls.iter().flatten() {
            acc.begin();
            acc.add(&call.function, call.id.as_deref(), call.index);
        }
        if acc.calls.is_empty()
            && let Some(function) = &message.function_call
        {
            acc.add(function, None, None);
        }
        acc.finish()
    }

    /// Forgets where the last chunk went: the next piece starts a call of its own.
    fn begin(&mut self) {
        self.last = None;
    }

    /// One stream delta's calls: `delta.tool_calls` and the legacy
    /// `delta.function_call` (one call at a time, no id, no index).
    pub(crate) fn add_delta(&mut self, delta: &Delta) -> bool {
        let mut carried = false;
        if let Some(calls) = &delta.tool_calls {
            for call in calls {
                self.add(&call.function, call.id.as_deref(), call.index);
            }
            carried = true;
        }
        if let Some(function) = &delta.function_call {
            self.add(function, None, None);
            carried = true;
        }
        carried
    }

    /// One piece of a call: `{index?, id?, function: {name?, arguments?}}`.
    fn add(&mut self, function: &FunctionCall, id: Option<&str>, index: Option<u64>) {
        let name = function.name.as_deref().filter(|n| !n.is_empty());
        let fragment = function.arguments.as_deref().unwrap_or("");
        let id = id.filter(|i| !i.is_empty());
        let known = id
            .and_then(|id| self.by_id.get(id).copied())
            .or_else(|| if id.is_some() { None } else { index.and_then(|i| self.by_index.get(&i).copied()) })
            .or(if id.is_none() && index.is_none() { self.last } else { None });
        let at = match known {
            Some(at) if !self.starts_another(at, name, fragment) => at,
            _ => {
                self.calls.push(Default::default());
                if fragment.trim().is_empty() && id.is_none() && known.is_some() {
                    self.tentative.push(self.calls.len() - 1);
                }
                self.calls.len() - 1
            }
        };
        if let Some(id) = id {
            self.by_id.insert(id.to_string(), at);
        }
        if let Some(index) = index {
            self.by_index.insert(index, at);
        }
        self.last = Some(at);
        let (written_name, arguments) = &mut self.calls[at];
        if let Some(name) = name {
            // A name repeated in every chunk is the same name; a name in
            // pieces comes before the arguments.
            if written_name.is_empty() || (arguments.is_empty() && written_name != name) {
                written_name.push_str(name);
            }
        }
        arguments.push_str(fragment);
        if !fragment.trim().is_empty() {
            self.tentative.retain(|t| *t != at);
        }
    }

    /// Whether a piece sent to call `at` is in fact the start of another call.
    fn starts_another(&self, at: usize, name: Option<&str>, fragment: &str) -> bool {
        let (written_name, arguments) = &self.calls[at];
        let other_name = name.is_some_and(|n| !written_name.is_empty() && n != written_name && !arguments.is_empty());
        let whole = !arguments.trim().is_empty() && serde_json::from_str::<Value>(arguments).is_ok();
        let another_value = whole && fragment.trim_start().starts_with(['{', '[']);
        // A name again after a whole call: another call of the same function,
        // or a gateway repeating the name (then nothing follows: see `tentative`).
        let named_again = whole && name.is_some();
        other_name || another_value || named_again
    }

    /// `[{"name", "arguments"}]` with the arguments as JSON text, or `None` without calls.
    pub(crate) fn finish(self) -> Option<Value> {
        let tentative = self.tentative;
        let calls: Vec<Value> = self
            .calls
            .into_iter()
            .enumerate()
            .filter(|(at, (name, arguments))| {
                !tentative.contains(at) && (!name.is_empty() || !arguments.trim().is_empty())
            })
            .map(|(_, call)| call)
            .map(|(name, arguments)| json!({ "name": name, "arguments": arguments }))
            .collect();
        (!calls.is_empty()).then_some(Value::Array(calls))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    fn streamed(deltas: &[Value]) -> Value {
        let mut acc = ToolCalls::default();
        for d in deltas {
            acc.add_delta(&crate::wire::Lenient::<Delta>::deserialize(d).unwrap().0.unwrap_or_default());
        }
        acc.finish().unwrap_or(Value::Null)
    }

    fn of_message(message: &Value) -> Option<Value> {
        ToolCalls::of_message(
            &crate::wire::Lenient::<ResponseMessage>::deserialize(message).unwrap().0.unwrap_or_default(),
        )
    }

    fn calls(v: &Value) -> Vec<(String, Value)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let args = c["arguments"].as_str().unwrap();
                (c["name"].as_str().unwrap().to_string(), serde_json::from_str(args).unwrap_or(json!(args)))
            })
            .collect()
    }

    fn piece(index: Option<u64>, id: Option<&str>, name: Option<&str>, args: &str) -> Value {
        let mut call = json!({ "function": { "arguments": args } });
        if let Some(i) = index {
            call["index"] = json!(i);
        }
        if let Some(id) = id {
            call["id"] = json!(id);
        }
        if let Some(n) = name {
            call["function"]["name"] = json!(n);
        }
        json!({ "tool_calls": [call] })
    }

    #[test]
    fn openai_streaming_by_index() {
        let v = streamed(&[
            piece(Some(0), Some("a"), Some("get_weather"), ""),
            piece(Some(0), None, None, "{\"city\": "),
            piece(Some(0), None, None, "\"Paris\"}"),
        ]);
        assert_eq!(calls(&v), vec![("get_weather".into(), json!({"city": "Paris"}))]);
    }

    #[test]
    fn a_name_repeated_in_every_chunk_is_one_name() {
        let name = "geometry_calculate_area_circle";
        let v = streamed(&[
            piece(Some(0), Some("a"), Some(name), "{\"radius\""),
            piece(Some(0), None, Some(name), ": 5, \"unit\""),
            piece(Some(0), None, Some(name), ": \"m\"}"),
        ]);
        assert_eq!(calls(&v), vec![(name.into(), json!({"radius": 5, "unit": "m"}))]);
        // The same without index or id.
        let v = streamed(&[piece(None, None, Some(name), "{\"radius\""), piece(None, None, Some(name), ": 5}")]);
        assert_eq!(calls(&v), vec![(name.into(), json!({"radius": 5}))]);
        // A last chunk that repeats the name alone is not another call.
        let v =
            streamed(&[piece(Some(0), Some("a"), Some(name), "{\"radius\": 5}"), piece(Some(0), None, Some(name), "")]);
        assert_eq!(calls(&v), vec![(name.into(), json!({"radius": 5}))]);
    }

    #[test]
    fn a_name_in_pieces_is_joined() {
        let v = streamed(&[
            piece(Some(0), Some("a"), Some("get_"), ""),
            piece(Some(0), None, Some("weather"), ""),
            piece(Some(0), None, None, "{}"),
        ]);
        assert_eq!(calls(&v), vec![("get_weather".into(), json!({}))]);
    }

    #[test]
    fn parallel_calls_without_an_index() {
        // Each call's first chunk names it; the arguments follow without index or id.
        let v = streamed(&[
            piece(None, None, Some("get_weather"), ""),
            piece(None, None, None, "{\"city\": \"Paris\"}"),
            piece(None, None, Some("get_weather"), ""),
            piece(None, None, None, "{\"city\": \"Rome\"}"),
            piece(None, None, Some("get_time"), "{\"zone\": \"CET\"}"),
        ]);
        assert_eq!(
            calls(&v),
            vec![
                ("get_weather".into(), json!({"city": "Paris"})),
                ("get_weather".into(), json!({"city": "Rome"})),
                ("get_time".into(), json!({"zone": "CET"})),
            ]
        );
        // Every call numbered 0, told apart by id only.
        let v = streamed(&[
            piece(Some(0), Some("a"), Some("f"), "{\"x\": "),
            piece(Some(0), None, None, "1}"),
            piece(Some(0), Some("b"), Some("f"), "{\"x\": "),
            piece(Some(0), None, None, "2}"),
        ]);
        assert_eq!(calls(&v), vec![("f".into(), json!({"x": 1})), ("f".into(), json!({"x": 2}))]);
    }

    #[test]
    fn more_gateway_shapes() {
        // The id repeated in every chunk, no index, two calls of one function.
        let v = streamed(&[
            piece(None, Some("c1"), Some("lookup"), "{\"q\": "),
            piece(None, Some("c1"), Some("lookup"), "\"a\"}"),
            piece(None, Some("c2"), Some("lookup"), "{\"q\": \"b\"}"),
        ]);
        assert_eq!(calls(&v), vec![("lookup".into(), json!({"q": "a"})), ("lookup".into(), json!({"q": "b"}))]);
        // Indexes 1 and 2 (not starting at 0), one chunk each, arguments as objects.
        let v = streamed(&[
            json!({ "tool_calls": [{ "index": 1, "function": { "name": "f", "arguments": { "x": 1 } } }] }),
            json!({ "tool_calls": [{ "index": 2, "function": { "name": "g", "arguments": { "y": 2 } } }] }),
        ]);
        assert_eq!(calls(&v), vec![("f".into(), json!({"x": 1})), ("g".into(), json!({"y": 2}))]);
        // Two calls in one delta.
        let v = streamed(&[json!({ "tool_calls": [
            { "index": 0, "id": "a", "function": { "name": "f", "arguments": "{}" } },
            { "index": 1, "id": "b", "function": { "name": "g", "arguments": "{}" } }
        ] })]);
        assert_eq!(calls(&v), vec![("f".into(), json!({})), ("g".into(), json!({}))]);
    }

    #[test]
    fn interleaved_parallel_calls() {
        let v = streamed(&[
            piece(Some(0), Some("a"), Some("f"), ""),
            piece(Some(1), Some("b"), Some("g"), ""),
            piece(Some(0), None, None, "{\"x\":"),
            piece(Some(1), None, None, "{\"y\":"),
            piece(Some(1), None, None, "2}"),
            piece(Some(0), None, None, "1}"),
        ]);
        assert_eq!(calls(&v), vec![("f".into(), json!({"x": 1})), ("g".into(), json!({"y": 2}))]);
        // Interleaved by id, without index.
        let v = streamed(&[
            piece(None, Some("a"), Some("f"), "{\"x\":"),
            piece(None, Some("b"), Some("g"), "{\"y\":"),
            piece(None, Some("a"), None, "1}"),
            piece(None, Some("b"), None, "2}"),
        ]);
        assert_eq!(calls(&v), vec![("f".into(), json!({"x": 1})), ("g".into(), json!({"y": 2}))]);
    }

    #[test]
    fn the_legacy_function_call() {
        let v = of_message(&json!({ "content": null, "function_call": { "name": "f", "arguments": "{\"x\": 1}" } }))
            .unwrap();
        assert_eq!(calls(&v), vec![("f".into(), json!({"x": 1}))]);
        let v = streamed(&[
            json!({ "function_call": { "name": "f", "arguments": "" } }),
            json!({ "function_call": { "arguments": "{\"x\"" } }),
            json!({ "function_call": { "arguments": ": 1}" } }),
        ]);
        assert_eq!(calls(&v), vec![("f".into(), json!({"x": 1}))]);
    }

    #[test]
    fn whole_calls_in_a_message_with_object_arguments() {
        let v = of_message(&json!({ "tool_calls": [
            { "id": "a", "function": { "name": "f", "arguments": { "x": 1 } } },
            { "id": "b", "function": { "name": "f", "arguments": "{\"x\": 2}" } }
        ] }))
        .unwrap();
        assert_eq!(calls(&v), vec![("f".into(), json!({"x": 1})), ("f".into(), json!({"x": 2}))]);
        assert!(of_message(&json!({ "content": "hi", "tool_calls": [] })).is_none());
    }
}
