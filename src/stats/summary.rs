//! The [`Summary`] of one metric: mean, spread, range, percentiles, and a 95% interval for
//! each statistic that has one.
//!
//! | statistic | estimate | 95% interval |
//! | --- | --- | --- |
//! | `mean` | arithmetic mean | Student t, [`mean_interval`] |
//! | `std` | sample standard deviation | none: its textbook interval (χ²) holds only for normal data |
//! | `min`, `max` | smallest, largest value | none: no finite sample bounds the extremes of a distribution |
//! | `p01` … `p99` | type-7 [`quantile`] | order statistics, [`quantile_interval`]; none when there are too few values |
//!
//! Statistics are named by [`Stat`], whose spellings (`p95`, `mean`) are those of
//! `summary.json` and of checks such as `duration_s.p95`.

use crate::stats::decimal::ExactSum;
use crate::stats::order::quantile_interval;
use crate::stats::quantile::quantile;
use crate::stats::sort::{SortBuffers, sort_total_in};
use crate::stats::student::mean_interval;

/// Drops the non-finite values of `values[start..]` and sorts the rest ascending, as
/// [`Summary::of_sorted`] needs them; returns the range they now occupy.
pub fn sort_finite(values: &mut Vec<f64>, start: usize) -> std::ops::Range<usize> {
    sort_finite_in(values, start, &mut SortBuffers::default())
}

/// [`sort_finite`] with the sort's key buffers `buffers` (kept from column to column).
pub fn sort_finite_in(
    values: &mut Vec<f64>,
    start: usize,
    buffers: &mut SortBuffers,
) -> std::ops::Range<usize> {
    let mut kept = start;
    for i in start..values.len() {
        if values[i].is_finite() {
            values.swap(kept, i);
            kept += 1;
        }
    }
    values.truncate(kept);
    sort_total_in(&mut values[start..], buffers);
    start..kept
}

/// One statistic of a [`Summary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stat {
    /// Arithmetic mean.
    Mean,
    /// Sample standard deviation.
    Std,
    /// Smallest value.
    Min,
    /// 1st percentile.
    P01,
    /// 5th percentile.
    P05,
    /// 10th percentile.
    P10,
    /// Median.
    P50,
    /// 90th percentile.
    P90,
    /// 95th percentile.
    P95,
    /// 99th percentile.
    P99,
    /// Largest value.
    Max,
}

impl Stat {
    /// Every statistic, in `summary.json` order.
    pub const ALL: [Stat; 11] = [
        Stat::Mean,
        Stat::Std,
        Stat::Min,
        Stat::P01,
        Stat::P05,
        Stat::P10,
        Stat::P50,
        Stat::P90,
        Stat::P95,
        Stat::P99,
        Stat::Max,
    ];

    /// The name in `summary.json` and in `metric.stat` expressions.
    pub fn as_str(self) -> &'static str {
        match self {
            Stat::Mean => "mean",
            Stat::Std => "std",
            Stat::Min => "min",
            Stat::P01 => "p01",
            Stat::P05 => "p05",
            Stat::P10 => "p10",
            Stat::P50 => "p50",
            Stat::P90 => "p90",
            Stat::P95 => "p95",
            Stat::P99 => "p99",
            Stat::Max => "max",
        }
    }

    /// Inverse of [`Stat::as_str`].
    pub fn parse(name: &str) -> Option<Stat> {
        Stat::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The fraction of a percentile (0.95 for `p95`); `None` for the other statistics.
    pub fn percentile(self) -> Option<f64> {
        match self {
            Stat::P01 => Some(0.01),
            Stat::P05 => Some(0.05),
            Stat::P10 => Some(0.10),
            Stat::P50 => Some(0.50),
            Stat::P90 => Some(0.90),
            Stat::P95 => Some(0.95),
            Stat::P99 => Some(0.99),
            Stat::Mean | Stat::Std | Stat::Min | Stat::Max => None,
        }
    }

    /// For a percentile name that is not one of them (`p96`, `p99.9`), the one nearest in
    /// value (`p95`, `p99`): an edit distance would offer `p90` for `p96`.
    ///
    /// ```
    /// use rollout_sim::stats::summary::Stat;
    /// assert_eq!(Stat::nearest_percentile("p96"), Some(Stat::P95));
    /// assert_eq!(Stat::nearest_percentile("p99.9"), Some(Stat::P99));
    /// assert_eq!(Stat::nearest_percentile("mea"), None);
    /// ```
    pub fn nearest_percentile(name: &str) -> Option<Stat> {
        let digits = name.strip_prefix('p')?;
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
            return None;
        }
        let wanted = digits.parse::<f64>().ok()? / 100.0;
        Stat::ALL
            .into_iter()
            .filter_map(|s| Some((s, (s.percentile()? - wanted).abs())))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(s, _)| s)
    }

    /// Whether the statistic has a 95% interval when the trials are enough (the mean and
    /// the percentiles; a single extreme or the spread has none).
    pub fn has_interval(self) -> bool {
        self == Stat::Mean || self.percentile().is_some()
    }
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
    /// 10th percentile.
    pub p10: f64,
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
    /// 95% confidence interval of the mean, `[lo, hi]`: the t interval
    /// ([`mean_interval`]); `[mean, mean]` for a single value, which has no spread to
    /// estimate (and then [`Summary::interval`] of the mean is `None`).
    pub ci95: [f64; 2],
    /// The 95% interval of each statistic, indexed by `Stat as usize`.
    intervals: [Option<(f64, f64)>; Stat::ALL.len()],
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
        Summary::of_vec(values.to_vec())
    }

    /// [`Summary::of`], taking the values by value to sort them in place (no copy).
    pub fn of_vec(mut values: Vec<f64>) -> Option<Summary> {
        sort_finite(&mut values, 0);
        Summary::of_sorted(&values)
    }

    /// The summary of `sorted`: finite values in ascending order, as [`Summary::of_vec`]
    /// leaves them (its result for these values). `None` when empty.
    pub fn of_sorted(sorted: &[f64]) -> Option<Summary> {
        debug_assert!(
            sorted
                .windows(2)
                .all(|w| w[0].total_cmp(&w[1]).is_le() && w[1].is_finite()),
            "of_sorted() needs finite sorted values"
        );
        let n = sorted.len();
        let (&min, &max) = (sorted.first()?, sorted.last()?);
        let nf = n as f64;
        // Short decimals (counts, microseconds) are summed exactly: the mean of 4 in 1000 is
        // 0.004, not 0.004000000000000004. Other values are summed in f64, where rounding
        // can put the mean of equal values a hair off them (7 × 0.1 sums to
        // 0.7000000000000001) and then give them a spurious spread: clamp, and treat
        // constant input as exactly constant.
        // Equal values (a column a run never moves: restarts, failures) have their value
        // as the mean whatever the sum gives, by the clamp: not summed. Equal bits, not
        // `==`: -0 and +0 compare equal, and a mix of them averages to +0.
        let mean = if min.to_bits() == max.to_bits() {
            min
        } else {
            let mut exact = ExactSum::default();
            sorted.iter().for_each(|&v| exact.push(v));
            exact
                .mean(n as u64)
                .unwrap_or_else(|| sorted.iter().sum::<f64>() / nf)
                .clamp(min, max)
        };
        let std = if n < 2 || min == max {
            0.0
        } else {
            let ss: f64 = sorted.iter().map(|v| (v - mean) * (v - mean)).sum();
            (ss / (nf - 1.0)).sqrt()
        };
        let mean_ci = mean_interval(n, mean, std);
        let mut intervals = [None; Stat::ALL.len()];
        intervals[Stat::Mean as usize] = mean_ci;
        for stat in Stat::ALL {
            if let Some(p) = stat.percentile() {
                intervals[stat as usize] = quantile_interval(sorted, p);
            }
        }
        // `n > 0` was checked, so every quantile exists.
        let q = |p| quantile(sorted, p).unwrap_or(f64::NAN);
        let (lo, hi) = mean_ci.unwrap_or((mean, mean));
        Some(Summary {
            n,
            mean,
            std,
            min,
            p01: q(0.01),
            p05: q(0.05),
            p10: q(0.10),
            p50: q(0.50),
            p90: q(0.90),
            p95: q(0.95),
            p99: q(0.99),
            max,
            ci95: [lo, hi],
            intervals,
        })
    }

    /// The value of `stat`.
    pub fn get(&self, stat: Stat) -> f64 {
        match stat {
            Stat::Mean => self.mean,
            Stat::Std => self.std,
            Stat::Min => self.min,
            Stat::P01 => self.p01,
            Stat::P05 => self.p05,
            Stat::P10 => self.p10,
            Stat::P50 => self.p50,
            Stat::P90 => self.p90,
            Stat::P95 => self.p95,
            Stat::P99 => self.p99,
            Stat::Max => self.max,
        }
    }

    /// The 95% interval `(lo, hi)` of `stat` (see the [module docs](self) for which
    /// interval); `None` for `std`, `min` and `max`, for a percentile with too few values
    /// to bound it, and for the mean of a single value.
    pub fn interval(&self, stat: Stat) -> Option<(f64, f64)> {
        self.intervals[stat as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::student::t95;
    use crate::stats::testing::{close, one_to_ten};

    /// The mean as it was computed for every column, equal values included.
    fn summed_mean(sorted: &[f64]) -> f64 {
        let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
        let mut exact = ExactSum::default();
        sorted.iter().for_each(|&v| exact.push(v));
        exact
            .mean(sorted.len() as u64)
            .unwrap_or_else(|| sorted.iter().sum::<f64>() / sorted.len() as f64)
            .clamp(min, max)
    }

    #[test]
    fn equal_values_have_the_mean_the_sum_gave() {
        let mut rng = crate::stats::testing::stream(5, 0);
        let mut values = vec![
            0.0,
            -0.0,
            0.1,
            1.0 / 3.0,
            47.123456,
            1e300,
            -1e300,
            f64::MAX,
        ];
        values.extend(
            (0..200)
                .map(|_| f64::from_bits(rng.next_u64()))
                .filter(|x| x.is_finite()),
        );
        values.extend((0..200).map(|_| rng.below(1 << 40) as f64 / 1e6));
        for &x in &values {
            for n in [1, 2, 3, 7, 1000] {
                let sorted = vec![x; n];
                let mean = Summary::of_sorted(&sorted).unwrap().mean;
                assert_eq!(mean.to_bits(), summed_mean(&sorted).to_bits(), "{x} x {n}");
            }
        }
        // -0 and +0 compare equal but are not one value: summed, as before.
        let mixed = [-0.0, -0.0, 0.0];
        let mean = Summary::of_sorted(&mixed).unwrap().mean;
        assert_eq!(mean.to_bits(), summed_mean(&mixed).to_bits());
    }

    #[test]
    fn stat_names_round_trip() {
        for (i, s) in Stat::ALL.into_iter().enumerate() {
            assert_eq!(s as usize, i, "ALL is in declaration order");
            assert_eq!(Stat::parse(s.as_str()), Some(s));
        }
        assert_eq!(Stat::parse("p95"), Some(Stat::P95));
        assert_eq!(Stat::parse("p42"), None);
        assert_eq!(Stat::P10.percentile(), Some(0.1));
        assert_eq!(Stat::Max.percentile(), None);
    }

    #[test]
    fn summary_of_one_to_ten() {
        let s = Summary::of(&one_to_ten()).unwrap();
        assert_eq!(s.n, 10);
        assert_eq!(s.mean, 5.5);
        // numpy.std(range(1, 11), ddof=1) = 3.0276503540974917
        assert!(close(s.std, 3.027_650_354_097_491_7));
        assert_eq!((s.min, s.max), (1.0, 10.0));
        // numpy.percentile(range(1, 11), [1, 5, 10, 50, 90, 95, 99])
        for (got, want) in [
            (s.p01, 1.09),
            (s.p05, 1.45),
            (s.p10, 1.9),
            (s.p50, 5.5),
            (s.p90, 9.1),
            (s.p95, 9.55),
            (s.p99, 9.91),
        ] {
            assert!(close(got, want), "{got} vs {want}");
        }
        // 5.5 ± t₉ · 3.0276504 / √10 = 5.5 ± 2.2621572 · 0.9574271 = 5.5 ± 2.1658506
        let hw = t95(9) * s.std / 10f64.sqrt();
        assert!((hw - 2.165_850_6).abs() < 1e-6, "half width {hw}");
        assert_eq!(s.ci95, [5.5 - hw, 5.5 + hw]);
        assert_eq!(s.interval(Stat::Mean), Some((5.5 - hw, 5.5 + hw)));
        // The median of 10 lies between the 2nd and 9th values (97.9%); ten values bound
        // no tail percentile, and std, min, max never have an interval.
        assert_eq!(s.interval(Stat::P50), Some((2.0, 9.0)));
        for stat in [
            Stat::P01,
            Stat::P10,
            Stat::P90,
            Stat::P99,
            Stat::Std,
            Stat::Min,
        ] {
            assert_eq!(s.interval(stat), None, "{stat:?}");
        }
    }

    #[test]
    fn get_reads_each_field() {
        let s = Summary::of(&(1..=100).map(f64::from).collect::<Vec<_>>()).unwrap();
        let got: Vec<f64> = Stat::ALL.map(|st| s.get(st)).to_vec();
        let want = [
            s.mean, s.std, s.min, s.p01, s.p05, s.p10, s.p50, s.p90, s.p95, s.p99, s.max,
        ];
        assert_eq!(got, want);
        assert_eq!((s.get(Stat::Min), s.get(Stat::Max)), (1.0, 100.0));
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
        assert!(Stat::ALL.iter().all(|&st| s.interval(st).is_none()));
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
        assert_eq!(s.interval(Stat::P50), Some((0.1, 0.1)));
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any permutation of the input gives bit-identical statistics: the promise
            /// that thread count and shard merge order never change a number.
            #[test]
            fn summary_ignores_input_order(
                mut xs in proptest::collection::vec(-1e9f64..1e9, 1..400),
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

            /// Percentiles are ordered and lie within [min, max]; the mean too; every
            /// interval contains its estimate.
            #[test]
            fn percentiles_are_monotone(xs in proptest::collection::vec(-1e9f64..1e9, 1..400)) {
                let s = Summary::of(&xs).unwrap();
                let chain = [s.min, s.p01, s.p05, s.p10, s.p50, s.p90, s.p95, s.p99, s.max];
                prop_assert!(chain.windows(2).all(|w| w[0] <= w[1]), "{:?}", chain);
                prop_assert!(s.min <= s.mean && s.mean <= s.max);
                prop_assert!(s.ci95[0] <= s.mean && s.mean <= s.ci95[1]);
                for stat in Stat::ALL {
                    if let Some((lo, hi)) = s.interval(stat) {
                        let v = s.get(stat);
                        prop_assert!(lo <= v && v <= hi, "{:?}: {} not in [{}, {}]", stat, v, lo, hi);
                    }
                }
            }
        }
    }
}
