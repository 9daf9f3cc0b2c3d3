//! Placement: a task goes to the first node of the placement index with room, or waits
//! in the pending queue, oldest first, until capacity is freed.

use super::{Cluster, Node, NodeId, Share, TaskId, TaskState, placer};

impl Cluster<'_> {
    /// The node for the next task, or why none may take it (noted for the trial).
    pub(super) fn pick_node(&mut self) -> Result<NodeId, placer::PendingReason> {
        let r = self.scenario.service.resources;
        let pick = self.placer.pick(&self.nodes, &self.wanted.on_node, r);
        if let Err(reason) = pick {
            self.gauges.pending.insert(reason);
        }
        pick
    }

    /// Put task `id` on `node`; `old` is the share the wanted counts hold for it (nothing
    /// for a task created in this step, see `create_task_now`).
    pub(super) fn place_on(&mut self, id: TaskId, node: NodeId, old: Share) {
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
        self.fetch_image(id);
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
        // Every task of the service requests the same resources under the same
        // constraints: once one does not fit, none does.
        while let Some(&id) = self.pending.front() {
            if self.tasks[id as usize].state != TaskState::Pending {
                self.pending.pop_front(); // stopped while it waited
                continue;
            }
            let Ok(node) = self.pick_node() else {
                break;
            };
            self.pending.pop_front();
            let old = self.share(id);
            self.place_on(id, node, old);
        }
    }
}
