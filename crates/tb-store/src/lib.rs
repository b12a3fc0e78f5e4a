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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, PartialEq)]
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
}

/// One stored cell: a case sent to a vendor once, and what came back.
#[derive(Debug, Clone, PartialEq)]
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
    pub raw: String,
    pub finished_at: String,
}

impl CellRecord {
    pub fn digest(&self) -> u128 {
        tb_core::cell_digest(&self.vendor, &self.suite, &self.case_id, self.repeat)
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
    finished_at TEXT
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
    raw               TEXT NOT NULL,
    finished_at       TEXT NOT NULL,
    PRIMARY KEY (run_id, vendor, suite, case_id, repeat)
);
"#;

const CELL_COLUMNS_BUT_RAW: &str = "run_id, vendor, suite, case_id, repeat, seq, cause, detail, answer, finish_reason, \
     prompt_tokens, completion_tokens, ttft_ms, latency_ms, attempts, gold_json, subject, language, '' AS raw, finished_at";

#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
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
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await
            .map_err(|source| StoreError::Open { path: shown.clone(), source })?;
        sqlx::raw_sql(SCHEMA).execute(&pool).await.map_err(|source| StoreError::Open { path: shown, source })?;
        Ok(Store { pool })
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn create_run(&self, r: &RunRecord) -> Result<()> {
        sqlx::query(
            "INSERT INTO runs (id, tender_id, spec_hash, spec_json, suites_json, simulated, status, created_at, finished_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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

    /// Stores a batch of cells in one transaction. A cell already stored is
    /// left as it was; returns how many were new.
    pub async fn insert_cells(&self, cells: &[CellRecord]) -> Result<u64> {
        // Multi-row INSERTs: one statement per ROWS_PER_STATEMENT cells keeps
        // the per-statement cost off the hot path (20 parameters a row stays far
        // below SQLite's limit of 32,766).
        const ROWS_PER_STATEMENT: usize = 256;
        let mut tx = self.pool.begin().await.map_err(q("begin"))?;
        let mut inserted = 0;
        for chunk in cells.chunks(ROWS_PER_STATEMENT) {
            let mut b = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO cells (run_id, vendor, suite, case_id, repeat, seq, cause, detail, answer, finish_reason, \
                 prompt_tokens, completion_tokens, ttft_ms, latency_ms, attempts, gold_json, subject, language, raw, finished_at) ",
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
                    .push_bind(&c.raw)
                    .push_bind(&c.finished_at);
            });
            b.push(" ON CONFLICT (run_id, vendor, suite, case_id, repeat) DO NOTHING");
            let r = b.build().execute(&mut *tx).await.map_err(q("insert cells"))?;
            inserted += r.rows_affected();
        }
        tx.commit().await.map_err(q("commit cells"))?;
        Ok(inserted)
    }

    /// Digests of the cells of `vendor` already stored for `run_id`: what a resume skips.
    pub async fn finished_digests(&self, run_id: &str, vendor: &str) -> Result<HashSet<u128>> {
        let mut rows = sqlx::query("SELECT suite, case_id, repeat FROM cells WHERE run_id = ? AND vendor = ?")
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

    pub async fn count_cells(&self, run_id: &str) -> Result<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cells WHERE run_id = ?")
            .bind(run_id)
            .fetch_one(&self.pool)
            .await
            .map_err(q("count cells"))?;
        Ok(n as u64)
    }

    /// Streams a run's cells in a stable order (vendor, suite, position, repeat)
    /// without loading them all. The raw responses (the bulk of the bytes) are
    /// read only when `with_raw` is set; otherwise `raw` is empty.
    pub fn cells(&self, run_id: &str, with_raw: bool) -> BoxStream<'_, Result<CellRecord>> {
        let columns = if with_raw { "*" } else { CELL_COLUMNS_BUT_RAW };
        let sql = format!("SELECT {columns} FROM cells WHERE run_id = ? ORDER BY vendor, suite, seq, repeat");
        let stream = sqlx::query(sqlx::AssertSqlSafe(sql))
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
        raw: row.try_get("raw").map_err(get)?,
        finished_at: row.try_get("finished_at").map_err(get)?,
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
            raw: "{}".into(),
            finished_at: now_rfc3339(),
        }
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
            })
            .await
            .unwrap();
        assert_eq!(store.insert_cells(&[cell("1"), cell("2")]).await.unwrap(), 2);
        let mut again = cell("1");
        again.answer = Some("changed".into());
        assert_eq!(store.insert_cells(&[again, cell("3")]).await.unwrap(), 1, "the stored cell is kept, not replaced");
        store.close().await;

        let store = Store::open(&path).await.unwrap();
        assert_eq!(store.count_cells("r1").await.unwrap(), 3);
        let cells: Vec<_> = store.cells("r1", true).collect().await;
        assert_eq!(cells[0].as_ref().unwrap().answer.as_deref(), Some("答案是B"));
        let done = store.finished_digests("r1", "A").await.unwrap();
        assert!(done.contains(&cell("2").digest()));
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        assert!(matches!(store.run("nope").await, Err(StoreError::NoSuchRun(_))));
    }
}
