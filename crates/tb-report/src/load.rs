//! Service levels under load: the stages' cells counted per (stage, vendor),
//! turned into [`StageReport`]s, and SLA criteria judged on them.

use std::collections::{BTreeMap, HashMap};

use tb_core::Timing as CellTiming;
use tb_spec::load::{QUANTILES, Timing};
use tb_spec::{Sla, SlaOp, Spec};
use tb_stats::quantile::{binomial_se, drop_p, nearest_rank, quantile_ci_effective};

use crate::{CONFIDENCE, Estimate, GradedCell, Quantiles, SlaResult, StageReport, StageVendor, wilson};

/// (vendor, criterion) → the vendor's (right answers, answers) on it in the run's own cells.
pub(crate) type Baseline<'a> = dyn Fn(&str, &str) -> Option<(u64, u64)> + 'a;

/// One vendor's requests under one stage, counted.
#[derive(Default)]
pub(crate) struct StageTally {
    measured: u64,
    warmup: u64,
    answered: u64,
    correct: u64,
    good: u64,
    causes: BTreeMap<String, u64>,
    ttft: Vec<f64>,
    itl: Vec<f64>,
    tpot: Vec<f64>,
    latency: Vec<f64>,
    tokens_per_s: Vec<f64>,
    lag: Vec<f64>,
    /// (right, answers) per case: a stage sends each case again and again,
    /// so its accuracy's standard error is clustered by case.
    by_case: HashMap<String, (u64, u64)>,
    output_tokens: u64,
    token_sources: BTreeMap<String, u64>,
    /// Earliest and latest due time of a measured request, ms into the stage.
    first_due_ms: f64,
    last_due_ms: f64,
}

/// Stage tallies by (stage, attempt, vendor), and which attempt of each
/// (vendor, stage) ran to its end (from the audit log's
/// `load_stage_finished` entries).
#[derive(Default)]
pub(crate) struct LoadTallies {
    by_stage: HashMap<(String, u32, String), StageTally>,
    pub finished: HashMap<(String, String), u32>,
    /// Per stage, worked out once: the criterion that grades its answers
    /// and the per-request latency targets goodput counts against.
    rules: HashMap<String, StageRules>,
}

#[derive(Default)]
struct StageRules {
    criterion: Option<String>,
    targets: Vec<(Timing, f64)>,
}

impl LoadTallies {
    pub fn new(spec: &Spec) -> LoadTallies {
        let rules = spec
            .stages
            .iter()
            .map(|s| {
                let criterion = spec.stage_criterion(s).map(|c| c.id.clone());
                (s.id.clone(), StageRules { criterion, targets: spec.request_targets(&s.id) })
            })
            .collect();
        LoadTallies { rules, ..LoadTallies::default() }
    }

    /// Counts one graded cell of attempt `attempt` of stage `stage`.
    pub fn add(&mut self, (stage, attempt): (&str, u32), graded: &GradedCell<'_>) {
        let cell = &graded.cell;
        let timing: CellTiming = cell.timing.as_deref().and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
        let sample = timing.load.clone().unwrap_or_default();
        let key = (stage.to_string(), attempt, cell.vendor.clone());
        let t = match self.by_stage.get_mut(&key) {
            Some(t) => t,
            None => self.by_stage.entry(key).or_default(),
        };
        if sample.warmup {
            t.warmup += 1;
            return;
        }
        t.first_due_ms = if t.measured == 0 { sample.at_ms } else { t.first_due_ms.min(sample.at_ms) };
        t.measured += 1;
        t.lag.push(sample.lag_ms);
        t.last_due_ms = t.last_due_ms.max(sample.at_ms);
        if let Some(cause) = &cell.cause {
            *t.causes.entry(cause.clone()).or_default() += 1;
            return;
        }
        t.answered += 1;
        // A non-streamed answer's first token arrives with the whole body.
        let ttft = timing.ttft_ms().unwrap_or(cell.latency_ms);
        let max_itl = timing.max_itl_ms().unwrap_or(0.0);
        let tpot = timing.tpot_ms();
        if timing.ttft_ms().is_some() {
            t.ttft.push(ttft);
        }
        t.itl.extend(timing.itl_ms());
        if let Some(x) = tpot {
            t.tpot.push(x);
        }
        t.latency.push(cell.latency_ms);
        t.tokens_per_s.extend(timing.tokens_per_second(cell.latency_ms));
        t.output_tokens += timing.output_tokens;
        if let Some(source) = timing.token_source {
            *t.token_sources.entry(source.name().to_string()).or_default() += 1;
        }
        let rules = self.rules.get(stage);
        let grader = rules.and_then(|r| r.criterion.as_deref());
        let correct =
            grader.and_then(|c| graded.grades.iter().find(|(id, _)| *id == c)).is_some_and(|(_, g)| g.correct);
        let case = match t.by_case.get_mut(&cell.case_id) {
            Some(c) => c,
            None => t.by_case.entry(cell.case_id.clone()).or_default(),
        };
        case.0 += correct as u64;
        case.1 += 1;
        if !correct {
            return;
        }
        t.correct += 1;
        let meets = rules.map_or(&[][..], |r| &r.targets[..]).iter().all(|&(timing, max)| match timing {
            Timing::Ttft => ttft <= max,
            Timing::Itl => max_itl <= max,
            Timing::Tpot => tpot.unwrap_or(0.0) <= max,
            Timing::Latency => cell.latency_ms <= max,
        });
        t.good += meets as u64;
    }

    /// Joins tallies counted on another thread.
    pub fn merge(&mut self, other: LoadTallies) {
        self.finished.extend(other.finished);
        for (key, theirs) in other.by_stage {
            let ours = self.by_stage.entry(key).or_default();
            ours.first_due_ms = match (ours.measured, theirs.measured) {
                (0, _) => theirs.first_due_ms,
                (_, 0) => ours.first_due_ms,
                _ => ours.first_due_ms.min(theirs.first_due_ms),
            };
            ours.measured += theirs.measured;
            ours.warmup += theirs.warmup;
            ours.answered += theirs.answered;
            ours.correct += theirs.correct;
            ours.good += theirs.good;
            for (cause, n) in theirs.causes {
                *ours.causes.entry(cause).or_default() += n;
            }
            ours.ttft.extend(theirs.ttft);
            ours.itl.extend(theirs.itl);
            ours.tpot.extend(theirs.tpot);
            ours.latency.extend(theirs.latency);
            ours.tokens_per_s.extend(theirs.tokens_per_s);
            for (case, (hits, n)) in theirs.by_case {
                let c = ours.by_case.entry(case).or_default();
                c.0 += hits;
                c.1 += n;
            }
            ours.lag.extend(theirs.lag);
            ours.output_tokens += theirs.output_tokens;
            for (source, n) in theirs.token_sources {
                *ours.token_sources.entry(source).or_default() += n;
            }
            ours.last_due_ms = ours.last_due_ms.max(theirs.last_due_ms);
        }
    }

    /// The stage reports; `baseline(vendor, criterion)` gives the vendor's
    /// (right answers, answers) on the criterion in the run's own cells.
    pub fn finish(mut self, spec: &Spec, significance: f64, baseline: &Baseline<'_>) -> Vec<StageReport> {
        spec.stages
            .iter()
            .map(|stage| {
                let criterion = spec.stage_criterion(stage).map(|c| c.id.clone());
                let vendors = spec
                    .vendors
                    .iter()
                    .map(|v| {
                        // The attempt that ran to its end; else the latest, reported as unfinished.
                        let done = self.finished.get(&(v.name.clone(), stage.id.clone())).copied();
                        let attempt = done.unwrap_or_else(|| {
                            self.by_stage
                                .keys()
                                .filter(|(s, _, name)| *s == stage.id && *name == v.name)
                                .map(|k| k.1)
                                .max()
                                .unwrap_or(1)
                        });
                        let t = self.by_stage.remove(&(stage.id.clone(), attempt, v.name.clone())).unwrap_or_default();
                        let base = criterion.as_deref().and_then(|c| baseline(&v.name, c));
                        let mut sv = stage_vendor(&v.name, stage, t, base, significance);
                        (sv.attempt, sv.finished) = (attempt, done.is_some());
                        sv
                    })
                    .collect();
                StageReport {
                    id: stage.id.clone(),
                    suite: stage.suite.clone(),
                    criterion,
                    arrival: stage.arrival,
                    duration_secs: stage.duration_secs,
                    cases: stage.cases,
                    warmup_secs: stage.warmup_secs,
                    targets: spec
                        .request_targets(&stage.id)
                        .into_iter()
                        .map(|(timing, max)| (format!("{}_ms", timing.name()), max))
                        .collect(),
                    vendors,
                }
            })
            .collect()
    }
}

/// Quantiles of one value a request.
fn quantiles(xs: Vec<f64>) -> Quantiles {
    let n = xs.len();
    quantiles_of(xs, n)
}

/// Quantiles whose intervals allow for the values coming from `requests`
/// requests (several values each: inter-token gaps).
fn quantiles_of(mut xs: Vec<f64>, requests: usize) -> Quantiles {
    if xs.is_empty() {
        return Quantiles::default();
    }
    xs.sort_by(f64::total_cmp);
    let estimate = |q: f64| {
        let (ci_low, ci_high) = quantile_ci_effective(&xs, q, CONFIDENCE, requests.min(xs.len()));
        Some(Estimate { value: nearest_rank(&xs, q), ci_low, ci_high })
    };
    Quantiles {
        n: xs.len() as u64,
        // Summed in sorted order: the same figure however the cells were split across threads.
        mean: Some(xs.iter().sum::<f64>() / xs.len() as f64),
        p50: estimate(0.50),
        p90: estimate(0.90),
        p95: estimate(0.95),
        p99: estimate(0.99),
    }
}

/// The seconds that a stage's rates are over: its `duration_secs` when it
/// ran that long; otherwise (it stopped at `cases`, or was cut short) the
/// span of its measured requests' due times, stretched by n ÷ (n − 1) so
/// that n evenly spread requests give their rate. Every measured request
/// was due inside this window, and its answer counts however late it came:
/// a slow tail neither stretches the window nor drops out of it.
fn measured_window(stage: &tb_spec::LoadStage, t: &StageTally) -> f64 {
    let span = (t.last_due_ms - t.first_due_ms) / 1000.0;
    let observed = if t.measured > 1 { span * t.measured as f64 / (t.measured - 1) as f64 } else { 0.0 };
    let reached_cases = stage.cases.is_some_and(|n| t.measured >= n);
    let window = match stage.duration_secs {
        // Due times end within one gap of the duration unless the stage stopped early.
        Some(d) if !reached_cases && observed >= 0.9 * d => d,
        _ => observed,
    };
    window.max(1e-3)
}

fn stage_vendor(
    name: &str,
    stage: &tb_spec::LoadStage,
    t: StageTally,
    baseline: Option<(u64, u64)>,
    significance: f64,
) -> StageVendor {
    let window = measured_window(stage, &t);
    let share = |n: u64| if t.measured == 0 { 0.0 } else { n as f64 / t.measured as f64 };
    let failed = t.measured - t.answered;
    let accuracy = if t.answered == 0 { 0.0 } else { t.correct as f64 / t.answered as f64 };
    // Clusters in a fixed order: the standard error is a float sum.
    let mut clusters: Vec<(&String, (u64, u64))> = t.by_case.iter().map(|(k, v)| (k, *v)).collect();
    clusters.sort();
    let clusters: Vec<(u64, u64)> = clusters.into_iter().map(|(_, v)| v).collect();
    let (_, load_se) = tb_stats::inference::clustered_proportion_ci(&clusters, CONFIDENCE);
    let drop = baseline
        .filter(|(_, n)| *n > 0)
        .map(|(hits, n)| drop_p(hits as f64 / n as f64, binomial_se(hits, n), accuracy, load_se));
    let mut sorted_latency = t.latency.clone();
    sorted_latency.sort_by(f64::total_cmp);
    StageVendor {
        name: name.to_string(),
        finished: false,
        attempt: 1,
        requests: t.measured,
        warmup_requests: t.warmup,
        answered: t.answered,
        failed,
        window_secs: window,
        offered_rps: t.measured as f64 / window,
        throughput_rps: t.answered as f64 / window,
        goodput_rps: t.good as f64 / window,
        correct: t.correct,
        good: t.good,
        availability: share(t.answered),
        error_rate: share(failed),
        timeout_rate: share(t.causes.get("timeout").copied().unwrap_or(0)),
        rate_limited_rate: share(t.causes.get("rate_limited").copied().unwrap_or(0)),
        accuracy,
        accuracy_ci: wilson(t.correct, t.answered, CONFIDENCE),
        baseline_accuracy: baseline.filter(|(_, n)| *n > 0).map(|(hits, n)| hits as f64 / n as f64),
        accuracy_drop_p: drop,
        accuracy_dropped: drop.is_some_and(|p| p < significance),
        output_tokens_per_s: t.output_tokens as f64 / window,
        token_sources: t.token_sources,
        causes: t.causes,
        latency_cdf: if sorted_latency.is_empty() {
            Vec::new()
        } else {
            (0..=50).map(|i| nearest_rank(&sorted_latency, i as f64 / 50.0)).collect()
        },
        ttft_ms: quantiles(t.ttft),
        // Gaps of one answer share its conditions: intervals as if from one value an answer.
        itl_ms: quantiles_of(t.itl, t.answered as usize),
        tpot_ms: quantiles(t.tpot),
        latency_ms: quantiles(sorted_latency),
        tokens_per_s: quantiles(t.tokens_per_s),
        lag_ms: quantiles(t.lag),
    }
}

/// A metric of a stage with its 95% interval; `None` when nothing was measured.
fn measure(v: &StageVendor, metric: &str) -> Option<(f64, f64, f64)> {
    if v.requests == 0 {
        return None;
    }
    if let Some((timing, q)) = tb_spec::load::latency_metric(metric) {
        let set = match timing {
            Timing::Ttft => &v.ttft_ms,
            Timing::Itl => &v.itl_ms,
            Timing::Tpot => &v.tpot_ms,
            Timing::Latency => &v.latency_ms,
        };
        let name = QUANTILES.iter().find(|(_, x)| *x == q).map(|(n, _)| *n)?;
        let e = match name {
            "p50" => set.p50,
            "p90" => set.p90,
            "p95" => set.p95,
            _ => set.p99,
        }?;
        return Some((e.value, e.ci_low, e.ci_high));
    }
    let proportion = |hits: u64, n: u64| {
        let (lo, hi) = wilson(hits, n, CONFIDENCE);
        Some((if n == 0 { 0.0 } else { hits as f64 / n as f64 }, lo, hi))
    };
    // Answers per second: the count's Poisson interval, normal approximation.
    let per_second = |count: u64| {
        let half = 1.96 * (count as f64).sqrt();
        let w = v.window_secs;
        Some((count as f64 / w, (count as f64 - half).max(0.0) / w, (count as f64 + half) / w))
    };
    let cause = |c: &str| v.causes.get(c).copied().unwrap_or(0);
    match metric {
        "availability" => proportion(v.answered, v.requests),
        "error_rate" => proportion(v.failed, v.requests),
        "timeout_rate" => proportion(cause("timeout"), v.requests),
        "rate_limited_rate" => proportion(cause("rate_limited"), v.requests),
        "accuracy" => proportion(v.correct, v.answered),
        "throughput_rps" => per_second(v.answered),
        "goodput_rps" => per_second(v.good),
        "output_tokens_per_s" => Some((v.output_tokens_per_s, v.output_tokens_per_s, v.output_tokens_per_s)),
        _ => None,
    }
}

/// An SLA criterion judged on its stage's measurement of `vendor`.
pub(crate) fn judge_sla(stages: &[StageReport], sla: &Sla, vendor: &str) -> SlaResult {
    let found = stages
        .iter()
        .find(|s| s.id == sla.stage)
        .and_then(|s| s.vendors.iter().find(|v| v.name == vendor))
        .and_then(|v| measure(v, &sla.metric));
    let (met, met_at_bound) = match found {
        Some((value, lo, hi)) => {
            let unfavourable = match sla.op {
                SlaOp::AtMost => hi,
                SlaOp::AtLeast => lo,
            };
            (sla.op.holds(value, sla.target), sla.op.holds(unfavourable, sla.target))
        }
        None => (false, false),
    };
    SlaResult {
        stage: sla.stage.clone(),
        metric: sla.metric.clone(),
        op: sla.op,
        target: sla.target,
        measured: found.map(|f| f.0),
        ci_low: found.map(|f| f.1),
        ci_high: found.map(|f| f.2),
        met,
        met_at_bound,
    }
}
