//! `service.mode`: a Swarm service's tasks are `replicated` (the default, `replicas` of
//! them wherever the scheduler puts them) or `global` (one on every node the service's
//! constraints allow, each tied to its node), as `docker service create --mode` and
//! compose's `deploy.mode` write it.
//!
//! A global service has no replica count: its size is worked out here from the nodes
//! (moby/swarmkit v2.1.2 `manager/orchestrator/global/global.go` `reconcileServices`:
//! a task for every node that passes `constraint.NodeMatches`), and the fields that
//! would set or bound it are refused rather than read and ignored: `replicas`, an action's
//! `scale` (`docker service scale` refuses a global service), `max_replicas_per_node`
//! (docker CLI: "replicas-max-per-node can only be used with replicated mode") and
//! `preferences` (each task is preassigned to its node: no spread to prefer).
//!
//! A Kubernetes DaemonSet (`strategy.daemonSet`, [`Sizing::OneANode`] in its registry
//! entry) is global by kind: `mode` may be left out or say `global`, and it is sized the
//! same way, from the nodes its pod's nodeSelector, required node affinity and
//! tolerations allow (kubernetes v1.30 `pkg/controller/daemon` `NodeShouldRunDaemonPod`).
//! Its node losses and drains are simulated (see `docs/daemonset.md`); `scale` actions
//! are refused (a DaemonSet has no scale).

use super::model::{ActionKind, Scenario, ServiceMode};
use super::walk::Obj;
use crate::cluster::placer::Placer;
use crate::strategy::registry::Sizing;

/// `service.mode` values.
pub const MODES: &[(&str, ServiceMode)] = &[
    ("replicated", ServiceMode::Replicated),
    ("global", ServiceMode::Global),
];

/// The `service.mode` field of the service section `o`.
pub(super) fn mode(o: &Obj) -> ServiceMode {
    o.choice("mode", ServiceMode::Replicated, MODES)
}

/// Refuses what a global service cannot have, then sizes it: `service.replicas` becomes
/// the number of nodes its constraints allow. `root` is the scenario's top level.
pub(super) fn settle_global(root: &Obj, s: &mut Scenario) {
    let Some(service) = root.get("service") else {
        return;
    };
    let at = |field: &str| service.value().get(field).map(|v| service.child(field, v));
    let sizing = s.strategy.sizing();
    let daemon_set = sizing == Sizing::OneANode;
    if daemon_set {
        // A DaemonSet is global by kind: `mode` may only say so.
        if let Some(mode) = at("mode").filter(|_| s.service.mode != ServiceMode::Global) {
            mode.problem(
                "a DaemonSet (`strategy.daemonSet`) runs one pod on every node its \
                 nodeSelector, affinity and tolerations allow: remove `mode` (or write \
                 `mode: global`), or use `strategy.kubernetes` for a Deployment",
            );
            return;
        }
        s.service.mode = ServiceMode::Global;
    }
    if s.service.mode != ServiceMode::Global {
        return;
    }
    if sizing == Sizing::Replicas {
        if let Some(mode) = at("mode") {
            mode.problem(
                "`mode: global` runs one task on every node: it needs `strategy.swarm` (a \
                 Docker Swarm global service) or `strategy.daemonSet` (a Kubernetes \
                 DaemonSet)",
            );
        }
        return;
    }
    let (workload, allows) = if daemon_set {
        (
            "a DaemonSet",
            "nodeSelector, affinity and tolerations allow",
        )
    } else {
        ("a global service", "`placement.constraints` allow")
    };
    if let Some(replicas) = at("replicas") {
        let fix = if daemon_set {
            "remove `replicas` (or use `strategy.kubernetes` for a Deployment)"
        } else {
            "remove `replicas` (or use `mode: replicated`)"
        };
        replicas.problem(format!(
            "{workload} runs one {} on every node its {allows}, so it has no replica \
             count: {fix}",
            if daemon_set { "pod" } else { "task" }
        ));
    }
    if let Some(placement) = at("placement").filter(|_| !daemon_set) {
        let p = placement.value();
        for (field, why) in [
            (
                "max_replicas_per_node",
                "only a replicated service has a per-node limit (docker: \
                 \"replicas-max-per-node can only be used with replicated mode\"); a \
                 global service has one task a node",
            ),
            (
                "preferences",
                "a global service's tasks are each tied to their node, so there is no \
                 spread to prefer: remove `preferences`",
            ),
        ] {
            if let Some(v) = p.get(field).filter(|v| !v.is_null()) {
                placement.child(field, v).problem(why);
            }
        }
    }
    if let Some(list) = root.get("actions") {
        for (i, a) in s.actions.iter().enumerate() {
            if let (ActionKind::Scale(_), Some(v)) = (&a.kind, list.value().get(i)) {
                list.child(i, v).problem(if daemon_set {
                    "a DaemonSet cannot be scaled (`kubectl scale` refuses it: it has no \
                     scale subresource): it runs one pod on every node its nodeSelector, \
                     affinity and tolerations allow"
                } else {
                    "a global service cannot be scaled (`docker service scale` refuses \
                     it): it runs one task on every node its constraints allow"
                });
            }
        }
    }
    if root.node().ctx().problem_count() > 0 {
        return;
    }
    let placer = Placer::new(s);
    s.service.replicas = placer.allowed_nodes(s.cluster.nodes.len()).count() as u32;
    if s.service.replicas == 0 {
        let constraints = at("placement").and_then(|p| {
            let v = p.value().get("constraints")?;
            Some(p.child("constraints", v))
        });
        let message = if daemon_set {
            "no node passes the pod's nodeSelector, required node affinity and \
             tolerations (against the nodes' taints), so the DaemonSet would have no pod: \
             label a node to match, or loosen them"
        } else {
            "no node passes the service's `placement.constraints`, so a global service \
             would have no task: label a node to match, or loosen the constraints"
        };
        match constraints.filter(|_| !daemon_set) {
            Some(c) => c.problem(message),
            None => service.problem(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::{Format, ServiceMode, load_str};

    fn problems(yaml: &str) -> String {
        load_str(yaml, "s.yaml", Format::Yaml, &[])
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_global_service_has_a_task_per_node_its_constraints_allow() {
        let s = load_str(
            "cluster: {nodes: [{name: a, labels: {agent: 'yes'}}, {name: b}, \
             {name: c, labels: {agent: 'yes'}}]}\n\
             service: {mode: global, placement: {constraints: ['node.labels.agent == yes']}}\n\
             strategy: {swarm: {}}",
            "s.yaml",
            Format::Yaml,
            &[],
        )
        .unwrap();
        assert_eq!(s.service.mode, ServiceMode::Global);
        assert_eq!(s.service.replicas, 2);
        let s = load_str(
            "cluster: {nodes: 5}\nservice: {mode: global}\nstrategy: {swarm: {}}",
            "s.yaml",
            Format::Yaml,
            &[],
        )
        .unwrap();
        assert_eq!(s.service.replicas, 5);
    }

    #[test]
    fn what_a_global_service_cannot_have_is_refused_by_its_path() {
        let e = problems(
            "cluster: {nodes: 3}\nservice: {mode: global, replicas: 3, \
             placement: {max_replicas_per_node: 1, preferences: [{spread: node.labels.zone}]}}\n\
             strategy: {swarm: {}}\nactions: [{at: 1m, scale: 4}]\n\
             faults: {node_failures: [{at: 1m, node: node-1}]}",
        );
        for path in [
            "service.replicas:",
            "service.placement.max_replicas_per_node:",
            "service.placement.preferences:",
            "actions.0:",
        ] {
            assert!(e.contains(path), "{path} in {e}");
        }
        // Node losses are simulated for a global service (`swarm::global`).
        assert!(!e.contains("faults.node_failures:"), "{e}");
        let e = problems("service: {mode: global}\nstrategy: {kubernetes: {}}");
        assert!(
            e.contains("service.mode:") && e.contains("DaemonSet"),
            "{e}"
        );
        let e = problems("service: {mode: daemon}\nstrategy: {swarm: {}}");
        assert!(e.contains("service.mode:") && e.contains("global"), "{e}");
        let e = problems(
            "cluster: {nodes: 2}\nservice: {mode: global, placement: {constraints: \
             ['node.labels.agent == yes']}}\nstrategy: {swarm: {}}",
        );
        assert!(
            e.contains("service.placement.constraints: no node passes"),
            "{e}"
        );
    }

    #[test]
    fn each_node_of_a_global_service_must_hold_its_task() {
        let e = problems(
            "cluster: {nodes: [{name: big, cpu: 4}, {name: small, cpu: 1}, {name: tiny, cpu: 1}]}\n\
             service: {mode: global, resources: {cpu: 2}}\nstrategy: {swarm: {}}",
        );
        assert!(
            e.contains("service.resources: the starting fleet does not fit")
                && e.contains("but nodes `small` and `tiny` cannot hold one"),
            "{e}"
        );
        // A node the constraints keep out needs no room.
        let s = load_str(
            "cluster: {nodes: [{name: big, cpu: 4}, {name: small, cpu: 1}]}\n\
             service: {mode: global, resources: {cpu: 2}, \
             placement: {constraints: ['node.hostname != small']}}\nstrategy: {swarm: {}}",
            "s.yaml",
            Format::Yaml,
            &[],
        )
        .unwrap();
        assert_eq!(s.service.replicas, 1);
    }
}
