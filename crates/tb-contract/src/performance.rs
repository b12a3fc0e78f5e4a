//! The monthly performance report (履约报告): a month's service levels,
//! breaches, credits and alarms, with the evidence it rests on — the contract
//! file's hash and every probe's signed run — so that `contract verify`
//! recomputes it from those files alone.

use serde::{Deserialize, Serialize};

use crate::Contract;
use crate::monitor::{self, Alarm, Probe, Thresholds};
use crate::sla::{self, Month};

/// One probe of the month and the signed report it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeEvidence {
    pub day: String,
    pub run: String,
    /// SHA-256 of the probe run's signed report.json.
    pub report_sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerformanceReport {
    pub contract: String,
    pub title: String,
    pub vendor: String,
    /// YYYY-MM.
    pub month: String,
    /// SHA-256 of the contract file the figures were computed under.
    pub contract_sha256: String,
    pub baseline_run: String,
    pub baseline_report_sha256: String,
    pub figures: Month,
    /// The month's alarms (the charts run over every probe from the first,
    /// so an alarm may rest on evidence from earlier months too).
    pub alarms: Vec<Alarm>,
    pub thresholds: Thresholds,
    pub probes: Vec<ProbeEvidence>,
}

/// The report of `month` (YYYY-MM) from every probe record up to its end;
/// `evidence` gives each probe run's signed report hash.
pub fn performance(
    contract: &Contract,
    contract_sha256: &str,
    probes: &[Probe],
    evidence: &dyn Fn(&Probe) -> Result<String, String>,
    month: &str,
) -> Result<PerformanceReport, String> {
    let upto: Vec<Probe> = probes.iter().filter(|p| p.day.get(..7).is_some_and(|m| m <= month)).cloned().collect();
    let thresholds = monitor::thresholds(contract)?;
    let reference = upto.first().and_then(|p| p.fingerprint.clone());
    let trace = monitor::replay(contract, &thresholds, reference.as_ref(), &upto);
    let months = sla::months(contract, &upto, &trace.alarms);
    let figures = months
        .into_iter()
        .find(|m| m.month == month)
        .ok_or_else(|| format!("no probe in {month}: nothing to report"))?;
    let in_month: Vec<&Probe> = upto.iter().filter(|p| p.day.starts_with(month)).collect();
    let mut refs = Vec::new();
    for p in in_month {
        let run = p.run.clone().ok_or_else(|| format!("the probe of {} names no run: it cannot be evidence", p.day))?;
        refs.push(ProbeEvidence { day: p.day.clone(), run, report_sha256: evidence(p)? });
    }
    Ok(PerformanceReport {
        contract: contract.contract.id.clone(),
        title: contract.contract.title.clone(),
        vendor: contract.contract.vendor.clone(),
        month: month.to_string(),
        contract_sha256: contract_sha256.to_string(),
        baseline_run: contract.baseline.run.clone(),
        baseline_report_sha256: contract.baseline.report_sha256.clone(),
        figures,
        alarms: trace.alarms.into_iter().filter(|a| a.day.starts_with(month)).collect(),
        thresholds,
        probes: refs,
    })
}
