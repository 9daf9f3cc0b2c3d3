//! `kubectl argo rollouts promote --full` (`status.promoteFull`), whole trials against
//! argo-rollouts 9f8d111: `cmd/promote/promote.go:getPatches` (`spec.paused: false`,
//! `status.promoteFull: true` unless already stable); `rollout/canary.go`
//! (`reconcileCanaryPause` adds no pause, `syncRolloutStatusCanary` clears the pauses and
//! the abort and jumps to the last step); `utils/replicaset/canary.go:GetCanaryReplicasOrWeight`
//! (the canary sized for the whole weight, `setCanaryScale` ignored);
//! `rollout/trafficrouting.go:reconcileTrafficRouting` (the weight held, or with
//! `dynamicStableScale` the canary's available share); `rollout/analysis.go` (runs
//! cancelled); `rollout/bluegreen.go` and `utils/replicaset/replicaset.go:NewRSNewReplicas`
//! (no pause, `previewReplicaCount` ignored); `rollout/sync.go:shouldFullPromote` ("Full
//! promotion requested" once the canary's pods are available, or the active Service
//! selects the new ones).

use super::*;
use crate::scenario::rollout::CanaryScale;

/// Without a router: `GetCanaryReplicasOrWeight` gives the whole weight, so
/// `CalculateReplicaCountsForBasicCanary` steps to 10/0 within maxSurge 1 / maxUnavailable
/// 0 from 2/8 without stopping, past the pause and the 50 % step, where a plain promote
/// would stop at the next pause.
#[test]
fn a_basic_canary_goes_to_full_size_within_surge() {
    let steps = vec![SetWeight(20), Pause(None), SetWeight(50), Pause(None)];
    let mut s = scenario(10, RolloutKind::Canary(canary(steps, false)));
    s.actions = vec![at(100 * S, ActionKind::PromoteFull)];
    let (r, trace) = run(&s);
    let after = scales_from(&trace, 100 * S);
    assert_eq!(r.outcome, Outcome::Completed, "{after:?}");
    assert!(r.duration > 100 * S, "{}", r.duration);
    assert_eq!(after.last().map(|&(_, c, st)| (c, st)), Some((10, 0)));
    assert!(after.iter().all(|&(_, c, st)| c + st <= 11), "{after:?}");
    let mut plain = s.clone();
    plain.actions = vec![at(100 * S, ActionKind::Promote)];
    assert_eq!(run(&plain).0.outcome, Outcome::Paused);
}

/// Behind a router: the canary is scaled to N at once (the stable stays at N), the rollout
/// promotes as soon as the N canary pods are available — with the weight still at 25 %,
/// `shouldFullPromote` not waiting for it — and the old stable goes `scaleDownDelaySeconds`
/// later. A plain promote at the same instant stops at the 75 % step's pause.
#[test]
fn a_routed_canary_is_sized_at_n_and_promoted_once_available() {
    let steps = vec![SetWeight(25), Pause(None), SetWeight(75), Pause(None)];
    let s = routed(steps, vec![at(100 * S, ActionKind::PromoteFull)]);
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 150 * S));
    assert_eq!(scales_from(&trace, 100 * S), [(100 * S, 4, 4)], "{trace:?}");
    let mut plain = s.clone();
    plain.actions[0].kind = ActionKind::Promote;
    assert_eq!(run(&plain).0.outcome, Outcome::Paused);
}

/// The router's weight is held where it was (`status.canary.weights`), not raised to the
/// steps' next `setWeight` while the canary grows: requests reaching the new version are
/// the same as when 25 % is the last step. Following the skipped 75 % step would send them
/// three times as many between 100 s and 150 s.
#[test]
fn the_weight_is_held_until_the_promotion() {
    let full = || vec![at(100 * S, ActionKind::PromoteFull)];
    let skipped = with_traffic(routed(
        vec![SetWeight(25), Pause(None), SetWeight(75), Pause(None)],
        full(),
    ));
    let last = with_traffic(routed(vec![SetWeight(25), Pause(None)], full()));
    let next = |s: &Scenario| run(s).0.traffic.unwrap().next_requests;
    assert_eq!(next(&skipped), next(&last));
}

/// The header route is removed (`RemoveManagedRoutes` under `promoteFull`): promoted
/// fully at 40 s, before the canary's first pod is available (50 s), a router sending 20 %
/// of the requests to the canary by header sends the new version no more than one without
/// a header route.
#[test]
fn the_header_route_is_removed() {
    let with_header = |share: f64| {
        let mut s = with_traffic(routed(
            vec![SetWeight(25), Pause(None)],
            vec![at(40 * S, ActionKind::PromoteFull)],
        ));
        if let Strategy::Canary(cfg) = &mut s.strategy
            && let RolloutKind::Canary(c) = &mut cfg.kind
        {
            c.traffic_routing = Some(TrafficRouting {
                header_share: share,
                max_weight: 100,
            });
        }
        run(&s).0.traffic.unwrap().next_requests
    };
    assert_eq!(with_header(0.2), with_header(0.0));
}

/// `setCanaryScale` is not read under `promoteFull`: the canary goes from its explicit 2
/// pods to N. A plain promote ends the pause into a 50 % step still scaled at 2 pods.
#[test]
fn set_canary_scale_is_ignored() {
    let steps = vec![
        SetWeight(25),
        CanaryStep::SetCanaryScale(CanaryScale::Replicas(2)),
        Pause(None),
        SetWeight(50),
        Pause(None),
    ];
    let s = routed(steps, vec![at(120 * S, ActionKind::PromoteFull)]);
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed, "{trace:?}");
    assert_eq!(
        scales_from(&trace, 120 * S).first(),
        Some(&(120 * S, 4, 4)),
        "{trace:?}"
    );
    let mut plain = s.clone();
    plain.actions[0].kind = ActionKind::Promote;
    let (r, trace) = run(&plain);
    assert_eq!(r.outcome, Outcome::Paused);
    assert_eq!(scales_from(&trace, 120 * S), [], "{trace:?}");
}

/// `dynamicStableScale`: the weight is the canary's available share of `spec.replicas`
/// (`100 × available / 10`), and the stable follows it down pod by pod as the new pods
/// become available at 1 s to 40 s each, instead of staying at 8 until the promotion.
#[test]
fn dynamic_stable_scale_hands_the_traffic_over_pod_by_pod() {
    let mut c = canary(vec![SetWeight(20), Pause(None)], true);
    c.dynamic_stable_scale = true;
    let mut s = scenario(10, RolloutKind::Canary(c));
    s.horizon = 900 * S;
    s.service.versions[1].start = Dist::Uniform {
        min: S,
        max: 40 * S,
    };
    s.actions = vec![at(200 * S, ActionKind::PromoteFull)];
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed, "{trace:?}");
    let after = scales_from(&trace, 200 * S);
    assert_eq!(after.first().map(|&(_, c, _)| c), Some(10), "{after:?}");
    let stables: Vec<u32> = after.iter().map(|&(_, _, st)| st).collect();
    assert!(stables.windows(2).all(|w| w[1] <= w[0]), "{after:?}");
    let between = stables.iter().filter(|&&st| 0 < st && st < 8).count();
    assert!(between >= 3, "{after:?}");
}

/// The user's pause: `promote --full` also sets `spec.paused: false`, so a rollout paused
/// from the start goes on and completes; paused alone it ends `paused`.
#[test]
fn a_full_promote_unpauses() {
    let steps = vec![SetWeight(25), Pause(Some(60 * S))];
    let s = routed(
        steps,
        vec![
            at(0, ActionKind::Pause),
            at(100 * S, ActionKind::PromoteFull),
        ],
    );
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 150 * S));
    assert!(testkit::updates(&trace).contains(&"resumed"), "{trace:?}");
    let mut paused = s.clone();
    paused.actions.truncate(1);
    assert_eq!(run(&paused).0.outcome, Outcome::Paused);
}

/// A user's abort at 60 s is rolled back at 90 s; the full promote at 200 s removes it
/// (`RemoveAbort`) and the canary comes back at N: completed, not rolled back.
#[test]
fn a_full_promote_goes_through_an_abort() {
    let steps = vec![SetWeight(25), Pause(None)];
    let s = routed(
        steps,
        vec![
            at(60 * S, ActionKind::Abort),
            at(200 * S, ActionKind::PromoteFull),
        ],
    );
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 250 * S));
    assert_eq!(
        scales_from(&trace, 60 * S),
        [(90 * S, 0, 4), (200 * S, 4, 4)],
        "{trace:?}"
    );
    let mut aborted = s.clone();
    aborted.actions.truncate(1);
    assert_eq!(run(&aborted).0.outcome, Outcome::RolledBack);
}

/// An abort after the full promote is removed by the next reconcile: the canary keeps
/// growing and the rollout completes when it would have.
#[test]
fn an_abort_after_a_full_promote_is_undone() {
    let steps = vec![SetWeight(25), Pause(None)];
    let s = routed(
        steps,
        vec![
            at(100 * S, ActionKind::PromoteFull),
            at(120 * S, ActionKind::Abort),
        ],
    );
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 150 * S));
    let updates = testkit::updates(&trace);
    assert!(updates.contains(&"rollback_started"), "{updates:?}");
    assert_eq!(scales_from(&trace, 100 * S), [(100 * S, 4, 4)], "{trace:?}");
}

/// After the promotion `getPatches` sends no `promoteFull` (`CurrentPodHash == StableRS`):
/// nothing changes, nothing is traced.
#[test]
fn a_full_promote_after_the_promotion_does_nothing() {
    let s = routed(vec![SetWeight(25), Pause(Some(60 * S))], Vec::new());
    let (done, trace) = run(&s);
    assert_eq!(done.outcome, Outcome::Completed);
    let mut late = s.clone();
    late.actions = vec![at(500 * S, ActionKind::PromoteFull)];
    let (r, late_trace) = run(&late);
    assert_eq!((r.outcome, r.duration), (done.outcome, done.duration));
    assert_eq!(
        testkit::updates(&late_trace),
        testkit::updates(&trace),
        "{late_trace:?}"
    );
}

/// A controller's abort (the progress deadline, with `progressDeadlineAbort`) removed by a
/// full promote is still a detection: the rollout did abort the never-ready release on its
/// own. The full promote cannot complete it (its pods never become available).
#[test]
fn a_controllers_abort_lifted_by_a_full_promote_stays_detected() {
    let mut s = never_ready_canary();
    if let Strategy::Canary(r) = &mut s.strategy {
        r.progress_deadline_abort = true;
    }
    s.horizon = 900 * S;
    s.actions = vec![at(400 * S, ActionKind::PromoteFull)];
    let (r, trace) = run(&s);
    let updates = testkit::updates(&trace);
    assert_eq!(r.outcome, Outcome::DeadlineExceeded, "{updates:?}");
    // Aborted at 121 s; lifted at 400 s, the deadline counting afresh from the jump to the
    // last step; aborted again once past it and lifted at once, then no more: the
    // `Progressing` condition reads `RolloutAborted` until progress, and no reconcile
    // loops.
    let aborts: Vec<Time> = trace
        .iter()
        .filter_map(|e| match e {
            TraceRecord::Update { t, state, .. } if *state == "rollback_started" => Some(*t),
            _ => None,
        })
        .collect();
    assert_eq!(aborts, [121 * S, 521 * S], "{updates:?}");
    assert!(!updates.contains(&"sync_livelock"), "{updates:?}");
    let verdict = r.verdict.expect("a canary's verdict");
    assert!(verdict.bad && verdict.aborted, "{verdict:?}");
    // The canary was scaled back up after the rollback.
    assert!(
        scales_from(&trace, 400 * S).iter().any(|&(_, c, _)| c == 5),
        "{trace:?}"
    );
}

/// Blue-green with `autoPromotionEnabled: false` and `previewReplicaCount: 1`, fully
/// promoted at 20 s, before the preview pod is available (50 s): the preview is sized at N
/// at once (`NewRSNewReplicas` ignores `previewReplicaCount`), no `BlueGreenPause` is
/// added (`isBlueGreenFastTracked`), the active Service switches once the N new pods are
/// available (70 s) and the rollout promotes then. A plain promote at 20 s finds no pause
/// to clear, and the rollout ends waiting at its pause.
#[test]
fn a_blue_green_switches_and_promotes_once_saturated() {
    let mut s = scenario(4, blue_green(Some(1), false));
    s.horizon = 600 * S;
    s.service.versions[1].start = Dist::Constant(50 * S);
    s.actions = vec![at(20 * S, ActionKind::PromoteFull)];
    let (r, trace) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 70 * S));
    assert_eq!(
        scales_from(&trace, 0),
        [(0, 1, 4), (20 * S, 4, 4)],
        "{trace:?}"
    );
    let updates = testkit::updates(&trace);
    assert!(!updates.contains(&"paused"), "{updates:?}");
    assert!(updates.contains(&"switched"), "{updates:?}");
    let mut plain = s.clone();
    plain.actions[0].kind = ActionKind::Promote;
    assert_eq!(run(&plain).0.outcome, Outcome::Paused);
}

/// A blue-green aborted at 60 s (the preview kept until 90 s, then 0) and fully promoted
/// at 200 s: the abort removed, the new ReplicaSet back at N, switched and promoted.
#[test]
fn a_blue_green_full_promote_goes_through_an_abort() {
    let mut s = scenario(4, blue_green(None, false));
    s.horizon = 600 * S;
    s.service.versions[1].start = Dist::Constant(50 * S);
    s.actions = vec![
        at(60 * S, ActionKind::Abort),
        at(200 * S, ActionKind::PromoteFull),
    ];
    let (r, _) = run(&s);
    assert_eq!((r.outcome, r.duration), (Outcome::Completed, 250 * S));
    let mut aborted = s.clone();
    aborted.actions.truncate(1);
    assert_eq!(run(&aborted).0.outcome, Outcome::RolledBack);
}

/// The analyses are cancelled: a 2 %-error release with pre- and post-promotion analysis
/// (which aborts it when it runs its course) promoted fully at 20 s, before the first
/// measurement, completes and is not detected.
#[test]
fn a_blue_green_full_promote_cancels_its_analyses() {
    let set = [
        "strategy.blueGreen.autoPromotionEnabled=false",
        "strategy.blueGreen.previewReplicaCount=2",
        "actions=[{at: 20s, rollout: promote, full: true}]",
    ];
    let s = testkit::example("blue-green-analysis.yaml", &set);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome, Outcome::Completed, "{trace:?}");
    let verdict = r.verdict.expect("a blue-green's verdict");
    assert!(verdict.bad && !verdict.aborted, "{verdict:?}");
    let unpromoted = testkit::example("blue-green-analysis.yaml", &set[..2]);
    let (r, _) = Workspace::new(&unpromoted).run_traced(0);
    assert_eq!(r.outcome, Outcome::RolledBack);
    assert!(r.verdict.is_some_and(|v| v.aborted));
}

/// A canary's background analysis is cancelled too: the 5 %-error release of
/// `canary-analysis.yaml`, promoted fully at 30 s, before the first measurement, completes
/// undetected.
#[test]
fn a_canary_full_promote_cancels_its_analysis() {
    let set = ["actions=[{at: 30s, rollout: promote, full: true}]"];
    let s = testkit::example("canary-analysis.yaml", &set);
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome, Outcome::Completed, "{trace:?}");
    assert!(r.verdict.is_some_and(|v| v.bad && !v.aborted));
    let (r, _) = Workspace::new(&testkit::example("canary-analysis.yaml", &[])).run_traced(0);
    assert_eq!(r.outcome, Outcome::RolledBack);
}
