//! End to end against a real language model: SmolLM2-135M-Instruct served by
//! llama.cpp on 127.0.0.1 (`scripts/local-vendor start`, which `.ci/run`
//! calls). A small real tender — C-Eval, GSM8K, XSTest, AdvBench, and the
//! local model judging the GSM8K answers — must complete: every cell stored
//! with its response and a grade, streaming timings recorded, the report
//! rendered, the bundle verified offline. The assertions are on the
//! pipeline, never on the model's accuracy.
//!
//! Needs TENDERBENCH_LOCAL_VENDOR_URL; without it the test says it is
//! skipped, except in CI (TENDERBENCH_REQUIRE_LOCAL_VENDOR), where it fails.
//! Its own test binary, so nothing else competes with the model for the CPU.

#![allow(clippy::disallowed_methods, reason = "the end-to-end test spawns the binary")]

use std::path::Path;
use std::process::{Command, Output};

fn local_url() -> Option<String> {
    match std::env::var("TENDERBENCH_LOCAL_VENDOR_URL") {
        Ok(url) => Some(url),
        Err(_) => {
            assert!(
                std::env::var_os("TENDERBENCH_REQUIRE_LOCAL_VENDOR").is_none(),
                "TENDERBENCH_LOCAL_VENDOR_URL is required here (scripts/local-vendor start)"
            );
            eprintln!(
                "SKIPPED: no local model (start one with scripts/local-vendor start and set TENDERBENCH_LOCAL_VENDOR_URL)"
            );
            None
        }
    }
}

fn tb(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tenderbench")).current_dir(dir).args(args).output().expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The first `n` lines of a suite in the repository's examples.
fn subset(dir: &Path, from: &str, n: usize, name: &str, keep: impl Fn(&str) -> bool) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples").join(from);
    let lines: String =
        std::fs::read_to_string(src).unwrap().lines().filter(|l| keep(l)).take(n).map(|l| format!("{l}\n")).collect();
    std::fs::write(dir.join(name), lines).unwrap();
}

const SIZES: [(&str, u64); 5] =
    [("knowledge", 8), ("arithmetic", 8), ("over-refusal", 8), ("harmful", 8), ("judged", 8)];

fn spec(url: &str) -> String {
    format!(
        r#"[tender]
id = "LOCAL-E2E"
title = "local real-model end-to-end"
buyer = "tenderbench CI"
kind = "services"
price_weight = 0.3

[run]
seed = 1
max_tokens = 48

[[suite]]
id = "ceval"
path = "ceval.jsonl"
format = "ceval"

[[suite]]
id = "gsm8k"
path = "gsm8k.jsonl"
format = "gsm8k"

[[suite]]
id = "xstest"
path = "xstest.jsonl"
format = "xstest"

[[suite]]
id = "advbench"
path = "advbench.jsonl"
format = "advbench"

[[criterion]]
id = "knowledge"
suite = "ceval"
grader = "choice"
weight = 0.3

[[criterion]]
id = "arithmetic"
suite = "gsm8k"
grader = "numeric"
weight = 0.2

[[criterion]]
id = "over-refusal"
suite = "xstest"
grader = "refusal"
weight = 0.15

[[criterion]]
id = "harmful"
suite = "advbench"
grader = "refusal"
weight = 0.15

[[criterion]]
id = "judged"
suite = "gsm8k"
grader = "judge"
judge = "local"
weight = 0.2

[[judge]]
id = "local"
base_url = "{url}"
model = "smollm2-135m-instruct"
forbid_same_family = false
note = "a local 135M model: a very weak judge, here to test the pipeline only"
timeout_secs = 180

[[vendor]]
name = "local 135M model (not a bidder)"
provider = "llamacpp"
base_url = "{url}"
model = "smollm2-135m-instruct"
bid_price = 1
concurrency = 1
timeout_secs = 180
max_retries = 1
stream = true
"#
    )
}

#[test]
fn a_small_real_tender_completes_against_the_local_model() {
    let Some(url) = local_url() else { return };
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    subset(d, "hotline/suites/ceval_public_service.jsonl", 8, "ceval.jsonl", |_| true);
    subset(d, "hotline/suites/gsm8k_200.jsonl", 8, "gsm8k.jsonl", |_| true);
    let safe = std::sync::atomic::AtomicUsize::new(0);
    subset(d, "graders/suites/xstest_40.jsonl", 8, "xstest.jsonl", |l| {
        // Half safe prompts, half unsafe contrast prompts.
        !l.contains("\"label\": \"safe\"") || safe.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 4
    });
    subset(d, "graders/suites/advbench_30.jsonl", 8, "advbench.jsonl", |_| true);
    std::fs::write(d.join("t.toml"), spec(&url)).unwrap();
    // A key in the folder signs the run (and later its bundle).
    assert!(tb(d, &["keygen"]).status.success());

    let o = tb(d, &["run", "t.toml", "--lang", "en"]);
    assert!(o.status.success(), "run failed:\n{}", text(&o.stderr));
    let run = std::fs::read_dir(d.join("tenderbench-out"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("report.json").exists())
        .expect("a run folder with its report");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(run.join("report.json")).unwrap()).unwrap();
    let vendor = &report["vendors"][0];
    assert_eq!(vendor["complete"], true, "every cell stored");
    for (c, (id, n)) in vendor["criteria"].as_array().unwrap().iter().zip(SIZES) {
        assert_eq!(c["id"], id);
        assert_eq!(c["n"], n, "{id}");
        let graded = c["correct"].as_u64().unwrap()
            + c["outcomes"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum::<u64>();
        // Every answer has a grade: right, or wrong for a recorded reason, or plainly wrong.
        assert!(graded <= n, "{id}: {c}");
    }
    assert_eq!(report["judges"][0]["model"], "smollm2-135m-instruct");
    assert!(report["judges"][0]["note"].as_str().unwrap().contains("weak judge"));

    // Per cell: a stored response, a grade, and streaming timings.
    // Answers span lines: rows are read as CSV records, never as lines.
    let csv = std::fs::read_to_string(run.join("results.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes()).records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 32, "one row per cell");
    let answered: Vec<_> = rows.iter().filter(|r| &r[8] == "answered").collect();
    assert!(answered.len() >= 30, "{} of 32 answered:\n{csv}", answered.len());
    let mut with_ttft = 0;
    for r in &rows {
        if &r[8] == "answered" {
            assert!(!r[19].is_empty(), "every answered cell is graded: {r:?}");
            with_ttft += (!r[13].is_empty()) as usize;
            assert!(!r[16].is_empty(), "finish reason recorded: {r:?}");
        }
    }
    assert!(with_ttft >= answered.len() - 2, "streamed answers record time to first token");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains("local 135M model (not a bidder)"));

    // The real SSE bodies replay offline to the same answers and report.
    let run_id = report["run_id"].as_str().unwrap();
    let o = tb(d, &["export", run_id, "--bundle", "b.tar.gz"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = tb(d, &["verify", "b.tar.gz"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("report.json identical"), "{}", text(&o.stdout));
    eprintln!("local real-model tender: 32 cells + 8 judge calls in {:.0} s", started.elapsed().as_secs_f64());
}

#[test]
fn demo_real_adds_the_local_model_as_a_fourth_vendor() {
    let Some(url) = local_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let o = tb(dir.path(), &["demo", "--real", "--real-url", &url, "--cases", "3", "--lang", "en"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let run = std::fs::read_dir(dir.path().join("tenderbench-out"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("report.json").exists())
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(run.join("report.json")).unwrap()).unwrap();
    let vendors = report["vendors"].as_array().unwrap();
    assert_eq!(vendors.len(), 4);
    assert!(vendors[3]["name"].as_str().unwrap().contains("local 135M model"));
    assert_eq!(vendors[3]["cells"], 6);
    assert_eq!(report["vendors"][0]["criteria"][0]["n"], 3);
}
