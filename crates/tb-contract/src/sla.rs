//! Service-level accounting: each month of the contract from its probes —
//! availability, p95 latency, each criterion's pooled rate, the alarms —
//! the levels breached and the credits they earn by the contract's rules.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Contract;
use crate::monitor::{Alarm, Probe};
use crate::terms::Level;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Month {
    /// YYYY-MM.
    pub month: String,
    pub probes: usize,
    pub sent: u64,
    pub answered: u64,
    /// Answered ÷ sent; None without a probe request.
    pub availability: Option<f64>,
    /// Nearest-rank p95 of the month's answered requests, ms.
    pub latency_p95_ms: Option<f64>,
    /// Each criterion: (right, cases) pooled over the month's probes.
    pub quality: BTreeMap<String, (u64, u64)>,
    pub alarms: usize,
    /// The levels missed, in the contract's order of levels.
    pub breaches: Vec<Level>,
    /// The share of the monthly fee credited (sum of the breached levels' credits, at most 100).
    pub credit_percent: f64,
    /// The credit in money, when the contract states the monthly fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_amount: Option<f64>,
}

/// The months of the probes (and alarms), in order.
pub fn months(contract: &Contract, probes: &[Probe], alarms: &[Alarm]) -> Vec<Month> {
    let mut by_month: BTreeMap<String, Vec<&Probe>> = BTreeMap::new();
    for p in probes {
        by_month.entry(p.day.get(..7).unwrap_or(&p.day).to_string()).or_default().push(p);
    }
    by_month.into_iter().map(|(month, ps)| account(contract, month, &ps, alarms)).collect()
}

fn account(contract: &Contract, month: String, probes: &[&Probe], alarms: &[Alarm]) -> Month {
    let sent: u64 = probes.iter().map(|p| p.sent).sum();
    let answered: u64 = probes.iter().map(|p| p.answered).sum();
    let mut latencies: Vec<f64> = probes.iter().flat_map(|p| p.latencies_ms.iter().copied()).collect();
    latencies.sort_by(f64::total_cmp);
    let latency_p95_ms = (!latencies.is_empty()).then(|| tb_stats::quantile::nearest_rank(&latencies, 0.95));
    let mut quality: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for q in probes.iter().flat_map(|p| &p.quality) {
        let e = quality.entry(q.id.clone()).or_default();
        e.0 += q.correct.min(q.n);
        e.1 += q.n;
    }
    let alarms = alarms.iter().filter(|a| a.day.starts_with(&month)).count();
    let availability = (sent > 0).then(|| answered as f64 / sent as f64);
    let levels = &contract.service_levels;
    let mut breaches = Vec::new();
    if availability.is_some_and(|a| a < levels.availability) {
        breaches.push(Level::Availability);
    }
    if let (Some(limit), Some(p95)) = (levels.latency_p95_ms, latency_p95_ms)
        && p95 > limit
    {
        breaches.push(Level::LatencyP95);
    }
    if let Some(floor) = levels.quality_floor
        && quality.values().any(|(k, n)| *n > 0 && (*k as f64 / *n as f64) < floor)
    {
        breaches.push(Level::Quality);
    }
    if alarms > 0 {
        breaches.push(Level::Alarm);
    }
    // Folded from +0.0: an empty f64 sum is -0.0, which a report would print as such.
    let credit_percent: f64 = contract
        .credits
        .iter()
        .filter(|c| breaches.contains(&c.level))
        .map(|c| c.percent)
        .fold(0.0, |sum, p| sum + p)
        .min(100.0);
    let credit_amount = contract.contract.monthly_fee.map(|fee| tb_stats::round_to(fee * credit_percent / 100.0, 2));
    Month {
        month,
        probes: probes.len(),
        sent,
        answered,
        availability,
        latency_p95_ms,
        quality,
        alarms,
        breaches,
        credit_percent,
        credit_amount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::{AlarmKind, ProbeCriterion};
    use crate::terms::tests::EXAMPLE;

    fn probe(day: &str, correct: u64, answered: u64, latency: f64) -> Probe {
        Probe {
            day: day.into(),
            run: None,
            quality: vec![ProbeCriterion { id: "knowledge".into(), correct, n: 20 }],
            sent: 20,
            answered,
            latencies_ms: vec![latency; answered as usize],
            fingerprint: None,
        }
    }

    #[test]
    fn a_month_breaches_by_the_contracts_levels_and_earns_its_credits() {
        let c = Contract::parse(EXAMPLE, "c.toml").unwrap();
        let probes = [
            probe("2027-01-01", 19, 20, 50.0),
            probe("2027-01-02", 18, 20, 60.0),
            // February: one probe lost 2 of 20 answers (90% < 99%) and the rate is 15/20 and 16/20 (77.5% < 85%).
            probe("2027-02-01", 15, 18, 70.0),
            probe("2027-02-02", 16, 20, 70.0),
        ];
        let alarm = Alarm {
            probe: 3,
            day: "2027-02-02".into(),
            kind: AlarmKind::Quality,
            criterion: Some("knowledge".into()),
            detail: String::new(),
        };
        let m = months(&c, &probes, &[alarm]);
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].month.as_str(), m[0].breaches.len(), m[0].credit_percent), ("2027-01", 0, 0.0));
        assert_eq!(m[0].quality["knowledge"], (37, 40));
        assert_eq!(m[1].availability, Some(38.0 / 40.0));
        assert_eq!(m[1].breaches, [Level::Availability, Level::Quality, Level::Alarm]);
        // 5% for availability + 10% for quality; no credit term for alarms in this contract.
        assert_eq!(m[1].credit_percent, 15.0);
        assert_eq!(m[1].credit_amount, Some(11_125.0));
    }
}
