//! The user's `kubectl argo rollouts pause` (`spec.paused`), whole trials against
//! argo-rollouts 9f8d111: `haltProgress` (`rollout/context.go`) skips the canary's
//! ReplicaSet reconcile (`reconcileCanaryReplicaSets`), `completedCurrentCanaryStep` and
//! `reconcileCanaryPause` do nothing, a blue-green neither pauses nor switches
//! (`reconcileBlueGreenPause`, `reconcileActiveService`), and no progress deadline runs
//! (`calculateRolloutConditions`' `isPaused`); `promote` sets `spec.paused: false`
//! (`cmd/promote/promote.go`), and moves on a step as it always does.

use super::*;

/// N = 4 behind a router, steps 25 % then 75 %; the user pauses at `pause_at`, and
/// promotes at `promote_at` if given.
fn paused(pause_at: Time, promote_at: Option<Time>) -> Scenario {
    let c = canary(vec![SetWeight(25), SetWeight(75)], true);
    let mut s = scenario(4, RolloutKind::Canary(c));
    s.horizon = 600 * S;
    s.actions = vec![Action {
        at: pause_at,
        kind: ActionKind::Pause,
    }];
    if let Some(at) = promote_at {
        s.actions.push(Action {
            at,
            kind: ActionKind::Promote,
        });
    }
    s
}

/// Paused as the rollout starts, nothing scales until the horizon, and the trial ends
/// `paused` (`CalculateRolloutPhase`: "manually paused"), not past its 600 s deadline.
#[test]
fn a_paused_canary_scales_nothing_and_ends_paused() {
    let (unpaused, _) = run(&paused(0, Some(1)));
    assert_eq!(unpaused.outcome, Outcome::Completed);
    let (r, trace) = run(&paused(0, None));
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 600 * S));
    assert_eq!(r.deadline_exceeded_at, None);
    assert_eq!(scales_from(&trace, S), [], "{trace:?}");
}

/// Paused at 2 s (the first step's canary pod starting), promoted at 300 s: no scale in
/// between, then the rollout goes on and completes; the pause is no stretch without
/// progress (a 600 s deadline never passes).
#[test]
fn promote_unpauses_and_the_rollout_goes_on() {
    let (r, trace) = run(&paused(2 * S, Some(300 * S)));
    assert_eq!(r.outcome, Outcome::Completed, "{trace:?}");
    assert!(r.duration > 300 * S, "{}", r.duration);
    assert_eq!(r.deadline_exceeded_at, None);
    let (between, after): (Vec<_>, Vec<_>) = scales_from(&trace, 2 * S)
        .into_iter()
        .partition(|&(t, ..)| t < 300 * S);
    assert_eq!(between, [], "{trace:?}");
    assert!(!after.is_empty(), "{trace:?}");
    let updates = testkit::updates(&trace);
    assert!(updates.contains(&"resumed"), "{updates:?}");
}

/// The progress deadline does not run while paused, and counts afresh from the promote
/// (`RolloutResumed`): a 60 s deadline over a 300 s pause is not exceeded.
#[test]
fn no_deadline_runs_while_paused() {
    let mut s = paused(2 * S, Some(302 * S));
    if let Strategy::Canary(cfg) = &mut s.strategy {
        cfg.progress_deadline = Some(60 * S);
    }
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed, "{trace:?}");
    assert!(r.duration > 302 * S, "{}", r.duration);
    assert_eq!(r.deadline_exceeded_at, None);
}

/// A blue-green paused before its switch keeps the active Service on the stable pods until
/// the promote, though its preview pods scale up meanwhile (the ReplicaSets are not
/// halted for blue-green).
#[test]
fn a_paused_blue_green_does_not_switch_until_promoted() {
    let mut s = scenario(4, blue_green(None, true));
    s.horizon = 600 * S;
    s.actions = vec![
        Action {
            at: 0,
            kind: ActionKind::Pause,
        },
        Action {
            at: 200 * S,
            kind: ActionKind::Promote,
        },
    ];
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed, "{trace:?}");
    assert!(r.duration >= 200 * S, "{}", r.duration);
    // The preview ReplicaSet scaled up before the promote.
    let before: Vec<_> = scales_from(&trace, 0)
        .into_iter()
        .filter(|&(t, ..)| t < 200 * S)
        .collect();
    assert!(
        before.iter().any(|&(_, canary, _)| canary == 4),
        "{trace:?}"
    );
}
