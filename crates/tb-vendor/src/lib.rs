//! The only crate that speaks a vendor's wire format.
//!
//! [`VendorClient::chat`] sends one OpenAI-compatible `POST {base_url}/chat/completions`,
//! streaming (SSE) or not, and always returns an [`Outcome`] with [`CallStats`]:
//! a failed call is a recorded outcome with its [`FailureCause`], never an error
//! that stops a run. Retries cover 429 (honouring `Retry-After`), 5xx, timeouts
//! and broken connections, with jittered exponential backoff and a cap.
//!
//! API keys are read from the environment when a client is built and held in a
//! [`Secret`] whose `Debug` output is redacted; they are never returned.

// The one crate that builds HTTP clients (clippy.toml forbids it elsewhere).
#![allow(clippy::disallowed_methods)]

use std::sync::{Arc, Once};
use std::time::{Duration, Instant, SystemTime};

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;
pub mod egress;
mod sse;
mod tool_calls;
pub mod webhook;
pub mod wire;

use sse::{parse_sse, read_stream};
use tb_core::{AgentApi, Answer, CallStats, Failure, FailureCause, Message, Outcome, Timing, Usage};
use tool_calls::ToolCalls;

/// The largest response body read; a larger one is a `response_too_large` outcome.
/// Everything read is kept as evidence, byte for byte.
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// The longest SSE line read; a longer one is a `response_too_large` outcome.
pub const MAX_SSE_LINE_BYTES: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum VendorError {
    #[error("vendor {vendor}: environment variable {var} is not set; export the API key there (it is never stored)")]
    MissingKey { vendor: String, var: String },
    #[error("vendor {vendor}: cannot build an HTTP client: {detail}")]
    Client { vendor: String, detail: String },
    #[error("vendor {vendor}: {detail}")]
    Probe { vendor: String, detail: String },
}

/// A secret value that never prints.
#[derive(Clone)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Retry and backoff policy.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    pub base: Duration,
    pub cap: Duration,
    /// Longest `Retry-After` honoured; a larger or absurd value is capped here.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            base: Duration::from_millis(250),
            cap: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Full-jitter exponential backoff before retry number `retry` (0-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << retry.min(16)).min(self.cap);
        ceiling.mul_f64(rand::random::<f64>())
    }
}

/// Where and how to reach one vendor.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub vendor: String,
    pub base_url: String,
    pub model: String,
    pub api_key: Option<Secret>,
    pub stream: bool,
    pub stream_usage: bool,
    pub temperature_range: (f64, f64),
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// A black-box agent platform's own API, instead of chat completions.
    pub agent: Option<AgentApi>,
    /// The vendor's fill-in-the-middle endpoint (`POST` with `prompt` and
    /// `suffix`), when it has one; a chat-only vendor is asked in a chat.
    pub fim_url: Option<String>,
}

/// What an agent platform's request template is filled with.
#[derive(Debug, Clone, Copy, Default)]
pub struct AgentTurn<'a> {
    pub message: &'a str,
    /// The platform's conversation, from its first answer (empty before).
    pub conversation: Option<&'a str>,
    /// The episode's tool server URL, when the environment is reachable.
    pub tools_url: Option<&'a str>,
}

/// The request body for an agent platform: its template with the string
/// values `{{message}}`, `{{conversation_id}}`, `{{tools_url}}` and
/// `{{user}}` filled in (as JSON strings, so nothing in a message can change
/// the body's shape).
pub fn agent_request(api: &AgentApi, turn: AgentTurn) -> Value {
    fn fill(v: &Value, t: &AgentTurn) -> Value {
        match v {
            Value::String(s) if s == "{{message}}" => Value::String(t.message.to_string()),
            Value::String(s) if s == "{{conversation_id}}" => Value::String(t.conversation.unwrap_or("").to_string()),
            Value::String(s) if s == "{{tools_url}}" => Value::String(t.tools_url.unwrap_or("").to_string()),
            Value::String(s) if s == "{{user}}" => Value::String("tenderbench".into()),
            Value::Array(a) => Value::Array(a.iter().map(|x| fill(x, t)).collect()),
            Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), fill(x, t))).collect()),
            other => other.clone(),
        }
    }
    fill(&api.request, &turn)
}

/// The conversation id a recorded agent-platform response carries, when the API has one.
pub fn agent_conversation(api: &AgentApi, body: &[u8]) -> Option<String> {
    let path = api.conversation_path.as_deref()?;
    let found = |v: &Value| json_path(v, path).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_string);
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        return found(&v);
    }
    // An event stream: the last event that names it.
    String::from_utf8_lossy(body)
        .lines()
        .rev()
        .filter_map(|l| l.strip_prefix("data:"))
        .filter_map(|d| serde_json::from_str::<Value>(d.trim()).ok())
        .find_map(|v| found(&v))
}

/// The value at a dotted path (`data.outputs.answer`, `choices.0.message.content`).
pub fn json_path<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('.').try_fold(v, |v, part| match part.parse::<usize>() {
        Ok(i) if v.is_array() => v.get(i),
        _ => v.get(part),
    })
}

impl Endpoint {
    /// Reads the API key from `api_key_env`, when one is named.
    pub fn api_key_from_env(vendor: &str, api_key_env: Option<&str>) -> Result<Option<Secret>, VendorError> {
        match api_key_env {
            None => Ok(None),
            Some(var) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => Ok(Some(Secret(v))),
                _ => Err(VendorError::MissingKey { vendor: vendor.into(), var: var.into() }),
            },
        }
    }
}

/// Generation settings for one request.
#[derive(Debug, Clone, Copy)]
pub struct Generation {
    pub temperature: f64,
    pub max_tokens: u32,
}

pub struct VendorClient {
    http: reqwest::Client,
    ep: Endpoint,
    url: String,
}

static TLS_PROVIDER: Once = Once::new();

/// One TLS provider for the process (ring); reqwest is built without its own.
fn install_tls_provider() {
    TLS_PROVIDER.call_once(|| {
        // Err means another provider is already installed, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

enum AttemptError {
    Retryable { cause: FailureCause, detail: String, retry_after: Option<Duration>, raw: Vec<u8> },
    Final { cause: FailureCause, detail: String, raw: Vec<u8> },
}

/// A failure found while parsing a body; `retryable` for broken transports.
struct ParseFailure {
    cause: FailureCause,
    detail: String,
    retryable: bool,
}

impl ParseFailure {
    fn invalid(detail: String) -> Self {
        ParseFailure { cause: FailureCause::InvalidResponse, detail, retryable: false }
    }
    fn with_raw(self, raw: Vec<u8>) -> AttemptError {
        if self.retryable {
            AttemptError::Retryable { cause: self.cause, detail: self.detail, retry_after: None, raw }
        } else {
            AttemptError::Final { cause: self.cause, detail: self.detail, raw }
        }
    }
}

struct Success {
    answer: Answer,
    timing: Option<Timing>,
    raw: Vec<u8>,
    /// When the answer was complete: the end of the body, or `[DONE]` (what
    /// follows it is read to keep the connection, but is not the vendor's time).
    ended: Instant,
}

impl VendorClient {
    pub fn new(ep: Endpoint, max_connections: usize) -> Result<Self, VendorError> {
        VendorClient::with_egress(ep, max_connections, None)
    }

    /// A client that connects only where `egress` permits (a server's runs):
    /// the endpoint's URL is checked now, and every address a host name
    /// resolves to at each connect (see [`egress`]).
    pub fn with_egress(
        ep: Endpoint,
        max_connections: usize,
        egress: Option<Arc<egress::EgressPolicy>>,
    ) -> Result<Self, VendorError> {
        install_tls_provider();
        let url = match &ep.agent {
            Some(agent) => agent.url.clone(),
            None => format!("{}/chat/completions", ep.base_url.trim_end_matches('/')),
        };
        let mut builder = reqwest::Client::builder()
            .pool_max_idle_per_host(max_connections)
            .tcp_nodelay(true)
            .connect_timeout(ep.timeout.min(Duration::from_secs(10)))
            // A vendor may not move us to another host.
            .redirect(reqwest::redirect::Policy::none());
        if let Some(policy) = egress {
            for url in std::iter::once(&url).chain(&ep.fim_url) {
                policy.check_url(url).map_err(|detail| VendorError::Client { vendor: ep.vendor.clone(), detail })?;
            }
            // No proxy: a proxy would resolve the name where the policy cannot see.
            builder = builder.no_proxy().dns_resolver(Arc::new(egress::PolicyResolver(policy)));
        }
        let http =
            builder.build().map_err(|e| VendorError::Client { vendor: ep.vendor.clone(), detail: e.to_string() })?;
        Ok(VendorClient { http, ep, url })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.ep
    }

    /// The request: the endpoint's model, its temperature range (a provider
    /// preset's) and whether it is asked for streamed usage.
    fn request_body<'a>(
        &'a self,
        messages: &'a [Message],
        tools: Option<&'a Value>,
        g: Generation,
    ) -> wire::ChatRequest<'a> {
        let (lo, hi) = self.ep.temperature_range;
        wire::ChatRequest {
            max_tokens: Some(g.max_tokens),
            messages: messages.iter().map(wire::RequestMessage::from).collect(),
            model: self.ep.model.as_str().into(),
            stream: self.ep.stream,
            stream_options: (self.ep.stream && self.ep.stream_usage)
                .then_some(wire::StreamOptions { include_usage: true }),
            temperature: Some(g.temperature.clamp(lo, hi)),
            tools: tools.map(std::borrow::Cow::Borrowed),
        }
    }

    /// Sends one chat completion with retries, offering `tools` when given.
    /// Never fails: every problem is an outcome.
    ///
    /// An agent platform is sent the last user message, in a new conversation.
    pub async fn chat(&self, messages: &[Message], tools: Option<&Value>, g: Generation) -> (Outcome, CallStats) {
        if self.ep.agent.is_some() {
            let message = messages.iter().rev().find(|m| m.role == "user").map_or("", |m| m.content.as_str());
            return self.agent_turn(AgentTurn { message, ..AgentTurn::default() }).await;
        }
        let body = self.request_body(messages, tools, g);
        self.send_with_retries(serde_json::to_string(&body).expect("a request body always serializes")).await
    }

    /// Asks the vendor's fill-in-the-middle endpoint for the code between
    /// `prefix` and `suffix`, with retries. Never fails: every problem is an
    /// outcome (a vendor without the endpoint is one too).
    pub async fn fill_in_the_middle(&self, prefix: &str, suffix: &str, g: Generation) -> (Outcome, CallStats) {
        let Some(url) = &self.ep.fim_url else {
            let failure = Failure { cause: FailureCause::HttpStatus, detail: "no fill-in-the-middle endpoint".into() };
            return (Outcome::Failed(failure), CallStats::default());
        };
        let (lo, hi) = self.ep.temperature_range;
        let body = wire::CompletionRequest {
            model: self.ep.model.as_str().into(),
            prompt: prefix.into(),
            suffix: Some(suffix.into()),
            max_tokens: Some(g.max_tokens),
            temperature: Some(g.temperature.clamp(lo, hi)),
            stream: self.ep.stream,
            stream_options: (self.ep.stream && self.ep.stream_usage)
                .then_some(wire::StreamOptions { include_usage: true }),
        };
        let body = serde_json::to_string(&body).expect("a request body always serializes");
        self.send_with_retries_to(url, body).await
    }

    /// Asks one case: a fill-in-the-middle case on the vendor's FIM endpoint
    /// when it has one, every other case (and that one, for a chat-only
    /// vendor, in its stated form) as a chat. Never fails.
    pub async fn ask(&self, case: &tb_core::Case, g: Generation) -> (Outcome, CallStats) {
        match case.infilling().filter(|_| self.has_fill_in_the_middle()) {
            Some((prefix, suffix)) => self.fill_in_the_middle(prefix, suffix, g).await,
            None => self.chat(&case.messages, case.tools.as_ref(), g).await,
        }
    }

    /// Whether the vendor is asked fill-in-the-middle tasks on its own endpoint.
    pub fn has_fill_in_the_middle(&self) -> bool {
        self.ep.fim_url.is_some()
    }

    /// Sends one message to the agent platform, in `conversation` when
    /// given; the response's conversation id is `AgentApi::conversation_of`
    /// its recorded body. Never fails: every problem is an outcome.
    pub async fn agent_turn(&self, turn: AgentTurn<'_>) -> (Outcome, CallStats) {
        let Some(agent) = &self.ep.agent else {
            let failure = Failure { cause: FailureCause::HttpStatus, detail: "not an agent platform".into() };
            return (Outcome::Failed(failure), CallStats::default());
        };
        let body = agent_request(agent, turn);
        self.send_with_retries(serde_json::to_string(&body).expect("a request body always serializes")).await
    }

    /// The endpoint's agent platform API, when it is one.
    pub fn agent(&self) -> Option<&AgentApi> {
        self.ep.agent.as_ref()
    }

    async fn send_with_retries(&self, request: String) -> (Outcome, CallStats) {
        self.send_with_retries_to(&self.url, request).await
    }

    async fn send_with_retries_to(&self, url: &str, request: String) -> (Outcome, CallStats) {
        let started = Instant::now();
        let mut attempts = 0;
        loop {
            attempts += 1;
            let result = match tokio::time::timeout(self.ep.timeout, self.attempt(url, &request)).await {
                Ok(r) => r,
                Err(_) => Err(AttemptError::Retryable {
                    cause: FailureCause::Timeout,
                    detail: format!("no complete response within {:?}", self.ep.timeout),
                    retry_after: None,
                    raw: Vec::new(),
                }),
            };
            let elapsed = || started.elapsed().as_secs_f64() * 1000.0;
            let elapsed_to = |end: Instant| end.duration_since(started).as_secs_f64() * 1000.0;
            // What a failed call records: its attempts, its time and what arrived.
            let failed = |request: String, raw: Vec<u8>| CallStats {
                attempts,
                latency_ms: elapsed(),
                ttft_ms: None,
                timing: None,
                request,
                response: raw,
            };
            match result {
                Ok(s) => {
                    let ttft_ms = s.timing.as_ref().and_then(Timing::ttft_ms);
                    let stats = CallStats {
                        attempts,
                        latency_ms: elapsed_to(s.ended),
                        ttft_ms,
                        timing: s.timing,
                        request,
                        response: s.raw,
                    };
                    return (Outcome::Answered(s.answer), stats);
                }
                Err(AttemptError::Final { cause, detail, raw }) => {
                    let stats = failed(request, raw);
                    return (Outcome::Failed(Failure { cause, detail }), stats);
                }
                Err(AttemptError::Retryable { cause, detail, retry_after, raw }) => {
                    let retry = attempts - 1;
                    if retry >= self.ep.retry.max_retries {
                        let detail = format!("{detail} (after {attempts} attempts in {:.1}s)", elapsed() / 1000.0);
                        let stats = failed(request, raw);
                        return (Outcome::Failed(Failure { cause, detail }), stats);
                    }
                    let wait = match retry_after {
                        Some(d) if d > self.ep.retry.max_retry_after => {
                            // Waiting years is no answer, and retrying sooner than asked would be rude.
                            let detail = format!(
                                "{detail} (Retry-After {}s exceeds the {}s cap; not retried)",
                                d.as_secs(),
                                self.ep.retry.max_retry_after.as_secs()
                            );
                            let stats = failed(request, raw);
                            return (Outcome::Failed(Failure { cause, detail }), stats);
                        }
                        Some(d) => d,
                        None => self.ep.retry.backoff(retry),
                    };
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    async fn attempt(&self, url: &str, body: &str) -> Result<Success, AttemptError> {
        let mut req =
            self.http.post(url).header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_string());
        if let Some(Secret(key)) = &self.ep.api_key {
            req = req.bearer_auth(key);
        }
        if self.ep.stream {
            req = req.header(reqwest::header::ACCEPT, "text/event-stream");
        }
        let sent = Instant::now();
        let resp = req.send().await.map_err(|e| AttemptError::Retryable {
            cause: if e.is_timeout() { FailureCause::Timeout } else { FailureCause::Connection },
            detail: format!("request failed: {}", error_chain(&e)),
            retry_after: None,
            raw: Vec::new(),
        })?;
        let status = resp.status();
        if !status.is_success() {
            return Err(status_error(resp).await);
        }
        let agent = self.ep.agent.as_ref();
        if self.ep.stream { read_stream(resp, sent, agent).await } else { read_json(resp, agent).await }
    }

    /// Lists the models the endpoint serves (`GET {base_url}/models`).
    pub async fn list_models(&self) -> Result<Vec<String>, VendorError> {
        let url = format!("{}/models", self.ep.base_url.trim_end_matches('/'));
        let mut req = self.http.get(url).timeout(self.ep.timeout);
        if let Some(Secret(key)) = &self.ep.api_key {
            req = req.bearer_auth(key);
        }
        let probe = |detail: String| VendorError::Probe { vendor: self.ep.vendor.clone(), detail };
        let resp = req.send().await.map_err(|e| probe(format!("unreachable: {}", error_chain(&e))))?;
        let status = resp.status();
        if !status.is_success() {
            return Err(probe(format!("GET /models answered HTTP {status}")));
        }
        let v: Value = resp.json().await.map_err(|e| probe(format!("GET /models: not JSON: {e}")))?;
        Ok(v["data"]
            .as_array()
            .map(|a| a.iter().filter_map(|m| m["id"].as_str().map(str::to_string)).collect())
            .unwrap_or_default())
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(inner) = cur {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        cur = inner.source();
    }
    s
}

/// Parses `Retry-After`: delta-seconds or an HTTP date. Negative or unparsable → `None`.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<i64>() {
        return (secs >= 0).then(|| Duration::from_secs(secs as u64));
    }
    if let Ok(secs) = v.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs.min(1e9)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

async fn status_error(resp: reqwest::Response) -> AttemptError {
    let status = resp.status();
    let retry_after =
        resp.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(parse_retry_after);
    let raw = match read_capped(resp).await {
        Ok(b) => b,
        Err(e) => return e,
    };
    let snippet: String = String::from_utf8_lossy(&raw).chars().take(200).collect();
    let detail = format!("HTTP {status}: {snippet}");
    if status == StatusCode::TOO_MANY_REQUESTS {
        AttemptError::Retryable { cause: FailureCause::RateLimited, detail, retry_after, raw }
    } else if status.is_server_error() {
        AttemptError::Retryable { cause: FailureCause::ServerError, detail, retry_after, raw }
    } else {
        AttemptError::Final { cause: FailureCause::HttpStatus, detail, raw }
    }
}

async fn read_capped(resp: reqwest::Response) -> Result<Vec<u8>, AttemptError> {
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                return Err(AttemptError::Retryable {
                    cause: FailureCause::Connection,
                    detail: format!("body broke off: {}", error_chain(&e)),
                    retry_after: None,
                    raw: body,
                });
            }
        };
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(AttemptError::Final {
                cause: FailureCause::ResponseTooLarge,
                detail: format!("response body exceeds {MAX_BODY_BYTES} bytes"),
                raw: body,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The usage in an agent platform's JSON (where chat completions put it).
fn usage_of(v: &Value) -> Option<Usage> {
    let u =
        v.get("usage").filter(|u| u.is_object()).or_else(|| v["choices"][0].get("usage").filter(|u| u.is_object()))?;
    Some(Usage {
        prompt_tokens: u["prompt_tokens"].as_u64().unwrap_or(0),
        completion_tokens: u["completion_tokens"].as_u64().unwrap_or(0),
    })
}

/// The error an agent platform's JSON reports (where chat completions put it).
fn vendor_error_message(v: &Value) -> Option<String> {
    v.get("error").map(wire::error_message)
}

async fn read_json(resp: reqwest::Response, agent: Option<&AgentApi>) -> Result<Success, AttemptError> {
    let body = read_capped(resp).await?;
    let parsed = match agent {
        Some(agent) => parse_agent_json(&body, agent),
        None => parse_json(&body),
    };
    match parsed {
        Ok(answer) => Ok(Success { answer, timing: None, raw: body, ended: Instant::now() }),
        Err(f) => Err(f.with_raw(body)),
    }
}

/// The answer in a non-streamed chat completion body.
fn parse_json(body: &[u8]) -> Result<Answer, ParseFailure> {
    let completion = wire::ChatCompletion::from_json(body)
        .map_err(|e| ParseFailure::invalid(format!("response is not JSON: {e}")))?;
    if let Some(error) = &completion.error {
        return Err(ParseFailure::invalid(format!("vendor reported an error: {}", wire::error_message(error))));
    }
    let Some(choice) = completion.choices.first() else {
        return Err(ParseFailure::invalid("response has no choices[0]".into()));
    };
    let text = match (&choice.message.content, &choice.text) {
        (Some(wire::Content::Text(s)), _) => s.to_string(),
        (None, Some(text)) => text.to_string(),
        (None, None) => String::new(),
        (Some(wire::Content::Other(other)), _) => {
            return Err(ParseFailure::invalid(format!("choices[0].message.content is not text: {other}")));
        }
    };
    Ok(Answer {
        text,
        tool_calls: ToolCalls::of_message(&choice.message),
        finish_reason: choice.finish_reason.as_deref().map(str::to_string),
        usage: usage_in(completion.usage, choice.usage),
    })
}

/// The usage a completion or chunk reports: at its top, else in its first
/// choice (where Kimi puts it); a count that is not one reads as 0.
fn usage_in(top: Option<wire::Usage>, in_choice: Option<wire::Usage>) -> Option<Usage> {
    top.or(in_choice).map(|u| Usage {
        prompt_tokens: u.prompt_tokens.unwrap_or(0),
        completion_tokens: u.completion_tokens.unwrap_or(0),
    })
}

/// The answer in an agent platform's JSON body, at its answer path.
fn parse_agent_json(body: &[u8], agent: &AgentApi) -> Result<Answer, ParseFailure> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| ParseFailure::invalid(format!("response is not JSON: {e}")))?;
    match json_path(&v, &agent.answer_path) {
        Some(Value::String(text)) => {
            Ok(Answer { text: text.clone(), tool_calls: None, finish_reason: Some("stop".into()), usage: usage_of(&v) })
        }
        _ => match vendor_error_message(&v).or_else(|| v["message"].as_str().map(str::to_string)) {
            Some(msg) => Err(ParseFailure::invalid(format!("the agent platform reported an error: {msg}"))),
            None => Err(ParseFailure::invalid(format!("the response has no text at {}", agent.answer_path))),
        },
    }
}

/// Re-reads a recorded response body (an SSE stream or a JSON completion) the
/// way a live call would have, without any network: what `verify` uses to
/// prove that a stored answer is the one the vendor sent.
///
/// `agent` names the agent platform API the vendor was reached through.
pub async fn replay(body: &[u8], stream: bool, agent: Option<&AgentApi>) -> Result<Answer, Failure> {
    let parsed = if stream {
        let once = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::copy_from_slice(body))]);
        parse_sse(once, None, agent).await.map(|(a, ..)| a)
    } else {
        match agent {
            Some(agent) => parse_agent_json(body, agent),
            None => parse_json(body),
        }
    };
    parsed.map_err(|f| Failure { cause: f.cause, detail: f.detail })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The body as earlier builds wrote it (a `json!` value: sorted keys).
    fn body_before(ep: &Endpoint, messages: &[Message], tools: Option<&Value>, g: Generation) -> String {
        let (lo, hi) = ep.temperature_range;
        let mut body = json!({
            "model": ep.model,
            "messages": messages,
            "temperature": g.temperature.clamp(lo, hi),
            "max_tokens": g.max_tokens,
            "stream": ep.stream,
        });
        if ep.stream && ep.stream_usage {
            body["stream_options"] = json!({ "include_usage": true });
        }
        if let Some(tools) = tools {
            body["tools"] = tools.clone();
        }
        serde_json::to_string(&body).unwrap()
    }

    #[test]
    fn request_bodies_are_byte_for_byte_what_earlier_builds_sent() {
        let mut call = Message::assistant("");
        call.tool_calls =
            Some(json!([{ "id": "c1", "type": "function", "function": { "name": "f", "arguments": "{}" } }]));
        let mut result = Message::new("tool", "{\"ok\": true}\n\u{1}\"引号\"");
        result.tool_call_id = Some("c1".into());
        let messages = [Message::system("你是助手"), Message::user("say \"hi\"\n"), call, result];
        let tools = json!([{ "type": "function", "function": { "name": "f", "parameters": { "type": "object", "b": 1, "a": [] } } }]);
        for (stream, stream_usage, range, temperature, with_tools) in [
            (true, true, (0.0, 2.0), 0.7, true),
            (true, false, (0.01, 0.99), 0.0, false),
            (false, true, (0.0, 1.0), 1.5, true),
            (false, false, (0.0, 2.0), 1.0, false),
        ] {
            let ep = Endpoint {
                vendor: "v".into(),
                base_url: "http://127.0.0.1:9/v1".into(),
                model: "m-\"1\"".into(),
                api_key: None,
                stream,
                stream_usage,
                temperature_range: range,
                timeout: Duration::from_secs(1),
                retry: RetryPolicy::default(),
                agent: None,
                fim_url: None,
            };
            let client = VendorClient::new(ep.clone(), 1).unwrap();
            let g = Generation { temperature, max_tokens: 512 };
            let tools = with_tools.then_some(&tools);
            let now = serde_json::to_string(&client.request_body(&messages, tools, g)).unwrap();
            assert_eq!(now, body_before(&ep, &messages, tools, g));
            let read: wire::ChatRequest = serde_json::from_str(&now).unwrap();
            assert_eq!(read, client.request_body(&messages, tools, g), "a request reads back as it was written");
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after("-5"), None);
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO), "a past date means now");
        let future = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
        let d = parse_retry_after(&future).unwrap();
        assert!(d > Duration::from_secs(3500) && d <= Duration::from_secs(3600), "{d:?}");
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        let p = RetryPolicy {
            max_retries: 5,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
        };
        for retry in 0..30 {
            let d = p.backoff(retry);
            assert!(d <= Duration::from_secs(1), "{retry}: {d:?}");
            assert!(d <= Duration::from_millis(100) * (1 << retry.min(16)), "{retry}: {d:?}");
        }
    }

    fn platform() -> AgentApi {
        AgentApi {
            url: "http://127.0.0.1:9/chat-messages".into(),
            request: json!({ "query": "{{message}}", "conversation_id": "{{conversation_id}}", "user": "{{user}}", "inputs": { "x": ["{{message}}"] } }),
            answer_path: "answer".into(),
            conversation_path: Some("conversation_id".into()),
            stream: true,
        }
    }

    #[test]
    fn a_platform_request_fills_its_template_as_strings() {
        let turn = |message, conversation| AgentTurn { message, conversation, tools_url: None };
        let body = agent_request(&platform(), turn("say \"hi\" {{conversation_id}}", None));
        assert_eq!(body["query"], "say \"hi\" {{conversation_id}}", "a message cannot inject a placeholder");
        assert_eq!(body["conversation_id"], "");
        assert_eq!(body["user"], "tenderbench");
        assert_eq!(body["inputs"]["x"][0], body["query"]);
        assert_eq!(agent_request(&platform(), turn("m", Some("c-1")))["conversation_id"], "c-1");
        let v = json!({ "choices": [{ "message": { "content": "ok" } }] });
        assert_eq!(json_path(&v, "choices.0.message.content"), Some(&json!("ok")));
        assert_eq!(json_path(&v, "choices.1.message"), None);
    }

    #[tokio::test]
    async fn a_streamed_platform_answer_replays_with_its_conversation() {
        let body = b"data: {\"event\": \"message\", \"answer\": \"Hel\", \"conversation_id\": \"c-9\"}\n\n\
                     data: {\"event\": \"message\", \"answer\": \"lo\", \"conversation_id\": \"c-9\"}\n\n\
                     data: {\"event\": \"message_end\", \"conversation_id\": \"c-9\"}\n\n";
        let api = platform();
        assert_eq!(replay(body, true, Some(&api)).await.unwrap().text, "Hello");
        assert_eq!(agent_conversation(&api, body).as_deref(), Some("c-9"));
        let error = b"data: {\"event\": \"error\", \"message\": \"quota\"}\n\n";
        assert!(replay(error, true, Some(&api)).await.unwrap_err().detail.contains("quota"));
        let blocking = br#"{"answer": "Hi", "conversation_id": "c-2"}"#;
        assert_eq!(replay(blocking, false, Some(&api)).await.unwrap().text, "Hi");
        assert_eq!(agent_conversation(&api, blocking).as_deref(), Some("c-2"));
        assert!(replay(br#"{"code": "bad"}"#, false, Some(&api)).await.is_err());
    }

    #[tokio::test]
    async fn streamed_calls_replay_as_a_gateway_sent_them() {
        // A gateway that repeats the name in every chunk and numbers no call.
        let chunk = |args: &str| {
            let delta = json!({ "tool_calls": [{ "function": { "name": "area_circle", "arguments": args } }] });
            format!("data: {}\n\n", json!({ "choices": [{ "delta": delta }] }))
        };
        let body = [chunk("{\"radius\": "), chunk("5}"), chunk("{\"radius\": 7}")].concat()
            + "data: {\"choices\": [{\"delta\": {}, \"finish_reason\": \"tool_calls\"}]}\n\ndata: [DONE]\n\n";
        let answer = replay(body.as_bytes(), true, None).await.unwrap();
        assert_eq!(
            answer.tool_calls.unwrap(),
            json!([
                { "name": "area_circle", "arguments": "{\"radius\": 5}" },
                { "name": "area_circle", "arguments": "{\"radius\": 7}" }
            ])
        );
        let legacy = br#"{"choices": [{"message": {"content": null, "function_call": {"name": "f", "arguments": "{}"}}, "finish_reason": "function_call"}]}"#;
        let answer = replay(legacy, false, None).await.unwrap();
        assert_eq!(answer.tool_calls.unwrap(), json!([{ "name": "f", "arguments": "{}" }]));
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Secret("sk-live-123".into());
        assert!(!format!("{s:?}").contains("sk-live"));
    }
}
