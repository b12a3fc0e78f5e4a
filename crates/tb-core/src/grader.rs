//! The closed set of graders a criterion can name, defined once: what each
//! reports, which rules it has, and whether it acts when a cell is answered.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A criterion's grader, written in a spec as its snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GraderKind {
    Choice,
    Numeric,
    Code,
    /// The share of answers whose code a static analyser finds no weakness
    /// in (the insecure rate's complement), each finding with its CWE.
    SecureCode,
    /// Unit tests the vendor writes for a given function: right when they
    /// pass on it and kill enough of its seeded mutants.
    TestWriting,
    Refusal,
    Injection,
    ToolCall,
    Reference,
    Judge,
    /// An agent suite's task success: the environment's final state, the
    /// facts of the final answer, the expected behaviour (`docs/agents.md`).
    Agent,
    /// An agent suite's safety: right when the episode broke no rule.
    AgentSafety,
    /// A subjective criterion: no suite; each evaluator of the committee
    /// scores each bidder 0–100 (`tenderbench evaluate`).
    Evaluators,
    /// A service-level criterion: no suite; a target on one load stage's
    /// measurements, worth 1 when met and 0 when not.
    Sla,
}

impl GraderKind {
    pub const ALL: [GraderKind; 14] = [
        GraderKind::Choice,
        GraderKind::Numeric,
        GraderKind::Code,
        GraderKind::SecureCode,
        GraderKind::TestWriting,
        GraderKind::Refusal,
        GraderKind::Injection,
        GraderKind::ToolCall,
        GraderKind::Reference,
        GraderKind::Judge,
        GraderKind::Agent,
        GraderKind::AgentSafety,
        GraderKind::Evaluators,
        GraderKind::Sla,
    ];

    /// The name a spec writes.
    pub fn name(self) -> &'static str {
        match self {
            GraderKind::Choice => "choice",
            GraderKind::Numeric => "numeric",
            GraderKind::Code => "code",
            GraderKind::SecureCode => "secure_code",
            GraderKind::TestWriting => "test_writing",
            GraderKind::Refusal => "refusal",
            GraderKind::Injection => "injection",
            GraderKind::ToolCall => "tool_call",
            GraderKind::Reference => "reference",
            GraderKind::Judge => "judge",
            GraderKind::Agent => "agent",
            GraderKind::AgentSafety => "agent_safety",
            GraderKind::Evaluators => "evaluators",
            GraderKind::Sla => "sla",
        }
    }

    /// The grader a name means, `None` for a name this build does not know.
    pub fn parse(name: &str) -> Option<GraderKind> {
        GraderKind::ALL.into_iter().find(|g| g.name() == name)
    }

    /// The metrics it reports; the first is its default.
    pub fn metrics(self) -> &'static [&'static str] {
        match self {
            GraderKind::Reference => {
                &["normalised", "exact", "code_exact", "regex", "json_schema", "char_f1", "rouge_l"]
            }
            GraderKind::Evaluators => &["mean_score"],
            GraderKind::Sla => &["met"],
            GraderKind::SecureCode => &["secure_rate"],
            _ => &["accuracy"],
        }
    }

    /// Its rules (a criterion's `rule`), the default first; empty for a
    /// grader of one rule:
    /// - `tool_call`: `bfcl` (BFCL's checker, for comparability) or `lenient`
    ///   (an integer written `5.0`, `null` for an optional parameter accepted);
    /// - `injection`: `behaviour` (did the attacker get what it wanted, in any
    ///   form) or `upstream` (the dataset's own rule, for comparability).
    pub fn rules(self) -> &'static [&'static str] {
        match self {
            GraderKind::ToolCall => &["bfcl", "lenient"],
            GraderKind::Injection => &["behaviour", "upstream"],
            _ => &[],
        }
    }

    /// It acts when a cell is answered (runs code, asks a judge, runs an
    /// episode) and stores what it found as the cell's verdict; grading then
    /// reads the verdict. Such work would load the client during a load stage.
    pub fn acts_at_run_time(self) -> bool {
        matches!(
            self,
            GraderKind::Code
                | GraderKind::SecureCode
                | GraderKind::TestWriting
                | GraderKind::Judge
                | GraderKind::Agent
                | GraderKind::AgentSafety
        )
    }

    /// It runs the answer's code (or tests it wrote) in the sandbox.
    pub fn runs_in_sandbox(self) -> bool {
        matches!(self, GraderKind::Code | GraderKind::SecureCode | GraderKind::TestWriting)
    }

    /// It grades a vendor's answers to a suite's cases (the committee's
    /// scores and service levels do not).
    pub fn grades_answers(self) -> bool {
        !matches!(self, GraderKind::Evaluators | GraderKind::Sla)
    }

    /// It reads one answer that the rules may find undecided or ambiguous,
    /// so a second opinion (`judge = "…"`) and the review queue apply.
    pub fn reads_an_answer(self) -> bool {
        matches!(self, GraderKind::Choice | GraderKind::Numeric)
    }
}

impl fmt::Display for GraderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_parse_and_serde() {
        for g in GraderKind::ALL {
            assert_eq!(GraderKind::parse(g.name()), Some(g));
            assert_eq!(serde_json::to_value(g).unwrap(), serde_json::json!(g.name()));
            assert_eq!(serde_json::from_value::<GraderKind>(serde_json::json!(g.name())).unwrap(), g);
            assert!(!g.metrics().is_empty());
        }
        assert_eq!(GraderKind::parse("choices"), None);
    }

    #[test]
    fn capabilities_parse_by_name_and_name_the_known_ones_otherwise() {
        for c in crate::Capability::ALL {
            assert_eq!(c.name().parse::<crate::Capability>(), Ok(c));
        }
        let err = "gpu".parse::<crate::Capability>().unwrap_err();
        assert_eq!(err, "unknown capability \"gpu\"; capabilities: chat, code, agent, judge");
    }
}
