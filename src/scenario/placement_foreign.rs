//! Refusing the other orchestrator's placement fields: given with the wrong strategy they
//! would be read and have no effect, so each is a problem naming this strategy's field.
//! Which are the other's follows from the strategy's scheduler
//! ([`crate::scenario::Strategy::scheduler`]): Kubernetes' for every strategy on the
//! kubelet (`kubernetes`, `canary`, `blueGreen`, `flagger`, `daemonSet`, `statefulSet`), Swarm's for `swarm`.

use super::walk::{Node, Obj};
use crate::cluster::placer::Scheduler;
use serde_json::Value;

/// Kubernetes fields of `service` and the Swarm field that replaces each.
pub const KUBERNETES_SERVICE_FIELDS: &[(&str, &str)] = &[
    (
        "nodeSelector",
        "`placement: {constraints: [node.labels.KEY==VALUE]}`",
    ),
    (
        "affinity",
        "`placement: {constraints: [node.labels.KEY==VALUE, node.labels.KEY!=VALUE]}` \
         (node affinity) or `placement: {max_replicas_per_node: 1}` (a pod anti-affinity \
         on `kubernetes.io/hostname`)",
    ),
    (
        "tolerations",
        "nothing: Swarm nodes have no taints; keep tasks off nodes with \
         `placement: {constraints: [node.labels.KEY!=VALUE]}` or `node.role!=manager`",
    ),
    (
        "topologySpreadConstraints",
        "`placement: {preferences: [{spread: node.labels.KEY}]}` (a preference, not a limit) \
         or `placement: {max_replicas_per_node: N}`",
    ),
];

/// Swarm's placement field of `service` (compose `deploy.placement`).
const SWARM_SERVICE_FIELD: &str = "placement";
/// Swarm's field of a node.
const SWARM_NODE_FIELD: &str = "role";
/// Kubernetes' field of a node.
const KUBERNETES_NODE_FIELD: &str = "taints";

/// The placement fields a strategy whose tasks `scheduler` places may not give, as
/// (fields of `service`, fields of a node: `cluster.node`, `cluster.nodes[]`): the other
/// scheduler's. Written with `null` they are no fields. The schema states the same rule.
pub fn foreign(scheduler: Scheduler) -> (Vec<&'static str>, Vec<&'static str>) {
    match scheduler {
        Scheduler::Kubernetes => (vec![SWARM_SERVICE_FIELD], vec![SWARM_NODE_FIELD]),
        Scheduler::Swarm => (
            KUBERNETES_SERVICE_FIELDS.iter().map(|(f, _)| *f).collect(),
            vec![KUBERNETES_NODE_FIELD],
        ),
    }
}

/// Fields of the other orchestrator are refused, naming this one's field: given with the
/// wrong strategy they would be parsed and have no effect. `root` is the scenario map,
/// `scheduler` the one that places the strategy's tasks.
pub fn refuse_foreign(root: &Obj, scheduler: Scheduler) {
    let field = |section: &str, key: &str| {
        let sec = root.get(section)?;
        let v = sec.value().get(key).filter(|v| !v.is_null())?;
        Some(sec.child(key, v))
    };
    if scheduler == Scheduler::Kubernetes {
        if let Some(n) = field("service", SWARM_SERVICE_FIELD) {
            n.problem(
                "`placement` is Swarm's (compose `deploy.placement`); for a Kubernetes \
                 strategy use `nodeSelector`, `affinity.nodeAffinity`, `tolerations` or \
                 `topologySpreadConstraints`",
            );
        }
        for n in node_entries(root) {
            if let Some(v) = n.value().get(SWARM_NODE_FIELD).filter(|v| !v.is_null()) {
                n.child(SWARM_NODE_FIELD, v).problem(
                    "`role` is Swarm's node role (`node.role`); for a Kubernetes strategy \
                     give the node a label (e.g. `labels: {node-role.kubernetes.io/control-plane: \
                     \"\"}`) or a taint",
                );
            }
        }
        return;
    }
    for &(key, instead) in KUBERNETES_SERVICE_FIELDS {
        if let Some(n) = field("service", key) {
            n.problem(format!(
                "`{key}` is a Kubernetes Pod field; for a Swarm strategy use {instead}"
            ));
        }
    }
    for n in node_entries(root) {
        if let Some(v) = n
            .value()
            .get(KUBERNETES_NODE_FIELD)
            .filter(|v| !v.is_null())
        {
            n.child(KUBERNETES_NODE_FIELD, v).problem(
                "taints are Kubernetes'; Swarm nodes have none: label the node and keep tasks \
                 off it with `placement: {constraints: [node.labels.KEY!=VALUE]}`",
            );
        }
    }
}

/// A required pod anti-affinity with Flagger is refused: Flagger rewrites the primary's
/// terms to select the primary's pods (`appendPrimarySuffixToValuesIfNeeded`, fluxcd/flagger
/// `pkg/canary/deployment_controller.go`), so each Deployment's pods avoid only their own,
/// which the one count of the service's pods a node does not tell apart.
pub fn refuse_split_anti_affinity(root: &Obj, strategy_key: &str, split: bool) {
    if !split {
        return;
    }
    let Some(service) = root.get("service") else {
        return;
    };
    let Some(v) = (service.value().get("affinity"))
        .and_then(|a| a.get("podAntiAffinity"))
        .filter(|v| !v.is_null())
    else {
        return;
    };
    let affinity = service.child("affinity", &service.value()["affinity"]);
    affinity.child("podAntiAffinity", v).problem(format!(
        "a pod anti-affinity is not simulated with `strategy.{strategy_key}`: Flagger \
         rewrites the primary Deployment's terms to select the primary's pods \
         (`appendPrimarySuffixToValuesIfNeeded`), so the primary's and the canary's pods \
         each avoid only their own, which the simulator does not tell apart: remove it"
    ));
}

/// `cluster.node` and every `cluster.nodes[]` map, as nodes.
fn node_entries<'a>(root: &Obj<'a>) -> Vec<Node<'a>> {
    let Some(cluster) = root.get("cluster") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(v) = cluster.value().get("node") {
        out.push(cluster.child("node", v));
    }
    if let Some(v @ Value::Array(items)) = cluster.value().get("nodes") {
        let list = cluster.child("nodes", v);
        out.extend(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| list.child(i, item)),
        );
    }
    out.retain(|n| n.value().is_object());
    out
}
