//! Sandbox overhead on HumanEval: every canonical solution run (a) as a bare
//! `python3` subprocess of the same test program and (b) in the bubblewrap
//! sandbox, each on two threads, in one run so the ratio is fair.
//!
//! `cargo run --release -p tb-grade --example sandbox_bench [HumanEval.jsonl]`

#![allow(clippy::disallowed_methods, reason = "the benchmark compares against processes spawned directly")]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use tb_grade::code::{CodeOutcome, execute, program};
use tb_sandbox::{Isolation, Limits, Sandbox};
use tb_suite::{SuiteFormat, parse_line};

fn on_two_threads(n: usize, work: impl Fn(usize) -> bool + Sync) -> (f64, usize) {
    let next = AtomicUsize::new(0);
    let passed = AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        break;
                    }
                    if work(i) {
                        passed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    (started.elapsed().as_secs_f64(), passed.into_inner())
}

fn main() {
    let path = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/datasets/humaneval/HumanEval.jsonl")
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let items: Vec<(tb_core::Case, String)> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (parse_line(SuiteFormat::Humaneval, l).unwrap(), v["canonical_solution"].as_str().unwrap().to_string())
        })
        .collect();
    let n = items.len();
    let sandbox = Sandbox::new(Isolation::Bubblewrap, Limits::default(), 2).expect("bubblewrap sandbox");

    let bare = |i: usize| {
        let (case, answer) = &items[i];
        let p = program(answer, &case.gold).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in &p.files {
            std::fs::write(dir.path().join(name), content).unwrap();
        }
        let out = // The interpreter the sandbox runs, so only the isolation differs.
        std::process::Command::new("/usr/bin/python3").arg("-I").arg(dir.path().join("main.py")).output().unwrap();
        String::from_utf8_lossy(&out.stdout).trim_end().ends_with(&p.token)
    };
    let boxed = |i: usize| {
        let (case, answer) = &items[i];
        execute(&sandbox, answer, &case.gold).outcome == CodeOutcome::Passed
    };
    // Warm the page cache for both before timing.
    on_two_threads(8.min(n), bare);
    on_two_threads(8.min(n), boxed);
    let (bare_s, bare_ok) = on_two_threads(n, bare);
    let (box_s, box_ok) = on_two_threads(n, boxed);
    let per = |s: f64| s * 1000.0 * 2.0 / n as f64;
    println!("HumanEval canonical solutions, {n} cases, 2 workers");
    println!(
        "  bare python3: {:.1} cases/s, {:.1} ms per case per worker, {bare_ok} passed",
        n as f64 / bare_s,
        per(bare_s)
    );
    println!(
        "  sandbox:      {:.1} cases/s, {:.1} ms per case per worker, {box_ok} passed",
        n as f64 / box_s,
        per(box_s)
    );
    println!(
        "  sandbox overhead: {:+.1} ms per case ({:.2}x the bare time); target: at most +30 ms",
        per(box_s) - per(bare_s),
        box_s / bare_s
    );
}
