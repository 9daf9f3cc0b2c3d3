//! Whether a ReplicaSet has the pods available a step waits for
//! (`ReplicaProgressThresholdMet`), against its upstream table.

use super::*;

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
