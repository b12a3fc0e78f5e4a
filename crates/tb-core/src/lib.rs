//! Domain vocabulary shared by every tenderbench crate.
//!
//! - [`Case`]: one test item of a suite (prompt, gold answer, metadata).
//! - [`CellKey`]: the identity of one unit of work, (vendor, suite, case, repeat).
//! - [`Outcome`]: what a vendor call produced: an [`Answer`] or a [`Failure`] with its cause.
//! - [`Grade`]: a grader's verdict on one answer.
//!
//! This crate does no IO and knows no wire format, SQL or file layout: it is the
//! language the other crates speak to each other.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One chat message sent to a vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn user(content: impl Into<String>) -> Self {
        Message { role: "user".into(), content: content.into() }
    }
    pub fn system(content: impl Into<String>) -> Self {
        Message { role: "system".into(), content: content.into() }
    }
}

/// A labelled option of a multiple-choice case ("A" → "text").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub label: String,
    pub text: String,
}

/// The gold answer a grader compares against; stored with every cell so that
/// grading can be replayed without the suite file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Gold {
    /// The reference answer: an option label for `choice`, a number for `numeric`.
    pub answer: String,
    /// Options of a multiple-choice case, in order; empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// What the other graders need, in the shape each one defines: unit tests
    /// for `code`, the expected behaviour for `refusal`, accepted calls for
    /// `tool_call`, the secret and target for `injection`, a rubric for `judge`.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub data: serde_json::Value,
}

/// One test item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: String,
    pub messages: Vec<Message>,
    pub gold: Gold,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Functions offered to the model (OpenAI `tools`), for function-calling cases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<serde_json::Value>,
}

impl Case {
    /// The text of the last user message: what a vendor is asked.
    pub fn prompt(&self) -> &str {
        self.messages.iter().rev().find(|m| m.role == "user").map(|m| m.content.as_str()).unwrap_or("")
    }
}

/// The identity of one cell of a run. A run stores each cell at most once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CellKey {
    pub vendor: String,
    pub suite: String,
    pub case_id: String,
    pub repeat: u32,
}

impl CellKey {
    /// A 128-bit digest of the key, used for compact finished-cell sets on resume.
    pub fn digest(&self) -> u128 {
        cell_digest(&self.vendor, &self.suite, &self.case_id, self.repeat)
    }
}

/// 128-bit digest of a cell's identity. Fields are length-prefixed so that no two
/// distinct keys can produce the same byte string.
pub fn cell_digest(vendor: &str, suite: &str, case_id: &str, repeat: u32) -> u128 {
    let mut h = Sha256::new();
    for part in [vendor, suite, case_id] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.update(repeat.to_le_bytes());
    let out = h.finalize();
    u128::from_le_bytes(out[..16].try_into().expect("sha256 has 32 bytes"))
}

/// A suite as recorded with a run: its id, the SHA-256 of its file and its size.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SuiteRecord {
    pub id: String,
    pub sha256: String,
    pub cases: u64,
    /// The published commitment, for a sealed suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
}

/// Token usage as the vendor reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// Why a vendor call produced no usable answer. Each is recorded on the cell,
/// scores as wrong and counts in the vendor's error rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureCause {
    /// No complete response within the request timeout.
    Timeout,
    /// 429 Too Many Requests on every attempt.
    RateLimited,
    /// A 5xx status on every attempt.
    ServerError,
    /// Another non-success status (4xx other than 429).
    HttpStatus,
    /// The connection could not be made or broke.
    Connection,
    /// The body was not the JSON an OpenAI-compatible vendor sends.
    InvalidResponse,
    /// A streamed response ended before `[DONE]` or a `finish_reason`.
    TruncatedStream,
    /// The response exceeded the size cap.
    ResponseTooLarge,
}

impl FailureCause {
    pub fn code(self) -> &'static str {
        match self {
            FailureCause::Timeout => "timeout",
            FailureCause::RateLimited => "rate_limited",
            FailureCause::ServerError => "server_error",
            FailureCause::HttpStatus => "http_status",
            FailureCause::Connection => "connection",
            FailureCause::InvalidResponse => "invalid_response",
            FailureCause::TruncatedStream => "truncated_stream",
            FailureCause::ResponseTooLarge => "response_too_large",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }

    pub const ALL: [FailureCause; 8] = [
        FailureCause::Timeout,
        FailureCause::RateLimited,
        FailureCause::ServerError,
        FailureCause::HttpStatus,
        FailureCause::Connection,
        FailureCause::InvalidResponse,
        FailureCause::TruncatedStream,
        FailureCause::ResponseTooLarge,
    ];
}

/// Timings and accounting common to answers and failures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallStats {
    /// Attempts made, including the successful one (1 = no retry).
    pub attempts: u32,
    /// Wall time of the whole call including retries and backoff, milliseconds.
    pub latency_ms: f64,
    /// Time from sending the final attempt to the first content token (streaming only).
    pub ttft_ms: Option<f64>,
    /// The request body sent (JSON); API keys travel in headers, never here.
    pub request: String,
    /// The response body of the final attempt, byte for byte as received
    /// (the SSE stream for streamed calls); empty when nothing arrived.
    pub response: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    /// The function calls the model made, as `[{"name", "arguments"}]` with
    /// the arguments as the raw JSON text the vendor sent; `None` when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<serde_json::Value>,
    pub finish_reason: Option<String>,
    pub usage: Option<Usage>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub cause: FailureCause,
    /// Human-readable detail ("HTTP 503 after 4 attempts", "expected value at line 1 column 1").
    pub detail: String,
}

/// The result of one vendor call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    Answered(Answer),
    Failed(Failure),
}

/// A grader's verdict on one cell for one criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    pub correct: bool,
    /// What the grader read from the answer (an option label, a number).
    pub extracted: Option<String>,
    /// Why the answer was not gradable, when it was not (e.g. `no_option_found`).
    pub note: Option<String>,
}

impl Grade {
    pub fn wrong(note: &str) -> Self {
        Grade { correct: false, extracted: None, note: Some(note.to_string()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_digest_separates_fields() {
        let a = cell_digest("ab", "c", "d", 0);
        let b = cell_digest("a", "bc", "d", 0);
        assert_ne!(a, b);
        assert_ne!(cell_digest("a", "b", "c", 0), cell_digest("a", "b", "c", 1));
    }

    #[test]
    fn failure_codes_round_trip() {
        for c in FailureCause::ALL {
            assert_eq!(FailureCause::from_code(c.code()), Some(c));
        }
    }

    #[test]
    fn prompt_is_last_user_message() {
        let case = Case {
            id: "1".into(),
            messages: vec![Message::system("s"), Message::user("q1"), Message::user("q2")],
            gold: Gold::default(),
            subject: None,
            language: None,
            tools: None,
        };
        assert_eq!(case.prompt(), "q2");
    }
}
