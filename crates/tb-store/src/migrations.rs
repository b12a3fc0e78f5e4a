//! The schema's history, one numbered list of SQL files per backend
//! (`crates/tb-store/migrations/{sqlite,postgres}/NNNN_name.sql`), applied by
//! sqlx's migrator: it records each applied file with its checksum in
//! `_sqlx_migrations`, refuses a store whose applied file was since edited,
//! and (on PostgreSQL) holds an advisory lock so that processes opening one
//! database at once apply each file once.
//!
//! To change the schema, add the next file to both folders and to the lists
//! below; never edit an applied one. `tests/migrations.rs` upgrades a store
//! made by the first released schema on both backends.

use std::borrow::Cow;

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

/// (version, description, SQLite text, PostgreSQL text), oldest first.
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        1,
        "baseline",
        include_str!("../migrations/sqlite/0001_baseline.sql"),
        include_str!("../migrations/postgres/0001_baseline.sql"),
    ),
    (
        2,
        "tender runs by tender",
        include_str!("../migrations/sqlite/0002_tender_runs_by_tender.sql"),
        include_str!("../migrations/postgres/0002_tender_runs_by_tender.sql"),
    ),
    (
        3,
        "contracts",
        include_str!("../migrations/sqlite/0003_contracts.sql"),
        include_str!("../migrations/postgres/0003_contracts.sql"),
    ),
    (
        4,
        "contract schedules",
        include_str!("../migrations/sqlite/0004_contract_schedules.sql"),
        include_str!("../migrations/postgres/0004_contract_schedules.sql"),
    ),
];

/// Which backend's text of each migration to apply.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// The migrator for one backend.
pub(crate) fn migrator(dialect: Dialect) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .map(|&(version, description, sqlite, postgres)| {
                let sql = match dialect {
                    Dialect::Sqlite => sqlite,
                    Dialect::Postgres => postgres,
                };
                Migration::new(version, Cow::Borrowed(description), MigrationType::Simple, sql.into_sql_str(), false)
            })
            .collect(),
    )
}

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Adds the columns early versions introduced to a store made before the
/// schema was versioned and before those columns existed (the baseline's
/// `CREATE TABLE IF NOT EXISTS` leaves an existing table as it is).
pub(crate) async fn adopt_unversioned_sqlite(conn: &mut sqlx::SqliteConnection) -> Result<(), sqlx::Error> {
    let columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info('cells')").fetch_all(&mut *conn).await?;
    if columns.is_empty() {
        return Ok(()); // a new store: the baseline creates the table whole
    }
    for (column, add) in [
        ("tool_calls", "ALTER TABLE cells ADD COLUMN tool_calls TEXT"),
        ("verdicts", "ALTER TABLE cells ADD COLUMN verdicts TEXT"),
        ("timing", "ALTER TABLE cells ADD COLUMN timing TEXT"),
    ] {
        if !columns.iter().any(|c| c == column) {
            sqlx::raw_sql(add).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_backends_have_every_migration_numbered_in_order() {
        for (i, &(version, _, sqlite, postgres)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(version, i as i64 + 1, "versions run 1, 2, 3… without gaps");
            assert!(!sqlite.trim().is_empty() && !postgres.trim().is_empty());
        }
        assert_eq!(migrator(Dialect::Sqlite).iter().count(), MIGRATIONS.len());
    }

    /// Every file in the migrations folders is in the list (a file added
    /// but not listed would silently never run).
    #[test]
    fn every_migration_file_is_listed() {
        for dialect in ["sqlite", "postgres"] {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dialect);
            let files = std::fs::read_dir(&dir).unwrap().count();
            assert_eq!(files, MIGRATIONS.len(), "{} holds {files} files", dir.display());
        }
    }
}
