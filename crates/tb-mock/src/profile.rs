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
    /// 429 with `Retry-After`.
    RateLimit { retry_after_secs: u64 },
    /// 500 with a JSON error body.
    ServerError,
    /// An SSE stream cut before `[DONE]` and before any finish_reason.
    TruncatedStream,
    /// A 200 whose body is not JSON.
    InvalidJson,
    /// Never answers.
    Hang,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// Probability that a request gets the fault.
    pub rate: f64,
    /// Only a case's first request can get it (retries then succeed).
    pub first_request_only: bool,
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
        "flaky",
        0.8,
        Range { min: 20.0, max: 60.0 },
        Range { min: 10.0, max: 30.0 },
        fault(FaultKind::ServerError, 0.2, false),
        "20% of requests answer HTTP 500",
    ),
    (
        "rate-limited",
        0.8,
        Range { min: 10.0, max: 30.0 },
        Range { min: 5.0, max: 10.0 },
        fault(FaultKind::RateLimit { retry_after_secs: 1 }, 1.0, true),
        "every case's first request gets 429 with Retry-After: 1",
    ),
    (
        "throttled",
        0.8,
        Range::fixed(5.0),
        Range::fixed(5.0),
        fault(FaultKind::RateLimit { retry_after_secs: 0 }, 1.0, false),
        "always 429",
    ),
    (
        "server-error",
        0.8,
        Range::fixed(5.0),
        Range::fixed(5.0),
        fault(FaultKind::ServerError, 1.0, false),
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
];

impl Profile {
    pub fn named(name: &str) -> Option<Profile> {
        PROFILES.iter().find(|r| r.0 == name).map(|r| Profile {
            name: r.0.to_string(),
            accuracy: r.1,
            latency_ms: r.2,
            ttft_ms: r.3,
            fault: r.4,
        })
    }

    /// Every profile with a line on what it is for.
    pub fn catalogue() -> Vec<(&'static str, &'static str)> {
        PROFILES.iter().map(|r| (r.0, r.5)).collect()
    }
}
