//! Runs: starting an official or practice run, its progress (once and as
//! events), stopping and resuming it, and its results as the caller may see them.

use super::*;
use tb_store::server::RunKind;

/// A run to start: the buyer's official run, or a vendor's practice run.
#[derive(Deserialize, Default, JsonSchema)]
#[schemars(example = serde_json::json!({"simulated": true, "profiles": ["strong", "weak"]}))]
#[schemars(example = serde_json::json!({"practice": true}))]
pub struct NewRun {
    /// A vendor's practice run: the public practice suites against its own endpoint.
    #[serde(default)]
    pub practice: bool,
    #[serde(flatten)]
    pub options: StartOptions,
}

/// A run started (or resumed: the same id).
#[derive(Serialize, JsonSchema)]
pub struct RunStarted {
    /// The run's id.
    pub run_id: String,
}

pub async fn start_run(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewRun>,
) -> ApiResult<(StatusCode, Json<RunStarted>)> {
    caller.require(&[Role::Buyer, Role::Vendor])?;
    if *app.shutdown.borrow() {
        return Err(ApiError::new("unavailable", "the server is shutting down"));
    }
    let (tender, mut spec) = tender_spec(&app, &id).await?;
    for reg in app.store.registrations(&id).await? {
        if let Some(v) = spec.vendors.iter_mut().find(|v| v.name == reg.vendor) {
            v.base_url = reg.base_url;
            v.model = reg.model;
            v.bid_price = reg.bid_price;
            v.provider = None;
        }
    }
    if !body.options.simulated {
        check_key_variables(&app, &spec)?;
    }
    let kind = match (caller.role, body.practice) {
        (Role::Vendor, true) => {
            let vendor = caller.vendor.clone().unwrap_or_default();
            practice_spec(&mut spec, &vendor)?;
            // A practice run costs the server a run: a few an hour per bidder and tender.
            let since = tb_store::rfc3339_ago(3600);
            let recent = app
                .store
                .tender_runs(&id)
                .await?
                .iter()
                .filter(|r| r.kind == RunKind::Practice && r.vendor.as_deref() == Some(vendor.as_str()))
                .filter(|r| r.created_at.as_str() >= since.as_str())
                .count();
            if recent >= PRACTICE_RUNS_PER_HOUR {
                let mut e = ApiError::new(
                    "rate_limited",
                    format!("at most {PRACTICE_RUNS_PER_HOUR} practice runs an hour per bidder and tender"),
                );
                e.retry_after = Some(600);
                return Err(e);
            }
            RunKind::Practice
        }
        (Role::Vendor, false) => {
            return Err(ApiError::forbidden("vendors start practice runs only (`practice: true`)"));
        }
        (_, true) => return Err(ApiError::bad_request("practice runs are a vendor's")),
        _ => {
            // The panel scores blind: every official run seals its name ↔ code mapping.
            spec.run.blind = true;
            RunKind::Official
        }
    };
    let tender_run = TenderRun {
        run_id: String::new(),
        tender_id: tender.id.clone(),
        kind,
        vendor: (kind == RunKind::Practice).then(|| caller.vendor.clone().unwrap_or_default()),
        started_by: caller.name.clone(),
        options_json: String::new(),
        created_at: tb_store::now_rfc3339(),
    };
    let run_id = app.runs.start(Launch { spec, tender_run, options: body.options, resume: None }).await?;
    Ok((StatusCode::ACCEPTED, Json(RunStarted { run_id })))
}

/// Practice runs one bidder may start on one tender in an hour.
pub const PRACTICE_RUNS_PER_HOUR: usize = 5;

/// Narrows a spec to one vendor and the criteria of its practice suites.
fn practice_spec(spec: &mut tb_spec::Spec, vendor: &str) -> ApiResult<()> {
    if !spec.vendors.iter().any(|v| v.name == vendor) {
        return Err(ApiError::forbidden(format!("{vendor} is not a bidder of this tender")));
    }
    spec.vendors.retain(|v| v.name == vendor);
    let practice: Vec<String> = spec.suites.iter().filter(|s| s.practice).map(|s| s.id.clone()).collect();
    spec.criteria.retain(|c| practice.contains(&c.suite));
    if spec.criteria.is_empty() {
        return Err(ApiError::conflict("this tender has no public practice suite (`practice = true` on a suite)"));
    }
    spec.stages.clear();
    spec.run.blind = false;
    Ok(())
}

/// A run's status and progress (a vendor: its own progress only).
#[derive(Serialize, JsonSchema)]
pub struct RunSummary {
    /// Whether the run shows vendor codes instead of names (until the reveal).
    pub blind: bool,
    /// When it was started (RFC 3339).
    pub created_at: String,
    /// When it ended, if it has.
    pub finished_at: Option<String>,
    /// `official`, `practice`, or `cli` (started from the command line).
    pub kind: String,
    /// Cells stored, per vendor as the caller may see them.
    pub progress: ProgressSnapshot,
    /// The run's id.
    pub run_id: String,
    /// Whether it runs against simulated vendors (a rehearsal).
    pub simulated: bool,
    /// `running`, `interrupted` or `finished`.
    pub status: String,
    /// The tender it belongs to (null for a run started from the command line).
    pub tender_id: Option<String>,
}

pub async fn run_summary(app: &App, view: &RunView) -> ApiResult<RunSummary> {
    let mut progress = app.runs.snapshot(&view.run).await?;
    if let Some((_, shown)) = &view.own {
        progress.vendors.retain(|v| &v.vendor == shown);
        progress = crate::runs::snapshot(&progress.run_id, progress.status, progress.vendors);
    }
    Ok(RunSummary {
        blind: !view.codes.is_empty(),
        created_at: view.run.created_at.clone(),
        finished_at: view.run.finished_at.clone(),
        kind: view.kind().to_string(),
        run_id: view.run.id.clone(),
        simulated: view.run.simulated,
        status: progress.status.clone(),
        tender_id: view.tender_run.as_ref().map(|t| t.tender_id.clone()),
        progress,
    })
}

pub async fn get_run(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Json<RunSummary>> {
    let view = run_view(&app, &caller, &id).await?;
    Ok(Json(run_summary(&app, &view).await?))
}

/// Progress as Server-Sent Events: a `progress` event at every change (at
/// most every 250 ms), then `end` when the run stops or the server shuts down.
pub async fn run_events(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let mut view = run_view(&app, &caller, &id).await?;
    let mut shutdown = app.shutdown.subscribe();
    let stream = async_stream(move |tx| async move {
        loop {
            let live = app.runs.live(&view.run.id);
            // The stream outlives the record it began with: its status is read afresh each time.
            let Ok(run) = app.store.run(&view.run.id).await else { break };
            view.run = run;
            let Ok(summary) = run_summary(&app, &view).await else { break };
            let Ok(data) = serde_json::to_string(&summary) else { break };
            if tx.send(Event::default().event("progress").data(data)).await.is_err() {
                return;
            }
            let Some(live) = live else { break };
            let mut changed = live.changed.subscribe();
            drop(live);
            tokio::select! {
                _ = changed.changed() => {}
                _ = shutdown.changed() => break,
                _ = tokio::time::sleep(Duration::from_secs(5)) => {}
            }
            if *shutdown.borrow() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let _ = tx.send(Event::default().event("end").data("{}")).await;
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// A stream fed by a task through a small channel.
fn async_stream<F, Fut>(f: F) -> impl Stream<Item = Result<Event, Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<Event>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::spawn(f(tx));
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) })
}

/// Only the buyer stops or resumes an official run; a vendor its own practice run.
fn may_control(caller: &Caller, view: &RunView) -> ApiResult<()> {
    match caller.role {
        Role::Buyer if view.kind() != "practice" => Ok(()),
        Role::Vendor if view.kind() == "practice" => Ok(()),
        _ => Err(ApiError::forbidden("only the buyer controls official runs, and a vendor its own practice runs")),
    }
}

pub async fn cancel_run(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let view = run_view(&app, &caller, &id).await?;
    may_control(&caller, &view)?;
    if !app.runs.cancel(&id) {
        return Err(ApiError::conflict("the run is not in progress"));
    }
    tracing::info!(run = %id, by = %caller.name, "run cancelled");
    Ok(StatusCode::ACCEPTED)
}

pub async fn resume_run(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<RunStarted>)> {
    let view = run_view(&app, &caller, &id).await?;
    may_control(&caller, &view)?;
    if *app.shutdown.borrow() {
        return Err(ApiError::new("unavailable", "the server is shutting down"));
    }
    if app.runs.is_active(&id) || view.run.status == RunStatus::Finished {
        return Err(ApiError::conflict(format!(
            "run {id} is {}",
            if app.runs.is_active(&id) { "in progress" } else { "finished" }
        )));
    }
    let Some(tender_run) = view.tender_run.clone() else {
        return Err(ApiError::conflict("this run was started from the command line; resume it there"));
    };
    let tender = app.store.tender(&tender_run.tender_id).await?.ok_or_else(|| ApiError::not_found("tender"))?;
    let dir = app.runs.materialise(&tender).await?;
    let dir = dir.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    // The run goes on with the spec it was started with, its suites read from the tender's files.
    let mut spec = view.spec;
    for s in spec.suites.iter_mut() {
        s.resolved = dir.join(&s.path);
    }
    let options: StartOptions = serde_json::from_str(&tender_run.options_json).map_err(ApiError::internal)?;
    let run_id = app.runs.start(Launch { spec, tender_run, options, resume: Some(id) }).await?;
    tracing::info!(run = %run_id, by = %caller.name, "run resumed");
    Ok((StatusCode::ACCEPTED, Json(RunStarted { run_id })))
}

pub async fn results(app: &App, caller: &Caller, id: &str) -> ApiResult<(RunView, serde_json::Value)> {
    let view = run_view(app, caller, id).await?;
    let report = app.reports.get(&view.run).await?;
    let value = access::report_for(&report, &view)?;
    Ok((view, value))
}

pub async fn get_results(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(results(&app, &caller, &id).await?.1))
}
