//! The code grader's other languages (HumanEval-X): C++, Go, Java,
//! JavaScript and Rust, each compiled and run with the host's own toolchain
//! inside the same sandbox and limits as Python.
//!
//! The answer and the tests are one program in these languages, so the
//! verdict is kept out of the answer's reach differently from Python's two
//! phases (the driver, `code_langs.py`, says how): the driver is undumpable,
//! the answer's source is read for what ends the process or runs outside the
//! tests, and the tests' entry point is wrapped to print the run's token only
//! after every test returned. The verdict says `single_process`.
//!
//! A toolchain is looked for under `/usr` (all the sandbox sees of the host)
//! and resolved through `/etc/alternatives` here; a missing one gives the
//! verdict `not_available` with the Debian packages that provide it, never a
//! silent pass or skip.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use serde_json::json;
use tb_sandbox::host::program_under_usr;
use tb_sandbox::{Sandbox, Termination};

use super::{CodeGold, CodeOutcome, CodeVerdict, SINGLE_PROCESS};

/// A language the code grader runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    Python,
    Cpp,
    Go,
    Java,
    JavaScript,
    Rust,
}

impl Language {
    pub const ALL: [Language; 6] =
        [Language::Python, Language::Cpp, Language::Go, Language::Java, Language::JavaScript, Language::Rust];

    /// The language a suite names (`cpp`, `c++`, `go`, `java`, `js`, `javascript`, `python`, `rust`).
    pub fn parse(name: &str) -> Option<Language> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "python" | "py" => Language::Python,
            "cpp" | "c++" => Language::Cpp,
            "go" | "golang" => Language::Go,
            "java" => Language::Java,
            "js" | "javascript" => Language::JavaScript,
            "rust" | "rs" => Language::Rust,
            _ => return None,
        })
    }

    /// The name stored with a case and shown in a report.
    pub fn code(self) -> &'static str {
        match self {
            Language::Python => "python",
            Language::Cpp => "cpp",
            Language::Go => "go",
            Language::Java => "java",
            Language::JavaScript => "js",
            Language::Rust => "rust",
        }
    }

    /// What provides the toolchain on Debian (what `.ci/run` installs).
    pub fn provided_by(self) -> &'static str {
        match self {
            Language::Python => "python3",
            Language::Cpp => "g++ (and libboost-dev for two tasks)",
            Language::Go => "golang-go",
            Language::Java => "default-jdk-headless (javac, java)",
            Language::JavaScript => "nodejs",
            Language::Rust => "rustc (rustup or Debian's rustc)",
        }
    }
}

/// The programs of one language's toolchain, as paths the sandbox can see,
/// and the host directories it must see beside `/usr`.
#[derive(Debug, Clone)]
pub struct Toolchain {
    pub tools: BTreeMap<&'static str, PathBuf>,
    pub read_only: Vec<PathBuf>,
}

/// The toolchain of `language` on this machine, or why there is none. Looked
/// up once per process.
pub fn toolchain(language: Language) -> Result<Toolchain, String> {
    static FOUND: OnceLock<Mutex<HashMap<Language, Result<Toolchain, String>>>> = OnceLock::new();
    let mut found = FOUND.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    found.entry(language).or_insert_with(|| find_toolchain(language)).clone()
}

fn find_toolchain(language: Language) -> Result<Toolchain, String> {
    let missing = |what: &str| {
        format!(
            "{what} is not available on this machine (Debian: {}), so {} answers cannot be run",
            language.provided_by(),
            language.code()
        )
    };
    let mut tools = BTreeMap::new();
    let mut read_only = Vec::new();
    let programs: &[&'static str] = match language {
        Language::Python => &[],
        Language::Cpp => &["g++"],
        Language::Go => &["go"],
        Language::Java => &["javac", "java"],
        Language::JavaScript => &["node"],
        Language::Rust => {
            let sysroot = Sandbox::rust_sysroot().ok_or_else(|| missing("rustc"))?;
            tools.insert("rustc", sysroot.join("bin/rustc"));
            tools.insert("linker", program_under_usr("cc").ok_or_else(|| missing("a C linker (cc)"))?);
            read_only.push(sysroot);
            // Without them, the driver drops the tasks' `use` lines of these crates.
            if let Some(crates) = tb_sandbox::rust_crates() {
                tools.insert("rust_deps", crates.deps.clone());
                for (name, rlib) in crates.externs {
                    let key: &'static str = match name.as_str() {
                        "rand" => "crate:rand",
                        "regex" => "crate:regex",
                        _ => "crate:md5",
                    };
                    tools.insert(key, rlib);
                }
                read_only.push(crates.deps.clone());
            }
            &[]
        }
    };
    for program in programs {
        tools.insert(*program, program_under_usr(program).ok_or_else(|| missing(&format!("`{program}`")))?);
    }
    if language == Language::Java {
        read_only.extend(tb_sandbox::host::java_config_dirs());
    }
    Ok(Toolchain { tools, read_only })
}

/// The driver that compiles and runs an answer in the sandbox.
const DRIVER: &str = include_str!("../code_langs.py");

/// HumanEval-X's Go test dependencies (testify and what it needs), vendored
/// from CodeGeeX's `go/evaluation` (MIT, ISC, BSD and Apache-2.0 licences,
/// each inside), unpacked by the driver.
const GO_VENDOR: &[u8] = include_bytes!("../../assets/go-vendor.tar.gz");

/// Runs an answer in a compiled (or Node) language against its tests.
pub(crate) fn execute(sandbox: &Sandbox, answer: &str, gold: &CodeGold, language: Language) -> CodeVerdict {
    let verdict = |outcome, detail: String, wall_ms, read: String| CodeVerdict {
        outcome,
        detail,
        wall_ms,
        isolation: sandbox.isolation().name().to_string(),
        read,
        mode: SINGLE_PROCESS.into(),
    };
    let toolchain = match toolchain(language) {
        Ok(t) => t,
        Err(why) => return verdict(CodeOutcome::NotAvailable, why, 0.0, String::new()),
    };
    let token = format!("TB-PASSED-{:016x}{:016x}", rand::random::<u64>(), rand::random::<u64>());
    let meta = json!({
        "language": language.code(),
        "prompt": gold.prompt,
        "entry_point": gold.entry_point,
        "tests": gold.tests,
        "test_setup": gold.test_setup,
        "token": token,
        "tools": toolchain.tools,
    })
    .to_string();
    let mut files: Vec<(&str, &[u8])> =
        vec![("main.py", DRIVER.as_bytes()), ("meta.json", meta.as_bytes()), ("answer.txt", answer.as_bytes())];
    if language == Language::Go {
        files.push(("go-vendor.tar.gz", GO_VENDOR));
    }
    let run = match sandbox.run_python_with(&files, "main.py", &toolchain.read_only) {
        Ok(run) => run,
        Err(e) => return verdict(CodeOutcome::SandboxError, e.to_string(), 0.0, String::new()),
    };
    let stdout = String::from_utf8_lossy(&run.stdout);
    let said = stdout.lines().rev().find_map(|l| l.strip_prefix("TB-VERDICT "));
    let said: Option<serde_json::Value> = said.and_then(|s| serde_json::from_str(s).ok());
    let Some(said) = said.filter(|_| run.termination == Termination::Exited(0)) else {
        // The sandbox's own limits ended the driver and the program it ran.
        let outcome = match run.termination {
            Termination::WallTimeout => CodeOutcome::Timeout,
            Termination::OutputLimit => CodeOutcome::OutputLimit,
            _ => CodeOutcome::SandboxError,
        };
        let stderr = String::from_utf8_lossy(&run.stderr);
        return verdict(outcome, tail(&stderr, 500), run.wall_ms, String::new());
    };
    let text = |key: &str| said[key].as_str().unwrap_or("").to_string();
    let outcome = serde_json::from_value(said["outcome"].clone()).unwrap_or(CodeOutcome::SandboxError);
    let read: String = text("read").chars().take(64).collect();
    verdict(outcome, tail(&text("detail"), 500), run.wall_ms, read)
}

fn tail(s: &str, max_chars: usize) -> String {
    let s = s.trim();
    let skip = s.chars().count().saturating_sub(max_chars);
    s.chars().skip(skip).collect()
}
