//! The `code` grader in C++, Go, Java, JavaScript and Rust (HumanEval-X):
//! every language's toolchain runs in the sandbox; canonical solutions pass
//! and one-token mutants fail on a sample of the shared items (the whole set
//! is `examples/languages_bench.rs`); answers that try to end the process
//! early, loop, or fail to compile are told apart.
//! Needs bubblewrap and each toolchain: in CI (TENDERBENCH_REQUIRE_SANDBOX)
//! a missing toolchain fails the test rather than skipping it.

mod common;
use common::shared;

use serde_json::{Value, json};
use tb_core::Gold;
use tb_grade::code::langs::{Language, toolchain};
use tb_grade::code::{CodeOutcome, CodeVerdict, execute};
use tb_sandbox::Sandbox;
use tb_suite::{SuiteFormat, parse_line};

#[path = "code_languages/mutant.rs"]
mod mutant;
use mutant::mutant;

/// The sandbox, with every language's toolchain found (required in CI).
fn sandbox() -> Option<Sandbox> {
    let sandbox = common::sandbox()?;
    for language in Language::ALL {
        if let Err(why) = toolchain(language) {
            assert!(std::env::var_os("TENDERBENCH_REQUIRE_SANDBOX").is_none(), "{why}");
            eprintln!("SKIPPED: {why}");
            return None;
        }
    }
    Some(sandbox)
}

/// Runs every (label, answer, gold) on two threads; the verdicts in order.
fn run_all(sb: &Sandbox, jobs: &[(String, String, Gold)]) -> Vec<CodeVerdict> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((_, answer, gold)) = jobs.get(i) else { break };
                    let v = execute(sb, answer, gold);
                    results.lock().unwrap()[i] = Some(v);
                }
            });
        }
    });
    results.into_inner().unwrap().into_iter().map(Option::unwrap).collect()
}

const SAMPLE: usize = 8;

#[test]
fn every_languages_canonical_solutions_pass_and_their_mutants_fail() {
    let Some(sb) = sandbox() else { return };
    let mut jobs = Vec::new();
    for file in ["cpp", "go", "java", "js", "python", "rust"] {
        let Some(path) = shared(&format!("humaneval_x/humaneval_{file}.jsonl")) else { return };
        let text = std::fs::read_to_string(path).unwrap();
        let mut mutants = 0;
        for line in text.lines().take(SAMPLE) {
            let case = parse_line(SuiteFormat::HumanevalX, line).unwrap();
            let v: Value = serde_json::from_str(line).unwrap();
            let solution = v["canonical_solution"].as_str().unwrap();
            jobs.push((format!("{} canonical", case.id), solution.to_string(), case.gold.clone()));
            // A solution none of the edits applies to (a single iterator chain) has no mutant here.
            if let Some(m) = mutant(solution) {
                jobs.push((format!("{} mutant", case.id), m, case.gold.clone()));
                mutants += 1;
            }
        }
        assert!(mutants >= SAMPLE * 3 / 4, "{file}: only {mutants} of {SAMPLE} solutions have a mutant");
    }
    let verdicts = run_all(&sb, &jobs);
    let mut wrong = Vec::new();
    for ((label, _, _), v) in jobs.iter().zip(&verdicts) {
        let passed = v.outcome == CodeOutcome::Passed;
        if passed != label.ends_with("canonical") {
            wrong.push(format!("{label}: {:?} {}", v.outcome, v.detail));
        }
    }
    assert!(wrong.is_empty(), "{} of {}:\n{}", wrong.len(), jobs.len(), wrong.join("\n"));
    // The compiled languages say their tests shared the answer's process.
    assert!(verdicts.iter().any(|v| v.mode == "single_process"));
}

/// A small task in each language: `add(a, b)`, its prompt, tests and answers.
struct Task {
    language: &'static str,
    prompt: &'static str,
    tests: &'static str,
    test_setup: &'static str,
    entry: &'static str,
    right: &'static str,
    wrong: &'static str,
    exits_early: &'static str,
    loops: &'static str,
    broken: &'static str,
}

const TASKS: [Task; 5] = [
    Task {
        language: "cpp",
        prompt: "#include <vector>\nusing namespace std;\nint add(int a, int b){\n",
        tests: "#include <assert.h>\nint main(){\n    assert(add(2, 3) == 5);\n    assert(add(-1, 1) == 0);\n}\n",
        test_setup: "",
        entry: "add",
        right: "    return a + b;\n}\n",
        wrong: "    return a * b;\n}\n",
        exits_early: "```cpp\n#include <cstdlib>\nint add(int a, int b){ std::exit(0); }\n```",
        loops: "    while (true) {}\n}\n",
        broken: "    return a + ;\n}\n",
    },
    Task {
        language: "go",
        prompt: "\nfunc Add(a int, b int) int {\n",
        tests: "func TestAdd(t *testing.T) {\n    assert := assert.New(t)\n    assert.Equal(5, Add(2, 3))\n    assert.Equal(0, Add(-1, 1))\n}\n",
        test_setup: "package main\n\nimport (\n    \"testing\"\n    \"github.com/stretchr/testify/assert\"\n)\n",
        entry: "Add",
        right: "    return a + b\n}\n",
        wrong: "    return a * b\n}\n",
        exits_early: "```go\nimport \"os\"\n\nfunc Add(a int, b int) int {\n    os.Exit(0)\n    return 0\n}\n```",
        loops: "    for {}\n}\n",
        broken: "    return a +\n}\n",
    },
    Task {
        language: "java",
        prompt: "import java.util.*;\n\nclass Solution {\n    public int add(int a, int b) {\n",
        tests: "public class Main {\n    public static void main(String[] args) {\n        Solution s = new Solution();\n        if (s.add(2, 3) != 5 || s.add(-1, 1) != 0) {\n            throw new AssertionError();\n        }\n    }\n}\n",
        test_setup: "",
        entry: "add",
        right: "        return a + b;\n    }\n}\n",
        wrong: "        return a * b;\n    }\n}\n",
        exits_early: "```java\nclass Solution {\n    public int add(int a, int b) {\n        System.exit(0);\n        return 0;\n    }\n}\n```",
        loops: "        while (true) {}\n    }\n}\n",
        broken: "        return a + ;\n    }\n}\n",
    },
    Task {
        language: "js",
        prompt: "const add = (a, b) => {\n",
        tests: "const testAdd = () => {\n  console.assert(add(2, 3) === 5)\n  console.assert(add(-1, 1) === 0)\n}\ntestAdd()\n",
        test_setup: "",
        entry: "add",
        right: "  return a + b\n}\n",
        wrong: "  return a * b\n}\n",
        exits_early: "```javascript\nconst add = (a, b) => { process.exit(0) }\n```",
        loops: "  while (true) {}\n}\n",
        broken: "  return a + ;\n}\n",
    },
    Task {
        language: "rust",
        prompt: "\nfn add(a: i32, b: i32) -> i32 {\n",
        tests: "\n#[cfg(test)]\nmod tests {\n    use super::*;\n    #[test]\n    fn test_add() {\n        assert_eq!(add(2, 3), 5);\n        assert_eq!(add(-1, 1), 0);\n    }\n}\n",
        test_setup: "",
        entry: "add",
        right: "    a + b\n}\n",
        wrong: "    a * b\n}\n",
        exits_early: "```rust\nfn add(a: i32, b: i32) -> i32 {\n    std::process::exit(0)\n}\n```",
        loops: "    loop {}\n}\n",
        broken: "    a +\n}\n",
    },
];

#[test]
fn each_language_tells_a_pass_from_a_wrong_answer_an_early_exit_a_loop_and_a_compile_error() {
    let Some(sb) = sandbox() else { return };
    let mut jobs = Vec::new();
    let mut want = Vec::new();
    for t in &TASKS {
        let gold = Gold {
            data: json!({
                "language": t.language, "prompt": t.prompt, "tests": t.tests,
                "test_setup": t.test_setup, "entry_point": t.entry,
            }),
            ..Gold::default()
        };
        let whole = format!("Here it is:\n\n```{}\n{}{}```\n", t.language, t.prompt, t.right);
        for (label, answer, outcome) in [
            ("right", t.right.to_string(), CodeOutcome::Passed),
            ("right, whole and fenced", whole, CodeOutcome::Passed),
            ("wrong", t.wrong.to_string(), CodeOutcome::WrongAnswer),
            ("exits early", t.exits_early.to_string(), CodeOutcome::ForbiddenCall),
            ("loops", t.loops.to_string(), CodeOutcome::Timeout),
            ("broken", t.broken.to_string(), CodeOutcome::SyntaxError),
        ] {
            jobs.push((format!("{} {label}", t.language), answer, gold.clone()));
            want.push(outcome);
        }
    }
    let verdicts = run_all(&sb, &jobs);
    let wrong: Vec<String> = jobs
        .iter()
        .zip(&verdicts)
        .zip(&want)
        .filter(|((_, v), want)| v.outcome != **want)
        .map(|(((label, _, _), v), want)| format!("{label}: {:?}, expected {want:?}: {}", v.outcome, v.detail))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The early exit the source check would miss (spelled through a macro) is
/// still no pass: the tests' wrapper never printed the run's token.
#[test]
fn an_exit_hidden_from_the_source_check_still_does_not_pass() {
    let Some(sb) = sandbox() else { return };
    let t = &TASKS[0];
    let gold = Gold {
        data: json!({ "language": "cpp", "prompt": t.prompt, "tests": t.tests, "entry_point": "add" }),
        ..Gold::default()
    };
    let answer = "```cpp\n#include <cstdlib>\n#define LEAVE(code) ex##it(code)\nint add(int a, int b){ LEAVE(0); return 0; }\n```";
    let v = execute(&sb, answer, &gold);
    assert_eq!(v.outcome, CodeOutcome::ExitedEarly, "{}", v.detail);
}
