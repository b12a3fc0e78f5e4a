//! The committee's inputs after a run: each evaluator's scores on the
//! subjective criteria, the decisions on written justifications of
//! abnormally low prices, and grades an evaluator set by hand on answers the
//! rules could not read (with the reason). They are entries of the run's audit log — hash
//! chained, signed at the next checkpoint, exported in the bundle — so a
//! report that uses them is recomputed from the same evidence as the rest.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tb_audit::AuditEntry;

/// Audit entry kind of one evaluator's score.
pub const EVALUATOR_SCORE: &str = "evaluator_score";
/// Audit entry kind of a decision on a price justification.
pub const PRICE_JUSTIFICATION: &str = "price_justification";
/// Audit entry kind of an evaluator's grade of one answer the rules left undecided.
pub const GRADE_OVERRIDE: &str = "grade_override";
/// Every kind, for reading them alone from the store.
pub const KINDS: [&str; 3] = [EVALUATOR_SCORE, PRICE_JUSTIFICATION, GRADE_OVERRIDE];

/// An evaluator's grade of one cell on one criterion, replacing the rules'
/// `undecided` or `ambiguous` (or a judge's reading), with the reason. A later
/// entry for the same cell and criterion replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeOverride {
    pub evaluator: String,
    pub criterion: String,
    pub vendor: String,
    pub suite: String,
    pub case_id: String,
    pub repeat: u32,
    pub correct: bool,
    pub reason: String,
}

impl GradeOverride {
    /// The cell and criterion it is about.
    pub fn key(&self) -> (String, String, String, String, u32) {
        (self.criterion.clone(), self.vendor.clone(), self.suite.clone(), self.case_id.clone(), self.repeat)
    }
}

/// One evaluator's score of one bidder on one subjective criterion, 0–100.
/// A later entry by the same evaluator for the same pair replaces it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluatorScore {
    pub evaluator: String,
    pub criterion: String,
    pub vendor: String,
    pub score: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The committee's decision on a bidder's written justification of its price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceJustification {
    pub vendor: String,
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Default)]
pub struct CommitteeInputs {
    /// (criterion, vendor) → evaluator → score.
    pub scores: HashMap<(String, String), BTreeMap<String, f64>>,
    /// criterion → every evaluator who scored any bidder on it: the panel.
    pub panels: HashMap<String, Vec<String>>,
    /// vendor → the latest decision.
    pub justifications: HashMap<String, PriceJustification>,
    /// (criterion, vendor, suite, case, repeat) → the latest grade set by hand.
    pub overrides: HashMap<(String, String, String, String, u32), GradeOverride>,
}

impl CommitteeInputs {
    /// Reads the inputs from a run's audit log, in order (later entries win).
    /// An entry that does not parse is skipped: the chain check, not the
    /// report, is where a damaged log is refused.
    pub fn from_audit(entries: &[AuditEntry]) -> CommitteeInputs {
        let mut inputs = CommitteeInputs::default();
        for e in entries {
            match e.kind.as_str() {
                EVALUATOR_SCORE => {
                    let Ok(s) = serde_json::from_str::<EvaluatorScore>(&e.payload) else { continue };
                    let panel = inputs.panels.entry(s.criterion.clone()).or_default();
                    if !panel.contains(&s.evaluator) {
                        panel.push(s.evaluator.clone());
                    }
                    inputs.scores.entry((s.criterion, s.vendor)).or_default().insert(s.evaluator, s.score);
                }
                PRICE_JUSTIFICATION => {
                    let Ok(j) = serde_json::from_str::<PriceJustification>(&e.payload) else { continue };
                    inputs.justifications.insert(j.vendor.clone(), j);
                }
                GRADE_OVERRIDE => {
                    let Ok(o) = serde_json::from_str::<GradeOverride>(&e.payload) else { continue };
                    inputs.overrides.insert(o.key(), o);
                }
                _ => {}
            }
        }
        inputs
    }

    /// The evaluators' scores of a bidder on a criterion, and whether every
    /// member of the criterion's panel has scored it.
    pub fn scores_of(&self, criterion: &str, vendor: &str) -> (BTreeMap<String, f64>, bool) {
        let scores = self.scores.get(&(criterion.to_string(), vendor.to_string())).cloned().unwrap_or_default();
        let panel = self.panels.get(criterion).map(Vec::as_slice).unwrap_or_default();
        let complete = !panel.is_empty() && panel.iter().all(|e| scores.contains_key(e));
        (scores, complete)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(kind: &str, payload: serde_json::Value) -> AuditEntry {
        AuditEntry {
            run_id: "r".into(),
            seq: 0,
            at: String::new(),
            kind: kind.into(),
            payload: payload.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn later_scores_replace_earlier_ones_and_the_panel_must_be_complete() {
        let score = |ev: &str, vendor: &str, score: f64| {
            entry(
                EVALUATOR_SCORE,
                serde_json::json!({"evaluator": ev, "criterion": "plan", "vendor": vendor, "score": score}),
            )
        };
        let inputs = CommitteeInputs::from_audit(&[
            score("王", "A", 80.0),
            score("李", "A", 90.0),
            score("王", "A", 84.0),
            score("王", "B", 70.0),
            entry(PRICE_JUSTIFICATION, serde_json::json!({"vendor": "B", "accepted": false})),
            entry("cell_answered", serde_json::json!({})),
        ]);
        let (a, a_complete) = inputs.scores_of("plan", "A");
        assert_eq!(a.values().copied().collect::<Vec<_>>(), [90.0, 84.0]);
        assert!(a_complete);
        let (_, b_complete) = inputs.scores_of("plan", "B");
        assert!(!b_complete, "李 has not scored B");
        assert!(!inputs.scores_of("other", "A").1, "no panel yet: not complete");
        assert!(!inputs.justifications["B"].accepted);
    }
}
