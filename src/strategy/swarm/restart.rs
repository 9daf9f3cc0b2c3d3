//! The restart supervisor (`manager/orchestrator/restart/restart.go`).

use super::Swarm;
use crate::cluster::{Cluster, StartGate, TaskId};
use crate::scenario::RestartCondition;

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
        let s = slot as usize;
        if s >= self.slot_restarts.len() {
            self.slot_restarts.resize(s + 1, 0);
        }
        if policy.max_attempts > 0 && self.slot_restarts[s] >= policy.max_attempts {
            self.mark_dead(slot, version);
            return;
        }
        self.slot_restarts[s] += 1;
        cl.gauges.restarts += 1;
        let gate = StartGate::NotBefore(cl.now() + policy.delay);
        self.new_task(cl, slot, gate);
    }
}
