//! Controller-level tests: whole trials with `testkit` scenarios, asserting the scale
//! steps from the trace against the event list of kubernetes/website
//! `content/en/docs/concepts/workloads/controllers/deployment.md`, the two cases of the
//! comment in rolling.go `reconcileOldReplicaSets` and the upstream functions run in
//! lock-step, plus invariants under random timing.

use super::fenceposts::{max_surge, max_unavailable};
use super::rolling::{self, RsCounts};
use crate::cluster::{TaskState, TraceRecord};
use crate::result::{Outcome, TrialResult};
use crate::scenario::{Action, ActionKind, DeploymentStrategy, Dist, Probe, Scenario, VersionId};
use crate::sim::time::{SECOND, Time};
use crate::testkit::{self, kubernetes, kubernetes_cfg, rolling, rolling_pct, updates};
use crate::trial::Workspace;
use proptest::prelude::*;

const S: Time = SECOND;

fn run(s: &Scenario) -> (TrialResult, Vec<TraceRecord>) {
    Workspace::new(s).run_traced(0)
}

use crate::cluster::trace::scale_steps as scales;

fn timed_scales(trace: &[TraceRecord]) -> Vec<(Time, u32, u32)> {
    trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Scale { t, new, old } => Some((t, new, old)),
            _ => None,
        })
        .collect()
}

/// New pods never become Ready: a readiness probe and an application that never answers.
fn never_ready(s: &mut Scenario) {
    s.service.readiness_probe = Some(Probe {
        period: S,
        ..Probe::default()
    });
    s.service.versions[1].ready_after = Dist::Never;
}

/// The upstream functions in lock-step with instant readiness: every sync of an instant
/// until nothing changes, then every new pod becomes available. Old pods are all available.
fn lockstep(kind: &DeploymentStrategy, replicas: u32) -> Vec<(u32, u32)> {
    let mu = max_unavailable(kind, replicas);
    let (mut ns, mut na, mut os, mut oa) = (0u32, 0u32, replicas, replicas);
    let mut created = false;
    let mut out = vec![];
    loop {
        loop {
            let before = (ns, os);
            let new = RsCounts {
                spec: ns,
                available: na,
            };
            let all = [
                RsCounts {
                    spec: os,
                    available: oa,
                },
                new,
            ];
            let scaled_new = if !created {
                created = true;
                ns = rolling::new_rs_new_replicas(kind, replicas, os, 0);
                false
            } else if let Some(n) = rolling::reconcile_new_replica_set(kind, replicas, &all, new) {
                ns = n;
                true
            } else {
                false
            };
            if !scaled_new {
                let mut old = [RsCounts {
                    spec: os,
                    available: oa,
                }];
                rolling::reconcile_old_replica_sets(replicas, mu, &mut old, new);
                os = old[0].spec;
                oa = oa.min(os);
            }
            if (ns, os) == before {
                break;
            }
            out.push((ns, os));
        }
        if na == ns {
            return out; // complete, or stuck
        }
        na = ns;
    }
}

#[test]
fn three_replicas_at_25_percent_match_the_docs() {
    // The events of "Updating a Deployment" in kubernetes/website
    // `content/en/docs/concepts/workloads/controllers/deployment.md`: surge 1, unavailable 0.
    let s = kubernetes(3, 2 * S, rolling_pct(25, 25));
    let (r, trace) = run(&s);
    assert_eq!(
        scales(&trace),
        [(1, 3), (1, 2), (2, 2), (2, 1), (3, 1), (3, 0)]
    );
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 6 * S));
    assert_eq!(r.min_available, 3, "maxUnavailable 0");
    assert_eq!(updates(&trace), ["updating", "completed"]);
}

#[test]
fn ten_replicas_at_25_percent_go_3_8_then_5_8_then_5_3_then_10_3_then_10_0() {
    let s = kubernetes(10, 2 * S, rolling_pct(25, 25));
    let (r, trace) = run(&s);
    assert_eq!(
        timed_scales(&trace),
        [
            (0, 3, 8),
            (0, 5, 8),
            (2 * S, 5, 3),
            (2 * S, 10, 3),
            (4 * S, 10, 0)
        ]
    );
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 4 * S));
    assert_eq!(r.min_available, 8);
    // Old pods that are shutting down hold resources but count nowhere: 3+8 live + 2
    // terminating would be 13 with a slow shutdown; with an instant one the peak is 13
    // at t=0 (10 old − 2 deleted + 5 new).
    assert_eq!(r.peak_tasks, 13);
}

#[test]
fn scale_steps_equal_the_upstream_functions_in_lockstep() {
    let mut n = 0;
    for replicas in [1, 2, 3, 4, 5, 7, 10, 13, 20] {
        for (surge, unav) in [
            (1, 0),
            (0, 1),
            (1, 1),
            (3, 2),
            (2, 5),
            (5, 0),
            (0, 3),
            (25, 0),
        ] {
            let kind = rolling(surge, unav);
            let (r, trace) = run(&kubernetes(replicas, 2 * S, kind.clone()));
            assert_eq!(
                scales(&trace),
                lockstep(&kind, replicas),
                "{replicas} {surge} {unav}"
            );
            assert_eq!(r.outcome, Outcome::Completed);
            n += 1;
        }
        for (surge, unav) in [(25, 25), (50, 0), (0, 50), (10, 10), (100, 100), (200, 0)] {
            let kind = rolling_pct(surge, unav);
            let (_, trace) = run(&kubernetes(replicas, 2 * S, kind.clone()));
            assert_eq!(
                scales(&trace),
                lockstep(&kind, replicas),
                "{replicas} {surge}% {unav}%"
            );
            n += 1;
        }
    }
    assert_eq!(n, 9 * 14);
}

#[test]
fn hundred_replicas_surge_1_unavailable_0_take_200_steps() {
    // `rolloutRolling` makes one scale a sync: each pod one step up and one down.
    let (r, trace) = run(&kubernetes(100, S, rolling(1, 0)));
    assert_eq!(scales(&trace).len(), 200);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 100 * S));
}

#[test]
fn new_pods_that_never_become_ready_stop_at_5_8_and_report_the_deadline() {
    let mut s = kubernetes(10, 2 * S, rolling(3, 2));
    never_ready(&mut s);
    s.horizon = 3600 * S;
    let (r, trace) = run(&s);
    assert_eq!(scales(&trace), [(3, 8), (5, 8)]);
    // lastUpdateTime 0 (NewReplicaSetCreated), deadline 600 s, requeued at +1 s.
    assert_eq!(r.deadline_exceeded_at, Some(601 * S));
    assert_eq!(
        (r.outcome, r.duration),
        (Outcome::DeadlineExceeded, 3600 * S)
    );
    assert_eq!(r.min_available, 8);
    assert_eq!(updates(&trace), ["updating", "deadline_exceeded"]);
    // Without a deadline it is a plain timeout.
    kubernetes_cfg(&mut s).progress_deadline = None;
    let (r, _) = run(&s);
    assert_eq!(
        (r.outcome, r.deadline_exceeded_at),
        (Outcome::Timeout, None)
    );
}

#[test]
fn progress_resets_the_deadline_and_a_late_completion_is_completed() {
    // Each new pod needs 400 s: progress every 400 s keeps the 600 s deadline away.
    let mut s = kubernetes(3, 400 * S, rolling(1, 0));
    let (r, _) = run(&s);
    assert_eq!(
        (r.outcome, r.deadline_exceeded_at),
        (Outcome::Completed, None)
    );
    assert_eq!(r.duration, 1200 * S);
    // 700 s per pod: exceeded at 601 s, then the first pod becomes available at 700 s and
    // the rollout goes on and completes at 2100 s; the deadline time is still recorded.
    s.service.versions[1].start = Dist::Constant(700 * S);
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 2100 * S));
    assert_eq!(r.deadline_exceeded_at, Some(601 * S));
    assert_eq!(
        updates(&trace),
        [
            "updating",
            "deadline_exceeded",
            "deadline_exceeded",
            "deadline_exceeded",
            "completed"
        ]
    );
}

#[test]
fn the_deadline_counts_from_the_whole_second_the_api_stamped_the_progress() {
    // `lastUpdateTime` is a metav1.Time: the syncs after the one that saw progress read it
    // in whole seconds (`DeploymentTimedOut`, `requeueStuckDeployment`). Pods that need
    // 600.7 s: the first is available at 600.7 s, stamped 600 s, so the deadline passes at
    // 1200 s and the requeue at 1201 s finds it exceeded, 0.4 s before the second pod is
    // available (at 1201.4 s, stamped 1201 s: exceeded again at 1802 s, 0.1 s before the
    // third). Counted from 600.7 s the requeue would come at 1201.7 s, after the progress.
    let mut s = kubernetes(3, 600 * S + 700_000, rolling(1, 0));
    s.horizon = 3600 * S;
    let (r, trace) = run(&s);
    assert_eq!(
        (r.outcome, r.duration),
        (Outcome::Completed, 1802 * S + 100_000)
    );
    assert_eq!(r.deadline_exceeded_at, Some(1201 * S));
    assert_eq!(
        updates(&trace),
        [
            "updating",
            "deadline_exceeded",
            "deadline_exceeded",
            "completed"
        ]
    );
}

#[test]
fn auto_rollback_undoes_at_the_deadline() {
    let mut s = kubernetes(10, 2 * S, rolling(3, 2));
    never_ready(&mut s);
    kubernetes_cfg(&mut s).auto_rollback = true;
    let (r, trace) = run(&s);
    // At 601 s: v1 (8, all available) becomes the new RS; maxScaledDown = 13 − 8 − 0 = 5
    // cleans up the five v2 pods, then v1 scales back to 10 and completes 2 s later.
    assert_eq!(
        timed_scales(&trace),
        [(0, 3, 8), (0, 5, 8), (601 * S, 8, 0), (601 * S, 10, 0)]
    );
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 603 * S));
    assert_eq!(r.deadline_exceeded_at, Some(601 * S));
    assert_eq!(
        updates(&trace),
        [
            "updating",
            "deadline_exceeded",
            "rollback_started",
            "rollback_completed"
        ]
    );
}

fn with_v3(s: &mut Scenario) -> VersionId {
    s.service.versions.push(testkit::version("v3", 2 * S));
    2
}

#[test]
fn case_2_roll_over_to_v3_while_stuck() {
    // Case 2 of the comment in rolling.go `reconcileOldReplicaSets`: stuck at (v2 5, v1 8);
    // at 120 s the user sets v3.
    let mut s = kubernetes(10, 2 * S, rolling(3, 2));
    never_ready(&mut s);
    let v3 = with_v3(&mut s);
    s.actions = vec![Action {
        at: 120 * S,
        kind: ActionKind::Update(v3),
    }];
    let (r, trace) = run(&s);
    // v3 is created with 0 (13 ≥ 13) while the unhealthy v2 goes 5 → 0 through cleanup
    // (new = v3, old = v1 8 + v2 0); then v3 scales up by 5; then the usual batches.
    assert_eq!(
        timed_scales(&trace),
        [
            (0, 3, 8),
            (0, 5, 8),
            (120 * S, 0, 8),
            (120 * S, 5, 8),
            (122 * S, 5, 3),
            (122 * S, 10, 3),
            (124 * S, 10, 0)
        ]
    );
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 124 * S));
}

#[test]
fn case_1_rollback_during_a_crashloop_with_one_old_pod_unavailable() {
    // Case 1 of the comment in rolling.go `reconcileOldReplicaSets`: stuck at (v2 5, v1 8),
    // one v1 pod unavailable, undo.
    // v1 pods hang at 30 s with probability 1/4 (and stay NotReady: no liveness probe);
    // trials where exactly one of the eight remaining v1 pods hung show the case.
    let mut s = kubernetes(10, 2 * S, rolling(3, 2));
    never_ready(&mut s);
    s.service.versions[0].hang_after =
        Dist::Empirical(vec![30 * S, Time::MAX, Time::MAX, Time::MAX]);
    s.actions = vec![Action {
        at: 120 * S,
        kind: ActionKind::Undo,
    }];
    s.horizon = 300 * S;
    let mut seen = 0;
    for trial in 0..40 {
        let (_, trace) = Workspace::new(&s).run_traced(trial);
        // v1 pods NotReady (Ready → Running) before the undo.
        let unready = trace
            .iter()
            .filter(|e| {
                matches!(e, TraceRecord::Task { t, version: 0, state: TaskState::Running, .. }
                    if *t > 0 && *t < 120 * S)
            })
            .count();
        if unready != 1 {
            continue;
        }
        seen += 1;
        let after: Vec<(u32, u32)> = timed_scales(&trace)
            .into_iter()
            .filter(|&(t, _, _)| t >= 120 * S)
            .map(|(_, n, o)| (n, o))
            .collect();
        // maxScaledDown = 13 − 8 − 1 = 4: four v2 pods cleaned up; then v1 scales to 10;
        // when the two new v1 pods are available, the last v2 pod goes.
        assert_eq!(after, [(8, 1), (10, 1), (10, 0)], "trial {trial}");
    }
    assert!(seen >= 3, "only {seen} trials had exactly one hung v1 pod");
}

#[test]
fn undo_after_completion_rolls_back() {
    let mut s = kubernetes(4, 2 * S, rolling(1, 1));
    s.actions = vec![Action {
        at: 100 * S,
        kind: ActionKind::Undo,
    }];
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::RolledBack);
    let u = updates(&trace);
    assert_eq!(
        u,
        [
            "updating",
            "completed",
            "rollback_started",
            "rollback_completed"
        ]
    );
    // The rollback is a rolling update back to v1 (its RS gets revision 3).
    assert_eq!(scales(&trace).last(), Some(&(4, 0)));
    assert!(r.duration > 100 * S);
}

#[test]
fn undo_without_history_is_refused() {
    // Undo at time 0 before anything else: the history has v1 (rev 1) and v2 (rev 2),
    // so it goes back to v1 — then a second undo goes to v2 again (kubectl semantics).
    let mut s = kubernetes(2, 2 * S, rolling(1, 0));
    s.actions = vec![
        Action {
            at: 10 * S,
            kind: ActionKind::Undo,
        },
        Action {
            at: 20 * S,
            kind: ActionKind::Undo,
        },
    ];
    let (r, trace) = run(&s);
    assert_eq!(
        updates(&trace),
        [
            "updating",
            "completed",
            "rollback_started",
            "rollback_completed",
            "rollback_started",
            "rollback_completed"
        ]
    );
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 24 * S));
}

#[test]
fn recreate_waits_for_terminating_pods() {
    let mut s = kubernetes(3, 2 * S, DeploymentStrategy::Recreate);
    s.service.versions[0].shutdown = Dist::Constant(5 * S);
    let (r, trace) = run(&s);
    assert_eq!(timed_scales(&trace), [(0, 0, 0), (5 * S, 3, 0)]);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 7 * S));
    assert_eq!((r.min_available, r.peak_tasks), (0, 3));
    // A hung old pod is killed at the 30 s grace period (SIGKILL).
    s.service.versions[0].hang_after = Dist::ZERO;
    let (r, _) = run(&s);
    assert_eq!(r.duration, 32 * S);
}

#[test]
fn rolling_update_does_not_wait_for_terminating_pods() {
    // Old pods take 20 s to shut down; the rollout completes at 6 s, holding extra pods.
    let mut s = kubernetes(3, 2 * S, rolling(1, 0));
    s.service.versions[0].shutdown = Dist::Constant(20 * S);
    let (r, _) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 6 * S));
    assert_eq!(
        r.peak_tasks, 6,
        "3 terminating + 3 new: more than replicas + maxSurge"
    );
}

#[test]
fn min_ready_seconds_delays_availability_not_readiness() {
    let mut s = kubernetes(2, 2 * S, rolling(1, 0));
    kubernetes_cfg(&mut s).min_ready = 10 * S;
    let (r, trace) = run(&s);
    // Each pod: Ready at +2 s, available at +12 s; one at a time.
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 24 * S));
    assert_eq!(
        timed_scales(&trace),
        [(0, 1, 2), (12 * S, 1, 1), (12 * S, 2, 1), (24 * S, 2, 0)]
    );
    assert_eq!((r.min_available, r.min_ready), (2, 2));
}

#[test]
fn min_ready_seconds_counts_from_the_whole_second_the_api_stamped() {
    // kubernetes/kubernetes v1.34+: the ReplicaSet controller requeues for the exact
    // instant `IsPodAvailable` turns true (replica_set.go `syncReplicaSet`,
    // `FindMinNextPodAvailabilityCheck`, #132121), and the Ready condition's
    // `lastTransitionTime` it reads is whole seconds (metav1.Time). Pods Ready at 2.5 s
    // and 14.5 s are stamped 2 s and 14 s: available at 12 s and 24 s, not 12.5 and 24.5.
    let mut s = kubernetes(2, 2 * S + S / 2, rolling(1, 0));
    kubernetes_cfg(&mut s).min_ready = 10 * S;
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 24 * S));
    assert_eq!(
        timed_scales(&trace),
        [(0, 1, 2), (12 * S, 1, 1), (12 * S, 2, 1), (24 * S, 2, 0)]
    );
}

#[test]
fn crash_looping_pods_back_off_and_hit_the_deadline() {
    let mut s = kubernetes(4, 2 * S, rolling(1, 1));
    s.service.versions[1].crash_probability = 1.0;
    s.horizon = 1800 * S;
    let (r, trace) = run(&s);
    // surge 1, unavailable 1: the first sync creates the new RS with 1 and removes one
    // old pod, the next fills the surge; then two unavailable new pods block everything.
    assert_eq!(scales(&trace), [(1, 3), (2, 3)]);
    assert_eq!(r.outcome, Outcome::DeadlineExceeded);
    assert_eq!(r.deadline_exceeded_at, Some(601 * S));
    // Each pod restarts with backoff 0, 10, 20, 40, 80, 160, 300, 300 … s after 2 s starts:
    // exits at 2, 4, 16, 38, 80, 162, 324, 626, 928, 1230, 1532 (11 back-offs), restarts at
    // 2, 14, 36, 78, 160, 322, 624, 926, 1228, 1530 → 10 per pod; the 11th is due at 1832,
    // after the horizon.
    assert_eq!(r.restarts, 2 * 10);
    let backoffs = trace
        .iter()
        .filter(|e| {
            matches!(
                e,
                TraceRecord::Task {
                    state: TaskState::BackOff,
                    slot: 0,
                    version: 1,
                    ..
                }
            )
        })
        .count();
    assert_eq!(backoffs, 11);
}

#[test]
fn liveness_restarts_a_hung_container_in_place() {
    let mut s = kubernetes(1, 2 * S, rolling(1, 0));
    s.service.liveness_probe = Some(Probe::default());
    s.service.versions[1].hang_after = Dist::Constant(60 * S);
    s.horizon = 200 * S;
    let (r, trace) = run(&s);
    // Done at 2 s; hang at 62 s; liveness ticks 62, 72, 82 → killed at 83 s, after
    // the 30 s grace (hung: SIGKILL) it restarts at once (first exit).
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 2 * S));
    let _ = trace;
    let mut s2 = s.clone();
    s2.actions = vec![Action {
        at: 150 * S,
        kind: ActionKind::Update(0),
    }];
    let (_, trace) = run(&s2);
    let first = trace.iter().find_map(|e| match *e {
        TraceRecord::Task {
            t,
            state: TaskState::BackOff,
            ..
        } => Some(t),
        _ => None,
    });
    assert_eq!(first, Some(83 * S));
    let restarted = trace.iter().find_map(|e| match *e {
        TraceRecord::Task {
            t,
            state: TaskState::Starting,
            version: 1,
            ..
        } if t > 83 * S => Some(t),
        _ => None,
    });
    assert_eq!(restarted, Some(113 * S));
}

#[test]
fn pending_surge_pod_blocks_a_zero_unavailable_rollout() {
    // Room for exactly 3 pods: the surge pod stays Pending, nothing can be removed.
    let mut s = kubernetes(3, 2 * S, rolling(1, 0));
    s.cluster.nodes[0].cpu_millis = 300;
    s.horizon = 1200 * S;
    let (r, trace) = run(&s);
    assert_eq!(scales(&trace), [(1, 3)]);
    assert_eq!(r.outcome, Outcome::DeadlineExceeded);
    // maxUnavailable 1 frees room first and completes.
    kubernetes_cfg(&mut s).kind = rolling(0, 1);
    let (r, _) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed);
}

#[test]
fn pre_stop_and_grace_bound_termination() {
    // preStop 5 s + shutdown 40 s capped by the 30 s grace: the old pod exits at 30 s.
    let mut s = kubernetes(1, 2 * S, DeploymentStrategy::Recreate);
    s.service.pre_stop = 5 * S;
    s.service.versions[0].shutdown = Dist::Constant(40 * S);
    let (r, _) = run(&s);
    assert_eq!(r.duration, 32 * S);
    s.service.stop_grace_period = Some(60 * S);
    let (r, _) = run(&s);
    assert_eq!(r.duration, 47 * S);
}

fn random_timing(s: &mut Scenario, spread: Time) {
    for v in &mut s.service.versions {
        v.start = Dist::Uniform {
            min: 0,
            max: spread,
        };
        v.ready_after = Dist::Uniform {
            min: 0,
            max: spread,
        };
        v.shutdown = Dist::Uniform {
            min: 0,
            max: spread,
        };
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn invariants_under_random_timing(
        replicas in 1u32..25,
        surge in 0u32..6,
        unav in 0u32..6,
        pct in any::<bool>(),
        probe in any::<bool>(),
        trial in 0u64..1000,
    ) {
        prop_assume!(surge + unav > 0);
        let kind = if pct { rolling_pct(surge * 20, unav * 20) } else { rolling(surge, unav) };
        let mut s = kubernetes(replicas, S, kind.clone());
        random_timing(&mut s, 20 * S);
        if probe {
            s.service.readiness_probe = Some(Probe { period: 3 * S, ..Probe::default() });
        }
        let (r, trace) = Workspace::new(&s).run_traced(trial);
        let max_total = replicas + max_surge(&kind, replicas);
        let steps = scales(&trace);
        for &(n, o) in &steps {
            prop_assert!(n + o <= max_total, "{n}+{o} > {max_total}");
        }
        prop_assert_eq!(steps.last().copied(), Some((replicas, 0)));
        prop_assert_eq!(r.outcome, Outcome::Completed);
        prop_assert!(r.min_available >= replicas - max_unavailable(&kind, replicas));
    }
}

#[test]
fn a_sync_chain_past_the_livelock_guard_ends_the_trial_as_timeout() {
    use super::Deployment;
    use crate::cluster::Cluster;
    use crate::strategy::Controller;
    // 100 replicas at maxSurge 1 with instant readiness need 200 scale steps in one
    // instant; a guard of 10 syncs must end the trial there, loudly, not stop short.
    let s = kubernetes(100, 0, rolling(1, 0));
    let crate::scenario::Strategy::Kubernetes(cfg) = &s.strategy else {
        unreachable!()
    };
    let mut cl = Cluster::new(&s);
    cl.reset(0, true);
    let mut d = Deployment::new(cfg);
    d.start(&mut cl);
    d.sync_limit = 10;
    d.settle(&mut cl);
    assert_eq!(d.outcome(), Some((Outcome::Timeout, 0)));
    assert_eq!(d.timeout_outcome(), Outcome::Timeout);
    let trace = cl.trace.take().unwrap();
    assert!(updates(&trace).contains(&"sync_livelock"));
    assert!(scales(&trace).len() < 200);
    // The default guard leaves room for the whole rollout.
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, scales(&trace).len()), (Outcome::Completed, 200));
}
