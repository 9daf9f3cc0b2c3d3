//! The fleet timeline against closed forms: where a rollout starts and ends, the floor a
//! stop-first rollout never goes below, and a lost node's tasks against the trial's
//! `min_ready` and its trace.

use super::yaml;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::experiment::fleet::FleetTimeline;
use rollout_sim::experiment::{Outcome, run_timelines};
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicBool;

const READY: usize = 0;
const AVAILABLE: usize = 1;
const RUNNING: usize = 2;
const CURRENT: usize = 0;
const NEXT: usize = 1;

fn swarm(replicas: u32, parallelism: u32, order: &str) -> String {
    format!(
        "horizon: 30m
cluster: {{nodes: 3, node: {{cpu: '8', memory: 16Gi}}}}
service:
  replicas: {replicas}
  resources: {{cpu: 500m, memory: 512Mi}}
  versions:
    current: {{image: a:1, shutdown: {{uniform: {{min: 200ms, max: 3s}}}}}}
    next:
      image: a:2
      pull: {{lognormal: {{median: 5s, p99: 25s}}}}
      start: {{uniform: {{min: 1s, max: 3s}}}}
      ready_after: {{lognormal: {{median: 4s, p99: 20s}}}}
  healthcheck: {{interval: 2s, timeout: 2s, retries: 3, start_period: 5m, start_interval: 1s}}
strategy:
  swarm:
    update_config: {{parallelism: {parallelism}, delay: 5s, monitor: 10s, order: {order}}}
"
    )
}

fn last(tl: &FleetTimeline) -> usize {
    tl.len() - 1
}

#[test]
fn a_completed_rollout_ends_with_every_replica_on_next() {
    for order in ["stop-first", "start-first"] {
        let s = yaml(&swarm(7, 3, order));
        let mut ws = Workspace::new(&s);
        for trial in 0..40 {
            let (r, tl) = ws.run_timeline(trial, SECOND);
            assert_eq!(r.outcome, Outcome::Completed);
            let f = &tl.fleet;
            // The last sample is at or after the outcome.
            assert!(last(f) as u64 * SECOND >= r.duration);
            assert_eq!(f.end, r.duration);
            for kind in [READY, AVAILABLE, RUNNING] {
                assert_eq!(f.get(last(f), kind, NEXT), 7, "{order} trial {trial}");
                assert_eq!(f.get(last(f), kind, CURRENT), 0, "{order} trial {trial}");
            }
        }
    }
}

#[test]
fn start_first_begins_with_every_replica_on_current() {
    // Start-first stops nothing before a new task runs, and a new task needs its pull and
    // start first: at the end of instant 0 the fleet is still the one the rollout found.
    let s = yaml(&swarm(5, 2, "start-first"));
    let mut ws = Workspace::new(&s);
    for trial in 0..40 {
        let f = ws.run_timeline(trial, 500 * SECOND / 1000).1.fleet;
        for kind in [READY, AVAILABLE, RUNNING] {
            assert_eq!(f.get(0, kind, CURRENT), 5);
            assert_eq!(f.get(0, kind, NEXT), 0);
        }
    }
}

fn kubernetes(surge: u32, unavailable: u32) -> String {
    format!(
        "horizon: 1h
cluster: {{nodes: 3, node: {{cpu: '4', memory: 8Gi}}}}
service:
  replicas: 10
  resources: {{cpu: 250m, memory: 256Mi}}
  versions:
    current: {{image: web:1.0, shutdown: 2s}}
    next:
      image: web:1.1
      pull: {{lognormal: {{median: 3s, p99: 15s}}}}
      start: {{uniform: {{min: 1s, max: 3s}}}}
      ready_after: {{lognormal: {{median: 4s, p99: 20s}}}}
  readinessProbe: {{periodSeconds: 2}}
strategy:
  kubernetes:
    strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: {surge}, maxUnavailable: {unavailable}}}}}
    minReadySeconds: 5
"
    )
}

#[test]
fn kubernetes_without_unavailability_begins_and_ends_whole() {
    let s = yaml(&kubernetes(1, 0));
    let mut ws = Workspace::new(&s);
    for trial in 0..20 {
        let (r, tl) = ws.run_timeline(trial, SECOND);
        assert_eq!(r.outcome, Outcome::Completed);
        let f = &tl.fleet;
        for kind in [READY, AVAILABLE, RUNNING] {
            assert_eq!(f.get(0, kind, CURRENT), 10);
            assert_eq!(f.get(0, kind, NEXT), 0);
            assert_eq!(f.get(last(f), kind, NEXT), 10);
            assert_eq!(f.get(last(f), kind, CURRENT), 0);
        }
    }
}

#[test]
fn kubernetes_never_has_fewer_than_replicas_minus_max_unavailable_available() {
    // The Deployment controller scales the old ReplicaSet down only as far as
    // `replicas − maxUnavailable` pods stay available (kubernetes/kubernetes
    // pkg/controller/deployment/rolling.go, reconcileOldReplicaSets); with maxSurge 0 it
    // goes down to exactly that.
    for unavailable in [1u32, 3] {
        let s = yaml(&kubernetes(0, unavailable));
        let stop = AtomicBool::new(false);
        let series = run_timelines(&s, 0..30, 250 * SECOND / 1000, &stop).unwrap();
        let floor = series
            .iter()
            .flat_map(|tl| (0..tl.fleet.len()).map(|i| tl.fleet.total(i, AVAILABLE)))
            .min();
        assert_eq!(floor, Some(10 - unavailable));
    }
}

#[test]
fn stop_first_never_has_fewer_than_replicas_minus_parallelism_ready() {
    // Swarm stop-first: each batch stops `parallelism` old tasks and waits for their
    // replacements before the next; with no failure the fleet serves at least
    // replicas − parallelism at every instant, and exactly that while a batch is in flight.
    for (replicas, p) in [(6u32, 2u32), (7, 3), (5, 1)] {
        let s = yaml(&swarm(replicas, p, "stop-first"));
        let stop = AtomicBool::new(false);
        let series = run_timelines(&s, 0..60, 250 * SECOND / 1000, &stop).unwrap();
        let mut floor = u32::MAX;
        for tl in &series {
            for i in 0..tl.fleet.len() {
                floor = floor.min(tl.fleet.total(i, READY));
                // Every running or ready task is of a version; none counted twice.
                assert!(tl.fleet.total(i, READY) <= tl.fleet.total(i, RUNNING));
                assert!(tl.fleet.total(i, RUNNING) <= replicas);
            }
        }
        assert_eq!(floor, replicas - p, "replicas {replicas}, parallelism {p}");
    }
}

#[test]
fn samples_never_show_fewer_ready_than_the_trials_min_ready() {
    // The timeline samples instants the `min_ready` gauge also reads, so no sample before
    // the outcome can be below it.
    let s = yaml(&swarm(6, 2, "stop-first"));
    let mut ws = Workspace::new(&s);
    for trial in 0..30 {
        let (r, tl) = ws.run_timeline(trial, 100 * SECOND / 1000);
        let f = &tl.fleet;
        let before_end = (0..f.len()).filter(|&i| i as u64 * f.tick < r.duration);
        let low = before_end.map(|i| f.total(i, READY)).min().unwrap();
        assert!(low >= r.min_ready, "trial {trial}: {low} < {}", r.min_ready);
    }
}

#[test]
fn the_bands_of_a_stop_first_run_as_written_by_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = format!(
        "{}/scenarios/swarm-stop-first.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    assert_cmd::Command::cargo_bin("rollout-sim")
        .unwrap()
        .args([
            "run",
            &scenario,
            "--trials",
            "100",
            "-q",
            "--timeline",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join("timeline.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|&h| h == name).unwrap();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|x| x.parse().unwrap()).collect())
        .collect();
    // 6 replicas, parallelism 2, stop-first: the band's minimum is 6 − 2, never less.
    let floor = rows
        .iter()
        .map(|r| r[col("ready_min")])
        .fold(f64::MAX, f64::min);
    assert_eq!(floor, 4.0);
    // Every trial completed: the last row has all six on next in every trial.
    let end = rows.last().unwrap();
    assert_eq!(end[col("ready_next_min")], 6.0);
    assert_eq!(end[col("ready_current_max")], 0.0);
    assert_eq!(end[col("trials")], 0.0);
    // Without traffic the tick is the smallest of the documented steps that cuts the
    // longest trial into at most 500: here 200ms (the longest lasts 50 s to 100 s).
    let csv = std::fs::read_to_string(dir.path().join("trials.csv")).unwrap();
    let longest = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().parse::<f64>().unwrap())
        .fold(0.0, f64::max);
    assert!((50.0..=100.0).contains(&longest), "{longest}");
    assert_eq!(rows[1][0], 0.2);
    // The row's time is printed from whole ticks: compare to within rounding (459 · 0.2
    // is 91.80000000000001 in f64, written 91.8).
    let last = (longest / 0.2).ceil() * 0.2;
    assert!((rows.last().unwrap()[0] - last).abs() < 1e-9, "{last}");
}

#[test]
fn the_rotation_of_a_row_is_read_after_its_instant_as_the_fleet_is() {
    // One replica, surge 1: the new pod's process runs at 1 s and answers from 5 s; its
    // readiness probes at 1, 4 and 7 s make it Ready at 7 s, when the old pod is deleted.
    // With a 2 s endpoint lag both rotation changes land at 9 s, so the row t = 9 s, read
    // at the end of that instant like the fleet columns, shows only the new pod.
    let s = yaml(
        "horizon: 1h
cluster: {nodes: 2, node: {cpu: '16', memory: 32Gi}, image_cached: [current, next]}
service:
  replicas: 1
  resources: {cpu: 100m, memory: 64Mi}
  versions:
    current: {image: w:1, shutdown: 1s}
    next: {image: w:2, start: 1s, ready_after: 4s, shutdown: 1s}
  readinessProbe: {periodSeconds: 3}
strategy:
  kubernetes:
    strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
traffic: {rps: 100, arrivals: constant, endpoint_propagation: 2s, duration: 60s, tick: 1s}
",
    );
    let mut ws = Workspace::new(&s);
    let (r, tl) = ws.run_timeline(0, SECOND);
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(r.duration, 7 * SECOND);
    // Fleet row t = 7 s: the new pod is Ready at the end of that instant.
    assert_eq!(tl.fleet.get(7, READY, NEXT), 1);
    assert_eq!(tl.fleet.get(6, READY, NEXT), 0);
    // Traffic row t (seconds) is bucket t − 1.
    let rotation = |t: usize| tl.traffic[t - 1].in_rotation.clone();
    assert_eq!(rotation(8), vec![1, 0]);
    assert_eq!(
        rotation(9),
        vec![0, 1],
        "changes at 9 s are in the row t = 9 s"
    );
    assert_eq!(rotation(10), vec![0, 1]);
    // The requests of the bucket (8 s, 9 s] met the rotation before the change.
    assert_eq!(tl.traffic[8].requests.iter().sum::<u64>(), 100);
}

fn example(name: &str) -> rollout_sim::scenario::Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    rollout_sim::scenario::load_file(&path, &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// Per sample time `i · tick` (`0 ..= end`), per version: tasks Ready on a node that is up,
/// tasks Running or Ready on a node that is up, and tasks Ready whatever their node (what
/// the Kubernetes API counts), replayed from the trial's trace alone.
fn replay(trace: &[TraceRecord], versions: usize, tick: u64, end: u64) -> Vec<[Vec<u32>; 3]> {
    let mut tasks: HashMap<u32, (usize, Option<u32>, TaskState)> = HashMap::new();
    let mut down: HashSet<u32> = HashSet::new();
    let mut records = trace.iter().peekable();
    let mut rows = Vec::new();
    for i in 0..=end.div_ceil(tick) {
        let at = i * tick;
        // The end of instant `at`: every record of it applied.
        while let Some(r) = records.next_if(|r| r.time() <= at) {
            match *r {
                TraceRecord::Task {
                    task,
                    version,
                    node,
                    state,
                    ..
                } => {
                    tasks.insert(task, (version as usize, node, state));
                }
                TraceRecord::Node { node, state, .. } => {
                    match state {
                        "lost" => down.insert(node),
                        "ready" => down.remove(&node),
                        _ => false, // noticed: the machine is still gone
                    };
                }
                _ => {}
            }
        }
        let mut row = [vec![0; versions], vec![0; versions], vec![0; versions]];
        for &(v, node, state) in tasks.values() {
            let up = node.is_none_or(|n| !down.contains(&n));
            row[0][v] += u32::from(state == TaskState::Ready && up);
            row[1][v] += u32::from(matches!(state, TaskState::Running | TaskState::Ready) && up);
            row[2][v] += u32::from(state == TaskState::Ready);
        }
        rows.push(row);
    }
    rows
}

/// Issue: the timeline counted a lost node's tasks as ready and running until the control
/// plane noticed (Kubernetes: ready until NotReady 50 s later, running for good; Swarm: ready
/// 15 s past the loss while `available` had dropped), so it disagreed with `min_ready`. Now
/// they leave `ready`, `ready_<version>` and `running` at the loss: the timeline's lowest
/// `ready` is `min_ready` of the same trial run without a timeline, and every row is what the
/// trace of the trial gives, task by task.
#[test]
fn a_lost_nodes_tasks_leave_ready_and_running_at_the_loss() {
    for (name, lost_at, kubernetes) in [
        ("k8s-node-loss.yaml", 20 * SECOND, true),
        ("swarm-node-loss.yaml", 15 * SECOND, false),
    ] {
        let s = example(name);
        let tick = s.traffic.as_ref().unwrap().tick;
        let plain = rollout_sim::experiment::run_trials(&s, 0..12);
        let mut ws = Workspace::new(&s);
        for r in &plain {
            let trial = r.trial;
            let (t, tl) = ws.run_timeline(trial, tick);
            assert_eq!((t.outcome, t.duration), (r.outcome, r.duration));
            let f = &tl.fleet;
            let before_end = (0..f.len()).filter(|&i| i as u64 * tick <= r.duration);
            let low = before_end.map(|i| f.total(i, READY)).min().unwrap();
            assert_eq!(
                low, r.min_ready,
                "{name} trial {trial}: timeline vs min_ready"
            );
            let (_, trace) = ws.run_traced(trial);
            let expected = replay(&trace, 2, tick, tl.fleet.end);
            assert_eq!(expected.len(), f.len(), "{name} trial {trial}");
            for (i, [ready, running, api_ready]) in expected.iter().enumerate() {
                let at = format!("{name} trial {trial} t = {}s", i as u64 * tick / SECOND);
                for v in [CURRENT, NEXT] {
                    assert_eq!(f.get(i, READY, v), ready[v], "ready, {at}");
                    assert_eq!(f.get(i, RUNNING, v), running[v], "running, {at}");
                    // Kubernetes' available is the API's (minReadySeconds 0: Ready, the
                    // lost node's pods until NotReady); Swarm's is its ready.
                    let available = if kubernetes { api_ready } else { ready };
                    assert_eq!(f.get(i, AVAILABLE, v), available[v], "available, {at}");
                }
            }
            // The node held serving tasks: the row of the loss already shows it.
            let i = (lost_at / tick) as usize;
            assert!(
                f.total(i, READY) < f.total(i - 1, READY),
                "{name} trial {trial}"
            );
            assert!(
                f.total(i, RUNNING) < f.total(i - 1, RUNNING),
                "{name} trial {trial}"
            );
        }
    }
}

/// The same through the binary: `timeline.csv` of `--timeline-trial K` against row K of the
/// run's `trials.csv`, the row of the loss against the one before, and for Swarm
/// `available` = `ready` in every row.
#[test]
fn timeline_trial_of_a_node_loss_reaches_the_min_ready_of_trials_csv() {
    for (name, swarm, lost_at) in [("k8s-node-loss", false, 20), ("swarm-node-loss", true, 15)] {
        let scenario = format!("{}/scenarios/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
        for k in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            assert_cmd::Command::cargo_bin("rollout-sim")
                .unwrap()
                .args(["run", &scenario, "--trials", "3", "-q", "--timeline-trial"])
                .arg(k.to_string())
                .arg("--out")
                .arg(dir.path())
                .assert()
                .success();
            let read = |file: &str| {
                let text = std::fs::read_to_string(dir.path().join(file)).unwrap();
                let mut lines = text.lines().map(|l| l.split(',').map(str::to_owned));
                let header: Vec<String> = lines.next().unwrap().collect();
                let rows: Vec<Vec<String>> = lines.map(Iterator::collect).collect();
                (header, rows)
            };
            let (th, trials) = read("trials.csv");
            let min_ready: u32 = trials[k][th.iter().position(|h| h == "min_ready").unwrap()]
                .parse()
                .unwrap();
            let (h, rows) = read("timeline.csv");
            let col = |row: &[String], name: &str| -> u32 {
                row[h.iter().position(|c| c == name).unwrap()]
                    .parse()
                    .unwrap()
            };
            let low = rows.iter().map(|r| col(r, "ready")).min().unwrap();
            assert_eq!(low, min_ready, "{name} trial {k}");
            // The rows tick every second (traffic.tick): the row of the loss already has
            // fewer tasks ready and running than the one before, long before the control
            // plane notices (Kubernetes: 50 s; Swarm: 15 s).
            let (before, at) = (&rows[lost_at - 1], &rows[lost_at]);
            assert_eq!(at[0], lost_at.to_string());
            for kind in ["ready", "running"] {
                assert!(
                    col(at, kind) < col(before, kind),
                    "{name} trial {k}: {kind}"
                );
            }
            for r in &rows {
                assert_eq!(
                    col(r, "ready"),
                    col(r, "ready_current") + col(r, "ready_next")
                );
                assert!(col(r, "ready") <= col(r, "running"), "{name} trial {k}");
                if swarm {
                    assert_eq!(col(r, "available"), col(r, "ready"), "{name} trial {k}");
                }
            }
        }
    }
}
