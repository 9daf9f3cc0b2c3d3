//! The tick algorithm against `fluxcd/flagger@15bd6ad` (v1.44.0)
//! `pkg/controller/scheduler.go`, each test naming the function it follows.

use super::*;
use crate::analysis::flagger::Range;
use crate::sim::time::SECOND;
use crate::strategy::flagger::config::{Builtin, Metric};
use Action::*;

pub(super) fn cfg(step: u32, max: u32, threshold: u32) -> FlaggerConfig {
    FlaggerConfig {
        interval: 60 * SECOND,
        threshold,
        max_weight: max,
        step_weight: step,
        step_weights: Vec::new(),
        step_weight_promotion: 0,
        iterations: 0,
        primary_ready_threshold: 100,
        canary_ready_threshold: 100,
        metrics: vec![Metric {
            builtin: Builtin::SuccessRate,
            interval: 60 * SECOND,
            range: Range {
                min: Some(99.0),
                max: None,
            },
        }],
        progress_deadline: 600 * SECOND,
        webhooks: Vec::new(),
        mirror: None,
        ab_match: None,
        provider: crate::strategy::flagger::provider::Provider::Mesh,
        skip_analysis: false,
    }
}

/// Ticks until a terminal phase, both Deployments ready and every check passing: each
/// tick's action, whether the checks ran, and the status' mirror flag after it.
pub(super) fn ticks(
    c: &FlaggerConfig,
    gates: impl Fn(usize) -> Gates,
) -> Vec<(Action, bool, bool)> {
    let mut canary = Canary::default();
    let mut ticks = Vec::new();
    for k in 0..100 {
        let mut ran = false;
        let a = canary.tick(c, Ready::Yes, Ready::Yes, gates(k), |_| {
            ran = true;
            true
        });
        ticks.push((a, ran, canary.mirrored));
        if matches!(canary.phase, Phase::Succeeded | Phase::Failed) {
            break;
        }
    }
    ticks
}

/// Tick until a terminal phase (at most `limit` ticks), both Deployments ready, the checks
/// answering `pass(k)` at tick k. Returns every action and the ticks the checks ran at.
fn run(c: &FlaggerConfig, limit: usize, pass: impl Fn(usize) -> bool) -> (Vec<Action>, Vec<usize>) {
    let mut canary = Canary::default();
    let mut actions = Vec::new();
    let mut checked = Vec::new();
    for k in 0..limit {
        let a = canary.tick(c, Ready::Yes, Ready::Yes, Gates::default(), |_| {
            checked.push(k);
            pass(k)
        });
        actions.push(a);
        if matches!(canary.phase, Phase::Succeeded | Phase::Failed) {
            break;
        }
    }
    (actions, checked)
}

/// The timing `advanceCanary` gives (stepWeight s, maxWeight M): tick 0 scales up, tick 1 sets s with no
/// check (`canaryWeight == 0 && Iterations == 0` runs only pre-rollout hooks), ticks
/// 2…M/s check and advance, tick M/s+1 checks at M and promotes (`runCanary`), then one
/// tick routes to the primary (`runPromotionTrafficShift`) and one finalises.
#[test]
fn a_good_release_promotes_after_exactly_max_over_step_checks() {
    let c = cfg(10, 50, 1);
    let (actions, checked) = run(&c, 100, |_| true);
    assert_eq!(
        actions,
        [
            ScaleUp,
            Route(10),
            Route(20),
            Route(30),
            Route(40),
            Route(50),
            Promote,
            Route(0),
            Succeed
        ]
    );
    assert_eq!(
        checked,
        [2, 3, 4, 5, 6],
        "M/s = 5 checks, none at tick 0 or 1"
    );
}

/// `failedChecks` is cumulative (only a new revision resets it) and the threshold test
/// precedes the analysis, so a release failing every check is rolled back `threshold`
/// ticks after its first failed check.
#[test]
fn rollback_comes_threshold_ticks_after_the_first_failed_check() {
    for threshold in [1, 2, 5] {
        let c = cfg(10, 50, threshold);
        let (actions, checked) = run(&c, 100, |_| false);
        let first = checked[0];
        assert_eq!(first, 2);
        let rollback = actions.iter().position(|a| *a == Rollback).unwrap();
        assert_eq!(
            rollback - first,
            threshold as usize,
            "threshold {threshold}"
        );
        assert_eq!(checked.len(), threshold as usize);
        assert_eq!(actions.last(), Some(&Rollback));
    }
}

/// Failures need not be consecutive: with threshold 2, fail, pass, pass, fail rolls back
/// on the next tick although no two failures were in a row.
#[test]
fn failed_checks_are_not_reset_by_a_pass() {
    let c = cfg(10, 100, 2);
    let (actions, checked) = run(&c, 100, |k| !(k == 2 || k == 5));
    assert_eq!(checked, [2, 3, 4, 5]);
    assert_eq!(
        actions,
        [
            ScaleUp,
            Route(10),
            FailedCheck,
            Route(20),
            Route(30),
            FailedCheck,
            Rollback
        ]
    );
}

/// A failed check holds the weight (`return` without advancing).
#[test]
fn a_failed_check_does_not_advance() {
    let c = cfg(25, 100, 10);
    let (actions, _) = run(&c, 100, |k| k != 3);
    assert_eq!(
        &actions[..5],
        [ScaleUp, Route(25), Route(50), FailedCheck, Route(75)]
    );
}

/// A Deployment that is not ready makes the tick wait without a failed check; one stuck
/// past its progress deadline rolls back (`IsCanaryReady` not retriable).
#[test]
fn not_ready_waits_and_stuck_rolls_back() {
    let c = cfg(10, 50, 1);
    let mut canary = Canary::default();
    assert_eq!(
        canary.tick(&c, Ready::Yes, Ready::Wait, Gates::default(), |_| true),
        ScaleUp
    );
    for _ in 0..3 {
        assert_eq!(
            canary.tick(
                &c,
                Ready::Yes,
                Ready::Wait,
                Gates::default(),
                |_| unreachable!()
            ),
            Nothing
        );
    }
    assert_eq!(canary.failed_checks, 0);
    assert_eq!(
        canary.tick(
            &c,
            Ready::Yes,
            Ready::Stuck,
            Gates::default(),
            |_| unreachable!()
        ),
        Rollback
    );
    assert_eq!(canary.phase, Phase::Failed);
    assert_eq!(canary.weight, 0);
}

/// During promotion the primary waits for its rolling update; stuck, the traffic goes to
/// the canary and the Canary fails (`handleFailedPromotion`).
#[test]
fn a_stuck_primary_during_promotion_sends_traffic_to_the_canary() {
    let c = cfg(50, 50, 1);
    let mut canary = Canary::default();
    for want in [ScaleUp, Route(50), Promote] {
        assert_eq!(
            canary.tick(&c, Ready::Yes, Ready::Yes, Gates::default(), |_| true),
            want
        );
    }
    assert_eq!(
        canary.tick(&c, Ready::Wait, Ready::Yes, Gates::default(), |_| true),
        Nothing
    );
    assert_eq!(canary.phase, Phase::Promoting);
    assert_eq!(
        canary.tick(&c, Ready::Stuck, Ready::Yes, Gates::default(), |_| true),
        FailedPromotion
    );
    assert_eq!(canary.weight, 100);
}

/// `nextStepWeight` with `stepWeights` [1, 2, 10, 80]: the next entry minus the current
/// weight; `maxWeight` is the last entry (`scheduler.go:maxWeight`).
#[test]
fn step_weights_follow_the_ladder() {
    let mut c = cfg(0, 80, 1);
    c.step_weights = vec![1, 2, 10, 80];
    assert_eq!(next_step_weight(&c, 0), 1);
    assert_eq!(next_step_weight(&c, 1), 1);
    assert_eq!(next_step_weight(&c, 2), 8);
    assert_eq!(next_step_weight(&c, 10), 70);
    assert_eq!(next_step_weight(&c, 100), 1);
    let (actions, checked) = run(&c, 100, |_| true);
    assert_eq!(
        actions,
        [
            ScaleUp,
            Route(1),
            Route(2),
            Route(10),
            Route(80),
            Promote,
            Route(0),
            Succeed
        ]
    );
    assert_eq!(checked.len(), 4);
}

/// `stepWeightPromotion`: the primary regains traffic in steps; Finalising once it has it
/// all.
#[test]
fn promotion_in_steps() {
    let mut c = cfg(60, 60, 1);
    c.step_weight_promotion = 25;
    let (actions, _) = run(&c, 100, |_| true);
    assert_eq!(
        actions,
        [
            ScaleUp,
            Route(60),
            Promote,
            Route(35),
            Route(10),
            Route(0),
            Succeed
        ]
    );
}

/// Blue/green: `iterations` passing ticks keep the traffic on the primary, then all of
/// it goes to the canary for one more checked tick, then promotion (`runBlueGreen`).
#[test]
fn blue_green_iterations() {
    let mut c = cfg(0, 100, 1);
    c.iterations = 3;
    let (actions, checked) = run(&c, 100, |_| true);
    assert_eq!(
        actions,
        [
            ScaleUp,
            Nothing,
            Nothing,
            Nothing,
            Route(100),
            Promote,
            Route(0),
            Succeed
        ]
    );
    // No check at the first iteration (weight 0, iterations 0).
    assert_eq!(checked, [2, 3, 4, 5]);
}

/// `advanceCanary` checks the primary (`IsPrimaryReady`) before `checkCanaryStatus`
/// detects the new revision: a primary that is not ready holds the detection back (the
/// canary stays at zero), and one past its deadline rolls back before any scale-up.
#[test]
fn the_primary_is_checked_before_the_new_revision_is_detected() {
    let c = cfg(10, 50, 1);
    let mut canary = Canary::default();
    assert_eq!(
        canary.tick(
            &c,
            Ready::Wait,
            Ready::Yes,
            Gates::default(),
            |_| unreachable!()
        ),
        Nothing
    );
    assert_eq!(canary.phase, Phase::Initialized);
    assert_eq!(
        canary.tick(&c, Ready::Yes, Ready::Yes, Gates::default(), |_| true),
        ScaleUp
    );
    assert_eq!(canary.phase, Phase::Progressing);

    let mut stuck = Canary::default();
    assert_eq!(
        stuck.tick(
            &c,
            Ready::Stuck,
            Ready::Yes,
            Gates::default(),
            |_| unreachable!()
        ),
        Rollback
    );
    assert_eq!(stuck.phase, Phase::Failed);
}

/// `shouldSkipAnalysis`: with `skipAnalysis` the primary is never checked (a primary that
/// is not ready, even one stuck, holds nothing back), tick 0 scales the canary up, the
/// ticks while the canary is not ready wait, and the first tick it is ready promotes and
/// finishes (phase Succeeded, weight 0) without running any check; a canary stuck past
/// its deadline is still rolled back (`IsCanaryReady` comes first).
#[test]
fn skip_analysis_promotes_at_the_first_tick_the_canary_is_ready() {
    // One tick with no check allowed.
    fn tick(canary: &mut Canary, c: &FlaggerConfig, primary: Ready, ready: Ready) -> Action {
        canary.tick(c, primary, ready, Gates::default(), |_| {
            unreachable!("skipAnalysis runs no check")
        })
    }
    let c = FlaggerConfig {
        skip_analysis: true,
        ..cfg(10, 50, 1)
    };
    let mut canary = Canary::default();
    assert_eq!(tick(&mut canary, &c, Ready::Stuck, Ready::Wait), ScaleUp);
    assert_eq!(tick(&mut canary, &c, Ready::Stuck, Ready::Wait), Nothing);
    assert_eq!(canary.phase, Phase::Progressing);
    assert_eq!(tick(&mut canary, &c, Ready::Wait, Ready::Yes), SkipAnalysis);
    assert_eq!((canary.phase, canary.weight), (Phase::Succeeded, 0));
    assert_eq!(tick(&mut canary, &c, Ready::Yes, Ready::Yes), Nothing);

    let mut stuck = Canary::default();
    assert_eq!(tick(&mut stuck, &c, Ready::Yes, Ready::Wait), ScaleUp);
    assert_eq!(tick(&mut stuck, &c, Ready::Yes, Ready::Stuck), Rollback);
    assert_eq!(stuck.phase, Phase::Failed);

    // Without it the same tick waits on the primary.
    let mut checked = Canary::default();
    assert_eq!(
        tick(&mut checked, &cfg(10, 50, 1), Ready::Wait, Ready::Yes),
        Nothing
    );
    assert_eq!(checked.phase, Phase::Initialized);
}
