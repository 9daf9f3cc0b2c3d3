//! `strategy.statefulSet`: a Kubernetes StatefulSet's update settings, with the
//! StatefulSet's own camelCase names, defaults and validation.
//!
//! `statefulSet: {podManagementPolicy, updateStrategy: {type: RollingUpdate, rollingUpdate:
//! {partition, maxUnavailable}}, minReadySeconds}`. Defaults as the API server's
//! `SetDefaults_StatefulSet` (kubernetes/kubernetes v1.30 `pkg/apis/apps/v1/defaults.go`):
//! `OrderedReady`, RollingUpdate, `partition: 0`, `minReadySeconds: 0`. Validation as
//! `ValidateStatefulSetSpec` (`pkg/apis/apps/validation/validation.go`): `partition` a
//! non-negative integer, `maxUnavailable` an integer of at least 1 or a percentage over 0%
//! and at most 100%.
//!
//! `maxUnavailable` is read by the controller only with the `MaxUnavailableStatefulSet`
//! feature gate, alpha (off by default) in v1.30: without it the API server drops the
//! field and the controller replaces one pod at a time. A scenario that gives it is
//! simulated as a cluster with the gate on (`rollout-sim lint` says so); leaving it out is
//! the default cluster. `OnDelete` (new pods only where someone deletes an old one) is
//! refused: nothing in a scenario deletes pods.

use super::model::IntOrPercent;
use super::strategy::int_or_percent;
use super::walk::Obj;
use crate::sim::time::Time;

/// Fields of `strategy.statefulSet`.
pub const STATEFUL_SET_FIELDS: &[&str] =
    &["podManagementPolicy", "updateStrategy", "minReadySeconds"];
/// Fields of `strategy.statefulSet.updateStrategy`.
pub const UPDATE_STRATEGY_FIELDS: &[&str] = &["type", "rollingUpdate"];
/// Fields of `strategy.statefulSet.updateStrategy.rollingUpdate`.
pub const ROLLING_UPDATE_FIELDS: &[&str] = &["partition", "maxUnavailable"];
/// `updateStrategy.type` values the simulator runs.
pub const UPDATE_TYPES: &[(&str, ())] = &[("RollingUpdate", ())];
/// `podManagementPolicy` values.
pub const POD_MANAGEMENT_POLICIES: &[(&str, PodManagement)] = &[
    ("OrderedReady", PodManagement::OrderedReady),
    ("Parallel", PodManagement::Parallel),
];

/// `podManagementPolicy`: how the controller creates and deletes pods outside an update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodManagement {
    /// One pod at a time in ordinal order, each once every lower one is Running, Ready
    /// and available; scale-down from the highest ordinal, one at a time (the default).
    OrderedReady,
    /// Every missing pod created and every surplus pod deleted at once
    /// (`allowsBurst`); an update still replaces one pod at a time.
    Parallel,
}

/// A Kubernetes StatefulSet's update settings (`strategy.statefulSet`).
///
/// ```
/// use rollout_sim::scenario::{PodManagement, StatefulSetStrategy};
/// let s = StatefulSetStrategy::default();
/// assert_eq!((s.pod_management, s.partition, s.max_unavailable), (PodManagement::OrderedReady, 0, None));
/// assert_eq!(s.unavailable_limit(10), 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatefulSetStrategy {
    /// `podManagementPolicy` (default `OrderedReady`).
    pub pod_management: PodManagement,
    /// `rollingUpdate.partition` (default 0): pods with a lower ordinal keep the current
    /// revision.
    pub partition: u32,
    /// `rollingUpdate.maxUnavailable`: `None` when not given (a cluster without the
    /// `MaxUnavailableStatefulSet` gate; one pod at a time).
    pub max_unavailable: Option<IntOrPercent>,
    /// `minReadySeconds` (default 0).
    pub min_ready: Time,
}

impl Default for StatefulSetStrategy {
    fn default() -> Self {
        StatefulSetStrategy {
            pod_management: PodManagement::OrderedReady,
            partition: 0,
            max_unavailable: None,
            min_ready: 0,
        }
    }
}

impl StatefulSetStrategy {
    /// Pods an update may have unavailable at once for `replicas` replicas:
    /// `maxUnavailable` scaled rounding **down**, and at least 1
    /// (`getStatefulSetMaxUnavailable`); 1 without the field.
    ///
    /// ```
    /// use rollout_sim::scenario::{IntOrPercent::Percent, StatefulSetStrategy};
    /// let s = StatefulSetStrategy { max_unavailable: Some(Percent(25)), ..Default::default() };
    /// assert_eq!((s.unavailable_limit(10), s.unavailable_limit(3)), (2, 1));
    /// ```
    pub fn unavailable_limit(&self, replicas: u32) -> u32 {
        self.max_unavailable
            .map_or(1, |m| m.scaled(replicas, false).max(1))
    }
}

/// `strategy.statefulSet`.
pub(crate) fn stateful_set(o: &Obj) -> StatefulSetStrategy {
    let d = StatefulSetStrategy::default();
    let u = o.section("updateStrategy", UPDATE_STRATEGY_FIELDS);
    if let Some(t) = u.get("type")
        && t.value().as_str() == Some("OnDelete")
    {
        t.problem(
            "`OnDelete` replaces a pod only when someone deletes it, which nothing in a \
             scenario does: not simulated; use `RollingUpdate`",
        );
    } else {
        u.choice("type", (), UPDATE_TYPES);
    }
    let r = u.section("rollingUpdate", ROLLING_UPDATE_FIELDS);
    let max_unavailable = r.get("maxUnavailable").and_then(|n| {
        let v = int_or_percent(&n)?;
        let ok = match v {
            IntOrPercent::Int(k) => k >= 1,
            IntOrPercent::Percent(p) => (1..=100).contains(&p),
        };
        n.check(
            v,
            ok,
            "must be an integer of at least 1 or a percentage over 0% and at most 100%",
        )
    });
    StatefulSetStrategy {
        pod_management: o.choice(
            "podManagementPolicy",
            d.pod_management,
            POD_MANAGEMENT_POLICIES,
        ),
        partition: r.u32("partition", d.partition),
        max_unavailable,
        min_ready: o.duration("minReadySeconds", d.min_ready),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::Strategy;
    use crate::scenario::strategy::{default, strategy};
    use crate::scenario::walk;
    use crate::sim::time::SECOND;
    use IntOrPercent::{Int, Percent};
    use serde_json::{Value, json};

    fn parse(v: Value) -> Result<StatefulSetStrategy, Vec<String>> {
        let v = json!({ "statefulSet": v });
        let (s, p) = walk::run(&v, |root| {
            strategy(Some(root.child("strategy", &v))).unwrap_or_else(default)
        });
        match s {
            Strategy::StatefulSet(d) if p.is_empty() => Ok(d),
            _ => Err(p),
        }
    }

    fn rolling(r: Value) -> Result<StatefulSetStrategy, Vec<String>> {
        parse(json!({"updateStrategy": {"rollingUpdate": r}}))
    }

    #[test]
    fn defaults_are_the_api_servers() {
        assert_eq!(parse(json!({})).unwrap(), StatefulSetStrategy::default());
        assert_eq!(parse(Value::Null).unwrap(), StatefulSetStrategy::default());
        let d = StatefulSetStrategy::default();
        assert_eq!(
            (
                d.pod_management,
                d.partition,
                d.max_unavailable,
                d.min_ready
            ),
            (PodManagement::OrderedReady, 0, None, 0)
        );
    }

    #[test]
    fn fields_are_read() {
        let s = parse(
            json!({"podManagementPolicy": "Parallel", "minReadySeconds": 5,
            "updateStrategy": {"type": "RollingUpdate",
                "rollingUpdate": {"partition": 3, "maxUnavailable": "50%"}}}),
        )
        .unwrap();
        assert_eq!(
            (
                s.pod_management,
                s.partition,
                s.max_unavailable,
                s.min_ready
            ),
            (PodManagement::Parallel, 3, Some(Percent(50)), 5 * SECOND)
        );
        assert_eq!(
            rolling(json!({"maxUnavailable": 2}))
                .unwrap()
                .max_unavailable,
            Some(Int(2))
        );
    }

    /// `ValidateStatefulSetSpec`: `maxUnavailable` at least 1 or in (0%, 100%];
    /// `partition` non-negative.
    #[test]
    fn bad_values_are_named_at_their_path() {
        for bad in [json!(0), json!("0%"), json!("101%")] {
            let p = rolling(json!({ "maxUnavailable": bad })).unwrap_err();
            assert_eq!(
                p,
                [
                    "strategy.statefulSet.updateStrategy.rollingUpdate.maxUnavailable: must be an \
                  integer of at least 1 or a percentage over 0% and at most 100%"
                ],
                "{bad}"
            );
        }
        let p = rolling(json!({"partition": -1})).unwrap_err();
        assert!(
            p[0].starts_with("strategy.statefulSet.updateStrategy.rollingUpdate.partition:"),
            "{p:?}"
        );
        let p = parse(json!({"podManagementPolicy": "Ordered"})).unwrap_err();
        assert!(p[0].contains("OrderedReady"), "{p:?}");
        let p = parse(json!({"updateStrategy": {"type": "OnDelete"}})).unwrap_err();
        assert!(
            p[0].starts_with("strategy.statefulSet.updateStrategy.type: `OnDelete`"),
            "{p:?}"
        );
        let p = rolling(json!({"maxSurge": 1})).unwrap_err();
        assert!(p[0].contains("rollingUpdate.maxSurge"), "{p:?}");
    }

    /// `getStatefulSetMaxUnavailable`: a percentage rounds down, never below 1.
    #[test]
    fn unavailable_limit_rounds_down_to_at_least_one() {
        let s = |m| StatefulSetStrategy {
            max_unavailable: m,
            ..Default::default()
        };
        assert_eq!(s(None).unavailable_limit(50), 1);
        assert_eq!(s(Some(Percent(10))).unavailable_limit(25), 2);
        assert_eq!(s(Some(Percent(10))).unavailable_limit(9), 1);
        assert_eq!(s(Some(Percent(100))).unavailable_limit(7), 7);
        assert_eq!(s(Some(Int(3))).unavailable_limit(2), 3);
    }
}
