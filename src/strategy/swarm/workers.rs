//! The worker pool: `parallelism` workers take dirty slots in order, update them
//! (`worker()` / `updateTask` / `useExistingTask`), wait for the new task to be seen
//! RUNNING and sleep `delay`; task notices move the waiting workers on.

use super::run::{NO_TASK, NO_TRACK, NO_WORKER, Phase, Timer, Track, Worker};
use super::{OLD_TASK_TIMEOUT, Swarm};
use crate::cluster::{Cluster, Notice, StartGate, TaskId, TaskState};
use crate::scenario::control_plane::Phase as Cp;
use crate::scenario::{FailureAction, Order};
use crate::sim::time::NEVER;

/// How many slots ahead of the one taken the slot's list is asked for, and (once that
/// has arrived) its tasks.
const PREFETCH_LIST: usize = 4;
const PREFETCH_TASKS: usize = 2;

impl Swarm<'_> {
    /// Hand slots to idle workers; open the final window once every worker is done.
    pub(super) fn dispatch(&mut self, cl: &mut Cluster) {
        while self.run.phase == Some(Phase::Dispatching) {
            if self.run.next == self.run.dirty.len() {
                self.run.phase = Some(Phase::Draining);
                break;
            }
            let Some(w) = self.run.workers.first_idle() else {
                return;
            };
            let slot = self.take_slot(cl);
            self.update_slot(cl, w, slot);
        }
        if self.run.phase == Some(Phase::Draining) && self.run.workers.all_idle() {
            self.open_final_window(cl);
        }
    }

    /// Worker `w`'s `delay` is over: it goes idle, and `dispatch` hands out the next slot.
    ///
    /// While slots are still being handed out no worker is idle between handlers (every
    /// change that idles one is followed by `dispatch`, see [`super::OBSERVED`]), so `w`
    /// would be the lowest idle worker and take the next slot at once: it takes it here,
    /// without entering and leaving the pool's idle set, and `dispatch` goes on from there.
    pub(super) fn wake(&mut self, cl: &mut Cluster, w: usize) {
        if self.run.phase == Some(Phase::Dispatching) && self.run.next < self.run.dirty.len() {
            debug_assert_eq!(self.run.workers.first_idle(), None, "an idle worker left");
            let slot = self.take_slot(cl);
            self.update_slot(cl, w, slot);
        } else {
            self.run.workers.set(w, Worker::Idle);
        }
        self.dispatch(cl);
    }

    /// The next dirty slot (one is left).
    #[inline]
    fn take_slot(&mut self, cl: &Cluster) -> u32 {
        let next = self.run.next;
        self.run.next += 1;
        if cl.prefetches() {
            self.prefetch_slots_after(cl, next);
        }
        self.run.dirty[next]
    }

    /// Ask for what the updates of the slots after the `next`th dirty one will read
    /// ([`crate::sim::prefetch`]): in a large fleet they lie anywhere in memory, in the
    /// shuffled order of the run, and an update reads the slot's list and its old tasks.
    #[inline(never)]
    fn prefetch_slots_after(&self, cl: &Cluster, next: usize) {
        let dirty = &self.run.dirty;
        if let Some(&far) = dirty.get(next + PREFETCH_LIST) {
            cl.prefetch_slot(far);
        }
        if let Some(&near) = dirty.get(next + PREFETCH_TASKS) {
            cl.prefetch_slot_tasks(near);
        }
    }

    /// `worker()` for one slot.
    pub(super) fn update_slot(&mut self, cl: &mut Cluster, w: usize, slot: u32) {
        // A task of the slot waiting to be restarted is shut down with the others (it
        // ended, so nothing waits for it to stop).
        self.take_waiting_restart(slot);
        let spec = self.spec;
        let clean = cl.slot(slot).iter().copied().find(|&t| {
            let t = cl.task(t);
            t.is_wanted() && t.version == spec
        });
        match (clean, self.cfg().order) {
            (Some(clean), _) => self.use_existing_task(cl, w, slot, clean),
            // The old tasks are told to stop once the new one is seen ready (`observe`).
            (None, Order::StartFirst) => {
                self.new_task_for(cl, w, slot, StartGate::Now);
            }
            (None, Order::StopFirst) => {
                // DelayStart waits on one old task, if it was still ≤ RUNNING.
                let waited = cl.slot(slot).iter().copied().find(|&t| {
                    let old = cl.task(t);
                    old.is_wanted() && old.state <= TaskState::Ready
                });
                // One store batch creates the new task and shuts the old ones down, and the
                // scheduler sees both: an old task told to stop no longer counts against
                // `max_replicas_per_node` when the new one is placed. Stopping first keeps a
                // new task from being recorded Pending for an instant it never waited.
                stop_wanted_in(cl, slot, NO_TASK);
                let task = self.new_task_for(cl, w, slot, StartGate::Held);
                match waited {
                    Some(old) if cl.task(old).is_live() => {
                        self.track(old).releases = task;
                        cl.hear_stops_of(old);
                        cl.set_timer(cl.now() + OLD_TASK_TIMEOUT, Timer::OldTask(task));
                    }
                    _ => cl.allow_start(task),
                }
            }
        }
    }

    /// `useExistingTask`: keep the slot's clean task, shut down the others. A clean task
    /// not started yet (desired READY: held, or in its restart delay) gets a new
    /// `DelayStart`, which cancels the pending one and waits for the last task shut down
    /// if that one was still ≤ RUNNING (or the 1-minute timeout); the worker waits for
    /// that start, not for RUNNING.
    fn use_existing_task(&mut self, cl: &mut Cluster, w: usize, slot: u32, clean: TaskId) {
        let t = cl.task(clean);
        let delayed =
            !t.start_allowed && !self.tracked(clean).released || t.start_not_before > cl.now();
        // Only a task in the slot as the run read it (not a restart made since, which
        // upstream's worker does not see) gets a new `DelayStart`.
        let delayed = delayed && clean < self.run.known_below;
        // `removeOldTasks` returns the last task it shut down (slot order), and
        // `DelayStart` waits for it only if it had not ended.
        let last = cl
            .slot(slot)
            .iter()
            .copied()
            .filter(|&t| t != clean && cl.task(t).is_wanted())
            .last();
        stop_wanted_in(cl, slot, clean);
        if !delayed {
            self.after_slot(cl, w, slot);
            return;
        }
        let tr = self.track(clean);
        tr.released = false;
        tr.worker = w as u32;
        self.run
            .workers
            .set(w, Worker::Starting { slot, task: clean });
        cl.regate(clean, StartGate::Held);
        match last {
            Some(old) if cl.task(old).is_live() => {
                self.track(old).releases = clean;
                cl.hear_stops_of(old);
                cl.set_timer(cl.now() + OLD_TASK_TIMEOUT, Timer::OldTask(clean));
            }
            _ => self.release(cl, clean),
        }
    }

    /// A new task of the spec for `slot`, created for the current run by worker `w`, which
    /// waits for it.
    fn new_task_for(&mut self, cl: &mut Cluster, w: usize, slot: u32, gate: StartGate) -> TaskId {
        let task = cl.create_task(slot, self.spec, gate);
        self.created(task, slot);
        let tr = Track {
            run: self.run.id,
            worker: w as u32,
            ..NO_TRACK
        };
        self.set_track(task, tr);
        self.run.workers.set(w, Worker::Waiting { slot, task });
        task
    }

    /// The worker waiting for `task` and its slot, if any. Each worker waits only for a
    /// task it created, so at most one does, and it is the one the task's track names.
    fn waiting_for(&self, task: TaskId) -> Option<(usize, u32)> {
        let w = self.tracked(task).worker;
        if w == NO_WORKER || w as usize >= self.run.workers.len() {
            return None;
        }
        match self.run.workers.get(w as usize) {
            Worker::Waiting { slot, task: t } if t == task => Some((w as usize, slot)),
            _ => None,
        }
    }

    /// The worker finished its slot: sleep `delay`, then take the next one (after the
    /// control plane's `next_slot`).
    pub(super) fn after_slot(&mut self, cl: &mut Cluster, w: usize, slot: u32) {
        let handoff = cl.overhead(Cp::NextSlot, slot, self.spec, self.run.id);
        let delay = self.cfg().delay + handoff;
        if delay == 0 {
            self.run.workers.set(w, Worker::Idle);
        } else {
            self.run.workers.set(w, Worker::Sleeping);
            cl.set_timer(
                cl.now() + delay,
                Timer::Worker {
                    run: self.run.id,
                    worker: w as u32,
                },
            );
        }
    }

    /// A task notice as the controller sees it (failures possibly late).
    pub(super) fn observe(&mut self, cl: &mut Cluster, n: Notice) {
        let now = cl.now();
        // A stop-first task that ends while held for the old task is read only once that
        // wait is over (`updateTask` waits for `DelayStart` first): see `release`.
        let seen_running = match n.state {
            TaskState::Ready | TaskState::Stopped => true,
            TaskState::Failed => !self.held(cl, n.task),
            _ => false,
        };
        // A worker waiting for this task moves on (workers of a paused run still do; a
        // cancelled run has no waiting workers).
        if let Some((w, slot)) = seen_running.then(|| self.waiting_for(n.task)).flatten() {
            let task = n.task;
            let tr = self.track(task);
            if tr.seen_running == NEVER {
                tr.seen_running = now;
            }
            if self.cfg().order == Order::StartFirst && n.state == TaskState::Ready {
                stop_wanted_in(cl, slot, task);
            }
            self.after_slot(cl, w, slot);
        }
        if !n.state.is_terminal() {
            if self.run.phase != Some(Phase::Done) {
                self.dispatch(cl);
            }
            return;
        }
        let releases = self.tracked(n.task).releases;
        if releases != NO_TASK {
            self.release(cl, releases);
        }
        // The orchestrator restarts it with the spec in force (once its delayed start is
        // over); then the failure watch, which sees every task of the service that ends
        // (state > RUNNING), may change the spec.
        if n.state == TaskState::Failed && !cl.task(n.task).stop_requested {
            self.restart_when_due(cl, n.task);
        }
        match self.run.phase {
            Some(Phase::Dispatching) | Some(Phase::Final)
                if self.cfg().failure_action != FailureAction::Continue =>
            {
                self.watch_failure(cl, n.task)
            }
            Some(Phase::Draining) if self.cfg().failure_action != FailureAction::Continue => {
                self.run.queued.push(n.task)
            }
            _ => {}
        }
        if matches!(
            self.run.phase,
            Some(Phase::Dispatching) | Some(Phase::Draining)
        ) {
            self.dispatch(cl);
        }
    }
}

impl Swarm<'_> {
    /// Whether `task` is a stop-first task still held for its old task.
    fn held(&self, cl: &Cluster, task: TaskId) -> bool {
        !cl.task(task).start_allowed && !self.tracked(task).released
    }

    /// Stop-first: the wait of `task` for its old task is over (`DelayStart` done). A live
    /// task may start; one that ended meanwhile is now read by the worker waiting for it,
    /// and restarted if its restart waited for this.
    pub(super) fn release(&mut self, cl: &mut Cluster, task: TaskId) {
        let tr = self.track(task);
        if tr.released {
            return;
        }
        tr.released = true;
        if let Some(w) = self.starting(task) {
            // `useExistingTask` waits for the start only.
            let slot = cl.task(task).slot;
            self.after_slot(cl, w, slot);
        }
        if cl.task(task).is_live() {
            cl.allow_start(task);
            return;
        }
        if !self.tracked(task).restart_waits {
            return; // its end is not known yet: read when it is (`observe`)
        }
        if let Some((w, slot)) = self.waiting_for(task) {
            let now = cl.now();
            let tr = self.track(task);
            if tr.seen_running == NEVER {
                tr.seen_running = now;
            }
            self.after_slot(cl, w, slot);
        }
        self.restart_after_delay(cl, task);
    }

    /// The worker waiting for `task`'s delayed start (`useExistingTask`), if any.
    fn starting(&self, task: TaskId) -> Option<usize> {
        let w = self.tracked(task).worker as usize;
        if w >= self.run.workers.len() {
            return None;
        }
        match self.run.workers.get(w) {
            Worker::Starting { task: t, .. } if t == task => Some(w),
            _ => None,
        }
    }

    /// Dispatch, if a run is handing out slots or waiting for its workers.
    pub(super) fn dispatch_if_running(&mut self, cl: &mut Cluster) {
        if matches!(
            self.run.phase,
            Some(Phase::Dispatching) | Some(Phase::Draining)
        ) {
            self.dispatch(cl);
        }
    }
}

/// Tell every wanted task of `slot` but `except` to stop, in the slot's order.
///
/// Stopping a task may end it at once and take it out of the slot's list (or, through the
/// steps the stop causes, end another), so the list is read afresh after each stop, from
/// the task after the one just stopped: the list is in creation order, that is by id, and
/// no task joins it meanwhile (the cluster creates none on its own). A task ended or told
/// to stop meanwhile is passed over, which is all that telling it to stop would do. So
/// this stops what a copy of the list taken first and stopped task by task would.
#[inline(always)]
fn stop_wanted_in(cl: &mut Cluster, slot: u32, except: TaskId) {
    let mut from = 0;
    while let Some(t) = cl
        .slot(slot)
        .iter()
        .copied()
        .find(|&t| t >= from && t != except && cl.task(t).is_wanted())
    {
        cl.stop_task(t);
        from = t + 1;
    }
}
