//! The code grader over whole shared files: every HumanEval-X language and
//! every HumanEval infilling file. For each item the reference solution (the
//! raw middle, for infilling) must pass and its one-token mutant (the edits of
//! `tests/code_languages/mutant.rs`) must fail; the counts, the items that
//! did otherwise, and the throughput per file (items a second on two sandbox
//! slots) are printed, for `docs/graders.md`.
//!
//! `cargo run --release -p tb-grade --example languages_bench [--limit N] [FILE…]`
//! (files are paths under ../shared/datasets; all of them by default).

use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde_json::Value;
use tb_grade::code::{CodeOutcome, execute};
use tb_sandbox::{Isolation, Limits, Sandbox};
use tb_suite::{SuiteFormat, parse_line};

#[path = "../tests/code_languages/mutant.rs"]
mod mutant;

const FILES: [&str; 10] = [
    "humaneval_x/humaneval_cpp.jsonl",
    "humaneval_x/humaneval_go.jsonl",
    "humaneval_x/humaneval_java.jsonl",
    "humaneval_x/humaneval_js.jsonl",
    "humaneval_x/humaneval_python.jsonl",
    "humaneval_x/humaneval_rust.jsonl",
    "humaneval_infilling/HumanEval-SingleLineInfilling.jsonl",
    "humaneval_infilling/HumanEval-MultiLineInfilling.jsonl",
    "humaneval_infilling/HumanEval-RandomSpanInfilling.jsonl",
    "humaneval_infilling/HumanEval-RandomSpanInfillingLight.jsonl",
];

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let limit = match args.iter().position(|a| a == "--limit") {
        Some(i) => {
            let n = args.get(i + 1).and_then(|n| n.parse().ok()).expect("--limit takes a number");
            args.drain(i..=i + 1);
            n
        }
        None => usize::MAX,
    };
    let files: Vec<String> = if args.is_empty() { FILES.iter().map(|f| f.to_string()).collect() } else { args };
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets");
    let sandbox = Sandbox::new(Isolation::Bubblewrap, Limits::default(), 2).expect("the sandbox starts");
    println!("file\titems\treference passed\tmutants\tmutants failed\titems/s");
    for file in files {
        let format =
            if file.starts_with("humaneval_x") { SuiteFormat::HumanevalX } else { SuiteFormat::HumanevalInfilling };
        let text = std::fs::read_to_string(shared.join(&file)).expect("the file is readable");
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(limit).collect();
        let (passed, mutants, killed) = (AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0));
        let odd = Mutex::new(Vec::new());
        let next = AtomicUsize::new(0);
        let started = Instant::now();
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    while let Some(line) = lines.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let case = parse_line(format, line).expect("the line is a case");
                        let v: Value = serde_json::from_str(line).expect("JSON");
                        let solution = v["canonical_solution"].as_str().unwrap_or("");
                        let verdict = execute(&sandbox, solution, &case.gold);
                        if verdict.outcome == CodeOutcome::Passed {
                            passed.fetch_add(1, Ordering::Relaxed);
                        } else {
                            let detail: String = verdict.detail.chars().take(160).collect();
                            odd.lock().unwrap().push(format!("{} reference: {:?} {detail}", case.id, verdict.outcome));
                        }
                        if let Some(m) = mutant::mutant(solution) {
                            mutants.fetch_add(1, Ordering::Relaxed);
                            let verdict = execute(&sandbox, &m, &case.gold);
                            if verdict.outcome == CodeOutcome::Passed {
                                odd.lock().unwrap().push(format!("{} mutant passed", case.id));
                            } else {
                                killed.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                });
            }
        });
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{file}\t{}\t{}\t{}\t{}\t{:.2}",
            lines.len(),
            passed.into_inner(),
            mutants.load(Ordering::Relaxed),
            killed.into_inner(),
            lines.len() as f64 / seconds
        );
        let mut odd = odd.into_inner().unwrap();
        odd.sort();
        for o in odd {
            println!("    {o}");
        }
    }
}
