//! Contracts after the award: the contract file and its probe records, as
//! written (`docs/contracts.md`). Written once for both backends, like the
//! server's tables (`server.rs`).

use crate::{Backend, Result, Store, StoreError, q};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContractRecord {
    pub id: String,
    /// The awarded bidder, by its name in the tender (what a vendor account may see).
    pub vendor: String,
    pub toml: String,
    pub created_by: String,
    pub created_at: String,
    /// The tender on this server whose spec and suites are the contract's POC: the server then schedules the probes.
    pub tender_id: Option<String>,
    /// The acceptance run's signed report.json and its signature, as the buyer gave them.
    pub acceptance: Option<(String, String)>,
}

/// A probe the server scheduled, from the moment it was claimed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ContractProbeRun {
    pub contract_id: String,
    /// The contract day it probes (YYYY-MM-DD): one scheduled probe a day at most.
    pub day: String,
    /// Its run, once started.
    pub run_id: Option<String>,
    pub status: ProbeRunStatus,
    /// Why it failed.
    pub detail: Option<String>,
    pub created_at: String,
}

/// Where a scheduled probe stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeRunStatus {
    /// Claimed, or its run started and not yet recorded.
    Running,
    /// Its probe record is stored.
    Recorded,
    /// It could not run or be recorded (`detail` says why); the next due day probes again.
    Failed,
}

impl ProbeRunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeRunStatus::Running => "running",
            ProbeRunStatus::Recorded => "recorded",
            ProbeRunStatus::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<ProbeRunStatus> {
        match s {
            "running" => Ok(ProbeRunStatus::Running),
            "recorded" => Ok(ProbeRunStatus::Recorded),
            "failed" => Ok(ProbeRunStatus::Failed),
            other => Err(StoreError::Corrupt(format!("probe run status {other:?}"))),
        }
    }
}

macro_rules! contract_queries {
    ($module:ident, $db:ty, $row:ty) => {
        pub(crate) mod $module {
            use sqlx::Row;

            use super::*;

            type Pool = sqlx::Pool<$db>;

            fn contract_from_row(row: &$row) -> Result<ContractRecord> {
                let get = |e| StoreError::Corrupt(format!("contract row: {e}"));
                Ok(ContractRecord {
                    id: row.try_get("id").map_err(get)?,
                    vendor: row.try_get("vendor").map_err(get)?,
                    toml: row.try_get("toml").map_err(get)?,
                    created_by: row.try_get("created_by").map_err(get)?,
                    created_at: row.try_get("created_at").map_err(get)?,
                    tender_id: row.try_get("tender_id").map_err(get)?,
                    acceptance: row
                        .try_get::<Option<String>, _>("acceptance_report")
                        .map_err(get)?
                        .zip(row.try_get::<Option<String>, _>("acceptance_signature").map_err(get)?),
                })
            }

            fn probe_run_from_row(row: &$row) -> Result<ContractProbeRun> {
                let get = |e| StoreError::Corrupt(format!("probe run row: {e}"));
                let status: String = row.try_get("status").map_err(get)?;
                Ok(ContractProbeRun {
                    contract_id: row.try_get("contract_id").map_err(get)?,
                    day: row.try_get("day").map_err(get)?,
                    run_id: row.try_get("run_id").map_err(get)?,
                    status: ProbeRunStatus::parse(&status)?,
                    detail: row.try_get("detail").map_err(get)?,
                    created_at: row.try_get("created_at").map_err(get)?,
                })
            }

            pub async fn set_contract_acceptance(pool: &Pool, id: &str, report: &str, signature: &str) -> Result<()> {
                sqlx::query("UPDATE contracts SET acceptance_report = $2, acceptance_signature = $3 WHERE id = $1")
                    .bind(id)
                    .bind(report)
                    .bind(signature)
                    .execute(pool)
                    .await
                    .map_err(q("store acceptance"))?;
                Ok(())
            }

            pub async fn claim_contract_probe(pool: &Pool, id: &str, day: &str, at: &str) -> Result<bool> {
                let r = sqlx::query(
                    "INSERT INTO contract_probe_runs (contract_id, day, status, created_at) VALUES ($1, $2, 'running', $3) \
                     ON CONFLICT (contract_id, day) DO NOTHING",
                )
                .bind(id)
                .bind(day)
                .bind(at)
                .execute(pool)
                .await
                .map_err(q("claim probe"))?;
                Ok(r.rows_affected() == 1)
            }

            pub async fn update_contract_probe(
                pool: &Pool,
                id: &str,
                day: &str,
                run_id: Option<&str>,
                status: ProbeRunStatus,
                detail: Option<&str>,
            ) -> Result<()> {
                sqlx::query(
                    "UPDATE contract_probe_runs SET run_id = COALESCE($3, run_id), status = $4, detail = $5 \
                     WHERE contract_id = $1 AND day = $2",
                )
                .bind(id)
                .bind(day)
                .bind(run_id)
                .bind(status.as_str())
                .bind(detail)
                .execute(pool)
                .await
                .map_err(q("update probe run"))?;
                Ok(())
            }

            pub async fn contract_probe_runs(pool: &Pool, id: &str) -> Result<Vec<ContractProbeRun>> {
                let rows = sqlx::query("SELECT * FROM contract_probe_runs WHERE contract_id = $1 ORDER BY day")
                    .bind(id)
                    .fetch_all(pool)
                    .await
                    .map_err(q("read probe runs"))?;
                rows.iter().map(probe_run_from_row).collect()
            }

            pub async fn create_contract(pool: &Pool, c: &ContractRecord) -> Result<bool> {
                let r = sqlx::query(
                    "INSERT INTO contracts (id, vendor, toml, created_by, created_at, tender_id) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&c.id)
                .bind(&c.vendor)
                .bind(&c.toml)
                .bind(&c.created_by)
                .bind(&c.created_at)
                .bind(&c.tender_id)
                .execute(pool)
                .await
                .map_err(q("create contract"))?;
                Ok(r.rows_affected() == 1)
            }

            pub async fn contract(pool: &Pool, id: &str) -> Result<Option<ContractRecord>> {
                let row = sqlx::query("SELECT * FROM contracts WHERE id = $1")
                    .bind(id)
                    .fetch_optional(pool)
                    .await
                    .map_err(q("read contract"))?;
                row.as_ref().map(contract_from_row).transpose()
            }

            pub async fn contracts(pool: &Pool) -> Result<Vec<ContractRecord>> {
                let rows = sqlx::query("SELECT * FROM contracts ORDER BY created_at DESC, id")
                    .fetch_all(pool)
                    .await
                    .map_err(q("list contracts"))?;
                rows.iter().map(contract_from_row).collect()
            }

            /// Appends a probe record as the next in order; its number (1-based).
            pub async fn add_contract_probe(pool: &Pool, id: &str, day: &str, record: &str, at: &str) -> Result<i64> {
                let mut tx = pool.begin().await.map_err(q("begin"))?;
                let next: i64 =
                    sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) + 1 FROM contract_probes WHERE contract_id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(q("number probe"))?;
                sqlx::query(
                    "INSERT INTO contract_probes (contract_id, seq, day, record, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(next)
                .bind(day)
                .bind(record)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(q("store probe"))?;
                tx.commit().await.map_err(q("commit probe"))?;
                Ok(next)
            }

            /// A contract's probe records (JSON), in order.
            pub async fn contract_probes(pool: &Pool, id: &str) -> Result<Vec<String>> {
                let rows = sqlx::query("SELECT record FROM contract_probes WHERE contract_id = $1 ORDER BY seq")
                    .bind(id)
                    .fetch_all(pool)
                    .await
                    .map_err(q("read probes"))?;
                rows.iter()
                    .map(|r| r.try_get("record").map_err(|e| StoreError::Corrupt(format!("probe row: {e}"))))
                    .collect()
            }
        }
    };
}

contract_queries!(sqlite, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
contract_queries!(postgres, sqlx::Postgres, sqlx::postgres::PgRow);

/// Runs the same query function of this module on whichever backend the store has.
macro_rules! on_contract_backend {
    ($store:expr, $f:ident ( $($arg:expr),* )) => {
        match &$store.backend {
            Backend::Sqlite(p) => sqlite::$f(p, $($arg),*).await,
            Backend::Postgres(p) => postgres::$f(p, $($arg),*).await,
        }
    };
}

impl Store {
    /// Stores a contract; false when its id is taken.
    pub async fn create_contract(&self, c: &ContractRecord) -> Result<bool> {
        on_contract_backend!(self, create_contract(c))
    }

    pub async fn contract(&self, id: &str) -> Result<Option<ContractRecord>> {
        on_contract_backend!(self, contract(id))
    }

    /// Every contract, newest first.
    pub async fn contracts(&self) -> Result<Vec<ContractRecord>> {
        on_contract_backend!(self, contracts())
    }

    /// Appends a probe record (JSON) to a contract; its number, from 1.
    pub async fn add_contract_probe(&self, id: &str, day: &str, record: &str) -> Result<i64> {
        let at = crate::now_rfc3339();
        on_contract_backend!(self, add_contract_probe(id, day, record, &at))
    }

    /// A contract's probe records (JSON), in order.
    pub async fn contract_probes(&self, id: &str) -> Result<Vec<String>> {
        on_contract_backend!(self, contract_probes(id))
    }

    /// Keeps the acceptance run's signed report and signature with a contract (a later one replaces it).
    pub async fn set_contract_acceptance(&self, id: &str, report: &str, signature: &str) -> Result<()> {
        on_contract_backend!(self, set_contract_acceptance(id, report, signature))
    }

    /// Claims the scheduled probe of a contract's day; false when it was claimed before (by this server or another).
    pub async fn claim_contract_probe(&self, id: &str, day: &str) -> Result<bool> {
        let at = crate::now_rfc3339();
        on_contract_backend!(self, claim_contract_probe(id, day, &at))
    }

    /// Records where a scheduled probe stands (its run once started, kept when `run_id` is None).
    pub async fn update_contract_probe(
        &self,
        id: &str,
        day: &str,
        run_id: Option<&str>,
        status: ProbeRunStatus,
        detail: Option<&str>,
    ) -> Result<()> {
        on_contract_backend!(self, update_contract_probe(id, day, run_id, status, detail))
    }

    /// A contract's scheduled probes, by day.
    pub async fn contract_probe_runs(&self, id: &str) -> Result<Vec<ContractProbeRun>> {
        on_contract_backend!(self, contract_probe_runs(id))
    }
}
