//! Statistics over the per-trial results of a Monte Carlo run.
//!
//! This module owns the numbers every report is made of, and nothing about files or
//! formatting (that is [`crate::output`]):
//!
//! - [`quantile`](mod@quantile): percentiles by linear interpolation between order
//!   statistics;
//! - [`decimal`]: means, differences and interpolations of short decimals (counts,
//!   millicores, microseconds) computed exactly and rounded once, so a mean of 4 in 1000
//!   is written `0.004`, not `0.004000000000000004`;
//! - [`summary`]: the [`Summary`] of one metric (mean, standard deviation, range,
//!   percentiles) with a 95% interval for each statistic that has one, named by [`Stat`];
//! - [`order`]: distribution-free intervals of percentiles from order statistics;
//! - [`student`]: the t interval of a mean;
//! - [`interval`]: the Wilson score interval for rates such as "981 of 1000 trials
//!   completed";
//! - [`sort`]: values in `total_cmp` order, the order every statistic reads them in;
//! - [`paired`](mod@paired): the difference of two variants run on the same random numbers;
//! - [`column`](mod@column): the compact exact storage that lets a million trials be summarised in
//!   a few tens of megabytes.
//!
//! Everything here is a pure function of its input *values*, not of their order: a summary
//! sorts its values before it sums them, so the same trials give bit-identical statistics
//! whether they were computed on one thread, many threads, or merged from shards.
//!
//! ```
//! use rollout_sim::stats::{Stat, Summary, wilson, Z_95};
//!
//! let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
//! assert_eq!((s.min, s.p50, s.max), (1.0, 2.0, 3.0));
//! assert_eq!(s.get(Stat::P50), 2.0);
//! assert_eq!(s.interval(Stat::Max), None);
//!
//! let (lo, hi) = wilson(981, 1000, Z_95);
//! assert!(lo < 0.981 && 0.981 < hi);
//! ```

pub mod column;
pub mod decimal;
pub mod interval;
pub mod order;
pub mod paired;
pub mod quantile;
pub mod sort;
pub mod student;
pub mod summary;

#[cfg(test)]
mod coverage;
#[cfg(test)]
pub(crate) mod testing;

pub use column::CompactColumn;
pub use interval::wilson;
pub use paired::{Paired, paired};
pub use quantile::quantile;
pub use summary::{Stat, Summary};

/// The two-sided 95% quantile of the standard normal distribution, Φ⁻¹(0.975).
///
/// Used for every 95% interval of this crate (written `1.96` in most textbooks).
pub const Z_95: f64 = 1.959_963_984_540_054;
