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
//!
//! `selects` (`primary` or `canary`), given with `strategy.flagger` and with no other
//! strategy: Flagger runs the app as two Deployments and rewrites the selector label of
//! the primary it copies from the target (fluxcd/flagger v1.44.0
//! `pkg/canary/deployment_controller.go` `createPrimaryDeployment`, `util.go`
//! `makePrimaryLabels`: `app: web` becomes `app: web-primary` on the primary's pods), so a
//! budget on the app label selects the pods of one of them, which `selects` names. The
//! name says what the budget's selector matches, in the scenario's own word, where
//! upstream's `selector` is a label selector the simulator does not read.

use super::model::{
    BudgetLimit, BudgetSelects, DisruptionBudget, IntOrPercent, Scenario,
    UnhealthyPodEvictionPolicy,
};
use super::strategy::int_or_percent;
use super::walk::{Node, Obj};
use crate::strategy::registry::BudgetSelector;

/// Fields of `service.podDisruptionBudget`.
pub const FIELDS: &[&str] = &[
    "minAvailable",
    "maxUnavailable",
    "unhealthyPodEvictionPolicy",
    "selects",
];

/// The values of `selects`.
pub const SELECTS: &[(&str, BudgetSelects)] = &[
    ("primary", BudgetSelects::Primary),
    ("canary", BudgetSelects::Canary),
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
    let selects = o.opt("selects", |n| n.choice(SELECTS));
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
        selects,
    })
}

/// Once the strategy is known: `selects` is required with Flagger (its two Deployments'
/// pods carry different selector labels) and refused with every other strategy (the
/// budget's selector matches every pod of the service). A strategy with no budget refuses
/// the budget itself (`foreign_fields`).
pub(super) fn settle(root: &Obj, s: &Scenario) {
    if s.service.disruption_budget.is_none() {
        return;
    }
    let Some(budget) = root
        .get("service")
        .and_then(|service| {
            let v = service.value().get("podDisruptionBudget")?;
            Some(service.child("podDisruptionBudget", v))
        })
        .filter(|n| n.value().is_object())
    else {
        return;
    };
    // `null` is no value, as for every optional field.
    let given = budget.value().get("selects").filter(|v| !v.is_null());
    let key = s.strategy.key();
    match (s.strategy.budget_selector(), given) {
        (BudgetSelector::PrimaryOrCanary, None) => budget.problem(format!(
            "with `strategy.{key}` a budget selects the pods of one of Flagger's two \
             Deployments: the primary's carry the selector label Flagger rewrote \
             (`app: <name>-primary`), the canary's (the target's) keep `app: <name>`; say \
             which with `selects: primary` or `selects: canary`"
        )),
        (BudgetSelector::EveryPod, Some(v)) => budget.child("selects", v).problem(format!(
            "`selects` says which of Flagger's two Deployments a budget selects, and is \
             given only with `strategy.flagger`: with `strategy.{key}` the budget's selector \
             is the app label, which every pod of the service carries; remove it"
        )),
        _ => {}
    }
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
                selects: None,
            })
        );
        let (b, p) = parse(
            json!({"maxUnavailable": 1, "unhealthyPodEvictionPolicy": "AlwaysAllow",
                                  "selects": "canary"}),
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            b,
            Some(DisruptionBudget {
                limit: BudgetLimit::MaxUnavailable(IntOrPercent::Int(1)),
                unhealthy_pods: UnhealthyPodEvictionPolicy::AlwaysAllow,
                selects: Some(BudgetSelects::Canary),
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
        let (_, p) = parse(json!({"minAvailable": 1, "selects": "both"}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].starts_with("podDisruptionBudget.selects"), "{p:?}");
        let (_, p) = parse(json!({"minAvailable": 1, "unhealthyPodEvictionPolicy": "Always"}));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with("podDisruptionBudget.unhealthyPodEvictionPolicy"),
            "{p:?}"
        );
    }
}
