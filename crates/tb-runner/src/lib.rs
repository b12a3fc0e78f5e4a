//! The run loop.
//!
//! [`run`] sends every (case × vendor × repeat) cell of a validated spec to its
//! vendor and stores each result as soon as it arrives:
//!
//! - vendors run in parallel, each with at most `concurrency` requests in flight
//!   (a semaphore per vendor);
//! - suites are streamed from disk by a blocking reader thread through a bounded
//!   channel, so memory does not grow with suite size;
//! - results go to a single writer task that commits them in batches, one
//!   transaction per batch, keyed so a cell can never be stored twice;
//! - on resume, the digests of stored cells are loaded first and those cells are
//!   never sent again;
//! - a vendor error is an outcome stored on its cell; only a broken store, an
//!   unreadable suite or a changed spec stops a run;
//! - cancellation (Ctrl-C) aborts in-flight requests, flushes what finished and
//!   marks the run interrupted.
//!
//! The runner knows nothing of grading, scoring or reports.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tb_audit::{Chain, Checkpoint, Keypair, MerkleAccumulator};
pub use tb_core::SuiteRecord;
use tb_core::{Case, CellKey, Outcome};
use tb_spec::{Spec, VendorSpec};
use tb_store::{CellRecord, Evidence, RunRecord, RunStatus, Store, StoreError, now_rfc3339};
use tb_suite::{CaseFile, SuiteError};
use tb_vendor::{Endpoint, Generation, RetryPolicy, VendorClient, VendorError};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

mod acting;
pub mod distributed;
mod journal;
pub mod load;
mod stages;
mod suites;
mod vendor_job;
mod writer;

use acting::*;
use stages::*;
use suites::*;
pub use suites::{check_suites, seal_path};
use vendor_job::*;
use writer::*;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Suite(#[from] SuiteError),
    #[error(transparent)]
    Vendor(#[from] VendorError),
    #[error(
        "run {run_id} was started with spec hash {stored}, but this spec hashes to {now}: resume only with the spec the run started with"
    )]
    SpecChanged { run_id: String, stored: String, now: String },
    #[error(
        "suite {suite} changed since run {run_id} started (sha256 {stored} → {now}): resume only with the same suite files"
    )]
    SuiteChanged { run_id: String, suite: String, stored: String, now: String },
    #[error("run {run_id} was started with another signing key (or none): resume with the key it started with")]
    KeyChanged { run_id: String },
    #[error("sealed suite {suite}: {problem}")]
    Sealed { suite: String, problem: String },
    #[error("run {0} has already finished; nothing to resume")]
    AlreadyFinished(String),
    #[error(
        "vendor {vendor}: the worst case costs {worst_case:.2} ({cases} calls × {max_tokens} max_tokens at the quoted output \
         price), above the budget of {budget:.2} per vendor; raise [run] budget_per_vendor, lower max_tokens, or send fewer cases"
    )]
    OverBudget { vendor: String, worst_case: f64, cases: u64, max_tokens: u32, budget: f64 },
    #[error("vendor {0}: [run] budget_per_vendor needs the vendor's price_per_mtok_output to know what a call costs")]
    BudgetWithoutPrice(String),
    #[error(
        "the code grader needs a sandbox, and {0}. Install bubblewrap (Debian: apt install bubblewrap), or accept \
         the weaker rlimit-only mode with `isolation = \"rlimit_only\"` under [sandbox] in the spec"
    )]
    Sandbox(String),
    #[error("[agent] tool_server: {0}")]
    ToolServer(String),
    #[error("this spec cannot run on workers: {0}")]
    NotDistributable(String),
    #[error("answer journal {path}: {source}")]
    Journal { path: String, source: std::io::Error },
    #[error("internal error: {0}")]
    Internal(String),
}

impl RunError {
    /// The spec, its suites or the flags are at fault (exit status 2, `invalid_spec`), not the run.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            RunError::Suite(_)
                | RunError::SpecChanged { .. }
                | RunError::SuiteChanged { .. }
                | RunError::Sealed { .. }
                | RunError::OverBudget { .. }
                | RunError::BudgetWithoutPrice(_)
                | RunError::NotDistributable(_)
        )
    }
}

/// Receives progress as cells are stored. Implemented by the CLI (progress bars
/// or log lines); called from several tasks at once.
pub trait Progress: Send + Sync {
    /// The run is recorded in the store and requests are about to go out.
    fn run_started(&self, run_id: &str, resumed: bool);
    /// A vendor's work begins: `total` cells, `already` of them stored earlier.
    fn vendor_started(&self, vendor: &str, total: u64, already: u64);
    /// One cell was committed to the store (not called for load-stage requests).
    fn cell_stored(&self, vendor: &str, failed: bool);
    /// The stored cell's end-to-end latency and failure cause (for metrics).
    fn cell_measured(&self, _latency_ms: f64, _cause: Option<&str>) {}
    fn vendor_finished(&self, vendor: &str);
    /// A load stage begins for a vendor.
    fn stage_started(&self, _vendor: &str, _stage: &tb_spec::LoadStage) {}
    /// A load stage ended for a vendor after sending `requests`; `skipped`
    /// when a resumed run found it already run.
    fn stage_finished(&self, _vendor: &str, _stage: &str, _requests: u64, _skipped: bool) {}
}

/// Progress that goes nowhere (library use, tests).
pub struct NoProgress;

impl Progress for NoProgress {
    fn run_started(&self, _: &str, _: bool) {}
    fn vendor_started(&self, _: &str, _: u64, _: u64) {}
    fn cell_stored(&self, _: &str, _: bool) {}
    fn vendor_finished(&self, _: &str) {}
}

#[derive(Clone)]
pub struct RunOptions {
    /// Continue this run instead of starting a new one.
    pub resume: Option<String>,
    /// The vendors are simulated (the demo); recorded on the run.
    pub simulated: bool,
    /// Signs the run's audit checkpoints; its public key is recorded on the run.
    pub key: Option<Arc<Keypair>>,
    /// Where vendors and judges may be reached (a server's runs); `None`: anywhere.
    pub egress: Option<Arc<tb_vendor::egress::EgressPolicy>>,
    /// Where sealed suites' seals are, and whether a run may start without one.
    pub seals: Seals,
    /// The folder of the answer journals (see `journal.rs`); `None`: no
    /// journal, and a kill may also lose the answered cells awaiting their commit.
    pub journal: Option<PathBuf>,
}

/// The seals a run checks its sealed suites against: besides the one the
/// spec names (`seal = "…"`) and the one beside the suite, these files.
#[derive(Debug, Clone, Default)]
pub struct Seals {
    pub files: Vec<PathBuf>,
    /// A sealed suite without a seal at hand refuses the run (the command
    /// line); otherwise it runs, recorded as unchecked (a server, which holds
    /// the commitment only).
    pub required: bool,
}

/// The audit entry of a resumed run that found answers in its journal.
pub const JOURNAL_REPLAYED: &str = "journal_replayed";

/// A signed checkpoint (Merkle root of the audit log so far) every this many entries.
pub const CHECKPOINT_EVERY: u64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSummary {
    pub run_id: String,
    pub status: RunStatus,
    /// Cells stored by this invocation.
    pub stored_now: u64,
    /// Cells found stored from before (resume).
    pub skipped: u64,
    /// Cells the run has in all (its suites' cells; load stages' requests apart).
    pub total: u64,
    /// Requests the load stages sent in this invocation (stored as cells too).
    pub stage_requests: u64,
}

/// A blind run's mapping: a random code per vendor and a salt, so that the
/// logged commitment cannot be guessed from the vendor names alone.
pub fn blind_mapping(spec: &Spec) -> serde_json::Value {
    let mut codes = serde_json::Map::new();
    let mut used = HashSet::new();
    for v in &spec.vendors {
        let code = loop {
            let c = format!("V-{:04X}", rand::random::<u16>());
            if used.insert(c.clone()) {
                break c;
            }
        };
        codes.insert(v.name.clone(), code.into());
    }
    serde_json::json!({ "codes": codes, "salt": tb_audit::random_salt() })
}

/// How a vendor is shown in progress output: its code in a blind run.
fn shown_names(spec: &Spec, run: &RunRecord) -> HashMap<String, String> {
    let codes: serde_json::Value =
        run.blind_mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    spec.vendors
        .iter()
        .map(|v| {
            let shown = match codes["codes"][&v.name].as_str() {
                Some(code) if !run.blind_revealed => code.to_string(),
                _ => v.name.clone(),
            };
            (v.name.clone(), shown)
        })
        .collect()
}

/// A new, readable run id: UTC time plus random hex.
pub fn new_run_id() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}-{:04x}",
        now.year(),
        now.month() as u8,
        now.day(),
        now.hour(),
        now.minute(),
        now.second(),
        rand::random::<u16>()
    )
}

/// The client a load stage uses: no retries (a retry is load the stage did
/// not offer, and a refused request is what it measures) and a connection
/// pool as large as the stage needs.
fn load_client(
    v: &VendorSpec,
    egress: Option<&Arc<tb_vendor::egress::EgressPolicy>>,
) -> Result<VendorClient, VendorError> {
    vendor_client_within(&VendorSpec { max_retries: 0, concurrency: 4096, ..v.clone() }, egress)
}

/// Builds the HTTP client for one vendor, reading its API key from the environment.
pub fn vendor_client(v: &VendorSpec) -> Result<VendorClient, VendorError> {
    vendor_client_within(v, None)
}

/// As [`vendor_client`], connecting only where `egress` permits.
pub fn vendor_client_within(
    v: &VendorSpec,
    egress: Option<&Arc<tb_vendor::egress::EgressPolicy>>,
) -> Result<VendorClient, VendorError> {
    let ep = Endpoint {
        vendor: v.name.clone(),
        base_url: v.base_url.clone(),
        model: v.model.clone(),
        api_key: Endpoint::api_key_from_env(&v.name, v.api_key_env.as_deref())?,
        stream: v.stream,
        stream_usage: v.stream_usage,
        temperature_range: v.temperature_range,
        timeout: Duration::from_secs_f64(v.timeout_secs),
        retry: RetryPolicy { max_retries: v.max_retries, ..RetryPolicy::default() },
        agent: v.agent_api.clone(),
        fim_url: v.fim_url.clone(),
    };
    VendorClient::with_egress(ep, v.concurrency as usize, egress.cloned())
}

/// Runs (or resumes) a spec against its vendors. Returns when every cell is
/// stored, or when `cancel` turns true (the run is then marked interrupted).
pub async fn run(
    spec: &Spec,
    store: &Store,
    opts: RunOptions,
    progress: Arc<dyn Progress>,
    cancel: watch::Receiver<bool>,
) -> Result<RunSummary, RunError> {
    let checked = checked_suites(spec, &opts.seals).await?;
    check_budget(spec, checked.iter().map(|c| (c.record.id.as_str(), c.record.cases)))?;
    let acting = start_acting(spec, &opts).await?;
    let suites: Vec<SuiteRecord> = checked.iter().map(|c| c.record.clone()).collect();
    let clients: Vec<Arc<VendorClient>> = spec
        .vendors
        .iter()
        .map(|v| vendor_client_within(v, opts.egress.as_ref()).map(Arc::new))
        .collect::<Result<_, _>>()?;
    let spec_hash = spec.canonical_hash();

    let (run_id, chain) = open_run(spec, store, &opts, &suites, &spec_hash).await?;
    let merkle = audit_merkle(store, &run_id).await?;

    progress.run_started(&run_id, opts.resume.is_some());
    let per_vendor_total: u64 = suites.iter().map(|s| s.cases).sum::<u64>() * spec.run.repeats as u64;
    let record = store.run(&run_id).await?;
    let shown = Arc::new(shown_names(spec, &record));
    let order_seed = record.order_seed.clone().unwrap_or_default();
    let (cell_tx, cell_rx) = mpsc::channel::<ToWriter>(4096);
    let log = AuditWriter { chain, merkle, key: opts.key.clone() };
    let writer = tokio::spawn(write_cells(store.clone(), cell_rx, log, progress.clone(), shown.clone()));
    let (journal, journaled) = open_journal(&opts, &run_id, &cell_tx).await?;
    let ctx = RunContext {
        spec,
        store,
        opts: &opts,
        progress,
        checked: &checked,
        acting,
        run_id,
        shown,
        order_seed,
        per_vendor_total,
        journal,
        cancel,
    };

    let mut vendors = ctx.spawn_vendors(clients, journaled, &cell_tx).await?;
    let mut first_error = join_vendors(&mut vendors.tasks).await;
    let mut stage_requests = 0;
    if first_error.is_none() && !*ctx.cancel.borrow() && !spec.stages.is_empty() {
        match ctx.run_load_stages(&vendors.spends, &cell_tx).await {
            Ok(sent) => stage_requests = sent,
            Err(e) => first_error = Some(e),
        }
    }
    drop(cell_tx);
    let run_id = ctx.run_id.clone();
    let closed = ctx.close(writer, &vendors.spends, first_error.is_none()).await?;
    if let Some(e) = first_error {
        return Err(e);
    }
    Ok(RunSummary {
        run_id,
        status: closed.status,
        stored_now: closed.stored_now,
        skipped: vendors.skipped,
        total: closed.total,
        stage_requests,
    })
}

/// The run's acting side (graders, agents, judges), with the tool server up when a platform calls the tools.
async fn start_acting(spec: &Spec, opts: &RunOptions) -> Result<Arc<Acting>, RunError> {
    let mut acting = Acting::new(spec, opts.egress.as_ref())?;
    let platforms = spec.vendors.iter().any(|v| v.agent_api.is_some());
    if let (Some(listen), true, false) = (&spec.agent.tool_server, platforms, acting.agent_suites.is_empty()) {
        let server = tb_agent::tool_server::ToolServer::start(listen, spec.agent.tool_server_url.as_deref())
            .await
            .map_err(|e| RunError::ToolServer(format!("cannot listen on {listen}: {e}")))?;
        acting.tool_server = Some(server);
    }
    Ok(Arc::new(acting))
}

/// The Merkle accumulator over the run's audit log so far, for the writer's checkpoints.
async fn audit_merkle(store: &Store, run_id: &str) -> Result<MerkleAccumulator, RunError> {
    let mut merkle = MerkleAccumulator::default();
    for h in store.audit_hashes(run_id).await? {
        merkle.push(&h);
    }
    Ok(merkle)
}

impl RunOptions {
    /// An answer journal that cannot be created, resumed or removed.
    fn journal_error(&self, source: std::io::Error) -> RunError {
        RunError::Journal {
            path: self.journal.as_deref().unwrap_or(std::path::Path::new("")).display().to_string(),
            source,
        }
    }
}

/// Opens the answer journal (new, or resumed with its uncommitted answers by vendor, to be committed first).
async fn open_journal(
    opts: &RunOptions,
    run_id: &str,
    cells: &mpsc::Sender<ToWriter>,
) -> Result<(Option<Arc<journal::Journal>>, HashMap<String, Vec<Finished>>), RunError> {
    let mut journaled: HashMap<String, Vec<Finished>> = HashMap::new();
    let journal = match (&opts.journal, &opts.resume) {
        (Some(dir), None) => Some(journal::Journal::create(dir, run_id).map_err(|e| opts.journal_error(e))?),
        (Some(dir), Some(_)) => {
            let (journal, replayed) = journal::Journal::resume(dir, run_id).map_err(|e| opts.journal_error(e))?;
            if !replayed.cells.is_empty() || replayed.torn {
                // In the audit log before the cells it brings back: what was found, and whether the kill cut a frame.
                let payload =
                    serde_json::json!({ "journaled_cells": replayed.cells.len(), "torn_tail": replayed.torn });
                let _ = cells.send(ToWriter::Entry { kind: JOURNAL_REPLAYED, payload }).await;
            }
            for f in replayed.cells {
                journaled.entry(f.cell.vendor.clone()).or_default().push(f);
            }
            Some(journal)
        }
        (None, _) => None,
    };
    Ok((journal.map(Arc::new), journaled))
}

/// What every step of an open run shares.
struct RunContext<'a> {
    spec: &'a Spec,
    store: &'a Store,
    opts: &'a RunOptions,
    progress: Arc<dyn Progress>,
    checked: &'a [Checked],
    acting: Arc<Acting>,
    run_id: String,
    /// How progress names each vendor (its code in a blind run).
    shown: Arc<HashMap<String, String>>,
    order_seed: String,
    /// The cells each vendor has in all (its suites' cases × repeats).
    per_vendor_total: u64,
    /// Where each answer goes before its vendor's slot is handed on.
    journal: Option<Arc<journal::Journal>>,
    cancel: watch::Receiver<bool>,
}

/// The vendors' tasks, as they were started.
struct Vendors {
    tasks: JoinSet<Result<(), RunError>>,
    /// Cells found stored from before (resume).
    skipped: u64,
    /// Each vendor's spending, when the spec sets a budget.
    spends: Vec<(String, Arc<Spend>)>,
}

/// How a run ended, as recorded.
struct Closed {
    status: RunStatus,
    stored_now: u64,
    total: u64,
}

impl RunContext<'_> {
    /// Starts one task per vendor in spec order; stored cells are skipped, journaled ones go to the writer first.
    async fn spawn_vendors(
        &self,
        clients: Vec<Arc<VendorClient>>,
        mut journaled: HashMap<String, Vec<Finished>>,
        cells: &mpsc::Sender<ToWriter>,
    ) -> Result<Vendors, RunError> {
        let mut vendors = Vendors { tasks: JoinSet::new(), skipped: 0, spends: Vec::new() };
        for (v, client) in self.spec.vendors.iter().zip(clients) {
            let mut done = if self.opts.resume.is_some() {
                self.store.finished_digests(&self.run_id, &v.name).await?
            } else {
                HashSet::new()
            };
            // Stored before: skipped. Journaled but not stored: skipped too, and
            // committed now (progress counts them as they are stored).
            let stored_before = done.len() as u64;
            vendors.skipped += stored_before;
            self.progress.vendor_started(&self.shown[&v.name], self.per_vendor_total, stored_before);
            for f in journaled.remove(&v.name).unwrap_or_default() {
                if done.insert(f.cell.digest()) {
                    let _ = cells.send(ToWriter::Cell(f)).await;
                }
            }
            let job = self.vendor_job(v, client, done, cells, &mut vendors.spends);
            vendors.tasks.spawn(job.run());
        }
        Ok(vendors)
    }

    /// One vendor's job (the cells not `done`); its spending, under a budget, is added to `spends`.
    fn vendor_job(
        &self,
        v: &VendorSpec,
        client: Arc<VendorClient>,
        done: HashSet<u128>,
        cells: &mpsc::Sender<ToWriter>,
        spends: &mut Vec<(String, Arc<Spend>)>,
    ) -> VendorJob {
        let spec = self.spec;
        VendorJob {
            run_id: self.run_id.clone(),
            vendor: v.name.clone(),
            shown: self.shown[&v.name].clone(),
            concurrency: v.concurrency as usize,
            suites: self
                .checked
                .iter()
                .map(|c| (c.record.id.clone(), c.path.clone(), c.format, c.lines.clone()))
                .collect(),
            order_seed: self.order_seed.clone(),
            repeats: spec.run.repeats,
            generation: Generation { temperature: spec.run.temperature, max_tokens: spec.run.max_tokens },
            done,
            client,
            cells: cells.clone(),
            journal: self.journal.clone(),
            cancel: self.cancel.clone(),
            progress: self.progress.clone(),
            acting: self.acting.clone(),
            spend: spec.run.budget_per_vendor.map(|budget| {
                let spend = Arc::new(Spend {
                    budget,
                    per_mtok: (v.price_per_mtok_input.unwrap_or(0.0), v.price_per_mtok_output.unwrap_or(0.0)),
                    spent: std::sync::Mutex::new(0.0),
                });
                spends.push((v.name.clone(), spend.clone()));
                spend
            }),
        }
    }

    /// The load stages, after every vendor's cells; returns the requests they sent.
    async fn run_load_stages(
        &self,
        spends: &[(String, Arc<Spend>)],
        cells: &mpsc::Sender<ToWriter>,
    ) -> Result<u64, RunError> {
        let budgets: HashMap<String, Arc<Spend>> = spends.iter().cloned().collect();
        let stages = StageContext {
            run_id: &self.run_id,
            order_seed: &self.order_seed,
            checked: self.checked,
            cells,
            shown: &self.shown,
            egress: self.opts.egress.as_ref(),
        };
        run_stages(self.spec, self.store, stages, &budgets, self.progress.as_ref(), &self.cancel).await
    }

    /// Once every cell sender is gone: waits for the writer, removes the journal, logs and records the status.
    async fn close(
        mut self,
        writer: tokio::task::JoinHandle<Result<(u64, AuditWriter), RunError>>,
        spends: &[(String, Arc<Spend>)],
        no_error: bool,
    ) -> Result<Closed, RunError> {
        let (stored_now, mut log) = writer.await.map_err(|e| RunError::Internal(format!("writer task: {e}")))??;
        // Every cell sent to the writer is committed: the journal has served.
        if let Some(journal) = self.journal.take().and_then(Arc::into_inner) {
            journal.remove().map_err(|e| self.opts.journal_error(e))?;
        }
        let total = self.per_vendor_total * self.spec.vendors.len() as u64;
        let stored = self.store.count_cells(&self.run_id).await?;
        // A vendor stopped at its budget ends the run as finished: its missing
        // cells are a result (it is incomplete, so not qualified), not a reason to resume.
        let over_budget: Vec<String> =
            spends.iter().filter(|(_, s)| s.reached()).map(|(name, _)| name.clone()).collect();
        let all_there = stored == total || !over_budget.is_empty();
        let status = if no_error && all_there && !*self.cancel.borrow_and_update() {
            RunStatus::Finished
        } else {
            RunStatus::Interrupted
        };
        let kind = if status == RunStatus::Finished { "run_finished" } else { "run_interrupted" };
        let mut closing = Vec::new();
        for (name, spend) in spends.iter().filter(|(_, s)| s.reached()) {
            let spent = *spend.spent.lock().unwrap_or_else(|e| e.into_inner());
            closing.push(log.append(
                "vendor_budget_reached",
                &serde_json::json!({ "vendor": name, "spent": spent, "budget": spend.budget }),
            ));
        }
        closing.push(log.append(kind, &serde_json::json!({ "cells_stored": stored, "cells_total": total })));
        closing.push(log.checkpoint());
        self.store.append_audit(&closing).await?;
        self.store.set_run_status(&self.run_id, status).await?;
        Ok(Closed { status, stored_now, total })
    }
}

/// Waits for every vendor's task; the first error stops the others.
async fn join_vendors(tasks: &mut JoinSet<Result<(), RunError>>) -> Option<RunError> {
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
                tasks.abort_all();
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                first_error.get_or_insert(RunError::Internal(format!("vendor task: {e}")));
            }
        }
    }
    first_error
}

/// Records a new run (its spec, suites, blind mapping and the `run_started`
/// entries), or checks that a resumed one matches the spec, suites and key
/// and logs `run_resumed`. Returns the run's id and its audit chain.
async fn open_run(
    spec: &Spec,
    store: &Store,
    opts: &RunOptions,
    suites: &[SuiteRecord],
    spec_hash: &str,
) -> Result<(String, Chain), RunError> {
    let spec_hash = spec_hash.to_string();
    let public_key = opts.key.as_ref().map(|k| k.public_hex());
    Ok(match &opts.resume {
        Some(id) => {
            let run = store.run(id).await?;
            if run.spec_hash != spec_hash {
                return Err(RunError::SpecChanged { run_id: id.clone(), stored: run.spec_hash, now: spec_hash });
            }
            let stored: Vec<SuiteRecord> = serde_json::from_str(&run.suites_json)
                .map_err(|e| RunError::Internal(format!("stored suites of run {id}: {e}")))?;
            for s in suites {
                if let Some(old) = stored.iter().find(|o| o.id == s.id)
                    && old.sha256 != s.sha256
                {
                    return Err(RunError::SuiteChanged {
                        run_id: id.clone(),
                        suite: s.id.clone(),
                        stored: old.sha256.clone(),
                        now: s.sha256.clone(),
                    });
                }
            }
            if run.status == RunStatus::Finished {
                return Err(RunError::AlreadyFinished(id.clone()));
            }
            if run.public_key != public_key {
                return Err(RunError::KeyChanged { run_id: id.clone() });
            }
            store.set_run_status(id, RunStatus::Running).await?;
            let mut chain = Chain::resume(id, store.audit_head(id).await?.as_ref());
            let resumed = chain.append("run_resumed", &serde_json::json!({ "spec_hash": spec_hash }), &now_rfc3339());
            store.append_audit(&[resumed]).await?;
            (id.clone(), chain)
        }
        None => {
            let id = new_run_id();
            let mapping = spec.run.blind.then(|| blind_mapping(spec));
            let order_seed = tb_audit::random_salt();
            store
                .create_run(&RunRecord {
                    id: id.clone(),
                    tender_id: spec.tender.id.clone(),
                    spec_hash: spec_hash.clone(),
                    spec_json: serde_json::to_string(spec).map_err(|e| RunError::Internal(e.to_string()))?,
                    suites_json: serde_json::to_string(&suites).map_err(|e| RunError::Internal(e.to_string()))?,
                    simulated: opts.simulated,
                    status: RunStatus::Running,
                    created_at: now_rfc3339(),
                    finished_at: None,
                    public_key: public_key.clone(),
                    blind_mapping: mapping.as_ref().map(tb_audit::canonical_json),
                    blind_revealed: false,
                    order_seed: Some(order_seed.clone()),
                })
                .await?;
            let mut chain = Chain::new(&id);
            let started = chain.append(
                "run_started",
                &serde_json::json!({
                    "tender_id": spec.tender.id,
                    "spec_hash": spec_hash,
                    "suites": suites,
                    "simulated": opts.simulated,
                    "public_key": public_key,
                    "order_seed_commitment": tb_audit::order_seed_commitment(&order_seed),
                }),
                &now_rfc3339(),
            );
            let mut entries = vec![started];
            if let Some(m) = &mapping {
                // Only the commitment is logged; `reveal-mapping` logs the mapping itself.
                let commitment = tb_audit::sha256_hex(tb_audit::canonical_json(m).as_bytes());
                entries.push(chain.append(
                    "blind_mapping_sealed",
                    &serde_json::json!({ "commitment": commitment }),
                    &now_rfc3339(),
                ));
            }
            store.append_audit(&entries).await?;
            (id, chain)
        }
    })
}

/// Refuses a run whose worst case (every call answering `max_tokens` at the
/// quoted output price) exceeds the per-vendor budget.
/// `cases`: (suite id, cases) of every suite. An agent task may cost up to
/// `[agent] max_turns` calls.
fn check_budget<'s>(spec: &Spec, cases: impl Iterator<Item = (&'s str, u64)>) -> Result<(), RunError> {
    let Some(budget) = spec.run.budget_per_vendor else { return Ok(()) };
    let calls_per_case = |suite: &str| {
        let agent = spec.suite(suite).is_some_and(|s| s.format == tb_suite::SuiteFormat::Agent);
        if agent { spec.agent.budget.max_turns as u64 } else { 1 }
    };
    let calls = cases.map(|(suite, n)| n * calls_per_case(suite)).sum::<u64>() * spec.run.repeats as u64
        + spec.stages.iter().map(stage_calls_bound).sum::<u64>();
    for v in &spec.vendors {
        let price = v.price_per_mtok_output.ok_or_else(|| RunError::BudgetWithoutPrice(v.name.clone()))?;
        let worst_case = calls as f64 * spec.run.max_tokens as f64 * price / 1e6;
        if worst_case > budget {
            return Err(RunError::OverBudget {
                vendor: v.name.clone(),
                worst_case,
                cases: calls,
                max_tokens: spec.run.max_tokens,
                budget,
            });
        }
    }
    Ok(())
}

/// The most requests a stage can send that are known before it runs: an
/// open loop's arrivals (its rate over the warm-up and the duration, with
/// room for the Poisson count's spread, or its cases after the warm-up's
/// arrivals). A closed loop sends as fast as the vendor answers: only the
/// budget's stop at run time bounds it, unless it has `cases` and no warm-up.
fn stage_calls_bound(stage: &tb_spec::LoadStage) -> u64 {
    let poisson = |seconds: f64, rate: f64| {
        let mean = rate * seconds;
        (mean + 4.0 * mean.sqrt() + 10.0).ceil() as u64
    };
    match stage.arrival {
        tb_spec::Arrival::Rate(rate) => {
            let warmup = poisson(stage.warmup_secs, rate);
            let by_time = stage.duration_secs.map(|d| poisson(stage.warmup_secs + d, rate));
            let by_cases = stage.cases.map(|n| n + warmup);
            by_time.into_iter().chain(by_cases).min().unwrap_or(warmup)
        }
        tb_spec::Arrival::Concurrency(_) if stage.warmup_secs == 0.0 => stage.cases.unwrap_or(0),
        tb_spec::Arrival::Concurrency(_) => 0,
    }
}

#[cfg(test)]
mod budget_tests {
    use super::*;

    fn stage(
        arrival: tb_spec::Arrival,
        duration_secs: Option<f64>,
        cases: Option<u64>,
        warmup_secs: f64,
    ) -> tb_spec::LoadStage {
        tb_spec::LoadStage {
            id: "s".into(),
            suite: "q".into(),
            arrival,
            duration_secs,
            cases,
            warmup_secs,
            max_tokens: None,
        }
    }

    #[test]
    fn an_open_loop_is_bounded_by_its_arrivals() {
        use tb_spec::Arrival::{Concurrency, Rate};
        // 100/s for 10 s + 2 s: 1,200 expected, 4 sd (≈ 139) and 10 more.
        assert_eq!(stage_calls_bound(&stage(Rate(100.0), Some(10.0), None, 2.0)), 1349);
        // The cases after the warm-up's arrivals, when that is fewer.
        assert_eq!(stage_calls_bound(&stage(Rate(100.0), Some(10.0), Some(300), 2.0)), 300 + 267);
        assert_eq!(stage_calls_bound(&stage(Concurrency(8), None, Some(500), 0.0)), 500);
        // A closed loop ending by time is bounded only while it runs.
        assert_eq!(stage_calls_bound(&stage(Concurrency(8), Some(10.0), None, 0.0)), 0);
    }
}
