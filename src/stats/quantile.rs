//! Percentiles and the [`Summary`] of one metric.
//!
//! # Which percentile definition
//!
//! There are nine common definitions (Hyndman & Fan, 1996). This crate uses **type 7**,
//! linear interpolation between order statistics, because it is the default of numpy
//! (`np.percentile`), R (`quantile`), Excel (`PERCENTILE.INC`) and pandas: a user who
//! recomputes a percentile from `trials.csv` with any of those tools gets our number.
//!
//! For sorted values `x[0] ≤ … ≤ x[n−1]` and a fraction `p` in `[0, 1]`:
//!
//! ```text
//! h = (n − 1)·p,   i = ⌊h⌋,   quantile(p) = x[i] + (h − i)·(x[i+1] − x[i])
//! ```
//!
//! so `quantile(0) = min`, `quantile(1) = max`, and the median of an even count is the
//! mean of the two middle values. For `1, 2, …, 10`: p50 = 5.5, p90 = 9.1, p01 = 1.09.

use crate::stats::Z_95;

/// The type-7 quantile (see the [module docs](self)) of `sorted`, which must be sorted
/// ascending; `p` is a fraction (0.99 for p99) and is clamped to `[0, 1]`.
///
/// Returns `None` for an empty slice. O(1).
///
/// ```
/// use rollout_sim::stats::quantile;
/// let xs: Vec<f64> = (1..=10).map(f64::from).collect();
/// assert_eq!(quantile(&xs, 0.5), Some(5.5));
/// assert_eq!(quantile(&[], 0.5), None);
/// ```
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    debug_assert!(
        sorted.is_sorted_by(|a, b| a <= b),
        "quantile() needs sorted values"
    );
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p.clamp(0.0, 1.0);
    let i = (h.floor() as usize).min(last);
    let frac = h - i as f64;
    let lo = sorted[i];
    if frac == 0.0 || i == last {
        // Exact order statistic: return it untouched, with no rounding from the lerp.
        return Some(lo);
    }
    let hi = sorted[i + 1];
    // The clamp guards against the lerp rounding a hair outside [lo, hi], which would
    // otherwise let e.g. p99 exceed max by one ulp.
    Some((lo + frac * (hi - lo)).clamp(lo, hi))
}

/// Descriptive statistics of one metric over the trials of a run.
///
/// Field names are those of `summary.json`'s `metrics` entries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// How many values the statistics are computed from.
    pub n: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor `n − 1`); 0 for a single value.
    pub std: f64,
    /// Smallest value.
    pub min: f64,
    /// 1st percentile.
    pub p01: f64,
    /// 5th percentile.
    pub p05: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest value.
    pub max: f64,
    /// 95% confidence interval of the mean, `[lo, hi]`.
    ///
    /// Normal approximation `mean ± 1.96·std/√n`. With the hundreds or thousands of trials
    /// of a Monte Carlo run the Student-t quantile is within 1% of 1.96 (t₉₉ = 1.984), so
    /// the simpler formula loses nothing that matters and needs no t table. It describes the
    /// uncertainty of the *mean* only, not of the percentiles. For fewer than two values
    /// there is no spread to estimate and the interval is `[mean, mean]`.
    pub ci95: [f64; 2],
}

impl Summary {
    /// The summary of `values`, in any order; `None` when there is no finite value.
    ///
    /// Non-finite values (NaN, ±∞) are left out and not counted in [`Summary::n`]: a
    /// metric that could not be measured has no place in a mean.
    ///
    /// The mean is clamped to `[min, max]` and the spread of equal values is exactly 0,
    /// whatever the rounding of their sum.
    ///
    /// The values are sorted first and every sum runs over the sorted values, so the result
    /// is bit-identical for any permutation of the input (thread count, shard merge order).
    /// The standard deviation is computed in two passes (mean, then squared deviations),
    /// which avoids the cancellation of the one-pass `Σx² − n·mean²` formula. O(n log n).
    ///
    /// ```
    /// use rollout_sim::stats::Summary;
    /// let s = Summary::of(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]).unwrap();
    /// assert_eq!(s.mean, 5.0);
    /// assert_eq!(s.p50, 4.5);
    /// ```
    pub fn of(values: &[f64]) -> Option<Summary> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let n = sorted.len();
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let (min, max) = (sorted[0], sorted[n - 1]);
        // Rounding can put the mean of equal values a hair off them (7 × 0.1 sums to
        // 0.7000000000000001) and then give them a spurious spread: clamp, and treat
        // constant input as exactly constant.
        let mean = (sorted.iter().sum::<f64>() / nf).clamp(min, max);
        let std = if n < 2 || min == max {
            0.0
        } else {
            let ss: f64 = sorted.iter().map(|v| (v - mean) * (v - mean)).sum();
            (ss / (nf - 1.0)).sqrt()
        };
        let half_width = if n < 2 { 0.0 } else { Z_95 * std / nf.sqrt() };
        // `n > 0` was checked, so every quantile exists.
        let q = |p| quantile(&sorted, p).unwrap_or(f64::NAN);
        Some(Summary {
            n,
            mean,
            std,
            min,
            p01: q(0.01),
            p05: q(0.05),
            p50: q(0.50),
            p90: q(0.90),
            p95: q(0.95),
            p99: q(0.99),
            max,
            ci95: [mean - half_width, mean + half_width],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_to_ten() -> Vec<f64> {
        (1..=10).map(f64::from).collect()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    /// Reference values: `numpy.percentile(range(1, 11), q)` (default method
    /// "linear", type 7).
    #[test]
    fn quantiles_match_numpy_for_one_to_ten() {
        let xs = one_to_ten();
        for (p, want) in [
            (0.0, 1.0),
            (0.01, 1.09),
            (0.05, 1.45),
            (0.25, 3.25),
            (0.5, 5.5),
            (0.9, 9.1),
            (0.95, 9.55),
            (0.99, 9.91),
            (1.0, 10.0),
        ] {
            let got = quantile(&xs, p).unwrap();
            assert!(close(got, want), "p={p}: got {got}, numpy says {want}");
        }
    }

    /// `numpy.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], [50, 90, 99])` → 5.5, 18.1, 91.81:
    /// the interpolation is local, one outlier moves only the top percentiles.
    #[test]
    fn quantiles_match_numpy_with_an_outlier() {
        let mut xs = one_to_ten();
        xs[9] = 100.0;
        assert!(close(quantile(&xs, 0.5).unwrap(), 5.5));
        assert!(close(quantile(&xs, 0.9).unwrap(), 18.1));
        assert!(close(quantile(&xs, 0.99).unwrap(), 91.81));
    }

    #[test]
    fn quantile_edge_cases() {
        assert_eq!(quantile(&[], 0.5), None);
        assert_eq!(quantile(&[7.0], 0.0), Some(7.0));
        assert_eq!(quantile(&[7.0], 0.99), Some(7.0));
        assert_eq!(quantile(&[7.0], 1.0), Some(7.0));
        // Out-of-range fractions are clamped, not a panic.
        assert_eq!(quantile(&[1.0, 2.0], -1.0), Some(1.0));
        assert_eq!(quantile(&[1.0, 2.0], 2.0), Some(2.0));
        // Ties return the tied value exactly.
        assert_eq!(quantile(&[0.1, 0.1, 0.1], 0.37), Some(0.1));
    }

    #[test]
    fn summary_of_one_to_ten() {
        let s = Summary::of(&one_to_ten()).unwrap();
        assert_eq!(s.n, 10);
        assert_eq!(s.mean, 5.5);
        // numpy.std(range(1, 11), ddof=1) = 3.0276503540974917
        assert!(close(s.std, 3.027_650_354_097_491_7));
        assert_eq!((s.min, s.max), (1.0, 10.0));
        assert!(close(s.p01, 1.09));
        assert!(close(s.p05, 1.45));
        assert!(close(s.p50, 5.5));
        assert!(close(s.p90, 9.1));
        assert!(close(s.p95, 9.55));
        assert!(close(s.p99, 9.91));
        // 5.5 ± 1.959964 · 3.0276504 / √10 = 5.5 ± 1.8765
        let hw = Z_95 * s.std / 10f64.sqrt();
        assert!(close(hw, 1.876_522_649_024_772), "half width {hw}");
        assert_eq!(s.ci95, [5.5 - hw, 5.5 + hw]);
    }

    #[test]
    fn summary_of_nothing_and_of_one_value() {
        assert_eq!(Summary::of(&[]), None);
        assert_eq!(Summary::of(&[f64::NAN, f64::INFINITY]), None);
        let s = Summary::of(&[42.0]).unwrap();
        assert_eq!(
            (s.n, s.mean, s.std, s.min, s.p99, s.max),
            (1, 42.0, 0.0, 42.0, 42.0, 42.0)
        );
        assert_eq!(s.ci95, [42.0, 42.0]);
    }

    #[test]
    fn summary_skips_non_finite_values() {
        let s = Summary::of(&[1.0, f64::NAN, 3.0, f64::NEG_INFINITY]).unwrap();
        assert_eq!((s.n, s.mean, s.min, s.max), (2, 2.0, 1.0, 3.0));
    }

    #[test]
    fn summary_of_constant_values_has_no_spread() {
        let s = Summary::of(&[0.1; 7]).unwrap();
        assert_eq!((s.mean, s.std), (0.1, 0.0));
        assert_eq!(s.ci95, [0.1, 0.1]);
        assert_eq!((s.p01, s.p50, s.p99), (0.1, 0.1, 0.1));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any permutation of the input gives bit-identical statistics: the promise
            /// that thread count and shard merge order never change a number.
            #[test]
            fn summary_ignores_input_order(
                mut xs in proptest::collection::vec(-1e9f64..1e9, 1..200),
                seed in any::<u64>(),
            ) {
                let a = Summary::of(&xs).unwrap();
                // A cheap deterministic shuffle driven by `seed`.
                let mut s = seed | 1;
                for i in (1..xs.len()).rev() {
                    s ^= s << 13; s ^= s >> 7; s ^= s << 17;
                    xs.swap(i, (s % (i as u64 + 1)) as usize);
                }
                let b = Summary::of(&xs).unwrap();
                prop_assert_eq!(a, b);
            }

            /// Percentiles are ordered and lie within [min, max]; the mean too.
            #[test]
            fn percentiles_are_monotone(xs in proptest::collection::vec(-1e9f64..1e9, 1..200)) {
                let s = Summary::of(&xs).unwrap();
                let chain = [s.min, s.p01, s.p05, s.p50, s.p90, s.p95, s.p99, s.max];
                prop_assert!(chain.windows(2).all(|w| w[0] <= w[1]), "{:?}", chain);
                prop_assert!(s.min <= s.mean && s.mean <= s.max);
                prop_assert!(s.ci95[0] <= s.mean && s.mean <= s.ci95[1]);
            }
        }
    }
}
