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

// ---- tenders ----

#[derive(Deserialize)]
pub struct NewTender {
    /// The spec (TOML); absent with `example`.
    #[serde(default)]
    pub spec_toml: Option<String>,
    /// The spec's files (suites) by path relative to the spec.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// `hotline`: the built-in example tender.
    #[serde(default)]
    pub example: Option<String>,
}

pub async fn list_tenders(State(app): State<App>, caller: Caller) -> ApiResult<Json<serde_json::Value>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let tenders: Vec<serde_json::Value> = app
        .store
        .tenders()
        .await?
        .into_iter()
        .map(|t| serde_json::json!({"id": t.id, "title": t.title, "created_by": t.created_by, "created_at": t.created_at}))
        .collect();
    Ok(Json(serde_json::Value::Array(tenders)))
}

/// Files one tender may hold (its suites and their data): far more than any
/// tender needs, few enough that an upload cannot fill the server's disk
/// with entries (the request's size is capped by `max_upload_bytes`).
const MAX_TENDER_FILES: usize = 1000;

pub async fn create_tender(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<NewTender>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    caller.require(&[Role::Buyer])?;
    let (spec_toml, files): (String, Vec<(String, Vec<u8>)>) = match (&body.example, body.spec_toml) {
        (Some(e), None) if e == "hotline" => {
            let files = tb_spec::example::FILES.iter().map(|(p, t)| (p.to_string(), t.as_bytes().to_vec())).collect();
            (tb_spec::example::SPEC.to_string(), files)
        }
        (Some(e), None) => return Err(ApiError::bad_request(format!("unknown example {e:?}; examples: hotline"))),
        (None, Some(spec)) => (spec, body.files.into_iter().map(|(p, t)| (p, t.into_bytes())).collect()),
        _ => return Err(ApiError::bad_request("give either `spec_toml` (with `files`) or `example`")),
    };
    if let Some((bad, _)) = files.iter().find(|(p, _)| !crate::runs::valid_file_path(p)) {
        return Err(ApiError::bad_request(format!(
            "file path {bad:?} must be relative, inside the tender's folder, without control characters"
        )));
    }
    if files.len() > MAX_TENDER_FILES {
        return Err(ApiError::bad_request(format!(
            "a tender holds at most {MAX_TENDER_FILES} files; this one has {}",
            files.len()
        )));
    }
    // Validate in a scratch folder: the spec's errors name its lines, and its suites must be there.
    let scratch = tempfile::tempdir().map_err(ApiError::internal)?;
    let spec_path = scratch.path().join("tender.toml");
    let write_all = || -> std::io::Result<()> {
        crate::runs::write_file(scratch.path(), "tender.toml", spec_toml.as_bytes())?;
        files.iter().try_for_each(|(p, content)| crate::runs::write_file(scratch.path(), p, content))
    };
    write_all().map_err(ApiError::internal)?;
    let spec = tb_spec::load(&spec_path).map_err(|errs| {
        let text = errs.to_string().replace(&scratch.path().display().to_string(), ".");
        ApiError::new("invalid_spec", text)
    })?;
    // A suite is one of the tender's own files: never a path elsewhere on the server.
    for suite in &spec.suites {
        if !crate::runs::inside(&suite.path) || !files.iter().any(|(p, _)| *p == suite.path) {
            return Err(ApiError::new(
                "invalid_spec",
                format!("suite {}: path {:?} must name one of the uploaded files", suite.id, suite.path),
            ));
        }
    }
    // Isolation is the server's, never a tender's: a bidder's code could
    // otherwise read the server's files and open sockets on its word.
    if spec.sandbox.isolation != "bubblewrap" {
        return Err(ApiError::new(
            "invalid_spec",
            format!(
                "[sandbox] isolation = {:?}: on this server bidders' code is isolated as its administrator configures \
                 (sandbox_isolation), and a tender cannot weaken it; remove the line",
                spec.sandbox.isolation
            ),
        ));
    }
    let record = TenderRecord {
        id: spec.tender.id.clone(),
        title: spec.tender.title.clone(),
        spec_toml,
        created_by: caller.name.clone(),
        created_at: tb_store::now_rfc3339(),
    };
    if !app.store.create_tender(&record, &files).await? {
        return Err(ApiError::conflict(format!("tender {} exists already", record.id)));
    }
    tracing::info!(by = %caller.name, tender = %crate::logs::escaped(&record.id), "tender created");
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "id": record.id, "title": record.title }))))
}

/// The environment variables a spec may name for API keys: only those with
/// the server's prefix, so that a spec cannot have the server send another
/// of its secrets (its database URL, say) to an address the spec chooses.
fn check_key_variables(app: &App, spec: &tb_spec::Spec) -> ApiResult<()> {
    let prefix = &app.config.vendor_key_prefix;
    let named = spec
        .vendors
        .iter()
        .map(|v| (v.name.as_str(), &v.api_key_env))
        .chain(spec.judges.iter().map(|j| (j.id.as_str(), &j.endpoint.api_key_env)));
    for (who, var) in named {
        if let Some(var) = var
            && !var.starts_with(prefix.as_str())
        {
            return Err(ApiError::new(
                "invalid_spec",
                format!(
                    "{who}: api_key_env {var:?} must begin with {prefix:?} on this server (its vendors' keys are set in variables named so)"
                ),
            ));
        }
    }
    Ok(())
}

/// A tender's spec as loaded from its stored files.
pub async fn tender_spec(app: &App, id: &str) -> ApiResult<(TenderRecord, tb_spec::Spec)> {
    let tender = app.store.tender(id).await?.ok_or_else(|| ApiError::not_found("tender"))?;
    let path = app.runs.materialise(&tender).await?;
    let spec = tb_spec::load(&path)
        .map_err(|errs| ApiError::new("invalid_spec", crate::runs::without_paths(&errs.to_string())))?;
    let dir = app.runs.tender_dir(id);
    if let Some(s) = spec.suites.iter().find(|s| !s.resolved.starts_with(&dir)) {
        return Err(ApiError::new("invalid_spec", format!("suite {} is not a file of the tender", s.id)));
    }
    Ok((tender, spec))
}

pub async fn tender_view(app: &App, caller: &Caller, id: &str) -> ApiResult<serde_json::Value> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let (tender, spec) = tender_spec(app, id).await?;
    let registrations = app.store.registrations(id).await?;
    let mut vendors: Vec<serde_json::Value> = spec
        .vendors
        .iter()
        .map(|v| {
            let reg = registrations.iter().find(|r| r.vendor == v.name);
            serde_json::json!({
                "name": v.name,
                "model": reg.map_or(v.model.as_str(), |r| r.model.as_str()),
                "bid_price": reg.map_or(v.bid_price, |r| r.bid_price),
                "registered": reg.is_some(),
            })
        })
        .collect();
    match caller.role {
        Role::Vendor => vendors.retain(|v| v["name"].as_str() == caller.vendor.as_deref()),
        // The panel scores blind: it learns who bid only at reveal.
        Role::Evaluator => vendors.clear(),
        _ => {}
    }
    let runs: Vec<serde_json::Value> = app
        .store
        .tender_runs(id)
        .await?
        .into_iter()
        .filter(|r| match caller.role {
            Role::Vendor => r.kind == "official" || r.vendor.as_deref() == caller.vendor.as_deref(),
            Role::Evaluator => r.kind == "official",
            _ => true,
        })
        .map(
            |r| serde_json::json!({"run_id": r.run_id, "kind": r.kind, "vendor": r.vendor, "created_at": r.created_at}),
        )
        .collect();
    let suites: Vec<serde_json::Value> = spec
        .suites
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id, "format": s.format.to_string(), "sealed": s.commitment.is_some(),
                "commitment": s.commitment, "practice": s.practice,
            })
        })
        .collect();
    let criteria: Vec<serde_json::Value> = spec
        .criteria
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id, "name": c.name, "suite": c.suite, "grader": c.grader, "weight": c.weight,
                "gate": c.gate.as_ref().map(|g| serde_json::to_value(g).unwrap_or_default()),
            })
        })
        .collect();
    Ok(serde_json::json!({
        "id": tender.id, "title": tender.title, "buyer": spec.tender.buyer, "kind": spec.tender.kind,
        "price_weight": spec.tender.price_weight, "created_by": tender.created_by, "created_at": tender.created_at,
        "criteria": criteria, "suites": suites, "vendors": vendors, "runs": runs,
    }))
}

pub async fn get_tender(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(tender_view(&app, &caller, &id).await?))
}

pub async fn get_suite(
    State(app): State<App>,
    caller: Caller,
    Path((id, suite)): Path<(String, String)>,
) -> ApiResult<Response> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Vendor, Role::Auditor])?;
    let (_, spec) = tender_spec(&app, &id).await?;
    let s = spec.suites.iter().find(|s| s.id == suite).ok_or_else(|| ApiError::not_found("suite"))?;
    if let Some(c) = &s.commitment {
        return Err(ApiError::new("sealed", format!("suite {suite} is sealed; its commitment is {c}")));
    }
    if caller.role == Role::Vendor && !s.practice {
        return Err(ApiError::forbidden("vendors read the public practice suite only"));
    }
    let content = tokio::fs::read(&s.resolved).await.map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")], content).into_response())
}

#[derive(Deserialize)]
pub struct NewRegistration {
    pub base_url: String,
    pub model: String,
    pub bid_price: f64,
}

pub async fn register(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewRegistration>,
) -> ApiResult<(StatusCode, Json<Registration>)> {
    caller.require(&[Role::Vendor])?;
    let vendor = caller.vendor.clone().unwrap_or_default();
    let (_, spec) = tender_spec(&app, &id).await?;
    if !spec.vendors.iter().any(|v| v.name == vendor) {
        return Err(ApiError::forbidden(format!("{vendor} is not a bidder of tender {id}")));
    }
    let url = body.base_url.trim().trim_end_matches('/');
    if url.len() > 500 {
        return Err(ApiError::bad_request("base_url is longer than 500 characters"));
    }
    let parsed = app.egress.check_url(url).map_err(ApiError::bad_request)?;
    // A host name is checked again at every connect; refusing it now tells the vendor at once.
    if let (Some(tb_vendor::egress::Host::Domain(host)), Some(port)) = (parsed.host(), parsed.port_or_known_default())
        && let Ok(found) = tokio::net::lookup_host((host, port)).await
    {
        let found: Vec<std::net::SocketAddr> = found.collect();
        if !found.is_empty() && !found.iter().any(|a| app.egress.permits(a.ip())) {
            return Err(ApiError::bad_request(format!(
                "base_url's host {host} resolves only to addresses on this machine or a local network"
            )));
        }
    }
    if !(body.bid_price.is_finite() && body.bid_price > 0.0) {
        return Err(ApiError::bad_request("bid_price must be a positive number"));
    }
    if body.model.trim().is_empty() {
        return Err(ApiError::bad_request("model must name the model"));
    }
    let reg = Registration {
        tender_id: id,
        vendor,
        base_url: url.to_string(),
        model: body.model.trim().to_string(),
        bid_price: body.bid_price,
        created_at: tb_store::now_rfc3339(),
    };
    app.store.register(&reg).await?;
    tracing::info!(tender = %crate::logs::escaped(&reg.tender_id), vendor = %crate::logs::escaped(&reg.vendor), "vendor registered");
    Ok((StatusCode::CREATED, Json(reg)))
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

/// One cell as the transcript browser shows it. While a run is blind, the
/// panel gets no failure details and no body hashes (a body names its model,
/// so a guessed one could be hashed and compared).
pub fn cell_json(view: &RunView, cell: CellRecord) -> serde_json::Value {
    let vendor = view.shown(&cell.vendor);
    let graded = tb_report::grade_cell(&view.spec, cell);
    let grades: serde_json::Map<String, serde_json::Value> = graded
        .grades
        .iter()
        .map(|(c, g)| {
            (c.to_string(), serde_json::json!({"correct": g.correct, "extracted": g.extracted, "note": g.note}))
        })
        .collect();
    let c = graded.cell;
    serde_json::json!({
        "vendor": vendor, "suite": c.suite, "case_id": c.case_id, "repeat": c.repeat,
        "answer": c.answer, "cause": c.cause,
        "detail": if view.codes.is_empty() { c.detail } else { None },
        "latency_ms": c.latency_ms, "ttft_ms": c.ttft_ms, "attempts": c.attempts,
        "prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens,
        "grades": grades,
        "request_sha256": if view.codes.is_empty() { Some(c.request_sha256) } else { None },
        "response_sha256": if view.codes.is_empty() { Some(c.response_sha256) } else { None },
    })
}

pub async fn cells(app: &App, caller: &Caller, id: &str, q: &QueryMap) -> ApiResult<(RunView, Vec<serde_json::Value>)> {
    let view = run_view(app, caller, id).await?;
    // A vendor is named as the run shows it (its code while blind): a guessed name finds nothing.
    let vendor = match q.get("vendor").filter(|v| !v.is_empty()) {
        Some(v) => Some(view.name_of(v).ok_or_else(|| ApiError::not_found("vendor in this run"))?),
        None => None,
    };
    let mut filter = CellFilter {
        vendor,
        suite: q.get("suite").filter(|v| !v.is_empty()).cloned(),
        search: q.get("q").filter(|v| !v.is_empty()).cloned(),
        failed_only: q.get("failed").is_some_and(|v| v == "1" || v == "true"),
        exclude_suites: Vec::new(),
        limit: q.get("limit").and_then(|v| v.parse().ok()).unwrap_or(50).min(500),
        offset: q.get("offset").and_then(|v| v.parse().ok()).unwrap_or(0),
    };
    if let Some((own, _)) = &view.own {
        if filter.vendor.as_ref().is_some_and(|v| v != own) {
            return Err(ApiError::not_found("vendor in this run"));
        }
        filter.vendor = Some(own.clone());
    }
    // Left out in the query, so that a page is never emptied afterwards.
    filter.exclude_suites = view
        .spec
        .suites
        .iter()
        .filter(|s| !access::readable_suite(caller, &view.spec, &s.id))
        .map(|s| s.id.clone())
        .collect();
    if let Some(suite) = &filter.suite
        && !access::readable_suite(caller, &view.spec, suite)
    {
        return Err(ApiError::new("sealed", "a sealed suite's cases stay hidden from vendors"));
    }
    let rows = app.store.cell_page(&view.run.id, &filter).await?;
    let out = rows
        .into_iter()
        .filter(|c| access::readable_suite(caller, &view.spec, &c.suite))
        .map(|c| cell_json(&view, c))
        .collect();
    Ok((view, out))
}

pub async fn get_cells(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<QueryMap>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(serde_json::Value::Array(cells(&app, &caller, &id, &q).await?.1)))
}

/// One case, every vendor the caller may see, side by side: the prompt, each answer and its grades,
/// and (for those who may read evidence) the raw bodies.
pub async fn case(
    app: &App,
    caller: &Caller,
    id: &str,
    suite: &str,
    case_id: &str,
) -> ApiResult<(RunView, serde_json::Value)> {
    let view = run_view(app, caller, id).await?;
    if !access::readable_suite(caller, &view.spec, suite) {
        return Err(ApiError::new("sealed", "a sealed suite's cases stay hidden from vendors"));
    }
    let cells: Vec<CellRecord> = app
        .store
        .case_cells(&view.run.id, suite, case_id)
        .await?
        .into_iter()
        .filter(|c| view.may_see_vendor(&c.vendor))
        .collect();
    if cells.is_empty() {
        return Err(ApiError::not_found("case"));
    }
    let evidence = access::may_read_evidence(caller, &view);
    let mut prompt = serde_json::Value::Null;
    if let Some(first) = cells.first()
        && let Some(body) = app.store.evidence(&first.request_sha256).await?
    {
        let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        prompt = request.get("messages").cloned().unwrap_or_else(|| request.get("turns").cloned().unwrap_or_default());
    }
    let mut answers = Vec::new();
    for c in cells {
        let (req, resp) = (c.request_sha256.clone(), c.response_sha256.clone());
        let mut j = cell_json(&view, c);
        if evidence {
            let text = |b: Option<Vec<u8>>| b.map(|b| String::from_utf8_lossy(&b).into_owned());
            j["request_body"] = text(app.store.evidence(&req).await?).into();
            j["response_body"] = text(app.store.evidence(&resp).await?).into();
        }
        answers.push(j);
    }
    if !view.codes.is_empty() {
        // Not by name (the store's order): by the panel's drawn order.
        answers.sort_by_cached_key(|a| view.panel_key(a["vendor"].as_str().unwrap_or("")));
    }
    Ok((view, serde_json::json!({ "suite": suite, "case_id": case_id, "prompt": prompt, "answers": answers })))
}

pub async fn get_case(
    State(app): State<App>,
    caller: Caller,
    Path((id, suite, case_id)): Path<(String, String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(case(&app, &caller, &id, &suite, &case_id).await?.1))
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

#[derive(Deserialize)]
pub struct NewScore {
    pub criterion: String,
    /// The vendor as shown (its code while blind).
    pub vendor: String,
    pub score: f64,
    #[serde(default)]
    pub note: Option<String>,
}

/// Appends a committee input to a finished run's audit log, then signs the
/// report again (its signature chained after the input). One at a time in
/// this server: two inputs racing for the log's next position would collide.
async fn record(app: &App, run_id: &str, kind: &str, payload: &impl serde::Serialize) -> ApiResult<()> {
    let _one_at_a_time = app.committee.lock().await;
    let run = app.store.run(run_id).await?;
    if app.runs.is_active(run_id) || run.status != RunStatus::Finished {
        return Err(ApiError::conflict("the committee records its inputs once the run has finished"));
    }
    let head = app.store.audit_head(run_id).await?;
    let mut chain = tb_audit::Chain::resume(run_id, head.as_ref());
    let entry = chain.append(kind, payload, &tb_store::now_rfc3339());
    app.store.append_audit(&[entry]).await?;
    if kind == "mapping_revealed" {
        app.store.set_blind_revealed(run_id).await?;
    }
    resign(app, run_id).await
}

pub async fn score(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewScore>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    caller.require(&[Role::Evaluator])?;
    let view = run_view(&app, &caller, &id).await?;
    let c =
        view.spec.criteria.iter().find(|c| c.id == body.criterion).ok_or_else(|| ApiError::not_found("criterion"))?;
    if !c.is_subjective() {
        return Err(ApiError::bad_request(format!(
            "criterion {} is graded by {}; evaluators score subjective criteria",
            c.id, c.grader
        )));
    }
    if !(0.0..=100.0).contains(&body.score) {
        return Err(ApiError::bad_request("a score is 0–100"));
    }
    if view.run.blind_mapping.is_some() && view.run.blind_revealed {
        return Err(ApiError::conflict("scoring ended when the names were revealed"));
    }
    let vendor = view.name_of(&body.vendor).ok_or_else(|| ApiError::not_found("vendor in this run"))?;
    let entry = tb_report::committee::EvaluatorScore {
        evaluator: caller.name.clone(),
        criterion: body.criterion.clone(),
        vendor,
        score: body.score,
        note: body.note,
    };
    record(&app, &view.run.id, tb_report::committee::EVALUATOR_SCORE, &entry).await?;
    tracing::info!(run = %id, evaluator = %caller.name, criterion = %body.criterion, "evaluator score recorded");
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "recorded": true }))))
}

#[derive(Deserialize)]
pub struct NewJustification {
    /// The vendor as shown (its code while blind).
    pub vendor: String,
    pub accepted: bool,
    #[serde(default)]
    pub note: Option<String>,
}

/// The committee's decision on a bidder's written justification of an abnormally low price.
pub async fn justify(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewJustification>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    caller.require(&[Role::Evaluator])?;
    let view = run_view(&app, &caller, &id).await?;
    if view.run.blind_mapping.is_some() && view.run.blind_revealed {
        return Err(ApiError::conflict("the committee's decisions ended when the names were revealed"));
    }
    let vendor = view.name_of(&body.vendor).ok_or_else(|| ApiError::not_found("vendor in this run"))?;
    let entry = tb_report::committee::PriceJustification { vendor, accepted: body.accepted, note: body.note };
    record(&app, &view.run.id, tb_report::committee::PRICE_JUSTIFICATION, &entry).await?;
    tracing::info!(run = %id, evaluator = %caller.name, accepted = body.accepted, "price justification recorded");
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "recorded": true }))))
}

/// The review queue of a run: every answer the rules could not read, with the
/// grade an evaluator gave it, if any; vendors as the caller may see them.
pub async fn review(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(&[Role::Buyer, Role::Evaluator, Role::Auditor])?;
    let view = run_view(&app, &caller, &id).await?;
    let items = tb_report::review::queue(&app.store, &view.run.id).await?;
    let shown: Vec<serde_json::Value> = items
        .into_iter()
        .map(|mut i| {
            i.vendor = view.shown(&i.vendor);
            if let Some(g) = i.graded.as_mut() {
                g.vendor = view.shown(&g.vendor);
            }
            serde_json::to_value(&i).unwrap_or_default()
        })
        .collect();
    Ok(Json(serde_json::json!({ "run_id": view.run.id, "items": shown })))
}

#[derive(Deserialize)]
pub struct NewOverride {
    pub criterion: String,
    /// The vendor as shown (its code while blind).
    pub vendor: String,
    pub suite: String,
    pub case_id: String,
    #[serde(default)]
    pub repeat: u32,
    pub correct: bool,
    pub reason: String,
}

/// An evaluator's grade of one answer the rules could not read, with the reason.
pub async fn override_grade(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Json(body): Json<NewOverride>,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    caller.require(&[Role::Evaluator])?;
    let view = run_view(&app, &caller, &id).await?;
    if view.run.blind_mapping.is_some() && view.run.blind_revealed {
        return Err(ApiError::conflict("grading by hand ended when the names were revealed"));
    }
    let reason = body.reason.trim();
    if reason.is_empty() {
        return Err(ApiError::bad_request("a grade by hand needs its reason"));
    }
    let vendor = view.name_of(&body.vendor).ok_or_else(|| ApiError::not_found("vendor in this run"))?;
    let cell = app
        .store
        .case_cells(&view.run.id, &body.suite, &body.case_id)
        .await?
        .into_iter()
        .find(|c| c.vendor == vendor && c.repeat == body.repeat)
        .ok_or_else(|| ApiError::not_found("answer"))?;
    let graded = tb_report::grade_cell(&view.spec, cell);
    let (_, grade) =
        graded.grades.iter().find(|(c, _)| *c == body.criterion).ok_or_else(|| ApiError::not_found("criterion"))?;
    if !tb_report::review::in_review(&view.spec, &body.criterion, grade) {
        return Err(ApiError::conflict(
            "the rules read this answer; only answers in the review queue are graded by hand",
        ));
    }
    let entry = tb_report::committee::GradeOverride {
        evaluator: caller.name.clone(),
        criterion: body.criterion.clone(),
        vendor,
        suite: body.suite.clone(),
        case_id: body.case_id.clone(),
        repeat: body.repeat,
        correct: body.correct,
        reason: reason.to_string(),
    };
    record(&app, &view.run.id, tb_report::committee::GRADE_OVERRIDE, &entry).await?;
    tracing::info!(run = %id, evaluator = %caller.name, criterion = %body.criterion, "grade by hand recorded");
    Ok((StatusCode::CREATED, Json(serde_json::json!({ "recorded": true }))))
}

/// After a committee input: the report is signed again, its signature chained after the input.
async fn resign(app: &App, run_id: &str) -> ApiResult<()> {
    let report = tb_report::build(&app.store, run_id).await?;
    let json = tb_report::render_json(&report);
    let previous = tb_bundle::last_signed_report(&app.store, run_id).await.map_err(ApiError::internal)?;
    tb_bundle::record_report_signature(&app.store, run_id, &app.key, &json, previous)
        .await
        .map_err(ApiError::internal)?;
    Ok(())
}

pub async fn reveal(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.require(&[Role::Buyer])?;
    let view = run_view(&app, &caller, &id).await?;
    if view.run.blind_mapping.is_none() || view.run.blind_revealed {
        return Err(ApiError::conflict("this run has no sealed mapping to reveal"));
    }
    if app.runs.is_active(&id) || view.run.status != RunStatus::Finished {
        return Err(ApiError::conflict("reveal after the run has finished and scoring is final"));
    }
    let sealed = view.run.blind_mapping.as_deref().unwrap_or("{}");
    let mapping: serde_json::Value = serde_json::from_str(sealed).map_err(ApiError::internal)?;
    let payload = serde_json::json!({ "mapping": mapping, "commitment": tb_audit::sha256_hex(sealed.as_bytes()) });
    record(&app, &id, "mapping_revealed", &payload).await?;
    tracing::info!(run = %id, by = %caller.name, "mapping revealed");
    Ok(Json(serde_json::json!({ "revealed": true, "codes": mapping["codes"] })))
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
