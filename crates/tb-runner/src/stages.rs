//! The load stages of a run, after its suites' cells: stage by stage and
//! vendor by vendor, each on runtimes of its own (see `load` for one stage).

use super::*;

/// What the load stages share with the rest of the run.
pub(crate) struct StageContext<'a> {
    pub(crate) run_id: &'a str,
    pub(crate) order_seed: &'a str,
    pub(crate) checked: &'a [Checked],
    pub(crate) cells: &'a mpsc::Sender<ToWriter>,
    /// How progress names each vendor (its code in a blind run).
    pub(crate) shown: &'a HashMap<String, String>,
    pub(crate) egress: Option<&'a Arc<tb_vendor::egress::EgressPolicy>>,
}

/// Runs every load stage for every vendor, one at a time (stage by stage,
/// then vendor by vendor), so that no vendor's measurement shares this
/// machine with another's. A stage a resumed run already sent is not sent again.
pub(crate) async fn run_stages(
    spec: &Spec,
    store: &Store,
    ctx: StageContext<'_>,
    budgets: &HashMap<String, Arc<Spend>>,
    progress: &dyn Progress,
    cancel: &watch::Receiver<bool>,
) -> Result<u64, RunError> {
    let clients: Vec<Arc<VendorClient>> =
        spec.vendors.iter().map(|v| load_client(v, ctx.egress).map(Arc::new)).collect::<Result<_, _>>()?;
    // A stage's requests run on every core: one thread taking every chunk's
    // arrival time would queue them behind each other and add its own delay
    // to the vendor's TTFT and ITL (measured: at 256 streams of 100 tokens a
    // second, TTFT p99 +14 ms on one thread, +6 ms on two). The stage's
    // clock runs on a thread of its own (measured: at 5,000 arrivals a
    // second, lag p99 38 ms sharing the requests' threads, 8.6 ms apart).
    let runtime = |name: &str, threads: usize| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name(name)
            .enable_all()
            .build()
            .map_err(|e| RunError::Internal(format!("cannot start the load stages' runtime: {e}")))
    };
    let requests = runtime("tb-load-request", std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8))?;
    // The stage's clock (arrivals, permits) has a thread of its own.
    let clock = runtime("tb-load-clock", 1)?;
    let runtimes = StageRuntimes { clock: &clock, requests: requests.handle().clone() };
    let result = run_stages_on(spec, store, &ctx, budgets, progress, cancel, &clients, runtimes).await;
    // A runtime may not be dropped (blocking) inside another.
    clock.shutdown_background();
    requests.shutdown_background();
    result
}

/// Where a stage's loop and its requests run.
pub(crate) struct StageRuntimes<'a> {
    pub(crate) clock: &'a tokio::runtime::Runtime,
    pub(crate) requests: tokio::runtime::Handle,
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_stages_on(
    spec: &Spec,
    store: &Store,
    ctx: &StageContext<'_>,
    budgets: &HashMap<String, Arc<Spend>>,
    progress: &dyn Progress,
    cancel: &watch::Receiver<bool>,
    clients: &[Arc<VendorClient>],
    runtimes: StageRuntimes<'_>,
) -> Result<u64, RunError> {
    let mut requests = 0;
    let finished: HashSet<(String, String)> = store
        .audit_of_kinds(ctx.run_id, &[tb_core::LOAD_STAGE_FINISHED])
        .await?
        .iter()
        .filter_map(|e| {
            let v: serde_json::Value = serde_json::from_str(&e.payload).ok()?;
            Some((v["vendor"].as_str()?.to_string(), v["stage"].as_str()?.to_string()))
        })
        .collect();
    for stage in &spec.stages {
        let suite =
            ctx.checked.iter().find(|c| c.record.id == stage.suite).ok_or_else(|| {
                RunError::Internal(format!("stage {}: suite {} was not checked", stage.id, stage.suite))
            })?;
        for (v, client) in spec.vendors.iter().zip(clients) {
            if *cancel.borrow() {
                return Ok(requests);
            }
            let shown = ctx.shown.get(&v.name).unwrap_or(&v.name);
            if finished.contains(&(v.name.clone(), stage.id.clone())) {
                progress.stage_finished(shown, &stage.id, 0, true);
                continue;
            }
            // A stage an interruption cut short is sent again, whole, as its next attempt.
            let mut attempt = 1;
            while store.count_suite_cells(ctx.run_id, &v.name, &tb_core::load_suite(&stage.id, attempt)).await? > 0 {
                attempt += 1;
            }
            progress.stage_started(shown, stage);
            let job = load::StageJob {
                run_id: ctx.run_id.to_string(),
                vendor: v.name.clone(),
                stage: stage.clone(),
                suite_name: tb_core::load_suite(&stage.id, attempt),
                suite: (suite.path.clone(), suite.format, suite.lines.clone()),
                order_seed: ctx.order_seed.to_string(),
                generation: Generation {
                    temperature: spec.run.temperature,
                    max_tokens: stage.max_tokens.unwrap_or(spec.run.max_tokens),
                },
                client: client.clone(),
                cells: ctx.cells.clone(),
                cancel: cancel.clone(),
                spend: budgets.get(&v.name).cloned(),
                requests: runtimes.requests.clone(),
            };
            let sent =
                runtimes.clock.spawn(job.run()).await.map_err(|e| RunError::Internal(format!("stage task: {e}")))??;
            progress.stage_finished(shown, &stage.id, sent.requests, false);
            requests += sent.requests;
            if sent.ran_to_end {
                let payload = serde_json::json!({
                    "vendor": v.name, "stage": stage.id, "attempt": attempt, "requests": sent.requests,
                });
                // After the stage's cells in the channel, so after them in the chain.
                let _ = ctx.cells.send(ToWriter::Entry { kind: tb_core::LOAD_STAGE_FINISHED, payload }).await;
            }
        }
    }
    Ok(requests)
}
