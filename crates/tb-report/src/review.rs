//! The review queue: the answers the rules could not read — `undecided` or
//! `ambiguous`, or read by a judge as a second opinion — which an evaluator
//! may grade by hand, with a reason (`committee::GradeOverride`, an audit
//! entry the report applies and `verify` recomputes). A grade the rules
//! decided is never the committee's to change: the report ignores an entry
//! about one.

use futures_util::TryStreamExt;
use serde::Serialize;
use tb_spec::Spec;
use tb_store::Store;

use crate::committee::{CommitteeInputs, GradeOverride, KINDS};
use crate::{ReportError, grade_cell, spec_of};

/// Whether a grade is one an evaluator may set by hand.
pub fn in_review(spec: &Spec, criterion: &str, grade: &tb_core::Grade) -> bool {
    let second_opinion = matches!(grade.how.as_deref(), Some("judge" | "judge_failed"))
        && spec.criteria.iter().any(|c| c.id == criterion && c.grader.reads_an_answer());
    grade.note.as_deref().is_some_and(tb_grade::is_undecided) || second_opinion
}

/// One answer waiting for (or given) an evaluator's grade.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewItem {
    pub criterion: String,
    pub vendor: String,
    pub suite: String,
    pub case_id: String,
    pub repeat: u32,
    pub answer: String,
    /// What the rules (or the judge) made of it: `undecided`, `ambiguous`, `judge`.
    pub reading: String,
    /// The candidates an ambiguous answer named, or what the judge read.
    pub extracted: Option<String>,
    pub gold: String,
    /// The evaluator's grade, once given.
    pub graded: Option<GradeOverride>,
}

/// Every answer of a run in review, in cell order; vendors by name.
pub async fn queue(store: &Store, run_id: &str) -> Result<Vec<ReviewItem>, ReportError> {
    let run = store.run(run_id).await?;
    let spec = spec_of(&run)?;
    let inputs = CommitteeInputs::from_audit(&store.audit_of_kinds(run_id, &KINDS).await?);
    let mut items = Vec::new();
    let mut cells = store.cells(run_id);
    while let Some(cell) = cells.try_next().await? {
        let graded = grade_cell(&spec, cell);
        for (criterion, grade) in &graded.grades {
            if !in_review(&spec, criterion, grade) {
                continue;
            }
            let c = &graded.cell;
            let key = (criterion.to_string(), c.vendor.clone(), c.suite.clone(), c.case_id.clone(), c.repeat);
            let gold: tb_core::Gold = serde_json::from_str(&c.gold_json).unwrap_or_default();
            items.push(ReviewItem {
                criterion: criterion.to_string(),
                vendor: c.vendor.clone(),
                suite: c.suite.clone(),
                case_id: c.case_id.clone(),
                repeat: c.repeat,
                answer: c.answer.clone().unwrap_or_default(),
                reading: grade.note.clone().or_else(|| grade.how.clone()).unwrap_or_default(),
                extracted: grade.extracted.clone(),
                gold: gold.answer,
                graded: inputs.overrides.get(&key).cloned(),
            });
        }
    }
    Ok(items)
}
