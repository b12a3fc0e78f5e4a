//! `tenderbench contract probe`: one monitoring probe of the awarded
//! bidder's service. A signed run of the POC's criteria on a fresh rotated
//! draw from the POC's suites (the sealed pools), then the model's
//! fingerprint (`tb-probe`, which the server's scheduler shares); the probe record is appended to the probe file and every
//! record replayed, so a new alarm is printed the moment it is raised.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use tb_contract::Contract;
use tb_contract::monitor::{self, Probe};
use tb_runner::RunOptions;
use tb_store::{DbLocation, RunStatus, Store};
use tokio::sync::watch;

use crate::progress::TermProgress;
use crate::{Failure, LangArg, bad_input, commands};

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
    let suites = a.out.join(format!("probe-{}-suites", number + 1));
    tb_probe::narrow(&mut spec, &contract, number, &suites).map_err(commands::probe_failure)?;
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
    let fingerprint = tb_probe::take_fingerprint(vendor, &contract, None).await;
    let record = tb_probe::record(&report, &contract, &a.day, &dir.join("results.csv"), fingerprint)
        .map_err(commands::probe_failure)?;
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
