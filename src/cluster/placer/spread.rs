//! Spreading over domains: Kubernetes' `topologySpreadConstraints` and Swarm's spread
//! `preferences`, which compare the service's counts across nodes, and the picks that scan
//! every node for them. Apart from the filters in order (`placer.rs`): only a service with
//! them pays for a scan.

use super::{PendingReason, Placer};
use crate::cluster::node::Node;
use crate::cluster::scheduler;
use crate::cluster::task::NodeId;
use crate::scenario::Resources;
use std::collections::HashMap;

/// One topology spread constraint, resolved against the nodes.
#[derive(Debug, Clone)]
pub(super) struct Spread {
    pub(super) max_skew: u32,
    /// Per node, the domain of its `topologyKey` value ([`NO_DOMAIN`] without the label).
    pub(super) domain: Vec<u32>,
    /// Per node, whether its pods and domain count: it passes the pod's node affinity
    /// (`nodeAffinityPolicy: Honor`; taints are ignored, `nodeTaintsPolicy: Ignore`) and
    /// has every constraint's key (`nodeLabelsMatchSpreadConstraints`).
    pub(super) counted: Vec<bool>,
    pub(super) domains: usize,
}

pub(super) const NO_DOMAIN: u32 = u32::MAX;

impl Placer {
    /// Whether node `i` carries the `topologyKey` of every spread constraint: a node
    /// without one fails `PodTopologySpread` whatever the counts (`Filter`'s
    /// `ErrReasonNodeLabelNotMatch`), so it can never hold a task.
    pub fn has_every_topology_key(&self, i: usize) -> bool {
        self.spread.iter().all(|s| s.domain[i] != NO_DOMAIN)
    }

    /// `PodTopologySpread.Filter`: the node has every topology key, and for each
    /// constraint `matchNum + 1 − minMatchNum ≤ maxSkew` (the task matches its own
    /// selector: every pod of the service counts).
    pub(super) fn spread_allows(&self, i: usize) -> bool {
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
    /// minimum over the domains of counted nodes (none: no limit). A node the cluster
    /// autoscaler has not added yet is no node: its domain is not there.
    fn count_domains(&mut self, nodes: &[Node], on_node: &[u32]) {
        self.counts.clear();
        self.minima.clear();
        let mut present: Vec<bool> = Vec::new();
        for c in &self.spread {
            let base = self.counts.len();
            self.counts.resize(base + c.domains, 0);
            present.clear();
            present.resize(c.domains, false);
            // `nodes` may be fewer than the domains know of (the nodes listed, without those
            // the autoscaler may add: `room_for_tasks`).
            for (i, (&d, n)) in c.domain.iter().zip(nodes).enumerate() {
                if c.counted[i] && d != NO_DOMAIN && !n.absent {
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
    pub(super) fn pick_scanning(
        &mut self,
        nodes: &[Node],
        on_node: &[u32],
        r: Resources,
    ) -> Result<NodeId, PendingReason> {
        self.count_domains(nodes, on_node);
        self.anti_affinity.count(nodes);
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
        self.count_domains(nodes, on_node);
        self.anti_affinity.count(nodes);
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
pub(super) fn domains<'a>(
    nodes: usize,
    value: impl Fn(usize) -> Option<Vec<&'a str>>,
) -> (Vec<u32>, usize) {
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
