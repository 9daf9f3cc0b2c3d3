//! `strategy.daemonSet`: a Kubernetes DaemonSet's update settings, with the DaemonSet's
//! own camelCase names, defaults and validation.
//!
//! `daemonSet: {updateStrategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable,
//! maxSurge}}, minReadySeconds}`. Defaults as the API server's `SetDefaults_DaemonSet`
//! (kubernetes/kubernetes v1.30 `pkg/apis/apps/v1/defaults.go`): RollingUpdate,
//! `maxUnavailable: 1`, `maxSurge: 0`, `minReadySeconds: 0`. Validation as
//! `ValidateRollingUpdateDaemonSet` (`pkg/apis/apps/validation/validation.go`): each value
//! a non-negative int or `"N%"`, neither over 100%, and **exactly one of the two non-zero**
//! — `maxSurge` with the default `maxUnavailable: 1` is refused, as `kubectl apply` refuses
//! it ("may not be set when maxUnavailable is non-zero"). `OnDelete` (new pods only where
//! someone deletes an old one) is refused: nothing in a scenario deletes pods.

use super::model::IntOrPercent;
use super::strategy::int_or_percent;
use super::walk::{Node, Obj};
use crate::sim::time::Time;

/// Fields of `strategy.daemonSet`.
pub const DAEMON_SET_FIELDS: &[&str] = &["updateStrategy", "minReadySeconds"];
/// Fields of `strategy.daemonSet.updateStrategy`.
pub const UPDATE_STRATEGY_FIELDS: &[&str] = &["type", "rollingUpdate"];
/// Fields of `strategy.daemonSet.updateStrategy.rollingUpdate`.
pub const ROLLING_UPDATE_FIELDS: &[&str] = &["maxUnavailable", "maxSurge"];
/// `updateStrategy.type` values the simulator runs.
pub const UPDATE_TYPES: &[(&str, ())] = &[("RollingUpdate", ())];

/// A Kubernetes DaemonSet's update settings (`strategy.daemonSet`).
///
/// ```
/// use rollout_sim::scenario::{DaemonSetStrategy, IntOrPercent};
/// let d = DaemonSetStrategy::default();
/// assert_eq!((d.max_unavailable, d.max_surge), (IntOrPercent::Int(1), IntOrPercent::Int(0)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaemonSetStrategy {
    /// `rollingUpdate.maxUnavailable` (default 1): of the nodes that should run a pod.
    pub max_unavailable: IntOrPercent,
    /// `rollingUpdate.maxSurge` (default 0): nodes running an old and a new pod at once.
    pub max_surge: IntOrPercent,
    /// `minReadySeconds` (default 0).
    pub min_ready: Time,
}

impl Default for DaemonSetStrategy {
    fn default() -> Self {
        DaemonSetStrategy {
            max_unavailable: IntOrPercent::Int(1),
            max_surge: IntOrPercent::Int(0),
            min_ready: 0,
        }
    }
}

impl DaemonSetStrategy {
    /// `(maxSurge, maxUnavailable)` as pod counts for `nodes` nodes that should run a pod:
    /// both percentages round **up** (`util.SurgeCount`, `util.UnavailableCount`:
    /// `GetScaledValueFromIntOrPercent(…, true)`), and if both come to 0 the controller
    /// accepts one unavailable (`updatedDesiredNodeCounts`).
    ///
    /// ```
    /// use rollout_sim::scenario::{DaemonSetStrategy, IntOrPercent::Percent};
    /// let d = DaemonSetStrategy { max_unavailable: Percent(10), ..Default::default() };
    /// assert_eq!(d.fenceposts(25), (0, 3)); // ceil(2.5)
    /// ```
    pub fn fenceposts(&self, nodes: u32) -> (u32, u32) {
        let surge = self.max_surge.scaled(nodes, true);
        let unavailable = self.max_unavailable.scaled(nodes, true);
        if nodes > 0 && surge == 0 && unavailable == 0 {
            return (0, 1);
        }
        (surge, unavailable)
    }
}

/// `strategy.daemonSet`.
pub(crate) fn daemon_set(o: &Obj) -> DaemonSetStrategy {
    let d = DaemonSetStrategy::default();
    let (max_unavailable, max_surge) =
        update_strategy(&o.section("updateStrategy", UPDATE_STRATEGY_FIELDS));
    DaemonSetStrategy {
        max_unavailable,
        max_surge,
        min_ready: o.duration("minReadySeconds", d.min_ready),
    }
}

fn update_strategy(o: &Obj) -> (IntOrPercent, IntOrPercent) {
    let d = DaemonSetStrategy::default();
    if let Some(t) = o.get("type")
        && t.value().as_str() == Some("OnDelete")
    {
        t.problem(
            "`OnDelete` replaces a pod only when someone deletes it, which nothing in a \
             scenario does: not simulated; use `RollingUpdate`",
        );
    } else {
        o.choice("type", (), UPDATE_TYPES);
    }
    let r = o.section("rollingUpdate", ROLLING_UPDATE_FIELDS);
    let value = |field: &str| {
        let n = r.get(field)?;
        let v = int_or_percent(&n)?;
        let ok = !matches!(v, IntOrPercent::Percent(p) if p > 100);
        Some((n.check(v, ok, "must not be greater than 100%")?, n))
    };
    let unavailable = value("maxUnavailable");
    let surge = value("maxSurge");
    let is_zero = |v: IntOrPercent| matches!(v, IntOrPercent::Int(0) | IntOrPercent::Percent(0));
    let max_unavailable = unavailable.as_ref().map_or(d.max_unavailable, |(v, _)| *v);
    let max_surge = surge.as_ref().map_or(d.max_surge, |(v, _)| *v);
    match (is_zero(max_unavailable), is_zero(max_surge)) {
        (false, false) => {
            let why = if unavailable.is_none() {
                "may not be set when maxUnavailable is non-zero (it defaults to 1): add \
                 `maxUnavailable: 0` to surge"
            } else {
                "may not be set when maxUnavailable is non-zero: a DaemonSet either surges \
                 or takes pods down, not both"
            };
            if let Some((_, n)) = &surge {
                n.problem(why);
            }
        }
        (true, true) => {
            let at: Option<&Node> = unavailable.as_ref().map(|(_, n)| n);
            let why = "cannot be 0 when maxSurge is 0";
            match at {
                Some(n) => n.problem(why),
                None => r.node().problem(format!("maxUnavailable {why}")),
            }
        }
        _ => {}
    }
    (max_unavailable, max_surge)
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

    fn parse(v: Value) -> Result<DaemonSetStrategy, Vec<String>> {
        let v = json!({ "daemonSet": v });
        let (s, p) = walk::run(&v, |root| {
            strategy(Some(root.child("strategy", &v))).unwrap_or_else(default)
        });
        match s {
            Strategy::DaemonSet(d) if p.is_empty() => Ok(d),
            _ => Err(p),
        }
    }

    fn rolling(r: Value) -> Result<DaemonSetStrategy, Vec<String>> {
        parse(json!({"updateStrategy": {"rollingUpdate": r}}))
    }

    #[test]
    fn defaults_are_the_api_servers() {
        let d = parse(json!({})).unwrap();
        assert_eq!(d, DaemonSetStrategy::default());
        assert_eq!(
            (d.max_unavailable, d.max_surge, d.min_ready),
            (Int(1), Int(0), 0)
        );
        assert_eq!(parse(Value::Null).unwrap(), DaemonSetStrategy::default());
    }

    #[test]
    fn fields_are_read() {
        let d = parse(json!({"updateStrategy": {"type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "20%"}}, "minReadySeconds": 5}))
        .unwrap();
        assert_eq!(
            (d.max_unavailable, d.max_surge, d.min_ready),
            (Percent(20), Int(0), 5 * SECOND)
        );
        let d = rolling(json!({"maxUnavailable": 0, "maxSurge": "10%"})).unwrap();
        assert_eq!((d.max_unavailable, d.max_surge), (Int(0), Percent(10)));
    }

    /// `ValidateRollingUpdateDaemonSet`: exactly one of the two non-zero.
    #[test]
    fn exactly_one_of_surge_and_unavailable() {
        let p = rolling(json!({"maxSurge": 1})).unwrap_err();
        assert_eq!(
            p,
            [
                "strategy.daemonSet.updateStrategy.rollingUpdate.maxSurge: may not be set when \
              maxUnavailable is non-zero (it defaults to 1): add `maxUnavailable: 0` to surge"
            ]
        );
        let p = rolling(json!({"maxSurge": "25%", "maxUnavailable": 2})).unwrap_err();
        assert!(
            p[0].contains("maxSurge: may not be set when maxUnavailable is non-zero: a DaemonSet"),
            "{p:?}"
        );
        let p = rolling(json!({"maxUnavailable": "0%"})).unwrap_err();
        assert_eq!(
            p,
            [
                "strategy.daemonSet.updateStrategy.rollingUpdate.maxUnavailable: cannot be 0 when maxSurge is 0"
            ]
        );
        let p = rolling(json!({"maxUnavailable": "101%"})).unwrap_err();
        assert!(
            p[0].ends_with("maxUnavailable: must not be greater than 100%"),
            "{p:?}"
        );
        let p = rolling(json!({"maxUnavailable": "3"})).unwrap_err();
        assert!(p[0].contains("string is not a percentage"), "{p:?}");
    }

    #[test]
    fn on_delete_is_refused_and_unknown_types_named() {
        let p = parse(json!({"updateStrategy": {"type": "OnDelete"}})).unwrap_err();
        assert!(
            p[0].starts_with("strategy.daemonSet.updateStrategy.type: `OnDelete`"),
            "{p:?}"
        );
        let p = parse(json!({"updateStrategy": {"type": "Recreate"}})).unwrap_err();
        assert!(p[0].contains("RollingUpdate"), "{p:?}");
        let p = parse(json!({"updateStrateg": {}})).unwrap_err();
        assert!(p[0].contains("did you mean `updateStrategy`?"), "{p:?}");
    }

    /// Percentages round up, both (`util.SurgeCount`, `util.UnavailableCount`).
    #[test]
    fn fenceposts_round_up() {
        let d = |u, s| DaemonSetStrategy {
            max_unavailable: u,
            max_surge: s,
            min_ready: 0,
        };
        assert_eq!(d(Percent(10), Int(0)).fenceposts(21), (0, 3));
        assert_eq!(d(Int(0), Percent(10)).fenceposts(21), (3, 0));
        assert_eq!(d(Percent(1), Int(0)).fenceposts(1), (0, 1));
        assert_eq!(d(Int(5), Int(0)).fenceposts(3), (0, 5));
        assert_eq!(d(Int(0), Int(0)).fenceposts(4), (0, 1));
    }
}
