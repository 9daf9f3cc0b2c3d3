//! Paired comparisons: variant B against baseline A on the same trials (common random
//! numbers), metric by metric.
//!
//! For each trial index both variants ran with the same random streams, so the
//! per-trial difference `d = B − A` carries the change's effect and little luck: its
//! variance is `var(A) + var(B) − 2·cov(A, B)`, far below the `var(A) + var(B)` of two
//! independent runs when the variants agree on most of what happens. The interval of the
//! mean difference comes from the `d`s (paired); the unpaired one, shown beside it for
//! scale, is what two independent runs of the same size would give.
//!
//! Everything is accumulated in trial order as results stream by (Welford's updates), so
//! a comparison needs memory per metric, not per trial. Means and per-trial differences of
//! short decimals (counts, microseconds) are exact and rounded once
//! ([`crate::stats::decimal`]): `compare.csv` writes a mean of 4 in 1000 as `0.004`.

use crate::experiment::{Sink, Trial};
use crate::output::columns::{Better, COLUMNS, Column};
use crate::stats::decimal::{ExactSum, difference};
use crate::stats::student::t95;
use crate::stats::{Z_95, wilson};
use std::io;

/// Running mean and sum of squared deviations (Welford), and the exact sum that gives the
/// mean of short decimals without the running mean's rounding.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    mean: f64,
    m2: f64,
    exact: ExactSum,
}

impl Moments {
    fn push(&mut self, n: u64, x: f64) {
        let delta = x - self.mean;
        self.mean += delta / n as f64;
        self.m2 += delta * (x - self.mean);
        self.exact.push(x);
    }

    /// The mean: exact and rounded once for short decimals (counts, microseconds), else
    /// the running mean.
    fn mean(&self, n: u64) -> f64 {
        self.exact.mean(n).unwrap_or(self.mean)
    }

    fn var(&self, n: u64) -> f64 {
        if n < 2 { 0.0 } else { self.m2 / (n - 1) as f64 }
    }
}

/// The paired statistics of one metric, accumulated trial by trial.
#[derive(Debug, Clone, Copy, Default)]
pub struct Paired {
    /// Trials where both variants have a value.
    pub n: u64,
    a: Moments,
    b: Moments,
    d: Moments,
    /// Trials where B < A.
    pub lower: u64,
    /// Trials where B > A.
    pub higher: u64,
}

impl Paired {
    /// Add one trial's pair (baseline `a`, variant `b`).
    pub fn push(&mut self, a: f64, b: f64) {
        self.n += 1;
        self.a.push(self.n, a);
        self.b.push(self.n, b);
        self.d.push(self.n, difference(b, a));
        self.lower += u64::from(b < a);
        self.higher += u64::from(b > a);
    }

    /// Mean of the baseline.
    pub fn mean_a(&self) -> f64 {
        self.a.mean(self.n)
    }

    /// Mean of the variant.
    pub fn mean_b(&self) -> f64 {
        self.b.mean(self.n)
    }

    /// Mean of `B − A`.
    pub fn mean_diff(&self) -> f64 {
        self.d.mean(self.n)
    }

    /// Standard deviation of the per-trial differences `B − A`.
    pub fn diff_std(&self) -> f64 {
        self.d.var(self.n).sqrt()
    }

    /// Standard deviation of `B − A` for independent draws: `√(var A + var B)`.
    pub fn unpaired_std(&self) -> f64 {
        (self.a.var(self.n) + self.b.var(self.n)).sqrt()
    }

    /// 95% interval of the mean difference from the paired differences:
    /// `mean(d) ± t₀.₉₇₅,ₙ₋₁·sd(d)/√n` (Student's t).
    pub fn ci95(&self) -> [f64; 2] {
        self.interval(self.diff_std())
    }

    /// The same interval had A and B been run independently (same n each).
    pub fn unpaired_ci95(&self) -> [f64; 2] {
        self.interval(self.unpaired_std())
    }

    fn interval(&self, sd: f64) -> [f64; 2] {
        let half = if self.n == 0 {
            0.0
        } else {
            t95(self.n - 1) * sd / (self.n as f64).sqrt()
        };
        let mean = self.mean_diff();
        [mean - half, mean + half]
    }

    /// Share of trials where B < A, with its 95% Wilson interval.
    pub fn lower_share(&self) -> (f64, [f64; 2]) {
        share(self.lower, self.n)
    }

    /// Share of trials where B > A, with its 95% Wilson interval.
    pub fn higher_share(&self) -> (f64, [f64; 2]) {
        share(self.higher, self.n)
    }

    /// Whether the paired interval lies wholly below (−1) or above (+1) zero, or holds it.
    pub fn sign(&self) -> i8 {
        let [lo, hi] = self.ci95();
        if self.n < 2 {
            0
        } else if hi < 0.0 {
            -1
        } else if lo > 0.0 {
            1
        } else {
            0
        }
    }
}

fn share(k: u64, n: u64) -> (f64, [f64; 2]) {
    let (lo, hi) = wilson(k, n, Z_95);
    (if n == 0 { 0.0 } else { k as f64 / n as f64 }, [lo, hi])
}

/// What a significant difference means for a metric: `better`, `worse`, or for a metric
/// with no good direction `lower` / `higher`; `none` when the interval holds 0.
pub fn verdict(column: &Column, p: &Paired) -> &'static str {
    match (p.sign(), column.better) {
        (0, _) => "none",
        (-1, Better::Lower) | (1, Better::Higher) => "better",
        (1, Better::Lower) | (-1, Better::Higher) => "worse",
        (-1, _) => "lower",
        _ => "higher",
    }
}

/// Every variant against variant 0, every numeric column: `pairs[v − 1][c]` for the
/// `c`-th metric column.
#[derive(Debug, Clone)]
pub struct CompareSink {
    /// `(column, paired)` per metric column, per variant after the baseline.
    pub pairs: Vec<Vec<(&'static Column, Paired)>>,
}

impl CompareSink {
    /// For `variants` variants (the first is the baseline).
    pub fn new(variants: usize) -> CompareSink {
        let metrics: Vec<(&'static Column, Paired)> = COLUMNS
            .iter()
            .filter(|c| c.is_metric() && c.name != "events")
            .map(|c| (c, Paired::default()))
            .collect();
        CompareSink {
            pairs: vec![metrics; variants.saturating_sub(1)],
        }
    }
}

impl Sink for CompareSink {
    fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
        let base = &trials[0].result;
        for (per, t) in self.pairs.iter_mut().zip(&trials[1..]) {
            for (col, p) in per.iter_mut() {
                if let (Some(a), Some(b)) = (col.cell(base).as_f64(), col.cell(&t.result).as_f64())
                    && a.is_finite()
                    && b.is_finite()
                {
                    p.push(a, b);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_match_the_textbook_formulas() {
        let (a, b) = ([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 5.0, 5.0]);
        let mut p = Paired::default();
        for (x, y) in a.iter().zip(&b) {
            p.push(*x, *y);
        }
        // d = [1, 0, 2, 1]: mean 1, sample variance 2/3.
        assert_eq!(p.mean_diff(), 1.0);
        assert!((p.diff_std().powi(2) - 2.0 / 3.0).abs() < 1e-12);
        // var a = 5/3, var b = 3: unpaired sd = √(14/3).
        assert!((p.unpaired_std().powi(2) - 14.0 / 3.0).abs() < 1e-12);
        assert_eq!((p.lower, p.higher), (0, 3));
        let [lo, hi] = p.ci95();
        // t₀.₉₇₅ with 3 degrees of freedom is 3.182 (any t table).
        let half = 3.182 * (2.0f64 / 3.0).sqrt() / 2.0;
        assert!((lo - (1.0 - half)).abs() < 1e-3 && (hi - (1.0 + half)).abs() < 1e-3);
    }
}
