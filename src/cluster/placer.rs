//! Which nodes a task may run on, and why a task that fits none stays Pending.
//!
//! The filters, in the order each orchestrator runs them (a node is rejected by the first
//! it fails):
//!
//! - Kubernetes (kubernetes/kubernetes v1.30, the default scheduler profile's filter
//!   order, `pkg/scheduler/apis/config/v1/default_plugins.go`): `NodeUnschedulable`
//!   (`unschedulable`: cordoned by a drain), the node is down (the node
//!   lifecycle controller's `node.kubernetes.io/unreachable` taint), `TaintToleration`
//!   (`taint`: a `NoSchedule` or `NoExecute` taint no toleration tolerates;
//!   `PreferNoSchedule` only scores), `NodeAffinity` (`affinity`: `nodeSelector` and the
//!   required node affinity, as `k8s.io/component-helpers/scheduling/corev1/nodeaffinity`
//!   matches them), `NodePorts` (`host_port`: a `hostPort` another pod of the service
//!   holds there), `NodeResourcesFit` (`resources`), `PodTopologySpread` (`spread`),
//!   `InterPodAffinity` (`anti_affinity`: a required pod anti-affinity term).
//! - Swarm (moby/swarmkit v2.1.2 `manager/scheduler/pipeline.go` `defaultFilters`):
//!   `ReadyFilter` (`unschedulable` on a drained node, else down), `ResourceFilter`
//!   (`resources`), `ConstraintFilter` (reported as `affinity`), `HostPortFilter`
//!   (`host_port`: a port published in host mode that another task of the service holds
//!   there), `MaxReplicasFilter` (`max_replicas_per_node`).
//!
//! A task that passes no node records one reason: the filter that removed the last
//! candidates when the filters are applied one after the other to the whole node list,
//! i.e. the latest filter (in the order above) that was the first failure of any node.
//! Of the scheduler's "0/N nodes are available: …" message it is the entry of the last
//! filter listed.
//!
//! Which of the two applies is [`Scheduler`], which the strategy's registry entry decides
//! ([`crate::scenario::Strategy::scheduler`], from the container runtime it drives): every
//! strategy whose pods run on the kubelet — a Deployment, an Argo Rollout (`canary`,
//! `blueGreen`), Flagger's primary and canary Deployments — is placed by kube-scheduler.
//!
//! Filters that depend only on the node (down aside) — taints, affinity, Swarm
//! constraints — are a fixed mask held by the [`NodeIndex`], and `max_replicas_per_node`
//! a mask updated when a node's count of wanted tasks crosses the limit, so such a
//! service costs what an unconstrained one does. `topologySpreadConstraints` and
//! `preferences` compare counts across nodes: they scan every node at each placement,
//! O(nodes) per placement, for those services only.
//!
//! A required pod anti-affinity whose every domain is one node (`kubernetes.io/hostname`,
//! which every node carries) is the index's room of one task a node, as a host port is;
//! over wider domains (a zone) it scans too.
//!
//! Files: this one holds the filters in each orchestrator's order and the pick;
//! [`fixed_filters`] the filters of the node alone; [`spread`] the spread constraints and
//! preferences, and the picks that scan for them; [`anti_affinity`] the required pod
//! anti-affinity.

use super::node::Node;
use super::scheduler::NodeIndex;
use super::task::NodeId;
use crate::scenario::placement::NodeAttrs;
use crate::scenario::{Resources, Scenario};
use anti_affinity::AntiAffinity;
use spread::{Spread, domains};

mod anti_affinity;
mod fixed_filters;
mod spread;

pub use super::pending_reason::{PendingReason, PendingReasons};
pub use fixed_filters::{
    affinity_matches, requirement_matches, swarm_matches, taints_tolerated, tolerates,
};

/// Whose scheduler places the service's tasks: which placement fields a scenario may give
/// (the other's are refused), which filters run and in which order, and which `pending_*`
/// columns are filled (the other's are empty). A strategy's comes from its registry entry
/// ([`crate::scenario::Strategy::scheduler`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduler {
    /// kube-scheduler: `nodeSelector`, `affinity.nodeAffinity`, `tolerations` against node
    /// `taints`, `topologySpreadConstraints`.
    Kubernetes,
    /// swarmkit's scheduler: `placement` (`constraints`, `max_replicas_per_node`,
    /// `preferences`), node `role`.
    Swarm,
}

/// Kubernetes' filter order (see the module documentation).
const KUBERNETES_ORDER: &[PendingReason] = &[
    PendingReason::Unschedulable,
    PendingReason::NodeDown,
    PendingReason::Taint,
    PendingReason::Affinity,
    PendingReason::HostPort,
    PendingReason::Resources,
    PendingReason::Spread,
    PendingReason::AntiAffinity,
];
/// Swarm's filter order.
const SWARM_ORDER: &[PendingReason] = &[
    PendingReason::Unschedulable,
    PendingReason::NodeDown,
    PendingReason::Resources,
    PendingReason::Affinity,
    PendingReason::HostPort,
    PendingReason::MaxReplicasPerNode,
];

/// The placement rules of one scenario and the index that answers them.
#[derive(Debug, Clone)]
pub struct Placer {
    index: NodeIndex,
    /// Whose filters apply, in whose order.
    scheduler: Scheduler,
    /// Per node, the first fixed filter it fails (taint or affinity); empty: none fails.
    fixed: Vec<Option<PendingReason>>,
    spread: Vec<Spread>,
    /// The required pod anti-affinity, term by term (see [`AntiAffinity`]).
    anti_affinity: AntiAffinity,
    /// The tasks bind a host port: a node holding a task of the service is taken.
    host_port: bool,
    /// Swarm `max_replicas_per_node` (0: no limit).
    max_per_node: u32,
    /// Swarm preferences: per level, each node's branch (its label values down to that
    /// level), and the number of branches.
    levels: Vec<(Vec<u32>, usize)>,
    /// Scratch: task counts per domain.
    counts: Vec<u32>,
    /// Scratch: minimum count per spread constraint.
    minima: Vec<u32>,
    /// Scratch: candidate nodes.
    candidates: Vec<NodeId>,
    /// The reason of the last failed [`Placer::pick`].
    last_failure: Option<PendingReason>,
    /// Every pick is a scan of every node, each open, as of the last
    /// [`Placer::rebuild`] ([`NodeIndex::scans_open`], no spread or preferences).
    scans_open: bool,
    /// The pods tolerate `node.kubernetes.io/unschedulable:NoSchedule` (a DaemonSet's,
    /// [`crate::scenario::Strategy::daemon_pod_tolerations`]), so kube-scheduler's
    /// `NodeUnschedulable` filter passes a cordoned node for them ("If pod tolerate
    /// unschedulable taint, it's also tolerate `node.Spec.Unschedulable`"). Such pods are
    /// tied to their node ([`Placer::fits_on`]), the one check that reads it.
    cordon_tolerated: bool,
}

impl Placer {
    /// The rules of `s` (its service's placement over its nodes).
    pub fn new(s: &Scenario) -> Placer {
        let p = &s.service.placement;
        let scheduler = s.strategy.scheduler();
        let kubernetes = scheduler == Scheduler::Kubernetes;
        let nodes = s.cluster.node_slot_count();
        let attrs = |i: usize| s.cluster.attrs(i);
        let fixed_of = |i: usize| {
            let a = attrs(i);
            if kubernetes && !taints_tolerated(&a.taints, &p.tolerations) {
                Some(PendingReason::Taint)
            } else if (kubernetes && !affinity_matches(p, a))
                || (!kubernetes && !swarm_matches(&p.constraints, &s.cluster.nodes[i].name, a))
            {
                Some(PendingReason::Affinity)
            } else {
                None
            }
        };
        let fixed: Vec<Option<PendingReason>> = (0..nodes).map(fixed_of).collect();
        let mut index = NodeIndex::default();
        index.order_for(scheduler);
        if fixed.iter().any(Option::is_some) {
            index.set_eligible(fixed.iter().map(Option::is_none).collect());
        }
        index.track_limit(p.max_replicas_per_node > 0);
        // A port bound on the node ([`crate::scenario::Service::host_port`]), or a pod
        // anti-affinity whose every domain is one node: the index holds it, as a room of one
        // task a node.
        let host_port = s.service.host_port().is_some();
        let anti_affinity = AntiAffinity::new(&p.anti_affinity, nodes, |i, key| {
            attrs(i).labels.get(key).map(String::as_str)
        });
        index.one_task_a_node(host_port || anti_affinity.per_node);
        let all_keys = |a: &NodeAttrs| {
            p.spread
                .iter()
                .all(|c| a.labels.contains_key(&c.topology_key))
        };
        let spread = p
            .spread
            .iter()
            .map(|c| {
                let (domain, domains) = domains(nodes, |i| {
                    attrs(i)
                        .labels
                        .get(&c.topology_key)
                        .map(|v| vec![v.as_str()])
                });
                Spread {
                    max_skew: c.max_skew,
                    domain,
                    counted: (0..nodes)
                        .map(|i| affinity_matches(p, attrs(i)) && all_keys(attrs(i)))
                        .collect(),
                    domains,
                }
            })
            .collect();
        let levels = (0..p.preferences.len())
            .map(|depth| {
                domains(nodes, |i| {
                    let labels = &attrs(i).labels;
                    Some(
                        p.preferences[..=depth]
                            .iter()
                            .map(|l| labels.get(l).map_or("", String::as_str))
                            .collect(),
                    )
                })
            })
            .collect();
        Placer {
            index,
            scheduler,
            fixed: if fixed.iter().any(Option::is_some) {
                fixed
            } else {
                Vec::new()
            },
            spread,
            anti_affinity,
            host_port,
            max_per_node: p.max_replicas_per_node,
            levels,
            counts: Vec::new(),
            minima: Vec::new(),
            candidates: Vec::new(),
            last_failure: None,
            scans_open: false,
            cordon_tolerated: s.strategy.daemon_pod_tolerations(),
        }
    }

    /// Whether the filters that depend on the node alone (taints, affinity, Swarm
    /// constraints) allow node `i`.
    pub fn allows(&self, i: usize) -> bool {
        self.index.allows(i as NodeId)
    }

    /// The nodes, of the first `nodes`, that [`Placer::allows`].
    pub fn allowed_nodes(&self, nodes: usize) -> impl Iterator<Item = usize> + '_ {
        (0..nodes).filter(|&i| self.allows(i))
    }

    /// No reason seen yet, for this scenario's orchestrator.
    pub fn no_reasons(&self) -> PendingReasons {
        PendingReasons::new(self.scheduler)
    }

    /// Whether a task holds its node alone: it binds a host port, or keeps off the nodes
    /// of the service's other pods (a pod anti-affinity whose every domain is one node).
    pub fn one_task_a_node(&self) -> bool {
        self.host_port || self.anti_affinity.per_node
    }

    /// Whether where the service's tasks are decides eligibility beyond what the index
    /// keeps (spread, preferences): then every placement scans the nodes.
    fn scans(&self) -> bool {
        !self.spread.is_empty() || !self.levels.is_empty() || self.anti_affinity.scans()
    }

    /// Whether a task told to stop may let a Pending one in (spread, a per-node limit,
    /// preferences count only tasks not told to stop).
    pub fn depends_on_tasks(&self) -> bool {
        self.scans() || self.max_per_node > 0
    }

    /// Whether the service has a per-node limit (`max_replicas_per_node`): only then does
    /// [`Placer::wanted_changed`] do anything.
    #[inline]
    pub fn limits_per_node(&self) -> bool {
        self.max_per_node > 0
    }

    /// The service's wanted tasks on `node` are now `count`: the per-node limit
    /// (`max_replicas_per_node`) opens or closes the node in the index.
    #[inline]
    pub fn wanted_changed(&mut self, nodes: &[Node], node: NodeId, count: u32, r: Resources) {
        if self.max_per_node > 0 {
            let limited = count >= self.max_per_node;
            self.index.set_limited(nodes, node, r, limited);
        }
    }

    /// Index `nodes` at the start of a trial.
    pub fn rebuild(&mut self, nodes: &[Node], r: Resources) {
        self.index.rebuild(nodes, r);
        self.scans_open = !self.scans() && self.index.scans_open();
    }

    /// Whether the node order reads [`Node::active`] (see [`NodeIndex::counts_active`]).
    #[inline]
    pub fn counts_active(&self) -> bool {
        self.index.counts_active()
    }

    /// Node `id` is about to change (see [`NodeIndex::before_change`]).
    #[inline]
    pub fn before_change(&mut self, nodes: &[Node], id: NodeId, r: Resources) {
        self.index.before_change(nodes, id, r);
    }

    /// Node `id` has changed.
    #[inline]
    pub fn after_change(&mut self, nodes: &[Node], id: NodeId, r: Resources) {
        self.index.after_change(nodes, id, r);
    }

    /// The node for a task with requests `r`, given the service's wanted tasks per node
    /// (`on_node`: placed and not told to stop, every version); or why there is none.
    ///
    /// The common pick, a small cluster's scan of every node, each open, is answered by a
    /// leaf that saves no register ([`NodeIndex::pick_open`]) before anything else: with
    /// it inlined, this function saved six for a 4-node scan. The rest is out of line.
    pub fn pick(
        &mut self,
        nodes: &[Node],
        on_node: &[u32],
        r: Resources,
    ) -> Result<NodeId, PendingReason> {
        if self.scans_open
            && let Some(id) = self.index.pick_open(nodes, r)
        {
            return Ok(id);
        }
        self.pick_any(nodes, on_node, r)
    }

    /// [`Placer::pick`], any way the service's rules ask.
    #[inline(never)]
    fn pick_any(
        &mut self,
        nodes: &[Node],
        on_node: &[u32],
        r: Resources,
    ) -> Result<NodeId, PendingReason> {
        let pick = self.pick_uncounted(nodes, on_node, r);
        if let Err(reason) = pick {
            self.last_failure = Some(reason);
        }
        pick
    }

    /// Whether `node` passes every filter for a task with requests `r` (a global
    /// service's preassigned task, swarmkit `Scheduler.taskFitNode`), or the first it fails.
    pub fn fits_on(
        &mut self,
        nodes: &[Node],
        on_node: &[u32],
        node: NodeId,
        r: Resources,
    ) -> Result<(), PendingReason> {
        self.anti_affinity.count(nodes);
        match self.first_failure(nodes, on_node, node as usize, r) {
            None => Ok(()),
            Some(reason) => {
                self.last_failure = Some(reason);
                Err(reason)
            }
        }
    }

    /// Why the last task that found no node found none.
    pub fn last_failure(&self) -> Option<PendingReason> {
        self.last_failure
    }

    fn pick_uncounted(
        &mut self,
        nodes: &[Node],
        on_node: &[u32],
        r: Resources,
    ) -> Result<NodeId, PendingReason> {
        if self.scans() {
            return self.pick_scanning(nodes, on_node, r);
        }
        match self.index.pick(nodes, r) {
            Some(id) => Ok(id),
            None => Err(self.why_none(nodes, on_node, r)),
        }
    }

    /// Why no node may take a task: the latest filter in order that is some node's first
    /// failure; the scan stops at the first node whose failure is the last filter this
    /// service has. Out of line, as is [`Placer::pick_scanning`], so that a pick the index
    /// answers sets up a small frame.
    #[cold]
    #[inline(never)]
    fn why_none(&self, nodes: &[Node], on_node: &[u32], r: Resources) -> PendingReason {
        let swarm = self.scheduler == Scheduler::Swarm;
        let last = if self.max_per_node > 0 {
            PendingReason::MaxReplicasPerNode
        } else if swarm && self.host_port {
            PendingReason::HostPort
        } else if swarm && !self.fixed.is_empty() {
            PendingReason::Affinity
        } else if !swarm && self.anti_affinity.per_node {
            PendingReason::AntiAffinity
        } else {
            PendingReason::Resources
        };
        let mut worst = self.order()[0];
        for i in 0..nodes.len() {
            let f = self.first_failure(nodes, on_node, i, r).unwrap_or(worst);
            if self.rank(f) > self.rank(worst) {
                worst = f;
            }
            if worst == last {
                break;
            }
        }
        worst
    }

    fn order(&self) -> &'static [PendingReason] {
        match self.scheduler {
            Scheduler::Kubernetes => KUBERNETES_ORDER,
            Scheduler::Swarm => SWARM_ORDER,
        }
    }

    fn rank(&self, r: PendingReason) -> usize {
        self.order().iter().position(|&x| x == r).unwrap_or(0)
    }

    /// The first filter node `i` fails, in the orchestrator's order (`None`: eligible).
    /// Spread needs [`Placer::count_domains`] first.
    fn first_failure(
        &self,
        nodes: &[Node],
        on_node: &[u32],
        i: usize,
        r: Resources,
    ) -> Option<PendingReason> {
        let n = &nodes[i];
        if n.absent {
            // No node yet: the first filter, which never outranks another node's reason
            // (every scan starts from it), and no candidate.
            return Some(self.order()[0]);
        }
        let fixed = self.fixed.get(i).copied().flatten();
        self.order().iter().copied().find(|&f| match f {
            PendingReason::Unschedulable => n.cordoned && !self.cordon_tolerated,
            PendingReason::NodeDown => !n.up,
            PendingReason::Taint => fixed == Some(PendingReason::Taint),
            PendingReason::Affinity => fixed == Some(PendingReason::Affinity),
            // Up, and cordoned only where tolerated: the filters before it passed.
            PendingReason::Resources => !n.has_room(r),
            PendingReason::HostPort => self.host_port && n.tasks > 0,
            PendingReason::Spread => !self.spread_allows(i),
            PendingReason::AntiAffinity => self.anti_affinity.blocks(nodes, i),
            PendingReason::MaxReplicasPerNode => {
                self.max_per_node > 0 && on_node[i] >= self.max_per_node
            }
        })
    }
}
