//! Reports of a stored run.
//!
//! [`build`] reads a run's cells from the store, grades each answer with the
//! criterion's grader, aggregates per vendor and criterion (value, n, Wilson
//! 95% interval, errors), applies the gates and the statutory price rule, and
//! returns a [`Report`]: the DTO that every format renders. Because the spec is
//! read from the run record and grading is pure, rendering a run again always
//! gives the same numbers.
//!
//! Renderers: [`render_json`] (the machine-readable contract), [`render_html`]
//! (self-contained, inline SVG, zh-CN or en), [`write_csv`] (one row per cell),
//! [`render_markdown`].

mod agents;
pub mod catalog;
pub mod chart;
pub mod committee;
pub mod detector;
mod finish;
mod load;
mod model;
pub mod present;
mod publish;
mod render;
mod render_csv;
mod render_load;
pub mod review;
mod scores;
mod tally;

pub use agents::{AgentSuiteReport, AgentTaskResult, AgentTaskRow, AgentVendorReport};
pub use model::*;
pub use publish::{render_rules, rules_hashes};
pub use render::{Lang, remark_label, render_html, render_json, render_markdown};
pub use render_csv::{CSV_BOM, write_csv, write_score_csv};

use scores::{assign_tie_bands, blind_cell, blind_stages, compare_vendors, score_table, sensitivity_of};
use std::collections::{BTreeMap, HashMap};
use tally::{RefusalTally, Tally, VendorTally};

use futures_util::TryStreamExt;
use tb_core::Gold;
use tb_spec::{GateBasis, Spec};
use tb_stats::{Bid, PriceRule, score_bids, wilson};
use tb_store::{CellRecord, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("run {run_id}: the stored spec cannot be read: {detail}")]
    Spec { run_id: String, detail: String },
    #[error("cannot render the report: {0}")]
    Render(String),
    #[error("cannot write {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

/// Confidence level of every interval in a report.
pub const CONFIDENCE: f64 = 0.95;

pub const SIMULATED_NOTICE_EN: &str = "SIMULATED VENDORS: this run used tenderbench's simulated vendors, not real services. Its results rehearse the tender; they say nothing about any real bidder.";
pub const SIMULATED_NOTICE_ZH: &str = "模拟投标人：本次运行使用的是 tenderbench 的模拟投标人，而非真实服务。结果仅用于演练招标流程，不代表任何真实投标人的能力。";

/// One graded cell, for per-cell outputs.
pub struct GradedCell<'s> {
    pub cell: CellRecord,
    /// (criterion id, grade) for every criterion that uses the cell's suite.
    pub grades: Vec<(&'s str, tb_core::Grade)>,
    /// (criterion id, rule, right) under each other rule of a criterion whose grader has several.
    pub other_rules: Vec<(&'s str, &'static str, bool)>,
    /// The gold answer as `results.csv` shows it beside the extracted one:
    /// the answer (an option, a number), else the expected behaviour (`refuse`, `answer`).
    pub gold: String,
}

/// Grades one stored cell for every criterion of its suite.
/// A load stage's request is graded by the criteria of the stage's suite.
pub fn grade_cell(spec: &Spec, cell: CellRecord) -> GradedCell<'_> {
    let gold: Gold = serde_json::from_str(&cell.gold_json).unwrap_or_default();
    let parse = |text: &Option<String>| text.as_deref().and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok());
    let (tool_calls, verdicts) = (parse(&cell.tool_calls), parse(&cell.verdicts));
    let suite = match tb_core::load_stage_of(&cell.suite) {
        Some((stage, _)) => spec.stages.iter().find(|s| s.id == stage).map_or("", |s| s.suite.as_str()),
        None => cell.suite.as_str(),
    };
    let mut other_rules = Vec::new();
    let grades = spec
        .criteria
        .iter()
        .filter(|c| !c.suite.is_empty() && c.suite == suite)
        .map(|c| {
            let grade = match (&cell.answer, &cell.cause) {
                (Some(answer), None) => match tb_grade::of_kind(c.grader) {
                    Some(g) => {
                        let rules = c.grader.rules();
                        let rule = c.rule.as_deref().or(rules.first().copied()).unwrap_or_default();
                        let response = tb_grade::Response {
                            text: answer,
                            tool_calls: tool_calls.as_ref(),
                            verdict: verdicts.as_ref().and_then(|v| v.get(&c.id)),
                            metric: &c.metric,
                            rule,
                            accept_calls_in_text: c.calls_in_text.as_deref() == Some("accept"),
                        };
                        for other in rules.iter().filter(|r| **r != rule) {
                            let graded = g.grade(&tb_grade::Response { rule: other, ..response }, &gold);
                            other_rules.push((c.id.as_str(), *other, graded.correct));
                        }
                        g.grade(&response, &gold)
                    }
                    None => tb_core::Grade::wrong("unknown_grader"),
                },
                _ => tb_core::Grade::wrong(tb_grade::NOTE_VENDOR_ERROR),
            };
            (c.id.as_str(), grade)
        })
        .collect();
    let gold = if gold.answer.is_empty() {
        gold.data.get("expect").and_then(|e| e.as_str()).unwrap_or_default().to_string()
    } else {
        gold.answer
    };
    GradedCell { cell, grades, other_rules, gold }
}

/// What a blind report shows instead of a model name.
pub const MASKED: &str = "(masked)";

/// The name → code mapping of a blind run not yet revealed.
fn blind_codes(run: &tb_store::RunRecord) -> Result<Option<HashMap<String, String>>, ReportError> {
    let Some(mapping) = run.blind_mapping.as_deref().filter(|_| !run.blind_revealed) else { return Ok(None) };
    let v: serde_json::Value = serde_json::from_str(mapping)
        .map_err(|e| ReportError::Spec { run_id: run.id.clone(), detail: format!("blind mapping: {e}") })?;
    let codes = v["codes"]
        .as_object()
        .map(|m| m.iter().filter_map(|(k, c)| c.as_str().map(|c| (k.clone(), c.to_string()))).collect())
        .unwrap_or_default();
    Ok(Some(codes))
}

pub fn spec_of(run: &tb_store::RunRecord) -> Result<Spec, ReportError> {
    serde_json::from_str(&run.spec_json)
        .map_err(|e| ReportError::Spec { run_id: run.id.clone(), detail: e.to_string() })
}

/// Builds the report of a stored run.
pub async fn build(store: &Store, run_id: &str) -> Result<Report, ReportError> {
    build_visiting(store, run_id, &mut |_| Ok(())).await
}

/// Builds the report and shows every graded cell to `visit` on the way, so
/// that per-cell outputs (results.csv) need no second pass over the store.
pub async fn build_visiting(
    store: &Store,
    run_id: &str,
    visit: &mut (dyn FnMut(&GradedCell) -> Result<(), ReportError> + Send),
) -> Result<Report, ReportError> {
    let run = store.run(run_id).await?;
    let spec = spec_of(&run)?;
    let blind = blind_codes(&run)?;
    let committee = committee::CommitteeInputs::from_audit(&store.audit_of_kinds(run_id, &committee::KINDS).await?);
    let mut aggregate = Aggregate::new(&spec, blind.as_ref());
    aggregate.overrides = committee.overrides.clone();
    if !spec.stages.is_empty() {
        aggregate.stages_finished(&store.audit_of_kinds(run_id, &[tb_core::LOAD_STAGE_FINISHED]).await?);
    }
    let mut cells = store.cells(run_id);
    while let Some(cell) = cells.try_next().await? {
        let graded = aggregate.add(cell);
        visit(&graded)?;
    }
    drop(cells);
    aggregate.finish(&run, &committee)
}

/// The seed of the lot: from the run's random case-order seed, committed in
/// the audit log when the run started (first 8 bytes of its SHA-256, big
/// endian), so that nobody could choose it once the bids were known; the
/// spec's seed only for runs stored without one.
fn lot_seed(run: &tb_store::RunRecord, spec: &Spec) -> u64 {
    match run.order_seed.as_deref() {
        Some(seed) => {
            let digest = tb_audit::sha256_hex(seed.as_bytes());
            u64::from_str_radix(&digest[..16], 16).unwrap_or(spec.run.seed)
        }
        None => spec.run.seed,
    }
}

/// The value under `key`, made (default) when missing; a key is copied only then.
fn slot<'m, V: Default>(map: &'m mut HashMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_string(), V::default());
    }
    map.get_mut(key).expect("just inserted")
}

/// Everything a report counts, cell by cell; [`Aggregate::finish`] turns it
/// into the report. Separate from the store so that scoring can be measured
/// (and used) on its own.
pub struct Aggregate<'a> {
    spec: &'a Spec,
    blind: Option<&'a HashMap<String, String>>,
    /// vendor → criterion → tally.
    tallies: HashMap<String, HashMap<String, Tally>>,
    pass_k: HashMap<String, tb_spec::PerCaseMetric>,
    /// Criteria graded by `refusal`, whose detector error is reported.
    refusal_criteria: Vec<String>,
    /// Grades set by hand on answers the rules could not read (committee inputs).
    pub overrides: HashMap<(String, String, String, String, u32), committee::GradeOverride>,
    vendors: HashMap<String, VendorTally>,
    /// The load stages' requests, apart from everything above.
    load: load::LoadTallies,
    /// Agent suites' episodes: turns, calls, violations, per-task results.
    agents: agents::AgentTallies,
}

impl<'a> Aggregate<'a> {
    pub fn new(spec: &'a Spec, blind: Option<&'a HashMap<String, String>>) -> Aggregate<'a> {
        Aggregate {
            spec,
            blind,
            tallies: HashMap::new(),
            pass_k: spec
                .criteria
                .iter()
                .filter_map(|c| tb_spec::per_case_metric(&c.metric).map(|m| (c.id.clone(), m)))
                .collect(),
            refusal_criteria: spec
                .criteria
                .iter()
                .filter(|c| c.grader == tb_spec::GraderKind::Refusal)
                .map(|c| c.id.clone())
                .collect(),
            overrides: HashMap::new(),
            vendors: HashMap::new(),
            load: load::LoadTallies::new(spec),
            agents: agents::AgentTallies::new(spec),
        }
    }

    /// Which load stages ran to their end, from the run's `load_stage_finished` audit entries.
    pub fn stages_finished(&mut self, entries: &[tb_store::AuditEntry]) {
        for e in entries {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(&e.payload) else { continue };
            if let (Some(vendor), Some(stage)) = (v["vendor"].as_str(), v["stage"].as_str()) {
                let attempt = v["attempt"].as_u64().unwrap_or(1) as u32;
                self.load.finished.insert((vendor.to_string(), stage.to_string()), attempt);
            }
        }
    }

    /// Grades one stored cell and counts it; returns the graded cell (named
    /// by its blind code in a blind run) for per-cell outputs.
    pub fn add(&mut self, cell: CellRecord) -> GradedCell<'a> {
        let spec = self.spec;
        if let Some((stage, attempt)) = tb_core::load_stage_of(&cell.suite) {
            let stage = stage.to_string();
            let mut graded = grade_cell(spec, cell);
            self.load.add((&stage, attempt), &graded);
            blind_cell(self.blind, &mut graded);
            return graded;
        }
        let (tallies, vendors, pass_k, blind) = (&mut self.tallies, &mut self.vendors, &self.pass_k, self.blind);
        let v = slot(vendors, &cell.vendor);
        v.cells += 1;
        v.latencies.push(cell.latency_ms);
        if let Some(t) = cell.ttft_ms {
            v.ttfts.push(t);
        }
        v.prompt_tokens += cell.prompt_tokens.unwrap_or(0);
        v.completion_tokens += cell.completion_tokens.unwrap_or(0);
        if let Some(cause) = &cell.cause {
            v.errors += 1;
            *v.causes.entry(cause.clone()).or_default() += 1;
        }
        let failed = cell.cause.is_some();
        if cell.repeat == 0 && !failed {
            let by_case = slot(&mut v.latency_by_case, &cell.suite);
            let at = cell.seq as usize;
            if by_case.len() <= at {
                by_case.resize(at + 1, f64::NAN);
            }
            by_case[at] = cell.latency_ms;
        }
        let mut graded = grade_cell(spec, cell);
        // An evaluator's grade, with its reason, replaces what the rules could not read.
        if !self.overrides.is_empty() {
            let c = &graded.cell;
            for (criterion, grade) in graded.grades.iter_mut() {
                let key = (criterion.to_string(), c.vendor.clone(), c.suite.clone(), c.case_id.clone(), c.repeat);
                // Only what the rules could not read: a decided grade is not the committee's to change.
                if let Some(o) = self.overrides.get(&key).filter(|_| review::in_review(self.spec, criterion, grade)) {
                    *grade = tb_core::Grade {
                        correct: o.correct,
                        extracted: grade.extracted.take(),
                        note: None,
                        how: Some("override".into()),
                    };
                }
            }
        }
        let vendor_tallies = slot(tallies, &graded.cell.vendor);
        for (criterion, grade) in &graded.grades {
            let t = slot(vendor_tallies, criterion);
            t.n += 1;
            t.correct += grade.correct as u64;
            if let Some(k) = pass_k.get(*criterion) {
                t.sample(&graded.cell.case_id, grade.correct, *k);
            }
            if let Some(subject) = &graded.cell.subject {
                let s = match t.by_subject.get_mut(subject) {
                    Some(s) => s,
                    None => t.by_subject.entry(subject.clone()).or_default(),
                };
                s.0 += grade.correct as u64;
                s.1 += 1;
            }
            if spec.run.repeats > 1 {
                let at = graded.cell.seq as usize;
                if t.by_case_samples.len() <= at {
                    t.by_case_samples.resize(at + 1, (0, 0));
                }
                t.by_case_samples[at].0 += grade.correct as u64;
                t.by_case_samples[at].1 += 1;
            }
            if graded.cell.repeat == 0 && !failed {
                let at = graded.cell.seq as usize;
                if t.by_case.len() <= at {
                    t.by_case.resize(at + 1, 0);
                }
                t.by_case[at] = 1 + grade.correct as u8;
            }
            t.errors += failed as u64;
            if let (false, Some(note)) = (failed, &grade.note) {
                t.ungradable += tb_grade::is_ungradable(note) as u64;
                t.undecided += tb_grade::is_undecided(note) as u64;
                *t.outcomes.entry(note.clone()).or_default() += 1;
            }
            // A judge's reading on a choice or numeric criterion is a second opinion.
            t.second_opinions += (!failed
                && matches!(grade.how.as_deref(), Some("judge" | "judge_failed"))
                && self.spec.criteria.iter().any(|c| c.id == *criterion && c.grader.reads_an_answer()))
                as u64;
            t.overrides += (grade.how.as_deref() == Some("override")) as u64;
            t.calls_in_text += (grade.how.as_deref() == Some(tb_grade::tool_call::HOW_CALLS_IN_TEXT)) as u64;
            if !failed && self.refusal_criteria.iter().any(|r| r == criterion) {
                t.refusal.get_or_insert_with(RefusalTally::default).add(grade, graded.cell.language.as_deref());
            }
        }
        for (criterion, rule, correct) in &graded.other_rules {
            *slot(vendor_tallies, criterion).by_rule.entry(rule).or_default() += *correct as u64;
        }
        self.agents.add(&graded);
        blind_cell(blind, &mut graded);
        graded
    }

    /// Joins another aggregate of the same run, so that cells can be scored
    /// on several threads. All samples of one case must have gone to one
    /// aggregate (split by case, never by repeat): pass@k is estimated per case.
    pub fn merge(&mut self, other: Aggregate<'a>) {
        self.load.merge(other.load);
        self.agents.merge(other.agents);
        for (vendor, theirs) in other.vendors {
            let ours = slot(&mut self.vendors, &vendor);
            ours.cells += theirs.cells;
            ours.errors += theirs.errors;
            for (cause, n) in theirs.causes {
                *ours.causes.entry(cause).or_default() += n;
            }
            ours.latencies.extend(theirs.latencies);
            ours.ttfts.extend(theirs.ttfts);
            ours.prompt_tokens += theirs.prompt_tokens;
            ours.completion_tokens += theirs.completion_tokens;
            for (suite, latencies) in theirs.latency_by_case {
                let mine = slot(&mut ours.latency_by_case, &suite);
                if mine.len() < latencies.len() {
                    mine.resize(latencies.len(), f64::NAN);
                }
                for (m, t) in mine.iter_mut().zip(latencies) {
                    if !t.is_nan() {
                        *m = t;
                    }
                }
            }
        }
        for (vendor, tallies) in other.tallies {
            let ours = slot(&mut self.tallies, &vendor);
            for (criterion, mut theirs) in tallies {
                let mine = slot(ours, &criterion);
                if let Some(&k) = self.pass_k.get(&criterion) {
                    mine.close_case(k);
                    theirs.close_case(k);
                    mine.case = None;
                    mine.cases += theirs.cases;
                    mine.estimate_sum += theirs.estimate_sum;
                }
                mine.n += theirs.n;
                mine.correct += theirs.correct;
                mine.errors += theirs.errors;
                mine.ungradable += theirs.ungradable;
                mine.undecided += theirs.undecided;
                mine.second_opinions += theirs.second_opinions;
                mine.overrides += theirs.overrides;
                mine.calls_in_text += theirs.calls_in_text;
                for (rule, n) in theirs.by_rule {
                    *mine.by_rule.entry(rule).or_default() += n;
                }
                if let Some(r) = theirs.refusal {
                    mine.refusal.get_or_insert_with(RefusalTally::default).merge(r);
                }
                for (note, n) in theirs.outcomes {
                    *mine.outcomes.entry(note).or_default() += n;
                }
                if mine.by_case.len() < theirs.by_case.len() {
                    mine.by_case.resize(theirs.by_case.len(), 0);
                }
                for (m, t) in mine.by_case.iter_mut().zip(theirs.by_case) {
                    *m = (*m).max(t);
                }
                for (subject, (passes, samples)) in theirs.by_subject {
                    let s = mine.by_subject.entry(subject).or_default();
                    s.0 += passes;
                    s.1 += samples;
                }
                if mine.by_case_samples.len() < theirs.by_case_samples.len() {
                    mine.by_case_samples.resize(theirs.by_case_samples.len(), (0, 0));
                }
                for (m, t) in mine.by_case_samples.iter_mut().zip(theirs.by_case_samples) {
                    m.0 += t.0;
                    m.1 += t.1;
                }
            }
        }
    }
}

#[cfg(test)]
mod aggregate_tests {
    use super::*;

    /// Cells split by case over two aggregates and merged give the report
    /// that one aggregate of all the cells gives, byte for byte.
    #[test]
    fn merged_aggregates_give_the_same_report() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.jsonl"), "{\"id\": \"0\", \"prompt\": \"p\", \"answer\": \"1\"}\n").unwrap();
        let text = "[tender]\nid = \"T\"\ntitle = \"t\"\nbuyer = \"b\"\nkind = \"services\"\nprice_weight = 0.3\n\
                    [run]\nrepeats = 2\n\
                    [[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\
                    [[criterion]]\nid = \"k\"\nsuite = \"s\"\ngrader = \"numeric\"\nmetric = \"pass@2\"\nweight = 0.5\n\
                    [[criterion]]\nid = \"acc\"\nsuite = \"s\"\ngrader = \"numeric\"\nweight = 0.5\n\
                    [[vendor]]\nname = \"A\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"a\"\nbid_price = 100\n\
                    [[vendor]]\nname = \"B\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"b\"\nbid_price = 90\n";
        let spec = tb_spec::parse(text, &dir.path().join("t.toml"), dir.path()).unwrap();
        let run = tb_store::RunRecord {
            id: "r".into(),
            tender_id: "T".into(),
            spec_hash: spec.canonical_hash(),
            spec_json: serde_json::to_string(&spec).unwrap(),
            suites_json: r#"[{"id": "s", "sha256": "0", "cases": 40}]"#.into(),
            simulated: true,
            status: tb_store::RunStatus::Finished,
            created_at: String::new(),
            finished_at: None,
            public_key: None,
            blind_mapping: None,
            blind_revealed: false,
            order_seed: Some("seed".into()),
        };
        let cell = |vendor: &str, seq: u64, repeat: u32| {
            let right = !(seq * 7 + repeat as u64 + vendor.len() as u64 * 3).is_multiple_of(5);
            CellRecord {
                run_id: "r".into(),
                vendor: vendor.into(),
                suite: "s".into(),
                case_id: format!("c{seq}"),
                repeat,
                seq,
                cause: (seq == 13 && vendor == "B").then(|| "timeout".to_string()),
                detail: None,
                answer: Some(if right { "答案是 1" } else { "答案是 2" }.into()),
                finish_reason: None,
                prompt_tokens: Some(10),
                completion_tokens: Some(2),
                ttft_ms: None,
                latency_ms: 100.0 + (seq * 37 % 50) as f64 + repeat as f64,
                attempts: 1,
                gold_json: r#"{"answer": "1"}"#.into(),
                subject: Some(format!("subject-{}", seq % 4)),
                language: None,
                request_sha256: String::new(),
                response_sha256: String::new(),
                finished_at: String::new(),
                tool_calls: None,
                verdicts: None,
                timing: None,
            }
        };
        let cells = |cases: std::ops::Range<u64>| {
            let mut out = Vec::new();
            for v in ["A", "B"] {
                for seq in cases.clone() {
                    out.extend([cell(v, seq, 0), cell(v, seq, 1)]);
                }
            }
            out
        };
        let committee = committee::CommitteeInputs::default();
        let mut whole = Aggregate::new(&spec, None);
        cells(0..40).into_iter().for_each(|c| drop(whole.add(c)));
        let (mut first, mut second) = (Aggregate::new(&spec, None), Aggregate::new(&spec, None));
        cells(0..17).into_iter().for_each(|c| drop(first.add(c)));
        cells(17..40).into_iter().for_each(|c| drop(second.add(c)));
        first.merge(second);
        let (whole, merged) = (whole.finish(&run, &committee).unwrap(), first.finish(&run, &committee).unwrap());
        assert_eq!(render_json(&whole), render_json(&merged));
        assert!(whole.vendors[1].errors == 2 && whole.vendors[0].criteria[0].agreement.is_some());
        assert!(whole.vendors[0].criteria[1].clustered.is_some(), "by subject");
    }
}
