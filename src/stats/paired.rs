//! Paired differences: how two variants run on the same random numbers differ.
//!
//! With common random numbers, trial `i` of variant A and trial `i` of variant B see the
//! same startup times, the same failures, the same node losses; the difference
//! `dᵢ = aᵢ − bᵢ` removes what the two share, so its spread is far smaller than that of
//! either variant, and so is the interval of the mean difference. Two questions are
//! answered:
//!
//! - **by how much**: the mean of `dᵢ` with its 95% t interval ([`mean_interval`]);
//! - **how often**: the share of trials where `aᵢ < bᵢ` ("start-first is faster in 93% of
//!   trials"), with its 95% Wilson interval ([`wilson`]); ties are counted apart.
//!
//! Like every statistic of this crate, the result depends only on the multiset of pairs,
//! not their order. Differences and their mean are exact for short decimals
//! ([`crate::stats::decimal`]).

use crate::stats::decimal::{ExactSum, difference};
use crate::stats::student::mean_interval;
use crate::stats::{Z_95, wilson};

/// The paired comparison of A and B over the trials where both have a value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Paired {
    /// Pairs compared (both values finite).
    pub n: usize,
    /// Mean of `a − b`.
    pub mean_diff: f64,
    /// Sample standard deviation of `a − b` (divisor `n − 1`; 0 for one pair).
    pub std_diff: f64,
    /// 95% t interval of the mean difference; `None` for a single pair.
    pub mean_diff_ci95: Option<(f64, f64)>,
    /// Pairs with `a < b`.
    pub a_less: u64,
    /// Pairs with `a > b`.
    pub a_greater: u64,
    /// Pairs with `a == b`.
    pub ties: u64,
    /// 95% Wilson interval of the share `a_less / n`.
    pub a_less_ci95: (f64, f64),
}

impl Paired {
    /// `a_less / n`: the share of trials where A is below B (0 without pairs).
    pub fn a_less_share(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.a_less as f64 / self.n as f64
        }
    }
}

/// Compares `(aᵢ, bᵢ)` pairs; pairs where either value is not finite (a metric not
/// measured in that trial) are left out. `None` when no pair is left.
///
/// ```
/// use rollout_sim::stats::paired::paired;
/// let p = paired([(10.0, 12.0), (11.0, 12.5), (9.0, 11.0), (13.0, 12.0)]).unwrap();
/// assert_eq!((p.n, p.a_less, p.a_greater, p.ties), (4, 3, 1, 0));
/// assert_eq!(p.mean_diff, -1.125);
/// ```
pub fn paired(pairs: impl IntoIterator<Item = (f64, f64)>) -> Option<Paired> {
    let (mut a_less, mut a_greater, mut ties) = (0u64, 0u64, 0u64);
    let mut diffs: Vec<f64> = pairs
        .into_iter()
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| {
            match a.total_cmp(&b) {
                std::cmp::Ordering::Less => a_less += 1,
                std::cmp::Ordering::Greater => a_greater += 1,
                std::cmp::Ordering::Equal => ties += 1,
            }
            difference(a, b)
        })
        .collect();
    if diffs.is_empty() {
        return None;
    }
    // Sorted before summing, so the result does not depend on the order of the pairs.
    diffs.sort_unstable_by(f64::total_cmp);
    let n = diffs.len();
    let nf = n as f64;
    let mut exact = ExactSum::default();
    diffs.iter().for_each(|&d| exact.push(d));
    let mean_diff = exact
        .mean(n as u64)
        .unwrap_or_else(|| diffs.iter().sum::<f64>() / nf);
    let std_diff = if n < 2 || diffs[0] == diffs[n - 1] {
        0.0
    } else {
        let ss: f64 = diffs
            .iter()
            .map(|d| (d - mean_diff) * (d - mean_diff))
            .sum();
        (ss / (nf - 1.0)).sqrt()
    };
    Some(Paired {
        n,
        mean_diff,
        std_diff,
        mean_diff_ci95: mean_interval(n, mean_diff, std_diff),
        a_less,
        a_greater,
        ties,
        a_less_ci95: wilson(a_less, n as u64, Z_95),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::student::t95;

    /// By hand: d = (−2, −1.5, −2, 1), mean −1.125, deviations (−0.875, −0.375, −0.875,
    /// 2.125), Σ² = 0.765625 + 0.140625 + 0.765625 + 4.515625 = 6.1875, std = √(6.1875/3).
    #[test]
    fn hand_computed() {
        let p = paired([(10.0, 12.0), (11.0, 12.5), (9.0, 11.0), (13.0, 12.0)]).unwrap();
        assert_eq!(p.mean_diff, -1.125);
        let std = (6.1875f64 / 3.0).sqrt();
        assert!((p.std_diff - std).abs() < 1e-15);
        let half = t95(3) * std / 2.0;
        let (lo, hi) = p.mean_diff_ci95.unwrap();
        assert!((lo + 1.125 + half).abs() < 1e-12 && (hi + 1.125 - half).abs() < 1e-12);
        assert_eq!(p.a_less_share(), 0.75);
        assert_eq!(p.a_less_ci95, wilson(3, 4, Z_95));
    }

    /// A constant shift is known exactly, whatever the spread of the values themselves.
    #[test]
    fn constant_shift_has_a_zero_width_interval() {
        let p = paired((0..50).map(|i| (i as f64 * 7.5, i as f64 * 7.5 + 2.0))).unwrap();
        assert_eq!((p.mean_diff, p.std_diff), (-2.0, 0.0));
        assert_eq!(p.mean_diff_ci95, Some((-2.0, -2.0)));
        assert_eq!((p.a_less, p.a_greater, p.ties), (50, 0, 0));
        assert_eq!(p.a_less_ci95.1, 1.0);
    }

    #[test]
    fn ties_missing_values_and_order() {
        let pairs = [
            (1.0, 1.0),
            (f64::NAN, 2.0),
            (3.0, f64::INFINITY),
            (2.0, 1.0),
        ];
        let p = paired(pairs).unwrap();
        assert_eq!((p.n, p.a_less, p.a_greater, p.ties), (2, 0, 1, 1));
        let mut rev = pairs;
        rev.reverse();
        assert_eq!(paired(rev), Some(p));
        assert_eq!(paired([(f64::NAN, 1.0)]), None);
        assert_eq!(paired([(1.0, 3.0)]).unwrap().mean_diff_ci95, None);
    }
}
