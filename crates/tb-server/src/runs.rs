//! Runs started from the server: each tender run is `tb_runner::run` in a
//! task of its own, with live progress kept in memory for the run page's
//! event stream, a cancel switch, and (for a rehearsal) its simulated
//! vendors. Everything finished is in the store the moment the runner
//! commits it; the in-memory part is only what a page shows.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tb_audit::Keypair;
use tb_runner::{Progress, RunError, RunOptions};
use tb_spec::Spec;
use tb_store::server::{TenderRecord, TenderRun};
use tb_store::{RunStatus, Store};
use tokio::sync::{oneshot, watch};

use crate::error::{ApiError, ApiResult};

/// How a run was started: kept with it (`tender_runs.options_json`) so that a resume rebuilds it alike.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct StartOptions {
    /// Rehearse against simulated vendors (profiles in spec order, cycling).
    #[serde(default)]
    pub simulated: bool,
    /// The simulated vendors' profiles (`tenderbench mock-vendor --profile`), in spec order, cycling.
    #[serde(default)]
    pub profiles: Vec<String>,
}

/// A vendor's progress as the run page shows it. (Fields in alphabetical
/// order, as the API has always answered them.)
#[derive(Debug, Clone, Default, serde::Serialize, schemars::JsonSchema)]
pub struct VendorProgress {
    /// Its cells stored so far.
    pub done: u64,
    /// Of those, the failed calls.
    pub failed: u64,
    /// Whether all its cells are stored.
    pub finished: bool,
    /// Its cells in all.
    pub total: u64,
    /// The vendor as the run shows it (its code while blind).
    pub vendor: String,
}

/// A run's progress: live while the server runs it, from the store otherwise.
/// (Fields in alphabetical order, as the API has always answered them.)
#[derive(Debug, Clone, serde::Serialize, schemars::JsonSchema)]
pub struct ProgressSnapshot {
    /// Cells stored.
    pub done: u64,
    /// Percent of cells stored, 0–100.
    pub percent: f64,
    /// The run's id.
    pub run_id: String,
    /// `running`, `interrupted` or `finished`.
    pub status: String,
    /// Cells in all.
    pub total: u64,
    /// Per vendor.
    pub vendors: Vec<VendorProgress>,
}

#[derive(Default)]
pub struct Live {
    metrics: Arc<crate::metrics::Metrics>,
    vendors: Mutex<BTreeMap<String, VendorProgress>>,
    run_id: Mutex<Option<oneshot::Sender<String>>>,
    started: Mutex<Option<String>>,
    /// Bumped at every change: event streams wait on it.
    pub changed: watch::Sender<u64>,
}

impl Live {
    fn bump(&self) {
        self.changed.send_modify(|n| *n += 1);
    }

    pub fn vendors(&self) -> Vec<VendorProgress> {
        self.vendors.lock().expect("progress lock").values().cloned().collect()
    }
}

impl Progress for Live {
    fn run_started(&self, run_id: &str, _resumed: bool) {
        *self.started.lock().expect("progress lock") = Some(run_id.to_string());
        if let Some(tx) = self.run_id.lock().expect("progress lock").take() {
            let _ = tx.send(run_id.to_string());
        }
        self.bump();
    }
    fn vendor_started(&self, vendor: &str, total: u64, already: u64) {
        self.vendors.lock().expect("progress lock").insert(
            vendor.to_string(),
            VendorProgress { vendor: vendor.to_string(), total, done: already, failed: 0, finished: false },
        );
        self.bump();
    }
    fn cell_stored(&self, vendor: &str, failed: bool) {
        if let Some(v) = self.vendors.lock().expect("progress lock").get_mut(vendor) {
            v.done += 1;
            v.failed += u64::from(failed);
        }
        self.bump();
    }
    fn cell_measured(&self, latency_ms: f64, cause: Option<&str>) {
        self.metrics.cell(latency_ms, cause);
    }
    fn vendor_finished(&self, vendor: &str) {
        if let Some(v) = self.vendors.lock().expect("progress lock").get_mut(vendor) {
            v.finished = true;
        }
        self.bump();
    }
}

struct Active {
    cancel: watch::Sender<bool>,
    live: Arc<Live>,
    task: tokio::task::JoinHandle<()>,
}

/// The runs this process is running.
pub struct Runs {
    active: Mutex<HashMap<String, Active>>,
    /// Runs being resumed, claimed before their runner starts: two resumes at once start one runner.
    claimed: Mutex<std::collections::HashSet<String>>,
    store: Store,
    key: Arc<Keypair>,
    /// Where a run's vendors and judges may be reached (simulated runs reach their own simulators).
    egress: Arc<tb_vendor::egress::EgressPolicy>,
    /// The administrator's sandbox isolation, which every run uses.
    pub sandbox_isolation: tb_core::Isolation,
    data_dir: PathBuf,
    metrics: Arc<crate::metrics::Metrics>,
    reports: Arc<crate::access::ReportCache>,
}

/// What a run needs to start: the spec as it will run, and where it came from.
pub struct Launch {
    pub spec: Spec,
    pub tender_run: TenderRun,
    pub options: StartOptions,
    pub resume: Option<String>,
}

impl Runs {
    pub fn new(
        store: Store,
        key: Arc<Keypair>,
        egress: Arc<tb_vendor::egress::EgressPolicy>,
        data_dir: PathBuf,
        metrics: Arc<crate::metrics::Metrics>,
        reports: Arc<crate::access::ReportCache>,
    ) -> Runs {
        let active = Mutex::new(HashMap::new());
        let sandbox_isolation = tb_core::Isolation::Bubblewrap;
        Runs { active, claimed: Mutex::default(), store, key, egress, sandbox_isolation, data_dir, metrics, reports }
    }

    /// Where a tender's files are written for the runner to read.
    pub fn tender_dir(&self, tender_id: &str) -> PathBuf {
        // Named by a hash: distinct ids never share a folder, whatever characters they hold.
        self.data_dir.join("tenders").join(&tb_audit::sha256_hex(tender_id.as_bytes())[..24])
    }

    /// Writes a tender's spec and files into its folder (again: the folder may be new after a restart).
    pub async fn materialise(&self, tender: &TenderRecord) -> ApiResult<PathBuf> {
        let dir = self.tender_dir(&tender.id);
        let files = self.store.tender_files(&tender.id).await?;
        let spec_toml = tender.spec_toml.clone();
        let target = dir.clone();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            write_file(&target, "tender.toml", spec_toml.as_bytes())?;
            for (path, content) in &files {
                write_file(&target, path, content)?;
            }
            Ok(())
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
        Ok(dir.join("tender.toml"))
    }

    pub fn active_ids(&self) -> Vec<String> {
        self.active.lock().expect("runs lock").keys().cloned().collect()
    }

    pub fn active_count(&self) -> usize {
        self.active.lock().expect("runs lock").len()
    }

    pub fn is_active(&self, run_id: &str) -> bool {
        self.active.lock().expect("runs lock").contains_key(run_id)
            || self.claimed.lock().expect("runs lock").contains(run_id)
    }

    /// Claims a run for a resume; false when it runs or another resume has claimed it.
    fn claim(&self, run_id: &str) -> bool {
        let active = self.active.lock().expect("runs lock");
        !active.contains_key(run_id) && self.claimed.lock().expect("runs lock").insert(run_id.to_string())
    }

    pub fn live(&self, run_id: &str) -> Option<Arc<Live>> {
        self.active.lock().expect("runs lock").get(run_id).map(|a| a.live.clone())
    }

    pub fn cancel(&self, run_id: &str) -> bool {
        match self.active.lock().expect("runs lock").get(run_id) {
            Some(a) => a.cancel.send(true).is_ok(),
            None => false,
        }
    }

    /// Starts (or resumes) a run in the background; returns its id once the
    /// runner has recorded it, or the error that stopped it before.
    pub async fn start(self: &Arc<Self>, launch: Launch) -> ApiResult<String> {
        let resume = launch.resume.clone();
        if let Some(id) = &resume
            && !self.claim(id)
        {
            return Err(ApiError::conflict(format!("run {id} is in progress")));
        }
        let started = self.start_claimed(launch).await;
        if let Some(id) = &resume {
            self.claimed.lock().expect("runs lock").remove(id);
        }
        started
    }

    async fn start_claimed(self: &Arc<Self>, launch: Launch) -> ApiResult<String> {
        let Launch { mut spec, mut tender_run, options, resume } = launch;
        // The server's isolation, not the tender's (which upload keeps at bubblewrap).
        spec.sandbox.isolation = self.sandbox_isolation;
        let simulated = if options.simulated {
            let profiles: Vec<tb_mock::Profile> = options
                .profiles
                .iter()
                .map(|p| {
                    tb_mock::Profile::named(p).ok_or_else(|| ApiError::bad_request(format!("unknown profile {p:?}")))
                })
                .collect::<ApiResult<_>>()?;
            let profiles = if profiles.is_empty() {
                tb_mock::simulate::DEFAULT_PROFILES
                    .map(|p| tb_mock::Profile::named(p).expect("built-in profile"))
                    .to_vec()
            } else {
                profiles
            };
            let ports = resume.as_ref().map(|_| tb_mock::simulate::ports_of(&spec));
            let sim =
                tb_mock::simulate::simulate(&mut spec, &profiles, &tokio::runtime::Handle::current(), ports.as_deref())
                    .await
                    .map_err(|e| ApiError::new("invalid_spec", e.to_string()))?;
            Some(sim)
        } else {
            None
        };
        let live = Arc::new(Live { metrics: self.metrics.clone(), ..Live::default() });
        let (id_tx, id_rx) = oneshot::channel();
        *live.run_id.lock().expect("progress lock") = Some(id_tx);
        let (cancel_tx, cancel_rx) = watch::channel(false);
        let (err_tx, err_rx) = oneshot::channel::<ApiError>();
        let opts = RunOptions {
            resume: resume.clone(),
            simulated: options.simulated,
            key: Some(self.key.clone()),
            // Simulated vendors are this server's own simulators on loopback; real ones obey the policy.
            egress: (!options.simulated).then(|| self.egress.clone()),
            // The server holds a sealed suite's commitment, not its seal: checked by the buyer, recorded as unchecked here.
            seals: tb_runner::Seals::default(),
            journal: Some(self.data_dir.join("journal")),
        };
        let runs = self.clone();
        let progress = live.clone();
        let resumed = resume.is_some();
        let (go_tx, go_rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let outcome = tb_runner::run(&spec, &runs.store, opts, progress.clone(), cancel_rx).await;
            drop(simulated);
            match outcome {
                Ok(summary) => {
                    runs.metrics.run_ended(summary.status.as_str());
                    if summary.status == RunStatus::Finished
                        && let Err(e) = runs.sign_report(&summary.run_id).await
                    {
                        tracing::error!(run = %summary.run_id, error = %e, "cannot sign the report");
                    }
                    tracing::info!(run = %summary.run_id, status = summary.status.as_str(), stored = summary.stored_now, "run ended");
                }
                Err(e) => {
                    tracing::warn!(error = %e, "run stopped");
                    let _ = err_tx.send(run_error(e));
                }
            }
            // The run leaves the active table only after start() has put it there.
            let _ = go_rx.await;
            if let Some(id) = progress.started.lock().expect("progress lock").clone() {
                runs.active.lock().expect("runs lock").remove(&id);
            }
            progress.bump();
        });
        let run_id = tokio::select! {
            // A run that began and then failed at once is still recorded with its tender.
            biased;
            id = id_rx => id.ok(),
            err = err_rx => return Err(err.unwrap_or_else(|_| ApiError::internal("the run ended before it began"))),
        };
        let Some(run_id) = run_id else {
            return Err(ApiError::internal("the run ended before it began"));
        };
        if !resumed {
            tender_run.run_id = run_id.clone();
            tender_run.options_json = serde_json::to_string(&options).map_err(ApiError::internal)?;
            self.store.add_tender_run(&tender_run).await?;
        }
        self.metrics.run_started();
        self.active.lock().expect("runs lock").insert(run_id.clone(), Active { cancel: cancel_tx, live, task });
        let _ = go_tx.send(());
        tracing::info!(run = %run_id, tender = %tender_run.tender_id, kind = tender_run.kind.as_str(), resumed, "run started");
        Ok(run_id)
    }

    /// Signs the finished run's report with the server's key (recorded in its audit log).
    /// The finished report then goes into the cache, so the first viewer after the run does not wait for it.
    async fn sign_report(&self, run_id: &str) -> anyhow::Result<()> {
        let run = self.store.run(run_id).await?;
        let report = self.reports.rebuild(&run, true).await.map_err(|e| anyhow::anyhow!(e.message))?;
        let json = tb_report::render_json(&report);
        let previous = tb_bundle::last_signed_report(&self.store, run_id).await?;
        tb_bundle::record_report_signature(&self.store, run_id, &self.key, &json, previous).await?;
        // The signature's own entries change no number in the report: the same report, under the log's new head.
        self.reports.keep(&run, report).await.map_err(|e| anyhow::anyhow!(e.message))?;
        Ok(())
    }

    /// Cancels every run and waits until each has flushed its stored cells
    /// and been marked interrupted (graceful shutdown).
    pub async fn checkpoint_all(&self) {
        let active: Vec<(String, Active)> = self.active.lock().expect("runs lock").drain().collect();
        for (_, a) in &active {
            let _ = a.cancel.send(true);
        }
        for (id, a) in active {
            if let Err(e) = a.task.await {
                tracing::error!(run = %id, error = %e, "run task failed while stopping");
            }
            tracing::info!(run = %id, "run checkpointed for shutdown; resume it from its page");
        }
    }

    /// Runs the store says are running but this process is not: a server
    /// that was killed left them. They become interrupted, to be resumed.
    pub async fn recover(&self) -> ApiResult<usize> {
        let mut n = 0;
        for run in self.store.runs().await? {
            if run.status == RunStatus::Running
                && !self.is_active(&run.id)
                && self.store.tender_run(&run.id).await?.is_some()
            {
                self.store.set_run_status(&run.id, RunStatus::Interrupted).await?;
                tracing::warn!(run = %run.id, "run was left running by a stopped server; marked interrupted");
                n += 1;
            }
        }
        Ok(n)
    }

    /// A run's progress: live when this process runs it, otherwise counted in
    /// the store. `run` must be fresh: its status is the one shown once the run has stopped.
    pub async fn snapshot(&self, run: &tb_store::RunRecord) -> ApiResult<ProgressSnapshot> {
        let vendors = match self.live(&run.id) {
            Some(live) => live.vendors(),
            None => {
                let spec = tb_report::spec_of(run)?;
                let suites: Vec<tb_core::SuiteRecord> =
                    serde_json::from_str(&run.suites_json).map_err(ApiError::internal)?;
                let total = suites.iter().map(|s| s.cases).sum::<u64>() * u64::from(spec.run.repeats);
                let counts: HashMap<String, (u64, u64)> =
                    self.store.cells_per_vendor(&run.id).await?.into_iter().map(|(v, n, f)| (v, (n, f))).collect();
                let codes = blind_codes(run);
                spec.vendors
                    .iter()
                    .map(|v| {
                        let (done, failed) = counts.get(&v.name).copied().unwrap_or((0, 0));
                        VendorProgress {
                            vendor: codes.get(&v.name).cloned().unwrap_or_else(|| v.name.clone()),
                            total,
                            done,
                            failed,
                            finished: done >= total,
                        }
                    })
                    .collect()
            }
        };
        let status = if self.is_active(&run.id) { "running" } else { run.status.as_str() }.to_string();
        Ok(snapshot(&run.id, status, vendors))
    }
}

pub fn snapshot(run_id: &str, status: String, vendors: Vec<VendorProgress>) -> ProgressSnapshot {
    let done: u64 = vendors.iter().map(|v| v.done.min(v.total)).sum();
    let total: u64 = vendors.iter().map(|v| v.total).sum();
    let percent = if total == 0 { 0.0 } else { (done as f64 * 1000.0 / total as f64).floor() / 10.0 };
    ProgressSnapshot { run_id: run_id.to_string(), status, vendors, done, total, percent }
}

/// A blind run's sealed name → code mapping (empty once revealed, or when not blind).
pub fn blind_codes(run: &tb_store::RunRecord) -> HashMap<String, String> {
    if run.blind_revealed {
        return HashMap::new();
    }
    let mapping: serde_json::Value =
        run.blind_mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    mapping["codes"]
        .as_object()
        .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default()
}

fn run_error(e: RunError) -> ApiError {
    if e.is_bad_input() { ApiError::new("invalid_spec", without_paths(&e.to_string())) } else { ApiError::internal(e) }
}

/// An error message without the server's folders in it: a file is named by its path in the tender.
pub fn without_paths(message: &str) -> String {
    message
        .split_whitespace()
        .map(|w| match w.find("/tenders/") {
            Some(i) if w.starts_with('/') || w[..i].contains('/') => {
                let rest = &w[i + "/tenders/".len()..];
                rest.split_once('/').map_or(rest, |(_, file)| file).to_string()
            }
            _ => w.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `rel` names a file inside a folder: relative, and nothing but names (no `..`, no `.`).
pub fn inside(rel: &str) -> bool {
    let p = Path::new(rel);
    // NUL and other control characters are no part of a file name here.
    !rel.is_empty()
        && !rel.chars().any(char::is_control)
        && !p.is_absolute()
        && p.components().all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Writes `rel` under `dir`, refusing paths that leave it.
pub fn write_file(dir: &Path, rel: &str, content: &[u8]) -> std::io::Result<()> {
    if !inside(rel) {
        return Err(std::io::Error::other(format!("file path {rel} leaves the tender's folder")));
    }
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if std::fs::read(&path).ok().as_deref() == Some(content) {
        return Ok(());
    }
    // Written aside and renamed, so that a run reading the file never sees half of it.
    let aside = path.with_extension(format!("tmp-{:08x}", rand::random::<u32>()));
    std::fs::write(&aside, content)?;
    std::fs::rename(aside, path)
}

/// Whether an uploaded file's path is one a tender may hold.
pub fn valid_file_path(rel: &str) -> bool {
    inside(rel) && rel.len() <= 200 && rel != "tender.toml"
}
