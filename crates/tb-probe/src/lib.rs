//! One monitoring probe of a contract (docs/contracts.md), the parts that
//! `tenderbench contract probe` and the server's scheduler share:
//!
//! 1. [`narrow`]: the POC spec cut down to the probe, the awarded bidder
//!    alone on the contract's criteria, each suite a fresh rotated draw;
//! 2. (the caller runs it as a signed run, here or on the workers);
//! 3. [`record`]: the probe record from the run's report and results.csv;
//! 4. [`take_fingerprint`]: the served model's fingerprint.
//!
//! The draw depends only on the contract (its seed and cases) and the
//! probe's number, so anyone with the contract and the pool recomputes it.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use tb_contract::Contract;
use tb_contract::fingerprint::Fingerprint;
use tb_contract::monitor::{Probe, ProbeCriterion};
use tb_core::{Message, Outcome};
use tb_spec::Spec;
use tb_vendor::Generation;

/// A signed report.json, checked: its text against its signature (the
/// public key it names), and a finished run. The report, the SHA-256 of its
/// text and the signing key's fingerprint. `name` names it in errors.
pub fn signed_report(text: &str, signature: &str, name: &str) -> Result<(tb_report::Report, String, String), String> {
    let report: tb_report::Report =
        serde_json::from_str(text).map_err(|e| format!("{name} is not a tenderbench report.json: {e}"))?;
    let Some(signing) = &report.signing else {
        return Err(format!(
            "{name} is not signed: a contract's baseline and its acceptance run are signed runs (`tenderbench keygen`, then run)"
        ));
    };
    tb_audit::verify_signature(&signing.public_key, text.as_bytes(), signature.trim())
        .map_err(|e| format!("{name}: the signature does not match this report ({e})"))?;
    if report.status != "finished" {
        return Err(format!("{name}: run {} is {}, not finished", report.run_id, report.status));
    }
    let fingerprint = tb_audit::fingerprint(&signing.public_key);
    Ok((report, tb_audit::sha256_hex(text.as_bytes()), fingerprint))
}

/// (criterion, right, cases) of each objective, per-case criterion.
pub type Rates = Vec<(String, u64, u64)>;

/// The vendor's objective, per-case criteria and its p95 latency in a report.
pub fn measured(report: &tb_report::Report, vendor: &str) -> Result<(Rates, Option<f64>), String> {
    let v = report.vendors.iter().find(|v| v.name == vendor).ok_or_else(|| {
        let names: Vec<&str> = report.vendors.iter().map(|v| v.name.as_str()).collect();
        format!("run {} has no bidder {vendor:?} (it has {})", report.run_id, names.join(", "))
    })?;
    let criteria = v
        .criteria
        .iter()
        .filter(|c| c.metric == "accuracy" && c.n > 0)
        .map(|c| (c.id.clone(), c.correct, c.n))
        .collect();
    Ok((criteria, v.latency_ms.p95))
}

/// The acceptance test (验收) of a signed acceptance run's report against
/// the contract's baseline: the report checked, the run a new one, each
/// criterion judged (`tb_contract::acceptance`).
pub fn acceptance(
    contract: &Contract,
    report_text: &str,
    signature: &str,
    name: &str,
) -> Result<tb_contract::acceptance::AcceptanceReport, String> {
    let (report, sha, _) = signed_report(report_text, signature, name)?;
    if report.run_id == contract.baseline.run {
        return Err("the acceptance run must be a new run, not the POC baseline itself".into());
    }
    let (delivered, _) = measured(&report, &contract.contract.vendor)?;
    let mut result = tb_contract::acceptance::accept(contract, &report.run_id, &delivered);
    result.run = format!("{} (report sha256 {sha})", report.run_id);
    Ok(result)
}

/// The built-in fingerprint prompts: strings whose token counts differ
/// between tokenizers (Chinese, English, digits, code, punctuation), each
/// with a short answer that a model gives the same way at temperature 0.
pub const FINGERPRINT_PROMPTS: &[&str] = &[
    "用一个词回答：中华人民共和国的首都是哪座城市？",
    "Answer with one number only: what is 17 multiplied by 23?",
    "只回答选项字母：水在标准大气压下的沸点是 A.90℃ B.100℃ C.110℃ D.120℃",
    "Reply with the single word that completes: def add(a, b): return a ___ b",
    "把下面的数字写成阿拉伯数字，只写数字：一千二百三十四",
    "Spell the word 'procurement' backwards, letters only.",
];

/// Why a probe could not be prepared or recorded.
#[derive(Debug)]
pub enum ProbeError {
    /// The contract and the spec do not fit together (the user's input).
    Mismatch(String),
    /// A file could not be read or written.
    Io(anyhow::Error),
}

impl std::fmt::Display for ProbeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProbeError::Mismatch(m) => f.write_str(m),
            ProbeError::Io(e) => write!(f, "{e:#}"),
        }
    }
}

impl std::error::Error for ProbeError {}

impl From<anyhow::Error> for ProbeError {
    fn from(e: anyhow::Error) -> Self {
        ProbeError::Io(e)
    }
}

/// Replaces every suite the criteria use by a copy in `dir` of the lines
/// `choose(suite id, line count)` picks (0-based, non-empty lines, in the
/// suite's own format). The copy no longer matches a sealed suite's
/// commitment, which is dropped: the caller checked the whole file, or does
/// not need to.
pub fn subset_suites(
    spec: &mut Spec,
    dir: &Path,
    choose: impl Fn(&str, usize) -> Vec<usize>,
) -> Result<(), ProbeError> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let used: Vec<String> = spec.used_suites().map(|s| s.id.clone()).collect();
    for s in spec.suites.iter_mut().filter(|s| used.contains(&s.id)) {
        let (path, format) = s.readable().map_err(|e| ProbeError::Mismatch(e.to_string()))?;
        let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let subset: String =
            choose(&s.id, lines.len()).iter().filter_map(|i| lines.get(*i)).map(|l| format!("{l}\n")).collect();
        let copy = dir.join(format!("{}.jsonl", s.id));
        std::fs::write(&copy, subset).with_context(|| format!("cannot write {}", copy.display()))?;
        s.resolved = copy;
        s.format = format;
        s.columns.clear();
        s.commitment = None;
    }
    Ok(())
}

/// The POC spec cut down to probe `number` (0-based): the awarded bidder
/// alone, the contract's criteria, no load stages, each suite a fresh
/// rotated draw of the contract's `cases` written into `dir`.
pub fn narrow(spec: &mut Spec, contract: &Contract, number: u64, dir: &Path) -> Result<(), ProbeError> {
    let mismatch = ProbeError::Mismatch;
    let vendor = spec.vendors.iter().find(|v| v.name == contract.contract.vendor).cloned().ok_or_else(|| {
        mismatch(format!("the spec has no bidder {:?}, the contract's vendor", contract.contract.vendor))
    })?;
    spec.vendors = vec![vendor];
    spec.criteria.retain(|c| contract.baseline.criteria.iter().any(|b| b.id == c.id));
    if let Some(b) = contract.baseline.criteria.iter().find(|b| !spec.criteria.iter().any(|c| c.id == b.id)) {
        return Err(mismatch(format!("the spec has no criterion {:?} of the contract's baseline", b.id)));
    }
    spec.stages.clear();
    // The draw is a part of the sealed pool, whose seal covered the whole file at the POC.
    let (cases, seed) = (contract.monitoring.cases as usize, contract.monitoring.seed);
    subset_suites(spec, dir, |id, lines| tb_contract::draw::draw(lines, cases, number, seed, id))
}

/// The probe record from the probe run's report and its results.csv (the
/// latencies as results.csv keeps them, so a check against the signed
/// report recomputes the same p95).
pub fn record(
    report: &tb_report::Report,
    contract: &Contract,
    day: &str,
    results: &Path,
    fingerprint: Option<Fingerprint>,
) -> Result<Probe, ProbeError> {
    let v = report.vendors.first().ok_or_else(|| ProbeError::Mismatch("the probe run has no bidder".into()))?;
    let quality = contract
        .baseline
        .criteria
        .iter()
        .filter_map(|b| v.criteria.iter().find(|c| c.id == b.id))
        .map(|c| ProbeCriterion { id: c.id.clone(), correct: c.correct, n: c.n })
        .collect();
    let mut latencies_ms = Vec::new();
    let mut reader = csv::Reader::from_path(results).with_context(|| format!("cannot read {}", results.display()))?;
    let headers = reader.headers().context("results.csv header")?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim_start_matches('\u{feff}') == name);
    let (Some(status), Some(latency)) = (column("status"), column("latency_ms")) else {
        return Err(ProbeError::Mismatch(format!("{} lacks the status or latency_ms column", results.display())));
    };
    for row in reader.records() {
        let row = row.context("results.csv row")?;
        if row.get(status) == Some("answered")
            && let Some(ms) = row.get(latency).and_then(|l| l.parse::<f64>().ok())
        {
            latencies_ms.push(ms);
        }
    }
    Ok(Probe {
        day: day.to_string(),
        run: Some(report.run_id.clone()),
        quality,
        sent: v.cells,
        answered: v.cells - v.errors,
        latencies_ms,
        fingerprint,
    })
}

/// The served model's fingerprint: each fixed prompt once at temperature 0,
/// not streamed (so the whole response, with its `model` and
/// `system_fingerprint` fields, is read), connecting only where `egress`
/// permits. None when the vendor answers none.
pub async fn take_fingerprint(
    vendor: &tb_spec::VendorSpec,
    contract: &Contract,
    egress: Option<&Arc<tb_vendor::egress::EgressPolicy>>,
) -> Option<Fingerprint> {
    let spec = tb_spec::VendorSpec { stream: false, max_retries: 1, ..vendor.clone() };
    let client = tb_runner::vendor_client_within(&spec, egress).ok()?;
    let own = &contract.monitoring.fingerprint_prompts;
    let prompts: Vec<&str> =
        if own.is_empty() { FINGERPRINT_PROMPTS.to_vec() } else { own.iter().map(String::as_str).collect() };
    let mut f = Fingerprint::default();
    for prompt in prompts {
        let g = Generation { temperature: 0.0, max_tokens: 16 };
        let (outcome, stats) = client.chat(&[Message::user(prompt.to_string())], None, g).await;
        let body = tb_vendor::wire::ChatCompletion::from_json(&stats.response).ok();
        if let Some(b) = &body {
            f.model = f.model.or(b.model.as_deref().map(str::to_string));
            f.system_fingerprint = f.system_fingerprint.or(b.system_fingerprint.as_deref().map(str::to_string));
        }
        match outcome {
            Outcome::Answered(answer) => {
                f.prompt_tokens.push(answer.usage.as_ref().map(|u| u.prompt_tokens));
                f.answers.push(answer.text);
            }
            Outcome::Failed(_) => {
                f.prompt_tokens.push(None);
                f.answers.push(String::new());
            }
        }
    }
    f.prompt_tokens.iter().any(Option::is_some).then_some(f)
}
