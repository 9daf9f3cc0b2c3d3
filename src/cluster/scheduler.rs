//! Placement: which node a task goes to.
//!
//! Spread, with each scheduler's own count of the service's tasks on a node:
//!
//! - Swarm (moby/swarmkit v2.1.2 `manager/scheduler/scheduler.go` `scheduleTaskGroup`'s
//!   `nodeLess`): the fewest active tasks of the service, `NodeInfo`'s
//!   `ActiveTasksCountByService` (`nodeinfo.go` `addTask`, `removeTask`): a task counts
//!   while its desired state is at most COMPLETED, so one the updater or the orchestrator
//!   has told to shut down stops counting at once ([`Node::active`]), while its resources
//!   stay reserved until it is seen past RUNNING (`Scheduler.updateTask` →
//!   `deleteTask`), which is when it exits here. Ties go to the fewest active tasks of all
//!   services, the same count here (one service). Swarm has no further tie-break: equal
//!   nodes come in the order its node set (a Go map) and its heap give them, which is not
//!   fixed. The model breaks ties by a fixed order instead: the most cpu capacity, then
//!   the most memory capacity, then the lowest index.
//! - Kubernetes (the model's rule for kube-scheduler's scoring): the fewest tasks holding
//!   resources on the node, terminating ones included ([`Node::tasks`]), then the most
//!   free cpu, then the most free memory, then the lowest index.
//!
//! A task fits a node by the resources held on it, terminating tasks included, under both;
//! a task that binds a host port (`service.ports`) fits only a node none of the service's
//! tasks holds resources on, which the index keeps as a room of one task.
//! A task that fits nowhere stays Pending until capacity frees.
//!
//! [`pick_node`] is the rule as a scan over every node. A rollout places about two tasks per
//! replica and the node count grows with the fleet, so on large clusters the scan made a
//! trial quadratic; [`NodeIndex`] keeps the nodes ordered by the same key and answers with
//! its first entry. Every task of the service requests the same resources, so whether a
//! task fits is a property of the node alone and the index can hold only the nodes a task
//! fits on. For the same reason a node's allocation is its task count times the request,
//! so among nodes with equal task counts the free-cpu and free-memory parts of the
//! Kubernetes key order them as their capacities do: the index orders by (count, capacity
//! rank), the count being the scheduler's ([`Node::active`] or [`Node::tasks`]), kept in
//! a [`LevelSets`] that answers the first node in O(1).

use super::level_sets::LevelSets;
use super::node::Node;
use super::placer::Scheduler;
use super::task::NodeId;
use crate::scenario::Resources;
use std::cmp::Reverse;

/// The node `scheduler` places a task with requests `r` on, or `None` if none fits.
///
/// ```
/// use rollout_sim::cluster::{node::Node, placer::Scheduler, scheduler::pick_node};
/// use rollout_sim::scenario::{NodeSpec, Resources};
/// let spec = NodeSpec { name: "n".into(), cpu_millis: 1000, memory_bytes: 1 << 30 };
/// let mut nodes = vec![Node::new(&spec, 2, &[0]), Node::new(&spec, 2, &[0])];
/// let r = Resources { cpu_millis: 500, memory_bytes: 0 };
/// // Node 0 holds a task told to stop: Kubernetes counts it, Swarm does not.
/// (nodes[0].tasks, nodes[0].cpu_used) = (1, 500);
/// assert_eq!(pick_node(&nodes, r, Scheduler::Kubernetes), Some(1));
/// assert_eq!(pick_node(&nodes, r, Scheduler::Swarm), Some(0));
/// ```
pub fn pick_node(nodes: &[Node], r: Resources, scheduler: Scheduler) -> Option<NodeId> {
    pick_among(nodes, r, &[], scheduler)
}

/// [`pick_node`] over the nodes `eligible` allows (all when it is empty).
fn pick_among(
    nodes: &[Node],
    r: Resources,
    eligible: &[bool],
    scheduler: Scheduler,
) -> Option<NodeId> {
    pick_where(nodes, r, scheduler, |id| allowed(eligible, id))
}

/// [`pick_node`] over the nodes `ok` allows.
fn pick_where(
    nodes: &[Node],
    r: Resources,
    scheduler: Scheduler,
    ok: impl Fn(NodeId) -> bool,
) -> Option<NodeId> {
    (0..nodes.len() as NodeId)
        .filter(|&id| nodes[id as usize].fits(r) && ok(id))
        .map(|id| key(&nodes[id as usize], id, scheduler))
        .min()
        .map(|k| k.3)
}

/// Up to this many nodes a scan is cheaper than keeping the ordered index up to date.
const SCAN_UP_TO: usize = 32;

/// [`NodeIndex`]'s mark of a node that is not in its set.
const OUT: u32 = u32::MAX;

/// A node's place in `scheduler`'s spread order (see the module's comment): Swarm the
/// fewest active tasks, most cpu capacity, most memory capacity, lowest index; Kubernetes
/// the fewest tasks holding resources, most free cpu, most free memory, lowest index. The
/// index last makes the order total.
pub(crate) type Key = (u32, Reverse<u64>, Reverse<u64>, NodeId);

/// Node `id`'s place in `scheduler`'s spread order.
pub(crate) fn key(n: &Node, id: NodeId, scheduler: Scheduler) -> Key {
    match scheduler {
        Scheduler::Swarm => (
            n.active,
            Reverse(n.cpu_capacity),
            Reverse(n.memory_capacity),
            id,
        ),
        Scheduler::Kubernetes => (n.tasks, Reverse(n.cpu_free()), Reverse(n.memory_free()), id),
    }
}

/// Whether `eligible` (empty: every node) allows node `id`.
#[inline]
fn allowed(eligible: &[bool], id: NodeId) -> bool {
    eligible.get(id as usize).copied().unwrap_or(true)
}

/// The nodes a task of the service fits on, in [`pick_node`]'s order for the scheduler
/// of [`NodeIndex::order_for`], for clusters too large to scan at every placement.
/// Callers bracket every change of a node's `tasks`, `active`, `cpu_used`, `memory_used`
/// or `up` with [`NodeIndex::before_change`] and [`NodeIndex::after_change`]; the index
/// keeps each node's count as it last saw it, so only the second does any work, and
/// none when the node's place did not move.
///
/// Placement constraints that depend on the node alone (labels, taints, role: see
/// [`super::placer`]) are a fixed mask, [`NodeIndex::set_eligible`]: the index holds
/// only the nodes they allow, so a constrained service costs what an unconstrained one
/// does.
#[derive(Debug, Clone, Default)]
pub struct NodeIndex {
    /// `false` for small clusters: [`NodeIndex::pick`] scans the nodes (see
    /// [`NodeIndex::scan`]) and the set stays empty.
    indexed: bool,
    /// Whether the order counts a node's active tasks ([`Node::active`], Swarm) rather
    /// than the tasks holding resources on it ([`Node::tasks`], Kubernetes).
    by_active: bool,
    /// The nodes a task fits on, as (count, capacity rank).
    fitting: LevelSets,
    /// Per node, the count it is held at in `fitting`, or [`OUT`] when it is not there:
    /// a change compares the node's new place with this and touches `fitting` only when
    /// they differ (a Swarm task told to stop leaves its node's count as it was when it
    /// exits, and so does every change that keeps a node full).
    at: Vec<u32>,
    /// Per node, its place in the order (most cpu, then most memory, then lowest index)
    /// of the capacities: the tie-break among nodes with equal counts.
    rank: Vec<u32>,
    /// Node by rank (the inverse of `rank`).
    by_rank: Vec<NodeId>,
    /// The nodes' (cpu, memory) capacities and the request that `rank`, `by_rank` and
    /// `room` were computed for: every trial of a scenario has the same, so they are
    /// computed again only when these change.
    computed_for: (Vec<(u64, u64)>, Resources),
    /// Per node, how many tasks of the service its capacity holds. A node's allocation
    /// is its tasks' requests, so a task fits on an up node exactly when its task count
    /// is below this (`(tasks + 1) · request ≤ capacity`): the scan of a small cluster
    /// and a change of a large one's compare one count instead of adding and comparing
    /// cpu and memory.
    room: Vec<u32>,
    /// Per node, whether the service's fixed constraints allow it; empty: every node.
    eligible: Vec<bool>,
    /// Per node, whether it is at the service's per-node limit (Swarm
    /// `max_replicas_per_node`); empty: no limit. Changed through
    /// [`NodeIndex::set_limited`].
    limited: Vec<bool>,
    /// A node holds at most one task of the service, counting its tasks holding resources,
    /// terminating ones too: the tasks bind a port on their node, which they hold as they
    /// hold cpu and memory, or a pod anti-affinity keeps every node to one (its topology
    /// key's domains are single nodes). A node's `room` is then at most one task.
    one_task_a_node: bool,
}

impl NodeIndex {
    /// Order the nodes as `scheduler` does (the default is Kubernetes' order); takes
    /// effect at the next [`NodeIndex::rebuild`].
    pub fn order_for(&mut self, scheduler: Scheduler) {
        self.by_active = scheduler == Scheduler::Swarm;
    }

    /// Whether the order reads a node's active tasks ([`Node::active`]: Swarm's). When it
    /// does not, a change of `active` alone leaves the index as it is and need not be
    /// bracketed by [`NodeIndex::before_change`] and [`NodeIndex::after_change`].
    #[inline]
    pub fn counts_active(&self) -> bool {
        self.by_active
    }

    /// Allow only the nodes `eligible` marks (empty: every node); takes effect at the
    /// next [`NodeIndex::rebuild`].
    pub fn set_eligible(&mut self, eligible: Vec<bool>) {
        self.eligible = eligible;
    }

    /// Whether the fixed constraints allow node `id`.
    #[inline]
    pub fn allows(&self, id: NodeId) -> bool {
        allowed(&self.eligible, id)
    }

    /// Whether node `id` may take a task now, resources aside: allowed and not at the
    /// per-node limit.
    #[inline]
    fn open(&self, id: NodeId) -> bool {
        self.allows(id) && !self.limited.get(id as usize).copied().unwrap_or(false)
    }

    /// Every node holds at most one task of the service (a host port, a pod
    /// anti-affinity on single-node domains), from the next [`NodeIndex::rebuild`] on.
    pub fn one_task_a_node(&mut self, on: bool) {
        if self.one_task_a_node != on {
            self.one_task_a_node = on;
            self.computed_for.0.clear(); // the room changes: computed again
        }
    }

    /// Whether `n` holds its one task: one task a node, and a task of the service holds
    /// resources there.
    #[inline]
    fn one_taken(&self, n: &Node) -> bool {
        self.one_task_a_node && n.tasks > 0
    }

    /// Whether a task with requests `r` fits on `n` now: on the node's allocation, and
    /// not at its one task.
    fn fits(&self, n: &Node, r: Resources) -> bool {
        n.fits(r) && !self.one_taken(n)
    }

    /// Keep track of a per-node limit from the next [`NodeIndex::rebuild`] on (`false`:
    /// none).
    pub fn track_limit(&mut self, on: bool) {
        self.limited = if on { vec![false] } else { Vec::new() };
    }

    /// Node `id` is (or no longer is) at the per-node limit.
    pub fn set_limited(&mut self, nodes: &[Node], id: NodeId, r: Resources, limited: bool) {
        let Some(&was) = self.limited.get(id as usize) else {
            return;
        };
        if was != limited {
            self.limited[id as usize] = limited;
            self.after_change(nodes, id, r);
        }
    }

    /// Index `nodes` as they are now (at the start of a trial, no task placed).
    pub fn rebuild(&mut self, nodes: &[Node], r: Resources) {
        if !self.limited.is_empty() {
            self.limited.clear();
            self.limited.resize(nodes.len(), false);
        }
        self.indexed = nodes.len() > SCAN_UP_TO;
        let capacity = |n: &Node| (n.cpu_capacity, n.memory_capacity);
        let (capacities, request) = &self.computed_for;
        let same = *request == r
            && capacities.len() == nodes.len()
            && nodes.iter().zip(capacities).all(|(n, &c)| capacity(n) == c);
        if !same {
            self.computed_for.0.clear();
            self.computed_for.0.extend(nodes.iter().map(capacity));
            self.computed_for.1 = r;
            self.rank_capacities(nodes, r);
        }
        if !self.indexed {
            // Scanned: `fitting` and `at` are neither read nor kept (left as they are).
            return;
        }
        self.fitting.reset(nodes.len());
        self.at.clear();
        self.at.resize(nodes.len(), OUT);
        for id in 0..nodes.len() as NodeId {
            self.after_change(nodes, id, r);
        }
    }

    /// The capacity ranks of `nodes` (they serve the scan of a small cluster too) and
    /// their room for tasks requesting `r`.
    fn rank_capacities(&mut self, nodes: &[Node], r: Resources) {
        self.by_rank.clear();
        self.by_rank.extend(0..nodes.len() as NodeId);
        self.by_rank.sort_unstable_by_key(|&id| {
            let n = &nodes[id as usize];
            (Reverse(n.cpu_capacity), Reverse(n.memory_capacity), id)
        });
        self.rank.resize(nodes.len(), 0);
        for (rank, &id) in self.by_rank.iter().enumerate() {
            self.rank[id as usize] = rank as u32;
        }
        self.room.clear();
        // Tasks requesting `request` that `capacity` holds (no limit for a request of 0).
        let holds = |capacity: u64, request: u64| {
            capacity
                .checked_div(request)
                .map_or(u32::MAX, |n| n.min(u64::from(u32::MAX)) as u32)
        };
        let most = if self.one_task_a_node { 1 } else { u32::MAX };
        self.room.extend(nodes.iter().map(|n| {
            holds(n.cpu_capacity, r.cpu_millis)
                .min(holds(n.memory_capacity, r.memory_bytes))
                .min(most)
        }));
    }

    /// Node `id`'s count, the first part of its place in the order of [`key`], which is
    /// (count, capacity rank): Swarm's key is (active, capacities); under Kubernetes' the
    /// allocation is `tasks` requests, so at equal task counts more capacity means more
    /// free room.
    #[inline]
    fn count(&self, n: &Node, id: NodeId, r: Resources) -> u32 {
        debug_assert_eq!(
            (n.cpu_used, n.memory_used),
            (
                u64::from(n.tasks) * r.cpu_millis,
                u64::from(n.tasks) * r.memory_bytes
            ),
            "a node's allocation is its tasks' requests"
        );
        debug_assert!(
            n.active <= n.tasks,
            "node {id}: active tasks hold resources"
        );
        if self.by_active { n.active } else { n.tasks }
    }

    /// Node `id` is about to change: nothing to do, [`NodeIndex::after_change`] compares
    /// the node's new place with the one the index holds it at.
    #[inline(always)]
    pub fn before_change(&mut self, nodes: &[Node], id: NodeId, r: Resources) {
        debug_assert!(
            !self.indexed || self.at[id as usize] == self.level(nodes, id, r),
            "node {id} changed without after_change"
        );
    }

    /// Node `id` has changed.
    #[inline(always)]
    pub fn after_change(&mut self, nodes: &[Node], id: NodeId, r: Resources) {
        // Small clusters are scanned: nothing to keep (checked here, inlined, because
        // every task that starts or exits changes its node).
        if self.indexed {
            self.update(nodes, id, r);
        }
    }

    /// Node `id`'s count in `fitting` as it is now, [`OUT`] if a task may not go there.
    #[inline]
    fn level(&self, nodes: &[Node], id: NodeId, r: Resources) -> u32 {
        let n = &nodes[id as usize];
        let fits = n.schedulable && n.tasks < self.room[id as usize];
        debug_assert_eq!(fits, self.fits(n, r), "room of node {id}");
        if fits && self.open(id) {
            self.count(n, id, r)
        } else {
            OUT
        }
    }

    /// Move node `id` in `fitting` to where it belongs now, if it moved.
    #[inline]
    fn update(&mut self, nodes: &[Node], id: NodeId, r: Resources) {
        let new = self.level(nodes, id, r);
        let old = std::mem::replace(&mut self.at[id as usize], new);
        if old != new {
            let rank = self.rank[id as usize];
            if old == OUT {
                self.fitting.insert(new, rank);
            } else if new == OUT {
                self.fitting.remove(old, rank);
            } else {
                self.fitting.relevel(old, new, rank);
            }
        }
    }

    /// The node [`pick_node`] would choose among the eligible nodes.
    #[inline]
    pub fn pick(&self, nodes: &[Node], r: Resources) -> Option<NodeId> {
        let rank = if self.indexed {
            self.fitting.first()?.1
        } else if self.eligible.is_empty() && self.limited.is_empty() {
            self.scan(nodes, r, |_| true)? // every node open: no look-ups per node
        } else {
            self.scan(nodes, r, |id| self.open(id))?
        };
        Some(self.by_rank[rank as usize])
    }

    /// Whether a pick scans every node, each of them open (a small cluster without fixed
    /// constraints or a per-node limit), as [`NodeIndex::pick_open`] does.
    #[inline]
    pub fn scans_open(&self) -> bool {
        !self.indexed && self.eligible.is_empty() && self.limited.is_empty()
    }

    /// [`NodeIndex::pick`] when [`NodeIndex::scans_open`]. Out of line: a leaf whose
    /// loop fits in the registers a call may use, so it saves none.
    #[inline(never)]
    pub fn pick_open(&self, nodes: &[Node], r: Resources) -> Option<NodeId> {
        debug_assert!(self.scans_open());
        let rank = self.scan(nodes, r, |_| true)?;
        Some(self.by_rank[rank as usize])
    }

    /// The capacity rank of the node [`pick_where`] would choose among those `ok` allows,
    /// in a small cluster: each node's (count, capacity rank) ([`NodeIndex::count`]),
    /// which orders the nodes a task fits on as [`key`] does, packed in one word, so a
    /// node costs one comparison instead of a tuple's three.
    #[inline]
    fn scan(&self, nodes: &[Node], r: Resources, ok: impl Fn(NodeId) -> bool) -> Option<u32> {
        let mut best = u64::MAX;
        // The ranks zipped in, not looked up: no bounds check a node.
        let each = nodes.iter().zip(&self.room).zip(&self.rank);
        for (id, ((n, &room), &rank)) in each.enumerate() {
            let id = id as NodeId;
            debug_assert_eq!(
                n.schedulable && n.tasks < room,
                self.fits(n, r),
                "room of node {id}"
            );
            if n.schedulable && n.tasks < room && ok(id) {
                let count = self.count(n, id, r);
                best = best.min(u64::from(count) << 32 | u64::from(rank));
            }
        }
        (best != u64::MAX).then_some(best as u32) // the low half: the rank
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::NodeSpec;
    use crate::sim::{Key as StreamKey, Purpose};

    /// The index (and, on a small cluster, its packed scan) agrees with the scan over
    /// random cluster histories, in each scheduler's order: nodes of a few shapes (so that
    /// ties on every part of the key happen), tasks placed where the index says, told to
    /// stop and released on random nodes, nodes lost and back.
    #[test]
    fn the_index_picks_what_the_scan_picks() {
        let r = Resources {
            cpu_millis: 250,
            memory_bytes: 256 << 20,
        };
        let cases = [40usize, 100, 333, 4, 7, SCAN_UP_TO]
            .into_iter()
            .enumerate();
        let schedulers = [Scheduler::Kubernetes, Scheduler::Swarm];
        for ((case, nodes), scheduler) in cases.flat_map(|c| schedulers.map(|s| (c, s))) {
            let seed = case as u64 * 2 + u64::from(scheduler == Scheduler::Swarm);
            let mut rng = StreamKey::trial(7, seed, Purpose::Controller).rng();
            let specs: Vec<NodeSpec> = (0..nodes)
                .map(|_| NodeSpec {
                    name: "n".into(),
                    cpu_millis: [1000, 1500, 2000][rng.below(3) as usize],
                    memory_bytes: [1u64 << 30, 2 << 30][rng.below(2) as usize],
                })
                .collect();
            let mut ns: Vec<Node> = specs.iter().map(|s| Node::new(s, 1, &[])).collect();
            // Two cases, one indexed and one scanned, keep a third of the nodes out (fixed
            // placement constraints).
            let mask: Vec<bool> = if case == 2 || case == 4 {
                (0..nodes).map(|i| i % 3 != 1).collect()
            } else {
                Vec::new()
            };
            let mut index = NodeIndex::default();
            index.order_for(scheduler);
            index.set_eligible(mask.clone());
            index.rebuild(&ns, r);
            assert_eq!(index.indexed, nodes > SCAN_UP_TO);
            let (mut placed, mut misses, mut stopped) = (0, 0, 0);
            for _ in 0..20_000 {
                let picked = index.pick(&ns, r);
                assert_eq!(picked, pick_among(&ns, r, &mask, scheduler));
                assert!(picked.is_none_or(|id| mask.is_empty() || id % 3 != 1));
                let action = rng.below(10);
                let id = match action {
                    0..=5 => match index.pick(&ns, r) {
                        Some(id) => id,
                        None => {
                            misses += 1;
                            continue;
                        }
                    },
                    _ => rng.below(nodes as u64) as NodeId,
                };
                index.before_change(&ns, id, r);
                let n = &mut ns[id as usize];
                match action {
                    0..=5 => {
                        n.cpu_used += r.cpu_millis;
                        n.memory_used += r.memory_bytes;
                        n.tasks += 1;
                        n.active += 1;
                        placed += 1;
                    }
                    // A task exits: one told to stop if there is one, else an active one.
                    6..=7 if n.tasks > 0 => {
                        n.active -= u32::from(n.active == n.tasks);
                        n.cpu_used -= r.cpu_millis;
                        n.memory_used -= r.memory_bytes;
                        n.tasks -= 1;
                    }
                    8 if n.active > 0 => {
                        n.active -= 1;
                        stopped += 1;
                    }
                    9 => n.set_up(!n.up),
                    _ => {}
                }
                index.after_change(&ns, id, r);
            }
            // The histories went through both a full cluster and free room, with tasks
            // told to stop.
            assert!(
                placed > 1000 && misses > 100 && stopped > 500,
                "{placed} {misses} {stopped}"
            );
        }
    }

    #[test]
    fn small_clusters_are_scanned() {
        let spec = NodeSpec {
            name: "n".into(),
            cpu_millis: 1000,
            memory_bytes: 1 << 30,
        };
        let ns = vec![Node::new(&spec, 1, &[]); SCAN_UP_TO];
        let mut index = NodeIndex::default();
        let r = Resources {
            cpu_millis: 1,
            memory_bytes: 1,
        };
        index.rebuild(&ns, r);
        assert!(!index.indexed && index.fitting.first().is_none());
        assert_eq!(index.pick(&ns, r), Some(0));
        // The capacity ranks follow a change of capacities at the next rebuild.
        let mut ns = ns;
        ns[3].cpu_capacity += 1;
        index.rebuild(&ns, r);
        assert_eq!(index.pick(&ns, r), Some(3));
        ns[3].cpu_capacity -= 1;
        index.rebuild(&ns, r);
        assert_eq!(index.pick(&ns, r), Some(0));
    }
}
