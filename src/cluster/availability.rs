//! Availability: a Ready task becomes available `minReadySeconds` later (at once with 0,
//! Swarm's rule: available = ready) and stops being available when it leaves Ready.

use super::{Cluster, TaskId, TaskState};

impl Cluster<'_> {
    /// A `minReadySeconds` timer fired: available if still Ready since long enough.
    pub(super) fn become_available(&mut self, id: TaskId) {
        let t = &self.tasks[id as usize];
        if t.state == TaskState::Ready && t.since.saturating_add(self.min_ready) <= self.sim.now() {
            self.become_available_now(id);
        }
    }

    pub(super) fn become_available_now(&mut self, id: TaskId) {
        let t = &mut self.tasks[id as usize];
        if t.state != TaskState::Ready || t.available {
            return;
        }
        let old = t.share();
        t.available = true;
        if self.fleet_counts.on {
            let lost = self.tasks[id as usize].lost;
            self.fleet_changed(id, TaskState::Ready, false, lost);
        }
        self.recount(id, old);
        self.gauges.available += 1;
        self.notify(id, TaskState::Ready);
    }
}
