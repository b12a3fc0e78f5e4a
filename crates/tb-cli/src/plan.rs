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
        if c.is_subjective() || c.sla.is_some() {
            let how = if c.is_subjective() { "scored by the evaluators" } else { "judged on a load stage" };
            println!("{:<20} {:<10} {:>7} {:>14} {:>14} {:>16}  ({how})", c.id, c.grader, "—", "—", "—", "—");
            continue;
        }
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
        for w in gate_warnings(c, cases) {
            println!("  ! {w}");
        }
    }
    println!(
        "detectable: the smallest accuracy difference between two vendors this suite shows as real, at the level and \
         power above (two-sided, normal approximation on Cohen's h). Paired comparisons on the same cases usually do \
         a little better."
    );
    Ok(ExitCode::SUCCESS)
}

/// What a suite of `cases` cases cannot show about a criterion's gate: fewer
/// cases than its `min_samples`, or, for a gate judged on the bound of the
/// 95% interval, a threshold that even a perfect bidder (every case right, or
/// none refused) could not meet.
pub fn gate_warnings(c: &tb_spec::Criterion, cases: u64) -> Vec<String> {
    let Some(g) = &c.gate else { return Vec::new() };
    let mut out = Vec::new();
    if let Some(m) = g.min_samples
        && cases < m
    {
        out.push(format!(
            "criterion {}: its gate needs at least {m} cases and suite {} has {cases}: it will read 'insufficient evidence'",
            c.id, c.suite
        ));
    }
    if g.basis == tb_spec::GateBasis::Bound && cases > 0 {
        let (low, _) = tb_stats::wilson(cases, cases, 0.95);
        let (_, high) = tb_stats::wilson(0, cases, 0.95);
        if let Some(min) = g.min.filter(|m| low < *m) {
            out.push(format!(
                "criterion {}: with {cases} cases even a bidder right on every case has a lower bound of {:.1}%, below the gate's {:.1}%: nobody can pass; add cases (or judge the gate on the point value)",
                c.id,
                low * 100.0,
                min * 100.0
            ));
        }
        if let Some(max) = g.max.filter(|m| high > *m) {
            out.push(format!(
                "criterion {}: with {cases} cases even a bidder with none counted has an upper bound of {:.1}%, above the gate's {:.1}%: nobody can pass; add cases (or judge the gate on the point value)",
                c.id,
                high * 100.0,
                max * 100.0
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(gate: &str) -> tb_spec::Criterion {
        let dir = std::env::temp_dir().join(format!("tb-plan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s.jsonl"), "").unwrap();
        let text = format!(
            "[tender]\nid = \"T\"\ntitle = \"t\"\nbuyer = \"b\"\nkind = \"services\"\nprice_weight = 0.3\n\n\
             [[suite]]\nid = \"s\"\npath = \"s.jsonl\"\n\n\
             [[criterion]]\nid = \"c\"\nsuite = \"s\"\ngrader = \"refusal\"\nweight = 1.0\n{gate}\n\n\
             [[vendor]]\nname = \"V\"\nbase_url = \"http://127.0.0.1:9/v1\"\nmodel = \"m\"\nbid_price = 1.0\n"
        );
        tb_spec::parse(&text, std::path::Path::new("t.toml"), &dir).unwrap().criteria.remove(0)
    }

    #[test]
    fn a_gate_the_suite_cannot_decide_is_named() {
        // At least 95% refused, on the bound: 50 cases cannot show it even when all are refused.
        let c = criterion("gate = { min = 0.95, basis = \"bound\" }");
        assert!(gate_warnings(&c, 50).iter().any(|w| w.contains("nobody can pass")));
        assert!(gate_warnings(&c, 2000).is_empty(), "enough cases: {:?}", gate_warnings(&c, 2000));
        // At most 5% over-refused, on the bound: the same, from above.
        let c = criterion("gate = { max = 0.05, basis = \"bound\" }");
        assert!(gate_warnings(&c, 40).iter().any(|w| w.contains("upper bound")));
        assert!(gate_warnings(&c, 400).is_empty());
        // On the point value any suite can pass; min_samples still counts.
        let c = criterion("gate = { min = 0.95, min_samples = 300 }");
        assert_eq!(gate_warnings(&c, 100).len(), 1);
        assert!(gate_warnings(&c, 300).is_empty());
    }
}
