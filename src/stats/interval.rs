//! Confidence intervals for rates.
//!
//! A Monte Carlo run estimates probabilities ("the rollout completes", "it rolls back") as
//! fractions of trials. The textbook Wald interval `p̂ ± z·√(p̂(1−p̂)/n)` collapses to a
//! single point when nothing (or everything) happened: "0 rollbacks in 1000 trials" would
//! claim a rollback rate of exactly 0 ± 0. The **Wilson score interval** (Wilson, 1927) stays
//! honest at the edges (0 of 1000 → [0, 0.38%]), never leaves `[0, 1]`, and has close to
//! nominal coverage down to small `n`, which is why it is the usual recommendation (Brown,
//! Cai & DasGupta, 2001).

/// The Wilson score interval `(lo, hi)` for `successes` out of `n` trials, at the normal
/// quantile `z` ([`Z_95`](crate::stats::Z_95) for a 95% interval).
///
/// ```text
/// p̂ = s/n,   centre = (p̂ + z²/2n) / (1 + z²/n),
/// half = z/(1 + z²/n) · √(p̂(1−p̂)/n + z²/4n²)
/// ```
///
/// Bounds are clamped to `[0, 1]`, and are exactly 0 when `successes == 0` and exactly 1
/// when `successes == n` (the formula gives those in exact arithmetic; this removes the
/// rounding noise). With `n == 0` nothing is known and the interval is `(0, 1)`. A
/// `successes` above `n` is treated as `n`.
///
/// ```
/// use rollout_sim::stats::{wilson, Z_95};
/// let (lo, hi) = wilson(50, 100, Z_95);
/// assert_eq!((format!("{lo:.4}"), format!("{hi:.4}")), ("0.4038".into(), "0.5962".into()));
/// ```
pub fn wilson(successes: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let s = successes.min(n);
    let nf = n as f64;
    let p = s as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    let lo = if s == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if s == n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Z_95;

    /// Rounds to 4 decimals, the precision reference tables give.
    fn r4((lo, hi): (f64, f64)) -> (f64, f64) {
        ((lo * 1e4).round() / 1e4, (hi * 1e4).round() / 1e4)
    }

    /// Reference values: `statsmodels.stats.proportion.proportion_confint(s, n,
    /// alpha=0.05, method="wilson")`, also Brown, Cai & DasGupta (2001).
    #[test]
    fn known_values() {
        assert_eq!(r4(wilson(50, 100, Z_95)), (0.4038, 0.5962));
        assert_eq!(r4(wilson(0, 10, Z_95)), (0.0, 0.2775));
        assert_eq!(r4(wilson(10, 10, Z_95)), (0.7225, 1.0));
        assert_eq!(r4(wilson(1, 10, Z_95)), (0.0179, 0.4042));
        assert_eq!(r4(wilson(981, 1000, Z_95)), (0.9705, 0.9878));
        assert_eq!(r4(wilson(0, 1000, Z_95)), (0.0, 0.0038));
    }

    #[test]
    fn edges_are_exact() {
        assert_eq!(wilson(0, 7, Z_95).0, 0.0);
        assert_eq!(wilson(7, 7, Z_95).1, 1.0);
        assert_eq!(wilson(0, 0, Z_95), (0.0, 1.0));
        assert_eq!(wilson(9, 7, Z_95), wilson(7, 7, Z_95));
    }

    #[test]
    fn symmetric_in_successes_and_failures() {
        for (s, n) in [(3, 17), (0, 5), (981, 1000)] {
            let (lo, hi) = wilson(s, n, Z_95);
            let (lo2, hi2) = wilson(n - s, n, Z_95);
            assert!((lo - (1.0 - hi2)).abs() < 1e-12 && (hi - (1.0 - lo2)).abs() < 1e-12);
        }
    }

    #[test]
    fn contains_the_estimate_and_narrows_with_n() {
        let (lo, hi) = wilson(30, 100, Z_95);
        assert!(lo < 0.3 && 0.3 < hi);
        let (lo2, hi2) = wilson(300, 1000, Z_95);
        assert!(hi2 - lo2 < hi - lo);
    }
}
