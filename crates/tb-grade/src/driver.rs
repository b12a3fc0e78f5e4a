//! Running a grader's Python driver in the sandbox: the driver reads
//! `meta.json` and `answer.txt` beside it and prints its verdict, as JSON, on
//! its last line after a marker (`TB-SECURE {…}`). Used by the graders whose
//! verdict is one driver's word (`secure_code`, `test_writing`).

use serde_json::{Value, json};
use tb_sandbox::{Sandbox, Termination};

/// The verdict the driver printed after `marker`; `timeout` when the
/// sandbox's wall clock ended it, `sandbox_error` (with what it wrote to
/// standard error) when it printed none.
pub(crate) fn verdict(sandbox: &Sandbox, driver: &str, meta: &Value, answer: &str, marker: &str) -> Value {
    let text = crate::strip_reasoning(answer);
    let text = crate::read::bounded_to(&text, 256 * 1024);
    let meta = meta.to_string();
    let files: [(&str, &[u8]); 3] =
        [("main.py", driver.as_bytes()), ("meta.json", meta.as_bytes()), ("answer.txt", text.as_bytes())];
    let run = match sandbox.run_python(&files, "main.py") {
        Ok(run) => run,
        Err(e) => return json!({ "outcome": "sandbox_error", "detail": e.to_string() }),
    };
    let stdout = String::from_utf8_lossy(&run.stdout);
    let said = stdout.lines().rev().find_map(|l| l.strip_prefix(marker)).and_then(|s| serde_json::from_str(s).ok());
    match (said, run.termination) {
        (Some(v), Termination::Exited(0)) => v,
        (_, Termination::WallTimeout) => {
            json!({ "outcome": "timeout", "detail": "the sandbox's wall clock ran out" })
        }
        (_, ended) => {
            let stderr: String = String::from_utf8_lossy(&run.stderr).chars().take(500).collect();
            json!({ "outcome": "sandbox_error", "detail": format!("{ended:?}: {stderr}") })
        }
    }
}
