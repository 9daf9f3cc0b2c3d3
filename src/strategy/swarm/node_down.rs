//! A node the dispatcher declares DOWN, or back READY (node losses, `faults.node_failures`
//! and `node_mtbf`), as swarmkit v2.1.2's orchestrators and restart supervisor read it.
//!
//! The dispatcher's verdict comes [`crate::cluster::SWARM_NODE_DOWN_AFTER`] after the loss
//! (the cluster's [`crate::cluster::NodeNotice`]). Until then the manager believes in the
//! node and its tasks. At DOWN:
//!
//! * every `DelayStart` waiting for an old task of the node to stop ends ("Wait for either
//!   the old task to complete, or the old task's node to become unavailable",
//!   `manager/orchestrator/restart/restart.go` `DelayStart`'s `EventUpdateNode` watch);
//! * the replicated orchestrator restarts the node's tasks whose desired state is at most
//!   RUNNING (`manager/orchestrator/replicated/tasks.go` `handleNodeChange` →
//!   `restartTasksByNodeID`, as for a drain, [`super::drain`]): each is shut down and
//!   replaced in its slot after the restart delay, without waiting for it to stop
//!   (`Supervisor.Restart`: no `waitStop` when the node is DOWN), the restart policy
//!   applying;
//! * the global orchestrator shuts them down and replaces none (`global.go`
//!   `reconcileOneNode`, [`super::global`]).
//!
//! Nothing changes the tasks' reported state: no agent is left to report one. They stay
//! on the node, told to stop, until it is back, when its agent reports them shut down
//! (the cluster's `node_back`). So the updater counts no failure for them until then, and
//! a worker waiting for one of its new tasks there to run keeps waiting: its wait has no
//! timeout (`update/updater.go` `updateTask`: "TODO(aluzzardi): Consider adding a timeout
//! here"); a node that never returns holds it for good (upstream, until the dispatcher
//! orphans the node's tasks 24 h after DOWN, `defaultNodeDownPeriod`). A node back READY
//! after DOWN is reconciled by the global orchestrator ([`Swarm::node_back`]); the
//! replicated one has nothing left there to do.

use super::Swarm;
use super::run::NO_TASK;
use crate::cluster::task::NodeId;
use crate::cluster::{Cluster, NodeNotice, TaskId};

impl Swarm<'_> {
    /// `EventUpdateNode` for a node declared DOWN or back READY.
    pub(super) fn node_notice(&mut self, cl: &mut Cluster, node: NodeId, notice: NodeNotice) {
        match notice {
            NodeNotice::Down => {
                self.release_waits_on(cl, node);
                if self.global {
                    self.shut_down_node(cl, node);
                } else {
                    self.restart_tasks_on_node(cl, node);
                }
            }
            NodeNotice::Ready if self.global => self.node_back(cl, node),
            NodeNotice::Ready => {}
        }
    }

    /// `DelayStart`'s watch of the old task's node: every start held for a task on `node`
    /// to stop goes ahead.
    fn release_waits_on(&mut self, cl: &mut Cluster, node: NodeId) {
        let held: Vec<TaskId> = (self.slots.iter())
            .flat_map(|&slot| cl.slot(slot))
            .filter(|&&t| cl.task(t).node == Some(node))
            .map(|&t| self.tracked(t).releases)
            .filter(|&held| held != NO_TASK)
            .collect();
        for task in held {
            self.release(cl, task);
            self.dispatch_if_running(cl);
        }
    }
}
