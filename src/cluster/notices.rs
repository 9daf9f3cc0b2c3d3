//! How the cluster reports changes: notices for the controller (one per task state
//! change, delivered after the event that caused it) and the changed tasks for observers
//! (the traffic model), plus the trace of task states.

use super::{Cluster, Notice, TaskId, TaskState, TraceRecord};

impl Cluster<'_> {
    /// Take the notices produced since the last call, leaving `buf` (cleared) in their place.
    pub fn take_notices(&mut self, buf: &mut Vec<Notice>) {
        buf.clear();
        std::mem::swap(&mut self.notices, buf);
    }

    /// Track which tasks change (see [`Cluster::take_changed`]).
    pub fn track_changes(&mut self) {
        self.changed.get_or_insert_with(Vec::new);
    }

    /// The tasks changed since the last call (with repeats), leaving `buf` (cleared) in
    /// their place; nothing unless [`Cluster::track_changes`] was called.
    pub fn take_changed(&mut self, buf: &mut Vec<TaskId>) {
        buf.clear();
        if let Some(c) = self.changed.as_mut() {
            std::mem::swap(c, buf);
        }
    }

    /// Queue a notice for the controller (and the change for observers).
    pub(super) fn notify(&mut self, task: TaskId, state: TaskState) {
        self.notices.push(Notice { task, state });
        if let Some(c) = self.changed.as_mut() {
            c.push(task);
        }
    }

    /// A task's answers changed but not its state (its node was lost): only observers
    /// (the traffic model) need to look again.
    pub(super) fn touch(&mut self, task: TaskId) {
        if let Some(c) = self.changed.as_mut() {
            c.push(task);
        }
    }

    /// Whether any notice is waiting.
    pub fn has_notices(&self) -> bool {
        !self.notices.is_empty()
    }

    pub(super) fn record(&mut self, id: TaskId) {
        if let Some(tr) = self.trace.as_mut() {
            let t = &self.tasks[id as usize];
            let (slot, version, node, state) = (t.slot, t.version, t.node, t.state);
            tr.push(TraceRecord::Task {
                t: self.sim.now(),
                task: id,
                slot,
                version,
                node,
                state,
            });
        }
    }
}
