//! The plain-text summary `run` prints: outcomes, then the main metrics' percentiles.
//!
//! ```text
//! web-rolling-update: 5 trials, seed 42
//!
//! outcome          count  share         95% CI
//! completed            4  80.0%  37.6% - 96.4%
//! rolled_back          1  20.0%   3.6% - 62.4%
//!
//! metric             better       p50  worst 5%  worst 1%      mean       min       max
//! duration_s          lower   1m25.3s   2m01.6s   2m04.8s   1m25.3s     45.0s   2m05.6s
//!   completed         lower   1m15.2s   1m42.9s   1m44.6s   1m15.2s     45.0s   1m45.4s
//!   rolled_back       lower   2m05.6s   2m05.6s   2m05.6s   2m05.6s   2m05.6s   2m05.6s
//! min_ready          higher         4         4         4      4.40         4         5
//! availability       higher   99.951%   99.911%   99.905%  99.951%   99.903%      100%
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
//! Plain ASCII, aligned with spaces, no colours and no trailing spaces, so it survives
//! being pasted into a ticket or a chat. Row labels are the `trials.csv` column names, so a
//! reader can write a check (`duration_s.p95 <= 600`) straight from the table. Every number
//! comes from the [`Summary`] that `summary.json` is written from.

use crate::experiment::result::Outcome;
use crate::output::columns::{Better, Unit};
use crate::output::summary::{Metric, Summary};

/// The metrics the table shows, in this order; those absent from the summary (request
/// columns without traffic) are skipped. The rest stay in `summary.json`.
const TABLE_ROWS: &[&str] = &[
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

/// The metric shown per outcome when trials ended in more than one way.
const PER_OUTCOME: &str = "duration_s";

/// The note under the metrics: which percentiles the tail columns are.
const TAIL_NOTE: &str = "worst 5% / worst 1%: p95 / p99, or p05 / p01 where higher is better";

/// The note when both capacity counts are shown: what each one counts.
const CAPACITY_NOTE: &str = "peak_tasks: tasks placed on a node, pulling or held back too (what the scheduler reserved)\n\
peak_running_tasks: tasks with a started container (the room the rollout ran in)";

/// Rows shown only when some trial has a non-zero value: the failure breakdown and the
/// costs that most scenarios do not incur.
const TABLE_ROWS_IF_ANY: &[&str] = &[
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
        if split && m.name() == PER_OUTCOME {
            for group in &summary.by_outcome {
                if let Some(g) = group.metric(PER_OUTCOME) {
                    metric_rows.push(metric_row(format!("  {}", group.outcome.as_str()), g));
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
        if summary.metric("peak_tasks").is_some() && summary.metric("peak_running_tasks").is_some()
        {
            out.push_str(CAPACITY_NOTE);
            out.push('\n');
        }
    }
    if summary.event_budget_exceeded > 0 {
        let n = summary.event_budget_exceeded;
        let plural = if n == 1 { "" } else { "s" };
        out.push_str(&format!(
            "\nwarning: {n} trial{plural} exceeded the event budget and stopped as `timeout` \
             (see README, \"Event budget\")\n"
        ));
    }
    out
}

/// One metric's row: its direction, median, bad tail (see [`TAIL_NOTE`]), mean and range.
fn metric_row(label: String, m: &Metric) -> Vec<String> {
    let s = &m.stats;
    let (worst5, worst1) = match m.column.better {
        Better::Higher => (s.p05, s.p01),
        Better::Lower | Better::Neither => (s.p95, s.p99),
    };
    let unit = m.column.unit;
    let mut row = vec![label, m.column.better.as_str().to_string()];
    row.extend([s.p50, worst5, worst1, s.mean, s.min, s.max].map(|v| value(unit, v)));
    row
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
            *w = (*w).max(cell.len());
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
fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Seconds => duration(v),
        Unit::Milliseconds => format!("{v:.1}ms"),
        Unit::Cores => trim_zeros(format!("{v:.3}")),
        Unit::Bytes => bytes(v),
        Unit::Ratio => availability(v),
        Unit::Count | Unit::Id | Unit::Label => count(v),
    }
}

/// `0.981` → `98.1%`.
fn percent(fraction: f64) -> String {
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
    const UNITS: [&str; 6] = ["B", "Ki", "Mi", "Gi", "Ti", "Pi"];
    let mut scaled = v;
    let mut unit = 0;
    // `- 0.005`: a value that would print as `1024.00` moves up a unit instead.
    while scaled.abs() >= 1024.0 - 0.005 && unit < UNITS.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    format!("{}{}", trim_zeros(format!("{scaled:.2}")), UNITS[unit])
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
    use crate::experiment::result::{TrafficResult, TrialResult};
    use crate::output::columns::tests::sample_row;
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
                ..sample_row()
            })
            .collect()
    }

    #[test]
    fn exact_table_with_traffic() {
        let s = Summary::from_rows("web-rolling-update", 42, &rows(true));
        // Tails by hand: availability is 1 − 3i/(12000 + 100i), i = 0…4, so sorted
        // 0.999032, 0.999268, …; p05 = 0.999032 + 0.2·0.000236 = 0.999079 (99.908%), where
        // p95 would be the lucky 99.995%. min_ready 4, 5, 4, 5, 4: worst 5% is 4, not 5.
        // Durations per outcome: completed 45.0, 65.15, 85.3, 105.45 s; rolled back 125.6 s.
        let want = "\
web-rolling-update: 5 trials, seed 42

outcome             count  share         95% CI
completed               4  80.0%  37.6% - 96.4%
rolled_back             1  20.0%   3.6% - 62.4%

metric                better       p50  worst 5%  worst 1%      mean       min       max
duration_s             lower   1m25.3s   2m01.6s   2m04.8s   1m25.3s     45.0s   2m05.6s
  completed            lower   1m15.2s   1m42.4s   1m44.8s   1m15.2s     45.0s   1m45.5s
  rolled_back          lower   2m05.6s   2m05.6s   2m05.6s   2m05.6s   2m05.6s   2m05.6s
min_ready             higher         4         4         4      4.40         4         5
min_available         higher         4         4         4         4         4         4
peak_tasks             lower         8      8.80      8.96      7.80         7         9
peak_running_tasks     lower         7         7         7         7         7         7
peak_cpu               lower         4       4.4      4.48       3.9       3.5       4.5
peak_memory            lower       4Gi     4.4Gi    4.48Gi     3.9Gi     3.5Gi     4.5Gi
restarts               lower         0      2.40      2.88      0.60         0         3
requests                   -     12200     12380     12396     12200     12000     12400
failed_requests        lower         6     11.40     11.88         6         0        12
availability          higher   99.951%   99.908%   99.904%   99.951%   99.903%      100%
p95_latency_ms         lower    22.0ms    25.6ms    25.9ms    22.0ms    18.0ms    26.0ms
p99_latency_ms         lower    25.0ms    29.5ms    29.9ms    25.0ms    20.0ms    30.0ms

worst 5% / worst 1%: p95 / p99, or p05 / p01 where higher is better
peak_tasks: tasks placed on a node, pulling or held back too (what the scheduler reserved)
peak_running_tasks: tasks with a started container (the room the rollout ran in)
";
        assert_eq!(summary_table(&s), want, "\n{}", summary_table(&s));
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
    fn counts_and_cores() {
        assert_eq!(count(5.0), "5");
        assert_eq!(count(4.5), "4.50");
        assert_eq!(value(Unit::Cores, 3.5), "3.5");
        assert_eq!(value(Unit::Cores, 4.0), "4");
        assert_eq!(value(Unit::Cores, 3.4567), "3.457");
        assert_eq!(value(Unit::Milliseconds, 23.45), "23.4ms");
    }
}
