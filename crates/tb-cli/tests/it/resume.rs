//! kill -9 in the middle of a run, then --resume: every cell stored exactly
//! once, and no request for a cell that had finished.

use std::collections::HashMap;
use std::process::Stdio;

use crate::support::*;
use futures_util::TryStreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_run_resumes_without_repeating_finished_cells() {
    let n = 240;
    let (dir, index) = numeric_suite_dir(n);
    let mut slow = profile("fixed20ms");
    slow.latency_ms = tb_mock::profile::Range::fixed(40.0);
    slow.ttft_ms = tb_mock::profile::Range::fixed(10.0);
    let (m, url) = mock(slow, 9, index).await;
    let spec = numeric_spec(&vendor_toml("V", &url, "m", 100.0, "concurrency = 4\n"));
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();

    // Start, wait for a third of the cells to be answered, then SIGKILL.
    let Running { mut child, run_id } = spawn_run(dir.path(), &["run", "t.toml"]).await;
    wait_for_requests(&m, (n / 3) as u64).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before: HashMap<String, u64> = m.request_counts();

    let db = dir.path().join("tenderbench.db");
    let stored: Vec<String> = {
        let store = tb_store::Store::open(&db).await.unwrap();
        let cells: Vec<_> = store.cells(&run_id).try_collect().await.unwrap();
        store.close().await;
        cells.into_iter().map(|c| c.case_id).collect()
    };
    assert!(!stored.is_empty() && stored.len() < n, "killed mid-run: {} stored", stored.len());

    let o = tb(dir.path(), &["run", "t.toml", "--resume", &run_id]).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let after = m.request_counts();
    for case in &stored {
        assert_eq!(before.get(case), Some(&1), "{case} was requested once before the kill");
        assert_eq!(after.get(case), Some(&1), "{case} had finished; resume must not request it again");
    }
    for i in 0..n {
        assert!(after.get(&format!("q{i}")).is_some_and(|c| *c >= 1), "q{i} never requested");
    }

    let store = tb_store::Store::open(&db).await.unwrap();
    let cells: Vec<_> = store.cells(&run_id).try_collect().await.unwrap();
    assert_eq!(cells.len(), n, "every cell stored");
    let mut ids: Vec<_> = cells.iter().map(|c| c.case_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "each exactly once");
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    let run = store.run(&run_id).await.unwrap();
    assert_eq!(run.status, tb_store::RunStatus::Finished);

    // A finished run cannot be resumed, and a changed spec is refused.
    let o = tb(dir.path(), &["run", "t.toml", "--resume", &run_id]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("already finished"));
    let changed =
        std::fs::read_to_string(dir.path().join("t.toml")).unwrap().replace("bid_price = 100", "bid_price = 99");
    std::fs::write(dir.path().join("t2.toml"), changed).unwrap();
    let o = tb(dir.path(), &["run", "t2.toml", "--resume", &run_id]).await;
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Ctrl-C (SIGINT) or SIGTERM: the run stops cleanly, finishing the requests
/// in flight, says how to resume, exits 130, and the store is sound; the
/// resumed run then completes with no case asked twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupted_run_stops_cleanly_and_resumes() {
    // Ctrl-C (SIGINT) and SIGTERM alike.
    for (signal, seed) in [("-INT", 3), ("-TERM", 4)] {
        let n = 200;
        let (dir, index) = numeric_suite_dir(n);
        let mut slow = profile("fixed20ms");
        slow.latency_ms = tb_mock::profile::Range::fixed(40.0);
        let (m, url) = mock(slow, seed, index.clone()).await;
        let spec = numeric_spec(&vendor_toml("V", &url, "m", 100.0, "concurrency = 4\n"));
        std::fs::write(dir.path().join("t.toml"), spec).unwrap();
        let child = bin()
            .current_dir(dir.path())
            .args(["run", "t.toml"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        wait_for_requests(&m, 40).await;
        let pid = child.id().to_string();
        assert!(std::process::Command::new("kill").args([signal, &pid]).status().unwrap().success());
        let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "{signal}: {err}");
        let run_id = err.lines().find_map(|l| l.strip_prefix("run ")).unwrap().split(' ').next().unwrap().to_string();
        assert!(err.contains(&format!("--resume {run_id}")), "{err}");

        let db = dir.path().join("tenderbench.db");
        let store = tb_store::Store::open(&db).await.unwrap();
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        assert_eq!(store.run(&run_id).await.unwrap().status, tb_store::RunStatus::Interrupted);
        let stored = store.count_cells(&run_id).await.unwrap();
        assert!(stored > 0 && stored < n as u64, "{stored}");
        store.close().await;

        let o = tb(dir.path(), &["run", "t.toml", "--resume", &run_id]).await;
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let store = tb_store::Store::open(&db).await.unwrap();
        assert_eq!(store.count_cells(&run_id).await.unwrap(), n as u64);
        store.close().await;
        // A stop loses nothing: the requests in flight finished and were
        // stored, so no case was asked twice.
        assert_eq!(m.request_counts().values().sum::<u64>(), n as u64, "{signal}: answers lost at the stop");
    }
}

/// A kill loses at most the requests in flight: every answer is journaled
/// before its vendor slot is handed on, and the resumed run commits what the
/// journal holds and the store lacks. Five SIGKILLs at different moments of a
/// 10,000-cell run with 64 in flight: the requests beyond one per cell are at
/// most 64 per kill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_loses_a_bounded_number_of_answers() {
    let (n, in_flight, kills) = (10_000usize, 64u64, 5u64);
    let (dir, index) = numeric_suite_dir(n);
    let (m, url) = mock(profile("fixed20ms"), 11, index).await;
    let spec = numeric_spec(&vendor_toml("V", &url, "m", 100.0, &format!("concurrency = {in_flight}\n")));
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();
    let total = |m: &tb_mock::MockVendor| m.request_counts().values().sum::<u64>();
    let mut run_id: Option<String> = None;
    for k in 0..kills {
        let args: Vec<String> = match &run_id {
            None => vec!["run".into(), "t.toml".into()],
            Some(id) => vec!["run".into(), "t.toml".into(), "--resume".into(), id.clone()],
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let Running { mut child, run_id: id } = spawn_run(dir.path(), &args).await;
        run_id = Some(id);
        // Moments spread over the run, not at a batch boundary.
        wait_for_requests(&m, (k + 1) * n as u64 / (kills + 2) + 37 * k).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let journal =
            dir.path().join("tenderbench-out/journal").join(format!("{}.journal", run_id.as_deref().unwrap()));
        assert!(journal.exists(), "no journal at {}", journal.display());
    }
    let run_id = run_id.unwrap();
    let o = tb(dir.path(), &["run", "t.toml", "--resume", &run_id]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let asked_again = total(&m) - n as u64;
    eprintln!("{kills} kills with {in_flight} in flight: {asked_again} requests beyond one per cell");
    let bound = kills * in_flight;
    assert!(asked_again <= bound, "{asked_again} answers lost in {kills} kills (at most {bound})");
    let store = tb_store::Store::open(&dir.path().join("tenderbench.db")).await.unwrap();
    let cells: Vec<_> = store.cells(&run_id).try_collect().await.unwrap();
    assert_eq!(cells.len(), n);
    // The journal brought answers back at the resumes, said so in the audit
    // log, and is gone once every cell is committed.
    let replays = store.audit_of_kinds(&run_id, &[tb_runner::JOURNAL_REPLAYED]).await.unwrap();
    assert!(!replays.is_empty(), "no resume found answers in the journal");
    let journal = dir.path().join("tenderbench-out/journal").join(format!("{run_id}.journal"));
    assert!(!journal.exists(), "{} left behind", journal.display());
}
