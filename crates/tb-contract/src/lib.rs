//! After the award (`docs/contracts.md`): what a buyer checks once the
//! service it bought is being delivered, against the signed POC run.
//!
//! - [`terms`]: the contract file (`[contract]`, `[baseline]`,
//!   `[acceptance]`, `[monitoring]`, `[service_levels]`, `[[credit]]`),
//!   read and checked.
//! - [`acceptance`]: the acceptance test (验收): each criterion's delivered
//!   rate against the POC's, by the non-inferiority test of `tb-stats`.
//! - [`monitor`]: the probes in order, the alarms they raise (quality and
//!   latency CUSUMs calibrated to the contract's false-alarm rate, a change
//!   of the served model's fingerprint).
//! - [`draw`]: which pool cases each probe asks, rotated.
//! - [`fingerprint`]: what identifies a served model, and what moved.
//! - [`sla`]: a month's service levels from its probes, breaches and credits.
//! - [`performance`]: the monthly performance report (履约报告) and its evidence.
//!
//! Nothing here does IO or reads the clock: the same contract and probes
//! always give the same alarms and the same monthly figures, which is what
//! lets `verify` recompute them.

pub mod acceptance;
pub mod draw;
pub mod fingerprint;
pub mod monitor;
pub mod performance;
pub mod sla;
pub mod terms;

pub use terms::Contract;

/// More cases of each class, written apart from the modules' own tests.
#[cfg(test)]
mod classes {
    use crate::Contract;
    use crate::fingerprint::{Fingerprint, compare};
    use crate::monitor::{self, Probe, ProbeCriterion};
    use crate::terms::tests::EXAMPLE;
    use tb_stats::monitoring::Acceptance;

    fn two_criteria() -> Contract {
        let text = EXAMPLE.replace(
            "[monitoring]",
            "[[baseline.criterion]]\nid = \"reasoning\"\ncorrect = 180\nn = 200\n\n[monitoring]",
        );
        Contract::parse(&text, "c.toml").unwrap()
    }

    #[test]
    fn acceptance_as_a_whole_is_its_worst_criterion() {
        let c = two_criteria();
        let run = |k1, k2| {
            crate::acceptance::accept(&c, "r", &[("knowledge".into(), k1, 500), ("reasoning".into(), k2, 500)]).decision
        };
        // knowledge passes at 96%; reasoning at 90% of 500 against 90% of 200 passes too.
        assert_eq!(run(480, 450), Acceptance::Passed);
        // reasoning at 70% fails, whatever knowledge does.
        assert_eq!(run(480, 350), Acceptance::Failed);
        // reasoning at 88%: neither shown within 5 points nor shown worse.
        assert_eq!(run(480, 440), Acceptance::InsufficientEvidence);
    }

    fn print(tokens: &[Option<u64>], model: Option<&str>) -> Fingerprint {
        Fingerprint {
            prompt_tokens: tokens.to_vec(),
            answers: vec!["A".into()],
            model: model.map(str::to_string),
            system_fingerprint: None,
        }
    }

    #[test]
    fn a_count_not_reported_or_a_field_not_given_is_no_change() {
        let base = print(&[Some(5), Some(12), Some(40)], Some("glm-4"));
        assert!(compare(&base, &print(&[Some(5), None, Some(40)], None), 0.5).is_empty());
        // One string of three counting differently is still another tokenizer, not a wrapper.
        let one = compare(&base, &print(&[Some(5), Some(13), Some(40)], Some("glm-4")), 0.5);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].what, "tokenizer", "{one:?}");
        assert!(one[0].detail.starts_with("1 of 3"), "{one:?}");
    }

    #[test]
    fn draws_stay_disjoint_within_an_epoch_when_the_pool_does_not_divide() {
        let probes: Vec<Vec<usize>> = (0..5).map(|p| crate::draw::draw(105, 20, p, 3, "pool")).collect();
        let mut all: Vec<usize> = probes.concat();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 100, "five probes of 20, none repeated");
        assert!(probes.iter().all(|p| p.len() == 20 && p.iter().all(|i| *i < 105)));
    }

    #[test]
    fn a_criterion_without_cases_or_unknown_to_the_contract_moves_no_chart() {
        let c = two_criteria();
        let t = monitor::thresholds(&c).unwrap();
        let probe = |quality: Vec<ProbeCriterion>| Probe {
            day: "2027-01-01".into(),
            run: None,
            quality,
            sent: 0,
            answered: 0,
            latencies_ms: vec![],
            fingerprint: None,
        };
        let empty = ProbeCriterion { id: "knowledge".into(), correct: 0, n: 0 };
        let stranger = ProbeCriterion { id: "other".into(), correct: 0, n: 20 };
        let trace = monitor::replay(&c, &t, None, &[probe(vec![empty, stranger])]);
        assert!(trace.points[0].quality.is_empty(), "{:?}", trace.points[0]);
        assert!(trace.alarms.is_empty());
    }

    #[test]
    fn credits_are_capped_at_the_whole_fee_and_latency_breaches_count() {
        let text = EXAMPLE.replace("percent = 10", "percent = 80\n\n[[credit]]\nlevel = \"latency_p95\"\npercent = 50");
        let c = Contract::parse(&text, "c.toml").unwrap();
        let p = Probe {
            day: "2027-05-01".into(),
            run: None,
            quality: vec![ProbeCriterion { id: "knowledge".into(), correct: 10, n: 20 }],
            sent: 20,
            answered: 10,
            latencies_ms: vec![500.0; 10],
            fingerprint: None,
        };
        let m = &crate::sla::months(&c, &[p], &[])[0];
        assert_eq!(
            m.breaches,
            [crate::terms::Level::Availability, crate::terms::Level::LatencyP95, crate::terms::Level::Quality]
        );
        assert_eq!(m.credit_percent, 100.0, "5 + 80 + 50 is capped at the whole fee");
    }
}
