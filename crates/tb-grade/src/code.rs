//! The `code` grader: the program in a vendor's answer is run against the
//! case's unit tests in the sandbox ([`tb_sandbox`]).
//!
//! Running happens once, when the cell is answered ([`execute`]); its verdict
//! is stored with the cell, and [`CodeGrader`] grades from that verdict, so a
//! report or an auditor's recomputation never runs vendor code again.
//!
//! Outcomes are kept apart ([`CodeOutcome`]): a wrong answer (an assert
//! failed), a syntax error, a crash, a timeout, the memory or output limit,
//! no code in the answer, a program that exited before its tests ran, and a
//! sandbox that could not run it at all.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tb_core::{Gold, Grade};
use tb_sandbox::{Execution, SIGKILL, SIGXCPU, Sandbox, Termination};

use crate::{Grader, Response, strip_reasoning};

/// What `code` needs from a case (`Gold::data`).
#[derive(Debug, Clone, Deserialize)]
pub struct CodeGold {
    /// Text the answer continues (HumanEval's signature and docstring); empty for MBPP.
    #[serde(default)]
    pub prompt: String,
    /// Python run after the solution; passing means it raises nothing.
    pub tests: String,
    /// The function the tests call, used to tell a whole function from a body.
    #[serde(default)]
    pub entry_point: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeOutcome {
    Passed,
    /// A test's assert failed.
    WrongAnswer,
    SyntaxError,
    /// The solution or a test raised something other than AssertionError.
    RuntimeError,
    /// The CPU limit or the wall clock ran out.
    Timeout,
    MemoryLimit,
    OutputLimit,
    /// The answer held no code.
    NoCode,
    /// The program ended without its tests finishing (e.g. `sys.exit(0)` or `os._exit`).
    ExitedEarly,
    /// Killed by a signal other than the CPU limit's (e.g. a segfault).
    Crashed,
    /// The sandbox itself failed; the answer was not judged.
    SandboxError,
}

impl CodeOutcome {
    pub fn code(self) -> &'static str {
        match self {
            CodeOutcome::Passed => "passed",
            CodeOutcome::WrongAnswer => "wrong_answer",
            CodeOutcome::SyntaxError => "syntax_error",
            CodeOutcome::RuntimeError => "runtime_error",
            CodeOutcome::Timeout => "timeout",
            CodeOutcome::MemoryLimit => "memory_limit",
            CodeOutcome::OutputLimit => "output_limit",
            CodeOutcome::NoCode => "no_code",
            CodeOutcome::ExitedEarly => "exited_early",
            CodeOutcome::Crashed => "crashed",
            CodeOutcome::SandboxError => "sandbox_error",
        }
    }
}

/// The stored result of running one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeVerdict {
    pub outcome: CodeOutcome,
    /// The last lines of standard error (the exception), or why it was not run.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    #[serde(default)]
    pub wall_ms: f64,
    /// `bubblewrap` or `rlimit_only`.
    pub isolation: String,
}

pub struct CodeGrader;

impl Grader for CodeGrader {
    fn version(&self) -> u32 {
        1
    }

    fn grade(&self, response: &Response, _gold: &Gold) -> Grade {
        let Some(verdict) = response.verdict else { return Grade::wrong("not_executed") };
        match serde_json::from_value::<CodeVerdict>(verdict.clone()) {
            Ok(v) if v.outcome == CodeOutcome::Passed => Grade::judged(true),
            Ok(v) => Grade::wrong(v.outcome.code()),
            Err(_) => Grade::wrong("invalid_verdict"),
        }
    }

    fn acts_at_run_time(&self) -> bool {
        true
    }
}

/// The harness: runs the solution, then the tests, in one namespace, and
/// tells the outcomes apart by exit status. The line it prints last carries a
/// per-run random token, so a program that exits early cannot pass.
const HARNESS: &str = r#"
import os, sys, traceback
def _tb_main(token):
    here = os.path.dirname(os.path.abspath(__file__))
    solution = open(os.path.join(here, 'solution.py'), encoding='utf-8').read()
    tests = open(os.path.join(here, 'tests.py'), encoding='utf-8').read()
    try:
        compiled = compile(solution, 'solution.py', 'exec')
    except (SyntaxError, ValueError) as e:
        sys.stderr.write('%s: %s\n' % (type(e).__name__, e)); sys.stderr.flush(); os._exit(3)
    namespace = {'__name__': '__solution__'}
    for stage, code in (('solution', compiled), ('tests', None)):
        try:
            if code is None:
                code = compile(tests, 'tests.py', 'exec')
            exec(code, namespace)
        except AssertionError:
            traceback.print_exc(); sys.stderr.flush(); os._exit(4 if stage == 'solution' else 2)
        except MemoryError:
            os._exit(5)
        except BaseException:
            traceback.print_exc(); sys.stderr.flush(); os._exit(4)
    sys.stdout.flush()
    os.write(1, ('\n' + token + '\n').encode())
    os._exit(0)
_tb_main(sys.argv[1] if len(sys.argv) > 1 else TOKEN)
"#;

static FENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?ms)^[ \t]*```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:^[ \t]*```|\z)").expect("valid regex")
});

/// A module-level assignment (`R = 3`), which code often opens with.
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*\s*=[^=]").expect("valid regex")
});

/// The code in an answer: the fenced block that defines the entry point, else
/// every Python (or unlabelled) block joined; an answer without fences is
/// taken from its first line that looks like code.
pub fn extract_code(answer: &str, entry_point: Option<&str>) -> Option<String> {
    let text = strip_reasoning(answer);
    let blocks: Vec<(String, String)> = FENCE
        .captures_iter(&text)
        .map(|c| (c[1].to_ascii_lowercase(), c[2].to_string()))
        .filter(|(lang, _)| matches!(lang.as_str(), "" | "python" | "py" | "python3"))
        .collect();
    if !blocks.is_empty() {
        if let Some(ep) = entry_point {
            let def = format!("def {ep}(");
            if let Some((_, code)) = blocks.iter().find(|(_, code)| code.contains(&def)) {
                return Some(code.clone());
            }
        }
        let joined = blocks.into_iter().map(|(_, c)| c).collect::<Vec<_>>().join("\n\n");
        return (!joined.trim().is_empty()).then_some(joined);
    }
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| {
        let t = l.trim_start();
        ["def ", "import ", "from ", "class ", "@", "return ", "for ", "if ", "while "].iter().any(|p| t.starts_with(p))
            || (l.starts_with("    ") && !t.is_empty())
            || ASSIGNMENT.is_match(l)
    })?;
    Some(lines[start..].join("\n"))
}

/// The solution file: for a case with a prompt to continue, the prompt and
/// then either the whole function the answer wrote (which redefines the
/// prompt's) or the body it wrote.
pub fn solution(gold: &CodeGold, code: &str) -> String {
    if gold.prompt.is_empty() {
        return code.to_string();
    }
    let whole_function = gold.entry_point.as_deref().is_some_and(|ep| code.contains(&format!("def {ep}(")));
    if whole_function {
        return format!("{}\n\n{code}\n", gold.prompt);
    }
    // A body written flush left is indented into the function.
    let first = code.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let body = if first.starts_with(' ') || first.starts_with('\t') {
        code.to_string()
    } else {
        code.lines()
            .map(|l| if l.is_empty() { String::new() } else { format!("    {l}") })
            .collect::<Vec<_>>()
            .join("\n")
    };
    format!("{}{body}\n", gold.prompt)
}

/// The files of one test program: `main.py` (the harness), `solution.py`
/// and `tests.py`, and the token its passing run prints last.
pub struct Program {
    pub files: [(&'static str, String); 3],
    pub token: String,
}

/// Builds the test program for an answer, or says why there is none.
pub fn program(answer: &str, gold: &Gold) -> Result<Program, (CodeOutcome, String)> {
    let code_gold: CodeGold = serde_json::from_value(gold.data.clone())
        .map_err(|e| (CodeOutcome::SandboxError, format!("the case has no unit tests: {e}")))?;
    let code = extract_code(answer, code_gold.entry_point.as_deref()).ok_or((CodeOutcome::NoCode, String::new()))?;
    let token = format!("TB-PASSED-{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
    let harness = HARNESS.replace("TOKEN", &format!("{token:?}"));
    let files = [("main.py", harness), ("solution.py", solution(&code_gold, &code)), ("tests.py", code_gold.tests)];
    Ok(Program { files, token })
}

/// Runs an answer against the case's tests; the verdict is stored with the cell.
pub fn execute(sandbox: &Sandbox, answer: &str, gold: &Gold) -> CodeVerdict {
    let isolation = sandbox.isolation().name().to_string();
    let verdict =
        |outcome, detail: String, wall_ms| CodeVerdict { outcome, detail, wall_ms, isolation: isolation.clone() };
    let p = match program(answer, gold) {
        Ok(p) => p,
        Err((outcome, detail)) => return verdict(outcome, detail, 0.0),
    };
    let files: Vec<(&str, &[u8])> = p.files.iter().map(|(name, text)| (*name, text.as_bytes())).collect();
    match sandbox.run_python(&files, "main.py") {
        Ok(e) => {
            let (outcome, detail) = classify(&e, &p.token);
            verdict(outcome, detail, e.wall_ms)
        }
        Err(e) => verdict(CodeOutcome::SandboxError, e.to_string(), 0.0),
    }
}

fn classify(e: &Execution, token: &str) -> (CodeOutcome, String) {
    let stderr = String::from_utf8_lossy(&e.stderr);
    let tail =
        stderr.trim_end().lines().rev().take(3).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
    let outcome = match e.termination {
        Termination::Exited(0) => {
            let out = String::from_utf8_lossy(&e.stdout);
            if out.trim_end().ends_with(token) { CodeOutcome::Passed } else { CodeOutcome::ExitedEarly }
        }
        Termination::Exited(2) => CodeOutcome::WrongAnswer,
        Termination::Exited(3) => CodeOutcome::SyntaxError,
        Termination::Exited(4) if stderr.contains("MemoryError") => CodeOutcome::MemoryLimit,
        Termination::Exited(4) => CodeOutcome::RuntimeError,
        Termination::Exited(5) => CodeOutcome::MemoryLimit,
        Termination::Exited(1) if stderr.starts_with("bwrap:") || stderr.starts_with("prlimit:") => {
            CodeOutcome::SandboxError
        }
        Termination::Exited(_) => CodeOutcome::ExitedEarly,
        Termination::Signalled(SIGXCPU) | Termination::Signalled(SIGKILL) | Termination::WallTimeout => {
            CodeOutcome::Timeout
        }
        Termination::Signalled(_) => CodeOutcome::Crashed,
        Termination::OutputLimit => CodeOutcome::OutputLimit,
    };
    (outcome, tail.chars().take(500).collect())
}

/// The verdict as stored JSON.
pub fn verdict_json(v: &CodeVerdict) -> Value {
    serde_json::to_value(v).unwrap_or_else(|_| json!({ "outcome": "sandbox_error" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_found_in_zh_and_en_prose() {
        let a = "好的，下面是实现：\n```python\ndef add(a, b):\n    return a + b\n```\n这个函数返回两数之和。";
        assert_eq!(extract_code(a, Some("add")).unwrap(), "def add(a, b):\n    return a + b\n");
        let b = "Here is a helper:\n```python\nimport math\n```\nand the function:\n```py\ndef f(x):\n    return math.sqrt(x)\n```";
        assert_eq!(extract_code(b, Some("g")).unwrap(), "import math\n\n\ndef f(x):\n    return math.sqrt(x)\n");
        let c = "```\ndef f():\n    return 1\n";
        assert_eq!(extract_code(c, Some("f")).unwrap(), "def f():\n    return 1\n");
        let d = "Sure!\ndef f():\n    return 1";
        assert_eq!(extract_code(d, None).unwrap(), "def f():\n    return 1");
        assert_eq!(extract_code("I cannot write this code.", None), None);
        let e = "<think>```python\ndef f(): pass\n```</think>```python\ndef f():\n    return 2\n```";
        assert_eq!(extract_code(e, Some("f")).unwrap(), "def f():\n    return 2\n");
        let js = "```javascript\nfunction f() {}\n```";
        assert_eq!(extract_code(js, None), None);
    }

    #[test]
    fn bodies_and_whole_functions_both_complete_the_prompt() {
        let g = CodeGold {
            prompt: "def f(x):\n    \"\"\"doc\"\"\"\n".into(),
            tests: String::new(),
            entry_point: Some("f".into()),
        };
        assert_eq!(solution(&g, "    return x\n"), "def f(x):\n    \"\"\"doc\"\"\"\n    return x\n\n");
        assert_eq!(solution(&g, "return x"), "def f(x):\n    \"\"\"doc\"\"\"\n    return x\n");
        assert!(solution(&g, "def f(x):\n    return x").ends_with("\n\ndef f(x):\n    return x\n"));
    }

    #[test]
    fn grades_come_from_the_stored_verdict() {
        let passed = json!({ "outcome": "passed", "isolation": "bubblewrap" });
        let timeout = json!({ "outcome": "timeout", "isolation": "bubblewrap" });
        let gold = Gold::default();
        let r = |v| Response { text: "", tool_calls: None, verdict: v, metric: "" };
        assert!(CodeGrader.grade(&r(Some(&passed)), &gold).correct);
        assert_eq!(CodeGrader.grade(&r(Some(&timeout)), &gold).note.as_deref(), Some("timeout"));
        assert_eq!(CodeGrader.grade(&r(None), &gold).note.as_deref(), Some("not_executed"));
    }
}
