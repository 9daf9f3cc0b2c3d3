//! The table of columns: contract order, unique names, each column's cell of a row, its
//! direction; and [`sample_row`], the trial every output test starts from.

use super::*;
use crate::cluster::placer::{PendingReasons, Scheduler};
use crate::result::Outcome;
use crate::sim::time::SECOND;

/// A trial with traffic and every field distinct, shared by the output tests.
pub(crate) fn sample_row() -> TrialResult {
    TrialResult {
        trial: 3,
        seed: 42,
        outcome: Outcome::RolledBack,
        duration: 130_123_456,
        min_ready: 4,
        min_available: 3,
        peak_tasks: 8,
        peak_cpu_millis: 4_500,
        peak_memory_bytes: 4 * 512 * 1024 * 1024,
        traffic: Some(TrafficResult {
            requests: 2_000,
            failed_requests: 5,
            p99_latency_ms: 23.5,
            bad_version_requests: 120,
            refused_requests: 3,
            timed_out_requests: 0,
            errored_requests: 1,
            dropped_requests: 1,
            p50_latency_ms: 12.25,
            next_requests: 500,
            slo_violation: Some(20 * SECOND),
            p95_latency_ms: 21.75,
            bad_release_requests: Some(110),
        }),
        restarts: 2,
        update_failures: 1,
        deadline_exceeded_at: Some(600 * SECOND),
        events: 1_234,
        update_failures_modelled: true,
        peak_running_tasks: 7,
        event_budget_exceeded: false,
        pending: {
            let mut p = PendingReasons::new(Scheduler::Swarm);
            p.insert(PendingReason::Affinity);
            p
        },
        verdict: Some(crate::result::Verdict {
            bad: true,
            aborted: true,
            time_to_detect: Some(95_500_000),
            dry_run_failed: Some(true),
        }),
        drains: Some(crate::cluster::node_drain::DrainResult {
            longest: 75_500_000,
            unfinished: 1,
        }),
        nodes_added: Some(2),
    }
}

/// `n` trials of a bad release ([`sample_row`] otherwise, completed), the first `caught`
/// of them aborted by the analysis a minute in: the rows a detection verdict is read from.
pub(crate) fn bad_release_rows(n: u64, caught: u64) -> Vec<TrialResult> {
    (0..n)
        .map(|i| TrialResult {
            trial: i,
            outcome: Outcome::Completed,
            verdict: Some(crate::result::Verdict {
                bad: true,
                aborted: i < caught,
                time_to_detect: (i < caught).then_some(60 * SECOND),
                dry_run_failed: None,
            }),
            ..sample_row()
        })
        .collect()
}

fn cells(row: &TrialResult) -> Vec<String> {
    COLUMNS.iter().map(|c| c.cell(row).to_string()).collect()
}

#[test]
fn contract_columns_come_first_in_contract_order() {
    let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
    assert_eq!(
        names[..CONTRACT_COLUMNS],
        [
            "trial",
            "seed",
            "outcome",
            "duration_s",
            "min_ready",
            "min_available",
            "peak_tasks",
            "peak_cpu",
            "peak_memory",
            "requests",
            "failed_requests",
            "availability",
            "p99_latency_ms",
            "restarts",
            "bad_version_requests",
        ]
    );
    assert_eq!(
        names[CONTRACT_COLUMNS..],
        [
            "update_failures",
            "deadline_exceeded_s",
            "events",
            "refused_requests",
            "timed_out_requests",
            "errored_requests",
            "dropped_requests",
            "p50_latency_ms",
            "next_requests",
            "next_share",
            "slo_violation_s",
            "p95_latency_ms",
            "peak_running_tasks",
            "event_budget_exceeded",
            "pending_resources",
            "pending_affinity",
            "pending_taint",
            "pending_spread",
            "pending_max_replicas_per_node",
            "pending_node_down",
            "detected",
            "time_to_detect_s",
            "false_rollback",
            "bad_release_requests",
            "dry_run_detected",
            "dry_run_false_rollback",
            "pending_unschedulable",
            "drain_s",
            "drains_unfinished",
            "pending_host_port",
            "pending_anti_affinity",
            "nodes_added",
        ]
    );
}

#[test]
fn column_names_are_unique() {
    for (i, c) in COLUMNS.iter().enumerate() {
        assert_eq!(column(c.name).map(|f| f.name), Some(c.name));
        assert!(COLUMNS[..i].iter().all(|d| d.name != c.name), "{}", c.name);
    }
}

#[test]
fn cells_of_a_full_row() {
    assert_eq!(
        cells(&sample_row()),
        [
            "3",
            "42",
            "rolled_back",
            "130.123456",
            "4",
            "3",
            "8",
            "4.5",
            "2147483648",
            "2000",
            "5",
            "0.9975",
            "23.5",
            "2",
            "120",
            "1",
            "600",
            "1234",
            "3",
            "0",
            "1",
            "1",
            "12.25",
            "500",
            "0.25",
            "20",
            "21.75",
            "7",
            "0",
            "0",
            "1",
            "",
            "",
            "0",
            "0",
            "1",
            "95.5",
            "",
            "110",
            "1",
            "",
            "0",
            "75.5",
            "1",
            "0",
            "",
            "2",
        ]
    );
}

#[test]
fn unmodelled_values_are_empty_never_zero() {
    let row = TrialResult {
        traffic: None,
        deadline_exceeded_at: None,
        update_failures_modelled: false,
        ..sample_row()
    };
    let c = cells(&row);
    for name in [
        "requests",
        "failed_requests",
        "availability",
        "p99_latency_ms",
        "bad_version_requests",
        "update_failures",
        "deadline_exceeded_s",
        "p95_latency_ms",
        "bad_release_requests",
    ] {
        let i = COLUMNS.iter().position(|c| c.name == name).unwrap();
        assert_eq!(c[i], "", "{name}");
    }
    // Traffic with no request at all: counts are 0, availability is undefined.
    let idle = TrialResult {
        traffic: Some(TrafficResult {
            p99_latency_ms: f64::NAN,
            ..TrafficResult::default()
        }),
        ..sample_row()
    };
    assert_eq!(column("requests").unwrap().cell(&idle), Cell::Int(0));
    assert_eq!(column("availability").unwrap().cell(&idle), Cell::Empty);
    assert_eq!(column("p99_latency_ms").unwrap().cell(&idle), Cell::Empty);
}

/// Availability is the share served, rounded once: 7 failed of 100 is `0.93`, where
/// `1 − 7/100` writes `0.9299999999999999`.
#[test]
fn availability_is_written_without_float_noise() {
    let text = |requests: u64, failed_requests: u64| {
        let row = TrialResult {
            traffic: Some(TrafficResult {
                requests,
                failed_requests,
                ..TrafficResult::default()
            }),
            ..sample_row()
        };
        column("availability").unwrap().cell(&row).to_string()
    };
    assert_eq!(text(100, 7), "0.93");
    assert_eq!(text(100, 90), "0.1");
    assert_eq!(text(2_000, 5), "0.9975");
    assert_eq!(text(3, 0), "1");
}

/// The direction of each metric is what a planner means by "worse": fewer serving
/// tasks or requests served is worse, longer, costlier or more failures is worse.
#[test]
fn every_metric_has_the_direction_a_planner_means() {
    let better = |name: &str| column(name).unwrap().better;
    for name in ["availability", "min_ready", "min_available"] {
        assert_eq!(better(name), Better::Higher, "{name}");
    }
    for name in [
        "duration_s",
        "peak_tasks",
        "peak_cpu",
        "peak_memory",
        "peak_running_tasks",
        "failed_requests",
        "p50_latency_ms",
        "p95_latency_ms",
        "p99_latency_ms",
        "restarts",
        "bad_version_requests",
        "bad_release_requests",
        "update_failures",
        "refused_requests",
        "timed_out_requests",
        "errored_requests",
        "dropped_requests",
        "slo_violation_s",
    ] {
        assert_eq!(better(name), Better::Lower, "{name}");
    }
    // Load and bookkeeping columns have no good direction.
    for name in ["requests", "next_requests", "next_share", "events"] {
        assert_eq!(better(name), Better::Neither, "{name}");
    }
}

#[test]
fn metrics_are_every_column_but_trial_seed_outcome() {
    let skipped: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| !c.is_metric())
        .map(|c| c.name)
        .collect();
    assert_eq!(skipped, ["trial", "seed", "outcome"]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Millicores print exactly as cores.
        #[test]
        fn cores_print_exactly(m in 0u64..1_000_000_000) {
            let row = TrialResult { peak_cpu_millis: m, ..sample_row() };
            let got = column("peak_cpu").unwrap().cell(&row).to_string();
            let want = {
                let (c, f) = (m / 1000, m % 1000);
                if f == 0 { c.to_string() }
                else { format!("{c}.{f:03}").trim_end_matches('0').to_string() }
            };
            prop_assert_eq!(got, want);
        }
    }
}
