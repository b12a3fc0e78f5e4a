//! The graders against the style corpus (`fixtures/styles/`): realistic
//! answers in the styles of the models a buyer tests, each labelled with what
//! a careful human reader takes from it, written without looking at the
//! graders. Split once into a development half (the rules were tuned on it)
//! and a test half (never tuned on); the figures of both are printed and the
//! test half's must stay at the levels `docs/graders.md` states.
//!
//! `cargo test -p tb-grade --test styles -- --nocapture` prints every miss.

use std::collections::BTreeMap;

use serde_json::Value;
use tb_core::Choice;
use tb_grade::choice::{self, Reading};
use tb_grade::numeric;

fn corpus(name: &str) -> Vec<Value> {
    let path = format!("{}/fixtures/styles/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{path}: {e}: {l}")))
        .collect()
}

/// Every corpus file whose name starts with `prefix` (`choice` reads
/// `choice_zh.jsonl`, `choice_en.jsonl`, `choice_more.jsonl`), in name order.
fn corpora(prefix: &str) -> Vec<Value> {
    let dir = format!("{}/fixtures/styles", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && n.ends_with(".jsonl"))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no {prefix}*.jsonl in {dir}");
    names.iter().flat_map(|n| corpus(n)).collect()
}

/// Agreement per (split, language): (agreed, total), and the misses.
#[derive(Default)]
struct Tally {
    counts: BTreeMap<(String, String), (u32, u32)>,
    misses: Vec<String>,
}

impl Tally {
    fn add(&mut self, row: &Value, agreed: bool, got: &str, want: &str) {
        let key = (row["split"].as_str().unwrap_or("?").to_string(), row["lang"].as_str().unwrap_or("?").to_string());
        let e = self.counts.entry(key).or_default();
        e.1 += 1;
        if agreed {
            e.0 += 1;
        } else {
            let answer: String = row["answer"].as_str().unwrap_or("").chars().take(300).collect();
            self.misses.push(format!(
                "[{}] {} ({}): got {got}, want {want}: {answer:?}",
                row["split"].as_str().unwrap_or("?"),
                row["id"].as_str().unwrap_or("?"),
                row["style"].as_str().unwrap_or("?"),
            ));
        }
    }

    fn rate(&self, split: &str, lang: Option<&str>) -> f64 {
        let (a, n) = self
            .counts
            .iter()
            .filter(|((s, l), _)| s == split && lang.is_none_or(|want| want == l))
            .fold((0, 0), |(a, n), (_, (x, y))| (a + x, n + y));
        if n == 0 { 1.0 } else { a as f64 / n as f64 }
    }

    fn report(&self, what: &str) {
        println!("== {what}");
        for ((split, lang), (a, n)) in &self.counts {
            println!("{what} {split} {lang}: {a}/{n} = {:.4}", *a as f64 / *n as f64);
        }
        for m in &self.misses {
            println!("  miss {m}");
        }
    }
}

fn choice_reading(row: &Value) -> (String, String) {
    let options: Vec<Choice> = row["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| Choice { label: o["label"].as_str().unwrap().into(), text: o["text"].as_str().unwrap().into() })
        .collect();
    let multi = row["multi"].as_bool().unwrap_or(false);
    let got = match choice::read(row["answer"].as_str().unwrap(), &options, multi) {
        Reading::Chosen { labels, .. } => labels,
        Reading::Ambiguous(_) => "ambiguous".into(),
        Reading::Undecided => "none".into(),
    };
    // Labels are compared as the grader compares them: ASCII letters upper-cased.
    let truth = row["truth"].as_str().expect("truth");
    let truth = if matches!(truth, "ambiguous" | "none") { truth.to_string() } else { truth.to_ascii_uppercase() };
    (got, truth)
}

/// Choice: the reading must be the labelled one; an answer labelled ambiguous
/// or none must not be credited with any option (which of the two the
/// grader says is counted apart, as both are uncredited and counted).
#[test]
fn choice_reads_what_a_careful_reader_reads() {
    let mut tally = Tally::default();
    let mut uncredited_kind_differs = 0;
    for row in &corpora("choice") {
        let (got, want) = choice_reading(row);
        let committed = |s: &str| s != "ambiguous" && s != "none";
        let agreed = got == want || (!committed(&got) && !committed(&want));
        if agreed && got != want {
            uncredited_kind_differs += 1;
        }
        tally.add(row, agreed, &got, &want);
    }
    tally.report("choice");
    println!("choice: {uncredited_kind_differs} uncredited answers read as the other of ambiguous/none");
    for lang in ["zh", "en"] {
        let rate = tally.rate("test", Some(lang));
        assert!(rate >= CHOICE_TEST_FLOOR, "choice, test half, {lang}: {rate:.4} < {CHOICE_TEST_FLOOR}");
    }
}

/// Numeric: the value stated, or undecided where the label says so.
#[test]
fn numeric_reads_the_stated_result() {
    let mut tally = Tally::default();
    for row in corpora("numeric") {
        let read = match numeric::read_asked(row["answer"].as_str().unwrap(), row["question"].as_str()) {
            numeric::Reading::Stated { value, .. } => Some(value),
            _ => None,
        };
        let got = read.map(|n| n.value);
        let want = row["truth"].as_f64();
        // As the grader compares: a scale word may belong to the unit ("3.68亿千克").
        let agreed = match (read, want) {
            (Some(n), Some(w)) => n.matches(w, false, |a, b| (a - b).abs() <= 1e-6 * b.abs().max(1.0)),
            (None, None) => true,
            _ => false,
        };
        let show = |v: Option<f64>| v.map_or("undecided".to_string(), |v| v.to_string());
        tally.add(&row, agreed, &show(got), &show(want));
    }
    tally.report("numeric");
    for lang in ["zh", "en"] {
        let rate = tally.rate("test", Some(lang));
        assert!(rate >= NUMERIC_TEST_FLOOR, "numeric, test half, {lang}: {rate:.4} < {NUMERIC_TEST_FLOOR}");
    }
}

/// The levels the test half must keep (`docs/graders.md` gives the figures).
const CHOICE_TEST_FLOOR: f64 = 0.89;
const NUMERIC_TEST_FLOOR: f64 = 0.89;

/// Refusal: the three outcomes against the labels, and per language the
/// sensitivity (refusals, full or partial, found) and specificity
/// (compliances found) that every refusal gate reports beside its rate.
#[test]
fn refusal_tells_refusals_from_help() {
    use tb_grade::refusal::{Verdict, classify_asked};
    let mut tally = Tally::default();
    // (lang, split) -> [tp, fn, tn, fp]
    let mut binary: BTreeMap<(String, String), [u32; 4]> = BTreeMap::new();
    for row in corpora("refusal") {
        // As graded: the cell stores what was asked (`Gold::data.asked`).
        let got = match classify_asked(row["answer"].as_str().unwrap(), row["prompt"].as_str()) {
            Verdict::Refused => "refused",
            Verdict::Partial => "partial",
            Verdict::Complied => "complied",
        };
        let want = row["label"].as_str().unwrap();
        tally.add(&row, got == want, got, want);
        let key = (row["lang"].as_str().unwrap().to_string(), row["split"].as_str().unwrap().to_string());
        let cell = binary.entry(key).or_default();
        match (want != "complied", got != "complied") {
            (true, true) => cell[0] += 1,
            (true, false) => cell[1] += 1,
            (false, false) => cell[2] += 1,
            (false, true) => cell[3] += 1,
        }
    }
    tally.report("refusal (three outcomes)");
    let mut failures = Vec::new();
    for ((lang, split), [tp, fneg, tn, fp]) in &binary {
        let sensitivity = *tp as f64 / (tp + fneg) as f64;
        let specificity = *tn as f64 / (tn + fp) as f64;
        println!(
            "refusal {split} {lang}: sensitivity {sensitivity:.4} ({tp}/{}), specificity {specificity:.4} ({tn}/{})",
            tp + fneg,
            tn + fp
        );
        if split == "test" {
            if sensitivity < REFUSAL_TEST_FLOOR || specificity < REFUSAL_TEST_FLOOR {
                failures.push(format!("refusal, test half, {lang}: below {REFUSAL_TEST_FLOOR}"));
            }
            // The figures reports print beside every refusal gate are these.
            let shown = tb_grade::refusal::MEASURED.iter().find(|(l, _)| l == lang).map(|(_, f)| *f);
            let measured = tb_grade::LanguageFigures {
                positives: tp + fneg,
                positives_found: *tp,
                negatives: tn + fp,
                negatives_found: *tn,
            };
            if shown != Some(measured) {
                failures.push(format!("update tb_grade::refusal::MEASURED for {lang}: {measured:?}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

// The eighth and ninth batches were written to stress refusals without a
// declining sentence (the ninth first scored 0.42 and 0.34); with them the
// test half's English sensitivity is 0.81 (everyday refusals, the tenth
// batch, read 0.97–1.0).
const REFUSAL_TEST_FLOOR: f64 = 0.78;

/// Code: the program the sandbox's parser reads from each answer is the one
/// the label names, line for line (trailing spaces and blank lines aside), on
/// every item; and with the tests, the answer passes exactly when labelled so.
/// Needs bubblewrap: skipped where it is missing, except in CI.
#[test]
fn code_is_read_as_a_careful_reader_copies_it() {
    let Some(sandbox) = sandbox() else { return };
    let norm = |code: &str| -> Vec<String> {
        code.replace("\r\n", "\n").lines().map(|l| l.trim_end().to_string()).filter(|l| !l.is_empty()).collect()
    };
    let rows = corpora("code");
    let mut tally = Tally::default();
    let mut graded = Tally::default();
    std::thread::scope(|s| {
        let chunks: Vec<&[Value]> = rows.chunks(rows.len().div_ceil(2)).collect();
        let results: Vec<Vec<CodeRead>> = chunks
            .into_iter()
            .map(|chunk| {
                let sandbox = &sandbox;
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|row| {
                            let gold = tb_core::Gold {
                                data: serde_json::json!({
                                    "prompt": row["prompt"], "tests": tests_of(row), "entry_point": row["entry_point"],
                                }),
                                ..tb_core::Gold::default()
                            };
                            let answer = row["answer"].as_str().unwrap();
                            let (program, how) = tb_grade::code::read_program(sandbox, answer, &gold).unwrap();
                            let passed = tb_grade::code::execute(sandbox, answer, &gold).outcome
                                == tb_grade::code::CodeOutcome::Passed;
                            (row.clone(), program, how, passed)
                        })
                        .collect()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        for (row, program, how, passed) in results.into_iter().flatten() {
            let want = row["program"].as_str().unwrap();
            let agreed = program.as_deref().map(norm) == Some(norm(want));
            tally.add(&row, agreed, &format!("{how}: {program:?}"), want);
            let labelled = row["passes"].as_bool().unwrap();
            graded.add(&row, passed == labelled, &format!("passed {passed}"), &format!("passes {labelled}"));
        }
    });
    tally.report("code extraction");
    graded.report("code grade");
    for split in ["dev", "test"] {
        assert!(tally.rate(split, None) >= CODE_FLOOR, "code extraction, {split}: {:.4}", tally.rate(split, None));
    }
}

/// A code item, the program read from it, how, and whether it passed its tests.
type CodeRead = (Value, Option<String>, String, bool);

/// What HumanEval's and MBPP's tests look like in a case (`check(entry_point)` appended).
fn tests_of(row: &Value) -> String {
    let tests = row["tests"].as_str().unwrap();
    if tests.contains("def check(") {
        format!("{tests}\n\ncheck({})\n", row["entry_point"].as_str().unwrap())
    } else {
        tests.to_string()
    }
}

fn sandbox() -> Option<tb_sandbox::Sandbox> {
    match tb_sandbox::Sandbox::new(tb_sandbox::Isolation::Bubblewrap, tb_sandbox::Limits::default(), 2) {
        Ok(s) => Some(s),
        Err(e) => {
            assert!(std::env::var_os("TENDERBENCH_REQUIRE_SANDBOX").is_none(), "sandbox required: {e}");
            eprintln!("SKIPPED: the code corpus needs bubblewrap: {e}");
            None
        }
    }
}

const CODE_FLOOR: f64 = 0.96;
