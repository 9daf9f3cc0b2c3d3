//! The event model's own guarantees: chains of instant steps run by iteration (no input
//! can overflow the stack), and the fleet before the rollout is not started again.

use crate::yaml;
use rollout_sim::experiment::Outcome;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;

/// Issue 16's stack overflow: a full cluster, every slot updated at once, old tasks that
/// take ≈11 s to stop and a next version that crashes on start one time in ten. Each exit
/// frees a slot for a pending task that starts and crashes in the same instant, freeing
/// the slot again: before the worklist, about one trial in a hundred recursed ~130,000
/// frames deep (the placed task was still in the pending queue and was placed again).
const CASCADE: &str = "
name: zero-step-cascade
seed: 1
horizon: 30m
cluster: {nodes: 3, node: {cpu: '2', memory: 4Gi}}
service:
  replicas: 6
  resources: {cpu: '1', memory: 512Mi}
  versions:
    current: {image: shop:2.3, shutdown: {exponential: {mean: 11s}}}
    next: {image: shop:2.4, crash_probability: 0.1}
strategy: {swarm: {update_config: {parallelism: 0}}}
";

#[test]
fn a_crash_on_start_cascade_runs_every_trial_on_a_small_stack() {
    // 256 KiB is an eighth of a test thread's default stack: a chain of instant steps that
    // recursed would overflow it long before 300 trials.
    let done = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let s = yaml(CASCADE);
            let mut ws = Workspace::new(&s);
            (0..300).map(|k| ws.run(k)).collect::<Vec<_>>()
        })
        .expect("thread spawns")
        .join()
        .expect("no trial panics");
    assert_eq!(done.len(), 300);
    for r in &done {
        // The cluster holds exactly 6 tasks of 1 cpu: a task placed twice would show here.
        assert!(
            r.peak_tasks <= 6,
            "trial {}: {} tasks",
            r.trial,
            r.peak_tasks
        );
        assert!(r.peak_cpu_millis <= 6000, "trial {}", r.trial);
        assert_ne!(r.outcome, Outcome::Timeout, "trial {}", r.trial);
    }
}

#[test]
fn the_fleet_before_the_rollout_is_not_started_again() {
    // `crash_probability` is the chance that a *start* crashes; the current fleet is
    // already running at time 0, so it never draws it: no restart, no extra task, and the
    // fleet spread evenly (2 a node) as a placement of 6 equal tasks on 3 nodes must be.
    let s = yaml(
        "
name: crashy-current
seed: 3
horizon: 30m
cluster: {nodes: 3, node: {cpu: '2', memory: 4Gi}}
service:
  replicas: 6
  resources: {cpu: 500m, memory: 512Mi}
  versions:
    current: {image: a:1, crash_probability: 1}
    next: {image: a:2, start: 1s}
strategy: {swarm: {update_config: {parallelism: 1}}}
",
    );
    let mut ws = Workspace::new(&s);
    for k in 0..50 {
        let (r, trace) = ws.run_traced(k);
        assert_eq!(r.outcome, Outcome::Completed, "trial {k}");
        assert_eq!(r.restarts, 0, "trial {k}");
        // stop-first, parallelism 1: at most the 6 slots' tasks hold resources at once.
        assert_eq!(r.peak_tasks, 6, "trial {k}");
        let mut per_node = std::collections::HashMap::new();
        for rec in trace.iter().take(6) {
            if let rollout_sim::cluster::TraceRecord::Task { node, .. } = rec {
                *per_node.entry(*node).or_insert(0) += 1;
            }
        }
        assert!(
            per_node.values().all(|&n| n == 2),
            "trial {k}: {per_node:?}"
        );
    }
}

/// A replacement that crashes on start, restarted with no delay, by an updater that
/// ignores failures: task after task in one instant, time never moves. Without the event
/// budget this never returned.
const RESTART_LOOP: &str = "
name: restart-loop
seed: 1
horizon: 30m
cluster: {nodes: 3, node: {cpu: '2', memory: 4Gi}}
service:
  replicas: 6
  resources: {cpu: 500m, memory: 512Mi}
  restart: {delay: 0s}
  versions:
    current: {image: a:1}
    next: {image: a:2, crash_probability: 1}
strategy: {swarm: {update_config: {parallelism: 1, failure_action: continue}}}
";

#[test]
fn a_loop_that_never_lets_time_move_stops_at_the_event_budget() {
    let s = yaml(RESTART_LOOP);
    // The documented formula: 100,000 + 10 × (6 replicas + 3 nodes) × 1,800 one-second
    // periods of the 30-minute horizon.
    let budget = 100_000 + 10 * 9 * 1_800;
    assert_eq!(rollout_sim::trial::event_budget(&s), budget);
    let mut ws = Workspace::new(&s);
    for k in 0..3 {
        let r = ws.run(k);
        assert!(r.event_budget_exceeded, "trial {k}");
        assert_eq!(r.outcome, Outcome::Timeout, "trial {k}");
        assert_eq!(r.duration, 0, "trial {k}: stopped where it looped");
        // Each restart is one new task and one instant step: the budget bounds both.
        assert!(u64::from(r.restarts) <= budget, "trial {k}");
        assert!(u64::from(r.restarts) > budget / 2, "trial {k}");
        // It popped no event: `events` shows the work that stopped it, one unit over.
        assert_eq!(r.events, budget + 1, "trial {k}");
    }
}

/// The audit's restart loop: a next version that crashes on start, restarted with no
/// delay, over a 1000-hour horizon, whose work budget is the cap of 50 million. Each
/// restart costs one zero-length step and leaves one more task record, kept for the whole
/// trial: before the task budget a trial kept 50 million of them (7.1 GB at peak, 10 s).
const LONG_RESTART_LOOP: &str = "
name: long-restart-loop
horizon: 1000h
service: {versions: {current: {}, next: {crash_probability: 1}}, restart: {delay: 0s}}
strategy: {swarm: {update_config: {failure_action: continue}}}
";

#[test]
fn a_restart_loop_stops_at_the_task_budget_with_its_records_bounded() {
    use rollout_sim::trial::{EVENT_BUDGET_CAP, TASK_BUDGET, event_budget};
    let s = yaml(LONG_RESTART_LOOP);
    assert_eq!(event_budget(&s), EVENT_BUDGET_CAP);
    let budget = TASK_BUDGET as usize;
    let mut ws = Workspace::new(&s);
    for k in 0..2 {
        let r = ws.run(k);
        assert!(r.event_budget_exceeded, "trial {k}");
        assert_eq!(r.outcome, Outcome::Timeout, "trial {k}");
        assert_eq!(r.duration, 0, "trial {k}: stopped where it looped");
        // The serving task, the update's task and the restarts: the one over the budget
        // stopped the trial at once.
        let (created, room) = ws.task_records();
        assert_eq!(created, budget + 1, "trial {k}");
        assert_eq!(r.restarts as usize, created - 2, "trial {k}");
        // The records' buffer, kept for the worker's next trials, stays in proportion.
        assert!(room < 2 * budget, "trial {k}: room for {room} tasks");
        // The work it did (a step a restart), where it popped no event: far below the
        // work budget, and not 0.
        assert!(r.events > u64::from(r.restarts), "trial {k}: {}", r.events);
        assert!(r.events < 2 * budget as u64, "trial {k}: {}", r.events);
    }
}

/// A paused Deployment's sync shares `replicas + maxSurge − Σ spec` out over its active
/// ReplicaSets (`sync.go` `scale`), so a `maxSurge` of a billion puts a billion replicas on
/// the new ReplicaSet at the pause. The ReplicaSet stops creating pods at the task budget
/// and the trial ends there, as over its budget, where it used to create them all (15 GB
/// and minutes for one trial).
const PAUSED_HUGE_SURGE: &str = "
name: paused-huge-surge
horizon: 10m
cluster: {nodes: 3, node: {cpu: '4', memory: 8Gi}}
service:
  replicas: 10
  resources: {cpu: 250m, memory: 256Mi}
  versions: {current: {}, next: {pull: 1m}}
strategy:
  kubernetes:
    strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1000000000, maxUnavailable: 0}}
actions: [{at: 30s, rollout: pause}]
";

#[test]
fn a_replica_set_scaled_past_the_task_budget_stops_there() {
    use rollout_sim::trial::TASK_BUDGET;
    let s = yaml(PAUSED_HUGE_SURGE);
    let mut ws = Workspace::new(&s);
    let r = ws.run(0);
    assert!(r.event_budget_exceeded);
    assert_eq!(r.outcome, Outcome::Timeout);
    // Stopped in a paused sync, before the 10-minute horizon.
    assert!(
        (30 * SECOND..10 * 60 * SECOND).contains(&r.duration),
        "{}",
        r.duration
    );
    let (created, room) = ws.task_records();
    assert_eq!(created, TASK_BUDGET as usize + 1);
    assert!(room < 2 * TASK_BUDGET as usize, "room for {room} tasks");
}

#[test]
fn the_warning_is_counted_in_summary_json_and_the_table() {
    let s = yaml(RESTART_LOOP);
    let mut ws = Workspace::new(&s);
    let mut rows: Vec<_> = (0..2).map(|k| ws.run(k)).collect();
    // A normal trial beside them: the count is of flagged trials only.
    let ok = yaml(CASCADE);
    rows.push(Workspace::new(&ok).run(0));
    let summary = rollout_sim::output::summary::Summary::from_rows("x", 1, &rows);
    let json: serde_json::Value = serde_json::from_slice(&summary.to_json()).unwrap();
    assert_eq!(json["warnings"]["event_budget_exceeded"], 2);
    let table = rollout_sim::output::table::summary_table(&summary);
    assert!(
        table.contains("warning: 2 trials exceeded the event budget"),
        "{table}"
    );
    let clean = rollout_sim::output::summary::Summary::from_rows("x", 1, &rows[2..]);
    assert!(!rollout_sim::output::table::summary_table(&clean).contains("warning"));
}

#[test]
fn a_rollout_that_lets_time_move_never_meets_its_budget() {
    // Every example scenario, 50 trials each: no trial comes near its budgets.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let s = rollout_sim::scenario::load_file(&path, &[]).unwrap();
        let budget = rollout_sim::trial::event_budget(&s);
        let mut ws = Workspace::new(&s);
        for k in 0..50 {
            let r = ws.run(k);
            assert!(!r.event_budget_exceeded, "{}", path.display());
            assert!(r.events * 100 < budget, "{}: {}", path.display(), r.events);
            let tasks = ws.task_records().0;
            let task_budget = rollout_sim::trial::TASK_BUDGET as usize;
            assert!(tasks * 1000 < task_budget, "{}: {tasks}", path.display());
        }
        seen += 1;
    }
    assert!(seen >= 10);
}

/// Found by the random scenarios (`PROPTEST_RNG_SEED=20261209`, a blue-green with a 2 ms
/// `scan_interval`): the autoscaler's loop turns once an interval for as long as a pod
/// waits for the node it asked for, and the budget counted 1 s periods only, so a valid
/// scenario stopped as `timeout`, over its budget. Here the surge pod of a full one-node
/// pool waits 5 minutes for its node while the loop turns every millisecond: 300,000
/// turns, where the old budget was 100,000 + 10 × (2 replicas + 1 node) × 600 = 118,000.
#[test]
fn an_autoscaler_loop_of_a_millisecond_stays_within_the_budget() {
    let s = yaml(
        "
horizon: 10m
cluster:
  nodes: 1
  node: {cpu: '2', memory: 4Gi}
  autoscaler: {max_nodes: 3, provision: 5m, scan_interval: 1ms}
service:
  replicas: 2
  resources: {cpu: '1', memory: 1Gi}
  versions: {current: {}, next: {}}
strategy:
  kubernetes:
    strategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}
    progressDeadlineSeconds: never
",
    );
    // The documented formula with 1 ms periods, the nodes the autoscaler may add counted:
    // 100,000 + 10 × (2 replicas + 3 nodes) × 600,000.
    assert_eq!(rollout_sim::trial::event_budget(&s), 30_100_000);
    let mut ws = Workspace::new(&s);
    for k in 0..3 {
        let r = ws.run(k);
        assert!(!r.event_budget_exceeded, "trial {k}");
        assert_eq!(r.outcome, Outcome::Completed, "trial {k}");
        assert_eq!(r.nodes_added, Some(1), "trial {k}");
        // A turn every millisecond of the 5-minute provisioning, and then some.
        assert!(r.events > 300_000, "trial {k}: {} events", r.events);
    }
}
