//! The restart supervisor (`manager/orchestrator/restart/restart.go`).

use super::run::{NO_TASK, NO_WORKER, Timer};
use super::{OLD_TASK_TIMEOUT, Swarm};
use crate::cluster::{Cluster, StartGate, TaskId};
use crate::scenario::RestartCondition;

/// A slot's restart history (`instanceRestartInfo`), kept only under `max_attempts`: the
/// restarts made with one `SpecVersion`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RestartHistory {
    /// The `SpecVersion` of the replacements counted.
    spec_gen: u32,
    /// Replacements made with it (`totalRestarts`).
    restarts: u32,
}

impl Swarm<'_> {
    /// `Supervisor.Restart` for a task that failed: at once, unless its delayed start
    /// (`DelayStart`: a restart delay, or stop-first's wait for the old task) is not over,
    /// when the restart waits for that (`waitRestart`).
    pub(super) fn restart_when_due(&mut self, cl: &mut Cluster, failed: TaskId) {
        let now = cl.now();
        let not_before = cl.task(failed).start_not_before;
        let held = !cl.task(failed).start_allowed && !self.tracked(failed).released;
        if !held && not_before <= now {
            self.restart(cl, failed);
            return;
        }
        self.track(failed).restart_waits = true;
        let slot = cl.task(failed).slot as usize;
        if slot >= self.waiting_restart.len() {
            self.waiting_restart.resize(slot + 1, NO_TASK);
        }
        self.waiting_restart[slot] = failed;
        if !held {
            cl.set_timer(not_before, Timer::DelayOver(failed));
        }
    }

    /// The restart delay of `failed`, which failed before it was over, is over
    /// (`Timer::DelayOver`): restart it, unless a worker has kept it since
    /// (`useExistingTask`). That worker's `DelayStart` for the same task cancelled the
    /// restart delay (restart.go `DelayStart` cancels the pending `delays[taskID]`); the
    /// cancelled delay woke `waitRestart`, whose store update runs only after the updater's
    /// batch has registered the new delay (the batch holds the store's update lock), so its
    /// `Restart` waits for the new one: the task is restarted when that one is over
    /// ([`Swarm::release`]). Only such a worker names a task the restart supervisor
    /// created ([`super::run::Track::worker`]).
    pub(super) fn restart_delay_over(&mut self, cl: &mut Cluster, failed: TaskId) {
        // A drained or down node's restart of a task in its restart delay waited for it
        // (`waitRestart`), unless a worker has held the task again since: then for that
        // start.
        if !self.node_restart_waits.is_empty()
            && !self.held(cl, failed)
            && self.take_node_restart_wait(failed)
        {
            self.restart_off_node(cl, failed);
        }
        if self.tracked(failed).worker != NO_WORKER {
            return;
        }
        self.restart_after_delay(cl, failed);
    }

    /// The delayed start of `failed`, whose restart waited for it, is over: restart it
    /// (`waitRestart`), unless the updater shut it down meanwhile (desired state past
    /// RUNNING), which [`Swarm::take_waiting_restart`] records.
    pub(super) fn restart_after_delay(&mut self, cl: &mut Cluster, failed: TaskId) {
        let tr = self.track(failed);
        if !tr.restart_waits {
            return;
        }
        tr.restart_waits = false;
        let slot = cl.task(failed).slot as usize;
        if self.waiting_restart.get(slot) != Some(&failed) {
            return;
        }
        self.waiting_restart[slot] = NO_TASK;
        self.restart(cl, failed);
    }

    /// The task of `slot` waiting to be restarted, if any, taken: the updater shuts it
    /// down (`removeOldTasks`), so it is not restarted.
    pub(super) fn take_waiting_restart(&mut self, slot: u32) -> Option<TaskId> {
        let w = self.waiting_restart.get_mut(slot as usize)?;
        let t = std::mem::replace(w, NO_TASK);
        (t != NO_TASK).then_some(t)
    }

    /// The task of `slot` waiting to be restarted, if any.
    pub(super) fn waiting_restart(&self, slot: u32) -> Option<TaskId> {
        self.waiting_restart
            .get(slot as usize)
            .copied()
            .filter(|&t| t != NO_TASK)
    }

    /// `restart.Supervisor.Restart`: shut `task` down and replace it with the service's
    /// current spec. A task that failed is replaced after the restart delay. One still
    /// running as the manager knows (on a drained or down node, [`super::drain`]) is told
    /// to stop; on a drained node its replacement waits for it to exit (`DelayStart` with
    /// `waitStop`: the old task's state past RUNNING, or the 1-minute timeout), on a node
    /// declared DOWN it does not ("we skip this if the old task is already dead or the
    /// node it's assigned to is down") and only the restart delay holds it. No restart
    /// delay on a drained node ("Restart delay is not applied to drained nodes"). Other
    /// tasks in the slot are not looked at.
    pub(super) fn restart(&mut self, cl: &mut Cluster, task: TaskId) {
        let (slot, spec) = (cl.task(task).slot, self.spec_of(cl, task));
        let running = self.not_ended(cl, task);
        if running {
            self.shut_down(cl, task);
        }
        let policy = &cl.scenario.service.restart;
        // A slot removed by a scale-down is not restarted (its tasks' desired state is
        // REMOVE).
        if self.slots.binary_search(&slot).is_err() {
            return;
        }
        // A global service's task on a drained or down node is not restarted (`tickTasks`).
        if self.node_invalid(cl, slot) {
            return;
        }
        if policy.condition == RestartCondition::None {
            self.mark_dead(slot, spec);
            return;
        }
        if policy.max_attempts > 0 {
            let s = slot as usize;
            if s >= self.slot_restarts.len() {
                self.slot_restarts.resize(s + 1, RestartHistory::default());
            }
            // `shouldRestart`: the history limits only a task of the spec version it
            // counts.
            let h = self.slot_restarts[s];
            if h.restarts >= policy.max_attempts && h.spec_gen == self.gen_of(task) {
                self.mark_dead(slot, spec);
                return;
            }
            // `RecordRestartHistory`: the replacement has the service's spec version; a
            // history of another one is cleared first ("past failures shouldn't count
            // against the new service definition").
            let h = &mut self.slot_restarts[s];
            if h.spec_gen != self.spec_gen {
                *h = RestartHistory {
                    spec_gen: self.spec_gen,
                    restarts: 0,
                };
            }
            h.restarts += 1;
        }
        let node = cl.task(task).node.map(|n| &cl.nodes[n as usize]);
        let (drained, down) = node.map_or((false, false), |n| (n.cordoned, n.noticed_down));
        if running && !down {
            let replacement = self.new_task(cl, slot, StartGate::Held);
            self.start_after_exit(cl, task, replacement);
            return;
        }
        // Only a container that died on its own counts as a restart (the `restarts`
        // column), not one a drain or a node loss moved.
        if !running {
            cl.gauges.restarts += 1;
        }
        let delay = if drained { 0 } else { policy.delay };
        let gate = StartGate::NotBefore(cl.now() + delay);
        self.new_task(cl, slot, gate);
    }

    /// Set `task`'s desired state to SHUTDOWN (`shutdownTask`): a live task is told to
    /// stop; one that failed and waits to be restarted (its failure not reported yet, or
    /// its delayed start not over) leaves the slot's waiting restart, so it is not
    /// restarted ([`Swarm::observe`], `waitRestart`). A task already told to stop, or
    /// ended and not waiting, is left as it is.
    pub(super) fn shut_down(&mut self, cl: &mut Cluster, task: TaskId) {
        let slot = cl.task(task).slot;
        if self.waiting_restart(slot) == Some(task) {
            self.take_waiting_restart(slot);
        } else {
            cl.stop_task(task);
        }
    }

    /// `DelayStart(…, waitStop)`: `held` (created [`StartGate::Held`]) starts once `old`
    /// has ended as the manager knows (its stop, or its failure's report), or after
    /// [`OLD_TASK_TIMEOUT`], whichever comes first ([`Swarm::release`]).
    #[inline]
    pub(super) fn start_after_exit(&mut self, cl: &mut Cluster, old: TaskId, held: TaskId) {
        self.track(old).releases = held;
        cl.hear_stops_of(old);
        let t = Timer::OldTask {
            task: held,
            run: self.run.id,
        };
        cl.set_timer(cl.now() + OLD_TASK_TIMEOUT, t);
    }
}
