//! The router-less weight approximation, row by row. Sources: `argoproj/argo-rollouts` at
//! `v1.10.0-rc1`, `utils/replicaset/canary_test.go`
//! (`TestApproximateWeightedNewStableReplicaCounts`), and the before/after table of PR
//! #1759's description. The basic canary's counts are in `basic_tests.rs`, a
//! traffic-routed canary's in `traffic_routed_tests.rs`, the replica progress threshold in
//! `progress_threshold_tests.rs`, and an aborted `dynamicStableScale` canary's weights in
//! `abort_tests.rs`.

use super::*;

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
