//! maxSurge / maxUnavailable arithmetic ("fenceposts"), after
//! `kubernetes/apimachinery:pkg/util/intstr/intstr.go` (`GetScaledValueFromIntOrPercent`)
//! and `kubernetes/kubernetes:pkg/controller/deployment/util/deployment_util.go`
//! (`ResolveFenceposts`, `MaxUnavailable`, `MaxSurge`).
//!
//! * a percent is scaled against the desired replicas: **surge rounds up, unavailable rounds
//!   down**; an int is used as is (a maxSurge above `replicas` is not clamped);
//! * if both resolve to 0, unavailable becomes 1 ("on the theory that surge might not work
//!   due to quota");
//! * `MaxUnavailable` is 0 for Recreate or `replicas == 0`, and is capped at `replicas`.
//!
//! Bare strings without `%` (an error upstream) cannot reach here: the scenario parser
//! only produces [`IntOrPercent`]. A `None` stands for a nil pointer (`ValueOrDefault` → 0).
//!
//! ```
//! use rollout_sim::strategy::kubernetes::fenceposts::resolve_fenceposts;
//! use rollout_sim::scenario::IntOrPercent::Percent;
//! // 10 replicas at 25%/25%: surge ceil(2.5) = 3, unavailable floor(2.5) = 2.
//! assert_eq!(resolve_fenceposts(Some(Percent(25)), Some(Percent(25)), 10), (3, 2));
//! ```

use crate::scenario::{DeploymentStrategy, IntOrPercent};

/// `GetScaledValueFromIntOrPercent(v, total, roundUp)`: [`IntOrPercent::scaled`].
pub fn scaled_value(v: IntOrPercent, total: u32, round_up: bool) -> u32 {
    v.scaled(total, round_up)
}

/// `ResolveFenceposts(maxSurge, maxUnavailable, desired)`: `(surge, unavailable)`.
pub fn resolve_fenceposts(
    max_surge: Option<IntOrPercent>,
    max_unavailable: Option<IntOrPercent>,
    desired: u32,
) -> (u32, u32) {
    let surge = scaled_value(max_surge.unwrap_or(IntOrPercent::Int(0)), desired, true);
    let unavailable = scaled_value(
        max_unavailable.unwrap_or(IntOrPercent::Int(0)),
        desired,
        false,
    );
    if surge == 0 && unavailable == 0 {
        return (0, 1);
    }
    (surge, unavailable)
}

/// `MaxUnavailable(d)`: 0 for Recreate or no replicas, otherwise the resolved value capped
/// at `replicas`.
pub fn max_unavailable(strategy: &DeploymentStrategy, replicas: u32) -> u32 {
    match *strategy {
        DeploymentStrategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } if replicas > 0 => {
            let (_, u) = resolve_fenceposts(Some(max_surge), Some(max_unavailable), replicas);
            u.min(replicas)
        }
        _ => 0,
    }
}

/// `MaxSurge(d)`: 0 for Recreate, otherwise the resolved surge (not capped).
pub fn max_surge(strategy: &DeploymentStrategy, replicas: u32) -> u32 {
    match *strategy {
        DeploymentStrategy::RollingUpdate {
            max_surge,
            max_unavailable,
        } => resolve_fenceposts(Some(max_surge), Some(max_unavailable), replicas).0,
        DeploymentStrategy::Recreate => 0,
    }
}

/// `MinAvailable(d)`: `replicas − MaxUnavailable(d)`, 0 for Recreate.
pub fn min_available(strategy: &DeploymentStrategy, replicas: u32) -> u32 {
    match strategy {
        DeploymentStrategy::RollingUpdate { .. } => replicas - max_unavailable(strategy, replicas),
        DeploymentStrategy::Recreate => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use IntOrPercent::{Int, Percent};

    fn rolling(s: IntOrPercent, u: IntOrPercent) -> DeploymentStrategy {
        DeploymentStrategy::RollingUpdate {
            max_surge: s,
            max_unavailable: u,
        }
    }

    #[test]
    fn resolve_fenceposts_upstream_table() {
        // kubernetes/kubernetes:pkg/controller/deployment/util/deployment_util_test.go
        // TestResolveFenceposts. The rows with "oops"/"urg" (expectError) cannot be
        // expressed: the scenario parser rejects non-percent strings before this point.
        type Row = (Option<IntOrPercent>, Option<IntOrPercent>, u32, u32, u32);
        let rows: [Row; 5] = [
            (Some(Percent(0)), Some(Percent(0)), 0, 0, 1),
            (Some(Percent(39)), Some(Percent(39)), 10, 4, 3),
            (None, Some(Percent(39)), 10, 0, 3),
            (Some(Percent(39)), None, 10, 4, 0),
            (None, None, 10, 0, 1),
        ];
        for (i, (s, u, desired, es, eu)) in rows.into_iter().enumerate() {
            assert_eq!(resolve_fenceposts(s, u, desired), (es, eu), "row {i}");
        }
    }

    #[test]
    fn max_unavailable_upstream_table() {
        // deployment_util_test.go TestMaxUnavailable (maxSurge 1 in every row).
        let rows = [
            (10, Int(5), 5),
            (10, Int(10), 10),
            (5, Int(10), 5),
            (0, Int(10), 0),
            (10, Percent(50), 5),
            (10, Percent(100), 10),
            (5, Percent(100), 5),
        ];
        for (i, (replicas, u, want)) in rows.into_iter().enumerate() {
            assert_eq!(
                max_unavailable(&rolling(Int(1), u), replicas),
                want,
                "row {i}"
            );
        }
        // "maxUnavailable with Recreate deployment strategy".
        assert_eq!(max_unavailable(&DeploymentStrategy::Recreate, 10), 0);
    }

    #[test]
    fn rounding_is_exact_in_integers() {
        // intstr: ceil/floor of p*total/100 (no float error at e.g. 29% of 100).
        assert_eq!(scaled_value(Percent(29), 100, true), 29);
        assert_eq!(scaled_value(Percent(29), 100, false), 29);
        assert_eq!(scaled_value(Percent(25), 3, true), 1);
        assert_eq!(scaled_value(Percent(25), 3, false), 0);
        assert_eq!(scaled_value(Percent(200), 3, true), 6);
        assert_eq!(scaled_value(Int(7), 3, true), 7, "ints are not clamped");
    }

    #[test]
    fn reference_examples() {
        // `ResolveFenceposts`: replicas 1, maxSurge 0, maxUnavailable 25% both resolve to
        // 0, so unavailable becomes 1 → (0, 1).
        assert_eq!(
            resolve_fenceposts(Some(Int(0)), Some(Percent(25)), 1),
            (0, 1)
        );
        // 3 replicas at 25%/25% → surge 1, unavailable 0.
        assert_eq!(
            resolve_fenceposts(Some(Percent(25)), Some(Percent(25)), 3),
            (1, 0)
        );
        let d = rolling(Percent(25), Percent(25));
        assert_eq!((max_surge(&d, 10), max_unavailable(&d, 10)), (3, 2));
        assert_eq!(min_available(&d, 10), 8);
        assert_eq!(min_available(&DeploymentStrategy::Recreate, 10), 0);
    }
}
