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
//! Control-plane latencies (`cluster.control_plane`, all zero with `ideal`): a run starts
//! `update_start` after the command that asked for it (update, `rollout: undo`, or the
//! automatic rollback); a worker takes its next slot `delay + next_slot` after its task was
//! RUNNING; a task's own failure reaches the updater, its workers and the restart
//! supervisor `failure_report` after the exit. The cluster adds the per-task ones
//! (`create`, `start`, `start_after_stop`, `stop_signal`, `health_report`). Two measured
//! quirks follow without special cases: with parallelism 1 and delay 0 a task that crashes
//! right after start was already RUNNING, so the next slot is dispatched before the failure
//! is seen (two slots touched); and during the automatic rollback that follows, the
//! in-flight slot's held new task is removed at once while its old container still waits
//! for its stop signal, so the rollback's task of the old version starts next to it.
//!
//! Known simplification: after `update completed` the orchestrator's later reconciles are
//! not modelled (e.g. a slot left with two tasks by a start-first restart is not cleaned up).

use super::Controller;
use crate::cluster::{Cluster, Notice, StartGate, TaskId, TaskState};
use crate::experiment::Outcome;
use crate::scenario::control_plane::Phase as Cp;
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
/// A task's own failure reaches the controller (`failure_report` after it happened).
const TIMER_SEEN: u64 = 4;
/// A requested run starts (`update_start` after the command); index 1 = a rollback.
const TIMER_RUN: u64 = 5;

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
    /// Runs requested so far; a `TIMER_RUN` of an older request is stale.
    requests: u32,
    track: Vec<Track>,
    slot_restarts: Vec<u32>,
    failures_total: u32,
    /// Scratch list of task ids, reused so a slot update allocates nothing.
    scratch: Vec<TaskId>,
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
            requests: 0,
            track: Vec::new(),
            slot_restarts: Vec::new(),
            failures_total: 0,
            scratch: Vec::new(),
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
        if rollback {
            // §8: in ROLLBACK_STARTED a slot whose tasks all stopped is dead; the
            // orchestrator's scale-up path gives it a fresh task of the restored spec at once.
            for slot in 0..cl.scenario.service.replicas {
                if !cl.slot(slot).iter().any(|&t| cl.task(t).is_wanted()) {
                    cl.gauges.restarts += 1;
                    self.new_task(cl, slot, StartGate::Now);
                }
            }
        }
        let r = &mut self.run;
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

    fn update_slot_with(&mut self, cl: &mut Cluster, w: usize, slot: u32, wanted: &[TaskId]) {
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
                for &t in wanted {
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

    /// The worker finished its slot: sleep `delay`, then take the next one (after the
    /// control plane's `next_slot`).
    fn after_slot(&mut self, cl: &mut Cluster, w: usize, slot: u32) {
        let handoff = cl.overhead(Cp::NextSlot, slot, self.spec, self.run.id);
        let delay = self.cfg().delay + handoff;
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
                        self.request_run(cl, true);
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

    /// The orchestrator hands the spec change to a new updater run `update_start` later
    /// (at once with `ideal`); a later request supersedes one still waiting.
    fn request_run(&mut self, cl: &mut Cluster, rollback: bool) {
        self.requests += 1;
        let lag = cl.overhead(Cp::UpdateStart, u32::MAX, self.spec, self.requests);
        if lag == 0 {
            self.launch_run(cl, rollback);
        } else {
            let t = timer(TIMER_RUN, self.requests & 0x00ff_ffff, rollback as u32);
            cl.set_timer(cl.now + lag, t);
        }
    }

    /// `Supervisor.Update`: cancel the running updater, start the new run (an update run
    /// records `UPDATING` with its `StartedAt`; a rollback's state was set by whoever
    /// asked for it).
    fn launch_run(&mut self, cl: &mut Cluster, rollback: bool) {
        if !rollback {
            self.set_state(cl, UpdateState::Updating, || None);
        }
        self.cancel_run();
        self.start_run(cl, rollback);
    }

    /// A task notice as the controller sees it (failures possibly late).
    fn observe(&mut self, cl: &mut Cluster, n: Notice) {
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

    // ----- the restart supervisor -------------------------------------------------------------

    /// `restart.Supervisor.Restart`: replace a failed task with the service's current spec,
    /// started after the restart delay. Other tasks in the slot are not looked at.
    fn restart(&mut self, cl: &mut Cluster, failed: TaskId) {
        let slot = cl.task(failed).slot;
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
        let gate = StartGate::NotBefore(cl.now + policy.delay);
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
        self.requests = 0;
        self.request_run(cl, false);
    }

    fn on_task(&mut self, cl: &mut Cluster, n: Notice) {
        if n.state == TaskState::Failed {
            let t = cl.task(n.task);
            let lag = cl.overhead(Cp::FailureReport, t.slot, t.version, t.attempt);
            if lag > 0 {
                cl.set_timer(cl.now + lag, timer(TIMER_SEEN, 0, n.task));
                return;
            }
        }
        self.observe(cl, n);
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
            TIMER_SEEN => self.observe(
                cl,
                Notice {
                    task: index,
                    state: TaskState::Failed,
                },
            ),
            TIMER_RUN if run == self.requests & 0x00ff_ffff => self.launch_run(cl, index == 1),
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
                self.request_run(cl, true);
            }
            ActionKind::Update(v) => {
                // `docker service update`: clears UpdateStatus (and so a pause), new spec.
                self.previous = Some(self.spec);
                self.spec = v;
                self.request_run(cl, false);
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

#[cfg(test)]
mod tests {
    //! Exact timelines with constant latencies, from the worker-pool rules of
    //! `reference/swarm-update.md`. Completion = ceil(N/p)·(T + d) + final window, where
    //! the final window is `monitor`, or `d + 1s` when `d >= monitor`.
    use super::*;
    use crate::cluster::TraceRecord;
    use crate::experiment::TrialResult;
    use crate::scenario::{Dist, HealthCheck};
    use crate::testkit;
    use crate::trial::Workspace;

    const S: Time = SECOND;

    fn cfg(parallelism: u32, delay: Time, order: Order) -> UpdateConfig {
        UpdateConfig {
            parallelism,
            delay,
            order,
            ..UpdateConfig::default()
        }
    }

    fn run(s: &crate::scenario::Scenario) -> TrialResult {
        Workspace::new(s).run(0)
    }

    fn closed_form(n: u64, p: u64, t: Time, d: Time, monitor: Time) -> Time {
        let rounds = n.div_ceil(p);
        let last = if d >= monitor { d + S } else { monitor };
        rounds * (t + d) + last
    }

    #[test]
    fn worker_pool_timelines_match_the_closed_form() {
        for order in [Order::StopFirst, Order::StartFirst] {
            for (n, p, t, d) in [
                (3, 1, 2, 10),
                (3, 2, 2, 10),
                (6, 2, 3, 0),
                (5, 3, 1, 4),
                (4, 1, 7, 5),
                (10, 4, 2, 6),
            ] {
                let s = testkit::swarm(n, t * S, cfg(p, d * S, order));
                let r = run(&s);
                assert_eq!(r.outcome, Outcome::Completed);
                let want = closed_form(n as u64, p as u64, t * S, d * S, 5 * S);
                assert_eq!(r.duration, want, "{order:?} n={n} p={p} t={t} d={d}");
                match order {
                    Order::StopFirst => {
                        assert_eq!(r.min_ready, n.saturating_sub(p), "min_ready");
                        assert_eq!(r.peak_tasks, n, "peak");
                    }
                    Order::StartFirst => {
                        assert_eq!(r.min_ready, n, "min_ready");
                        assert_eq!(r.peak_tasks, n + p.min(n), "peak");
                    }
                }
            }
        }
    }

    #[test]
    fn parallelism_zero_updates_every_slot_at_once() {
        let s = testkit::swarm(5, 2 * S, cfg(0, 0, Order::StopFirst));
        let r = run(&s);
        assert_eq!(r.duration, 2 * S + 5 * S);
        assert_eq!(r.min_ready, 0);
    }

    #[test]
    fn stop_first_waits_for_the_old_task_and_pulls_meanwhile() {
        // Old task takes 4 s to exit, the pull 3 s: the new one starts at 4 s.
        let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StopFirst));
        s.service.versions[0].shutdown = Dist::Constant(4 * S);
        s.service.versions[1].pull = Dist::Constant(3 * S);
        assert_eq!(run(&s).duration, 4 * S + 2 * S + 5 * S);
        // A pull longer than the stop gates instead.
        s.service.versions[1].pull = Dist::Constant(9 * S);
        assert_eq!(run(&s).duration, 9 * S + 2 * S + 5 * S);
    }

    #[test]
    fn stop_first_gives_up_waiting_after_one_minute() {
        let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StopFirst));
        s.service.versions[0].shutdown = Dist::Constant(100 * S);
        s.service.stop_grace_period = Some(120 * S);
        let r = run(&s);
        assert_eq!(r.duration, 60 * S + 2 * S + 5 * S);
        assert_eq!(r.peak_tasks, 2, "old and new hold resources together");
    }

    #[test]
    fn start_first_does_not_wait_for_the_old_task() {
        let mut s = testkit::swarm(2, 2 * S, cfg(1, 0, Order::StartFirst));
        s.service.versions[0].shutdown = Dist::Constant(30 * S);
        let r = run(&s);
        assert_eq!(r.duration, 2 * 2 * S + 5 * S);
        // Slot 1: old (terminating) + new; slot 2: old + new starting: 4 tasks at t in (2,4).
        assert_eq!(r.peak_tasks, 4);
        assert_eq!(r.min_ready, 2);
    }

    #[test]
    fn healthcheck_gates_running() {
        // Start 2 s, ready 0.5 s later, probe interval 1 s (no start period): healthy at +1 s.
        let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
        s.service.versions[1].ready_after = Dist::Constant(S / 2);
        s.service.healthcheck = Some(HealthCheck {
            interval: S,
            ..HealthCheck::default()
        });
        assert_eq!(run(&s).duration, 3 * 3 * S + 5 * S);
        // The default 30 s interval: each slot takes 32 s.
        s.service.healthcheck = Some(HealthCheck::default());
        assert_eq!(run(&s).duration, 3 * 32 * S + 5 * S);
    }

    #[test]
    fn a_crash_on_start_pauses_at_the_first_failure() {
        let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
        s.service.versions[1].crash_probability = 1.0;
        let r = run(&s);
        assert_eq!((r.outcome, r.duration), (Outcome::Paused, 2 * S));
        assert_eq!(r.update_failures, 1);
        assert_eq!(r.min_ready, 2);
    }

    #[test]
    fn continue_ignores_failures_and_completes() {
        let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
        s.service.versions[1].crash_probability = 1.0;
        swarm_cfg(&mut s).update.failure_action = FailureAction::Continue;
        let r = run(&s);
        assert_eq!(
            (r.outcome, r.duration),
            (Outcome::Completed, 3 * 2 * S + 5 * S)
        );
        assert_eq!(r.update_failures, 0);
        // Each crashed slot got a replacement 5 s later; replacements crash too.
        assert!(r.restarts >= 3);
    }

    use crate::testkit::swarm_cfg;

    #[test]
    fn max_failure_ratio_is_strict_over_dirty_slots() {
        // 4 slots, every new task crashes; ratio 0.5 tolerates 2 failures (2/4 = 0.5 is not
        // > 0.5), and the third triggers the pause at 3 × 2 s.
        let mut s = testkit::swarm(4, 2 * S, cfg(1, 0, Order::StartFirst));
        s.service.versions[1].crash_probability = 1.0;
        swarm_cfg(&mut s).update.max_failure_ratio = 0.5;
        let r = run(&s);
        assert_eq!(
            (r.outcome, r.duration, r.update_failures),
            (Outcome::Paused, 6 * S, 3)
        );
    }

    #[test]
    fn failures_after_the_monitor_window_do_not_count() {
        // Slot A runs at 2 s, slot B at 4 s, final window 4..9 s. The new version dies 6 s
        // after its process starts: A at 8 s is 6 s after RUNNING > monitor 5 s, not
        // counted; B would die at 10 s, after `update completed` at 9 s.
        let mut s = testkit::swarm(2, 2 * S, cfg(1, 0, Order::StartFirst));
        s.service.versions[1].crash_after = Dist::Constant(6 * S);
        let r = run(&s);
        assert_eq!(
            (r.outcome, r.duration, r.update_failures),
            (Outcome::Completed, 9 * S, 0)
        );
        // With monitor 10 s, A's death counts and pauses the update at 8 s.
        swarm_cfg(&mut s).update.monitor = 10 * S;
        let r = run(&s);
        assert_eq!((r.outcome, r.duration), (Outcome::Paused, 8 * S));
    }

    #[test]
    fn a_long_delay_stretches_the_final_monitor_to_delay_plus_one_second() {
        // Delay 10 s >= monitor 5 s: the final window is 11 s and its monitor check too, so
        // slot B's death 8 s after RUNNING (read when the window opens) still counts.
        let mut s = testkit::swarm(2, 2 * S, cfg(1, 10 * S, Order::StartFirst));
        s.service.versions[1].crash_after = Dist::Constant(8 * S);
        let r = run(&s);
        assert_eq!((r.outcome, r.duration), (Outcome::Paused, 24 * S));
    }

    #[test]
    fn the_final_window_watches_the_last_slot() {
        // One slot; the new task dies 4 s after RUNNING, within the 5 s final window.
        let mut s = testkit::swarm(1, 2 * S, cfg(1, 0, Order::StopFirst));
        s.service.versions[1].crash_after = Dist::Constant(4 * S);
        let r = run(&s);
        assert_eq!((r.outcome, r.duration), (Outcome::Paused, 6 * S));
    }

    #[test]
    fn rollback_restores_the_previous_version_with_rollback_config() {
        // Stop-first, every new task crashes at start (2 s). The failed slot is restarted
        // with `next` (held 5 s), then the rollback run replaces it with `current`: 2 s to
        // start, then the rollback's 5 s final window: rolled back at 2 + 2 + 5 = 9 s.
        let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
        s.service.versions[1].crash_probability = 1.0;
        swarm_cfg(&mut s).update.failure_action = FailureAction::Rollback;
        let (r, trace) = Workspace::new(&s).run_traced(0);
        assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 9 * S));
        let states: Vec<&str> = trace
            .iter()
            .filter_map(|e| match e {
                TraceRecord::Update { state, .. } => Some(*state),
                _ => None,
            })
            .collect();
        assert_eq!(
            states,
            ["updating", "rollback_started", "rollback_completed"]
        );
    }

    #[test]
    fn a_rollback_is_never_rolled_back() {
        // Both versions crash on start; the rollback run's failure pauses it.
        let mut s = testkit::swarm(2, 2 * S, cfg(1, 0, Order::StopFirst));
        s.service.versions[1].crash_probability = 1.0;
        s.service.versions[0].crash_probability = 1.0;
        let c = swarm_cfg(&mut s);
        c.update.failure_action = FailureAction::Rollback;
        c.rollback.failure_action = FailureAction::Rollback;
        let r = run(&s);
        assert_eq!(r.outcome, Outcome::Paused);
    }

    #[test]
    fn a_task_that_never_fits_blocks_the_update_until_the_horizon() {
        // Start-first on a node with room for exactly the replicas: the new task stays Pending.
        let mut s = testkit::swarm(2, 2 * S, cfg(1, 0, Order::StartFirst));
        s.cluster.nodes[0].cpu_millis = 200;
        s.horizon = 600 * S;
        let r = run(&s);
        assert_eq!((r.outcome, r.duration), (Outcome::Timeout, 600 * S));
        // Stop-first frees the room first and completes.
        swarm_cfg(&mut s).update.order = Order::StopFirst;
        assert_eq!(run(&s).outcome, Outcome::Completed);
    }

    #[test]
    fn manual_rollback_action_swaps_specs() {
        // `docker service rollback` at 3 s: slot 1 done (2 s), slot 2 in flight.
        let mut s = testkit::swarm(3, 2 * S, cfg(1, 0, Order::StopFirst));
        s.actions = vec![crate::scenario::Action {
            at: 3 * S,
            kind: ActionKind::Undo,
        }];
        // The rollback run (stop-first, parallelism 1) redoes the two touched slots from
        // 3 s: 3→5, 5→7, then its 5 s final window.
        let r = run(&s);
        assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 12 * S));
    }

    /// A control plane of constant phases.
    fn constant(phases: &[(Cp, Time)]) -> crate::scenario::ControlPlane {
        let mut cp = crate::scenario::ControlPlane::ideal();
        for &(p, t) in phases {
            cp.set(p, Dist::Constant(t));
        }
        cp
    }

    const MS: Time = crate::sim::time::MILLISECOND;

    #[test]
    fn constant_control_plane_timelines_are_exact() {
        let cp = constant(&[
            (Cp::UpdateStart, 50 * MS),
            (Cp::Create, 200 * MS),
            (Cp::Start, 400 * MS),
            (Cp::StopSignal, S),
            (Cp::StartAfterStop, 500 * MS),
            (Cp::NextSlot, 100 * MS),
        ]);
        // Stop-first: the stop signal (1 s) hides the create (0.2 s); then 0.5 s to start,
        // 0.1 s to the next slot: 1.6 s a slot, after the 50 ms update start.
        let mut s = testkit::swarm(3, 0, cfg(1, 0, Order::StopFirst));
        s.cluster.control_plane = cp.clone();
        let r = run(&s);
        assert_eq!(r.duration, 50 * MS + 3 * 1600 * MS + 5 * S);
        assert_eq!((r.min_ready, r.peak_tasks), (2, 4));
        // Start-first: create + start + hand-off, 0.7 s a slot; the old tasks' stop signals
        // run in parallel.
        swarm_cfg(&mut s).update.order = Order::StartFirst;
        let r = run(&s);
        assert_eq!(r.duration, 50 * MS + 3 * 700 * MS + 5 * S);
        assert_eq!(r.min_ready, 3);
    }

    #[test]
    fn an_early_crash_is_seen_after_the_next_slot_was_taken() {
        let phases = |failure_report| {
            constant(&[
                (Cp::StopSignal, S),
                (Cp::StartAfterStop, 500 * MS),
                (Cp::NextSlot, 100 * MS),
                (Cp::FailureReport, failure_report),
            ])
        };
        let mut s = testkit::swarm(3, 0, cfg(1, 0, Order::StopFirst));
        s.service.versions[1].crash_probability = 1.0;
        let slots = |trace: &[TraceRecord]| {
            let mut v: Vec<u32> = trace
                .iter()
                .filter_map(|e| match *e {
                    TraceRecord::Task {
                        slot, version: 1, ..
                    } => Some(slot),
                    _ => None,
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        // RUNNING and failed at 1.5 s; the worker takes the next slot at 1.6 s; the failure
        // is seen at 1.7 s: two slots touched.
        s.cluster.control_plane = phases(200 * MS);
        let (r, trace) = Workspace::new(&s).run_traced(0);
        assert_eq!((r.outcome, r.duration), (Outcome::Paused, 1700 * MS));
        assert_eq!(slots(&trace), 2);
        // Seen at 1.55 s, before the hand-off: one slot.
        s.cluster.control_plane = phases(50 * MS);
        let (r, trace) = Workspace::new(&s).run_traced(0);
        assert_eq!((r.outcome, r.duration), (Outcome::Paused, 1550 * MS));
        assert_eq!(slots(&trace), 1);
    }
}
