//! Mirroring in the tick against `fluxcd/flagger@15bd6ad` (v1.44.0)
//! `pkg/controller/scheduler.go`: `advanceCanary` (no analysis at weight 0 before the
//! mirror is in force; `confirm-traffic-increase` skipped while mirrored), `runCanary`
//! (the mirror step) and `runBlueGreen` (mirroring for the whole test).

use super::tests::{cfg, ticks as run};
use super::*;
use crate::strategy::flagger::webhooks::{Endpoint, Webhook};
use Action::*;

fn mirrored(c: FlaggerConfig) -> FlaggerConfig {
    FlaggerConfig {
        mirror: Some(100),
        ..c
    }
}

/// `runCanary`: at weight 0 the first step mirrors (weights 100/0, mirrored), and the
/// next, after an analysis of the copies (`canaryWeight == 0 && Iterations == 0` no
/// longer holds once mirrored), sets the first weight and stops mirroring: one tick and
/// one check more than without `mirror`.
#[test]
fn a_canary_mirrors_for_one_tick_before_its_first_weight() {
    let ticks = run(&mirrored(cfg(10, 30, 1)), |_| Gates::default());
    assert_eq!(
        ticks,
        [
            (ScaleUp, false, false),
            (Mirror, false, true),
            (Route(10), true, false),
            (Route(20), true, false),
            (Route(30), true, false),
            (Promote, true, false),
            (Route(0), false, false),
            (Succeed, false, false),
        ]
    );
}

/// `advanceCanary`: `runConfirmTrafficIncreaseHooks` runs only when not mirrored, so the
/// mirror step waits for the gate and the step out of mirroring does not.
#[test]
fn the_traffic_increase_gate_holds_the_mirror_step_not_the_step_after_it() {
    let c = FlaggerConfig {
        webhooks: vec![Webhook {
            name: "ask".into(),
            kind: HookType::ConfirmTrafficIncrease,
            endpoint: Endpoint::GateCheck,
        }],
        ..mirrored(cfg(10, 20, 1))
    };
    let open = |k: usize| Gates {
        gate: k == 2,
        rollback: false,
    };
    let actions: Vec<Action> = run(&c, open).into_iter().take(5).map(|t| t.0).collect();
    assert_eq!(
        actions,
        [
            ScaleUp,
            Halt(HookType::ConfirmTrafficIncrease, 0),
            Mirror,
            Route(10),
            Halt(HookType::ConfirmTrafficIncrease, 0),
        ]
    );
}

/// `runBlueGreen`: the first iteration starts mirroring; it lasts through every
/// iteration's analysis until all traffic goes to the canary.
#[test]
fn a_blue_green_mirrors_from_its_first_iteration_to_the_switch() {
    let c = mirrored(FlaggerConfig {
        iterations: 3,
        ..cfg(0, 100, 1)
    });
    assert_eq!(
        run(&c, |_| Gates::default()),
        [
            (ScaleUp, false, false),
            (Mirror, false, true),
            (Nothing, true, true),
            (Nothing, true, true),
            (Route(100), true, false),
            (Promote, true, false),
            (Route(0), false, false),
            (Succeed, false, false),
        ]
    );
}

/// `rollback` routes everything to the primary with `mirrored: false`.
#[test]
fn a_rollback_stops_mirroring() {
    let c = mirrored(FlaggerConfig {
        iterations: 3,
        ..cfg(0, 100, 1)
    });
    let mut canary = Canary::default();
    let mut actions = Vec::new();
    for _ in 0..5 {
        actions.push(canary.tick(&c, Ready::Yes, Ready::Yes, Gates::default(), |_| false));
    }
    assert_eq!(actions, [ScaleUp, Mirror, FailedCheck, Rollback, Nothing]);
    assert!(!canary.mirrored);
}

/// The `kubernetes` provider (`pkg/router/nop.go`, no router): `runBlueGreen` counts the
/// iteration after the last without routing every request to the canary, and
/// `runPromotionTrafficShift` finalises at once: the same ticks as Istio's blue/green,
/// with no route written.
#[test]
fn a_kubernetes_blue_green_routes_nothing() {
    let c = FlaggerConfig {
        iterations: 3,
        provider: crate::strategy::flagger::provider::Provider::Kubernetes,
        ..cfg(0, 100, 1)
    };
    assert_eq!(
        run(&c, |_| Gates::default()),
        [
            (ScaleUp, false, false),
            (Nothing, false, false),
            (Nothing, true, false),
            (Nothing, true, false),
            (Nothing, true, false),
            (Promote, true, false),
            (Nothing, false, false),
            (Succeed, false, false),
        ]
    );
}
