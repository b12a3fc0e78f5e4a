//! Vendors that misbehave: the run completes, each cell carries its cause, and
//! the well-behaved vendor is unaffected.

use crate::support::*;
use futures_util::TryStreamExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulty_vendors_are_recorded_not_fatal() {
    let (dir, index) = numeric_suite_dir(6);
    let mut good = profile("fixed20ms");
    good.accuracy = 1.0;
    let mut vendors = String::new();
    let mut mocks = Vec::new();
    // (vendor, profile, streaming, extra settings)
    let faults = [
        ("good", None, true, ""),
        ("rate-limited", Some("rate-limited"), true, "max_retries = 2\n"),
        ("throttled", Some("throttled"), true, "max_retries = 1\n"),
        ("server-error", Some("server-error"), false, "max_retries = 1\n"),
        ("truncated", Some("truncated"), true, ""),
        ("garbage-stream", Some("garbage"), true, ""),
        ("garbage-json", Some("garbage"), false, ""),
        ("hang", Some("hang"), true, "timeout_secs = 0.5\nmax_retries = 0\n"),
    ];
    for (i, (name, p, stream, extra)) in faults.iter().enumerate() {
        let prof = p.map_or(good.clone(), profile);
        let (m, url) = mock(prof, i as u64, index.clone()).await;
        mocks.push(m);
        let extra = format!("{extra}stream = {stream}\nconcurrency = 3\n");
        vendors.push_str(&vendor_toml(name, &url, "m", 100.0, &extra));
    }
    let spec = format!(
        "{}[[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\n[[criterion]]\nid = \"math\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 1.0\n\n{vendors}",
        spec_head(0.3)
    );
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();
    let o = tb(dir.path(), &["run", "t.toml"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let run = run_dir(&dir.path().join("tenderbench-out"));
    let r = read_json(&run.join("report.json"));
    let by_name = |n: &str| r["vendors"].as_array().unwrap().iter().find(|v| v["name"] == n).unwrap().clone();

    let g = by_name("good");
    assert_eq!(g["errors"], 0);
    assert_eq!(g["criteria"][0]["value"], 1.0);
    assert_eq!(g["rank"], 1);
    // 429 with Retry-After: 1 on each case's first request: retried after the wait, all answered.
    let rl = by_name("rate-limited");
    assert_eq!(rl["errors"], 0, "{rl}");
    assert!(rl["latency_ms"]["p50"].as_f64().unwrap() >= 1000.0, "Retry-After honoured: {}", rl["latency_ms"]);
    for (name, cause) in [
        ("throttled", "rate_limited"),
        ("server-error", "server_error"),
        ("truncated", "truncated_stream"),
        ("garbage-stream", "invalid_response"),
        ("garbage-json", "invalid_response"),
        ("hang", "timeout"),
    ] {
        let v = by_name(name);
        assert_eq!(v["errors"], 6, "{name}: {v}");
        assert_eq!(v["error_causes"][cause], 6, "{name}: {}", v["error_causes"]);
        assert_eq!(v["criteria"][0]["value"], 0.0, "failed cells score as wrong");
        assert_eq!(v["error_rate"], 1.0);
    }
    // Attempts: bounded by max_retries, visible per cell.
    let store = tb_store::Store::open(&dir.path().join("tenderbench.db")).await.unwrap();
    let cells: Vec<_> = store.cells(r["run_id"].as_str().unwrap()).try_collect().await.unwrap();
    let attempts =
        |vendor: &str| -> Vec<u32> { cells.iter().filter(|c| c.vendor == vendor).map(|c| c.attempts).collect() };
    assert_eq!(attempts("rate-limited"), vec![2; 6]);
    assert_eq!(attempts("throttled"), vec![2; 6]);
    assert_eq!(attempts("hang"), vec![1; 6]);
    let hang = cells.iter().find(|c| c.vendor == "hang").unwrap();
    assert!(hang.detail.as_deref().unwrap().contains("no complete response within"), "{:?}", hang.detail);
    let counts = mocks[2].request_counts();
    assert!(counts.values().all(|n| *n == 2), "throttled: one try and one retry per case: {counts:?}");
}

/// The failure policy is the buyer's and shows in the report: failed cells
/// counted wrong (the default) or left out, and both figures either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_failed_cells_policy_is_the_buyers_and_visible() {
    let (dir, index) = numeric_suite_dir(20);
    let mut flaky = profile("flaky");
    flaky.accuracy = 1.0;
    let (_m, url) = mock(flaky, 7, index).await;
    let vendor = vendor_toml("flaky", &url, "m", 100.0, "max_retries = 0\nconcurrency = 2\n");
    for policy in ["", "[scoring]\nfailed_cells = \"excluded\"\n\n"] {
        let spec = format!(
            "{}{policy}[[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\n[[criterion]]\nid = \"math\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 1.0\n\n{vendor}",
            spec_head(0.3)
        );
        let out = if policy.is_empty() { "out-wrong" } else { "out-excluded" };
        std::fs::write(dir.path().join("t.toml"), spec).unwrap();
        let o = tb(dir.path(), &["run", "t.toml", "--out", out, "--db", &format!("{out}.db"), "--lang", "en"]).await;
        assert!(o.status.success(), "{}", stderr(&o));
        let run = run_dir(&dir.path().join(out));
        let r = read_json(&run.join("report.json"));
        let c = &r["vendors"][0]["criteria"][0];
        let errors = c["errors"].as_u64().unwrap();
        assert!(errors > 0 && errors < 20, "the flaky vendor fails some cells: {c}");
        let (all, answered) = (c["accuracy_all_cells"].as_f64().unwrap(), c["accuracy_answered"].as_f64().unwrap());
        assert!((all - (20 - errors) as f64 / 20.0).abs() < 1e-9, "{c}");
        assert_eq!(answered, 1.0, "every answered cell is right: {c}");
        let html = std::fs::read_to_string(run.join("report.html")).unwrap();
        assert!(html.contains("id=\"failed-cells-policy\""));
        if policy.is_empty() {
            assert_eq!(r["rules"]["failed_cells"], "wrong");
            assert_eq!(c["value"].as_f64().unwrap(), all);
        } else {
            assert_eq!(r["rules"]["failed_cells"], "excluded");
            assert_eq!(c["value"].as_f64().unwrap(), answered);
        }
    }
}
