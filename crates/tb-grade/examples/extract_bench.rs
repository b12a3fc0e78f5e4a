//! What reading answers costs: every answer of the style corpus read by
//! `choice`, `numeric` and the refusal classifier, timed per answer, and the
//! hostile inputs a vendor can send (10 MB, invalid UTF-8, markdown nested
//! ten thousand deep, a repetition loop) timed alone.
//!
//! `cargo run --release -p tb-grade --example extract_bench`
//! The target: at most 20 µs per cell on average (the run's whole client
//! CPU is 200 µs per request), and the hostile inputs bounded.

use std::time::Instant;

use serde_json::Value;
use tb_core::Choice;
use tb_grade::{choice, numeric, refusal};

fn corpus(prefix: &str) -> Vec<Value> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/styles");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("the style corpus")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".jsonl"))
        .collect();
    names.sort();
    names
        .iter()
        .flat_map(|n| {
            std::fs::read_to_string(format!("{dir}/{n}"))
                .expect("a corpus file")
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(|l| serde_json::from_str(&l).expect("a JSON line"))
        .collect()
}

fn options(row: &Value) -> Vec<Choice> {
    row["options"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|o| Choice {
                    label: o["label"].as_str().unwrap_or("").into(),
                    text: o["text"].as_str().unwrap_or("").into(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Mean and 99th-percentile microseconds of `f` over `items`, each read
/// `rounds` times; the best of five passes, since a shared machine only ever
/// adds time.
fn time<T>(items: &[T], rounds: usize, mut f: impl FnMut(&T)) -> (f64, f64) {
    let mut best = (f64::INFINITY, f64::INFINITY);
    for _ in 0..5 {
        let mut each = Vec::with_capacity(items.len());
        for item in items {
            let start = Instant::now();
            for _ in 0..rounds {
                f(item);
            }
            each.push(start.elapsed().as_secs_f64() * 1e6 / rounds as f64);
        }
        each.sort_by(f64::total_cmp);
        let mean = each.iter().sum::<f64>() / each.len() as f64;
        if mean < best.0 {
            best = (mean, each[(each.len() * 99 / 100).min(each.len() - 1)]);
        }
    }
    best
}

fn main() {
    let choices: Vec<(String, Vec<Choice>, bool)> = corpus("choice")
        .iter()
        .map(|r| (r["answer"].as_str().unwrap_or("").to_string(), options(r), r["multi"] == true))
        .collect();
    // Each numeric answer with its question, as a cell stores it (`asked`).
    let numbers: Vec<(String, String)> = corpus("numeric")
        .iter()
        .map(|r| (r["answer"].as_str().unwrap_or("").to_string(), r["question"].as_str().unwrap_or("").to_string()))
        .collect();
    let refusals: Vec<String> =
        corpus("refusal").iter().map(|r| r["answer"].as_str().unwrap_or("").to_string()).collect();
    // Warm the compiled patterns first.
    let _ = (choice::read("答案是B", &[], false), numeric::read("#### 1"), refusal::classify("No."));

    println!("Reading answers of the style corpus (release build, one thread, best of five passes)");
    let (m, p) = time(&choices, 10, |(a, o, multi)| {
        std::hint::black_box(choice::read(a, o, *multi));
    });
    println!("  choice   {:4} answers: mean {m:6.1} µs, p99 {p:6.1} µs", choices.len());
    let (m, p) = time(&numbers, 10, |(a, _)| {
        std::hint::black_box(numeric::read(a));
    });
    println!("  numeric  {:4} answers: mean {m:6.1} µs, p99 {p:6.1} µs (without the question)", numbers.len());
    let (m, p) = time(&numbers, 10, |(a, q)| {
        std::hint::black_box(numeric::read_asked(a, Some(q)));
    });
    println!("  numeric  {:4} answers: mean {m:6.1} µs, p99 {p:6.1} µs (with it, as cells are read)", numbers.len());
    let (m, p) = time(&refusals, 10, |a| {
        std::hint::black_box(refusal::classify(a));
    });
    println!("  refusal  {:4} answers: mean {m:6.1} µs, p99 {p:6.1} µs", refusals.len());
    // What a typical run's cells look like: short answers of a few phrasings.
    let short = ["答案是B。", "The answer is C.", "#### 1200", "答案：18元", "(B)", "I can't help with that."];
    let (m, _) = time(&short, 2000, |a| {
        std::hint::black_box((choice::read(a, &[], false), numeric::read(a)));
    });
    println!("  short answers (choice and numeric both): mean {m:.2} µs");

    println!("Hostile answers, one read each by all three");
    let ten_mb = "答案可能是A，也可能是B。".repeat(10 * 1024 * 1024 / 36);
    let invalid = String::from_utf8_lossy(&[0xff, 0xfe, b'A', 0xc3, 0x28, b'B', 0x80].repeat(200_000)).into_owned();
    let nested = "> ".repeat(5_000) + &"*".repeat(10_000) + "答案：B" + &"*".repeat(10_000);
    let looping = "④⑥③".repeat(300_000);
    for (name, text) in
        [("10 MB", &ten_mb), ("invalid UTF-8", &invalid), ("nested markdown", &nested), ("repetition loop", &looping)]
    {
        let start = Instant::now();
        let c = choice::read(text, &[], false);
        let n = numeric::read(text);
        let r = refusal::classify(text);
        println!(
            "  {name:16} {:>9} bytes: {:7.1} ms  (choice {:?}, numeric {}, refusal {:?})",
            text.len(),
            start.elapsed().as_secs_f64() * 1e3,
            std::mem::discriminant(&c),
            matches!(n, numeric::Reading::Stated { .. }),
            r
        );
    }
}
