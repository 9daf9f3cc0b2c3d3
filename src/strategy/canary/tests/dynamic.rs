//! `dynamicStableScale` behind a router, whole trials against argo-rollouts 9f8d111:
//! the stable sized by `utils/replicaset/canary.go:CalculateReplicaCountsForTrafficRoutedCanary`
//! from the weights read at the start of the reconcile, the canary from those
//! `rollout/trafficrouting.go:reconcileTrafficRouting` has just written, and on abort the
//! router's weight from `calculateDesiredWeightOnAbortOrStableRollback`.

use super::*;
use crate::scenario::rollout::CanaryScale;

/// N = 10 behind a router with `dynamicStableScale`, at 50 % until the user aborts at
/// 200 s; the stable's new pods start after 1 to 20 s each, so they become available
/// one by one.
fn aborted_at_half(steps: Vec<CanaryStep>, tweak: impl FnOnce(&mut Canary)) -> Scenario {
    let mut c = canary(steps, true);
    c.dynamic_stable_scale = true;
    c.scale_down_delay = 0;
    tweak(&mut c);
    let mut s = scenario(10, RolloutKind::Canary(c));
    s.horizon = 900 * S;
    s.service.versions[0].start = Dist::Uniform {
        min: S,
        max: 20 * S,
    };
    s.actions = vec![Action {
        at: 200 * S,
        kind: ActionKind::Abort,
    }];
    s
}

/// `dynamicStableScale` with `setCanaryScale: {replicas: 2}` after `setWeight: 50`:
/// `GetCanaryReplicasOrWeight` gives the explicit count and weight 0, so the stable is
/// sized for weight 0 — all N pods — while the router keeps 50 % on the two canary pods
/// (`GetCurrentSetWeight`). Sizing the stable from the traffic weight kept it at 5.
#[test]
fn dynamic_stable_scale_grows_the_stable_back_for_an_explicit_canary_count() {
    let steps = vec![
        SetWeight(50),
        CanaryStep::SetCanaryScale(crate::scenario::rollout::CanaryScale::Replicas(2)),
        Pause(Some(60 * S)),
    ];
    let mut c = canary(steps, true);
    c.dynamic_stable_scale = true;
    c.scale_down_delay = 0;
    let (r, trace) = run(&scenario(10, RolloutKind::Canary(c)));
    assert_eq!(r.outcome, Outcome::Completed);
    let sc = scales(&trace);
    // 50 %: 5 canary, then the stable follows the traffic down to 5.
    assert!(sc.contains(&(5, 5)), "{sc:?}");
    // setCanaryScale: the stable back to 10, the canary down to 2.
    let at_scale = sc
        .iter()
        .position(|&s| s == (5, 10))
        .expect("stable back to 10");
    assert!(sc[at_scale..].contains(&(2, 10)), "{sc:?}");
}

/// The abort at 50 % with nothing to step back to: the stable is scaled to N at once
/// (`GetDesiredCanaryWeight` gives 0), and the router's weight is what the stable's
/// available pods cannot carry yet (`calculateDesiredWeightOnAbortOrStableRollback`:
/// 100 − 10 per available stable pod), so the canary gives up one pod per stable pod
/// that becomes available. The simulator held the weight at 50 until the stable was fully
/// available and emptied the canary in one step.
#[test]
fn an_aborted_dynamic_canary_hands_its_traffic_back_pod_by_pod() {
    let (r, trace) = run(&aborted_at_half(vec![SetWeight(50), Pause(None)], |_| {}));
    assert_eq!(r.outcome, Outcome::RolledBack);
    let after: Vec<(u32, u32)> = scales_from(&trace, 200 * S)
        .into_iter()
        .map(|(_, c, st)| (c, st))
        .collect();
    assert_eq!(
        after,
        [(5, 10), (4, 10), (3, 10), (2, 10), (1, 10), (0, 10)],
        "{trace:?}"
    );
}

/// `abortScaleDownDelaySeconds: 30` written with `dynamicStableScale`:
/// `shouldDelayScaleDownOnAbort` holds the canary at its size until the stable is fully
/// available, then for the delay (`reconcileNewReplicaSet`), while the traffic still
/// leaves it as the stable comes back. The simulator scaled it to 0 as soon as the stable
/// was full, with no delay.
#[test]
fn an_explicit_abort_delay_holds_the_dynamic_canary() {
    let s = aborted_at_half(vec![SetWeight(50), Pause(None)], |c| {
        c.abort_delay_explicit = true;
        c.abort_scale_down_delay = 30 * S;
    });
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::RolledBack);
    let after = scales_from(&trace, 200 * S);
    let counts: Vec<(u32, u32)> = after.iter().map(|&(_, c, st)| (c, st)).collect();
    assert_eq!(counts, [(5, 10), (0, 10)], "{trace:?}");
    // The stable's last pod is available by 220 s: the deadline is 30 s after that
    // reconcile's whole second.
    let emptied = after[1].0;
    assert!((230 * S..=250 * S).contains(&emptied), "{emptied}");
    assert_eq!(emptied % S, 0, "{emptied}");
}

/// `abortScaleDownDelaySeconds: 0` with `dynamicStableScale` and a first-step
/// `setCanaryScale: {replicas: 2}`: on abort the step index is 0 and `UseSetCanaryScale`
/// still returns that step (only a non-zero delay makes it ignore `setCanaryScale`), so
/// the canary keeps its 2 pods (the user asked to leave it up) and the rollback is over
/// once the weight is 0 and the stable full, the kept pods notwithstanding. Its count is sized for the weight written in the same reconcile (0, the stable
/// being full), so the 50 % it just lost does not scale it up to 5 for one reconcile.
/// The simulator ignored the scale on abort and emptied the canary.
#[test]
fn abort_delay_zero_keeps_a_first_step_canary_scale() {
    let steps = vec![
        CanaryStep::SetCanaryScale(CanaryScale::Replicas(2)),
        SetWeight(50),
        Pause(None),
    ];
    let s = aborted_at_half(steps, |c| c.abort_scale_down_delay = 0);
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::RolledBack);
    let updates = testkit::updates(&trace);
    assert!(updates.contains(&"rollback_completed"), "{updates:?}");
    // Before the abort: 2 canary pods, the stable full (weight 0 by `GetCanaryReplicasOrWeight`).
    let before: Vec<(u32, u32)> = scales(&trace);
    assert_eq!(before, [(2, 10)], "{trace:?}");
}
