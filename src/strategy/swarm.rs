//! The Docker Swarm updater and restart supervisor, after `moby/swarmkit`
//! (`manager/orchestrator/update/updater.go`, `restart/restart.go`); see
//! `reference/swarm-update.md` for the rules cited by section below.
//!
//! One updater *run* handles the dirty slots of one spec change:
//!
//! * `parallelism` workers (0 = one per dirty slot) take slots from an unbuffered channel
//!   in a random order (a Go map iteration, §2); a worker handles its slot, then sleeps
//!   `delay`, after every slot including the last (§3.1). No batch barrier.
//! * stop-first: the new task is created held and the old one told to stop; the new one
//!   starts when the old one has exited, or after the 1-minute `defaultOldTaskTimeout`
//!   (§3.2). start-first: the new task starts at once and the old one is told to stop only
//!   if the new one reached RUNNING (§3.3).
//! * The failure watch counts tasks created by this run that end within `monitor` of being
//!   seen RUNNING (or before), once each; the action fires when
//!   `failures / dirty slots > max_failure_ratio` in `f32`, strictly (§4). The watch is read
//!   while slots are being handed out and during the final window; failures in between
//!   (workers finishing their last slots) are read when the final window opens, and the
//!   monitor check is made then, as the Go channel is (§3 pseudo-code).
//! * After every worker is done: a final window of `monitor`, or `delay + 1s` when
//!   `delay >= monitor`, then `update completed` (§3, §10.2).
//! * pause stops dispatching but lets busy workers finish; rollback restores the previous
//!   spec and starts a rollback run with `rollback_config`; a rollback is never rolled back
//!   (§5). The restart supervisor replaces failed tasks with the service's current spec
//!   after the restart delay (§5); during a rollback, a slot left with no task gets a fresh
//!   one at once, as the scale-up path does (§8).
//!
//! Nothing waits for a Pending task with a timeout (§3.1): an update blocked by a full
//! cluster never finishes, and the trial ends at the horizon.
//!
//! Known simplification: after `update completed` the orchestrator's later reconciles are
//! not modelled (e.g. a slot left with two tasks by a start-first restart is not cleaned up).

use super::Controller;
use crate::cluster::{Cluster, Notice, StartGate, TaskId, TaskState};
use crate::experiment::Outcome;
use crate::scenario::{
    ActionKind, CURRENT, FailureAction, NEXT, Order, RestartCondition, SwarmStrategy, UpdateConfig,
    VersionId,
};
use crate::sim::Purpose;
use crate::sim::time::{MINUTE, NEVER, SECOND, Time};

/// swarmkit `defaultOldTaskTimeout`: stop-first starts the new task after this even if the
/// old one has not exited.
pub const OLD_TASK_TIMEOUT: Time = MINUTE;

/// `UpdateStatus.State` (`api/types.proto`), plus "no update yet".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateState {
    /// No update has run.
    None,
    /// `UPDATING`.
    Updating,
    /// `PAUSED`.
    Paused,
    /// `COMPLETED`.
    Completed,
    /// `ROLLBACK_STARTED`.
    RollbackStarted,
    /// `ROLLBACK_PAUSED`.
    RollbackPaused,
    /// `ROLLBACK_COMPLETED`.
    RollbackCompleted,
}

impl UpdateState {
    /// The trace's name.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateState::None => "none",
            UpdateState::Updating => "updating",
            UpdateState::Paused => "paused",
            UpdateState::Completed => "completed",
            UpdateState::RollbackStarted => "rollback_started",
            UpdateState::RollbackPaused => "rollback_paused",
            UpdateState::RollbackCompleted => "rollback_completed",
        }
    }
}

/// What a worker is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Worker {
    /// Waiting for a slot.
    Idle,
    /// Waiting for its new task to be seen at state ≥ RUNNING.
    Waiting { slot: u32, task: TaskId },
    /// Sleeping `delay` after a slot.
    Sleeping,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Handing slots to workers; failures are watched.
    Dispatching,
    /// All slots handed out; waiting for workers; failures queue up.
    Draining,
    /// The final monitoring window.
    Final,
    /// Completed, paused or cancelled.
    Done,
}

/// The updater's bookkeeping about one task.
#[derive(Debug, Clone, Copy)]
struct Track {
    /// Run that created it (`updatedTasks`), 0 if none.
    run: u32,
    /// When the updater saw it at state ≥ RUNNING (`NEVER` = zero time).
    seen_running: Time,
    /// Already counted as a failure.
    counted: bool,
    /// Stop-first: the new task waiting for this (old) one to exit.
    releases: Option<TaskId>,
}

const NO_TRACK: Track = Track {
    run: 0,
    seen_running: NEVER,
    counted: false,
    releases: None,
};

/// Timer kinds (top byte of the payload).
const TIMER_WORKER: u64 = 1;
const TIMER_FINAL: u64 = 2;
const TIMER_OLD_TASK: u64 = 3;

fn timer(kind: u64, run: u32, index: u32) -> u64 {
    kind << 56 | (run as u64) << 32 | index as u64
}

/// One updater run (`Updater.Run`).
#[derive(Debug, Default)]
struct Run {
    /// Generation; 0 means no run.
    id: u32,
    cfg: Option<UpdateConfig>,
    rollback: bool,
    dirty: Vec<u32>,
    next: usize,
    workers: Vec<Worker>,
    failures: u32,
    monitor: Time,
    phase: Option<Phase>,
    queued: Vec<TaskId>,
}

/// The Swarm service controller of one trial.
pub struct Swarm<'s> {
    cfg: &'s SwarmStrategy,
    /// `Spec`: the version tasks should run.
    spec: VersionId,
    /// `PreviousSpec`.
    previous: Option<VersionId>,
    state: UpdateState,
    state_at: Time,
    run: Run,
    runs: u32,
    track: Vec<Track>,
    slot_restarts: Vec<u32>,
    failures_total: u32,
}

impl<'s> Swarm<'s> {
    /// A controller for these settings.
    pub fn new(cfg: &'s SwarmStrategy) -> Swarm<'s> {
        Swarm {
            cfg,
            spec: CURRENT,
            previous: None,
            state: UpdateState::None,
            state_at: 0,
            run: Run::default(),
            runs: 0,
            track: Vec::new(),
            slot_restarts: Vec::new(),
            failures_total: 0,
        }
    }

    /// The updater's state.
    pub fn state(&self) -> UpdateState {
        self.state
    }

    fn set_state(
        &mut self,
        cl: &mut Cluster,
        state: UpdateState,
        message: impl FnOnce() -> Option<String>,
    ) {
        self.state = state;
        self.state_at = cl.now;
        cl.trace_update(state.as_str(), message);
    }

    fn track(&mut self, task: TaskId) -> &mut Track {
        let i = task as usize;
        if i >= self.track.len() {
            self.track.resize(i + 1, NO_TRACK);
        }
        &mut self.track[i]
    }

    fn tracked(&self, task: TaskId) -> Track {
        self.track.get(task as usize).copied().unwrap_or(NO_TRACK)
    }

    fn new_task(&mut self, cl: &mut Cluster, slot: u32, gate: StartGate) -> TaskId {
        let id = cl.create_task(slot, self.spec, gate);
        *self.track(id) = NO_TRACK;
        id
    }

    // ----- runs ---------------------------------------------------------------------------

    /// `Supervisor.Update`: cancel the running updater (if any) and start a new run.
    fn start_run(&mut self, cl: &mut Cluster, rollback: bool) {
        self.runs += 1;
        let cfg = if rollback {
            self.cfg.rollback.clone()
        } else {
            self.cfg.update.clone()
        };
        let r = &mut self.run;
        r.id = self.runs;
        r.rollback = rollback;
        r.dirty.clear();
        r.next = 0;
        r.failures = 0;
        r.monitor = cfg.monitor;
        r.queued.clear();
        for slot in 0..cl.scenario.service.replicas {
            let mut wanted = cl.slot(slot).iter().filter(|&&t| cl.task(t).is_wanted());
            let dirty = match (wanted.next(), wanted.next()) {
                (Some(&t), None) => cl.task(t).version != self.spec,
                (Some(_), Some(_)) => true,
                (None, _) => false,
            };
            if dirty {
                r.dirty.push(slot);
            }
        }
        // Go map iteration order: a keyed shuffle (Fisher–Yates).
        let mut rng = cl.rng(u32::MAX, 0, r.id, Purpose::SlotOrder);
        for i in (1..r.dirty.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            r.dirty.swap(i, j);
        }
        if r.dirty.is_empty() {
            r.phase = Some(Phase::Done);
            r.cfg = Some(cfg);
            self.complete(cl);
            return;
        }
        let workers = if cfg.parallelism == 0 {
            r.dirty.len()
        } else {
            cfg.parallelism as usize
        };
        r.workers.clear();
        r.workers.resize(workers, Worker::Idle);
        r.phase = Some(Phase::Dispatching);
        r.cfg = Some(cfg);
        self.dispatch(cl);
    }

    fn cfg(&self) -> &UpdateConfig {
        self.run.cfg.as_ref().expect("a run has a config")
    }

    /// Hand slots to idle workers; open the final window once every worker is done.
    fn dispatch(&mut self, cl: &mut Cluster) {
        while self.run.phase == Some(Phase::Dispatching) {
            if self.run.next == self.run.dirty.len() {
                self.run.phase = Some(Phase::Draining);
                break;
            }
            let Some(w) = self.run.workers.iter().position(|&w| w == Worker::Idle) else {
                return;
            };
            let slot = self.run.dirty[self.run.next];
            self.run.next += 1;
            self.update_slot(cl, w, slot);
        }
        if self.run.phase == Some(Phase::Draining)
            && self.run.workers.iter().all(|&w| w == Worker::Idle)
        {
            self.open_final_window(cl);
        }
    }

    /// `worker()` for one slot.
    fn update_slot(&mut self, cl: &mut Cluster, w: usize, slot: u32) {
        let spec = self.spec;
        let wanted: Vec<TaskId> = cl
            .slot(slot)
            .iter()
            .copied()
            .filter(|&t| cl.task(t).is_wanted())
            .collect();
        if let Some(&clean) = wanted.iter().find(|&&t| cl.task(t).version == spec) {
            // useExistingTask: keep the clean task, shut down the others.
            for &t in wanted.iter().filter(|&&t| t != clean) {
                cl.stop_task(t);
            }
            cl.allow_start(clean);
            self.after_slot(cl, w);
            return;
        }
        let order = self.cfg().order;
        let run = self.run.id;
        match order {
            Order::StartFirst => {
                let task = self.new_task(cl, slot, StartGate::Now);
                self.track(task).run = run;
                self.run.workers[w] = Worker::Waiting { slot, task };
            }
            Order::StopFirst => {
                let task = self.new_task(cl, slot, StartGate::Held);
                self.track(task).run = run;
                self.run.workers[w] = Worker::Waiting { slot, task };
                // DelayStart waits on one old task, if it was still ≤ RUNNING.
                let waited = wanted
                    .iter()
                    .copied()
                    .find(|&t| cl.task(t).state <= TaskState::Ready);
                for &t in &wanted {
                    cl.stop_task(t);
                }
                match waited {
                    Some(old) if cl.task(old).is_live() => {
                        self.track(old).releases = Some(task);
                        cl.set_timer(cl.now + OLD_TASK_TIMEOUT, timer(TIMER_OLD_TASK, 0, task));
                    }
                    _ => cl.allow_start(task),
                }
            }
        }
    }

    /// The worker finished its slot: sleep `delay`, then take the next one.
    fn after_slot(&mut self, cl: &mut Cluster, w: usize) {
        let delay = self.cfg().delay;
        if delay == 0 {
            self.run.workers[w] = Worker::Idle;
        } else {
            self.run.workers[w] = Worker::Sleeping;
            cl.set_timer(cl.now + delay, timer(TIMER_WORKER, self.run.id, w as u32));
        }
    }

    fn open_final_window(&mut self, cl: &mut Cluster) {
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
                cl.now + self.run.monitor,
                timer(TIMER_FINAL, self.run.id, 0),
            );
        }
    }

    fn complete(&mut self, cl: &mut Cluster) {
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
    fn watch_failure(&mut self, cl: &mut Cluster, task: TaskId) {
        let run = self.run.id;
        let monitor = self.run.monitor;
        let now = cl.now;
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
                        self.set_state(cl, UpdateState::RollbackStarted, message);
                        self.cancel_run();
                        self.start_run(cl, true);
                    }
                    // "If there is no PreviousSpec, the update errors": it stays where it is.
                    None => self.pause(cl, message),
                }
            }
        }
    }

    fn pause(&mut self, cl: &mut Cluster, message: impl FnOnce() -> Option<String>) {
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

    /// `Cancel()`: stopChan closed, workers abandon their slot and delay.
    fn cancel_run(&mut self) {
        self.run.phase = Some(Phase::Done);
        self.run.workers.iter_mut().for_each(|w| *w = Worker::Idle);
    }

    // ----- the restart supervisor -------------------------------------------------------------

    fn restart(&mut self, cl: &mut Cluster, failed: TaskId) {
        let t = cl.task(failed);
        let slot = t.slot;
        if slot >= cl.scenario.service.replicas {
            return;
        }
        let policy = &cl.scenario.service.restart;
        if policy.condition == RestartCondition::None {
            return;
        }
        let s = slot as usize;
        if s >= self.slot_restarts.len() {
            self.slot_restarts.resize(s + 1, 0);
        }
        if policy.max_attempts > 0 && self.slot_restarts[s] >= policy.max_attempts {
            return;
        }
        self.slot_restarts[s] += 1;
        cl.gauges.restarts += 1;
        let slot_is_dead = !cl.slot(slot).iter().any(|&t| cl.task(t).is_wanted());
        let gate = if self.state == UpdateState::RollbackStarted && slot_is_dead {
            StartGate::Now // the orchestrator's scale-up path: no restart delay
        } else {
            StartGate::NotBefore(cl.now + policy.delay)
        };
        self.new_task(cl, slot, gate);
    }
}

impl Controller for Swarm<'_> {
    fn start(&mut self, cl: &mut Cluster) {
        self.track.clear();
        self.slot_restarts.clear();
        self.failures_total = 0;
        self.runs = 0;
        self.run = Run::default();
        self.spec = CURRENT;
        self.previous = None;
        self.state = UpdateState::None;
        for slot in 0..cl.scenario.service.replicas {
            let t = cl.create_serving_task(slot, CURRENT);
            *self.track(t) = NO_TRACK;
        }
        // `docker service update --image next`.
        self.previous = Some(CURRENT);
        self.spec = NEXT;
        self.set_state(cl, UpdateState::Updating, || None);
        self.start_run(cl, false);
    }

    fn on_task(&mut self, cl: &mut Cluster, n: Notice) {
        let now = cl.now;
        let seen_running = matches!(
            n.state,
            TaskState::Ready | TaskState::Stopped | TaskState::Failed
        );
        // A worker waiting for this task moves on (workers of a paused run still do; a
        // cancelled run has no waiting workers).
        let waiting = |w: &Worker| matches!(*w, Worker::Waiting { task, .. } if task == n.task);
        if let (true, Some(w)) = (seen_running, self.run.workers.iter().position(waiting)) {
            let Worker::Waiting { slot, task } = self.run.workers[w] else {
                unreachable!()
            };
            let tr = self.track(task);
            if tr.seen_running == NEVER {
                tr.seen_running = now;
            }
            if self.cfg().order == Order::StartFirst && n.state == TaskState::Ready {
                let old: Vec<TaskId> = cl
                    .slot(slot)
                    .iter()
                    .copied()
                    .filter(|&t| t != task && cl.task(t).is_wanted())
                    .collect();
                for t in old {
                    cl.stop_task(t);
                }
            }
            self.after_slot(cl, w);
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
        // The failure watch sees every task of the service that ends (state > RUNNING).
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
        if n.state == TaskState::Failed && !cl.task(n.task).stop_requested {
            self.restart(cl, n.task);
        }
        if matches!(
            self.run.phase,
            Some(Phase::Dispatching) | Some(Phase::Draining)
        ) {
            self.dispatch(cl);
        }
    }

    fn on_timer(&mut self, cl: &mut Cluster, payload: u64) {
        let kind = payload >> 56;
        let run = (payload >> 32) as u32 & 0x00ff_ffff;
        let index = payload as u32;
        match kind {
            TIMER_OLD_TASK => cl.allow_start(index),
            TIMER_WORKER
                if run == self.run.id && self.run.workers[index as usize] == Worker::Sleeping =>
            {
                self.run.workers[index as usize] = Worker::Idle;
                self.dispatch(cl);
            }
            TIMER_FINAL if run == self.run.id && self.run.phase == Some(Phase::Final) => {
                self.complete(cl)
            }
            _ => {}
        }
    }

    fn on_action(&mut self, cl: &mut Cluster, action: &ActionKind) {
        match *action {
            ActionKind::Undo => {
                // `docker service rollback`: swap Spec and PreviousSpec.
                let Some(prev) = self.previous else {
                    cl.trace_update("rollback_refused", || {
                        Some("service does not have a previous spec".into())
                    });
                    return;
                };
                self.previous = Some(self.spec);
                self.spec = prev;
                self.set_state(cl, UpdateState::RollbackStarted, || {
                    Some("manually requested rollback".into())
                });
                self.cancel_run();
                self.start_run(cl, true);
            }
            ActionKind::Update(v) => {
                // `docker service update`: clears UpdateStatus (and so a pause), new spec.
                self.previous = Some(self.spec);
                self.spec = v;
                self.set_state(cl, UpdateState::Updating, || None);
                self.cancel_run();
                self.start_run(cl, false);
            }
        }
    }

    fn outcome(&self) -> Option<(Outcome, Time)> {
        let o = match self.state {
            UpdateState::Completed => Outcome::Completed,
            UpdateState::RollbackCompleted => Outcome::RolledBack,
            UpdateState::Paused | UpdateState::RollbackPaused => Outcome::Paused,
            _ => return None,
        };
        Some((o, self.state_at))
    }

    fn update_failures(&self) -> u32 {
        self.failures_total
    }
}
