//! Every subcommand's error paths end with status 1 (failed) or 2 (bad
//! input) and a message, never a panic (101): missing files, a store without
//! the run, missing keys, an unreachable local model, a closed pipe.

use std::process::Stdio;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_path_ends_with_a_message_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A finished demo run, for the commands that need a store and a bundle.
    let o = tb(d, &["demo", "--cases", "2", "--lang", "en"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let run = run_dir(&d.join("tenderbench-out")).file_name().unwrap().to_string_lossy().into_owned();
    // The run's key is found where the demo wrote it, without --key.
    let o = tb(d, &["export", &run, "--bundle", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("demo-key/tenderbench.key"), "{}", stderr(&o));
    // Another key is refused, and the message names the fingerprint the run needs.
    assert!(tb(d, &["keygen", "--dir", "other"]).await.status.success());
    let o = tb(d, &["export", &run, "--bundle", "c.tar.gz", "--key", "other/tenderbench.key"]).await;
    let fingerprint = read_json(&run_dir(&d.join("tenderbench-out")).join("report.json"))["signing"]["fingerprint"]
        .as_str()
        .unwrap()
        .to_string();
    // The demo's key is found all the same: it is the run's.
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::remove_dir_all(d.join("tenderbench-out/demo-key")).unwrap();
    let o = tb(d, &["export", &run, "--bundle", "c.tar.gz", "--key", "other/tenderbench.key"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(&fingerprint), "the message names the run's key {fingerprint}: {}", stderr(&o));
    let cases: &[&[&str]] = &[
        &["verify", "missing.tar.gz"],
        &["export", "NORUN", "--bundle", "x.tar.gz", "--key", "missing.key"],
        &["regrade", "NORUN", "--key", "missing.key"],
        &["report", "NORUN"],
        &["run", "missing.toml"],
        &["check", "missing.toml"],
        &["seal", "missing.jsonl"],
        &["reveal", "missing.seal.json"],
        &["verify-seal", "missing.jsonl", "--commitment", "ab", "--salt", "cd"],
        &["suite", "stats", "missing.jsonl"],
        &["suite", "import", "missing.csv", "--from", "csv", "--out", "o.jsonl"],
        &["publish", "missing.toml"],
        &["plan", "missing.toml"],
        &["keygen", "--dir", "/proc/nonexistent/x"],
        &["review", "NORUN"],
        &["reveal-mapping", "NORUN", "--key", "missing.key"],
        &["evaluate", "NORUN", "--evaluator", "e", "--criterion", "c", "--vendor", "v", "--score", "5"],
        &["runs", "--db", "/proc/nonexistent/x.db"],
        &["mock-vendor", "--profile", "nosuch", "--port", "0"],
        // The local model not running: its own message, not a runtime panic.
        &["demo", "--real", "--real-url", "http://127.0.0.1:1", "--cases", "2", "--out", "real-out"],
    ];
    for args in cases {
        let o = tb(d, args).await;
        let code = o.status.code();
        assert!(matches!(code, Some(1 | 2)), "{args:?}: status {code:?}\n{}", stderr(&o));
        assert!(stderr(&o).contains("error:"), "{args:?}: no message:\n{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}:\n{}", stderr(&o));
    }
    // Output into a closed pipe (`verify B | head -1`).
    let mut child = bin()
        .current_dir(d)
        .args(["verify", "b.tar.gz"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("standard output was closed"), "{}", stderr(&o));
}
