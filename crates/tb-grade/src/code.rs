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

pub mod langs;

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
    /// The answer's language (`code::langs::Language`); Python when absent.
    #[serde(default)]
    pub language: Option<String>,
    /// A fill-in-the-middle task's code after the gap: the program is
    /// `prompt + answer + suffix`.
    #[serde(default)]
    pub suffix: Option<String>,
    /// What a Go test file starts with (its package and imports).
    #[serde(default)]
    pub test_setup: String,
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
    /// The answer reaches for what ends the process or runs outside the
    /// tests (an exit, a constructor, a replaced assert), in a language whose
    /// tests share its process.
    ForbiddenCall,
    /// The sandbox itself failed; the answer was not judged.
    SandboxError,
    /// The language's toolchain is not installed here; the answer was not judged.
    NotAvailable,
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
            CodeOutcome::ForbiddenCall => "forbidden_call",
            CodeOutcome::SandboxError => "sandbox_error",
            CodeOutcome::NotAvailable => "not_available",
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
    /// `two_phase` (the answer ran on the tests' inputs only and the tests
    /// judged its recorded results in a sandbox without its code), or
    /// `single_process` (tests that could not be split, run the old way:
    /// the answer and the tests in one process). Empty in older verdicts.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mode: String,
}

/// How a verdict says its tests were run.
pub const TWO_PHASE: &str = "two_phase";
pub const SINGLE_PROCESS: &str = "single_process";

pub struct CodeGrader;

impl Grader for CodeGrader {
    fn version(&self) -> u32 {
        // 3: a markdown code block indented four spaces that defines the
        // entry point is read dedented, not as a body completing the prompt.
        // 4: of two blocks defining the entry point, the paragraph introducing
        // the later one says whether it is an alternative ("另一种写法") or a
        // correction; an explanation of the first no longer decides.
        // 5: a later block offered to whoever prefers it ("If you'd rather…",
        // "this variant", "如果你更喜欢…") is an alternative; the answer's
        // closing choice ("I'd go with the first one", "我更推荐第二种") decides.
        5
    }

    fn grade(&self, response: &Response, _gold: &Gold) -> Grade {
        let Some(verdict) = response.verdict else { return Grade::wrong("not_executed") };
        match serde_json::from_value::<CodeVerdict>(verdict.clone()) {
            Ok(v) => {
                // A verdict of tests the code could reach says so.
                let how = match (v.read.is_empty(), v.mode == SINGLE_PROCESS) {
                    (true, false) => None,
                    (false, false) => Some(v.read.clone()),
                    (true, true) => Some(SINGLE_PROCESS.to_string()),
                    (false, true) => Some(format!("{}; {SINGLE_PROCESS}", v.read)),
                };
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
    complete = False
    if meta.get('suffix') is not None:
        code, how = tb_extract.infill(answer, meta.get('prompt') or '', meta['suffix'], entry)
        complete = True
    else:
        code, how = tb_extract.extract(answer, entry)
    if '--extract' in sys.argv:
        sys.stdout.write(json.dumps({'program': code, 'how': how}) + '\n'); sys.stdout.flush(); os._exit(0)
    sys.stdout.write('TB-READ ' + how + '\n'); sys.stdout.flush()
    if code is None:
        os._exit(6)
    prompt = meta.get('prompt') or ''
    if prompt and not complete:
        tree = None
        try:
            tree = ast.parse(code)
        except (SyntaxError, ValueError):
            pass
        whole = tree is not None and entry is not None and entry in tb_extract.defined(tree)
        # A whole function redefines the prompt's; a body completes it.
        code = prompt + '\n\n' + code if whole else prompt + tb_extract.indent_body(code)
    try:
        compiled = compile(code, 'solution.py', 'exec')
    except (SyntaxError, ValueError) as e:
        sys.stderr.write('%s: %s\n' % (type(e).__name__, e)); sys.stderr.flush(); os._exit(3)
    if '--answer' in sys.argv:
        _tb_answer(here, compiled, entry)
    tests = open(os.path.join(here, 'tests.py'), encoding='utf-8').read()
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
def _tb_answer(here, compiled, entry):
    # Phase one of two: the planned calls, each result as plain data. The
    # tests and their expected values are not in this sandbox.
    sys.path.insert(0, here)
    import tb_phases
    del sys.path[0]
    encode, decode = tb_phases.encode, tb_phases.decode
    planned = json.load(open(os.path.join(here, 'plan.json'), encoding='utf-8'))
    namespace = {'__name__': '__solution__'}
    try:
        exec(compiled, namespace)
    except MemoryError:
        os._exit(5)
    except BaseException:
        traceback.print_exc(); sys.stderr.flush(); os._exit(4)
    fn = namespace.get(entry)
    if not callable(fn):
        sys.stderr.write('NameError: the answer defines no %s\n' % entry); sys.stderr.flush(); os._exit(4)
    results = []
    for args, kwargs in planned:
        try:
            value = fn(*decode(args), **decode(kwargs))
        except BaseException as e:
            results.append({'error': type(e).__name__}); continue
        try:
            results.append({'value': encode(value)})
        except (TypeError, ValueError, RecursionError) as e:
            results.append({'error': 'NotPlainData', 'detail': str(e)[:100]})
    os.write(1, ('\nTB-RESULTS ' + json.dumps(results) + '\n').encode())
    os._exit(0)
_tb_main(sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] not in ('--extract', '--answer') else TOKEN)
"#;

/// The extractor the harness imports: Python's parser finds the program.
const EXTRACTOR: &str = include_str!("code_extract.py");

/// The two phases' plan and judge, and the plain-data codec the answer phase imports.
const PHASES: &str = include_str!("code_phases.py");

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
    // A fill-in-the-middle gap may be whitespace alone; any other answer needs code.
    if text.trim().is_empty() && code_gold.suffix.is_none() {
        return Err((CodeOutcome::NoCode, String::new()));
    }
    let text = crate::read::bounded_to(&text, ANSWER_LIMIT);
    let token = format!("TB-PASSED-{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
    let harness = HARNESS.replace("TOKEN", &format!("{token:?}"));
    let meta = json!({ "prompt": code_gold.prompt, "entry_point": code_gold.entry_point, "suffix": code_gold.suffix })
        .to_string();
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
///
/// In two phases where the tests allow (see `code_phases.py`): the tests are
/// run once without the answer to learn every call's arguments; the answer
/// runs on those arguments alone, its results recorded as plain data; the
/// tests then judge the recorded results in a sandbox that never loads the
/// answer. Its code never holds an expected value, a token or the tests, so
/// walking the stack, reading the harness or returning an always-equal
/// object gains nothing. Tests that cannot be split so (they call other
/// functions of the answer, or call it on values it returned) run the old
/// way, and the verdict says `single_process`.
pub fn execute(sandbox: &Sandbox, answer: &str, gold: &Gold) -> CodeVerdict {
    let isolation = sandbox.isolation().name().to_string();
    let verdict = |outcome, detail: String, wall_ms| CodeVerdict {
        outcome,
        detail,
        wall_ms,
        isolation: isolation.clone(),
        read: String::new(),
        mode: String::new(),
    };
    if let Some(other) = other_language(gold) {
        return match other {
            Ok((code_gold, language)) => {
                let text = strip_reasoning(answer);
                let text = crate::read::bounded_to(&text, ANSWER_LIMIT);
                langs::execute(sandbox, &text, &code_gold, language)
            }
            Err(why) => verdict(CodeOutcome::SandboxError, why, 0.0),
        };
    }
    let p = match program(answer, gold) {
        Ok(p) => p,
        Err((outcome, detail)) => return verdict(outcome, detail, 0.0),
    };
    let file = |name: &str| p.files.iter().find(|(n, _)| *n == name).map(|(_, t)| t.as_bytes()).unwrap_or_default();
    let mut wall_ms = 0.0;
    // Phase zero: the calls, from the tests alone.
    let plan_files =
        [("tb_phases.py", PHASES.as_bytes()), ("meta.json", file("meta.json")), ("tests.py", file("tests.py"))];
    let plan = match sandbox.run_python_args(&plan_files, "tb_phases.py", &["plan"]) {
        Ok(e) => {
            wall_ms += e.wall_ms;
            let out = String::from_utf8_lossy(&e.stdout);
            out.lines().rev().find_map(|l| l.strip_prefix("TB-PLAN ")).map(str::to_string)
        }
        Err(e) => return verdict(CodeOutcome::SandboxError, e.to_string(), 0.0),
    };
    if let Some(plan) = plan {
        // Phase one: the answer on the planned arguments; no tests in this sandbox.
        let answer_files = [
            ("main.py", file("main.py")),
            ("tb_extract.py", file("tb_extract.py")),
            ("tb_phases.py", PHASES.as_bytes()),
            ("answer.txt", file("answer.txt")),
            ("meta.json", file("meta.json")),
            ("plan.json", plan.as_bytes()),
        ];
        let answered = match sandbox.run_python_args(&answer_files, "main.py", &["--answer"]) {
            Ok(e) => e,
            Err(e) => return verdict(CodeOutcome::SandboxError, e.to_string(), wall_ms),
        };
        wall_ms += answered.wall_ms;
        let out = String::from_utf8_lossy(&answered.stdout);
        let read = out.lines().next().and_then(|l| l.strip_prefix("TB-READ ")).unwrap_or("").trim();
        let read: String = read.chars().take(64).collect();
        let results = out.lines().rev().find_map(|l| l.strip_prefix("TB-RESULTS ")).map(str::to_string);
        let two_phase = |outcome, detail, wall_ms| CodeVerdict {
            read: read.clone(),
            mode: TWO_PHASE.into(),
            ..verdict(outcome, detail, wall_ms)
        };
        let Some(results) = results.filter(|_| answered.termination == Termination::Exited(0)) else {
            let (outcome, detail) = classify(&answered, "");
            let outcome = if outcome == CodeOutcome::Passed { CodeOutcome::ExitedEarly } else { outcome };
            return two_phase(outcome, detail, wall_ms);
        };
        // Phase two: the tests judge the recorded results; the answer's code is not here.
        let judge_files = [
            ("tb_phases.py", PHASES.as_bytes()),
            ("meta.json", file("meta.json")),
            ("tests.py", file("tests.py")),
            ("plan.json", plan.as_bytes()),
            ("results.json", results.as_bytes()),
        ];
        match sandbox.run_python_args(&judge_files, "tb_phases.py", &["judge"]) {
            Ok(e) => {
                wall_ms += e.wall_ms;
                let stderr = String::from_utf8_lossy(&e.stderr).trim().chars().take(500).collect::<String>();
                match e.termination {
                    Termination::Exited(0) => return two_phase(CodeOutcome::Passed, String::new(), wall_ms),
                    Termination::Exited(2) => return two_phase(CodeOutcome::WrongAnswer, stderr, wall_ms),
                    Termination::Exited(4) => return two_phase(CodeOutcome::RuntimeError, stderr, wall_ms),
                    // Calls the plan did not foresee: these tests run the old way.
                    Termination::Exited(7) => {}
                    _ => return two_phase(CodeOutcome::SandboxError, stderr, wall_ms),
                }
            }
            Err(e) => return verdict(CodeOutcome::SandboxError, e.to_string(), wall_ms),
        }
    }
    let files: Vec<(&str, &[u8])> = p.files.iter().map(|(name, text)| (*name, text.as_bytes())).collect();
    match sandbox.run_python(&files, "main.py") {
        Ok(e) => {
            let (outcome, detail) = classify(&e, &p.token);
            // The harness's first line, written before the answer's code ran.
            let out = String::from_utf8_lossy(&e.stdout);
            let read = out.lines().next().and_then(|l| l.strip_prefix("TB-READ ")).unwrap_or("").trim().to_string();
            CodeVerdict {
                read: read.chars().take(64).collect(),
                mode: SINGLE_PROCESS.into(),
                ..verdict(outcome, detail, wall_ms + e.wall_ms)
            }
        }
        Err(e) => verdict(CodeOutcome::SandboxError, e.to_string(), wall_ms),
    }
}

/// A case in a language other than Python, with its tests, or why it cannot be run.
fn other_language(gold: &Gold) -> Option<Result<(CodeGold, langs::Language), String>> {
    let name = gold.data.get("language").and_then(Value::as_str)?;
    let language = match langs::Language::parse(name) {
        Some(langs::Language::Python) => return None,
        Some(language) => language,
        None => return Some(Err(format!("the code grader runs no language {name:?}"))),
    };
    Some(
        serde_json::from_value::<CodeGold>(gold.data.clone())
            .map(|g| (g, language))
            .map_err(|e| format!("the case has no unit tests: {e}")),
    )
}

fn classify(e: &Execution, token: &str) -> (CodeOutcome, String) {
    let stderr = String::from_utf8_lossy(&e.stderr);
    let tail =
        stderr.trim_end().lines().rev().take(3).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
    let outcome = match e.termination {
        Termination::Exited(0) => {
            let out = String::from_utf8_lossy(&e.stdout);
            if !token.is_empty() && out.trim_end().ends_with(token) {
                CodeOutcome::Passed
            } else {
                CodeOutcome::ExitedEarly
            }
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
