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
//! figures are all exact (a count that never varied) has no such line.
//!
//! Plain text (ASCII but for `±`), aligned with spaces, no colours and no trailing
//! spaces, so it survives being pasted into a ticket or a chat. Row labels are the `trials.csv` column names, so a
//! reader can write a check (`duration_s.p95 <= 600`) straight from the table. Every number
//! comes from the [`Summary`] that `summary.json` is written from.

use crate::output::columns::{Better, Unit};
use crate::output::summary::{Metric, Summary};
use crate::result::Outcome;
use crate::stats::Stat;

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

/// An interval cell for a figure the trials are too few to bound.
const UNBOUNDED: &str = "±?";

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
    "slo_violation_s",
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
    let plural = if summary.trials == 1 { "" } else { "s" };
    let mut out = format!(
        "{}: {} trial{plural}, seed {}\n",
        summary.scenario, summary.trials, summary.seed
    );

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
        let n = summary.event_budget_exceeded;
        let plural = if n == 1 { "" } else { "s" };
        out.push_str(&format!(
            "\nwarning: {n} trial{plural} exceeded the event budget and stopped as `timeout` \
             (see README, \"Event budget\")\n"
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

/// A value of a column in `unit`, for humans.
pub(crate) fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Seconds => duration(v),
        Unit::Milliseconds => format!("{v:.1}ms"),
        Unit::Cores => trim_zeros(format!("{v:.3}")),
        Unit::Bytes => bytes(v),
        Unit::Ratio => availability(v),
        Unit::Count | Unit::Id | Unit::Label => count(v),
    }
}

/// A difference in `unit` with its sign: `+12.0s`, `-1`, `0`.
pub(crate) fn signed(unit: Unit, d: f64) -> String {
    let text = value(unit, d);
    if d > 0.0 { format!("+{text}") } else { text }
}

/// A half-width in `unit`, to the precision an uncertainty deserves and no wider than the
/// values: counts of 10 or more as whole numbers (`4313`), memory to three significant
/// digits (`532Mi`), and ratios to two significant digits (`0.00041%`), where a value's
/// three decimals would round a real spread to a false `0%`. Others as [`value`].
fn spread(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Count if v >= 10.0 => format!("{v:.0}"),
        Unit::Bytes => bytes_with(v, |scaled| {
            if scaled >= 100.0 {
                0
            } else if scaled >= 10.0 {
                1
            } else {
                2
            }
        }),
        Unit::Ratio if v > 0.0 => {
            let pct = v * 100.0;
            let decimals = (1 - pct.log10().floor() as i32).clamp(3, 9) as usize;
            format!("{}%", trim_zeros(format!("{pct:.decimals$}")))
        }
        _ => value(unit, v),
    }
}

/// `0.981` → `98.1%`.
pub(crate) fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// Whole numbers as integers, interpolated percentiles and means with two decimals.
fn count(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Seconds to tenths: `47.0s`, `2m10.5s`, `1h02m03.0s`. Rounding happens once, on the
/// total, so 119.96 s is `2m00.0s`, never `1m60.0s`.
pub fn duration(secs: f64) -> String {
    let sign = if secs < 0.0 { "-" } else { "" };
    let tenths = (secs.abs() * 10.0).round() as u64;
    let (t, s, m, h) = (
        tenths % 10,
        tenths / 10 % 60,
        tenths / 600 % 60,
        tenths / 36_000,
    );
    if h > 0 {
        format!("{sign}{h}h{m:02}m{s:02}.{t}s")
    } else if m > 0 {
        format!("{sign}{m}m{s:02}.{t}s")
    } else {
        format!("{sign}{s}.{t}s")
    }
}

/// Binary units with up to two decimals: `512Mi`, `1.5Gi`, `3.25Gi`.
fn bytes(v: f64) -> String {
    bytes_with(v, |_| 2)
}

/// Binary units, with `decimals(scaled value)` decimals at most.
fn bytes_with(v: f64, decimals: impl Fn(f64) -> usize) -> String {
    const UNITS: [&str; 6] = ["B", "Ki", "Mi", "Gi", "Ti", "Pi"];
    let mut scaled = v;
    let mut unit = 0;
    // `- 0.005`: a value that would print as `1024.00` moves up a unit instead.
    while scaled.abs() >= 1024.0 - 0.005 && unit < UNITS.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    let d = decimals(scaled);
    format!("{}{}", trim_zeros(format!("{scaled:.d$}")), UNITS[unit])
}

/// A fraction as a percentage with up to three decimals (`99.95%`), and more when needed
/// to tell "almost" from "all": 0.9999996 is `99.99996%`, never a rounded-up `100%`.
fn availability(fraction: f64) -> String {
    let pct = fraction * 100.0;
    let mut decimals = 3;
    let mut text = format!("{pct:.decimals$}");
    while fraction < 1.0 && text.starts_with("100") && decimals < 9 {
        decimals += 1;
        text = format!("{pct:.decimals$}");
    }
    format!("{}%", trim_zeros(text))
}

/// A statistic of any unit for a compact table: at most four decimals (`0.9991`,
/// `12.5`, `4`), trailing zeros dropped.
pub fn number(x: f64) -> String {
    let decimals = if x.abs() >= 1000.0 { 1 } else { 4 };
    let text = trim_zeros(format!("{x:.decimals$}"));
    if text == "-0" { "0".to_string() } else { text }
}

/// `3.500` → `3.5`, `4.000` → `4`; integers untouched.
fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::placer::{PendingReason, PendingReasons};
    use crate::output::columns::tests::sample_row;
    use crate::result::{TrafficResult, TrialResult};
    use crate::sim::time::{MILLISECOND, SECOND};

    fn rows(traffic: bool) -> Vec<TrialResult> {
        (0..5u64)
            .map(|i| TrialResult {
                trial: i,
                outcome: if i == 4 {
                    Outcome::RolledBack
                } else {
                    Outcome::Completed
                },
                duration: 45 * SECOND + i * 20 * SECOND + i * 150 * MILLISECOND,
                min_ready: 4 + (i % 2) as u32,
                min_available: 4,
                peak_tasks: 7 + (i / 2) as u32,
                peak_cpu_millis: 3_500 + 500 * (i / 2),
                peak_memory_bytes: (7 + i / 2) * 512 * 1024 * 1024,
                restarts: if i == 4 { 3 } else { 0 },
                traffic: traffic.then_some(TrafficResult {
                    requests: 12_000 + 100 * i,
                    failed_requests: 3 * i,
                    p99_latency_ms: 20.0 + 2.5 * i as f64,
                    p95_latency_ms: 18.0 + 2.0 * i as f64,
                    bad_version_requests: 0,
                    ..TrafficResult::default()
                }),
                deadline_exceeded_at: None,
                pending: PendingReasons::new(false),
                verdict: None,
                ..sample_row()
            })
            .collect()
    }

    /// The pending block lists each reason some trial had, with the share of trials (2 of
    /// 5 with `affinity`, 1 with `resources` too); reasons no trial had are left out.
    #[test]
    fn pending_reasons_as_shares_of_trials() {
        let mut rows = rows(false);
        for (i, r) in rows.iter_mut().enumerate() {
            if i < 2 {
                r.pending.insert(PendingReason::Affinity);
            }
            if i == 0 {
                r.pending.insert(PendingReason::Resources);
            }
        }
        let table = summary_table(&Summary::from_rows("web", 1, &rows));
        let block = &table[table.find("\npending:").expect("a pending block")..];
        assert_eq!(
            block,
            "\npending: share of trials in which a task found no node, by the last filter to \
             rule one out\n  resources  20.0%\n  affinity   40.0%\n"
        );
        let quiet = summary_table(&Summary::from_rows("web", 1, &super::tests::rows(false)));
        assert!(!quiet.contains("pending"));
    }

    #[test]
    fn exact_table_with_traffic() {
        let s = Summary::from_rows("web-rolling-update", 42, &rows(true));
        // Tails by hand: availability is 1 − 3i/(12000 + 100i), i = 0…4, so sorted
        // 0.999032, 0.999268, …; p05 = 0.999032 + 0.2·0.000236 = 0.999079 (99.908%), where
        // p95 would be the lucky 99.995%. min_ready 4, 5, 4, 5, 4: worst 5% is 4, not 5.
        // Durations per outcome: completed 45.0, 65.15, 85.3, 105.45 s; rolled back 125.6 s.
        // Five trials bound no percentile (the median needs 6); the mean's t interval over
        // all five durations: std 31.860 s, 85.3 ± t₄·31.860/√5 = ± 2.7764·14.248 = ±39.6 s;
        // min_ready 4, 5, 4, 5, 4: std 0.5477, ± 2.7764·0.5477/√5 = ±0.68.
        let want = "\
web-rolling-update: 5 trials, seed 42

outcome             count  share         95% CI
completed               4  80.0%  37.6% - 96.4%
rolled_back             1  20.0%   3.6% - 62.4%

metric                better       p50  worst 5%  worst 1%      mean       min       max
duration_s             lower   1m25.3s   2m01.6s   2m04.8s   1m25.3s     45.0s   2m05.6s
                        ±95%        ±?        ±?        ±?    ±39.6s
  completed            lower   1m15.2s   1m42.4s   1m44.8s   1m15.2s     45.0s   1m45.5s
                        ±95%        ±?        ±?        ±?    ±41.4s
  rolled_back          lower   2m05.6s   2m05.6s   2m05.6s   2m05.6s   2m05.6s   2m05.6s
                        ±95%        ±?        ±?        ±?        ±?
min_ready             higher         4         4         4      4.40         4         5
                        ±95%        ±?        ±?        ±?     ±0.68
min_available         higher         4         4         4         4         4         4
                        ±95%        ±?        ±?        ±?        ±0
peak_tasks             lower         8      8.80      8.96      7.80         7         9
                        ±95%        ±?        ±?        ±?     ±1.04
peak_running_tasks     lower         7         7         7         7         7         7
                        ±95%        ±?        ±?        ±?        ±0
peak_cpu               lower         4       4.4      4.48       3.9       3.5       4.5
                        ±95%        ±?        ±?        ±?    ±0.519
peak_memory            lower       4Gi     4.4Gi    4.48Gi     3.9Gi     3.5Gi     4.5Gi
                        ±95%        ±?        ±?        ±?    ±532Mi
restarts               lower         0      2.40      2.88      0.60         0         3
                        ±95%        ±?        ±?        ±?     ±1.67
requests                   -     12200     12380     12396     12200     12000     12400
                        ±95%        ±?        ±?        ±?      ±196
failed_requests        lower         6     11.40     11.88         6         0        12
                        ±95%        ±?        ±?        ±?     ±5.89
availability          higher   99.951%   99.908%   99.904%   99.951%   99.903%      100%
                        ±95%        ±?        ±?        ±?   ±0.047%
p95_latency_ms         lower    22.0ms    25.6ms    25.9ms    22.0ms    18.0ms    26.0ms
                        ±95%        ±?        ±?        ±?    ±3.9ms
p99_latency_ms         lower    25.0ms    29.5ms    29.9ms    25.0ms    20.0ms    30.0ms
                        ±95%        ±?        ±?        ±?    ±4.9ms

worst 5% / worst 1%: p95 / p99, or p05 / p01 where higher is better
±95%: how far each figure may be off: the distance to the farther end of its 95% interval
(mean: Student t; percentiles: order statistics); none for min and max, no line when all are 0
±?: too few trials to bound that percentile (p50 needs 6 trials, p05/p95 72, p01/p99 368)
peak_tasks: tasks placed on a node, pulling or held back too (what the scheduler reserved)
peak_running_tasks: tasks with a started container (the room the rollout ran in)
";
        assert_eq!(summary_table(&s), want, "\n{}", summary_table(&s));
    }

    /// 100 completed trials of 2, 4, …, 200 s. Median 101 s with order-statistic ranks
    /// 40 and 61 (n = 100, exact binomial) → [80, 122] s, ±21.0 s; p95 = 190.1 s with ranks
    /// 90 and 100 → [180, 200] s, farther end 10.1 s away; p99 needs 368 trials: `±?`;
    /// mean 101 s, std 58.023 s, ± t₉₉·58.023/10 = 1.98422·5.8023 = ±11.5 s.
    #[test]
    fn interval_line_under_each_metric() {
        let rows: Vec<TrialResult> = (1..=100u64)
            .map(|i| TrialResult {
                trial: i,
                outcome: Outcome::Completed,
                duration: 2 * i * SECOND,
                traffic: None,
                deadline_exceeded_at: None,
                ..sample_row()
            })
            .collect();
        let table = summary_table(&Summary::from_rows("web", 1, &rows));
        let lines: Vec<&str> = table.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("duration_s"))
            .unwrap();
        let figures: Vec<&str> = lines[at].split_whitespace().collect();
        assert_eq!(figures[2..6], ["1m41.0s", "3m10.1s", "3m18.0s", "1m41.0s"]);
        let spreads: Vec<&str> = lines[at + 1].split_whitespace().collect();
        assert_eq!(spreads, ["±95%", "±21.0s", "±10.1s", "±?", "±11.5s"]);
        assert!(table.contains(UNBOUNDED_NOTE), "{table}");
        // min_ready is 4 in every trial: exact figures, but 100 trials bound no p01.
        let at = lines
            .iter()
            .position(|l| l.starts_with("min_ready"))
            .unwrap();
        let spreads: Vec<&str> = lines[at + 1].split_whitespace().collect();
        assert_eq!(spreads, ["±95%", "±0", "±0", "±?", "±0"]);
        // With 368 trials the p01 is bounded too: every figure exact, no ± line.
        let rows: Vec<TrialResult> = (0..368).map(|_| rows[0]).collect();
        let table = summary_table(&Summary::from_rows("web", 1, &rows));
        let lines: Vec<&str> = table.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("min_ready"))
            .unwrap();
        assert!(lines[at + 1].starts_with("min_available"), "{table}");
        assert!(table.lines().all(|l| l.chars().count() <= 100), "{table}");
    }

    #[test]
    fn no_traffic_rows_without_traffic_and_only_completed_when_all_completed() {
        let rows: Vec<TrialResult> = rows(false)
            .into_iter()
            .map(|r| TrialResult {
                outcome: Outcome::Completed,
                ..r
            })
            .collect();
        let table = summary_table(&Summary::from_rows("web", 7, &rows));
        assert!(
            table.contains("completed               5  100.0%  56.6% - 100.0%\n"),
            "{table}"
        );
        // One outcome: no per-outcome rows.
        for absent in [
            "rolled_back",
            "  completed",
            "requests",
            "availability",
            "p99_latency_ms",
        ] {
            assert!(!table.contains(absent), "{absent} in\n{table}");
        }
        assert!(table.lines().all(|l| l == l.trim_end()), "trailing spaces");
    }

    #[test]
    fn an_empty_run_still_prints() {
        let table = summary_table(&Summary::from_rows("web", 1, &[]));
        assert_eq!(
            table,
            "web: 0 trials, seed 1\n\n\
             outcome    count  share         95% CI\n\
             completed      0      -  0.0% - 100.0%\n"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration(0.0), "0.0s");
        assert_eq!(duration(47.0), "47.0s");
        assert_eq!(duration(59.96), "1m00.0s");
        assert_eq!(duration(130.5), "2m10.5s");
        assert_eq!(duration(119.96), "2m00.0s");
        assert_eq!(duration(3723.0), "1h02m03.0s");
        assert_eq!(duration(-1.5), "-1.5s");
    }

    #[test]
    fn memory_in_binary_units() {
        assert_eq!(bytes(512.0), "512B");
        assert_eq!(bytes(1536.0), "1.5Ki");
        assert_eq!(bytes(512.0 * 1024.0 * 1024.0), "512Mi");
        assert_eq!(bytes(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5Gi");
        assert_eq!(bytes(3.25 * 1024.0 * 1024.0 * 1024.0), "3.25Gi");
        assert_eq!(bytes(1024.0 * 1024.0 * 1024.0 - 1.0), "1Gi");
        assert_eq!(bytes(0.0), "0B");
    }

    #[test]
    fn availability_never_rounds_up_to_all() {
        assert_eq!(availability(1.0), "100%");
        assert_eq!(availability(0.9995), "99.95%");
        assert_eq!(availability(0.99953), "99.953%");
        assert_eq!(availability(0.999_999_6), "99.99996%");
        assert_eq!(availability(0.5), "50%");
        assert_eq!(availability(0.0), "0%");
    }

    #[test]
    fn spreads() {
        assert_eq!(spread(Unit::Ratio, 0.0), "0%");
        assert_eq!(spread(Unit::Ratio, 0.000_004_1), "0.00041%");
        assert_eq!(spread(Unit::Ratio, 0.000_52), "0.052%");
        assert_eq!(spread(Unit::Ratio, 0.012_34), "1.234%");
        assert_eq!(spread(Unit::Seconds, 1.84), "1.8s");
        assert_eq!(spread(Unit::Count, 4313.49), "4313");
        assert_eq!(spread(Unit::Count, 1.666), "1.67");
        assert_eq!(spread(Unit::Bytes, 531.89 * 1024.0 * 1024.0), "532Mi");
        assert_eq!(spread(Unit::Bytes, 11.02 * 1024.0 * 1024.0), "11Mi");
        assert_eq!(spread(Unit::Bytes, 1.5 * 1024.0 * 1024.0 * 1024.0), "1.5Gi");
    }

    #[test]
    fn counts_and_cores() {
        assert_eq!(count(5.0), "5");
        assert_eq!(count(4.5), "4.50");
        assert_eq!(value(Unit::Cores, 3.5), "3.5");
        assert_eq!(value(Unit::Cores, 4.0), "4");
        assert_eq!(value(Unit::Cores, 3.4567), "3.457");
        assert_eq!(value(Unit::Milliseconds, 23.45), "23.4ms");
    }
}
