//! Placement: a task goes to the first node of the placement index with room, or waits
//! in the pending queue, oldest first, until capacity is freed.
//!
//! A global service's task is tied to its slot's node (swarmkit `NewTask` with the
//! node's ID: the orchestrator preassigns it), and the scheduler only checks that node's
//! filters (`Scheduler.taskFitNode`, the same pipeline); a task that fails them waits,
//! and is checked again whenever capacity is freed.

use super::node_failures::MAX_FAILURES;
use super::{Cluster, Node, NodeId, Share, TaskId, TaskState, placer};
use crate::scenario::{Scenario, ServiceMode};

/// The node each slot of a global service is tied to: the nodes `placer`'s fixed filters
/// (the constraints) allow, in node order. Empty for a replicated service.
pub(super) fn pinned_nodes(s: &Scenario, placer: &placer::Placer) -> Vec<NodeId> {
    if s.service.mode != ServiceMode::Global {
        return Vec::new();
    }
    let nodes = placer.allowed_nodes(s.cluster.nodes.len());
    nodes.map(|i| i as NodeId).collect()
}

impl Cluster<'_> {
    /// The node for task `id`, or why none may take it (noted for the trial).
    pub(super) fn pick_node(&mut self, id: TaskId) -> Result<NodeId, placer::PendingReason> {
        if !self.pinned.is_empty() {
            return self.pick_pinned(id);
        }
        let r = self.scenario.service.resources;
        let pick = self.placer.pick(&self.nodes, &self.wanted.on_node, r);
        match pick {
            Err(reason) => {
                self.gauges.pending.insert(reason);
                self.autoscaler_wanted();
            }
            Ok(node) if self.node_failures.any() => return Ok(self.after_failures(id, node)),
            Ok(_) => {}
        }
        pick
    }

    /// A global service's task `id`: its slot's node if the node passes every filter,
    /// else the first filter it fails (noted for the trial).
    #[cold]
    #[inline(never)]
    fn pick_pinned(&mut self, id: TaskId) -> Result<NodeId, placer::PendingReason> {
        let r = self.scenario.service.resources;
        let node = self.node_of_slot(self.tasks[id as usize].slot);
        let fit = self
            .placer
            .fits_on(&self.nodes, &self.wanted.on_node, node, r);
        if let Err(reason) = fit {
            self.gauges.pending.insert(reason);
        }
        fit.map(|()| node)
    }

    /// Swarm global service: the node `slot`'s tasks are tied to.
    pub fn node_of_slot(&self, slot: u32) -> NodeId {
        self.pinned[slot as usize]
    }

    /// Swarm global service: the slot whose tasks are tied to `node`, if the service has
    /// one there.
    pub fn slot_of_node(&self, node: NodeId) -> Option<u32> {
        self.pinned.binary_search(&node).ok().map(|i| i as u32)
    }

    /// swarmkit `nodeLess` with recent failures ([`super::node_failures`]): `node`, the
    /// usual pick for task `id`, unless it has [`MAX_FAILURES`] of the task's
    /// `SpecVersion`; then the first node by (failures if at least that many, usual key).
    /// The usual pick is right whenever it has fewer: every node with fewer ranks 0.
    #[inline(never)]
    fn after_failures(&mut self, id: TaskId, node: NodeId) -> NodeId {
        let key = self.spec_version_of(id);
        let now = self.sim.now();
        let failures = &self.node_failures;
        if failures.count(node, key, now) < MAX_FAILURES {
            return node;
        }
        let r = self.scenario.service.resources;
        let rank = |n: NodeId| failures.rank(n, key, now);
        self.placer
            .pick_ranked(&self.nodes, &self.wanted.on_node, r, rank)
            .unwrap_or(node)
    }

    /// Swarm: tasks created from now on have `SpecVersion` `v` (the scheduler ranks
    /// nodes by the failures of a task's own `SpecVersion`).
    pub fn set_spec_version(&mut self, v: u32) {
        if v != self.spec_version {
            self.spec_changes.push((self.tasks.len() as TaskId, v));
            self.spec_version = v;
        }
    }

    /// Swarm: task `id`'s `SpecVersion`, the [`Cluster::set_spec_version`] in force when
    /// it was created (the last change at or before its number).
    fn spec_version_of(&self, id: TaskId) -> u32 {
        let after = self.spec_changes.partition_point(|&(first, _)| first <= id);
        after.checked_sub(1).map_or(0, |i| self.spec_changes[i].1)
    }

    /// Swarm's scheduler sees task `id` FAILED or REJECTED (`Scheduler.updateTask` →
    /// `taskFailed`), of `SpecVersion` `v`: recorded against its node, unless the node
    /// was lost (its tasks are orphaned, not failed).
    pub fn note_failure(&mut self, id: TaskId, v: u32) {
        let t = &self.tasks[id as usize];
        if let (Some(node), false) = (t.node, t.lost) {
            let now = self.sim.now();
            self.node_failures.record(node, v, now);
        }
    }

    /// Put task `id` on `node`; `old` is the share the wanted counts hold for it (nothing
    /// for a task created in this step, see `create_task_now`). `last`: nothing of the
    /// current engine call follows (see [`Cluster::applies_at_once`]).
    pub(super) fn place_on(&mut self, id: TaskId, node: NodeId, old: Share, last: bool) {
        let r = self.scenario.service.resources;
        self.tasks[id as usize].node = Some(node);
        // Only a Pending task is placed, and a Pending task told to stop ends at once.
        debug_assert!(!self.tasks[id as usize].stop_requested, "task {id}");
        self.recount(id, old);
        self.change_node(node, |n| {
            n.cpu_used += r.cpu_millis;
            n.memory_used += r.memory_bytes;
            n.tasks += 1;
            n.active += 1;
        });
        self.fetch_image(id, last);
    }

    /// Change a node's allocation or `up`, keeping the placement index in order.
    pub(super) fn change_node(&mut self, node: NodeId, change: impl FnOnce(&mut Node)) {
        let r = self.scenario.service.resources;
        self.placer.before_change(&self.nodes, node, r);
        change(&mut self.nodes[node as usize]);
        self.placer.after_change(&self.nodes, node, r);
    }

    /// Capacity freed: place waiting tasks, oldest first. Inlined, so that the common
    /// case, nothing waits, is one test where a task releases its node.
    #[inline(always)]
    pub(super) fn place_pending(&mut self) {
        if !self.pending.is_empty() {
            self.place_waiting();
        }
    }

    /// [`Cluster::place_pending`] with tasks waiting. A task leaves the queue before it is
    /// placed, so nothing its placement causes can see (and place) it again.
    fn place_waiting(&mut self) {
        if !self.pinned.is_empty() {
            return self.place_waiting_pinned();
        }
        // Every task of the service requests the same resources under the same
        // constraints: once one does not fit, none does.
        while let Some(&id) = self.pending.front() {
            if self.tasks[id as usize].state != TaskState::Pending {
                self.pending.pop_front(); // stopped while it waited
                continue;
            }
            let Ok(node) = self.pick_node(id) else {
                break;
            };
            self.pending.pop_front();
            let old = self.share(id);
            self.place_on(id, node, old, false);
        }
    }

    /// [`Cluster::place_waiting`] for a global service: each task waits for its own node,
    /// so every waiting task is tried, oldest first, and those that still do not fit keep
    /// their order.
    fn place_waiting_pinned(&mut self) {
        let mut waiting = std::mem::take(&mut self.pending);
        for _ in 0..waiting.len() {
            let Some(id) = waiting.pop_front() else { break };
            if self.tasks[id as usize].state != TaskState::Pending {
                continue; // stopped while it waited
            }
            match self.pick_node(id) {
                Ok(node) => {
                    let old = self.share(id);
                    self.place_on(id, node, old, false);
                }
                Err(_) => waiting.push_back(id),
            }
        }
        // Tasks queued meanwhile are newer than every task that waited.
        waiting.append(&mut self.pending);
        self.pending = waiting;
    }
}
