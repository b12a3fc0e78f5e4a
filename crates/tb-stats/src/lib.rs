//! Pure statistics and the statutory scoring rules. Nothing here does IO or
//! depends on time, and randomness (bootstrap) comes only from an explicit
//! seed: the same inputs always give the same numbers, which is what lets an
//! auditor recompute a report.
//!
//! - [`wilson`]: the Wilson score interval for a proportion.
//! - [`score_bids`]: the comprehensive scoring method (综合评分法, MoF Order
//!   No. 87, art. 55): price score against the lowest valid bid, weighted total,
//!   rank by total then by lower price, ties where both are equal, and the
//!   abnormally-low-bid flag.
//! - [`inference`]: exact McNemar, Holm, percentile and BCa bootstrap.
//! - [`pass_at_k`]: the unbiased pass@k estimator.

pub mod inference;

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};

/// The two-sided standard-normal quantile for a confidence level (0.95 → 1.95996…).
pub fn z_for(confidence: f64) -> f64 {
    let normal = Normal::standard();
    normal.inverse_cdf(1.0 - (1.0 - confidence) / 2.0)
}

/// Wilson score interval for `successes` out of `n` at the given confidence.
/// With `n = 0` nothing is known and the interval is the whole of [0, 1].
pub fn wilson(successes: u64, n: u64, confidence: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = z_for(confidence);
    let n_f = n as f64;
    let p = successes as f64 / n_f;
    let z2 = z * z;
    let denom = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Rounds half away from zero to `decimals` places, as score sheets do.
pub fn round_to(x: f64, decimals: u32) -> f64 {
    let f = 10f64.powi(decimals as i32);
    (x * f).round() / f
}

/// One bid going into the price and total computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bid {
    pub price: f64,
    /// Technical score on a 0–100 scale.
    pub technical: f64,
    /// False when the bid failed a gate: it is not a valid bid, gets no price
    /// score, sets no benchmark and is not ranked.
    pub qualified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredBid {
    pub technical_score: f64,
    pub price_score: Option<f64>,
    pub total_score: Option<f64>,
    /// 1-based competition rank ("1, 1, 3"); `None` when not ranked.
    pub rank: Option<u32>,
    /// Below the trigger relative to the average of the other valid bids: the
    /// bidder must justify the price in writing.
    pub abnormally_low: bool,
}

/// The scoring rule's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceRule {
    pub price_weight: f64,
    pub decimals: u32,
    pub abnormally_low_below_average: f64,
}

/// Scores every bid by the comprehensive scoring method. Output order matches input.
pub fn score_bids(bids: &[Bid], rule: PriceRule) -> Vec<ScoredBid> {
    let valid: Vec<&Bid> = bids.iter().filter(|b| b.qualified).collect();
    let benchmark = valid.iter().map(|b| b.price).fold(f64::INFINITY, f64::min);
    let mut out: Vec<ScoredBid> = bids
        .iter()
        .map(|b| {
            let technical = round_to(b.technical, rule.decimals);
            if !b.qualified {
                return ScoredBid {
                    technical_score: technical,
                    price_score: None,
                    total_score: None,
                    rank: None,
                    abnormally_low: false,
                };
            }
            let price_score = round_to(benchmark / b.price * 100.0, rule.decimals);
            let total =
                round_to((1.0 - rule.price_weight) * technical + rule.price_weight * price_score, rule.decimals);
            let others: Vec<f64> = valid.iter().filter(|o| !std::ptr::eq(**o, b)).map(|o| o.price).collect();
            let abnormally_low = !others.is_empty() && {
                let avg = others.iter().sum::<f64>() / others.len() as f64;
                b.price < (1.0 - rule.abnormally_low_below_average) * avg
            };
            ScoredBid {
                technical_score: technical,
                price_score: Some(price_score),
                total_score: Some(total),
                rank: None,
                abnormally_low,
            }
        })
        .collect();

    // Rank: higher total first; equal totals by lower price; equal both, tied.
    let mut order: Vec<usize> = (0..bids.len()).filter(|&i| bids[i].qualified).collect();
    let totals: Vec<f64> = out.iter().map(|s| s.total_score.unwrap_or(f64::NEG_INFINITY)).collect();
    let key = |i: usize| (totals[i], bids[i].price);
    order.sort_by(|&a, &b| {
        let (ta, pa) = key(a);
        let (tb, pb) = key(b);
        tb.total_cmp(&ta).then(pa.total_cmp(&pb))
    });
    let mut prev: Option<(usize, u32)> = None;
    for (pos, &i) in order.iter().enumerate() {
        let rank = match prev {
            Some((p, r)) if key(p) == key(i) => r,
            _ => pos as u32 + 1,
        };
        out[i].rank = Some(rank);
        prev = Some((i, rank));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), table I: 81/263 → 0.2553–0.3662.
        let (lo, hi) = wilson(81, 263, 0.95);
        assert!((lo - 0.2553).abs() < 1e-4 && (hi - 0.3662).abs() < 1e-4, "{lo} {hi}");
        // 15/148 → 0.0624–0.1605.
        let (lo, hi) = wilson(15, 148, 0.95);
        assert!((lo - 0.0624).abs() < 1e-4 && (hi - 0.1605).abs() < 1e-4, "{lo} {hi}");
        assert_eq!(wilson(0, 0, 0.95), (0.0, 1.0));
        let (lo, hi) = wilson(10, 10, 0.95);
        assert!(hi == 1.0 && lo > 0.69 && lo < 0.73, "{lo}");
    }

    #[test]
    fn z_is_the_normal_quantile() {
        assert!((z_for(0.95) - 1.959964).abs() < 1e-6);
    }

    fn rule() -> PriceRule {
        PriceRule { price_weight: 0.3, decimals: 2, abnormally_low_below_average: 0.2 }
    }

    /// Worked by hand. Benchmark = 800 000 (C).
    /// A: price 1 000 000 → 80.00; total 0.7×90 + 0.3×80 = 87.00
    /// B: price   800 000 → 100.00; total 0.7×80 + 0.3×100 = 86.00
    /// C: price   800 000 → 100.00; technical 80 → 86.00, same total and price as B: tied.
    /// D: failed a gate → not ranked, no price score, and not the benchmark though cheapest.
    #[test]
    fn hand_computed_ranking_with_ties() {
        let bids = [
            Bid { price: 1_000_000.0, technical: 90.0, qualified: true },
            Bid { price: 800_000.0, technical: 80.0, qualified: true },
            Bid { price: 800_000.0, technical: 80.0, qualified: true },
            Bid { price: 500_000.0, technical: 95.0, qualified: false },
        ];
        let s = score_bids(&bids, rule());
        assert_eq!(s[0].price_score, Some(80.0));
        assert_eq!(s[0].total_score, Some(87.0));
        assert_eq!(s[1].total_score, Some(86.0));
        assert_eq!(s.iter().map(|x| x.rank).collect::<Vec<_>>(), vec![Some(1), Some(2), Some(2), None]);
        assert_eq!(s[3].price_score, None);
    }

    /// Equal totals are broken by the lower price.
    /// X: 1 000 000, technical 100 → price 90.00, total 0.7×100 + 0.3×90 = 97.00
    /// Y:   900 000, technical 95.71428… → rounds to 95.71; price 100 → 0.7×95.71 + 30 = 96.997 → 97.00
    #[test]
    fn equal_totals_rank_by_lower_price() {
        let bids = [
            Bid { price: 1_000_000.0, technical: 100.0, qualified: true },
            Bid { price: 900_000.0, technical: 95.714_285, qualified: true },
        ];
        let s = score_bids(&bids, rule());
        assert_eq!(s[0].total_score, Some(97.0));
        assert_eq!(s[1].total_score, Some(97.0));
        assert_eq!(s[1].rank, Some(1));
        assert_eq!(s[0].rank, Some(2));
    }

    #[test]
    fn abnormally_low_is_relative_to_the_other_valid_bids() {
        let bids = [
            Bid { price: 100.0, technical: 50.0, qualified: true },
            Bid { price: 100.0, technical: 50.0, qualified: true },
            Bid { price: 79.0, technical: 50.0, qualified: true },
            Bid { price: 1.0, technical: 50.0, qualified: false },
        ];
        let s = score_bids(&bids, rule());
        assert!(s[2].abnormally_low, "79 < 0.8 × 100");
        assert!(!s[0].abnormally_low);
        let bids = [
            Bid { price: 100.0, technical: 50.0, qualified: true },
            Bid { price: 80.0, technical: 50.0, qualified: true },
        ];
        assert!(!score_bids(&bids, rule())[1].abnormally_low, "exactly 20% below is not below the trigger");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn bids() -> impl Strategy<Value = Vec<Bid>> {
            prop::collection::vec(
                (1.0f64..1e7, 0.0f64..=100.0, prop::bool::weighted(0.8))
                    .prop_map(|(price, technical, qualified)| Bid { price, technical, qualified }),
                1..8,
            )
        }

        fn rule() -> impl Strategy<Value = PriceRule> {
            (0.1f64..=0.6, 0u32..=4, 0.0f64..0.5).prop_map(|(price_weight, decimals, abnormally_low_below_average)| {
                PriceRule { price_weight, decimals, abnormally_low_below_average }
            })
        }

        proptest! {
            #[test]
            fn scores_stay_in_bounds_and_ranks_follow_totals(bids in bids(), rule in rule()) {
                let scored = score_bids(&bids, rule);
                let benchmark = bids.iter().filter(|b| b.qualified).map(|b| b.price).fold(f64::INFINITY, f64::min);
                for (b, s) in bids.iter().zip(&scored) {
                    prop_assert!((0.0..=100.0).contains(&s.technical_score));
                    if !b.qualified {
                        prop_assert!(s.price_score.is_none() && s.total_score.is_none() && s.rank.is_none());
                        continue;
                    }
                    let p = s.price_score.unwrap();
                    // Zero only through rounding a tiny ratio.
                    prop_assert!((0.0..=100.0).contains(&p), "price score {p}");
                    if b.price == benchmark {
                        prop_assert_eq!(p, 100.0);
                    }
                    let t = s.total_score.unwrap();
                    prop_assert!((0.0..=100.0).contains(&t), "total {t}");
                }
                // Competition ranking: 1 + the number of bids strictly ahead.
                for (i, s) in scored.iter().enumerate() {
                    let Some(rank) = s.rank else { continue };
                    let key = |j: usize| (scored[j].total_score.unwrap(), bids[j].price);
                    let ahead = (0..bids.len())
                        .filter(|&j| scored[j].rank.is_some())
                        .filter(|&j| key(j).0 > key(i).0 || (key(j).0 == key(i).0 && key(j).1 < key(i).1))
                        .count();
                    prop_assert_eq!(rank as usize, ahead + 1);
                }
            }

            #[test]
            fn a_higher_price_never_scores_higher(bids in bids(), rule in rule(), which in 0usize..8, factor in 1.0f64..10.0) {
                let i = which % bids.len();
                prop_assume!(bids[i].qualified);
                let mut dearer = bids.clone();
                dearer[i].price *= factor;
                let before = score_bids(&bids, rule)[i].price_score.unwrap();
                let after = score_bids(&dearer, rule)[i].price_score.unwrap();
                prop_assert!(after <= before, "{before} -> {after}");
            }

            #[test]
            fn wilson_brackets_the_observed_rate(n in 1u64..5000, frac in 0.0f64..=1.0) {
                let k = ((n as f64) * frac).round() as u64;
                let (lo, hi) = wilson(k, n, 0.95);
                let p = k as f64 / n as f64;
                prop_assert!(0.0 <= lo && lo <= p + 1e-12 && p <= hi + 1e-12 && hi <= 1.0, "{lo} {p} {hi}");
            }
        }
    }
}

/// The unbiased pass@k estimator (Chen et al., 2021, "Evaluating Large
/// Language Models Trained on Code"): the chance that at least one of k
/// samples drawn without replacement from n, of which c passed, passes.
/// NaN when fewer than k samples were drawn.
pub fn pass_at_k(n: u64, c: u64, k: u64) -> f64 {
    if k == 0 || n < k {
        return f64::NAN;
    }
    if n - c < k {
        return 1.0;
    }
    // 1 − C(n−c, k) / C(n, k), as a product so that it stays finite.
    1.0 - ((n - c + 1)..=n).map(|i| 1.0 - k as f64 / i as f64).product::<f64>()
}

/// The unbiased pass^k estimator: the chance that all k samples drawn
/// without replacement from n, of which c passed, pass — C(c, k) / C(n, k).
/// A vendor that answers the same question differently each time scores low.
pub fn pass_hat_k(n: u64, c: u64, k: u64) -> f64 {
    if k == 0 || n < k {
        return f64::NAN;
    }
    (0..k).map(|i| c.saturating_sub(i) as f64 / (n - i) as f64).product()
}

#[cfg(test)]
mod pass_at_k_tests {
    use super::pass_at_k;

    #[test]
    fn matches_the_closed_form() {
        assert_eq!(pass_at_k(10, 0, 1), 0.0);
        assert!((pass_at_k(10, 3, 1) - 0.3).abs() < 1e-12);
        // 1 − C(7,2)/C(10,2) = 1 − 21/45
        assert!((pass_at_k(10, 3, 2) - (1.0 - 21.0 / 45.0)).abs() < 1e-12);
        assert_eq!(pass_at_k(5, 4, 2), 1.0);
        assert!(pass_at_k(1, 1, 2).is_nan());
    }

    #[test]
    fn pass_hat_k_is_all_k_passing() {
        use super::pass_hat_k;
        // C(3,2)/C(4,2) = 3/6.
        assert!((pass_hat_k(4, 3, 2) - 0.5).abs() < 1e-12);
        assert_eq!(pass_hat_k(4, 4, 4), 1.0);
        assert_eq!(pass_hat_k(4, 1, 2), 0.0);
        assert!((pass_hat_k(10, 7, 1) - 0.7).abs() < 1e-12);
    }
}

/// How far one weight must move before the first place changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightShift {
    /// The weight's value in the spec.
    pub weight: f64,
    /// The smallest change (signed) at which another bidder's total reaches
    /// the leader's; null when no change within 0..1 does it.
    pub change: Option<f64>,
    /// Index of the bidder that would then lead.
    pub new_leader: Option<usize>,
}

/// Sensitivity of the first place. `values[v][c]` is bidder v's value
/// (0..1) on criterion c, `weights[c]` the criterion weights (summing to 1),
/// `price_scores[v]` the price scores, `price_weight` the price weight; only
/// ranked bidders are given, the leader at `leader`. When one criterion weight
/// moves, the others are rescaled so the weights still sum to 1; totals are
/// compared before rounding. Returns one shift per criterion, then the price
/// weight's.
pub fn first_place_sensitivity(
    values: &[Vec<f64>],
    weights: &[f64],
    price_scores: &[f64],
    price_weight: f64,
    leader: usize,
) -> (Vec<WeightShift>, WeightShift) {
    let technical = |v: usize, w: &[f64]| 100.0 * values[v].iter().zip(w).map(|(x, w)| x * w).sum::<f64>();
    let total = |v: usize, w: &[f64], pw: f64| (1.0 - pw) * technical(v, w) + pw * price_scores[v];
    // Totals are linear in the shift, so each rival's crossing is one division.
    let smallest = |at: &dyn Fn(usize, f64) -> f64, lo: f64, hi: f64| -> (Option<f64>, Option<usize>) {
        let mut best: Option<(f64, usize)> = None;
        for rival in (0..values.len()).filter(|&r| r != leader) {
            let gap0 = at(leader, 0.0) - at(rival, 0.0);
            let slope = (at(leader, 1.0) - at(rival, 1.0)) - gap0;
            if slope == 0.0 {
                continue;
            }
            let d = -gap0 / slope;
            if d >= lo && d <= hi && best.is_none_or(|(b, _)| d.abs() < b.abs()) {
                best = Some((d, rival));
            }
        }
        (best.map(|b| b.0), best.map(|b| b.1))
    };
    let per_criterion = (0..weights.len())
        .map(|c| {
            let shifted = |d: f64| -> Vec<f64> {
                let rest = 1.0 - weights[c];
                weights
                    .iter()
                    .enumerate()
                    .map(|(k, w)| {
                        if k == c {
                            w + d
                        } else if rest > 0.0 {
                            w * (rest - d) / rest
                        } else {
                            0.0
                        }
                    })
                    .collect()
            };
            let at = |v: usize, d: f64| total(v, &shifted(d), price_weight);
            let (change, new_leader) = smallest(&at, -weights[c], 1.0 - weights[c]);
            WeightShift { weight: weights[c], change, new_leader }
        })
        .collect();
    let at = |v: usize, d: f64| total(v, weights, price_weight + d);
    let (change, new_leader) = smallest(&at, -price_weight, 1.0 - price_weight);
    (per_criterion, WeightShift { weight: price_weight, change, new_leader })
}

#[cfg(test)]
mod sensitivity_tests {
    use super::*;

    #[test]
    fn hand_computed_crossings() {
        // Two criteria 0.5/0.5, price weight 0.3. A: 0.9, 0.6 (tech 75), price 80 → 76.5.
        // B: 0.6, 0.8 (tech 70), price 100 → 79. B leads.
        let values = vec![vec![0.9, 0.6], vec![0.6, 0.8]];
        let (shifts, price) = first_place_sensitivity(&values, &[0.5, 0.5], &[80.0, 100.0], 0.3, 1);
        // Price weight: 0.7·75 + 0.3·80 vs 0.7·70 + 0.3·100; totals meet when
        // (1−p)·5 = p·20, p = 0.2: a change of −0.1.
        assert!((price.change.unwrap() + 0.1).abs() < 1e-12);
        assert_eq!(price.new_leader, Some(0));
        // Criterion 1's weight up by d (criterion 2's down by d): A's tech 75 + 30d,
        // B's 70 − 20d; 0.7·(5 + 50d) = 0.3·(100 − 80) → d = (6/0.7 − 5)/50.
        let d = (6.0 / 0.7 - 5.0) / 50.0;
        assert!((shifts[0].change.unwrap() - d).abs() < 1e-12, "{:?}", shifts[0]);
        assert!((shifts[1].change.unwrap() + d).abs() < 1e-12);
    }
}
