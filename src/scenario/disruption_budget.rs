//! `service.podDisruptionBudget`: the PodDisruptionBudget (`policy/v1`) that selects the
//! service's pods, which the evictions of a node drain respect (`faults.node_drains`).
//!
//! ```yaml
//! service:
//!   podDisruptionBudget: {minAvailable: 90%}     # or {maxUnavailable: 1}
//! ```
//!
//! Exactly one of `minAvailable` and `maxUnavailable`, each a count or a percentage of at
//! most 100% (`kubernetes/kubernetes:pkg/apis/policy/validation/validation.go`
//! `ValidatePodDisruptionBudgetSpec`: "minAvailable and maxUnavailable cannot be both
//! set"; the simulator also asks for one, where upstream a budget with neither lets no
//! Ready pod go). `unhealthyPodEvictionPolicy`: `IfHealthyBudget` (default) or
//! `AlwaysAllow`. Its selector is the service's app label, which both versions' pods
//! carry: it is not a field.

use super::model::{BudgetLimit, DisruptionBudget, IntOrPercent, UnhealthyPodEvictionPolicy};
use super::strategy::int_or_percent;
use super::walk::{Node, Obj};

/// Fields of `service.podDisruptionBudget`.
pub const FIELDS: &[&str] = &[
    "minAvailable",
    "maxUnavailable",
    "unhealthyPodEvictionPolicy",
];

/// The values of `unhealthyPodEvictionPolicy`.
pub const POLICIES: &[(&str, UnhealthyPodEvictionPolicy)] = &[
    (
        "IfHealthyBudget",
        UnhealthyPodEvictionPolicy::IfHealthyBudget,
    ),
    ("AlwaysAllow", UnhealthyPodEvictionPolicy::AlwaysAllow),
];

/// `service.podDisruptionBudget`, if given: `null` is none (so `--set
/// service.podDisruptionBudget=null` removes a file's budget).
pub fn disruption_budget(service: &Obj) -> Option<DisruptionBudget> {
    let o = service.get("podDisruptionBudget")?.object(FIELDS)?;
    let unhealthy_pods = o.choice(
        "unhealthyPodEvictionPolicy",
        UnhealthyPodEvictionPolicy::IfHealthyBudget,
        POLICIES,
    );
    let min = o.opt("minAvailable", at_most_all);
    let max = o.opt("maxUnavailable", at_most_all);
    let limit = match (min, max) {
        (Some(_), Some(_)) => {
            return o
                .node()
                .fail("minAvailable and maxUnavailable cannot be both set: give one");
        }
        (Some(v), None) => BudgetLimit::MinAvailable(v),
        (None, Some(v)) => BudgetLimit::MaxUnavailable(v),
        (None, None) => {
            // A wrong value was reported at its field; only a budget with neither is
            // reported here.
            if !o.has("minAvailable") && !o.has("maxUnavailable") {
                o.node().problem(
                    "expected `minAvailable` or `maxUnavailable` (a count, or a percentage such \
                     as \"90%\")",
                );
            }
            return None;
        }
    };
    Some(DisruptionBudget {
        limit,
        unhealthy_pods,
    })
}

/// A count, or a percentage of at most 100% (`IsNotMoreThan100Percent`).
fn at_most_all(n: &Node) -> Option<IntOrPercent> {
    match int_or_percent(n)? {
        IntOrPercent::Percent(p) if p > 100 => n.fail("must not be greater than 100%"),
        v => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> (Option<DisruptionBudget>, Vec<String>) {
        walk::run(&json!({ "podDisruptionBudget": v }), |n| {
            disruption_budget(&n.object_or_empty(&["podDisruptionBudget"]))
        })
    }

    #[test]
    fn one_limit_and_the_policy() {
        let (b, p) = parse(json!({"minAvailable": "90%"}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            b,
            Some(DisruptionBudget {
                limit: BudgetLimit::MinAvailable(IntOrPercent::Percent(90)),
                unhealthy_pods: UnhealthyPodEvictionPolicy::IfHealthyBudget,
            })
        );
        let (b, p) =
            parse(json!({"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow"}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            b,
            Some(DisruptionBudget {
                limit: BudgetLimit::MaxUnavailable(IntOrPercent::Int(1)),
                unhealthy_pods: UnhealthyPodEvictionPolicy::AlwaysAllow,
            })
        );
    }

    #[test]
    fn upstream_validation() {
        let (_, p) = parse(json!({"minAvailable": 1, "maxUnavailable": 1}));
        assert_eq!(
            p,
            ["podDisruptionBudget: minAvailable and maxUnavailable cannot be both set: give one"]
        );
        let (_, p) = parse(json!({"maxUnavailable": "101%"}));
        assert_eq!(
            p,
            ["podDisruptionBudget.maxUnavailable: must not be greater than 100%"]
        );
        let (b, p) = parse(json!(null));
        assert_eq!((b, p.len()), (None, 0), "{p:?}");
        let (_, p) = parse(json!({}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("podDisruptionBudget: expected `minAvailable` or"),
            "{p:?}"
        );
        let (_, p) = parse(json!({"minAvailable": 1, "unhealthyPodEvictionPolicy": "Always"}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("podDisruptionBudget.unhealthyPodEvictionPolicy"),
            "{p:?}"
        );
    }
}
