//! The `test_writing` grader's mutation score against a known answer: a
//! function, four seeded mutants, and test files that kill exactly the
//! mutants they should; tests that fail on the function, that read its
//! source, or that test nothing are told apart. Needs bubblewrap (required in CI).

use serde_json::{Value, json};
use tb_core::Gold;
use tb_grade::test_writing::execute;
use tb_sandbox::Sandbox;

mod common;
use common::sandbox;

const CLAMP: &str =
    "def clamp(x, lo, hi):\n    if x < lo:\n        return lo\n    if x > hi:\n        return hi\n    return x\n";

fn gold() -> Gold {
    let mutants = [
        // 0: the lower bound is never applied below it.
        CLAMP.replace("if x < lo", "if x > lo"),
        // 1: the upper bound returns the lower one.
        CLAMP.replace("return hi", "return lo"),
        // 2: equal to the bound: the same result either way (an equivalent mutant).
        CLAMP.replace("x < lo", "x <= lo"),
        // 3: loops forever above the upper bound.
        CLAMP.replace("        return hi\n", "        while True:\n            pass\n"),
    ];
    Gold { data: json!({ "module": CLAMP, "mutants": mutants, "threshold": 0.75 }), ..Gold::default() }
}

fn verdict(sb: &Sandbox, tests: &str) -> Value {
    execute(sb, &format!("Here are the tests:\n\n```python\n{tests}```\n"), &gold())
}

#[test]
fn the_mutation_score_counts_exactly_the_mutants_the_tests_tell_apart() {
    let Some(sb) = sandbox() else { return };
    // Below the range only: kills 0 (and nothing else: 1 and 3 act above it, 2 at the bound).
    let below = "def test_below():\n    assert clamp(-5, 0, 10) == 0\n";
    let v = verdict(&sb, below);
    assert_eq!((v["outcome"].as_str(), v["killed"].clone()), (Some("scored"), json!([0])), "{v}");
    // Above the range too: kills 1 (wrong bound) and 3 (a timeout counts as killed).
    let both =
        "def test_below():\n    assert clamp(-5, 0, 10) == 0\n\ndef test_above():\n    assert clamp(50, 0, 10) == 10\n";
    let v = verdict(&sb, both);
    assert_eq!(v["killed"], json!([0, 1, 3]), "{v}");
    assert_eq!(v["mutants"], 4);
    // Top-level asserts are tests too; inside the range, mutant 0 returns the lower bound.
    let v = verdict(&sb, "assert clamp(5, 0, 10) == 5\nassert clamp(50, 0, 10) == 10\n");
    assert_eq!(v["killed"], json!([0, 1, 3]), "{v}");
}

#[test]
fn tests_that_fail_on_the_function_read_its_source_or_test_nothing_score_nothing() {
    let Some(sb) = sandbox() else { return };
    let v = verdict(&sb, "def test_wrong():\n    assert clamp(5, 0, 10) == 6\n");
    assert_eq!(v["outcome"], "fails_on_reference", "{v}");
    let peeking = "import inspect\n\ndef test_source():\n    assert 'x < lo' in inspect.getsource(clamp)\n";
    assert_eq!(verdict(&sb, peeking)["outcome"], "forbidden_call");
    let by_name = "def test_code():\n    assert getattr(clamp, '__co' + 'de__').co_consts\n";
    assert_eq!(verdict(&sb, by_name)["outcome"], "forbidden_call");
    assert_eq!(verdict(&sb, "def helper():\n    return clamp(1, 0, 2)\n")["outcome"], "no_tests");
    assert_eq!(execute(&sb, "I cannot write tests for this.", &gold())["outcome"], "no_code");
}
