//! A traffic-routed canary's counts (`trafficWeightToReplicas`,
//! `CheckMinPodsPerReplicaSet`, `CalculateReplicaCountsForTrafficRoutedCanary` with and
//! without `dynamicStableScale`), row by row. Sources: `argoproj/argo-rollouts` at
//! `v1.10.0-rc1`, `utils/replicaset/canary_test.go` (`TestTrafficWeightToReplicas`,
//! `TestCalculateReplicaCountsForCanaryTrafficRouting`,
//! `TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale`).

use super::*;

#[test]
fn min_pods_per_replica_set_upstream_rows() {
    // TestCalculateReplicaCountsForCanaryTrafficRouting (utils/replicaset/canary_test.go):
    // minPodsPerReplicaSet 2, N=10, w=5 ⇒ canary 2; with N=1 the minimum is capped to 1.
    assert_eq!(check_min_pods(10, Some(2), weight_to_replicas(10, 5)), 2);
    assert_eq!(check_min_pods(1, Some(2), weight_to_replicas(1, 5)), 1);
    // CheckMinPodsPerReplicaSet leaves 0 (no pods wanted) and larger counts alone.
    assert_eq!(check_min_pods(10, Some(2), 0), 0);
    assert_eq!(check_min_pods(10, Some(2), 7), 7);
    assert_eq!(check_min_pods(10, None, 1), 1);
}

#[test]
fn traffic_routed_upstream_rows() {
    // TestTrafficWeightToReplicas (N=10).
    for (w, r) in [(0, 0), (20, 2), (25, 3), (33, 4), (99, 10), (100, 10)] {
        assert_eq!(weight_to_replicas(10, w), r, "w={w}");
    }
    // TestTrafficWeightToReplicas: N=23, weight = maxWeight = 1e8 ⇒ 23.
    assert_eq!(weight_to_replicas_of(23, 100_000_000, 100_000_000), 23);
    // With maxTrafficWeight 1000 a weight of 5 is 0.5 %: one pod of 10 (ceil).
    assert_eq!(weight_to_replicas_of(10, 5, 1000), 1);
    assert_eq!(weight_to_replicas_of(10, 900, 1000), 9);
    // TestCalculateReplicaCountsForCanaryTrafficRouting.
    assert_eq!(
        traffic_routed_counts(10, CanaryTarget::Weight(10), MAX_WEIGHT),
        (1, 10)
    );
    assert_eq!(
        traffic_routed_counts(1, CanaryTarget::Replicas(9), MAX_WEIGHT),
        (9, 1)
    );
    assert_eq!(
        traffic_routed_counts(4, CanaryTarget::ScaleWeight(200), MAX_WEIGHT),
        (8, 4)
    );
}

#[test]
fn dynamic_stable_scale_upstream_table() {
    // TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale, N = 10:
    // (abort, setWeight steps, actual canary/stable weight, canary available,
    //  stable available, expected canary, expected stable). `None`: no ReplicaSets.
    type R = (
        bool,
        &'static [u32],
        (u32, u32),
        Option<(u32, u32)>,
        (u32, u32),
    );
    let rows: [R; 8] = [
        (true, &[20, 60], (60, 40), Some((6, 4)), (6, 8)),
        (true, &[20, 60], (60, 40), Some((1, 4)), (6, 8)),
        (true, &[20, 60], (60, 40), Some((2, 4)), (6, 8)),
        (true, &[20, 60], (60, 40), None, (6, 10)),
        (false, &[10], (10, 90), None, (1, 9)),
        (false, &[20], (10, 90), None, (2, 9)),
        (true, &[20], (20, 80), None, (2, 10)),
        (true, &[20], (10, 90), None, (1, 10)),
    ];
    for (i, (abort, steps, (ac, ast), avail, expect)) in rows.into_iter().enumerate() {
        let weight = if abort {
            let state = avail.map(|(c, s)| AbortState {
                stable_available: s,
                canary_available: c,
                explicit_abort_delay: false,
            });
            desired_weight_on_abort(10, steps, state, MAX_WEIGHT)
        } else {
            *steps.last().unwrap()
        };
        let actual = ActualWeights {
            canary: ac,
            stable: ast,
        };
        let got = dynamic_stable_scale(
            10,
            CanaryTarget::Weight(weight),
            Some(actual),
            abort,
            MAX_WEIGHT,
        );
        assert_eq!(got, expect, "row {i}");
    }
}

#[test]
fn dynamic_stable_scale_with_set_canary_scale_sizes_the_stable_from_its_weight() {
    // `GetCanaryReplicasOrWeight` (utils/replicaset/canary.go) returns, with an active
    // `setCanaryScale`, its replica count and weight 0, or its weight; the dynamic stable
    // count is `trafficWeightToReplicas(N, maxWeight - that weight)`, raised to the actual
    // stable weight's count. N = 10, traffic at 50/50 (setWeight 50 before the step).
    let actual = Some(ActualWeights {
        canary: 50,
        stable: 50,
    });
    let at = |target| dynamic_stable_scale(10, target, actual, false, MAX_WEIGHT);
    // `setCanaryScale: {replicas: 2}`: weight 0 asks for all 10 stable pods.
    assert_eq!(at(CanaryTarget::Replicas(2)), (2, 10));
    // `setCanaryScale: {weight: 30}`: 70 % of 10 = 7 (more than the 5 of the traffic).
    assert_eq!(at(CanaryTarget::ScaleWeight(30)), (3, 7));
    // `{weight: 80}`: 20 % asks for 2, the 50 % of traffic on stable keeps 5.
    assert_eq!(at(CanaryTarget::ScaleWeight(80)), (8, 5));
    // The plain weight: 50 % ⇒ 5 and 5.
    assert_eq!(at(CanaryTarget::Weight(50)), (5, 5));
}
