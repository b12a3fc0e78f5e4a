//! One vendor's share of a run: its cases read in the run's order, sent with
//! bounded concurrency, each answer journaled and handed to the writer; its
//! budget; and the pieces the load stages and the workers share (the case
//! reader, the cell record, reaping request tasks).

use super::*;

/// What a vendor's calls have cost so far, against its budget.
pub(crate) struct Spend {
    pub(crate) budget: f64,
    pub(crate) per_mtok: (f64, f64),
    pub(crate) spent: std::sync::Mutex<f64>,
}

impl Spend {
    /// Counts what a cell cost: its answer's usage, or an episode's over all its turns.
    pub(crate) fn add(&self, usage: Option<tb_core::Usage>) {
        if let Some(u) = usage {
            let cost = (u.prompt_tokens as f64 * self.per_mtok.0 + u.completion_tokens as f64 * self.per_mtok.1) / 1e6;
            *self.spent.lock().unwrap_or_else(|e| e.into_inner()) += cost;
        }
    }

    pub(crate) fn reached(&self) -> bool {
        *self.spent.lock().unwrap_or_else(|e| e.into_inner()) >= self.budget
    }
}

pub(crate) struct VendorJob {
    pub(crate) run_id: String,
    pub(crate) vendor: String,
    /// The name progress shows (the vendor's code in a blind run).
    pub(crate) shown: String,
    pub(crate) concurrency: usize,
    pub(crate) suites: Vec<(String, PathBuf, tb_suite::SuiteFormat, LineIndex)>,
    /// Seed of this run's case orders (see `tb_audit::case_order`).
    pub(crate) order_seed: String,
    pub(crate) repeats: u32,
    pub(crate) generation: Generation,
    pub(crate) done: HashSet<u128>,
    pub(crate) client: Arc<VendorClient>,
    pub(crate) cells: mpsc::Sender<ToWriter>,
    /// Where each answer goes before the vendor's slot is handed on.
    pub(crate) journal: Option<Arc<journal::Journal>>,
    pub(crate) cancel: watch::Receiver<bool>,
    pub(crate) progress: Arc<dyn Progress>,
    pub(crate) acting: Arc<Acting>,
    /// Present when the spec sets a budget: a vendor that reaches it is sent nothing more.
    pub(crate) spend: Option<Arc<Spend>>,
}

impl VendorJob {
    pub(crate) async fn run(mut self) -> Result<(), RunError> {
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let mut in_flight = JoinSet::new();
        let suites = std::mem::take(&mut self.suites);
        'suites: for (suite_id, path, format, lines) in suites {
            let order = tb_audit::case_order(&self.order_seed, &self.vendor, &suite_id, lines.len());
            let (mut case_rx, reader) = spawn_case_reader(path, format, lines, order, false);
            let mut cases = Vec::new().into_iter();
            loop {
                let (seq, case) = match cases.next() {
                    Some(next) => next,
                    None => match case_rx.recv().await {
                        Some(batch) => {
                            cases = batch?.into_iter();
                            continue;
                        }
                        None => break,
                    },
                };
                let case = Arc::new(case);
                for repeat in 0..self.repeats {
                    let key = CellKey {
                        vendor: self.vendor.clone(),
                        suite: suite_id.clone(),
                        case_id: case.id.clone(),
                        repeat,
                    };
                    if self.done.contains(&key.digest()) {
                        continue;
                    }
                    let permit = tokio::select! {
                        p = permits.clone().acquire_owned() => p.map_err(|e| RunError::Internal(e.to_string()))?,
                        _ = cancelled(&mut self.cancel) => break 'suites,
                    };
                    // Checked with a permit in hand, so every call that finished
                    // meanwhile is counted: at most `concurrency` calls overshoot.
                    if self.spend.as_ref().is_some_and(|s| s.reached()) {
                        // The cells not sent stay missing: the vendor's run is incomplete.
                        break 'suites;
                    }
                    if *self.cancel.borrow() {
                        break 'suites;
                    }
                    if self.cells.is_closed() {
                        // The writer stopped (a store error, returned by `run`): send nothing more.
                        break 'suites;
                    }
                    let client = self.client.clone();
                    let cells = self.cells.clone();
                    let run_id = self.run_id.clone();
                    let case = case.clone();
                    let g = self.generation;
                    let acting = self.acting.clone();
                    let spend = self.spend.clone();
                    let journal = self.journal.clone();
                    in_flight.spawn(async move {
                        let (outcome, stats, verdicts, usage) = acting.send(&client, &key.suite, &case, g).await;
                        if let Some(spend) = &spend {
                            spend.add(usage);
                        }
                        let record = cell_record(&run_id, key, seq, &case, outcome, stats, verdicts, usage);
                        // Journaled before the slot is handed on, so a kill loses at most
                        // the requests in flight (journal.rs). A journal that cannot be
                        // written is said once; the cell still goes to the store.
                        if let Some(journal) = &journal
                            && let Err(e) = journal.append(&record)
                        {
                            journal_failed(&e);
                        }
                        // The writer outlives every request task unless the run is failing.
                        let _ = cells.send(ToWriter::Cell(record)).await;
                        // Held to here, so tasks waiting on grading or the writer stay bounded.
                        drop(permit);
                    });
                    while let Some(r) = in_flight.try_join_next() {
                        reap(r)?;
                    }
                }
            }
            drop(case_rx);
            let _ = reader.await;
        }
        finish_in_flight(&mut in_flight).await?;
        self.progress.vendor_finished(&self.shown);
        Ok(())
    }
}

/// Says once per process that the answer journal failed (a full disk): the
/// run goes on, and a kill may now lose answered cells awaiting their commit.
pub(crate) fn journal_failed(e: &std::io::Error) {
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        eprintln!("warning: cannot write the answer journal ({e}); a kill may now lose answers awaiting their commit")
    });
}

/// Waits for every request still in flight, cancelled or not (see below).
pub(crate) async fn finish_in_flight(in_flight: &mut JoinSet<()>) -> Result<(), RunError> {
    // Cancelled or not, the requests already sent finish and are stored: an
    // answer the vendor serves is paid for, and a stop (Ctrl-C, SIGTERM) must
    // not throw it away. Each is bounded by the vendor's timeout and retries;
    // a second Ctrl-C ends the process at once.
    while let Some(r) = in_flight.join_next().await {
        reap(r)?;
    }
    Ok(())
}

/// Cases read from a suite file in `order` on a blocking thread, sent in
/// batches (one wake-up of the runtime per batch, not per case) with their
/// position in the file; the order again and again when `cycle`. The reader
/// stops at the first bad case (sent as the error) or when the receiver is gone.
pub(crate) fn spawn_case_reader(
    path: PathBuf,
    format: tb_suite::SuiteFormat,
    lines: LineIndex,
    order: Vec<u32>,
    cycle: bool,
) -> (CaseBatches, tokio::task::JoinHandle<()>) {
    let (case_tx, case_rx) = mpsc::channel(4);
    let reader = tokio::task::spawn_blocking(move || {
        let file = match CaseFile::open(&path, format) {
            Ok(f) => f,
            Err(e) => {
                let _ = case_tx.blocking_send(Err(e));
                return;
            }
        };
        let passes = if cycle { usize::MAX } else { 1 };
        for chunk in std::iter::repeat_n(&order, passes).flat_map(|o| o.chunks(CASE_BATCH)) {
            let batch: Result<Vec<(u64, Case)>, SuiteError> = chunk
                .iter()
                .map(|&i| {
                    let (offset, len) = lines[i as usize];
                    file.read(offset, len, i as u64).map(|c| (i as u64, c))
                })
                .collect();
            let failed = batch.is_err();
            // A closed channel means the run stopped; stop reading.
            if case_tx.blocking_send(batch).is_err() || failed {
                return;
            }
        }
    });
    (case_rx, reader)
}

/// Batches of (position in the file, case) from [`spawn_case_reader`].
pub(crate) type CaseBatches = mpsc::Receiver<Result<Vec<(u64, Case)>, SuiteError>>;

/// Resolves once cancellation is asked for; never, if the sender is gone.
pub(crate) async fn cancelled(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

pub(crate) fn reap(r: Result<(), tokio::task::JoinError>) -> Result<(), RunError> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if e.is_cancelled() => Ok(()),
        Err(e) => Err(RunError::Internal(format!("request task: {e}"))),
    }
}

/// `usage` is what the cell cost: its answer's usage, or an agent episode's
/// over every turn (the answer's is only the last turn's).
#[allow(clippy::too_many_arguments)]
pub(crate) fn cell_record(
    run_id: &str,
    key: CellKey,
    seq: u64,
    case: &Case,
    outcome: Outcome,
    stats: tb_core::CallStats,
    verdicts: Option<String>,
    usage: Option<tb_core::Usage>,
) -> Finished {
    let bodies = [evidence(stats.request.as_bytes()), evidence(&stats.response)];
    let (cause, detail, answer, finish_reason, tool_calls) = match outcome {
        Outcome::Answered(a) => (None, None, Some(a.text), a.finish_reason, a.tool_calls.map(|t| t.to_string())),
        Outcome::Failed(f) => (Some(f.cause.code().to_string()), Some(f.detail), None, None, None),
    };
    let cell = CellRecord {
        run_id: run_id.to_string(),
        vendor: key.vendor,
        suite: key.suite,
        case_id: key.case_id,
        repeat: key.repeat,
        seq,
        cause,
        detail,
        answer,
        finish_reason,
        prompt_tokens: usage.map(|u| u.prompt_tokens),
        completion_tokens: usage.map(|u| u.completion_tokens),
        ttft_ms: stats.ttft_ms,
        latency_ms: stats.latency_ms,
        attempts: stats.attempts,
        gold_json: serde_json::to_string(&case.stored_gold()).expect("gold always serializes"),
        subject: case.subject.clone(),
        language: case.language.clone(),
        request_sha256: bodies[0].sha256.clone(),
        response_sha256: bodies[1].sha256.clone(),
        finished_at: now_rfc3339(),
        tool_calls,
        verdicts,
        timing: stats.timing.as_ref().map(|t| serde_json::to_string(t).expect("timing always serializes")),
    };
    Finished { cell, evidence: bodies }
}
