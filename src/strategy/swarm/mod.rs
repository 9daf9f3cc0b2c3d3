//! The Docker Swarm updater and restart supervisor, after `moby/swarmkit` v2.1.2
//! (`manager/orchestrator/update/updater.go`, `restart/restart.go`).
//!
//! One updater *run* (`Updater.Run`) handles the dirty slots of one spec change:
//!
//! * `parallelism` workers (0 = one per dirty slot) take slots from an unbuffered channel
//!   in a random order (`replicated/services.go` `reconcile` collects them from a Go map);
//!   a worker handles its slot, then sleeps `delay`, after every slot including the last
//!   (`Updater.worker`). No batch barrier.
//! * stop-first: the new task is created held and the old one told to stop; the new one
//!   starts when the old one has exited, or after the 1-minute `defaultOldTaskTimeout`
//!   (`updateTask`, `restart.Supervisor.DelayStart`). start-first: the new task starts at
//!   once and the old one is told to stop only if the new one reached RUNNING
//!   (`updateTask`). A slot that already has a task of the spec keeps it and shuts down
//!   the others (`useExistingTask`; which one it keeps: [`workers`]); if that task has not started (held, or in its
//!   restart delay) it starts once the last task shut down has stopped (or after the
//!   1-minute timeout), its pending delay cancelled (a kept task that failed in its
//!   restart delay is restarted only when the new one is over; a task still held for its
//!   own old task starts only when the new wait is over, not when the first one would
//!   have been), and the worker waits for that start.
//! * A worker reads its slot as the run read it when it started (`Updater.Run` is handed
//!   `reconcile`'s slots and passes them to `worker()`), not as the slot is now: a task
//!   the restart supervisor created since is neither used nor shut down. If every task
//!   to shut down was shut down since (the restart supervisor set its desired state to
//!   SHUTDOWN), `removeOldTasks` fails: stop-first creates the new task and removes the
//!   old ones in one store batch, which the failure aborts (`store.Batch`), so the slot
//!   keeps the supervisor's replacement alone and the worker sleeps `delay`;
//!   `useExistingTask`'s batch is aborted the same way. start-first has created and
//!   started its new task before it removes the old ones, and only logs the failure, so
//!   such a slot (an old task on a lost node, say) keeps two tasks of the spec.
//! * The failure watch counts tasks created by this run that end within `monitor` of being
//!   seen RUNNING (or before), once each; the action fires when
//!   `failures / dirty slots > max_failure_ratio` in `f32`, strictly
//!   (`failureTriggersAction` in `Updater.Run`). The watch is read while slots are being
//!   handed out and during the final window; failures in between (workers finishing their
//!   last slots) are read when the final window opens, and the monitor check is made then,
//!   as `Updater.Run` reads its watch channel only in those two `select` loops.
//! * After every worker is done: a final window of `monitor`, or `delay + 1s` when
//!   `delay >= monitor`, then `update completed` (`Updater.Run`, `completeUpdate`).
//! * pause stops dispatching but lets busy workers finish; rollback restores the previous
//!   spec and starts a rollback run with `rollback_config`; a rollback is never rolled back
//!   (`pauseUpdate`, `rollbackUpdate`). The restart supervisor replaces failed tasks with
//!   the service's current spec after the restart delay (`restart.Supervisor.Restart`);
//!   during a rollback, a slot left with no task gets a fresh one at once, as the
//!   scale-up path does (`UpdatableTasksInSlot` counts it dead, `reconcile` → `addTasks`).
//!   A task that ends before its delayed start is over (a pull failure during the
//!   restart delay, or a stop-first task rejected while held for the old one) is
//!   restarted only once that delay is (`Restart` → `waitRestart`), and its worker reads
//!   its end only then (`updateTask` waits for `DelayStart` first).
//!   Outside a rollback, a slot whose newest task ended and was not restarted (restart
//!   policy) is handed to the updater with that task (`UpdatableTasksInSlot`), so it is
//!   dirty if that task is of another spec, and the updater gives it a new task.
//!
//! Nothing waits for a Pending task with a timeout (the wait in `updateTask` has none, a
//! TODO upstream): an update blocked by a full cluster never finishes, and the trial ends
//! at the horizon.
//!
//! Control-plane latencies (`cluster.control_plane`, all zero with `ideal`): a run starts
//! `update_start` after the command that asked for it (update, `rollout: undo`, or the
//! automatic rollback); a worker takes its next slot `delay + next_slot` after its task was
//! RUNNING; a task's own failure reaches the updater, its workers and the restart
//! supervisor `failure_report` after the exit. Until then the manager reads the task
//! RUNNING, desired RUNNING: it stays its slot's task for the orchestrator and the
//! updater, so a run (or rollback) starting meanwhile finds the slot dirty, not dead, and
//! its worker shuts the task down and waits for the report to start the replacement
//! (`removeOldTasks`, `DelayStart`); a task shut down so is not restarted when the report
//! arrives. The cluster adds the per-task ones
//! (`create`, `start`, `start_after_stop`, `stop_signal`, `health_report`). Two measured
//! quirks follow without special cases: with parallelism 1 and delay 0 a task that crashes
//! right after start was already RUNNING, so the next slot is dispatched before the failure
//! is seen (two slots touched); and during the automatic rollback that follows, the
//! in-flight slot's held new task is removed at once while its old container still waits
//! for its stop signal, so the rollback's task of the old version starts next to it.
//!
//! `scale: N` ([`scale`]): the replicated orchestrator adds or removes slots and the
//! updater restarts over the new slot set.
//!
//! `rollout: restart` is `docker service update --force`: a spec whose `ForceUpdate` is one
//! more ([`spec`]), so every task is dirty, of the same image too, and a new run replaces
//! them all.
//!
//! A service update (image or scale) whose spec equals the one the running updater works
//! towards starts no run: `Supervisor.Update` leaves that updater alone
//! (`reflect.DeepEqual`), but `UpdateService` cleared `UpdateStatus`, so the run's
//! `completeUpdate`, `pauseUpdate` and `rollbackUpdate` write nothing (state `none`, no
//! outcome). Its workers' tasks keep the run's `SpecVersion` (`NewTask` from
//! `u.newService`).
//!
//! Known simplification: after `update completed` the orchestrator's later reconciles are
//! not modelled (e.g. a slot left with two tasks by a start-first restart is not cleaned up).
//!
//! Files: [`run`] the run's state and its lifecycle (request, start, cancel); [`workers`]
//! the worker pool handing out slots and reacting to task notices; [`failures`] the failure
//! watch, pause, rollback and the final window; [`restart`] the restart supervisor; [`drain`]
//! the replicated orchestrator's answer to a drained node; [`global`] the global
//! orchestrator's (`service.mode: global`); [`spec`] what makes a task dirty.

mod drain;
pub(crate) mod entry;
mod failures;
mod global;
mod node_down;
mod pool;
mod restart;
mod run;
mod scale;
mod spec;
mod workers;

use super::{Controller, Metrics};
use crate::cluster::node_drain::DrainTurn;
use crate::cluster::task::set_at;
use crate::cluster::{
    Cluster, NodeId, NodeNotice, Notice, SOLE_OWNER, StartGate, StateSet, TaskId, TaskState,
};
use crate::result::Outcome;
use crate::scenario::control_plane::Phase as Cp;
use crate::scenario::{ActionKind, CURRENT, NEXT, ServiceMode, SwarmStrategy, UpdateConfig};
use crate::sim::time::{MINUTE, Time};
use restart::RestartHistory;
use run::{NO_TRACK, Phase, Run, Timer, Track, Worker, same_run};
use spec::TaskSpec;

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

/// The Swarm service controller of one trial.
pub struct Swarm<'s> {
    cfg: &'s SwarmStrategy,
    /// `Spec.Task`: the version tasks should run, and its `ForceUpdate`.
    spec: TaskSpec,
    /// `PreviousSpec.Task`.
    previous: Option<TaskSpec>,
    /// `Spec.Mode.Replicated.Replicas`.
    replicas: u32,
    /// `PreviousSpec`'s replica count.
    previous_replicas: u32,
    /// `SpecVersion`: which write of the spec tasks are created from. Every service update
    /// (image or scale) is a new one; a rollback restores the previous one.
    spec_gen: u32,
    /// `PreviousSpecVersion`.
    previous_gen: u32,
    /// Spec versions written so far (the fleet's is 0).
    gens: u32,
    /// Each task's `SpecVersion`, by id (0 past the end: the fleet).
    task_gen: Vec<u32>,
    /// Whether a spec of this trial was forced (`docker service update --force`); until
    /// then every task's `ForceUpdate` is 0 and `task_force` is not written.
    forced: bool,
    /// Each task's `ForceUpdate`, by id, once `forced` (0 past the end).
    task_force: Vec<u32>,
    /// The service's slots (sorted): `0..replicas` until a scale changes them.
    slots: Vec<u32>,
    /// A global service (`service.mode: global`): slot `i` is tied to the `i`th node the
    /// constraints allow ([`global`]).
    global: bool,
    state: UpdateState,
    state_at: Time,
    run: Run,
    runs: u32,
    /// Runs requested so far; a `Timer::Run` of an older request is stale.
    requests: u32,
    track: Vec<Track>,
    slot_restarts: Vec<RestartHistory>,
    /// Per slot: the spec of its newest task, if that task ended and the restart
    /// supervisor declined to replace it (`shouldRestart` false), so the slot has no task
    /// until the next run gives it one; `None` once a task is created for the slot.
    dead: Vec<Option<TaskSpec>>,
    /// Per slot: a task that failed and is not restarted yet, [`run::NO_TASK`] if none:
    /// one that failed before its delayed start, whose restart waits for that delay
    /// ([`Track::restart_waits`]; its desired state is still READY upstream, as the
    /// delay never set it to RUNNING), or one whose failure has not reached the manager
    /// ([`Track::unreported`]; desired RUNNING). Either way its desired state is at
    /// most RUNNING, so the updater counts it as the slot's task.
    waiting_restart: Vec<TaskId>,
    /// Tasks a run kept while they were still held and gave a new delayed start
    /// (`useExistingTask`), each with the last such run: a `Timer::OldTask` of an earlier
    /// run for one of them is stale ([`Swarm::wait_is_current`]). Rare, so a short list.
    rewaited: Vec<(TaskId, u32)>,
    /// Tasks on a drained or down node whose restart waits for their delayed start (held
    /// for an old task, or in a restart delay): `Restart` found their `DelayStart` pending
    /// and left them to `waitRestart` ([`drain`]). Rare, so a short list.
    node_restart_waits: Vec<TaskId>,
    failures_total: u32,
    /// Set while [`Controller::start`] requests the first run: the snapshot the trial's
    /// fleet is a copy of ([`Cluster::copied_fleet`]), if it is one.
    fleet_copy: Option<u64>,
    /// The first run's read of a copied fleet (the snapshot's number, then the dirty
    /// slots, their tasks, spans and desired states in slot order), kept from trial to
    /// trial: see [`Swarm::start_run`].
    first_read: Option<run::FirstRead>,
}

impl<'s> Swarm<'s> {
    /// A controller for these settings.
    pub fn new(cfg: &'s SwarmStrategy) -> Swarm<'s> {
        Swarm {
            cfg,
            spec: TaskSpec::of(CURRENT),
            previous: None,
            replicas: 0,
            previous_replicas: 0,
            spec_gen: 0,
            previous_gen: 0,
            gens: 0,
            task_gen: Vec::new(),
            forced: false,
            task_force: Vec::new(),
            slots: Vec::new(),
            global: false,
            state: UpdateState::None,
            state_at: 0,
            run: Run::default(),
            runs: 0,
            requests: 0,
            track: Vec::new(),
            slot_restarts: Vec::new(),
            dead: Vec::new(),
            waiting_restart: Vec::new(),
            rewaited: Vec::new(),
            node_restart_waits: Vec::new(),
            failures_total: 0,
            fleet_copy: None,
            first_read: None,
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
        self.state_at = cl.now();
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

    /// Set the bookkeeping of `task`, which may be past the end of the list (ids grow
    /// by one with every task created, so it is usually just past it).
    fn set_track(&mut self, task: TaskId, tr: Track) {
        set_at(&mut self.track, task, NO_TRACK, tr);
    }

    /// `UpdateService` with a new spec of `version` (the replica count is set by the
    /// caller): the spec in force becomes `PreviousSpec`, and the new one gets a new
    /// `SpecVersion` (manager/controlapi/service.go).
    fn write_spec(&mut self, spec: TaskSpec) {
        self.previous = Some(self.spec);
        self.previous_replicas = self.replicas;
        self.previous_gen = self.spec_gen;
        self.forced |= spec.force_update != 0;
        self.spec = spec;
        self.gens += 1;
        self.spec_gen = self.gens;
    }

    /// A new task of the spec for `slot`, created by no worker.
    fn new_task(&mut self, cl: &mut Cluster, slot: u32, gate: StartGate) -> TaskId {
        cl.set_spec_version(self.spec_gen);
        let id = cl.create_task(slot, self.spec.version, SOLE_OWNER, gate);
        self.set_track(id, NO_TRACK);
        self.created(id, slot, self.spec_gen);
        id
    }

    /// Bookkeeping of a task just created for `slot` from the spec in force: it has
    /// `SpecVersion` `generation` and the spec's `ForceUpdate`, and the slot a task.
    fn created(&mut self, id: TaskId, slot: u32, generation: u32) {
        set_at(&mut self.task_gen, id, 0, generation);
        if self.forced {
            set_at(&mut self.task_force, id, 0, self.spec.force_update);
        }
        self.revive(slot);
    }

    /// `task`'s spec: its version and `ForceUpdate`.
    fn spec_of(&self, cl: &Cluster, task: TaskId) -> TaskSpec {
        TaskSpec {
            version: cl.task(task).version,
            force_update: self.force_of(task),
        }
    }

    /// `task`'s `ForceUpdate`.
    fn force_of(&self, task: TaskId) -> u32 {
        if self.forced {
            self.task_force.get(task as usize).copied().unwrap_or(0)
        } else {
            0
        }
    }

    /// Whether `task` is of the spec in force (`!IsTaskDirty`, for what the simulator
    /// varies): the version first, as a forced spec is rare.
    fn of_spec(&self, cl: &Cluster, task: TaskId) -> bool {
        cl.task(task).version == self.spec.version
            && (!self.forced || self.force_of(task) == self.spec.force_update)
    }

    /// `task`'s `SpecVersion`.
    fn gen_of(&self, task: TaskId) -> u32 {
        self.task_gen.get(task as usize).copied().unwrap_or(0)
    }

    /// `slot` has a task again.
    fn revive(&mut self, slot: u32) {
        if let Some(d) = self.dead.get_mut(slot as usize) {
            *d = None;
        }
    }

    /// The restart supervisor declined to replace `slot`'s newest task, of `spec`.
    fn mark_dead(&mut self, slot: u32, spec: TaskSpec) {
        let s = slot as usize;
        if s >= self.dead.len() {
            self.dead.resize(s + 1, None);
        }
        self.dead[s] = Some(spec);
    }

    /// Whether `slot` is left with no task, its newest one of another spec and not to be
    /// restarted: `UpdatableTasksInSlot` hands such a slot to the
    /// updater with that task, which is dirty, so the updater gives the slot a new task.
    fn dead_and_stale(&self, slot: u32) -> bool {
        matches!(self.dead.get(slot as usize), Some(&Some(v)) if v != self.spec)
    }

    pub(super) fn cfg(&self) -> &UpdateConfig {
        self.run.cfg.as_ref().expect("a run has a config")
    }
}

/// The task states the Swarm controller reacts to; notices of the others are not made
/// ([`Cluster::observe_only`]). Why a notice of any other state (pending, pulling,
/// prepared, back-off, starting, running, terminating) does nothing: `on_task` and
/// `observe` act on such a notice only by calling `dispatch` (a worker waits for
/// ready, stopped or failed only). `dispatch` reads nothing but the run's phase, its
/// workers and its next dirty slot, and returns leaving nothing it would do next: no idle
/// worker while dispatching, or not all idle while draining, or a phase it does nothing
/// in (final, done). Every change to those three is followed by `dispatch` in the same
/// handler (`start_run`; the worker timer; `after_slot`, whose callers are inside
/// `dispatch` or in `observe` before its `dispatch`) or makes it do nothing (`cancel_run`,
/// `pause`, `open_final_window`, `complete`). So when such a notice arrives `dispatch` has
/// nothing to do.
const OBSERVED: StateSet = StateSet::of(&[TaskState::Ready, TaskState::Stopped, TaskState::Failed]);

/// [`OBSERVED`] while the serving fleet is created: no worker waits for a task of the
/// fleet, so a Ready notice of one only calls `dispatch`, which has nothing to do (see
/// [`OBSERVED`]); a fleet of N tasks made N such notices a trial.
const OBSERVED_BY_FLEET: StateSet = StateSet::of(&[TaskState::Stopped, TaskState::Failed]);

impl Swarm<'_> {
    /// A task seen FAILED whose report reaches the manager `failure_report` later: the
    /// report is scheduled (`Timer::Seen`) and `true` returned; `false` when it arrives at
    /// once. Out of line and cold: [`Controller::on_task`] is then small enough to be
    /// inlined where the trial's loop hands a notice over (`Inbox::deliver`).
    #[cold]
    #[inline(never)]
    fn report_later(&mut self, cl: &mut Cluster, task: TaskId) -> bool {
        let t = cl.task(task);
        let lag = cl.overhead(Cp::FailureReport, t.slot, t.version, t.attempt);
        if lag == 0 {
            return false;
        }
        // Until the report arrives the manager reads the task RUNNING, desired RUNNING:
        // still the slot's task for the orchestrator and the updater (a rollback starting
        // meanwhile does not find the slot dead, and its worker shuts the task down, so it
        // is not restarted).
        if !t.stop_requested && self.waiting_restart(t.slot).is_none() {
            let slot = t.slot as usize;
            if slot >= self.waiting_restart.len() {
                self.waiting_restart.resize(slot + 1, run::NO_TASK);
            }
            self.waiting_restart[slot] = task;
            self.track(task).unreported = true;
        }
        cl.set_timer(cl.now() + lag, Timer::Seen(task));
        true
    }
}

impl Controller for Swarm<'_> {
    type Timer = Timer;

    fn start(&mut self, cl: &mut Cluster) {
        cl.observe_only(OBSERVED_BY_FLEET);
        self.track.clear();
        self.slot_restarts.clear();
        self.dead.clear();
        self.waiting_restart.clear();
        self.rewaited.clear();
        self.node_restart_waits.clear();
        self.failures_total = 0;
        self.runs = 0;
        self.run.clear();
        self.spec = TaskSpec::of(CURRENT);
        self.previous = None;
        (self.spec_gen, self.previous_gen, self.gens) = (0, 0, 0);
        self.task_gen.clear();
        self.forced = false;
        self.task_force.clear();
        self.state = UpdateState::None;
        self.replicas = cl.scenario.service.replicas;
        self.global = cl.scenario.service.mode == ServiceMode::Global;
        self.previous_replicas = self.replicas;
        self.slots.clear();
        self.slots.extend(0..self.replicas);
        // Every id starts untracked (`track` is empty): one resize covers the fleet.
        let fleet = cl.create_serving_fleet(self.replicas, CURRENT, SOLE_OWNER);
        self.track.resize(fleet.end as usize, NO_TRACK);
        cl.observe_only(OBSERVED);
        // A fleet task is never tracked (created by no run, so the failure watch skips it,
        // and no worker waits for it), so its `Stopped` notice only calls `dispatch`, which
        // has nothing to do (see [`OBSERVED`]); unless stop-first makes it release a new
        // task, which hears it again ([`Cluster::hear_stops_of`]). The fleet's old tasks
        // made half the notices of a rollout.
        cl.quiet_stops_below(fleet.end);
        // `docker service update --image next`.
        self.write_spec(TaskSpec::of(NEXT));
        self.requests = 0;
        // Nothing has changed the copied fleet yet: a run started at once reads it as every
        // copy of its snapshot reads.
        self.fleet_copy = cl.copied_fleet();
        self.request_run(cl, false);
        self.fleet_copy = None;
    }

    fn on_task(&mut self, cl: &mut Cluster, n: Notice) {
        if n.state == TaskState::Failed && self.report_later(cl, n.task) {
            return;
        }
        self.observe(cl, n);
    }

    fn on_timer(&mut self, cl: &mut Cluster, timer: Timer) {
        match timer {
            Timer::OldTask { task, run } if self.wait_is_current(task, run) => {
                self.release(cl, task);
                self.dispatch_if_running(cl);
            }
            Timer::DelayOver(task) => self.restart_delay_over(cl, task),
            Timer::Worker { run, worker }
                if run == self.run.id
                    && self.run.workers.get(worker as usize) == Worker::Sleeping =>
            {
                self.wake(cl, worker as usize)
            }
            Timer::Final { run } if run == self.run.id && self.run.phase == Some(Phase::Final) => {
                self.complete(cl)
            }
            Timer::Seen(task) => self.observe(
                cl,
                Notice {
                    task,
                    state: TaskState::Failed,
                },
            ),
            Timer::Run { request, rollback } if same_run(request, self.requests) => {
                self.launch_run(cl, rollback)
            }
            _ => {}
        }
    }

    fn on_drain(&mut self, cl: &mut Cluster, drain: u32) {
        cl.engine(|cl| match cl.drain_turn(drain) {
            DrainTurn::Begins(node) if self.global => self.shut_down_node(cl, node),
            DrainTurn::Begins(node) => self.restart_tasks_on_node(cl, node),
            DrainTurn::Uncordoned(node) if self.global => self.node_back(cl, node),
            _ => {}
        });
    }

    fn on_node(&mut self, cl: &mut Cluster, node: NodeId, notice: NodeNotice) {
        cl.engine(|cl| self.node_notice(cl, node, notice));
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
                std::mem::swap(&mut self.spec_gen, &mut self.previous_gen);
                let replicas = self.previous_replicas;
                self.previous_replicas = self.replicas;
                self.set_replicas(cl, replicas);
                self.set_state(cl, UpdateState::RollbackStarted, || {
                    Some("manually requested rollback".into())
                });
                self.request_run(cl, true);
            }
            // Refused at parse time for Swarm (Argo Rollouts and loadtester actions).
            ActionKind::Promote
            | ActionKind::PromoteFull
            | ActionKind::Abort
            | ActionKind::Retry
            | ActionKind::Gate(_)
            | ActionKind::RollbackGate(_) => {}
            ActionKind::Update(v) => {
                // `docker service update`: clears UpdateStatus (and so a pause), new spec.
                self.write_spec(self.spec.with_version(v));
                self.request_run(cl, false);
            }
            ActionKind::Restart => {
                // `docker service update --force`: an update whose only change is
                // `ForceUpdate`, so every slot is dirty and goes through `update_config`.
                self.write_spec(self.spec.forced());
                self.request_run(cl, false);
            }
            ActionKind::Scale(n) => self.scale(cl, n),
            // Refused when the scenario is loaded (no Swarm equivalent).
            ActionKind::UndoTo(_) | ActionKind::Pause | ActionKind::Resume => {
                unreachable!("refused for Swarm by the scenario loader")
            }
        }
    }

    /// The updater reacts to each event as it comes; nothing waits for the instant's end.
    fn settles(&self) -> bool {
        false
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

    fn metrics(&self) -> Metrics {
        Metrics {
            update_failures: Some(self.failures_total),
            deadline_exceeded_at: None,
            aborted_at: None,
            dry_run_failed: None,
        }
    }
}

#[cfg(test)]
mod tests;
