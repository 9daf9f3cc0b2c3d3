//! The timeline charts of a run: the tasks ready per version and the traffic over time,
//! drawn as percentile bands across trials or as one trial alone ([`Drawn`]), with what
//! that trial's trace adds ([`TrialMarks`]): the analysis' measurements ringed on its
//! traffic chart, the nodes the cluster autoscaler added marked on both.

use super::{ChartFile, file, heading_from};
use crate::analysis::Phase;
use crate::cluster::TraceRecord;
use crate::output::action_marks::action_marks;
use crate::output::human_text::{counted, duration};
use crate::output::limit_lines::limit_lines;
use crate::output::summary::Summary;
use crate::output::timeline::TimelineBands;
use crate::plot::timeline::{
    BandSeries, MeasurementMark, RolloutTimeline, TrafficTimeline, Verdict,
};
use crate::plot::{Heading, PlotError, RefLine};
use crate::result::TrialResult;
use crate::scenario::{Scenario, show_duration};
use crate::sim::time::as_secs;

/// Palette index of the "all versions" series (grey; versions take 0, 1, …).
const ALL_VERSIONS: usize = 6;

/// What the timeline charts show: percentile bands across trials, or one trial alone
/// (`run --timeline-trial K`, whose bands are that trial's own values). A single trial's
/// chart must say so and mark that trial's end: the run's percentiles would describe
/// trials that are not drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Drawn<'a> {
    /// Bands across the first trials of the run.
    Bands,
    /// Trial `k` alone, with its row of `trials.csv` (`None` if the rows given lack it:
    /// then no end is marked rather than a wrong one).
    Trial(u64, Option<&'a TrialResult>),
}

impl<'a> Drawn<'a> {
    /// Trial `trial` of `rows` when given, else bands.
    pub fn of(trial: Option<u64>, rows: &'a [TrialResult]) -> Drawn<'a> {
        trial.map_or(Drawn::Bands, |k| {
            Drawn::Trial(k, rows.iter().find(|r| r.trial == k))
        })
    }

    /// The chart's name in a report: `what`, of one trial `what, trial 396`.
    fn name(self, what: &str) -> String {
        match self {
            Drawn::Bands => what.to_string(),
            Drawn::Trial(k, _) => format!("{what}, trial {k}"),
        }
    }

    /// The chart's title: its name, and for bands how they read.
    fn title(self, what: &str) -> String {
        match self {
            Drawn::Bands => format!("{what} (median, 5–95% band)"),
            Drawn::Trial(..) => self.name(what),
        }
    }

    /// The chart's heading; `banded`: how many trials the bands are drawn from (the first
    /// ones of the run, at most the timeline's limit).
    fn heading(self, s: &Scenario, summary: &Summary, banded: u64, what: &str) -> Heading {
        let from = match self {
            Drawn::Bands if banded < summary.trials => {
                format!("bands of the first {banded} of {} trials", summary.trials)
            }
            Drawn::Bands => counted(summary.trials, "trial"),
            Drawn::Trial(k, _) => format!("trial {k} of {}", summary.trials),
        };
        heading_from(s, &self.title(what), &from)
    }

    /// Vertical lines where rollouts ended: over bands, the median and the 95th percentile
    /// of `duration_s` over every trial; for one trial, its own end and outcome.
    fn ends(self, summary: &Summary) -> Vec<RefLine> {
        match self {
            Drawn::Bands => summary.metric("duration_s").map_or_else(Vec::new, |m| {
                vec![
                    RefLine {
                        label: format!("median end, all outcomes {}", duration(m.stats.p50)),
                        value: m.stats.p50,
                    },
                    RefLine {
                        label: format!("p95 end, all outcomes {}", duration(m.stats.p95)),
                        value: m.stats.p95,
                    },
                ]
            }),
            Drawn::Trial(k, row) => row
                .map(|r| RefLine {
                    label: format!("trial {k} {}", end_text(r)),
                    value: as_secs(r.duration),
                })
                .into_iter()
                .collect(),
        }
    }
}

/// How many trials `b` is drawn from: those not ended before its first row.
fn banded(b: &TimelineBands) -> u64 {
    b.running.first().copied().unwrap_or(0)
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

/// What one traced trial adds to its own timeline charts.
#[derive(Debug, Clone, Default)]
pub struct TrialMarks {
    /// The analysis' measurements, ringed on the traffic chart ([`measurement_marks`]).
    pub measurements: Vec<MeasurementMark>,
    /// The nodes the cluster autoscaler added, each when it was Ready, marked as the
    /// scenario's actions are (`autoscaled-1 added at 1m12s`).
    pub nodes: Vec<RefLine>,
}

impl TrialMarks {
    /// The marks of a trial of `s` whose trace is `trace`.
    pub fn of(s: &Scenario, trace: &[TraceRecord]) -> TrialMarks {
        let nodes = trace.iter().filter_map(|r| match r {
            TraceRecord::Node { t, node, state } if *state == "added" => Some(RefLine {
                label: format!(
                    "{} added at {}",
                    s.cluster.node_spec(*node as usize).name,
                    duration(as_secs(*t))
                ),
                value: as_secs(*t),
            }),
            _ => None,
        });
        TrialMarks {
            measurements: match s.strategy.measures_traffic() {
                true => measurement_marks(trace),
                false => Vec::new(),
            },
            nodes: nodes.collect(),
        }
    }

    /// Whether a trial of `s` may have any: the marks are worth its trace.
    pub fn possible(s: &Scenario) -> bool {
        s.strategy.measures_traffic() || s.cluster.autoscaler.is_some()
    }
}

/// The nodes added in the one trial drawn (none for bands across trials).
fn node_marks(drawn: Drawn<'_>, trial: &TrialMarks) -> Vec<RefLine> {
    match drawn {
        Drawn::Trial(..) => trial.nodes.clone(),
        Drawn::Bands => Vec::new(),
    }
}

/// Ready tasks per version over time.
pub fn rollout_timeline(
    s: &Scenario,
    summary: &Summary,
    b: &TimelineBands,
    drawn: Drawn<'_>,
    trial: &TrialMarks,
) -> RolloutTimeline {
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
        heading: drawn.heading(s, summary, banded(b), "Tasks ready per version"),
        series,
        limits: limit_lines(s),
        ends: drawn.ends(summary),
        actions: action_marks(s),
        nodes: node_marks(drawn, trial),
    }
}

/// Requests per second and latency over time; `None` without traffic.
pub fn traffic_timeline(
    s: &Scenario,
    summary: &Summary,
    b: &TimelineBands,
    drawn: Drawn<'_>,
    trial: &TrialMarks,
) -> Option<TrafficTimeline> {
    s.traffic.as_ref()?;
    let per_s = 1.0 / as_secs(b.tick);
    Some(TrafficTimeline {
        heading: drawn.heading(s, summary, banded(b), "Traffic"),
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
        ends: drawn.ends(summary),
        actions: action_marks(s),
        nodes: node_marks(drawn, trial),
        measurements: match drawn {
            Drawn::Trial(..) => trial.measurements.clone(),
            Drawn::Bands => Vec::new(),
        },
    })
}

/// The measurements of a traced trial as the traffic chart marks them: those that move
/// the rollout (a dry-run metric's are left out), each at its instant with its phase.
pub fn measurement_marks(trace: &[TraceRecord]) -> Vec<MeasurementMark> {
    trace
        .iter()
        .filter_map(|r| match r {
            TraceRecord::Measurement(m) if !m.dry_run => Some(MeasurementMark {
                t: as_secs(m.t),
                verdict: match Phase::named(m.phase) {
                    Some(Phase::Successful) => Verdict::Passed,
                    Some(Phase::Failed) => Verdict::Failed,
                    Some(Phase::Inconclusive) => Verdict::Inconclusive,
                    // A measurement is never Pending or Running; Error is one without value.
                    Some(Phase::Error | Phase::Pending | Phase::Running) | None => Verdict::NoValue,
                },
            }),
            _ => None,
        })
        .collect()
}

/// How and when a trial ended (`completed at 2m05s`), for a chart of it alone.
fn end_text(r: &TrialResult) -> String {
    format!(
        "{} at {}",
        r.outcome.as_str(),
        duration(as_secs(r.duration))
    )
}

/// The timeline charts of a run (`rollout-timeline`, and `traffic-timeline` when the
/// scenario has traffic) from `b`, drawn as `drawn` says; `trial` marks the charts of one
/// trial. A report's trial sections draw these alone.
pub fn timeline_charts(
    s: &Scenario,
    summary: &Summary,
    b: &TimelineBands,
    drawn: Drawn<'_>,
    trial: &TrialMarks,
) -> Result<Vec<ChartFile>, PlotError> {
    let mut out = Vec::new();

    // The tick as settings write it (`200ms`, `1s`, `1m`): exact, as a tick is a round
    // step; tenths of a second (`duration`) would print a 10ms tick as `0.0s`.
    let tick = show_duration(b.tick);
    let (whose, ends) = match drawn {
        Drawn::Bands => (
            format!(
                "across the first {}: the line is the median trial at that instant, \
                 the shaded band holds 90% of trials (5th to 95th percentile), and \
                 wherever two bands or more overlap the overlap has one shade of its own, \
                 named in the legend",
                counted(b.running.first().copied().unwrap_or(0), "trial")
            ),
            "dotted vertical lines mark when the median and the 95th-percentile rollout \
             ended. After a trial ends"
                .to_string(),
        ),
        Drawn::Trial(k, row) => (
            format!("in trial {k} alone"),
            format!(
                "the dotted vertical line marks when the trial ended{}. After it ends",
                row.map_or_else(String::new, |r| format!(" ({})", end_text(r)))
            ),
        ),
    };
    // Said only where there is a mark to read.
    let nodes = matches!(drawn, Drawn::Trial(..)) && !trial.nodes.is_empty();
    let actions = match (s.actions.is_empty(), nodes) {
        (true, false) => "",
        (false, false) => {
            " Solid dark grey vertical lines mark the scenario's actions, named in the legend."
        }
        (true, true) => {
            " Solid teal vertical lines mark when each node the cluster autoscaler added \
             was Ready, named in the legend."
        }
        (false, true) => {
            " Solid dark grey vertical lines mark the scenario's actions, and teal ones when \
             each node the cluster autoscaler added was Ready, named in the legend."
        }
    };
    out.push(file(
        "rollout-timeline",
        &drawn.name("Tasks ready per version"),
        format!(
            "Tasks serving (ready) of each version and in total, every {tick} from the \
             rollout's start, {whose}. Dashed lines are the replicas and the strategy's \
             limits, stepping where a scale action changes the replica count; \
             {ends}, its fleet is held as it left it.{actions}"
        ),
        &rollout_timeline(s, summary, b, drawn, trial),
    )?);
    if let Some(t) = traffic_timeline(s, summary, b, drawn, trial) {
        let mut over = match drawn {
            Drawn::Bands => "; median and 5–95% band across the same trials".to_string(),
            Drawn::Trial(k, _) => format!(", in trial {k} alone"),
        };
        if !t.measurements.is_empty() {
            over += ". Rings above the rates mark the analysis' measurements, coloured \
                     by how each came out (a dry-run metric's left out)";
        }
        out.push(file(
            "traffic-timeline",
            &drawn.name("Traffic"),
            format!(
                "Requests per second served and failed (refused, errored, timed out or \
                 dropped) in each {tick} tick, and the 99th-percentile latency of the \
                 requests served in it{over}.{actions}"
            ),
            &t,
        )?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::{run_charts, run_charts_of};
    use super::*;
    use crate::experiment::{run_timelines, run_trials_until};
    use crate::output::timeline::{timeline_bands, timeline_tick};
    use crate::testkit::example;
    use std::sync::atomic::AtomicBool;

    /// `trials` trials of the Swarm stop-first example (it pauses now and then), their
    /// summary and their timelines.
    fn run(
        trials: u64,
    ) -> (
        Scenario,
        Vec<TrialResult>,
        Summary,
        Vec<crate::trial::TrialTimeline>,
    ) {
        let s = example("swarm-stop-first.yaml", &[&format!("trials={trials}")]);
        let stop = AtomicBool::new(false);
        let rows = run_trials_until(&s, 0..trials, &stop);
        let longest = rows.iter().map(|r| r.duration).max().unwrap();
        let tls = run_timelines(&s, 0..trials, timeline_tick(&s, longest), &stop).unwrap();
        let summary = Summary::from_rows(&s.name, s.seed, &rows);
        (s, rows, summary, tls)
    }

    #[test]
    fn a_single_trials_timeline_names_the_trial_and_marks_its_own_end() {
        let (s, rows, summary, tls) = run(8);
        let k = 5;
        let one = timeline_bands(&s, &tls[k..=k]);
        let row = rows[k];
        let drawn = Drawn::of(Some(k as u64), &rows);
        assert_eq!(drawn, Drawn::Trial(5, Some(&row)));
        let chart = rollout_timeline(&s, &summary, &one, drawn, &TrialMarks::default());
        assert_eq!(chart.heading.title, "Tasks ready per version, trial 5");
        assert!(
            chart.heading.subtitle.ends_with(" · trial 5 of 8"),
            "{}",
            chart.heading.subtitle
        );
        // Its own end and outcome, not the run's percentiles.
        let end = as_secs(row.duration);
        assert_eq!(
            chart.ends,
            [RefLine {
                label: format!("trial 5 {} at {}", row.outcome.as_str(), duration(end)),
                value: end,
            }]
        );
        let charts = run_charts_of(&s, &summary, &rows, Some(&one), Some(5)).unwrap();
        assert_eq!(charts[0].title, "Tasks ready per version, trial 5");
        assert!(charts[0].caption.contains("in trial 5 alone"));
        assert!(
            !charts[0].caption.contains("median"),
            "{}",
            charts[0].caption
        );

        // Bands across trials keep the run's median and 95th percentile.
        let bands = timeline_bands(&s, &tls);
        let chart = rollout_timeline(&s, &summary, &bands, Drawn::Bands, &TrialMarks::default());
        assert_eq!(
            chart.heading.title,
            "Tasks ready per version (median, 5–95% band)"
        );
        assert!(chart.heading.subtitle.ends_with(" · 8 trials"));
        let labels: Vec<&str> = chart.ends.iter().map(|e| e.label.as_str()).collect();
        assert!(
            labels[0].starts_with("median end, all outcomes "),
            "{labels:?}"
        );
        assert!(
            labels[1].starts_with("p95 end, all outcomes "),
            "{labels:?}"
        );
        // Bands of fewer trials than the run say so.
        let few = timeline_bands(&s, &tls[..3]);
        let chart = rollout_timeline(&s, &summary, &few, Drawn::Bands, &TrialMarks::default());
        assert!(
            chart
                .heading
                .subtitle
                .ends_with(" · bands of the first 3 of 8 trials"),
            "{}",
            chart.heading.subtitle
        );
        // A trial the rows lack is still named, with no end rather than a wrong one.
        let chart = rollout_timeline(
            &s,
            &summary,
            &one,
            Drawn::of(Some(99), &rows),
            &TrialMarks::default(),
        );
        assert_eq!(chart.heading.title, "Tasks ready per version, trial 99");
        assert!(chart.ends.is_empty());
    }

    #[test]
    fn the_timeline_caption_states_the_real_tick() {
        let (s, rows, summary, tls) = run(4);
        let bands = timeline_bands(&s, &tls);
        let tick = show_duration(bands.tick);
        let charts = run_charts(&s, &summary, &rows, Some(&bands)).unwrap();
        let caption = &charts[0].caption;
        assert!(caption.contains(&format!("every {tick} from")), "{caption}");
        assert!(!caption.contains("second by second"), "{caption}");
        // A sub-second tick is written in milliseconds, never rounded to `0.0s`.
        assert_eq!(show_duration(crate::sim::time::SECOND / 100), "10ms");
    }
}
