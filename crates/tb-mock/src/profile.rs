//! Named behaviours of a simulated vendor.

/// A uniform range in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

impl Range {
    pub const fn fixed(ms: f64) -> Self {
        Range { min: ms, max: ms }
    }
    pub fn sample(self, u: f64) -> f64 {
        self.min + (self.max - self.min) * u
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// 429, with this `Retry-After` value (or none).
    RateLimit { retry_after: Option<&'static str> },
    /// This status with a JSON error body (500, 502, 503, 504, ...).
    Status(u16),
    /// An SSE stream cut before `[DONE]` and before any finish_reason.
    TruncatedStream,
    /// A 200 whose body is not JSON.
    InvalidJson,
    /// Never answers (no headers).
    Hang,
    /// Headers and a first event, then nothing, forever.
    HangMidStream,
    /// One byte a second, forever.
    Drip,
    /// Part of the body, then the connection breaks.
    ResetMidBody,
    /// A complete answer with a finish_reason but no `[DONE]`.
    NoDone,
    /// Valid JSON that is not a chat completion.
    WrongShape,
    /// A 200 MB body.
    HugeBody,
    /// A body that never ends.
    EndlessBody,
    /// A correct answer labelled `text/html`.
    WrongContentType,
    /// Invalid UTF-8 inside the answer.
    InvalidUtf8,
    /// `Content-Encoding: gzip` over a body that inflates to 100 MB of zeros.
    GzipBomb,
    /// Every SSE content event sent twice.
    DuplicateChunks,
    /// SSE content events in the wrong order.
    OutOfOrderChunks,
    /// A redirect to another host.
    Redirect,
}

impl FaultKind {
    /// Every fault by name, for `--profile fault:NAME` and the reliability tests.
    pub const ALL: &'static [(&'static str, FaultKind)] = &[
        ("429-retry-after", FaultKind::RateLimit { retry_after: Some("1") }),
        ("429-no-retry-after", FaultKind::RateLimit { retry_after: None }),
        ("429-negative", FaultKind::RateLimit { retry_after: Some("-5") }),
        ("429-ten-years", FaultKind::RateLimit { retry_after: Some("315360000") }),
        ("429-http-date", FaultKind::RateLimit { retry_after: Some("Fri, 31 Dec 2100 23:59:59 GMT") }),
        ("500", FaultKind::Status(500)),
        ("502", FaultKind::Status(502)),
        ("503", FaultKind::Status(503)),
        ("504", FaultKind::Status(504)),
        ("hang", FaultKind::Hang),
        ("hang-mid-stream", FaultKind::HangMidStream),
        ("drip", FaultKind::Drip),
        ("reset-mid-body", FaultKind::ResetMidBody),
        ("truncated", FaultKind::TruncatedStream),
        ("no-done", FaultKind::NoDone),
        ("invalid-json", FaultKind::InvalidJson),
        ("wrong-shape", FaultKind::WrongShape),
        ("huge-body", FaultKind::HugeBody),
        ("endless-body", FaultKind::EndlessBody),
        ("wrong-content-type", FaultKind::WrongContentType),
        ("invalid-utf8", FaultKind::InvalidUtf8),
        ("gzip-bomb", FaultKind::GzipBomb),
        ("duplicate-chunks", FaultKind::DuplicateChunks),
        ("out-of-order-chunks", FaultKind::OutOfOrderChunks),
        ("redirect", FaultKind::Redirect),
    ];

    pub fn named(name: &str) -> Option<FaultKind> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// Probability that a request gets the fault.
    pub rate: f64,
    /// Only a case's first request can get it (retries then succeed).
    pub first_request_only: bool,
}

/// A streamed answer paced token by token: the first chunk at the TTFT,
/// then one chunk every `itl_ms`, `chunks` chunks in all (the text is padded
/// with spaces when shorter), and `usage.completion_tokens = chunks`. The
/// end-to-end latency is then TTFT + (chunks − 1) × ITL.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pacing {
    pub itl_ms: f64,
    pub chunks: usize,
}

/// How a simulated vendor behaves under load, for the load stages.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LoadModel {
    /// Requests served at full speed at once. Beyond that every timing of a
    /// request is stretched by in-flight ÷ capacity, measured when it
    /// arrives (processor sharing): latency that rises with concurrency.
    pub capacity: Option<u32>,
    /// Requests admitted per second (a token bucket holding one second's
    /// worth); the rest get 429 with `Retry-After: 1`.
    pub rate_limit_rps: Option<f64>,
    /// With more requests than this in flight, answers are right with
    /// probability `degraded_accuracy` instead of the profile's accuracy.
    pub degrade_above: Option<u32>,
    pub degraded_accuracy: f64,
    /// (after_requests, for_ms): when chat request number `after_requests`
    /// arrives, the vendor stalls for `for_ms`: every request arriving then
    /// waits until the stall is over. Counted in requests, so that a stall
    /// falls at the same point of a run whatever the machine's speed.
    pub stall: Option<(u64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: String,
    /// Probability that an answer is correct.
    pub accuracy: f64,
    /// End-to-end latency of an answer.
    pub latency_ms: Range,
    /// Time to first token (capped at the latency).
    pub ttft_ms: Range,
    pub fault: Option<Fault>,
    /// Token-by-token pacing of streamed answers; `None`: four pieces spread
    /// evenly between the TTFT and the latency.
    pub pacing: Option<Pacing>,
    pub load: LoadModel,
    /// The simulated tokenizer: characters per prompt token (2 for every
    /// profile; a contract test sets another to swap the tokenizer).
    pub chars_per_token: u64,
}

const fn fault(kind: FaultKind, rate: f64, first_request_only: bool) -> Option<Fault> {
    Some(Fault { kind, rate, first_request_only })
}

/// (name, accuracy, latency, ttft, fault, what it is for)
type Row = (&'static str, f64, Range, Range, Option<Fault>, &'static str);

const PROFILES: &[Row] = &[
    ("strong", 0.92, Range { min: 30.0, max: 90.0 }, Range { min: 15.0, max: 40.0 }, None, "accurate and quick"),
    ("average", 0.78, Range { min: 40.0, max: 120.0 }, Range { min: 20.0, max: 60.0 }, None, "middling accuracy"),
    ("weak", 0.45, Range { min: 30.0, max: 100.0 }, Range { min: 15.0, max: 50.0 }, None, "fails a 60% gate"),
    ("fixed20ms", 0.8, Range::fixed(20.0), Range::fixed(20.0), None, "benchmarks: exactly 20 ms per answer"),
    (
        "hedging",
        0.8,
        Range { min: 30.0, max: 90.0 },
        Range { min: 15.0, max: 40.0 },
        None,
        "a third of its choice and numeric answers name two answers and commit to neither (for the second opinion)",
    ),
    (
        "flaky",
        0.8,
        Range { min: 20.0, max: 60.0 },
        Range { min: 10.0, max: 30.0 },
        fault(FaultKind::Status(500), 0.2, false),
        "20% of requests answer HTTP 500",
    ),
    (
        "rate-limited",
        0.8,
        Range { min: 10.0, max: 30.0 },
        Range { min: 5.0, max: 10.0 },
        fault(FaultKind::RateLimit { retry_after: Some("1") }, 1.0, true),
        "every case's first request gets 429 with Retry-After: 1",
    ),
    (
        "throttled",
        0.8,
        Range::fixed(5.0),
        Range::fixed(5.0),
        fault(FaultKind::RateLimit { retry_after: Some("0") }, 1.0, false),
        "always 429",
    ),
    (
        "server-error",
        0.8,
        Range::fixed(5.0),
        Range::fixed(5.0),
        fault(FaultKind::Status(500), 1.0, false),
        "always HTTP 500",
    ),
    (
        "truncated",
        0.8,
        Range { min: 10.0, max: 30.0 },
        Range::fixed(5.0),
        fault(FaultKind::TruncatedStream, 1.0, false),
        "SSE streams cut off mid-answer",
    ),
    ("garbage", 0.8, Range::fixed(5.0), Range::fixed(5.0), fault(FaultKind::InvalidJson, 1.0, false), "invalid JSON"),
    ("hang", 0.8, Range::fixed(5.0), Range::fixed(5.0), fault(FaultKind::Hang, 1.0, false), "never answers"),
    // Load stages: see `load_extras` for how each behaves under load.
    ("paced", 0.9, Range::fixed(200.0), Range::fixed(50.0), None, "TTFT 50 ms, then a token every 10 ms (16 tokens)"),
    (
        "queueing",
        0.9,
        Range::fixed(96.0),
        Range::fixed(40.0),
        None,
        "TTFT 40 ms, 8 ms a token; slows as in-flight requests pass 16",
    ),
    (
        "rate-limit-100",
        0.9,
        Range::fixed(60.0),
        Range::fixed(20.0),
        None,
        "admits 100 requests/s; the rest get 429 with Retry-After: 1",
    ),
    (
        "degraded",
        0.9,
        Range::fixed(60.0),
        Range::fixed(20.0),
        None,
        "90% right, but only 50% with more than 8 requests in flight",
    ),
    ("stall-5s", 0.9, Range::fixed(60.0), Range::fixed(20.0), None, "stalls for 5 s when its 1,000th request arrives"),
    ("fast-wrong", 0.3, Range::fixed(30.0), Range::fixed(10.0), None, "answers in 30 ms, 30% right"),
    ("slow-right", 0.95, Range::fixed(1500.0), Range::fixed(900.0), None, "95% right, TTFT 900 ms, 1.5 s an answer"),
    // Agent tasks: scripted policies over the task's reference trajectory (`agent.rs`).
    ("agent-correct", 1.0, Range::fixed(5.0), Range::fixed(2.0), None, "agent tasks: plays the reference trajectory"),
    (
        "agent-partial",
        1.0,
        Range::fixed(5.0),
        Range::fixed(2.0),
        None,
        "agent tasks: skips the state-changing calls, claims success",
    ),
    ("agent-looping", 1.0, Range::fixed(5.0), Range::fixed(2.0), None, "agent tasks: repeats one lookup forever"),
    (
        "agent-hallucinating",
        1.0,
        Range::fixed(5.0),
        Range::fixed(2.0),
        None,
        "agent tasks: calls a tool that does not exist, reports a success",
    ),
    (
        "agent-malformed",
        1.0,
        Range::fixed(5.0),
        Range::fixed(2.0),
        None,
        "agent tasks: three malformed calls first, then the reference",
    ),
    (
        "agent-nosy",
        1.0,
        Range::fixed(5.0),
        Range::fixed(2.0),
        None,
        "agent tasks: reads another citizen's record, then the reference",
    ),
];

/// The pacing and load behaviour of the load-stage profiles.
fn load_extras(name: &str) -> (Option<Pacing>, LoadModel) {
    let paced = |itl_ms, chunks| Some(Pacing { itl_ms, chunks });
    match name {
        "paced" => (paced(10.0, 16), LoadModel::default()),
        "queueing" => (paced(8.0, 8), LoadModel { capacity: Some(16), ..LoadModel::default() }),
        "rate-limit-100" => (paced(5.0, 9), LoadModel { rate_limit_rps: Some(100.0), ..LoadModel::default() }),
        "degraded" => (
            paced(5.0, 9),
            LoadModel { capacity: Some(64), degrade_above: Some(8), degraded_accuracy: 0.5, ..LoadModel::default() },
        ),
        "stall-5s" => (paced(5.0, 9), LoadModel { stall: Some((1000, 5000.0)), ..LoadModel::default() }),
        "fast-wrong" => (paced(5.0, 5), LoadModel::default()),
        "slow-right" => (paced(40.0, 16), LoadModel::default()),
        _ => (None, LoadModel::default()),
    }
}

impl Profile {
    /// A profile from the table above, or `fault:NAME` (see [`FaultKind::ALL`]):
    /// quick answers, every request with that fault.
    pub fn named(name: &str) -> Option<Profile> {
        if let Some(fault_name) = name.strip_prefix("fault:") {
            let kind = FaultKind::named(fault_name)?;
            return Some(Profile {
                name: name.to_string(),
                accuracy: 1.0,
                latency_ms: Range::fixed(5.0),
                ttft_ms: Range::fixed(2.0),
                fault: Some(Fault { kind, rate: 1.0, first_request_only: false }),
                pacing: None,
                load: LoadModel::default(),
                chars_per_token: 2,
            });
        }
        PROFILES.iter().find(|r| r.0 == name).map(|r| {
            let (pacing, load) = load_extras(r.0);
            Profile {
                name: r.0.to_string(),
                accuracy: r.1,
                latency_ms: r.2,
                ttft_ms: r.3,
                fault: r.4,
                pacing,
                load,
                chars_per_token: 2,
            }
        })
    }

    /// Every profile with a line on what it is for.
    pub fn catalogue() -> Vec<(&'static str, &'static str)> {
        PROFILES.iter().map(|r| (r.0, r.5)).collect()
    }
}
