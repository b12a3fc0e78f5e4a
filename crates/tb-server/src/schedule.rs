//! Probes the server schedules itself (docs/contracts.md, "Probes the
//! server schedules"). A contract stored with a tender of this server is
//! probed every `every_days` of its period: the scheduler claims the day in
//! the store (one probe a contract day, whichever server claims it first),
//! cuts the tender's spec down to the probe's draw (`tb-probe`, as
//! `tenderbench contract probe` does), runs it as a run signed by the
//! server's key — here, or queued for `tenderbench worker`s — takes the
//! fingerprint and stores the probe record, posting its alarms to the
//! contract webhook.
//!
//! Every step is in the store before the next: a restarted server resumes
//! (or, on the workers, follows) a claimed probe's run instead of starting
//! another, and a probe that failed is retried on the next contract day.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tb_contract::Contract;
use tb_runner::RunOptions;
use tb_store::RunStatus;
use tb_store::contracts::{ContractRecord, ProbeRunStatus};
use time::Date;
use tokio::sync::{oneshot, watch};

use crate::App;
use crate::error::{ApiError, ApiResult};

/// Who executes the server's scheduled probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeExecutor {
    /// The server itself.
    #[default]
    Server,
    /// `tenderbench worker`s, through the PostgreSQL queue.
    Workers,
}

/// The scheduler's calendar: the UTC date, or, with a shorter day
/// (`contract_day_secs`, a rehearsal), days counted from the server's start.
#[derive(Debug, Clone)]
pub struct ContractClock {
    day_secs: f64,
    origin: Date,
    started: std::time::Instant,
    /// Seconds already gone of the origin day when the clock started.
    into_origin: f64,
}

impl ContractClock {
    pub fn new(day_secs: f64) -> ContractClock {
        let now = time::OffsetDateTime::now_utc();
        let into_origin = f64::from(now.time().hour()) * 3600.0
            + f64::from(now.time().minute()) * 60.0
            + f64::from(now.time().second());
        // A day of 86400 s is the calendar's own: the scaled offset into it keeps the date the UTC date.
        let into_origin = into_origin * day_secs / 86_400.0;
        ContractClock { day_secs, origin: now.date(), started: std::time::Instant::now(), into_origin }
    }

    pub fn today(&self) -> Date {
        let days = ((self.into_origin + self.started.elapsed().as_secs_f64()) / self.day_secs).floor();
        self.origin + time::Duration::days(days as i64)
    }

    /// How often the scheduler looks: eight times a contract day, at most once a minute.
    pub fn tick(&self) -> Duration {
        Duration::from_secs_f64((self.day_secs / 8.0).clamp(0.1, 60.0))
    }
}

/// The contracts whose scheduled probe this process is running.
#[derive(Default)]
pub struct InFlight(Mutex<HashSet<String>>);

impl InFlight {
    fn take(&self, contract: &str) -> bool {
        self.0.lock().expect("in-flight lock").insert(contract.to_string())
    }

    fn release(&self, contract: &str) {
        self.0.lock().expect("in-flight lock").remove(contract);
    }
}

/// Looks for due probes until shutdown begins.
pub async fn run(app: App) {
    let clock = ContractClock::new(app.config.contract_day_secs);
    let mut stop = app.shutdown.subscribe();
    loop {
        if let Err(e) = tick(&app, clock.today()).await {
            tracing::warn!(error = %e.message, "the contract scheduler could not look for due probes");
        }
        tokio::select! {
            () = tokio::time::sleep(clock.tick()) => {}
            _ = stop.changed() => break,
        }
    }
}

/// Starts every probe due on `today`, and picks up any claimed probe this
/// process is not running (a restart left it); the probes started.
pub async fn tick(app: &App, today: Date) -> ApiResult<usize> {
    let mut started = 0;
    for record in app.store.contracts().await? {
        if record.tender_id.is_none() || *app.shutdown.borrow() {
            continue;
        }
        let contract = crate::api::parse_contract(&record)?;
        let claimed = app.store.contract_probe_runs(&record.id).await?;
        let (day, run) = match claimed.iter().find(|r| r.status == ProbeRunStatus::Running) {
            Some(r) => (r.day.clone(), r.run_id.clone()),
            None => {
                let probes = crate::api::probes_of(app, &record.id).await?;
                let Some(day) = contract.due_probe(probes.last().map(|p| p.day.as_str()), today) else { continue };
                if app.probes_in_flight.0.lock().expect("in-flight lock").contains(&record.id)
                    || !app.store.claim_contract_probe(&record.id, &day).await?
                {
                    continue;
                }
                (day, None)
            }
        };
        if !app.probes_in_flight.take(&record.id) {
            continue;
        }
        started += 1;
        let app = app.clone();
        tokio::spawn(async move {
            let id = record.id.clone();
            match probe(&app, &record, &contract, &day, run).await {
                Ok(Some(number)) => tracing::info!(contract = %id, day, probe = number, "scheduled probe recorded"),
                Ok(None) => {
                    tracing::info!(contract = %id, day, "scheduled probe stopped by shutdown; resumed at start")
                }
                Err(e) => {
                    tracing::warn!(contract = %id, day, error = %e.message, "scheduled probe failed");
                    let failed = ProbeRunStatus::Failed;
                    if let Err(e) = app.store.update_contract_probe(&id, &day, None, failed, Some(&e.message)).await {
                        tracing::error!(contract = %id, error = %e, "cannot record the probe's failure");
                    }
                }
            }
            app.probes_in_flight.release(&id);
        });
    }
    Ok(started)
}

/// One scheduled probe, from its run to its stored record; its number, or
/// None when shutdown stopped it (it stays claimed, to be resumed).
async fn probe(
    app: &App,
    record: &ContractRecord,
    contract: &Contract,
    day: &str,
    resume: Option<String>,
) -> ApiResult<Option<usize>> {
    let tender = record.tender_id.as_deref().unwrap_or_default();
    let (_, mut spec) = crate::api::tender_spec(app, tender).await?;
    let number = crate::api::probes_of(app, &record.id).await?.len() as u64;
    let dir = probe_dir(app, &record.id);
    tb_probe::narrow(&mut spec, contract, number, &dir.join(format!("probe-{}-suites", number + 1)))
        .map_err(|e| ApiError::new("invalid_spec", e.to_string()))?;
    spec.sandbox.isolation = app.runs.sandbox_isolation;
    let Some(run_id) = run_probe(app, &record.id, day, &spec, resume).await? else { return Ok(None) };
    // Another server that picked up the same claim may have recorded this run already: once is enough.
    let earlier = crate::api::probes_of(app, &record.id).await?;
    if let Some(at) = earlier.iter().position(|p| p.run.as_deref() == Some(run_id.as_str())) {
        app.store.update_contract_probe(&record.id, day, Some(&run_id), ProbeRunStatus::Recorded, None).await?;
        return Ok(Some(at + 1));
    }
    let out = dir.join(&run_id);
    let report = tb_bundle::write_run_outputs(&app.store, &run_id, &out, tb_report::Lang::Zh, Some(&app.key), None)
        .await
        .map_err(ApiError::internal)?;
    let fingerprint = tb_probe::take_fingerprint(&spec.vendors[0], contract, Some(&app.egress)).await;
    let probe = tb_probe::record(&report, contract, day, &out.join("results.csv"), fingerprint)
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let stored = crate::api::store_probe(app, record, contract, &probe).await?;
    app.store.update_contract_probe(&record.id, day, Some(&run_id), ProbeRunStatus::Recorded, None).await?;
    Ok(Some(stored.probe))
}

/// Runs the probe's spec (resuming `resume`) on the configured executor,
/// the run's id kept with the claim as soon as it exists; the finished
/// run's id, or None when shutdown interrupted it.
async fn run_probe(
    app: &App,
    contract: &str,
    day: &str,
    spec: &tb_spec::Spec,
    resume: Option<String>,
) -> ApiResult<Option<String>> {
    let workers = app.config.contract_probes == ProbeExecutor::Workers;
    // A run that finished before the server stopped is recorded as it is: nothing to resume.
    if let Some(id) = &resume
        && app.store.run(id).await?.status == RunStatus::Finished
    {
        return Ok(Some(id.clone()));
    }
    let opts = RunOptions {
        resume: resume.clone(),
        simulated: false,
        key: Some(app.key.clone()),
        egress: Some(app.egress.clone()),
        seals: tb_runner::Seals::default(),
        // Workers store their cells themselves: the queue, not a journal, bounds what a kill loses.
        journal: (!workers).then(|| app.config.data_dir.join("journal")),
    };
    let cancel = shutdown_cancel(app);
    let bad = |e: tb_runner::RunError| ApiError::new("probe_failed", crate::runs::without_paths(&e.to_string()));
    let summary = if workers {
        let run_id = match resume {
            Some(id) => id,
            None => {
                let (id, _) = tb_runner::distributed::enqueue(spec, &app.store, opts).await.map_err(bad)?;
                app.store.update_contract_probe(contract, day, Some(&id), ProbeRunStatus::Running, None).await?;
                id
            }
        };
        let progress = Arc::new(tb_runner::NoProgress);
        tb_runner::distributed::follow(spec, &app.store, &run_id, Some(app.key.clone()), progress, cancel)
            .await
            .map_err(bad)?
    } else {
        let (progress, started) = RunIdProgress::new();
        let store = app.store.clone();
        let (contract, day) = (contract.to_string(), day.to_string());
        let keep_id = async move {
            if let Ok(id) = started.await {
                let running = ProbeRunStatus::Running;
                if let Err(e) = store.update_contract_probe(&contract, &day, Some(&id), running, None).await {
                    tracing::error!(run = %id, error = %e, "cannot keep the probe's run with its claim");
                }
            }
        };
        let (summary, ()) = tokio::join!(tb_runner::run(spec, &app.store, opts, Arc::new(progress), cancel), keep_id);
        summary.map_err(bad)?
    };
    match summary.status {
        RunStatus::Finished => Ok(Some(summary.run_id)),
        _ if *app.shutdown.borrow() => Ok(None),
        status => Err(ApiError::new(
            "probe_failed",
            format!("probe run {} ended {} before it finished", summary.run_id, status.as_str()),
        )),
    }
}

/// Where a contract's probe runs are written: the draws, and each run's
/// results.csv and signed report.json, named by a hash of the contract id.
pub fn probe_dir(app: &App, contract: &str) -> std::path::PathBuf {
    app.config.data_dir.join("contract-probes").join(&tb_audit::sha256_hex(contract.as_bytes())[..24])
}

/// A cancel switch that turns when the server's shutdown begins.
fn shutdown_cancel(app: &App) -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    let mut stop = app.shutdown.subscribe();
    tokio::spawn(async move {
        while !*stop.borrow_and_update() {
            if stop.changed().await.is_err() {
                return;
            }
        }
        let _ = tx.send(true);
    });
    rx
}

/// Progress that only hands over the run's id the moment it is recorded.
struct RunIdProgress(Mutex<Option<oneshot::Sender<String>>>);

impl RunIdProgress {
    fn new() -> (RunIdProgress, oneshot::Receiver<String>) {
        let (tx, rx) = oneshot::channel();
        (RunIdProgress(Mutex::new(Some(tx))), rx)
    }
}

impl tb_runner::Progress for RunIdProgress {
    fn run_started(&self, run_id: &str, _resumed: bool) {
        if let Some(tx) = self.0.lock().expect("progress lock").take() {
            let _ = tx.send(run_id.to_string());
        }
    }
    fn vendor_started(&self, _: &str, _: u64, _: u64) {}
    fn cell_stored(&self, _: &str, _: bool) {}
    fn vendor_finished(&self, _: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_day_is_the_utc_date_and_a_short_one_counts_from_the_start() {
        let real = ContractClock::new(86_400.0);
        assert_eq!(real.today(), time::OffsetDateTime::now_utc().date());
        assert_eq!(real.tick(), Duration::from_secs(60));
        let mut short = ContractClock::new(2.0);
        short.into_origin = 0.0;
        short.started -= Duration::from_secs(5);
        assert_eq!(short.today(), short.origin + time::Duration::days(2));
        assert_eq!(short.tick(), Duration::from_millis(250));
    }
}
