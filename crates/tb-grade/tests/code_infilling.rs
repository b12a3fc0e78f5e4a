//! The `code` grader on fill-in-the-middle tasks (HumanEval infilling):
//! on a sample of every shared infilling file, the canonical middle passes
//! as a completion API returns it and as a chat vendor writes it (in a
//! block, or the whole function rewritten), and a one-token mutant of it fails. The
//! whole files run in `examples/languages_bench.rs`.
//! Needs ../shared and bubblewrap (required in CI).

mod common;
use common::{sandbox, shared};

use serde_json::Value;
use tb_grade::code::{CodeOutcome, execute};
use tb_suite::{SuiteFormat, parse_line};

#[path = "code_languages/mutant.rs"]
mod mutant;

/// Every 97th line: spread over the tasks, a few dozen cases in all.
const STRIDE: usize = 97;

#[test]
fn canonical_middles_pass_raw_and_chat_written_and_their_mutants_fail() {
    let Some(sb) = sandbox() else { return };
    let mut jobs = Vec::new();
    for file in ["SingleLineInfilling", "MultiLineInfilling", "RandomSpanInfilling", "RandomSpanInfillingLight"] {
        let Some(path) = shared(&format!("humaneval_infilling/HumanEval-{file}.jsonl")) else { return };
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines().step_by(STRIDE).take(6) {
            let case = parse_line(SuiteFormat::HumanevalInfilling, line).unwrap();
            let v: Value = serde_json::from_str(line).unwrap();
            let middle = v["canonical_solution"].as_str().unwrap();
            jobs.push((format!("{} raw", case.id), middle.to_string(), case.gold.clone(), true));
            let prefix = v["prompt"].as_str().unwrap();
            // A chat model's block, the gap as it stands (the prompt asks to keep its indentation).
            let written = if middle.ends_with('\n') { middle.to_string() } else { format!("{middle}\n") };
            let chat = format!("Here is the missing code:\n\n```python\n{written}```\n");
            jobs.push((format!("{} chat", case.id), chat, case.gold.clone(), true));
            let suffix = v["suffix"].as_str().unwrap();
            let whole = format!("The completed function:\n\n```python\n{prefix}{middle}{suffix}```\n");
            jobs.push((format!("{} whole", case.id), whole, case.gold.clone(), true));
            if let Some(m) = mutant::mutant(middle) {
                jobs.push((format!("{} mutant", case.id), m, case.gold.clone(), false));
            }
        }
    }
    let wrong: Vec<String> = jobs
        .iter()
        .filter_map(|(label, answer, gold, should_pass)| {
            let v = execute(&sb, answer, gold);
            ((v.outcome == CodeOutcome::Passed) != *should_pass)
                .then(|| format!("{label}: {:?} ({}) {}", v.outcome, v.read, v.detail))
        })
        .collect();
    assert!(wrong.is_empty(), "{} of {}:\n{}", wrong.len(), jobs.len(), wrong.join("\n"));
}
