//! Crash soak: SIGKILL the runner at 20 random moments across a run (and once
//! while it writes its reports), resume each time, and check that every cell
//! is stored exactly once, no finished cell is requested again, the store is
//! sound and the audit chain verifies.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration;

use crate::support::*;

/// A small deterministic generator for the kill moments (the test must not flake
/// differently on every run).
struct Lcg(u64);

impl Lcg {
    fn next_ms(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_kills_lose_nothing_and_repeat_nothing() {
    let n = 2000;
    let (dir, index) = numeric_suite_dir(n);
    let mut p = profile("fixed20ms");
    p.latency_ms = tb_mock::profile::Range::fixed(12.0);
    p.ttft_ms = tb_mock::profile::Range::fixed(4.0);
    let (m, url) = mock(p, 5, index.clone()).await;
    let spec = numeric_spec(&vendor_toml("V", &url, "m", 1.0, "concurrency = 4\n"));
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();
    assert!(tb(dir.path(), &["keygen"]).await.status.success());
    let db = dir.path().join("tenderbench.db");

    let mut rng = Lcg(20261128);
    let mut run_id: Option<String> = None;
    // After each kill: the cells stored so far, and the request counts then.
    let mut snapshots: Vec<(Vec<String>, HashMap<String, u64>)> = Vec::new();
    for _ in 0..20 {
        let mut args = vec!["run".to_string(), "t.toml".to_string()];
        if let Some(id) = &run_id {
            args.extend(["--resume".to_string(), id.clone()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let Running { mut child, run_id: id } = spawn_run(dir.path(), &args).await;
        run_id.get_or_insert(id);
        tokio::time::sleep(Duration::from_millis(rng.next_ms(60, 400))).await;
        let _ = child.kill(); // SIGKILL; it may have finished already
        let status = child.wait().unwrap();
        let store = tb_store::Store::open(&db).await.unwrap();
        let stored: Vec<String> = {
            use futures_util::TryStreamExt;
            let cells: Vec<_> = store.cells(run_id.as_ref().unwrap()).try_collect().await.unwrap();
            cells.into_iter().map(|c| c.case_id).collect()
        };
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        store.close().await;
        snapshots.push((stored, m.request_counts()));
        if status.success() {
            break;
        }
    }
    let run_id = run_id.unwrap();
    eprintln!("soak: {} kills, {} cells stored before the last", snapshots.len(), snapshots.last().unwrap().0.len());
    assert_eq!(snapshots.len(), 20, "the run finished before it was killed 20 times");

    // Finish the run; kill it the moment the last cell is stored (while it writes reports).
    let mut child = bin()
        .current_dir(dir.path())
        .args(["run", "t.toml", "--resume", &run_id])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pipe = child.stderr.take().unwrap();
    let saw_end = tokio::task::spawn_blocking(move || {
        use std::io::{BufRead, BufReader};
        BufReader::new(pipe).lines().any(|l| l.is_ok_and(|l| l.contains("cells stored now")))
    })
    .await
    .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(saw_end, "the last resume reached the end of the run");

    // Every cell exactly once; nothing stored was ever requested again.
    let store = tb_store::Store::open(&db).await.unwrap();
    assert_eq!(store.count_cells(&run_id).await.unwrap(), n as u64);
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    assert_eq!(store.run(&run_id).await.unwrap().status, tb_store::RunStatus::Finished);
    store.close().await;
    let final_counts = m.request_counts();
    for (stored, counts) in &snapshots {
        for case in stored {
            assert_eq!(final_counts.get(case), counts.get(case), "{case} was requested again after it was stored");
        }
    }
    for i in 0..n {
        assert!(final_counts.contains_key(&format!("q{i}")), "q{i} never requested");
    }

    // The report is rendered again (and signed), and the whole history verifies.
    let o = tb(dir.path(), &["regrade", &run_id]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tb(dir.path(), &["export", &run_id, "--bundle", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tb(dir.path(), &["verify", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}", stdout(&o));
    let files = tb_bundle::read_bundle(&dir.path().join("b.tar.gz")).unwrap();
    let audit = String::from_utf8(files["audit.jsonl"].clone()).unwrap();
    assert!(audit.matches("\"kind\":\"run_resumed\"").count() >= snapshots.len(), "every resume is logged");
}
