//! The coding-assistant example end to end: fill-in-the-middle tasks sent to
//! two bidders' completions endpoints (prefix and suffix) and stated in a chat
//! for the third, code in six languages compiled and run in the sandbox, and
//! repository tasks in Java and JavaScript fixed by an agent, and the signed
//! bundle reproducing every grade offline. Needs bubblewrap and
//! the toolchains (required in CI).

use std::path::Path;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coding_assistant_example_asks_fim_and_chat_vendors_and_verifies() {
    if !sandbox_available() {
        return;
    }
    // The toolchains the sandbox runs the answers with (tb-grade's `code::langs` finds them there).
    for program in ["g++", "go", "javac", "java", "node"] {
        if !Path::new("/usr/bin").join(program).exists() {
            assert!(std::env::var_os("TENDERBENCH_REQUIRE_SANDBOX").is_none(), "{program} is not installed");
            eprintln!("SKIPPED: {program} is not installed (the coding example needs every toolchain)");
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/coding-assistant/tender.toml");
    let o = tb(dir.path(), &["demo", spec.to_str().unwrap(), "--lang", "en"]).await;
    assert!(o.status.success(), "demo failed:\n{}", stderr(&o));
    let run = run_dir(&dir.path().join("tenderbench-out"));
    let report = read_json(&run.join("report.json"));
    let forms: Vec<_> = report["vendors"].as_array().unwrap().iter().map(|v| v["fill_in_the_middle"].clone()).collect();
    assert_eq!(forms, ["fim_api", "fim_api", "chat_prompt"], "the spec gives Bidders A and B a FIM endpoint");
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert_eq!(html.matches("fill-in-the-middle: its completions endpoint").count(), 2);
    assert_eq!(html.matches("fill-in-the-middle: asked in a chat").count(), 1);
    // The strong simulated bidder answers (nearly) everything right, in every language.
    let strong = &report["vendors"][0];
    for c in strong["criteria"].as_array().unwrap() {
        assert!(c["value"].as_f64().unwrap() >= 0.8, "{} {}: {}", strong["name"], c["id"], c["outcomes"]);
        assert_eq!(c["errors"], 0);
        assert_eq!(c["outcomes"].get("not_available"), None, "a toolchain is missing: {}", c["outcomes"]);
    }
    // How each answer was read shows the form it came in: the raw gap from
    // a completions endpoint, a fenced block from a chat.
    let rows = csv_rows(&run.join("results.csv"));
    let graded_fim = |r: &&std::collections::HashMap<String, String>| {
        (r["suite"] == "fim-single-line" || r["suite"] == "fim-multi-line") && r["correct"] == "true"
    };
    let fim_rows: Vec<_> = rows.iter().filter(graded_fim).collect();
    for r in &fim_rows {
        let raw = r["read_as"].starts_with("raw_gap");
        assert_eq!(raw, r["vendor"] != "Bidder C", "{} {}: {}", r["vendor"], r["case_id"], r["read_as"]);
    }
    assert!(fim_rows.iter().any(|r| r["vendor"] == "Bidder C"), "the chat-only bidder passed no FIM case");
    // The compiled languages' verdicts say the tests shared the answer's process.
    assert!(rows.iter().any(|r| r["suite"] == "java" && r["read_as"].contains("single_process")));
    // Insecure answers name the weakness the analyser found; weak tests their mutation score.
    let insecure: Vec<_> = rows.iter().filter(|r| r["suite"] == "secure-coding" && r["correct"] == "false").collect();
    assert!(!insecure.is_empty(), "the weak simulated bidders wrote no insecure code");
    for r in &insecure {
        assert!(r["notes"].starts_with("insecure: CWE-"), "{} {}: {}", r["vendor"], r["case_id"], r["notes"]);
    }
    let tests: Vec<_> = rows.iter().filter(|r| r["suite"] == "test-writing").collect();
    assert!(tests.iter().all(|r| r["extracted"].ends_with("mutants killed")), "{:?}", tests.first());
    // Repository tasks: the strong bidder's agent fixed Java and JavaScript code bases, graded by hidden tests.
    let fixed: Vec<&str> = rows
        .iter()
        // One cell, two criteria: `repo-tasks;repo-safety`.
        .filter(|r| r["suite"] == "repo-tasks" && r["vendor"] == "Bidder A" && r["correct"] == "true;true")
        .map(|r| r["case_id"].as_str())
        .collect();
    assert!(fixed.iter().any(|c| c.starts_with("code-java-")), "{fixed:?}");
    assert!(fixed.iter().any(|c| c.starts_with("code-js-")), "{fixed:?}");
    // The typing stage measured each bidder's short completions.
    let typing = &report["stages"][0];
    assert_eq!(typing["id"], "typing");
    for v in typing["vendors"].as_array().unwrap() {
        assert_eq!(v["requests"], 48, "{}", v["name"]);
    }
    demo_bundle_verifies(dir.path(), report["run_id"].as_str().unwrap()).await;
}
