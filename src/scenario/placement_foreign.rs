//! Refusing the other orchestrator's placement fields: given with the wrong strategy they
//! would be read and have no effect, so each is a problem naming this strategy's field.
//! Which are the other's follows from the strategy's scheduler
//! ([`crate::scenario::Strategy::scheduler`]): Kubernetes' for every strategy on the
//! kubelet (`kubernetes`, `canary`, `blueGreen`, `flagger`), Swarm's for `swarm`.

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
        "`placement: {constraints: [node.labels.KEY==VALUE, node.labels.KEY!=VALUE]}`",
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
        if let Some(n) = field("service", "placement") {
            n.problem(
                "`placement` is Swarm's (compose `deploy.placement`); for a Kubernetes \
                 strategy use `nodeSelector`, `affinity.nodeAffinity`, `tolerations` or \
                 `topologySpreadConstraints`",
            );
        }
        for n in node_entries(root) {
            if let Some(v) = n.value().get("role").filter(|v| !v.is_null()) {
                n.child("role", v).problem(
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
        if let Some(v) = n.value().get("taints").filter(|v| !v.is_null()) {
            n.child("taints", v).problem(
                "taints are Kubernetes'; Swarm nodes have none: label the node and keep tasks \
                 off it with `placement: {constraints: [node.labels.KEY!=VALUE]}`",
            );
        }
    }
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
