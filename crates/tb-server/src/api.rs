//! The JSON API's handlers. Each one authenticates (the `Caller`
//! extractor), asks `access` what the caller may see, and answers.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::Stream;
use serde::Deserialize;
use tb_store::server::{CellFilter, Registration, TenderRecord, TenderRun, UserRecord};
use tb_store::{CellRecord, RunStatus};

use crate::access::{self, RunView, run_view};
use crate::auth::{self, Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::runs::{Launch, StartOptions};
use crate::{App, QueryMap};

mod cells;
mod committee;
mod tenders;

pub use cells::*;
pub use committee::*;
pub use tenders::*;

// ---- accounts ----

#[derive(Deserialize)]
pub struct Login {
    pub name: String,
    pub password: String,
}

pub async fn login(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Login>,
) -> ApiResult<Response> {
    if !auth::same_origin(&headers) {
        return Err(ApiError::forbidden("a login must come from this server's own pages (Origin)"));
    }
    let address = peer.ip().to_string();
    if let Some(wait) = app.limiter.check(&body.name, &address) {
        let mut e = ApiError::new("rate_limited", format!("too many failed logins; try again in {wait} s"));
        e.retry_after = Some(wait);
        return Err(e);
    }
    app.limiter.attempt(&body.name, &address);
    let user = app.store.user(&body.name).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let password = body.password.clone();
    let permit = app.password_checks.acquire().await.map_err(ApiError::internal)?;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&password, hash.as_deref()))
        .await
        .map_err(ApiError::internal)?;
    drop(permit);
    let Some(user) = user.filter(|_| ok) else {
        app.metrics.login_failed();
        tracing::warn!(name = %crate::logs::escaped(&body.name), %address, "login failed");
        return Err(ApiError::new("bad_credentials", "wrong name or password"));
    };
    app.limiter.succeeded(&user.name, &address);
    let (token, session) = auth::new_session(&user.name);
    app.store.create_session(&session).await?;
    tracing::info!(name = %user.name, role = %user.role, "logged in");
    let body = serde_json::json!({ "name": user.name, "role": user.role, "vendor": user.vendor, "csrf": session.csrf });
    Ok(([(header::SET_COOKIE, auth::session_cookie(&token, app.config.secure_cookies))], Json(body)).into_response())
}

pub async fn logout(State(app): State<App>, caller: Caller, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = auth::cookie_in(&headers, auth::SESSION_COOKIE) {
        app.store.delete_session(&tb_audit::sha256_hex(token.as_bytes()), auth::now_secs()).await?;
    }
    tracing::info!(name = %caller.name, "logged out");
    Ok(([(header::SET_COOKIE, auth::clear_cookie(app.config.secure_cookies))], StatusCode::NO_CONTENT).into_response())
}

pub async fn me(caller: Caller) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "name": caller.name, "role": caller.role, "vendor": caller.vendor, "csrf": caller.csrf
    }))
}

pub async fn list_users(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<UserRecord>>> {
    caller.require(&[Role::Admin])?;
    Ok(Json(app.store.users().await?))
}

#[derive(Deserialize)]
pub struct NewUser {
    pub name: String,
    pub password: String,
    pub role: String,
    #[serde(default)]
    pub vendor: Option<String>,
}

/// Checks and creates an account (the API's and `tenderbench user add`'s rules alike).
pub async fn create_account(store: &tb_store::Store, new: NewUser) -> ApiResult<UserRecord> {
    let role = Role::parse(&new.role).ok_or_else(|| {
        ApiError::bad_request(format!("unknown role {:?}; roles: admin, buyer, evaluator, vendor, auditor", new.role))
    })?;
    let name = new.name.trim();
    if name.is_empty() || name.len() > 64 || name.chars().any(|c| c.is_control() || c == ':') {
        return Err(ApiError::bad_request("a name is 1–64 characters, without control characters or ':'"));
    }
    if (role == Role::Vendor) != new.vendor.as_deref().is_some_and(|v| !v.trim().is_empty()) {
        return Err(ApiError::bad_request(
            "a vendor account names its bidder (`vendor`), and only a vendor account does",
        ));
    }
    auth::check_password_strength(&new.password)?;
    let password = new.password.clone();
    let hash =
        tokio::task::spawn_blocking(move || auth::hash_password(&password)).await.map_err(ApiError::internal)??;
    let user = UserRecord {
        name: name.to_string(),
        role: role.as_str().to_string(),
        vendor: new.vendor.map(|v| v.trim().to_string()),
        password_hash: hash,
        created_at: tb_store::now_rfc3339(),
    };
    if !store.create_user(&user).await? {
        return Err(ApiError::conflict(format!("the name {name:?} is taken")));
    }
    Ok(user)
}

pub async fn create_user(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<NewUser>,
) -> ApiResult<(StatusCode, Json<UserRecord>)> {
    caller.require(&[Role::Admin])?;
    let user = create_account(&app.store, body).await?;
    tracing::info!(by = %caller.name, name = %user.name, role = %user.role, "account created");
    Ok((StatusCode::CREATED, Json(user)))
}

#[derive(Deserialize)]
pub struct NewToken {
    #[serde(default)]
    pub label: String,
}

pub async fn create_token(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<NewToken>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let token = format!("tb_{}", auth::random_token());
    app.store.create_token(&tb_audit::sha256_hex(token.as_bytes()), &caller.name, body.label.trim()).await?;
    tracing::info!(name = %caller.name, label = %body.label, "API token created");
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "token": token, "note": "shown once; only its SHA-256 is stored" })),
    ))
}

// ---- runs ----

#[derive(Deserialize, Default)]
pub struct NewRun {
    /// A vendor's practice run: the public practice suites against its own endpoint.
    #[serde(default)]
    pub practice: bool,
    #[serde(flatten)]
    pub options: StartOptions,
}

pub async fn start_run(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewRun>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
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
                .filter(|r| r.kind == "practice" && r.vendor.as_deref() == Some(vendor.as_str()))
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
            "practice"
        }
        (Role::Vendor, false) => {
            return Err(ApiError::forbidden("vendors start practice runs only (`practice: true`)"));
        }
        (_, true) => return Err(ApiError::bad_request("practice runs are a vendor's")),
        _ => {
            // The panel scores blind: every official run seals its name ↔ code mapping.
            spec.run.blind = true;
            "official"
        }
    };
    let tender_run = TenderRun {
        run_id: String::new(),
        tender_id: tender.id.clone(),
        kind: kind.to_string(),
        vendor: (kind == "practice").then(|| caller.vendor.clone().unwrap_or_default()),
        started_by: caller.name.clone(),
        options_json: String::new(),
        created_at: tb_store::now_rfc3339(),
    };
    let run_id = app.runs.start(Launch { spec, tender_run, options: body.options, resume: None }).await?;
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "run_id": run_id }))))
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

pub async fn run_summary(app: &App, view: &RunView) -> ApiResult<serde_json::Value> {
    let mut progress = app.runs.snapshot(&view.run).await?;
    if let Some((_, shown)) = &view.own {
        progress.vendors.retain(|v| &v.vendor == shown);
        progress = crate::runs::snapshot(&progress.run_id, progress.status, progress.vendors);
    }
    Ok(serde_json::json!({
        "run_id": view.run.id,
        "tender_id": view.tender_run.as_ref().map(|t| t.tender_id.clone()),
        "kind": view.kind(),
        "status": progress.status,
        "blind": !view.codes.is_empty(),
        "simulated": view.run.simulated,
        "created_at": view.run.created_at,
        "finished_at": view.run.finished_at,
        "progress": progress,
    }))
}

pub async fn get_run(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
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
            if tx.send(Event::default().event("progress").data(summary.to_string())).await.is_err() {
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
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
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
    Ok((StatusCode::ACCEPTED, Json(serde_json::json!({ "run_id": run_id }))))
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

/// The whole report (every vendor's): buyer, evaluator (after the reveal) and auditor.
async fn whole_report(app: &App, caller: &Caller, id: &str) -> ApiResult<std::sync::Arc<tb_report::Report>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Auditor])?;
    let view = run_view(app, caller, id).await?;
    if view.blind_panel {
        // It holds the commercial envelope: prices, price scores, totals.
        return Err(ApiError::new(
            "blind",
            "the whole report holds the prices; the panel reads the technical results (/results) until the reveal",
        ));
    }
    app.reports.get(&view.run).await
}

pub async fn report_json(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    let report = whole_report(&app, &caller, &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], tb_report::render_json(&report)).into_response())
}

pub async fn report_html(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<QueryMap>,
) -> ApiResult<Response> {
    let report = whole_report(&app, &caller, &id).await?;
    let lang = q.get("lang").and_then(|l| tb_report::Lang::parse(l)).unwrap_or(tb_report::Lang::Zh);
    let html = tb_report::render_html(&report, lang)?;
    Ok(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

/// The evaluation report (评标报告) the committee signs, as DOCX or PDF
/// (`?lang=zh|en`); readable by whoever may read the whole report.
pub async fn evaluation_report(
    State(app): State<App>,
    caller: Caller,
    Path((id, format)): Path<(String, String)>,
    Query(q): Query<QueryMap>,
) -> ApiResult<Response> {
    whole_report(&app, &caller, &id).await?;
    let lang = q.get("lang").and_then(|l| tb_report::Lang::parse(l)).unwrap_or(tb_report::Lang::Zh);
    let dossier = tb_dossier::build(&app.store, &id, lang, None).await.map_err(ApiError::internal)?;
    let (bytes, mime, ext) = match format.as_str() {
        "docx" => (
            tb_dossier::docx::render(&dossier).map_err(ApiError::internal)?,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        "pdf" => {
            let font =
                tb_dossier::pdf::find_font(&dossier.text()).map_err(|e| ApiError::new("no_font", e.to_string()))?;
            (tb_dossier::pdf::render(&dossier, &font).map_err(ApiError::internal)?, "application/pdf", "pdf")
        }
        _ => return Err(ApiError::not_found("format (docx or pdf)")),
    };
    let name = format!("{id}-evaluation-report.{ext}");
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

fn buyer_or_auditor(caller: &Caller) -> ApiResult<()> {
    caller.require(&[Role::Buyer, Role::Auditor])
}

pub async fn audit_log(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    buyer_or_auditor(&caller)?;
    let view = run_view(&app, &caller, &id).await?;
    let entries = app.store.audit_of_kinds(&view.run.id, AUDIT_SHOWN).await?;
    let cells = app.store.count_cells(&view.run.id).await?;
    let head = app.store.audit_head(&view.run.id).await?;
    Ok(Json(serde_json::json!({
        "run_id": view.run.id,
        "public_key": view.run.public_key,
        "fingerprint": view.run.public_key.as_deref().map(tb_audit::fingerprint),
        "entries": entries,
        "cells_answered": cells,
        "head": head,
    })))
}

/// Every kind of audit entry but `cell_answered` (one per cell: counted, not listed).
pub const AUDIT_SHOWN: &[&str] = &[
    "run_started",
    "run_resumed",
    tb_runner::JOURNAL_REPLAYED,
    "run_finished",
    "run_interrupted",
    "checkpoint",
    "report_signed",
    "report_regraded",
    "blind_mapping_sealed",
    "vendor_budget_reached",
    tb_report::committee::EVALUATOR_SCORE,
    tb_report::committee::PRICE_JUSTIFICATION,
    "mapping_revealed",
    tb_core::LOAD_STAGE_FINISHED,
];

/// Exports the run's evidence bundle into a temporary file.
async fn export_bundle(app: &App, run_id: &str) -> ApiResult<tempfile::TempPath> {
    if app.runs.is_active(run_id) {
        return Err(ApiError::conflict(
            "the run is in progress: its bundle is exported once it has ended and been signed",
        ));
    }
    let file = tempfile::Builder::new().suffix(".tar.gz").tempfile().map_err(ApiError::internal)?.into_temp_path();
    tb_bundle::export(&app.store, run_id, &app.key, &[], &file).await.map_err(|e| match e {
        tb_bundle::BundleError::Store(s) => ApiError::from(s),
        other => {
            tracing::warn!(run = %run_id, error = %other, "no bundle");
            ApiError::conflict("no bundle for this run yet: it needs a finished, signed run")
        }
    })?;
    Ok(file)
}

pub async fn bundle(State(app): State<App>, caller: Caller, Path(id): Path<String>) -> ApiResult<Response> {
    buyer_or_auditor(&caller)?;
    let view = run_view(&app, &caller, &id).await?;
    let path = export_bundle(&app, &view.run.id).await?;
    let bytes = tokio::fs::read(&path).await.map_err(ApiError::internal)?;
    tracing::info!(run = %id, by = %caller.name, bytes = bytes.len(), "bundle downloaded");
    Ok((
        [
            (header::CONTENT_TYPE, "application/gzip".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{id}.tar.gz\"")),
        ],
        Body::from(bytes),
    )
        .into_response())
}

/// Exports the bundle and verifies it as an auditor would offline.
pub async fn verify(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    buyer_or_auditor(&caller)?;
    let view = run_view(&app, &caller, &id).await?;
    let path = export_bundle(&app, &view.run.id).await?;
    let fingerprint = app.key.fingerprint();
    Ok(Json(match tb_bundle::verify(&path, Some(&fingerprint)).await {
        Ok(v) => serde_json::json!({
            "verified": true, "run_id": v.run_id, "fingerprint": v.fingerprint, "cells": v.cells,
            "evidence": v.evidence, "audit_entries": v.audit_entries, "checkpoints": v.checkpoints,
            "report_sha256": v.report_sha256,
        }),
        Err(e) => serde_json::json!({ "verified": false, "error": e.to_string() }),
    }))
}

pub async fn mapping(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Auditor])?;
    let view = run_view(&app, &caller, &id).await?;
    if caller.role == Role::Evaluator && !view.codes.is_empty() {
        return Err(ApiError::new("blind", "the vendors' names stay sealed until the buyer reveals the mapping"));
    }
    let mapping: serde_json::Value =
        view.run.blind_mapping.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or_default();
    Ok(Json(serde_json::json!({ "revealed": view.run.blind_revealed, "codes": mapping["codes"] })))
}

// ---- operations ----

/// The workers of distributed runs (`tenderbench worker`): heartbeats and what each is doing.
pub async fn workers(State(app): State<App>, caller: Caller) -> ApiResult<Json<serde_json::Value>> {
    caller.require(&[Role::Admin, Role::Buyer, Role::Auditor])?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let list: Vec<serde_json::Value> = app
        .store
        .workers()
        .await?
        .into_iter()
        .map(|w| {
            let age = (now - w.heartbeat_ms).max(0);
            let mut v = serde_json::to_value(&w).unwrap_or_default();
            if caller.role == Role::Admin {
                // The cells in flight name vendors and cases: tender data, not operations.
                v["current"] = serde_json::Value::Null;
            }
            v["seconds_since_heartbeat"] = (age as f64 / 1000.0).into();
            v["alive"] = (age < 90_000).into();
            v
        })
        .collect();
    Ok(Json(serde_json::Value::Array(list)))
}

pub async fn healthz(State(app): State<App>) -> Response {
    match app.store.integrity_check().await {
        Ok(s) if s == "ok" => {
            (StatusCode::OK, Json(serde_json::json!({"status": "ok", "store": app.store.backend_name()})))
                .into_response()
        }
        _ => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "store unavailable"}))).into_response()
        }
    }
}

pub async fn metrics(State(app): State<App>) -> Response {
    let active = app.runs.active_count();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], app.metrics.render(active)).into_response()
}

pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::endpoints::openapi())
}
