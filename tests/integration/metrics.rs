//! What the numbers mean: per-outcome durations, the bad tail, the blast radius, the
//! capacity counts, p95 latency and unevaluated checks, each against an independent
//! expectation (a closed form, an upstream rule or a count by hand over the rows).

use super::{trial, yaml};
use crate::support::bin;
use predicates::prelude::*;
use rollout_sim::experiment::{Outcome, TrialResult, run_trials};
use rollout_sim::output::{Summary, trials_csv};
use rollout_sim::scenario::{Override, Scenario, load_file};
use std::path::Path;

fn example(name: &str, overrides: &[&str]) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let sets: Vec<Override> = overrides.iter().map(|s| s.parse().unwrap()).collect();
    load_file(&path, &sets).unwrap_or_else(|e| panic!("{e}"))
}

fn durations(rows: &[TrialResult], outcome: Outcome) -> Vec<f64> {
    rows.iter()
        .filter(|r| r.outcome == outcome)
        .map(|r| r.duration as f64 / 1e6)
        .collect()
}

fn min(xs: &[f64]) -> f64 {
    xs.iter().copied().fold(f64::INFINITY, f64::min)
}

/// Issue: the default scenario's `duration_s` minimum was a rolled-back trial. The
/// per-outcome minimum of `completed` is the fastest *completed* trial, found by hand.
#[test]
fn default_scenario_durations_per_outcome() {
    let s = example("default.yaml", &[]);
    let rows = run_trials(&s, 0..300);
    let summary = Summary::from_rows(&s.name, s.seed, &rows);
    let completed = durations(&rows, Outcome::Completed);
    let rolled_back = durations(&rows, Outcome::RolledBack);
    assert!(!completed.is_empty() && !rolled_back.is_empty());
    let c = summary.of_outcome(Outcome::Completed).unwrap();
    assert_eq!(c.trials, completed.len() as u64);
    let c_min = c.metric("duration_s").unwrap().stats.min;
    assert_eq!(c_min, min(&completed));
    // The run's fastest trial is a rollback, and no rollback is in the completed figure.
    assert_eq!(
        summary.metric("duration_s").unwrap().stats.min,
        min(&rolled_back)
    );
    assert!(
        min(&rolled_back) < c_min,
        "{} vs {c_min}",
        min(&rolled_back)
    );
    let r = summary.of_outcome(Outcome::RolledBack).unwrap();
    assert_eq!(r.metric("duration_s").unwrap().stats.min, min(&rolled_back));
    assert_eq!(r.trials + c.trials, rows.len() as u64);
}

/// A release that behaves has no blast radius, whatever the rollout fails on the way.
/// Crashes at start (the default scenario's 2%) never reach the balancer: no request of
/// theirs fails because of the version either.
#[test]
fn a_good_release_and_start_crashes_have_no_bad_version_requests() {
    for sets in [&["service.versions.next.crash_probability=0"][..], &[][..]] {
        let rows = run_trials(&example("default.yaml", sets), 0..100);
        for r in &rows {
            let t = r.traffic.unwrap();
            assert_eq!(t.bad_version_requests, 0, "{sets:?} trial {}", r.trial);
        }
        let next: u64 = rows.iter().map(|r| r.traffic.unwrap().next_requests).sum();
        assert!(next > 100 * 10_000, "next served traffic: {next}");
    }
}

/// A next version answering every request with an error: every request it gets is a bad
/// version request, and nothing else is (the current version behaves).
#[test]
fn an_always_erroring_release_blasts_exactly_its_requests() {
    let s = yaml(
        "name: erroring
horizon: 10m
cluster: {nodes: 1, node: {cpu: '8', memory: 16Gi}}
service:
  replicas: 4
  versions:
    current: {image: app:1}
    next: {image: app:2, start: 1s, error_rate: 1.0}
strategy:
  swarm:
    update_config: {parallelism: 1, order: start-first, monitor: 5s}
traffic: {rps: 200, endpoint_propagation: 500ms}
",
    );
    for r in run_trials(&s, 0..20) {
        let t = r.traffic.unwrap();
        assert_eq!(r.outcome, Outcome::Completed);
        assert!(t.next_requests > 1000, "{}", t.next_requests);
        assert_eq!(t.bad_version_requests, t.next_requests, "trial {}", r.trial);
        assert_eq!(t.errored_requests, t.next_requests, "trial {}", r.trial);
    }
}

/// A version whose tasks die 20 s after starting, while serving (traffic measured for a
/// minute, past the rollout): the requests the balancer still sends to a dead task (until
/// `endpoint_propagation` takes it out) are refused because of the version. Each crash
/// costs about a second of its share of the traffic, here 100 rps split over 2 tasks.
#[test]
fn requests_to_a_crashed_task_in_rotation_are_the_versions_fault() {
    let s = yaml(
        "name: crashing
horizon: 3m
cluster: {nodes: 1, node: {cpu: '8', memory: 16Gi}}
service:
  replicas: 2
  versions:
    current: {image: app:1}
    next: {image: app:2, start: 1s, crash_after: 20s}
strategy:
  swarm:
    update_config: {parallelism: 1, order: start-first, monitor: 5s, failure_action: continue}
traffic: {rps: 100, arrivals: constant, endpoint_propagation: 1s, duration: 60s}
",
    );
    let r = trial(&s);
    let t = r.traffic.unwrap();
    // The tasks RUNNING at 1 s and 2 s complete the rollout at 7 s; they die at 21 s and
    // 22 s, their replacements (restart delay 5 s) at 47 s and 48 s: all past the outcome,
    // so no restart of the rollout's.
    assert_eq!(
        (r.outcome, r.duration, r.restarts),
        (Outcome::Completed, 7_000_000, 0)
    );
    let crashes = 4;
    assert_eq!(t.errored_requests + t.timed_out_requests, 0);
    assert!(t.bad_version_requests <= t.refused_requests);
    // 50 requests a crash, give or take the constant-arrival rounding and a crash whose
    // task was the only one in rotation (all 100 rps for that second).
    assert!(
        (50 * crashes..=100 * crashes + 1).contains(&t.bad_version_requests),
        "{} for {crashes} crashes",
        t.bad_version_requests
    );
}

fn update_failures_cell(r: &TrialResult) -> String {
    let csv = String::from_utf8(trials_csv(std::slice::from_ref(r))).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == "update_failures").unwrap();
    row[i].to_string()
}

/// Kubernetes has no count of update failures: the cell is empty, never 0; Swarm counts.
#[test]
fn update_failures_is_empty_for_kubernetes() {
    let k8s = trial(&example("k8s-rolling-default.yaml", &[]));
    assert_eq!(update_failures_cell(&k8s), "");
    let swarm = trial(&example("swarm-stop-first.yaml", &[]));
    assert_eq!(update_failures_cell(&swarm), "0");
    let rows = run_trials(&example("k8s-rolling-default.yaml", &[]), 0..5);
    let summary = Summary::from_rows("k8s", 1, &rows);
    assert!(summary.metric("update_failures").is_none());
}

/// Six replicas, two at a time. Stop-first starts a new task only once its old one has
/// exited, so at most `replicas` containers run; start-first runs `replicas + parallelism`.
/// Both reserve room for the new tasks while they pull (`peak_tasks` 8 in a roomy cluster).
#[test]
fn stop_first_runs_in_replicas_worth_of_room_start_first_needs_more() {
    for (order, running) in [("stop-first", 6), ("start-first", 8)] {
        let set = format!("strategy.swarm.update_config.order={order}");
        let rows = run_trials(&example("swarm-stop-first.yaml", &[&set]), 0..50);
        for r in &rows {
            assert_eq!(r.outcome, Outcome::Completed);
            assert_eq!(r.peak_running_tasks, running, "{order} trial {}", r.trial);
            assert_eq!(r.peak_tasks, 8, "{order} trial {}", r.trial);
        }
    }
}

/// A node with room for exactly `replicas` tasks: stop-first completes (its new task waits
/// Pending for the old one's room), start-first's first new task stays Pending and the
/// update hangs until the horizon (swarmkit has no timeout for a pending task).
#[test]
fn on_exactly_replicas_worth_of_room_stop_first_completes_start_first_hangs() {
    let text = |order: &str| {
        format!(
            "name: full
horizon: 15m
cluster: {{nodes: 1, node: {{cpu: '2', memory: 4Gi}}}}
service:
  replicas: 4
  resources: {{cpu: 500m, memory: 512Mi}}
  versions:
    current: {{image: worker:1.0}}
    next: {{image: worker:1.1, start: 2s}}
strategy:
  swarm:
    update_config: {{parallelism: 1, order: {order}}}
"
        )
    };
    let stop = trial(&yaml(&text("stop-first")));
    assert_eq!(stop.outcome, Outcome::Completed);
    assert_eq!((stop.peak_tasks, stop.peak_running_tasks), (4, 4));
    let start = trial(&yaml(&text("start-first")));
    assert_eq!(start.outcome, Outcome::Timeout);
    assert_eq!(start.duration, 15 * 60 * 1_000_000);
    assert_eq!(start.peak_tasks, 4, "the fifth task never gets a node");
}

/// No queueing (no `capacity_rps`): a served request's latency is its service time, so with
/// exponential service of mean m the p95 is m·ln 20 (and p50 m·ln 2, p99 m·ln 100).
/// Tolerance: a latency table is 16384 draws (relative sd of a quantile estimate
/// √(q(1 − q)/16384) / ((1 − q)·ln(1/(1 − q))): 1.1% at p50 and p95, 1.7% at p99) read
/// within its 7.5%-wide log bin: 7% covers 4 sd, and tells p95 from p90 (m·ln 10, 23%
/// lower) and p99 (54% higher).
#[test]
fn p95_latency_of_exponential_service_is_mean_ln_20() {
    let s = yaml(
        "name: latency
horizon: 10m
cluster: {nodes: 1, node: {cpu: '8', memory: 16Gi}}
service:
  replicas: 4
  versions:
    current: {image: app:1, service_time: {exponential: {mean: 40ms}}}
    next: {image: app:2, start: 1s, service_time: {exponential: {mean: 40ms}}}
strategy:
  swarm:
    update_config: {parallelism: 1, order: start-first}
traffic: {rps: 100}
",
    );
    let t = trial(&s).traffic.unwrap();
    let close = |got: f64, want: f64| (got / want - 1.0).abs() < 0.07;
    assert!(
        close(t.p95_latency_ms, 40.0 * 20f64.ln()),
        "{}",
        t.p95_latency_ms
    );
    assert!(
        close(t.p50_latency_ms, 40.0 * 2f64.ln()),
        "{}",
        t.p50_latency_ms
    );
    assert!(
        close(t.p99_latency_ms, 40.0 * 100f64.ln()),
        "{}",
        t.p99_latency_ms
    );
}

/// `checks:` are not evaluated by `run`: it says so on stderr, never silently.
#[test]
fn run_says_checks_are_not_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("checked.yaml");
    std::fs::write(
        &file,
        "name: checked
service: {replicas: 2, versions: {current: {image: a}, next: {image: b}}}
strategy: {swarm: {}}
checks: ['duration_s.p95 <= 0', 'outcome.completed == 0']
",
    )
    .unwrap();
    let out = dir.path().join("out");
    bin()
        .args(["run", "--trials", "3", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "note: 2 checks are not evaluated by `run`; run `rollout-sim check` to evaluate them",
        ));
    // Without checks, no note.
    bin()
        .args([
            "run",
            &format!(
                "{}/scenarios/swarm-stop-first.yaml",
                env!("CARGO_MANIFEST_DIR")
            ),
            "--trials",
            "3",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("check").not());
}

/// Traffic measured past the outcome (`traffic.duration`) keeps the cluster running, yet
/// the rollout's own counts stop at its outcome, `restarts` as the extremes do. One Swarm
/// replica replaced start-first by a version that crashes 20 s after its process starts
/// (restart delay 5 s): RUNNING at 1 s, monitor 5 s, completed at 6 s with no restart.
/// Over 60 s of traffic it crashes at 21 s and, restarted (RUNNING at 27 s), again at
/// 47 s: those 2 × 100 requests refused by a dead container still in rotation (lag 1 s)
/// are in the blast radius, but the restarts happened after the rollout.
#[test]
fn restarts_after_the_outcome_are_not_the_rollouts() {
    let s = |duration: &str| {
        yaml(&format!(
            r#"
cluster: {{image_cached: [current, next]}}
service:
  replicas: 1
  versions:
    current: {{shutdown: 1s}}
    next: {{start: 1s, crash_after: 20s, shutdown: 1s}}
  restart: {{delay: 5s}}
strategy: {{swarm: {{update_config: {{monitor: 5s, order: start-first}}}}}}
traffic: {{rps: 100, arrivals: constant, endpoint_propagation: 1s{duration}}}
"#
        ))
    };
    let (long, short) = (trial(&s(", duration: 60s")), trial(&s("")));
    for r in [&long, &short] {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 6_000_000));
        assert_eq!(r.restarts, 0);
    }
    let t = long.traffic.unwrap();
    assert_eq!((t.requests, t.bad_version_requests), (6000, 200));
    assert_eq!(short.traffic.unwrap().bad_version_requests, 0);
}
