//! The worker pool: `parallelism` workers take dirty slots in order, update them
//! (`worker()` / `updateTask` / `useExistingTask`), wait for the new task to be seen
//! RUNNING and sleep `delay`; task notices move the waiting workers on.
//!
//! Which task a slot keeps (moby/swarmkit v2.1.2 `manager/orchestrator/update/updater.go`,
//! `(*Updater).worker`): over the slot's tasks as the run read them, the first task that is
//! not dirty (`isTaskDirty`) with desired state RUNNING is kept at once (the loop breaks);
//! otherwise the last one not dirty with desired state below RUNNING (held for its old task,
//! or in its restart delay; the loop goes on). `useExistingTask` keeps it and shuts the
//! others down, including another task of the spec; with neither, `updateTask` creates a
//! new task. The desired states are those the run read ([`super::run::Run::below_running`]),
//! as `worker()` reads the `Task` values `reconcile` handed over; so is the one that decides
//! whether the kept task gets a new `DelayStart` the worker waits for (read below RUNNING),
//! even if it has started or ended since. A slot can hold two tasks of the spec after a
//! start-first worker's new task joined the restart supervisor's replacement of an old
//! task that failed first (`AlreadyShutDown`); a later run (a scale) then keeps the running
//! one and shuts the replacement still in its restart delay down.
//! swarmkit lists a slot's tasks in task-ID order, random; here they are in creation order.
//!
//! A kept task still held for its old task (a stop-first task whose slot also holds a
//! replacement of the spec the restart supervisor made before the stop-first worker reached
//! it) waits only for its new `DelayStart`: restart.go `DelayStart` cancels the delay
//! pending for the same task ID, so its first wait's old task and timeout no longer start
//! it ([`Swarm::cancel_delayed_start`]).

use super::Swarm;
use super::run::{NO_TASK, NO_TRACK, NO_WORKER, Phase, Timer, Track, Worker, same_run};
use crate::cluster::{Cluster, Notice, SOLE_OWNER, StartGate, TaskId, TaskState};
use crate::scenario::control_plane::Phase as Cp;
use crate::scenario::{FailureAction, Order};
use crate::sim::time::NEVER;

/// How many slots ahead of the one taken the slot's list is asked for, and (once that
/// has arrived) its tasks.
const PREFETCH_LIST: usize = 4;
const PREFETCH_TASKS: usize = 2;

/// `removeOldTasks` found every task it was to shut down already shut down since the run
/// read the slot (its error "task … was already shut down when reached by updater"): the
/// restart supervisor handled them, so the slot has its replacement, of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct AlreadyShutDown;

impl Swarm<'_> {
    /// Hand slots to idle workers; open the final window once every worker is done.
    ///
    /// Inlined for its usual answer, nothing to do: most calls (after every notice a worker
    /// reads, and after a worker takes its next slot) come while slots are still handed
    /// out and no worker is idle. The rest is out of line, so such a call costs a few
    /// loads instead of the frame of the whole hand-out.
    #[inline]
    pub(super) fn dispatch(&mut self, cl: &mut Cluster) {
        let r = &self.run;
        if r.phase == Some(Phase::Dispatching)
            && r.next < r.dirty.len()
            && r.workers.first_idle().is_none()
        {
            return;
        }
        self.hand_out(cl);
    }

    /// [`Swarm::dispatch`] past its first test.
    #[inline(never)]
    fn hand_out(&mut self, cl: &mut Cluster) {
        while self.run.phase == Some(Phase::Dispatching) {
            if self.run.next == self.run.dirty.len() {
                self.run.phase = Some(Phase::Draining);
                break;
            }
            let Some(w) = self.run.workers.first_idle() else {
                return;
            };
            let at = self.take_slot(cl);
            self.update_slot(cl, w, at);
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
            let at = self.take_slot(cl);
            self.update_slot(cl, w, at);
        } else {
            self.run.workers.set(w, Worker::Idle);
        }
        self.dispatch(cl);
    }

    /// The next dirty slot (one is left), as its place in the run's dirty slots.
    #[inline]
    fn take_slot(&mut self, cl: &Cluster) -> usize {
        let next = self.run.next;
        self.run.next += 1;
        if cl.prefetches() {
            self.prefetch_slots_after(cl, next);
        }
        next
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

    /// `worker()` for the `at`th dirty slot, reading its tasks as the run read them.
    // Always inline: it runs once a slot, from `wake` or `hand_out`, and inlined it reads
    // the run its caller has just loaded (the slot taken, the worker); out of line it cost
    // 0.55 % of a `bench-swarm.yaml` trial.
    #[inline(always)]
    pub(super) fn update_slot(&mut self, cl: &mut Cluster, w: usize, at: usize) {
        let (from, to) = self.run.spans[at];
        // A slot read with one task is dirty only if that task is stale: no task to keep,
        // and nothing of the task to read here.
        let clean = if to - from < 2 {
            None
        } else {
            self.clean_task(cl, from as usize, to as usize)
        };
        match (clean, self.cfg().order) {
            (Some((clean, below)), _) => self.use_existing_task(cl, w, at, clean, below),
            // The old tasks are told to stop once the new one is seen ready (`observe`).
            (None, Order::StartFirst) => {
                self.new_task_for(cl, w, at, StartGate::Now);
            }
            (None, Order::StopFirst) => {
                // One store batch creates the new task and shuts the old ones down, and the
                // scheduler sees both: an old task told to stop no longer counts against
                // `max_replicas_per_node` when the new one is placed. Stopping first keeps a
                // new task from being recorded Pending for an instant it never waited.
                let Ok(old) = self.remove_old_tasks(cl, at, NO_TASK) else {
                    // `removeOldTasks` failed, so the batch is aborted and the new task
                    // with it: the worker logs "update failed" and sleeps `delay`.
                    self.after_slot(cl, w, self.run.dirty[at]);
                    return;
                };
                let task = self.new_task_for(cl, w, at, StartGate::Held);
                // DelayStart waits on the task `removeOldTasks` returns, if it had not ended
                // as the manager knows. It decides from that task as the run read it
                // (`removeOldTasks` returns the `Task` value it was handed, restart.go
                // `waitForTask`), but a task read at most RUNNING that ended since (failed
                // in its delayed start, its restart still waiting: desired READY) does not
                // make it wait: its watch is set up inside the batch, whose events are
                // published when it commits (store/memory.go `Batch`), and the batch's own
                // shutdown of that task carries its state past RUNNING. A task the restart
                // supervisor shut down since is not returned (`removeOldTasks` fails it).
                match old {
                    Some(old) if self.not_ended(cl, old) => self.start_after_exit(cl, old, task),
                    _ => cl.allow_start(task),
                }
            }
        }
    }

    /// The task `worker()` keeps (`useExistingTask`) among the run's read of a slot,
    /// `snap[from..to]`, if any, and whether the run read it below RUNNING: of the tasks
    /// of the spec (not dirty), the first one read with desired state RUNNING, else the
    /// last one read below RUNNING (held, or in its restart delay). The tasks are in
    /// creation order, where swarmkit's are in task-ID order, which its random IDs make
    /// random.
    #[cold]
    #[inline(never)]
    fn clean_task(&self, cl: &Cluster, from: usize, to: usize) -> Option<(TaskId, bool)> {
        let below = &self.run.below_running;
        let below = &below[below.partition_point(|&i| (i as usize) < from)..];
        let below = &below[..below.partition_point(|&i| (i as usize) < to)];
        let mut kept = None;
        for (i, &t) in self.run.snap.iter().enumerate().take(to).skip(from) {
            if !self.of_spec(cl, t) {
                continue;
            }
            if below.binary_search(&(i as u32)).is_err() {
                return Some((t, false));
            }
            kept = Some((t, true));
        }
        kept
    }

    /// Whether `task`'s desired state is below RUNNING (READY): it is held for its old
    /// task (stop-first, or a kept task's new `DelayStart`), or its restart delay is not
    /// over. Upstream sets it to RUNNING when its `DelayStart` is done.
    pub(super) fn desired_below_running(&self, cl: &Cluster, task: TaskId) -> bool {
        self.held(cl, task) || cl.task(task).start_not_before > cl.now()
    }

    /// `removeOldTasks` over the `at`th dirty slot's tasks as the run read them, but
    /// `except`: each one whose desired state is still at most RUNNING is shut down (a
    /// task waiting to be restarted is, and so not restarted; the replacement of a task
    /// the restart supervisor handled since is not, as the run never read it). The last
    /// one shut down, if any; [`AlreadyShutDown`] if there were tasks to shut down and
    /// every one had been shut down since the run read it.
    // Always inline: a start-first slot calls it once from `observe` when its new task is
    // ready, with a single old task to stop; its own frame (six saved registers) cost
    // about as much as the loop, 1.2 % of a `bench-swarm.yaml` trial.
    #[inline(always)]
    pub(super) fn remove_old_tasks(
        &mut self,
        cl: &mut Cluster,
        at: usize,
        except: TaskId,
    ) -> Result<Option<TaskId>, AlreadyShutDown> {
        let slot = self.run.dirty[at];
        let (from, to) = self.run.spans[at];
        let (mut last, mut tried) = (None, false);
        for i in from as usize..to as usize {
            let t = self.run.snap[i];
            if t == except {
                continue;
            }
            // Every task the run read was wanted then (or waiting to be restarted), so
            // upstream's skip of a task read past RUNNING never applies here.
            tried = true;
            if self.waiting_restart(slot) == Some(t) {
                self.take_waiting_restart(slot);
                last = Some(t);
            } else if cl.task(t).is_wanted() {
                cl.stop_task(t);
                last = Some(t);
            }
        }
        if tried && last.is_none() {
            return Err(AlreadyShutDown);
        }
        Ok(last)
    }

    /// `useExistingTask`: keep the slot's clean task, shut down the others. A clean task
    /// the run read below RUNNING (`read_below`: held, or in its restart delay) gets a new
    /// `DelayStart`, which cancels the pending one and waits for the last task shut down
    /// if that one was still ≤ RUNNING (or the 1-minute timeout); the worker waits for
    /// that start, not for RUNNING.
    fn use_existing_task(
        &mut self,
        cl: &mut Cluster,
        w: usize,
        at: usize,
        clean: TaskId,
        read_below: bool,
    ) {
        let slot = self.run.dirty[at];
        // Upstream decides from the `Task` value the run read (`existing.DesiredState !=
        // api.TaskStateRunning`), not from the store: a task read READY that was told to
        // run since (its restart delay or its wait for an old task over), or that ended
        // since, still gets the new `DelayStart`, and the worker still waits for it. Only
        // a task still READY now is held again: `StartNow` leaves a task desired RUNNING
        // as it is (and `regate` leaves an ended one alone).
        let hold = read_below && self.desired_below_running(cl, clean);
        let Ok(last) = self.remove_old_tasks(cl, at, clean) else {
            // The batch is aborted: no new `DelayStart`, the clean task keeps the one it
            // had, and the worker logs "update failed" and sleeps `delay`.
            self.after_slot(cl, w, slot);
            return;
        };
        if !read_below {
            self.after_slot(cl, w, slot);
            return;
        }
        let tr = self.track(clean);
        tr.released = false;
        tr.worker = w as u32;
        self.run
            .workers
            .set(w, Worker::Starting { slot, task: clean });
        // Whether or not its first wait is over, nothing of it may end the new one.
        self.cancel_delayed_start(cl, slot, clean);
        if hold {
            cl.regate(clean, StartGate::Held);
        }
        match last {
            Some(old) if self.not_ended(cl, old) => self.start_after_exit(cl, old, clean),
            _ => self.release(cl, clean),
        }
    }

    /// swarmkit v2.1.2 manager/orchestrator/restart/restart.go `DelayStart` for `task` of
    /// `slot`, kept by the current run as it read it, desired READY (held, or in its
    /// restart delay), and given a new delayed start (`useExistingTask`): it cancels the
    /// delay pending for the same task ID (`r.delays[taskID]`). So a held task's earlier
    /// wait (stop-first's, or an earlier run's `useExistingTask`) no longer starts it:
    /// neither its old task's end (the link of a task of the slot, [`Track::releases`])
    /// nor its timeout (a `Timer::OldTask` of an earlier run, [`Swarm::wait_is_current`]);
    /// only the new wait releases it, once ([`Swarm::release`]). The same holds where that
    /// earlier wait ended between the run's read and this keep: upstream a finished
    /// `DelayStart` leaves nothing behind, where here its other half (the timeout after
    /// the old task's end, or the old task's link after the timeout) is still pending. (A restart delay is cancelled
    /// by [`Swarm::restart_delay_over`]; such a task has no earlier wait to cancel here.)
    /// Rare (a slot left with two tasks of the spec, one not started), so a pass over the
    /// slot and over the short list of such tasks.
    #[cold]
    #[inline(never)]
    fn cancel_delayed_start(&mut self, cl: &Cluster, slot: u32, task: TaskId) {
        for &t in cl.slot(slot) {
            if self.tracked(t).releases == task {
                self.track(t).releases = NO_TASK;
            }
        }
        let run = self.run.id;
        match self.rewaited.iter_mut().find(|w| w.0 == task) {
            Some(w) => w.1 = run,
            None => self.rewaited.push((task, run)),
        }
    }

    /// Whether a `Timer::OldTask` for `task` started by run `run` (24 bits of it) ends
    /// `task`'s current wait: not if a later run has given the task a new one since
    /// ([`Swarm::cancel_delayed_start`]).
    pub(super) fn wait_is_current(&self, task: TaskId, run: u32) -> bool {
        match self.rewaited.iter().find(|w| w.0 == task) {
            Some(&(_, last)) => same_run(run, last),
            None => true,
        }
    }

    /// A new task of the spec for `slot`, created for the current run by worker `w`, which
    /// waits for it.
    // Always inline: its two callers are `update_slot`'s two orders, one of which runs once
    // a slot; out of line (the inliner declines a plain `#[inline]`), the two frames cost
    // about 20 instructions a slot, 0.8 % of a `bench-swarm.yaml` trial.
    #[inline(always)]
    fn new_task_for(&mut self, cl: &mut Cluster, w: usize, at: usize, gate: StartGate) -> TaskId {
        let slot = self.run.dirty[at];
        cl.set_spec_version(self.run.spec_gen);
        let task = cl.create_task(slot, self.spec.version, SOLE_OWNER, gate);
        // `NewTask(u.cluster, u.newService, …)`: the run's `SpecVersion`.
        self.created(task, slot, self.run.spec_gen);
        let tr = Track {
            run: self.run.id,
            worker: w as u32,
            ..NO_TRACK
        };
        self.set_track(task, tr);
        self.run.workers.set(
            w,
            Worker::Waiting {
                at: at as u32,
                task,
            },
        );
        task
    }

    /// The worker waiting for `task` and its slot's place in the dirty slots, if any. Each
    /// worker waits only for a task it created, so at most one does, and it is the one
    /// the task's track names.
    fn waiting_for(&self, task: TaskId) -> Option<(usize, usize)> {
        let w = self.tracked(task).worker;
        if w == NO_WORKER || w as usize >= self.run.workers.len() {
            return None;
        }
        match self.run.workers.get(w as usize) {
            Worker::Waiting { at, task: t } if t == task => Some((w as usize, at as usize)),
            _ => None,
        }
    }

    /// The worker finished its slot: sleep `delay`, then take the next one (after the
    /// control plane's `next_slot`).
    // Always inline: the trial loop reaches it once a slot (mostly from `observe`, as the
    // worker sees its task running), and inlined the optimiser folds the caller's checks
    // into it; out of line it cost 0.8 % of a `bench-swarm.yaml` trial.
    #[inline(always)]
    pub(super) fn after_slot(&mut self, cl: &mut Cluster, w: usize, slot: u32) {
        let handoff = cl.overhead(Cp::NextSlot, slot, self.spec.version, self.run.id);
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
        // A failure reported late (`failure_report`): the task stops standing for its slot;
        // if the updater shut it down meanwhile (took it), it is not restarted.
        let mut shut_down = false;
        if n.state == TaskState::Failed && self.tracked(n.task).unreported {
            self.track(n.task).unreported = false;
            let slot = cl.task(n.task).slot;
            if self.waiting_restart(slot) == Some(n.task) {
                self.take_waiting_restart(slot);
            } else {
                shut_down = true;
            }
        }
        // A stop-first task that ends while held for the old task is read only once that
        // wait is over (`updateTask` waits for `DelayStart` first): see `release`.
        let seen_running = match n.state {
            TaskState::Ready | TaskState::Stopped => true,
            TaskState::Failed => !self.held(cl, n.task),
            _ => false,
        };
        // A worker waiting for this task moves on (workers of a paused run still do; a
        // cancelled run has no waiting workers).
        if let Some((w, at)) = seen_running.then(|| self.waiting_for(n.task)).flatten() {
            let task = n.task;
            let tr = self.track(task);
            if tr.seen_running == NEVER {
                tr.seen_running = now;
            }
            if self.cfg().order == Order::StartFirst && n.state == TaskState::Ready {
                // Upstream only logs a warning when this fails: the slot keeps both tasks.
                let _ = self.remove_old_tasks(cl, at, task);
            }
            let slot = self.run.dirty[at];
            self.after_slot(cl, w, slot);
        }
        if !n.state.is_terminal() {
            if self.run.phase != Some(Phase::Done) {
                self.dispatch(cl);
            }
            return;
        }
        // The scheduler sees the failure too (`taskFailed`), before the restart's
        // replacement is placed.
        if n.state == TaskState::Failed {
            cl.note_failure(n.task, self.gen_of(n.task));
        }
        let releases = self.tracked(n.task).releases;
        if releases != NO_TASK {
            self.release(cl, releases);
        }
        // The orchestrator restarts it with the spec in force (once its delayed start is
        // over); then the failure watch, which sees every task of the service that ends
        // (state > RUNNING), may change the spec.
        if n.state == TaskState::Failed && !cl.task(n.task).stop_requested && !shut_down {
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
    /// Whether `task` has not ended as the manager knows: live, or failed with the
    /// report on its way (its end is then heard when the report arrives).
    pub(super) fn not_ended(&self, cl: &Cluster, task: TaskId) -> bool {
        cl.task(task).is_live() || self.tracked(task).unreported
    }

    /// Whether `task` is a stop-first task still held for its old task.
    pub(super) fn held(&self, cl: &Cluster, task: TaskId) -> bool {
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
        self.end_wait(cl, task);
        // A drained or down node's restart of the task waited for this start
        // (`waitRestart`).
        if !self.node_restart_waits.is_empty() && self.take_node_restart_wait(task) {
            self.restart_off_node(cl, task);
        }
    }

    /// [`Swarm::release`] of a task not released before.
    fn end_wait(&mut self, cl: &mut Cluster, task: TaskId) {
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
        if let Some((w, at)) = self.waiting_for(task) {
            let slot = self.run.dirty[at];
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
