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
                })
            }

            pub async fn create_contract(pool: &Pool, c: &ContractRecord) -> Result<bool> {
                let r = sqlx::query(
                    "INSERT INTO contracts (id, vendor, toml, created_by, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(&c.id)
                .bind(&c.vendor)
                .bind(&c.toml)
                .bind(&c.created_by)
                .bind(&c.created_at)
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
}
