//! A drained node (`docker node update --availability drain`, `faults.node_drains`) as the
//! replicated orchestrator handles it (moby/swarmkit v2.1.2
//! `manager/orchestrator/replicated/tasks.go`).
//!
//! The node update makes the node invalid for the orchestrator (`InvalidNode`: DOWN or
//! drained), and `handleNodeChange` → `restartTasksByNodeID` hands every task of the
//! service on it whose desired state is at most RUNNING to the restart supervisor
//! (`tickTasks` → `Supervisor.Restart`, [`Swarm::restart`]): the task's desired state becomes
//! SHUTDOWN (the agent stops it, with its `stop_grace_period`) and a replacement of the
//! spec in force is created in its slot, placed on another node (the scheduler's
//! `ReadyFilter` takes only nodes whose availability is `active`), and started once the
//! old task has exited, or after the 1-minute `defaultOldTaskTimeout` (`DelayStart` with
//! `waitStop`; no restart delay on a drained node). The restart policy still applies: under
//! `condition: none` the task is shut down and not replaced, and the replacement counts
//! against `max_attempts`.
//!
//! A task whose own delayed start is still pending (a stop-first task held for its old
//! task, a replacement in its restart delay) is not restarted at once: `Restart` finds its
//! `delays` entry and leaves it to `waitRestart`, which restarts it once that start is
//! done, if its desired state is still at most RUNNING then ([`Swarm::node_restart_waits`]).
//!
//! The updater is not told: its workers read their slots as the run read them when it
//! started, so a slot whose old task the drain already shut down makes `removeOldTasks`
//! fail (the drain's replacement, of the new spec, stays the slot's task; start-first has
//! already added its own new task beside it), and a task a worker created that the drain
//! shuts down within `monitor` of running counts as a failure of the update (its state
//! past RUNNING), which pauses it under the default `max_failure_ratio: 0`.

use super::Swarm;
use crate::cluster::task::NodeId;
use crate::cluster::{Cluster, TaskId};

impl Swarm<'_> {
    /// `restartTasksByNodeID` for the drained `node`: every task of the service on it, as
    /// the orchestrator lists them (`FindTasks(ByNodeID)`), is restarted if its desired
    /// state is at most RUNNING.
    pub(super) fn restart_tasks_on_node(&mut self, cl: &mut Cluster, node: NodeId) {
        // Listed first: the restarts add tasks to the slots.
        let on_node: Vec<TaskId> = self
            .slots
            .iter()
            .flat_map(|&slot| cl.slot(slot))
            .copied()
            .filter(|&t| cl.task(t).node == Some(node))
            .collect();
        for task in on_node {
            self.restart_off_node(cl, task);
        }
    }

    /// `Supervisor.Restart` for `task`, on a drained node, as `tickTasks` calls it: nothing
    /// if its desired state is past RUNNING (the updater or a restart shut it down, or it
    /// ended and the manager knows it) or if its failure's restart already waits for its
    /// delayed start; after that start if it is still pending; else now.
    pub(super) fn restart_off_node(&mut self, cl: &mut Cluster, task: TaskId) {
        let slot = cl.task(task).slot;
        let waiting = self.waiting_restart(slot) == Some(task);
        let t = cl.task(task);
        // A failed task stands for its slot until restarted: its failure not reported yet
        // (desired RUNNING), or its restart waiting for its delayed start (`waitRestart`
        // is already there: `Restart` returns).
        let desired_running = if t.is_live() {
            !t.stop_requested
        } else {
            waiting && self.tracked(task).unreported
        };
        if !desired_running {
            return;
        }
        if self.desired_below_running(cl, task) {
            self.node_restart_waits.push(task);
            if !self.held(cl, task) {
                let at = cl.task(task).start_not_before;
                cl.set_timer(at, super::Timer::DelayOver(task));
            }
            return;
        }
        self.restart(cl, task);
    }

    /// Whether `task`'s restart by a drain waited for its delayed start; the wait is over
    /// either way.
    pub(super) fn take_node_restart_wait(&mut self, task: TaskId) -> bool {
        let Some(i) = self.node_restart_waits.iter().position(|&t| t == task) else {
            return false;
        };
        self.node_restart_waits.swap_remove(i);
        true
    }
}
