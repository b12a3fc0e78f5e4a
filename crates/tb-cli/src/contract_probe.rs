//! `tenderbench contract probe`: one monitoring probe of the awarded
//! bidder's service. A signed run of the POC's criteria on a fresh rotated
//! draw from the POC's suites (the sealed pools), then the model's
//! fingerprint; the probe record is appended to the probe file and every
//! record replayed, so a new alarm is printed the moment it is raised.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tb_contract::Contract;
use tb_contract::fingerprint::Fingerprint;
use tb_contract::monitor::{self, Probe, ProbeCriterion};
use tb_core::{Message, Outcome};
use tb_runner::RunOptions;
use tb_store::{DbLocation, RunStatus, Store};
use tb_vendor::Generation;
use tokio::sync::watch;

use crate::progress::TermProgress;
use crate::{Failure, LangArg, bad_input, commands};

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

pub struct ProbeArgs {
    pub contract: PathBuf,
    pub spec: PathBuf,
    pub probes: PathBuf,
    pub day: String,
    pub db: DbLocation,
    pub out: PathBuf,
    pub key: Option<PathBuf>,
    pub webhook: Option<String>,
    /// Queue the probe's cells for `tenderbench worker`s (PostgreSQL) instead of sending them here.
    pub distributed: bool,
    /// A tenderbench server holding the contract: the record is appended there too.
    pub server: Option<String>,
    pub token: Option<String>,
}

fn fail(text: String) -> Failure {
    bad_input(anyhow::anyhow!(text))
}

pub async fn probe(a: ProbeArgs) -> Result<ExitCode, Failure> {
    let text = crate::contract::read_input(&a.contract)?;
    let contract = Contract::parse(&text, &a.contract.display().to_string()).map_err(fail)?;
    let earlier = crate::contract::read_probes(&a.probes)?;
    contract.check_probe_day(&a.day, earlier.last().map(|p| p.day.as_str())).map_err(fail)?;
    let number = earlier.len() as u64;
    let mut spec = commands::load_spec(&a.spec)?;
    narrow(&mut spec, &contract, number, &a.out.join(format!("probe-{}-suites", number + 1)))?;
    let key = match &a.key {
        Some(path) => Some(Arc::new(tb_audit::Keypair::load(path).map_err(bad_input)?)),
        None => return Err(fail("a probe is a signed run: give --key (the buyer's signing key)".into())),
    };
    let store = Store::open(&a.db).await?;
    let run_id = run_probe(&spec, &store, key.clone(), a.distributed, &a.out).await;
    let run_id = match run_id {
        Ok(id) => id,
        Err(e) => {
            store.close().await;
            return Err(e);
        }
    };
    let dir = a.out.join(&run_id);
    let report = commands::write_outputs(&store, &run_id, &dir, LangArg::Zh, key.as_deref(), None).await?;
    store.close().await;
    let vendor = &spec.vendors[0];
    let fingerprint = take_fingerprint(vendor, &contract).await;
    let record = record(&report, &contract, &a.day, &dir.join("results.csv"), fingerprint)?;
    append(&a.probes, &record)?;
    let mut probes = earlier;
    probes.push(record);
    let thresholds = monitor::thresholds(&contract).map_err(fail)?;
    let reference = probes[0].fingerprint.clone();
    let trace = monitor::replay(&contract, &thresholds, reference.as_ref(), &probes);
    println!("probe {} of {} ({}): run {}", number + 1, contract.contract.id, a.day, run_id);
    for q in &probes[probes.len() - 1].quality {
        println!("  {}: {} of {} right", q.id, q.correct, q.n);
    }
    let new: Vec<_> = trace.alarms.iter().filter(|al| al.probe == probes.len() - 1).collect();
    for al in &new {
        println!("  ALARM {:?}: {}", al.kind, al.detail);
    }
    if new.is_empty() {
        println!("  no alarm");
    }
    if let Some(url) = &a.webhook {
        for al in &new {
            let payload = monitor::alarm_payload(&contract, al, Some(&run_id));
            if let Err(e) = tb_vendor::webhook::post_json(url, &payload, None, std::time::Duration::from_secs(10)).await
            {
                eprintln!("error: the probe is recorded, but the alarm did not reach the webhook: {e}");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    if let Some(server) = &a.server {
        let url = format!("{}/api/contracts/{}/probes", server.trim_end_matches('/'), contract.contract.id);
        let body = serde_json::to_value(probes.last()).context("probe record")?;
        let sent = tb_vendor::webhook::post_json(&url, &body, a.token.as_deref(), std::time::Duration::from_secs(60));
        if let Err(e) = sent.await {
            eprintln!("error: the probe is recorded in {}, but the server did not take it: {e}", a.probes.display());
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs the probe's spec here, or queues its cells for the workers
/// (`--distributed`, PostgreSQL) and follows it; the finished run's id.
async fn run_probe(
    spec: &tb_spec::Spec,
    store: &Store,
    key: Option<Arc<tb_audit::Keypair>>,
    distributed: bool,
    out: &Path,
) -> Result<String, Failure> {
    let bad = |e: tb_runner::RunError| if e.is_bad_input() { bad_input(e) } else { Failure::from(e) };
    // Workers store their cells themselves: the queue, not a journal, bounds what a kill loses.
    let journal = (!distributed).then(|| out.join("journal"));
    let seals = tb_runner::Seals { files: vec![], required: false };
    let opts = RunOptions { resume: None, simulated: false, key: key.clone(), egress: None, seals, journal };
    let (_cancel_tx, cancel_rx) = watch::channel(false);
    let summary = if distributed {
        let (run_id, total) = tb_runner::distributed::enqueue(spec, store, opts).await.map_err(bad)?;
        eprintln!("{total} cells of probe run {run_id} queued for workers");
        tb_runner::distributed::follow(spec, store, &run_id, key, Arc::new(TermProgress::new()), cancel_rx)
            .await
            .map_err(bad)?
    } else {
        tb_runner::run(spec, store, opts, Arc::new(TermProgress::new()), cancel_rx).await.map_err(bad)?
    };
    if summary.status != RunStatus::Finished {
        return Err(fail(format!("probe run {} did not finish", summary.run_id)));
    }
    Ok(summary.run_id)
}

fn append(path: &Path, record: &Probe) -> Result<(), Failure> {
    use std::io::Write;
    let line = serde_json::to_string(record).context("probe record")? + "\n";
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    f.write_all(line.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The POC spec cut down to a probe: the awarded bidder alone, the
/// contract's criteria, each suite a fresh rotated draw of `cases`.
fn narrow(spec: &mut tb_spec::Spec, contract: &Contract, number: u64, dir: &Path) -> Result<(), Failure> {
    let vendor =
        spec.vendors.iter().find(|v| v.name == contract.contract.vendor).cloned().ok_or_else(|| {
            fail(format!("the spec has no bidder {:?}, the contract's vendor", contract.contract.vendor))
        })?;
    spec.vendors = vec![vendor];
    spec.criteria.retain(|c| contract.baseline.criteria.iter().any(|b| b.id == c.id));
    if let Some(b) = contract.baseline.criteria.iter().find(|b| !spec.criteria.iter().any(|c| c.id == b.id)) {
        return Err(fail(format!("the spec has no criterion {:?} of the contract's baseline", b.id)));
    }
    spec.stages.clear();
    // The draw is a part of the sealed pool, whose seal covered the whole file at the POC.
    let (cases, seed) = (contract.monitoring.cases as usize, contract.monitoring.seed);
    commands::subset_suites(spec, dir, |id, lines| tb_contract::draw::draw(lines, cases, number, seed, id))
}

/// The probe record from the probe run's report and its results.csv.
fn record(
    report: &tb_report::Report,
    contract: &Contract,
    day: &str,
    results: &Path,
    fingerprint: Option<Fingerprint>,
) -> Result<Probe, Failure> {
    let v = &report.vendors[0];
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
        return Err(fail(format!("{} lacks the status or latency_ms column", results.display())));
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
/// `system_fingerprint` fields, is read). None when the vendor answers none.
async fn take_fingerprint(vendor: &tb_spec::VendorSpec, contract: &Contract) -> Option<Fingerprint> {
    let spec = tb_spec::VendorSpec { stream: false, max_retries: 1, ..vendor.clone() };
    let client = tb_runner::vendor_client(&spec).ok()?;
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
