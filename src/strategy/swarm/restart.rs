//! The restart supervisor (`manager/orchestrator/restart/restart.go`).

use super::Swarm;
use super::run::{NO_TASK, NO_WORKER, Timer};
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

    /// `restart.Supervisor.Restart`: replace a failed task with the service's current spec,
    /// started after the restart delay. Other tasks in the slot are not looked at.
    pub(super) fn restart(&mut self, cl: &mut Cluster, failed: TaskId) {
        let (slot, spec) = (cl.task(failed).slot, self.spec_of(cl, failed));
        let policy = &cl.scenario.service.restart;
        // A slot removed by a scale-down is not restarted (its tasks' desired state is
        // REMOVE).
        if self.slots.binary_search(&slot).is_err() {
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
            if h.restarts >= policy.max_attempts && h.spec_gen == self.gen_of(failed) {
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
        cl.gauges.restarts += 1;
        let gate = StartGate::NotBefore(cl.now() + policy.delay);
        self.new_task(cl, slot, gate);
    }
}
