//! `strategy`: exactly one controller, Docker Swarm or Kubernetes, with upstream names,
//! defaults and validation.
//!
//! - `swarm: {update_config, rollback_config}` with compose field names; defaults from
//!   swarmkit `api/defaults/service.go` ([`UpdateConfig::default`]). As in the docker
//!   CLI, `rollback_config.failure_action` can only be `pause` or `continue`.
//! - `kubernetes: {strategy: {type, rollingUpdate: {maxSurge, maxUnavailable}},
//!   minReadySeconds, progressDeadlineSeconds, autoRollback, revisionHistoryLimit}` with
//!   the Deployment's camelCase names; defaults RollingUpdate 25%/25%, 0, 600s, false, 10. Validation as the
//!   API server's `ValidateRollingUpdateDeployment`: values are non-negative ints or
//!   `"N%"` (a bare string is "invalid type: string is not a percentage", as apimachinery
//!   says); both raw values 0 is an error at `maxUnavailable`; `maxUnavailable` over
//!   100% is an error; `Recreate` takes no `rollingUpdate`; the progress deadline must
//!   exceed `minReadySeconds`. `progressDeadlineSeconds: never` (or 2147483647, which
//!   the controller reads as "no deadline") turns the deadline off.
//!
//! No `strategy` at all means Swarm with every default.

use super::duration::show;
use super::model::{
    DeploymentStrategy, FailureAction, IntOrPercent, KubernetesStrategy, Order, Strategy,
    SwarmStrategy, UpdateConfig,
};
use super::walk::{Node, Obj};
use crate::sim::time::{SECOND, Time};
use serde_json::Value;

/// Fields of `strategy`: the key of every registered strategy.
pub const FIELDS: &[&str] = crate::strategy::registry::KEYS;
/// Fields of `strategy.swarm`.
pub const SWARM_FIELDS: &[&str] = &["update_config", "rollback_config"];
/// Fields of `update_config` and `rollback_config`.
pub const UPDATE_FIELDS: &[&str] = &[
    "parallelism",
    "delay",
    "failure_action",
    "monitor",
    "max_failure_ratio",
    "order",
];
/// Fields of `strategy.kubernetes`.
pub const KUBERNETES_FIELDS: &[&str] = &[
    "strategy",
    "minReadySeconds",
    "progressDeadlineSeconds",
    "autoRollback",
    "revisionHistoryLimit",
];
/// Fields of `strategy.kubernetes.strategy`.
pub const DEPLOYMENT_STRATEGY_FIELDS: &[&str] = &["type", "rollingUpdate"];
/// Fields of `rollingUpdate`.
pub const ROLLING_UPDATE_FIELDS: &[&str] = &["maxSurge", "maxUnavailable"];

/// `update_config.order` values.
pub const ORDERS: &[(&str, Order)] = &[
    ("stop-first", Order::StopFirst),
    ("start-first", Order::StartFirst),
];
/// `failure_action` values.
pub const FAILURE_ACTIONS: &[(&str, FailureAction)] = &[
    ("pause", FailureAction::Pause),
    ("continue", FailureAction::Continue),
    ("rollback", FailureAction::Rollback),
];
/// Deployment `strategy.type` values (`true`: Recreate).
pub const DEPLOYMENT_TYPES: &[(&str, bool)] = &[("RollingUpdate", false), ("Recreate", true)];

/// `revisionHistoryLimit` default (`pkg/apis/apps/v1/defaults.go SetDefaults_Deployment`).
const DEFAULT_REVISION_HISTORY_LIMIT: u32 = 10;
/// `progressDeadlineSeconds` default.
const DEFAULT_PROGRESS_DEADLINE: Time = 600 * SECOND;
/// `progressDeadlineSeconds` that the deployment controller reads as "no deadline".
const NO_DEADLINE: Time = i32::MAX as Time * SECOND;

/// Swarm with every default: what no `strategy` at all means.
pub fn default() -> Strategy {
    Strategy::Swarm(SwarmStrategy {
        update: UpdateConfig::default(),
        rollback: UpdateConfig::default(),
    })
}

/// The strategy section (`None`: not written, Swarm with every default). `None` (with one
/// problem recorded) if it does not choose exactly one controller: the caller then cannot
/// tell which controller's rules the rest of the file answers to.
pub fn strategy(node: Option<Node>) -> Option<Strategy> {
    let Some(node) = node else {
        return Some(default());
    };
    let o = node.object(FIELDS)?;
    // A key written with nothing under it (`swarm:`) still chooses that controller.
    let given: Vec<(&str, Node)> = FIELDS
        .iter()
        .filter_map(|&k| o.raw(k).map(|n| (k, n)))
        .collect();
    let got = match given.as_slice() {
        [(key, n)] => {
            let fields = Strategy::fields(key).expect("a registered key");
            return Some(
                Strategy::parse(key, &n.object_or_empty(fields)).expect("a registered key"),
            );
        }
        // Only unknown keys (each reported with its "did you mean"): a second problem
        // saying none is given would repeat the first.
        [] if o.entries().next().is_some() => return None,
        [] => "none".to_string(),
        [_, _] => "both".to_string(),
        more => more.len().to_string(),
    };
    let keys: Vec<String> = FIELDS.iter().map(|k| format!("`{k}`")).collect();
    o.node().fail(format!(
        "give exactly one of {}; got {got}",
        keys.join(", ")
    ))
}

/// `strategy.swarm`.
pub(crate) fn swarm(o: &Obj) -> SwarmStrategy {
    SwarmStrategy {
        update: update_config(&o.section("update_config", UPDATE_FIELDS), true),
        rollback: update_config(&o.section("rollback_config", UPDATE_FIELDS), false),
    }
}

fn update_config(o: &Obj, is_update: bool) -> UpdateConfig {
    let d = UpdateConfig::default();
    UpdateConfig {
        parallelism: o.u32("parallelism", d.parallelism),
        delay: o.duration("delay", d.delay),
        failure_action: o.or("failure_action", d.failure_action, |n| {
            failure_action(n, is_update)
        }),
        monitor: o.duration("monitor", d.monitor),
        max_failure_ratio: o.probability("max_failure_ratio", d.max_failure_ratio.into()) as f32,
        order: o.choice("order", d.order, ORDERS),
    }
}

fn failure_action(n: &Node, is_update: bool) -> Option<FailureAction> {
    if !is_update && n.value().as_str() == Some("rollback") {
        return n.fail(
            "a rollback cannot itself roll back: use `pause` or `continue` (as the docker CLI)",
        );
    }
    n.choice(FAILURE_ACTIONS)
}

/// `strategy.kubernetes`.
pub(crate) fn kubernetes(o: &Obj) -> KubernetesStrategy {
    let min_ready = o.duration("minReadySeconds", 0);
    KubernetesStrategy {
        kind: deployment_strategy(&o.section("strategy", DEPLOYMENT_STRATEGY_FIELDS)),
        min_ready,
        progress_deadline: o.or(
            "progressDeadlineSeconds",
            Some(DEFAULT_PROGRESS_DEADLINE),
            |n| progress_deadline(n, min_ready),
        ),
        auto_rollback: o.bool("autoRollback", false),
        revision_history_limit: o.u32("revisionHistoryLimit", DEFAULT_REVISION_HISTORY_LIMIT),
    }
}

pub(super) fn progress_deadline(n: &Node, min_ready: Time) -> Option<Option<Time>> {
    // Trimmed, as every other `never` is read (a distribution's, `recover_after`).
    if n.value().as_str().map(str::trim) == Some("never") {
        return Some(None);
    }
    let t = n.duration_or(r#"a duration ("600s", "10m", a number of seconds) or `never`"#)?;
    if t == NO_DEADLINE {
        return Some(None);
    }
    n.check(
        Some(t),
        t > min_ready,
        &format!(
            "must be greater than minReadySeconds ({}), got {}",
            show(min_ready),
            show(t)
        ),
    )
}

fn deployment_strategy(o: &Obj) -> DeploymentStrategy {
    let recreate = o.choice("type", false, DEPLOYMENT_TYPES);
    if recreate {
        // A `rollingUpdate:` with nothing under it is nil to the API server, so allowed.
        if let Some(n) = o.get("rollingUpdate") {
            n.problem("may not be specified when strategy `type` is 'Recreate'");
        }
        return DeploymentStrategy::Recreate;
    }
    let r = o.section("rollingUpdate", ROLLING_UPDATE_FIELDS);
    let surge = r.opt("maxSurge", int_or_percent);
    let unavailable = r.get("maxUnavailable");
    let parsed_unavailable = unavailable.as_ref().and_then(|n| {
        let v = int_or_percent(n)?;
        let ok = !matches!(v, IntOrPercent::Percent(p) if p > 100);
        n.check(v, ok, "must not be greater than 100%")
    });
    let is_zero = |v| matches!(v, Some(IntOrPercent::Int(0) | IntOrPercent::Percent(0)));
    if is_zero(surge)
        && is_zero(parsed_unavailable)
        && let Some(n) = unavailable
    {
        n.problem("may not be 0 when maxSurge is 0");
    }
    DeploymentStrategy::RollingUpdate {
        max_surge: surge.unwrap_or(IntOrPercent::Percent(25)),
        max_unavailable: parsed_unavailable.unwrap_or(IntOrPercent::Percent(25)),
    }
}

/// `apimachinery intstr`: a non-negative int, or a string `"N%"`.
pub(super) fn int_or_percent(n: &Node) -> Option<IntOrPercent> {
    match n.value() {
        Value::String(s) => match s.strip_suffix('%') {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p
                .parse()
                .ok()
                .map(IntOrPercent::Percent)
                .or_else(|| n.fail(format!("percentage too large, got {s:?}"))),
            Some(_) => n.fail(format!(
                "a valid percent string must be a numeric string followed by an ending '%', got {s:?}"
            )),
            // Upstream's words, then the two forms it takes.
            None => n.fail(format!(
                "invalid type: string is not a percentage, got {s:?} (write a count as a bare number, `{s}`, or a percentage with `%`, \"{s}%\")"
            )),
        },
        Value::Number(_) => n.u32().map(IntOrPercent::Int),
        _ => n.expected(r#"a non-negative integer or a percentage ("25%")"#),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use serde_json::json;

    /// The section's strategy (Swarm's defaults where it chooses none) and its problems.
    fn parse(v: Value) -> (Strategy, Vec<String>) {
        walk::run(&v, |root| {
            strategy(Some(root.child("strategy", &v))).unwrap_or_else(default)
        })
    }

    fn k8s(v: Value) -> Result<KubernetesStrategy, Vec<String>> {
        match parse(json!({"kubernetes": v})) {
            (Strategy::Kubernetes(k), p) if p.is_empty() => Ok(k),
            (_, p) => Err(p),
        }
    }

    fn rolling(surge: Value, unavailable: Value) -> Result<KubernetesStrategy, Vec<String>> {
        k8s(
            json!({"strategy": {"rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}}}),
        )
    }

    #[test]
    fn swarm_defaults() {
        let Some(Strategy::Swarm(s)) = strategy(None) else {
            panic!()
        };
        assert_eq!(s.update, UpdateConfig::default());
        assert_eq!(s.rollback, UpdateConfig::default());
        let u = s.update;
        assert_eq!((u.parallelism, u.delay, u.monitor), (1, 0, 5 * SECOND));
        assert_eq!(
            (u.failure_action, u.order),
            (FailureAction::Pause, Order::StopFirst)
        );
        assert_eq!(u.max_failure_ratio, 0.0);
        let (s, p) = parse(json!({"swarm": null}));
        assert!(matches!(s, Strategy::Swarm(_)) && p.is_empty());
    }

    #[test]
    fn swarm_fields() {
        let (s, p) = parse(json!({"swarm": {
            "update_config": {"parallelism": 2, "delay": "10s", "failure_action": "rollback",
                              "monitor": "30s", "max_failure_ratio": 0.2, "order": "start-first"},
            "rollback_config": {"parallelism": 0, "failure_action": "continue"}}}));
        assert!(p.is_empty(), "{p:?}");
        let Strategy::Swarm(s) = s else { panic!() };
        assert_eq!(
            s.update,
            UpdateConfig {
                parallelism: 2,
                delay: 10 * SECOND,
                failure_action: FailureAction::Rollback,
                monitor: 30 * SECOND,
                max_failure_ratio: 0.2,
                order: Order::StartFirst,
            }
        );
        assert_eq!(
            (s.rollback.parallelism, s.rollback.failure_action),
            (0, FailureAction::Continue)
        );
    }

    #[test]
    fn rollback_config_cannot_roll_back() {
        let (_, p) = parse(json!({"swarm": {"rollback_config": {"failure_action": "rollback"}}}));
        assert_eq!(
            p,
            [
                "strategy.swarm.rollback_config.failure_action: a rollback cannot itself roll back: \
              use `pause` or `continue` (as the docker CLI)"
            ]
        );
    }

    #[test]
    fn exactly_one_controller() {
        let (_, p) = parse(json!({"swarm": {}, "kubernetes": {}}));
        assert_eq!(
            p,
            [
                "strategy: give exactly one of `swarm`, `kubernetes`, `canary`, `blueGreen`, `flagger`, `daemonSet`, `statefulSet`; got both"
            ]
        );
        for none in [json!({}), json!(null)] {
            let (_, p) = parse(none);
            assert_eq!(
                p,
                [
                    "strategy: give exactly one of `swarm`, `kubernetes`, `canary`, `blueGreen`, `flagger`, `daemonSet`, `statefulSet`; got none"
                ]
            );
        }
        // A misspelt controller is one problem, its own: not also "got none".
        let (_, p) = parse(json!({"kubernets": {}}));
        assert_eq!(
            p,
            ["strategy.kubernets: unknown field `kubernets`; did you mean `kubernetes`?"]
        );
    }

    #[test]
    fn kubernetes_defaults() {
        let k = k8s(json!({})).unwrap();
        assert_eq!(
            k,
            KubernetesStrategy {
                kind: DeploymentStrategy::RollingUpdate {
                    max_surge: IntOrPercent::Percent(25),
                    max_unavailable: IntOrPercent::Percent(25),
                },
                min_ready: 0,
                progress_deadline: Some(600 * SECOND),
                auto_rollback: false,
                revision_history_limit: 10,
            }
        );
        let (s, p) = parse(json!({"kubernetes": null}));
        assert!(matches!(s, Strategy::Kubernetes(_)) && p.is_empty());
    }

    #[test]
    fn kubernetes_fields() {
        let k = k8s(json!({"strategy": {"type": "RollingUpdate",
                                        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "0%"}},
                           "minReadySeconds": 10, "progressDeadlineSeconds": "5m",
                           "autoRollback": true}))
        .unwrap();
        assert_eq!(
            k.kind,
            DeploymentStrategy::RollingUpdate {
                max_surge: IntOrPercent::Int(1),
                max_unavailable: IntOrPercent::Percent(0),
            }
        );
        assert_eq!(
            (k.min_ready, k.progress_deadline, k.auto_rollback),
            (10 * SECOND, Some(300 * SECOND), true)
        );
        let k = k8s(json!({"strategy": {"type": "Recreate"}, "progressDeadlineSeconds": "never"}))
            .unwrap();
        assert_eq!(
            (k.kind, k.progress_deadline),
            (DeploymentStrategy::Recreate, None)
        );
        let k = k8s(json!({"progressDeadlineSeconds": 2147483647})).unwrap();
        assert_eq!(k.progress_deadline, None);
    }

    #[test]
    fn int_or_percent_is_apimachinerys() {
        assert!(
            rolling(json!("200%"), json!(0)).is_ok(),
            "maxSurge has no upper bound"
        );
        assert!(
            rolling(json!(0), json!("25%")).is_ok(),
            "raw values are checked, not rounded"
        );
        const RU: &str = "strategy.kubernetes.strategy.rollingUpdate";
        assert_eq!(
            rolling(json!("5"), json!(1)).unwrap_err(),
            [format!(
                "{RU}.maxSurge: invalid type: string is not a percentage, got \"5\" (write a \
                 count as a bare number, `5`, or a percentage with `%`, \"5%\")"
            )]
        );
        assert_eq!(
            rolling(json!(-1), json!("x%")).unwrap_err(),
            [
                format!("{RU}.maxSurge: expected a non-negative integer, got -1"),
                format!(
                    "{RU}.maxUnavailable: a valid percent string must be a numeric string followed by an ending '%', got \"x%\""
                ),
            ]
        );
        assert_eq!(
            rolling(json!(1), json!("101%")).unwrap_err(),
            [format!(
                "{RU}.maxUnavailable: must not be greater than 100%"
            )]
        );
    }

    #[test]
    fn both_zero_is_rejected_at_max_unavailable() {
        for (s, u) in [
            (json!(0), json!(0)),
            (json!("0%"), json!(0)),
            (json!(0), json!("0%")),
        ] {
            assert_eq!(
                rolling(s, u).unwrap_err(),
                [
                    "strategy.kubernetes.strategy.rollingUpdate.maxUnavailable: may not be 0 when maxSurge is 0"
                ]
            );
        }
    }

    #[test]
    fn recreate_takes_no_rolling_update_and_deadline_exceeds_min_ready() {
        assert_eq!(
            k8s(json!({"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}}))
                .unwrap_err(),
            [
                "strategy.kubernetes.strategy.rollingUpdate: may not be specified when strategy `type` is 'Recreate'"
            ]
        );
        assert_eq!(
            k8s(json!({"minReadySeconds": 30, "progressDeadlineSeconds": 30})).unwrap_err(),
            [
                "strategy.kubernetes.progressDeadlineSeconds: must be greater than minReadySeconds (30s), got 30s"
            ]
        );
        assert_eq!(
            k8s(json!({"strategy": {"type": "BlueGreen"}})).unwrap_err(),
            [
                "strategy.kubernetes.strategy.type: unknown value `BlueGreen`; expected one of `RollingUpdate`, `Recreate`"
            ]
        );
    }
}
