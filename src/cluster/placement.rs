//! Placement: a task goes to the first node of the placement index with room, or waits
//! in the pending queue, oldest first, until capacity is freed.

use super::{Cluster, Node, NodeId, TaskId, TaskState};

impl Cluster<'_> {
    /// Put a task on a node; `false` if none has room.
    pub(super) fn place(&mut self, id: TaskId) -> bool {
        let r = self.scenario.service.resources;
        let Some(node) = self.node_index.pick(&self.nodes, r) else {
            return false;
        };
        self.place_on(id, node);
        true
    }

    pub(super) fn place_on(&mut self, id: TaskId, node: NodeId) {
        let r = self.scenario.service.resources;
        let old = self.tasks[id as usize].share();
        self.tasks[id as usize].node = Some(node);
        self.recount(id, old);
        self.change_node(node, |n| {
            n.cpu_used += r.cpu_millis;
            n.memory_used += r.memory_bytes;
            n.tasks += 1;
        });
        self.fetch_image(id);
    }

    /// Change a node's allocation or `up`, keeping the placement index in order.
    pub(super) fn change_node(&mut self, node: NodeId, change: impl FnOnce(&mut Node)) {
        let r = self.scenario.service.resources;
        self.node_index.before_change(&self.nodes, node, r);
        change(&mut self.nodes[node as usize]);
        self.node_index.after_change(&self.nodes, node, r);
    }

    /// Capacity freed: place waiting tasks, oldest first. A task leaves the queue before
    /// it is placed, so nothing its placement causes can see (and place) it again.
    pub(super) fn place_pending(&mut self) {
        // Every task of the service requests the same resources: once one does not fit,
        // none does.
        let r = self.scenario.service.resources;
        while let Some(&id) = self.pending.front() {
            if self.tasks[id as usize].state != TaskState::Pending {
                self.pending.pop_front(); // stopped while it waited
                continue;
            }
            let Some(node) = self.node_index.pick(&self.nodes, r) else {
                break;
            };
            self.pending.pop_front();
            self.place_on(id, node);
        }
    }
}
