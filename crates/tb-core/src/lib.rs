//! Domain vocabulary shared by every tenderbench crate.
//!
//! - [`Case`]: one test item of a suite (prompt, gold answer, metadata).
//! - [`CellKey`]: the identity of one unit of work, (vendor, suite, case, repeat).
//! - [`Outcome`]: what a vendor call produced: an [`Answer`] or a [`Failure`] with its cause.
//! - [`Grade`]: a grader's verdict on one answer.
//! - [`GraderKind`]: the graders a criterion can name.
//! - [`zone`]: times in the tender's time zone.
//!
//! This crate does no IO and knows no wire format, SQL or file layout: it is the
//! language the other crates speak to each other.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

mod grader;
pub mod zone;

pub use grader::GraderKind;

/// What a worker needs to execute a cell of a distributed run: every
/// worker chats; `code` runs programs in the sandbox, `agent` runs
/// episodes, `judge` asks judge models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    Chat,
    Code,
    Agent,
    Judge,
}

impl Capability {
    pub const ALL: [Capability; 4] = [Capability::Chat, Capability::Code, Capability::Agent, Capability::Judge];

    pub fn name(self) -> &'static str {
        match self {
            Capability::Chat => "chat",
            Capability::Code => "code",
            Capability::Agent => "agent",
            Capability::Judge => "judge",
        }
    }
}

impl std::str::FromStr for Capability {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Capability::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| {
            let all: Vec<_> = Capability::ALL.iter().map(|c| c.name()).collect();
            format!("unknown capability {s:?}; capabilities: {}", all.join(", "))
        })
    }
}

impl std::fmt::Display for Capability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How strongly a vendor's program is confined (`[sandbox] isolation`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Isolation {
    /// bubblewrap namespaces plus rlimits: the only mode for untrusted code.
    #[default]
    Bubblewrap,
    /// rlimits and a wall clock only; the program can reach the network and
    /// read what the user running tenderbench can read.
    RlimitOnly,
}

impl Isolation {
    pub const ALL: [Isolation; 2] = [Isolation::Bubblewrap, Isolation::RlimitOnly];

    pub fn name(self) -> &'static str {
        match self {
            Isolation::Bubblewrap => "bubblewrap",
            Isolation::RlimitOnly => "rlimit_only",
        }
    }

    /// The mode of a name as specs and configurations write it.
    pub fn parse(name: &str) -> Option<Isolation> {
        Isolation::ALL.into_iter().find(|i| i.name() == name)
    }
}

/// Limits of one agent episode (the spec's `[agent]` table).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Budget {
    /// Model turns (requests), tool turns and text turns alike.
    pub max_turns: u32,
    /// Wall time of the whole episode; checked before each turn.
    pub max_seconds: f64,
    /// Prompt and completion tokens over all turns, as the vendor reported them.
    pub max_total_tokens: u64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget { max_turns: 20, max_seconds: 300.0, max_total_tokens: 200_000 }
    }
}

impl Budget {
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }
}

/// One chat message sent to a vendor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: String,
    /// An assistant turn's function calls, in OpenAI's wire shape
    /// (`[{"id", "type": "function", "function": {"name", "arguments"}}]`),
    /// sent back to the model in the next turn of an agent loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<serde_json::Value>,
    /// The call a `tool` message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        Message { role: role.into(), content: content.into(), tool_calls: None, tool_call_id: None }
    }
    pub fn user(content: impl Into<String>) -> Self {
        Message::new("user", content)
    }
    pub fn system(content: impl Into<String>) -> Self {
        Message::new("system", content)
    }
    pub fn assistant(content: impl Into<String>) -> Self {
        Message::new("assistant", content)
    }
    /// The result of the call `call_id`, returned to the model.
    pub fn tool(call_id: impl Into<String>, content: impl Into<String>) -> Self {
        Message { tool_call_id: Some(call_id.into()), ..Message::new("tool", content) }
    }
}

/// How to talk to a black-box agent platform (Dify, FastGPT, MaxKB, Coze, a
/// custom service) instead of chat completions: where to POST, the request
/// body as a JSON template whose string values `{{message}}`,
/// `{{conversation_id}}` and `{{user}}` are filled in, and where the answer
/// and the conversation id are in the response (dotted paths; digits index
/// lists). Streamed responses are Server-Sent Events whose JSON events carry
/// pieces of the answer at the same path.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentApi {
    pub url: String,
    pub request: serde_json::Value,
    pub answer_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_path: Option<String>,
    pub stream: bool,
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

    /// A fill-in-the-middle case's code before and after the gap (its gold
    /// data's `prompt` and `suffix`): what a vendor with a fill-in-the-middle
    /// API is sent instead of the chat prompt, which states the same task.
    pub fn infilling(&self) -> Option<(&str, &str)> {
        let suffix = self.gold.data.get("suffix")?.as_str()?;
        let prefix = self.gold.data.get("prompt")?.as_str()?;
        Some((prefix, suffix))
    }

    /// The gold data stored with each of this case's cells: the case's gold
    /// and, for a refusal case (`expect` is `refuse` or `answer`) and a
    /// numeric one, what was asked (`asked`, its first 2,000 characters):
    /// whether warnings answer a question depends on whether the question was
    /// about the law, and which stated number is the result on what the
    /// question asks for. Stored
    /// with the cell, it is signed and regraded with it.
    pub fn stored_gold(&self) -> Gold {
        let mut gold = self.gold.clone();
        let refusal = matches!(gold.data.get("expect").and_then(|e| e.as_str()), Some("refuse" | "answer"));
        // A numeric case (a number for answer, no options): which of the
        // answer's results is the one asked for depends on the question too.
        let numeric = gold.options.is_empty()
            && (gold.data.is_null()
                || gold.data.get("tolerance").is_some()
                || gold.data.get("relative_tolerance").is_some())
            && gold.answer.trim().replace(',', "").parse::<f64>().is_ok();
        if numeric && gold.data.is_null() {
            gold.data = serde_json::Value::Object(serde_json::Map::new());
        }
        if (refusal || numeric)
            && let Some(data) = gold.data.as_object_mut()
        {
            let asked: String = self.prompt().chars().take(2000).collect();
            data.insert("asked".into(), serde_json::Value::String(asked));
        }
        gold
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

/// The requests of a load stage are stored as cells of the suite
/// `load:<stage id>` (the case id is the case's, the repeat counts how often
/// the stage has sent it), so that they share the evidence store, the audit
/// chain and bundles with every other cell, and never collide with them.
pub const LOAD_SUITE_PREFIX: &str = "load:";

/// The suite name of a stage's attempt: `load:<stage>` for the first, and
/// `load:<stage>#<n>` for the n-th, when a resumed run sends a stage again
/// that an interruption cut short.
pub fn load_suite(stage: &str, attempt: u32) -> String {
    if attempt <= 1 { format!("{LOAD_SUITE_PREFIX}{stage}") } else { format!("{LOAD_SUITE_PREFIX}{stage}#{attempt}") }
}

/// The stage and attempt of a load-stage cell's suite name, `None` for a suite's own cells.
pub fn load_stage_of(suite: &str) -> Option<(&str, u32)> {
    let rest = suite.strip_prefix(LOAD_SUITE_PREFIX)?;
    Some(match rest.rsplit_once('#') {
        Some((stage, n)) => (stage, n.parse().unwrap_or(1)),
        None => (rest, 1),
    })
}

/// The audit entry that closes a load stage for a vendor: its payload names
/// the vendor, the stage, the attempt and the requests sent. A stage without
/// one was cut short and its vendor is incomplete.
pub const LOAD_STAGE_FINISHED: &str = "load_stage_finished";

/// A suite as recorded with a run: its id, the SHA-256 of its file and its size.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SuiteRecord {
    pub id: String,
    pub sha256: String,
    pub cases: u64,
    /// The published commitment, for a sealed suite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<String>,
    /// For a sealed suite: whether its seal was at hand and the suite checked
    /// against it when the run started (false only where the run allowed it
    /// to be missing, as a server holding the commitment only does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal_checked: Option<bool>,
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
    /// Per-chunk timings of a streamed answer (streaming only).
    pub timing: Option<Timing>,
    /// The request body sent (JSON); API keys travel in headers, never here.
    pub request: String,
    /// The response body of the final attempt, byte for byte as received
    /// (the SSE stream for streamed calls); empty when nothing arrived.
    pub response: Vec<u8>,
}

/// Where an answer's output-token count came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    /// The vendor's `usage.completion_tokens`.
    Usage,
    /// The number of content chunks in the stream (one token a chunk, as
    /// OpenAI-compatible servers stream), when the vendor reported no usage.
    StreamChunks,
}

impl TokenSource {
    /// The name reports use (as serialized).
    pub fn name(self) -> &'static str {
        match self {
            TokenSource::Usage => "usage",
            TokenSource::StreamChunks => "stream_chunks",
        }
    }
}

/// When each piece of a streamed answer arrived, measured by the client.
///
/// Offsets are milliseconds from sending the final attempt, so they hold
/// TTFT (the first), every inter-token latency (the gaps) and the time of
/// the last token. They are measurements, not derivable from the stored
/// bytes, and are committed with the cell.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Arrival of every chunk that carried content (text, reasoning or a tool call).
    pub chunks_ms: Vec<f64>,
    /// Output tokens of the answer, from `token_source`.
    pub output_tokens: u64,
    pub token_source: Option<TokenSource>,
    /// For a load-stage request: when it was due and how late it went out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<LoadSample>,
}

/// The schedule of one load-stage request. Its end-to-end latency counts
/// from when it was *due*, not from when it went out, so that a lagging
/// client cannot hide a slow vendor (no coordinated omission); `lag_ms`
/// shows how far behind the client was. Chunk times count from the send.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoadSample {
    /// When the request was due, milliseconds after the stage started.
    pub at_ms: f64,
    /// How long after that it was sent.
    pub lag_ms: f64,
    /// Sent during the warm-up: stored, not measured.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub warmup: bool,
}

impl Timing {
    /// Time to first token.
    pub fn ttft_ms(&self) -> Option<f64> {
        self.chunks_ms.first().copied()
    }

    /// The gaps between consecutive content chunks (inter-token latencies).
    pub fn itl_ms(&self) -> impl Iterator<Item = f64> + '_ {
        self.chunks_ms.windows(2).map(|w| w[1] - w[0])
    }

    /// The largest gap between two content chunks: a stall inside the answer.
    pub fn max_itl_ms(&self) -> Option<f64> {
        self.itl_ms().reduce(f64::max)
    }

    /// Time per output token after the first: (last − first) ÷ (tokens − 1),
    /// as vLLM's and SGLang's benchmarks define it.
    pub fn tpot_ms(&self) -> Option<f64> {
        let (first, last) = (self.chunks_ms.first()?, self.chunks_ms.last()?);
        (self.output_tokens > 1).then(|| (last - first) / (self.output_tokens - 1) as f64)
    }

    /// Output tokens per second over the whole call of `latency_ms`.
    pub fn tokens_per_second(&self, latency_ms: f64) -> Option<f64> {
        (latency_ms > 0.0 && self.output_tokens > 0).then(|| self.output_tokens as f64 * 1000.0 / latency_ms)
    }
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
    /// Why the answer was not gradable, when it was not (e.g. `undecided`).
    pub note: Option<String>,
    /// How the grader read `extracted` (e.g. `stated`, `boxed`, `option_text`),
    /// so a reader of `results.csv` can check the reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub how: Option<String>,
}

impl Grade {
    pub fn wrong(note: &str) -> Self {
        Grade { correct: false, extracted: None, note: Some(note.to_string()), how: None }
    }

    /// A grade with nothing read and nothing to note.
    pub fn judged(correct: bool) -> Self {
        Grade { correct, extracted: None, note: None, how: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_and_numeric_cells_store_what_was_asked_and_others_store_the_gold_as_it_is() {
        let case = |data: serde_json::Value| Case {
            id: "c".into(),
            messages: vec![Message::user("醉驾会受到什么处罚？")],
            gold: Gold { data, ..Gold::default() },
            subject: None,
            language: None,
            tools: None,
        };
        let refusal = case(serde_json::json!({ "expect": "answer" })).stored_gold();
        assert_eq!(refusal.data["asked"], "醉驾会受到什么处罚？");
        assert_eq!(refusal.data["expect"], "answer");
        let calls = serde_json::json!({ "expect": "calls", "calls": [] });
        assert_eq!(case(calls.clone()).stored_gold().data, calls);
        assert_eq!(case(serde_json::Value::Null).stored_gold(), Gold::default());
        // A numeric case stores its question beside its number (and tolerance).
        let numeric = |data: serde_json::Value| Case {
            gold: Gold { answer: "1,250".into(), data, ..Gold::default() },
            ..case(serde_json::Value::Null)
        };
        assert_eq!(
            numeric(serde_json::Value::Null).stored_gold().data,
            serde_json::json!({"asked": "醉驾会受到什么处罚？"})
        );
        let tolerance = numeric(serde_json::json!({"tolerance": 0.5})).stored_gold().data;
        assert_eq!(tolerance, serde_json::json!({"tolerance": 0.5, "asked": "醉驾会受到什么处罚？"}));
        let choice = Case {
            gold: Gold {
                answer: "1".into(),
                options: vec![Choice { label: "1".into(), text: "x".into() }],
                ..Gold::default()
            },
            ..case(serde_json::Value::Null)
        };
        assert_eq!(choice.stored_gold().data, serde_json::Value::Null, "options make it a choice, not a number");
    }

    #[test]
    fn cell_digest_separates_fields() {
        let a = cell_digest("ab", "c", "d", 0);
        let b = cell_digest("a", "bc", "d", 0);
        assert_ne!(a, b);
        assert_ne!(cell_digest("a", "b", "c", 0), cell_digest("a", "b", "c", 1));
    }

    #[test]
    fn load_suite_names_round_trip() {
        assert_eq!(load_suite("peak", 1), "load:peak");
        assert_eq!(load_stage_of(&load_suite("peak", 1)), Some(("peak", 1)));
        assert_eq!(load_stage_of(&load_suite("peak", 3)), Some(("peak", 3)));
        assert_eq!(load_stage_of("policy"), None);
    }

    #[test]
    fn failure_codes_round_trip() {
        for c in FailureCause::ALL {
            assert_eq!(FailureCause::from_code(c.code()), Some(c));
        }
    }

    #[test]
    fn timing_derives_itl_and_tpot() {
        let t = Timing { chunks_ms: vec![100.0, 110.0, 125.0, 130.0], output_tokens: 4, ..Timing::default() };
        assert_eq!(t.ttft_ms(), Some(100.0));
        assert_eq!(t.itl_ms().collect::<Vec<_>>(), [10.0, 15.0, 5.0]);
        assert_eq!(t.max_itl_ms(), Some(15.0));
        assert_eq!(t.tpot_ms(), Some(10.0));
        assert_eq!(t.tokens_per_second(200.0), Some(20.0));
        let one = Timing { chunks_ms: vec![50.0], output_tokens: 1, ..Timing::default() };
        assert_eq!(one.tpot_ms(), None);
        assert_eq!(one.max_itl_ms(), None);
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
