//! Paired comparisons and resampling intervals, deterministic given a seed:
//!
//! - [`mcnemar_exact`]: two vendors on the same pass/fail cases; only the
//!   discordant pairs (one passed, the other failed) carry information.
//! - [`holm`]: Holm's step-down adjustment across several comparisons.
//! - [`bootstrap`]: percentile and BCa (bias-corrected and accelerated)
//!   intervals of any statistic of one sample.
//! - [`paired_total_p`]: whether two vendors' total scores really differ.
//! - [`clustered_proportion_ci`]: a proportion's interval when cases come in
//!   clusters (a subject, a source document, the samples of one case).
//! - [`paired_permutation_p`]: paired sign-flip permutation test of a
//!   continuous measure (latency) on the same cases.
//! - [`t_interval`]: Student's t interval of a small sample's mean.
//!
//! Checked against SciPy and statsmodels (`fixtures/reference.py` and the
//! values it wrote), and by simulation that 95% intervals cover the truth 95%
//! of the time.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use statrs::distribution::{ContinuousCDF, Normal};

/// Two-sided exact McNemar p-value from the discordant counts: `b` cases only
/// the first vendor passed, `c` only the second. 1 when there are none.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    // P(X ≤ min(b, c)) for X ~ Binomial(n, 1/2), doubled; in logs so that
    // large n stays finite.
    let k = b.min(c);
    let ln_half_n = n as f64 * 0.5f64.ln();
    let mut ln_choose = 0.0; // ln C(n, 0)
    let mut tail = 0.0;
    for i in 0..=k {
        if i > 0 {
            ln_choose += ((n - i + 1) as f64).ln() - (i as f64).ln();
        }
        tail += (ln_choose + ln_half_n).exp();
    }
    (2.0 * tail).min(1.0)
}

/// Holm-adjusted p-values, in the order given: the smallest p is multiplied
/// by m, the next by m − 1, and so on, kept monotone and capped at 1.
pub fn holm(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let mut adjusted = vec![0.0; m];
    let mut running: f64 = 0.0;
    for (rank, &i) in order.iter().enumerate() {
        running = running.max(((m - rank) as f64 * p[i]).min(1.0));
        adjusted[i] = running;
    }
    adjusted
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootstrapMethod {
    Percentile,
    /// Bias-corrected and accelerated (Efron 1987): corrects the percentile
    /// interval for median bias and for skew, via a jackknife.
    Bca,
}

/// A bootstrap interval of `statistic` over `data` at `confidence`, from
/// `resamples` resamples drawn with a generator seeded by `seed`.
/// `None` for an empty sample.
pub fn bootstrap(
    data: &[f64],
    statistic: impl Fn(&[f64]) -> f64,
    confidence: f64,
    resamples: usize,
    method: BootstrapMethod,
    seed: u64,
) -> Option<(f64, f64)> {
    let n = data.len();
    if n == 0 || resamples == 0 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut buf = vec![0.0; n];
    let mut stats: Vec<f64> = (0..resamples)
        .map(|_| {
            for slot in buf.iter_mut() {
                *slot = data[rng.random_range(0..n)];
            }
            statistic(&buf)
        })
        .collect();
    stats.sort_by(f64::total_cmp);
    let alpha = (1.0 - confidence) / 2.0;
    let (lo_q, hi_q) = match method {
        BootstrapMethod::Percentile => (alpha, 1.0 - alpha),
        BootstrapMethod::Bca => {
            let normal = Normal::standard();
            let estimate = statistic(data);
            // Bias correction: how far the resampled statistics sit from the estimate.
            let below = stats.iter().filter(|s| **s < estimate).count() as f64
                + 0.5 * stats.iter().filter(|s| **s == estimate).count() as f64;
            let z0 = normal.inverse_cdf((below / resamples as f64).clamp(1e-12, 1.0 - 1e-12));
            // Acceleration from the jackknife (leave one out).
            let mut jack = vec![0.0; n.saturating_sub(1)];
            let thetas: Vec<f64> = (0..n)
                .map(|i| {
                    jack.clear();
                    jack.extend(data.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, x)| *x));
                    statistic(&jack)
                })
                .collect();
            let mean = thetas.iter().sum::<f64>() / n as f64;
            let num: f64 = thetas.iter().map(|t| (mean - t).powi(3)).sum();
            let den: f64 = thetas.iter().map(|t| (mean - t).powi(2)).sum::<f64>().powf(1.5);
            let a = if den == 0.0 { 0.0 } else { num / (6.0 * den) };
            let adjust = |q: f64| {
                let z = normal.inverse_cdf(q);
                normal.cdf(z0 + (z0 + z) / (1.0 - a * (z0 + z)))
            };
            if !z0.is_finite() { (alpha, 1.0 - alpha) } else { (adjust(alpha), adjust(1.0 - alpha)) }
        }
    };
    Some((quantile(&stats, lo_q), quantile(&stats, hi_q)))
}

/// One criterion's pass/fail outcomes of two vendors on the cases both answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Paired {
    /// Cases both answered.
    pub n: u64,
    /// Cases only the first passed.
    pub only_a: u64,
    /// Cases only the second passed.
    pub only_b: u64,
}

impl Paired {
    /// The first vendor's accuracy minus the second's, on these cases.
    pub fn difference(&self) -> f64 {
        if self.n == 0 { 0.0 } else { (self.only_a as f64 - self.only_b as f64) / self.n as f64 }
    }
}

/// Two-sided p-value that a difference in total score between two vendors is
/// zero, by a paired bootstrap: the cases of every criterion are resampled,
/// and each criterion moves the total by `scale` points per unit of accuracy
/// difference. With pass/fail outcomes a resample only changes the counts of
/// discordant pairs, which are drawn from their multinomial distribution —
/// two binomial draws per criterion, whatever the number of cases.
pub fn paired_total_p(observed: f64, criteria: &[(f64, Paired)], resamples: usize, seed: u64) -> f64 {
    use rand_distr::{Binomial, Distribution};
    if resamples == 0 {
        return 1.0;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut at_most_zero, mut at_least_zero) = (0usize, 0usize);
    for _ in 0..resamples {
        let mut diff = observed;
        for (scale, p) in criteria {
            if p.n == 0 || *scale == 0.0 {
                continue;
            }
            let p10 = p.only_a as f64 / p.n as f64;
            let p01 = p.only_b as f64 / p.n as f64;
            let n10 = Binomial::new(p.n, p10).map(|b| b.sample(&mut rng)).unwrap_or(0);
            let rest = p.n - n10;
            let q = if p10 < 1.0 { (p01 / (1.0 - p10)).clamp(0.0, 1.0) } else { 0.0 };
            let n01 = Binomial::new(rest, q).map(|b| b.sample(&mut rng)).unwrap_or(0);
            let resampled = (n10 as f64 - n01 as f64) / p.n as f64;
            diff += scale * (resampled - p.difference());
        }
        at_most_zero += (diff <= 0.0) as usize;
        at_least_zero += (diff >= 0.0) as usize;
    }
    (2.0 * at_most_zero.min(at_least_zero) as f64 / resamples as f64).min(1.0)
}

/// Student's t interval for the mean of a small sample (e.g. evaluators'
/// scores), clamped to [0, 1]; with fewer than two values nothing is known
/// about the spread and the interval is the whole of [0, 1].
pub fn t_interval(xs: &[f64], confidence: f64) -> (f64, f64) {
    use statrs::distribution::StudentsT;
    if xs.len() < 2 {
        return (0.0, 1.0);
    }
    let n = xs.len() as f64;
    let m = mean(xs);
    let sd = (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = StudentsT::new(0.0, 1.0, n - 1.0).expect("n ≥ 2").inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    let half = t * sd / n.sqrt();
    ((m - half).max(0.0), (m + half).min(1.0))
}

/// Interval of a proportion from clustered outcomes: `clusters` holds
/// (successes, trials) per cluster. The cluster-robust (sandwich) standard
/// error of the overall proportion, with the small-sample factor G/(G − 1),
/// is what an intercept-only regression with cluster-robust covariance gives
/// (statsmodels `cov_type="cluster"`); the interval is p ± z·se, clamped to
/// [0, 1]. Returns the interval and the standard error; with fewer than two
/// clusters nothing is known and the interval is [0, 1].
pub fn clustered_proportion_ci(clusters: &[(u64, u64)], confidence: f64) -> ((f64, f64), f64) {
    let g = clusters.iter().filter(|c| c.1 > 0).count();
    let n: u64 = clusters.iter().map(|c| c.1).sum();
    if g < 2 || n == 0 {
        return ((0.0, 1.0), f64::NAN);
    }
    let p = clusters.iter().map(|c| c.0).sum::<u64>() as f64 / n as f64;
    let meat: f64 = clusters.iter().map(|&(s, t)| (s as f64 - p * t as f64).powi(2)).sum();
    let se = (g as f64 / (g as f64 - 1.0) * meat).sqrt() / n as f64;
    let half = crate::z_for(confidence) * se;
    (((p - half).max(0.0), (p + half).min(1.0)), se)
}

/// Two-sided p-value that paired differences (e.g. per-case latency of two
/// vendors) have mean zero, by flipping each difference's sign at random.
/// Exact (all 2^n sign patterns) up to 16 pairs. Monte Carlo, counting the
/// observed pattern, with `resamples` draws but at most 2·10⁷ sign flips in
/// all. The permutation distribution's normal limit (mean 0, variance Σd²)
/// instead when that would leave fewer than 1,000 draws (over 20,000 pairs,
/// or fewer than 1,000 resamples asked for), or from 5,000 pairs on when no
/// single difference dominates (max d² ≤ 0.1% of Σd², Lindeberg's
/// condition): this keeps a million cases fast.
pub fn paired_permutation_p(differences: &[f64], resamples: usize, seed: u64) -> f64 {
    let n = differences.len();
    let observed = differences.iter().sum::<f64>().abs();
    // Sums compared with a relative tolerance, so that ties count as ties.
    let tolerance = 1e-9 * differences.iter().map(|d| d.abs()).sum::<f64>().max(1e-300);
    if n == 0 || observed == 0.0 {
        return 1.0;
    }
    if n <= 16 {
        let patterns = 1u64 << n;
        let extreme = (0..patterns)
            .filter(|mask| {
                let sum: f64 =
                    differences.iter().enumerate().map(|(i, d)| if mask >> i & 1 == 1 { -d } else { *d }).sum();
                sum.abs() >= observed - tolerance
            })
            .count();
        return extreme as f64 / patterns as f64;
    }
    let squares: f64 = differences.iter().map(|d| d * d).sum();
    let largest = differences.iter().map(|d| d * d).fold(0.0, f64::max);
    let draws = resamples.min(20_000_000 / n);
    if (n >= 5_000 && largest <= 1e-3 * squares) || draws < 1_000 {
        return (2.0 * (1.0 - Normal::standard().cdf(observed / squares.sqrt()))).min(1.0);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut extreme = 0usize;
    for _ in 0..draws {
        let mut sum = 0.0;
        // 64 signs from each random word.
        for chunk in differences.chunks(64) {
            let bits: u64 = rng.random();
            for (i, d) in chunk.iter().enumerate() {
                sum += if bits >> i & 1 == 1 { -d } else { *d };
            }
        }
        extreme += (sum.abs() >= observed - tolerance) as usize;
    }
    (extreme + 1) as f64 / (draws + 1) as f64
}

/// Cohen's h: the arcsine-transformed difference of two proportions.
pub fn cohens_h(p1: f64, p2: f64) -> f64 {
    2.0 * p1.sqrt().asin() - 2.0 * p2.sqrt().asin()
}

fn z_sum(alpha: f64, power: f64) -> f64 {
    let normal = Normal::standard();
    normal.inverse_cdf(1.0 - alpha / 2.0) + normal.inverse_cdf(power)
}

/// Cases each vendor must answer for a two-sided test at `alpha` to tell
/// accuracies `p1` and `p2` apart with probability `power` (normal
/// approximation on Cohen's h, as statsmodels' `NormalIndPower` solves it,
/// less its negligible opposite tail).
pub fn cases_needed(p1: f64, p2: f64, alpha: f64, power: f64) -> f64 {
    let h = cohens_h(p1, p2).abs();
    if h == 0.0 {
        return f64::INFINITY;
    }
    2.0 * (z_sum(alpha, power) / h).powi(2)
}

/// The smallest drop below accuracy `p` that `n` cases per vendor detect at
/// `alpha` with probability `power`.
pub fn min_detectable_difference(n: f64, p: f64, alpha: f64, power: f64) -> f64 {
    if n <= 0.0 {
        return f64::NAN;
    }
    let h = z_sum(alpha, power) * (2.0 / n).sqrt();
    let angle = (2.0 * p.sqrt().asin() - h).max(0.0);
    p - (angle / 2.0).sin().powi(2)
}

/// The q-quantile of sorted values, interpolating linearly between ranks.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    match sorted.get(i + 1) {
        Some(next) => sorted[i] + frac * (next - sorted[i]),
        None => sorted[i],
    }
}

/// The mean of a sample (0 for none).
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() { 0.0 } else { xs.iter().sum::<f64>() / xs.len() as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wilson;

    #[derive(serde::Deserialize)]
    struct PowerCase {
        p1: f64,
        p2: f64,
        alpha: f64,
        power: f64,
        n: f64,
    }

    #[test]
    fn power_matches_statsmodels() {
        for c in reference().power {
            let n = cases_needed(c.p1, c.p2, c.alpha, c.power);
            assert!((n - c.n).abs() / c.n < 1e-3, "{} vs {}: {n} vs {}", c.p1, c.p2, c.n);
            // And back: with that many cases, the detectable difference is the one asked for.
            let d = min_detectable_difference(c.n, c.p2.max(c.p1), c.alpha, c.power);
            assert!((d - (c.p2 - c.p1).abs()).abs() < 2e-3, "{d}");
        }
    }

    #[derive(serde::Deserialize)]
    struct Reference {
        power: Vec<PowerCase>,
        wilson: Vec<WilsonCase>,
        mcnemar: Vec<McNemarCase>,
        holm: Vec<HolmCase>,
        bootstrap: Vec<BootstrapCase>,
        #[serde(default)]
        clustered: Vec<ClusteredCase>,
        #[serde(default)]
        t_interval: Vec<TIntervalCase>,
        #[serde(default)]
        permutation: Vec<PermutationCase>,
    }
    #[derive(serde::Deserialize)]
    struct ClusteredCase {
        clusters: Vec<(u64, u64)>,
        se: f64,
    }
    #[derive(serde::Deserialize)]
    struct TIntervalCase {
        data: Vec<f64>,
        low: f64,
        high: f64,
    }
    #[derive(serde::Deserialize)]
    struct PermutationCase {
        differences: Vec<f64>,
        p: f64,
    }

    #[test]
    fn clustered_standard_errors_match_statsmodels() {
        let cases = reference().clustered;
        assert!(cases.len() >= 3);
        for c in cases {
            let (_, se) = clustered_proportion_ci(&c.clusters, 0.95);
            assert!((se - c.se).abs() < 1e-9 * c.se.max(1e-12) + 1e-12, "{:?}: {se} vs {}", c.clusters, c.se);
        }
        assert_eq!(clustered_proportion_ci(&[(3, 10)], 0.95).0, (0.0, 1.0), "one cluster says nothing");
    }

    #[test]
    fn t_intervals_match_scipy() {
        let cases = reference().t_interval;
        assert!(cases.len() >= 2);
        for c in cases {
            let (lo, hi) = t_interval(&c.data, 0.95);
            assert!(
                (lo - c.low.max(0.0)).abs() < 1e-9 && (hi - c.high.min(1.0)).abs() < 1e-9,
                "{:?}: {lo} {hi}",
                c.data
            );
        }
    }

    #[test]
    fn permutation_p_matches_scipy_exact_and_monte_carlo() {
        let cases = reference().permutation;
        assert!(cases.len() >= 2);
        for c in cases {
            let p = paired_permutation_p(&c.differences, 20_000, 7);
            // Exact below 17 pairs; otherwise within Monte Carlo error of SciPy's exact value.
            let tolerance = if c.differences.len() <= 16 { 1e-12 } else { 0.01 };
            assert!((p - c.p).abs() <= tolerance, "{} pairs: {p} vs {}", c.differences.len(), c.p);
        }
        // The normal limit, for very many pairs, agrees with a real difference and with none.
        let shifted: Vec<f64> = (0..30_000).map(|i| ((i * 7919) % 101) as f64 - 50.0 + 5.0).collect();
        assert!(paired_permutation_p(&shifted, 0, 1) < 1e-3);
        let centred: Vec<f64> = (0..30_000).map(|i| if i % 2 == 0 { 3.0 } else { -3.0 }).collect();
        assert!((paired_permutation_p(&centred, 0, 1) - 1.0).abs() < 1e-9);
    }
    #[derive(serde::Deserialize)]
    struct WilsonCase {
        k: u64,
        n: u64,
        low: f64,
        high: f64,
    }
    #[derive(serde::Deserialize)]
    struct McNemarCase {
        b: u64,
        c: u64,
        p: f64,
    }
    #[derive(serde::Deserialize)]
    struct HolmCase {
        p: Vec<f64>,
        adjusted: Vec<f64>,
    }
    #[derive(serde::Deserialize)]
    struct BootstrapCase {
        sample: String,
        method: String,
        data: Vec<f64>,
        low: f64,
        high: f64,
    }

    fn reference() -> Reference {
        serde_json::from_str(include_str!("../fixtures/reference_values.json")).unwrap()
    }

    #[test]
    fn wilson_matches_scipy() {
        for c in reference().wilson {
            let (lo, hi) = wilson(c.k, c.n, 0.95);
            assert!((lo - c.low).abs() < 1e-9 && (hi - c.high).abs() < 1e-9, "{}/{}: ({lo}, {hi})", c.k, c.n);
        }
    }

    #[test]
    fn mcnemar_matches_scipys_exact_binomial_test() {
        for c in reference().mcnemar {
            let p = mcnemar_exact(c.b, c.c);
            assert!((p - c.p).abs() < 1e-12, "b={} c={}: {p} vs {}", c.b, c.c, c.p);
        }
        // Large counts stay finite.
        assert!(mcnemar_exact(5000, 5200) > 0.0 && mcnemar_exact(5000, 5200) < 0.06);
    }

    #[test]
    fn holm_matches_statsmodels() {
        for c in reference().holm {
            let got = holm(&c.p);
            for (g, w) in got.iter().zip(&c.adjusted) {
                assert!((g - w).abs() < 1e-12, "{:?}: {got:?} vs {:?}", c.p, c.adjusted);
            }
        }
    }

    #[test]
    fn bootstrap_matches_scipy_within_monte_carlo_error() {
        for c in reference().bootstrap {
            let method = if c.method == "bca" { BootstrapMethod::Bca } else { BootstrapMethod::Percentile };
            let (lo, hi) = bootstrap(&c.data, mean, 0.95, 50_000, method, 7).unwrap();
            // Both sides resample at random; 50,000 and 200,000 resamples put
            // their bounds within a few thousandths of the sample's spread.
            let spread = c.high - c.low;
            let tol = 0.02 * spread;
            assert!(
                (lo - c.low).abs() < tol && (hi - c.high).abs() < tol,
                "{} {}: ({lo}, {hi}) vs ({}, {})",
                c.sample,
                c.method,
                c.low,
                c.high
            );
        }
    }

    #[test]
    fn bootstrap_is_deterministic_given_the_seed() {
        let xs: Vec<f64> = (0..30).map(|i| ((i * 7919) % 101) as f64 / 7.0).collect();
        let a = bootstrap(&xs, mean, 0.95, 2000, BootstrapMethod::Bca, 42);
        assert_eq!(a, bootstrap(&xs, mean, 0.95, 2000, BootstrapMethod::Bca, 42));
        assert_ne!(a, bootstrap(&xs, mean, 0.95, 2000, BootstrapMethod::Bca, 43));
        assert_eq!(bootstrap(&[], mean, 0.95, 10, BootstrapMethod::Percentile, 1), None);
    }

    #[test]
    fn paired_total_p_tells_real_differences_from_noise() {
        // 1,000 cases: 60 only A passed, 20 only B: a real difference.
        let real = Paired { n: 1000, only_a: 60, only_b: 20 };
        assert!(paired_total_p(real.difference() * 70.0, &[(70.0, real)], 10_000, 1) < 0.001);
        // 200 cases: 12 against 9: noise.
        let noise = Paired { n: 200, only_a: 12, only_b: 9 };
        let p = paired_total_p(noise.difference() * 70.0, &[(70.0, noise)], 10_000, 1);
        // McNemar's exact test on the same counts agrees it is not significant.
        assert!(p > 0.3 && mcnemar_exact(12, 9) > 0.3, "{p}");
        // A price difference with no technical difference is not noise.
        assert_eq!(paired_total_p(5.0, &[(70.0, Paired { n: 100, only_a: 0, only_b: 0 })], 1000, 1), 0.0);
        assert_eq!(paired_total_p(0.0, &[(70.0, Paired::default())], 1000, 1), 1.0);
    }

    /// 95% intervals must cover the true value 95% of the time (± 1.5 points)
    /// over 2,000 simulated samples.
    #[test]
    fn intervals_cover_the_truth_95_percent_of_the_time() {
        let runs = 2000;
        let mut rng = StdRng::seed_from_u64(20261128);
        let (mut wilson_hits, mut percentile_hits, mut bca_hits) = (0, 0, 0);
        let p = 0.7;
        let normal = Normal::new(10.0, 2.0).unwrap();
        for run in 0..runs {
            let k = (0..200).filter(|_| rng.random_bool(p)).count() as u64;
            let (lo, hi) = wilson(k, 200, 0.95);
            wilson_hits += (lo <= p && p <= hi) as u32;
            // The mean of 100 normal draws: percentile and BCa bootstrap.
            let xs: Vec<f64> = (0..100).map(|_| normal.inverse_cdf(rng.random_range(1e-9..1.0 - 1e-9))).collect();
            let (lo, hi) = bootstrap(&xs, mean, 0.95, 1000, BootstrapMethod::Percentile, run).unwrap();
            percentile_hits += (lo <= 10.0 && 10.0 <= hi) as u32;
            let (lo, hi) = bootstrap(&xs, mean, 0.95, 1000, BootstrapMethod::Bca, run).unwrap();
            bca_hits += (lo <= 10.0 && 10.0 <= hi) as u32;
        }
        for (name, hits) in [("wilson", wilson_hits), ("percentile", percentile_hits), ("bca", bca_hits)] {
            let coverage = hits as f64 / runs as f64;
            eprintln!("{name}: coverage {coverage} over {runs} samples");
            assert!((coverage - 0.95).abs() <= 0.015, "{name}: coverage {coverage}");
        }
    }
}
