//! The summary table: exact text, the interval line under each metric, the rows shown
//! only when they say something, the pending block.

use super::*;
use crate::cluster::placer::{PendingReason, PendingReasons, Scheduler};
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
            pending: PendingReasons::new(Scheduler::Swarm),
            verdict: None,
            drains: None,
            nodes_added: None,
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
            drains: None,
            nodes_added: None,
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
