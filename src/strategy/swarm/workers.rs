//! The worker pool: `parallelism` workers take dirty slots in order, update them
//! (`worker()` / `updateTask` / `useExistingTask`), wait for the new task to be seen
//! RUNNING and sleep `delay`; task notices move the waiting workers on.

use super::run::{NO_WORKER, Phase, Timer, Worker};
use super::{OLD_TASK_TIMEOUT, Swarm};
use crate::cluster::{Cluster, Notice, StartGate, TaskId, TaskState};
use crate::scenario::control_plane::Phase as Cp;
use crate::scenario::{FailureAction, Order};
use crate::sim::time::NEVER;

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
            let slot = self.run.dirty[self.run.next];
            self.run.next += 1;
            self.update_slot(cl, w, slot);
        }
        if self.run.phase == Some(Phase::Draining) && self.run.workers.all_idle() {
            self.open_final_window(cl);
        }
    }

    /// `worker()` for one slot.
    pub(super) fn update_slot(&mut self, cl: &mut Cluster, w: usize, slot: u32) {
        let mut wanted = std::mem::take(&mut self.scratch);
        wanted.clear();
        wanted.extend(
            cl.slot(slot)
                .iter()
                .copied()
                .filter(|&t| cl.task(t).is_wanted()),
        );
        self.update_slot_with(cl, w, slot, &wanted);
        self.scratch = wanted;
    }

    pub(super) fn update_slot_with(
        &mut self,
        cl: &mut Cluster,
        w: usize,
        slot: u32,
        wanted: &[TaskId],
    ) {
        let spec = self.spec;
        if let Some(&clean) = wanted.iter().find(|&&t| cl.task(t).version == spec) {
            // useExistingTask: keep the clean task, shut down the others.
            for &t in wanted.iter().filter(|&&t| t != clean) {
                cl.stop_task(t);
            }
            cl.allow_start(clean);
            self.after_slot(cl, w, slot);
            return;
        }
        let order = self.cfg().order;
        let run = self.run.id;
        match order {
            Order::StartFirst => {
                let task = self.new_task(cl, slot, StartGate::Now);
                self.wait_for(w, slot, task, run);
            }
            Order::StopFirst => {
                let task = self.new_task(cl, slot, StartGate::Held);
                self.wait_for(w, slot, task, run);
                // DelayStart waits on one old task, if it was still ≤ RUNNING.
                let waited = wanted
                    .iter()
                    .copied()
                    .find(|&t| cl.task(t).state <= TaskState::Ready);
                for &t in wanted {
                    cl.stop_task(t);
                }
                match waited {
                    Some(old) if cl.task(old).is_live() => {
                        self.track(old).releases = Some(task);
                        cl.hear_stops_of(old);
                        cl.set_timer(cl.now() + OLD_TASK_TIMEOUT, Timer::OldTask(task));
                    }
                    _ => cl.allow_start(task),
                }
            }
        }
    }

    /// Worker `w` waits for `task`, the new task of `slot` it created for run `run`.
    fn wait_for(&mut self, w: usize, slot: u32, task: TaskId, run: u32) {
        let tr = self.track(task);
        tr.run = run;
        tr.worker = w as u32;
        self.run.workers.set(w, Worker::Waiting { slot, task });
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
        let seen_running = matches!(
            n.state,
            TaskState::Ready | TaskState::Stopped | TaskState::Failed
        );
        // A worker waiting for this task moves on (workers of a paused run still do; a
        // cancelled run has no waiting workers).
        if let Some((w, slot)) = seen_running.then(|| self.waiting_for(n.task)).flatten() {
            let task = n.task;
            let tr = self.track(task);
            if tr.seen_running == NEVER {
                tr.seen_running = now;
            }
            if self.cfg().order == Order::StartFirst && n.state == TaskState::Ready {
                let mut old = std::mem::take(&mut self.scratch);
                old.clear();
                old.extend(
                    cl.slot(slot)
                        .iter()
                        .copied()
                        .filter(|&t| t != task && cl.task(t).is_wanted()),
                );
                for &t in &old {
                    cl.stop_task(t);
                }
                self.scratch = old;
            }
            self.after_slot(cl, w, slot);
        }
        if !n.state.is_terminal() {
            if self.run.phase != Some(Phase::Done) {
                self.dispatch(cl);
            }
            return;
        }
        if let Some(new) = self.tracked(n.task).releases {
            cl.allow_start(new);
        }
        // The orchestrator restarts it with the spec in force; then the failure watch, which
        // sees every task of the service that ends (state > RUNNING), may change the spec.
        if n.state == TaskState::Failed && !cl.task(n.task).stop_requested {
            self.restart(cl, n.task);
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
