//! The charts of one run: its results turned into the [`plot`](crate::plot) module's plain
//! data structs, then into PNG and SVG files.
//!
//! Every number drawn comes from what the run's files hold: the outcomes and percentiles
//! from the [`Summary`] (`summary.json`), the durations from the trials (`trials.csv`), the
//! bands from [`TimelineBands`] (`timeline.csv`). The charts therefore never disagree with
//! the tables.

use crate::output::human_text::duration;
use crate::output::summary::Summary;
use crate::output::timeline::TimelineBands;
use crate::plot::distribution::{DurationDistribution, DurationGroup};
use crate::plot::outcomes::{OutcomeBar, OutcomeBars};
use crate::plot::timeline::{BandSeries, RolloutTimeline, TrafficTimeline};
use crate::plot::{Chart, Heading, PlotError, RefLine, png, svg};
use crate::result::{Outcome, TrialResult};
use crate::scenario::Scenario;
use crate::sim::time::as_secs;

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

/// Palette index of the "all versions" series (grey; versions take 0, 1, …).
const ALL_VERSIONS: usize = 6;

/// The strategy in a few words: `Swarm start-first, parallelism 2, delay 10s, failure_action
/// rollback` or `Kubernetes RollingUpdate, maxSurge 25%, maxUnavailable 25%` (each
/// strategy's registry entry writes its own).
pub fn strategy_label(s: &Scenario) -> String {
    s.strategy.label()
}

fn heading(s: &Scenario, trials: u64, title: &str) -> Heading {
    Heading {
        title: title.to_string(),
        subtitle: format!(
            "{} · {} · {} replicas · {} trial{}",
            s.name,
            strategy_label(s),
            s.service.replicas,
            trials,
            if trials == 1 { "" } else { "s" }
        ),
    }
}

/// The strategy's limits on tasks, as reference lines: desired replicas, the most tasks it
/// lets run, the fewest it keeps serving.
///
/// Each strategy's registry entry gives its own (Swarm: the `parallelism` ceiling or
/// floor; Kubernetes RollingUpdate: `maxSurge` and `maxUnavailable`). Faults and failed health checks can still take the fleet
/// below the lower limit: the lines are what the strategy aims for.
pub fn limits(s: &Scenario) -> Vec<RefLine> {
    let n = s.service.replicas;
    let line = |label: &str, value: u32| RefLine {
        label: format!("{label} = {value}"),
        value: f64::from(value),
    };
    let mut out = vec![line("replicas", n)];
    out.extend(s.strategy.limits(n).into_iter().map(|(l, v)| line(l, v)));
    out
}

/// A band series from column `name` of the bands, values multiplied by `scale`.
fn band(b: &TimelineBands, name: &str, label: String, color: usize, scale: f64) -> BandSeries {
    let col = b.column(name);
    let tick = as_secs(b.tick);
    BandSeries {
        label,
        color,
        points: b
            .rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let v = col.and_then(|c| {
                    let [_, p05, p50, p95, _] = row[c];
                    Some([p05? * scale, p50? * scale, p95? * scale])
                });
                (i as f64 * tick, v)
            })
            .collect(),
    }
}

/// Vertical lines where rollouts ended: the median and the 95th percentile of `duration_s`
/// over every trial.
fn ends(summary: &Summary) -> Vec<RefLine> {
    summary.metric("duration_s").map_or_else(Vec::new, |m| {
        vec![
            RefLine {
                label: format!("median end {}", duration(m.stats.p50)),
                value: m.stats.p50,
            },
            RefLine {
                label: format!("p95 end {}", duration(m.stats.p95)),
                value: m.stats.p95,
            },
        ]
    })
}

/// Ready tasks per version over time.
pub fn rollout_timeline(s: &Scenario, summary: &Summary, b: &TimelineBands) -> RolloutTimeline {
    let mut series = vec![band(
        b,
        "ready",
        "ready: all versions".into(),
        ALL_VERSIONS,
        1.0,
    )];
    series.extend(s.service.versions.iter().enumerate().map(|(i, v)| {
        band(
            b,
            &format!("ready_{}", v.name),
            format!("ready: {} ({})", v.name, v.image),
            i,
            1.0,
        )
    }));
    RolloutTimeline {
        heading: heading(
            s,
            summary.trials,
            "Tasks ready per version (median, 5–95% band)",
        ),
        series,
        limits: limits(s),
        ends: ends(summary),
    }
}

/// Requests per second and latency over time; `None` without traffic.
pub fn traffic_timeline(
    s: &Scenario,
    summary: &Summary,
    b: &TimelineBands,
) -> Option<TrafficTimeline> {
    s.traffic.as_ref()?;
    let per_s = 1.0 / as_secs(b.tick);
    Some(TrafficTimeline {
        heading: heading(s, summary.trials, "Traffic (median, 5–95% band)"),
        rates: vec![
            band(b, "ok", "served req/s".into(), 2, per_s),
            band(b, "failed", "failed req/s".into(), 4, per_s),
        ],
        latency: vec![band(
            b,
            "p99_latency_ms",
            "p99 latency of a tick".into(),
            0,
            1.0,
        )],
        ends: ends(summary),
    })
}

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

/// Every chart of a run: the timeline ones when `bands` are given, traffic when the
/// scenario has it.
pub fn run_charts(
    s: &Scenario,
    summary: &Summary,
    rows: &[TrialResult],
    bands: Option<&TimelineBands>,
) -> Result<Vec<ChartFile>, PlotError> {
    let mut out = Vec::new();
    if let Some(b) = bands {
        let n = b.running.first().copied().unwrap_or(0);
        out.push(file(
            "rollout-timeline",
            "Tasks ready per version",
            format!(
                "Tasks serving (ready) of each version and in total, second by second from the \
                 rollout's start, across the first {n} trials: the line is the median trial at \
                 that instant, the shaded band holds 90% of trials (5th to 95th percentile). \
                 Dashed horizontal lines are the strategy's limits; dashed vertical lines mark \
                 when the median and the 95th-percentile rollout ended. After a trial ends, its \
                 fleet is held as it left it."
            ),
            &rollout_timeline(s, summary, b),
        )?);
        if let Some(t) = traffic_timeline(s, summary, b) {
            out.push(file(
                "traffic-timeline",
                "Traffic",
                format!(
                    "Requests per second served and failed (refused, errored, timed out or \
                     dropped) in each {} tick, and the 99th-percentile latency of the \
                     requests served in it; median and 5–95% band across the same trials.",
                    duration(as_secs(b.tick))
                ),
                &t,
            )?);
        }
    }
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
