//! The charts of one run: its results turned into the [`plot`](crate::plot) module's plain
//! data structs, then into PNG and SVG files.
//!
//! Every number drawn comes from what the run's files hold: the outcomes and percentiles
//! from the [`Summary`] (`summary.json`), the durations from the trials (`trials.csv`), the
//! bands from [`TimelineBands`] (`timeline.csv`). The charts therefore never disagree with
//! the tables.
//!
//! Each family of charts is a module of its own: the timelines of the fleet and the
//! traffic (`timeline.rs`), and how the trials ended, their durations and outcome shares
//! (`outcomes.rs`). This file holds what they share: a chart's files, its heading and
//! palette, and the assembly of a run's charts.

mod outcomes;
mod timeline;

pub use outcomes::{duration_distribution, outcome_bars};
pub use timeline::{
    Drawn, TrialMarks, measurement_marks, rollout_timeline, timeline_charts, traffic_timeline,
};

use crate::output::human_text::counted;
use crate::output::limit_lines::{replica_steps, steps_text};
use crate::output::summary::Summary;
use crate::output::timeline::TimelineBands;
use crate::plot::{Chart, Heading, PlotError, png, svg};
use crate::result::{Outcome, TrialResult};
use crate::scenario::Scenario;

/// One chart, drawn both ways.
#[derive(Debug, Clone)]
pub struct ChartFile {
    /// File stem: the chart is `<stem>.png` and `<stem>.svg`.
    pub stem: String,
    /// What is drawn (the chart's title).
    pub title: String,
    /// How to read it, one paragraph.
    pub caption: String,
    /// The PNG bytes.
    pub png: Vec<u8>,
    /// The SVG document.
    pub svg: String,
}

/// Palette index of each outcome, the same in every chart.
pub fn outcome_color(o: Outcome) -> usize {
    match o {
        Outcome::Completed => 2,
        Outcome::RolledBack => 1,
        Outcome::Paused => 3,
        Outcome::DeadlineExceeded => 4,
        Outcome::Timeout => 6,
    }
}

/// The strategy in a few words: `Swarm start-first, parallelism 2, delay 10s, failure_action
/// rollback` or `Kubernetes RollingUpdate, maxSurge 25%, maxUnavailable 25%` (each
/// strategy's registry entry writes its own).
pub fn strategy_label(s: &Scenario) -> String {
    s.strategy.label()
}

/// `title` over `scenario · strategy · replicas · drawn from` (`1000 trials`, `trial 396 of
/// 1000`).
fn heading_from(s: &Scenario, title: &str, from: &str) -> Heading {
    Heading {
        title: title.to_string(),
        subtitle: format!(
            "{} · {} · {} · {from}",
            s.name,
            strategy_label(s),
            replicas_text(s),
        ),
    }
}

/// `10 replicas`, or `replicas 10 → 20 at 20s` where the scenario's actions scale them.
fn replicas_text(s: &Scenario) -> String {
    match replica_steps(s).as_slice() {
        [_] => s.service.fleet_text(),
        steps => format!("replicas {}", steps_text(steps)),
    }
}

fn heading(s: &Scenario, trials: u64, title: &str) -> Heading {
    heading_from(s, title, &counted(trials, "trial"))
}

/// `c` drawn as PNG and SVG under `stem`.
pub fn file(
    stem: &str,
    title: &str,
    caption: String,
    c: &impl Chart,
) -> Result<ChartFile, PlotError> {
    Ok(ChartFile {
        stem: stem.to_string(),
        title: title.to_string(),
        caption,
        png: png(c)?,
        svg: svg(c)?,
    })
}

/// Every chart of a run: the timeline ones when `bands` (across trials) are given, traffic
/// when the scenario has it.
pub fn run_charts(
    s: &Scenario,
    summary: &Summary,
    rows: &[TrialResult],
    bands: Option<&TimelineBands>,
) -> Result<Vec<ChartFile>, PlotError> {
    run_charts_of(s, summary, rows, bands, None)
}

/// [`run_charts`], where `trial` names the one trial `bands` hold (`run --timeline-trial
/// K`), `None` for bands across trials.
pub fn run_charts_of(
    s: &Scenario,
    summary: &Summary,
    rows: &[TrialResult],
    bands: Option<&TimelineBands>,
    trial: Option<u64>,
) -> Result<Vec<ChartFile>, PlotError> {
    run_charts_measured(s, summary, rows, bands, trial, &TrialMarks::default())
}

/// [`run_charts_of`], with what the one trial drawn adds to its charts (`marks`: the
/// analysis' measurements, the nodes added; see [`TrialMarks`]).
pub fn run_charts_measured(
    s: &Scenario,
    summary: &Summary,
    rows: &[TrialResult],
    bands: Option<&TimelineBands>,
    trial: Option<u64>,
    marks: &TrialMarks,
) -> Result<Vec<ChartFile>, PlotError> {
    let mut out = match bands {
        Some(b) => timeline_charts(s, summary, b, Drawn::of(trial, rows), marks)?,
        None => Vec::new(),
    };
    out.push(file(
        "duration-distribution",
        "Rollout duration by outcome",
        "How long rollouts took from start to outcome, one colour per outcome: bars count \
         trials per duration bin (stacked), lines are each outcome's cumulative share \
         (right axis). Dashed lines mark the 50th, 95th and 99th percentiles of the \
         completed rollouts (of the most frequent outcome when none completed)."
            .to_string(),
        &duration_distribution(s, summary, rows),
    )?);
    out.push(file(
        "outcomes",
        "Outcomes",
        "Share of trials that ended each way, with the 95% Wilson interval of that share: \
         the range that holds the true probability with 95% confidence given this many \
         trials."
            .to_string(),
        &outcome_bars(s, summary),
    )?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::example;

    #[test]
    fn the_subtitle_gives_the_replica_count_as_the_actions_scale_it() {
        let load = |set: &[&str]| example("swarm-stop-first.yaml", set);
        assert_eq!(replicas_text(&load(&[])), "6 replicas");
        let scaled = load(&["actions=[{at: 10s, scale: 9}]"]);
        assert_eq!(replicas_text(&scaled), "replicas 6 → 9 at 10s");
        assert!(
            heading(&scaled, 4, "t")
                .subtitle
                .contains(" · replicas 6 → 9 at 10s · 4 trials"),
        );
    }
}
