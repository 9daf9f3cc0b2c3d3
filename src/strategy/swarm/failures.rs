//! Failure accounting (`failureTriggersAction` against `max_failure_ratio`), its actions
//! (pause, rollback), and the final monitoring window that ends a run.

use super::run::{Phase, Timer};
use super::{Swarm, UpdateState};
use crate::cluster::{Cluster, TaskId};
use crate::scenario::FailureAction;
use crate::sim::time::{NEVER, SECOND};

impl Swarm<'_> {
    pub(super) fn open_final_window(&mut self, cl: &mut Cluster) {
        let cfg = self.cfg();
        if cfg.delay >= self.run.monitor {
            self.run.monitor = cfg.delay + SECOND;
        }
        self.run.phase = Some(Phase::Final);
        let queued = std::mem::take(&mut self.run.queued);
        for &t in &queued {
            if self.run.phase != Some(Phase::Final) {
                break;
            }
            self.watch_failure(cl, t);
        }
        self.run.queued = queued;
        if self.run.phase == Some(Phase::Final) {
            cl.set_timer(
                cl.now() + self.run.monitor,
                Timer::Final { run: self.run.id },
            );
        }
    }

    pub(super) fn complete(&mut self, cl: &mut Cluster) {
        self.run.phase = Some(Phase::Done);
        match self.state {
            UpdateState::RollbackStarted => {
                self.set_state(cl, UpdateState::RollbackCompleted, || None)
            }
            UpdateState::Updating => self.set_state(cl, UpdateState::Completed, || None),
            _ => {}
        }
    }

    /// `failureTriggersAction` for a task of this service that reached a state > RUNNING.
    pub(super) fn watch_failure(&mut self, cl: &mut Cluster, task: TaskId) {
        let run = self.run.id;
        let monitor = self.run.monitor;
        let now = cl.now();
        let tr = self.track(task);
        if tr.run != run || tr.counted {
            return;
        }
        if tr.seen_running != NEVER && now - tr.seen_running > monitor {
            return;
        }
        tr.counted = true;
        self.run.failures += 1;
        self.failures_total += 1;
        let cfg = self.cfg();
        let ratio = self.run.failures as f32 / self.run.dirty.len() as f32;
        if ratio <= cfg.max_failure_ratio {
            return;
        }
        let message = move || Some(format!("failure or early termination of task {task}"));
        if self.state == UpdateState::None {
            // A service update cleared `UpdateStatus` while this run went on: `pauseUpdate`
            // and `rollbackUpdate` find none and write nothing; the run stops dispatching.
            self.run.next = self.run.dirty.len();
            self.run.phase = Some(Phase::Done);
            return;
        }
        match cfg.failure_action {
            FailureAction::Continue => {}
            FailureAction::Pause => self.pause(cl, message),
            FailureAction::Rollback if self.state == UpdateState::RollbackStarted => {
                self.pause(cl, message)
            }
            FailureAction::Rollback => {
                self.run.phase = Some(Phase::Done);
                match self.previous.take() {
                    Some(prev) => {
                        self.spec = prev;
                        self.spec_gen = self.previous_gen;
                        let replicas = self.previous_replicas;
                        self.set_replicas(cl, replicas);
                        self.set_state(cl, UpdateState::RollbackStarted, message);
                        self.cancel_run();
                        self.request_run(cl, true);
                    }
                    // "If there is no PreviousSpec, the update errors": it stays where it is.
                    None => self.pause(cl, message),
                }
            }
        }
    }

    pub(super) fn pause(&mut self, cl: &mut Cluster, message: impl FnOnce() -> Option<String>) {
        // Dispatching stops; busy workers finish their slot and delay (stopChan stays open).
        self.run.next = self.run.dirty.len();
        self.run.phase = Some(Phase::Done);
        let paused = if self.state == UpdateState::RollbackStarted {
            UpdateState::RollbackPaused
        } else {
            UpdateState::Paused
        };
        self.set_state(cl, paused, message);
    }
}
