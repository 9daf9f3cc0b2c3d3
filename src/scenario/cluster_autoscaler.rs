//! `cluster.autoscaler`: Kubernetes' cluster-autoscaler, which adds nodes shaped like
//! `cluster.node` while pods stay Pending for want of a node (the model is
//! `src/cluster/autoscaler.rs`).
//!
//! ```yaml
//! cluster:
//!   nodes: 3
//!   node: {cpu: "4", memory: 8Gi}
//!   autoscaler:
//!     max_nodes: 6                                   # the node group's largest size
//!     provision: {lognormal: {median: 90s, p99: 4m}} # scale-up until the node is Ready
//!     scan_interval: 10s                             # --scan-interval (default 10s)
//!     image_cached: []                               # versions a new node has (default none)
//! ```
//!
//! `max_nodes` and `provision` are required: the first is the node group's maximum
//! (`--nodes=min:max:group`), counting the nodes of `cluster.nodes`; the second depends on
//! the cloud and the machine image, and upstream has no default for it. Given only with a
//! strategy kube-scheduler places (Swarm has no autoscaler), never with a DaemonSet (its
//! pods are tied to their nodes, and cluster-autoscaler leaves them out of a scale-up): each
//! refusal says so ([`settle`]).

use super::distribution::Dist;
use super::limits::MAX_NODES;
use super::model::{NodeSpec, Scenario, Version, VersionId};
use super::placement::NodeAttrs;
use super::walk::{Node, Obj};
use crate::cluster::placer::Scheduler;
use crate::sim::time::{SECOND, Time};

/// Fields of `cluster.autoscaler`.
pub const FIELDS: &[&str] = &["max_nodes", "provision", "scan_interval", "image_cached"];

/// cluster-autoscaler's default `--scan-interval`: how often it looks for Pending pods
/// (kubernetes/autoscaler `cluster-autoscaler/config/flags/flags.go`, `scanInterval`).
pub const DEFAULT_SCAN_INTERVAL: Time = 10 * SECOND;

/// The name of the `k`th node the autoscaler may add (from 0).
pub fn added_node_name(k: usize) -> String {
    format!("autoscaled-{}", k + 1)
}

/// The cluster autoscaler of a scenario and the nodes it may add.
#[derive(Debug, Clone)]
pub struct ClusterAutoscaler {
    /// The node group's largest size, the nodes of `cluster.nodes` included.
    pub max_nodes: u32,
    /// Time from a scale-up until the new node is Ready and schedulable.
    pub provision: Dist,
    /// How often the autoscaler looks for Pending pods.
    pub scan_interval: Time,
    /// Versions whose image a new node already has.
    pub image_cached: Vec<VersionId>,
    /// The nodes it may add, in the order it adds them (`autoscaled-1`, …): shaped like
    /// `cluster.node`.
    pub nodes: Vec<NodeSpec>,
    /// `cluster.node`'s labels and taints, which every added node carries.
    pub attrs: NodeAttrs,
}

/// `cluster.autoscaler`, if given (`null` is none); `listed` is the count of
/// `cluster.nodes`, `template` the shape and attributes of `cluster.node`.
pub fn autoscaler(
    cluster: &Obj,
    listed: usize,
    template: (&NodeSpec, &NodeAttrs),
    versions: &[Version],
) -> Option<ClusterAutoscaler> {
    let o = cluster.get("autoscaler")?.object(FIELDS)?;
    let max_nodes = o.required("max_nodes", |n| {
        let got = n.u64_in(1..=MAX_NODES, |got| {
            format!("must be between 1 and {MAX_NODES}, got {got}")
        })?;
        if got < listed as u64 {
            return n.fail(format!(
                "must be at least the {listed} nodes of `cluster.nodes`: it is the node \
                 group's largest size, the nodes it starts with included, got {got}"
            ));
        }
        Some(got as u32)
    });
    let provision = o.opt("provision", Node::dist);
    if !o.has("provision") {
        o.node().problem(
            "missing field `provision`: the time from cluster-autoscaler's scale-up to the new \
             node Ready (it depends on the cloud and the machine image: about 1 to 3 minutes \
             on the large clouds), e.g. `provision: {lognormal: {median: 90s, p99: 4m}}`",
        );
    }
    let scan_interval = o.positive_duration("scan_interval", DEFAULT_SCAN_INTERVAL);
    let image_cached = o.or("image_cached", Vec::new(), |n| {
        super::cluster::image_cached(n, versions)
    });
    let (max_nodes, provision) = (max_nodes?, provision?);
    let (shape, attrs) = template;
    let nodes = (0..max_nodes as usize - listed)
        .map(|k| NodeSpec {
            name: added_node_name(k),
            ..shape.clone()
        })
        .collect();
    Some(ClusterAutoscaler {
        max_nodes,
        provision,
        scan_interval,
        image_cached,
        nodes,
        attrs: attrs.clone(),
    })
}

/// Once the strategy is known: the autoscaler is refused where the model does not hold
/// (see the module's comment), each time saying why. `root` is the scenario's top-level map.
pub(super) fn settle(root: &Obj, s: &Scenario) {
    let Some(a) = &s.cluster.autoscaler else {
        return;
    };
    let Some(at) = root
        .get("cluster")
        .and_then(|c| c.map())
        .and_then(|c| c.get("autoscaler"))
    else {
        return;
    };
    let key = s.strategy.key();
    if s.strategy.scheduler() != Scheduler::Kubernetes {
        return at.problem(format!(
            "Docker Swarm has no cluster autoscaler: its nodes are the ones that join the \
             swarm, so with `strategy.{key}` give every node in `cluster.nodes` (remove \
             `cluster.autoscaler`)"
        ));
    }
    if s.strategy.daemon_pod_tolerations() {
        return at.problem(format!(
            "a DaemonSet's pods are tied to their nodes, and cluster-autoscaler leaves them \
             out of a scale-up (a new node gets its own pod, it never makes room for one \
             elsewhere), so with `strategy.{key}` it adds no node: remove \
             `cluster.autoscaler`"
        ));
    }
    let taken = s
        .cluster
        .nodes
        .iter()
        .find(|n| a.nodes.iter().any(|m| m.name == n.name));
    if let Some(n) = taken {
        at.problem(format!(
            "the nodes it adds are named `autoscaled-1` … `autoscaled-{}`, and \
             `cluster.nodes` already has a node `{}`: rename that node",
            a.nodes.len(),
            n.name
        ));
    }
}
