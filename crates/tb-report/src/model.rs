//! The report DTO. `report.json` is this, serialized: a contract that users'
//! scripts and auditors rely on. Add fields; never rename or remove one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
pub use tb_core::SuiteRecord;
pub use tb_spec::Criterion;
use tb_spec::ProcurementKind;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub tool: String,
    pub version: String,
    pub run_id: String,
    pub status: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub spec_hash: String,
    /// True when the vendors were simulated; `notice` then says so in words.
    pub simulated: bool,
    pub notice: Option<String>,
    /// Blind evaluation: vendors appear as codes and models are masked until
    /// the sealed mapping is revealed (`tenderbench reveal-mapping`).
    pub blind: bool,
    pub confidence: f64,
    /// Version of every grader the criteria use (see `tb_grade::Grader::version`).
    pub grader_versions: BTreeMap<String, u32>,
    /// The key that signs this run's checkpoints and this report (null: unsigned run).
    pub signing: Option<SigningInfo>,
    pub tender: TenderInfo,
    pub suites: Vec<SuiteRecord>,
    pub criteria: Vec<Criterion>,
    /// In spec order.
    pub vendors: Vec<VendorReport>,
    /// Names of ranked vendors, best first.
    pub ranking: Vec<String>,
    /// Measured quality of the graders that have been validated against hand
    /// labels (e.g. `refusal`), by grader name: read a metric with its grader's error.
    #[serde(default)]
    pub grader_validation: BTreeMap<String, tb_grade::Validation>,
    /// How vendors' code was run, when a criterion uses the `code` grader.
    #[serde(default)]
    pub sandbox: Option<SandboxInfo>,
    /// The judge models that graded `judge` criteria, with the spec's note on each.
    #[serde(default)]
    pub judges: Vec<JudgeInfo>,
    /// The level below which a Holm-adjusted p-value makes a difference real.
    #[serde(default)]
    pub significance: f64,
    /// Every pair of vendors, compared on the cases both answered.
    #[serde(default)]
    pub comparisons: Vec<Comparison>,
    /// How far each weight must move before the first place changes.
    #[serde(default)]
    pub sensitivity: Option<Sensitivity>,
    /// SHA-256 of the rules chapter (`tenderbench publish SPEC --lang zh|en`)
    /// by language: equal to the hash published with the tender when the
    /// rules did not change after bidding.
    #[serde(default)]
    pub published_rules: BTreeMap<String, String>,
    /// The score comparison table (评分比较一览表): each bidder's points on
    /// each factor, price points, total and rank.
    #[serde(default)]
    pub score_table: Option<ScoreTable>,
    /// The statutory rules this report applied (from the spec).
    #[serde(default)]
    pub rules: Option<ScoringRules>,
    /// Service levels under load: one entry per `[[stage]]`, in spec order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<StageReport>,
    /// Agent suites: per vendor and per task, in spec order of the suites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub agents: Vec<crate::AgentSuiteReport>,
    /// Grades evaluators set by hand on answers the rules could not read, with
    /// their reasons (entries of the audit log, recomputed by `verify`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grade_overrides: Vec<crate::committee::GradeOverride>,
}

/// One load stage, every vendor measured under it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageReport {
    pub id: String,
    pub suite: String,
    /// The criterion whose grader graded the stage's answers.
    pub criterion: Option<String>,
    /// `{"concurrency": N}` (closed loop) or `{"rate": R}` (open loop, Poisson).
    pub arrival: tb_spec::Arrival,
    pub duration_secs: Option<f64>,
    pub cases: Option<u64>,
    pub warmup_secs: f64,
    /// The per-request latency targets goodput counts against (from the
    /// stage's `<=` SLA criteria on latency quantiles), in ms.
    pub targets: BTreeMap<String, f64>,
    /// In spec order.
    pub vendors: Vec<StageVendor>,
}

/// One vendor under one stage. Requests of the warm-up are left out of
/// every figure. Rates per second are over the measured window: from the
/// end of the warm-up to the due time of the last request (`offered_rps`)
/// or to the last answer (`throughput_rps`, `goodput_rps`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StageVendor {
    pub name: String,
    /// The stage ran to its end for this vendor (its duration or its cases);
    /// false when an interruption cut it short: the vendor is then incomplete.
    pub finished: bool,
    /// Which sending of the stage this is: a resumed run sends a stage cut
    /// short again, whole; the report uses the attempt that finished.
    pub attempt: u32,
    /// Measured requests (after the warm-up).
    pub requests: u64,
    pub warmup_requests: u64,
    pub answered: u64,
    pub failed: u64,
    /// Failures by cause (`timeout`, `rate_limited`, `server_error`, …).
    pub causes: BTreeMap<String, u64>,
    pub window_secs: f64,
    pub offered_rps: f64,
    pub throughput_rps: f64,
    /// Answers per second that were graded right and met every target in `targets`.
    pub goodput_rps: f64,
    /// Answers that were right, and answers that were right and met every target.
    pub correct: u64,
    pub good: u64,
    /// answered ÷ requests.
    pub availability: f64,
    pub error_rate: f64,
    pub timeout_rate: f64,
    pub rate_limited_rate: f64,
    /// Right answers ÷ answers, with its 95% Wilson interval.
    pub accuracy: f64,
    pub accuracy_ci: (f64, f64),
    /// The same vendor's accuracy on the same suite in the run's own cells
    /// (each case once, at the vendor's `concurrency`): the low-load baseline.
    pub baseline_accuracy: Option<f64>,
    /// One-sided p-value that accuracy under this load is below the baseline.
    pub accuracy_drop_p: Option<f64>,
    /// The drop is significant at the report's level.
    pub accuracy_dropped: bool,
    /// Output tokens per second, all measured answers together.
    pub output_tokens_per_s: f64,
    /// How output tokens were counted: `usage` or `stream_chunks`, with counts of answers.
    pub token_sources: BTreeMap<String, u64>,
    /// Time to first token, of streamed answers.
    pub ttft_ms: Quantiles,
    /// Every gap between two content chunks of every answer.
    pub itl_ms: Quantiles,
    /// Time per output token after the first, per answer.
    pub tpot_ms: Quantiles,
    /// From when the request was due to its last byte, per answer.
    pub latency_ms: Quantiles,
    /// Output tokens per second of each answer (its tokens ÷ its latency).
    #[serde(default)]
    pub tokens_per_s: Quantiles,
    /// How late requests went out (the client's own delay): large values mean
    /// this machine could not offer the load.
    pub lag_ms: Quantiles,
    /// Latency at 0%, 2%, …, 100% (nearest rank), for the chart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub latency_cdf: Vec<f64>,
}

/// Quantiles of one timing, each with its exact percentile-bootstrap 95% interval.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Quantiles {
    pub n: u64,
    pub mean: Option<f64>,
    pub p50: Option<Estimate>,
    pub p90: Option<Estimate>,
    pub p95: Option<Estimate>,
    pub p99: Option<Estimate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// An SLA criterion's measurement against its target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SlaResult {
    pub stage: String,
    pub metric: String,
    /// `<=` or `>=`.
    pub op: tb_spec::SlaOp,
    pub target: f64,
    /// Null when the stage measured nothing for this vendor.
    pub measured: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// The measurement meets the target.
    pub met: bool,
    /// The bound of its interval least favourable to the vendor meets it too.
    pub met_at_bound: bool,
}

/// The score comparison table in the statutory layout. Points are out of 100
/// for the whole tender: a factor's full points are (1 − price weight) ×
/// its weight × 100, the price's are price weight × 100. Each figure is
/// rounded on its own, so factor points may differ from the total by a unit
/// in the last place; the total is the one that counts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreTable {
    pub factors: Vec<ScoreFactor>,
    pub price_full_points: f64,
    /// In spec order.
    pub rows: Vec<ScoreRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreFactor {
    pub id: String,
    pub name: String,
    pub full_points: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreRow {
    pub vendor: String,
    pub bid_price: f64,
    /// One per factor, in the order of `factors`.
    pub factor_points: Vec<f64>,
    pub technical_points: f64,
    /// Null for an invalid bid.
    pub price_points: Option<f64>,
    pub total: Option<f64>,
    pub rank: Option<u32>,
    /// `invalid_reason`, `abnormally_low`, `ranked_by_lot`, as on the vendor.
    pub remarks: Vec<String>,
}

/// The scoring rules applied: the abnormally-low trigger and the tie rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoringRules {
    /// Scores are rounded to this many decimals before totals are compared.
    pub decimals: u32,
    /// A bid this fraction below the basis is abnormally low.
    pub abnormally_low_below_average: f64,
    /// `mean_of_others` or `mean_of_all` (valid bids).
    pub abnormally_low_basis: tb_spec::AbnormalBasis,
    /// `flag` or `invalid`: what becomes of an abnormally low bid whose
    /// justification the committee has not accepted.
    pub unjustified_abnormally_low: tb_spec::Unjustified,
    /// `tied` or `lot`.
    pub tie_break: tb_spec::TieBreak,
    /// The seed the lot was drawn with (`tb_stats::lot_key`), when ties go by lot.
    pub lot_seed: Option<u64>,
    /// What a failed cell counted as: `wrong` or `excluded` (`[scoring] failed_cells`).
    #[serde(default)]
    pub failed_cells: tb_spec::FailedCells,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sensitivity {
    pub leader: String,
    /// One per criterion, in spec order; the other weights rescale to keep the sum.
    pub criteria: Vec<WeightShift>,
    pub price_weight: WeightShift,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WeightShift {
    /// The criterion's id, or `price`.
    pub id: String,
    pub weight: f64,
    /// The smallest signed change at which another bidder's total reaches the
    /// leader's (before rounding); null when no change within 0..1 does.
    pub change: Option<f64>,
    pub new_leader: Option<String>,
}

/// Two vendors compared: their difference in total score and per criterion.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    /// a's total minus b's (null when either is unranked).
    pub total_difference: Option<f64>,
    /// Two-sided p-value of the total difference, paired bootstrap over cases.
    pub total_p: Option<f64>,
    /// The same, Holm-adjusted across all pairs.
    pub total_p_holm: Option<f64>,
    /// Not significantly different at the report's level: statistically tied.
    pub tied: Option<bool>,
    pub criteria: Vec<CriterionComparison>,
    /// Whether one is really faster: per-case latency, paired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<LatencyComparison>,
}

/// One criterion, two vendors, the cases both answered (first repeat).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CriterionComparison {
    pub id: String,
    pub n: u64,
    /// Cases only a got right.
    pub only_a: u64,
    /// Cases only b got right.
    pub only_b: u64,
    /// Exact McNemar two-sided p-value.
    pub p_mcnemar: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JudgeInfo {
    pub id: String,
    pub model: String,
    pub family: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SandboxInfo {
    /// `bubblewrap`, or `rlimit_only` (weaker: no namespace isolation).
    pub isolation: String,
    pub cpu_seconds: u64,
    pub wall_seconds: f64,
    pub memory_mb: u64,
    pub workers: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SigningInfo {
    /// Hex Ed25519 public key.
    pub public_key: String,
    /// First 16 hex digits of its SHA-256: what people compare.
    pub fingerprint: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenderInfo {
    pub id: String,
    pub title: String,
    pub buyer: String,
    pub kind: ProcurementKind,
    pub price_weight: f64,
    pub technical_weight: f64,
    /// The zone outputs give times in (`[tender] time_zone`, default Asia/Shanghai).
    #[serde(default = "default_zone")]
    pub time_zone: String,
}

fn default_zone() -> String {
    "Asia/Shanghai".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VendorReport {
    pub name: String,
    pub model: String,
    pub provider: Option<String>,
    pub bid_price: f64,
    /// Passed every gate and answered every cell (a valid bid).
    pub qualified: bool,
    /// Null when not ranked.
    pub rank: Option<u32>,
    /// Ranked vendors in one band are statistically tied (see `comparisons`).
    #[serde(default)]
    pub tie_band: Option<u32>,
    pub technical_score: f64,
    pub price_score: Option<f64>,
    pub total_score: Option<f64>,
    pub abnormally_low: bool,
    /// The committee's decision on the written justification of its price:
    /// `accepted`, `rejected`, or null when none is recorded.
    #[serde(default)]
    pub price_justification: Option<String>,
    /// Why the bid is not valid: `failed_gates`, `incomplete` (cells missing),
    /// `evaluation_pending` (an evaluator has not scored it), or
    /// `abnormally_low_unjustified`; null for a valid bid.
    #[serde(default)]
    pub invalid_reason: Option<String>,
    /// Equal in total and in price with another bid, and placed by lot.
    #[serde(default)]
    pub ranked_by_lot: bool,
    /// Some evaluator has not yet scored this bidder on a subjective
    /// criterion: it is neither ranked nor found unqualified yet, and its
    /// technical score is not final (outputs show it as pending).
    #[serde(default)]
    pub evaluation_pending: bool,
    pub failed_gates: Vec<String>,
    /// Every cell of the run is stored for this vendor.
    pub complete: bool,
    pub criteria: Vec<CriterionResult>,
    pub cells: u64,
    pub errors: u64,
    pub error_rate: f64,
    pub error_causes: BTreeMap<String, u64>,
    pub latency_ms: Latency,
    pub ttft_ms: Latency,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost: Option<f64>,
    /// How the vendor was asked fill-in-the-middle tasks, when the tender
    /// has any: `fim_api` (its completions endpoint, with `prompt` and
    /// `suffix`) or `chat_prompt` (the task stated in a chat).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fill_in_the_middle: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CriterionResult {
    pub id: String,
    pub name: String,
    pub metric: String,
    pub value: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n: u64,
    pub correct: u64,
    /// Cells whose vendor call failed (scored as wrong).
    pub errors: u64,
    /// Answers from which the grader could read no answer (scored as wrong).
    pub ungradable: u64,
    /// Of those, the answers the rules could not decide (`undecided`, or
    /// `ambiguous`: two committed answers): never guessed, never credited.
    #[serde(default)]
    pub undecided: u64,
    /// Answers the rules left undecided that the criterion's judge read as a
    /// second opinion (those it could not read stay among `undecided`).
    #[serde(default)]
    pub second_opinions: u64,
    /// Answers an evaluator graded by hand, with a reason (listed in `grade_overrides`).
    #[serde(default)]
    pub overrides: u64,
    /// For a refusal criterion: the refusal detector's measured error, the
    /// rates it allows, and whether the gate could flip within it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detector: Option<crate::detector::DetectorError>,
    /// Null when the criterion has no gate.
    pub gate_passed: Option<bool>,
    /// Null without a gate.
    #[serde(default)]
    pub gate_status: Option<GateStatus>,
    /// Why answers were judged wrong or ungradable, counted (e.g. for `code`:
    /// `wrong_answer`, `timeout`, `syntax_error`).
    #[serde(default)]
    pub outcomes: BTreeMap<String, u64>,
    /// The interval allowing for cases that share a cluster — a subject or
    /// source document, or the repeated samples of one case — which the
    /// Wilson interval above treats as independent. Present when there are
    /// clusters; gates judged on the bound use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clustered: Option<ClusteredInterval>,
    /// With repeated samples: the share of cases whose samples all got the
    /// same grade (all right or all wrong). Low agreement: the vendor answers
    /// the same question differently from one time to the next.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agreement: Option<f64>,
    /// A subjective criterion: each evaluator's score, 0–100 (the value is
    /// their mean / 100, and `n` the number of evaluators).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub evaluator_scores: BTreeMap<String, f64>,
    /// A subjective criterion the panel has not scored in full for this
    /// bidder: its value is no score yet (shown as pending, never as 0), and
    /// its interval is the range of the scores recorded so far.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pending: bool,
    /// An SLA criterion: what was measured against the target. The value is
    /// 1 when met, 0 when not; `ci_low` is 1 when even the unfavourable
    /// bound meets it (what a gate on the bound requires).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla: Option<SlaResult>,
    /// For a grader with several rules (`tb_spec::RULES`): the rule that
    /// scored this criterion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The same answers scored under each of the grader's other rules, shown
    /// beside the value (which the chosen rule alone decides).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_rules: Vec<RuleValue>,
    /// A `tool_call` criterion: answers whose calls were written in the text
    /// rather than made through the API (counted whether or not accepted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls_in_text: Option<u64>,
    /// An accuracy criterion: right answers over every cell (failed calls
    /// counted wrong), and over the answered cells only, whichever the
    /// spec's `failed_cells` policy made the value; `errors` is the count between them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_all_cells: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_answered: Option<f64>,
}

/// A criterion's answers scored under another of its grader's rules.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RuleValue {
    pub rule: String,
    pub correct: u64,
    pub value: f64,
}

/// A proportion's cluster-robust interval (`tb_stats::inference::clustered_proportion_ci`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClusteredInterval {
    /// `subject` (the cases' subject or source) or `case` (repeated samples).
    pub by: String,
    pub clusters: u64,
    pub se: f64,
    pub low: f64,
    pub high: f64,
}

/// Two vendors' latency on the cases both answered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LatencyComparison {
    pub n: u64,
    /// Mean of a's latency minus b's, per case, in ms.
    pub mean_difference_ms: f64,
    /// Paired sign-flip permutation test, two-sided.
    pub p_permutation: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Latency {
    pub n: u64,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    /// The distribution: the latency at 0%, 5%, …, 100% (nearest rank; 0% is
    /// the fastest), as the report's CDF chart draws it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cdf: Vec<f64>,
}

impl Latency {
    pub fn of(mut xs: Vec<f64>) -> Latency {
        if xs.is_empty() {
            return Latency::default();
        }
        xs.sort_by(f64::total_cmp);
        // Nearest-rank percentile: a value that was actually observed.
        let pct = |p: f64| xs[((p * xs.len() as f64).ceil() as usize).clamp(1, xs.len()) - 1];
        Latency {
            n: xs.len() as u64,
            mean: Some(xs.iter().sum::<f64>() / xs.len() as f64),
            p50: Some(pct(0.50)),
            p95: Some(pct(0.95)),
            p99: Some(pct(0.99)),
            cdf: (0..=20).map(|i| pct(i as f64 / 20.0)).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let l = Latency::of((1..=100).map(f64::from).collect());
        assert_eq!((l.p50, l.p95, l.p99), (Some(50.0), Some(95.0), Some(99.0)));
        assert_eq!(Latency::of(vec![]).p50, None);
        assert_eq!(Latency::of(vec![7.0]).p99, Some(7.0));
    }
}

/// A gate's outcome for one vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateStatus {
    Passed,
    Failed,
    /// Fewer cases than the gate's `min_samples`, or the committee's panel
    /// or the load stage not complete: never read as passed.
    InsufficientEvidence,
}
