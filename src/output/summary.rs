//! The [`Summary`] of a run: how often each outcome happened, and the statistics of every
//! metric, over all trials and over the trials of each outcome.
//!
//! A [`crate::output::SummaryBuilder`] computes every aggregate of a run
//! once, from trials streamed to it ([`Summary::from_rows`] feeds it a slice); `summary.json`
//! ([`Summary::to_json`], written by [`summary_json`](mod@crate::output::summary_json)) and
//! the terminal table ([`summary_table`](crate::output::summary_table)) both print that one
//! value, so they always show the same numbers.
//!
//! `by_outcome` repeats the metrics over the trials of each outcome that happened, because
//! a duration mixing outcomes answers no question: the fastest trial of a run is often one
//! rolled back after its first task failed, not a completed rollout.

use crate::output::columns::Column;
use crate::output::summary_builder::SummaryBuilder;
use crate::result::{Outcome, TrialResult};
use crate::stats::{self, Stat};

/// How often one outcome happened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutcomeShare {
    /// Which outcome.
    pub outcome: Outcome,
    /// Trials that ended this way.
    pub count: u64,
    /// `count / trials` (0 for a run of no trials).
    pub fraction: f64,
    /// 95% Wilson interval of the fraction (see [`wilson`](crate::stats::wilson)).
    pub ci95: [f64; 2],
}

/// The statistics of one numeric column of `trials.csv`.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// The column: its name is the metric's key, its unit tells how to print it.
    pub column: &'static Column,
    /// Statistics over the rows where the column is not empty.
    pub stats: stats::Summary,
}

impl Metric {
    /// The metric's name (its `trials.csv` column).
    pub fn name(&self) -> &'static str {
        self.column.name
    }

    /// The statistic called `name` (`mean`, `p95`, … as in `summary.json`); `None` for an
    /// unknown name.
    pub fn stat(&self, name: &str) -> Option<f64> {
        Stat::parse(name).map(|s| self.stats.get(s))
    }

    /// The 95% interval `(lo, hi)` of the statistic called `name`; `None` for an unknown
    /// name and for a statistic without an interval (`std`, `min`, `max`, a percentile
    /// with too few values: see [`stats::Summary::interval`]).
    pub fn interval(&self, name: &str) -> Option<(f64, f64)> {
        Stat::parse(name).and_then(|s| self.stats.interval(s))
    }
}

/// Everything a run's reports say: outcome counts and per-metric statistics.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The scenario's name.
    pub scenario: String,
    /// Number of trials (rows).
    pub trials: u64,
    /// The run's seed.
    pub seed: u64,
    /// Every outcome, in [`Outcome::ALL`] order, also those that never happened.
    pub outcomes: Vec<OutcomeShare>,
    /// One entry per numeric column with at least one value, in column order.
    pub metrics: Vec<Metric>,
    /// The same metrics over the trials of each outcome that happened, in
    /// [`Outcome::ALL`] order.
    pub by_outcome: Vec<OutcomeMetrics>,
    /// The run was interrupted (Ctrl-C, SIGTERM): these are its first `trials` trials,
    /// not the `trials` it was asked for.
    pub partial: bool,
    /// Trials stopped by their event budget (`"warnings": {"event_budget_exceeded": n}`).
    pub event_budget_exceeded: u64,
}

/// The metrics of the trials that ended with one outcome.
#[derive(Debug, Clone)]
pub struct OutcomeMetrics {
    /// Which outcome.
    pub outcome: Outcome,
    /// How many trials ended this way (at least one).
    pub trials: u64,
    /// One entry per numeric column with at least one value among them, in column order.
    pub metrics: Vec<Metric>,
}

impl Summary {
    /// Aggregates `rows` (in any order: the statistics do not depend on it): a
    /// [`SummaryBuilder`] fed every row.
    ///
    /// O(columns · n log n).
    pub fn from_rows(scenario: &str, seed: u64, rows: &[TrialResult]) -> Summary {
        let mut builder = SummaryBuilder::new(scenario, seed);
        rows.iter().for_each(|r| builder.push(r));
        builder.finish()
    }

    /// The metrics of the trials that ended with `outcome`, if any did.
    pub fn of_outcome(&self, outcome: Outcome) -> Option<&OutcomeMetrics> {
        self.by_outcome.iter().find(|o| o.outcome == outcome)
    }

    /// The metric of column `name`, if the column is numeric and has values.
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        find(&self.metrics, name)
    }

    /// How often `outcome` happened.
    pub fn outcome(&self, outcome: Outcome) -> &OutcomeShare {
        // `outcomes` holds every outcome by construction.
        self.outcomes
            .iter()
            .find(|o| o.outcome == outcome)
            .expect("a Summary lists every outcome")
    }
}

impl OutcomeMetrics {
    /// The metric of column `name` over these trials, if it has values.
    pub fn metric(&self, name: &str) -> Option<&Metric> {
        find(&self.metrics, name)
    }
}

fn find<'a>(metrics: &'a [Metric], name: &str) -> Option<&'a Metric> {
    metrics.iter().find(|m| m.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::tests::sample_row;
    use serde_json::Value;

    /// Two values: 47.25 ± t₁·0.353553/√2 = 47.25 ± 12.706205·0.25 = 47.25 ± 3.176551.
    #[test]
    fn mean_interval_is_students_t() {
        let s = Summary::from_rows("web", 1, &durations(&[47.0, 47.5]));
        let [lo, hi] = s.metric("duration_s").unwrap().stats.ci95;
        assert!((hi - 47.25 - 3.176_551_18).abs() < 1e-8, "{hi}");
        assert!((47.25 - lo - 3.176_551_18).abs() < 1e-8, "{lo}");
    }

    /// Trials lasting 1, 2, …, 20 s: the median's interval is [6 s, 15 s] (ranks 6 and
    /// 15, the classic table for n = 20); 20 trials bound no p10/p90 (that needs 36), and
    /// min, max and std never have an interval.
    #[test]
    fn every_statistic_has_its_interval() {
        let secs: Vec<f64> = (1..=20).map(f64::from).collect();
        let s = Summary::from_rows("web", 1, &durations(&secs));
        let m = s.metric("duration_s").unwrap();
        assert_eq!(m.stat("p50"), Some(10.5));
        assert_eq!(m.interval("p50"), Some((6.0, 15.0)));
        for name in [
            "p01", "p05", "p10", "p90", "p95", "p99", "min", "max", "std", "nope",
        ] {
            assert_eq!(m.interval(name), None, "{name}");
        }
        assert_eq!(m.stat("nope"), None);
        let ci = m.stats.ci95;
        assert_eq!(m.interval("mean"), Some((ci[0], ci[1])));
        let v: Value = serde_json::from_slice(&s.to_json()).unwrap();
        let d = &v["metrics"]["duration_s"];
        assert_eq!(d["intervals"]["p50"], serde_json::json!([6.0, 15.0]));
        let keys: Vec<&String> = d["intervals"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["mean", "p50"]);
        // by_outcome entries carry the same shape.
        let c = &v["by_outcome"]["completed"]["metrics"]["duration_s"];
        assert_eq!(c["intervals"], d["intervals"]);
    }

    /// Completed trials of the given durations in seconds, without traffic.
    fn durations(secs: &[f64]) -> Vec<TrialResult> {
        secs.iter()
            .enumerate()
            .map(|(i, &d)| TrialResult {
                trial: i as u64,
                outcome: Outcome::Completed,
                duration: (d * 1e6) as u64,
                traffic: None,
                deadline_exceeded_at: None,
                ..sample_row()
            })
            .collect()
    }
}
