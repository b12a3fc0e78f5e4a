//! The work queue of distributed runs (`run --distributed`, `worker`), on
//! PostgreSQL only: its leases rely on `SELECT … FOR UPDATE SKIP LOCKED`.
//!
//! - `queue`: one row per cell to send, with the case itself (workers need
//!   no suite files), `pending` → `leased` (by a worker, until
//!   `lease_expires`) → `done`. A lease that expires is taken again.
//! - `vendor_slots`: a vendor's concurrency as that many rows; a worker
//!   holds one for every call in flight, so all workers together never
//!   exceed it. A slot's hold expires with its worker's lease.
//! - `vendor_pace`: a vendor's request rate as the next free start time; a
//!   worker reserves a start time by one atomic update.
//! - `workers`: heartbeats and what each worker is doing.
//!
//! Storing a result, its audit entry and the lease's release is one
//! transaction that first checks the lease is still the worker's: a cell is
//! stored once whatever the workers do. The audit chain of a run is
//! appended under a transaction-scoped advisory lock on the run, so the
//! chain stays one with any number of writers.

use sqlx::Row;

use crate::{AuditEntry, Backend, CellRecord, Evidence, Result, Store, StoreError, q};

/// One cell to send.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuedCell {
    pub run_id: String,
    pub vendor: String,
    pub suite: String,
    pub case_id: String,
    pub repeat: u32,
    pub seq: u64,
    /// Order of sending for its vendor (the run's case order).
    pub position: u64,
    /// `chat`, `code`, `agent` or `judge`: what a worker needs to execute it.
    pub capability: String,
    /// The case as JSON (`tb_core::Case`).
    pub case_json: String,
}

/// A leased cell and the vendor slot held for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Lease {
    pub cell: QueuedCell,
    pub slot: u32,
    pub attempts: u32,
}

/// A worker's heartbeat row.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WorkerRecord {
    pub id: String,
    pub host: String,
    pub pid: u32,
    pub capabilities: String,
    pub concurrency: u32,
    pub started_at: String,
    /// Unix milliseconds of the last heartbeat.
    pub heartbeat_ms: i64,
    /// Cells in flight now.
    pub busy: u32,
    /// Cells stored since it started.
    pub done: u64,
    /// What it is doing: `run/vendor/suite/case` of some cells in flight.
    pub current: Option<String>,
}

/// Per vendor of a run: cells pending, leased, done.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct QueueCounts {
    pub vendor: String,
    pub pending: u64,
    pub leased: u64,
    pub done: u64,
}

/// The advisory lock key of a run's audit chain.
fn chain_lock(run_id: &str) -> i64 {
    let digest = tb_audit::sha256_hex(run_id.as_bytes());
    i64::from_str_radix(&digest[..15], 16).unwrap_or(0)
}

impl Store {
    fn pg(&self, what: &'static str) -> Result<&sqlx::PgPool> {
        match &self.backend {
            Backend::Postgres(p) => Ok(p),
            Backend::Sqlite(_) => Err(StoreError::NeedsPostgres(what)),
        }
    }

    /// Adds cells to the queue (a cell queued already is left as it is).
    pub async fn enqueue(&self, cells: &[QueuedCell]) -> Result<u64> {
        let pool = self.pg("a distributed run")?;
        let mut added = 0;
        let mut tx = pool.begin().await.map_err(q("begin"))?;
        for chunk in cells.chunks(1000) {
            let mut b = sqlx::QueryBuilder::<sqlx::Postgres>::new(
                "INSERT INTO queue (run_id, vendor, suite, case_id, repeat, seq, position, capability, case_json, \
                 state, attempts) ",
            );
            b.push_values(chunk, |mut row, c| {
                row.push_bind(&c.run_id)
                    .push_bind(&c.vendor)
                    .push_bind(&c.suite)
                    .push_bind(&c.case_id)
                    .push_bind(c.repeat as i64)
                    .push_bind(c.seq as i64)
                    .push_bind(c.position as i64)
                    .push_bind(&c.capability)
                    .push_bind(&c.case_json)
                    .push_bind("pending")
                    .push_bind(0i64);
            });
            b.push(" ON CONFLICT DO NOTHING");
            added += b.build().execute(&mut *tx).await.map_err(q("enqueue cells"))?.rows_affected();
        }
        tx.commit().await.map_err(q("commit queue"))?;
        Ok(added)
    }

    /// A vendor's limits for a run: `concurrency` slots and, when given, one request every `interval_us`.
    pub async fn set_vendor_limits(
        &self,
        run_id: &str,
        vendor: &str,
        concurrency: u32,
        interval_us: Option<i64>,
    ) -> Result<()> {
        let pool = self.pg("a distributed run")?;
        let mut tx = pool.begin().await.map_err(q("begin"))?;
        for slot in 0..concurrency.max(1) {
            sqlx::query("INSERT INTO vendor_slots (run_id, vendor, slot) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(run_id)
                .bind(vendor)
                .bind(slot as i64)
                .execute(&mut *tx)
                .await
                .map_err(q("create vendor slots"))?;
        }
        if let Some(interval) = interval_us {
            sqlx::query(
                "INSERT INTO vendor_pace (run_id, vendor, interval_us, next_us) VALUES ($1, $2, $3, 0) \
                 ON CONFLICT (run_id, vendor) DO UPDATE SET interval_us = excluded.interval_us",
            )
            .bind(run_id)
            .bind(vendor)
            .bind(interval)
            .execute(&mut *tx)
            .await
            .map_err(q("set vendor pace"))?;
        }
        tx.commit().await.map_err(q("commit vendor limits"))
    }

    /// Leases one cell a worker can execute, with a slot of its vendor: of a
    /// running run, pending (or with an expired lease), whose vendor has a
    /// free slot. The vendors are tried in random order, so that one whose
    /// slots are all taken does not hold up the others. None when there is
    /// nothing to do now.
    pub async fn lease(
        &self,
        worker: &str,
        capabilities: &[String],
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<Lease>> {
        let pool = self.pg("a worker")?;
        let mut vendors: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT s.run_id, s.vendor FROM vendor_slots s JOIN runs r ON r.id = s.run_id \
             WHERE r.status = 'running'",
        )
        .fetch_all(pool)
        .await
        .map_err(q("list open vendors"))?;
        // A cheap shuffle: the order only spreads workers over vendors.
        let n = vendors.len();
        for i in (1..n).rev() {
            let j = (now_ms as usize ^ (i * 2654435761)) % (i + 1);
            vendors.swap(i, j);
        }
        for (run_id, vendor) in vendors {
            if let Some(lease) = self.lease_of(pool, worker, capabilities, &run_id, &vendor, now_ms, lease_ms).await? {
                return Ok(Some(lease));
            }
        }
        Ok(None)
    }

    #[allow(clippy::too_many_arguments)]
    async fn lease_of(
        &self,
        pool: &sqlx::PgPool,
        worker: &str,
        capabilities: &[String],
        run_id: &str,
        vendor: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Option<Lease>> {
        let mut tx = pool.begin().await.map_err(q("begin"))?;
        const COLUMNS: &str =
            "SELECT suite, case_id, repeat, seq, position, capability, case_json, attempts FROM queue";
        let pending = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COLUMNS} WHERE run_id = $1 AND vendor = $2 AND state = 'pending' AND capability = ANY($3) \
             ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED"
        )))
        .bind(run_id)
        .bind(vendor)
        .bind(capabilities)
        .fetch_optional(&mut *tx)
        .await
        .map_err(q("lease a cell"))?;
        let row = match pending {
            Some(r) => r,
            None => {
                // A lease whose worker went silent: taken again.
                let expired = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "{COLUMNS} WHERE run_id = $1 AND vendor = $2 AND state = 'leased' AND lease_expires < $4 \
                     AND capability = ANY($3) ORDER BY position LIMIT 1 FOR UPDATE SKIP LOCKED"
                )))
                .bind(run_id)
                .bind(vendor)
                .bind(capabilities)
                .bind(now_ms)
                .fetch_optional(&mut *tx)
                .await
                .map_err(q("lease a cell"))?;
                match expired {
                    Some(r) => r,
                    None => return Ok(None),
                }
            }
        };
        let slot: Option<i64> = sqlx::query_scalar(
            "SELECT slot FROM vendor_slots WHERE run_id = $1 AND vendor = $2 AND (holder IS NULL OR expires < $3) \
             LIMIT 1 FOR UPDATE SKIP LOCKED",
        )
        .bind(run_id)
        .bind(vendor)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await
        .map_err(q("take a vendor slot"))?;
        let Some(slot_no) = slot else { return Ok(None) };
        let get = |e| StoreError::Corrupt(format!("queue row: {e}"));
        let cell = QueuedCell {
            run_id: run_id.to_string(),
            vendor: vendor.to_string(),
            suite: row.try_get("suite").map_err(get)?,
            case_id: row.try_get("case_id").map_err(get)?,
            repeat: row.try_get::<i64, _>("repeat").map_err(get)? as u32,
            seq: row.try_get::<i64, _>("seq").map_err(get)? as u64,
            position: row.try_get::<i64, _>("position").map_err(get)? as u64,
            capability: row.try_get("capability").map_err(get)?,
            case_json: row.try_get("case_json").map_err(get)?,
        };
        let attempts = row.try_get::<i64, _>("attempts").map_err(get)? as u32 + 1;
        let expires = now_ms + lease_ms;
        sqlx::query(
            "UPDATE vendor_slots SET holder = $1, expires = $2 WHERE run_id = $3 AND vendor = $4 AND slot = $5",
        )
        .bind(worker)
        .bind(expires)
        .bind(run_id)
        .bind(vendor)
        .bind(slot_no)
        .execute(&mut *tx)
        .await
        .map_err(q("hold a vendor slot"))?;
        sqlx::query(
            "UPDATE queue SET state = 'leased', leased_by = $1, lease_expires = $2, attempts = $3 \
             WHERE run_id = $4 AND vendor = $5 AND suite = $6 AND case_id = $7 AND repeat = $8",
        )
        .bind(worker)
        .bind(expires)
        .bind(attempts as i64)
        .bind(run_id)
        .bind(vendor)
        .bind(&cell.suite)
        .bind(&cell.case_id)
        .bind(cell.repeat as i64)
        .execute(&mut *tx)
        .await
        .map_err(q("lease a cell"))?;
        tx.commit().await.map_err(q("commit lease"))?;
        Ok(Some(Lease { cell, slot: slot_no as u32, attempts }))
    }

    /// Reserves the next start time of a vendor's requests (Unix µs), or
    /// None when the vendor has no rate limit. The caller waits until then.
    pub async fn reserve_start(&self, run_id: &str, vendor: &str, now_us: i64) -> Result<Option<i64>> {
        let pool = self.pg("a worker")?;
        let at: Option<i64> = sqlx::query_scalar(
            "UPDATE vendor_pace SET next_us = GREATEST(next_us, $1) + interval_us \
             WHERE run_id = $2 AND vendor = $3 RETURNING next_us - interval_us",
        )
        .bind(now_us)
        .bind(run_id)
        .bind(vendor)
        .fetch_optional(pool)
        .await
        .map_err(q("reserve a start time"))?;
        Ok(at)
    }

    /// Stores a leased cell's result: in one transaction, checks that the
    /// lease is still `worker`'s, stores the evidence and the cell, appends
    /// the audit entries `entries` makes from the chain's head (under the
    /// run's chain lock), marks the cell done and frees the slot. False
    /// when the lease was lost (expired and taken): nothing is written.
    pub async fn complete<F>(
        &self,
        worker: &str,
        lease: &Lease,
        cell: &CellRecord,
        evidence: &[Evidence],
        entries: F,
    ) -> Result<bool>
    where
        F: FnOnce(Option<&AuditEntry>) -> Vec<AuditEntry>,
    {
        let pool = self.pg("a worker")?;
        let c = &lease.cell;
        let mut tx = pool.begin().await.map_err(q("begin"))?;
        let holder: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT state, leased_by FROM queue WHERE run_id = $1 AND vendor = $2 AND suite = $3 AND case_id = $4 \
             AND repeat = $5 FOR UPDATE",
        )
        .bind(&c.run_id)
        .bind(&c.vendor)
        .bind(&c.suite)
        .bind(&c.case_id)
        .bind(c.repeat as i64)
        .fetch_optional(&mut *tx)
        .await
        .map_err(q("check a lease"))?;
        if holder != Some(("leased".to_string(), Some(worker.to_string()))) {
            // Lost: another worker has the cell. The slot this call held is given back all the same.
            free_slot(&mut tx, worker, lease).await?;
            tx.commit().await.map_err(q("commit a lost lease"))?;
            return Ok(false);
        }
        crate::queries::postgres::insert_evidence(&mut tx, evidence).await?;
        let inserted = crate::queries::postgres::insert_cell_in(&mut tx, cell).await?;
        if inserted {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(chain_lock(&c.run_id))
                .execute(&mut *tx)
                .await
                .map_err(q("lock the audit chain"))?;
            let head = crate::queries::postgres::audit_head_in(&mut tx, &c.run_id).await?;
            let audit = entries(head.as_ref());
            crate::queries::postgres::insert_audit(&mut tx, &audit).await?;
        }
        sqlx::query(
            "UPDATE queue SET state = 'done', leased_by = NULL, lease_expires = NULL \
             WHERE run_id = $1 AND vendor = $2 AND suite = $3 AND case_id = $4 AND repeat = $5",
        )
        .bind(&c.run_id)
        .bind(&c.vendor)
        .bind(&c.suite)
        .bind(&c.case_id)
        .bind(c.repeat as i64)
        .execute(&mut *tx)
        .await
        .map_err(q("mark a cell done"))?;
        free_slot(&mut tx, worker, lease).await?;
        tx.commit().await.map_err(q("commit a cell"))?;
        Ok(true)
    }

    /// Gives a lease back unexecuted (a worker stopping): the cell is pending again.
    pub async fn release(&self, worker: &str, lease: &Lease) -> Result<()> {
        let pool = self.pg("a worker")?;
        let c = &lease.cell;
        let mut tx = pool.begin().await.map_err(q("begin"))?;
        sqlx::query(
            "UPDATE queue SET state = 'pending', leased_by = NULL, lease_expires = NULL \
             WHERE run_id = $1 AND vendor = $2 AND suite = $3 AND case_id = $4 AND repeat = $5 AND leased_by = $6 \
             AND state = 'leased'",
        )
        .bind(&c.run_id)
        .bind(&c.vendor)
        .bind(&c.suite)
        .bind(&c.case_id)
        .bind(c.repeat as i64)
        .bind(worker)
        .execute(&mut *tx)
        .await
        .map_err(q("release a lease"))?;
        free_slot(&mut tx, worker, lease).await?;
        tx.commit().await.map_err(q("commit a release"))
    }

    /// Appends audit entries that `entries` makes from the chain's head and
    /// every hash so far (a checkpoint's Merkle root), under the run's chain lock.
    pub async fn append_audit_locked<F>(&self, run_id: &str, entries: F) -> Result<()>
    where
        F: FnOnce(Option<&AuditEntry>, &[String]) -> Vec<AuditEntry>,
    {
        let pool = self.pg("a distributed run")?;
        let mut tx = pool.begin().await.map_err(q("begin"))?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(chain_lock(run_id))
            .execute(&mut *tx)
            .await
            .map_err(q("lock the audit chain"))?;
        let head = crate::queries::postgres::audit_head_in(&mut tx, run_id).await?;
        let hashes: Vec<String> = sqlx::query_scalar("SELECT hash FROM audit WHERE run_id = $1 ORDER BY seq")
            .bind(run_id)
            .fetch_all(&mut *tx)
            .await
            .map_err(q("read audit hashes"))?;
        let audit = entries(head.as_ref(), &hashes);
        crate::queries::postgres::insert_audit(&mut tx, &audit).await?;
        tx.commit().await.map_err(q("commit audit"))
    }

    /// Extends the leases and slots of the cells a live worker has in
    /// flight (only those: a lease it gave up must expire), and records its heartbeat.
    pub async fn heartbeat(&self, w: &WorkerRecord, lease_expires_ms: i64, in_flight: &[Lease]) -> Result<()> {
        let pool = self.pg("a worker")?;
        let mut tx = pool.begin().await.map_err(q("begin"))?;
        for lease in in_flight {
            let c = &lease.cell;
            sqlx::query(
                "UPDATE queue SET lease_expires = $1 WHERE run_id = $2 AND vendor = $3 AND suite = $4 AND case_id = $5 \
                 AND repeat = $6 AND leased_by = $7 AND state = 'leased'",
            )
            .bind(lease_expires_ms)
            .bind(&c.run_id)
            .bind(&c.vendor)
            .bind(&c.suite)
            .bind(&c.case_id)
            .bind(c.repeat as i64)
            .bind(&w.id)
            .execute(&mut *tx)
            .await
            .map_err(q("extend a lease"))?;
            sqlx::query(
                "UPDATE vendor_slots SET expires = $1 WHERE run_id = $2 AND vendor = $3 AND slot = $4 AND holder = $5",
            )
            .bind(lease_expires_ms)
            .bind(&c.run_id)
            .bind(&c.vendor)
            .bind(lease.slot as i64)
            .bind(&w.id)
            .execute(&mut *tx)
            .await
            .map_err(q("extend a slot"))?;
        }
        sqlx::query(
            "INSERT INTO workers (id, host, pid, capabilities, concurrency, started_at, heartbeat_ms, busy, done, current) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO UPDATE SET \
             heartbeat_ms = excluded.heartbeat_ms, busy = excluded.busy, done = excluded.done, current = excluded.current",
        )
        .bind(&w.id)
        .bind(&w.host)
        .bind(w.pid as i64)
        .bind(&w.capabilities)
        .bind(w.concurrency as i64)
        .bind(&w.started_at)
        .bind(w.heartbeat_ms)
        .bind(w.busy as i64)
        .bind(w.done as i64)
        .bind(&w.current)
        .execute(&mut *tx)
        .await
        .map_err(q("record a heartbeat"))?;
        tx.commit().await.map_err(q("commit a heartbeat"))
    }

    /// Every worker that has ever sent a heartbeat, the most recent first.
    pub async fn workers(&self) -> Result<Vec<WorkerRecord>> {
        let Backend::Postgres(pool) = &self.backend else { return Ok(Vec::new()) };
        let rows = sqlx::query("SELECT * FROM workers ORDER BY heartbeat_ms DESC, id")
            .fetch_all(pool)
            .await
            .map_err(q("list workers"))?;
        rows.iter()
            .map(|r| {
                let get = |e| StoreError::Corrupt(format!("worker row: {e}"));
                Ok(WorkerRecord {
                    id: r.try_get("id").map_err(get)?,
                    host: r.try_get("host").map_err(get)?,
                    pid: r.try_get::<i64, _>("pid").map_err(get)? as u32,
                    capabilities: r.try_get("capabilities").map_err(get)?,
                    concurrency: r.try_get::<i64, _>("concurrency").map_err(get)? as u32,
                    started_at: r.try_get("started_at").map_err(get)?,
                    heartbeat_ms: r.try_get("heartbeat_ms").map_err(get)?,
                    busy: r.try_get::<i64, _>("busy").map_err(get)? as u32,
                    done: r.try_get::<i64, _>("done").map_err(get)? as u64,
                    current: r.try_get("current").map_err(get)?,
                })
            })
            .collect()
    }

    /// A distributed run's queue, per vendor.
    pub async fn queue_counts(&self, run_id: &str) -> Result<Vec<QueueCounts>> {
        let Backend::Postgres(pool) = &self.backend else { return Ok(Vec::new()) };
        let rows = sqlx::query(
            "SELECT vendor, SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), \
             SUM(CASE WHEN state = 'leased' THEN 1 ELSE 0 END), SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) \
             FROM queue WHERE run_id = $1 GROUP BY vendor ORDER BY vendor COLLATE \"C\"",
        )
        .bind(run_id)
        .fetch_all(pool)
        .await
        .map_err(q("count the queue"))?;
        rows.iter()
            .map(|r| {
                let n = |i: usize| -> Result<u64> {
                    Ok(r.try_get::<Option<i64>, _>(i).map_err(q("decode counts"))?.unwrap_or(0) as u64)
                };
                Ok(QueueCounts {
                    vendor: r.try_get(0).map_err(q("decode counts"))?,
                    pending: n(1)?,
                    leased: n(2)?,
                    done: n(3)?,
                })
            })
            .collect()
    }
}

async fn free_slot(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>, worker: &str, lease: &Lease) -> Result<()> {
    sqlx::query(
        "UPDATE vendor_slots SET holder = NULL, expires = NULL WHERE run_id = $1 AND vendor = $2 AND slot = $3 AND holder = $4",
    )
    .bind(&lease.cell.run_id)
    .bind(&lease.cell.vendor)
    .bind(lease.slot as i64)
    .bind(worker)
    .execute(&mut **tx)
    .await
    .map_err(q("free a vendor slot"))?;
    Ok(())
}
