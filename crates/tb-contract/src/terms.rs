//! The contract file: the terms a buyer signs with the awarded bidder,
//! written so that every number the monitoring uses is in it. `tenderbench
//! contract init` writes one from a finished, signed POC run; the buyer edits
//! the terms, not the baseline (whose report hash `contract check` verifies).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;

/// A contract (合同): whole, as read from its file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contract {
    pub contract: Header,
    pub baseline: Baseline,
    #[serde(default)]
    pub acceptance: AcceptanceTerms,
    #[serde(default)]
    pub monitoring: MonitoringPlan,
    #[serde(default)]
    pub service_levels: ServiceLevels,
    #[serde(default, rename = "credit", skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<Credit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub id: String,
    pub title: String,
    /// The awarded bidder, by its name in the POC run.
    pub vendor: String,
    /// The contract period, both days included (YYYY-MM-DD).
    pub start: String,
    pub end: String,
    /// The monthly fee, which credits are a share of (元).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monthly_fee: Option<f64>,
}

/// What the POC measured of the awarded bidder: the reference every later
/// figure is compared with, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The POC run.
    pub run: String,
    /// SHA-256 of its signed report.json.
    pub report_sha256: String,
    /// The signing key's fingerprint (first 16 hex digits of its SHA-256).
    pub key_fingerprint: String,
    /// The bidder's latency at the POC (ms, nearest rank), the latency alarm's reference.
    pub latency_p95_ms: f64,
    #[serde(rename = "criterion")]
    pub criteria: Vec<BaselineCriterion>,
}

/// One objective criterion as the POC measured it for the awarded bidder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineCriterion {
    pub id: String,
    pub correct: u64,
    pub n: u64,
}

impl BaselineCriterion {
    pub fn rate(&self) -> f64 {
        if self.n == 0 { 0.0 } else { self.correct as f64 / self.n as f64 }
    }

    /// The POC rate's 95% Wilson interval: the baseline band a time line draws.
    pub fn band(&self) -> (f64, f64) {
        tb_stats::wilson(self.correct, self.n, 0.95)
    }
}

/// The acceptance test (验收) at delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AcceptanceTerms {
    /// How much worse than the POC the delivered rate may be (0.05 = five points).
    pub margin: f64,
    /// One-sided confidence of each decision.
    pub confidence: f64,
    /// Fewest delivered cases per criterion for a decision at all.
    pub min_cases: u64,
}

impl Default for AcceptanceTerms {
    fn default() -> Self {
        AcceptanceTerms { margin: 0.05, confidence: 0.95, min_cases: 100 }
    }
}

/// How the service is watched between acceptance and the end of the contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MonitoringPlan {
    /// Days between probes.
    pub every_days: u32,
    /// Cases per criterion in one probe, a fresh draw from the sealed pools.
    pub cases: u64,
    /// The chance of any false alarm over the whole contract period, per alarm.
    pub false_alarm: f64,
    /// The drop of a criterion's rate below the POC's the quality alarm is tuned to catch.
    pub tolerated_drop: f64,
    /// The share of requests slower than the POC's p95 (times
    /// `latency_margin`) the latency alarm is tuned to catch (at most 0.05
    /// when nothing changed).
    pub latency_exceedance: f64,
    /// How much slower than the POC's p95 a request may be before it counts
    /// as slow: room for the network and load between the POC and a probe.
    /// Above 1, the no-change share of slow requests is under 5%, so the
    /// alarm's false-alarm rate is under the contract's.
    #[serde(default = "default_latency_margin")]
    pub latency_margin: f64,
    /// The share of the fixed temperature-0 probes that must be answered
    /// word for word as at the POC; fewer is reported as a model change.
    pub answers_exact_match: f64,
    /// Simulated contracts the alarm thresholds are calibrated on.
    pub simulations: u32,
    /// The fixed prompts of the model fingerprint (their token counts and
    /// temperature-0 answers). The built-in ones are public; a buyer who
    /// writes its own and keeps them out of the vendor's sight makes the
    /// fingerprint harder to game.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fingerprint_prompts: Vec<String>,
    /// The calibration's seed, so anyone recomputes the same thresholds.
    pub seed: u64,
}

impl Default for MonitoringPlan {
    fn default() -> Self {
        MonitoringPlan {
            every_days: 1,
            cases: 20,
            false_alarm: 0.05,
            tolerated_drop: 0.07,
            latency_exceedance: 0.20,
            latency_margin: default_latency_margin(),
            answers_exact_match: 0.5,
            simulations: 4000,
            fingerprint_prompts: vec![],
            seed: 20_270_101,
        }
    }
}

fn default_latency_margin() -> f64 {
    1.25
}

/// The monthly service levels the credits are earned against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServiceLevels {
    /// Answered ÷ sent probe requests in a month.
    pub availability: f64,
    /// The month's p95 latency of answered probe requests, ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_p95_ms: Option<f64>,
    /// The month's rate on every criterion, pooled over its probes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality_floor: Option<f64>,
}

impl Default for ServiceLevels {
    fn default() -> Self {
        ServiceLevels { availability: 0.99, latency_p95_ms: None, quality_floor: None }
    }
}

/// A service credit: the share of the monthly fee a breached level earns the buyer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credit {
    pub level: Level,
    pub percent: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Availability,
    LatencyP95,
    Quality,
    /// An alarm of the monitoring raised in the month (quality, latency or model change).
    Alarm,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Availability => "availability",
            Level::LatencyP95 => "latency_p95",
            Level::Quality => "quality",
            Level::Alarm => "alarm",
        }
    }
}

/// A day of the contract period.
pub fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|e| format!("{text:?} is not a date YYYY-MM-DD ({e})"))
}

impl Contract {
    /// Reads and checks a contract file's text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Contract, String> {
        let contract: Contract = toml::from_str(text).map_err(|e| format!("{origin}: {e}"))?;
        contract.check().map_err(|e| format!("{origin}: {e}"))?;
        Ok(contract)
    }

    /// The contract as a file (what `contract init` writes).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a contract always serialises")
    }

    pub fn period(&self) -> (Date, Date) {
        let day = |s: &str| parse_date(s).expect("checked when read");
        (day(&self.contract.start), day(&self.contract.end))
    }

    /// Whether a probe may be recorded on `day`, after the last one recorded
    /// (`last`): within the contract period, and not before the last probe
    /// (the charts run over the probes in order; months are by day).
    pub fn check_probe_day(&self, day: &str, last: Option<&str>) -> Result<(), String> {
        let date = parse_date(day)?;
        let (start, end) = self.period();
        if date < start || date > end {
            return Err(format!("a probe on {day} is outside the contract period {start} to {end}"));
        }
        if let Some(last) = last.and_then(|l| parse_date(l).ok())
            && date < last
        {
            return Err(format!(
                "a probe on {day} comes after the one recorded on {last}: probes are recorded in order"
            ));
        }
        Ok(())
    }

    /// The day a scheduled probe is due on `today`, if one is: within the
    /// period, on its first day or later, and `every_days` after the last
    /// probe's day (a late probe is taken on the day it is late, never
    /// backdated; the days missed are not made up).
    pub fn due_probe(&self, last: Option<&str>, today: Date) -> Option<String> {
        let (start, end) = self.period();
        if today < start || today > end {
            return None;
        }
        let every = time::Duration::days(i64::from(self.monitoring.every_days.max(1)));
        match last.map(parse_date) {
            Some(Ok(last)) if today < last + every => None,
            _ => Some(today.to_string()),
        }
    }

    /// Probes over the contract period (the horizon the alarms are calibrated on).
    pub fn probes_in_period(&self) -> u32 {
        let (start, end) = self.period();
        let days = (end - start).whole_days() + 1;
        let every = i64::from(self.monitoring.every_days.max(1));
        u32::try_from((days + every - 1) / every).unwrap_or(u32::MAX)
    }

    fn check(&self) -> Result<(), String> {
        let h = &self.contract;
        for (key, value) in
            [("contract.id", &h.id), ("contract.vendor", &h.vendor), ("baseline.run", &self.baseline.run)]
        {
            if value.trim().is_empty() {
                return Err(format!("`{key}` is empty"));
            }
        }
        let (start, end) = (parse_date(&h.start)?, parse_date(&h.end)?);
        if end < start {
            return Err(format!("the contract ends ({end}) before it starts ({start})"));
        }
        if !is_hex(&self.baseline.report_sha256, 64) {
            return Err("`baseline.report_sha256` must be 64 hex digits (the signed report's SHA-256)".into());
        }
        if !is_hex(&self.baseline.key_fingerprint, 16) {
            return Err("`baseline.key_fingerprint` must be 16 hex digits: the baseline is a signed run".into());
        }
        self.check_baseline()?;
        self.check_terms()
    }

    fn check_baseline(&self) -> Result<(), String> {
        if self.baseline.criteria.is_empty() {
            return Err("the baseline names no criterion: nothing to accept or monitor".into());
        }
        let mut seen = BTreeSet::new();
        for c in &self.baseline.criteria {
            if !seen.insert(c.id.as_str()) {
                return Err(format!("baseline criterion {:?} twice", c.id));
            }
            if c.n == 0 || c.correct > c.n {
                return Err(format!("baseline criterion {:?}: {} right of {} cases", c.id, c.correct, c.n));
            }
        }
        let latency = self.baseline.latency_p95_ms;
        if !(latency.is_finite() && latency > 0.0) {
            return Err(format!("`baseline.latency_p95_ms` must be above 0, not {latency}"));
        }
        Ok(())
    }

    fn check_terms(&self) -> Result<(), String> {
        let share = |key: &str, v: f64| {
            if v > 0.0 && v < 1.0 { Ok(()) } else { Err(format!("`{key}` must be between 0 and 1, not {v}")) }
        };
        let a = &self.acceptance;
        share("acceptance.margin", a.margin)?;
        share("acceptance.confidence", a.confidence)?;
        let m = &self.monitoring;
        share("monitoring.false_alarm", m.false_alarm)?;
        share("monitoring.tolerated_drop", m.tolerated_drop)?;
        share("monitoring.answers_exact_match", m.answers_exact_match)?;
        if !(m.latency_exceedance > 0.05 && m.latency_exceedance < 1.0) {
            return Err(format!(
                "`monitoring.latency_exceedance` must be above 0.05 (the share slower than the POC's p95 when nothing changed) and below 1, not {}",
                m.latency_exceedance
            ));
        }
        if !(m.latency_margin >= 1.0 && m.latency_margin.is_finite()) {
            return Err(format!("`monitoring.latency_margin` must be at least 1, not {}", m.latency_margin));
        }
        if m.every_days == 0 || m.cases == 0 || m.simulations < 100 {
            return Err("`monitoring`: every_days and cases at least 1, simulations at least 100".into());
        }
        if let Some(c) = self.baseline.criteria.iter().find(|c| c.rate() - m.tolerated_drop <= 0.0 || c.rate() >= 1.0) {
            return Err(format!(
                "baseline criterion {:?} at {:.1}%: a quality alarm needs a POC rate above the tolerated drop and below 100%",
                c.id,
                c.rate() * 100.0
            ));
        }
        share("service_levels.availability", self.service_levels.availability)?;
        if let Some(q) = self.service_levels.quality_floor {
            share("service_levels.quality_floor", q)?;
        }
        for c in &self.credits {
            if !(c.percent > 0.0 && c.percent <= 100.0) {
                return Err(format!("credit for {}: percent must be in (0, 100], not {}", c.level.name(), c.percent));
            }
            let defined = match c.level {
                Level::Availability | Level::Alarm => true,
                Level::LatencyP95 => self.service_levels.latency_p95_ms.is_some(),
                Level::Quality => self.service_levels.quality_floor.is_some(),
            };
            if !defined {
                return Err(format!("a credit for {} needs that level in [service_levels]", c.level.name()));
            }
        }
        Ok(())
    }
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const EXAMPLE: &str = r#"
[contract]
id = "HZ-12345-2026-017-C1"
title = "12345 热线大模型服务合同"
vendor = "Bidder C"
start = "2027-01-01"
end = "2027-12-31"
monthly_fee = 74166.67

[baseline]
run = "r-poc"
report_sha256 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
key_fingerprint = "0123456789abcdef"
latency_p95_ms = 80.0

[[baseline.criterion]]
id = "knowledge"
correct = 92
n = 100

[monitoring]
every_days = 1
cases = 20
false_alarm = 0.05
tolerated_drop = 0.07
latency_exceedance = 0.2
latency_margin = 1.25
answers_exact_match = 0.5
simulations = 2000
seed = 7

[service_levels]
availability = 0.99
latency_p95_ms = 200.0
quality_floor = 0.85

[[credit]]
level = "availability"
percent = 5

[[credit]]
level = "quality"
percent = 10
"#;

    #[test]
    fn a_contract_reads_and_round_trips() {
        let c = Contract::parse(EXAMPLE, "c.toml").unwrap();
        assert_eq!(c.probes_in_period(), 365);
        assert_eq!(c.acceptance, AcceptanceTerms::default());
        assert_eq!(Contract::parse(&c.to_toml(), "again").unwrap(), c);
    }

    #[test]
    fn a_probe_day_is_in_the_period_and_in_order() {
        let c = Contract::parse(EXAMPLE, "c.toml").unwrap();
        assert!(c.check_probe_day("2027-03-01", Some("2027-02-28")).is_ok());
        assert!(c.check_probe_day("2027-03-01", Some("2027-03-01")).is_ok(), "two probes a day are allowed");
        assert!(c.check_probe_day("2026-12-31", None).unwrap_err().contains("outside the contract period"));
        assert!(c.check_probe_day("2028-01-01", None).unwrap_err().contains("outside the contract period"));
        assert!(c.check_probe_day("2027-02-01", Some("2027-03-01")).unwrap_err().contains("in order"));
        assert!(c.check_probe_day("2027-02-30", None).unwrap_err().contains("not a date"));
    }

    #[test]
    fn a_scheduled_probe_is_due_every_so_many_days_within_the_period() {
        let mut c = Contract::parse(EXAMPLE, "c.toml").unwrap();
        let day = |s: &str| parse_date(s).unwrap();
        assert_eq!(c.due_probe(None, day("2026-12-31")), None, "before the period");
        assert_eq!(c.due_probe(None, day("2027-01-01")).as_deref(), Some("2027-01-01"));
        assert_eq!(c.due_probe(Some("2027-01-01"), day("2027-01-01")), None, "once a day");
        assert_eq!(c.due_probe(Some("2027-01-01"), day("2027-01-02")).as_deref(), Some("2027-01-02"));
        assert_eq!(c.due_probe(Some("2027-12-30"), day("2028-01-01")), None, "after the period");
        c.monitoring.every_days = 7;
        assert_eq!(c.due_probe(Some("2027-03-01"), day("2027-03-07")), None);
        assert_eq!(c.due_probe(Some("2027-03-01"), day("2027-03-08")).as_deref(), Some("2027-03-08"));
        assert_eq!(
            c.due_probe(Some("2027-03-01"), day("2027-04-30")).as_deref(),
            Some("2027-04-30"),
            "late, not backdated"
        );
    }

    #[test]
    fn a_table_with_some_terms_takes_the_others_by_default() {
        let text = EXAMPLE.replace("every_days = 1\ncases = 20\n", "");
        let c = Contract::parse(&text, "c.toml").unwrap();
        assert_eq!((c.monitoring.every_days, c.monitoring.cases, c.monitoring.seed), (1, 20, 7));
    }

    #[test]
    fn bad_terms_are_refused_with_the_key_named() {
        for (from, to, says) in [
            ("end = \"2027-12-31\"", "end = \"2026-12-31\"", "ends"),
            ("key_fingerprint = \"0123456789abcdef\"", "key_fingerprint = \"\"", "signed run"),
            ("correct = 92", "correct = 120", "120 right of 100"),
            ("false_alarm = 0.05", "false_alarm = 1.5", "monitoring.false_alarm"),
            ("latency_exceedance = 0.2", "latency_exceedance = 0.05", "latency_exceedance"),
            ("quality_floor = 0.85\n", "", "needs that level"),
            ("seed = 7", "seed = 7\nwhen = 3", "unknown field `when`"),
            ("every_days = 1\n", "every_days = 0\n", "every_days and cases at least 1"),
            ("start = \"2027-01-01\"", "start = \"2027-13-01\"", "not a date"),
        ] {
            let text = EXAMPLE.replace(from, to);
            let e = Contract::parse(&text, "c.toml").unwrap_err();
            assert!(e.starts_with("c.toml") && e.contains(says), "{from} → {to}: {e}");
        }
    }
}
