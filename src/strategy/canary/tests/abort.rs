//! The abort of a traffic-routed canary without `dynamicStableScale`, whole trials against
//! argo-rollouts 9f8d111 `rollout/replicaset.go`: `shouldDelayScaleDownOnAbort` decides
//! whether `reconcileNewReplicaSet` holds the canary for `abortScaleDownDelaySeconds`
//! (annotating the `scale-down-deadline` only once the stable ReplicaSet is fully
//! available) or scales it at once to what `NewRSNewReplicas` asks for: 0 (the abort's
//! weight), or with `abortScaleDownDelaySeconds: 0` a first step's `setCanaryScale`
//! (`UseSetCanaryScale`; `GetAbortScaleDownDelaySecondsOrDefault` reads 0 as "no
//! delay", `nil`).

use super::*;
use crate::scenario::rollout::CanaryScale;

/// N = 4 behind a router at 50 % (canary 2, stable 4) until the user aborts at 101 s;
/// every stable pod dies at 100 s and its container takes 20 s to start again, so the
/// stable is not fully available when the abort comes, and is again from about 120 s.
fn aborted_with_the_stable_down(steps: Vec<CanaryStep>, abort_delay: Time) -> Scenario {
    let mut c = canary(steps, true);
    c.abort_scale_down_delay = abort_delay;
    let mut s = scenario(4, RolloutKind::Canary(c));
    s.horizon = 600 * S;
    s.service.readiness_probe = Some(Probe {
        period: S,
        ..Probe::default()
    });
    s.service.versions[0].crash_after = Dist::Constant(100 * S);
    s.service.versions[0].start = Dist::Constant(20 * S);
    s.actions = vec![Action {
        at: 101 * S,
        kind: ActionKind::Abort,
    }];
    s
}

/// `abortScaleDownDelaySeconds: 0`: `shouldDelayScaleDownOnAbort` is false ("wishes to
/// leave canary/preview up"), so `reconcileNewReplicaSet` scales the canary to
/// `NewRSNewReplicas` in the abort's first reconcile, without waiting for the stable:
/// weight 0, no `setCanaryScale`, 0 pods (issue #1841). The simulator held the canary
/// until the stable was fully available, as for a delay.
#[test]
fn abort_delay_zero_removes_the_canary_at_once() {
    let s = aborted_with_the_stable_down(vec![SetWeight(50), Pause(None)], 0);
    let (_, trace) = run(&s);
    assert!(testkit::updates(&trace).contains(&"rollback_started"));
    let after = scales_from(&trace, 101 * S);
    assert_eq!(
        after.first().map(|&(t, c, st)| (t, c, st)),
        Some((101 * S, 0, 4)),
        "{trace:?}"
    );
}

/// With the default 30 s, or a written 45 s, the canary stays while the stable is not
/// fully available: the deadline is annotated only then ("the deadline scales the canary
/// to zero unconditionally"), and the canary goes the delay after that reconcile's whole
/// second, not after the abort.
#[test]
fn an_abort_delay_waits_for_a_full_stable() {
    for delay in [30 * S, 45 * S] {
        let s = aborted_with_the_stable_down(vec![SetWeight(50), Pause(None)], delay);
        let (r, trace) = run(&s);
        let after = scales_from(&trace, 101 * S);
        // The stable is full again at 120 s.
        assert_eq!(after, [(120 * S + delay, 0, 4)], "{trace:?}");
        assert_eq!(r.outcome, Outcome::RolledBack);
        assert_eq!(r.duration, 120 * S + delay);
    }
}

/// A basic canary (no router) has no abort delay (`shouldDelayScaleDownOnAbort`: "basic
/// canary should not use this"; `abortScaleDownDelaySeconds` is read only with a router):
/// `CalculateReplicaCountsForBasicCanary` at weight 0 steps back within maxSurge 1 and
/// maxUnavailable 0, the stable growing first into the surge pod, the canary shrinking
/// once that pod is available (`isIncreasing` false: the canary's availability is not
/// counted), one ReplicaSet per reconcile, and the rollback ends with the last canary pod.
#[test]
fn a_basic_canary_steps_back_within_surge_without_delay() {
    let mut c = canary(vec![SetWeight(50), Pause(None)], false);
    c.abort_scale_down_delay = 600 * S;
    let mut s = scenario(10, RolloutKind::Canary(c));
    s.actions = vec![Action {
        at: 100 * S,
        kind: ActionKind::Abort,
    }];
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::RolledBack);
    let after: Vec<(u32, u32)> = scales_from(&trace, 100 * S)
        .into_iter()
        .map(|(_, c, st)| (c, st))
        .collect();
    let expected = [
        (5, 6),
        (4, 6),
        (4, 7),
        (3, 7),
        (3, 8),
        (2, 8),
        (2, 9),
        (1, 9),
        (1, 10),
        (0, 10),
    ];
    assert_eq!(after, expected, "{trace:?}");
    assert_eq!(r.min_available, 10);
    // Each stable pod takes 1 s to become available: no 600 s wait anywhere.
    assert!(r.duration < 120 * S, "{}", r.duration);
}

/// `abortScaleDownDelaySeconds: 0` with a first-step `setCanaryScale: {replicas: 2}`:
/// the abort resets the step index to 0, where `UseSetCanaryScale` still finds the scale
/// (a non-zero delay would make it ignore it), so `NewRSNewReplicas` keeps 2 canary pods
/// for good, as the user asked. The simulator scaled the canary to 0 once the stable was
/// full, whatever the delay. With the router's weight at 0 and the stable full, the
/// rollback is over at the abort (as a blue-green's kept preview counts), not a trial
/// still going at its horizon.
#[test]
fn abort_delay_zero_keeps_a_first_step_canary_scale_without_dynamic_scaling() {
    let steps = vec![
        CanaryStep::SetCanaryScale(CanaryScale::Replicas(2)),
        SetWeight(50),
        Pause(None),
    ];
    let mut c = canary(steps, true);
    c.abort_scale_down_delay = 0;
    let mut s = scenario(4, RolloutKind::Canary(c));
    s.horizon = 600 * S;
    s.actions = vec![Action {
        at: 200 * S,
        kind: ActionKind::Abort,
    }];
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 200 * S));
    let updates = testkit::updates(&trace);
    assert!(updates.contains(&"rollback_started"), "{updates:?}");
    assert!(updates.contains(&"rollback_completed"), "{updates:?}");
    assert_eq!(scales(&trace), [(2, 4)], "{trace:?}");
}

/// `reconcileNewReplicaSet` waits for the `scale-down-deadline` it reads back only while
/// the time left is under the resync period (15 min by default); otherwise it falls
/// through to scaling the canary to `NewRSNewReplicas`, which is 0 on abort. So a
/// 900 s delay written at a whole second (900 s left) empties the canary in the reconcile
/// right after the one that wrote it, while the same delay written half a second past it
/// (899.5 s left) is waited for. The simulator always waited.
#[test]
fn an_abort_delay_of_a_resync_period_is_not_waited_for() {
    let emptied = |abort_at: Time| {
        let mut c = canary(vec![SetWeight(50), Pause(None)], true);
        c.abort_scale_down_delay = 900 * S;
        c.abort_delay_explicit = true;
        let mut s = scenario(4, RolloutKind::Canary(c));
        s.actions = vec![Action {
            at: abort_at,
            kind: ActionKind::Abort,
        }];
        let (r, trace) = run(&s);
        assert_eq!(r.outcome, Outcome::RolledBack, "{trace:?}");
        let after = scales_from(&trace, abort_at);
        assert_eq!(after.len(), 1, "{trace:?}");
        assert_eq!(after[0].1, 0);
        after[0].0
    };
    assert_eq!(emptied(100 * S), 100 * S);
    assert_eq!(emptied(100 * S + S / 2), 1000 * S);
}

/// `lint` names the delay the controller does not wait for: past the resync period, with
/// a router, when the abort delays the scale-down at all (not under `dynamicStableScale`
/// with the default delay); a basic canary ignores the field.
#[test]
fn lint_warns_of_an_abort_delay_past_the_resync_period() {
    let fires = |routed: bool, delay: Time, dynamic: bool, explicit: bool| {
        let mut c = canary(vec![SetWeight(50), Pause(None)], routed);
        c.abort_scale_down_delay = delay;
        c.dynamic_stable_scale = dynamic;
        c.abort_delay_explicit = explicit;
        let s = scenario(4, RolloutKind::Canary(c));
        crate::check::lint::lint(&s, Some(1))
            .iter()
            .any(|w| w.rule == "argo-abort-delay-past-resync")
    };
    assert!(fires(true, 901 * S, false, true));
    assert!(fires(true, 3600 * S, true, true));
    // Within the period (900 s itself is waited for unless written on a whole second).
    assert!(!fires(true, 900 * S, false, true));
    // `dynamicStableScale` without an explicit delay never holds the canary.
    assert!(!fires(true, 3600 * S, true, false));
    // A basic canary has no abort delay.
    assert!(!fires(false, 3600 * S, false, true));
}
