//! How the cluster reports changes: notices for the controller (one per task state
//! change, delivered after the event that caused it) and the changed tasks for observers
//! (the traffic model), plus the trace of task states.

use super::{Cluster, TaskId, TaskState, TraceRecord};

/// A task changed state; controllers react to these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    /// Which task.
    pub task: TaskId,
    /// Its new state.
    pub state: TaskState,
}

/// A set of task states, one bit each: the states a controller reacts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateSet(u16);

impl StateSet {
    /// Every state.
    pub const ALL: StateSet = StateSet(u16::MAX);

    /// The pod changes a Kubernetes workload controller (a Deployment's, a DaemonSet's)
    /// syncs on: Ready, no longer Ready (`Running`), a container's back-off, a deletion
    /// begun, the pod gone. The others (pending, pulling, prepared, starting) change
    /// nothing such a controller counts.
    pub const POD_SYNC: StateSet = StateSet::of(&[
        TaskState::Ready,
        TaskState::Running,
        TaskState::BackOff,
        TaskState::Terminating,
        TaskState::Deleting,
        TaskState::Stopped,
        TaskState::Failed,
    ]);

    /// Exactly `states`.
    pub const fn of(states: &[TaskState]) -> StateSet {
        let mut bits = 0u16;
        let mut i = 0;
        while i < states.len() {
            bits |= 1 << states[i] as u16;
            i += 1;
        }
        StateSet(bits)
    }

    /// Whether `state` is in the set.
    #[inline]
    pub fn contains(self, state: TaskState) -> bool {
        self.0 & (1 << state as u16) != 0
    }
}

impl Cluster<'_> {
    /// Take the notices produced since the last call, leaving `buf` (cleared) in their place.
    pub fn take_notices(&mut self, buf: &mut Vec<Notice>) {
        buf.clear();
        std::mem::swap(&mut self.notices, buf);
    }

    /// The one notice produced since the last take, if exactly one was: what
    /// [`Cluster::take_notices`] would hand over, without swapping buffers.
    #[inline]
    pub fn take_only_notice(&mut self) -> Option<Notice> {
        if self.notices.len() == 1 {
            self.notices.pop()
        } else {
            None
        }
    }

    /// Track which tasks change (see [`Cluster::take_changed`]).
    pub fn track_changes(&mut self) {
        self.changed.get_or_insert_with(Vec::new);
        self.watch();
    }

    /// Set [`Cluster::watched`] from what is kept now: the trace, the changed tasks, the
    /// fleet timeline's counts; and [`Cluster::records`] with it.
    pub(super) fn watch(&mut self) {
        self.watched = self.trace.is_some() || self.changed.is_some() || self.fleet_counts.on;
        self.records = self.watched || self.counts_wanted || self.edits.is_some();
    }

    /// The tasks changed since the last call (with repeats), leaving `buf` (cleared) in
    /// their place; nothing unless [`Cluster::track_changes`] was called.
    pub fn take_changed(&mut self, buf: &mut Vec<TaskId>) {
        buf.clear();
        if let Some(c) = self.changed.as_mut() {
            std::mem::swap(c, buf);
        }
    }

    /// From now until the next [`Cluster::reset`], notices only for changes to `states`:
    /// a controller declares the states it reacts to, so that the many steps of every
    /// task in between (pending, pulling, starting, ...) cost it nothing. Only for a
    /// controller whose reaction to a notice of any other state is provably none; every
    /// change still reaches observers ([`Cluster::take_changed`]) and the trace.
    pub fn observe_only(&mut self, states: StateSet) {
        self.observed = states;
    }

    /// From now until the next [`Cluster::reset`], no notice when a task below `end` stops
    /// (`Stopped`; `Failed` still makes one), except those later named by
    /// [`Cluster::hear_stops_of`]: for a controller to which those tasks' exits mean nothing
    /// (the serving fleet, which the Swarm updater only replaces). Like
    /// [`Cluster::observe_only`], observers and the trace still see every change.
    pub fn quiet_stops_below(&mut self, end: TaskId) {
        self.quiet_stops_below = end;
    }

    /// Make a notice again when `task` stops, and when any task after it below the bound of
    /// [`Cluster::quiet_stops_below`] does: one bound keeps the check to one comparison,
    /// and a notice too many is always allowed.
    pub fn hear_stops_of(&mut self, task: TaskId) {
        self.quiet_stops_below = self.quiet_stops_below.min(task);
    }

    /// Queue a notice for the controller, if it reacts to `state` of `task` (and the change
    /// for observers in any case).
    #[inline(always)]
    pub(super) fn notify(&mut self, task: TaskId, state: TaskState) {
        self.notice(task, state);
        if let Some(c) = self.changed.as_mut() {
            c.push(task);
        }
    }

    /// [`Cluster::notify`] without the observers' list: the notice alone.
    #[inline(always)]
    pub(super) fn notice(&mut self, task: TaskId, state: TaskState) {
        if self.observed.contains(state)
            && !(state == TaskState::Stopped && task < self.quiet_stops_below)
        {
            self.notices.push(Notice { task, state });
        }
    }

    /// A change of task `id` to `state` as the trace, the observers' list and the fleet
    /// timeline's counts see it, when [`Cluster::watched`]; `from`: the state and the
    /// availability it changed from (`None`: passed through, no count moves, see
    /// [`Cluster::pass_through`]). Its slot, version and node are as before the change.
    /// Out of line and cold: a trial that keeps none of them tests one flag instead.
    #[cold]
    #[inline(never)]
    pub(super) fn show_change(
        &mut self,
        id: TaskId,
        state: TaskState,
        from: Option<(TaskState, bool)>,
    ) {
        if let Some((old, was_available)) = from
            && self.fleet_counts.on
        {
            let lost = self.tasks[id as usize].lost;
            self.fleet_changed(id, old, was_available, lost);
        }
        if let Some(tr) = self.trace.as_mut() {
            let t = &self.tasks[id as usize];
            tr.push(TraceRecord::Task {
                t: self.sim.now(),
                task: id,
                slot: t.slot,
                version: t.version,
                node: t.node,
                state,
                reason: None,
            });
        }
        if let Some(c) = self.changed.as_mut() {
            c.push(id);
        }
    }

    /// Debug builds: nothing is kept that [`Cluster::watched`] leaves unseen, or that
    /// [`Cluster::records`] does.
    #[inline(always)]
    pub(super) fn check_watched(&self) {
        debug_assert!(
            self.watched
                || (self.trace.is_none() && self.changed.is_none() && !self.fleet_counts.on),
            "a trace, changed list or fleet count kept unwatched"
        );
        debug_assert!(
            self.records || (!self.watched && !self.counts_wanted && self.edits.is_none()),
            "wanted counts, edits or a watched change kept unrecorded"
        );
    }

    /// A task's answers changed but not its state (its node was lost): only observers
    /// (the traffic model) need to look again.
    pub(super) fn touch(&mut self, task: TaskId) {
        if let Some(c) = self.changed.as_mut() {
            c.push(task);
        }
    }

    /// The pods the cluster deleted on its own (evictions) since the last call, leaving
    /// `buf` (cleared) in their place. Such a deletion sets
    /// [`crate::cluster::Task::stop_requested`] at once but makes no notice until its stop
    /// signal (a later step, `Terminating`): a controller that keeps what it last read of
    /// each pod reads these again here.
    pub fn take_evicted(&mut self, buf: &mut Vec<TaskId>) {
        buf.clear();
        std::mem::swap(&mut self.evicted, buf);
    }

    /// Whether [`Cluster::take_evicted`] has any pod to hand over.
    #[inline]
    pub fn has_evicted(&self) -> bool {
        !self.evicted.is_empty()
    }

    /// Whether any notice is waiting.
    #[inline]
    pub fn has_notices(&self) -> bool {
        !self.notices.is_empty()
    }

    pub(super) fn record(&mut self, id: TaskId, reason: Option<super::placer::PendingReason>) {
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
                reason,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set holds exactly the states it was made of; `ALL` holds every state.
    #[test]
    fn a_state_set_holds_exactly_its_states() {
        let some = [TaskState::Ready, TaskState::Stopped, TaskState::Failed];
        let set = StateSet::of(&some);
        for s in TaskState::ALL {
            assert_eq!(set.contains(s), some.contains(&s), "{s:?}");
            assert!(StateSet::ALL.contains(s), "{s:?}");
            assert!(!StateSet::of(&[]).contains(s), "{s:?}");
        }
    }
}
