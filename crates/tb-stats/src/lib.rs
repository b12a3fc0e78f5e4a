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
//! - [`monitoring`]: after the award: the acceptance test (non-inferiority)
//!   and the monitoring alarm (a CUSUM calibrated to the contract's false-alarm rate).

pub mod inference;
pub mod monitoring;
pub mod quantile;

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
    /// The committee's decision on the bidder's written justification of an
    /// abnormally low price: accepted (true), rejected (false), or none yet.
    #[serde(default)]
    pub justification_accepted: Option<bool>,
}

impl Bid {
    pub fn new(price: f64, technical: f64, qualified: bool) -> Bid {
        Bid { price, technical, qualified, justification_accepted: None }
    }
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
    /// Abnormally low without an accepted justification, under a rule that
    /// makes such a bid invalid: not ranked and not the price benchmark.
    pub invalid_low_price: bool,
    /// Equal total and equal price with another bid, and placed by lot.
    pub ranked_by_lot: bool,
}

/// What the abnormally-low trigger compares a bid's price with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbnormalBasis {
    /// The mean of the other valid bids (common practice; the default).
    #[default]
    MeanOfOthers,
    /// The mean of all valid bids, this one included.
    MeanOfAll,
}

/// What becomes of an abnormally low bid whose justification was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unjustified {
    /// Flagged for the committee; still scored and ranked.
    #[default]
    Flag,
    /// Invalid: no price score, no rank, and not the benchmark.
    Invalid,
}

/// How bids equal in total and in price are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TieBreak {
    /// They share the rank (the default).
    #[default]
    Tied,
    /// They are ordered by lot: see [`lot_key`].
    Lot,
}

/// The scoring rule's parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PriceRule {
    pub price_weight: f64,
    pub decimals: u32,
    pub abnormally_low_below_average: f64,
    pub abnormal_basis: AbnormalBasis,
    pub unjustified: Unjustified,
    pub tie_break: TieBreak,
    /// The seed of the lot (the run's seed, recorded in the report).
    pub lot_seed: u64,
}

impl PriceRule {
    /// The defaults: trigger 20% below the mean of the others, flag only, ties shared.
    pub fn new(price_weight: f64, decimals: u32) -> PriceRule {
        PriceRule {
            price_weight,
            decimals,
            abnormally_low_below_average: 0.2,
            abnormal_basis: AbnormalBasis::MeanOfOthers,
            unjustified: Unjustified::Flag,
            tie_break: TieBreak::Tied,
            lot_seed: 0,
        }
    }
}

/// The lot of the bid at `position` (0-based, in spec order): SplitMix64 of
/// `seed + position`. Tied bids are placed by ascending key. Written out so
/// that anyone can redraw the lot by hand: z = seed + position·0x9E3779B97F4A7C15
/// (wrapping); z = (z ⊕ z≫30)·0xBF58476D1CE4E5B9; z = (z ⊕ z≫27)·0x94D049BB133111EB; z ⊕ z≫31.
pub fn lot_key(seed: u64, position: usize) -> u64 {
    let mut z = seed.wrapping_add((position as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Scores every bid by the comprehensive scoring method. Output order matches input.
///
/// 1. Abnormally low: a qualified bid priced more than the trigger below the
///    mean of the other (or all) qualified bids is flagged.
/// 2. Under [`Unjustified::Invalid`], a flagged bid whose justification was not
///    accepted is invalid.
/// 3. The benchmark is the lowest valid price; price score = benchmark / price × 100.
/// 4. Total = (1 − price weight) × technical + price weight × price score, each rounded.
/// 5. Rank by total, then by lower price; bids equal in both share the rank or,
///    under [`TieBreak::Lot`], are placed by lot.
pub fn score_bids(bids: &[Bid], rule: PriceRule) -> Vec<ScoredBid> {
    let qualified: Vec<usize> = (0..bids.len()).filter(|&i| bids[i].qualified).collect();
    let abnormally_low: Vec<bool> = (0..bids.len())
        .map(|i| {
            if !bids[i].qualified {
                return false;
            }
            let compared: Vec<f64> = qualified
                .iter()
                .filter(|&&j| j != i || rule.abnormal_basis == AbnormalBasis::MeanOfAll)
                .map(|&j| bids[j].price)
                .collect();
            // A bid needs at least one other to be compared with.
            let enough = match rule.abnormal_basis {
                AbnormalBasis::MeanOfOthers => 1,
                AbnormalBasis::MeanOfAll => 2,
            };
            compared.len() >= enough && {
                let avg = compared.iter().sum::<f64>() / compared.len() as f64;
                bids[i].price < (1.0 - rule.abnormally_low_below_average) * avg
            }
        })
        .collect();
    let invalid_low_price: Vec<bool> = (0..bids.len())
        .map(|i| {
            abnormally_low[i]
                && rule.unjustified == Unjustified::Invalid
                && bids[i].justification_accepted != Some(true)
        })
        .collect();
    let valid = |i: usize| bids[i].qualified && !invalid_low_price[i];
    let benchmark = (0..bids.len()).filter(|&i| valid(i)).map(|i| bids[i].price).fold(f64::INFINITY, f64::min);
    let mut out: Vec<ScoredBid> = bids
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let technical = round_to(b.technical, rule.decimals);
            let (price_score, total_score) = if valid(i) {
                let price_score = round_to(benchmark / b.price * 100.0, rule.decimals);
                let total =
                    round_to((1.0 - rule.price_weight) * technical + rule.price_weight * price_score, rule.decimals);
                (Some(price_score), Some(total))
            } else {
                (None, None)
            };
            ScoredBid {
                technical_score: technical,
                price_score,
                total_score,
                rank: None,
                abnormally_low: abnormally_low[i],
                invalid_low_price: invalid_low_price[i],
                ranked_by_lot: false,
            }
        })
        .collect();

    // Rank: higher total first; equal totals by lower price; equal both, tied or by lot.
    let mut order: Vec<usize> = (0..bids.len()).filter(|&i| valid(i)).collect();
    let totals: Vec<f64> = out.iter().map(|s| s.total_score.unwrap_or(f64::NEG_INFINITY)).collect();
    let key = |i: usize| (totals[i], bids[i].price);
    let lot = |i: usize| match rule.tie_break {
        TieBreak::Tied => 0,
        TieBreak::Lot => lot_key(rule.lot_seed, i),
    };
    order.sort_by(|&a, &b| {
        let (ta, pa) = key(a);
        let (tb, pb) = key(b);
        tb.total_cmp(&ta).then(pa.total_cmp(&pb)).then(lot(a).cmp(&lot(b))).then(a.cmp(&b))
    });
    let mut prev: Option<(usize, u32)> = None;
    for (pos, &i) in order.iter().enumerate() {
        let equal_to_previous = prev.is_some_and(|(p, _)| key(p) == key(i));
        let rank = match prev {
            Some((_, r)) if equal_to_previous && rule.tie_break == TieBreak::Tied => r,
            _ => pos as u32 + 1,
        };
        if equal_to_previous && rule.tie_break == TieBreak::Lot {
            out[i].ranked_by_lot = true;
            if let Some((p, _)) = prev {
                out[p].ranked_by_lot = true;
            }
        }
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
        PriceRule::new(0.3, 2)
    }

    /// Worked by hand. Benchmark = 800 000 (C).
    /// A: price 1 000 000 → 80.00; total 0.7×90 + 0.3×80 = 87.00
    /// B: price   800 000 → 100.00; total 0.7×80 + 0.3×100 = 86.00
    /// C: price   800 000 → 100.00; technical 80 → 86.00, same total and price as B: tied.
    /// D: failed a gate → not ranked, no price score, and not the benchmark though cheapest.
    #[test]
    fn hand_computed_ranking_with_ties() {
        let bids = [
            Bid::new(1_000_000.0, 90.0, true),
            Bid::new(800_000.0, 80.0, true),
            Bid::new(800_000.0, 80.0, true),
            Bid::new(500_000.0, 95.0, false),
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
        let bids = [Bid::new(1_000_000.0, 100.0, true), Bid::new(900_000.0, 95.714_285, true)];
        let s = score_bids(&bids, rule());
        assert_eq!(s[0].total_score, Some(97.0));
        assert_eq!(s[1].total_score, Some(97.0));
        assert_eq!(s[1].rank, Some(1));
        assert_eq!(s[0].rank, Some(2));
    }

    #[test]
    fn abnormally_low_is_relative_to_the_other_valid_bids() {
        let bids = [
            Bid::new(100.0, 50.0, true),
            Bid::new(100.0, 50.0, true),
            Bid::new(79.0, 50.0, true),
            Bid::new(1.0, 50.0, false),
        ];
        let s = score_bids(&bids, rule());
        assert!(s[2].abnormally_low, "79 < 0.8 × 100");
        assert!(!s[0].abnormally_low);
        let bids = [Bid::new(100.0, 50.0, true), Bid::new(80.0, 50.0, true)];
        assert!(!score_bids(&bids, rule())[1].abnormally_low, "exactly 20% below is not below the trigger");
    }

    /// The hand-worked example of docs/scoring.md, goods: price weight 0.30.
    /// D (600 000) is more than 20% below the mean of the others
    /// (1 016 666.67 × 0.8 = 813 333.33); its justification was rejected and the
    /// spec makes such a bid invalid, so the benchmark is B's 950 000.
    /// A: 95.00 → 0.7×88.50 + 0.3×95.00 = 90.45
    /// B: 100.00 → 0.7×82.00 + 30.00 = 87.40
    /// C: 950/1100 = 86.36 → 0.7×93.00 + 0.3×86.36 = 91.008 → 91.01
    #[test]
    fn order_87_goods_with_an_abnormally_low_bid() {
        let mut d = Bid::new(600_000.0, 70.0, true);
        d.justification_accepted = Some(false);
        let bids = [
            Bid::new(1_000_000.0, 88.5, true),
            Bid::new(950_000.0, 82.0, true),
            Bid::new(1_100_000.0, 93.0, true),
            d.clone(),
        ];
        let rule = PriceRule { unjustified: Unjustified::Invalid, ..PriceRule::new(0.3, 2) };
        let s = score_bids(&bids, rule);
        assert_eq!(s.iter().map(|x| x.price_score).collect::<Vec<_>>(), [Some(95.0), Some(100.0), Some(86.36), None]);
        assert_eq!(s.iter().map(|x| x.total_score).collect::<Vec<_>>(), [Some(90.45), Some(87.4), Some(91.01), None]);
        assert_eq!(s.iter().map(|x| x.rank).collect::<Vec<_>>(), [Some(2), Some(3), Some(1), None]);
        assert!(s[3].abnormally_low && s[3].invalid_low_price);
        assert!(s[..3].iter().all(|x| !x.abnormally_low));

        // Had the justification been accepted, D would be valid and the benchmark:
        // A 60.00 → 61.95 + 18.00 = 79.95; D 100.00 → 49.00 + 30.00 = 79.00.
        let mut accepted = bids.clone();
        accepted[3].justification_accepted = Some(true);
        let s = score_bids(&accepted, rule);
        assert!(s[3].abnormally_low && !s[3].invalid_low_price);
        assert_eq!((s[0].total_score, s[3].total_score), (Some(79.95), Some(79.0)));
        // And under the default rule (flag only) a rejected justification changes nothing.
        assert_eq!(score_bids(&bids, PriceRule::new(0.3, 2)), s);
    }

    /// The hand-worked example of docs/scoring.md, services: price weight 0.10.
    /// Benchmark 400 000 (F and G).
    /// E: 400/480 = 83.33 → 0.9×89.85 + 0.1×83.33 = 80.865 + 8.333 = 89.198 → 89.20
    /// F: 100.00 → 0.9×88.00 + 10.00 = 89.20: equal to E's total, lower price → ahead of E.
    /// G: the same price and technical score as F: tied with F, or placed by lot.
    #[test]
    fn order_87_services_with_a_tie_on_total() {
        let bids = [Bid::new(480_000.0, 89.85, true), Bid::new(400_000.0, 88.0, true), Bid::new(400_000.0, 88.0, true)];
        let s = score_bids(&bids, PriceRule::new(0.1, 2));
        assert_eq!(s.iter().map(|x| x.total_score).collect::<Vec<_>>(), [Some(89.2), Some(89.2), Some(89.2)]);
        assert_eq!(s.iter().map(|x| x.rank).collect::<Vec<_>>(), [Some(3), Some(1), Some(1)]);
        assert!(s.iter().all(|x| !x.ranked_by_lot));

        // By lot with seed 42: the keys decide between F (position 1) and G (position 2).
        let rule = PriceRule { tie_break: TieBreak::Lot, lot_seed: 42, ..PriceRule::new(0.1, 2) };
        let s = score_bids(&bids, rule);
        let f_first = lot_key(42, 1) < lot_key(42, 2);
        let expected = if f_first { [Some(3), Some(1), Some(2)] } else { [Some(3), Some(2), Some(1)] };
        assert_eq!(s.iter().map(|x| x.rank).collect::<Vec<_>>(), expected);
        assert_eq!(s.iter().map(|x| x.ranked_by_lot).collect::<Vec<_>>(), [false, true, true]);
    }

    /// SplitMix64's published first outputs for seed 1234567 (Vigna's
    /// reference implementation), so a lot can be redrawn with any tool.
    #[test]
    fn lot_keys_are_splitmix64() {
        // splitmix64 with state 1234567: the first output uses state + golden gamma.
        assert_eq!(lot_key(1_234_567u64.wrapping_add(0x9E37_79B9_7F4A_7C15), 0), 6_457_827_717_110_365_317);
        assert_eq!(lot_key(1_234_567, 1), 6_457_827_717_110_365_317);
        assert_eq!(lot_key(1_234_567, 2), 3_203_168_211_198_807_973);
    }

    #[test]
    fn the_mean_of_all_is_a_milder_trigger() {
        // Others' mean 100 → trigger 80; all's mean (100+100+75)/3 = 91.67 → 73.33.
        let bids = [Bid::new(100.0, 50.0, true), Bid::new(100.0, 50.0, true), Bid::new(75.0, 50.0, true)];
        assert!(score_bids(&bids, PriceRule::new(0.3, 2))[2].abnormally_low);
        let all = PriceRule { abnormal_basis: AbnormalBasis::MeanOfAll, ..PriceRule::new(0.3, 2) };
        assert!(!score_bids(&bids, all)[2].abnormally_low);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn bids() -> impl Strategy<Value = Vec<Bid>> {
            prop::collection::vec(
                (1.0f64..1e7, 0.0f64..=100.0, prop::bool::weighted(0.8))
                    .prop_map(|(price, technical, qualified)| Bid::new(price, technical, qualified)),
                1..8,
            )
        }

        fn rule() -> impl Strategy<Value = PriceRule> {
            (0.1f64..=0.6, 0u32..=4, 0.0f64..0.5).prop_map(|(price_weight, decimals, abnormally_low_below_average)| {
                PriceRule { abnormally_low_below_average, ..PriceRule::new(price_weight, decimals) }
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
