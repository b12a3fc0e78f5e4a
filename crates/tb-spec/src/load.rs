//! Load stages and service-level (SLA) criteria.
//!
//! A `[[stage]]` sends a suite's cases to every vendor under a stated load:
//! a fixed number of requests in flight (`concurrency`, a closed loop) or
//! Poisson arrivals at a fixed `rate` (an open loop, whose arrival times are
//! drawn before the stage starts, so a slow vendor cannot slow the offered
//! load), for `duration_secs` or `cases` requests, after `warmup_secs` whose
//! requests are sent and stored but not measured.
//!
//! An SLA criterion (`grader = "sla"`) names a stage and a target such as
//! `sla = "ttft_p95_ms <= 1500"`; its value is 1 when the stage met the
//! target and 0 when it did not, so it can carry a weight (full points when
//! met) and a gate (`gate = { min = 1 }`).

use serde::{Deserialize, Serialize};

/// How a stage offers its load.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// This many requests in flight: each one sent when another finishes.
    Concurrency(u32),
    /// Poisson arrivals at this many requests per second, whatever the vendor does.
    Rate(f64),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadStage {
    pub id: String,
    /// The suite whose cases are sent, cycled in a seeded order.
    pub suite: String,
    pub arrival: Arrival,
    /// Measured time after the warm-up; the stage ends at this or at `cases`, whichever comes first.
    pub duration_secs: Option<f64>,
    /// Requests sent after the warm-up.
    pub cases: Option<u64>,
    pub warmup_secs: f64,
    /// The stage's own cap on each answer, below `[run] max_tokens`: short
    /// completions, as an editor asks for while the developer types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
}

/// Which way a target bounds its metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SlaOp {
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = ">=")]
    AtLeast,
}

impl SlaOp {
    pub fn symbol(self) -> &'static str {
        match self {
            SlaOp::AtMost => "<=",
            SlaOp::AtLeast => ">=",
        }
    }

    pub fn holds(self, value: f64, target: f64) -> bool {
        match self {
            SlaOp::AtMost => value <= target,
            SlaOp::AtLeast => value >= target,
        }
    }
}

/// A service-level target on one stage's measurements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sla {
    pub metric: String,
    pub op: SlaOp,
    pub target: f64,
    pub stage: String,
}

impl Sla {
    /// The timing and quantile of a latency metric (`ttft_p95_ms` → (ttft, 0.95)).
    pub fn quantile(&self) -> Option<(Timing, f64)> {
        latency_metric(&self.metric)
    }
}

/// The per-request timings a stage measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    /// Time to first token.
    Ttft,
    /// Inter-token latency: every gap between two content chunks.
    Itl,
    /// Time per output token after the first.
    Tpot,
    /// End to end, from the request's scheduled time to its last byte.
    Latency,
}

impl Timing {
    pub const ALL: [Timing; 4] = [Timing::Ttft, Timing::Itl, Timing::Tpot, Timing::Latency];

    pub fn name(self) -> &'static str {
        match self {
            Timing::Ttft => "ttft",
            Timing::Itl => "itl",
            Timing::Tpot => "tpot",
            Timing::Latency => "latency",
        }
    }
}

/// The quantiles every stage reports, and that SLA metrics may name.
pub const QUANTILES: [(&str, f64); 4] = [("p50", 0.50), ("p90", 0.90), ("p95", 0.95), ("p99", 0.99)];

/// Stage metrics that are not latency quantiles, with the way a good value goes.
pub const RATE_METRICS: &[(&str, SlaOp, &str)] = &[
    ("availability", SlaOp::AtLeast, "share of measured requests answered"),
    ("error_rate", SlaOp::AtMost, "share of measured requests that failed"),
    ("timeout_rate", SlaOp::AtMost, "share that timed out"),
    ("rate_limited_rate", SlaOp::AtMost, "share refused with 429"),
    ("throughput_rps", SlaOp::AtLeast, "answers per second"),
    ("goodput_rps", SlaOp::AtLeast, "answers per second that were right and met every latency target"),
    ("accuracy", SlaOp::AtLeast, "share of answers graded right"),
    ("output_tokens_per_s", SlaOp::AtLeast, "output tokens per second, all requests together"),
];

/// `ttft_p95_ms` → (ttft, 0.95).
pub fn latency_metric(name: &str) -> Option<(Timing, f64)> {
    let rest = name.strip_suffix("_ms")?;
    let (timing, q) = rest.rsplit_once('_')?;
    let timing = Timing::ALL.into_iter().find(|t| t.name() == timing)?;
    let q = QUANTILES.iter().find(|(n, _)| *n == q)?.1;
    Some((timing, q))
}

/// Every metric an SLA may name, for error messages.
pub fn metric_names() -> Vec<String> {
    let mut names: Vec<String> =
        Timing::ALL.iter().flat_map(|t| QUANTILES.iter().map(move |(q, _)| format!("{}_{q}_ms", t.name()))).collect();
    names.extend(RATE_METRICS.iter().map(|(n, ..)| n.to_string()));
    names
}

/// Parses `metric <= number` or `metric >= number` (also `<` and `>`, read
/// as the inclusive forms: measurements are not exact enough to tell them apart).
pub fn parse_sla(text: &str) -> Result<(String, SlaOp, f64), String> {
    let ops = [("<=", SlaOp::AtMost), (">=", SlaOp::AtLeast), ("<", SlaOp::AtMost), (">", SlaOp::AtLeast)];
    let Some((at, symbol, op)) = ops.iter().find_map(|(symbol, op)| text.find(symbol).map(|at| (at, *symbol, *op)))
    else {
        return Err(format!("SLA {text:?} needs a comparison: METRIC <= NUMBER or METRIC >= NUMBER"));
    };
    let metric = text[..at].trim().to_string();
    let number = text[at + symbol.len()..].trim();
    let target: f64 =
        number.replace('_', "").parse().map_err(|_| format!("SLA {text:?}: {number:?} is not a number"))?;
    if !target.is_finite() || target < 0.0 {
        return Err(format!("SLA {text:?}: the target must be a number ≥ 0"));
    }
    let good = match (latency_metric(&metric), RATE_METRICS.iter().find(|(n, ..)| *n == metric)) {
        (Some(_), _) => SlaOp::AtMost,
        (None, Some((_, good, _))) => *good,
        (None, None) => {
            return Err(format!("SLA {text:?}: unknown metric {metric:?}; metrics: {}", metric_names().join(", ")));
        }
    };
    if op != good {
        return Err(format!(
            "SLA {text:?}: a target on {metric} bounds it with {} (a {} value is better)",
            good.symbol(),
            if good == SlaOp::AtMost { "lower" } else { "higher" }
        ));
    }
    Ok((metric, op, target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sla_forms() {
        assert_eq!(parse_sla("ttft_p95_ms <= 1500").unwrap(), ("ttft_p95_ms".into(), SlaOp::AtMost, 1500.0));
        assert_eq!(parse_sla("availability>=0.995").unwrap(), ("availability".into(), SlaOp::AtLeast, 0.995));
        assert_eq!(parse_sla("goodput_rps > 20").unwrap().1, SlaOp::AtLeast);
        assert!(parse_sla("ttft_p97_ms <= 1").unwrap_err().contains("unknown metric"));
        assert!(parse_sla("availability = 1").unwrap_err().contains("needs a comparison"));
        assert!(parse_sla("availability >= high").unwrap_err().contains("not a number"));
        assert!(parse_sla("availability <= 0.99").unwrap_err().contains("bounds it with >="));
        assert!(parse_sla("latency_p99_ms >= 5").unwrap_err().contains("bounds it with <="));
        assert!(parse_sla("error_rate <= 0.01").is_ok());
        assert_eq!(latency_metric("latency_p99_ms"), Some((Timing::Latency, 0.99)));
        assert_eq!(latency_metric("itl_p50_ms"), Some((Timing::Itl, 0.5)));
        assert_eq!(latency_metric("tpot_p90"), None);
    }
}
