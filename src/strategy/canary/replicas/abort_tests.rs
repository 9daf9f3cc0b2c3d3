//! An aborted `dynamicStableScale` canary's weights against argo-rollouts 9f8d111:
//! `utils/replicaset/canary_test.go` (`TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay`)
//! and the weights `rollout/trafficrouting_test.go` expects `SetWeight` to be called with
//! (`TestDynamicScalingDontIncreaseWeightWhenAborted`,
//! `TestDynamicScalingDecreaseWeightAccordingToStepWeightsAvailabilityWhenAborted`,
//! `TestDynamicScalingDecreaseWeightAccordingToStableAvailabilityWhenAborted`).

use super::*;

#[test]
fn desired_weight_on_abort_with_scale_down_delay() {
    // TestGetDesiredCanaryWeightOnAbortWithScaleDownDelay: N=10, steps [10, 50], canary 5/5.
    let at = |stable, explicit| {
        desired_weight_on_abort(
            10,
            &[10, 50],
            Some(AbortState {
                stable_available: stable,
                canary_available: 5,
                explicit_abort_delay: explicit,
            }),
            MAX_WEIGHT,
        )
    };
    assert_eq!(at(9, false), 10, "no explicit delay");
    assert_eq!(at(5, true), 10, "explicit 30s, stable 5");
    assert_eq!(at(9, true), 0, "explicit 30s, stable 9");
    // `abortScaleDownDelaySeconds: 0` reads as unset (GetAbortScaleDownDelaySecondsOrDefault).
    assert_eq!(at(9, false), 10, "explicit 0");
}

/// The router's weight on abort: `GetDesiredCanaryWeight` then
/// `calculateDesiredWeightOnAbortOrStableRollback`, N = 5 as in the upstream fixtures
/// (`newReplicaSetWithStatus(r, spec, available)`).
#[test]
fn abort_traffic_weight_upstream_rows() {
    let weight = |steps: &[u32], stable, canary, current| {
        let state = AbortState {
            stable_available: stable,
            canary_available: canary,
            explicit_abort_delay: false,
        };
        let desired = desired_weight_on_abort(5, steps, Some(state), MAX_WEIGHT);
        abort_traffic_weight(5, desired, stable, current, MAX_WEIGHT)
    };
    // DontIncreaseWeight: stable 4 of 5, canary 0, weight 0: stays 0 (not 20).
    assert_eq!(weight(&[50], 4, 0, 0), 0);
    // StepWeightsAvailability: stable 3, canary 4, weight 100: back to the 50 step.
    assert_eq!(weight(&[50], 3, 4, 100), 50);
    // StableAvailability: no setWeight, stable 1, canary 4, weight 100: the 80 % the
    // one stable pod cannot carry stays on the canary (the simulator held 100 until the
    // stable was fully available, then 0).
    assert_eq!(weight(&[], 1, 4, 100), 80);
}

/// The weight a step asks for holds while the stable is below `max − desired`, and
/// never rises above the router's.
#[test]
fn abort_traffic_weight_waits_for_the_stable_to_carry_the_step() {
    // N = 10, stepping back to 20 from 50: the stable must carry 80 % (8 pods) first.
    assert_eq!(abort_traffic_weight(10, 20, 7, 50, MAX_WEIGHT), 50);
    assert_eq!(abort_traffic_weight(10, 20, 8, 50, MAX_WEIGHT), 20);
    assert_eq!(abort_traffic_weight(10, 20, 8, 10, MAX_WEIGHT), 10);
    // Nothing to step back to: 10 % per available stable pod.
    assert_eq!(abort_traffic_weight(10, 0, 7, 50, MAX_WEIGHT), 30);
    assert_eq!(abort_traffic_weight(10, 0, 10, 50, MAX_WEIGHT), 0);
    assert_eq!(abort_traffic_weight(0, 0, 0, 50, MAX_WEIGHT), 0);
}

/// `GetDesiredCanaryWeight` is not capped at the router's weight: a canary whose traffic
/// was already taken away (weight 0) but whose step the stable cannot yet stand in for
/// keeps its pods. N = 10, steps 10 and 50, stable 8 available, canary none: the 10 %
/// step (1 pod) is below the 2 pods the stable lacks, so the canary keeps 1 pod; the
/// simulator capped the weight at the router's 0 and emptied the canary.
#[test]
fn desired_weight_on_abort_is_not_capped_by_the_router_weight() {
    let state = AbortState {
        stable_available: 8,
        canary_available: 0,
        explicit_abort_delay: false,
    };
    let desired = desired_weight_on_abort(10, &[10, 50], Some(state), MAX_WEIGHT);
    assert_eq!(desired, 10);
    let actual = Some(ActualWeights {
        canary: 0,
        stable: 100,
    });
    let counts = dynamic_stable_scale(10, CanaryTarget::Weight(desired), actual, true, MAX_WEIGHT);
    assert_eq!(counts, (1, 10));
}
