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
//!   holds there), `NodeResourcesFit` (`resources`), `PodTopologySpread` (`spread`).
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

use super::node::Node;
use super::scheduler::{self, NodeIndex};
use super::task::NodeId;
use crate::scenario::placement::{
    NodeAttrs, Placement, Requirement, SwarmConstraint, SwarmKey, Taint, TaintEffect, Toleration,
};
use crate::scenario::{Resources, Scenario};
use std::collections::HashMap;

pub use super::pending_reason::{PendingReason, PendingReasons};

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

/// `ToleratesTaint` (k8s.io/api `core/v1/toleration.go`): the effect matches (or the
/// toleration names none), the key matches (an empty key with `Exists` matches every
/// key), and `Exists` or an equal value.
pub fn tolerates(t: &Toleration, taint: &Taint) -> bool {
    t.effect.is_none_or(|e| e == taint.effect)
        && (t.key.is_empty() || t.key == taint.key)
        && (t.exists || t.value == taint.value)
}

/// The `TaintToleration` filter: no `NoSchedule` / `NoExecute` taint is left untolerated
/// (`FindMatchingUntoleratedTaint` with those two effects).
pub fn taints_tolerated(taints: &[Taint], tolerations: &[Toleration]) -> bool {
    taints
        .iter()
        .filter(|t| t.effect != TaintEffect::PreferNoSchedule)
        .all(|t| tolerations.iter().any(|tol| tolerates(tol, t)))
}

/// One `matchExpressions` entry against a node's labels (`labels.Requirement.Matches`).
pub fn requirement_matches(req: &Requirement, attrs: &NodeAttrs) -> bool {
    let label = attrs.labels.get(&req.key).map(String::as_str);
    req.op.matches(label, &req.values)
}

/// The `NodeAffinity` filter: every `nodeSelector` label equal, and, when the required
/// node affinity is given, some term whose expressions all match (terms are ORed; a term
/// without expressions matches no node).
pub fn affinity_matches(p: &Placement, attrs: &NodeAttrs) -> bool {
    let selector = p
        .node_selector
        .iter()
        .all(|(k, v)| attrs.labels.get(k) == Some(v));
    selector
        && p.required_terms.as_ref().is_none_or(|terms| {
            terms
                .iter()
                .any(|t| !t.is_empty() && t.iter().all(|r| requirement_matches(r, attrs)))
        })
}

/// swarmkit `constraint.NodeMatches`: case-insensitive equality with the node's hostname,
/// role or label (a missing label compares as the empty string).
pub fn swarm_matches(constraints: &[SwarmConstraint], name: &str, attrs: &NodeAttrs) -> bool {
    constraints.iter().all(|c| {
        let what = match &c.key {
            SwarmKey::Hostname => name,
            SwarmKey::Role => attrs.role.as_str(),
            SwarmKey::Label(l) => attrs.labels.get(l).map_or("", String::as_str),
        };
        let equal = what.to_lowercase() == c.value.to_lowercase();
        equal == c.equal
    })
}

/// One topology spread constraint, resolved against the nodes.
#[derive(Debug)]
struct Spread {
    max_skew: u32,
    /// Per node, the domain of its `topologyKey` value ([`NO_DOMAIN`] without the label).
    domain: Vec<u32>,
    /// Per node, whether its pods and domain count: it passes the pod's node affinity
    /// (`nodeAffinityPolicy: Honor`; taints are ignored, `nodeTaintsPolicy: Ignore`) and
    /// has every constraint's key (`nodeLabelsMatchSpreadConstraints`).
    counted: Vec<bool>,
    domains: usize,
}

const NO_DOMAIN: u32 = u32::MAX;

/// The placement rules of one scenario and the index that answers them.
#[derive(Debug)]
pub struct Placer {
    index: NodeIndex,
    /// Whose filters apply, in whose order.
    scheduler: Scheduler,
    /// Per node, the first fixed filter it fails (taint or affinity); empty: none fails.
    fixed: Vec<Option<PendingReason>>,
    spread: Vec<Spread>,
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
}

impl Placer {
    /// The rules of `s` (its service's placement over its nodes).
    pub fn new(s: &Scenario) -> Placer {
        let p = &s.service.placement;
        let scheduler = s.strategy.scheduler();
        let kubernetes = scheduler == Scheduler::Kubernetes;
        let nodes = s.cluster.nodes.len();
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
        // A port bound on the node ([`crate::scenario::Service::host_port`]): the index
        // holds it, as a room of one task a node.
        index.one_task_a_node(s.service.host_port().is_some());
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
            max_per_node: p.max_replicas_per_node,
            levels,
            counts: Vec::new(),
            minima: Vec::new(),
            candidates: Vec::new(),
            last_failure: None,
            scans_open: false,
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

    /// Whether node `i` carries the `topologyKey` of every spread constraint: a node
    /// without one fails `PodTopologySpread` whatever the counts (`Filter`'s
    /// `ErrReasonNodeLabelNotMatch`), so it can never hold a task.
    pub fn has_every_topology_key(&self, i: usize) -> bool {
        self.spread.iter().all(|s| s.domain[i] != NO_DOMAIN)
    }

    /// No reason seen yet, for this scenario's orchestrator.
    pub fn no_reasons(&self) -> PendingReasons {
        PendingReasons::new(self.scheduler)
    }

    /// Whether where the service's tasks are decides eligibility beyond what the index
    /// keeps (spread, preferences): then every placement scans the nodes.
    fn scans(&self) -> bool {
        !self.spread.is_empty() || !self.levels.is_empty()
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
        } else if swarm && self.index.holds_one_a_node() {
            PendingReason::HostPort
        } else if swarm && !self.fixed.is_empty() {
            PendingReason::Affinity
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
        let fixed = self.fixed.get(i).copied().flatten();
        self.order().iter().copied().find(|&f| match f {
            PendingReason::Unschedulable => n.cordoned,
            PendingReason::NodeDown => !n.up,
            PendingReason::Taint => fixed == Some(PendingReason::Taint),
            PendingReason::Affinity => fixed == Some(PendingReason::Affinity),
            PendingReason::Resources => !n.fits(r),
            PendingReason::HostPort => self.index.port_taken(n),
            PendingReason::Spread => !self.spread_allows(i),
            PendingReason::MaxReplicasPerNode => {
                self.max_per_node > 0 && on_node[i] >= self.max_per_node
            }
        })
    }

    /// `PodTopologySpread.Filter`: the node has every topology key, and for each
    /// constraint `matchNum + 1 − minMatchNum ≤ maxSkew` (the task matches its own
    /// selector: every pod of the service counts).
    fn spread_allows(&self, i: usize) -> bool {
        let mut base = 0;
        self.spread.iter().zip(&self.minima).all(|(c, &min)| {
            let d = c.domain[i];
            let counts = &self.counts[base..base + c.domains];
            base += c.domains;
            d != NO_DOMAIN
                && i64::from(counts[d as usize]) + 1 - i64::from(min) <= i64::from(c.max_skew)
        })
    }

    /// Pods per domain for each spread constraint (`calPreFilterState`): wanted tasks
    /// (terminating pods are skipped, `countPodsMatchSelector`) on counted nodes; the
    /// minimum over the domains of counted nodes (none: no limit).
    fn count_domains(&mut self, on_node: &[u32]) {
        self.counts.clear();
        self.minima.clear();
        let mut present: Vec<bool> = Vec::new();
        for c in &self.spread {
            let base = self.counts.len();
            self.counts.resize(base + c.domains, 0);
            present.clear();
            present.resize(c.domains, false);
            for (i, &d) in c.domain.iter().enumerate() {
                if c.counted[i] && d != NO_DOMAIN {
                    self.counts[base + d as usize] += on_node[i];
                    present[d as usize] = true;
                }
            }
            let min = (0..c.domains)
                .filter(|&d| present[d])
                .map(|d| self.counts[base + d])
                .min()
                .unwrap_or(u32::MAX);
            self.minima.push(min);
        }
    }

    /// Placement with task-dependent filters: every node is checked.
    #[inline(never)]
    fn pick_scanning(
        &mut self,
        nodes: &[Node],
        on_node: &[u32],
        r: Resources,
    ) -> Result<NodeId, PendingReason> {
        self.count_domains(on_node);
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        let mut worst = self.order()[0];
        for i in 0..nodes.len() {
            match self.first_failure(nodes, on_node, i, r) {
                None => candidates.push(i as NodeId),
                Some(f) if self.rank(f) > self.rank(worst) => worst = f,
                Some(_) => {}
            }
        }
        self.narrow_by_preferences(&mut candidates, on_node);
        let best = candidates
            .iter()
            .map(|&id| scheduler::key(&nodes[id as usize], id, self.scheduler))
            .min()
            .map(|k| k.3);
        self.candidates = candidates;
        best.ok_or(worst)
    }

    /// [`Placer::pick`] with `rank` before the scheduler's key: the first node by
    /// (`rank`, key) among those every filter allows, within the preferred branch
    /// (swarmkit's `nodeLess` orders the nodes of a leaf of the preference tree). `None`
    /// if no node may take the task.
    pub fn pick_ranked(
        &mut self,
        nodes: &[Node],
        on_node: &[u32],
        r: Resources,
        rank: impl Fn(NodeId) -> u32,
    ) -> Option<NodeId> {
        self.count_domains(on_node);
        let mut candidates = std::mem::take(&mut self.candidates);
        candidates.clear();
        candidates.extend(
            (0..nodes.len())
                .filter(|&i| self.first_failure(nodes, on_node, i, r).is_none())
                .map(|i| i as NodeId),
        );
        self.narrow_by_preferences(&mut candidates, on_node);
        let best = candidates
            .iter()
            .map(|&id| {
                (
                    rank(id),
                    scheduler::key(&nodes[id as usize], id, self.scheduler),
                )
            })
            .min()
            .map(|(_, k)| k.3);
        self.candidates = candidates;
        best
    }

    /// Swarm `preferences`: level by level, keep the candidates of the branch with the
    /// fewest active tasks of the service, counted over every node of the branch
    /// (swarmkit `nodeSet.tree` and `scheduleNTasksOnSubtree`: a task goes to a branch
    /// below its even share, and the emptiest branch with room always is one; of several,
    /// swarmkit's map order picks any, here the branch first met in node order).
    fn narrow_by_preferences(&mut self, candidates: &mut Vec<NodeId>, on_node: &[u32]) {
        for (branch, branches) in &self.levels {
            if candidates.is_empty() {
                return;
            }
            self.counts.clear();
            self.counts.resize(*branches, 0);
            for (i, &b) in branch.iter().enumerate() {
                self.counts[b as usize] += on_node[i];
            }
            let Some(chosen) = candidates
                .iter()
                .map(|&id| branch[id as usize])
                .min_by_key(|&b| (self.counts[b as usize], b))
            else {
                return;
            };
            candidates.retain(|&id| branch[id as usize] == chosen);
        }
    }
}

/// Domain ids per node from each node's value (`None`: no domain), numbered in node order
/// of first appearance, and their number.
fn domains<'a>(nodes: usize, value: impl Fn(usize) -> Option<Vec<&'a str>>) -> (Vec<u32>, usize) {
    let mut ids: HashMap<Vec<&str>, u32> = HashMap::new();
    let domain = (0..nodes)
        .map(|i| match value(i) {
            None => NO_DOMAIN,
            Some(v) => {
                let next = ids.len() as u32;
                *ids.entry(v).or_insert(next)
            }
        })
        .collect();
    (domain, ids.len())
}
