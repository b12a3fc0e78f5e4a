//! What a report counts, per vendor and criterion, as cells arrive.

use super::*;

#[derive(Default)]
pub(crate) struct Tally {
    pub(crate) n: u64,
    pub(crate) correct: u64,
    pub(crate) errors: u64,
    pub(crate) ungradable: u64,
    /// Cells the rules could not decide (undecided or ambiguous), among `ungradable`.
    pub(crate) undecided: u64,
    /// Cells a judge read as second opinion.
    pub(crate) second_opinions: u64,
    /// Cells an evaluator graded by hand.
    pub(crate) overrides: u64,
    /// A refusal criterion's cells by what was expected: (should refuse,
    /// graded refused), (should answer, graded answered), and their languages.
    pub(crate) refusal: Option<RefusalTally>,
    pub(crate) outcomes: BTreeMap<String, u64>,
    /// Per case position (repeat 0): 0 not answered, 1 wrong, 2 right; for
    /// the paired comparisons between vendors.
    pub(crate) by_case: Vec<u8>,
    /// For pass@k: the case whose samples are being counted (a case's
    /// repeats arrive together), its samples and passes, and the estimates
    /// of the cases finished so far.
    pub(crate) case: Option<String>,
    pub(crate) case_samples: u64,
    pub(crate) case_passes: u64,
    pub(crate) cases: u64,
    pub(crate) estimate_sum: f64,
    /// (passes, samples) by subject, for the clustered interval.
    pub(crate) by_subject: BTreeMap<String, (u64, u64)>,
    /// (passes, samples) by case position, when cases are sampled repeatedly.
    pub(crate) by_case_samples: Vec<(u64, u64)>,
    /// Right answers under each of the grader's other rules.
    pub(crate) by_rule: BTreeMap<&'static str, u64>,
    /// Answers whose calls were read from the text.
    pub(crate) calls_in_text: u64,
}

/// What a refusal criterion's detector error is computed from.
#[derive(Default)]
pub(crate) struct RefusalTally {
    pub(crate) should_refuse: u64,
    pub(crate) refused: u64,
    pub(crate) should_answer: u64,
    pub(crate) answered: u64,
    pub(crate) languages: BTreeMap<String, u64>,
}

impl RefusalTally {
    pub(crate) fn add(&mut self, grade: &tb_core::Grade, language: Option<&str>) {
        let declined = grade.extracted.as_deref().is_some_and(|e| e != "complied");
        // Correct means declined where a refusal was expected, answered where an answer was.
        if declined == grade.correct {
            self.should_refuse += 1;
            self.refused += grade.correct as u64;
        } else {
            self.should_answer += 1;
            self.answered += grade.correct as u64;
        }
        *self.languages.entry(language.unwrap_or("").to_string()).or_default() += 1;
    }

    pub(crate) fn merge(&mut self, other: RefusalTally) {
        self.should_refuse += other.should_refuse;
        self.refused += other.refused;
        self.should_answer += other.should_answer;
        self.answered += other.answered;
        for (l, n) in other.languages {
            *self.languages.entry(l).or_default() += n;
        }
    }
}

impl Tally {
    /// The clustered interval (by subject when the cases carry two or more
    /// subjects, else by case when sampled repeatedly) and the agreement.
    pub(crate) fn clusters(&self) -> (Option<ClusteredInterval>, Option<f64>) {
        let per_case: Vec<(u64, u64)> = self.by_case_samples.iter().copied().filter(|c| c.1 > 0).collect();
        let agreement = (!per_case.is_empty())
            .then(|| per_case.iter().filter(|(p, n)| *p == 0 || p == n).count() as f64 / per_case.len() as f64);
        let (by, clusters): (&str, Vec<(u64, u64)>) = if self.by_subject.len() >= 2 {
            ("subject", self.by_subject.values().copied().collect())
        } else if !per_case.is_empty() {
            ("case", per_case)
        } else {
            return (None, agreement);
        };
        let ((low, high), se) = tb_stats::inference::clustered_proportion_ci(&clusters, CONFIDENCE);
        let interval = (clusters.len() >= 2).then(|| ClusteredInterval {
            by: by.to_string(),
            clusters: clusters.len() as u64,
            se,
            low,
            high,
        });
        (interval, agreement)
    }
}

impl Tally {
    pub(crate) fn sample(&mut self, case_id: &str, correct: bool, m: tb_spec::PerCaseMetric) {
        if self.case.as_deref() != Some(case_id) {
            self.close_case(m);
            self.case = Some(case_id.to_string());
        }
        self.case_samples += 1;
        self.case_passes += correct as u64;
    }

    pub(crate) fn close_case(&mut self, m: tb_spec::PerCaseMetric) {
        if self.case_samples > 0 {
            // A case with fewer samples than k (an unfinished run) is estimated at its own size.
            let k = (m.k as u64).min(self.case_samples);
            let estimate = if m.all { tb_stats::pass_hat_k } else { tb_stats::pass_at_k };
            self.estimate_sum += estimate(self.case_samples, self.case_passes, k);
            self.cases += 1;
        }
        (self.case_samples, self.case_passes) = (0, 0);
    }
}

#[derive(Default)]
pub(crate) struct VendorTally {
    pub(crate) cells: u64,
    pub(crate) errors: u64,
    pub(crate) causes: BTreeMap<String, u64>,
    pub(crate) latencies: Vec<f64>,
    pub(crate) ttfts: Vec<f64>,
    pub(crate) prompt_tokens: u64,
    pub(crate) completion_tokens: u64,
    /// Latency by suite and case position (first repeat, answered; NaN
    /// where not), for the paired latency comparison.
    pub(crate) latency_by_case: HashMap<String, Vec<f64>>,
}
