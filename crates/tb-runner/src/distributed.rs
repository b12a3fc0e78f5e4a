//! Distributed runs on a PostgreSQL queue (`docs/scaling.md`).
//!
//! [`enqueue`] records the run as [`run`](crate::run) would and puts every
//! cell in the store's queue, the case with it, so that workers need no
//! suite files; [`follow`] watches the cells arrive, appends the signed
//! checkpoints (only it holds the key) and ends the run. [`work`] is the
//! worker: it leases cells (a vendor slot with each, so the vendors'
//! concurrency holds across all workers), waits for the vendor's rate if
//! the spec sets one, sends them exactly as a single-process run would
//! (`Acting::send`), and stores each result, its `cell_answered` entry and
//! the lease's release in one transaction that fails when the lease was
//! lost. A worker that dies holds its leases until they expire; another
//! then takes them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tb_audit::{Chain, Checkpoint, Keypair, MerkleAccumulator};
use tb_core::Capability;
use tb_core::{Case, CellKey};
use tb_spec::{GraderKind, Spec};
use tb_store::queue::{Lease, QueuedCell, WorkerRecord};
use tb_store::{RunStatus, Store, now_rfc3339};
use tb_vendor::{Generation, VendorClient};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::{Acting, CellAnswered, Progress, RunError, RunOptions, RunSummary, cell_record, checked_suites, open_run};

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn now_us() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros() as i64)
}

/// The capability a suite's cells need.
fn capability(spec: &Spec, suite: &str) -> Capability {
    let graders: Vec<GraderKind> = spec.criteria.iter().filter(|c| c.suite == suite).map(|c| c.grader).collect();
    if graders.iter().any(|g| matches!(g, GraderKind::Agent | GraderKind::AgentSafety)) {
        Capability::Agent
    } else if graders.iter().any(|g| g.runs_in_sandbox()) {
        Capability::Code
    } else if spec.criteria.iter().any(|c| c.suite == suite && c.judge.is_some())
        || graders.contains(&GraderKind::Judge)
    {
        Capability::Judge
    } else {
        Capability::Chat
    }
}

/// Records a new run (or checks a resumed one) and queues every cell not
/// stored yet. Returns the run id and its number of cells.
pub async fn enqueue(spec: &Spec, store: &Store, opts: RunOptions) -> Result<(String, u64), RunError> {
    if store.backend_name() != "postgres" {
        return Err(RunError::Store(tb_store::StoreError::NeedsPostgres("run --distributed")));
    }
    if !spec.stages.is_empty() {
        return Err(RunError::Internal(
            "load stages measure one client: run a spec with [[stage]] without --distributed".into(),
        ));
    }
    if spec.run.budget_per_vendor.is_some() {
        return Err(RunError::Internal(
            "[run] budget_per_vendor is not kept across workers: run it without --distributed".into(),
        ));
    }
    if spec.agent.tool_server.is_some() {
        return Err(RunError::NotDistributable(
            "the [agent] tool server runs in one process: run it without --distributed".into(),
        ));
    }
    let checked = checked_suites(spec, &opts.seals).await?;
    let suites: Vec<tb_core::SuiteRecord> = checked.iter().map(|c| c.record.clone()).collect();
    let spec_hash = spec.canonical_hash();
    let (run_id, _chain) = open_run(spec, store, &opts, &suites, &spec_hash).await?;
    let record = store.run(&run_id).await?;
    let order_seed = record.order_seed.clone().unwrap_or_default();
    let total = suites.iter().map(|s| s.cases).sum::<u64>() * u64::from(spec.run.repeats) * spec.vendors.len() as u64;
    for v in &spec.vendors {
        let interval = v.requests_per_second.map(|rps| (1e6 / rps).round() as i64);
        store.set_vendor_limits(&run_id, &v.name, v.concurrency, interval).await?;
        let mut position = 0u64;
        for c in &checked {
            let order = tb_audit::case_order(&order_seed, &v.name, &c.record.id, c.lines.len());
            let (mut rx, reader) = crate::spawn_case_reader(c.path.clone(), c.format, c.lines.clone(), order, false);
            let capability = capability(spec, &c.record.id);
            while let Some(batch) = rx.recv().await {
                let mut rows = Vec::new();
                for (seq, case) in batch? {
                    let case_json = serde_json::to_string(&case).map_err(|e| RunError::Internal(e.to_string()))?;
                    for repeat in 0..spec.run.repeats {
                        rows.push(QueuedCell {
                            run_id: run_id.clone(),
                            vendor: v.name.clone(),
                            suite: c.record.id.clone(),
                            case_id: case.id.clone(),
                            repeat,
                            seq,
                            position,
                            capability: capability.name().to_string(),
                            case_json: case_json.clone(),
                        });
                        position += 1;
                    }
                }
                store.enqueue(&rows).await?;
            }
            let _ = reader.await;
        }
    }
    Ok((run_id, total))
}

/// Follows a distributed run until every cell is stored or `cancel` turns
/// true: progress as cells arrive, a signed checkpoint every
/// [`CHECKPOINT_EVERY`](crate::CHECKPOINT_EVERY) entries (and at the end),
/// then `run_finished` (or `run_interrupted`) and the run's status.
pub async fn follow(
    spec: &Spec,
    store: &Store,
    run_id: &str,
    key: Option<Arc<Keypair>>,
    progress: Arc<dyn Progress>,
    mut cancel: watch::Receiver<bool>,
) -> Result<RunSummary, RunError> {
    let run = store.run(run_id).await?;
    let codes: serde_json::Value =
        run.blind_mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    let shown = |name: &str| codes["codes"][name].as_str().unwrap_or(name).to_string();
    let suites: Vec<tb_core::SuiteRecord> =
        serde_json::from_str(&run.suites_json).map_err(|e| RunError::Internal(e.to_string()))?;
    let per_vendor = suites.iter().map(|s| s.cases).sum::<u64>() * u64::from(spec.run.repeats);
    let total = per_vendor * spec.vendors.len() as u64;
    progress.run_started(run_id, false);
    let start = per_vendor_counts(store, run_id).await?;
    for v in &spec.vendors {
        progress.vendor_started(&shown(&v.name), per_vendor, start.get(&v.name).copied().unwrap_or(0));
    }
    let mut seen = start;
    let mut since_checkpoint = 0u64;
    let skipped: u64 = seen.values().sum();
    let finished = loop {
        let now = per_vendor_counts(store, run_id).await?;
        let stored: u64 = now.values().sum();
        for v in &spec.vendors {
            let (before, after) = (seen.get(&v.name).copied().unwrap_or(0), now.get(&v.name).copied().unwrap_or(0));
            for _ in before..after {
                progress.cell_stored(&shown(&v.name), false);
            }
            if before < per_vendor && after >= per_vendor {
                progress.vendor_finished(&shown(&v.name));
            }
        }
        since_checkpoint += now.values().sum::<u64>() - seen.values().sum::<u64>();
        seen = now;
        if since_checkpoint >= crate::CHECKPOINT_EVERY {
            append_locked(store, run_id, key.as_deref(), None).await?;
            since_checkpoint = 0;
        }
        if stored >= total {
            break true;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = cancel.changed() => {}
        }
        if *cancel.borrow() {
            break false;
        }
    };
    let status = if finished { RunStatus::Finished } else { RunStatus::Interrupted };
    // Workers lease only cells of running runs: they stop at once.
    store.set_run_status(run_id, status).await?;
    let stored = store.count_cells(run_id).await?;
    let kind = if finished { "run_finished" } else { "run_interrupted" };
    let payload = serde_json::json!({ "cells_stored": stored, "cells_total": total });
    append_locked(store, run_id, key.as_deref(), Some((kind, payload))).await?;
    Ok(RunSummary {
        run_id: run_id.to_string(),
        status,
        stored_now: stored - skipped,
        skipped,
        total,
        stage_requests: 0,
    })
}

async fn per_vendor_counts(store: &Store, run_id: &str) -> Result<HashMap<String, u64>, RunError> {
    Ok(store.cells_per_vendor(run_id).await?.into_iter().map(|(v, n, _)| (v, n)).collect())
}

/// Appends `entry` (when given) and a checkpoint over the whole log, under the run's chain lock.
async fn append_locked(
    store: &Store,
    run_id: &str,
    key: Option<&Keypair>,
    entry: Option<(&str, serde_json::Value)>,
) -> Result<(), RunError> {
    store
        .append_audit_locked(run_id, |head, hashes| {
            let mut chain = Chain::resume(run_id, head);
            let mut merkle = MerkleAccumulator::default();
            for h in hashes {
                merkle.push(h);
            }
            let mut out = Vec::new();
            if let Some((kind, payload)) = entry {
                let e = chain.append(kind, &payload, &now_rfc3339());
                merkle.push(&e.hash);
                out.push(e);
            }
            let upto = chain.len();
            let merkle_root = merkle.root();
            let (public_key, signature) = match key {
                Some(k) => {
                    (Some(k.public_hex()), Some(k.sign(&tb_audit::checkpoint_message(run_id, upto, &merkle_root))))
                }
                None => (None, None),
            };
            out.push(chain.append(
                "checkpoint",
                &Checkpoint { upto, merkle_root, public_key, signature },
                &now_rfc3339(),
            ));
            out
        })
        .await?;
    Ok(())
}

/// How a worker works.
#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Unique among workers: host, process id and a random suffix.
    pub id: String,
    pub host: String,
    /// Cells in flight at once.
    pub concurrency: usize,
    /// What it executes (chat, and any of code, agent, judge).
    pub capabilities: Vec<Capability>,
    /// How long a lease lasts without a heartbeat (heartbeats come every third of it).
    pub lease: Duration,
    /// How long to wait before looking again when there is nothing to do.
    pub idle: Duration,
}

/// What a worker keeps per run: the spec's acting graders and a client per vendor.
struct RunContext {
    acting: Acting,
    clients: HashMap<String, Arc<VendorClient>>,
    generation: Generation,
}

struct Shared {
    store: Store,
    opts: WorkerOptions,
    runs: Mutex<HashMap<String, Arc<RunContext>>>,
    /// The leases in flight, by task.
    busy: Mutex<HashMap<u64, Lease>>,
    done: std::sync::atomic::AtomicU64,
}

impl Shared {
    async fn context(&self, run_id: &str) -> Result<Arc<RunContext>, RunError> {
        if let Some(c) = self.runs.lock().expect("worker lock").get(run_id) {
            return Ok(c.clone());
        }
        let run = self.store.run(run_id).await?;
        let spec: Spec = serde_json::from_str(&run.spec_json)
            .map_err(|e| RunError::Internal(format!("the stored spec of run {run_id}: {e}")))?;
        let acting = Acting::new(&spec, None)?;
        let mut clients = HashMap::new();
        for v in &spec.vendors {
            // The database's slots bound the calls in flight; the client itself need not.
            clients.insert(v.name.clone(), Arc::new(crate::vendor_client(v)?));
        }
        let generation = Generation { temperature: spec.run.temperature, max_tokens: spec.run.max_tokens };
        let context = Arc::new(RunContext { acting, clients, generation });
        self.runs.lock().expect("worker lock").insert(run_id.to_string(), context.clone());
        Ok(context)
    }

    fn record(&self, started_at: &str) -> WorkerRecord {
        let busy = self.busy.lock().expect("worker lock");
        let mut current: Vec<String> = busy
            .values()
            .map(|l| {
                format!("{}/{}/{}/{}#{}", l.cell.run_id, l.cell.vendor, l.cell.suite, l.cell.case_id, l.cell.repeat)
            })
            .collect();
        current.sort();
        WorkerRecord {
            id: self.opts.id.clone(),
            host: self.opts.host.clone(),
            pid: std::process::id(),
            capabilities: self.opts.capabilities.iter().map(|c| c.name()).collect::<Vec<_>>().join(","),
            concurrency: self.opts.concurrency as u32,
            started_at: started_at.to_string(),
            heartbeat_ms: now_ms(),
            busy: busy.len() as u32,
            done: self.done.load(std::sync::atomic::Ordering::Relaxed),
            current: (!current.is_empty()).then(|| current.into_iter().take(8).collect::<Vec<_>>().join(" ")),
        }
    }

    /// Executes one leased cell and stores it; false when the lease was lost meanwhile.
    async fn execute(&self, lease: &Lease) -> Result<bool, RunError> {
        let c = &lease.cell;
        let context = self.context(&c.run_id).await?;
        let case: Arc<Case> = Arc::new(
            serde_json::from_str(&c.case_json).map_err(|e| RunError::Internal(format!("a queued case: {e}")))?,
        );
        let client = context
            .clients
            .get(&c.vendor)
            .ok_or_else(|| RunError::Internal(format!("run {} has no vendor {}", c.run_id, c.vendor)))?;
        if let Some(at) = self.store.reserve_start(&c.run_id, &c.vendor, now_us()).await? {
            let wait = at - now_us();
            if wait > 0 {
                tokio::time::sleep(Duration::from_micros(wait as u64)).await;
            }
        }
        let (outcome, stats, verdicts, usage) = context.acting.send(client, &c.suite, &case, context.generation).await;
        let key =
            CellKey { vendor: c.vendor.clone(), suite: c.suite.clone(), case_id: c.case_id.clone(), repeat: c.repeat };
        let finished = cell_record(&c.run_id, key, c.seq, &case, outcome, stats, verdicts, usage);
        let stored = self
            .store
            .complete(&self.opts.id, lease, &finished.cell, &finished.evidence, |head| {
                let mut chain = Chain::resume(&c.run_id, head);
                vec![chain.append_sorted("cell_answered", &CellAnswered::of(&finished.cell), &now_rfc3339())]
            })
            .await?;
        Ok(stored)
    }
}

/// Runs a worker until `stop` turns true: then it takes nothing more,
/// finishes the cells in flight, and returns how many it stored.
pub async fn work(store: Store, opts: WorkerOptions, mut stop: watch::Receiver<bool>) -> Result<u64, RunError> {
    if store.backend_name() != "postgres" {
        return Err(RunError::Store(tb_store::StoreError::NeedsPostgres("a worker")));
    }
    let lease_ms = opts.lease.as_millis() as i64;
    let shared = Arc::new(Shared {
        store: store.clone(),
        opts: opts.clone(),
        runs: Mutex::new(HashMap::new()),
        busy: Mutex::new(HashMap::new()),
        done: std::sync::atomic::AtomicU64::new(0),
    });
    let started_at = now_rfc3339();
    store.heartbeat(&shared.record(&started_at), now_ms() + lease_ms, &[]).await?;
    let beat = {
        let (shared, started_at) = (shared.clone(), started_at.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(shared.opts.lease / 3).await;
                let in_flight: Vec<Lease> = shared.busy.lock().expect("worker lock").values().cloned().collect();
                if let Err(e) =
                    shared.store.heartbeat(&shared.record(&started_at), now_ms() + lease_ms, &in_flight).await
                {
                    worker_warning(&format!("heartbeat failed: {e}"));
                }
            }
        })
    };
    let mut slots = JoinSet::new();
    for slot in 0..opts.concurrency as u64 {
        let (shared, mut stop) = (shared.clone(), stop.clone());
        slots.spawn(async move {
            let caps: Vec<String> = shared.opts.capabilities.iter().map(|c| c.name().to_string()).collect();
            while !*stop.borrow() {
                let lease = match shared.store.lease(&shared.opts.id, &caps, now_ms(), lease_ms).await {
                    Ok(l) => l,
                    Err(e) => {
                        // The database is away (a restart, the network): try again shortly.
                        worker_warning(&format!("cannot lease: {e}; retrying in 1 s"));
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                let Some(lease) = lease else {
                    // Nothing to do: look again soon (a little jitter keeps workers apart).
                    let idle = shared.opts.idle + Duration::from_millis(rand::random::<u64>() % 50);
                    tokio::select! {
                        _ = tokio::time::sleep(idle) => {}
                        _ = stop.changed() => {}
                    }
                    continue;
                };
                let c = &lease.cell;
                shared.busy.lock().expect("worker lock").insert(slot, lease.clone());
                let stored = shared.execute(&lease).await;
                shared.busy.lock().expect("worker lock").remove(&slot);
                match stored {
                    Ok(true) => {
                        shared.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    Ok(false) => worker_warning(&format!(
                        "lost the lease of {}/{}/{}#{} (it expired and another worker took it)",
                        c.vendor, c.suite, c.case_id, c.repeat
                    )),
                    Err(e) => {
                        // Give the cell back for another try (if the database stays away, its lease expires instead).
                        for _ in 0..3 {
                            if shared.store.release(&shared.opts.id, &lease).await.is_ok() {
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(300)).await;
                        }
                        worker_warning(&format!("cell {}/{}/{}: {e}", c.vendor, c.suite, c.case_id));
                        if matches!(e, RunError::Store(_)) {
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                }
            }
            Ok::<(), RunError>(())
        });
    }
    let mut first_error = None;
    while let Some(r) = slots.join_next().await {
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(RunError::Internal(format!("worker task: {e}")));
            }
        }
    }
    let _ = stop.borrow_and_update();
    beat.abort();
    let done = shared.done.load(std::sync::atomic::Ordering::Relaxed);
    let _ = store.heartbeat(&shared.record(&started_at), now_ms(), &[]).await;
    match first_error {
        Some(e) => Err(e),
        None => Ok(done),
    }
}

/// The worker writes its warnings to standard error (the runner has no logger of its own).
fn worker_warning(message: &str) {
    eprintln!("worker: {message}");
}
