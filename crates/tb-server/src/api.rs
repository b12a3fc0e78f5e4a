//! The JSON API's handlers. Each one authenticates (the `Caller`
//! extractor), asks `access` what the caller may see, and answers. A body it
//! takes is a request type (`Deserialize`), a JSON answer a response type
//! (`Serialize`); both derive `JsonSchema`, and the OpenAPI document
//! (`endpoints`) is generated from them. A response type's fields are in
//! alphabetical order, so its JSON is byte for byte what the `json!` objects
//! it replaced gave (an account's and a registration's: their records' order).

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
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use tb_store::server::{CellFilter, Registration, TenderRecord, TenderRun, UserRecord};
use tb_store::{CellRecord, RunStatus};

use crate::access::{self, RunView, run_view};
use crate::auth::{self, Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::runs::{Launch, ProgressSnapshot, StartOptions};
use crate::{App, QueryMap};

mod cells;
mod committee;
mod contracts;
mod evidence;
mod runs;
mod tenders;

pub use cells::*;
pub use committee::*;
pub use contracts::*;
pub use evidence::*;
pub use runs::*;
pub use tenders::*;

/// Lists `field` among a request schema's required ones (and drops its
/// default): a field serde accepts absent but the handler refuses without
/// (with its own message).
fn list_required(schema: &mut schemars::Schema, field: &str) {
    if let Some(property) = schema.pointer_mut(&format!("/properties/{field}")).and_then(|p| p.as_object_mut()) {
        property.remove("default");
    }
    let required = schema.ensure_object().entry("required").or_insert_with(|| serde_json::Value::Array(Vec::new()));
    if let Some(list) = required.as_array_mut()
        && !list.iter().any(|f| f == field)
    {
        list.push(field.into());
    }
}

// ---- accounts ----

/// A login.
#[derive(Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"name": "alice", "password": "correct horse battery"}))]
pub struct Login {
    /// The account name.
    pub name: String,
    /// Its password.
    pub password: String,
}

/// The caller's account and session.
#[derive(Serialize, JsonSchema)]
pub struct Session {
    /// The session's CSRF token: a write authenticated by the session cookie
    /// sends it as `X-CSRF-Token`. Null for a bearer token.
    pub csrf: Option<String>,
    /// The account name.
    pub name: String,
    /// The account's role.
    #[schemars(with = "Role")]
    pub role: String,
    /// The bidder a vendor account speaks for (its name in the tender specs); null for other roles.
    pub vendor: Option<String>,
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
    let body = Session { csrf: Some(session.csrf), name: user.name, role: user.role, vendor: user.vendor };
    Ok(([(header::SET_COOKIE, auth::session_cookie(&token, app.config.secure_cookies))], Json(body)).into_response())
}

pub async fn logout(State(app): State<App>, caller: Caller, headers: HeaderMap) -> ApiResult<Response> {
    if let Some(token) = auth::cookie_in(&headers, auth::SESSION_COOKIE) {
        app.store.delete_session(&tb_audit::sha256_hex(token.as_bytes()), auth::now_secs()).await?;
    }
    tracing::info!(name = %caller.name, "logged out");
    Ok(([(header::SET_COOKIE, auth::clear_cookie(app.config.secure_cookies))], StatusCode::NO_CONTENT).into_response())
}

pub async fn me(caller: Caller) -> Json<Session> {
    Json(Session {
        csrf: caller.csrf,
        name: caller.name,
        role: caller.role.as_str().to_string(),
        vendor: caller.vendor,
    })
}

/// An account (never its password hash).
#[derive(Serialize, JsonSchema)]
pub struct Account {
    /// The account name.
    pub name: String,
    /// Its role.
    #[schemars(with = "Role")]
    pub role: String,
    /// The bidder a vendor account speaks for; null for other roles.
    pub vendor: Option<String>,
    /// When it was created (RFC 3339).
    pub created_at: String,
}

impl From<UserRecord> for Account {
    fn from(user: UserRecord) -> Account {
        // Every field named: a field added to the record is a compile error here, not a silent omission.
        let UserRecord { name, role, vendor, password_hash: _, created_at } = user;
        Account { name, role, vendor, created_at }
    }
}

pub async fn list_users(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<Account>>> {
    caller.require(&[Role::Admin])?;
    Ok(Json(app.store.users().await?.into_iter().map(Account::from).collect()))
}

/// A new account.
#[derive(Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"name": "bidder-a", "password": "at-least-10-chars", "role": "vendor", "vendor": "Bidder A"}))]
pub struct NewUser {
    /// The account name: 1–64 characters, no control characters or `:`.
    pub name: String,
    /// At least 10 characters.
    pub password: String,
    /// The account's role.
    #[schemars(with = "Role")]
    pub role: String,
    /// The bidder's name in the tender specs: vendor accounts only, and required for them.
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
) -> ApiResult<(StatusCode, Json<Account>)> {
    caller.require(&[Role::Admin])?;
    let user = create_account(&app.store, body).await?;
    tracing::info!(by = %caller.name, name = %user.name, role = %user.role, "account created");
    Ok((StatusCode::CREATED, Json(user.into())))
}

/// A new API token for the caller.
#[derive(Deserialize, JsonSchema)]
#[schemars(example = serde_json::json!({"label": "nightly export"}))]
pub struct NewToken {
    /// What the token is for.
    #[serde(default)]
    pub label: String,
}

/// A new API token: shown once.
#[derive(Serialize, JsonSchema)]
pub struct CreatedToken {
    /// That the token is shown only now.
    pub note: &'static str,
    /// The bearer token (`tb_…`); the server keeps only its SHA-256.
    pub token: String,
}

pub async fn create_token(
    State(app): State<App>,
    caller: Caller,
    Json(body): Json<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let token = format!("tb_{}", auth::random_token());
    app.store.create_token(&tb_audit::sha256_hex(token.as_bytes()), &caller.name, body.label.trim()).await?;
    tracing::info!(name = %caller.name, label = %body.label, "API token created");
    Ok((StatusCode::CREATED, Json(CreatedToken { note: "shown once; only its SHA-256 is stored", token })))
}

// ---- operations ----

/// A worker of distributed runs (`tenderbench worker`) and its last heartbeat.
#[derive(Serialize, JsonSchema)]
pub struct Worker {
    /// Whether its last heartbeat is less than 90 s old.
    pub alive: bool,
    /// Cells in flight now.
    pub busy: u32,
    /// What it can run (a comma-separated list).
    pub capabilities: String,
    /// Cells it runs at once.
    pub concurrency: u32,
    /// What it is doing: `run/vendor/suite/case` of some cells in flight (null for an administrator:
    /// they name vendors and cases, tender data rather than operations).
    pub current: Option<String>,
    /// Cells stored since it started.
    pub done: u64,
    /// Unix milliseconds of the last heartbeat.
    pub heartbeat_ms: i64,
    /// Its host name.
    pub host: String,
    /// Its id.
    pub id: String,
    /// Its process id.
    pub pid: u32,
    /// Seconds since the last heartbeat.
    pub seconds_since_heartbeat: f64,
    /// When it started (RFC 3339).
    pub started_at: String,
}

/// The workers of distributed runs (`tenderbench worker`): heartbeats and what each is doing.
pub async fn workers(State(app): State<App>, caller: Caller) -> ApiResult<Json<Vec<Worker>>> {
    caller.require(&[Role::Admin, Role::Buyer, Role::Auditor])?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let list = app.store.workers().await?.into_iter().map(|w| {
        let tb_store::queue::WorkerRecord {
            id,
            host,
            pid,
            capabilities,
            concurrency,
            started_at,
            heartbeat_ms,
            busy,
            done,
            current,
        } = w;
        let age = (now - heartbeat_ms).max(0);
        Worker {
            alive: age < 90_000,
            busy,
            capabilities,
            concurrency,
            // The cells in flight name vendors and cases: tender data, not operations.
            current: current.filter(|_| caller.role != Role::Admin),
            done,
            heartbeat_ms,
            host,
            id,
            pid,
            seconds_since_heartbeat: age as f64 / 1000.0,
            started_at,
        }
    });
    Ok(Json(list.collect()))
}

/// The server's health.
#[derive(Serialize, JsonSchema)]
pub struct Health {
    /// `ok`, or (with HTTP 503) `store unavailable`.
    pub status: &'static str,
    /// The store's backend, `sqlite` or `postgres` (when it is healthy).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<&'static str>,
}

pub async fn healthz(State(app): State<App>) -> Response {
    match app.store.integrity_check().await {
        Ok(s) if s == "ok" => {
            (StatusCode::OK, Json(Health { status: "ok", store: Some(app.store.backend_name()) })).into_response()
        }
        _ => {
            (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "store unavailable", store: None })).into_response()
        }
    }
}

pub async fn metrics(State(app): State<App>) -> Response {
    let active = app.runs.active_count();
    let contracts = contract_metrics(&app).await;
    if let Err(e) = &contracts {
        // The server's own series still go out; the log says why the contracts' did not.
        tracing::warn!(error = %e.message, "contract metrics");
    }
    let registry = contracts.ok().map(|c| c.registry());
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], app.metrics.render(active, registry.as_ref()))
        .into_response()
}

async fn contract_metrics(app: &App) -> ApiResult<crate::metrics::ContractMetrics> {
    let m = crate::metrics::ContractMetrics::default();
    for record in app.store.contracts().await? {
        let contract = tb_contract::Contract::parse(&record.toml, &record.id).map_err(ApiError::internal)?;
        let probes = contracts::probes_of(app, &record.id).await?;
        let trace = contracts::figures(app, &contract, &probes).await?;
        m.add(&contract, &trace);
    }
    Ok(m)
}

pub async fn openapi() -> Json<serde_json::Value> {
    Json(crate::endpoints::openapi())
}
