//! [`Column`]: what one column of `trials.csv` is (its name, [`Unit`], which way is
//! [`Better`] and its extractor), without the list of columns itself ([`super::COLUMNS`]).

use crate::output::columns::Cell;
use crate::result::TrialResult;

/// What a column's numbers measure: decides whether it is aggregated and how the terminal
/// table formats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Identifies the row (`trial`, `seed`): a number, but not a metric.
    Id,
    /// A name (`outcome`): counted per value, not averaged.
    Label,
    /// A count of things (tasks, requests, restarts, events).
    Count,
    /// Seconds of simulated time.
    Seconds,
    /// Milliseconds (latencies).
    Milliseconds,
    /// CPU cores.
    Cores,
    /// Bytes of memory.
    Bytes,
    /// A fraction in `[0, 1]` (availability).
    Ratio,
}

/// Which values of a metric are good, so a report can show its bad tail: the slow
/// rollouts (p95, p99 of `duration_s`) but the worst availability (p05, p01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Higher is better (`availability`, `min_ready`): the bad tail is p05 / p01.
    Higher,
    /// Lower is better (durations, failures, latencies, capacity): the bad tail is p95 / p99.
    Lower,
    /// Neither (the load offered, identifiers, when a deadline passed): reports show the
    /// upper tail.
    Neither,
}

impl Better {
    /// The name reports print: `higher`, `lower`, or `-`.
    pub fn as_str(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
            Better::Neither => "-",
        }
    }
}

/// One column of `trials.csv`.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The header name (also the metric's key in `summary.json` and in checks such as
    /// `duration_s.p95`).
    pub name: &'static str,
    /// What the values measure.
    pub unit: Unit,
    /// Which way is good: decides which tail of the distribution is the bad one.
    pub better: Better,
    /// The column's value for one trial.
    pub extract: fn(&TrialResult) -> Cell,
}

impl Column {
    /// The column's value for `row`.
    pub fn cell(&self, row: &TrialResult) -> Cell {
        (self.extract)(row)
    }

    /// Whether `summary.json` aggregates this column (every column but `trial`, `seed` and
    /// `outcome`).
    pub const fn is_metric(&self) -> bool {
        !matches!(self.unit, Unit::Id | Unit::Label)
    }
}
