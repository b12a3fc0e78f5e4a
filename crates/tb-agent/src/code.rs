//! The programming environment (`env = "code"`): a small repository with
//! failing tests, reached through `list_files`, `read_file`, `write_file`
//! and `run_tests`. Tests run in the sandbox, never on the host; the
//! repository itself lives in memory, so nothing the agent writes touches
//! the host's disk outside the sandbox's own temporary directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tb_sandbox::host::{java_config_dirs, junit5_jar, program_under_usr};
use tb_sandbox::{Sandbox, Termination};

use crate::env::{Effect, Environment, Rejection, str_arg};
pub use tb_task::code::{Lang, system_prompt, tools};

/// Largest file the agent may write, and most files in a repository.
const MAX_FILE_BYTES: usize = 256 * 1024;
const MAX_FILES: usize = 200;
/// The tail of a test run's output returned to the agent.
const OUTPUT_TAIL: usize = 4000;

/// How a test run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestRun {
    /// Every test the test files define reported its own pass, and nothing
    /// in the source reached into the test machinery.
    pub passed: bool,
    /// The last lines of the runner's output.
    pub output: String,
    /// Each test's own result, by id (`tests.test_fees.FeeTest.test_zero`, `fees::zero`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tests: Vec<TestOutcome>,
    /// Where the source reaches into the test machinery (patches unittest,
    /// exits the process, runs code outside the tests): `path:line: what`.
    /// Flagged like an edit of the test files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub machinery: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestOutcome {
    pub id: String,
    pub passed: bool,
}

/// One task's repository.
pub struct Repo {
    files: BTreeMap<String, String>,
    /// The visible tests as the task gave them: the agent may not change them.
    tests: BTreeMap<String, String>,
    lang: Lang,
    sandbox: Arc<Sandbox>,
    /// The Rust toolchain made visible in the sandbox (Rust tasks only).
    rust_sysroot: Option<PathBuf>,
}

impl Repo {
    pub fn new(
        files: BTreeMap<String, String>,
        test_files: &[String],
        lang: Lang,
        sandbox: Arc<Sandbox>,
        rust_sysroot: Option<PathBuf>,
    ) -> Self {
        // Everything under tests/ is the task's too: a new file there could
        // patch the test framework, which is no fix.
        let tests = files
            .iter()
            .filter(|(path, _)| test_files.contains(path) || is_under_tests(path))
            .map(|(p, c)| (p.clone(), c.clone()))
            .collect();
        Repo { files, tests, lang, sandbox, rust_sysroot }
    }

    /// True when a visible test file differs from the task's or is gone.
    pub fn tests_modified(&self) -> bool {
        self.tests.iter().any(|(path, content)| self.files.get(path) != Some(content))
    }

    /// Runs the tests on the current files, with `extra` files (the hidden
    /// tests) added. Blocks for the sandbox run. An error is this machine's
    /// (no toolchain, a sandbox that cannot start), not the agent's.
    pub fn run_tests_with(&self, extra: &BTreeMap<String, String>) -> Result<TestRun, String> {
        let mut files: Vec<(String, Vec<u8>)> =
            self.files.iter().chain(extra).map(|(p, c)| (format!("repo/{p}"), c.clone().into_bytes())).collect();
        let driver = test_driver(self.lang, self.rust_sysroot.as_deref())?;
        files.push(("run_tests.py".into(), driver.script.into_bytes()));
        match self.lang {
            Lang::Python => files.push(("unit_child.py".into(), UNIT_CHILD.as_bytes().to_vec())),
            _ => files.push(("tb_harness.py".into(), HARNESS.as_bytes().to_vec())),
        }
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, c)| (p.as_str(), c.as_slice())).collect();
        match self.sandbox.run_python_with(&refs, "run_tests.py", &driver.read_only) {
            Ok(run) => {
                let mut output = String::from_utf8_lossy(&run.stdout).into_owned();
                output.push_str(&String::from_utf8_lossy(&run.stderr));
                let note = match run.termination {
                    Termination::Exited(_) => String::new(),
                    Termination::WallTimeout => "\n[tests stopped: wall-clock limit]".into(),
                    Termination::OutputLimit => "\n[tests stopped: output limit]".into(),
                    Termination::Signalled(sig) => format!("\n[tests killed by signal {sig}]"),
                };
                output.push_str(&note);
                let verdict = driver_verdict(&String::from_utf8_lossy(&run.stdout)).unwrap_or_default();
                Ok(TestRun {
                    passed: run.termination == Termination::Exited(0) && verdict.passed,
                    output: tail(&output, OUTPUT_TAIL),
                    tests: verdict.tests,
                    machinery: verdict.machinery,
                })
            }
            Err(e) => Err(format!("the sandbox failed: {e}")),
        }
    }

    fn write(&mut self, args: &Map<String, Value>) -> Result<Effect, Rejection> {
        let path = str_arg(args, "path")?;
        let content = str_arg(args, "content")?;
        let clean = !path.is_empty()
            && !path.starts_with('/')
            && !path.contains('\\')
            && path.split('/').all(|part| !part.is_empty() && part != "." && part != "..");
        if !clean {
            return Err(Rejection::new(format!("{path:?} is not a relative path inside the repository")));
        }
        if self.tests.contains_key(path) || is_under_tests(path) {
            return Err(Rejection::violation(
                "modified_tests",
                format!("{path} is a test file of the task and may not be changed; fix the code instead"),
            ));
        }
        if content.len() > MAX_FILE_BYTES {
            return Err(Rejection::new(format!("a file may hold at most {MAX_FILE_BYTES} bytes")));
        }
        if !self.files.contains_key(path) && self.files.len() >= MAX_FILES {
            return Err(Rejection::new(format!("a repository may hold at most {MAX_FILES} files")));
        }
        self.files.insert(path.to_string(), content.to_string());
        Ok(Effect::write(json!({ "written": path, "bytes": content.len() })))
    }
}

/// A language's test driver, with the host paths it names filled in, and
/// the host directories the sandbox must show it.
pub struct TestDriver {
    script: String,
    read_only: Vec<PathBuf>,
}

/// The test driver for `lang` on this machine, or what is missing: the
/// machine's fault, never the agent's, so episodes check it before they start.
pub fn test_driver(lang: Lang, rust_sysroot: Option<&Path>) -> Result<TestDriver, String> {
    let missing = |what: &str, debian: &str| format!("a {lang:?} task needs {what} on this machine (Debian: {debian})");
    let path = |p: &Path| p.to_string_lossy().into_owned();
    match lang {
        Lang::Python => Ok(TestDriver { script: PYTHON_DRIVER.into(), read_only: Vec::new() }),
        Lang::Rust => {
            let sysroot = rust_sysroot.ok_or_else(|| missing("a Rust toolchain (rustc)", "rustc"))?;
            // `/usr/bin/cc` is a link through `/etc/alternatives`, and the sandbox has no `/etc`.
            let linker = program_under_usr("cc").ok_or_else(|| missing("a C linker (cc)", "gcc"))?;
            Ok(TestDriver {
                script: RUST_DRIVER
                    .replace("@RUSTC@", &path(&sysroot.join("bin/rustc")))
                    .replace("@LINKER@", &path(&linker)),
                read_only: vec![sysroot.to_path_buf()],
            })
        }
        Lang::Java => {
            let jdk = "openjdk-17-jdk-headless";
            let javac = program_under_usr("javac").ok_or_else(|| missing("javac", jdk))?;
            let java = program_under_usr("java").ok_or_else(|| missing("java", jdk))?;
            let junit = junit5_jar().ok_or_else(|| missing("JUnit 5", "junit5"))?;
            Ok(TestDriver {
                script: JAVA_DRIVER
                    .replace("@JAVAC@", &path(&javac))
                    .replace("@JAVA@", &path(&java))
                    .replace("@JUNIT@", &path(&junit)),
                read_only: java_config_dirs(),
            })
        }
        Lang::JavaScript => {
            let node = program_under_usr("node").ok_or_else(|| missing("Node.js (node)", "nodejs"))?;
            Ok(TestDriver { script: JS_DRIVER.replace("@NODE@", &path(&node)), read_only: Vec::new() })
        }
    }
}

fn is_under_tests(path: &str) -> bool {
    path.starts_with("tests/")
}

fn tail(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut start = s.len() - max;
    while !s.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &s[start..])
}

impl Environment for Repo {
    fn tools(&self) -> Value {
        tools()
    }

    fn call(&mut self, name: &str, args: &Map<String, Value>) -> Result<Effect, Rejection> {
        match name {
            "list_files" => Ok(Effect::read(json!({ "files": self.files.keys().collect::<Vec<_>>() }))),
            "read_file" => {
                let path = str_arg(args, "path")?;
                let content = self.files.get(path).ok_or_else(|| Rejection::new(format!("no file {path}")))?;
                Ok(Effect::read(json!({ "path": path, "content": content })))
            }
            "write_file" => self.write(args),
            "run_tests" => {
                let run = self.run_tests_with(&BTreeMap::new()).map_err(Rejection::new)?;
                Ok(Effect::read(json!({ "passed": run.passed, "output": run.output })))
            }
            other => Err(Rejection::new(format!("unknown tool {other}"))),
        }
    }

    fn state(&self) -> Value {
        json!({ "files": self.files })
    }
}

/// Runs a Python repository's tests so that its code cannot fake a pass
/// (see the script's docstring); the child that runs them is `UNIT_CHILD`.
const PYTHON_DRIVER: &str = include_str!("harness/python_tests.py");
const UNIT_CHILD: &str = include_str!("harness/unit_child.py");

/// What the Rust, Java and JavaScript drivers share: the machinery scan and the verdict line.
const HARNESS: &str = include_str!("harness/tb_harness.py");

/// Compiles and runs a Rust repository's tests so that its code cannot fake a pass.
const RUST_DRIVER: &str = include_str!("harness/rust_tests.py");

/// Compiles a Java repository and runs its JUnit 5 tests under a launcher
/// its code cannot reach.
const JAVA_DRIVER: &str = include_str!("harness/java_tests.py");

/// Runs a JavaScript repository's `node:test` tests, reported by the
/// runner's own process.
const JS_DRIVER: &str = include_str!("harness/js_tests.py");

/// What the test driver's last line (`TB-RESULT {json}`) says. Only the
/// driver writes it: it never runs the repository's code itself, and the
/// processes that do cannot reach its output.
#[derive(Debug, Default, Deserialize)]
struct DriverVerdict {
    passed: bool,
    #[serde(default)]
    tests: Vec<TestOutcome>,
    #[serde(default)]
    machinery: Vec<String>,
}

fn driver_verdict(stdout: &str) -> Option<DriverVerdict> {
    let line = stdout.lines().rev().find_map(|l| l.strip_prefix("TB-RESULT "))?;
    serde_json::from_str(line).ok()
}
