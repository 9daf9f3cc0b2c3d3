//! A global service (`service.mode: global`) as the global orchestrator runs it
//! (moby/swarmkit v2.1.2 `manager/orchestrator/global/global.go`).
//!
//! Each slot is a node: the cluster ties every task of slot `i` to the `i`th node the
//! constraints allow ([`Cluster::node_of_slot`]), as `NewTask` does with the node's ID,
//! whether the task is the fleet's, the updater's (`Updater.worker`: "if
//! `IsGlobalService` … `NewTask(…, slot[0].NodeID)`") or the restart supervisor's
//! (`Supervisor.Restart`: `NewTask(cluster, service, 0, t.NodeID)`). The updater itself
//! is the replicated one's, over these slots. Where the orchestrators differ:
//!
//! * A node the orchestrator holds invalid (drained or down: `updateNode` drops it from
//!   `g.nodes`) gets nothing: a drain shuts down every task of the service on it and
//!   replaces none (`reconcileOneNode` → `shutdownTask`); a task failing there is not
//!   restarted (`tickTasks` skips a task whose node is not in `g.nodes`); a run
//!   starting meanwhile shuts down the tasks still on it and does not hand its slot to
//!   the updater (`reconcileServices`: "Remove any tasks assigned to nodes not found in
//!   g.nodes"), and a rollback gives its empty slot no fresh task.
//!   A lost node is held invalid from when the dispatcher declares it DOWN (the
//!   node-loss detection, `faults` in the cluster), not from the loss itself: until
//!   then the orchestrator still believes in the node and its tasks. At DOWN
//!   `reconcileOneNode` shuts down every task of the service on the node ("node … is
//!   down, shutting down its tasks"), as a drain does; they stay there, stopping for
//!   good, until the machine returns.
//! * A node made active again (a drain's `maintenance` over, or a node declared DOWN
//!   back READY) is reconciled at once (`reconcileOneNode`): of its tasks whose desired
//!   state is at most RUNNING, the dirty ones (another spec) are shut down and one clean
//!   one kept, and with no clean one a task of the spec in force is added, started at
//!   once, outside any update: no `update_config` applies to it ("This is not a rolling
//!   update"). A node still drained or down (an uncordon of a down node, a return of a
//!   cordoned one) gets nothing.
//!
//! The updater is not told of either, as with a replicated service: a worker that
//! reaches a drained node's slot after the drain finds its old task shut down, so
//! stop-first's `removeOldTasks` fails and the slot is skipped, while start-first
//! creates its new task on the drained node, where no scheduler places it
//! (`ReadyFilter`), and waits for it with no timeout: the update hangs.

use super::Swarm;
use crate::cluster::task::NodeId;
use crate::cluster::{Cluster, StartGate, TaskId};

impl Swarm<'_> {
    /// Whether the orchestrator holds `slot`'s node invalid (drained or down): a global
    /// service's slot there gets no task, fresh or restarted.
    pub(super) fn node_invalid(&self, cl: &Cluster, slot: u32) -> bool {
        if !self.global {
            return false;
        }
        let n = &cl.nodes[cl.node_of_slot(slot) as usize];
        n.cordoned || n.noticed_down
    }

    /// `shutdownTask` for every task of the service on `node` whose desired state is at
    /// most RUNNING (a drain begins): a live one is told to stop; one that failed and
    /// waits to be restarted (its delayed start not over, or its failure not reported)
    /// is not restarted.
    pub(super) fn shut_down_node(&mut self, cl: &mut Cluster, node: NodeId) {
        if let Some(slot) = cl.slot_of_node(node) {
            self.shut_down_slot(cl, slot);
        }
    }

    /// [`Swarm::shut_down_node`] for `slot`'s node.
    pub(super) fn shut_down_slot(&mut self, cl: &mut Cluster, slot: u32) {
        let tasks: Vec<TaskId> = cl.slot(slot).to_vec();
        for task in tasks {
            self.shut_down(cl, task);
        }
    }

    /// `reconcileOneNode` for `node`, active again: keep one task of the spec in force
    /// whose desired state is at most RUNNING, shut down the others, and add one if none
    /// is left.
    pub(super) fn node_back(&mut self, cl: &mut Cluster, node: NodeId) {
        let Some(slot) = cl.slot_of_node(node).filter(|&s| !self.node_invalid(cl, s)) else {
            return;
        };
        let wanted: Vec<TaskId> = (cl.slot(slot).iter().copied())
            .filter(|&t| self.not_ended(cl, t) && !cl.task(t).stop_requested)
            .collect();
        let mut kept = false;
        for task in wanted {
            if !kept && self.spec_of(cl, task) == self.spec {
                kept = true;
            } else {
                self.shut_down(cl, task);
            }
        }
        if !kept {
            self.new_task(cl, slot, StartGate::Now);
        }
    }
}
