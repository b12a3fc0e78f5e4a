//! The only crate that knows SQL.
//!
//! A [`Store`] holds runs and their cells in an SQLite file (WAL mode) or a
//! PostgreSQL database (`postgres://…`), behind one interface whose queries
//! are written once (`queries.rs`) and compiled for each. Each cell
//! is keyed by (run, vendor, suite, case, repeat): the primary key makes it
//! impossible to store a cell twice, and every batch of cells is committed in one
//! transaction, so a killed process loses at most the cells still in flight.
//!
//! The store knows rows, not scoring: grading and statistics happen elsewhere.

// The one crate where SQL belongs (clippy.toml forbids it elsewhere).
#![allow(clippy::disallowed_methods)]

use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

use futures_util::stream::BoxStream;
use sqlx::SqlitePool;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
pub use tb_audit::AuditEntry;

#[macro_use]
mod queries;
mod location;
mod migrations;

pub use location::DbLocation;
use location::redact;

use migrations::Dialect;
pub use migrations::latest_version as latest_schema_version;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the store {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    #[error("store query failed ({what}): {source}")]
    Query { what: &'static str, source: sqlx::Error },
    #[error("no run {0:?} in this store (`tenderbench runs` lists them)")]
    NoSuchRun(String),
    #[error("the store holds a corrupt row ({0})")]
    Corrupt(String),
    #[error("cannot bring the store {path} to this version's schema: {source}")]
    Migrate { path: String, source: sqlx::migrate::MigrateError },
    #[error("{0} needs a PostgreSQL store (--db postgres://…)")]
    NeedsPostgres(&'static str),
}

pub(crate) type Result<T> = std::result::Result<T, StoreError>;

pub(crate) fn q(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |source| StoreError::Query { what, source }
}

/// Lifecycle of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Interrupted,
    Finished,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Finished => "finished",
        }
    }
    pub(crate) fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "running" => RunStatus::Running,
            "interrupted" => RunStatus::Interrupted,
            "finished" => RunStatus::Finished,
            other => return Err(StoreError::Corrupt(format!("run status {other:?}"))),
        })
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub id: String,
    pub tender_id: String,
    pub spec_hash: String,
    /// The validated spec as JSON: reports are rendered from this, not from a file.
    pub spec_json: String,
    /// `[{"id", "sha256", "cases"}]` for every suite the run sends.
    pub suites_json: String,
    /// True when the vendors were simulated (demo): every output says so.
    pub simulated: bool,
    pub status: RunStatus,
    pub created_at: String,
    pub finished_at: Option<String>,
    /// Hex Ed25519 public key that signs this run's checkpoints and reports.
    pub public_key: Option<String>,
    /// Blind runs: the sealed name ↔ code mapping (`{"codes": {name: code}, "salt": …}`).
    #[serde(default)]
    pub blind_mapping: Option<String>,
    /// Whether the mapping has been revealed (outputs then show names).
    #[serde(default)]
    pub blind_revealed: bool,
    /// The seed of every vendor's case order (its commitment is logged at the start).
    #[serde(default)]
    pub order_seed: Option<String>,
}

/// One stored cell: a case sent to a vendor once, and what came back.
/// Its canonical JSON is what the audit log's `cell_answered` entry commits to.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CellRecord {
    pub run_id: String,
    pub vendor: String,
    pub suite: String,
    pub case_id: String,
    pub repeat: u32,
    /// Position of the case in its suite file.
    pub seq: u64,
    /// `None` when answered; the failure code otherwise.
    pub cause: Option<String>,
    pub detail: Option<String>,
    pub answer: Option<String>,
    pub finish_reason: Option<String>,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub ttft_ms: Option<f64>,
    pub latency_ms: f64,
    pub attempts: u32,
    pub gold_json: String,
    pub subject: Option<String>,
    pub language: Option<String>,
    /// SHA-256 of the request body in the evidence store.
    pub request_sha256: String,
    /// SHA-256 of the response body in the evidence store (of nothing when none arrived).
    pub response_sha256: String,
    pub finished_at: String,
    /// The function calls the model made (JSON text, see `tb_core::Answer::tool_calls`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_calls: Option<String>,
    /// What graders that act at run time found, as a JSON object keyed by
    /// criterion id: the sandbox's verdict for `code`, the judge's raw reply
    /// for `judge`. Grading reads these, so a report is recomputed offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdicts: Option<String>,
    /// Streaming timings and, for a load-stage request, its schedule, as
    /// JSON (`tb_core::Timing` plus the stage's fields): measurements that
    /// the stored bytes cannot give back, committed with the cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<String>,
}

/// One body in the content-addressed evidence store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub sha256: String,
    /// Size of the body itself.
    pub size: u64,
    /// `identity` or `deflate` (see `tb_audit::encode_body`).
    pub encoding: &'static str,
    /// The body as stored.
    pub stored: Vec<u8>,
}

impl CellRecord {
    pub fn digest(&self) -> u128 {
        tb_core::cell_digest(&self.vendor, &self.suite, &self.case_id, self.repeat)
    }

    /// SHA-256 of the cell's canonical JSON (keys sorted): what the audit log's
    /// `cell_answered` entry commits to. Serialized through a borrowed view
    /// whose fields are declared in sorted order, which is canonical without
    /// building a map per cell (a test checks it against `canonical_json`).
    pub fn content_sha256(&self) -> String {
        #[derive(serde::Serialize)]
        struct Sorted<'a> {
            answer: &'a Option<String>,
            attempts: u32,
            case_id: &'a str,
            cause: &'a Option<String>,
            completion_tokens: Option<u64>,
            detail: &'a Option<String>,
            finish_reason: &'a Option<String>,
            finished_at: &'a str,
            gold_json: &'a str,
            language: &'a Option<String>,
            latency_ms: f64,
            prompt_tokens: Option<u64>,
            repeat: u32,
            request_sha256: &'a str,
            response_sha256: &'a str,
            run_id: &'a str,
            seq: u64,
            subject: &'a Option<String>,
            suite: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            tool_calls: &'a Option<String>,
            #[serde(skip_serializing_if = "Option::is_none")]
            timing: &'a Option<String>,
            ttft_ms: Option<f64>,
            #[serde(skip_serializing_if = "Option::is_none")]
            verdicts: &'a Option<String>,
            vendor: &'a str,
        }
        let view = Sorted {
            answer: &self.answer,
            attempts: self.attempts,
            case_id: &self.case_id,
            cause: &self.cause,
            completion_tokens: self.completion_tokens,
            detail: &self.detail,
            finish_reason: &self.finish_reason,
            finished_at: &self.finished_at,
            gold_json: &self.gold_json,
            language: &self.language,
            latency_ms: self.latency_ms,
            prompt_tokens: self.prompt_tokens,
            repeat: self.repeat,
            request_sha256: &self.request_sha256,
            response_sha256: &self.response_sha256,
            run_id: &self.run_id,
            seq: self.seq,
            subject: &self.subject,
            suite: &self.suite,
            tool_calls: &self.tool_calls,
            timing: &self.timing,
            ttft_ms: self.ttft_ms,
            verdicts: &self.verdicts,
            vendor: &self.vendor,
        };
        tb_audit::sha256_hex(&serde_json::to_vec(&view).expect("a cell serializes"))
    }
}

/// RFC 3339 UTC timestamp of now.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .expect("UTC timestamps always format")
}

/// The time `secs` seconds ago, as [`now_rfc3339`] writes it: stored
/// timestamps later than it compare greater (to the second).
pub fn rfc3339_ago(secs: u64) -> String {
    (time::OffsetDateTime::now_utc() - time::Duration::seconds(secs as i64))
        .format(&time::format_description::well_known::Rfc3339)
        .expect("UTC timestamps always format")
}

#[derive(Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone)]
pub struct Store {
    backend: Backend,
}

/// Runs the same query function on whichever backend the store has.
macro_rules! on_backend {
    ($store:expr, $f:ident ( $($arg:expr),* )) => {
        match &$store.backend {
            Backend::Sqlite(p) => queries::sqlite::$f(p, $($arg),*).await,
            Backend::Postgres(p) => queries::postgres::$f(p, $($arg),*).await,
        }
    };
}

// After `on_backend!`, which they use.
pub mod contracts;
pub mod queue;
pub mod server;

/// Brings an SQLite store to this build's schema. SQLite has no advisory
/// lock, so the whole step runs inside one `BEGIN IMMEDIATE` transaction: it
/// takes the database's write lock before reading which migrations are
/// applied, and processes opening one new file at once wait for it (up to
/// the busy timeout) and then find the schema done. The migrator's own
/// per-migration transactions nest inside as savepoints.
async fn migrate_sqlite(pool: &SqlitePool) -> std::result::Result<(), sqlx::migrate::MigrateError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    migrations::adopt_unversioned_sqlite(&mut tx).await?;
    migrations::migrator(Dialect::Sqlite).run_direct(None, &mut *tx, false).await?;
    tx.commit().await?;
    Ok(())
}

/// Connects a pool to an SQLite file. The first connection to a new file
/// switches it to WAL, which needs the file to itself: SQLite answers
/// `SQLITE_BUSY` at once, without waiting out the busy timeout, when another
/// process is switching it at the same moment. That one answer is retried
/// for up to ten seconds, like the busy timeout; every other error is not.
async fn connect_sqlite(opts: SqliteConnectOptions) -> std::result::Result<SqlitePool, sqlx::Error> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut pause = Duration::from_millis(5);
    loop {
        match SqlitePoolOptions::new().max_connections(4).connect_with(opts.clone()).await {
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("5") && std::time::Instant::now() < deadline =>
            {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_millis(200));
            }
            done => return done,
        }
    }
}

impl Store {
    /// Opens (creating if needed) the store a location names: an SQLite file,
    /// or a PostgreSQL database, and brings it to this build's schema.
    pub async fn open(location: impl Into<DbLocation>) -> Result<Store> {
        let path = match location.into() {
            DbLocation::Postgres(url) => return Store::connect_postgres(&url).await,
            DbLocation::Sqlite(path) => path,
        };
        let shown = path.display().to_string();
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{shown}"))
            .map_err(|source| StoreError::Open { path: shown.clone(), source })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // In WAL mode NORMAL keeps every commit across a process kill.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            // A larger page cache and rarer WAL checkpoints: index pages that
            // every batch touches are copied into the database once per
            // checkpoint instead of once per 1,000 pages (measured: pwrite and
            // pread calls were the largest system cost of a run).
            .pragma("cache_size", "-32768")
            .pragma("wal_autocheckpoint", "8192");
        let pool = connect_sqlite(opts).await.map_err(|source| StoreError::Open { path: shown.clone(), source })?;
        migrate_sqlite(&pool).await.map_err(|source| StoreError::Migrate { path: shown, source })?;
        Ok(Store { backend: Backend::Sqlite(pool) })
    }

    /// Connects to a PostgreSQL database (`postgres://user@host:port/db`,
    /// `?options=-csearch_path%3Dschema` for a schema) and creates the tables
    /// it lacks. The URL's password, if any, is never shown in an error.
    pub async fn connect_postgres(url: &str) -> Result<Store> {
        let shown = redact(url);
        let opts =
            PgConnectOptions::from_str(url).map_err(|source| StoreError::Open { path: shown.clone(), source })?;
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Open { path: shown.clone(), source })?;
        // The migrator's advisory lock makes concurrent opens apply each migration once.
        migrations::migrator(Dialect::Postgres)
            .run(&pool)
            .await
            .map_err(|source| StoreError::Migrate { path: shown, source })?;
        Ok(Store { backend: Backend::Postgres(pool) })
    }

    /// A private in-memory store (what `verify` rebuilds a bundle into).
    pub async fn open_memory() -> Result<Store> {
        let opts = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|source| StoreError::Open { path: ":memory:".into(), source })?;
        // One connection: every connection to ":memory:" is a separate database.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Open { path: ":memory:".into(), source })?;
        migrate_sqlite(&pool).await.map_err(|source| StoreError::Migrate { path: ":memory:".into(), source })?;
        Ok(Store { backend: Backend::Sqlite(pool) })
    }

    /// The newest schema migration applied to this store
    /// ([`latest_schema_version`] once it is opened by this build).
    pub async fn schema_version(&self) -> Result<i64> {
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        match &self.backend {
            Backend::Sqlite(p) => sqlx::query_scalar(sql).fetch_one(p).await,
            Backend::Postgres(p) => sqlx::query_scalar(sql).fetch_one(p).await,
        }
        .map_err(q("read the schema version"))
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(p) => p.close().await,
            Backend::Postgres(p) => p.close().await,
        }
    }

    pub async fn create_run(&self, r: &RunRecord) -> Result<()> {
        on_backend!(self, create_run(r))
    }

    pub async fn run(&self, id: &str) -> Result<RunRecord> {
        on_backend!(self, run(id))
    }

    /// Every run, newest first.
    pub async fn runs(&self) -> Result<Vec<RunRecord>> {
        on_backend!(self, runs())
    }

    /// Marks a blind run's mapping as revealed.
    pub async fn set_blind_revealed(&self, id: &str) -> Result<()> {
        on_backend!(self, set_blind_revealed(id))
    }

    pub async fn set_run_status(&self, id: &str, status: RunStatus) -> Result<()> {
        on_backend!(self, set_run_status(id, status))
    }

    /// Stores a batch of cells, their evidence and their audit entries in one
    /// transaction. A cell or body already stored is left as it was; returns
    /// how many cells were new.
    pub async fn insert_cells(&self, cells: &[CellRecord], evidence: &[Evidence], audit: &[AuditEntry]) -> Result<u64> {
        on_backend!(self, insert_cells(cells, evidence, audit))
    }

    /// Stores cells without their evidence or audit entries: only for the
    /// private in-memory store that `verify` recomputes a bundle in.
    pub async fn insert_cells_unchecked(&self, cells: &[CellRecord]) -> Result<u64> {
        if let Backend::Sqlite(p) = &self.backend {
            sqlx::query("PRAGMA foreign_keys = OFF").execute(p).await.map_err(q("relax foreign keys"))?;
        }
        self.insert_cells(cells, &[], &[]).await
    }

    /// Appends audit entries (already chained by the caller) in one transaction.
    pub async fn append_audit(&self, audit: &[AuditEntry]) -> Result<()> {
        on_backend!(self, append_audit(audit))
    }

    /// A run's audit log, in order.
    pub async fn audit(&self, run_id: &str) -> Result<Vec<AuditEntry>> {
        on_backend!(self, audit(run_id))
    }

    /// The entries of a run's audit log of the given kinds, in order (without
    /// reading the one `cell_answered` entry a cell adds).
    pub async fn audit_of_kinds(&self, run_id: &str, kinds: &[&str]) -> Result<Vec<AuditEntry>> {
        on_backend!(self, audit_of_kinds(run_id, kinds))
    }

    /// The newest entry of a run's audit log: where its chain continues.
    pub async fn audit_head(&self, run_id: &str) -> Result<Option<AuditEntry>> {
        on_backend!(self, audit_head(run_id))
    }

    /// Hashes of a run's audit entries, in order (for Merkle checkpoints).
    pub async fn audit_hashes(&self, run_id: &str) -> Result<Vec<String>> {
        on_backend!(self, audit_hashes(run_id))
    }

    /// A stored body, decoded.
    pub async fn evidence(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        on_backend!(self, evidence(sha256))
    }

    /// Digests of the cells of `vendor` already stored for `run_id`: what a resume skips.
    pub async fn finished_digests(&self, run_id: &str, vendor: &str) -> Result<HashSet<u128>> {
        on_backend!(self, finished_digests(run_id, vendor))
    }

    /// The run's cells of its suites; a load stage's requests (stored under
    /// the suite `load:<stage>`, see `tb_core::LOAD_SUITE_PREFIX`) are not counted.
    pub async fn count_cells(&self, run_id: &str) -> Result<u64> {
        on_backend!(self, count_cells(run_id))
    }

    /// Cells stored for one vendor under one suite name (a load stage's requests).
    pub async fn count_suite_cells(&self, run_id: &str, vendor: &str, suite: &str) -> Result<u64> {
        on_backend!(self, count_suite_cells(run_id, vendor, suite))
    }

    /// Streams a run's cells in a stable order (vendor, suite, position, repeat)
    /// without loading them all.
    pub fn cells(&self, run_id: &str) -> BoxStream<'_, Result<CellRecord>> {
        match &self.backend {
            Backend::Sqlite(p) => queries::sqlite::cells(p, run_id),
            Backend::Postgres(p) => queries::postgres::cells(p, run_id),
        }
    }

    /// `PRAGMA integrity_check` on SQLite: "ok" for a sound file. PostgreSQL
    /// keeps its own integrity; "ok" when the database answers.
    pub async fn integrity_check(&self) -> Result<String> {
        match &self.backend {
            Backend::Sqlite(p) => {
                sqlx::query_scalar("PRAGMA integrity_check").fetch_one(p).await.map_err(q("integrity check"))
            }
            Backend::Postgres(p) => {
                let one: i32 = sqlx::query_scalar("SELECT 1").fetch_one(p).await.map_err(q("integrity check"))?;
                Ok(if one == 1 { "ok".into() } else { "the database answered wrongly".into() })
            }
        }
    }
}

/// A fresh PostgreSQL schema for one test (also used by other crates' tests).
pub mod postgres {
    /// A schema of its own in the database at `TENDERBENCH_POSTGRES_URL`.
    pub struct Schema {
        base: String,
        name: String,
        /// The URL that opens a store in this schema.
        pub url: String,
    }

    impl Schema {
        /// `None` (and a SKIPPED line) where no PostgreSQL is given, except
        /// in CI (`TENDERBENCH_REQUIRE_POSTGRES`), where that fails.
        pub async fn fresh() -> Option<Schema> {
            let Ok(base) = std::env::var("TENDERBENCH_POSTGRES_URL") else {
                assert!(
                    std::env::var_os("TENDERBENCH_REQUIRE_POSTGRES").is_none(),
                    "PostgreSQL is required here: set TENDERBENCH_POSTGRES_URL"
                );
                eprintln!("SKIPPED: no TENDERBENCH_POSTGRES_URL (a PostgreSQL database); CI sets it");
                return None;
            };
            let name = format!("tb_test_{:016x}", rand_u64());
            let pool = sqlx::PgPool::connect(&base).await.expect("the test PostgreSQL answers");
            // The name is ours (a fixed prefix and hex digits), never input.
            let create = sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}"));
            sqlx::raw_sql(create).execute(&pool).await.expect("create a test schema");
            pool.close().await;
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-csearch_path%3D{name}");
            Some(Schema { base, name, url })
        }

        /// Drops the schema and everything in it.
        pub async fn drop(self) {
            if let Ok(pool) = sqlx::PgPool::connect(&self.base).await {
                let drop = sqlx::AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.name));
                let _ = sqlx::raw_sql(drop).execute(&pool).await;
                pool.close().await;
            }
        }
    }

    /// Enough randomness for a schema name, without a dependency.
    fn rand_u64() -> u64 {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
        h.write_u32(std::process::id());
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    fn cell(case: &str) -> CellRecord {
        CellRecord {
            run_id: "r1".into(),
            vendor: "A".into(),
            suite: "s".into(),
            case_id: case.into(),
            repeat: 0,
            seq: 0,
            cause: None,
            detail: None,
            answer: Some("答案是B".into()),
            finish_reason: Some("stop".into()),
            prompt_tokens: Some(10),
            completion_tokens: Some(3),
            ttft_ms: Some(12.5),
            latency_ms: 40.0,
            attempts: 1,
            gold_json: "{}".into(),
            subject: None,
            language: Some("zh".into()),
            request_sha256: "e".into(),
            response_sha256: "e".into(),
            finished_at: "2026-12-01T10:00:01.5Z".into(),
            tool_calls: None,
            verdicts: None,
            timing: None,
        }
    }

    #[test]
    fn content_hash_is_the_hash_of_canonical_json() {
        let mut c = cell("7");
        c.detail = Some("HTTP 500: \"oops\" 错误".into());
        c.ttft_ms = None;
        assert_eq!(c.content_sha256(), tb_audit::sha256_hex(tb_audit::canonical_json(&c).as_bytes()));
        let plain = cell("8");
        assert_eq!(plain.content_sha256(), tb_audit::sha256_hex(tb_audit::canonical_json(&plain).as_bytes()));
    }

    fn run_record(id: &str, created_at: &str) -> RunRecord {
        RunRecord {
            id: id.into(),
            tender_id: "T".into(),
            spec_hash: "h".into(),
            spec_json: "{}".into(),
            suites_json: "[]".into(),
            simulated: false,
            status: RunStatus::Running,
            created_at: created_at.into(),
            finished_at: None,
            public_key: None,
            blind_mapping: None,
            blind_revealed: false,
            order_seed: Some("seed".into()),
        }
    }

    fn audit_entry(seq: u64, kind: &str) -> AuditEntry {
        AuditEntry {
            run_id: "r1".into(),
            seq,
            at: now_rfc3339(),
            kind: kind.into(),
            payload: format!("{{\"n\": {seq}}}"),
            prev_hash: format!("p{seq}"),
            hash: format!("h{seq}"),
        }
    }

    /// The store suite: every operation, on a fresh store that `reopen` opens
    /// again (the same file or database). Run on SQLite and on PostgreSQL.
    async fn store_suite<F, Fut>(reopen: F)
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Store>,
    {
        let store = reopen().await;
        store.create_run(&run_record("r1", "2026-12-01T10:00:00Z")).await.unwrap();
        store.create_run(&run_record("r0", "2026-11-30T10:00:00Z")).await.unwrap();
        assert!(store.create_run(&run_record("r1", "2026-12-01T10:00:00Z")).await.is_err(), "a run id is unique");
        let body = "a body, stored compressed".repeat(40);
        let (encoding, stored) = tb_audit::encode_body(body.as_bytes());
        let ev = [
            Evidence { sha256: "e".into(), size: 0, encoding: tb_audit::IDENTITY, stored: vec![] },
            Evidence { sha256: "big".into(), size: body.len() as u64, encoding, stored },
        ];
        assert_eq!(
            store.insert_cells(&[cell("1"), cell("2")], &ev, &[audit_entry(0, "run_started")]).await.unwrap(),
            2
        );
        let mut again = cell("1");
        again.answer = Some("changed".into());
        let mut load = cell("9");
        load.suite = "load:peak".into();
        // Text that sorts differently by locale than by byte: "B" < "a" by byte.
        let (mut upper, mut lower) = (cell("4"), cell("5"));
        upper.vendor = "B".into();
        lower.vendor = "a".into();
        let batch = [again, cell("3"), load, upper, lower];
        let audit = [audit_entry(1, "cell_answered"), audit_entry(2, "checkpoint")];
        assert_eq!(store.insert_cells(&batch, &ev, &audit).await.unwrap(), 4, "the stored cell is kept, not replaced");
        store.append_audit(&[audit_entry(3, "report_signed")]).await.unwrap();
        assert!(store.append_audit(&[audit_entry(3, "again")]).await.is_err(), "an audit position is taken once");
        store.set_blind_revealed("r1").await.unwrap();
        store.set_run_status("r1", RunStatus::Finished).await.unwrap();
        store.close().await;

        let store = reopen().await;
        let run = store.run("r1").await.unwrap();
        assert!(run.blind_revealed && run.status == RunStatus::Finished && run.finished_at.is_some());
        assert_eq!(run.order_seed.as_deref(), Some("seed"));
        let ids: Vec<String> = store.runs().await.unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["r1", "r0"], "newest first");
        assert!(matches!(store.run("nope").await, Err(StoreError::NoSuchRun(_))));
        assert_eq!(store.count_cells("r1").await.unwrap(), 5, "a load stage's request is not a suite's cell");
        assert_eq!(store.count_suite_cells("r1", "A", "load:peak").await.unwrap(), 1);
        let cells: Vec<CellRecord> = store.cells("r1").map(|c| c.unwrap()).collect().await;
        let order: Vec<(&str, &str, &str)> =
            cells.iter().map(|c| (c.vendor.as_str(), c.suite.as_str(), c.case_id.as_str())).collect();
        assert_eq!(
            order,
            [
                ("A", "load:peak", "9"),
                ("A", "s", "1"),
                ("A", "s", "2"),
                ("A", "s", "3"),
                ("B", "s", "4"),
                ("a", "s", "5")
            ],
            "the same order on every backend: byte order"
        );
        assert_eq!(cells[1], cell("1"), "every field round-trips");
        assert_eq!(cells[1].answer.as_deref(), Some("答案是B"));
        let done = store.finished_digests("r1", "A").await.unwrap();
        assert_eq!(done.len(), 3);
        assert!(done.contains(&cell("2").digest()) && !done.contains(&cell("9").digest()));
        assert_eq!(store.evidence("big").await.unwrap().as_deref(), Some(body.as_bytes()));
        assert_eq!(store.evidence("none").await.unwrap(), None);
        let kinds: Vec<String> = store.audit("r1").await.unwrap().into_iter().map(|e| e.kind).collect();
        assert_eq!(kinds, ["run_started", "cell_answered", "checkpoint", "report_signed"]);
        let some = store.audit_of_kinds("r1", &["checkpoint", "report_signed"]).await.unwrap();
        assert_eq!(some.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(store.audit_head("r1").await.unwrap().unwrap().seq, 3);
        assert_eq!(store.audit_hashes("r1").await.unwrap(), ["h0", "h1", "h2", "h3"]);
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        server_tables(&store).await;
        contract_tables(&store).await;
        store.close().await;
    }

    /// Contracts and their probe records, numbered in order.
    async fn contract_tables(store: &Store) {
        let c = contracts::ContractRecord {
            id: "C-1".into(),
            vendor: "Bidder A".into(),
            toml: "[contract]".into(),
            created_by: "alice".into(),
            created_at: now_rfc3339(),
            tender_id: Some("T".into()),
            acceptance: None,
        };
        assert!(store.create_contract(&c).await.unwrap());
        assert!(!store.create_contract(&c).await.unwrap(), "a contract id is taken once");
        assert_eq!(store.contract("C-1").await.unwrap().unwrap(), c);
        assert!(store.contract("C-2").await.unwrap().is_none());
        assert_eq!(store.add_contract_probe("C-1", "2027-01-01", "{\"a\":1}").await.unwrap(), 1);
        assert_eq!(store.add_contract_probe("C-1", "2027-01-02", "{\"a\":2}").await.unwrap(), 2);
        assert_eq!(store.contract_probes("C-1").await.unwrap(), ["{\"a\":1}", "{\"a\":2}"]);
        assert_eq!(store.contracts().await.unwrap().len(), 1);
        store.set_contract_acceptance("C-1", "{\"run_id\":\"a\"}", "sig").await.unwrap();
        let acceptance = store.contract("C-1").await.unwrap().unwrap().acceptance;
        assert_eq!(acceptance, Some(("{\"run_id\":\"a\"}".into(), "sig".into())));
        // A scheduled probe is claimed once a day, and keeps its run once it has one.
        use contracts::ProbeRunStatus::{Failed, Recorded, Running};
        assert!(store.claim_contract_probe("C-1", "2027-01-03").await.unwrap());
        assert!(!store.claim_contract_probe("C-1", "2027-01-03").await.unwrap(), "one scheduled probe a day");
        store.update_contract_probe("C-1", "2027-01-03", Some("r9"), Running, None).await.unwrap();
        store.update_contract_probe("C-1", "2027-01-03", None, Recorded, None).await.unwrap();
        assert!(store.claim_contract_probe("C-1", "2027-01-04").await.unwrap());
        store.update_contract_probe("C-1", "2027-01-04", None, Failed, Some("down")).await.unwrap();
        let runs = store.contract_probe_runs("C-1").await.unwrap();
        let seen: Vec<_> =
            runs.iter().map(|r| (r.day.as_str(), r.run_id.as_deref(), r.status, r.detail.as_deref())).collect();
        assert_eq!(seen, [("2027-01-03", Some("r9"), Recorded, None), ("2027-01-04", None, Failed, Some("down"))]);
    }

    /// The multi-user server's tables, on a store that holds run `r1`.
    async fn server_tables(store: &Store) {
        use server::*;
        let user = |name: &str, role: &str, vendor: Option<&str>| UserRecord {
            name: name.into(),
            role: role.into(),
            vendor: vendor.map(String::from),
            password_hash: format!("$argon2id$hash-of-{name}"),
            created_at: now_rfc3339(),
        };
        assert!(store.create_user(&user("alice", "buyer", None)).await.unwrap());
        assert!(store.create_user(&user("vera", "vendor", Some("Bidder A"))).await.unwrap());
        assert!(!store.create_user(&user("alice", "admin", None)).await.unwrap(), "a name is taken once");
        assert_eq!(store.user("vera").await.unwrap().unwrap().vendor.as_deref(), Some("Bidder A"));
        assert!(store.set_password("vera", "new").await.unwrap() && !store.set_password("nobody", "x").await.unwrap());
        assert_eq!(store.user("vera").await.unwrap().unwrap().password_hash, "new");
        assert_eq!(store.users().await.unwrap().iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["alice", "vera"]);
        store.create_token("t-sha", "alice", "ci").await.unwrap();
        assert_eq!(store.token_user("t-sha").await.unwrap().unwrap().name, "alice");
        assert!(store.token_user("other").await.unwrap().is_none());
        let session =
            SessionRecord { token_sha256: "s-sha".into(), user_name: "vera".into(), csrf: "c".into(), expires_at: 100 };
        store.create_session(&session).await.unwrap();
        let (found, who) = store.session("s-sha", 99).await.unwrap().unwrap();
        assert_eq!((found, who.role.as_str()), (session, "vendor"));
        assert!(store.session("s-sha", 100).await.unwrap().is_none(), "an expired session is no session");
        store.delete_session("s-sha", 0).await.unwrap();
        assert!(store.session("s-sha", 0).await.unwrap().is_none());

        let tender = TenderRecord {
            id: "T".into(),
            title: "热线".into(),
            spec_toml: "[tender]".into(),
            created_by: "alice".into(),
            created_at: now_rfc3339(),
        };
        let files = [("suites/b.jsonl".to_string(), b"{}\n".to_vec()), ("suites/a.jsonl".to_string(), vec![0, 255])];
        assert!(store.create_tender(&tender, &files).await.unwrap());
        assert!(!store.create_tender(&tender, &files).await.unwrap(), "a tender id is taken once");
        assert_eq!(store.tender("T").await.unwrap().unwrap(), tender);
        assert_eq!(store.tenders().await.unwrap().len(), 1);
        let stored = store.tender_files("T").await.unwrap();
        assert_eq!(stored.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["suites/a.jsonl", "suites/b.jsonl"]);
        assert_eq!(stored[0].1, [0, 255]);
        let mut reg = Registration {
            tender_id: "T".into(),
            vendor: "Bidder A".into(),
            base_url: "http://127.0.0.1:1/v1".into(),
            model: "m".into(),
            bid_price: 100.0,
            created_at: now_rfc3339(),
        };
        store.register(&reg).await.unwrap();
        reg.bid_price = 90.5;
        store.register(&reg).await.unwrap();
        assert_eq!(store.registrations("T").await.unwrap(), [reg], "a registration is replaced, not added");
        let tr = TenderRun {
            run_id: "r1".into(),
            tender_id: "T".into(),
            kind: RunKind::Practice,
            vendor: Some("Bidder A".into()),
            started_by: "vera".into(),
            options_json: "{}".into(),
            created_at: now_rfc3339(),
        };
        store.add_tender_run(&tr).await.unwrap();
        assert_eq!(store.tender_run("r1").await.unwrap().unwrap(), tr);
        assert_eq!(store.tender_runs("T").await.unwrap().len(), 1);

        assert_eq!(
            store.cells_per_vendor("r1").await.unwrap(),
            [("A".to_string(), 3, 0), ("B".to_string(), 1, 0), ("a".to_string(), 1, 0)]
        );
        let page = |f: CellFilter| async move { store.cell_page("r1", &f).await.unwrap() };
        let ids = |cells: Vec<CellRecord>| cells.into_iter().map(|c| c.case_id).collect::<Vec<_>>();
        assert_eq!(ids(page(CellFilter { limit: 2, offset: 1, ..Default::default() }).await), ["1", "2"]);
        let only_b = CellFilter { vendor: Some("B".into()), limit: 10, ..Default::default() };
        assert_eq!(ids(page(only_b).await), ["4"]);
        let search =
            CellFilter { search: Some("答案".into()), suite: Some("s".into()), limit: 10, ..Default::default() };
        assert_eq!(page(search).await.len(), 5);
        let literal = CellFilter { search: Some("%".into()), limit: 10, ..Default::default() };
        assert!(page(literal).await.is_empty(), "a % in the search is a literal");
        assert!(page(CellFilter { failed_only: true, limit: 10, ..Default::default() }).await.is_empty());
        let without_s = CellFilter { exclude_suites: vec!["s".into()], limit: 10, ..Default::default() };
        assert_eq!(ids(page(without_s).await), ["9"], "only the load stage's cell is outside suite s");
        assert_eq!(store.case_cells("r1", "s", "4").await.unwrap()[0].vendor, "B");
    }

    #[tokio::test]
    async fn the_store_suite_on_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        store_suite(|| async { Store::open(&path).await.unwrap() }).await;
    }

    /// On the PostgreSQL at `TENDERBENCH_POSTGRES_URL`, in a schema of its
    /// own, dropped after. Skipped (and saying so) where none is given,
    /// except in CI (`TENDERBENCH_REQUIRE_POSTGRES`).
    #[tokio::test]
    async fn the_store_suite_on_postgres() {
        let Some(db) = postgres::Schema::fresh().await else { return };
        store_suite(|| async { Store::connect_postgres(&db.url).await.unwrap() }).await;
        db.drop().await;
    }
}
