//! From the counted cells to what a report compares: blind names, paired
//! comparisons, tie bands, the score table, weight sensitivity.

use super::*;

/// Per-cell outputs of a blind run name the code, and drop error details (URLs, headers).
pub(crate) fn blind_cell(blind: Option<&HashMap<String, String>>, graded: &mut GradedCell<'_>) {
    if let Some(codes) = blind {
        graded.cell.vendor = codes.get(&graded.cell.vendor).cloned().unwrap_or_else(|| "V-?".into());
        graded.cell.detail = None;
    }
}

pub(crate) fn blind_stages(mut stages: Vec<StageReport>, blind: Option<&HashMap<String, String>>) -> Vec<StageReport> {
    if let Some(codes) = blind {
        for v in stages.iter_mut().flat_map(|s| s.vendors.iter_mut()) {
            v.name = codes.get(&v.name).cloned().unwrap_or_else(|| "V-?".into());
        }
    }
    stages
}

/// Every pair of vendors compared on the cases both answered: per criterion
/// exact McNemar, and the total score by a paired bootstrap; the total-score
/// p-values are Holm-adjusted across the pairs.
pub(crate) fn compare_vendors(
    spec: &Spec,
    vendors: &[VendorReport],
    by_case: &HashMap<(String, String), Vec<u8>>,
    latency_by_case: &HashMap<String, HashMap<String, Vec<f64>>>,
) -> Vec<Comparison> {
    let empty = Vec::new();
    let mut out = Vec::new();
    for (i, a) in vendors.iter().enumerate() {
        for b in &vendors[i + 1..] {
            let mut criteria = Vec::new();
            let mut scaled = Vec::new();
            for c in &spec.criteria {
                let xa = by_case.get(&(a.name.clone(), c.id.clone())).unwrap_or(&empty);
                let xb = by_case.get(&(b.name.clone(), c.id.clone())).unwrap_or(&empty);
                let mut p = tb_stats::inference::Paired::default();
                for (&ra, &rb) in xa.iter().zip(xb) {
                    if ra > 0 && rb > 0 {
                        p.n += 1;
                        p.only_a += (ra == 2 && rb == 1) as u64;
                        p.only_b += (ra == 1 && rb == 2) as u64;
                    }
                }
                // A unit of accuracy moves the total by this many points.
                scaled.push((spec.technical_weight() * 100.0 * c.weight, p));
                if c.is_subjective() || c.sla.is_some() {
                    // Scored by the panel or judged on a load stage: no cases to pair.
                    continue;
                }
                criteria.push(CriterionComparison {
                    id: c.id.clone(),
                    n: p.n,
                    only_a: p.only_a,
                    only_b: p.only_b,
                    p_mcnemar: tb_stats::inference::mcnemar_exact(p.only_a, p.only_b),
                });
            }
            let difference = a.total_score.zip(b.total_score).map(|(x, y)| x - y);
            // The seed is the run's, mixed with the pair, so a report recomputes exactly.
            let seed = spec.run.seed ^ tb_core::cell_digest(&a.name, &b.name, "", 0) as u64;
            let p = difference.map(|d| {
                tb_stats::inference::paired_total_p(d, &scaled, spec.scoring.bootstrap_resamples as usize, seed)
            });
            let latency = latency_comparison(latency_by_case.get(&a.name), latency_by_case.get(&b.name), spec, seed);
            out.push(Comparison {
                a: a.name.clone(),
                b: b.name.clone(),
                total_difference: difference,
                total_p: p,
                total_p_holm: None,
                tied: None,
                criteria,
                latency,
            });
        }
    }
    let tested: Vec<usize> = (0..out.len()).filter(|&i| out[i].total_p.is_some()).collect();
    let adjusted =
        tb_stats::inference::holm(&tested.iter().map(|&i| out[i].total_p.unwrap_or(1.0)).collect::<Vec<_>>());
    for (&i, p) in tested.iter().zip(adjusted) {
        out[i].total_p_holm = Some(p);
        out[i].tied = Some(p >= spec.scoring.significance);
    }
    out
}

/// Two vendors' latency on the cases both answered, paired by case.
fn latency_comparison(
    a: Option<&HashMap<String, Vec<f64>>>,
    b: Option<&HashMap<String, Vec<f64>>>,
    spec: &Spec,
    seed: u64,
) -> Option<LatencyComparison> {
    let (a, b) = (a?, b?);
    let mut differences = Vec::new();
    for s in &spec.suites {
        let (Some(xa), Some(xb)) = (a.get(&s.id), b.get(&s.id)) else { continue };
        differences.extend(xa.iter().zip(xb).filter(|(x, y)| !x.is_nan() && !y.is_nan()).map(|(x, y)| x - y));
    }
    (!differences.is_empty()).then(|| LatencyComparison {
        n: differences.len() as u64,
        mean_difference_ms: tb_stats::inference::mean(&differences),
        p_permutation: tb_stats::inference::paired_permutation_p(
            &differences,
            spec.scoring.bootstrap_resamples as usize,
            seed ^ 0x006c_6174_656e_6379,
        ),
    })
}

/// Bands over the ranking: a vendor joins the band of the one ranked above
/// when its total does not differ significantly from that band's first.
pub(crate) fn assign_tie_bands(vendors: &mut [VendorReport], comparisons: &[Comparison]) {
    let tied = |x: &str, y: &str| {
        comparisons.iter().any(|c| ((c.a == x && c.b == y) || (c.a == y && c.b == x)) && c.tied == Some(true))
    };
    let mut order: Vec<usize> = (0..vendors.len()).filter(|&i| vendors[i].rank.is_some()).collect();
    order.sort_by_key(|&i| vendors[i].rank);
    let mut band = 0;
    let mut leader: Option<String> = None;
    for i in order {
        let name = vendors[i].name.clone();
        match &leader {
            Some(l) if tied(l, &name) => {}
            _ => {
                band += 1;
                leader = Some(name);
            }
        }
        vendors[i].tie_band = Some(band);
    }
}

/// The score comparison table (评分比较一览表) of the scored bids.
pub(crate) fn score_table(spec: &Spec, vendors: &[VendorReport]) -> ScoreTable {
    let (tw, pw, d) = (spec.technical_weight(), spec.tender.price_weight, spec.scoring.decimals);
    let round = |x: f64| tb_stats::round_to(x, d);
    ScoreTable {
        factors: spec
            .criteria
            .iter()
            .map(|c| ScoreFactor { id: c.id.clone(), name: c.name.clone(), full_points: round(tw * c.weight * 100.0) })
            .collect(),
        price_full_points: round(pw * 100.0),
        rows: vendors
            .iter()
            .map(|v| ScoreRow {
                vendor: v.name.clone(),
                bid_price: v.bid_price,
                factor_points: spec
                    .criteria
                    .iter()
                    .zip(&v.criteria)
                    .map(|(c, r)| round(tw * c.weight * r.value * 100.0))
                    .collect(),
                technical_points: round(tw * v.technical_score),
                price_points: v.price_score.map(|p| round(pw * p)),
                total: v.total_score,
                rank: v.rank,
                remarks: [
                    v.invalid_reason.clone(),
                    v.abnormally_low.then(|| "abnormally_low".to_string()),
                    v.ranked_by_lot.then(|| "ranked_by_lot".to_string()),
                ]
                .into_iter()
                .flatten()
                .collect(),
            })
            .collect(),
    }
}

/// The first place's sensitivity to each weight, among the ranked vendors.
pub(crate) fn sensitivity_of(spec: &Spec, vendors: &[VendorReport]) -> Option<Sensitivity> {
    let ranked: Vec<&VendorReport> = vendors.iter().filter(|v| v.rank.is_some()).collect();
    if ranked.len() < 2 {
        return None;
    }
    let leader = ranked.iter().position(|v| v.rank == Some(1))?;
    let values: Vec<Vec<f64>> = ranked.iter().map(|v| v.criteria.iter().map(|c| c.value).collect()).collect();
    let weights: Vec<f64> = spec.criteria.iter().map(|c| c.weight).collect();
    let prices: Vec<f64> = ranked.iter().map(|v| v.price_score.unwrap_or(0.0)).collect();
    let (per_criterion, price) =
        tb_stats::first_place_sensitivity(&values, &weights, &prices, spec.tender.price_weight, leader);
    let shift = |id: String, s: tb_stats::WeightShift| WeightShift {
        id,
        weight: s.weight,
        change: s.change,
        new_leader: s.new_leader.map(|i| ranked[i].name.clone()),
    };
    Some(Sensitivity {
        leader: ranked[leader].name.clone(),
        criteria: spec.criteria.iter().zip(per_criterion).map(|(c, s)| shift(c.id.clone(), s)).collect(),
        price_weight: shift("price".into(), price),
    })
}
