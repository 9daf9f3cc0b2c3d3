//! The plain-text summary `run` prints: outcomes, then the main metrics' percentiles.
//!
//! ```text
//! web-start-first: 500 trials, seed 42
//!
//! outcome          count  share         95% CI
//! completed          460  92.0%  89.3% - 94.1%
//! rolled_back         40   8.0%   5.9% - 10.7%
//!
//! metric             better       p50  worst 5%  worst 1%      mean       min       max
//! duration_s          lower   1m39.5s   1m57.8s   2m12.5s   1m36.2s     12.2s   2m29.1s
//!                      ±95%     ±1.8s     ±6.0s    ±16.5s     ±1.8s
//!   completed         lower   1m40.4s   1m59.0s   2m14.8s   1m41.3s   1m23.1s   2m29.1s
//!                      ±95%     ±1.1s     ±5.8s    ±14.3s     ±0.9s
//!   rolled_back       lower     37.2s   1m27.1s   1m33.7s     37.3s     12.2s   1m36.2s
//!                      ±95%    ±17.6s        ±?        ±?     ±7.4s
//! …
//!
//! worst 5% / worst 1%: p95 / p99, or p05 / p01 where higher is better
//! ```
//!
//! Every metric has a direction ([`Better`]), and the two tail columns show its *bad*
//! tail: the slowest rollouts, but the lowest availability and the fewest tasks serving. A
//! p95 of availability would be its lucky tail. When trials ended in more than one way,
//! `duration_s` is also shown per outcome (indented rows): a run's fastest trial is
//! often a rollback.
//!
//! Under each row, `±95%` says how far each figure may be from the truth: the distance to
//! the farther end of its 95% interval (Student t for the mean, order statistics for the
//! percentiles), or `±?` when the trials are too few to bound a tail. A table of five
//! trials is then visibly a guess, and one of a million a measurement. A metric whose
//! intervals are all a single value (a count that never varied, over trials enough to
//! bound its tails) has no such line; a tail the trials cannot bound keeps its `±?` even
//! when every trial agreed, since they cannot rule out a rarer value.
//!
//! Plain text (ASCII but for `±`), aligned with spaces, no colours and no trailing
//! spaces, so it survives being pasted into a ticket or a chat. Row labels are the `trials.csv` column names, so a
//! reader can write a check (`duration_s.p95 <= 600`) straight from the table. Every number
//! comes from the [`Summary`] that `summary.json` is written from.
//!
//! The figures are written by [`crate::output::human_text`], which the report pages and
//! charts print through too; [`duration`] and [`number`] are re-exported here, the path
//! callers outside `output` (strategies, checks, the CLI, tests) use.

use crate::output::columns::Better;
use crate::output::human_text::{counted, percent, spread, value};
use crate::output::shard::ShardManifest;
use crate::output::summary::{Metric, Summary};
use crate::result::Outcome;
use crate::stats::Stat;

pub use crate::output::human_text::{duration, number};

/// The metrics the table shows, in this order; those absent from the summary (request
/// columns without traffic) are skipped. The rest stay in `summary.json`.
pub(crate) const TABLE_ROWS: &[&str] = &[
    "duration_s",
    "min_ready",
    "min_available",
    "peak_tasks",
    "peak_running_tasks",
    "peak_cpu",
    "peak_memory",
    "restarts",
    "requests",
    "failed_requests",
    "availability",
    "p95_latency_ms",
    "p99_latency_ms",
    "drain_s",
    "nodes_added",
];

/// The `pending_*` columns: the share of trials in which some task stayed Pending for
/// each reason (their mean), listed when any trial had one.
fn pending_block(summary: &Summary) -> String {
    let rows: Vec<(&str, f64)> = summary
        .metrics
        .iter()
        .filter_map(|m| Some((m.name().strip_prefix("pending_")?, m.stats.mean)))
        .filter(|&(_, share)| share > 0.0)
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let width = rows.iter().map(|(r, _)| r.len()).max().unwrap_or(0);
    let mut out = String::from(
        "\npending: share of trials in which a task found no node, by the last filter to \
         rule one out\n",
    );
    for (reason, share) in rows {
        out.push_str(&format!("  {reason:<width$}  {}\n", percent(share)));
    }
    out
}

/// The metric shown per outcome when trials ended in more than one way.
const PER_OUTCOME: &str = "duration_s";

/// The note under the metrics: which percentiles the tail columns are.
const TAIL_NOTE: &str = "worst 5% / worst 1%: p95 / p99, or p05 / p01 where higher is better";

/// The label of the interval line under each metric.
const INTERVAL_LABEL: &str = "±95%";

/// An interval cell for a figure the trials are too few to bound (the reports mark such a
/// figure the same way).
pub const UNBOUNDED: &str = "±?";

/// The note on the interval lines.
const INTERVAL_NOTE: &str = "±95%: how far each figure may be off: the distance to the farther end of its 95% interval\n\
(mean: Student t; percentiles: order statistics); none for min and max, no line when all are 0";

/// The note when some figure has no interval.
const UNBOUNDED_NOTE: &str =
    "±?: too few trials to bound that percentile (p50 needs 6 trials, p05/p95 72, p01/p99 368)";

/// The note when both capacity counts are shown: what each one counts.
const CAPACITY_NOTE: &str = "peak_tasks: tasks placed on a node, pulling or held back too (what the scheduler reserved)\n\
peak_running_tasks: tasks with a started container (the room the rollout ran in)";

/// Rows shown only when some trial has a non-zero value: the failure breakdown and the
/// costs that most scenarios do not incur.
pub(crate) const TABLE_ROWS_IF_ANY: &[&str] = &[
    "refused_requests",
    "timed_out_requests",
    "errored_requests",
    "dropped_requests",
    "bad_version_requests",
    "bad_release_requests",
    "slo_violation_s",
    "drains_unfinished",
];

/// Space between columns.
const GAP: &str = "  ";

/// The human-readable summary of a run, ending with a newline.
///
/// Outcomes list their count, share and 95% Wilson interval; `completed` is always shown,
/// the others only when they happened (all of them are in `summary.json`). Metrics show
/// p50, p95, p99, mean, min and max, each in its unit: durations as `47.0s` / `2m10.5s`,
/// memory in binary units (`1.5Gi`), cpu in cores, availability in percent.
pub fn summary_table(summary: &Summary) -> String {
    table_headed(summary, &counted(summary.trials, "trial"))
}

/// [`summary_table`] of one shard of a run (`run --shard K/N`): its heading says which
/// slice of the run's trials it summarises (`web: shard 2/3, trials 333 to 665 (333 of
/// 1000 trials), seed 7`), not the whole run.
pub fn shard_summary_table(summary: &Summary, shard: &ShardManifest) -> String {
    table_headed(summary, &shard.describe())
}

/// The table under the heading `scenario: trials, seed S`.
fn table_headed(summary: &Summary, trials: &str) -> String {
    let mut out = format!("{}: {trials}, seed {}\n", summary.scenario, summary.seed);

    let shown: Vec<_> = summary
        .outcomes
        .iter()
        .filter(|o| o.outcome == Outcome::Completed || o.count > 0)
        .collect();
    let lo: Vec<String> = shown.iter().map(|o| percent(o.ci95[0])).collect();
    let hi: Vec<String> = shown.iter().map(|o| percent(o.ci95[1])).collect();
    let (wl, wh) = (max_width(&lo), max_width(&hi));
    let outcome_rows: Vec<Vec<String>> = shown
        .iter()
        .zip(lo.iter().zip(&hi))
        .map(|(o, (lo, hi))| {
            vec![
                o.outcome.as_str().to_string(),
                o.count.to_string(),
                if summary.trials == 0 {
                    "-".to_string()
                } else {
                    percent(o.fraction)
                },
                // Padding each bound separately lines up the dashes as well as the ends.
                format!("{lo:>wl$} - {hi:>wh$}"),
            ]
        })
        .collect();

    let optional = TABLE_ROWS_IF_ANY
        .iter()
        .filter_map(|name| summary.metric(name))
        .filter(|m| m.stats.max > 0.0);
    let split = summary.by_outcome.len() > 1;
    let mut metric_rows: Vec<Vec<String>> = Vec::new();
    for m in TABLE_ROWS
        .iter()
        .filter_map(|name| summary.metric(name))
        .chain(optional)
    {
        metric_rows.push(metric_row(m.name().to_string(), m));
        metric_rows.extend(interval_row(m));
        if split && m.name() == PER_OUTCOME {
            for group in &summary.by_outcome {
                if let Some(g) = group.metric(PER_OUTCOME) {
                    metric_rows.push(metric_row(format!("  {}", group.outcome.as_str()), g));
                    metric_rows.extend(interval_row(g));
                }
            }
        }
    }

    // One label width for both blocks, so they read as one table.
    let label_width = outcome_rows
        .iter()
        .chain(&metric_rows)
        .map(|r| r[0].len())
        .chain(["outcome".len(), "metric".len()])
        .max()
        .unwrap_or(0);

    out.push('\n');
    render(
        &mut out,
        label_width,
        &["outcome", "count", "share", "95% CI"],
        &outcome_rows,
        false,
    );
    if !metric_rows.is_empty() {
        out.push('\n');
        render(
            &mut out,
            label_width,
            &[
                "metric", "better", "p50", "worst 5%", "worst 1%", "mean", "min", "max",
            ],
            &metric_rows,
            true,
        );
        out.push('\n');
        out.push_str(TAIL_NOTE);
        out.push('\n');
        out.push_str(INTERVAL_NOTE);
        out.push('\n');
        if metric_rows.iter().flatten().any(|cell| cell == UNBOUNDED) {
            out.push_str(UNBOUNDED_NOTE);
            out.push('\n');
        }
        if summary.metric("peak_tasks").is_some() && summary.metric("peak_running_tasks").is_some()
        {
            out.push_str(CAPACITY_NOTE);
            out.push('\n');
        }
    }
    out.push_str(&pending_block(summary));
    if summary.event_budget_exceeded > 0 {
        out.push_str(&format!(
            "\nwarning: {} exceeded the event budget and stopped as `timeout` (see README, \
             \"Event budget\")\n",
            counted(summary.event_budget_exceeded, "trial")
        ));
    }
    if let Some(r) = crate::output::release::Release::of(summary) {
        out.push('\n');
        out.push_str(&r.sentence(summary));
    }
    out
}

/// The statistics of a metric's row: median, bad tail (see [`TAIL_NOTE`]), mean, range.
fn row_stats(better: Better) -> [Stat; 6] {
    let (worst5, worst1) = match better {
        Better::Higher => (Stat::P05, Stat::P01),
        Better::Lower | Better::Neither => (Stat::P95, Stat::P99),
    };
    [Stat::P50, worst5, worst1, Stat::Mean, Stat::Min, Stat::Max]
}

/// One metric's row: its direction, then the figures of [`row_stats`].
fn metric_row(label: String, m: &Metric) -> Vec<String> {
    let unit = m.column.unit;
    let mut row = vec![label, m.column.better.as_str().to_string()];
    row.extend(row_stats(m.column.better).map(|st| value(unit, m.stats.get(st))));
    row
}

/// The line under a metric's row: how far each figure may be off, as the distance to the
/// farther end of its 95% interval (`±?` when too few trials bound it). Min and max have
/// no interval, so their cells stay empty. `None` when every figure is exact (all
/// intervals a single value, as for a count that never varied): a line of `±0` says
/// nothing the row does not.
fn interval_row(m: &Metric) -> Option<Vec<String>> {
    let s = &m.stats;
    let spreads: Vec<Option<f64>> = row_stats(m.column.better)
        .into_iter()
        .filter(|st| !matches!(st, Stat::Min | Stat::Max))
        .map(|st| {
            let v = s.get(st);
            s.interval(st).map(|(lo, hi)| (v - lo).max(hi - v))
        })
        .collect();
    if spreads.iter().all(|w| *w == Some(0.0)) {
        return None;
    }
    let mut row = vec![String::new(), INTERVAL_LABEL.to_string()];
    row.extend(spreads.into_iter().map(|w| match w {
        Some(w) => format!("±{}", spread(m.column.unit, w)),
        None => UNBOUNDED.to_string(),
    }));
    Some(row)
}

/// Appends `header` and `rows`: the first column left-aligned to `label_width`, the others
/// right-aligned, each to its own width or (`uniform`) all to the widest value, which
/// spaces a grid of numbers evenly.
fn render(
    out: &mut String,
    label_width: usize,
    header: &[&str],
    rows: &[Vec<String>],
    uniform: bool,
) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row).skip(1) {
            *w = (*w).max(cell.chars().count());
        }
    }
    if uniform {
        let widest = widths[1..].iter().copied().max().unwrap_or(0);
        widths[1..].fill(widest);
    }
    widths[0] = label_width;
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = format!("{:<w$}", row[0], w = widths[0]);
        for (cell, w) in row.iter().zip(&widths).skip(1) {
            line.push_str(GAP);
            line.push_str(&format!("{cell:>w$}"));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

fn max_width(cells: &[String]) -> usize {
    cells.iter().map(String::len).max().unwrap_or(0)
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
