//! `tenderbench serve`: the multi-user server. One process serves the JSON
//! API (`api`, documented at `/api/openapi.json` from the same endpoint
//! table that builds the router, `endpoints`), the dashboard (`pages`), and
//! the runs it starts (`runs`) and the contracts' probes it schedules
//! (`schedule`), over the store `--db` names (SQLite or
//! PostgreSQL).
//!
//! Every access decision is made here, in the handler, from the caller's
//! role and the resource (`access`): the pages only show what the API
//! would answer.

pub mod access;
pub mod api;
pub mod auth;
pub mod config;
pub mod endpoints;
pub mod error;
pub mod logs;
pub mod metrics;
pub mod pages;
pub mod runs;
pub mod schedule;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tb_audit::Keypair;
use tb_store::Store;
use tokio::sync::watch;

pub use config::Config;

/// What every handler shares.
#[derive(Clone)]
pub struct App(Arc<Inner>);

pub struct Inner {
    pub store: Store,
    pub config: Config,
    pub runs: Arc<runs::Runs>,
    pub metrics: Arc<metrics::Metrics>,
    pub limiter: auth::LoginLimiter,
    pub key: Arc<Keypair>,
    pub reports: Arc<access::ReportCache>,
    /// Where runs may connect (the administrator's configuration; see `tb_vendor::egress`).
    pub egress: Arc<tb_vendor::egress::EgressPolicy>,
    /// Turns true when shutdown begins: event streams end, new runs are refused.
    pub shutdown: watch::Sender<bool>,
    pub templates: pages::Templates,
    /// Committee inputs (scores, the reveal) are appended one at a time.
    pub committee: tokio::sync::Mutex<()>,
    /// Bounds the argon2 verifications running at once (each costs tens of milliseconds of a core).
    pub password_checks: tokio::sync::Semaphore,
    /// Contracts' calibrated alarm thresholds, by contract file (the calibration simulates thousands of contracts).
    pub contract_thresholds: std::sync::Mutex<std::collections::HashMap<String, tb_contract::monitor::Thresholds>>,
    /// The contracts whose scheduled probe this process is running.
    pub probes_in_flight: schedule::InFlight,
}

impl std::ops::Deref for App {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl App {
    pub async fn new(config: Config) -> anyhow::Result<App> {
        if config.contract_probes == schedule::ProbeExecutor::Workers
            && !matches!(config.db, tb_store::DbLocation::Postgres(_))
        {
            anyhow::bail!("contract_probes = \"workers\" queues probes in PostgreSQL: give a postgres:// store");
        }
        let store = Store::open(&config.db).await?;
        std::fs::create_dir_all(&config.data_dir)
            .map_err(|e| anyhow::anyhow!("cannot create the data folder {}: {e}", config.data_dir.display()))?;
        let key = Arc::new(config::server_key(&config)?);
        let metrics = Arc::new(metrics::Metrics::default());
        let reports = Arc::new(access::ReportCache::new(store.clone(), config.report_refresh_secs));
        let egress = Arc::new(config.egress_policy()?);
        let mut runs = runs::Runs::new(
            store.clone(),
            key.clone(),
            egress.clone(),
            config.data_dir.clone(),
            metrics.clone(),
            reports.clone(),
        );
        runs.sandbox_isolation = config.sandbox_isolation;
        let runs = Arc::new(runs);
        let recovered = runs.recover().await.map_err(|e| anyhow::anyhow!("cannot recover runs: {}", e.message))?;
        if recovered > 0 {
            tracing::warn!(
                runs = recovered,
                "runs left by a stopped server are interrupted; resume them from their pages"
            );
        }
        config::bootstrap_admin(&store).await?;
        Ok(App(Arc::new(Inner {
            store,
            config,
            runs,
            metrics,
            limiter: auth::LoginLimiter::default(),
            key,
            reports,
            egress,
            shutdown: watch::channel(false).0,
            templates: pages::Templates::new()?,
            committee: tokio::sync::Mutex::new(()),
            password_checks: tokio::sync::Semaphore::new(2),
            contract_thresholds: Default::default(),
            probes_in_flight: Default::default(),
        })))
    }

    pub fn router(&self) -> Router {
        // Two tables, nothing else: what is served is what they list.
        let mut router = Router::new();
        for e in endpoints::ENDPOINTS {
            router = router.route(e.path, (e.handler)());
        }
        for (path, handler) in pages::PAGES {
            router = router.route(path, handler());
        }
        router
            .layer(axum::middleware::from_fn(security_headers))
            .layer(axum::middleware::from_fn_with_state(self.clone(), observe))
            .layer(axum::extract::DefaultBodyLimit::max(self.config.max_upload_bytes))
            .with_state(self.clone())
    }
}

/// The pages' own scripts and styles are inline; nothing is loaded from
/// elsewhere, no page may be framed, and no address leaks to another site in a Referer.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// Security headers on every response.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        // Not no-referrer: under it a browser sends `Origin: null` with its own form posts.
        ("referrer-policy", "same-origin"),
    ] {
        headers.insert(name, axum::http::HeaderValue::from_static(value));
    }
    response
}

/// Logs and measures every request by its route pattern.
async fn observe(State(app): State<App>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    let secs = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    app.metrics.request(&route, &method, status, secs);
    tracing::info!(target: "tenderbench::http", method, route, status, ms = secs * 1000.0, "request");
    response
}

/// Serves until Ctrl-C or SIGTERM; then stops taking requests, checkpoints
/// every run in progress (its stored cells stay, it is marked interrupted
/// and resumable), and returns.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let app = App::new(config).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, store = app.store.backend_name(), "serving");
    eprintln!("tenderbench serving on http://{address}/ (store: {})", app.store.backend_name());
    tokio::spawn(schedule::run(app.clone()));
    let shutdown_app = app.clone();
    let stopping = async move {
        shutdown_signal().await;
        tracing::info!("shutting down: checkpointing runs");
        let _ = shutdown_app.shutdown.send(true);
        shutdown_app.runs.checkpoint_all().await;
    };
    axum::serve(listener, app.router().into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(stopping)
        .await?;
    app.store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}

/// Initialises structured logs: `text` (key=value) or `json`, filtered by `RUST_LOG` (default info).
pub fn init_logs(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}

/// Query parameters as a map (for the few handlers that take free-form filters).
pub type QueryMap = HashMap<String, String>;
