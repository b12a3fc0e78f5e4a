//! Latency quantiles with intervals, and the test for a drop in a rate.
//!
//! A stage's p50…p99 are nearest-rank quantiles. Their 95% intervals are
//! percentile-bootstrap intervals computed exactly, as if with infinitely
//! many resamples: a resample's nearest-rank quantile is at most the i-th
//! smallest value exactly when at least ⌈q·n⌉ of its n draws are, and that
//! count is binomial. So the interval costs a few binomial tail
//! probabilities instead of thousands of sorts, and has no Monte Carlo error.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal};

/// The nearest-rank `q`-quantile of an ascending sample: its ⌈q·n⌉-th
/// smallest value (NaN for none).
pub fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[rank(sorted.len(), q) - 1]
}

/// ⌈q·n⌉, within 1..=n.
fn rank(n: usize, q: f64) -> usize {
    ((q.clamp(0.0, 1.0) * n as f64 - 1e-9).ceil() as usize).clamp(1, n)
}

/// The exact percentile-bootstrap interval of the nearest-rank `q`-quantile
/// of an ascending sample: (NaN, NaN) for none.
pub fn quantile_ci(sorted: &[f64], q: f64, confidence: f64) -> (f64, f64) {
    quantile_ci_effective(sorted, q, confidence, sorted.len())
}

/// [`quantile_ci`] for values that are not independent: the resamples hold
/// `effective` draws from the sample's distribution instead of as many as
/// the sample has. With the inter-token gaps of many answers, whose gaps
/// share their answer's conditions, `effective` = the number of answers
/// gives the wider interval that resampling whole answers would at worst.
pub fn quantile_ci_effective(sorted: &[f64], q: f64, confidence: f64, effective: usize) -> (f64, f64) {
    let n = sorted.len();
    if n == 0 || effective == 0 {
        return (f64::NAN, f64::NAN);
    }
    let draws = effective as u64;
    let m = rank(effective, q) as u64;
    let tail = (1.0 - confidence) / 2.0;
    // P(the resampled quantile ≤ sorted[i]): at least m of n draws fall at or
    // below it, each with probability (values ≤ sorted[i]) / n.
    let at_or_below = |i: usize| -> f64 {
        let value = sorted[i];
        let count = sorted.partition_point(|x| *x <= value);
        if count == n {
            return 1.0;
        }
        let b = Binomial::new(count as f64 / n as f64, draws).expect("a probability and a count");
        b.sf(m - 1)
    };
    // The smallest index whose probability reaches `p` (it rises with the index).
    let first_reaching = |p: f64| -> usize {
        let (mut lo, mut hi) = (0usize, n - 1);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if at_or_below(mid) >= p { hi = mid } else { lo = mid + 1 }
        }
        lo
    };
    (sorted[first_reaching(tail)], sorted[first_reaching(1.0 - tail)])
}

/// One-sided p-value that a rate measured as `a` (standard error `a_se`) is
/// above one measured as `b` (`b_se`): small when b really dropped. A Wald
/// test on the difference of independent estimates, so each side brings the
/// standard error its sampling calls for (cluster-robust where the same
/// cases were sent again and again). 1 when either error is unknown;
/// with both zero, 0 or 1 as the point estimates say.
pub fn drop_p(a: f64, a_se: f64, b: f64, b_se: f64) -> f64 {
    if !(a_se.is_finite() && b_se.is_finite()) {
        return 1.0;
    }
    let se = (a_se * a_se + b_se * b_se).sqrt();
    if se == 0.0 {
        return if a > b { 0.0 } else { 1.0 };
    }
    1.0 - Normal::standard().cdf((a - b) / se)
}

/// The binomial standard error of `hits` out of `n` independent trials (NaN for none).
pub fn binomial_se(hits: u64, n: u64) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    let p = hits as f64 / n as f64;
    (p * (1.0 - p) / n as f64).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn nearest_rank_quantiles() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&xs, 0.5), 50.0);
        assert_eq!(nearest_rank(&xs, 0.95), 95.0);
        assert_eq!(nearest_rank(&xs, 0.99), 99.0);
        assert_eq!(nearest_rank(&xs, 1.0), 100.0);
        assert_eq!(nearest_rank(&[3.0], 0.99), 3.0);
        assert!(nearest_rank(&[], 0.5).is_nan());
    }

    /// The exact interval is what a Monte Carlo bootstrap converges to.
    #[test]
    fn exact_interval_matches_a_resampling_bootstrap() {
        let mut rng = StdRng::seed_from_u64(11);
        // Log-normal-ish latencies, with ties from millisecond rounding.
        let mut xs: Vec<f64> = (0..400).map(|_| (50.0 * (rng.random::<f64>() * 2.0).exp()).round()).collect();
        xs.sort_by(f64::total_cmp);
        for q in [0.5, 0.9, 0.95, 0.99] {
            let (lo, hi) = quantile_ci(&xs, q, 0.95);
            let mut boot: Vec<f64> = (0..20_000)
                .map(|_| {
                    let mut r: Vec<f64> = (0..xs.len()).map(|_| xs[rng.random_range(0..xs.len())]).collect();
                    r.sort_by(f64::total_cmp);
                    nearest_rank(&r, q)
                })
                .collect();
            boot.sort_by(f64::total_cmp);
            // The Monte Carlo percentiles, bracketed by a rank either side for its own error.
            let at = |p: f64| boot[((p * boot.len() as f64) as usize).min(boot.len() - 1)];
            assert!(at(0.02) <= lo && lo <= at(0.03), "q {q}: lower {lo} vs {} .. {}", at(0.02), at(0.03));
            assert!(at(0.97) <= hi && hi <= at(0.98), "q {q}: upper {hi} vs {} .. {}", at(0.97), at(0.98));
            let point = nearest_rank(&xs, q);
            assert!(lo <= point && point <= hi);
        }
    }

    #[test]
    fn fewer_effective_draws_widen_the_interval() {
        let xs: Vec<f64> = (1..=1500).map(f64::from).collect();
        let (lo, hi) = quantile_ci(&xs, 0.5, 0.95);
        let (elo, ehi) = quantile_ci_effective(&xs, 0.5, 0.95, 100);
        assert!(elo < lo && ehi > hi, "{elo}..{ehi} within {lo}..{hi}");
        // As many effective draws as values: the plain interval.
        assert_eq!(quantile_ci_effective(&xs, 0.5, 0.95, 1500), (lo, hi));
        // The median of 100 draws: about ±1.96·√(0.25/100) = ±9.8% of the range.
        assert!((ehi - elo) / 1500.0 > 0.15 && (ehi - elo) / 1500.0 < 0.25, "{elo}..{ehi}");
    }

    #[test]
    fn interval_of_one_value_and_of_ties() {
        assert_eq!(quantile_ci(&[7.0], 0.95, 0.95), (7.0, 7.0));
        assert_eq!(quantile_ci(&[5.0; 50], 0.5, 0.95), (5.0, 5.0));
        assert!(quantile_ci(&[], 0.5, 0.95).0.is_nan());
    }

    #[test]
    fn drop_test() {
        let (se_a, se_b) = (binomial_se(45, 50), binomial_se(30, 50));
        // 0.9 against 0.6 of 50 each: z = 0.3 / √(0.09/50 + 0.24/50) = 3.6927, p = erfc(z/√2)/2 = 0.000110923.
        assert!((drop_p(0.9, se_a, 0.6, se_b) - 0.000_110_923).abs() < 1e-8, "{}", drop_p(0.9, se_a, 0.6, se_b));
        // The other way round is no drop; equal rates give p = 0.5.
        assert!(drop_p(0.6, se_b, 0.9, se_a) > 0.999);
        assert!((drop_p(0.9, se_a, 0.9, se_a) - 0.5).abs() < 1e-12);
        // A larger standard error (clustered samples) makes the same difference less significant.
        assert!(drop_p(0.9, se_a, 0.6, 3.0 * se_b) > drop_p(0.9, se_a, 0.6, se_b));
        assert_eq!(drop_p(0.9, f64::NAN, 0.6, se_b), 1.0);
        assert_eq!(drop_p(1.0, 0.0, 0.5, 0.0), 0.0);
        assert!(binomial_se(0, 0).is_nan());
    }
}
