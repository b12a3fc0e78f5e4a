//! Streamed answers: an SSE stream of chat completion chunks (or of an agent
//! platform's events) read into an [`Answer`], with when each piece arrived,
//! under the body and line size caps.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eventsource_stream::{EventStreamError, Eventsource};
use futures_util::StreamExt;
use serde_json::Value;
use tb_core::{AgentApi, Answer, FailureCause, Timing, TokenSource, Usage};

use crate::tool_calls::ToolCalls;
use crate::{
    AttemptError, MAX_BODY_BYTES, MAX_SSE_LINE_BYTES, ParseFailure, Success, error_chain, json_path, usage_in,
    usage_of, vendor_error_message, wire,
};

/// Reads a streamed response under the size caps, keeping every byte received as evidence.
pub(crate) async fn read_stream(
    resp: reqwest::Response,
    sent: Instant,
    agent: Option<&AgentApi>,
) -> Result<Success, AttemptError> {
    // The exact bytes received are the evidence; the parser sees the same bytes.
    // The byte cap applies before SSE parsing: a line that never ends would
    // otherwise grow the parser's buffer without bound.
    let raw = Arc::new(Mutex::new(Vec::new()));
    let tap = raw.clone();
    let mut line_len = 0usize;
    let bytes = resp.bytes_stream().map(move |chunk| {
        let c = chunk.map_err(StreamError::Transport)?;
        let mut raw = tap.lock().expect("evidence buffer");
        if raw.len() + c.len() > MAX_BODY_BYTES {
            return Err(StreamError::TooLarge);
        }
        // The SSE parser rescans an unfinished line as bytes arrive: a line
        // that never ends would cost quadratic time before the total cap.
        line_len = match c.iter().rposition(|b| *b == b'\n') {
            Some(i) => c.len() - i - 1,
            None => line_len + c.len(),
        };
        if line_len > MAX_SSE_LINE_BYTES {
            return Err(StreamError::TooLarge);
        }
        raw.extend_from_slice(&c);
        Ok(c)
    });
    let parsed = parse_sse(Box::pin(bytes), Some(sent), agent).await;
    let raw = std::mem::take(&mut *raw.lock().expect("evidence buffer"));
    match parsed {
        Ok((answer, timing, ended)) => Ok(Success { answer, timing, raw, ended }),
        Err(f) => Err(f.with_raw(raw)),
    }
}

/// The answer in an SSE stream of chat completion chunks, when each content
/// chunk arrived (milliseconds after `sent`) when `sent` is given, and when
/// the answer was complete.
///
/// For an agent platform, each event's JSON carries a piece of the answer at
/// its answer path, and the stream ends when the platform closes it (or at `[DONE]`).
pub(crate) async fn parse_sse<S, E>(
    bytes: S,
    sent: Option<Instant>,
    agent: Option<&AgentApi>,
) -> Result<(Answer, Option<Timing>, Instant), ParseFailure>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, E>> + Unpin,
    E: std::error::Error,
{
    let mut events = bytes.eventsource();
    let mut streamed = StreamedAnswer::new(sent);
    let mut done = false;
    let mut body_bytes = 0usize;
    while let Some(event) = events.next().await {
        let event = event.map_err(event_failure)?;
        body_bytes += event.data.len();
        if body_bytes > MAX_BODY_BYTES {
            return Err(ParseFailure {
                cause: FailureCause::ResponseTooLarge,
                detail: format!("stream exceeds {MAX_BODY_BYTES} bytes"),
                retryable: false,
            });
        }
        let data = event.data.trim();
        if data == "[DONE]" {
            done = true;
            break;
        }
        if data.is_empty() {
            continue;
        }
        let not_json = |e: serde_json::Error| ParseFailure::invalid(format!("stream chunk is not JSON: {e}"));
        let error = |msg: String| ParseFailure::invalid(format!("vendor reported an error mid-stream: {msg}"));
        match agent {
            Some(agent) => {
                let v: Value = serde_json::from_str(data).map_err(not_json)?;
                if let Some(msg) = vendor_error_message(&v) {
                    return Err(error(msg));
                }
                streamed.take_platform_event(&v, agent)?;
            }
            None => {
                let chunk = wire::ChatChunk::from_json(data).map_err(not_json)?;
                if let Some(e) = &chunk.error {
                    return Err(error(wire::error_message(e)));
                }
                streamed.take_chunk(&chunk);
            }
        }
    }
    let ended = Instant::now();
    if done {
        // Read the body to its end (the chunked encoding's last chunk follows
        // [DONE] at once), so the connection goes back to the pool. Dropped
        // early, it would be closed, and the next request would pay a new
        // connection (and a TLS handshake) inside its TTFT. A vendor that
        // keeps sending after [DONE] gets a moment, then the connection is dropped.
        let _ = tokio::time::timeout(DRAIN_AFTER_DONE, async { while let Some(Ok(_)) = events.next().await {} }).await;
    }
    let (answer, timing) = streamed.finish(done, agent)?;
    Ok((answer, timing, ended))
}

/// The failure an event stream's error stands for: the size cap reached, a
/// broken transport (retryable), or events that are not SSE.
fn event_failure<E: std::error::Error>(error: EventStreamError<E>) -> ParseFailure {
    match error {
        EventStreamError::Transport(e) => {
            if e.to_string() == TOO_LARGE {
                return ParseFailure {
                    cause: FailureCause::ResponseTooLarge,
                    detail: format!(
                        "stream exceeds {MAX_BODY_BYTES} bytes, or one of its lines {MAX_SSE_LINE_BYTES} bytes"
                    ),
                    retryable: false,
                };
            }
            ParseFailure {
                cause: FailureCause::Connection,
                detail: format!("stream broke off: {}", error_chain(&e)),
                retryable: true,
            }
        }
        e => ParseFailure::invalid(format!("malformed event stream: {e}")),
    }
}

/// What a stream has said so far, and when each piece of it came.
struct StreamedAnswer {
    /// When the request was sent (none when a recorded stream is replayed).
    sent: Option<Instant>,
    text: String,
    /// When each piece of the answer arrived, in milliseconds after `sent`.
    chunks_ms: Vec<f64>,
    finish_reason: Option<String>,
    usage: Option<Usage>,
    /// Whether any event held a choice (for a platform: a piece of the answer).
    saw_choice: bool,
    tool_calls: ToolCalls,
}

impl StreamedAnswer {
    /// Nothing said yet.
    fn new(sent: Option<Instant>) -> Self {
        StreamedAnswer {
            sent,
            text: String::new(),
            chunks_ms: Vec::new(),
            finish_reason: None,
            usage: None,
            saw_choice: false,
            tool_calls: ToolCalls::default(),
        }
    }

    /// Takes one agent platform event: the piece of the answer at its answer
    /// path and its usage, or the error it reports.
    fn take_platform_event(&mut self, v: &Value, agent: &AgentApi) -> Result<(), ParseFailure> {
        if v["event"] == "error" {
            let msg = v["message"].as_str().unwrap_or("an error event");
            return Err(ParseFailure::invalid(format!("the agent platform reported an error mid-stream: {msg}")));
        }
        if let Some(piece) = json_path(v, &agent.answer_path).and_then(Value::as_str)
            && !piece.is_empty()
        {
            self.saw_choice = true;
            self.text.push_str(piece);
            self.arrived();
        }
        if let Some(u) = usage_of(v) {
            self.usage = Some(u);
        }
        Ok(())
    }

    /// Takes one chat completion chunk: its content (reasoning content counts
    /// as an arrival, not as text), tool call pieces, finish reason and usage.
    fn take_chunk(&mut self, chunk: &wire::ChatChunk) {
        let choice = chunk.choices.first();
        if let Some(choice) = choice {
            self.saw_choice = true;
            let delta = &choice.delta;
            let content = delta.content.as_deref().or(choice.text.as_deref()).filter(|p| !p.is_empty());
            let reasoning = delta.reasoning_content.as_deref().is_some_and(|p| !p.is_empty());
            if let Some(piece) = content {
                self.text.push_str(piece);
            }
            let called = self.tool_calls.add_delta(delta);
            if content.is_some() || reasoning || called {
                self.arrived();
            }
            if let Some(reason) = &choice.finish_reason {
                self.finish_reason = Some(reason.to_string());
            }
        }
        if let Some(u) = usage_in(chunk.usage, choice.and_then(|c| c.usage)) {
            self.usage = Some(u);
        }
    }

    /// Notes that a piece of the answer arrived now, when the call is timed.
    fn arrived(&mut self) {
        if let Some(sent) = self.sent {
            self.chunks_ms.push(sent.elapsed().as_secs_f64() * 1000.0);
        }
    }

    /// The answer and its timing once the stream has ended (at `[DONE]` when
    /// `done`); a failure when it held no answer or stopped short.
    fn finish(self, done: bool, agent: Option<&AgentApi>) -> Result<(Answer, Option<Timing>), ParseFailure> {
        let StreamedAnswer { sent, text, chunks_ms, mut finish_reason, usage, saw_choice, tool_calls } = self;
        if let Some(agent) = agent {
            if !saw_choice {
                return Err(ParseFailure::invalid(format!("the stream held no answer text at {}", agent.answer_path)));
            }
            finish_reason = Some("stop".into());
        } else if !saw_choice {
            return Err(ParseFailure::invalid("the stream held no chat completion chunk (no choices)".into()));
        }
        if !done && finish_reason.is_none() {
            return Err(ParseFailure {
                cause: FailureCause::TruncatedStream,
                detail: "stream ended without [DONE] or a finish_reason".into(),
                retryable: false,
            });
        }
        let timing = sent.map(|_| {
            let (output_tokens, token_source) = match usage {
                Some(u) if u.completion_tokens > 0 => (u.completion_tokens, TokenSource::Usage),
                _ => (chunks_ms.len() as u64, TokenSource::StreamChunks),
            };
            Timing { chunks_ms, output_tokens, token_source: Some(token_source), load: None }
        });
        Ok((Answer { text, tool_calls: tool_calls.finish(), finish_reason, usage }, timing))
    }
}

const TOO_LARGE: &str = "response body exceeds the size cap";

/// How long the rest of a stream after `[DONE]` is read before the connection is given up.
const DRAIN_AFTER_DONE: Duration = Duration::from_millis(100);

/// Why the byte stream under an SSE parse ended early.
#[derive(Debug)]
enum StreamError {
    Transport(reqwest::Error),
    TooLarge,
}

impl std::fmt::Display for StreamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StreamError::Transport(e) => write!(f, "{}", error_chain(e)),
            StreamError::TooLarge => f.write_str(TOO_LARGE),
        }
    }
}

impl std::error::Error for StreamError {}
