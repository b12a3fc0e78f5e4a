//! [`Aggregate::finish`]: from what was counted to the report. Each vendor's
//! criteria are valued and gated, the bids scored under the statutory price
//! rule, the vendors compared, and names masked while a blind run is sealed.

use super::*;

use tb_spec::{Gate, VendorSpec};

use crate::model::GateStatus;

impl Aggregate<'_> {
    /// The report of everything counted, for `run` with the committee's inputs.
    pub fn finish(
        self,
        run: &tb_store::RunRecord,
        committee: &committee::CommitteeInputs,
    ) -> Result<Report, ReportError> {
        let Aggregate { spec, blind, mut tallies, pass_k, mut vendors, load, agents, .. } = self;
        let agents = agents.finish(spec, &shown_names(spec, blind));
        // The low-load baseline of each stage: the vendor's answers to the same suite in the run's own cells.
        let baseline = |vendor: &str, criterion: &str| {
            tallies.get(vendor).and_then(|m| m.get(criterion)).map(|t| (t.correct, t.n - t.errors))
        };
        let stages = load.finish(spec, spec.scoring.significance, &baseline);
        let suites: Vec<SuiteRecord> = serde_json::from_str(&run.suites_json)
            .map_err(|e| ReportError::Spec { run_id: run.id.clone(), detail: format!("stored suites: {e}") })?;

        let valuation = Valuation {
            spec,
            pass_k: &pass_k,
            stages: &stages,
            committee,
            expected_per_vendor: suites.iter().map(|s| s.cases).sum::<u64>() * spec.run.repeats as u64,
        };
        let scored = valuation.vendors(&mut tallies, &mut vendors);
        let mut vendor_reports = scored.reports;
        apply_price_rule(&mut vendor_reports, &scored.bids, price_rule(run, spec));
        let mut comparisons = compare_vendors(spec, &vendor_reports, &scored.outcomes_by_case, &scored.latency_by_case);
        assign_tie_bands(&mut vendor_reports, &comparisons);
        if let Some(codes) = &blind {
            mask_names(codes, &mut comparisons, &mut vendor_reports);
        }
        let sensitivity = sensitivity_of(spec, &vendor_reports);
        let mut ranking: Vec<&VendorReport> = vendor_reports.iter().filter(|v| v.rank.is_some()).collect();
        ranking.sort_by_key(|v| v.rank);
        let ranking = ranking.into_iter().map(|v| v.name.clone()).collect();

        Ok(Report {
            grade_overrides: grade_overrides(committee, blind),
            tool: "tenderbench".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            run_id: run.id.clone(),
            status: run.status.as_str().into(),
            created_at: run.created_at.clone(),
            finished_at: run.finished_at.clone(),
            spec_hash: run.spec_hash.clone(),
            simulated: run.simulated,
            blind: blind.is_some(),
            notice: run.simulated.then(|| SIMULATED_NOTICE_EN.to_string()),
            confidence: CONFIDENCE,
            grader_versions: spec
                .criteria
                .iter()
                .filter_map(|c| tb_grade::of_kind(c.grader).map(|g| (c.grader.to_string(), g.version())))
                .collect(),
            signing: run
                .public_key
                .as_ref()
                .map(|k| SigningInfo { public_key: k.clone(), fingerprint: tb_audit::fingerprint(k) }),
            tender: tender_info(spec),
            significance: spec.scoring.significance,
            sensitivity,
            comparisons,
            published_rules: rules_hashes(spec),
            score_table: Some(score_table(spec, &vendor_reports)),
            rules: Some(scoring_rules(run, spec)),
            grader_validation: spec
                .criteria
                .iter()
                .filter_map(|c| {
                    tb_grade::of_kind(c.grader).and_then(|g| g.validation()).map(|v| (c.grader.to_string(), v))
                })
                .collect(),
            judges: judges_info(spec),
            sandbox: spec.runs_code().then(|| SandboxInfo {
                isolation: spec.sandbox.isolation.name().to_string(),
                cpu_seconds: spec.sandbox.cpu_seconds,
                wall_seconds: spec.sandbox.wall_seconds,
                memory_mb: spec.sandbox.memory_mb,
                workers: spec.sandbox.workers,
            }),
            suites,
            criteria: spec.criteria.clone(),
            vendors: vendor_reports,
            ranking,
            stages: blind_stages(stages, blind),
            agents,
        })
    }
}

/// Each vendor's (name, shown name): its blind code while a blind run is sealed.
fn shown_names(spec: &Spec, blind: Option<&HashMap<String, String>>) -> Vec<(String, String)> {
    spec.vendors
        .iter()
        .map(|v| {
            let name = blind.and_then(|b| b.get(&v.name)).cloned().unwrap_or_else(|| v.name.clone());
            (v.name.clone(), name)
        })
        .collect()
}

/// What valuing the vendors' criteria needs besides their tallies.
struct Valuation<'r> {
    spec: &'r Spec,
    /// The criteria whose metric is pass@k or pass^k, estimated over cases.
    pass_k: &'r HashMap<String, tb_spec::PerCaseMetric>,
    stages: &'r [StageReport],
    committee: &'r committee::CommitteeInputs,
    /// Cells a complete vendor answered: every suite's cases, each repeat.
    expected_per_vendor: u64,
}

/// Every vendor's report before the price rule, with its bid and what the
/// paired comparisons between vendors read.
struct ScoredVendors {
    reports: Vec<VendorReport>,
    bids: Vec<Bid>,
    /// (vendor, criterion) → each case's outcome (0 not answered, 1 wrong, 2 right).
    outcomes_by_case: HashMap<(String, String), Vec<u8>>,
    /// vendor → suite → each case's latency.
    latency_by_case: HashMap<String, HashMap<String, Vec<f64>>>,
}

/// One vendor's criteria, valued and gated, and what they add up to.
struct VendorCriteria {
    criteria: Vec<CriterionResult>,
    technical: f64,
    failed_gates: Vec<String>,
    /// A subjective criterion's panel has not scored the vendor yet.
    evaluation_pending: bool,
}

/// A criterion's value for one vendor and its interval; for a subjective
/// criterion, the panel's scores and whether the panel is still incomplete.
struct Valued {
    value: f64,
    interval: (f64, f64),
    evaluator_scores: BTreeMap<String, f64>,
    pending: bool,
}

impl Valuation<'_> {
    /// Every vendor of the spec, in its order, from its tallies (taken out of the maps).
    fn vendors(
        &self,
        tallies: &mut HashMap<String, HashMap<String, Tally>>,
        vendors: &mut HashMap<String, VendorTally>,
    ) -> ScoredVendors {
        let mut scored = ScoredVendors {
            reports: Vec::new(),
            bids: Vec::new(),
            outcomes_by_case: HashMap::new(),
            latency_by_case: HashMap::new(),
        };
        for v in &self.spec.vendors {
            let mut vt = vendors.remove(&v.name).unwrap_or_default();
            scored.latency_by_case.insert(v.name.clone(), std::mem::take(&mut vt.latency_by_case));
            let criteria = self.vendor_criteria(&v.name, tallies, &mut scored.outcomes_by_case);
            let (report, bid) = self.vendor_report(v, vt, criteria);
            scored.bids.push(bid);
            scored.reports.push(report);
        }
        scored
    }

    /// Each criterion of one vendor, valued and gated; its per-case outcomes
    /// go to `outcomes_by_case`.
    fn vendor_criteria(
        &self,
        vendor: &str,
        tallies: &mut HashMap<String, HashMap<String, Tally>>,
        outcomes_by_case: &mut HashMap<(String, String), Vec<u8>>,
    ) -> VendorCriteria {
        let mut out = VendorCriteria {
            criteria: Vec::new(),
            technical: 0.0,
            failed_gates: Vec::new(),
            evaluation_pending: false,
        };
        for c in &self.spec.criteria {
            let mut t = tallies.get_mut(vendor).and_then(|m| m.remove(&c.id)).unwrap_or_default();
            outcomes_by_case.insert((vendor.to_string(), c.id.clone()), std::mem::take(&mut t.by_case));
            let result = self.criterion_result(vendor, c, t);
            out.evaluation_pending |= result.pending;
            if result.gate_passed == Some(false) {
                out.failed_gates.push(c.id.clone());
            }
            out.technical += c.weight * result.value * 100.0;
            out.criteria.push(result);
        }
        out
    }

    /// One criterion's result for one vendor: value and interval, both
    /// accuracies, the clustered interval, the gate's status and the detector's error.
    fn criterion_result(&self, vendor: &str, c: &Criterion, mut t: Tally) -> CriterionResult {
        let sla = c.sla.as_ref().map(|s| load::judge_sla(self.stages, s, vendor));
        let Valued { value, interval: (lo, hi), evaluator_scores, pending } =
            self.value(vendor, c, sla.as_ref(), &mut t);
        // Both figures, whichever the policy: over every cell, and over the answered ones.
        let plain = !self.pass_k.contains_key(&c.id) && sla.is_none() && !c.is_subjective();
        let ratio = |n: u64| if n == 0 { 0.0 } else { t.correct as f64 / n as f64 };
        let (accuracy_all_cells, accuracy_answered) =
            if plain { (Some(ratio(t.n)), Some(ratio(t.n - t.errors))) } else { (None, None) };
        // pass@k is estimated over cases already; its interval is not clustered again.
        let (clustered, agreement) =
            if self.pass_k.contains_key(&c.id) || c.is_subjective() { (None, t.clusters().1) } else { t.clusters() };
        let gate_status = c.gate.as_ref().map(|g| {
            // The bound least favourable to the vendor: the clustered one where cases cluster.
            let bounds = clustered.as_ref().map_or((lo, hi), |c| (c.low.min(lo), c.high.max(hi)));
            let cases = if self.pass_k.contains_key(&c.id) { t.cases } else { t.n };
            // A subjective criterion's panel must be complete before its gate is judged.
            let pending = (c.is_subjective() && !self.committee.scores_of(&c.id, vendor).1)
                || sla.as_ref().is_some_and(|r| r.measured.is_none());
            judge_gate(g, value, bounds, cases, pending)
        });
        let detector = t.refusal.as_ref().map(|r| {
            detector::error(
                (r.refused, r.should_refuse),
                (r.answered, r.should_answer),
                &r.languages,
                c.gate.as_ref().map(|g| (g.min, g.max)),
            )
        });
        CriterionResult {
            id: c.id.clone(),
            name: c.name.clone(),
            metric: c.metric.clone(),
            value,
            ci_low: lo,
            ci_high: hi,
            n: t.n,
            correct: t.correct,
            errors: t.errors,
            ungradable: t.ungradable,
            undecided: t.undecided,
            second_opinions: t.second_opinions,
            overrides: t.overrides,
            detector,
            gate_passed: gate_status.map(|s| s == GateStatus::Passed),
            gate_status,
            outcomes: t.outcomes,
            clustered,
            agreement,
            evaluator_scores,
            pending,
            sla,
            rule: c.grader.rules().first().map(|d| c.rule.clone().unwrap_or_else(|| d.to_string())),
            other_rules: t
                .by_rule
                .iter()
                .map(|(rule, correct)| model::RuleValue {
                    rule: rule.to_string(),
                    correct: *correct,
                    value: if t.n == 0 { 0.0 } else { *correct as f64 / t.n as f64 },
                })
                .collect(),
            calls_in_text: (c.grader == tb_spec::GraderKind::ToolCall).then_some(t.calls_in_text),
            accuracy_all_cells,
            accuracy_answered,
        }
    }

    /// A criterion's value and interval, by its kind: an SLA met or not, the
    /// panel's mean and range, pass@k over cases, or the share of right answers.
    /// Sets `t.n` where the cells counted are not the measure (SLA, panel).
    fn value(&self, vendor: &str, c: &Criterion, sla: Option<&SlaResult>, t: &mut Tally) -> Valued {
        let mut evaluator_scores = BTreeMap::new();
        let mut pending = false;
        let (value, interval) = match self.pass_k.get(&c.id) {
            _ if sla.is_some() => {
                let r = sla.expect("just checked");
                t.n = self
                    .stages
                    .iter()
                    .find(|s| s.id == r.stage)
                    .and_then(|s| s.vendors.iter().find(|sv| sv.name == vendor))
                    .map_or(0, |sv| sv.requests);
                // The interval of "met": met even at the unfavourable bound, and met at the point.
                (r.met as u8 as f64, (r.met_at_bound as u8 as f64, r.met as u8 as f64))
            }
            _ if c.is_subjective() => {
                let (scores, complete) = self.committee.scores_of(&c.id, vendor);
                pending = !complete;
                let values: Vec<f64> = scores.values().map(|s| s / 100.0).collect();
                t.n = values.len() as u64;
                evaluator_scores = scores;
                let value = if values.is_empty() { 0.0 } else { tb_stats::inference::mean(&values) };
                // The panel's scores are the committee's judgements, not a sample of
                // them: the interval shown is their range (none before any score).
                let low = values.iter().copied().fold(f64::INFINITY, f64::min);
                let high = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (value, if values.is_empty() { (0.0, 0.0) } else { (low, high) })
            }
            Some(&k) => {
                t.close_case(k);
                let value = if t.cases == 0 { 0.0 } else { t.estimate_sum / t.cases as f64 };
                // Over cases, not samples: the samples of one case are not independent.
                (value, wilson((value * t.cases as f64).round() as u64, t.cases, CONFIDENCE))
            }
            None => {
                // The buyer's policy for cells whose vendor call failed.
                let n = match self.spec.scoring.failed_cells {
                    tb_spec::FailedCells::Wrong => t.n,
                    tb_spec::FailedCells::Excluded => t.n - t.errors,
                };
                (if n == 0 { 0.0 } else { t.correct as f64 / n as f64 }, wilson(t.correct, n, CONFIDENCE))
            }
        };
        Valued { value, interval, evaluator_scores, pending }
    }

    /// One vendor's report before the price rule (no scores or rank yet), and
    /// its bid: qualified unless a panel is pending, a gate failed or cells are missing.
    fn vendor_report(&self, v: &VendorSpec, vt: VendorTally, scored: VendorCriteria) -> (VendorReport, Bid) {
        let VendorCriteria { criteria, technical, failed_gates, evaluation_pending } = scored;
        // Every stage must have measured the vendor too.
        let complete = vt.cells == self.expected_per_vendor
            && self
                .stages
                .iter()
                .all(|s| s.vendors.iter().any(|sv| sv.name == v.name && sv.finished && sv.requests > 0));
        let invalid_reason = if evaluation_pending {
            // Gates on a subjective criterion are not judged before its panel is complete.
            Some("evaluation_pending")
        } else if !failed_gates.is_empty() {
            Some("failed_gates")
        } else if !complete {
            Some("incomplete")
        } else {
            None
        };
        let qualified = invalid_reason.is_none();
        let justification = self.committee.justifications.get(&v.name).map(|j| j.accepted);
        let bid = Bid { price: v.bid_price, technical, qualified, justification_accepted: justification };
        let cost = match (v.price_per_mtok_input, v.price_per_mtok_output) {
            (None, None) => None,
            (i, o) => Some(
                i.unwrap_or(0.0) * vt.prompt_tokens as f64 / 1e6 + o.unwrap_or(0.0) * vt.completion_tokens as f64 / 1e6,
            ),
        };
        let report = VendorReport {
            name: v.name.clone(),
            model: v.model.clone(),
            provider: v.provider.clone(),
            bid_price: v.bid_price,
            qualified,
            rank: None,
            tie_band: None,
            technical_score: 0.0,
            price_score: None,
            total_score: None,
            abnormally_low: false,
            price_justification: justification.map(|a| if a { "accepted" } else { "rejected" }.to_string()),
            invalid_reason: invalid_reason.map(str::to_string),
            evaluation_pending,
            ranked_by_lot: false,
            failed_gates,
            complete,
            criteria,
            cells: vt.cells,
            errors: vt.errors,
            error_rate: if vt.cells == 0 { 0.0 } else { vt.errors as f64 / vt.cells as f64 },
            error_causes: vt.causes,
            latency_ms: Latency::of(vt.latencies),
            ttft_ms: Latency::of(vt.ttfts),
            prompt_tokens: vt.prompt_tokens,
            completion_tokens: vt.completion_tokens,
            cost,
            fill_in_the_middle: self
                .spec
                .suites
                .iter()
                .any(|s| s.format == tb_suite::SuiteFormat::HumanevalInfilling)
                .then(|| if v.fim_url.is_some() { "fim_api" } else { "chat_prompt" }.to_string()),
        };
        (report, bid)
    }
}

/// A gate's status: `insufficient_evidence` while pending or short of its
/// minimum cases, else `passed` or `failed` on the point or the bounds.
fn judge_gate(g: &Gate, value: f64, (blo, bhi): (f64, f64), cases: u64, pending: bool) -> GateStatus {
    let (for_min, for_max) = match g.basis {
        GateBasis::Point => (value, value),
        GateBasis::Bound => (blo, bhi),
    };
    if pending || g.min_samples.is_some_and(|m| cases < m) {
        GateStatus::InsufficientEvidence
    } else if g.min.is_none_or(|m| for_min >= m) && g.max.is_none_or(|m| for_max <= m) {
        GateStatus::Passed
    } else {
        GateStatus::Failed
    }
}

/// The statutory price rule with the spec's scoring settings and the run's lot seed.
fn price_rule(run: &tb_store::RunRecord, spec: &Spec) -> PriceRule {
    PriceRule {
        price_weight: spec.tender.price_weight,
        decimals: spec.scoring.decimals,
        abnormally_low_below_average: spec.scoring.abnormally_low_below_average,
        abnormal_basis: spec.scoring.abnormally_low_basis,
        unjustified: spec.scoring.unjustified_abnormally_low,
        tie_break: spec.scoring.tie_break,
        lot_seed: lot_seed(run, spec),
    }
}

/// The bids scored under `rule`: scores, rank and abnormally-low flags into
/// the vendors' reports, an unjustified abnormally low bid made invalid.
fn apply_price_rule(vendor_reports: &mut [VendorReport], bids: &[Bid], rule: PriceRule) {
    for (vr, scored) in vendor_reports.iter_mut().zip(score_bids(bids, rule)) {
        vr.technical_score = scored.technical_score;
        vr.price_score = scored.price_score;
        vr.total_score = scored.total_score;
        vr.rank = scored.rank;
        vr.abnormally_low = scored.abnormally_low;
        vr.ranked_by_lot = scored.ranked_by_lot;
        if scored.invalid_low_price {
            vr.qualified = false;
            vr.invalid_reason = Some("abnormally_low_unjustified".into());
        }
    }
}

/// A sealed blind run's comparisons and vendors under their codes, models masked.
fn mask_names(codes: &HashMap<String, String>, comparisons: &mut [Comparison], vendor_reports: &mut [VendorReport]) {
    for c in comparisons {
        for name in [&mut c.a, &mut c.b] {
            *name = codes.get(name.as_str()).cloned().unwrap_or_else(|| "V-?".into());
        }
    }
    for v in vendor_reports {
        v.name = codes.get(&v.name).cloned().unwrap_or_else(|| "V-?".into());
        v.model = MASKED.into();
        v.provider = None;
    }
}

/// The committee's grade overrides, listed by cell, under the vendor's code
/// while a blind run is sealed.
fn grade_overrides(
    committee: &committee::CommitteeInputs,
    blind: Option<&HashMap<String, String>>,
) -> Vec<committee::GradeOverride> {
    let mut grade_overrides: Vec<committee::GradeOverride> = committee
        .overrides
        .values()
        .cloned()
        .map(|mut o| {
            if let Some(code) = blind.and_then(|b| b.get(&o.vendor)) {
                o.vendor = code.clone();
            }
            o
        })
        .collect();
    grade_overrides.sort_by_key(|o| o.key());
    grade_overrides
}

/// The tender as the report states it, its time zone defaulted.
fn tender_info(spec: &Spec) -> TenderInfo {
    TenderInfo {
        id: spec.tender.id.clone(),
        title: spec.tender.title.clone(),
        buyer: spec.tender.buyer.clone(),
        kind: spec.tender.kind,
        price_weight: spec.tender.price_weight,
        technical_weight: spec.technical_weight(),
        time_zone: spec.tender.time_zone.clone().unwrap_or_else(|| "Asia/Shanghai".into()),
    }
}

/// The scoring settings the report applied; the lot's seed where ties go by lot.
fn scoring_rules(run: &tb_store::RunRecord, spec: &Spec) -> ScoringRules {
    ScoringRules {
        decimals: spec.scoring.decimals,
        abnormally_low_below_average: spec.scoring.abnormally_low_below_average,
        abnormally_low_basis: spec.scoring.abnormally_low_basis,
        unjustified_abnormally_low: spec.scoring.unjustified_abnormally_low,
        tie_break: spec.scoring.tie_break,
        lot_seed: (spec.scoring.tie_break == tb_spec::TieBreak::Lot).then(|| lot_seed(run, spec)),
        failed_cells: spec.scoring.failed_cells,
    }
}

/// The judges: id, model, family and note.
fn judges_info(spec: &Spec) -> Vec<JudgeInfo> {
    spec.judges
        .iter()
        .map(|j| JudgeInfo {
            id: j.id.clone(),
            model: j.endpoint.model.clone(),
            family: j.endpoint.family.clone(),
            note: j.note.clone(),
        })
        .collect()
}
