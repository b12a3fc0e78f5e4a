//! The acceptance test (验收): a run of the delivered service on a fresh
//! sealed draw from the POC's pools, each criterion judged by the
//! non-inferiority test against the POC (`tb_stats::monitoring`).

use serde::{Deserialize, Serialize};
use tb_stats::monitoring::non_inferiority;
pub use tb_stats::monitoring::{Acceptance, NonInferiority};

use crate::Contract;

/// One criterion's decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionAcceptance {
    pub id: String,
    pub delivered_correct: u64,
    pub delivered_n: u64,
    pub baseline_correct: u64,
    pub baseline_n: u64,
    pub test: NonInferiority,
    /// Why, in a sentence.
    pub reason: String,
}

/// The acceptance report's figures (`acceptance.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptanceReport {
    pub contract: String,
    pub vendor: String,
    /// The acceptance run and the POC run it is judged against.
    pub run: String,
    pub baseline_run: String,
    pub baseline_report_sha256: String,
    pub margin: f64,
    pub confidence: f64,
    /// Failed when any criterion failed; insufficient evidence when any had
    /// too little and none failed; passed when every one passed.
    pub decision: Acceptance,
    pub criteria: Vec<CriterionAcceptance>,
}

/// Judges the delivered figures, (criterion, right, cases), against the
/// contract's baseline. A baseline criterion the run did not measure is
/// insufficient evidence, not a pass.
pub fn accept(contract: &Contract, run: &str, delivered: &[(String, u64, u64)]) -> AcceptanceReport {
    let terms = &contract.acceptance;
    let alpha = 1.0 - terms.confidence;
    let criteria: Vec<CriterionAcceptance> = contract
        .baseline
        .criteria
        .iter()
        .map(|b| {
            let (k, n) = delivered.iter().find(|(id, _, _)| *id == b.id).map_or((0, 0), |(_, k, n)| (*k, *n));
            let mut test = non_inferiority(k, n, b.correct, b.n, terms.margin, alpha);
            if n < terms.min_cases {
                test.decision = Acceptance::InsufficientEvidence;
            }
            let reason = reason(&test, n, terms.min_cases, terms.margin, terms.confidence);
            CriterionAcceptance {
                id: b.id.clone(),
                delivered_correct: k,
                delivered_n: n,
                baseline_correct: b.correct,
                baseline_n: b.n,
                test,
                reason,
            }
        })
        .collect();
    let decided = |d: Acceptance| criteria.iter().any(|c| c.test.decision == d);
    let decision = if decided(Acceptance::Failed) {
        Acceptance::Failed
    } else if decided(Acceptance::InsufficientEvidence) {
        Acceptance::InsufficientEvidence
    } else {
        Acceptance::Passed
    };
    AcceptanceReport {
        contract: contract.contract.id.clone(),
        vendor: contract.contract.vendor.clone(),
        run: run.to_string(),
        baseline_run: contract.baseline.run.clone(),
        baseline_report_sha256: contract.baseline.report_sha256.clone(),
        margin: terms.margin,
        confidence: terms.confidence,
        decision,
        criteria,
    }
}

fn reason(t: &NonInferiority, n: u64, min_cases: u64, margin: f64, confidence: f64) -> String {
    let points = margin * 100.0;
    let level = confidence * 100.0;
    match t.decision {
        _ if n < min_cases => format!("{n} delivered cases, fewer than the {min_cases} the contract requires"),
        Acceptance::Passed => format!(
            "not worse than the POC by {points:.1} points or more, at {level:.0}% confidence (difference {:+.1} points, p = {:.4})",
            t.difference * 100.0,
            t.p_inferior
        ),
        Acceptance::Failed => format!(
            "worse than the POC by more than {points:.1} points, at {level:.0}% confidence (difference {:+.1} points, p = {:.4})",
            t.difference * 100.0,
            t.p_within
        ),
        Acceptance::InsufficientEvidence => format!(
            "neither shown within {points:.1} points of the POC nor shown worse, at {level:.0}% confidence (difference {:+.1} points): more cases are needed",
            t.difference * 100.0
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terms::tests::EXAMPLE;

    fn contract() -> Contract {
        Contract::parse(EXAMPLE, "c.toml").unwrap()
    }

    #[test]
    fn each_decision_with_its_reason() {
        let c = contract();
        let r = accept(&c, "r1", &[("knowledge".into(), 480, 500)]);
        assert_eq!(r.decision, Acceptance::Passed, "{r:?}");
        assert!(r.criteria[0].reason.starts_with("not worse"), "{}", r.criteria[0].reason);
        let r = accept(&c, "r1", &[("knowledge".into(), 144, 200)]);
        assert_eq!(r.decision, Acceptance::Failed, "{r:?}");
        let r = accept(&c, "r1", &[("knowledge".into(), 90, 100)]);
        assert_eq!(r.decision, Acceptance::InsufficientEvidence, "{r:?}");
        assert!(r.criteria[0].reason.contains("more cases"), "{}", r.criteria[0].reason);
        // Too few cases by the contract is insufficient whatever the rate.
        let r = accept(&c, "r1", &[("knowledge".into(), 50, 50)]);
        assert_eq!(r.decision, Acceptance::InsufficientEvidence);
        assert!(r.criteria[0].reason.contains("fewer than the 100"));
        // A criterion the run did not measure is not a pass.
        assert_eq!(accept(&c, "r1", &[]).decision, Acceptance::InsufficientEvidence);
    }
}
