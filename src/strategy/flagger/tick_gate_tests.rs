//! The gates of the tick against `fluxcd/flagger@15bd6ad` (v1.44.0)
//! `pkg/controller/scheduler.go:advanceCanary` and `scheduler_hooks.go`, each test naming
//! the function it follows.

use super::tests::cfg;
use super::*;
use crate::strategy::flagger::webhooks::{Endpoint, Webhook};
use Action::*;

const OPEN: Gates = Gates {
    gate: true,
    rollback: false,
};
const CLOSED: Gates = Gates {
    gate: false,
    rollback: false,
};
const ROLLBACK: Gates = Gates {
    gate: false,
    rollback: true,
};

fn hook(kind: HookType, endpoint: Endpoint) -> Webhook {
    Webhook {
        name: format!("{kind:?}"),
        kind,
        endpoint,
    }
}

fn with(hooks: Vec<Webhook>) -> FlaggerConfig {
    FlaggerConfig {
        webhooks: hooks,
        ..cfg(10, 30, 2)
    }
}

/// One tick, both Deployments ready; `Some(pass)`: the checks must run and answer `pass`,
/// `None`: they must not run.
fn tick(c: &FlaggerConfig, canary: &mut Canary, gates: Gates, checks: Option<bool>) -> Action {
    let mut ran = false;
    let a = canary.tick(c, Ready::Yes, Ready::Yes, gates, |_| {
        ran = true;
        checks.unwrap_or(true)
    });
    assert_eq!(ran, checks.is_some(), "checks ran: {ran} at {a:?}");
    a
}

/// `checkCanaryStatus` / `runConfirmRolloutHooks`: a closed `confirm-rollout` sets phase
/// Waiting and ends the tick before the canary is scaled up (no check runs); later ticks
/// ask again without a new event; the tick after the gate opens scales up, Progressing.
#[test]
fn confirm_rollout_waits_with_the_canary_at_zero_until_the_gate_opens() {
    let c = with(vec![hook(HookType::ConfirmRollout, Endpoint::GateCheck)]);
    let mut k = Canary::default();
    assert_eq!(
        tick(&c, &mut k, CLOSED, None),
        Halt(HookType::ConfirmRollout, 0)
    );
    assert_eq!(k.phase, Phase::Waiting);
    for _ in 0..3 {
        assert_eq!(tick(&c, &mut k, CLOSED, None), Nothing);
        assert_eq!((k.phase, k.weight), (Phase::Waiting, 0));
    }
    // Only `/gate/check` reads the gate: a rollback gate open changes nothing here, and
    // `runRollbackHooks` is never reached in Waiting (`checkCanaryStatus` returns first).
    assert_eq!(tick(&c, &mut k, ROLLBACK, None), Nothing);
    assert_eq!(tick(&c, &mut k, OPEN, None), ScaleUp);
    assert_eq!(k.phase, Phase::Progressing);
    assert_eq!(tick(&c, &mut k, OPEN, None), Route(10));
}

/// `/gate/approve` always answers 200 and `/gate/halt` always 403, whatever the gate.
#[test]
fn approve_always_passes_and_halt_never_does() {
    let c = with(vec![hook(HookType::ConfirmRollout, Endpoint::Approve)]);
    assert_eq!(tick(&c, &mut Canary::default(), CLOSED, None), ScaleUp);
    let c = with(vec![
        hook(HookType::ConfirmRollout, Endpoint::Approve),
        hook(HookType::ConfirmRollout, Endpoint::Halt),
    ]);
    let mut k = Canary::default();
    // The first closed hook of the type halts (index 1: the second one).
    assert_eq!(
        tick(&c, &mut k, OPEN, None),
        Halt(HookType::ConfirmRollout, 1)
    );
    assert_eq!(tick(&c, &mut k, OPEN, None), Nothing);
}

/// `runConfirmTrafficIncreaseHooks`: asked after the analysis, before each step; a closed
/// one holds the weight with the phase unchanged, so the checks go on and failed checks
/// still roll back at the threshold. At `maxWeight` it holds the promotion too (it is
/// asked whenever `nextStepWeight > 0`).
#[test]
fn confirm_traffic_increase_holds_the_weight_while_the_analysis_goes_on() {
    let c = with(vec![hook(
        HookType::ConfirmTrafficIncrease,
        Endpoint::GateCheck,
    )]);
    let mut k = Canary::default();
    assert_eq!(tick(&c, &mut k, CLOSED, None), ScaleUp);
    // Weight 0, no iteration: no check (pre-rollout hooks only), then the gate.
    assert_eq!(
        tick(&c, &mut k, CLOSED, None),
        Halt(HookType::ConfirmTrafficIncrease, 0)
    );
    assert_eq!((k.phase, k.weight), (Phase::Progressing, 0));
    assert_eq!(tick(&c, &mut k, OPEN, None), Route(10));
    assert_eq!(
        tick(&c, &mut k, CLOSED, Some(true)),
        Halt(HookType::ConfirmTrafficIncrease, 0)
    );
    assert_eq!(tick(&c, &mut k, OPEN, Some(true)), Route(20));
    assert_eq!(tick(&c, &mut k, OPEN, Some(true)), Route(30));
    // At maxWeight 30 the gate holds the promotion.
    assert_eq!(
        tick(&c, &mut k, CLOSED, Some(true)),
        Halt(HookType::ConfirmTrafficIncrease, 0)
    );
    assert_eq!(k.phase, Phase::Progressing);
    // Failing checks while held: threshold 2, rollback on the tick after the second.
    assert_eq!(tick(&c, &mut k, CLOSED, Some(false)), FailedCheck);
    assert_eq!(tick(&c, &mut k, CLOSED, Some(false)), FailedCheck);
    assert_eq!(tick(&c, &mut k, CLOSED, None), Rollback);
}

/// `runCanary` / `runConfirmPromotionHooks`: at `maxWeight` a closed `confirm-promotion`
/// sets WaitingPromotion (the event on the way in only); the analysis and the failed-check
/// threshold go on there (`advanceCanary` tests Progressing or WaitingPromotion); the
/// `confirm-traffic-increase` hooks are skipped in WaitingPromotion; an open gate promotes
/// at the next tick.
#[test]
fn confirm_promotion_waits_at_max_weight_with_the_checks_running() {
    let c = with(vec![
        hook(HookType::ConfirmPromotion, Endpoint::GateCheck),
        hook(HookType::ConfirmTrafficIncrease, Endpoint::Halt),
    ]);
    let mut k = Canary {
        phase: Phase::Progressing,
        weight: 30,
        ..Canary::default()
    };
    // The traffic-increase hook (always closed) is asked while Progressing.
    assert_eq!(
        tick(&c, &mut k, OPEN, Some(true)),
        Halt(HookType::ConfirmTrafficIncrease, 1)
    );
    let c = with(vec![hook(HookType::ConfirmPromotion, Endpoint::GateCheck)]);
    assert_eq!(
        tick(&c, &mut k, CLOSED, Some(true)),
        Halt(HookType::ConfirmPromotion, 0)
    );
    assert_eq!((k.phase, k.weight), (Phase::WaitingPromotion, 30));
    assert_eq!(tick(&c, &mut k, CLOSED, Some(true)), Nothing);
    assert_eq!(tick(&c, &mut k, CLOSED, Some(false)), FailedCheck);
    assert_eq!(k.phase, Phase::WaitingPromotion);
    let mut failing = k;
    assert_eq!(tick(&c, &mut k, OPEN, Some(true)), Promote);
    assert_eq!(k.phase, Phase::Promoting);
    // The same canary failing on: the threshold (2) rolls it back from WaitingPromotion.
    assert_eq!(tick(&c, &mut failing, CLOSED, Some(false)), FailedCheck);
    assert_eq!(tick(&c, &mut failing, CLOSED, None), Rollback);
    // With the traffic-increase hook closed too, WaitingPromotion skips it and promotes.
    let both = with(vec![
        hook(HookType::ConfirmTrafficIncrease, Endpoint::Halt),
        hook(HookType::ConfirmPromotion, Endpoint::GateCheck),
    ]);
    let mut w = Canary {
        phase: Phase::WaitingPromotion,
        weight: 30,
        ..Canary::default()
    };
    assert_eq!(tick(&both, &mut w, OPEN, Some(true)), Promote);
}

/// `runBlueGreen` with a closed `confirm-promotion`: once every iteration is counted the
/// hook halts (WaitingPromotion); each later closed ask sets `status.iterations` to
/// `iterations − 1`, so the next tick counts the last iteration again: the gate is asked
/// every other tick. Opened on an asking tick, all traffic goes to the canary, and the
/// tick after (hooks asked again) promotes.
#[test]
fn a_blue_green_asks_its_promotion_gate_every_other_tick() {
    let c = FlaggerConfig {
        iterations: 2,
        step_weight: 0,
        ..with(vec![hook(HookType::ConfirmPromotion, Endpoint::GateCheck)])
    };
    let mut k = Canary::default();
    assert_eq!(tick(&c, &mut k, CLOSED, None), ScaleUp);
    assert_eq!(tick(&c, &mut k, CLOSED, None), Nothing); // iteration 1, no check
    assert_eq!(tick(&c, &mut k, CLOSED, Some(true)), Nothing); // iteration 2
    assert_eq!(
        tick(&c, &mut k, CLOSED, Some(true)),
        Halt(HookType::ConfirmPromotion, 0)
    );
    assert_eq!((k.phase, k.iterations), (Phase::WaitingPromotion, 2));
    assert_eq!(tick(&c, &mut k, CLOSED, Some(true)), Nothing);
    assert_eq!(k.iterations, 1);
    assert_eq!(tick(&c, &mut k, OPEN, Some(true)), Nothing); // counts iteration 2 again
    assert_eq!(k.iterations, 2);
    assert_eq!(tick(&c, &mut k, OPEN, Some(true)), Route(TOTAL_WEIGHT));
    assert_eq!(k.phase, Phase::WaitingPromotion);
    assert_eq!(tick(&c, &mut k, OPEN, Some(true)), Promote);
}

/// `runRollbackHooks`: asked in Progressing and WaitingPromotion once both Deployments
/// are ready, before the promotion phases and the failed-check threshold; a 200 rolls
/// back. Not asked while the canary is not ready, nor once Promoting.
#[test]
fn an_open_rollback_gate_rolls_back_at_the_next_analysing_tick() {
    let c = with(vec![hook(HookType::Rollback, Endpoint::RollbackCheck)]);
    let mut k = Canary::default();
    assert_eq!(tick(&c, &mut k, ROLLBACK, None), ScaleUp);
    assert_eq!(
        k.tick(&c, Ready::Yes, Ready::Wait, ROLLBACK, |_| unreachable!()),
        Nothing
    );
    assert_eq!(tick(&c, &mut k, CLOSED, None), Route(10));
    assert_eq!(tick(&c, &mut k, ROLLBACK, None), ManualRollback(0));
    assert_eq!((k.phase, k.weight), (Phase::Failed, 0));

    let mut waiting = Canary {
        phase: Phase::WaitingPromotion,
        weight: 30,
        ..Canary::default()
    };
    assert_eq!(tick(&c, &mut waiting, ROLLBACK, None), ManualRollback(0));
    let mut promoting = Canary {
        phase: Phase::Promoting,
        weight: 30,
        ..Canary::default()
    };
    assert_eq!(tick(&c, &mut promoting, ROLLBACK, None), Route(0));
    // A rollback hook to `/gate/check` reads the (shared) gate.
    let c = with(vec![hook(HookType::Rollback, Endpoint::GateCheck)]);
    let mut k = Canary {
        phase: Phase::Progressing,
        weight: 10,
        ..Canary::default()
    };
    assert_eq!(tick(&c, &mut k, ROLLBACK, Some(true)), Route(20));
    assert_eq!(tick(&c, &mut k, OPEN, None), ManualRollback(0));
}

/// `advanceCanary` / `runPreRolloutHooks`: at weight 0 with no iteration the `pre-rollout`
/// hooks run instead of the analysis; one failing adds a failed check and ends the tick,
/// so the next tick runs them again, until `failedChecks` reaches the threshold (2) and
/// the canary is rolled back. Passing, the tick goes on to the first weight, and the next
/// tick runs the analysis.
#[test]
fn pre_rollout_hooks_run_at_the_first_tick_until_they_pass() {
    let c = with(vec![hook(HookType::PreRollout, Endpoint::GateCheck)]);
    let run = |answers: &[bool]| {
        let mut k = Canary::default();
        let mut out = Vec::new();
        for &answer in answers {
            let mut stage = None;
            let a = k.tick(&c, Ready::Yes, Ready::Yes, CLOSED, |s| {
                stage = Some(s);
                answer
            });
            out.push((a, stage));
        }
        out
    };
    assert_eq!(
        run(&[true, false, false, true]),
        [
            (ScaleUp, None),
            (FailedCheck, Some(Stage::PreRollout)),
            (FailedCheck, Some(Stage::PreRollout)),
            (Rollback, None),
        ]
    );
    assert_eq!(
        run(&[true, true, true]),
        [
            (ScaleUp, None),
            (Route(10), Some(Stage::PreRollout)),
            (Route(20), Some(Stage::Analysis)),
        ]
    );
}
