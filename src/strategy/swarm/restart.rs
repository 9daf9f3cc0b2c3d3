//! The restart supervisor (`manager/orchestrator/restart/restart.go`).

use super::Swarm;
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
    /// `restart.Supervisor.Restart`: replace a failed task with the service's current spec,
    /// started after the restart delay. Other tasks in the slot are not looked at.
    pub(super) fn restart(&mut self, cl: &mut Cluster, failed: TaskId) {
        let (slot, version) = (cl.task(failed).slot, cl.task(failed).version);
        let policy = &cl.scenario.service.restart;
        // A slot removed by a scale-down is not restarted (its tasks' desired state is
        // REMOVE).
        if self.slots.binary_search(&slot).is_err() {
            return;
        }
        if policy.condition == RestartCondition::None {
            self.mark_dead(slot, version);
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
                self.mark_dead(slot, version);
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
