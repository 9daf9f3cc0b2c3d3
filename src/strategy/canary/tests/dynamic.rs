//! `dynamicStableScale` behind a router, whole trials against argo-rollouts 9f8d111:
//! the stable sized by `utils/replicaset/canary.go:CalculateReplicaCountsForTrafficRoutedCanary`
//! from the weights read at the start of the reconcile, the canary from those
//! `rollout/trafficrouting.go:reconcileTrafficRouting` has just written, and on abort the
//! router's weight from `calculateDesiredWeightOnAbortOrStableRollback`.

use super::*;

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

/// `(t, canary spec, stable spec)` of the scales from `from` on.
fn scales_from(trace: &[TraceRecord], from: Time) -> Vec<(Time, u32, u32)> {
    trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Scale { t, new, old } if t >= from => Some((t, new, old)),
            _ => None,
        })
        .collect()
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
