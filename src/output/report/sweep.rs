//! The report of a sweep: every grid point's key statistics with their 95% intervals, the
//! best point under the objective and constraints, and the Pareto front.

use super::meanings::{metric_terms, terms};
use super::{Block, Page, PairedTrial, ReportInfo, Skeleton, capitalised, settings};
use crate::check::MetricStat;
use crate::output::Summary;
use crate::output::charts::ChartFile;
use crate::output::human_text::counted;
use crate::output::sweep::SweepReport;
use crate::output::sweep_charts::{interval, lines_missing, shown};
use crate::output::table::UNBOUNDED;
use crate::scenario::Scenario;

/// How to read the sweep table.
const SWEEP_MEANINGS: &[(&str, &str)] = &[
    (
        "METRIC.STAT",
        "statistic STAT of METRIC over a point's trials: p50 the median, p95 / p99 the 95th / 99th percentile, p05 / p01 the 5th / 1st, min / max the extremes, mean the average",
    ),
    (
        "outcome.NAME.rate",
        "the share of a point's trials that ended with that outcome",
    ),
    (
        "(lo – hi)",
        "the 95% interval of the statistic: order statistics for a percentile, Student t for a mean, Wilson for a rate; none for min, max and std (a single extreme has no interval)",
    ),
    (
        UNBOUNDED,
        "too few trials to bound that statistic (a mean needs 2 trials, p50 6, p10 / p90 36, p05 / p95 72, p01 / p99 368)",
    ),
    (
        "marks",
        "front: on the Pareto front, no other point is at least as good on all of its axes and better on one; best: the point the objective chose among those meeting every constraint",
    ),
];

/// `m` at a point with its 95% interval when it has one: `1m02.5s (58.0s – 1m04.1s)`.
fn cell(m: &MetricStat, s: &Summary) -> String {
    let Some(x) = m.of(s) else {
        return "–".to_string();
    };
    match (interval(m, s), m) {
        (Some((lo, hi)), _) => format!("{} ({} – {})", shown(m, x), shown(m, lo), shown(m, hi)),
        // Too few trials to bound it, marked as the terminal table marks it.
        (None, MetricStat::Column { stat, .. }) if stat.has_interval() => {
            format!("{} ({UNBOUNDED})", shown(m, x))
        }
        (None, _) => shown(m, x),
    }
}

/// The report of a sweep whose point `i` ran `points[i]`.
pub fn sweep_page(
    r: &SweepReport<'_>,
    points: &[Scenario],
    info: &ReportInfo,
    charts: &[ChartFile],
    paired: &[PairedTrial<'_>],
) -> Page {
    let trials = r.points.first().map_or(0, |(_, s)| s.trials);
    let stats = r.key_stats();
    let mut sections = vec![
        Block::Heading(2, "Swept parameters".into()),
        Block::Table(
            vec!["parameter".into(), "values".into()],
            r.axes
                .iter()
                .map(|a| {
                    let values: Vec<&str> = a.values.iter().map(|v| v.shown.as_str()).collect();
                    vec![a.path.clone(), values.join(", ")]
                })
                .collect(),
            false,
        ),
        Block::Para(if r.seed_swept() {
            format!(
                "{} × {}, seed swept: each point runs the trials of its own seed, so the \
                 differences between points of different seeds are luck as well as the \
                 parameters' effect.",
                r.points_text(),
                counted(trials, "trial"),
            )
        } else {
            format!(
                "{} × {}, seed {}: every point runs the same trials (common random numbers), \
                 so the differences between points are the parameters' effect, not luck.",
                r.points_text(),
                counted(trials, "trial"),
                r.seed
            )
        }),
        Block::Heading(2, "Points".into()),
        Block::Para(
            "Each statistic with its 95% interval in parentheses (none for min, max and std); \
             front: on the Pareto front; best: the point the objective chose."
                .into(),
        ),
    ];
    let header = (r.axis_headers().into_iter())
        .chain(std::iter::once("marks".to_string()))
        .chain(stats.iter().map(ToString::to_string))
        .collect();
    let rows = r
        .points
        .iter()
        .enumerate()
        .map(|(i, (values, s))| {
            let marks: Vec<&str> = [(r.front.contains(&i), "front"), (r.best == Some(i), "best")]
                .iter()
                .filter_map(|&(on, m)| on.then_some(m))
                .collect();
            values
                .iter()
                .map(|v| v.shown.clone())
                .chain(std::iter::once(marks.join(", ")))
                .chain(stats.iter().map(|m| cell(m, s)))
                .collect()
        })
        .collect();
    sections.push(Block::Table(header, rows, true));
    let left_out = r.left_out_points();
    if !left_out.is_empty() {
        sections.push(Block::Para(format!(
            "Left out as invalid (--skip-invalid), {}: the scenario's rules refuse {}.",
            counted(left_out.len(), "point"),
            if left_out.len() == 1 { "it" } else { "them" }
        )));
        let list = left_out.into_iter().map(|(p, why)| (p, why.to_string()));
        sections.push(Block::List(list.collect()));
    }
    let front_axes: Vec<String> = r.front_axes.iter().map(ToString::to_string).collect();
    sections.push(Block::Para(format!(
        "Pareto front ({}): {} of {}.",
        front_axes.join(", "),
        r.front.len(),
        counted(r.points.len(), "point")
    )));
    sections.push(Block::Para(r.choice_line("", shown).map_or_else(
        || "No --objective: no best point chosen.".to_string(),
        |line| capitalised(&line) + ".",
    )));
    // A chart the reader might look for and not find says why it is not there.
    if let Some(why) = lines_missing(r) {
        sections.push(Block::Para(capitalised(&why) + "."));
    }
    let names = stats.iter().filter_map(|m| match m {
        MetricStat::Column { column, .. } => Some(column.name),
        MetricStat::OutcomeCount(_) | MetricStat::OutcomeRate(_) => None,
    });
    let mut names: Vec<&str> = names.collect();
    if !paired.is_empty() {
        // The duration first, then what differs between the points on some shown trial.
        let mut metrics = vec!["duration_s"];
        for p in paired {
            for name in p.differing() {
                if !metrics.contains(&name) {
                    metrics.push(name);
                }
            }
        }
        for p in paired {
            sections.extend(super::trial::paired_section(p, &metrics, charts));
        }
        metrics.retain(|n| !names.contains(n));
        names.extend(metrics);
    }
    let mut meanings = metric_terms(names);
    meanings.extend(terms(SWEEP_MEANINGS));
    Skeleton {
        title: format!("Sweep report: {}", r.scenario),
        intro: points[0].description.iter().cloned().collect(),
        settings: settings(
            &[("value".into(), points.iter().collect())],
            info,
            trials,
            r.seed,
        ),
        sections,
        terms: meanings,
        info,
        charts,
    }
    .page()
}
