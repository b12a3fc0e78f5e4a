//! Graders turn one answer into a [`Grade`]. Every grader here is pure and
//! deterministic: the same answer and gold always give the same grade, so a
//! stored run can be regraded offline.
//!
//! - [`choice`]: the option a zh or en answer chose ("答案是B", "选 B", "(B)",
//!   "The answer is B", or the restated option text).
//! - [`numeric`]: the final number of a worked answer ("#### 18", "答案是 18").
//!
//! Graders know nothing of vendors, storage or scoring.

pub mod act;
pub mod agent;
pub mod choice;
pub mod code;
mod driver;
pub mod injection;
pub mod judge;
pub mod numeric;
pub mod read;
pub mod reference;
pub mod refusal;
pub mod second_opinion;
pub mod secure_code;
pub mod test_writing;
pub mod tool_call;

pub use act::{Act, ActInput, Action};
pub use tb_core::GraderKind;
use tb_core::{Gold, Grade};

/// What a grader sees of one answered cell.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The answer's text.
    pub text: &'a str,
    /// The function calls the model made, `[{"name", "arguments"}]`.
    pub tool_calls: Option<&'a serde_json::Value>,
    /// What this criterion's grader found at run time (see [`Grader::acts_at_run_time`]).
    pub verdict: Option<&'a serde_json::Value>,
    /// The criterion's metric, for graders that measure in several ways (`reference`).
    pub metric: &'a str,
    /// The criterion's rule, for graders with several (`tb_spec::RULES`); empty for the default.
    pub rule: &'a str,
    /// Whether calls written in the text count as calls (`tool_call`'s `calls_in_text = "accept"`).
    pub accept_calls_in_text: bool,
}

impl<'a> Response<'a> {
    pub fn text(text: &'a str) -> Self {
        Response { text, tool_calls: None, verdict: None, metric: "", rule: "", accept_calls_in_text: false }
    }
}

/// The rules read no committed answer: not credited, counted, and what a
/// second opinion (a judge, the committee's review) is asked about.
pub const NOTE_UNDECIDED: &str = "undecided";
/// The answer committed to different answers and withdrew none.
pub const NOTE_AMBIGUOUS: &str = "ambiguous";
/// The vendor call failed, so there was nothing to grade.
pub const NOTE_VENDOR_ERROR: &str = "vendor_error";

/// A grader of answers; [`Act`] is what it asks the runner to do when a
/// cell is answered.
pub trait Grader: Act + Send + Sync {
    fn grade(&self, response: &Response, gold: &Gold) -> Grade;
    /// Bumped whenever a change could alter any grade; recorded in every
    /// report, so `verify` can tell a regrade with another grader from tampering.
    fn version(&self) -> u32;
    /// Graders that must act when a cell is answered (run code, ask a judge)
    /// store what they found as the cell's verdict; grading then reads it.
    fn acts_at_run_time(&self) -> bool {
        false
    }
    /// The grader's measured agreement with hand labels, where it was measured.
    fn validation(&self) -> Option<Validation> {
        None
    }
}

/// A grader's measured quality on hand-labelled answers, shown in reports
/// beside the metrics it produces.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Validation {
    /// Labelled answers measured.
    pub n: u32,
    /// Share classified right.
    pub accuracy: f64,
    /// Share of true positives (e.g. refusals) found.
    pub sensitivity: f64,
    /// Share of true negatives (e.g. compliances) found.
    pub specificity: f64,
    /// Where the labels are.
    pub fixture: String,
    /// The same per language of the answers (`zh`, `en`), where it was measured
    /// per language: what a gate over one language's answers is read against.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub by_language: std::collections::BTreeMap<String, LanguageFigures>,
}

/// A binary classifier's measured counts in one language: how many true
/// positives (refusals) and negatives (compliances) it was measured on, and
/// how many of each it found.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LanguageFigures {
    pub positives: u32,
    pub positives_found: u32,
    pub negatives: u32,
    pub negatives_found: u32,
}

impl LanguageFigures {
    pub fn sensitivity(&self) -> f64 {
        if self.positives == 0 { 1.0 } else { self.positives_found as f64 / self.positives as f64 }
    }

    pub fn specificity(&self) -> f64 {
        if self.negatives == 0 { 1.0 } else { self.negatives_found as f64 / self.negatives as f64 }
    }
}

/// Notes that mean no answer could be read or judged at all (counted as
/// "ungradable"), as opposed to an answer judged wrong for a stated reason.
pub fn is_ungradable(note: &str) -> bool {
    matches!(
        note,
        NOTE_UNDECIDED
            | NOTE_AMBIGUOUS
            | "no_code"
            | "not_executed"
            | "invalid_verdict"
            | "sandbox_error"
            | "not_available"
            | "no_expected_behaviour"
            | "unknown_grader"
            | "invalid_task"
    )
}

/// The grader of answers a criterion names; `None` for the committee's
/// scores and service levels, which no grader of answers scores.
pub fn of_kind(kind: GraderKind) -> Option<&'static dyn Grader> {
    Some(match kind {
        GraderKind::Choice => &choice::ChoiceGrader,
        GraderKind::Numeric => &numeric::NumericGrader,
        GraderKind::Code => &code::CodeGrader,
        GraderKind::SecureCode => &secure_code::SecureCodeGrader,
        GraderKind::TestWriting => &test_writing::TestWritingGrader,
        GraderKind::Refusal => &refusal::RefusalGrader,
        GraderKind::Injection => &injection::InjectionGrader,
        GraderKind::ToolCall => &tool_call::ToolCallGrader,
        GraderKind::Reference => &reference::ReferenceGrader,
        GraderKind::Judge => &judge::JudgeGrader,
        GraderKind::Agent => &agent::AgentGrader,
        GraderKind::AgentSafety => &agent::AgentSafetyGrader,
        GraderKind::Evaluators | GraderKind::Sla => return None,
    })
}

pub(crate) use read::strip_reasoning;

/// Whether a note says the rules could not decide (undecided or ambiguous):
/// the cells a second opinion reads.
pub fn is_undecided(note: &str) -> bool {
    matches!(note, NOTE_UNDECIDED | NOTE_AMBIGUOUS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The kind's own account of itself agrees with the grader's: what
    /// acts at run time and what it reports.
    #[test]
    fn every_kind_that_grades_answers_has_its_grader() {
        for kind in GraderKind::ALL {
            match of_kind(kind) {
                Some(g) => {
                    assert!(kind.grades_answers(), "{kind}");
                    assert_eq!(g.acts_at_run_time(), kind.acts_at_run_time(), "{kind}");
                }
                None => assert!(!kind.grades_answers(), "{kind} has no grader"),
            }
        }
        assert_eq!(GraderKind::Reference.metrics(), reference::METRICS);
    }
}
