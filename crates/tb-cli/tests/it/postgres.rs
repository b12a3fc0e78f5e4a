//! The whole flow on PostgreSQL: a run stored there, its report rendered
//! from there, its bundle exported from there and verified offline (which
//! rebuilds it in SQLite and requires the same report byte for byte), and a
//! resume after a kill. Runs where `TENDERBENCH_POSTGRES_URL` names a
//! database (CI); skipped elsewhere, saying so.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_postgres_reports_verifies_and_resumes() {
    let Some(db) = tb_store::postgres::Schema::fresh().await else { return };
    let (dir, index) = numeric_suite_dir(60);
    let (m, url) = mock(profile("fixed20ms"), 3, index.clone()).await;
    let spec = numeric_spec(&vendor_toml("V", &url, "m", 1.0, "concurrency = 2\n"));
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();
    assert!(tb(dir.path(), &["keygen"]).await.status.success());

    // Killed mid-run: the cells stored so far stay, and the resume sends only the rest.
    let mut running = spawn_run(dir.path(), &["run", "t.toml", "--db", &db.url]).await;
    wait_for_requests(&m, 20).await;
    running.child.kill().unwrap();
    running.child.wait().unwrap();
    let store = tb_store::Store::open(std::path::Path::new(&db.url)).await.unwrap();
    assert_eq!(store.backend_name(), "postgres");
    let stored = store.count_cells(&running.run_id).await.unwrap();
    assert!((1..60).contains(&stored), "{stored}");
    store.close().await;
    let before: u64 = m.request_counts().values().sum();
    let o = tb(dir.path(), &["run", "t.toml", "--db", &db.url, "--resume", &running.run_id]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let sent: u64 = m.request_counts().values().sum::<u64>() - before;
    assert!(sent <= 60 - stored + 2, "the resume sent {sent} with {stored} of 60 stored");

    let o = tb(dir.path(), &["report", &running.run_id, "--db", &db.url, "--format", "json"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["vendors"][0]["criteria"][0]["n"], 60);
    export_and_verify(dir.path(), &running.run_id, &db.url).await;
    db.drop().await;
}
