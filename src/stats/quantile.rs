//! Percentiles: which definition, and the function.
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

use crate::stats::decimal::{Decimal, lerp};

/// The type-7 quantile (see the [module docs](self)) of `sorted`, which must be sorted
/// ascending; `p` is a fraction (0.99 for p99) and is clamped to `[0, 1]`.
///
/// Returns `None` for an empty slice. O(1). When `p` and the two values interpolated are
/// short decimals ([`crate::stats::decimal`]), the result is the exact interpolation rounded
/// once.
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
    let p = p.clamp(0.0, 1.0);
    // A fraction with few decimals (every percentile of this crate) splits `h` exactly, and
    // short-decimal values interpolate exactly: p95 of whole counts is `11565.2`, not the
    // `11565.199999999997` of the f64 lerp.
    let (i, frac) = match Decimal::of(p) {
        Some(exact) => {
            let (i, r) = exact.times(last);
            let i = i as usize;
            if r != 0
                && i < last
                && let Some(v) = lerp(sorted[i], sorted[i + 1], r, exact.e)
            {
                return Some(v);
            }
            (i, Decimal { m: r, e: exact.e }.to_f64())
        }
        None => {
            let h = last as f64 * p;
            let i = (h.floor() as usize).min(last);
            (i, h - i as f64)
        }
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    use crate::stats::testing::{close, one_to_ten};

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

    /// Whole counts and microseconds interpolate to the decimal numpy would print with
    /// exact arithmetic, not to the f64 lerp's neighbour of it.
    #[test]
    fn short_decimals_interpolate_exactly() {
        // 1000 values: p95 sits 5 hundredths of the way from the 950th to the 951st.
        let mut xs = vec![0.0; 1000];
        xs[949] = 11565.0;
        xs[950..].fill(11569.0);
        assert_eq!(quantile(&xs, 0.95), Some(11565.2));
        xs[949] = 78.774211;
        xs[950..].fill(78.774213);
        assert_eq!(quantile(&xs, 0.95), Some(78.7742111));
        // Not short decimals: the f64 lerp, within its bounds.
        let third = [1.0 / 3.0, 2.0 / 3.0];
        assert!(close(quantile(&third, 0.5).unwrap(), 0.5));
    }
}
