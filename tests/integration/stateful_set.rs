//! `strategy.statefulSet`: a Kubernetes StatefulSet's rolling update (kubernetes/kubernetes
//! v1.30 `pkg/controller/statefulset`: `updateStatefulSet`, `processReplica`,
//! `processCondemned`, `updateStatefulSetAfterInvariantEstablished`) as `kubectl rollout
//! status statefulset` reports it.
//!
//! The independent expectations are closed forms of the controller's rules on constant
//! latencies: an old pod exits 2 s after its deletion, and a new one (its image already on
//! every node) starts in 1 s and is Ready at once, so a pod takes 3 s from its deletion to
//! its successor's Ready. One pod at a time from the highest ordinal down to the partition; with
//! `OrderedReady` each next pod also waits for the lower pods to be available
//! (`minReadySeconds`), with `Parallel` only for the replaced pod to be Ready.

use crate::yaml;
use rollout_sim::check::lint::lint;
use rollout_sim::cluster::{TaskState, TraceRecord};
use rollout_sim::result::{Outcome, TrialResult};
use rollout_sim::scenario::{Format, Scenario, load_str};
use rollout_sim::sim::time::{SECOND, Time};
use rollout_sim::trial::Workspace;

/// A StatefulSet of `replicas` pods on four nodes with `strategy` (the `statefulSet`
/// section's body) and `extra` top-level fields (see the module documentation for the
/// latencies).
fn stateful_set(replicas: u32, strategy: &str, extra: &str) -> Scenario {
    yaml(&format!(
        "horizon: 30m\n\
         cluster: {{nodes: 4, node: {{cpu: '4', memory: 8Gi}}}}\n\
         service:\n  replicas: {replicas}\n  resources: {{cpu: 100m, memory: 64Mi}}\n\
         \x20 readinessProbe: {{}}\n\
         \x20 versions: {{current: {{shutdown: 2s}}, next: {{pull: 0s, start: 1s, \
         ready_after: 0s, shutdown: 2s}}}}\n{extra}\
         strategy: {{statefulSet: {strategy}}}\n"
    ))
}

fn trials(s: &Scenario, n: u64) -> Vec<TrialResult> {
    let mut w = Workspace::new(s);
    (0..n).map(|t| w.run(t)).collect()
}

/// `(time, ordinal, version)` of every pod that turned `state`, in order.
fn moments(trace: &[TraceRecord], want: TaskState) -> Vec<(Time, u32, u8)> {
    let mut out = Vec::new();
    for rec in trace {
        if let TraceRecord::Task {
            t,
            slot,
            version,
            state,
            ..
        } = *rec
            && state == want
        {
            out.push((t, slot, version));
        }
    }
    out
}

fn refusal(text: &str) -> String {
    match load_str(text, "sts.yaml", Format::Yaml, &[]) {
        Ok(_) => panic!("loads:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// One pod at a time from the highest ordinal: each takes 3 s from its deletion to its
/// successor's Ready; with `OrderedReady` the next deletion also waits `minReadySeconds`
/// for that pod to be available (`processReplica`), so `n (3 + m) − m` in all (the
/// rollout is complete at the last pod's Ready: `kubectl` reads `readyReplicas`); with
/// `Parallel` the update waits only for Ready (`isHealthy`): `3 n` whatever `m`.
#[test]
fn one_pod_at_a_time_from_the_highest_ordinal() {
    for policy in ["OrderedReady", "Parallel"] {
        for m in [0u64, 3] {
            let s = stateful_set(
                5,
                &format!("{{podManagementPolicy: {policy}, minReadySeconds: {m}}}"),
                "",
            );
            let expected = match policy {
                "OrderedReady" => 5 * (3 + m) - m,
                _ => 5 * 3,
            };
            for r in trials(&s, 5) {
                assert_eq!(r.outcome, Outcome::Completed, "{policy} {m}");
                assert_eq!(
                    r.duration,
                    expected * SECOND,
                    "{policy}, minReadySeconds {m}"
                );
                assert_eq!((r.min_ready, r.peak_tasks), (4, 5), "{policy} {m}");
            }
            let (_, trace) = Workspace::new(&s).run_traced(0);
            let deleted = moments(&trace, TaskState::Terminating);
            let order: Vec<u32> = deleted.iter().map(|d| d.1).collect();
            assert_eq!(order, [4, 3, 2, 1, 0], "{policy} {m}");
            assert!(
                deleted.iter().all(|d| d.2 == 0),
                "only old pods are deleted"
            );
            // Each ordinal's new pod is created once its old pod has exited, never beside it.
            let stopped = moments(&trace, TaskState::Stopped);
            let created = moments(&trace, TaskState::Pending);
            for (ordinal, new) in created.iter().filter(|c| c.2 == 1).map(|c| (c.1, c.0)) {
                let exit = stopped.iter().find(|s| s.1 == ordinal).unwrap().0;
                assert_eq!(new, exit, "ordinal {ordinal}");
            }
        }
    }
}

/// `partition: p` updates only ordinals `p` and above; `kubectl rollout status` says
/// "partitioned roll out complete" once those are updated and every pod is Ready. A
/// partition at or above `replicas` updates nothing and is complete at once.
#[test]
fn a_partition_keeps_the_lower_ordinals() {
    for p in [0u64, 2, 4, 5, 9] {
        let s = stateful_set(
            5,
            &format!("{{updateStrategy: {{rollingUpdate: {{partition: {p}}}}}}}"),
            "",
        );
        let updated = 5u64.saturating_sub(p);
        let (r, trace) = Workspace::new(&s).run_traced(0);
        assert_eq!(r.outcome, Outcome::Completed, "partition {p}");
        assert_eq!(r.duration, updated * 3 * SECOND, "partition {p}");
        let deleted: Vec<u32> = (moments(&trace, TaskState::Terminating).iter())
            .map(|d| d.1)
            .collect();
        let expected: Vec<u32> = (p.min(5) as u32..5).rev().collect();
        assert_eq!(deleted, expected, "partition {p}");
    }
}

/// `maxUnavailable: k` (the `MaxUnavailableStatefulSet` gate): `k` old pods deleted at
/// once, highest first. With `Parallel` their successors are created together: rounds of
/// 3 s. With `OrderedReady` they are created one at a time, each once the one below is
/// Ready (`processReplica`), so a round is the 2 s exit and `k` × 1 s; the last round ends
/// at its last pod's Ready. `k` pods short of Ready at worst.
#[test]
fn max_unavailable_deletes_k_at_a_time() {
    for k in [2u64, 3] {
        let strategy = |policy: &str| {
            stateful_set(
                6,
                &format!(
                    "{{podManagementPolicy: {policy}, updateStrategy: {{rollingUpdate: \
                     {{maxUnavailable: {k}}}}}}}"
                ),
                "",
            )
        };
        let rounds = 6 / k;
        for (policy, expected) in [("Parallel", rounds * 3), ("OrderedReady", rounds * (2 + k))] {
            for r in trials(&strategy(policy), 3) {
                assert_eq!(r.outcome, Outcome::Completed, "{policy} {k}");
                assert_eq!(
                    r.duration,
                    expected * SECOND,
                    "{policy}, maxUnavailable {k}"
                );
                assert_eq!(r.min_ready, 6 - k as u32, "{policy} {k}");
            }
        }
    }
    // A percentage rounds down, never below 1: 10% of 6 is one pod at a time.
    let s = stateful_set(
        6,
        "{podManagementPolicy: Parallel, updateStrategy: {rollingUpdate: {maxUnavailable: '10%'}}}",
        "",
    );
    assert_eq!(trials(&s, 1)[0].duration, 18 * SECOND);
}

/// `kubectl scale statefulset` after the rollout. Up: new pods in ordinal order, each
/// created once the one below is Ready (1 s apart) with `OrderedReady`, all at once with
/// `Parallel`; the trial ends when `kubectl rollout status` is satisfied again, at the
/// last one's Ready. Down: `kubectl rollout status` is satisfied at once (every pod left
/// is Ready), so the trial ends at the scale, having deleted the highest surplus pod
/// (`OrderedReady`: the next waits for it to exit) or all of them (`Parallel`).
#[test]
fn scaling_follows_the_pod_management_policy() {
    for policy in ["OrderedReady", "Parallel"] {
        let ordered = policy == "OrderedReady";
        let scaled = |to: u32| {
            let s = stateful_set(
                5,
                &format!("{{podManagementPolicy: {policy}}}"),
                &format!("actions: [{{at: 100s, scale: {to}}}]\n"),
            );
            Workspace::new(&s).run_traced(0)
        };
        let after = |trace: &[TraceRecord], want| -> Vec<(Time, u32)> {
            (moments(trace, want).into_iter())
                .filter(|m| m.0 >= 100 * SECOND)
                .map(|m| (m.0 / SECOND, m.1))
                .collect()
        };
        let (r, trace) = scaled(8);
        let ready = if ordered {
            vec![(101, 5), (102, 6), (103, 7)]
        } else {
            vec![(101, 5), (101, 6), (101, 7)]
        };
        assert_eq!(after(&trace, TaskState::Ready), ready, "{policy}");
        assert_eq!(
            (r.outcome, r.duration),
            (Outcome::Completed, ready[2].0 * SECOND),
            "{policy}"
        );
        let (r, trace) = scaled(3);
        let deleted = if ordered {
            vec![(100, 4)]
        } else {
            vec![(100, 4), (100, 3)]
        };
        assert_eq!(after(&trace, TaskState::Terminating), deleted, "{policy}");
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 100 * SECOND));
    }
}

/// A release whose pods never become Ready stops the rollout at the highest ordinal for
/// good (no progress deadline): `timeout` at the horizon, one pod short. `rollout: undo`
/// does not help with `OrderedReady` — the sync waits at the broken pod before it reaches
/// the update (upstream's forced rollback), and `lint` warns — while with `Parallel` it
/// replaces the broken pod and the trial ends `rolled_back`.
#[test]
fn a_broken_pod_stops_the_rollout_and_undo_needs_parallel() {
    let broken =
        "  versions: {current: {start: 1s}, next: {start: 1s, ready_after: never, shutdown: 2s}}\n";
    let text = |policy: &str, undo: bool| {
        format!(
            "horizon: 10m\n\
             cluster: {{nodes: 4}}\n\
             service:\n  replicas: 4\n  readinessProbe: {{}}\n{broken}\
             strategy: {{statefulSet: {{podManagementPolicy: {policy}}}}}\n{}",
            if undo {
                "actions: [{at: 60s, rollout: undo}]\n"
            } else {
                ""
            }
        )
    };
    for policy in ["OrderedReady", "Parallel"] {
        let r = trials(&yaml(&text(policy, false)), 1).remove(0);
        assert_eq!(
            (r.outcome, r.duration, r.min_ready),
            (Outcome::Timeout, 600 * SECOND, 3),
            "{policy}"
        );
    }
    let s = yaml(&text("OrderedReady", true));
    let r = trials(&s, 1).remove(0);
    assert_eq!((r.outcome, r.duration), (Outcome::Timeout, 600 * SECOND));
    assert!(
        lint(&s, Some(1))
            .iter()
            .any(|w| w.rule == "statefulset-ordered-undo")
    );
    let s = yaml(&text("Parallel", true));
    let r = trials(&s, 1).remove(0);
    // The broken pod 3 deleted at the undo, exited 2 s later; pod 3 of the old revision
    // (its image on every node) Ready 1 s after.
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 63 * SECOND));
    assert!(
        !lint(&s, Some(1))
            .iter()
            .any(|w| w.rule == "statefulset-ordered-undo")
    );
}

/// `maxUnavailable` is read only with an alpha feature gate: `lint` says the run assumes
/// it on.
#[test]
fn lint_names_the_max_unavailable_gate() {
    let with = stateful_set(
        4,
        "{updateStrategy: {rollingUpdate: {maxUnavailable: 2}}}",
        "",
    );
    let without = stateful_set(4, "{}", "");
    let rule = |s: &Scenario| {
        lint(s, Some(1))
            .iter()
            .any(|w| w.rule == "statefulset-max-unavailable-gate")
    };
    assert!(rule(&with));
    assert!(!rule(&without));
}

/// What a StatefulSet does not have is refused with the reason: `spec.paused`, a global
/// mode, `OnDelete`.
#[test]
fn what_a_stateful_set_lacks_is_refused() {
    let base = "service: {replicas: 3, readinessProbe: {}}\nstrategy: {statefulSet: {}}\n";
    let e = refusal(&format!("{base}actions: [{{at: 1s, rollout: pause}}]\n"));
    assert!(e.contains("a StatefulSet has no `spec.paused`"), "{e}");
    let e = refusal("service: {mode: global}\nstrategy: {statefulSet: {}}\n");
    assert!(e.contains("service.mode"), "{e}");
    let e = refusal(
        "service: {replicas: 3}\nstrategy: {statefulSet: {updateStrategy: {type: OnDelete}}}\n",
    );
    assert!(
        e.contains("strategy.statefulSet.updateStrategy.type: `OnDelete`"),
        "{e}"
    );
}

/// `kubectl rollout undo --to-revision=N` (`findHistory`): revision 1 is the template
/// before the rollout, 2 the first update, and a template used again is renumbered the
/// newest. Back to revision 1 from a third version ends `rolled_back`; naming the
/// revision in force is skipped; naming one not in the history fails kubectl, and the
/// trial ends there `paused` (as a Deployment's). Beyond `revisionHistoryLimit` (10) the
/// oldest revisions no pod uses are gone: after ten restarts revision 1 is.
#[test]
fn undo_to_a_revision_follows_the_history() {
    let with = |actions: &str| {
        yaml(&format!(
            "horizon: 30m\ncluster: {{nodes: 4}}\n\
             service:\n  replicas: 3\n  readinessProbe: {{}}\n\
             \x20 versions: {{current: {{start: 1s}}, next: {{start: 1s}}{v3}}}\n\
             strategy: {{statefulSet: {{}}}}\nactions: [{actions}]\n",
            v3 = if actions.contains("v3") {
                ", v3: {start: 1s}"
            } else {
                ""
            }
        ))
    };
    let run = |actions: &str| {
        let s = with(actions);
        let (r, trace) = Workspace::new(&s).run_traced(0);
        let updates: Vec<&'static str> = (trace.iter())
            .filter_map(|rec| match rec {
                TraceRecord::Update { state, .. } => Some(*state),
                _ => None,
            })
            .collect();
        (r, updates)
    };
    // Revisions: 1 current, 2 next, 3 v3; undo to 1 rolls back to `current`.
    let (r, updates) =
        run("{at: 60s, rollout: update, version: v3}, {at: 120s, rollout: undo, to_revision: 1}");
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert_eq!(updates, ["updating", "updating", "rollback_started"]);
    // Revision 3 is the template in force: skipped, and the update completes.
    let (r, updates) =
        run("{at: 60s, rollout: update, version: v3}, {at: 120s, rollout: undo, to_revision: 3}");
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(updates, ["updating", "updating", "rollback_refused"]);
    // No revision 7: kubectl fails, the trial ends `paused` there.
    let (r, updates) = run("{at: 60s, rollout: undo, to_revision: 7}");
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 60 * SECOND));
    assert_eq!(updates, ["updating", "rollback_failed"]);
    // Ten restarts (revisions 3 to 12) leave eleven revisions no pod uses besides the one
    // in force (1 to 11): the oldest, 1, is deleted; 2 is kept.
    let restarts: Vec<String> = (1..=10)
        .map(|i| format!("{{at: {}s, rollout: restart}}", 60 * i))
        .collect();
    let restarts = restarts.join(", ");
    let (r, _) = run(&format!(
        "{restarts}, {{at: 900s, rollout: undo, to_revision: 1}}"
    ));
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 900 * SECOND));
    let (r, _) = run(&format!(
        "{restarts}, {{at: 900s, rollout: undo, to_revision: 2}}"
    ));
    assert_eq!(r.outcome, Outcome::RolledBack);
}

/// `kubectl drain` of a node holding two pods, after the rollout: each evicted pod exits
/// 2 s later and its ordinal is created again on the other node, Ready 1 s after. Without a
/// budget both go at once (drained at 22 s, two pods short); under a PodDisruptionBudget
/// `maxUnavailable: 1` of the StatefulSet's `spec.replicas` the second eviction waits for
/// the first pod's successor and goes at kubectl's retry 5 s later (drained at 27 s, one
/// pod short at worst).
#[test]
fn a_drain_evicts_by_the_disruption_budget() {
    for (budget, drained_at, worst) in [
        ("", 22, 2),
        ("  podDisruptionBudget: {maxUnavailable: 1}\n", 27, 3),
    ] {
        let s = yaml(&format!(
            "horizon: 10m\ncluster: {{nodes: 2, node: {{cpu: '4', memory: 8Gi}}}}\n\
             service:\n  replicas: 4\n  resources: {{cpu: 100m, memory: 64Mi}}\n{budget}\
             \x20 readinessProbe: {{}}\n\
             \x20 versions: {{current: {{shutdown: 2s}}, next: {{pull: 0s, start: 1s, \
             ready_after: 0s, shutdown: 2s}}}}\n\
             strategy: {{statefulSet: {{podManagementPolicy: Parallel}}}}\n\
             faults: {{node_drains: [{{at: 20s, node: 1}}]}}\n"
        ));
        let (r, trace) = Workspace::new(&s).run_traced(0);
        assert_eq!(r.outcome, Outcome::Completed, "{budget}");
        let drained: Vec<Time> = (trace.iter())
            .filter_map(|rec| match rec {
                TraceRecord::Node { t, state, .. } if *state == "drained" => Some(*t),
                _ => None,
            })
            .collect();
        assert_eq!(drained, [drained_at * SECOND], "{budget}");
        assert_eq!(r.min_ready, worst, "{budget}");
    }
}
