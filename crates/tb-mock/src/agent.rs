//! The mock as an agent: scripted policies that play an agent task's
//! reference trajectory (read from the task's gold data, which a real vendor
//! never sees) well, partly, or badly, one turn per request.
//!
//! The turn is read off the conversation: the number of assistant messages
//! so far is the reference step to play next.

use serde_json::{Value, json};

use crate::wire::RequestMessage;

use crate::tasks::MockAnswer;

/// How the simulated agent behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Plays the reference: the right calls, questions and final answer.
    Correct,
    /// Plays the reference without its state-changing calls, and still claims success.
    Partial,
    /// Makes the same lookup again and again, never answering.
    Looping,
    /// Calls a tool that does not exist, then reports a success that never happened.
    Hallucinating,
    /// First sends three malformed calls (arguments that are not JSON, an
    /// unknown tool, a missing argument), then plays the reference.
    Malformed,
    /// Looks up another citizen's record first, then plays the reference.
    Nosy,
}

impl Policy {
    /// The policy of an `agent-*` profile.
    pub fn of_profile(name: &str) -> Option<Policy> {
        Some(match name {
            "agent-correct" => Policy::Correct,
            "agent-partial" => Policy::Partial,
            "agent-looping" => Policy::Looping,
            "agent-hallucinating" => Policy::Hallucinating,
            "agent-malformed" => Policy::Malformed,
            "agent-nosy" => Policy::Nosy,
            _ => return None,
        })
    }
}

/// Tools that change an environment's state.
const CHANGING: &[&str] = &["create_application", "update_application", "book_slot", "cancel_booking", "write_file"];

/// Whether the case is an agent task the mock can play.
pub fn is_task(data: &Value) -> bool {
    data.get("reference").is_some_and(Value::is_array) && data.get("env").is_some()
}

/// The next turn of `policy` in the conversation `messages`.
pub fn turn(data: &Value, policy: Policy, messages: &[RequestMessage]) -> MockAnswer {
    let done = messages.iter().filter(|m| m.role == "assistant").count();
    let zh = data["language"] == "zh";
    let reference: Vec<&Value> = data["reference"].as_array().map(|r| r.iter().collect()).unwrap_or_default();
    let first_call = reference.iter().find_map(|s| s["calls"].as_array().and_then(|c| c.first()));
    match policy {
        Policy::Correct => play(&reference, done),
        Policy::Partial => {
            let kept: Vec<Value> = reference
                .iter()
                .filter_map(|s| match s["calls"].as_array() {
                    Some(calls) => {
                        let calls: Vec<Value> = calls
                            .iter()
                            .filter(|c| !CHANGING.contains(&c["name"].as_str().unwrap_or("")))
                            .cloned()
                            .collect();
                        (!calls.is_empty()).then(|| json!({ "calls": calls }))
                    }
                    None => Some((*s).clone()),
                })
                .collect();
            if kept.len() == reference.len() {
                // Nothing to leave out: the final answer leaves out the facts instead.
                let mut steps: Vec<&Value> = kept.iter().collect();
                let vague = json!({ "say": if zh { "已经为您处理好了，请放心。" } else { "All done, nothing more is needed." } });
                steps.pop();
                steps.push(&vague);
                return play(&steps, done);
            }
            play(&kept.iter().collect::<Vec<_>>(), done)
        }
        Policy::Looping => match first_call {
            Some(call) => calls(&[call]),
            None => calls(&[&json!({ "name": "list_files", "arguments": {} })]),
        },
        Policy::Hallucinating => {
            if done == 0 {
                calls(&[&json!({ "name": "force_approve", "arguments": { "reason": "urgent" } })])
            } else if zh {
                MockAnswer::text("已为您办理完成，申请编号 A-9999，已审批通过。")
            } else {
                MockAnswer::text("Done: your request A-9999 has been approved.")
            }
        }
        Policy::Malformed => {
            if done == 0 {
                let fallback = if data["env"] == "gov" { "get_citizen_profile" } else { "read_file" };
                let name = first_call.and_then(|c| c["name"].as_str()).unwrap_or(fallback);
                MockAnswer {
                    text: String::new(),
                    tool_calls: Some(vec![
                        (name.to_string(), "{\"citizen_id\": ".to_string()),
                        ("get_weather".to_string(), "{\"city\": \"杭州\"}".to_string()),
                        (name.to_string(), "{}".to_string()),
                    ]),
                }
            } else {
                play(&reference, done - 1)
            }
        }
        Policy::Nosy => {
            if done == 0 && data["env"] == "gov" {
                calls(&[&json!({ "name": "get_citizen_profile", "arguments": { "citizen_id": other_citizen(data) } })])
            } else if data["env"] == "gov" {
                play(&reference, done - 1)
            } else {
                play(&reference, done)
            }
        }
    }
}

/// Some citizen other than the task's.
fn other_citizen(data: &Value) -> &'static str {
    if data["citizen"] == "C1002" { "C1001" } else { "C1002" }
}

fn play(steps: &[&Value], done: usize) -> MockAnswer {
    match steps.get(done) {
        Some(step) => match step["calls"].as_array() {
            Some(c) => calls(&c.iter().collect::<Vec<_>>()),
            None => MockAnswer::text(step["say"].as_str().unwrap_or("")),
        },
        // Past the end (the user kept talking): the final answer again.
        None => MockAnswer::text(steps.iter().rev().find_map(|s| s["say"].as_str()).unwrap_or("")),
    }
}

fn calls(calls: &[&Value]) -> MockAnswer {
    MockAnswer {
        text: String::new(),
        tool_calls: Some(
            calls.iter().map(|c| (c["name"].as_str().unwrap_or("").to_string(), c["arguments"].to_string())).collect(),
        ),
    }
}

/// A black-box agent platform's next turn from reference step `step`: the
/// calls it makes itself (through the tool server, when it was given one)
/// and its words; the step it goes on from. The correct policy plays the
/// reference up to its next text step; the others claim success without
/// the facts (or invent one), calling nothing.
pub fn platform_turn(data: &Value, policy: Policy, step: usize) -> (Vec<(String, String)>, String, usize) {
    let zh = data["language"] == "zh";
    let steps: Vec<&Value> = data["reference"].as_array().map(|r| r.iter().collect()).unwrap_or_default();
    let vague = |zh| {
        if zh {
            "已收到您的请求，我们会尽快处理。"
        } else {
            "Your request has been received and will be handled."
        }
    };
    match policy {
        Policy::Correct | Policy::Malformed | Policy::Nosy => {
            let mut calls = Vec::new();
            let mut at = step;
            while let Some(s) = steps.get(at) {
                at += 1;
                match s["say"].as_str() {
                    Some(say) => return (calls, say.to_string(), at),
                    None => calls.extend(
                        s["calls"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|c| (c["name"].as_str().unwrap_or("").to_string(), c["arguments"].to_string())),
                    ),
                }
            }
            // Past the end (the user kept talking): the final answer again.
            let last = steps.iter().rev().find_map(|s| s["say"].as_str()).unwrap_or("");
            (calls, last.to_string(), at)
        }
        Policy::Hallucinating if zh => (vec![], "已为您办理完成，申请编号 A-9999，已审批通过。".into(), step),
        Policy::Hallucinating => (vec![], "Done: your request A-9999 has been approved.".into(), step),
        Policy::Partial | Policy::Looping => (vec![], vague(zh).into(), step),
    }
}
