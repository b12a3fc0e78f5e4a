//! The `test_writing` grader: the vendor writes unit tests for a given
//! function. Its tests run, in the sandbox, against the function and against
//! seeded mutants of it (each a one-token change the case lists); a mutant
//! the tests fail on is killed. A case is right when the tests pass on the
//! function and kill at least `data.threshold` (default 0.8) of its mutants;
//! the mutation score (killed of listed) is the grade's extracted value.
//! Driver: `test_writing.py` (each variant in a process of its own; tests
//! that read source code or files, which could tell a mutant from the
//! function without testing what it does, are refused).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tb_core::{Gold, Grade};
use tb_sandbox::Sandbox;

use crate::{Grader, Response};

const DRIVER: &str = include_str!("test_writing.py");

/// The stored verdict: `scored` (with the killed mutants' indices),
/// `fails_on_reference`, `no_code`, `no_tests`, `syntax_error`,
/// `forbidden_call`, `timeout` or `sandbox_error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MutationVerdict {
    pub outcome: String,
    #[serde(default)]
    pub killed: Vec<usize>,
    #[serde(default)]
    pub mutants: usize,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

pub struct TestWritingGrader;

impl Grader for TestWritingGrader {
    fn version(&self) -> u32 {
        1
    }

    fn grade(&self, response: &Response, gold: &Gold) -> Grade {
        let Some(verdict) = response.verdict else { return Grade::wrong("not_executed") };
        let Ok(v) = serde_json::from_value::<MutationVerdict>(verdict.clone()) else {
            return Grade::wrong("invalid_verdict");
        };
        if v.outcome != "scored" {
            return Grade::wrong(&v.outcome);
        }
        let threshold = gold.data.get("threshold").and_then(Value::as_f64).unwrap_or(0.8);
        let score = if v.mutants == 0 { 1.0 } else { v.killed.len() as f64 / v.mutants as f64 };
        let extracted = Some(format!("{} of {} mutants killed", v.killed.len(), v.mutants));
        if score + 1e-9 >= threshold {
            Grade { extracted, ..Grade::judged(true) }
        } else {
            Grade { extracted, ..Grade::wrong("weak_tests") }
        }
    }

    fn acts_at_run_time(&self) -> bool {
        true
    }
}

/// Runs the answer's tests on the case's function and its mutants; the verdict as stored JSON.
pub fn execute(sandbox: &Sandbox, answer: &str, gold: &Gold) -> Value {
    let verdict = |outcome: &str, detail: String| json!({ "outcome": outcome, "detail": detail });
    let (Some(module), Some(mutants)) = (gold.data.get("module"), gold.data.get("mutants")) else {
        return verdict("sandbox_error", "the case gives no function (`module`) or no `mutants`".into());
    };
    let meta = json!({ "module": module, "mutants": mutants });
    crate::driver::verdict(sandbox, DRIVER, &meta, answer, "TB-MUTATION ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_is_right_when_the_tests_kill_enough_mutants() {
        let r = |v| Response { verdict: v, ..Response::text("") };
        let gold = Gold { data: json!({ "threshold": 0.75 }), ..Gold::default() };
        let strong = json!({ "outcome": "scored", "killed": [0, 1, 3], "mutants": 4 });
        let weak = json!({ "outcome": "scored", "killed": [2], "mutants": 4 });
        let g = TestWritingGrader.grade(&r(Some(&strong)), &gold);
        assert!(g.correct);
        assert_eq!(g.extracted.as_deref(), Some("3 of 4 mutants killed"));
        let g = TestWritingGrader.grade(&r(Some(&weak)), &gold);
        assert_eq!((g.correct, g.note.as_deref()), (false, Some("weak_tests")));
        let failing = json!({ "outcome": "fails_on_reference" });
        assert_eq!(TestWritingGrader.grade(&r(Some(&failing)), &gold).note.as_deref(), Some("fails_on_reference"));
    }
}
