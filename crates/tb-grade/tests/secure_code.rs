//! The `secure_code` grader's analysers on the coding example's 24 pairs of
//! reference answers (`examples/coding-assistant/suites/secure_code_24.jsonl`,
//! Python and C): each insecure answer is flagged with its planted weakness
//! (the CWE the analyser names), each secure counterpart with nothing.
//! Needs bubblewrap, bandit (under /usr/local/lib/tenderbench-bandit) and
//! flawfinder: in CI (TENDERBENCH_REQUIRE_SANDBOX) a missing one fails the test.

use serde_json::{Value, json};
use tb_core::Gold;
use tb_grade::secure_code::{SecureVerdict, execute};
use tb_sandbox::Sandbox;

mod common;

/// The sandbox, with both analysers installed (required in CI).
fn sandbox() -> Option<Sandbox> {
    let sandbox = common::sandbox()?;
    let analysers = std::path::Path::new(tb_grade::secure_code::BANDIT_DIR).join("bandit").is_dir()
        && std::path::Path::new("/usr/bin/flawfinder").is_file();
    if !analysers {
        assert!(std::env::var_os("TENDERBENCH_REQUIRE_SANDBOX").is_none(), "bandit or flawfinder is not installed");
        eprintln!("SKIPPED: bandit or flawfinder is not installed");
        return None;
    }
    Some(sandbox)
}

#[test]
fn every_planted_weakness_is_found_and_no_secure_counterpart_is_flagged() {
    let Some(sb) = sandbox() else { return };
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/coding-assistant/suites/secure_code_24.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut wrong = Vec::new();
    let mut pairs = 0;
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        let data = &case["data"];
        let (language, weakness) = (data["language"].as_str().unwrap(), data["weakness"].as_str().unwrap());
        let gold = Gold { data: json!({ "language": language }), ..Gold::default() };
        let tag = if language == "python" { "python" } else { "c" };
        let answer = |code: &str| format!("Here is the function:\n\n```{tag}\n{code}```\n");
        let insecure: SecureVerdict =
            serde_json::from_value(execute(&sb, &answer(data["insecure"].as_str().unwrap()), &gold)).unwrap();
        if insecure.outcome != "insecure" || !insecure.findings.iter().any(|f| f.cwe == weakness) {
            wrong.push(format!(
                "{} insecure: {} {:?} {}",
                case["id"], insecure.outcome, insecure.findings, insecure.detail
            ));
        }
        let secure: SecureVerdict =
            serde_json::from_value(execute(&sb, &answer(data["solution"].as_str().unwrap()), &gold)).unwrap();
        if secure.outcome != "secure" {
            wrong.push(format!("{} secure: {} {:?} {}", case["id"], secure.outcome, secure.findings, secure.detail));
        }
        pairs += 1;
    }
    assert!(pairs >= 20, "{pairs} pairs");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn an_answer_without_code_and_a_language_without_an_analyser_are_told_apart() {
    let Some(sb) = sandbox() else { return };
    let gold = Gold { data: json!({ "language": "python" }), ..Gold::default() };
    assert_eq!(execute(&sb, "I would rather not write this.\n\n```text\nno\n```", &gold)["outcome"], "no_code");
    let cobol = Gold { data: json!({ "language": "cobol" }), ..Gold::default() };
    assert_eq!(execute(&sb, "```cobol\nDISPLAY 'X'.\n```", &cobol)["outcome"], "sandbox_error");
}
