//! A statistic of a run, the left-hand side of the one grammar `checks:`, `--check` and
//! `sweep --constraint` share (and all of `sweep --objective`): `duration_s.p95` (a
//! statistic of a `trials.csv` column), `outcome.paused` (how many trials ended so),
//! `outcome.completed.rate` (the share of them). [`MetricStat`] says how to read it from a
//! [`Summary`], how to write it back, and the values it can take ([`Range`]);
//! [`assertion`](super::assertion) reads it from text.

use crate::output::{Column, Summary, Unit};
use crate::result::Outcome;
use crate::scenario::walk::number;
use crate::stats::Stat;
use std::fmt;

/// One number of a run's summary, named as the grammar names it.
#[derive(Debug, Clone, Copy)]
pub enum MetricStat {
    /// Statistic `stat` of the numeric `trials.csv` column `column` (`duration_s.p95`).
    Column {
        /// The column (its unit decides durations, ranges and how values are shown).
        column: &'static Column,
        /// Which statistic.
        stat: Stat,
    },
    /// How many trials ended with an outcome (`outcome.NAME`).
    OutcomeCount(Outcome),
    /// The share of trials that ended with an outcome (`outcome.NAME.rate`).
    OutcomeRate(Outcome),
}

// Columns hold a function pointer, so equality is by name: a name is a column.
impl PartialEq for MetricStat {
    fn eq(&self, other: &MetricStat) -> bool {
        use MetricStat::*;
        match (self, other) {
            (Column { column: a, stat: s }, Column { column: b, stat: t }) => {
                a.name == b.name && s == t
            }
            (OutcomeCount(a), OutcomeCount(b)) | (OutcomeRate(a), OutcomeRate(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for MetricStat {}

impl MetricStat {
    /// The values it can take.
    pub fn range(&self) -> Range {
        match self {
            MetricStat::Column { column, stat } => Range::of_metric(column.unit, *stat),
            MetricStat::OutcomeCount(_) => Range::TRIALS,
            MetricStat::OutcomeRate(_) => Range::RATE,
        }
    }

    /// The unit of its metric; `None` for an outcome's count or rate.
    pub fn unit(&self) -> Option<Unit> {
        match self {
            MetricStat::Column { column, .. } => Some(column.unit),
            _ => None,
        }
    }

    /// Its value in `summary`; `None` when the metric has no value there (a request
    /// metric without traffic).
    pub fn of(&self, summary: &Summary) -> Option<f64> {
        match *self {
            MetricStat::Column { column, stat } => {
                Some(summary.metric(column.name)?.stats.get(stat))
            }
            MetricStat::OutcomeCount(o) => Some(summary.outcome(o).count as f64),
            MetricStat::OutcomeRate(o) => Some(summary.outcome(o).fraction),
        }
    }

    /// Whether it has a 95% interval when the trials are enough: an outcome's count and
    /// rate always, a column's mean and percentiles (not `std`, `min`, `max`).
    pub fn has_interval(&self) -> bool {
        match self {
            MetricStat::Column { stat, .. } => stat.has_interval(),
            MetricStat::OutcomeCount(_) | MetricStat::OutcomeRate(_) => true,
        }
    }

    /// Its 95% interval in `summary` as computed (a mean's t interval may cross 0): the
    /// statistic's own, the Wilson interval of an outcome's rate (times the trials for
    /// its count); `None` for a statistic without one (`std`, `min`, `max`, a percentile
    /// with too few trials) or without values.
    pub fn interval(&self, summary: &Summary) -> Option<(f64, f64)> {
        match *self {
            MetricStat::Column { column, stat } => {
                summary.metric(column.name)?.stats.interval(stat)
            }
            MetricStat::OutcomeCount(o) => {
                let ([lo, hi], n) = (summary.outcome(o).ci95, summary.trials as f64);
                Some((lo * n, hi * n))
            }
            MetricStat::OutcomeRate(o) => {
                let [lo, hi] = summary.outcome(o).ci95;
                Some((lo, hi))
            }
        }
    }
}

/// As the grammar writes it, and `sweep.csv` / `sweep.json` name it.
impl fmt::Display for MetricStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MetricStat::Column { column, stat } => write!(f, "{}.{}", column.name, stat.as_str()),
            MetricStat::OutcomeCount(o) => write!(f, "outcome.{}", o.as_str()),
            MetricStat::OutcomeRate(o) => write!(f, "outcome.{}.rate", o.as_str()),
        }
    }
}

/// The values a statistic can take, for refusing a threshold it would meet (or miss)
/// whatever the trials give.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// The smallest.
    pub lo: f64,
    /// The largest (infinite: no bound).
    pub hi: f64,
    /// What the values are, for messages: "a duration in seconds".
    pub what: &'static str,
}

impl Range {
    /// How many trials ended with an outcome.
    pub const TRIALS: Range = Range::from_zero("a number of trials");
    /// The share of trials that ended with an outcome.
    pub const RATE: Range = Range {
        lo: 0.0,
        hi: 1.0,
        what: "a fraction of the trials",
    };

    const fn from_zero(what: &'static str) -> Range {
        Range {
            lo: 0.0,
            hi: f64::INFINITY,
            what,
        }
    }

    /// The range of statistic `stat` of a metric in `unit`: every metric is never negative,
    /// and a fraction (`availability`, `next_share`) at most 1; so are their means and
    /// percentiles, and their standard deviations (a standard deviation of fractions is
    /// below 1).
    pub fn of_metric(unit: Unit, stat: Stat) -> Range {
        let (what, hi) = match unit {
            Unit::Seconds => ("a duration in seconds", f64::INFINITY),
            Unit::Milliseconds => ("a duration in milliseconds", f64::INFINITY),
            Unit::Cores => ("a number of cpu cores", f64::INFINITY),
            Unit::Bytes => ("a number of bytes", f64::INFINITY),
            Unit::Ratio => ("a fraction", 1.0),
            Unit::Count | Unit::Id | Unit::Label => ("a count", f64::INFINITY),
        };
        match stat {
            Stat::Std if hi.is_finite() => Range {
                lo: 0.0,
                hi,
                what: "a standard deviation of fractions",
            },
            Stat::Std => Range::from_zero("a standard deviation"),
            _ => Range { lo: 0.0, hi, what },
        }
    }

    /// Why `NAME OP THRESHOLD` (`comparison` is `OP THRESHOLD` as written) decides nothing:
    /// `holds` is the comparison, false for every value of the range or true for every
    /// one. `None` when some value meets it and some does not.
    pub fn pointless(
        &self,
        name: &str,
        comparison: &str,
        threshold: f64,
        holds: impl Fn(f64) -> bool,
    ) -> Option<String> {
        // A comparison with `threshold` changes only there: the ends and the threshold
        // itself stand for every value (the infinite end for values past any threshold).
        let at = [self.lo, threshold, self.hi];
        let values = at.iter().filter(|x| (self.lo..=self.hi).contains(*x));
        let (meets, misses) =
            values.fold((false, false), |(m, f), &x| (m || holds(x), f || !holds(x)));
        let outcome = match (meets, misses) {
            (true, true) => return None,
            (false, _) => "can never hold",
            (true, false) => "always holds",
        };
        let range = if self.hi.is_finite() {
            format!("from {} to {}", number(self.lo), number(self.hi))
        } else {
            format!("{} or more", number(self.lo))
        };
        // `availability.p01 >= 99.9`: a percentage where the fraction 0.999 was meant.
        let hint = if self.hi == 1.0 && threshold > 1.0 && threshold <= 100.0 {
            // To 12 significant digits: 99.9 / 100 is 0.9990000000000001.
            let fraction = format!("{:.11e}", threshold / 100.0).parse().unwrap_or(0.0);
            format!(
                " (a percentage is written as a fraction: {}% is {})",
                number(threshold),
                number(fraction)
            )
        } else {
            String::new()
        };
        Some(format!(
            "`{name}` is {}, {range}, so `{comparison}` {outcome} whatever the trials give{hint}",
            self.what
        ))
    }
}
