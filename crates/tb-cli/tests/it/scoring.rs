//! A three-plus-one vendor tender whose scores were computed by hand, run
//! through the binary. Each simulated vendor knows (answers correctly) only
//! the suites it was given, and answers nothing else, so technical scores are exact.
//!
//! Criteria: k1 (suite s1) weight 0.2, k2 (suite s2) weight 0.8; price weight 0.3.
//!
//! | vendor | knows  | technical | bid | price score        | total                       |
//! |--------|--------|-----------|-----|--------------------|-----------------------------|
//! | A      | s1, s2 | 100       | 150 | 80/150×100 = 53.33 | 0.7×100 + 0.3×53.33 = 86.00 |
//! | B      | s2     | 80        | 80  | 100                | 0.7×80 + 0.3×100 = 86.00    |
//! | C      | s1, s2 | 100       | 150 | 53.33              | 86.00                       |
//! | D      | s1     | 20        | 100 | 80                 | 0.7×20 + 0.3×80 = 38.00     |
//!
//! Equal totals rank by the lower price: B first; A and C have equal totals and
//! equal prices: tied second; D fourth.

use tb_suite::SuiteFormat;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hand_computed_scores_totals_and_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let (s1, s2) = (dir.path().join("s1.jsonl"), dir.path().join("s2.jsonl"));
    write_numeric_suite(&s1, "one", 10);
    write_numeric_suite(&s2, "two", 10);
    let both = index_of(&[(&s1, SuiteFormat::Jsonl), (&s2, SuiteFormat::Jsonl)]);
    let only2 = index_of(&[(&s2, SuiteFormat::Jsonl)]);
    let only1 = index_of(&[(&s1, SuiteFormat::Jsonl)]);
    let mut exact = profile("fixed20ms");
    exact.accuracy = 1.0;
    let (_a, url_a) = mock(exact.clone(), 1, both.clone()).await;
    let (_b, url_b) = mock(exact.clone(), 2, only2).await;
    let (_c, url_c) = mock(exact.clone(), 3, both).await;
    let (_d, url_d) = mock(exact, 4, only1).await;
    let spec = format!(
        "{}[[suite]]\nid = \"s1\"\npath = \"s1.jsonl\"\n\n[[suite]]\nid = \"s2\"\npath = \"s2.jsonl\"\n\n\
         [[criterion]]\nid = \"k1\"\nsuite = \"s1\"\ngrader = \"numeric\"\nweight = 0.2\n\n\
         [[criterion]]\nid = \"k2\"\nsuite = \"s2\"\ngrader = \"numeric\"\nweight = 0.8\n\n{}{}{}{}",
        spec_head(0.3),
        vendor_toml("A", &url_a, "m", 150.0, ""),
        vendor_toml("B", &url_b, "m", 80.0, ""),
        vendor_toml("C", &url_c, "m", 150.0, ""),
        vendor_toml("D", &url_d, "m", 100.0, ""),
    );
    std::fs::write(dir.path().join("t.toml"), spec).unwrap();
    let o = tb(dir.path(), &["run", "t.toml"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let r = read_json(&run_dir(&dir.path().join("tenderbench-out")).join("report.json"));
    let v = |i: usize, k: &str| r["vendors"][i][k].clone();
    let expected = [(100.0, 53.33, 86.0, 2), (80.0, 100.0, 86.0, 1), (100.0, 53.33, 86.0, 2), (20.0, 80.0, 38.0, 4)];
    for (i, (tech, price, total, rank)) in expected.into_iter().enumerate() {
        assert_eq!(v(i, "technical_score").as_f64(), Some(tech), "vendor {i}");
        assert_eq!(v(i, "price_score").as_f64(), Some(price), "vendor {i}");
        assert_eq!(v(i, "total_score").as_f64(), Some(total), "vendor {i}");
        assert_eq!(v(i, "rank").as_u64(), Some(rank), "vendor {i}");
        assert_eq!(v(i, "qualified"), true);
    }
    assert_eq!(r["ranking"], serde_json::json!(["B", "A", "C", "D"]));
    // The trigger: more than 20% below the average of the other valid bids.
    assert_eq!(v(1, "abnormally_low"), true, "80 < 0.8 × avg(150, 150, 100) = 106.67");
    assert_eq!(v(3, "abnormally_low"), true, "100 < 0.8 × avg(150, 80, 150) = 101.33");
    assert_eq!(v(0, "abnormally_low"), false, "150 ≥ 0.8 × avg(80, 150, 100)");
}

/// The budget: a worst case above it stops the run before anything is sent;
/// a vendor whose spend reaches it mid-run is sent nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_refuses_the_run_or_stops_the_vendor() {
    let (dir, index) = numeric_suite_dir(200);
    let (m, url) = mock(profile("fixed20ms"), 1, index).await;
    let prices = "price_per_mtok_input = 1000000\nprice_per_mtok_output = 1000000\nconcurrency = 1";
    let spec = |budget: &str| {
        numeric_spec(&vendor_toml("V", &url, "mock", 100.0, prices))
            .replace("[run]\nseed = 1\n", &format!("[run]\nseed = 1\nmax_tokens = 10\nbudget_per_vendor = {budget}\n"))
    };
    // Worst case: 200 calls × 10 tokens × 1 per token = 2,000 > 1,000.
    std::fs::write(dir.path().join("t.toml"), spec("1000")).unwrap();
    let o = tb(dir.path(), &["run", "t.toml"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the worst case costs 2000.00"), "{}", stderr(&o));
    assert_eq!(m.request_counts().values().sum::<u64>(), 0, "nothing was sent");
    // Within the worst case, but input tokens count too: the spend reaches the budget mid-run.
    std::fs::write(dir.path().join("t.toml"), spec("2500")).unwrap();
    let o = tb(dir.path(), &["run", "t.toml"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let report = read_json(&run_dir(&dir.path().join("tenderbench-out")).join("report.json"));
    let v = &report["vendors"][0];
    let cells = v["cells"].as_u64().unwrap();
    assert!(cells > 0 && cells < 200, "stopped mid-run at {cells} cells");
    assert_eq!(v["complete"], false);
    assert!(v["cost"].as_f64().unwrap() >= 2500.0 && v["cost"].as_f64().unwrap() < 2600.0, "{}", v["cost"]);
}
