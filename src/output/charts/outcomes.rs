//! The charts of how a run's trials ended: their durations per outcome, and each
//! outcome's share of the trials.

use super::{heading, outcome_color};
use crate::output::human_text::duration;
use crate::output::summary::Summary;
use crate::plot::RefLine;
use crate::plot::distribution::{DurationDistribution, DurationGroup};
use crate::plot::outcomes::{OutcomeBar, OutcomeBars};
use crate::result::{Outcome, TrialResult};
use crate::scenario::Scenario;
use crate::sim::time::as_secs;

/// Durations per outcome; p50/p95/p99 of the completed trials marked (of the most frequent
/// outcome when none completed).
pub fn duration_distribution(
    s: &Scenario,
    summary: &Summary,
    rows: &[TrialResult],
) -> DurationDistribution {
    let groups: Vec<DurationGroup> = summary
        .by_outcome
        .iter()
        .map(|o| DurationGroup {
            label: o.outcome.as_str().to_string(),
            color: outcome_color(o.outcome),
            values: rows
                .iter()
                .filter(|r| r.outcome == o.outcome)
                .map(|r| as_secs(r.duration))
                .collect(),
        })
        .collect();
    let marked = summary
        .of_outcome(Outcome::Completed)
        .or_else(|| summary.by_outcome.iter().max_by_key(|o| o.trials));
    let marks = marked
        .and_then(|o| Some((o.outcome, o.metric("duration_s")?)))
        .map_or_else(Vec::new, |(o, m)| {
            [
                ("p50", m.stats.p50),
                ("p95", m.stats.p95),
                ("p99", m.stats.p99),
            ]
            .into_iter()
            .map(|(name, v)| RefLine {
                label: format!("{name} {} {}", o.as_str(), duration(v)),
                value: v,
            })
            .collect()
        });
    DurationDistribution {
        heading: heading(s, summary.trials, "Rollout duration by outcome"),
        groups,
        marks,
    }
}

/// Every outcome's share with its Wilson interval.
pub fn outcome_bars(s: &Scenario, summary: &Summary) -> OutcomeBars {
    OutcomeBars {
        heading: heading(
            s,
            summary.trials,
            "Outcomes (share of trials, 95% interval)",
        ),
        bars: summary
            .outcomes
            .iter()
            .map(|o| OutcomeBar {
                label: o.outcome.as_str().to_string(),
                color: outcome_color(o.outcome),
                count: o.count,
                fraction: o.fraction,
                ci95: o.ci95,
            })
            .collect(),
    }
}
