//! A trial a run's report shows by itself (`report --trial K|OUTCOME`): how it ended, its
//! metrics beside the run's, what happened in it, and its own timeline charts. A review of a
//! canary asks for one rolled-back trial to look at, not only the percentiles of all of
//! them.
//!
//! "What happened" is read from the trial's trace: the rollout's states (with the
//! controller's reason), node conditions, every measurement an analysis took, and the
//! tasks that failed or found no node. Task-by-task progress is left to the charts and the
//! trace file beside the report.

use super::Block;
use super::run::figure;
use crate::cluster::{TaskState, TraceRecord};
use crate::output::charts::ChartFile;
use crate::output::columns::{Better, column};
use crate::output::human_text::{counted, duration, number, percent, value};
use crate::output::summary::{Metric, Summary};
use crate::result::{Outcome, TrialResult};
use crate::scenario::Scenario;
use crate::sim::time::as_secs;
use crate::stats::Stat;

/// Rows of "What happened" shown, at most; the trace file beside the report has them all.
const HAPPENED_ROWS: usize = 60;

/// How to read a trial's section.
pub(super) const TERMS: &[(&str, &str)] = &[
    (
        "trial K",
        "the trial shown by itself (--trial): its own value, its row of trials.csv",
    ),
    (
        "run p50 / run worst 5%",
        "the same metric over every trial of the run, as the metrics table gives it: the median, and p95 (p05 where higher is better)",
    ),
    (
        "What happened",
        "from the trial's trace: the rollout's states with the controller's reason, node conditions, each measurement an analysis took (value, the window's requests and failures where the metric counts them, and the measurement's phase), tasks that failed, tasks no node took",
    ),
];

/// A trial picked for a report section of its own, with what was recorded of it.
#[derive(Debug, Clone, Copy)]
pub struct PickedTrial<'a> {
    /// Its row of `trials.csv`.
    pub row: &'a TrialResult,
    /// `Some(outcome)`: picked as the first trial of the run that ended so.
    pub by_outcome: Option<Outcome>,
    /// Its trace.
    pub records: &'a [TraceRecord],
    /// The indices, among the report's charts, of its timeline charts.
    pub charts: &'a [usize],
    /// The files of it beside the report (its trace, its timeline).
    pub files: [&'a str; 2],
}

/// The section of `t`: a heading, how it ended, its metrics (those of `shown`) beside the
/// run's median and bad tail, what happened, and its charts with their captions.
pub(super) fn section(
    s: &Scenario,
    summary: &Summary,
    shown: &[&Metric],
    t: &PickedTrial<'_>,
    charts: &[ChartFile],
) -> Vec<Block> {
    let k = t.row.trial;
    let ended = t.row.outcome.as_str();
    let mut b = vec![Block::Heading(
        2,
        match t.by_outcome {
            Some(o) => format!("Trial {k}: the first that ended {}", o.as_str()),
            None => format!("Trial {k}"),
        },
    )];
    let alike = summary
        .outcomes
        .iter()
        .find(|o| o.outcome == t.row.outcome)
        .map_or(0, |o| o.count);
    b.push(Block::Para(format!(
        "Trial {k} of {} ended {ended} after {}, as did {} of the run ({}). Its whole \
         trace is {}, its timeline {}: a trial is a function of the seed and its number, so \
         rollout-sim run with the same settings and --trace-trial {k} or --timeline-trial \
         {k} writes the same.",
        summary.trials,
        duration(as_secs(t.row.duration)),
        counted(alike, "trial"),
        percent(alike as f64 / summary.trials.max(1) as f64),
        t.files[0],
        t.files[1],
    )));
    b.push(Block::Table(
        ["metric", &format!("trial {k}"), "run p50", "run worst 5%"]
            .map(String::from)
            .to_vec(),
        shown
            .iter()
            .map(|m| {
                let u = m.column.unit;
                let own = column(m.name())
                    .and_then(|c| c.cell(t.row).as_f64())
                    .map_or("—".to_string(), |x| value(u, x));
                let worst = match m.column.better {
                    Better::Higher => Stat::P05,
                    Better::Lower | Better::Neither => Stat::P95,
                };
                vec![
                    m.name().to_string(),
                    own,
                    figure(m, Stat::P50),
                    figure(m, worst),
                ]
            })
            .collect(),
        true,
    ));
    b.extend(happened_blocks(
        s,
        t,
        3,
        format!("What happened in trial {k}"),
    ));
    b.extend(chart_blocks(t, 3, charts));
    b
}

/// "What happened" in `t` under a heading of `level`: the table, cut to
/// [`HAPPENED_ROWS`] with the rest counted, or a line saying there is nothing to list.
fn happened_blocks(s: &Scenario, t: &PickedTrial<'_>, level: u8, title: String) -> Vec<Block> {
    let happened = happened(s, t.records);
    let mut b = vec![Block::Heading(level, title)];
    if happened.is_empty() {
        b.push(Block::Para(
            "The trace holds no rollout state, node condition, measurement or failed task.".into(),
        ));
        return b;
    }
    let more = happened.len().saturating_sub(HAPPENED_ROWS);
    b.push(Block::Table(
        ["time", "what"].map(String::from).to_vec(),
        happened
            .into_iter()
            .take(HAPPENED_ROWS)
            .map(|(at, what)| vec![at, what])
            .collect(),
        false,
    ));
    if more > 0 {
        b.push(Block::Para(format!(
            "… and {} more, in {}.",
            counted(more, "record"),
            t.files[0]
        )));
    }
    b
}

/// `t`'s charts, each under a heading of `level` with its caption.
fn chart_blocks(t: &PickedTrial<'_>, level: u8, charts: &[ChartFile]) -> Vec<Block> {
    t.charts
        .iter()
        .flat_map(|&i| {
            [
                Block::Heading(level, charts[i].title.clone()),
                Block::Chart(i),
                Block::Para(charts[i].caption.clone()),
            ]
        })
        .collect()
}

/// One trial of a comparison under one variant.
#[derive(Debug, Clone, Copy)]
pub struct VariantTrial<'a> {
    /// The variant's name.
    pub name: &'a str,
    /// Its scenario.
    pub scenario: &'a Scenario,
    /// The trial under it.
    pub trial: PickedTrial<'a>,
}

/// What a trial shown several times is shown under: a comparison's variants (the first
/// the baseline A, the others B) or a sweep's points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paired {
    /// `report --compare` / `--variant`.
    Variants,
    /// `report --sweep`.
    Points,
}

impl Paired {
    /// `under variant` / `at point`, as a sentence says where the trial ran.
    pub fn under(self) -> &'static str {
        match self {
            Paired::Variants => "under",
            Paired::Points => "at",
        }
    }

    /// What one of them is called: `variant`, `point`.
    pub fn each(self) -> &'static str {
        match self {
            Paired::Variants => "variant",
            Paired::Points => "point",
        }
    }

    /// What they make together: `comparison`, `sweep`.
    pub fn whole(self) -> &'static str {
        match self {
            Paired::Variants => "comparison",
            Paired::Points => "sweep",
        }
    }

    /// The header of the `i`th column: the name, with `(A)` / `(B)` in a comparison.
    fn header(self, i: usize, name: &str) -> String {
        match (self, i) {
            (Paired::Points, _) => name.to_string(),
            (Paired::Variants, 0) => format!("{name} (A)"),
            (Paired::Variants, _) => format!("{name} (B)"),
        }
    }
}

/// A trial shown under every variant of a comparison (`report --compare … --trial`) or at
/// every point of a sweep (`report --sweep … --trial`): the same trial number draws the
/// same random numbers under each, so their differences are the settings'.
#[derive(Debug, Clone)]
pub struct PairedTrial<'a> {
    /// Under variants or at points.
    pub of: Paired,
    /// `(outcome, variant)` for each outcome it was picked by, as the lowest trial that
    /// ended so under some variant, first under that one.
    pub by_outcome: Vec<(Outcome, &'a str)>,
    /// The trial under each variant (the baseline first) or at each point (in grid order).
    pub under: Vec<VariantTrial<'a>>,
}

impl PairedTrial<'_> {
    /// The metric columns whose value differs between the variants (or points) on this
    /// trial, in column order.
    pub(super) fn differing(&self) -> Vec<&'static str> {
        let Some(first) = self.under.first() else {
            return Vec::new();
        };
        (crate::output::columns::COLUMNS.iter())
            .filter(|c| c.is_metric())
            .filter(|c| {
                let a = c.cell(first.trial.row).as_f64();
                self.under.iter().any(|v| c.cell(v.trial.row).as_f64() != a)
            })
            .map(|c| c.name)
            .collect()
    }
}

/// The section of a trial of a comparison: its metrics under each variant side by side
/// (those of `shown`, by name), then what happened and the charts under each.
pub(super) fn paired_section(
    p: &PairedTrial<'_>,
    shown: &[&str],
    charts: &[ChartFile],
) -> Vec<Block> {
    let k = p.under[0].trial.row.trial;
    let under = p.of.under();
    let mut b = vec![Block::Heading(
        2,
        match p.by_outcome.as_slice() {
            [] => format!("Trial {k}"),
            picked => {
                let firsts: Vec<String> = (picked.iter())
                    .map(|(o, v)| format!("the first that ended {} ({} {v})", o.as_str(), under))
                    .collect();
                format!("Trial {k}: {}", firsts.join(", "))
            }
        },
    )];
    b.push(Block::Para(match p.of {
        Paired::Variants => format!(
            "Trial {k} under each variant. Every variant runs the same trials on the same \
             seed, so a trial draws the same random numbers under each (where the settings \
             draw alike): where its values differ, the settings made the difference."
        ),
        Paired::Points => format!(
            "Trial {k} at each point of the grid. Every point runs the same trials on the \
             same seed, so a trial draws the same random numbers at each (where the settings \
             draw alike): where its values differ, the swept values made the difference."
        ),
    }));
    let mut header = vec!["metric".to_string()];
    header.extend((p.under.iter().enumerate()).map(|(i, v)| p.of.header(i, v.name)));
    let mut rows = vec![
        std::iter::once("outcome".to_string())
            .chain(
                p.under
                    .iter()
                    .map(|v| v.trial.row.outcome.as_str().to_string()),
            )
            .collect::<Vec<_>>(),
    ];
    for name in shown {
        let Some(c) = column(name) else { continue };
        let mut r = vec![name.to_string()];
        r.extend(p.under.iter().map(|v| {
            c.cell(v.trial.row)
                .as_f64()
                .map_or("—".to_string(), |x| value(c.unit, x))
        }));
        rows.push(r);
    }
    b.push(Block::Table(header, rows, true));
    for (i, v) in p.under.iter().enumerate() {
        let t = &v.trial;
        b.push(Block::Heading(
            3,
            format!("Trial {k} {under} {}", p.of.header(i, v.name)),
        ));
        b.push(Block::Para(format!(
            "Ended {} after {}. Its whole trace is {}, its timeline {}.",
            t.row.outcome.as_str(),
            duration(as_secs(t.row.duration)),
            t.files[0],
            t.files[1]
        )));
        b.extend(happened_blocks(
            v.scenario,
            t,
            4,
            format!("What happened in trial {k} {under} {}", v.name),
        ));
        b.extend(chart_blocks(t, 4, charts));
    }
    b
}

/// The trace's records a reviewer reads first, as `(time, what)`: rollout states, node
/// conditions, measurements, failed tasks and tasks no node took.
fn happened(s: &Scenario, records: &[TraceRecord]) -> Vec<(String, String)> {
    let node = |n: u32| s.cluster.node_spec(n as usize).name.as_str();
    records
        .iter()
        .filter_map(|r| {
            let what = match r {
                TraceRecord::Update { state, message, .. } => match message {
                    Some(m) => format!("rollout {state}: {m}"),
                    None => format!("rollout {state}"),
                },
                TraceRecord::Node { node: n, state, .. } => format!("node {} {state}", node(*n)),
                TraceRecord::Measurement(m) => {
                    let mut by = match (m.analysis, m.step, &m.name) {
                        ("flagger", ..) => "Flagger check".to_string(),
                        (a, Some(step), _) => format!("{a} analysis (step {step})"),
                        (a, _, Some(name)) => format!("{a} analysis {name}"),
                        (a, ..) => format!("{a} analysis"),
                    };
                    if m.dry_run {
                        by += ", dry run";
                    }
                    let got = m.value.map_or("no value".to_string(), number);
                    let window = match m.window {
                        None => String::new(),
                        Some((0, _)) => " (no requests)".to_string(),
                        Some((requests, failed)) => {
                            format!(" ({failed} of {} failed)", counted(requests, "request"))
                        }
                    };
                    format!("{by}: {} = {got}{window} → {}", m.metric, m.phase)
                }
                TraceRecord::Task {
                    task,
                    slot,
                    version,
                    node: n,
                    state,
                    reason,
                    ..
                } => {
                    let which = format!(
                        "task {task} ({}, slot {slot}",
                        s.service.versions[*version as usize].name
                    );
                    match (state, reason) {
                        (TaskState::Failed, _) => match n {
                            Some(n) => format!("{which}, on {}) failed", node(*n)),
                            None => format!("{which}) failed"),
                        },
                        (TaskState::Pending, Some(why)) => {
                            format!("{which}) pending: no node ({})", why.as_str())
                        }
                        _ => return None,
                    }
                }
                TraceRecord::Scale { .. } => return None,
            };
            Some((duration(as_secs(r.time())), what))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::happened;
    use crate::cluster::TraceRecord;
    use crate::cluster::trace::MeasurementRecord;
    use crate::sim::time::from_secs_f64 as secs;

    #[test]
    fn what_happened_names_states_measurements_and_failures() {
        let s = crate::testkit::swarm(2, 1, Default::default());
        let records = [
            TraceRecord::Update {
                t: 0,
                state: "updating",
                message: None,
            },
            TraceRecord::Scale {
                t: 0,
                new: 1,
                old: 1,
            },
            TraceRecord::Measurement(Box::new(MeasurementRecord {
                t: secs(84.0),
                analysis: "step",
                step: Some(2),
                name: None,
                metric: "error-rate".into(),
                value: Some(7.0 / 145.0),
                phase: "Failed",
                window: Some((145, 7)),
                dry_run: false,
            })),
            TraceRecord::Update {
                t: secs(84.0),
                state: "rollback_started",
                message: Some("Step-based analysis phase error/failed".into()),
            },
        ];
        let rows = happened(&s, &records);
        assert_eq!(
            rows,
            [
                ("0.0s".to_string(), "rollout updating".to_string()),
                (
                    "1m24.0s".into(),
                    "step analysis (step 2): error-rate = 0.0483 (7 of 145 requests failed) \
                     → Failed"
                        .into()
                ),
                (
                    "1m24.0s".into(),
                    "rollout rollback_started: Step-based analysis phase error/failed".into()
                ),
            ]
        );
    }
}
