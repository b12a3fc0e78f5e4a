//! Every query the store makes, written once and compiled for each backend
//! (SQLite and PostgreSQL) by the `queries!` macro: `$1`-style placeholders
//! (SQLite reads them as numbered parameters), `ON CONFLICT … DO NOTHING`,
//! and columns typed so that both decode them alike (BIGINT, DOUBLE
//! PRECISION, BOOLEAN, BYTEA in PostgreSQL). Text is ordered by byte value
//! on both (`$collate`), so that a report's cells come in the same order and
//! the report is the same byte for byte.

macro_rules! queries {
    ($module:ident, $db:ty, $row:ty, $collate:literal) => {
        pub(crate) mod $module {
            use std::collections::HashSet;

            use futures_util::TryStreamExt;
            use futures_util::stream::BoxStream;
            use sqlx::Row;

            use crate::{AuditEntry, CellRecord, Evidence, Result, RunRecord, RunStatus, StoreError, q};

            type Pool = sqlx::Pool<$db>;

            pub async fn create_run(pool: &Pool, r: &RunRecord) -> Result<()> {
                sqlx::query(
                    "INSERT INTO runs (id, tender_id, spec_hash, spec_json, suites_json, simulated, status, created_at, \
                     finished_at, public_key, blind_mapping, blind_revealed, order_seed) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
                .execute(pool)
                .await
                .map_err(q("create run"))?;
                Ok(())
            }

            pub async fn run(pool: &Pool, id: &str) -> Result<RunRecord> {
                let row = sqlx::query("SELECT * FROM runs WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await
                    .map_err(q("read run"))?
                    .ok_or_else(|| StoreError::NoSuchRun(id.into()))?;
                run_from_row(&row)
            }

            pub async fn runs(pool: &Pool) -> Result<Vec<RunRecord>> {
                let rows = sqlx::query(concat!("SELECT * FROM runs ORDER BY created_at DESC, id", $collate))
                    .fetch_all(pool)
                    .await
                    .map_err(q("list runs"))?;
                rows.iter().map(run_from_row).collect()
            }

            pub async fn set_blind_revealed(pool: &Pool, id: &str) -> Result<()> {
                sqlx::query("UPDATE runs SET blind_revealed = $1 WHERE id = $2")
                    .bind(true)
                    .bind(id)
                    .execute(pool)
                    .await
                    .map_err(q("reveal mapping"))?;
                Ok(())
            }

            pub async fn set_run_status(pool: &Pool, id: &str, status: RunStatus) -> Result<()> {
                let finished = (status == RunStatus::Finished).then(crate::now_rfc3339);
                sqlx::query("UPDATE runs SET status = $1, finished_at = $2 WHERE id = $3")
                    .bind(status.as_str())
                    .bind(finished)
                    .bind(id)
                    .execute(pool)
                    .await
                    .map_err(q("update run status"))?;
                Ok(())
            }

            pub async fn insert_cells(
                pool: &Pool,
                cells: &[CellRecord],
                evidence: &[Evidence],
                audit: &[AuditEntry],
            ) -> Result<u64> {
                // Multi-row INSERTs: one statement per ROWS_PER_STATEMENT cells keeps
                // the per-statement cost off the hot path (24 parameters a row stays far
                // below SQLite's limit of 32,766 and PostgreSQL's of 65,535).
                const ROWS_PER_STATEMENT: usize = 256;
                let mut tx = pool.begin().await.map_err(q("begin"))?;
                for chunk in evidence.chunks(ROWS_PER_STATEMENT) {
                    insert_evidence(&mut tx, chunk).await?;
                }
                let mut inserted = 0;
                for chunk in cells.chunks(ROWS_PER_STATEMENT) {
                    inserted += insert_cell_rows(&mut tx, chunk).await?;
                }
                insert_audit(&mut tx, audit).await?;
                tx.commit().await.map_err(q("commit cells"))?;
                Ok(inserted)
            }

            /// Inserts evidence bodies (one stored already is left as it was).
            pub(crate) async fn insert_evidence(tx: &mut sqlx::Transaction<'_, $db>, evidence: &[Evidence]) -> Result<()> {
                if evidence.is_empty() {
                    return Ok(());
                }
                let mut b = sqlx::QueryBuilder::<$db>::new("INSERT INTO evidence (sha256, size, encoding, body) ");
                b.push_values(evidence, |mut row, e| {
                    row.push_bind(&e.sha256).push_bind(e.size as i64).push_bind(e.encoding).push_bind(&e.stored);
                });
                b.push(" ON CONFLICT (sha256) DO NOTHING");
                b.build().execute(&mut **tx).await.map_err(q("insert evidence"))?;
                Ok(())
            }

            /// Inserts cells (a stored one is left as it was); how many were new.
            async fn insert_cell_rows(tx: &mut sqlx::Transaction<'_, $db>, cells: &[CellRecord]) -> Result<u64> {
                let mut b = sqlx::QueryBuilder::<$db>::new(
                    "INSERT INTO cells (run_id, vendor, suite, case_id, repeat, seq, cause, detail, answer, finish_reason, \
                     prompt_tokens, completion_tokens, ttft_ms, latency_ms, attempts, gold_json, subject, language, \
                     request_sha256, response_sha256, finished_at, tool_calls, verdicts, timing) ",
                );
                b.push_values(cells, |mut row, c| {
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
                let r = b.build().execute(&mut **tx).await.map_err(q("insert cells"))?;
                Ok(r.rows_affected())
            }

            /// Inserts one cell inside a transaction; false when it was stored already.
            #[allow(dead_code)]
            pub(crate) async fn insert_cell_in(tx: &mut sqlx::Transaction<'_, $db>, cell: &CellRecord) -> Result<bool> {
                Ok(insert_cell_rows(tx, std::slice::from_ref(cell)).await? == 1)
            }

            /// The newest audit entry of a run, read inside a transaction.
            #[allow(dead_code)]
            pub(crate) async fn audit_head_in(tx: &mut sqlx::Transaction<'_, $db>, run_id: &str) -> Result<Option<AuditEntry>> {
                let row = sqlx::query("SELECT * FROM audit WHERE run_id = $1 ORDER BY seq DESC LIMIT 1")
                    .bind(run_id)
                    .fetch_optional(&mut **tx)
                    .await
                    .map_err(q("read audit head"))?;
                row.as_ref().map(audit_from_row).transpose()
            }

            pub async fn append_audit(pool: &Pool, audit: &[AuditEntry]) -> Result<()> {
                let mut tx = pool.begin().await.map_err(q("begin"))?;
                insert_audit(&mut tx, audit).await?;
                tx.commit().await.map_err(q("commit audit"))
            }

            pub(crate) async fn insert_audit(tx: &mut sqlx::Transaction<'_, $db>, audit: &[AuditEntry]) -> Result<()> {
                for chunk in audit.chunks(512) {
                    let mut b = sqlx::QueryBuilder::<$db>::new(
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
                    b.build().execute(&mut **tx).await.map_err(q("append audit entries"))?;
                }
                Ok(())
            }

            pub async fn audit(pool: &Pool, run_id: &str) -> Result<Vec<AuditEntry>> {
                let rows = sqlx::query("SELECT * FROM audit WHERE run_id = $1 ORDER BY seq")
                    .bind(run_id)
                    .fetch_all(pool)
                    .await
                    .map_err(q("read audit log"))?;
                rows.iter().map(audit_from_row).collect()
            }

            pub async fn audit_of_kinds(pool: &Pool, run_id: &str, kinds: &[&str]) -> Result<Vec<AuditEntry>> {
                let mut b = sqlx::QueryBuilder::<$db>::new("SELECT * FROM audit WHERE run_id = ");
                b.push_bind(run_id).push(" AND kind IN (");
                let mut list = b.separated(", ");
                for k in kinds {
                    list.push_bind(*k);
                }
                b.push(") ORDER BY seq");
                let rows = b.build().fetch_all(pool).await.map_err(q("read audit log"))?;
                rows.iter().map(audit_from_row).collect()
            }

            pub async fn audit_head(pool: &Pool, run_id: &str) -> Result<Option<AuditEntry>> {
                let row = sqlx::query("SELECT * FROM audit WHERE run_id = $1 ORDER BY seq DESC LIMIT 1")
                    .bind(run_id)
                    .fetch_optional(pool)
                    .await
                    .map_err(q("read audit head"))?;
                row.as_ref().map(audit_from_row).transpose()
            }

            pub async fn audit_hashes(pool: &Pool, run_id: &str) -> Result<Vec<String>> {
                sqlx::query_scalar("SELECT hash FROM audit WHERE run_id = $1 ORDER BY seq")
                    .bind(run_id)
                    .fetch_all(pool)
                    .await
                    .map_err(q("read audit hashes"))
            }

            pub async fn evidence(pool: &Pool, sha256: &str) -> Result<Option<Vec<u8>>> {
                let row = sqlx::query("SELECT size, encoding, body FROM evidence WHERE sha256 = $1")
                    .bind(sha256)
                    .fetch_optional(pool)
                    .await
                    .map_err(q("read evidence"))?;
                let Some(r) = row else { return Ok(None) };
                let corrupt = |e: String| StoreError::Corrupt(format!("evidence {sha256}: {e}"));
                let size: i64 = r.try_get(0).map_err(|e| corrupt(e.to_string()))?;
                let encoding: String = r.try_get(1).map_err(|e| corrupt(e.to_string()))?;
                let body: Vec<u8> = r.try_get(2).map_err(|e| corrupt(e.to_string()))?;
                tb_audit::decode_body(&encoding, &body, size as usize).map(Some).map_err(|e| corrupt(e.to_string()))
            }

            pub async fn finished_digests(pool: &Pool, run_id: &str, vendor: &str) -> Result<HashSet<u128>> {
                // A load stage's requests are not the suites' cells: a resume counts and skips these alone.
                let mut rows = sqlx::query(
                    "SELECT suite, case_id, repeat FROM cells \
                     WHERE run_id = $1 AND vendor = $2 AND substr(suite, 1, 5) <> 'load:'",
                )
                .bind(run_id)
                .bind(vendor)
                .fetch(pool);
                let mut set = HashSet::new();
                while let Some(row) = rows.try_next().await.map_err(q("read finished cells"))? {
                    let suite: String = row.try_get(0).map_err(q("decode cell key"))?;
                    let case_id: String = row.try_get(1).map_err(q("decode cell key"))?;
                    let repeat: i64 = row.try_get(2).map_err(q("decode cell key"))?;
                    set.insert(tb_core::cell_digest(vendor, &suite, &case_id, repeat as u32));
                }
                Ok(set)
            }

            pub async fn count_cells(pool: &Pool, run_id: &str) -> Result<u64> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM cells WHERE run_id = $1 AND substr(suite, 1, 5) <> 'load:'",
                )
                .bind(run_id)
                .fetch_one(pool)
                .await
                .map_err(q("count cells"))?;
                Ok(n as u64)
            }

            pub async fn count_suite_cells(pool: &Pool, run_id: &str, vendor: &str, suite: &str) -> Result<u64> {
                let n: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM cells WHERE run_id = $1 AND vendor = $2 AND suite = $3")
                        .bind(run_id)
                        .bind(vendor)
                        .bind(suite)
                        .fetch_one(pool)
                        .await
                        .map_err(q("count cells"))?;
                Ok(n as u64)
            }

            pub fn cells<'p>(pool: &'p Pool, run_id: &str) -> BoxStream<'p, Result<CellRecord>> {
                let stream = sqlx::query(concat!(
                    "SELECT * FROM cells WHERE run_id = $1 ORDER BY vendor",
                    $collate,
                    ", suite",
                    $collate,
                    ", seq, repeat"
                ))
                .bind(run_id.to_string())
                .fetch(pool)
                .map_err(q("read cells"))
                .and_then(|row| async move { cell_from_row(&row) });
                Box::pin(stream)
            }

            fn audit_from_row(row: &$row) -> Result<AuditEntry> {
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

            fn run_from_row(row: &$row) -> Result<RunRecord> {
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

            pub(crate) fn cell_from_row(row: &$row) -> Result<CellRecord> {
                let get = |e| StoreError::Corrupt(format!("cell row: {e}"));
                let opt_u64 = |name: &str| -> Result<Option<u64>> {
                    Ok(row.try_get::<Option<i64>, _>(name).map_err(get)?.map(|n| n as u64))
                };
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
        }
    };
}

queries!(sqlite, sqlx::Sqlite, sqlx::sqlite::SqliteRow, "");
queries!(postgres, sqlx::Postgres, sqlx::postgres::PgRow, " COLLATE \"C\"");
