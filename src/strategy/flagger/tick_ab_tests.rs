//! A/B testing in the tick against `fluxcd/flagger@15bd6ad` (v1.44.0)
//! `pkg/controller/scheduler.go:runAB` (`DeploymentStrategy`: `match` with `iterations`).

use super::tests::{cfg, ticks};
use super::*;
use crate::strategy::flagger::ab_match::AbMatch;
use crate::strategy::flagger::webhooks::{Endpoint, Webhook};
use Action::*;

fn ab(iterations: u32) -> FlaggerConfig {
    FlaggerConfig {
        iterations,
        ab_match: Some(AbMatch {
            conditions: vec!["header x-canary exact \"insider\"".into()],
            share: 0.1,
        }),
        ..cfg(0, 100, 1)
    }
}

/// Each tick's action and whether the checks ran ([`super::tests::ticks`]).
fn run(c: &FlaggerConfig, gates: impl Fn(usize) -> Gates) -> Vec<(Action, bool)> {
    ticks(c, gates)
        .into_iter()
        .map(|(a, ran, _)| (a, ran))
        .collect()
}

/// `runAB`: the first iteration (tick 1, unchecked: weight 0 and no iteration yet) routes
/// the matched requests to the canary; each later iteration is checked; the tick after the
/// last iteration promotes at once — one tick sooner than a blue/green's switch of every
/// request — then the promotion's traffic shift and the scale-down.
#[test]
fn ab_testing_promotes_the_tick_after_its_last_iteration() {
    assert_eq!(
        run(&ab(3), |_| Gates::default()),
        [
            (ScaleUp, false),
            (Route(100), false),
            (Nothing, true),
            (Nothing, true),
            (Promote, true),
            (Route(0), false),
            (Succeed, false),
        ]
    );
}

/// `runConfirmPromotionHooks` in `runAB`: a closed gate sets WaitingPromotion and, while
/// closed, `status.iterations = iterations − 1`, so the last iteration is counted again
/// and the gate asked every other tick, the checks running throughout: opened before tick
/// 7, which counts the iteration again, the gate is asked and passes at tick 8.
#[test]
fn ab_testing_asks_its_promotion_gate_every_other_tick() {
    let c = FlaggerConfig {
        webhooks: vec![Webhook {
            name: "ask".into(),
            kind: HookType::ConfirmPromotion,
            endpoint: Endpoint::GateCheck,
        }],
        ..ab(2)
    };
    let gate = |k: usize| Gates {
        gate: k >= 7,
        rollback: false,
    };
    assert_eq!(
        run(&c, gate),
        [
            (ScaleUp, false),
            (Route(100), false),
            (Nothing, true),
            (Halt(HookType::ConfirmPromotion, 0), true),
            (Nothing, true),
            (Nothing, true),
            (Nothing, true),
            (Nothing, true),
            (Promote, true),
            (Route(0), false),
            (Succeed, false),
        ]
    );
}
