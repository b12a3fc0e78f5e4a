//! The `code` grader on the shared HumanEval and MBPP items: every canonical
//! solution passes in the sandbox, the prompts alone fail, and answers that
//! attack the host are contained and recorded as failures with their cause.
//! Needs ../shared and bubblewrap: skipped where either is missing, except in
//! CI (TENDERBENCH_REQUIRE_SHARED / TENDERBENCH_REQUIRE_SANDBOX).

mod common;
use common::{sandbox, shared};
use std::path::Path;

use serde_json::Value;
use tb_grade::code::{CodeOutcome, CodeVerdict, execute};
use tb_sandbox::{Isolation, Limits, Sandbox};
use tb_suite::{SuiteFormat, parse_line};

/// (case id, answer, raw line) for every line of a dataset.
fn items(path: &Path, answer_of: impl Fn(&Value) -> String) -> Vec<(String, String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap();
            let id = v.get("task_id").map(|t| t.to_string()).unwrap_or_default();
            (id, answer_of(&v), line.to_string())
        })
        .collect()
}

/// Runs every answer on two threads (the sandbox's two slots); returns the verdicts.
fn run_all(sb: &Sandbox, format: SuiteFormat, items: &[(String, String, String)]) -> Vec<(String, CodeVerdict)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((id, answer, line)) = items.get(i) else { break };
                    let case = parse_line(format, line).unwrap();
                    let v = execute(sb, answer, &case.gold);
                    results.lock().unwrap().push((id.clone(), v));
                }
            });
        }
    });
    results.into_inner().unwrap()
}

fn failures(results: &[(String, CodeVerdict)], want: CodeOutcome) -> Vec<String> {
    results
        .iter()
        .filter(|(_, v)| v.outcome != want)
        .map(|(id, v)| format!("{id}: {:?} {}", v.outcome, v.detail))
        .collect()
}

#[test]
fn humaneval_canonical_solutions_pass_and_prompts_alone_fail() {
    let (Some(path), Some(sb)) = (shared("humaneval/HumanEval.jsonl"), sandbox()) else { return };
    let str_of = |v: &Value, k: &str| v[k].as_str().unwrap().to_string();
    // As the bare body a completion model writes…
    let bodies = items(&path, |v| str_of(v, "canonical_solution"));
    // …and as the whole function in a fenced block, as chat models answer.
    let fenced = items(&path, |v| {
        format!("Here is the solution:\n\n```python\n{}{}```\n", str_of(v, "prompt"), str_of(v, "canonical_solution"))
    });
    let prompts = items(&path, |v| format!("```python\n{}```", str_of(v, "prompt")));
    for (label, set) in [("bodies", &bodies), ("fenced", &fenced)] {
        let results = run_all(&sb, SuiteFormat::Humaneval, set);
        let failed = failures(&results, CodeOutcome::Passed);
        let split = results.iter().filter(|(_, v)| v.mode == tb_grade::code::TWO_PHASE).count();
        eprintln!(
            "HumanEval {label}: {} of {} passed; {split} judged in two phases",
            results.len() - failed.len(),
            results.len()
        );
        assert!(failed.len() * 100 <= results.len(), "more than 1% failed: {failed:#?}");
    }
    let results = run_all(&sb, SuiteFormat::Humaneval, &prompts);
    let passed: Vec<_> = results.iter().filter(|(_, v)| v.outcome == CodeOutcome::Passed).map(|(id, _)| id).collect();
    assert!(passed.is_empty(), "prompts alone passed: {passed:?}");
}

#[test]
fn mbpp_reference_code_passes_and_descriptions_alone_fail() {
    let (Some(path), Some(sb)) = (shared("mbpp/mbpp.jsonl"), sandbox()) else { return };
    let code = items(&path, |v| v["code"].as_str().unwrap().to_string());
    let results = run_all(&sb, SuiteFormat::Mbpp, &code);
    let failed = failures(&results, CodeOutcome::Passed);
    let split = results.iter().filter(|(_, v)| v.mode == tb_grade::code::TWO_PHASE).count();
    eprintln!(
        "MBPP: {} of {} passed; {split} judged in two phases; failed: {failed:#?}",
        results.len() - failed.len(),
        results.len()
    );
    assert!(failed.len() * 100 <= results.len(), "more than 1% failed: {failed:#?}");
    let prose = items(&path, |v| v["text"].as_str().unwrap().to_string());
    let results = run_all(&sb, SuiteFormat::Mbpp, &prose[..100]);
    assert!(results.iter().all(|(_, v)| v.outcome != CodeOutcome::Passed));
}

/// Answers that attack the host are each a failed case with its cause.
#[test]
fn hostile_answers_fail_with_their_cause() {
    let (Some(path), Some(sb)) = (shared("mbpp/mbpp.jsonl"), sandbox()) else { return };
    let first =
        std::fs::read_to_string(path).unwrap().lines().find(|l| l.contains("\"task_id\": 11,")).unwrap().to_string();
    let case = parse_line(SuiteFormat::Mbpp, &first).unwrap();
    let fence = |body: &str| format!("```python\n{body}\n```");
    let cases = [
        (
            "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
            CodeOutcome::Timeout,
        ),
        ("import os\nwhile True:\n    os.fork()", CodeOutcome::RuntimeError),
        ("x = []\nwhile True:\n    x.append(bytearray(64 << 20))", CodeOutcome::MemoryLimit),
        ("while True:\n    pass", CodeOutcome::Timeout),
        ("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)", CodeOutcome::OutputLimit),
        ("import sys\nsys.exit(0)", CodeOutcome::RuntimeError),
        ("import os\nos._exit(0)", CodeOutcome::ExitedEarly),
        ("open('/etc/shadow').read()", CodeOutcome::RuntimeError),
        ("import socket\nsocket.create_connection(('127.0.0.1', 5432), timeout=1)", CodeOutcome::RuntimeError),
        ("def remove_Occ(s, ch):\n    return s", CodeOutcome::WrongAnswer),
        ("def remove_Occ(s, ch)\n    return s", CodeOutcome::SyntaxError),
        ("def remove_Occ(s, ch):\n    return s.replace(ch, '', 1)[::-1].replace(ch, '', 1)[::-1]", CodeOutcome::Passed),
    ];
    let fast = Sandbox::new(
        Isolation::Bubblewrap,
        Limits { cpu_seconds: 2, wall_ms: 4_000, memory_bytes: 512 << 20, ..Limits::default() },
        2,
    )
    .unwrap();
    drop(sb);
    for (body, want) in cases {
        let v = execute(&fast, &fence(body), &case.gold);
        assert_eq!(v.outcome, want, "{body}: {v:?}");
        assert_eq!(v.isolation, "bubblewrap");
    }
    // Answers that try to pass without solving (the outside test's three and
    // two more): the tests are split, so the answer's code never holds an
    // expected value or anything that decides its verdict.
    let cheats = [
        // Walks the stack to the harness for its token, prints it and leaves.
        "import sys, os\ndef remove_Occ(s, ch):\n    f = sys._getframe()\n    while f:\n        for v in list(f.f_locals.values()) + list(f.f_globals.values()):\n            if isinstance(v, str) and v.startswith('TB-PASSED'):\n                sys.stdout.write('\\n' + v + '\\n'); sys.stdout.flush(); os._exit(0)\n        f = f.f_back\n    return s",
        // Reads the harness's files for the token or the expected values.
        "import os, re, sys\nfor name in os.listdir('/sandbox'):\n    text = open('/sandbox/' + name, errors='replace').read()\n    m = re.search(r'TB-PASSED-[0-9a-f]+', text)\n    if m:\n        sys.stdout.write('\\n' + m.group(0) + '\\n'); sys.stdout.flush(); os._exit(0)\ndef remove_Occ(s, ch):\n    return s",
        // An object equal to everything.
        "class Always(str):\n    def __eq__(self, other): return True\n    def __ne__(self, other): return False\n    __hash__ = str.__hash__\ndef remove_Occ(s, ch):\n    return Always(s)",
        // A forged result line, then an early exit.
        "import os, sys\nsys.stdout.write('\\nTB-RESULTS [{\"value\": \"heo\"}]\\n'); sys.stdout.flush(); os._exit(0)\ndef remove_Occ(s, ch):\n    return s",
        // The codec patched to answer one guessed value.
        "import tb_phases\ntb_phases.encode = lambda v, depth=0: 'heo'\ndef remove_Occ(s, ch):\n    return s",
    ];
    for body in cheats {
        let v = execute(&fast, &fence(body), &case.gold);
        assert_ne!(v.outcome, CodeOutcome::Passed, "passed without solving: {body}: {v:?}");
        assert_eq!(v.mode, tb_grade::code::TWO_PHASE, "{v:?}");
    }
}

/// The shapes answers take around their code, each read by the sandbox's
/// parser and graded: unfenced code with prose after it, several blocks (a
/// draft and its correction, a helper and a usage block), fence variants, a
/// body indented with tabs, CRLF line ends.
#[test]
fn realistic_answer_shapes_are_read_and_graded() {
    let Some(sb) = sandbox() else { return };
    let gold = tb_core::Gold {
        data: serde_json::json!({
            "prompt": "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n",
            "tests": "assert add(2, 3) == 5\nassert add(-1, 1) == 0\nassert add(0, 0) == 0\n",
            "entry_point": "add",
        }),
        ..tb_core::Gold::default()
    };
    let cases: &[(&str, &str)] = &[
        (
            "Here is the function:\n\ndef add(a, b):\n    return a + b\n\nThis passes the three tests above.",
            "unfenced_code",
        ),
        ("以下是实现代码：\ndef add(a, b):\n    return a + b\n这段代码通过了上面的三个测试。", "unfenced_code"),
        (
            "First try:\n```python\ndef add(a, b):\n    return a - b\n```\nActually, that's wrong — corrected:\n```python\ndef add(a, b):\n    return a + b\n```",
            "fenced_block_of_2",
        ),
        (
            "```py\ndef helper(x):\n    return x\n```\n\n```python\ndef add(a, b):\n    return helper(a) + b\n```\nUsage:\n```python\nprint(add(2, 3))\n```\n```bash\npython add.py\n```",
            "fenced_block_of_3",
        ),
        ("~~~python\ndef add(a, b):\n    return a + b\n~~~", "fenced_block_defining_entry_point"),
        ("````\ndef add(a, b):\n    return a + b\n````", "fenced_block_defining_entry_point"),
        ("```Python\r\ndef add(a, b):\r\n    return a + b\r\n```\r\n", "fenced_block_defining_entry_point"),
        ("\treturn a + b\n", "unfenced_body"),
        ("Use the + operator:\n\n    def add(a, b):\n        return a + b\n\nIt returns the sum.", "indented_block"),
        ("```python\ndef add(a, b):\n    return a + b\n", "fenced_block_defining_entry_point"),
        // The paragraph introducing a later block says what it is: an
        // alternative keeps the first ("finally" explaining the first block
        // says nothing of the second), a fix replaces it.
        (
            "```python\ndef add(a, b):\n    return a + b\n```\n\nThe function finally returns the sum.\n\n### Another way\nYou could also spell it out:\n```python\ndef add(a, b):\n    return a - b\n```",
            "fenced_block_of_2",
        ),
        (
            "```python\ndef add(a, b):\n    return a - b\n```\n\nAlternatively one might reach for operator.add.\n\nWait, the block above has a bug. Fixed:\n```python\ndef add(a, b):\n    return a + b\n```",
            "fenced_block_of_2",
        ),
        // A later block offered to whoever prefers it, or one the closing
        // words set aside ("I'd stick with the first"), leaves the first
        // standing; "推荐第二种" takes the later one.
        (
            "```python\ndef add(a, b):\n    return a + b\n```\n\nIf you'd rather avoid the operator, this variant does the same:\n\n```python\ndef add(a, b):\n    return sum([a, a])\n```",
            "fenced_block_of_2",
        ),
        (
            "```python\ndef add(a, b):\n    return a + b\n```\n\nA lambda would be shorter:\n\n```python\ndef add(a, b):\n    return (lambda x: x * 2)(a)\n```\n\nStill, I'd stay with the first version for clarity.",
            "fenced_block_of_2",
        ),
        (
            "```python\ndef add(a, b):\n    return a * b\n```\n\n第二种写法：\n\n```python\ndef add(a, b):\n    return a + b\n```\n\n两种都能运行，我更推荐第二种。",
            "fenced_block_of_2",
        ),
        // The same choice in other words: "I'd recommend the latter".
        (
            "```python\ndef add(a, b):\n    return a * b\n```\n\nAnother version:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\nBoth run; I'd recommend the latter.",
            "fenced_block_of_2",
        ),
        // "不过" (however) before the preference negates nothing.
        (
            "```python\ndef add(a, b):\n    return a + b\n```\n\n第二种写法：\n\n```python\ndef add(a, b):\n    return sum((a, a))\n```\n\n两种都能跑，不过我更推荐第一种。",
            "fenced_block_of_2",
        ),
        // A preference negated, or said under a condition, decides nothing.
        (
            "```python\ndef add(a, b):\n    return a - b\n```\n\nOops, that subtracts. Fixed:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\nDon't go with the first one. (If you only ever subtract, stick with the original.)",
            "fenced_block_of_2",
        ),
    ];
    for (answer, how) in cases {
        let v = execute(&sb, answer, &gold);
        assert_eq!(v.outcome, CodeOutcome::Passed, "{answer:?}: {v:?}");
        assert_eq!(v.read, *how, "{answer:?}");
    }
    let v = execute(&sb, "I'd rather not write code for this.", &gold);
    assert_eq!(v.outcome, CodeOutcome::NoCode, "{v:?}");
}
