//! The upstream tables, row by row. Sources: `argoproj/argo-rollouts` at `v1.10.0-rc1`,
//! `utils/replicaset/canary_test.go` (`TestApproximateWeightedNewStableReplicaCounts`,
//! `TestCalculateReplicaCountsForCanary`, `TestTrafficWeightToReplicas`,
//! `TestCalculateReplicaCountsForCanaryTrafficRouting`,
//! `TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale`), and the before/after
//! table of PR #1759's description. An aborted `dynamicStableScale` canary's weights are in
//! `abort_tests.rs`.

use super::*;
use crate::scenario::IntOrPercent::{self, Int, Percent};
use crate::strategy::kubernetes::fenceposts::resolve_fenceposts;

/// `resolveFenceposts` as Argo Rollouts applies it: unavailable capped at N.
fn fenceposts(surge: IntOrPercent, unavailable: IntOrPercent, n: u32) -> (u32, u32) {
    let (s, u) = resolve_fenceposts(Some(surge), Some(unavailable), n);
    (s, u.min(n))
}

#[test]
fn approximate_weighted_counts_upstream_table() {
    // canary_test.go TestApproximateWeightedNewStableReplicaCounts: (N, surge, w, canary, stable).
    let rows: &[(u32, u32, u32, u32, u32)] = &[
        (0, 0, 0, 0, 0),
        (0, 0, 50, 0, 0),
        (0, 1, 100, 0, 0),
        (1, 0, 0, 0, 1),
        (1, 0, 1, 0, 1),
        (1, 0, 49, 0, 1),
        (1, 0, 50, 1, 0),
        (1, 0, 99, 1, 0),
        (1, 0, 100, 1, 0),
        (1, 1, 0, 0, 1),
        (1, 1, 1, 1, 1),
        (1, 1, 49, 1, 1),
        (1, 1, 50, 1, 1),
        (1, 1, 99, 1, 1),
        (1, 1, 100, 1, 0),
        (2, 0, 0, 0, 2),
        (2, 0, 1, 1, 1),
        (2, 0, 50, 1, 1),
        (2, 0, 99, 1, 1),
        (2, 0, 100, 2, 0),
        (2, 1, 0, 0, 2),
        (2, 1, 1, 1, 2),
        (2, 1, 50, 1, 1),
        (2, 1, 99, 2, 1),
        (2, 1, 100, 2, 0),
        (3, 0, 10, 1, 2),
        (3, 0, 25, 1, 2),
        (3, 0, 33, 1, 2),
        (3, 0, 34, 1, 2),
        (3, 0, 49, 1, 2),
        (3, 0, 50, 2, 1),
        (3, 1, 10, 1, 3),
        (3, 1, 25, 1, 3),
        (3, 1, 33, 1, 2),
        (3, 1, 34, 1, 2),
        (3, 1, 49, 2, 2),
        (3, 1, 50, 2, 2),
        (10, 0, 1, 1, 9),
        (10, 0, 14, 1, 9),
        (10, 0, 15, 2, 8),
        (10, 0, 16, 2, 8),
        (10, 0, 99, 9, 1),
        (10, 1, 0, 0, 10),
        (10, 1, 1, 1, 10),
        (10, 1, 18, 2, 9),
        (10, 1, 19, 2, 9),
        (10, 1, 20, 2, 8),
        (10, 1, 23, 2, 8),
        (10, 1, 24, 3, 8),
        (10, 1, 25, 3, 8),
        (10, 1, 99, 10, 1),
        (10, 1, 100, 10, 0),
    ];
    assert_counts(rows);
    // docs/features/canary/index.md: N=10, w=41 ⇒ 4 canary / 6 stable.
    assert_eq!(approximate_weighted_counts(10, 41, 0), (4, 6));
}

/// Each `(N, surge, weight, canary, stable)` row against `approximate_weighted_counts`.
fn assert_counts(rows: &[(u32, u32, u32, u32, u32)]) {
    for &(n, surge, w, c, s) in rows {
        assert_eq!(
            approximate_weighted_counts(n, w, surge),
            (c, s),
            "N={n} surge={surge} w={w}"
        );
    }
}

/// Upstream's options over N + 1 pods keep the canary counts rounded over N
/// (`ceilWeightedCanaryCount`, `floorWeightedCanaryCount` are computed once, from
/// `specReplicas`), and a weight with no option at all leaves the stable at N ("should not
/// get here": `return 0, specReplicas`). Rounding over N + 1 instead dropped the closer
/// 4/5 for N = 4 at 90 %, and left some weights without an option, whose (0, 0) scaled the
/// stable down and stuck the step until the progress deadline.
#[test]
fn surge_options_round_over_n_and_no_option_keeps_the_stable() {
    // (N, surge, w, canary, stable), each worked by hand through upstream's function.
    let rows: &[(u32, u32, u32, u32, u32)] = &[
        // ceil(3.6) = 4 over 5 pods (80 %) beats floor 3 over 4 (75 %).
        (4, 1, 90, 4, 1),
        (9, 1, 95, 9, 1),
        (24, 1, 98, 24, 1),
        (49, 1, 99, 49, 1),
        // N = 1 with surge: ceil(0.75) = 1 over 2 pods is the only option.
        (1, 1, 75, 1, 1),
        // No option at all (ceil = N, floor tied or 0, no surge): canary 0, stable N.
        (2, 0, 75, 0, 2),
        (5, 0, 90, 0, 5),
        (10, 0, 95, 0, 10),
    ];
    assert_counts(rows);
}

#[test]
fn pr_1759_before_and_after() {
    // PR #1759 description: v1.1 rounded both sides up and surged by one; v1.2 honours
    // maxSurge. (N, surge, w, v1.1 canary/stable, v1.2 canary/stable).
    let rows = [
        (1, 0, 10, (1, 1), (0, 1)),
        (1, 0, 50, (1, 1), (1, 0)),
        (3, 1, 33, (1, 3), (1, 2)),
        (3, 0, 50, (2, 2), (2, 1)),
    ];
    for (n, surge, w, before, after) in rows {
        // The v1.1 rule, independently: ceil on both sides.
        let v11 = (weight_to_replicas(n, w), weight_to_replicas(n, 100 - w));
        assert_eq!(v11, before, "v1.1 N={n} w={w}");
        assert_eq!(
            approximate_weighted_counts(n, w, surge),
            after,
            "v1.2 N={n} w={w}"
        );
        // The v1.2 pair never exceeds N + maxSurge; v1.1's did.
        assert!(after.0 + after.1 <= n + surge);
    }
}

/// One row of `TestCalculateReplicaCountsForCanary` (basic canary).
struct Row {
    name: &'static str,
    n: u32,
    w: u32,
    surge: IntOrPercent,
    unavailable: IntOrPercent,
    stable: (u32, u32),
    canary: Option<(u32, u32)>,
    older: Option<(u32, u32)>,
    expect_stable: u32,
    expect_canary: u32,
}

#[allow(clippy::too_many_arguments)]
fn row(
    name: &'static str,
    n: u32,
    w: u32,
    surge: IntOrPercent,
    unavailable: IntOrPercent,
    stable: (u32, u32),
    canary: Option<(u32, u32)>,
    older: Option<(u32, u32)>,
    expect: (u32, u32),
) -> Row {
    Row {
        name,
        n,
        w,
        surge,
        unavailable,
        stable,
        canary,
        older,
        expect_stable: expect.0,
        expect_canary: expect.1,
    }
}

#[test]
fn basic_canary_counts_upstream_table() {
    let st = |spec, available| RsState { spec, available };
    let c = |s, a| Some((s, a));
    let rows = [
        row(
            "spec < available not counted",
            10,
            100,
            Int(3),
            Int(0),
            (7, 8),
            c(6, 3),
            None,
            (7, 6),
        ),
        row(
            "maxSurge int",
            10,
            20,
            Int(2),
            Int(0),
            (10, 10),
            c(0, 0),
            None,
            (10, 2),
        ),
        row(
            "maxSurge %",
            10,
            20,
            Percent(20),
            Int(0),
            (10, 10),
            c(0, 0),
            None,
            (10, 2),
        ),
        row(
            "scale down extra stable",
            10,
            20,
            Percent(20),
            Int(0),
            (10, 10),
            c(2, 2),
            None,
            (8, 2),
        ),
        row(
            "not past maxSurge",
            10,
            30,
            Int(2),
            Int(0),
            (10, 10),
            c(0, 0),
            None,
            (10, 2),
        ),
        row(
            "maxUnavailable int",
            10,
            20,
            Int(0),
            Int(2),
            (10, 10),
            c(0, 0),
            None,
            (8, 0),
        ),
        row(
            "maxUnavailable %",
            10,
            20,
            Int(0),
            Percent(20),
            (10, 10),
            c(0, 0),
            None,
            (8, 0),
        ),
        row(
            "not past maxUnavailable",
            10,
            30,
            Int(0),
            Int(2),
            (10, 10),
            c(0, 0),
            None,
            (8, 0),
        ),
        row(
            "surge + unavailable",
            10,
            50,
            Int(2),
            Int(1),
            (10, 10),
            c(0, 0),
            None,
            (9, 2),
        ),
        row(
            "weight 0",
            10,
            0,
            Int(1),
            Int(1),
            (10, 10),
            c(1, 1),
            None,
            (10, 0),
        ),
        row(
            "weight 100",
            10,
            100,
            Int(1),
            Int(1),
            (1, 1),
            c(10, 10),
            None,
            (0, 10),
        ),
        row(
            "N=1 never 0 canary",
            1,
            20,
            Int(1),
            Int(0),
            (1, 1),
            c(0, 0),
            None,
            (1, 1),
        ),
        row(
            "N=1 w 90",
            1,
            90,
            Int(1),
            Int(0),
            (1, 1),
            c(0, 0),
            None,
            (1, 1),
        ),
        row(
            "N=1 w<50 no surge",
            1,
            49,
            Int(0),
            Int(1),
            (1, 1),
            c(0, 0),
            None,
            (1, 0),
        ),
        row(
            "N=1 w>=50 no surge",
            1,
            51,
            Int(0),
            Int(1),
            (1, 1),
            c(0, 0),
            None,
            (0, 0),
        ),
        row(
            "then canary up",
            1,
            51,
            Int(0),
            Int(1),
            (0, 0),
            c(0, 0),
            None,
            (0, 1),
        ),
        row(
            "stable up before canary",
            10,
            30,
            Int(1),
            Int(0),
            (1, 1),
            c(0, 0),
            c(3, 3),
            (7, 1),
        ),
        row(
            "down canary and stable",
            10,
            30,
            Int(0),
            Int(3),
            (8, 5),
            c(4, 4),
            None,
            (7, 3),
        ),
        row(
            "partial availability",
            10,
            100,
            Int(1),
            Int(0),
            (10, 2),
            c(10, 8),
            None,
            (2, 9),
        ),
        row(
            "older drained first",
            10,
            30,
            Int(0),
            Int(1),
            (8, 6),
            c(4, 2),
            c(3, 3),
            (8, 4),
        ),
        row(
            "uneven, no surge",
            10,
            5,
            Int(0),
            Int(1),
            (10, 10),
            c(0, 0),
            None,
            (9, 0),
        ),
        row(
            "next reconcile",
            10,
            5,
            Int(0),
            Int(1),
            (9, 9),
            c(0, 0),
            None,
            (9, 1),
        ),
        row(
            "0%/0% => unavailable 1",
            10,
            10,
            Percent(0),
            Percent(0),
            (10, 10),
            c(0, 0),
            None,
            (9, 0),
        ),
        row(
            "honor surge, stable unavailable",
            4,
            100,
            Int(1),
            Int(0),
            (4, 1),
            c(0, 0),
            None,
            (4, 1),
        ),
        row(
            "down to maxUnavailable",
            3,
            99,
            Int(0),
            Int(2),
            (3, 3),
            c(0, 0),
            None,
            (1, 0),
        ),
        row("next", 3, 99, Int(0), Int(2), (1, 1), c(0, 0), None, (1, 2)),
        row(
            "honor unavailable",
            4,
            100,
            Int(1),
            Int(0),
            (4, 1),
            c(1, 1),
            None,
            (3, 1),
        ),
        row(
            "abort part 1",
            4,
            0,
            Int(1),
            Int(0),
            (0, 0),
            c(4, 4),
            None,
            (1, 4),
        ),
        row(
            "abort part 2",
            4,
            0,
            Int(1),
            Int(0),
            (1, 0),
            c(4, 4),
            None,
            (1, 4),
        ),
        row(
            "abort part 3",
            4,
            0,
            Int(1),
            Int(0),
            (1, 1),
            c(4, 4),
            None,
            (1, 3),
        ),
        // promoteFull: the weight is 100 whatever the step.
        row(
            "promoteFull ignores weight",
            4,
            100,
            Int(4),
            Int(4),
            (4, 4),
            c(0, 0),
            None,
            (0, 4),
        ),
        row(
            "promoteFull honors surge",
            4,
            100,
            Int(3),
            Int(0),
            (4, 4),
            c(0, 0),
            None,
            (4, 3),
        ),
    ];
    for r in rows {
        let (surge, unavailable) = fenceposts(r.surge, r.unavailable, r.n);
        let older: Vec<RsState> = r.older.map(|(s, a)| st(s, a)).into_iter().collect();
        let got = basic_canary_counts(
            r.n,
            r.w,
            surge,
            unavailable,
            r.canary.map(|(s, a)| st(s, a)),
            Some(st(r.stable.0, r.stable.1)),
            &older,
        );
        assert_eq!(got, (r.expect_canary, r.expect_stable), "{}", r.name);
    }
}

#[test]
fn basic_canary_without_stable_is_a_plain_rollout() {
    // TestCalculateReplicaCountsForCanaryStableRSdEdgeCases: no stable (or new == stable)
    // ⇒ canary 10, stable 0.
    let new = RsState {
        spec: 0,
        available: 0,
    };
    assert_eq!(
        basic_canary_counts(10, 10, 10, 0, Some(new), None, &[]),
        (10, 0)
    );
}

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

/// argo-rollouts 9f8d111 `utils/replicaset/canary_test.go`
/// `TestAllReplicaProgressThresholdMet`, row by row (a `nil` ReplicaSet, which the
/// simulator never has, and the negative value the parser refuses are left out).
#[test]
fn replica_progress_threshold_upstream_rows() {
    use crate::scenario::rollout::ProgressThreshold::{Percent as P, Pods};
    let rs = |spec, available| RsState { spec, available };
    let rows = [
        // 90 % of 10: 9 available pass, 8 fail; 9 pods pass, 7 of 8 fail.
        (Some(P(90)), rs(0, 9), 10, true),
        (Some(Pods(9)), rs(0, 9), 10, true),
        (Some(P(90)), rs(0, 8), 10, false),
        (Some(Pods(8)), rs(0, 7), 10, false),
        // No threshold: `allDesiredAreAvailable`, the spec too (5 ≠ 10).
        (None, rs(5, 10), 10, false),
        (None, rs(10, 10), 10, true),
        // Well above the threshold; nothing wanted meets a percentage.
        (Some(P(100)), rs(0, 100), 10, true),
        (Some(P(90)), rs(0, 0), 0, true),
    ];
    for (threshold, state, desired, want) in rows {
        assert_eq!(
            progress_threshold_met(threshold, state, desired),
            want,
            "{threshold:?} {state:?} {desired}"
        );
    }
    // A count of pods is not relative to the step: 3 pods are short of a step of 1.
    assert!(!progress_threshold_met(Some(Pods(3)), rs(1, 1), 1));
    // The percentage is compared exactly: 1 of 3 is 33.3 % ≥ 33 %, not ≥ 34 %.
    assert!(progress_threshold_met(Some(P(33)), rs(0, 1), 3));
    assert!(!progress_threshold_met(Some(P(34)), rs(0, 1), 3));
}
