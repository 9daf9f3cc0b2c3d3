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

mod pods;
mod rollback;

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
