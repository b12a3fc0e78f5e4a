//! The README's first command: the demo on the built-in example.

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_ranks_by_simulated_accuracy_and_intervals_cover_it() {
    let dir = tempfile::tempdir().unwrap();
    let o = tb(dir.path(), &["demo"]).await;
    assert!(o.status.success(), "demo failed:\n{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("SIMULATED VENDORS"), "{out}");
    assert!(dir.path().join("tenderbench.db").exists(), "the demo stores its run like `run` does");

    let run = run_dir(&dir.path().join("tenderbench-out"));
    let report = read_json(&run.join("report.json"));
    assert_eq!(report["simulated"], true);
    assert!(report["notice"].as_str().unwrap().contains("SIMULATED"));
    // Demo profiles in spec order: strong 0.92, average 0.78, weak 0.45.
    let expected = [("Bidder A", 0.92), ("Bidder B", 0.78), ("Bidder C", 0.45)];
    let vendors = report["vendors"].as_array().unwrap();
    for ((name, p), v) in expected.iter().zip(vendors) {
        assert_eq!(v["name"], *name);
        for c in v["criteria"].as_array().unwrap() {
            let (lo, hi) = (c["ci_low"].as_f64().unwrap(), c["ci_high"].as_f64().unwrap());
            assert!(lo <= *p && *p <= hi, "{name} {}: {p} not in [{lo}, {hi}]", c["id"]);
            assert_eq!(c["errors"], 0);
            assert!(c["n"].as_u64().unwrap() >= 198);
        }
        for key in ["name", "qualified", "rank", "technical_score", "price_score", "total_score"] {
            assert!(v.get(key).is_some(), "report.json vendor lacks {key}");
        }
    }
    // Ranked in the order of accuracy; the weak one fails the 60% knowledge gate.
    assert_eq!(report["ranking"], serde_json::json!(["Bidder A", "Bidder B"]));
    // A leads on both criteria: no criterion weight can change that, a higher price weight can (B bids lower).
    let sensitivity = &report["sensitivity"];
    assert_eq!(sensitivity["leader"], "Bidder A");
    assert!(sensitivity["criteria"].as_array().unwrap().iter().all(|w| w["change"].is_null()), "{sensitivity}");
    assert!(sensitivity["price_weight"]["change"].as_f64().unwrap() > 0.0);
    assert_eq!(sensitivity["price_weight"]["new_leader"], "Bidder B");
    assert_eq!(vendors[2]["qualified"], false);
    assert_eq!(vendors[2]["rank"], serde_json::Value::Null);
    assert_eq!(vendors[2]["criteria"][0]["gate_passed"], false);

    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("id=\"simulated-notice\""));
    assert!(html.contains("<svg"), "criterion charts");
    assert!(!html.contains("http://") && !html.contains("https://"), "report.html must be self-contained");
    let bytes = std::fs::read(run.join("results.csv")).unwrap();
    assert!(bytes.starts_with(tb_report::CSV_BOM), "Excel reads it as UTF-8");
    let mut reader = csv::Reader::from_reader(&bytes[..]);
    assert_eq!(reader.headers().unwrap().get(0), Some("run_id"), "a CSV reader skips the BOM");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3 * 398, "one row per cell");
    let header: Vec<String> =
        csv::Reader::from_reader(&bytes[..]).headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(&rows[0][col("simulated")], "true", "rows say simulated");
    assert!(rows.iter().any(|r| !r[col("answer")].is_empty() && !r[col("gold")].is_empty()), "answer and gold");

    // `report` renders the stored run again with the same numbers.
    let run_id = report["run_id"].as_str().unwrap();
    let o = tb(dir.path(), &["report", run_id, "--format", "json"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let again: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(again["vendors"], report["vendors"]);
    let o = tb(dir.path(), &["report", run_id, "--format", "md", "--lang", "en"]).await;
    assert!(stdout(&o).contains("| 1 | Bidder A |"), "{}", stdout(&o));
    let o = tb(dir.path(), &["report", run_id, "--format", "html", "--lang", "en"]).await;
    assert!(stdout(&o).contains("<html lang=\"en\">"));
    let o = tb(dir.path(), &["report", "no-such-run", "--format", "json"]).await;
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no run \"no-such-run\""), "{}", stderr(&o));
}

/// Every example tender in `examples/` can be rehearsed with simulated vendors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_example_runs_as_a_demo() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(&examples).unwrap() {
        let spec = entry.unwrap().path().join("tender.toml");
        if !spec.exists() {
            continue;
        }
        seen += 1;
        let runs_code = tb_spec::load(&spec).unwrap().runs_code();
        if runs_code && !sandbox_available() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let o = tb(dir.path(), &["demo", spec.to_str().unwrap()]).await;
        assert!(o.status.success(), "{}: {}", spec.display(), stderr(&o));
        let report = read_json(&run_dir(&dir.path().join("tenderbench-out")).join("report.json"));
        assert_eq!(report["simulated"], true);
        assert!(!report["ranking"].as_array().unwrap().is_empty(), "{}: nobody ranked", spec.display());
    }
    assert!(seen >= 1, "no example found in {}", examples.display());
}

/// Five bidders where two have the same simulated accuracy: the report puts
/// them in one tie band and gives the p-values that say so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_vendors_two_statistically_tied_at_the_top() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/tie/tender.toml");
    let o = tb(dir.path(), &["demo", spec.to_str().unwrap(), "--lang", "en"]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let run = run_dir(&dir.path().join("tenderbench-out"));
    let report = read_json(&run.join("report.json"));
    let band = |name: &str| {
        report["vendors"].as_array().unwrap().iter().find(|v| v["name"] == name).unwrap()["tie_band"].clone()
    };
    // A and D are both simulated 'strong': first and second, in one band.
    let top: Vec<_> = report["ranking"].as_array().unwrap()[..2].iter().map(|v| v.as_str().unwrap()).collect();
    assert!(top.contains(&"Bidder A") && top.contains(&"Bidder D"), "{top:?}");
    assert_eq!(band("Bidder A"), 1);
    assert_eq!(band("Bidder D"), 1);
    assert_eq!(band("Bidder B"), 2, "the third is significantly behind the top");
    let pair = report["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["a"] == "Bidder A" && c["b"] == "Bidder D")
        .unwrap();
    assert_eq!(pair["tied"], true);
    assert!(pair["total_p_holm"].as_f64().unwrap() >= 0.05);
    assert_eq!(report["significance"], 0.05);
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("id=\"comparisons\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_says_what_the_example_can_tell_apart() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hotline/tender.toml");
    let o = tb(dir.path(), &["plan", spec.to_str().unwrap()]).await;
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    // 198 cases at 80% accuracy, α = 0.05, power 0.8: 12.3 points; 5 points need 1,092 cases.
    assert!(
        out.lines()
            .any(|l| l.starts_with("knowledge") && l.contains("198") && l.contains("12.3pt") && l.ends_with("1092")),
        "{out}"
    );
    let o = tb(dir.path(), &["plan", spec.to_str().unwrap(), "--power", "1.5"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--power must be between 0 and 1"));
}
