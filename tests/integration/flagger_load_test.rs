//! Flagger load tests as a user runs them: `scenarios/flagger-blue-green.yaml`, a
//! blue/green analysis whose canary sees only the flagger-loadtester's `hey` requests
//! (`fluxcd/flagger@15bd6ad`, v1.44.0: `pkg/controller/scheduler.go:runAnalysis`,
//! `pkg/loadtester/server.go:HandleNewTask`, `pkg/loadtester/runner.go:runAll`).

use crate::support::{FIXED_NEXT, Row, field, run_trials};

/// Run the example with `args` (and the fixed latencies); every trial's row, and the trace
/// of trial 0.
fn run(args: &[&str]) -> (Vec<Row>, String) {
    let t = run_trials(
        "flagger-blue-green.yaml",
        &[&FIXED_NEXT[..], args].concat(),
        true,
    );
    (t.rows, t.trace)
}

/// The ticks' instants with a load test started, from the trace.
fn load_test_starts(trace: &str) -> Vec<f64> {
    trace
        .lines()
        .filter(|l| l.contains("\"state\":\"load_test\""))
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["t"].as_f64().unwrap()
        })
        .collect()
}

/// The bad release: the first check (2 min) has no canary request yet (the load test
/// starts with it), the second (3 min) reads the load test's 5 % errors; threshold 2:
/// rolled back at 4 min, detected, and no user reached the canary. The users' columns
/// leave the load test's 1,200 requests a minute out: with constant arrivals they are
/// exactly 50 a second over the 240 s.
#[test]
fn a_bad_release_is_caught_by_the_load_test_at_four_minutes_with_no_user_exposed() {
    let (rows, trace) = run(&["--trials", "20", "--set", "traffic.arrivals=constant"]);
    for row in &rows {
        assert_eq!(field(row, "outcome"), "rolled_back");
        assert_eq!(field(row, "duration_s"), "240");
        assert_eq!(field(row, "detected"), "1");
        assert_eq!(field(row, "bad_release_requests"), "0");
        assert_eq!(field(row, "next_requests"), "0");
        assert_eq!(field(row, "requests"), "12000");
    }
    assert_eq!(load_test_starts(&trace), [120.0, 180.0]);
    let checks: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("failed_check"))
        .collect();
    assert_eq!(checks.len(), 2, "{checks:?}");
    assert!(checks[0].starts_with("{\"t\":120.0,"), "{checks:?}");
    assert!(checks[1].starts_with("{\"t\":180.0,"), "{checks:?}");
}

/// A good release: the first check fails for lack of data, every later one passes on the
/// load test's requests; 10 iterations, all traffic to the canary, promotion, traffic
/// back, canary scaled down: 15 min. With `threshold: 1` that first check rolls every
/// release back at 3 min.
#[test]
fn a_good_release_completes_at_fifteen_minutes_and_threshold_one_never_passes() {
    let good = ["--set", "service.versions.next.error_rate=0.001"];
    let (rows, trace) = run(&[&good[..], &["--trials", "20"]].concat());
    for row in &rows {
        assert_eq!(field(row, "outcome"), "completed");
        assert_eq!(field(row, "duration_s"), "900");
    }
    // A load test at every analysis from 2 min up to the promotion at 13 min.
    let expected: Vec<f64> = (2..=13).map(|m| 60.0 * m as f64).collect();
    assert_eq!(load_test_starts(&trace), expected);
    let one = [
        "--set",
        "strategy.flagger.analysis.threshold=1",
        "--trials",
        "5",
    ];
    let (rows, _) = run(&[&good[..], &one[..]].concat());
    for row in &rows {
        assert_eq!(field(row, "outcome"), "rolled_back");
        assert_eq!(field(row, "duration_s"), "180");
        assert_eq!(field(row, "false_rollback"), "1");
    }
}

/// The task runner does not start a command that still runs (`runner.go:runAll`): a
/// 2-minute `hey` POSTed every minute runs at 2, 4, 6 … min, not at every tick.
#[test]
fn a_load_test_still_running_is_not_started_again() {
    let (_, trace) = run(&[
        "--trials",
        "1",
        "--set",
        "service.versions.next.error_rate=0.001",
        "--set",
        "strategy.flagger.analysis.webhooks.0.metadata.cmd=hey -z 2m -q 10 -c 2 http://web-canary.prod:8080/",
    ]);
    let expected: Vec<f64> = [2, 4, 6, 8, 10, 12].map(|m| 60.0 * m as f64).to_vec();
    assert_eq!(load_test_starts(&trace), expected);
}

/// The load test shares the canary pods' queues with the users: at 10–50 % weight (a
/// progressive canary) 1 to 5 user requests a second and 20 load-test requests a second
/// over 10 pods that each serve 1.5 a second overload them, so users routed to the canary
/// are dropped; without the load test the same pods carry the users alone (at most 1 a
/// second each, after the promotion), with no drop.
#[test]
fn the_load_test_loads_the_pods_the_users_reach() {
    let progressive = [
        "--set",
        "strategy.flagger.analysis.iterations=null",
        "--set",
        "strategy.flagger.analysis.stepWeight=10",
        "--set",
        "strategy.flagger.analysis.maxWeight=50",
        "--set",
        "service.versions.next.capacity_rps=1.5",
        "--set",
        "traffic.rps=10",
        "--set",
        "service.versions.next.error_rate=0",
        "--trials",
        "5",
    ];
    let (loaded, _) = run(&progressive);
    let none = ["--set", "strategy.flagger.analysis.webhooks=[]"];
    let (quiet, _) = run(&[&progressive[..], &none[..]].concat());
    let dropped = |rows: &[Row]| -> u64 {
        rows.iter()
            .map(|r| field(r, "dropped_requests").parse::<u64>().unwrap())
            .sum()
    };
    assert!(dropped(&loaded) > 100, "{}", dropped(&loaded));
    assert_eq!(dropped(&quiet), 0);
}

/// A run is cut at the promotion: a canary promoted at the analysis that starts its first
/// load test (stepWeight 50 to maxWeight 50) never has it send, so every trial's row is
/// that of the same Canary without the load test, even with the canary's pods near
/// their capacity, where the load test's 20 requests a second would drop users' ones.
#[test]
fn a_load_test_is_cut_at_the_promotion() {
    let promoted_at_once = [
        "--set",
        "strategy.flagger.analysis.iterations=null",
        "--set",
        "strategy.flagger.analysis.stepWeight=50",
        "--set",
        "strategy.flagger.analysis.maxWeight=50",
        "--set",
        "service.versions.next.capacity_rps=3",
        "--set",
        "service.versions.next.error_rate=0.001",
        "--set",
        "strategy.flagger.analysis.webhooks.0.metadata.cmd=hey -z 10m -q 10 -c 2 http://web-canary.prod:8080/",
        "--trials",
        "5",
    ];
    let (loaded, trace) = run(&promoted_at_once);
    assert_eq!(load_test_starts(&trace), [120.0]);
    let none = ["--set", "strategy.flagger.analysis.webhooks=[]"];
    let (quiet, _) = run(&[&promoted_at_once[..], &none[..]].concat());
    assert_eq!(loaded, quiet);
    assert!(
        loaded
            .iter()
            .all(|r| field(r, "outcome") == "completed" && field(r, "duration_s") == "240")
    );
}

/// A `pre-rollout` webhook handing the task runner the same `hey` at the first tick
/// (`scheduler_hooks.go:runPreRolloutHooks`, before any check) fills the first check's
/// window: with `threshold: 1` a good release no longer fails its first check and is
/// promoted, completing at 14 min (without it, rolled back at 3 min). The warm-up starts
/// at 1 min, the `rollout` load tests from 2 min (the warm-up has ended by then, so the
/// task runner starts the same command again).
#[test]
fn a_pre_rollout_load_test_gives_the_first_check_its_values() {
    let warm = "strategy.flagger.analysis.webhooks=[\
        {name: warm-up, type: pre-rollout, url: \"http://flagger-loadtester.prod/\", \
         metadata: {cmd: \"hey -z 1m -q 10 -c 2 http://web-canary.prod:8080/\"}}, \
        {name: load-test, url: \"http://flagger-loadtester.prod/\", \
         metadata: {cmd: \"hey -z 1m -q 10 -c 2 http://web-canary.prod:8080/\"}}]";
    let good = [
        "--set",
        "strategy.flagger.analysis.threshold=1",
        "--set",
        "service.versions.next.error_rate=0.001",
        "--trials",
        "10",
    ];
    let (rows, trace) = run(&[&good[..], &["--set", warm][..]].concat());
    for row in &rows {
        assert_eq!(field(row, "outcome"), "completed");
        assert_eq!(field(row, "duration_s"), "840");
    }
    assert_eq!(&load_test_starts(&trace)[..3], [60.0, 120.0, 180.0]);
    let (rows, _) = run(&good);
    for row in &rows {
        assert_eq!(field(row, "outcome"), "rolled_back");
        assert_eq!(field(row, "duration_s"), "180");
    }
}

/// Flagger's Kubernetes blue/green tutorial runs on the `kubernetes` provider
/// (`pkg/router/nop.go`: no router, the apex Service on the primary's pods): the same
/// ticks as Istio's, a good release completing at 15 min, but no minute of every user on
/// the canary after the last iteration (`runBlueGreen` routes nothing), so at least 50 × 59
/// fewer requests reach the new version (the switch's write is in force 1 s after 12 min).
#[test]
fn the_kubernetes_provider_keeps_the_users_off_the_canary() {
    let good = [
        "--set",
        "service.versions.next.error_rate=0.001",
        "--set",
        "traffic.arrivals=constant",
        "--trials",
        "5",
    ];
    let kubernetes = ["--set", "strategy.flagger.provider=kubernetes"];
    let (mesh, mesh_trace) = run(&good);
    let (bare, bare_trace) = run(&[&good[..], &kubernetes[..]].concat());
    for (m, b) in mesh.iter().zip(&bare) {
        assert_eq!(field(b, "outcome"), "completed");
        assert_eq!(field(b, "duration_s"), field(m, "duration_s"));
        assert_eq!(field(b, "duration_s"), "900");
        let next = |r: &Row| -> u64 { field(r, "next_requests").parse().unwrap() };
        assert!(next(m) >= next(b) + 50 * 59, "{} {}", next(m), next(b));
    }
    assert!(mesh_trace.contains("canary weight 100"));
    assert!(!bare_trace.contains("canary weight"));
}
