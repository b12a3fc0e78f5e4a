//! A simulated OpenAI-compatible vendor.
//!
//! Given the cases of a tender's suites (with their gold answers), a
//! [`MockVendor`] answers correctly with the probability its [`Profile`] sets,
//! in varied zh/en phrasings, with a set latency, time to first token and fault
//! mix — all decided by hashing (seed, profile, case, request number), so a
//! rehearsal gives the same answers every time. It counts the requests it gets
//! per case (`GET /_mock/requests`), which is how tests prove that a resumed run
//! sends nothing for a finished cell.
//!
//! Demos, tests and users rehearsing a POC (`tenderbench mock-vendor`) all use it.

mod agent;
mod answer;
mod faults;
pub mod profile;
pub mod simulate;
pub mod tasks;
mod timer;
/// The chat-completions wire format: the client's own types, so the
/// simulator writes exactly what the client reads.
use tb_vendor::wire;

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use bytes::Bytes;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tb_core::{Case, Gold};
use tokio::net::TcpListener;

pub use profile::{Fault, FaultKind, LoadModel, Pacing, Profile, Range};

/// What the mock knows about one case: enough to answer it right or wrong.
#[derive(Debug, Clone)]
pub struct KnownCase {
    pub id: String,
    pub gold: Gold,
    pub language: Option<String>,
}

/// Cases indexed by the hash of their prompt (the last user message).
#[derive(Debug, Default)]
pub struct CaseIndex {
    by_prompt: HashMap<[u8; 16], KnownCase>,
}

impl CaseIndex {
    pub fn insert(&mut self, case: &Case) {
        let known = KnownCase { id: case.id.clone(), gold: case.gold.clone(), language: case.language.clone() };
        if let Some((prefix, suffix)) = case.infilling() {
            self.by_prompt.insert(prompt_key(&fim_key(prefix, suffix)), known.clone());
        }
        self.by_prompt.insert(prompt_key(case.prompt()), known);
    }

    pub fn len(&self) -> usize {
        self.by_prompt.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_prompt.is_empty()
    }

    fn get(&self, prompt: &str) -> Option<&KnownCase> {
        self.by_prompt.get(&prompt_key(prompt))
    }
}

/// What a fill-in-the-middle request is indexed by: its prefix and suffix.
fn fim_key(prefix: &str, suffix: &str) -> String {
    format!("{prefix}\u{0}fill-in-the-middle\u{0}{suffix}")
}

fn prompt_key(prompt: &str) -> [u8; 16] {
    let d = Sha256::digest(prompt.as_bytes());
    d[..16].try_into().expect("sha256 has 32 bytes")
}

/// A uniform draw in [0, 1) from the hash of its inputs.
pub(crate) fn unit(parts: &[&[u8]]) -> f64 {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let d = h.finalize();
    let n = u64::from_le_bytes(d[..8].try_into().expect("8 bytes"));
    (n >> 11) as f64 / (1u64 << 53) as f64
}

#[derive(Default)]
struct Counters {
    /// The `Authorization` header of the latest request (tests check that keys travel only there).
    last_authorization: Option<String>,
    /// Requests received per case id ("?" for prompts of no known case).
    requests: HashMap<String, u64>,
    /// Answers served per case id: the repeat number of the next answer.
    answers: HashMap<String, u64>,
    /// Agent episodes begun per case id.
    episodes: HashMap<String, u64>,
    /// The agent platform's conversations: id → (case, the reference step it goes on from).
    conversations: HashMap<String, (KnownCase, usize)>,
}

struct MockState {
    profile: Profile,
    model: String,
    seed: u64,
    cases: Arc<CaseIndex>,
    counters: Mutex<Counters>,
    /// Chat requests being served now (for the load model).
    in_flight: AtomicU32,
    /// The most chat requests ever in flight at once (what a concurrency limit is checked against).
    max_in_flight: AtomicU32,
    /// The rate limit's token bucket: (tokens, last refill).
    bucket: Mutex<(f64, tokio::time::Instant)>,
    /// Chat requests received, and when the stall began (once it has).
    received: std::sync::atomic::AtomicU64,
    stall_began: OnceLock<tokio::time::Instant>,
}

/// Counts a request as in flight until dropped (with the response body, for a stream).
struct InFlight(Arc<MockState>);

impl InFlight {
    /// Enters, returning the guard and how many requests are in flight with this one.
    fn enter(s: &Arc<MockState>) -> (InFlight, u32) {
        let n = s.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        s.max_in_flight.fetch_max(n, Ordering::Relaxed);
        (InFlight(s.clone()), n)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

impl MockState {
    /// Takes a token from the rate limit's bucket, if one is there.
    fn admit(&self, rps: f64, now: tokio::time::Instant) -> bool {
        let mut b = self.bucket.lock().expect("bucket lock");
        let refill = now.saturating_duration_since(b.1).as_secs_f64() * rps;
        b.0 = (b.0 + refill).min(rps.max(1.0));
        b.1 = now;
        if b.0 >= 1.0 {
            b.0 -= 1.0;
            true
        } else {
            false
        }
    }

    /// When a request arriving at `arrived` is served: after the stall, if it falls in one.
    fn served_from(&self, arrived: tokio::time::Instant) -> tokio::time::Instant {
        let n = self.received.fetch_add(1, Ordering::Relaxed) + 1;
        let Some((after, for_ms)) = self.profile.load.stall else { return arrived };
        if n < after {
            return arrived;
        }
        let end = *self.stall_began.get_or_init(|| arrived) + Duration::from_secs_f64(for_ms / 1000.0);
        arrived.max(end)
    }
}

/// A running or runnable simulated vendor.
#[derive(Clone)]
pub struct MockVendor {
    state: Arc<MockState>,
}

impl MockVendor {
    pub fn new(profile: Profile, seed: u64, cases: Arc<CaseIndex>) -> Self {
        MockVendor {
            state: Arc::new(MockState {
                model: format!("mock-{}", profile.name),
                profile,
                seed,
                cases,
                counters: Mutex::new(Counters::default()),
                in_flight: AtomicU32::new(0),
                max_in_flight: AtomicU32::new(0),
                bucket: Mutex::new((f64::MAX, tokio::time::Instant::now())),
                received: std::sync::atomic::AtomicU64::new(0),
                stall_began: OnceLock::new(),
            }),
        }
    }

    /// The most chat requests it has had in flight at once.
    pub fn max_in_flight(&self) -> u32 {
        self.state.max_in_flight.load(Ordering::Relaxed)
    }

    pub fn model(&self) -> &str {
        &self.state.model
    }

    /// The `Authorization` header of the latest chat request.
    pub fn last_authorization(&self) -> Option<String> {
        self.state.counters.lock().expect("counter lock").last_authorization.clone()
    }

    /// Requests received so far, per case id.
    pub fn request_counts(&self) -> HashMap<String, u64> {
        self.state.counters.lock().expect("counter lock").requests.clone()
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/chat/completions", post(chat))
            .route("/v1/completions", post(completions))
            .route("/completions", post(completions))
            .route("/v1/models", get(models))
            .route("/models", get(models))
            .route("/_mock/requests", get(requests))
            // A black-box agent platform, shaped like Dify's chat-app API.
            .route("/v1/chat-messages", post(platform_chat))
            .route("/chat-messages", post(platform_chat))
            .with_state(self.state.clone())
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(no_delay(listener), self.router()).with_graceful_shutdown(shutdown).await
    }

    /// Binds 127.0.0.1 on an ephemeral port and serves in the background.
    /// Returns the base URL (`http://127.0.0.1:PORT/v1`) and the server task.
    pub async fn spawn_local(self) -> std::io::Result<(String, tokio::task::JoinHandle<()>)> {
        self.spawn_on_port(0).await
    }

    /// As [`spawn_local`](Self::spawn_local), on a given port (0: any).
    pub async fn spawn_on_port(self, port: u16) -> std::io::Result<(String, tokio::task::JoinHandle<()>)> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let router = self.router();
        let task = tokio::spawn(async move {
            // Serving ends only with the task; an accept error on loopback is not recoverable.
            let _ = axum::serve(no_delay(listener), router).await;
        });
        Ok((format!("http://{addr}/v1"), task))
    }
}

/// Sleeps until `deadline` with sub-millisecond precision (see [`timer`]).
async fn sleep_until_precisely(deadline: tokio::time::Instant) {
    timer::sleep_until(deadline.into_std()).await
}

/// Small SSE events must leave at once, as a real vendor's do: with Nagle's
/// algorithm on, each one waits for the client's delayed ACK (up to 40 ms).
fn no_delay(
    listener: TcpListener,
) -> impl axum::serve::Listener<Io = tokio::net::TcpStream, Addr = std::net::SocketAddr> {
    listener.tap_io(|tcp| {
        // Failing to set it only costs latency.
        let _ = tcp.set_nodelay(true);
    })
}

async fn models(State(s): State<Arc<MockState>>) -> impl IntoResponse {
    axum::Json(json!({"object": "list", "data": [{"id": s.model, "object": "model", "owned_by": "tenderbench-mock"}]}))
}

async fn requests(State(s): State<Arc<MockState>>) -> impl IntoResponse {
    let counts = s.counters.lock().expect("counter lock").requests.clone();
    axum::Json(counts)
}

/// The simulated agent platform (Dify's `chat-messages` shape): finds the
/// task by the first message of a conversation, keeps the conversation by
/// id, and answers with the policy's next words, blocking or streamed.
async fn platform_chat(State(s): State<Arc<MockState>>, body: Bytes) -> Response {
    let req: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return error_response(StatusCode::BAD_REQUEST, &format!("request is not JSON: {e}")),
    };
    let query = req["query"].as_str().unwrap_or("").to_string();
    let given = req["conversation_id"].as_str().filter(|c| !c.is_empty()).map(str::to_string);
    let (conversation, known, turn) = {
        let mut c = s.counters.lock().expect("counter lock");
        let found = match &given {
            Some(id) => c.conversations.get(id).map(|(k, step)| (id.clone(), Some(k.clone()), *step)),
            None => None,
        };
        let (conversation, known, turn) = match found {
            Some(f) => f,
            None if given.is_some() => {
                return error_response(StatusCode::NOT_FOUND, "Conversation Not Exists.");
            }
            None => {
                let id = format!("conv-{}", c.conversations.len() + 1);
                let known = s.cases.get(&query).cloned();
                if let Some(k) = &known {
                    c.conversations.insert(id.clone(), (k.clone(), 0));
                }
                (id, known, 0)
            }
        };
        let case_id = known.as_ref().map_or("?".to_string(), |k| k.id.clone());
        *c.requests.entry(case_id).or_insert(0) += 1;
        (conversation, known, turn)
    };
    let text = match &known {
        Some(k) if agent::is_task(&k.gold.data) => {
            let policy = agent::Policy::of_profile(&s.profile.name).unwrap_or(agent::Policy::Correct);
            let (calls, text, next) = agent::platform_turn(&k.gold.data, policy, turn);
            if let Some(entry) = s.counters.lock().expect("counter lock").conversations.get_mut(&conversation) {
                entry.1 = next;
            }
            // The platform's own tool calls, through the tool server it was given.
            if let Some(url) = req["inputs"]["tools_url"].as_str().filter(|u| !u.is_empty()) {
                for (name, arguments) in calls {
                    if let Err(e) = call_tool(url, &name, arguments).await {
                        return error_response(StatusCode::BAD_GATEWAY, &format!("tool {name}: {e}"));
                    }
                }
            }
            text
        }
        Some(k) => answer::phrase(k, true, 0.0, 0.0),
        None => "I cannot help with that.".to_string(),
    };
    if req["response_mode"] != "streaming" {
        return axum::Json(json!({
            "event": "message", "answer": text, "conversation_id": conversation,
            "message_id": format!("msg-{conversation}-{turn}"), "mode": "chat",
        }))
        .into_response();
    }
    // The answer in a few pieces, as a platform streams it, then message_end.
    let chars: Vec<char> = text.chars().collect();
    let size = chars.len().div_ceil(4).max(1);
    let mut events: Vec<String> = chars
        .chunks(size)
        .map(|piece| {
            let piece: String = piece.iter().collect();
            format!("data: {}\n\n", json!({ "event": "message", "answer": piece, "conversation_id": conversation }))
        })
        .collect();
    events.push(format!("data: {}\n\n", json!({ "event": "message_end", "conversation_id": conversation })));
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .body(Body::from(events.concat()))
        .expect("static headers are valid")
}

/// One call to an episode's tool server, as a platform's HTTP tool node makes it.
#[expect(
    clippy::disallowed_methods,
    reason = "the simulated platform is the vendor's side: its calls to the tool server are not tenderbench's"
)]
async fn call_tool(tools_url: &str, name: &str, arguments: String) -> Result<Value, String> {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        // Loopback HTTP needs no TLS; the builder still wants a provider installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
    });
    let resp = client
        .post(format!("{tools_url}/tools/{name}"))
        .header("content-type", "application/json")
        .body(arguments)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    resp.json::<Value>().await.map_err(|e| e.to_string())
}

fn error_response(status: StatusCode, message: &str) -> Response {
    let error = wire::ApiError { message: message.into(), kind: "mock_error".into() };
    (status, axum::Json(wire::ErrorResponse { error })).into_response()
}

/// The chat completions endpoint: finds the case a request is about, serves
/// it under the profile's load model, faults and timings, and answers it.
async fn chat(State(s): State<Arc<MockState>>, headers: axum::http::HeaderMap, body: Bytes) -> Response {
    match ChatRequest::read(&headers, &body) {
        Ok(req) => respond(s, req).await,
        Err(e) => error_response(StatusCode::BAD_REQUEST, &format!("request is not JSON: {e}")),
    }
}

/// `POST /completions` with a `suffix`: fill-in-the-middle, answered like a
/// chat (same latency, faults and accuracy) in the text-completion shape.
async fn completions(State(s): State<Arc<MockState>>, headers: axum::http::HeaderMap, body: Bytes) -> Response {
    match ChatRequest::read_completion(&headers, &body) {
        Ok(req) => respond(s, req).await,
        Err(e) => error_response(StatusCode::BAD_REQUEST, &format!("request is not JSON: {e}")),
    }
}

async fn respond(s: Arc<MockState>, req: ChatRequest<'_>) -> Response {
    let arrived = tokio::time::Instant::now();
    let known = s.known_case(&req);
    let case_id = known.as_ref().map_or("?".to_string(), |k| k.id.clone());
    let request_no = s.count_request(&case_id, req.authorization.clone());
    let draws = Draws { seed: s.seed.to_le_bytes(), profile: &s.profile.name, case_id: &case_id };

    let (in_flight, concurrent) = InFlight::enter(&s);
    let load = s.profile.load;
    if let Some(rps) = load.rate_limit_rps
        && !s.admit(rps, arrived)
    {
        let mut r = error_response(StatusCode::TOO_MANY_REQUESTS, "rate limit reached");
        r.headers_mut().insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
        return r;
    }
    // Timings count from when the request is served: after a stall it fell in.
    let arrived = s.served_from(arrived);
    let timing = s.timing(&draws, request_no, concurrent);
    let fault = timing.fault.map(|f| f.kind);
    if let Some(kind) = fault
        && let Some(response) = faults::respond(kind, req.stream, timing.ttft).await
    {
        return response;
    }

    let answer_no = s.count_answer(&case_id);
    let accuracy = match load.degrade_above {
        Some(limit) if concurrent > limit => load.degraded_accuracy,
        _ => s.profile.accuracy,
    };
    let chat = Chat { s: &s, req: &req, draws: &draws };
    let answer = chat.answer(known.as_ref(), answer_no, accuracy);
    let usage = token_usage(req.prompt(), &answer.text, timing.pacing, s.profile.chars_per_token);
    let id = format!("chatcmpl-mock-{request_no}");
    if !req.stream {
        sleep_until_precisely(arrived + Duration::from_secs_f64(timing.latency / 1000.0)).await;
        if req.fim.is_some() {
            return text_completion(&s.model, &id, &answer.text, usage);
        }
        return completion(&s.model, &id, &answer, usage, fault);
    }
    let mut plan =
        answer::stream_plan(&id, &s.model, &answer, usage, timing.ttft, timing.latency, timing.pacing, fault);
    if req.fim.is_some() {
        for (_, event) in &mut plan {
            *event = answer::as_text_chunk(event);
        }
    }
    streamed(plan, arrived, in_flight, fault)
}

/// What a chat request asks, read from its headers and JSON body.
struct ChatRequest<'a> {
    /// The `Authorization` header, as sent.
    authorization: Option<String>,
    stream: bool,
    messages: Vec<wire::RequestMessage<'a>>,
    /// A fill-in-the-middle request's prefix and suffix (`POST /completions`).
    fim: Option<(String, String)>,
}

impl<'a> ChatRequest<'a> {
    /// Reads a chat request (as leniently as the client reads answers);
    /// `Err` when its body is not JSON.
    fn read(headers: &axum::http::HeaderMap, body: &'a [u8]) -> Result<Self, serde_json::Error> {
        let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
        let req = serde_json::from_slice::<wire::Lenient<wire::ChatRequest>>(body)?.0.unwrap_or_default();
        Ok(ChatRequest { authorization, stream: req.stream, messages: req.messages, fim: None })
    }

    /// Reads a fill-in-the-middle request (`prompt` and `suffix`).
    fn read_completion(headers: &axum::http::HeaderMap, body: &'a [u8]) -> Result<Self, serde_json::Error> {
        let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
        let req = serde_json::from_slice::<wire::Lenient<wire::CompletionRequest>>(body)?.0.unwrap_or_default();
        let fim = (req.prompt.to_string(), req.suffix.as_deref().unwrap_or("").to_string());
        Ok(ChatRequest { authorization, stream: req.stream, messages: Vec::new(), fim: Some(fim) })
    }

    /// The last user message.
    fn prompt(&self) -> &str {
        self.messages.iter().rev().find(|m| m.role == "user").map_or("", |m| &m.content)
    }
}

/// The hashed draws of one case's requests: seed, profile and case fix
/// them, so a rehearsal gives the same answers every time.
struct Draws<'a> {
    seed: [u8; 8],
    profile: &'a str,
    case_id: &'a str,
}

impl Draws<'_> {
    /// A uniform draw in [0, 1) for `what` at request or answer number `n`.
    fn draw(&self, what: &str, n: u64) -> f64 {
        unit(&[&self.seed, self.profile.as_bytes(), self.case_id.as_bytes(), what.as_bytes(), &n.to_le_bytes()])
    }
}

/// How a served request is answered in time: its fault, if one is drawn,
/// its pacing, and its time to first token and latency (ms), slowed by load.
struct ChatTiming {
    fault: Option<Fault>,
    pacing: Option<Pacing>,
    ttft: f64,
    latency: f64,
}

impl MockState {
    /// The case a chat request is about: the one of its prompt, or for an
    /// agent's conversation, which goes on past its task's prompt, the task
    /// of its first user message.
    fn known_case(&self, req: &ChatRequest) -> Option<KnownCase> {
        if let Some((prefix, suffix)) = &req.fim {
            return self.cases.get(&fim_key(prefix, suffix)).cloned();
        }
        self.cases.get(req.prompt()).cloned().or_else(|| {
            let first = &req.messages.iter().find(|m| m.role == "user")?.content;
            self.cases.get(first).filter(|k| agent::is_task(&k.gold.data)).cloned()
        })
    }

    /// Counts a chat request for `case_id` (keeping its `Authorization`) and
    /// returns its number among that case's requests, from 0.
    fn count_request(&self, case_id: &str, authorization: Option<String>) -> u64 {
        let mut c = self.counters.lock().expect("counter lock");
        c.last_authorization = authorization;
        let n = c.requests.entry(case_id.to_string()).or_insert(0);
        *n += 1;
        *n - 1
    }

    /// Counts an answer served for `case_id` and returns its repeat number, from 0.
    fn count_answer(&self, case_id: &str) -> u64 {
        let mut c = self.counters.lock().expect("counter lock");
        let n = c.answers.entry(case_id.to_string()).or_insert(0);
        *n += 1;
        *n - 1
    }

    /// The number of the agent episode a turn belongs to, from 0; an
    /// episode's first turn begins a new one.
    fn count_episode(&self, case_id: &str, first_turn: bool) -> u64 {
        let mut c = self.counters.lock().expect("counter lock");
        let n = c.episodes.entry(case_id.to_string()).or_insert(0);
        if first_turn {
            *n += 1;
        }
        n.saturating_sub(1)
    }

    /// Draws request `request_no`'s fault and timings; with `concurrent`
    /// requests past its capacity, the vendor serves everyone slower
    /// (processor sharing).
    fn timing(&self, draws: &Draws, request_no: u64, concurrent: u32) -> ChatTiming {
        let slowdown = self.profile.load.capacity.map_or(1.0, |c| (concurrent as f64 / c.max(1) as f64).max(1.0));
        let fault = self
            .profile
            .fault
            .filter(|f| (!f.first_request_only || request_no == 0) && draws.draw("fault", request_no) < f.rate);
        let pacing = self.profile.pacing.map(|p| Pacing { itl_ms: p.itl_ms * slowdown, ..p });
        let ttft = self.profile.ttft_ms.sample(draws.draw("ttft", request_no)) * slowdown;
        let latency = match pacing {
            Some(p) => ttft + p.itl_ms * p.chunks.saturating_sub(1) as f64,
            None => self.profile.latency_ms.sample(draws.draw("latency", request_no)) * slowdown,
        };
        ChatTiming { fault, pacing, ttft: ttft.min(latency), latency }
    }
}

/// One chat request being answered: what choosing its answer needs.
struct Chat<'a> {
    s: &'a MockState,
    req: &'a ChatRequest<'a>,
    draws: &'a Draws<'a>,
}

impl Chat<'_> {
    /// What the vendor says: a judge's verdict when asked for one, an agent's
    /// next turn, the case's answer (right with probability `accuracy`), or a
    /// refusal to a prompt of no known case.
    fn answer(&self, known: Option<&KnownCase>, answer_no: u64, accuracy: f64) -> tasks::MockAnswer {
        let draw = |what: &str, n: u64| self.draws.draw(what, n);
        let correct = draw("correct", answer_no) < accuracy;
        if let (Some(k), Some(_)) = (known, &self.req.fim) {
            return tasks::MockAnswer::text(tasks::middle(&k.gold.data, correct));
        }
        match (known, tasks::judge(&self.req.messages)) {
            (_, Some(verdict)) => tasks::MockAnswer::text(verdict),
            (Some(k), None) if agent::is_task(&k.gold.data) => {
                let policy =
                    agent::Policy::of_profile(&self.s.profile.name).unwrap_or_else(|| self.episode_policy(accuracy));
                agent::turn(&k.gold.data, policy, &self.req.messages)
            }
            (Some(k), None) => tasks::answer(k, correct, draw("phrasing", answer_no)).unwrap_or_else(|| {
                let text = answer::phrase(k, correct, draw("phrasing", answer_no), draw("wrong", answer_no));
                // The hedging profile leaves a third of its answers undecided between two.
                let hedged = (self.s.profile.name == "hedging" && draw("hedge", answer_no) < 1.0 / 3.0)
                    .then(|| answer::hedge(k, correct, draw("wrong", answer_no)))
                    .flatten();
                tasks::MockAnswer::text(hedged.unwrap_or(text))
            }),
            (None, None) => tasks::MockAnswer::text("我无法回答这个问题。I cannot answer this question."),
        }
    }

    /// How a profile with no agent policy of its own plays an episode: whole
    /// and right or partly, as its accuracy draws, one draw per episode,
    /// counted at its first turn.
    fn episode_policy(&self, accuracy: f64) -> agent::Policy {
        let first_turn = !self.req.messages.iter().any(|m| m.role == "assistant");
        let episode = self.s.count_episode(self.draws.case_id, first_turn);
        if self.draws.draw("episode", episode) < accuracy { agent::Policy::Correct } else { agent::Policy::Partial }
    }
}

/// The token counts a completion reports: the prompt at the profile's
/// characters a token (two), the answer at two, or one token a chunk when
/// the profile paces its stream.
fn token_usage(prompt: &str, text: &str, pacing: Option<Pacing>, chars_per_token: u64) -> wire::Usage {
    let prompt_tokens = prompt.chars().count() as u64 / chars_per_token.max(1) + 1;
    let completion_tokens = pacing.map_or(text.chars().count() as u64 / 2 + 1, |p| p.chunks as u64);
    wire::Usage {
        completion_tokens: Some(completion_tokens),
        prompt_tokens: Some(prompt_tokens),
        total_tokens: Some(prompt_tokens + completion_tokens),
    }
}

/// Function call `i` as OpenAI writes it (`call_{i}`), whole or its first piece.
fn tool_call<'a>(i: usize, name: &'a str, arguments: &'a str, index: Option<u64>) -> wire::ToolCall<'a> {
    wire::ToolCall {
        function: wire::FunctionCall { arguments: Some(arguments.into()), name: Some(name.into()) },
        id: Some(format!("call_{i}").into()),
        index,
        kind: Some("function".into()),
    }
}

/// A whole (non-streamed) chat completion: the answer's text or tool calls,
/// or the body of a fault that breaks it.
fn completion(
    model: &str,
    id: &str,
    answer: &tasks::MockAnswer,
    usage: wire::Usage,
    fault: Option<FaultKind>,
) -> Response {
    if let Some(r) = faults::respond_json(fault, &answer.text) {
        return r;
    }
    let mut message = wire::ResponseMessage {
        content: Some(wire::Content::Text(answer.text.as_str().into())),
        role: Some("assistant".into()),
        ..Default::default()
    };
    let mut finish = "stop";
    if let Some(calls) = &answer.tool_calls {
        message.content = None;
        message.tool_calls =
            Some(calls.iter().enumerate().map(|(i, (name, args))| tool_call(i, name, args, None)).collect());
        finish = "tool_calls";
    }
    let body = wire::ChatCompletion {
        choices: vec![wire::Choice {
            finish_reason: Some(finish.into()),
            index: Some(0),
            message,
            text: None,
            usage: None,
        }],
        id: Some(id.into()),
        model: Some(model.into()),
        object: Some("chat.completion".into()),
        usage: Some(usage),
        ..Default::default()
    };
    axum::Json(body).into_response()
}

/// A whole text completion (`POST /completions`): the answer in `choices[0].text`.
fn text_completion(model: &str, id: &str, text: &str, usage: wire::Usage) -> Response {
    let choice = wire::Choice {
        finish_reason: Some("stop".into()),
        index: Some(0),
        text: Some(text.into()),
        ..Default::default()
    };
    let body = wire::ChatCompletion {
        choices: vec![choice],
        id: Some(id.into()),
        model: Some(model.into()),
        object: Some("text_completion".into()),
        usage: Some(usage),
        ..Default::default()
    };
    axum::Json(body).into_response()
}

/// A streamed chat completion: each piece of `plan` sent at its offset from
/// `arrived`, under the content type a fault may get wrong.
fn streamed(
    plan: Vec<(Duration, Bytes)>,
    arrived: tokio::time::Instant,
    in_flight: InFlight,
    fault: Option<FaultKind>,
) -> Response {
    // The guard travels with the body: the request is in flight until its last byte.
    let body = futures_util::stream::unfold((plan.into_iter(), in_flight), move |(mut it, guard)| async move {
        let (at, bytes) = it.next()?;
        sleep_until_precisely(arrived + at).await;
        Some((Ok::<Bytes, std::io::Error>(bytes), (it, guard)))
    });
    let content_type =
        if matches!(fault, Some(FaultKind::WrongContentType)) { "text/html" } else { "text/event-stream" };
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(body))
        .expect("static headers are valid")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tb_vendor::{Endpoint, Generation, RetryPolicy, VendorClient};

    /// The client's fill-in-the-middle request against the simulator, over a
    /// real socket: the gap comes back in `choices[].text`, whole and streamed,
    /// and a chat-only client gets no FIM answer at all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn fill_in_the_middle_round_trips_whole_and_streamed() {
        let line = r#"{"task_id": "SingleLineInfilling/HumanEval/0/L0", "entry_point": "f", "prompt": "def f(x):\n", "suffix": "    return y\n", "canonical_solution": "    y = x + 1\n", "test": "def check(c):\n    assert c(1) == 2\n"}"#;
        let case = tb_suite::parse_line(tb_suite::SuiteFormat::HumanevalInfilling, line).unwrap();
        let mut index = CaseIndex::default();
        index.insert(&case);
        let profile = Profile { accuracy: 1.0, ..Profile::named("strong").unwrap() };
        let (url, _task) = MockVendor::new(profile, 7, Arc::new(index)).spawn_on_port(0).await.unwrap();
        let (prefix, suffix) = case.infilling().unwrap();
        for stream in [false, true] {
            let ep = Endpoint {
                vendor: "v".into(),
                base_url: url.clone(),
                model: "m".into(),
                api_key: None,
                stream,
                stream_usage: true,
                temperature_range: (0.0, 2.0),
                timeout: Duration::from_secs(10),
                retry: RetryPolicy::default(),
                agent: None,
                fim_url: Some(format!("{url}/completions")),
            };
            let client = VendorClient::new(ep.clone(), 2).unwrap();
            let g = Generation { temperature: 0.0, max_tokens: 64 };
            let (outcome, stats) = client.fill_in_the_middle(prefix, suffix, g).await;
            match outcome {
                tb_core::Outcome::Answered(a) => assert_eq!(a.text, "    y = x + 1\n", "stream {stream}"),
                tb_core::Outcome::Failed(f) => panic!("stream {stream}: {f:?}"),
            }
            let sent: Value = serde_json::from_str(&stats.request).unwrap();
            assert_eq!((sent["prompt"].as_str(), sent["suffix"].as_str()), (Some(prefix), Some(suffix)));
            let chat_only = VendorClient::new(Endpoint { fim_url: None, ..ep }, 1).unwrap();
            assert!(!chat_only.has_fill_in_the_middle());
        }
    }
}
