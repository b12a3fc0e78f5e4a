//! A store made before the schema was versioned opens in this build on both
//! backends, is brought to the newest schema version, and keeps every row.

// The fixture is loaded with raw SQL: that is what an older release did.
#![allow(clippy::disallowed_methods)]

use futures_util::TryStreamExt;
use tb_store::{RunStatus, Store};

const SQLITE_STORE: &str = include_str!("fixtures/store-0.1-sqlite.sql");
const POSTGRES_STORE: &str = include_str!("fixtures/store-0.1-postgres.sql");

/// What the fixture holds, read back through the store's own queries.
async fn assert_old_rows_readable(store: &Store) {
    assert_eq!(store.schema_version().await.unwrap(), tb_store::latest_schema_version());
    let run = store.run("run-2026-12-old").await.unwrap();
    assert_eq!(run.status, RunStatus::Finished);
    assert!(run.simulated && !run.blind_revealed);
    let cells: Vec<_> = store.cells("run-2026-12-old").try_collect().await.unwrap();
    assert_eq!(cells.len(), 1);
    assert_eq!(cells[0].answer.as_deref(), Some("B"));
    assert_eq!(cells[0].latency_ms, 480.25);
    assert_eq!(store.evidence("e1").await.unwrap().as_deref(), Some(&b"{}"[..]));
    let audit = store.audit("run-2026-12-old").await.unwrap();
    assert_eq!(audit.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(), ["run_started", "run_finished"]);
    let runs = store.tender_runs("T-OLD").await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].kind, tb_store::server::RunKind::Official);
    assert_eq!(store.user("buyer").await.unwrap().map(|u| u.role), Some("admin".into()));
}

#[tokio::test]
async fn an_unversioned_sqlite_store_is_upgraded_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::raw_sql(SQLITE_STORE).execute(&pool).await.unwrap();
        pool.close().await;
    }
    let store = Store::open(&path).await.unwrap();
    assert_old_rows_readable(&store).await;
    store.close().await;
    // Opening again applies nothing twice.
    let store = Store::open(&path).await.unwrap();
    assert_old_rows_readable(&store).await;
    let indexes: Vec<String> = {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tender_runs'")
            .fetch_all(&pool)
            .await
            .unwrap()
    };
    assert!(indexes.iter().any(|i| i == "tender_runs_by_tender"), "{indexes:?}");
}

#[tokio::test]
async fn a_new_sqlite_store_starts_at_the_newest_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("new.db")).await.unwrap();
    assert_eq!(store.schema_version().await.unwrap(), tb_store::latest_schema_version());
    let memory = Store::open_memory().await.unwrap();
    assert_eq!(memory.schema_version().await.unwrap(), tb_store::latest_schema_version());
}

/// Edited history is refused rather than trusted: a store whose recorded
/// baseline differs from this build's is not silently opened.
#[tokio::test]
async fn a_store_whose_applied_migration_was_edited_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("edited.db");
    Store::open(&path).await.unwrap().close().await;
    {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        sqlx::raw_sql("UPDATE _sqlx_migrations SET checksum = X'00' WHERE version = 1").execute(&pool).await.unwrap();
        pool.close().await;
    }
    let err = Store::open(&path).await.err().expect("an edited history must be refused").to_string();
    assert!(err.contains("schema") && err.contains("edited.db"), "{err}");
}

/// On the PostgreSQL at `TENDERBENCH_POSTGRES_URL`, in a schema of its own.
/// Skipped (and saying so) where none is given, except in CI
/// (`TENDERBENCH_REQUIRE_POSTGRES`).
#[tokio::test]
async fn an_unversioned_postgres_store_is_upgraded_in_place() {
    let Some(db) = tb_store::postgres::Schema::fresh().await else { return };
    {
        let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
        sqlx::raw_sql(POSTGRES_STORE).execute(&pool).await.unwrap();
        pool.close().await;
    }
    // Two processes opening the old store at once both succeed, once each.
    let (a, b) = tokio::join!(
        Store::open(db.url.parse::<tb_store::DbLocation>().unwrap()),
        Store::open(db.url.parse::<tb_store::DbLocation>().unwrap())
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_old_rows_readable(&a).await;
    assert_old_rows_readable(&b).await;
    a.close().await;
    b.close().await;
    db.drop().await;
}

/// A store from before the cells' `tool_calls`, `verdicts` and `timing`
/// columns existed gains them, keeping its rows.
#[tokio::test]
async fn a_store_older_than_the_cell_columns_gains_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("older.db");
    {
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        sqlx::raw_sql(SQLITE_STORE).execute(&pool).await.unwrap();
        for column in ["tool_calls", "verdicts", "timing"] {
            let drop = format!("ALTER TABLE cells DROP COLUMN {column}");
            sqlx::raw_sql(sqlx::AssertSqlSafe(drop)).execute(&pool).await.unwrap();
        }
        pool.close().await;
    }
    let store = Store::open(&path).await.unwrap();
    assert_old_rows_readable(&store).await;
}

/// Processes that open a new SQLite file at once all succeed, and the
/// schema is applied once (SQLite has no advisory lock; see `migrate_sqlite`).
/// Repeated on fresh files with more openers than migrations, on several
/// threads: a single retry used to pass here and fail in CI.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_opens_of_a_new_sqlite_store_all_succeed() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..8 {
        let path = dir.path().join(format!("race-{round}.db"));
        let opens = (0..12).map(|_| {
            let path = path.clone();
            tokio::spawn(async move { Store::open(&path).await })
        });
        for store in futures_util::future::join_all(opens).await {
            let store = store.unwrap().unwrap();
            assert_eq!(store.schema_version().await.unwrap(), tb_store::latest_schema_version());
        }
    }
}
