//! The only crate that knows SQL.
//!
//! A [`Store`] holds runs and their cells in an SQLite file (WAL mode). Each cell
//! is keyed by (run, vendor, suite, case, repeat): the primary key makes it
//! impossible to store a cell twice, and every batch of cells is committed in one
//! transaction, so a killed process loses at most the cells still in flight.
//!
//! The store knows rows, not scoring: grading and statistics happen elsewhere.

use std::collections::HashSet;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use futures_util::TryStreamExt;
use futures_util::stream::BoxStream;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
pub use tb_audit::AuditEntry;

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
}

type Result<T> = std::result::Result<T, StoreError>;

fn q(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
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
    fn parse(s: &str) -> Result<Self> {
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

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS runs (
    id          TEXT PRIMARY KEY,
    tender_id   TEXT NOT NULL,
    spec_hash   TEXT NOT NULL,
    spec_json   TEXT NOT NULL,
    suites_json TEXT NOT NULL,
    simulated   INTEGER NOT NULL,
    status      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    finished_at TEXT,
    public_key  TEXT,
    blind_mapping  TEXT,
    blind_revealed INTEGER NOT NULL DEFAULT 0,
    order_seed     TEXT
);
CREATE TABLE IF NOT EXISTS cells (
    run_id            TEXT NOT NULL REFERENCES runs(id),
    vendor            TEXT NOT NULL,
    suite             TEXT NOT NULL,
    case_id           TEXT NOT NULL,
    repeat            INTEGER NOT NULL,
    seq               INTEGER NOT NULL,
    cause             TEXT,
    detail            TEXT,
    answer            TEXT,
    finish_reason     TEXT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    ttft_ms           REAL,
    latency_ms        REAL NOT NULL,
    attempts          INTEGER NOT NULL,
    gold_json         TEXT NOT NULL,
    subject           TEXT,
    language          TEXT,
    request_sha256    TEXT NOT NULL REFERENCES evidence(sha256),
    response_sha256   TEXT NOT NULL REFERENCES evidence(sha256),
    finished_at       TEXT NOT NULL,
    tool_calls        TEXT,
    verdicts          TEXT,
    timing            TEXT,
    PRIMARY KEY (run_id, vendor, suite, case_id, repeat)
);
CREATE TABLE IF NOT EXISTS evidence (
    sha256   TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    body     BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    run_id    TEXT NOT NULL REFERENCES runs(id),
    seq       INTEGER NOT NULL,
    at        TEXT NOT NULL,
    kind      TEXT NOT NULL,
    payload   TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
"#;

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
}

/// Adds the columns later versions introduced to a store an earlier one created.
async fn upgrade(pool: &sqlx::SqlitePool) -> std::result::Result<(), sqlx::Error> {
    let columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info('cells')").fetch_all(pool).await?;
    for (column, add) in [
        ("tool_calls", "ALTER TABLE cells ADD COLUMN tool_calls TEXT"),
        ("verdicts", "ALTER TABLE cells ADD COLUMN verdicts TEXT"),
        ("timing", "ALTER TABLE cells ADD COLUMN timing TEXT"),
    ] {
        if !columns.iter().any(|c| c == column) {
            sqlx::raw_sql(add).execute(pool).await?;
        }
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) the SQLite store at `path`.
    pub async fn open(path: &Path) -> Result<Store> {
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
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Open { path: shown.clone(), source })?;
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(|source| StoreError::Open { path: shown.clone(), source })?;
        upgrade(&pool).await.map_err(|source| StoreError::Open { path: shown, source })?;
        Ok(Store { pool })
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
        sqlx::raw_sql(SCHEMA)
            .execute(&pool)
            .await
            .map_err(|source| StoreError::Open { path: ":memory:".into(), source })?;
        Ok(Store { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn create_run(&self, r: &RunRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO runs (id, tender_id, spec_hash, spec_json, suites_json, simulated, status, created_at, finished_at,
                public_key, blind_mapping, blind_revealed, order_seed)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&r.id)
        .bind(&r.tender_id)
        .bind(&r.spec_hash)
        .bind(&r.spec_json)
        .bind(&r.suites_json)
        .bind(r.simulated)
        .bind(r.status.as_str())
        .bind(&r.created_at)
        .bind(&r.finished_at)
        .bind(&r.public_key)
        .bind(&r.blind_mapping)
        .bind(r.blind_revealed)
        .bind(&r.order_seed)
        .execute(&self.pool)
        .await
        .map_err(q("create run"))?;
        Ok(())
    }

    pub async fn run(&self, id: &str) -> Result<RunRecord> {
        let row = sqlx::query("SELECT * FROM runs WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(q("read run"))?
            .ok_or_else(|| StoreError::NoSuchRun(id.into()))?;
        run_from_row(&row)
    }

    /// Every run, newest first.
    pub async fn runs(&self) -> Result<Vec<RunRecord>> {
        let rows = sqlx::query("SELECT * FROM runs ORDER BY created_at DESC, id")
            .fetch_all(&self.pool)
            .await
            .map_err(q("list runs"))?;
        rows.iter().map(run_from_row).collect()
    }

    /// Marks a blind run's mapping as revealed.
    pub async fn set_blind_revealed(&self, id: &str) -> Result<()> {
        sqlx::query("UPDATE runs SET blind_revealed = 1 WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(q("reveal mapping"))?;
        Ok(())
    }

    pub async fn set_run_status(&self, id: &str, status: RunStatus) -> Result<()> {
        let finished = (status == RunStatus::Finished).then(now_rfc3339);
        sqlx::query("UPDATE runs SET status = ?, finished_at = ? WHERE id = ?")
            .bind(status.as_str())
            .bind(finished)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(q("update run status"))?;
        Ok(())
    }

    /// Stores a batch of cells, their evidence and their audit entries in one
    /// transaction. A cell or body already stored is left as it was; returns
    /// how many cells were new.
    pub async fn insert_cells(&self, cells: &[CellRecord], evidence: &[Evidence], audit: &[AuditEntry]) -> Result<u64> {
        // Multi-row INSERTs: one statement per ROWS_PER_STATEMENT cells keeps
        // the per-statement cost off the hot path (24 parameters a row stays far
        // below SQLite's limit of 32,766).
        const ROWS_PER_STATEMENT: usize = 256;
        let mut tx = self.pool.begin().await.map_err(q("begin"))?;
        for chunk in evidence.chunks(ROWS_PER_STATEMENT) {
            let mut b = sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO evidence (sha256, size, encoding, body) ");
            b.push_values(chunk, |mut row, e| {
                row.push_bind(&e.sha256).push_bind(e.size as i64).push_bind(e.encoding).push_bind(&e.stored);
            });
            b.push(" ON CONFLICT (sha256) DO NOTHING");
            b.build().execute(&mut *tx).await.map_err(q("insert evidence"))?;
        }
        let mut inserted = 0;
        for chunk in cells.chunks(ROWS_PER_STATEMENT) {
            let mut b = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO cells (run_id, vendor, suite, case_id, repeat, seq, cause, detail, answer, finish_reason, \
                 prompt_tokens, completion_tokens, ttft_ms, latency_ms, attempts, gold_json, subject, language, \
                 request_sha256, response_sha256, finished_at, tool_calls, verdicts, timing) ",
            );
            b.push_values(chunk, |mut row, c| {
                row.push_bind(&c.run_id)
                    .push_bind(&c.vendor)
                    .push_bind(&c.suite)
                    .push_bind(&c.case_id)
                    .push_bind(c.repeat as i64)
                    .push_bind(c.seq as i64)
                    .push_bind(&c.cause)
                    .push_bind(&c.detail)
                    .push_bind(&c.answer)
                    .push_bind(&c.finish_reason)
                    .push_bind(c.prompt_tokens.map(|n| n as i64))
                    .push_bind(c.completion_tokens.map(|n| n as i64))
                    .push_bind(c.ttft_ms)
                    .push_bind(c.latency_ms)
                    .push_bind(c.attempts as i64)
                    .push_bind(&c.gold_json)
                    .push_bind(&c.subject)
                    .push_bind(&c.language)
                    .push_bind(&c.request_sha256)
                    .push_bind(&c.response_sha256)
                    .push_bind(&c.finished_at)
                    .push_bind(&c.tool_calls)
                    .push_bind(&c.verdicts)
                    .push_bind(&c.timing);
            });
            b.push(" ON CONFLICT (run_id, vendor, suite, case_id, repeat) DO NOTHING");
            let r = b.build().execute(&mut *tx).await.map_err(q("insert cells"))?;
            inserted += r.rows_affected();
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(q("commit cells"))?;
        Ok(inserted)
    }

    /// Stores cells without their evidence or audit entries: only for the
    /// private in-memory store that `verify` recomputes a bundle in.
    pub async fn insert_cells_unchecked(&self, cells: &[CellRecord]) -> Result<u64> {
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&self.pool).await.map_err(q("relax foreign keys"))?;
        self.insert_cells(cells, &[], &[]).await
    }

    /// Appends audit entries (already chained by the caller) in one transaction.
    pub async fn append_audit(&self, audit: &[AuditEntry]) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(q("begin"))?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(q("commit audit"))
    }

    /// A run's audit log, in order.
    pub async fn audit(&self, run_id: &str) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query("SELECT * FROM audit WHERE run_id = ? ORDER BY seq")
            .bind(run_id)
            .fetch_all(&self.pool)
            .await
            .map_err(q("read audit log"))?;
        rows.iter().map(audit_from_row).collect()
    }

    /// The entries of a run's audit log of the given kinds, in order (without
    /// reading the one `cell_answered` entry a cell adds).
    pub async fn audit_of_kinds(&self, run_id: &str, kinds: &[&str]) -> Result<Vec<AuditEntry>> {
        let mut b = sqlx::QueryBuilder::<sqlx::Sqlite>::new("SELECT * FROM audit WHERE run_id = ");
        b.push_bind(run_id).push(" AND kind IN (");
        let mut list = b.separated(", ");
        for k in kinds {
            list.push_bind(*k);
        }
        b.push(") ORDER BY seq");
        let rows = b.build().fetch_all(&self.pool).await.map_err(q("read audit log"))?;
        rows.iter().map(audit_from_row).collect()
    }

    /// The newest entry of a run's audit log: where its chain continues.
    pub async fn audit_head(&self, run_id: &str) -> Result<Option<AuditEntry>> {
        let row = sqlx::query("SELECT * FROM audit WHERE run_id = ? ORDER BY seq DESC LIMIT 1")
            .bind(run_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(q("read audit head"))?;
        row.as_ref().map(audit_from_row).transpose()
    }

    /// Hashes of a run's audit entries, in order (for Merkle checkpoints).
    pub async fn audit_hashes(&self, run_id: &str) -> Result<Vec<String>> {
        sqlx::query_scalar("SELECT hash FROM audit WHERE run_id = ? ORDER BY seq")
            .bind(run_id)
            .fetch_all(&self.pool)
            .await
            .map_err(q("read audit hashes"))
    }

    /// A stored body, decoded.
    pub async fn evidence(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("SELECT size, encoding, body FROM evidence WHERE sha256 = ?")
            .bind(sha256)
            .fetch_optional(&self.pool)
            .await
            .map_err(q("read evidence"))?;
        let Some(r) = row else { return Ok(None) };
        let corrupt = |e: String| StoreError::Corrupt(format!("evidence {sha256}: {e}"));
        let size: i64 = r.try_get(0).map_err(|e| corrupt(e.to_string()))?;
        let encoding: String = r.try_get(1).map_err(|e| corrupt(e.to_string()))?;
        let body: Vec<u8> = r.try_get(2).map_err(|e| corrupt(e.to_string()))?;
        tb_audit::decode_body(&encoding, &body, size as usize).map(Some).map_err(|e| corrupt(e.to_string()))
    }

    /// Digests of the cells of `vendor` already stored for `run_id`: what a resume skips.
    pub async fn finished_digests(&self, run_id: &str, vendor: &str) -> Result<HashSet<u128>> {
        // A load stage's requests are not the suites' cells: a resume counts and skips these alone.
        let mut rows = sqlx::query(
            "SELECT suite, case_id, repeat FROM cells WHERE run_id = ? AND vendor = ? AND substr(suite, 1, 5) <> 'load:'",
        )
            .bind(run_id)
            .bind(vendor)
            .fetch(&self.pool);
        let mut set = HashSet::new();
        while let Some(row) = rows.try_next().await.map_err(q("read finished cells"))? {
            let suite: String = row.try_get(0).map_err(q("decode cell key"))?;
            let case_id: String = row.try_get(1).map_err(q("decode cell key"))?;
            let repeat: i64 = row.try_get(2).map_err(q("decode cell key"))?;
            set.insert(tb_core::cell_digest(vendor, &suite, &case_id, repeat as u32));
        }
        Ok(set)
    }

    /// The run's cells of its suites; a load stage's requests (stored under
    /// the suite `load:<stage>`, see `tb_core::LOAD_SUITE_PREFIX`) are not counted.
    pub async fn count_cells(&self, run_id: &str) -> Result<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM cells WHERE run_id = ? AND substr(suite, 1, 5) <> 'load:'")
                .bind(run_id)
                .fetch_one(&self.pool)
                .await
                .map_err(q("count cells"))?;
        Ok(n as u64)
    }

    /// Cells stored for one vendor under one suite name (a load stage's requests).
    pub async fn count_suite_cells(&self, run_id: &str, vendor: &str, suite: &str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cells WHERE run_id = ? AND vendor = ? AND suite = ?")
            .bind(run_id)
            .bind(vendor)
            .bind(suite)
            .fetch_one(&self.pool)
            .await
            .map_err(q("count cells"))?;
        Ok(n as u64)
    }

    /// Streams a run's cells in a stable order (vendor, suite, position, repeat)
    /// without loading them all.
    pub fn cells(&self, run_id: &str) -> BoxStream<'_, Result<CellRecord>> {
        let stream = sqlx::query("SELECT * FROM cells WHERE run_id = ? ORDER BY vendor, suite, seq, repeat")
            .bind(run_id.to_string())
            .fetch(&self.pool)
            .map_err(q("read cells"))
            .and_then(|row| async move { cell_from_row(&row) });
        Box::pin(stream)
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    pub async fn integrity_check(&self) -> Result<String> {
        sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&self.pool).await.map_err(q("integrity check"))
    }
}

async fn insert_audit(tx: &mut sqlx::SqliteConnection, audit: &[AuditEntry]) -> Result<()> {
    for chunk in audit.chunks(512) {
        let mut b = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO audit (run_id, seq, at, kind, payload, prev_hash, hash) ",
        );
        b.push_values(chunk, |mut row, e| {
            row.push_bind(&e.run_id)
                .push_bind(e.seq as i64)
                .push_bind(&e.at)
                .push_bind(&e.kind)
                .push_bind(&e.payload)
                .push_bind(&e.prev_hash)
                .push_bind(&e.hash);
        });
        b.build().execute(&mut *tx).await.map_err(q("append audit entries"))?;
    }
    Ok(())
}

fn audit_from_row(row: &SqliteRow) -> Result<AuditEntry> {
    let get = |e| StoreError::Corrupt(format!("audit row: {e}"));
    Ok(AuditEntry {
        run_id: row.try_get("run_id").map_err(get)?,
        seq: row.try_get::<i64, _>("seq").map_err(get)? as u64,
        at: row.try_get("at").map_err(get)?,
        kind: row.try_get("kind").map_err(get)?,
        payload: row.try_get("payload").map_err(get)?,
        prev_hash: row.try_get("prev_hash").map_err(get)?,
        hash: row.try_get("hash").map_err(get)?,
    })
}

fn run_from_row(row: &SqliteRow) -> Result<RunRecord> {
    let get = |e| StoreError::Corrupt(format!("run row: {e}"));
    let status: String = row.try_get("status").map_err(get)?;
    Ok(RunRecord {
        id: row.try_get("id").map_err(get)?,
        tender_id: row.try_get("tender_id").map_err(get)?,
        spec_hash: row.try_get("spec_hash").map_err(get)?,
        spec_json: row.try_get("spec_json").map_err(get)?,
        suites_json: row.try_get("suites_json").map_err(get)?,
        simulated: row.try_get("simulated").map_err(get)?,
        status: RunStatus::parse(&status)?,
        created_at: row.try_get("created_at").map_err(get)?,
        finished_at: row.try_get("finished_at").map_err(get)?,
        public_key: row.try_get("public_key").map_err(get)?,
        blind_mapping: row.try_get("blind_mapping").map_err(get)?,
        blind_revealed: row.try_get("blind_revealed").map_err(get)?,
        order_seed: row.try_get("order_seed").map_err(get)?,
    })
}

fn cell_from_row(row: &SqliteRow) -> Result<CellRecord> {
    let get = |e| StoreError::Corrupt(format!("cell row: {e}"));
    let opt_u64 =
        |name: &str| -> Result<Option<u64>> { Ok(row.try_get::<Option<i64>, _>(name).map_err(get)?.map(|n| n as u64)) };
    Ok(CellRecord {
        run_id: row.try_get("run_id").map_err(get)?,
        vendor: row.try_get("vendor").map_err(get)?,
        suite: row.try_get("suite").map_err(get)?,
        case_id: row.try_get("case_id").map_err(get)?,
        repeat: row.try_get::<i64, _>("repeat").map_err(get)? as u32,
        seq: row.try_get::<i64, _>("seq").map_err(get)? as u64,
        cause: row.try_get("cause").map_err(get)?,
        detail: row.try_get("detail").map_err(get)?,
        answer: row.try_get("answer").map_err(get)?,
        finish_reason: row.try_get("finish_reason").map_err(get)?,
        prompt_tokens: opt_u64("prompt_tokens")?,
        completion_tokens: opt_u64("completion_tokens")?,
        ttft_ms: row.try_get("ttft_ms").map_err(get)?,
        latency_ms: row.try_get("latency_ms").map_err(get)?,
        attempts: row.try_get::<i64, _>("attempts").map_err(get)? as u32,
        gold_json: row.try_get("gold_json").map_err(get)?,
        subject: row.try_get("subject").map_err(get)?,
        language: row.try_get("language").map_err(get)?,
        request_sha256: row.try_get("request_sha256").map_err(get)?,
        response_sha256: row.try_get("response_sha256").map_err(get)?,
        finished_at: row.try_get("finished_at").map_err(get)?,
        tool_calls: row.try_get("tool_calls").map_err(get)?,
        verdicts: row.try_get("verdicts").map_err(get)?,
        timing: row.try_get("timing").map_err(get)?,
    })
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
            finished_at: now_rfc3339(),
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

    #[tokio::test]
    async fn a_cell_is_stored_once_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let store = Store::open(&path).await.unwrap();
        store
            .create_run(&RunRecord {
                id: "r1".into(),
                tender_id: "T".into(),
                spec_hash: "h".into(),
                spec_json: "{}".into(),
                suites_json: "[]".into(),
                simulated: false,
                status: RunStatus::Running,
                created_at: now_rfc3339(),
                finished_at: None,
                public_key: None,
                blind_mapping: None,
                blind_revealed: false,
                order_seed: None,
            })
            .await
            .unwrap();
        let ev = [Evidence { sha256: "e".into(), size: 0, encoding: tb_audit::IDENTITY, stored: vec![] }];
        assert_eq!(store.insert_cells(&[cell("1"), cell("2")], &ev, &[]).await.unwrap(), 2);
        let mut again = cell("1");
        again.answer = Some("changed".into());
        assert_eq!(
            store.insert_cells(&[again, cell("3")], &ev, &[]).await.unwrap(),
            1,
            "the stored cell is kept, not replaced"
        );
        store.close().await;

        let store = Store::open(&path).await.unwrap();
        assert_eq!(store.count_cells("r1").await.unwrap(), 3);
        let cells: Vec<_> = store.cells("r1").collect().await;
        assert_eq!(cells[0].as_ref().unwrap().answer.as_deref(), Some("答案是B"));
        let done = store.finished_digests("r1", "A").await.unwrap();
        assert!(done.contains(&cell("2").digest()));
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        assert!(matches!(store.run("nope").await, Err(StoreError::NoSuchRun(_))));
    }
}
