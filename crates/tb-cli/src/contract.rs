//! `tenderbench contract …`: the contract after the award (docs/contracts.md).
//! Every command reads files (the contract, signed reports, probe records)
//! and writes files; the figures are `tb-contract`'s.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use tb_audit::Keypair;
use tb_contract::Contract;
use tb_contract::monitor::{self, Probe};
use tb_contract::terms::{Baseline, BaselineCriterion, Header};
use tb_report::Report;

use crate::{ContractCommand, Failure, bad_input};

/// A file the user named: one that cannot be read is bad input (exit 2), with its path.
pub fn read_input(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| bad_input(anyhow::anyhow!("cannot read {}: {e}", path.display())))
}

/// A report.json whose signature (report.json.sig beside it) checks against
/// the public key it names: (the report, its SHA-256, the key's fingerprint).
fn signed_report(path: &Path) -> Result<(Report, String, String), Failure> {
    let (text, signature) = read_signed(path)?;
    tb_probe::signed_report(&text, &signature, &path.display().to_string()).map_err(|e| bad_input(anyhow::anyhow!(e)))
}

/// A report.json's text and its signature (report.json.sig beside it).
fn read_signed(path: &Path) -> Result<(String, String), Failure> {
    let text = read_input(path)?;
    let sig_path = PathBuf::from(format!("{}.sig", path.display()));
    let signature = match std::fs::read_to_string(&sig_path) {
        Ok(s) => s,
        // An unsigned report says so first: its missing signature file is the consequence.
        Err(_) if !text.contains("\"signing\"") => String::new(),
        Err(e) => return Err(bad_input(anyhow::anyhow!("cannot read the signature {}: {e}", sig_path.display()))),
    };
    Ok((text, signature))
}

fn measured(report: &Report, vendor: &str) -> Result<(tb_probe::Rates, Option<f64>), Failure> {
    tb_probe::measured(report, vendor).map_err(|e| bad_input(anyhow::anyhow!(e)))
}

pub struct InitArgs {
    pub report: PathBuf,
    pub vendor: String,
    pub id: String,
    pub start: String,
    pub end: String,
    pub monthly_fee: Option<f64>,
    pub out: PathBuf,
}

/// `contract init`: a contract file from the awarded bidder's signed POC report, default terms.
pub fn init(a: InitArgs) -> Result<ExitCode, Failure> {
    let (report, sha, key) = signed_report(&a.report)?;
    let (criteria, p95) = measured(&report, &a.vendor)?;
    if criteria.is_empty() {
        return Err(bad_input(anyhow::anyhow!(
            "{} measured no objective criterion of {}: nothing to accept or monitor",
            a.report.display(),
            a.vendor
        )));
    }
    let latency_p95_ms = p95.ok_or_else(|| bad_input(anyhow::anyhow!("{} answered no request", a.vendor)))?;
    let contract = Contract {
        contract: Header {
            id: a.id,
            title: report.tender.title.clone(),
            vendor: a.vendor,
            start: a.start,
            end: a.end,
            monthly_fee: a.monthly_fee,
        },
        baseline: Baseline {
            run: report.run_id.clone(),
            report_sha256: sha,
            key_fingerprint: key,
            latency_p95_ms,
            criteria: criteria.into_iter().map(|(id, correct, n)| BaselineCriterion { id, correct, n }).collect(),
        },
        acceptance: Default::default(),
        monitoring: Default::default(),
        service_levels: Default::default(),
        credits: vec![],
    };
    let text = format!(
        "# Contract after tender {} — written by `tenderbench contract init` from run {}.\n\
         # Edit the terms ([acceptance], [monitoring], [service_levels], [[credit]]), not the baseline.\n\n{}",
        report.tender.id,
        report.run_id,
        contract.to_toml()
    );
    // Check what we wrote the way every later command reads it.
    Contract::parse(&text, &a.out.display().to_string()).map_err(|e| bad_input(anyhow::anyhow!(e)))?;
    std::fs::write(&a.out, text).with_context(|| format!("cannot write {}", a.out.display()))?;
    println!(
        "contract {}: written, baseline run {} ({} criteria)",
        a.out.display(),
        report.run_id,
        contract.baseline.criteria.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The probe records of a probe file (one JSON object a line); a file not yet written has none.
pub fn read_probes(path: &Path) -> Result<Vec<Probe>, Failure> {
    if !path.exists() {
        return Ok(vec![]);
    }
    let text = read_input(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| bad_input(anyhow::anyhow!("{}:{}: not a probe record: {e}", path.display(), i + 1)))
        })
        .collect()
}

fn load(path: &Path) -> Result<Contract, Failure> {
    let text = read_input(path)?;
    Contract::parse(&text, &path.display().to_string()).map_err(|e| bad_input(anyhow::anyhow!(e)))
}

/// `contract check`: the terms read, the alarms calibrated, what each would catch and when.
pub fn check(path: &Path) -> Result<ExitCode, Failure> {
    let c = load(path)?;
    let t = monitor::thresholds(&c).map_err(|e| bad_input(anyhow::anyhow!(e)))?;
    let m = &c.monitoring;
    let horizon = c.probes_in_period();
    println!(
        "contract {}: valid; {} probes of {} cases per criterion, every {} day(s), {} to {}",
        c.contract.id, horizon, m.cases, m.every_days, c.contract.start, c.contract.end
    );
    for b in &c.baseline.criteria {
        let cal = &t.quality[&b.id];
        let chart = tb_stats::monitoring::BernoulliCusum { p0: b.rate(), p1: b.rate() - m.tolerated_drop, h: cal.h };
        let (median, p95) = chart.detection_probes(chart.p1, m.cases, horizon, 1000, m.seed);
        println!(
            "  quality {}: POC {:.1}%, alarm tuned to {:.1}%; threshold {:.3}, false alarms over the period {:.1}% (target {:.1}%); a drop to {:.1}% is caught after {} probes (median), {} (95%)",
            b.id,
            b.rate() * 100.0,
            chart.p1 * 100.0,
            cal.h,
            cal.false_alarm_rate * 100.0,
            m.false_alarm * 100.0,
            chart.p1 * 100.0,
            probes_text(median),
            probes_text(p95),
        );
    }
    println!(
        "  latency: POC p95 {:.0} ms; alarm tuned to {:.0}% of requests slower; threshold {:.3}, false alarms {:.1}%",
        c.baseline.latency_p95_ms,
        m.latency_exceedance * 100.0,
        t.latency.h,
        t.latency.false_alarm_rate * 100.0
    );
    Ok(ExitCode::SUCCESS)
}

fn probes_text(p: Option<u32>) -> String {
    p.map_or_else(|| "never, within the period".into(), |p| p.to_string())
}

/// `contract accept`: the acceptance test on a signed acceptance run's report.
pub fn accept(path: &Path, report_path: &Path, key: Option<&Path>, out: &Path) -> Result<ExitCode, Failure> {
    let c = load(path)?;
    let (text, signature) = read_signed(report_path)?;
    let result = tb_probe::acceptance(&c, &text, &signature, &report_path.display().to_string())
        .map_err(|e| bad_input(anyhow::anyhow!(e)))?;
    let json = serde_json::to_string_pretty(&result).context("acceptance report")? + "\n";
    std::fs::write(out, &json).with_context(|| format!("cannot write {}", out.display()))?;
    if let Some(key) = key {
        let key = Keypair::load(key).map_err(bad_input)?;
        let sig_path = PathBuf::from(format!("{}.sig", out.display()));
        std::fs::write(&sig_path, key.sign(json.as_bytes()) + "\n")
            .with_context(|| format!("cannot write {}", sig_path.display()))?;
    }
    println!("acceptance of {} ({}): {}", c.contract.id, c.contract.vendor, decision_text(result.decision));
    for cr in &result.criteria {
        println!(
            "  {}: {} of {} delivered vs {} of {} at the POC: {} — {}",
            cr.id,
            cr.delivered_correct,
            cr.delivered_n,
            cr.baseline_correct,
            cr.baseline_n,
            decision_text(cr.test.decision),
            cr.reason
        );
    }
    println!("written: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn decision_text(d: tb_stats::monitoring::Acceptance) -> &'static str {
    match d {
        tb_stats::monitoring::Acceptance::Passed => "passed (验收合格)",
        tb_stats::monitoring::Acceptance::Failed => "failed (验收不合格)",
        tb_stats::monitoring::Acceptance::InsufficientEvidence => "insufficient evidence (证据不足)",
    }
}

/// `contract monitor`: the probe records replayed — alarms, the time line, the months and their credits.
pub fn monitor(path: &Path, probes_path: &Path, out: &Path) -> Result<ExitCode, Failure> {
    let c = load(path)?;
    if !probes_path.exists() {
        return Err(bad_input(anyhow::anyhow!("{}: no probe records", probes_path.display())));
    }
    let probes = read_probes(probes_path)?;
    let baseline = probes.first().and_then(|p| p.fingerprint.clone());
    let t = monitor::thresholds(&c).map_err(|e| bad_input(anyhow::anyhow!(e)))?;
    // The first probe's fingerprint is the reference when the POC's is not on record.
    let trace = monitor::replay(&c, &t, baseline.as_ref(), &probes);
    let months = tb_contract::sla::months(&c, &probes, &trace.alarms);
    let doc = serde_json::json!({ "contract": c.contract.id, "trace": trace, "months": months });
    std::fs::write(out, serde_json::to_string_pretty(&doc).context("monitor report")? + "\n")
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("contract {}: {} probes, {} alarms", c.contract.id, probes.len(), trace.alarms.len());
    for a in &trace.alarms {
        println!("  alarm {} (probe {}): {:?}: {}", a.day, a.probe + 1, a.kind, a.detail);
    }
    for m in &months {
        println!(
            "  {}: {} probes, availability {}, breaches [{}], credit {:.1}%",
            m.month,
            m.probes,
            m.availability.map_or("—".into(), |a| format!("{:.2}%", a * 100.0)),
            m.breaches.iter().map(|b| b.name()).collect::<Vec<_>>().join(", "),
            m.credit_percent
        );
    }
    println!("written: {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Runs one `contract` subcommand.
pub async fn dispatch(command: ContractCommand) -> Result<ExitCode, Failure> {
    match command {
        ContractCommand::Init { report, vendor, id, start, end, monthly_fee, out } => {
            init(InitArgs { report, vendor, id, start, end, monthly_fee, out })
        }
        ContractCommand::Check { contract } => check(&contract),
        ContractCommand::Accept { contract, report, key, out } => accept(&contract, &report, key.as_deref(), &out),
        ContractCommand::Probe { contract, spec, probes, day, db, out, key, webhook, distributed, server, token } => {
            let args = crate::contract_probe::ProbeArgs {
                contract,
                spec,
                probes,
                day,
                db,
                out,
                key,
                webhook,
                distributed,
                server,
                token,
            };
            crate::contract_probe::probe(args).await
        }
        ContractCommand::Report { contract, probes, month, runs, lang, key, out, docx, pdf } => {
            crate::contract_report::report(crate::contract_report::ReportArgs {
                contract,
                probes,
                month,
                runs,
                lang,
                key,
                out,
                docx,
                pdf,
            })
        }
        ContractCommand::Verify { report, contract, probes, runs } => {
            crate::contract_report::verify(&report, &contract, &probes, &runs)
        }
        ContractCommand::Monitor { contract, probes, out } => monitor(&contract, &probes, &out),
    }
}
