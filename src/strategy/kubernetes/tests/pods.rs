//! The pods under the Deployment, through whole trials: Recreate waits for terminating
//! pods and RollingUpdate does not, `minReadySeconds` (from the whole second the API
//! stamped), crash-loop back-off, liveness restarts, a Pending surge pod, and preStop
//! hooks bounded by the grace period.

use super::*;

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
