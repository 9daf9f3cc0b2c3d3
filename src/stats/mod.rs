//! Statistics over the per-trial results of a Monte Carlo run.
//!
//! This module owns the numbers every report is made of, and nothing about files or
//! formatting (that is [`crate::output`]):
//!
//! - [`quantile`](mod@quantile): percentiles by linear interpolation between order statistics, and the
//!   [`Summary`] of one metric (mean, standard deviation, percentiles, a confidence interval
//!   of the mean);
//! - [`interval`]: the Wilson score interval for rates such as "981 of 1000 trials
//!   completed".
//!
//! Everything here is a pure function of its input *values*, not of their order: a summary
//! sorts its values before it sums them, so the same trials give bit-identical statistics
//! whether they were computed on one thread, many threads, or merged from shards.
//!
//! ```
//! use rollout_sim::stats::{Summary, wilson, Z_95};
//!
//! let s = Summary::of(&[3.0, 1.0, 2.0]).unwrap();
//! assert_eq!((s.min, s.p50, s.max), (1.0, 2.0, 3.0));
//!
//! let (lo, hi) = wilson(981, 1000, Z_95);
//! assert!(lo < 0.981 && 0.981 < hi);
//! ```

pub mod interval;
pub mod quantile;

pub use interval::wilson;
pub use quantile::{Summary, quantile};

/// The two-sided 95% quantile of the standard normal distribution, Φ⁻¹(0.975).
///
/// Used for every 95% interval of this crate (written `1.96` in most textbooks).
pub const Z_95: f64 = 1.959_963_984_540_054;
