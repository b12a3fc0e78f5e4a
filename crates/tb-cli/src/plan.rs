//! `tenderbench plan`: before bidding, what the POC can tell apart.

use std::path::Path;
use std::process::ExitCode;

use tb_stats::inference::{cases_needed, min_detectable_difference};

use crate::commands::load_spec;
use crate::{Failure, bad_input};

pub struct PlanArgs {
    pub power: f64,
    pub baseline: f64,
    pub target: f64,
}

pub async fn plan(spec_path: &Path, a: PlanArgs) -> Result<ExitCode, Failure> {
    for (name, x) in [("--power", a.power), ("--baseline", a.baseline), ("--target", a.target)] {
        if !(x > 0.0 && x < 1.0) {
            return Err(bad_input(anyhow::anyhow!("{name} must be between 0 and 1, found {x}")));
        }
    }
    let spec = load_spec(spec_path)?;
    let suites = tb_runner::check_suites(&spec).await.map_err(bad_input)?;
    let vendors = spec.vendors.len() as f64;
    let pairs = (vendors * (vendors - 1.0) / 2.0).max(1.0);
    let alpha = spec.scoring.significance;
    // Holm's first step is the strictest: alpha divided by the number of pairs.
    let strict = alpha / pairs;
    println!(
        "{}: {} vendors, {} pairs; significance {alpha} (Holm's first step {strict:.4}), power {}, baseline accuracy {:.0}%",
        spec.tender.id,
        spec.vendors.len(),
        pairs,
        a.power,
        a.baseline * 100.0
    );
    println!(
        "{:<20} {:<10} {:>7} {:>14} {:>14} {:>16}",
        "criterion",
        "grader",
        "cases",
        "detectable",
        "(Holm strict)",
        format!("cases for {:.0} pts", a.target * 100.0)
    );
    for c in &spec.criteria {
        let cases = suites.iter().find(|s| s.id == c.suite).map_or(0, |s| s.cases);
        let n = cases as f64;
        let mdd = min_detectable_difference(n, a.baseline, alpha, a.power);
        let mdd_strict = min_detectable_difference(n, a.baseline, strict, a.power);
        let needed = cases_needed(a.baseline, a.baseline - a.target, alpha, a.power).ceil();
        println!(
            "{:<20} {:<10} {:>7} {:>13.1}pt {:>13.1}pt {:>16}",
            c.id,
            c.grader,
            cases,
            mdd * 100.0,
            mdd_strict * 100.0,
            needed
        );
        if let Some(g) = &c.gate
            && let Some(m) = g.min_samples
            && cases < m
        {
            println!("  ! gate needs at least {m} cases; this suite has {cases}: it will read 'insufficient evidence'");
        }
    }
    println!(
        "detectable: the smallest accuracy difference between two vendors this suite shows as real, at the level and \
         power above (two-sided, normal approximation on Cohen's h). Paired comparisons on the same cases usually do \
         a little better."
    );
    Ok(ExitCode::SUCCESS)
}
