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
    /// How the program was found in the answer (`fenced_block_defining_entry_point`,
    /// `unfenced_code`, `unfenced_body`, …; see `code_extract.py`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub read: String,
}

pub struct CodeGrader;

impl Grader for CodeGrader {
    fn version(&self) -> u32 {
        1
    }

    fn grade(&self, response: &Response, _gold: &Gold) -> Grade {
        let Some(verdict) = response.verdict else { return Grade::wrong("not_executed") };
        match serde_json::from_value::<CodeVerdict>(verdict.clone()) {
            Ok(v) => {
                let how = (!v.read.is_empty()).then(|| v.read.clone());
                if v.outcome == CodeOutcome::Passed {
                    Grade { how, ..Grade::judged(true) }
                } else {
                    Grade { how, ..Grade::wrong(v.outcome.code()) }
                }
            }
            Err(_) => Grade::wrong("invalid_verdict"),
        }
    }

    fn acts_at_run_time(&self) -> bool {
        true
    }
}

/// The harness: finds the program in the answer with Python's own parser
/// (`code_extract.py`, as `tb_extract.py`), completes the prompt with it, runs
/// it and then the tests in one namespace, and tells the outcomes apart by exit
/// status. Its first line of output says how the program was read; the line it
/// prints last carries a per-run random token, so a program that exits early
/// cannot pass.
const HARNESS: &str = r#"
import ast, json, os, sys, traceback
def _tb_main(token):
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    import tb_extract
    del sys.path[0]
    meta = json.load(open(os.path.join(here, 'meta.json'), encoding='utf-8'))
    answer = open(os.path.join(here, 'answer.txt'), encoding='utf-8', errors='replace').read()
    entry = meta.get('entry_point')
    code, how = tb_extract.extract(answer, entry)
    if '--extract' in sys.argv:
        sys.stdout.write(json.dumps({'program': code, 'how': how}) + '\n'); sys.stdout.flush(); os._exit(0)
    sys.stdout.write('TB-READ ' + how + '\n'); sys.stdout.flush()
    if code is None:
        os._exit(6)
    prompt = meta.get('prompt') or ''
    if prompt:
        tree = None
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError):
            pass
        whole = tree is not None and entry is not None and entry in tb_extract.defined(tree)
        # A whole function redefines the prompt's; a body completes it.
        code = prompt + '\n\n' + code if whole else prompt + tb_extract.indent_body(code)
    tests = open(os.path.join(here, 'tests.py'), encoding='utf-8').read()
    try:
        compiled = compile(code, 'solution.py', 'exec')
    except (SyntaxError, ValueError) as e:
        sys.stderr.write('%s: %s\n' % (type(e).__name__, e)); sys.stderr.flush(); os._exit(3)
    namespace = {'__name__': '__solution__'}
    for stage, unit in (('solution', compiled), ('tests', None)):
        try:
            if unit is None:
                unit = compile(tests, 'tests.py', 'exec')
            exec(unit, namespace)
        except AssertionError:
            traceback.print_exc(); sys.stderr.flush(); os._exit(4 if stage == 'solution' else 2)
        except MemoryError:
            os._exit(5)
        except BaseException:
            traceback.print_exc(); sys.stderr.flush(); os._exit(4)
    sys.stdout.flush()
    os.write(1, ('\n' + token + '\n').encode())
    os._exit(0)
_tb_main(sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] != '--extract' else TOKEN)
"#;

/// The extractor the harness imports: Python's parser finds the program.
const EXTRACTOR: &str = include_str!("code_extract.py");

/// Answers longer than this are cut before the sandbox reads them: no program
/// a test needs is this long, and the sandbox's disk is small.
const ANSWER_LIMIT: usize = 256 * 1024;

/// The files of one test program: `main.py` (the harness), `tb_extract.py`,
/// `answer.txt`, `meta.json` and `tests.py`, and the token its passing run prints last.
pub struct Program {
    pub files: [(&'static str, String); 5],
    pub token: String,
}

/// Builds the test program for an answer, or says why there is none.
pub fn program(answer: &str, gold: &Gold) -> Result<Program, (CodeOutcome, String)> {
    let code_gold: CodeGold = serde_json::from_value(gold.data.clone())
        .map_err(|e| (CodeOutcome::SandboxError, format!("the case has no unit tests: {e}")))?;
    let text = strip_reasoning(answer);
    if text.trim().is_empty() {
        return Err((CodeOutcome::NoCode, String::new()));
    }
    let text = crate::read::bounded_to(&text, ANSWER_LIMIT);
    let token = format!("TB-PASSED-{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
    let harness = HARNESS.replace("TOKEN", &format!("{token:?}"));
    let meta = json!({ "prompt": code_gold.prompt, "entry_point": code_gold.entry_point }).to_string();
    let files = [
        ("main.py", harness),
        ("tb_extract.py", EXTRACTOR.to_string()),
        ("answer.txt", text.into_owned()),
        ("meta.json", meta),
        ("tests.py", code_gold.tests),
    ];
    Ok(Program { files, token })
}

/// The program the sandbox's parser reads from an answer, and how, without
/// running it: what `execute` would run (before the prompt is completed).
pub fn read_program(sandbox: &Sandbox, answer: &str, gold: &Gold) -> Result<(Option<String>, String), String> {
    let p = match program(answer, gold) {
        Ok(p) => p,
        Err((CodeOutcome::NoCode, _)) => return Ok((None, "no_code".into())),
        Err((_, why)) => return Err(why),
    };
    let files: Vec<(&str, &[u8])> = p.files.iter().map(|(name, text)| (*name, text.as_bytes())).collect();
    let e = sandbox.run_python_args(&files, "main.py", &["--extract"]).map_err(|e| e.to_string())?;
    let out = String::from_utf8_lossy(&e.stdout);
    let v: Value = serde_json::from_str(out.lines().next().unwrap_or(""))
        .map_err(|err| format!("the extractor said {out:?} ({err}); stderr: {}", String::from_utf8_lossy(&e.stderr)))?;
    Ok((v["program"].as_str().map(str::to_string), v["how"].as_str().unwrap_or("").to_string()))
}

/// Runs an answer against the case's tests; the verdict is stored with the cell.
pub fn execute(sandbox: &Sandbox, answer: &str, gold: &Gold) -> CodeVerdict {
    let isolation = sandbox.isolation().name().to_string();
    let verdict = |outcome, detail: String, wall_ms| CodeVerdict {
        outcome,
        detail,
        wall_ms,
        isolation: isolation.clone(),
        read: String::new(),
    };
    let p = match program(answer, gold) {
        Ok(p) => p,
        Err((outcome, detail)) => return verdict(outcome, detail, 0.0),
    };
    let files: Vec<(&str, &[u8])> = p.files.iter().map(|(name, text)| (*name, text.as_bytes())).collect();
    match sandbox.run_python(&files, "main.py") {
        Ok(e) => {
            let (outcome, detail) = classify(&e, &p.token);
            // The harness's first line, written before the answer's code ran.
            let out = String::from_utf8_lossy(&e.stdout);
            let read = out.lines().next().and_then(|l| l.strip_prefix("TB-READ ")).unwrap_or("").trim().to_string();
            CodeVerdict { read: read.chars().take(64).collect(), ..verdict(outcome, detail, e.wall_ms) }
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
        Termination::Exited(6) => CodeOutcome::NoCode,
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
    fn the_program_files_carry_the_answer_and_the_case() {
        let gold = Gold {
            data: json!({ "prompt": "def f(x):\n", "tests": "assert f(1) == 1", "entry_point": "f" }),
            ..Gold::default()
        };
        let p = program("<think>draft</think>\n```python\ndef f(x):\n    return x\n```", &gold).unwrap();
        let file = |name: &str| &p.files.iter().find(|(n, _)| *n == name).unwrap().1;
        assert!(file("main.py").contains(&p.token));
        assert!(!file("answer.txt").contains("draft"), "reasoning is not the answer");
        assert_eq!(serde_json::from_str::<Value>(file("meta.json")).unwrap()["entry_point"], "f");
        assert_eq!(file("tests.py"), "assert f(1) == 1");
        assert!(matches!(program("<think>only thinking</think>", &gold), Err((CodeOutcome::NoCode, _))));
        // A 10 MB answer reaches the sandbox cut to size.
        let huge = "x = 1\n".repeat(2_000_000);
        assert!(file_len(&program(&huge, &gold).unwrap(), "answer.txt") <= ANSWER_LIMIT + 8);
    }

    fn file_len(p: &Program, name: &str) -> usize {
        p.files.iter().find(|(n, _)| *n == name).unwrap().1.len()
    }

    #[test]
    fn grades_come_from_the_stored_verdict() {
        let passed = json!({ "outcome": "passed", "isolation": "bubblewrap" });
        let timeout = json!({ "outcome": "timeout", "isolation": "bubblewrap" });
        let gold = Gold::default();
        let r = |v| Response { text: "", tool_calls: None, verdict: v, metric: "", ..Response::text("") };
        assert!(CodeGrader.grade(&r(Some(&passed)), &gold).correct);
        assert_eq!(CodeGrader.grade(&r(Some(&timeout)), &gold).note.as_deref(), Some("timeout"));
        assert_eq!(CodeGrader.grade(&r(None), &gold).note.as_deref(), Some("not_executed"));
    }
}
