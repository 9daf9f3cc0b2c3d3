//! A DaemonSet's node losses and drains, against kubernetes/kubernetes v1.30
//! `pkg/controller/daemon` (`NodeShouldRunDaemonPod`, `podsShouldBeOnNode`,
//! `rollingUpdate`, `updatedDesiredNodeCounts`, `updateDaemonSetStatus`), the node
//! lifecycle controller's taints (`doNoScheduleTaintingPass`) and kubernetes/kubectl v0.30
//! `pkg/drain/filters.go` (`daemonSetFilter`).
//!
//! The closed forms use the daemon_set.rs latencies: an old pod exits 2 s after its
//! deletion, a new pod pulls for 1 s (once a node: the image stays on its disk), starts in
//! 1 s and is Ready at once. A node is noticed lost 50 s after its loss
//! (`node_not_ready_after`); from then it is tainted `node.kubernetes.io/unreachable`
//! `NoSchedule` and `NoExecute`. The DaemonSet's pods tolerate the `NoExecute` one for
//! ever (`AddOrUpdateDaemonPodTolerations`) but not the `NoSchedule` one, so the node
//! should run no pod (`shouldRun` false, `shouldContinueRunning` true): it leaves
//! `desiredNumberScheduled`, no pod is created on it, and its pods are never evicted.

use crate::node_loss::{assert_nothing_moves_on_lost_nodes, node_records, task_records};
use crate::yaml;
use rollout_sim::cluster::TaskState;
use rollout_sim::cluster::node_drain::DrainResult;
use rollout_sim::cluster::placer::PendingReason;
use rollout_sim::result::{Outcome, TrialResult};
use rollout_sim::scenario::Scenario;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;

const S: u64 = SECOND;

/// A DaemonSet on `nodes` nodes with `strategy` (the `daemonSet` section's body) and the
/// scenario's `rest` (actions, faults). The first rollout, current → next, begins at 0 and
/// takes 4 s a node (2 s exit, 1 s pull, 1 s start); a `rollout: restart` later replaces
/// every pod again in 3 s a node (the image is on every node by then).
fn daemon_set(nodes: u32, strategy: &str, rest: &str) -> Scenario {
    yaml(&format!(
        "horizon: 30m\n\
         cluster: {{nodes: {nodes}, node: {{cpu: '4', memory: 8Gi}}}}\n\
         service:\n  resources: {{cpu: 100m, memory: 64Mi}}\n  readinessProbe: {{}}\n\
         \x20 versions: {{current: {{shutdown: 2s}}, next: {{pull: 1s, start: 1s, \
         ready_after: 0s, shutdown: 2s}}}}\n\
         strategy: {{daemonSet: {strategy}}}\n{rest}"
    ))
}

/// `(t, state)` of task `id`'s records after time 0.
fn states_of(trace: &[rollout_sim::cluster::TraceRecord], id: u32) -> Vec<(u64, TaskState)> {
    task_records(trace)
        .into_iter()
        .filter(|x| x.1 == id && x.0 > 0)
        .map(|x| (x.0, x.3))
        .collect()
}

/// The pods (task ids) created on `node` (every record of a DaemonSet's slot is on its
/// node once placed), with the time each was created.
fn created_on(trace: &[rollout_sim::cluster::TraceRecord], node: u32) -> Vec<(u64, u32)> {
    let mut ids: Vec<(u64, u32)> = Vec::new();
    for r in trace {
        if let rollout_sim::cluster::TraceRecord::Task {
            t,
            task,
            node: Some(n),
            ..
        } = *r
            && n == node
            && !ids.iter().any(|&(_, id)| id == task)
        {
            ids.push((t, task));
        }
    }
    // The time of creation: the task's first record, wherever it was.
    ids.into_iter()
        .map(|(_, id)| {
            let first = task_records(trace).into_iter().find(|x| x.1 == id);
            (first.map_or(0, |x| x.0), id)
        })
        .collect()
}

const LOST_AT_20_BACK_AT_200: &str =
    "faults: {node_failures: [{at: 20s, node: 1, recover_after: 180s}]}\n";

/// Node 1 lost at 20 s (after the first rollout, done at 16 s), noticed at 70 s, back at
/// 200 s; `rollout: restart` at 80 s. `maxUnavailable: 1`: node 1's old pod, NotReady so
/// not available, is deleted at once at 80 s (`allowedReplacementPods`, whatever the limit)
/// and counted unavailable; it stays Terminating while its node is away (no kubelet
/// confirms the deletion), and a node whose only pod is being deleted counts unavailable
/// too (`findUpdatedPodsOnNode` skips it), so the limit is spent and no other node moves.
/// No pod is created on node 1 meanwhile (its pod is still listed, and the node should run
/// none). Back at 200 s, the pod is found deleted and removed, the new one created at once
/// and Ready at 201 s; the three others follow one at a time, 3 s each: 210 s.
///
/// `maxUnavailable: 2` leaves room for one more: the three others are done at 89 s, and
/// the rollout is complete then, node 1 still away: it is not in `desiredNumberScheduled`.
#[test]
fn a_lost_nodes_pod_is_replaced_at_once_and_spends_max_unavailable() {
    let actions = "actions: [{at: 80s, rollout: restart}]\n";
    let s = daemon_set(4, "{}", &format!("{actions}{LOST_AT_20_BACK_AT_200}"));
    let mut w = Workspace::new(&s);
    for trial in 0..5 {
        let (r, trace) = w.run_traced(trial);
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 210 * S));
        assert_eq!(
            node_records(&trace),
            [
                (20 * S, 1, "lost"),
                (70 * S, 1, "not_ready"),
                (200 * S, 1, "ready")
            ]
        );
        let pods = created_on(&trace, 1);
        // The fleet's pod, the first rollout's (at 4 s at the latest), the restart's.
        assert_eq!(pods.len(), 3, "{pods:?}");
        let (on_loss, restarted) = (pods[1].1, pods[2]);
        assert_eq!(
            states_of(&trace, on_loss)
                .into_iter()
                .filter(|&(t, _)| t >= 20 * S)
                .collect::<Vec<_>>(),
            [
                (70 * S, TaskState::Running),
                (80 * S, TaskState::Terminating),
                (200 * S, TaskState::Stopped)
            ]
        );
        assert_eq!(restarted.0, 200 * S, "created once its node is back");
        // Nothing else is deleted while node 1 is away.
        let deleted_meanwhile = task_records(&trace)
            .into_iter()
            .filter(|x| x.0 > 80 * S && x.0 < 200 * S && x.3 == TaskState::Terminating)
            .count();
        assert_eq!(deleted_meanwhile, 0);
        assert_eq!((r.min_ready, r.min_available, r.peak_tasks), (3, 3, 4));
    }
    let two = daemon_set(
        4,
        "{updateStrategy: {rollingUpdate: {maxUnavailable: 2}}}",
        &format!("{actions}{LOST_AT_20_BACK_AT_200}"),
    );
    for trial in 0..5 {
        let (r, trace) = Workspace::new(&two).run_traced(trial);
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 89 * S));
        // The trial ends with the rollout, node 1 still away.
        assert_eq!(
            node_records(&trace),
            [(20 * S, 1, "lost"), (70 * S, 1, "not_ready")]
        );
    }
}

/// The limits are counts of the nodes that should run a pod (`updatedDesiredNodeCounts`):
/// `maxUnavailable: 10%` of 11 nodes is 2 (rounded up), of the 10 left while node 1 is
/// away 1. The first rollout is done at 24 s (6 rounds of 2); node 1 is lost at 30 s,
/// noticed at 80 s, and the restart at 90 s deletes its pod, which spends the 1: nothing
/// else moves until node 1 is back at 200 s.
/// Then 2 of 11 again: node 1's new pod (Ready at 201 s) and one other node at 200 s, then
/// the others two at a time, each 3 s, in a stagger of 1 s: the tenth of the others starts
/// at 213 s and is Ready at 216 s. (Counted out of the 11 nodes, one other node would go
/// at a time from 90 s and the rollout end at 120 s without node 1.)
#[test]
fn the_limits_are_of_the_nodes_that_should_run_a_pod() {
    let s = daemon_set(
        11,
        "{updateStrategy: {rollingUpdate: {maxUnavailable: '10%'}}}",
        "actions: [{at: 90s, rollout: restart}]\n\
         faults: {node_failures: [{at: 30s, node: 1, recover_after: 170s}]}\n",
    );
    for r in (0..5).map(|t| Workspace::new(&s).run(t)) {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 216 * S));
    }
}

/// With a surge (`maxUnavailable: 0, maxSurge: 1`) a not-available old pod on a node that
/// should run none is deleted, not surged beside ("does not match scheduling constraints,
/// remove old pod"), and the node is left alone: at 80 s node 1's old pod is deleted, and
/// the three others surge one at a time (new pod Ready 1 s after creation, old pod deleted
/// then), the last old pod deleted at 83 s exits at 85 s, and the rollout is complete:
/// node 1 is not waited for. No pod is created on node 1 while it is away.
#[test]
fn a_surge_deletes_an_unreachable_nodes_pod_and_goes_on_without_it() {
    let s = daemon_set(
        4,
        "{updateStrategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}}",
        &format!("actions: [{{at: 80s, rollout: restart}}]\n{LOST_AT_20_BACK_AT_200}"),
    );
    for trial in 0..5 {
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 85 * S));
        let pods = created_on(&trace, 1);
        assert_eq!(pods.len(), 2, "no new pod on the lost node: {pods:?}");
        assert_eq!(
            states_of(&trace, pods[1].1)
                .into_iter()
                .filter(|&(t, _)| t >= 20 * S)
                .collect::<Vec<_>>(),
            [
                (70 * S, TaskState::Running),
                (80 * S, TaskState::Terminating)
            ]
        );
        // Every other node keeps a Ready pod (min_ready counts node 1's lost pod out).
        assert_eq!((r.min_ready, r.min_available), (3, 3));
    }
}

/// A DaemonSet's pod is never evicted: node 1 lost at 20 s, NotReady at 70 s, and still
/// there at 370 s, when a Deployment's pod would have been evicted
/// (`eviction_after`: 300 s); the `rollout: restart` at 400 s deletes it (not available),
/// and it is gone when the node is back at 520 s: new pod Ready at 521 s, the two others
/// 3 s each, 527 s. Without a restart in its absence, a pod not deleted has its container
/// restarted in place when its node is back (back at 100 s: CrashLoopBackOff's first
/// wait), and the restart at 200 s is an ordinary rollout: 3 × 3 s, 209 s.
#[test]
fn a_daemon_pod_is_never_evicted_and_restarts_in_place() {
    let s = daemon_set(
        3,
        "{}",
        "actions: [{at: 400s, rollout: restart}]\n\
         faults: {node_failures: [{at: 20s, node: 1, recover_after: 500s}]}\n",
    );
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 527 * S));
    let pods = created_on(&trace, 1);
    assert_eq!(
        states_of(&trace, pods[1].1)
            .into_iter()
            .filter(|&(t, _)| t >= 20 * S)
            .collect::<Vec<_>>(),
        [
            (70 * S, TaskState::Running),
            (400 * S, TaskState::Terminating),
            (520 * S, TaskState::Stopped)
        ]
    );

    let s = daemon_set(
        3,
        "{}",
        "actions: [{at: 200s, rollout: restart}]\n\
         faults: {node_failures: [{at: 20s, node: 1, recover_after: 80s}]}\n",
    );
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 209 * S));
    let pods = created_on(&trace, 1);
    let after_loss: Vec<_> = states_of(&trace, pods[1].1)
        .into_iter()
        .filter(|&(t, _)| (20 * S..200 * S).contains(&t))
        .collect();
    assert_eq!(
        after_loss[..2],
        [(70 * S, TaskState::Running), (100 * S, TaskState::BackOff)]
    );
    assert_eq!(after_loss.last().map(|x| x.1), Some(TaskState::Ready));
}

/// Before the loss is noticed the API still shows the node's pod Ready and available, so
/// the rollout may pick it: 2 nodes, `maxUnavailable: 1`, node 1 lost at 79 s, the restart
/// at 80 s picks a node at random. Node 1 first: its pod deleted at 80 s never exits, the
/// node counts unavailable until it is back at 200 s (its pod removed, the new one Ready at
/// 201 s), then node 0: 204 s. Node 0 first: done at 83 s, then node 1's pod is deleted
/// (still available in the API until 129 s) and stays Terminating; at 129 s node 1 is
/// noticed lost and leaves `desiredNumberScheduled`, and `kubectl rollout status` says
/// complete: node 0, the one node that should run a pod, runs the new one. Either way no
/// pod is created on node 1 before it is back (its old pod is Terminating). Both orders
/// happen.
#[test]
fn before_the_loss_is_noticed_the_rollout_may_reach_the_lost_node() {
    let s = daemon_set(
        2,
        "{}",
        "actions: [{at: 80s, rollout: restart}]\n\
         faults: {node_failures: [{at: 79s, node: 1, recover_after: 121s}]}\n",
    );
    let mut w = Workspace::new(&s);
    let mut seen = [false; 2];
    for trial in 0..16 {
        let (r, trace) = w.run_traced(trial);
        let lost_pod = created_on(&trace, 1)[1].1;
        let lost_first = states_of(&trace, lost_pod).contains(&(80 * S, TaskState::Terminating));
        let expected = if lost_first { 204 } else { 129 };
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, expected * S));
        let deleted_at = if lost_first { 80 } else { 83 };
        assert!(
            states_of(&trace, lost_pod).contains(&(deleted_at * S, TaskState::Terminating)),
            "trial {trial}"
        );
        let pods = created_on(&trace, 1);
        if lost_first {
            assert_eq!(pods[2].0, 200 * S, "created once the old pod is gone");
        } else {
            assert_eq!(pods.len(), 2, "the trial ends at 129 s");
        }
        seen[usize::from(lost_first)] = true;
    }
    assert_eq!(seen, [true, true]);
}

/// `kubectl drain --ignore-daemonsets`: the node is cordoned and nothing is evicted (the
/// DaemonSet's pods are left), so the drain is done at once (`drain_s` 0, none
/// unfinished); the DaemonSet's pods tolerate the cordon's taint, so the rollout replaces
/// the drained node's pod as any other and ends in its closed form, 4 nodes × 4 s without
/// a surge and 4 × 2 s + 2 s with one; `maintenance` uncordons it 5 s after. Drained at
/// 1 s, the node gets its new pod after the cordon in every order without a surge (the
/// first round's new pods are created at 2 s). Every trial is the one without the drain
/// but for the drain's result and its events.
#[test]
fn a_drain_cordons_the_node_and_leaves_the_pods() {
    for (strategy, duration) in [
        ("{}", 16 * S),
        (
            "{updateStrategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 1}}}",
            10 * S,
        ),
    ] {
        let drained = daemon_set(
            4,
            strategy,
            "faults: {node_drains: [{at: 1s, node: node-2, maintenance: 5s}]}\n",
        );
        let plain = daemon_set(4, strategy, "");
        for trial in 0..5 {
            let (r, trace) = Workspace::new(&drained).run_traced(trial);
            assert_eq!((r.outcome, r.duration), (Outcome::Completed, duration));
            assert_eq!(
                r.drains,
                Some(DrainResult {
                    longest: 0,
                    unfinished: 0
                })
            );
            assert_ne!(r.pending.get(PendingReason::Unschedulable), Some(true));
            assert_eq!(
                node_records(&trace),
                [
                    (S, 1, "cordoned"),
                    (S, 1, "drained"),
                    (6 * S, 1, "uncordoned")
                ],
                "{strategy}"
            );
            let same = TrialResult {
                drains: None,
                events: 0,
                ..r
            };
            let without = Workspace::new(&plain).run(trial);
            assert_eq!(
                same,
                TrialResult {
                    events: 0,
                    ..without
                },
                "{strategy}"
            );
        }
    }
}

/// Random losses and returns (`node_mtbf`, `node_recovery`) during rollouts whose pods
/// pull, crash and restart: the same seed gives the same trials, nothing on a lost node
/// moves on its own, and no pod is evicted — with `eviction_after: 1s`, a pod on a node
/// noticed lost would be deleted 1 s after `not_ready`; the DaemonSet deletes one there
/// only in the instant it is noticed (an old pod, no longer available).
#[test]
fn random_losses_are_deterministic_and_evict_nothing() {
    for strategy in [
        "{updateStrategy: {rollingUpdate: {maxUnavailable: 2}}}",
        "{updateStrategy: {rollingUpdate: {maxUnavailable: 0, maxSurge: 2}}}",
    ] {
        let text = format!(
            "horizon: 30m\ncluster: {{nodes: 6, image_cached: [current]}}\n\
             service:\n  resources: {{cpu: 500m}}\n\
             \x20 versions:\n    current: {{shutdown: 10s}}\n\
             \x20   next: {{pull: {{uniform: {{min: 1s, max: 20s}}}}, start: 2s, \
             ready_after: {{uniform: {{min: 1s, max: 10s}}}}, crash_probability: 0.2, \
             shutdown: 5s}}\n\
             strategy: {{daemonSet: {strategy}}}\n\
             faults: {{node_mtbf: 2m, node_recovery: {{uniform: {{min: 10s, max: 3m}}}}, \
             eviction_after: 1s}}\n"
        );
        let s = yaml(&text);
        let (mut a, mut b) = (Workspace::new(&s), Workspace::new(&s));
        let mut noticed = 0;
        for trial in 0..200 {
            let (r, trace) = a.run_traced(trial);
            assert_eq!(r, b.run(trial), "{strategy} #{trial}");
            assert_nothing_moves_on_lost_nodes(&trace, &format!("{strategy} #{trial}"));
            let nodes = node_records(&trace);
            for &(t, node, state) in &nodes {
                if state != "not_ready" {
                    continue;
                }
                noticed += 1;
                let still_away = !nodes
                    .iter()
                    .any(|&(t2, n2, s2)| n2 == node && s2 == "ready" && t2 > t && t2 <= t + S);
                if !still_away {
                    continue;
                }
                for id in created_on(&trace, node).into_iter().map(|(_, id)| id) {
                    assert!(
                        !states_of(&trace, id).contains(&(t + S, TaskState::Terminating)),
                        "{strategy} #{trial}: pod {id} evicted from node {node}"
                    );
                }
            }
        }
        assert!(noticed > 100, "{strategy}: only {noticed} losses noticed");
    }
}
