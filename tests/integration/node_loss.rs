//! Node loss against the upstream node lifecycle: Kubernetes marks a silent node NotReady
//! after `--node-monitor-grace-period`, evicts its pods `tolerationSeconds` later and the
//! ReplicaSet replaces them at once; Swarm declares it down after the dispatcher's
//! heartbeat grace (3 × 5 s) and only then restarts its tasks.

use crate::yaml;
use rollout_sim::cluster::{SWARM_NODE_DOWN_AFTER, TaskState, TraceRecord};
use rollout_sim::experiment::{Outcome, run_trials};
use rollout_sim::scenario::load_file;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;
use std::path::Path;

const S: u64 = SECOND;

/// `(t, node, state)` of every node record.
pub(crate) fn node_records(trace: &[TraceRecord]) -> Vec<(u64, u32, &'static str)> {
    trace
        .iter()
        .filter_map(|r| match *r {
            TraceRecord::Node { t, node, state } => Some((t, node, state)),
            _ => None,
        })
        .collect()
}

/// `(t, task, version, state)` of every task record.
pub(crate) fn task_records(trace: &[TraceRecord]) -> Vec<(u64, u32, u8, TaskState)> {
    trace
        .iter()
        .filter_map(|r| match *r {
            TraceRecord::Task {
                t,
                task,
                version,
                state,
                ..
            } => Some((t, task, version, state)),
            _ => None,
        })
        .collect()
}

/// Tasks on `node` in the first records (the fleet at time 0).
fn fleet_on(trace: &[TraceRecord], node: u32) -> Vec<u32> {
    trace
        .iter()
        .filter_map(|r| match *r {
            TraceRecord::Task {
                t: 0,
                task,
                node: Some(n),
                state: TaskState::Ready,
                ..
            } if n == node => Some(task),
            _ => None,
        })
        .collect()
}

/// 6 replicas on 3 nodes (2 a node), node 1 lost at 20 s, never back; the first new task
/// pulls its image for longer than the horizon (on node 0, the first of the least loaded),
/// so the rollout goes through the whole node lifecycle without touching an old task.
fn stuck_rollout(strategy: &str) -> String {
    format!(
        "horizon: 10m\ncluster: {{nodes: 3, image_cached: [current]}}\n\
         service:\n  replicas: 6\n  resources: {{cpu: 500m}}\n\
         \x20 versions:\n    current: {{}}\n    next: {{pull: 20m}}\n\
         strategy: {{{strategy}}}\n\
         faults: {{node_failures: [{{at: 20s, node: 1}}]}}\n"
    )
}

#[test]
fn kubernetes_marks_the_node_not_ready_then_evicts_and_replaces_at_once() {
    let s = yaml(&stuck_rollout(
        "kubernetes: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}",
    ));
    let (r, trace) = Workspace::new(&s).run_traced(0);
    // Upstream defaults: grace 50 s (v1.32+), toleration 300 s.
    let (lost, not_ready, evicted) = (20 * S, 70 * S, 370 * S);
    assert_eq!(
        node_records(&trace),
        [(lost, 1, "lost"), (not_ready, 1, "not_ready")]
    );
    let on_lost = fleet_on(&trace, 1);
    assert_eq!(on_lost.len(), 2, "spread placement: 2 pods a node");
    let tasks = task_records(&trace);
    let of = |id: u32| -> Vec<(u64, TaskState)> {
        tasks
            .iter()
            .filter(|x| x.1 == id && x.0 > 0)
            .map(|x| (x.0, x.3))
            .collect()
    };
    for &id in &on_lost {
        // Ready in the API until NotReady (MarkPodsNotReady), deleted at the toleration's
        // end, and never gone: the node does not come back.
        assert_eq!(
            of(id),
            [
                (not_ready, TaskState::Running),
                (evicted, TaskState::Terminating)
            ]
        );
    }
    // The ReplicaSet replaces both in the same instant as the eviction.
    let created_at_eviction = tasks
        .iter()
        .filter(|x| x.0 == evicted && x.3 == TaskState::Pending && x.2 == 0)
        .count();
    assert_eq!(created_at_eviction, 2);
    // Serving drops by the lost pods at the loss; the API's available at NotReady.
    assert_eq!((r.min_ready, r.min_available), (4, 4));
}

#[test]
fn swarm_declares_the_node_down_after_the_heartbeat_grace() {
    assert_eq!(SWARM_NODE_DOWN_AFTER, 15 * S, "5 s heartbeat × 3");
    let s = yaml(&stuck_rollout(
        "swarm: {update_config: {order: start-first, failure_action: continue}}",
    ));
    let (r, trace) = Workspace::new(&s).run_traced(0);
    let (lost, down) = (20 * S, 35 * S);
    assert_eq!(node_records(&trace), [(lost, 1, "lost"), (down, 1, "down")]);
    let tasks = task_records(&trace);
    for id in fleet_on(&trace, 1) {
        let after_start: Vec<_> = tasks
            .iter()
            .filter(|x| x.1 == id && x.0 > 0)
            .map(|x| (x.0, x.3))
            .collect();
        // RUNNING for the manager until the node is down, then shut down and replaced
        // (`restartTasksByNodeID`): told to stop, it stays Terminating, as no agent is
        // left to confirm it.
        assert_eq!(after_start, [(down, TaskState::Terminating)]);
    }
    // No replacement before the node is declared down.
    assert!(
        !tasks
            .iter()
            .any(|x| x.0 > lost && x.0 < down && x.3 == TaskState::Pending)
    );
    assert!(r.min_ready <= 4);
}

/// A new pod Ready at 2 s on node 0 (`minReadySeconds: 30`), its node lost at 12 s: the
/// Deployment controller reads availability from the API, where the pod stays Ready until
/// NotReady at 62 s, so it is available at 32 s and the rollout moves on then (upstream
/// `IsPodAvailable` on the pod's Ready condition), not after the eviction at 362 s.
#[test]
fn a_pod_ready_on_a_lost_node_becomes_available_until_not_ready() {
    let s = yaml(
        "horizon: 10m\ncluster: {nodes: 2, image_cached: [current, next]}\n\
         service:\n  replicas: 2\n  resources: {cpu: 500m}\n\
         \x20 versions:\n    current: {}\n    next: {start: 2s}\n\
         strategy: {kubernetes: {minReadySeconds: 30, strategy: {type: RollingUpdate, \
         rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}}\n\
         faults: {node_failures: [{at: 12s, node: 0}]}\n",
    );
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(
        node_records(&trace),
        [(12 * S, 0, "lost"), (62 * S, 0, "not_ready")]
    );
    let tasks = task_records(&trace);
    let new_pod = tasks
        .iter()
        .find(|x| x.2 == 1)
        .map(|x| x.1)
        .expect("a new pod");
    assert!(tasks.contains(&(2 * S, new_pod, 1, TaskState::Ready)));
    // Available at 2 s + 30 s: the controller scales the old ReplicaSet down at once.
    let first_old_deleted = tasks
        .iter()
        .find(|x| x.2 == 0 && x.3 == TaskState::Terminating)
        .map(|x| x.0);
    assert_eq!(first_old_deleted, Some(32 * S));
    // NotReady at 62 s takes it out; evicted at 362 s and replaced, the second new pod
    // available 2 s + 30 s later ends the rollout.
    assert!(tasks.contains(&(62 * S, new_pod, 1, TaskState::Running)));
    assert_eq!(r.duration, 394 * S);
}

#[test]
fn a_node_back_before_detection_is_never_declared_lost() {
    for (strategy, gone) in [
        (
            "kubernetes: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}",
            TaskState::BackOff,
        ),
        (
            "swarm: {update_config: {order: start-first, failure_action: continue}}",
            TaskState::Failed,
        ),
    ] {
        let text = stuck_rollout(strategy).replace("node: 1}", "node: 1, recover_after: 10s}");
        let (_, trace) = Workspace::new(&yaml(&text)).run_traced(0);
        assert_eq!(
            node_records(&trace),
            [(20 * S, 1, "lost"), (30 * S, 1, "ready")],
            "{strategy}"
        );
        let tasks = task_records(&trace);
        for id in fleet_on(&trace, 1) {
            // Kubernetes restarts the container in place; Swarm's task failed.
            assert!(
                tasks.contains(&(30 * S, id, 0, gone)),
                "{strategy}: {id} {tasks:?}"
            );
        }
    }
}

/// The control plane's steps on their way to a lost node are overtaken by its return.
/// Swarm: the updater stops an old task on the lost node at 5 s (its stop signal takes the
/// control plane's 2 s); the node is back at 6 s, where the agent finds the task stopped,
/// so the signal at 7 s finds nothing to stop. Kubernetes: a pod still pulling on the lost
/// node is NotReady at 70 s, its eviction due at 370 s; the node is Ready again at 120 s,
/// which lifts the NoExecute taint and with it the eviction.
#[test]
fn a_nodes_return_cancels_what_the_control_plane_had_on_its_way() {
    let swarm = yaml(
        "horizon: 10m\ncluster: {nodes: 3, image_cached: [current, next], \
         control_plane: {stop_signal: 2s}}\n\
         service:\n  replicas: 2\n  resources: {cpu: 500m}\n\
         \x20 versions:\n    current: {}\n    next: {start: 5s}\n\
         strategy: {swarm: {update_config: {parallelism: 1, order: start-first}}}\n\
         faults: {node_failures: [{at: 2s, node: 1, recover_after: 4s}]}\n",
    );
    let (_, trace) = Workspace::new(&swarm).run_traced(0);
    let on_lost = fleet_on(&trace, 1);
    assert_eq!(on_lost.len(), 1);
    let of_old: Vec<_> = task_records(&trace)
        .into_iter()
        .filter(|x| x.1 == on_lost[0] && x.0 > 0)
        .map(|x| (x.0, x.3))
        .collect();
    assert_eq!(of_old, [(6 * S, TaskState::Stopped)]);

    let kubernetes = yaml(
        &stuck_rollout(
            "kubernetes: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}",
        )
        .replace("node: 1}", "node: 0, recover_after: 100s}"),
    );
    let (_, trace) = Workspace::new(&kubernetes).run_traced(0);
    assert_eq!(
        node_records(&trace),
        [
            (20 * S, 0, "lost"),
            (70 * S, 0, "not_ready"),
            (120 * S, 0, "ready")
        ]
    );
    let late: Vec<_> = task_records(&trace)
        .into_iter()
        .filter(|x| x.0 > 120 * S)
        .collect();
    assert_eq!(late, [], "nothing is evicted after the node is back");
}

fn example(name: &str) -> rollout_sim::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    load_file(&path, &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// Issue: replacements waited for the progress-deadline requeue (p50 ≈ 11m23s with 600 s,
/// 87 % `timeout` with 2000 s). Now every trial ends the same whatever the deadline, and
/// none times out: the two other nodes hold the replacements.
#[test]
fn node_loss_duration_does_not_depend_on_the_progress_deadline() {
    let base = example("k8s-node-loss.yaml");
    let with = |deadline: u64| {
        let mut s = base.clone();
        match &mut s.strategy {
            rollout_sim::scenario::Strategy::Kubernetes(k) => {
                k.progress_deadline = Some(deadline * S)
            }
            _ => unreachable!("a Kubernetes scenario"),
        }
        run_trials(&s, 0..60)
    };
    let (a, b) = (with(600), with(2000));
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.outcome, Outcome::Completed, "trial {}", x.trial);
        assert_eq!((x.outcome, x.duration), (y.outcome, y.duration));
        // The lost node held 3 serving pods: they stop serving at the loss.
        assert!(x.min_ready <= 6, "trial {}: {}", x.trial, x.min_ready);
    }
}

/// Checks from a trace that nothing on a lost node moves on its own: the agent (kubelet)
/// on that machine is gone, so between the loss and the node's return a task placed there
/// changes state only by the control plane's hand — Swarm's orchestrators shut it down
/// when the dispatcher declares the node down, Kubernetes turns a Ready pod NotReady when the node controller
/// marks the node, and a task told to stop (by the controller or, on Kubernetes, the taint
/// manager's eviction) is marked Terminating (with or without a container) or Stopped.
/// Never pulling, prepared,
/// starting, running or ready again, never a restart. Returns how many task records fell
/// on a lost node.
pub(crate) fn assert_nothing_moves_on_lost_nodes(trace: &[TraceRecord], context: &str) -> usize {
    use std::collections::HashMap;
    // Node → when the control plane noticed the loss (`None`: not yet).
    let mut lost: HashMap<u32, Option<u64>> = HashMap::new();
    let mut states: HashMap<u32, TaskState> = HashMap::new();
    let mut seen = 0;
    for r in trace {
        match *r {
            TraceRecord::Node { t, node, state } => match state {
                "lost" => {
                    lost.insert(node, None);
                }
                "not_ready" | "down" => {
                    lost.insert(node, Some(t));
                }
                "ready" => {
                    lost.remove(&node);
                }
                other => panic!("{context}: node state {other}"),
            },
            TraceRecord::Task {
                t,
                task,
                node: Some(node),
                state,
                ..
            } => {
                let before = states.insert(task, state);
                let Some(&noticed) = lost.get(&node) else {
                    continue;
                };
                seen += 1;
                let marked = noticed == Some(t);
                let by_control_plane = match state {
                    TaskState::Terminating | TaskState::Deleting | TaskState::Stopped => true,
                    TaskState::Failed => marked,
                    TaskState::Running => marked && before == Some(TaskState::Ready),
                    _ => false,
                };
                assert!(
                    by_control_plane,
                    "{context}: task {task} on lost node {node} went {before:?} → {state:?} \
                     at {t} µs (noticed: {noticed:?})"
                );
            }
            _ => {}
        }
    }
    seen
}

/// A new Swarm stop-first task waits, prepared (swarmkit's READY), on node 1 for its old
/// task on node 0 to exit (10 s of shutdown); node 1 is lost at 5 s. (Swarm's spread no
/// longer counts the old task, but its reservation leaves node 0 no room for a second
/// task of 600m, so the new one goes to node 1.) When the old task
/// exits at 10 s the updater lets the new one start, but no agent is left on node 1 to
/// start it: it stays prepared until the dispatcher declares the node down (20 s), when
/// the orchestrator shuts it down (it stays there, told to stop, as no agent is left to
/// confirm) and the restart supervisor replaces it on node 0 after the 5 s delay
/// (`Restart`: no wait for a task on a DOWN node). The updater's worker, though, waits
/// for the task it created to run, with no timeout (`updateTask`): the node never
/// returns, so the update never completes.
#[test]
fn a_held_stop_first_task_on_a_lost_node_is_never_started() {
    let s = yaml(
        "horizon: 10m\ncluster: {nodes: 2, node: {cpu: '1'}, image_cached: [current, next]}\n\
         service:\n  replicas: 1\n  resources: {cpu: 600m}\n  restart: {delay: 5s}\n\
         \x20 versions:\n    current: {shutdown: 10s}\n    next: {}\n\
         strategy: {swarm: {update_config: {order: stop-first, failure_action: continue}}}\n\
         faults: {node_failures: [{at: 5s, node: 1}]}\n",
    );
    let (r, trace) = Workspace::new(&s).run_traced(0);
    let (lost, down) = (5 * S, 20 * S);
    assert_eq!(node_records(&trace), [(lost, 1, "lost"), (down, 1, "down")]);
    let placed = |id: u32| {
        trace.iter().find_map(|r| match *r {
            TraceRecord::Task {
                task,
                node: Some(n),
                ..
            } if task == id => Some(n),
            _ => None,
        })
    };
    let tasks = task_records(&trace);
    let held = tasks
        .iter()
        .find(|x| x.2 == 1)
        .map(|x| x.1)
        .expect("a new task");
    assert_eq!(
        placed(held),
        Some(1),
        "the new task goes to the node with room"
    );
    let of = |id: u32| -> Vec<(u64, TaskState)> {
        tasks
            .iter()
            .filter(|x| x.1 == id)
            .map(|x| (x.0, x.3))
            .collect()
    };
    // The old task exits at 10 s on its own node.
    assert!(of(0).contains(&(10 * S, TaskState::Stopped)), "{:?}", of(0));
    assert_eq!(
        of(held),
        [
            (0, TaskState::Pending),
            (0, TaskState::Prepared),
            (down, TaskState::Deleting)
        ]
    );
    assert!(assert_nothing_moves_on_lost_nodes(&trace, "held") > 0);
    // Its replacement runs on node 0; nothing was ever available that did not serve.
    let replacement = tasks
        .iter()
        .find(|x| x.2 == 1 && x.1 != held)
        .map(|x| x.1)
        .expect("a replacement");
    assert_eq!(placed(replacement), Some(0));
    let created = of(replacement)[0];
    assert_eq!(created, (down, TaskState::Pending), "created at DOWN");
    let ready = of(replacement)
        .into_iter()
        .find(|x| x.1 == TaskState::Ready);
    assert!(ready.is_some_and(|x| x.0 >= down + 5 * S), "{ready:?}");
    assert_eq!(r.outcome, Outcome::Timeout, "the worker waits for good");
    assert_eq!((r.min_ready, r.min_available), (0, 0));
}

/// A pull in flight on a node that is lost never completes: the new task (Kubernetes: a
/// surge pod; Swarm start-first) placed on the empty node 1 pulls for 10 s, and node 1 is
/// lost 5 s in. It stays pulling until the control plane acts: Swarm shuts it down when
/// the node is declared down (20 s), Kubernetes deletes it when its toleration runs out
/// (not_ready at 55 s, + 300 s): Terminating, without a container, as no agent is left to
/// confirm the stop.
#[test]
fn a_pull_cut_by_the_loss_never_completes() {
    for (strategy, acted) in [
        (
            "kubernetes: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}",
            (355 * S, TaskState::Deleting),
        ),
        (
            "swarm: {update_config: {order: start-first, failure_action: continue}}",
            (20 * S, TaskState::Deleting),
        ),
    ] {
        let s = yaml(&format!(
            "horizon: 10m\ncluster: {{nodes: 2, image_cached: [current]}}\n\
             service:\n  replicas: 1\n  resources: {{cpu: 500m}}\n\
             \x20 versions:\n    current: {{}}\n    next: {{pull: 10s}}\n\
             strategy: {{{strategy}}}\n\
             faults: {{node_failures: [{{at: 5s, node: 1}}]}}\n"
        ));
        let (_, trace) = Workspace::new(&s).run_traced(0);
        assert!(
            assert_nothing_moves_on_lost_nodes(&trace, strategy) > 0,
            "{strategy}"
        );
        let first_new = trace.iter().find_map(|r| match *r {
            TraceRecord::Task {
                task,
                version: 1,
                node: Some(n),
                ..
            } => Some((task, n)),
            _ => None,
        });
        let (id, node) = first_new.expect("a new task placed");
        assert_eq!(node, 1, "{strategy}: the new task goes to the empty node");
        let states: Vec<_> = task_records(&trace)
            .into_iter()
            .filter(|x| x.1 == id)
            .map(|x| (x.0, x.3))
            .collect();
        assert_eq!(
            states,
            [(0, TaskState::Pending), (0, TaskState::Pulling), acted],
            "{strategy}"
        );
    }
}

/// A pod evicted from a lost node before its container started stays Terminating, as
/// upstream no kubelet confirms the deletion: it keeps its resources on the node
/// (`peak_tasks`: the old pod, it and its replacement) without a container
/// (`peak_running_tasks`: the old pod alone, as the replacement starts in the instant the
/// old pod stops; with a container it would read 2), and the trace names it
/// `terminating`. When the node returns (360 s, before the replacement is Ready) the
/// kubelet finds it deleted and it is gone. Before, it was Stopped at the eviction and `peak_tasks` read 2.
#[test]
fn a_pod_evicted_before_its_container_started_is_terminating_until_its_node_returns() {
    let s = yaml(
        "horizon: 20m\ncluster: {nodes: 2, image_cached: [current]}\n\
         service:\n  replicas: 1\n  resources: {cpu: 500m}\n\
         \x20 versions:\n    current: {}\n    next: {pull: 10s}\n\
         strategy: {kubernetes: {strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}}\n\
         faults: {node_failures: [{at: 5s, node: 1, recover_after: 355s}]}\n",
    );
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome, Outcome::Completed);
    let surge: Vec<_> = task_records(&trace)
        .into_iter()
        .filter(|x| x.1 == 1)
        .map(|x| (x.0, x.3))
        .collect();
    assert_eq!(
        surge,
        [
            (0, TaskState::Pending),
            (0, TaskState::Pulling),
            (355 * S, TaskState::Deleting),
            (360 * S, TaskState::Stopped),
        ]
    );
    assert_eq!(TaskState::Deleting.as_str(), "terminating");
    assert_eq!((r.peak_tasks, r.peak_running_tasks), (3, 1));
}

/// Random node loss (and return) during rollouts whose tasks pull, wait to start, crash
/// and restart: `strategy`, with `service` fields and `faults` fields added.
fn random_loss(strategy: &str, service: &str, faults: &str) -> String {
    format!(
        "horizon: 30m\ncluster: {{nodes: 4, image_cached: [current]}}\n\
         service:\n  replicas: 8\n  resources: {{cpu: 500m}}\n\
         \x20 versions:\n    current: {{shutdown: 10s}}\n\
         \x20   next: {{pull: {{uniform: {{min: 1s, max: 20s}}}}, start: 2s, \
         ready_after: {{uniform: {{min: 1s, max: 10s}}}}, crash_probability: 0.2, shutdown: 5s}}\n\
         {service}\
         strategy: {{{strategy}}}\n\
         faults: {{node_mtbf: 3m, node_recovery: {{uniform: {{min: 10s, max: 2m}}}}{faults}}}\n"
    )
}

/// The Swarm cases: stop-first (held starts) and start-first, with the restart
/// supervisor's delay.
const RANDOM_LOSS_SWARM: [(&str, &str); 2] = [
    (
        "swarm: {update_config: {parallelism: 2, order: stop-first, failure_action: continue}}",
        "  restart: {delay: 5s}\n",
    ),
    (
        "swarm: {update_config: {parallelism: 2, order: start-first, failure_action: continue}}",
        "  restart: {delay: 5s}\n",
    ),
];

/// No task on a lost node ever moves on its own, whichever way it was started: Swarm
/// stop-first held starts, start-first, the restart supervisor; the kubelet's pulls and
/// CrashLoopBackOff restarts (evicted within the node's absence, often, so that
/// replacements come while pods wait on it).
#[test]
fn nothing_on_a_lost_node_moves_on_its_own() {
    let kubernetes = "kubernetes: {strategy: {type: RollingUpdate, \
                      rollingUpdate: {maxSurge: 2, maxUnavailable: 1}}}";
    let runs = [(kubernetes, "", ", eviction_after: 60s")];
    let swarm = RANDOM_LOSS_SWARM.map(|(strategy, service)| (strategy, service, ""));
    for (strategy, service, faults) in runs.into_iter().chain(swarm) {
        let s = yaml(&random_loss(strategy, service, faults));
        let mut w = Workspace::new(&s);
        let mut seen = 0;
        for trial in 0..300 {
            let (_, trace) = w.run_traced(trial);
            seen += assert_nothing_moves_on_lost_nodes(&trace, &format!("{strategy} #{trial}"));
        }
        assert!(seen > 100, "{strategy}: only {seen} records on lost nodes");
    }
}

/// Swarm's available is its ready (README, "What comes out"): with nothing serving from a
/// lost node, the two minima agree in every trial.
#[test]
fn swarm_min_available_is_min_ready_under_random_node_loss() {
    for (strategy, service) in RANDOM_LOSS_SWARM {
        let s = yaml(&random_loss(strategy, service, ""));
        for r in run_trials(&s, 0..1000) {
            assert_eq!(
                r.min_available, r.min_ready,
                "{strategy}: trial {}",
                r.trial
            );
        }
    }
}

/// Swarm, stop-first: a worker that reaches the slot of a task on the lost node before the
/// node is declared down tells it to stop (it never exits: no agent) and holds the new
/// task for that stop, or for the 1-minute `defaultOldTaskTimeout`; the wait ends when the
/// node is declared DOWN instead (`restart.go` `DelayStart` watches the old task's node
/// too). 2 tasks on 2 nodes, node 1 lost at 3 s and declared down at 18 s; its slot is the
/// second one the worker takes (at 11 s: 1 s start, 10 s delay) in half the trials.
#[test]
fn a_start_held_for_a_task_on_a_lost_node_goes_ahead_when_the_node_is_declared_down() {
    let s = yaml(
        "horizon: 10m\ncluster: {nodes: 2, image_cached: [current, next]}\n\
         service:\n  replicas: 2\n  resources: {cpu: 500m}\n\
         \x20 versions:\n    current: {}\n    next: {start: 1s}\n\
         strategy: {swarm: {update_config: {parallelism: 1, delay: 10s, order: stop-first, \
         failure_action: continue}}}\n\
         faults: {node_failures: [{at: 3s, node: 1}]}\n",
    );
    let mut seen = 0;
    for trial in 0..16 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        let old = fleet_on(&trace, 1)[0];
        let tasks = task_records(&trace);
        let of = |id: u32| -> Vec<(u64, TaskState)> {
            (tasks.iter().filter(|x| x.1 == id))
                .map(|x| (x.0, x.3))
                .collect()
        };
        if !of(old).contains(&(11 * S, TaskState::Terminating)) {
            continue; // its slot was the first
        }
        seen += 1;
        // The new task of that slot: created at 11 s, started at DOWN, not at 71 s.
        let new = (tasks.iter())
            .find(|x| x.0 == 11 * S && x.2 == 1 && x.3 == TaskState::Pending)
            .map(|x| x.1)
            .expect("the slot's new task");
        let started = of(new).into_iter().find(|x| x.1 == TaskState::Starting);
        assert_eq!(
            started,
            Some((18 * S, TaskState::Starting)),
            "trial {trial}"
        );
        assert_eq!(r.outcome, Outcome::Completed, "trial {trial}");
    }
    assert!(seen > 2, "{seen} trials took node 1's slot second");
}

/// Swarm: the worker that created a task on a node then lost waits for it to run with no
/// timeout (`update/updater.go` `updateTask`), so the update stops there until the node
/// is back; its agent then reports the task shut down, which the updater counts as a
/// failure of the update (it never ran: `startedAt` zero), and `failure_action: pause`
/// pauses it then. The held task of
/// `a_held_stop_first_task_on_a_lost_node_is_never_started`, its node back at 65 s.
#[test]
fn a_worker_waits_for_its_task_on_a_lost_node_until_the_node_is_back() {
    let s = yaml(
        "horizon: 10m\ncluster: {nodes: 2, node: {cpu: '1'}, image_cached: [current, next]}\n\
         service:\n  replicas: 1\n  resources: {cpu: 600m}\n  restart: {delay: 5s}\n\
         \x20 versions:\n    current: {shutdown: 10s}\n    next: {}\n\
         strategy: {swarm: {update_config: {order: stop-first, failure_action: pause}}}\n\
         faults: {node_failures: [{at: 5s, node: 1, recover_after: 60s}]}\n",
    );
    let (r, trace) = Workspace::new(&s).run_traced(0);
    let (down, back) = (20 * S, 65 * S);
    assert_eq!(
        node_records(&trace),
        [(5 * S, 1, "lost"), (down, 1, "down"), (back, 1, "ready")]
    );
    let tasks = task_records(&trace);
    let held = tasks.iter().find(|x| x.2 == 1).map(|x| x.1).unwrap();
    let of_held: Vec<_> = (tasks.iter().filter(|x| x.1 == held))
        .map(|x| (x.0, x.3))
        .collect();
    assert_eq!(
        of_held,
        [
            (0, TaskState::Pending),
            (0, TaskState::Prepared),
            (down, TaskState::Deleting),
            (back, TaskState::Stopped)
        ]
    );
    assert_eq!(
        (r.outcome, r.duration, r.update_failures),
        (Outcome::Paused, back, 1)
    );
}
