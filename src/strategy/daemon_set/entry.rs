//! How the rest of the tool sees the DaemonSet controller: its registry entry (key,
//! parser, defaults, runtime, controller, header, chart limits, lint rule).

use super::DaemonSet;
use crate::check::lint::{Warning, warn};
use crate::cluster::runtime::RuntimeKind;
use crate::scenario::daemon_set::{
    self, DAEMON_SET_FIELDS, ROLLING_UPDATE_FIELDS, UPDATE_STRATEGY_FIELDS, UPDATE_TYPES,
};
use crate::scenario::schema::{Ty::*, names};
use crate::scenario::walk::Obj;
use crate::scenario::{DaemonSetStrategy, Scenario};
use crate::sim::time::{SECOND, Time, as_secs};
use crate::strategy::AnyController;
use crate::strategy::registry::{Controls, FieldTypes, Sections, Sizing, StrategyDef};

/// The Kubernetes DaemonSet strategy (`strategy.daemonSet`).
pub struct Def;

impl StrategyDef for Def {
    type Config = DaemonSetStrategy;
    const KEY: &'static str = "daemonSet";
    const FIELDS: &'static [&'static str] = DAEMON_SET_FIELDS;
    /// Pod `terminationGracePeriodSeconds` default.
    const STOP_GRACE_PERIOD: Time = 30 * SECOND;
    const RUNTIME: RuntimeKind = RuntimeKind::Kubelet;
    const CONTROLS: Controls = Controls::KubectlDaemonSet;
    const SIZING: Sizing = Sizing::OneANode;
    const SCHEMA_SECTIONS: Sections = &[
        ("daemonSet", DAEMON_SET_FIELDS),
        ("daemon_set_update_strategy", UPDATE_STRATEGY_FIELDS),
        ("daemon_set_rolling_update", ROLLING_UPDATE_FIELDS),
    ];
    const SCHEMA_TYPES: FieldTypes = &[
        (
            "daemonSet",
            "updateStrategy",
            Section("daemon_set_update_strategy"),
        ),
        ("daemonSet", "minReadySeconds", Duration),
        (
            "daemon_set_update_strategy",
            "type",
            Choice(|| names(UPDATE_TYPES)),
        ),
        (
            "daemon_set_update_strategy",
            "rollingUpdate",
            Section("daemon_set_rolling_update"),
        ),
        ("daemon_set_rolling_update", "maxUnavailable", IntOrPercent),
        ("daemon_set_rolling_update", "maxSurge", IntOrPercent),
    ];

    fn parse(o: &Obj) -> DaemonSetStrategy {
        daemon_set::daemon_set(o)
    }

    fn controller(cfg: &DaemonSetStrategy) -> Box<dyn AnyController + '_> {
        Box::new(DaemonSet::new(cfg))
    }

    /// `Kubernetes DaemonSet RollingUpdate, maxUnavailable 1, maxSurge 0`.
    fn label(d: &DaemonSetStrategy) -> String {
        format!(
            "Kubernetes DaemonSet RollingUpdate, maxUnavailable {}, maxSurge {}",
            d.max_unavailable, d.max_surge
        )
    }

    fn header_extra(d: &DaemonSetStrategy) -> String {
        format!(", minReadySeconds {}", as_secs(d.min_ready))
    }

    /// At most `nodes + maxSurge` pods, at least `nodes − maxUnavailable` available.
    fn limits(d: &DaemonSetStrategy, nodes: u32) -> Vec<(&'static str, u32)> {
        let (surge, unavailable) = d.fenceposts(nodes);
        if surge > 0 {
            vec![("maxSurge ceiling", nodes.saturating_add(surge))]
        } else {
            vec![("maxUnavailable floor", nodes.saturating_sub(unavailable))]
        }
    }

    fn lint(d: &DaemonSetStrategy, s: &Scenario, _threads: Option<usize>, out: &mut Vec<Warning>) {
        host_port_surge(d, s, out);
    }
}

/// Rules `daemonset-host-port-surge` and `daemonset-anti-affinity-surge`: a surge pod is
/// created on its old pod's node, where the old pod holds the `hostPort`, or the topology
/// domain of a required pod anti-affinity term, until it has exited, so it stays Pending
/// and the old pod is never deleted: the rollout hangs at the first nodes it surges onto.
fn host_port_surge(d: &DaemonSetStrategy, s: &Scenario, out: &mut Vec<Warning>) {
    let (surge, _) = d.fenceposts(s.service.replicas);
    if surge == 0 {
        return;
    }
    let Some(port) = s.service.host_port() else {
        return anti_affinity_surge(surge, s, out);
    };
    warn(
        out,
        "daemonset-host-port-surge",
        format!(
            "service.ports binds hostPort {} and maxSurge is {surge}: each surge pod is created on its old pod's node, which holds the port until it has exited, so it stays Pending and no old pod is ever deleted",
            port.host_text()
        ),
        "surge only pods that bind no hostPort: set strategy.daemonSet.updateStrategy.rollingUpdate.maxSurge to 0 and maxUnavailable to 1 or more".into(),
        "kubernetes pkg/controller/daemon/update.go (rollingUpdate: with maxSurge an old pod is deleted only once the new pod on its node is available); pkg/scheduler/framework/plugins/nodeports (NodePorts); the DaemonSet documentation: a surge is not possible for pods that use hostPort",
    );
}

/// [`host_port_surge`] for a required pod anti-affinity: a term whose `topologyKey` a
/// node carries (`kubernetes.io/hostname` every node does) keeps the surge pod off its old
/// pod's node.
fn anti_affinity_surge(surge: u32, s: &Scenario, out: &mut Vec<Warning>) {
    let keys = &s.service.placement.anti_affinity;
    let nodes = s.cluster.nodes.len();
    let Some(key) = keys
        .iter()
        .find(|k| (0..nodes).any(|i| s.cluster.attrs(i).labels.contains_key(*k)))
    else {
        return;
    };
    warn(
        out,
        "daemonset-anti-affinity-surge",
        format!(
            "service.affinity.podAntiAffinity keeps one pod a value of `{key}` and maxSurge is {surge}: each surge pod is created on its old pod's node, whose `{key}` domain the old pod holds until it has exited, so it stays Pending and no old pod is ever deleted"
        ),
        "set strategy.daemonSet.updateStrategy.rollingUpdate.maxSurge to 0 and maxUnavailable to 1 or more, or drop the anti-affinity (a DaemonSet runs one pod a node already)".into(),
        "kubernetes pkg/controller/daemon/update.go (rollingUpdate: with maxSurge an old pod is deleted only once the new pod on its node is available); pkg/scheduler/framework/plugins/interpodaffinity/filtering.go (satisfyPodAntiAffinity, terminating pods counted)",
    );
}
