//! The spec as TOML writes it, with every value's place in the file (`Spanned`),
//! before validation.

use super::*;

// ---- raw TOML shape -------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSpec {
    pub(crate) tender: RawTender,
    #[serde(default)]
    pub(crate) run: RawRun,
    #[serde(default)]
    pub(crate) scoring: RawScoring,
    #[serde(default, rename = "suite")]
    pub(crate) suites: Vec<RawSuite>,
    #[serde(default, rename = "criterion")]
    pub(crate) criteria: Vec<RawCriterion>,
    #[serde(default, rename = "vendor")]
    pub(crate) vendors: Vec<RawVendor>,
    #[serde(default)]
    pub(crate) sandbox: Option<Spanned<RawSandbox>>,
    #[serde(default, rename = "judge")]
    pub(crate) judges: Vec<RawJudge>,
    #[serde(default, rename = "stage")]
    pub(crate) stages: Vec<RawStage>,
    #[serde(default)]
    pub(crate) agent: Option<Spanned<RawAgent>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAgent {
    #[serde(default)]
    pub(crate) max_turns: Option<u32>,
    #[serde(default)]
    pub(crate) max_seconds: Option<f64>,
    #[serde(default)]
    pub(crate) max_total_tokens: Option<u64>,
    #[serde(default)]
    pub(crate) tool_server: Option<String>,
    #[serde(default)]
    pub(crate) tool_server_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStage {
    pub(crate) id: Spanned<String>,
    pub(crate) suite: Spanned<String>,
    #[serde(default)]
    pub(crate) concurrency: Option<Spanned<u32>>,
    #[serde(default)]
    pub(crate) rate: Option<Spanned<f64>>,
    #[serde(default)]
    pub(crate) duration_secs: Option<Spanned<f64>>,
    #[serde(default)]
    pub(crate) cases: Option<Spanned<u64>>,
    #[serde(default)]
    pub(crate) warmup_secs: Option<Spanned<f64>>,
    #[serde(default)]
    pub(crate) max_tokens: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJudge {
    pub(crate) id: Spanned<String>,
    #[serde(default)]
    pub(crate) family: Option<String>,
    #[serde(default = "yes")]
    pub(crate) forbid_same_family: bool,
    #[serde(default)]
    pub(crate) note: Option<String>,
    // Where the judge is reached: the endpoint part of a vendor entry.
    #[serde(default)]
    pub(crate) provider: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) base_url: Option<Spanned<String>>,
    pub(crate) model: Spanned<String>,
    #[serde(default)]
    pub(crate) api_key_env: Option<String>,
    #[serde(default = "default_concurrency")]
    pub(crate) concurrency: Spanned<u32>,
    #[serde(default = "default_judge_timeout")]
    pub(crate) timeout_secs: Spanned<f64>,
    #[serde(default = "default_retries")]
    pub(crate) max_retries: u32,
}

pub(crate) fn default_judge_timeout() -> Spanned<f64> {
    Spanned::new(0..0, 120.0)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSandbox {
    #[serde(default)]
    pub(crate) isolation: Option<String>,
    #[serde(default)]
    pub(crate) workers: Option<u32>,
    #[serde(default)]
    pub(crate) cpu_seconds: Option<u64>,
    #[serde(default)]
    pub(crate) wall_seconds: Option<f64>,
    #[serde(default)]
    pub(crate) memory_mb: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTender {
    pub(crate) id: Spanned<String>,
    pub(crate) title: String,
    pub(crate) buyer: String,
    pub(crate) kind: ProcurementKind,
    pub(crate) price_weight: Spanned<f64>,
    #[serde(default)]
    pub(crate) time_zone: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRun {
    #[serde(default)]
    pub(crate) blind: bool,
    #[serde(default = "one")]
    pub(crate) repeats: Spanned<u32>,
    #[serde(default)]
    pub(crate) seed: u64,
    #[serde(default)]
    pub(crate) temperature: f64,
    #[serde(default = "default_max_tokens")]
    pub(crate) max_tokens: u32,
    #[serde(default)]
    pub(crate) budget_per_vendor: Option<Spanned<f64>>,
}

impl Default for RawRun {
    fn default() -> Self {
        RawRun {
            blind: false,
            repeats: one(),
            seed: 0,
            temperature: 0.0,
            max_tokens: default_max_tokens(),
            budget_per_vendor: None,
        }
    }
}

pub(crate) fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}
pub(crate) fn default_max_tokens() -> u32 {
    512
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScoring {
    #[serde(default = "default_decimals")]
    pub(crate) decimals: u32,
    #[serde(default = "default_abnormal")]
    pub(crate) abnormally_low_below_average: Spanned<f64>,
    #[serde(default = "default_significance_spanned")]
    pub(crate) significance: Spanned<f64>,
    #[serde(default = "default_resamples")]
    pub(crate) bootstrap_resamples: u32,
    #[serde(default)]
    pub(crate) abnormally_low_basis: AbnormalBasis,
    #[serde(default)]
    pub(crate) unjustified_abnormally_low: Unjustified,
    #[serde(default)]
    pub(crate) tie_break: TieBreak,
    #[serde(default)]
    pub(crate) failed_cells: FailedCells,
}

pub(crate) fn default_significance_spanned() -> Spanned<f64> {
    Spanned::new(0..0, default_significance())
}

impl Default for RawScoring {
    fn default() -> Self {
        RawScoring {
            decimals: default_decimals(),
            abnormally_low_below_average: default_abnormal(),
            significance: default_significance_spanned(),
            bootstrap_resamples: default_resamples(),
            abnormally_low_basis: AbnormalBasis::default(),
            unjustified_abnormally_low: Unjustified::default(),
            tie_break: TieBreak::default(),
            failed_cells: FailedCells::default(),
        }
    }
}
pub(crate) fn default_decimals() -> u32 {
    2
}
pub(crate) fn default_abnormal() -> Spanned<f64> {
    Spanned::new(0..0, 0.2)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSuite {
    pub(crate) id: Spanned<String>,
    pub(crate) path: Spanned<String>,
    #[serde(default)]
    pub(crate) format: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) commitment: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) seal: Option<Spanned<String>>,
    /// For csv and xlsx suites: which column holds each field.
    #[serde(default)]
    pub(crate) columns: Option<Spanned<std::collections::BTreeMap<String, String>>>,
    #[serde(default)]
    pub(crate) sheet: Option<String>,
    #[serde(default)]
    pub(crate) practice: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCriterion {
    pub(crate) id: Spanned<String>,
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) suite: Option<Spanned<String>>,
    pub(crate) grader: Spanned<String>,
    #[serde(default)]
    pub(crate) metric: Option<Spanned<String>>,
    pub(crate) weight: Spanned<f64>,
    #[serde(default)]
    pub(crate) gate: Option<Spanned<Gate>>,
    #[serde(default)]
    pub(crate) judge: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) rubric: Option<String>,
    #[serde(default)]
    pub(crate) sla: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) stage: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) rule: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) calls_in_text: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVendor {
    pub(crate) name: Spanned<String>,
    #[serde(default)]
    pub(crate) provider: Option<Spanned<String>>,
    #[serde(default)]
    pub(crate) base_url: Option<Spanned<String>>,
    pub(crate) model: Spanned<String>,
    #[serde(default)]
    pub(crate) api_key_env: Option<String>,
    pub(crate) bid_price: Spanned<f64>,
    #[serde(default = "default_concurrency")]
    pub(crate) concurrency: Spanned<u32>,
    #[serde(default = "default_timeout")]
    pub(crate) timeout_secs: Spanned<f64>,
    #[serde(default = "default_retries")]
    pub(crate) max_retries: u32,
    #[serde(default = "yes")]
    pub(crate) stream: bool,
    #[serde(default)]
    pub(crate) stream_usage: Option<bool>,
    #[serde(default)]
    pub(crate) temperature_range: Option<(f64, f64)>,
    #[serde(default)]
    pub(crate) price_per_mtok_input: Option<f64>,
    #[serde(default)]
    pub(crate) price_per_mtok_output: Option<f64>,
    #[serde(default)]
    pub(crate) family: Option<String>,
    #[serde(default)]
    pub(crate) agent_api: Option<Spanned<RawAgentApi>>,
    #[serde(default)]
    pub(crate) requests_per_second: Option<Spanned<f64>>,
    /// Fill-in-the-middle tasks go to the vendor's completions endpoint
    /// (`prompt` and `suffix`) rather than to a chat.
    #[serde(default)]
    pub(crate) fim: Option<Spanned<bool>>,
    /// That endpoint, when not the preset's or `{base_url}/completions`.
    #[serde(default)]
    pub(crate) fim_url: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAgentApi {
    /// `dify`, `fastgpt`, or absent for a custom API described by the fields below.
    #[serde(default)]
    pub(crate) preset: Option<String>,
    #[serde(default)]
    pub(crate) url: Option<String>,
    /// The request body: JSON text.
    #[serde(default)]
    pub(crate) request: Option<String>,
    #[serde(default)]
    pub(crate) answer_path: Option<String>,
    #[serde(default)]
    pub(crate) conversation_path: Option<String>,
}

pub(crate) fn default_concurrency() -> Spanned<u32> {
    Spanned::new(0..0, 4)
}
pub(crate) fn default_timeout() -> Spanned<f64> {
    Spanned::new(0..0, 60.0)
}
pub(crate) fn default_retries() -> u32 {
    3
}
pub(crate) fn yes() -> bool {
    true
}
