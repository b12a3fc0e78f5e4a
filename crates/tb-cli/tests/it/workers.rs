//! Distributed runs: three `tenderbench worker` processes on one PostgreSQL
//! queue, one killed with SIGKILL mid-run. The run completes, every cell is
//! stored and logged exactly once, each vendor's concurrency limit (watched
//! at the simulated vendor) is never exceeded by the workers together, its
//! rate limit holds, and the bundle verifies. Needs the PostgreSQL of
//! TENDERBENCH_POSTGRES_URL (CI's); skipped elsewhere, saying so.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

pub struct Worker(pub Child);

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn worker(dir: &std::path::Path, db: &str, n: usize) -> Worker {
    let log = std::fs::File::create(dir.join(format!("worker-{n}.log"))).unwrap();
    Worker(
        bin()
            .current_dir(dir)
            .args(["worker", "--db", db, "--concurrency", "8", "--lease-secs", "2"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_one_killed_store_every_cell_once_within_the_vendor_limits() {
    let Some(schema) = tb_store::postgres::Schema::fresh().await else { return };
    let db = schema.url.clone();
    let (dir, index) = numeric_suite_dir(300);
    let (fast, fast_url) = mock(profile("fixed20ms"), 1, index.clone()).await;
    let (paced, paced_url) = mock(profile("fixed20ms"), 2, index.clone()).await;
    // A: 4 at a time. B: 2 at a time and 40 requests a second at most.
    let vendors = vendor_toml("A", &fast_url, "m", 100.0, "concurrency = 4")
        + &vendor_toml("B", &paced_url, "m", 90.0, "concurrency = 2\nrequests_per_second = 40");
    std::fs::write(dir.path().join("t.toml"), numeric_spec(&vendors)).unwrap();
    let o = tb(dir.path(), &["keygen"]).await;
    assert!(o.status.success());

    let mut workers: Vec<Worker> = (0..3).map(|n| worker(dir.path(), &db, n)).collect();
    let started = Instant::now();
    let run = spawn_run(dir.path(), &["run", "t.toml", "--db", &db, "--distributed", "--out", "out"]).await;
    // Kill one worker once a third of A's cells are in.
    wait_for_requests(&fast, 100).await;
    workers[1].0.kill().unwrap();
    workers[1].0.wait().unwrap();
    let mut coordinator = run.child;
    let status = tokio::task::spawn_blocking(move || coordinator.wait().unwrap()).await.unwrap();
    let elapsed = started.elapsed();
    assert!(status.success(), "run --distributed: {status:?}");

    let store = tb_store::Store::connect_postgres(&db).await.unwrap();
    assert_eq!(store.count_cells(&run.run_id).await.unwrap(), 600);
    let answered = store.audit_of_kinds(&run.run_id, &["cell_answered"]).await.unwrap();
    assert_eq!(answered.len(), 600, "one cell_answered entry per cell");
    let mut keys: Vec<String> = answered
        .iter()
        .map(|e| {
            let p: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
            format!("{}/{}/{}", p["vendor"], p["case_id"], p["repeat"])
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 600, "no cell logged twice");
    let counts = store.queue_counts(&run.run_id).await.unwrap();
    assert!(counts.iter().all(|c| c.pending == 0 && c.leased == 0 && c.done == 300), "{counts:?}");
    // Every case was asked at least once; twice at most, when the killed worker had it in flight.
    for m in [&fast, &paced] {
        let asked = m.request_counts();
        assert_eq!(asked.len(), 300);
        assert!(asked.values().all(|n| (1..=2).contains(n)), "{asked:?}");
    }
    assert!(fast.max_in_flight() <= 4, "A had {} in flight; its limit is 4", fast.max_in_flight());
    assert!(paced.max_in_flight() <= 2, "B had {} in flight; its limit is 2", paced.max_in_flight());
    assert!(fast.max_in_flight() >= 3, "the workers together used A's concurrency ({})", fast.max_in_flight());
    // B's 300 requests at 40 a second take at least 7.5 s, whoever sends them.
    assert!(elapsed >= Duration::from_millis(7400), "B's rate limit was exceeded: the run took {elapsed:?}");
    let workers_seen = store.workers().await.unwrap();
    assert_eq!(workers_seen.len(), 3, "every worker sent heartbeats");
    assert!(workers_seen.iter().filter(|w| w.done > 0).count() >= 2);
    for w in workers.iter_mut() {
        let _ = w.0.kill();
    }
    export_and_verify(dir.path(), &run.run_id, &db).await;
    store.close().await;
    schema.drop().await;
}
