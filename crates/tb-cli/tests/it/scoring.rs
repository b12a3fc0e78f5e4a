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

/// The evaluators' scores for the worked Order 87 examples (docs/scoring.md):
/// three each, whose means are the technical scores of the hand calculation.
pub(crate) const GOODS_SCORES: [(&str, [f64; 3]); 4] =
    [("A", [87.0, 89.0, 89.5]), ("B", [80.0, 82.0, 84.0]), ("C", [92.0, 93.0, 94.0]), ("D", [68.0, 70.0, 72.0])];
const SERVICES_SCORES: [(&str, [f64; 3]); 3] =
    [("E", [89.0, 90.0, 90.55]), ("F", [88.0, 88.0, 88.0]), ("G", [87.0, 88.0, 89.0])];

/// Runs a worked example, enters every evaluator's score and returns the
/// directory and the report after the last input.
pub(crate) async fn worked_example(
    name: &str,
    scores: &[(&str, [f64; 3])],
    extra: &[&[&str]],
) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/order87").join(name);
    let o = tb(dir.path(), &["keygen"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tb(dir.path(), &["run", spec.to_str().unwrap()]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let run_id = run_dir(&dir.path().join("tenderbench-out")).file_name().unwrap().to_string_lossy().to_string();
    let r = read_json(&run_dir(&dir.path().join("tenderbench-out")).join("report.json"));
    assert!(r["vendors"].as_array().unwrap().iter().all(|v| v["invalid_reason"] == "evaluation_pending"));
    for (vendor, marks) in scores {
        for (evaluator, mark) in ["甲", "乙", "丙"].iter().zip(marks) {
            let mark = mark.to_string();
            let args = ["evaluate", &run_id, "--evaluator", evaluator, "--criterion", "proposal", "--vendor", vendor];
            let o = tb(dir.path(), &[&args[..], &["--score", &mark]].concat()).await;
            assert!(o.status.success(), "{}", stderr(&o));
        }
    }
    for args in extra {
        let o = tb(dir.path(), &[&args[..1], &[run_id.as_str()], &args[1..]].concat()).await;
        assert!(o.status.success(), "{}", stderr(&o));
    }
    (dir, run_id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_87_worked_example_goods_reproduces_by_hand() {
    let (dir, run_id) = worked_example("goods.toml", &GOODS_SCORES, &[&["justify", "--vendor", "D", "--reject"]]).await;
    let r = read_json(&dir.path().join("tenderbench-out").join(&run_id).join("report.json"));

    // The rules chapter published before bidding is the one the report cites.
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/order87/goods.toml");
    let o = tb(dir.path(), &["publish", spec.to_str().unwrap(), "--lang", "zh", "-o", "rules.md"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let chapter = std::fs::read_to_string(dir.path().join("rules.md")).unwrap();
    for want in ["综合评分法", "技术分占 70%", "价格分占 30%", "其他有效投标报价的算术平均值的 20% 以上", "投标无效"]
    {
        assert!(chapter.contains(want), "{want:?} missing from\n{chapter}");
    }
    let sha = tb_audit::sha256_hex(chapter.as_bytes());
    assert!(stderr(&o).contains(&sha), "{}", stderr(&o));
    assert_eq!(r["published_rules"]["zh"], sha.as_str());

    let v = |i: usize, k: &str| r["vendors"][i][k].clone();
    for (i, (tech, price, total, rank)) in
        [(88.5, 95.0, 90.45, 2), (82.0, 100.0, 87.4, 3), (93.0, 86.36, 91.01, 1)].into_iter().enumerate()
    {
        assert_eq!(v(i, "technical_score").as_f64(), Some(tech), "vendor {i}");
        assert_eq!(v(i, "price_score").as_f64(), Some(price), "vendor {i}");
        assert_eq!(v(i, "total_score").as_f64(), Some(total), "vendor {i}");
        assert_eq!(v(i, "rank").as_u64(), Some(rank), "vendor {i}");
    }
    assert_eq!(v(3, "abnormally_low"), true);
    assert_eq!(v(3, "price_justification"), "rejected");
    assert_eq!(v(3, "invalid_reason"), "abnormally_low_unjustified");
    assert_eq!(v(3, "rank"), serde_json::Value::Null);
    assert_eq!(r["vendors"][0]["criteria"][0]["evaluator_scores"]["乙"].as_f64(), Some(89.0));
    assert_eq!(r["ranking"], serde_json::json!(["C", "A", "B"]));

    // The whole report as a reader holds it, in every format and both languages (the 评标报告
    // in DOCX and PDF is read whole in dossier.rs):
    // a snapshot, with what differs from run to run (its id, times, hashes, keys) masked.
    for (format, lang) in
        [("md", "zh"), ("md", "en"), ("json", "en"), ("html", "zh"), ("html", "en"), ("csv", "zh"), ("csv", "en")]
    {
        let o = tb(dir.path(), &["report", &run_id, "--format", format, "--lang", lang]).await;
        assert!(o.status.success(), "{}", stderr(&o));
        insta::with_settings!({ filters => vec![
            (run_id.as_str(), "[run]"),
            (r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?( \(UTC[+-]\d{2}:\d{2}\))?", "[time]"),
            (r"[0-9a-f]{64}", "[sha256]"),
            (r"[0-9a-f]{16}", "[hex16]"),
            (r"\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?", "[version]"),
        ]}, {
            insta::assert_snapshot!(format!("order87-goods-report-{lang}.{format}"), stdout(&o));
        });
    }

    // The committee's inputs are audit entries: the bundle verifies, numbers recomputed.
    let o = tb(dir.path(), &["export", &run_id, "--bundle", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let o = tb(dir.path(), &["verify", "b.tar.gz"]).await;
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));

    // A score outside 0–100 and an objective criterion are refused, nothing recorded.
    let o = tb(
        dir.path(),
        &["evaluate", &run_id, "--evaluator", "甲", "--criterion", "proposal", "--vendor", "A", "--score", "101"],
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("outside 0–100"), "{}", stderr(&o));
    let o = tb(
        dir.path(),
        &["evaluate", &run_id, "--evaluator", "甲", "--criterion", "proposal", "--vendor", "Z", "--score", "50"],
    )
    .await;
    assert!(stderr(&o).contains("no vendor \"Z\""), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_87_worked_example_services_tie_on_total_then_by_lot() {
    let (dir, run_id) = worked_example("services.toml", &SERVICES_SCORES, &[]).await;
    let r = read_json(&dir.path().join("tenderbench-out").join(&run_id).join("report.json"));
    let v = |i: usize, k: &str| r["vendors"][i][k].clone();
    let totals: Vec<_> = (0..3).map(|i| v(i, "total_score").as_f64()).collect();
    assert_eq!(totals, [Some(89.2), Some(89.2), Some(89.2)]);
    assert_eq!(v(0, "rank").as_u64(), Some(3), "E: equal total, higher price");
    // F (position 1) and G (position 2) by lot, with the seed the report records.
    let seed = r["rules"]["lot_seed"].as_u64().expect("a lot records its seed");
    let f_first = tb_stats::lot_key(seed, 1) < tb_stats::lot_key(seed, 2);
    assert_eq!(v(1, "rank").as_u64(), Some(if f_first { 1 } else { 2 }));
    assert_eq!(v(2, "rank").as_u64(), Some(if f_first { 2 } else { 1 }));
    assert_eq!(
        (v(0, "ranked_by_lot"), v(1, "ranked_by_lot"), v(2, "ranked_by_lot")),
        (false.into(), true.into(), true.into())
    );
    assert_eq!(r["rules"]["tie_break"], "lot");
}
