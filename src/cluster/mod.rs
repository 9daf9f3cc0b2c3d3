//! The world a trial simulates: nodes, tasks, and what the container engine does to them.
//!
//! The cluster owns the agenda of future events (task steps, controller timers, user
//! actions) because almost every state change schedules the next one. Controllers
//! ([`crate::strategy`]) act on it only through a few verbs — [`Cluster::create_task`],
//! [`Cluster::allow_start`], [`Cluster::stop_task`], [`Cluster::set_timer`] — and hear
//! back through [`Notice`]s, one per task state change, delivered after the event that
//! caused them.
//!
//! Task lifecycle (every latency drawn from the version's distributions, each from its own
//! keyed stream):
//!
//! ```text
//! Pending ─place─► Pulling ─image─► Prepared ─allowed─► Starting ─start─► Running ─health─► Ready
//!    (no room:      (skipped if      (Swarm stop-first    (crash on start      (HEALTHCHECK or
//!     wait)          cached)          waits here)          → Failed)            instant)
//! any live ─stop─► Terminating ─preStop+SIGTERM..grace─► Stopped
//! Running/Ready ─crash_after / unhealthy─► Failed
//! ```
//!
//! With [`Cluster::set_kubelet`] (Kubernetes) the gate is the kubelet's probes instead of
//! the HEALTHCHECK ([`probe`], [`kubelet`]), readiness may flap (Ready ⇄ Running), and a
//! container that dies is restarted in place rather than failing its task:
//!
//! ```text
//! Running/Ready ─crash / probe kill─► BackOff ─CrashLoopBackOff delay─► Starting ─► …
//! ```
//!
//! Availability: a Ready task becomes available [`Cluster::set_min_ready`] later
//! (`minReadySeconds`; 0 for Swarm, where available = ready) and stops being available
//! when it leaves Ready. Becoming available delivers a notice with the unchanged state.
//!
//! Zero-length steps take no event, so a scenario with instant latencies costs a handful
//! of events per task. They are not applied inline either: a step that happens "now" joins
//! a worklist ([`Cluster::due`]) that the outermost engine call drains in a loop once the
//! change that caused it is complete. The call stack therefore never grows with the length
//! of a chain of instant steps (a freed slot placing a task that crashes on start, freeing
//! the slot again, …), whatever the scenario.
//!
//! The control plane ([`control_plane`], `cluster.control_plane`) adds the engine's own
//! latencies where they happen: `create` while the task is `pulling` (Swarm's PREPARING),
//! `start` / `start_after_stop` while it is `starting` (starts on one node share the
//! engine), `stop_signal` between the stop decision and `terminating`, `health_report`
//! after a passing HEALTHCHECK probe. All are zero with `ideal`, so nothing changes then.

pub mod control_plane;
pub mod gauges;
pub mod health;
pub mod kubelet;
pub mod node;
mod node_loss;
pub mod probe;
pub mod scheduler;
pub mod task;
pub mod trace;

use crate::scenario::{Phase, Resources, Scenario, Version, VersionId};
use crate::sim::time::{NEVER, SECOND, Time, after};
use crate::sim::{EventQueue, Key, KeyedRng, Purpose};
pub use gauges::{Gauges, Share, WantedCounts};
use health::{AppTimes, docker_health};
pub use node::Node;
pub use node_loss::{NodeChange, SWARM_NODE_DOWN_AFTER};
use std::collections::VecDeque;
pub use task::{NodeId, Task, TaskId, TaskState};
pub use trace::TraceRecord;

/// Something scheduled to happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The next step of a task's lifecycle; ignored if the task's generation moved on.
    Task {
        /// Which task.
        task: TaskId,
        /// Its generation when scheduled.
        generation: u32,
        /// What happens.
        step: Step,
    },
    /// A controller timer; the payload means what the controller says it means.
    Timer(u64),
    /// The scenario's user action with this index.
    Action(u32),
    /// A node is lost, noticed lost, or back ([`node_loss`]).
    Node {
        /// Which node.
        node: NodeId,
        /// What happens to it.
        change: NodeChange,
    },
}

/// A task lifecycle step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The node has the image.
    ImagePresent,
    /// The restart delay is over.
    StartDelayOver,
    /// The container's process runs.
    ProcessStarted,
    /// The health check passed.
    Healthy,
    /// The container died or was declared unhealthy.
    Died,
    /// The process exited after being told to stop.
    Exited,
    /// Kubernetes: readiness failed `failureThreshold` times; Ready → Running.
    NotReady,
    /// Ready for `minReadySeconds`: the task becomes available.
    Available,
    /// Kubernetes: the image pull back-off is over; pull again.
    RetryPull,
    /// Kubernetes: the lost node's pod outlived its toleration and is evicted.
    Evicted,
    /// The engine acts on a stop decision (after the control plane's `stop_signal`).
    StopSignal,
    /// The engine finished starting the container (stale unless it matches the start's
    /// current end, see [`control_plane::StartQueue`]).
    EngineStarted,
}

/// When a newly created task may start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartGate {
    /// As soon as it is prepared.
    Now,
    /// Only once [`Cluster::allow_start`] is called (Swarm stop-first).
    Held,
    /// Not before this instant (restart delay).
    NotBefore(Time),
}

/// A task changed state; controllers react to these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    /// Which task.
    pub task: TaskId,
    /// Its new state.
    pub state: TaskState,
}

/// The simulated cluster of one trial. Reused across trials (see [`Cluster::reset`]) so
/// a worker thread allocates only while its buffers grow.
pub struct Cluster<'s> {
    /// The scenario being simulated.
    pub scenario: &'s Scenario,
    /// Current simulated time.
    pub now: Time,
    queue: EventQueue<Event>,
    /// Nodes, by index.
    pub nodes: Vec<Node>,
    /// The nodes a task fits on, in placement order (kept up to date with `nodes`).
    node_index: scheduler::NodeIndex,
    /// Every task created in this trial, by index.
    pub tasks: Vec<Task>,
    /// Live tasks of each slot.
    slot_tasks: Vec<Vec<TaskId>>,
    /// Tasks waiting for a node, in arrival order. A task stopped while Pending stays in
    /// the queue (removing it from the middle costs O(queue)) and is skipped when it comes
    /// to the front.
    pending: VecDeque<TaskId>,
    /// Tasks created so far per (slot, version): the next task's `attempt`.
    incarnations: Vec<u32>,
    /// State changes not yet delivered to the controller.
    notices: Vec<Notice>,
    /// Tasks changed since the last [`Cluster::take_changed`], when tracked (for the
    /// traffic model, which must see every change even when a controller drains the
    /// notices itself).
    changed: Option<Vec<TaskId>>,
    /// Counts and extremes.
    pub gauges: Gauges,
    /// Wanted tasks per version and per node, kept as tasks change.
    wanted: WantedCounts,
    /// Tasks whose state, node or desired state changed since the last
    /// [`Cluster::take_edits`], when tracked (with repeats).
    edits: Option<Vec<TaskId>>,
    /// The event log, when this trial is traced.
    pub trace: Option<Vec<TraceRecord>>,
    /// Trial index.
    pub trial: u64,
    /// Events handled so far.
    pub events: u64,
    /// Work done so far: events plus zero-length steps (see [`Cluster::over_budget`]).
    work: u64,
    /// The trial's budget of work (events plus zero-length steps).
    budget: u64,
    /// Delay between deactivating a task's endpoint and signalling it (Swarm's gossip
    /// converge delay for a service with a service binding; 0 otherwise).
    pub stop_signal_delay: Time,
    /// Share of requests per version set by a traffic router (Argo Rollouts); `None`: the
    /// balancer spreads over every endpoint in rotation. See `traffic::routing`.
    pub routing: Option<Vec<f64>>,
    grace: Time,
    /// Kubelet rules: probes, readiness flaps, in-place restarts (Kubernetes).
    kubelet: bool,
    /// `minReadySeconds`: Ready this long makes a task available.
    min_ready: Time,
    /// The kubelet's bookkeeping per task (by task id).
    pods: Vec<kubelet::PodState>,
    /// Container starts in progress, sharing their node's engine.
    starts: control_plane::StartQueue,
    /// Scratch: start ends rescheduled by the last change of [`Cluster::starts`].
    start_ends: Vec<(TaskId, Time)>,
    /// Zero-length steps (task, generation, step) waiting for the current engine call to
    /// finish, in the order they arose.
    due: VecDeque<(TaskId, u32, Step)>,
    /// An engine call is in progress: new zero-length steps wait in `due`.
    busy: bool,
}

impl<'s> Cluster<'s> {
    /// An empty cluster for `scenario`; call [`Cluster::reset`] before each trial.
    pub fn new(scenario: &'s Scenario) -> Cluster<'s> {
        Cluster {
            scenario,
            now: 0,
            queue: EventQueue::new(),
            nodes: Vec::new(),
            node_index: scheduler::NodeIndex::default(),
            tasks: Vec::new(),
            slot_tasks: Vec::new(),
            pending: VecDeque::new(),
            incarnations: Vec::new(),
            notices: Vec::new(),
            changed: None,
            gauges: Gauges::default(),
            wanted: WantedCounts::default(),
            edits: None,
            trace: None,
            trial: 0,
            events: 0,
            work: 0,
            budget: u64::MAX,
            stop_signal_delay: 0,
            routing: None,
            grace: scenario.stop_grace_period(),
            kubelet: false,
            min_ready: 0,
            pods: Vec::new(),
            starts: control_plane::StartQueue::default(),
            start_ends: Vec::new(),
            due: VecDeque::new(),
            busy: false,
        }
    }

    /// Use the kubelet's rules (probes, readiness flaps, CrashLoopBackOff restarts in
    /// place) instead of Docker's (HEALTHCHECK, failed tasks are terminal).
    pub fn set_kubelet(&mut self, on: bool) {
        self.kubelet = on;
    }

    /// `minReadySeconds`: how long a task must be Ready to count as available.
    pub fn set_min_ready(&mut self, min_ready: Time) {
        self.min_ready = min_ready;
    }

    /// Start trial `trial` from an empty cluster.
    pub fn reset(&mut self, trial: u64, traced: bool) {
        let s = self.scenario;
        self.now = 0;
        self.queue.clear();
        self.routing = None;
        let versions = s.service.versions.len();
        if self.nodes.len() == s.cluster.nodes.len() {
            for (node, spec) in self.nodes.iter_mut().zip(&s.cluster.nodes) {
                node.reset(spec, &s.cluster.image_cached);
            }
        } else {
            self.nodes.clear();
            let cached = &s.cluster.image_cached;
            self.nodes.extend(
                s.cluster
                    .nodes
                    .iter()
                    .map(|n| Node::new(n, versions, cached)),
            );
        }
        self.node_index.rebuild(&self.nodes, s.service.resources);
        self.tasks.clear();
        self.pods.clear();
        let slots = s.service.replicas as usize;
        self.slot_tasks
            .resize_with(slots.max(self.slot_tasks.len()), Vec::new);
        self.slot_tasks.iter_mut().for_each(Vec::clear);
        self.pending.clear();
        self.incarnations.clear();
        self.incarnations.resize(slots * versions, 0);
        self.notices.clear();
        if let Some(c) = self.changed.as_mut() {
            c.clear();
        }
        self.gauges.reset();
        self.wanted.reset(versions, self.nodes.len());
        if let Some(e) = self.edits.as_mut() {
            e.clear();
        }
        self.trace = traced.then(Vec::new);
        self.trial = trial;
        self.events = 0;
        self.work = 0;
        self.starts.clear();
        self.due.clear();
        self.busy = false;
    }

    /// Run `f` as one engine call: zero-length steps it causes are applied after it, in
    /// order, by a loop (and those they cause in turn), never by recursion. Nested calls
    /// leave the draining to the outermost.
    pub fn engine<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        if self.busy {
            return f(self);
        }
        self.busy = true;
        let r = f(self);
        while !self.over_budget()
            && let Some((id, generation, step)) = self.due.pop_front()
        {
            self.work += 1;
            self.apply_step(id, generation, step);
        }
        self.busy = false;
        r
    }

    // ----- what controllers read --------------------------------------------------------

    /// The task with this index.
    #[inline]
    pub fn task(&self, id: TaskId) -> &Task {
        &self.tasks[id as usize]
    }

    /// Live tasks of a slot (in creation order).
    pub fn slot(&self, slot: u32) -> &[TaskId] {
        self.slot_tasks
            .get(slot as usize)
            .map_or(&[], Vec::as_slice)
    }

    /// Wanted tasks (live, not told to stop) and how many of them are Ready and
    /// available, for tasks of `version`.
    pub fn wanted_of(&self, version: VersionId) -> (u32, u32, u32) {
        let (w, v) = (&self.wanted, version as usize);
        let get = |c: &Vec<u32>| c.get(v).copied().unwrap_or(0);
        (get(&w.wanted), get(&w.ready), get(&w.available))
    }

    /// Wanted tasks placed on `node`, every version.
    pub fn wanted_on_node(&self, node: NodeId) -> u32 {
        self.wanted.on_node[node as usize]
    }

    /// Record, from now on, which tasks change state, node or desired state (see
    /// [`Cluster::take_edits`]).
    pub fn track_edits(&mut self) {
        self.edits.get_or_insert_with(Vec::new);
    }

    /// The tasks whose state, node or desired state changed since the last call (with
    /// repeats), leaving `buf` (cleared) in their place; nothing unless
    /// [`Cluster::track_edits`] was called.
    pub fn take_edits(&mut self, buf: &mut Vec<TaskId>) {
        buf.clear();
        if let Some(e) = self.edits.as_mut() {
            std::mem::swap(e, buf);
        }
    }

    /// Fold a change of task `id`, whose share was `old`, into the wanted counts and the
    /// edits.
    fn recount(&mut self, id: TaskId, old: Share) {
        let t = &self.tasks[id as usize];
        self.wanted.change(t.version as usize, old, t.share());
        if let Some(e) = self.edits.as_mut() {
            e.push(id);
        }
    }

    /// The version's behaviour.
    pub fn version(&self, v: VersionId) -> &'s Version {
        &self.scenario.service.versions[v as usize]
    }

    /// A random stream of this trial.
    pub fn rng(&self, slot: u32, version: VersionId, attempt: u32, purpose: Purpose) -> KeyedRng {
        Key {
            seed: self.scenario.seed,
            trial: self.trial,
            slot,
            version,
            attempt,
            purpose,
        }
        .rng()
    }

    /// A control-plane latency for the task (slot, version, attempt), from the phase's own
    /// stream; 0 without drawing when the phase is zero.
    pub fn overhead(&self, phase: Phase, slot: u32, version: VersionId, attempt: u32) -> Time {
        let d = self.scenario.cluster.control_plane.phase(phase);
        if d.is_zero() {
            return 0;
        }
        let attempt = control_plane::stream_attempt(attempt, phase);
        d.sample(&mut self.rng(slot, version, attempt, Purpose::ControlPlane))
    }

    // ----- the engine's side -------------------------------------------------------------

    /// Time of the next scheduled event.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    /// Remove and return the next event, advancing the clock to it.
    pub fn pop_event(&mut self) -> Option<Event> {
        let (t, e) = self.queue.pop()?;
        debug_assert!(t >= self.now);
        self.now = t;
        self.events += 1;
        self.work += 1;
        Some(e)
    }

    /// Limit the work of each trial (events plus zero-length steps) to `budget`.
    pub fn set_budget(&mut self, budget: u64) {
        self.budget = budget;
    }

    /// Whether this trial has done more work than its budget: the trial must end (a
    /// chain of instant steps that never settles would otherwise never end).
    pub fn over_budget(&self) -> bool {
        self.work > self.budget
    }

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
    fn notify(&mut self, task: TaskId, state: TaskState) {
        self.notices.push(Notice { task, state });
        if let Some(c) = self.changed.as_mut() {
            c.push(task);
        }
    }

    /// A task's answers changed but not its state (its node was lost): only observers
    /// (the traffic model) need to look again.
    fn touch(&mut self, task: TaskId) {
        if let Some(c) = self.changed.as_mut() {
            c.push(task);
        }
    }

    /// Whether any notice is waiting.
    pub fn has_notices(&self) -> bool {
        !self.notices.is_empty()
    }

    /// Schedule a user action.
    pub fn schedule_action(&mut self, at: Time, index: u32) {
        self.queue.push(at, Event::Action(index));
    }

    /// Apply a task step popped from the queue.
    pub fn handle_step(&mut self, id: TaskId, generation: u32, step: Step) {
        self.engine(|cl| cl.apply_step(id, generation, step));
    }

    fn apply_step(&mut self, id: TaskId, generation: u32, step: Step) {
        if self.tasks[id as usize].generation != generation {
            return;
        }
        match step {
            Step::ImagePresent => {
                if !self.pull_failed(id) {
                    self.try_start(id, Phase::Start);
                }
            }
            Step::StartDelayOver => self.try_start(id, Phase::Start),
            Step::ProcessStarted => self.process_started(id),
            Step::Healthy => {
                self.set_state(id, TaskState::Ready);
                if self.kubelet {
                    self.next_readiness_flip(id, false);
                }
            }
            Step::NotReady => {
                self.set_state(id, TaskState::Running);
                self.next_readiness_flip(id, true);
            }
            Step::Available => self.become_available(id),
            Step::Died => self.fail(id),
            Step::Exited => self.set_state(id, TaskState::Stopped),
            Step::RetryPull => self.fetch_image(id),
            // Deleted by the taint manager: no longer counted, never exits on a lost node.
            Step::Evicted => self.stop_task_now(id),
            Step::StopSignal => self.signal_stop(id),
            Step::EngineStarted => {
                if self.change_starts(|q, now, slow, ends| q.finish(id, now, slow, ends)) {
                    self.container_started(id);
                }
            }
        }
    }

    // ----- what controllers do -----------------------------------------------------------

    /// Schedule a controller timer with an opaque payload.
    pub fn set_timer(&mut self, at: Time, payload: u64) {
        self.queue.push(at, Event::Timer(payload));
    }

    /// Record a rollout state change in the trace.
    pub fn trace_update(&mut self, state: &'static str, message: impl FnOnce() -> Option<String>) {
        if let Some(tr) = self.trace.as_mut() {
            tr.push(TraceRecord::Update {
                t: self.now,
                state,
                message: message(),
            });
        }
    }

    /// Record a ReplicaSet scale in the trace.
    pub fn trace_scale(&mut self, new: u32, old: u32) {
        if let Some(tr) = self.trace.as_mut() {
            tr.push(TraceRecord::Scale {
                t: self.now,
                new,
                old,
            });
        }
    }

    /// Create a task of `version` in `slot` and try to place it at once.
    pub fn create_task(&mut self, slot: u32, version: VersionId, gate: StartGate) -> TaskId {
        self.engine(|cl| cl.create_task_now(slot, version, gate))
    }

    fn create_task_now(&mut self, slot: u32, version: VersionId, gate: StartGate) -> TaskId {
        let versions = self.scenario.service.versions.len();
        let key = slot as usize * versions + version as usize;
        if key >= self.incarnations.len() {
            self.incarnations.resize(key + 1, 0);
        }
        let attempt = self.incarnations[key];
        self.incarnations[key] += 1;
        let mut task = Task::new(slot, version, attempt, self.now);
        match gate {
            StartGate::Now => {}
            StartGate::Held => task.start_allowed = false,
            StartGate::NotBefore(t) => task.start_not_before = t,
        }
        let id = self.tasks.len() as TaskId;
        self.tasks.push(task);
        self.recount(id, Share::default());
        self.pods.push(kubelet::PodState::default());
        if slot as usize >= self.slot_tasks.len() {
            self.slot_tasks.resize_with(slot as usize + 1, Vec::new);
        }
        self.slot_tasks[slot as usize].push(id);
        self.record(id);
        if !self.place(id) {
            self.pending.push_back(id);
        }
        id
    }

    /// Create a task that is already serving at time 0 (the fleet before the rollout).
    pub fn create_serving_task(&mut self, slot: u32, version: VersionId) -> TaskId {
        // The trace shows the fleet as it stands at time 0, not how it got there.
        let trace = self.trace.take();
        let id = self.create_serving_task_untraced(slot, version);
        self.trace = trace;
        self.record(id);
        id
    }

    fn create_serving_task_untraced(&mut self, slot: u32, version: VersionId) -> TaskId {
        self.engine(|cl| cl.create_serving_task_now(slot, version))
    }

    fn create_serving_task_now(&mut self, slot: u32, version: VersionId) -> TaskId {
        let id = self.create_task_now(slot, version, StartGate::Now);
        let t = &self.tasks[id as usize];
        if t.state == TaskState::Pending {
            return id; // the cluster is too small even for the current fleet
        }
        if let Some(node) = t.node {
            self.nodes[node as usize].image_at[version as usize] = 0;
        }
        self.tasks[id as usize].generation += 1; // cancel any pull in flight
        self.begin_process(id, true);
        id
    }

    /// Let a held task start once it is prepared.
    pub fn allow_start(&mut self, id: TaskId) {
        self.engine(|cl| cl.allow_start_now(id));
    }

    fn allow_start_now(&mut self, id: TaskId) {
        let t = &mut self.tasks[id as usize];
        if t.start_allowed || !t.is_live() {
            return;
        }
        t.start_allowed = true;
        if t.state == TaskState::Prepared {
            // Held back (Swarm stop-first) until now: the release goes round the manager.
            self.try_start(id, Phase::StartAfterStop);
        }
    }

    /// Tell a task to stop (desired state shutdown). A task without a running container
    /// stops at once; a running one is acted on after the control plane's `stop_signal`:
    /// it leaves the serving count (`terminating`), then exits after
    /// `stop_signal_delay + min(pre_stop + shutdown, grace)`.
    pub fn stop_task(&mut self, id: TaskId) {
        self.engine(|cl| cl.stop_task_now(id));
    }

    fn stop_task_now(&mut self, id: TaskId) {
        let t = &mut self.tasks[id as usize];
        if !t.is_live() || t.stop_requested {
            return;
        }
        let old = t.share();
        t.stop_requested = true;
        t.generation += 1;
        let state = t.state;
        self.recount(id, old);
        match state {
            TaskState::Pending | TaskState::Pulling | TaskState::Prepared | TaskState::BackOff => {
                self.set_state(id, TaskState::Stopped)
            }
            _ => {
                self.change_starts(|q, now, slow, ends| q.cancel(id, now, slow, ends));
                let t = &self.tasks[id as usize];
                let signal = self.overhead(Phase::StopSignal, t.slot, t.version, t.attempt);
                self.schedule_step(id, signal, Step::StopSignal);
            }
        }
    }

    /// The engine acts on a stop: out of rotation now, exit later.
    pub(super) fn signal_stop(&mut self, id: TaskId) {
        let signal = self.stop_signal_delay + self.scenario.service.pre_stop.min(self.grace);
        let t = &mut self.tasks[id as usize];
        t.stops_answering_at = t.stops_answering_at.min(self.now + signal);
        self.set_state(id, TaskState::Terminating);
        if self.tasks[id as usize].lost {
            return; // nothing runs on a lost node to exit; see `node_up`
        }
        let exit = self.stop_signal_delay + self.time_to_exit(id);
        self.schedule_step(id, exit, Step::Exited);
    }

    // ----- the lifecycle -----------------------------------------------------------------

    /// From the stop decision to the container's exit: preStop, then SIGTERM until the
    /// process exits, cut at the grace period by SIGKILL. A hung process never exits on its
    /// own, so it takes the whole grace period.
    fn time_to_exit(&self, id: TaskId) -> Time {
        let t = &self.tasks[id as usize];
        if t.hang_at <= self.now {
            return self.grace;
        }
        let mut rng = self.rng(t.slot, t.version, t.attempt, Purpose::Shutdown);
        let work = after(
            self.scenario.service.pre_stop,
            self.version(t.version).shutdown.sample(&mut rng),
        );
        work.min(self.grace)
    }

    /// Schedule a step `delay` from now; a zero-length one waits in the worklist for the
    /// current engine call to finish (see [`Cluster::engine`]).
    fn schedule_step(&mut self, id: TaskId, delay: Time, step: Step) {
        let generation = self.tasks[id as usize].generation;
        if delay == 0 {
            self.engine(|cl| cl.due.push_back((id, generation, step)));
        } else if delay != NEVER {
            self.queue.push(
                self.now + delay,
                Event::Task {
                    task: id,
                    generation,
                    step,
                },
            );
        }
    }

    fn schedule_step_at(&mut self, id: TaskId, at: Time, step: Step) {
        self.schedule_step(
            id,
            at.saturating_sub(self.now)
                .max(if at == NEVER { NEVER } else { 0 }),
            step,
        );
    }

    /// Put a task on a node; `false` if none has room.
    fn place(&mut self, id: TaskId) -> bool {
        let r = self.scenario.service.resources;
        let Some(node) = self.node_index.pick(&self.nodes, r) else {
            return false;
        };
        self.place_on(id, node);
        true
    }

    fn place_on(&mut self, id: TaskId, node: NodeId) {
        let r = self.scenario.service.resources;
        let old = self.tasks[id as usize].share();
        self.tasks[id as usize].node = Some(node);
        self.recount(id, old);
        self.change_node(node, |n| {
            n.cpu_used += r.cpu_millis;
            n.memory_used += r.memory_bytes;
            n.tasks += 1;
        });
        self.fetch_image(id);
    }

    /// Change a node's allocation or `up`, keeping the placement index in order.
    fn change_node(&mut self, node: NodeId, change: impl FnOnce(&mut Node)) {
        let r = self.scenario.service.resources;
        self.node_index.before_change(&self.nodes, node, r);
        change(&mut self.nodes[node as usize]);
        self.node_index.after_change(&self.nodes, node, r);
    }

    /// Make sure the task's node has its image: start it at once if present, otherwise
    /// pull (or wait for the pull already in flight on that node).
    fn fetch_image(&mut self, id: TaskId) {
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let node = t.node.expect("a placed task");
        let create = self.overhead(Phase::Create, slot, version, attempt);
        let n = &mut self.nodes[node as usize];
        let image_at = n.image_at[version as usize];
        if image_at <= self.now && create == 0 {
            self.set_state(id, TaskState::Prepared);
            self.try_start(id, Phase::Start);
            return;
        }
        let pulls = n.pulls;
        if image_at == NEVER {
            n.pulls += 1;
        }
        self.set_state(id, TaskState::Pulling);
        let image = if image_at == NEVER {
            let mut rng = self.rng(node, version, pulls, Purpose::Pull);
            let at = after(self.now, self.version(version).pull.sample(&mut rng));
            self.nodes[node as usize].image_at[version as usize] = at;
            at
        } else {
            image_at.max(self.now) // present, or another task is pulling it already
        };
        // The container is created once the image is there.
        self.tasks[id as usize].awaits_pull = image_at > self.now;
        self.schedule_step_at(id, after(image, create), Step::ImagePresent);
    }

    /// `faults.pull_failure_probability`: whether the pull this task waited for failed
    /// (ErrImagePull). Swarm rejects the task; the kubelet retries after a back-off of
    /// 10 s doubling to 300 s (the same `flowcontrol.Backoff` as CrashLoopBackOff).
    fn pull_failed(&mut self, id: TaskId) -> bool {
        let t = &mut self.tasks[id as usize];
        let pulled = std::mem::take(&mut t.awaits_pull);
        let p = self.scenario.faults.pull_failure(t.version);
        if p == 0.0 || !pulled || t.state != TaskState::Pulling {
            return false;
        }
        let t = &self.tasks[id as usize];
        let stream = (t.attempt << 8) | t.pull_failures.min(255);
        if !self
            .rng(t.slot, t.version, stream, Purpose::PullFailure)
            .chance(p)
        {
            return false;
        }
        let (version, node) = (t.version, t.node.expect("a pulling task is placed"));
        let image = &mut self.nodes[node as usize].image_at[version as usize];
        if *image <= self.now {
            *image = NEVER; // nothing was stored: the next task pulls afresh
        }
        let t = &mut self.tasks[id as usize];
        t.pull_failures += 1;
        if self.kubelet {
            let back_off = (10 * SECOND) << (t.pull_failures - 1).min(5);
            self.schedule_step(id, back_off.min(300 * SECOND), Step::RetryPull);
        } else {
            t.generation += 1;
            self.set_state(id, TaskState::Failed);
        }
        true
    }

    /// Start the container if every gate is open; `phase` is the control-plane latency of
    /// the gate that opened (a held task released, or any other).
    fn try_start(&mut self, id: TaskId, phase: Phase) {
        let t = &self.tasks[id as usize];
        if t.state == TaskState::Pulling {
            self.set_state(id, TaskState::Prepared);
        }
        let t = &self.tasks[id as usize];
        let startable = matches!(t.state, TaskState::Prepared | TaskState::BackOff);
        if !startable || !t.start_allowed {
            return;
        }
        if t.start_not_before > self.now {
            let at = t.start_not_before;
            self.schedule_step_at(id, at, Step::StartDelayOver);
            return;
        }
        let (slot, version, attempt, node) = (t.slot, t.version, t.attempt, t.node);
        self.set_state(id, TaskState::Starting);
        let work = self.overhead(phase, slot, version, attempt);
        if work == 0 {
            self.container_started(id);
            return;
        }
        let node = node.expect("a starting task is placed");
        self.change_starts(|q, now, slow, ends| q.begin(node, id, work, now, slow, ends));
    }

    /// Apply `op` to the starts in progress (with the time and the slowdown), then
    /// schedule an end event for every start whose end it moved.
    fn change_starts<R>(
        &mut self,
        op: impl FnOnce(&mut control_plane::StartQueue, Time, f64, &mut Vec<(TaskId, Time)>) -> R,
    ) -> R {
        let slowdown = self.scenario.cluster.control_plane.parallel_start_slowdown;
        let mut ends = std::mem::take(&mut self.start_ends);
        let r = op(&mut self.starts, self.now, slowdown, &mut ends);
        for &(task, end) in &ends {
            let generation = self.tasks[task as usize].generation;
            let step = Step::EngineStarted;
            self.queue.push(
                end,
                Event::Task {
                    task,
                    generation,
                    step,
                },
            );
        }
        ends.clear();
        self.start_ends = ends;
        r
    }

    /// The engine has started the container: the process starts after the version's
    /// `start`.
    fn container_started(&mut self, id: TaskId) {
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let mut rng = self.rng(slot, version, attempt, Purpose::Start);
        let d = self.version(version).start.sample(&mut rng);
        self.schedule_step(id, d, Step::ProcessStarted);
    }

    /// Swarm with failures reported late: a container that started is reported RUNNING
    /// even if its process exits at once (moby's `controller.Start` returns as soon as the
    /// container started when there is no HEALTHCHECK), so the updater may see RUNNING
    /// before the failure. With failures seen at once the distinction cannot show, and
    /// the textbook rule (a start that fails is never RUNNING) stands.
    fn reports_running_before_exit(&self) -> bool {
        !self.kubelet
            && self.scenario.service.healthcheck.is_none()
            && !self
                .scenario
                .cluster
                .control_plane
                .phase(Phase::FailureReport)
                .is_zero()
    }

    fn process_started(&mut self, id: TaskId) {
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let v = self.version(version);
        if self
            .rng(slot, version, attempt, Purpose::CrashOnStart)
            .chance(v.crash_probability)
        {
            if self.reports_running_before_exit() {
                self.set_state(id, TaskState::Ready);
            }
            self.fail(id);
            return;
        }
        self.begin_process(id, false);
    }

    /// The process runs: draw its timeline and schedule health and death.
    fn begin_process(&mut self, id: TaskId, healthy_already: bool) {
        let now = self.now;
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let v = self.version(version);
        let draw = |p: Purpose, d: &crate::scenario::Dist| {
            d.sample(&mut self.rng(slot, version, attempt, p))
        };
        let ready_at = if healthy_already {
            now
        } else {
            after(now, draw(Purpose::ReadyAfter, &v.ready_after))
        };
        let hang_at = after(now, draw(Purpose::HangAfter, &v.hang_after));
        let crash_at = after(now, draw(Purpose::CrashAfter, &v.crash_after));
        let t = &mut self.tasks[id as usize];
        t.run_at = now;
        t.ready_at = ready_at;
        t.hang_at = hang_at;
        t.stops_answering_at = NEVER;
        self.set_state(id, TaskState::Running);
        let app = AppTimes {
            run: now,
            ready_at,
            hang_at,
        };
        if self.kubelet {
            self.begin_kubelet(id, app, crash_at, healthy_already);
            return;
        }
        let (healthy_at, unhealthy_at) = match &self.scenario.service.healthcheck {
            None => (now, NEVER),
            Some(hc) => {
                let mut rng = self.rng(slot, version, attempt, Purpose::Probe);
                let engine = self.scenario.cluster.control_plane.docker_engine;
                let h = docker_health(
                    hc,
                    engine,
                    app,
                    healthy_already,
                    &mut rng,
                    self.scenario.horizon,
                );
                let report = if healthy_already {
                    0
                } else {
                    self.overhead(Phase::HealthReport, slot, version, attempt)
                };
                (after(h.healthy_at, report), h.unhealthy_at)
            }
        };
        let death = crash_at.min(unhealthy_at);
        let reported = healthy_at < death
            || healthy_at == death && death != NEVER && self.reports_running_before_exit();
        if reported {
            self.schedule_step_at(id, healthy_at, Step::Healthy);
        }
        if self.tasks[id as usize].state.is_terminal() {
            return;
        }
        self.schedule_step_at(id, death, Step::Died);
    }

    /// The kubelet's plan for a container whose process just started.
    fn begin_kubelet(&mut self, id: TaskId, app: AppTimes, crash_at: Time, serving: bool) {
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let streams = kubelet::Streams {
            startup: self.rng(slot, version, attempt, Purpose::StartupProbe),
            readiness: self.rng(slot, version, attempt, Purpose::Probe),
            liveness: self.rng(slot, version, attempt, Purpose::Liveness),
        };
        let p = kubelet::plan(
            &self.scenario.service,
            app,
            crash_at,
            serving,
            streams,
            self.scenario.horizon,
        );
        let pod = &mut self.pods[id as usize];
        pod.readiness = p.readiness;
        pod.death_at = p.death_at;
        pod.probe_kill = p.probe_kill;
        if p.ready_at < p.death_at {
            if serving && p.ready_at <= self.now {
                // Ready now, so that it is made available below (a step, not a chain).
                let generation = self.tasks[id as usize].generation;
                self.apply_step(id, generation, Step::Healthy);
            } else {
                self.schedule_step_at(id, p.ready_at, Step::Healthy);
            }
        }
        if serving {
            // The fleet before the rollout has been available for long.
            self.become_available_now(id);
        }
        if self.tasks[id as usize].state.is_terminal() {
            return;
        }
        self.schedule_step_at(id, p.death_at, Step::Died);
    }

    /// Schedule the task's next readiness transition: to NotReady when `to_ready` is
    /// false, back to Ready when it is true (only if that happens before it dies).
    fn next_readiness_flip(&mut self, id: TaskId, to_ready: bool) {
        let Some(rp) = &self.scenario.service.readiness_probe else {
            return;
        };
        let t = &self.tasks[id as usize];
        let app = AppTimes {
            run: t.run_at,
            ready_at: t.ready_at,
            hang_at: t.hang_at,
        };
        let horizon = self.scenario.horizon;
        let pod = &mut self.pods[id as usize];
        let death = pod.death_at;
        let Some(w) = pod.readiness.as_mut() else {
            return;
        };
        let (flip, step) = if to_ready {
            let f = w.next_flip(rp, app, Some(rp.success_threshold), None, horizon);
            (f, Step::Healthy)
        } else {
            let f = w.next_flip(rp, app, None, Some(rp.failure_threshold), horizon);
            (f, Step::NotReady)
        };
        let at = match flip {
            probe::Flip::Success(t) | probe::Flip::Failure(t) => t,
            probe::Flip::Never => return,
        };
        if at < death {
            self.schedule_step_at(id, at, step);
        }
    }

    /// A `minReadySeconds` timer fired: available if still Ready since long enough.
    fn become_available(&mut self, id: TaskId) {
        let t = &self.tasks[id as usize];
        if t.state == TaskState::Ready && t.since.saturating_add(self.min_ready) <= self.now {
            self.become_available_now(id);
        }
    }

    fn become_available_now(&mut self, id: TaskId) {
        let t = &mut self.tasks[id as usize];
        if t.state != TaskState::Ready || t.available {
            return;
        }
        let old = t.share();
        t.available = true;
        self.recount(id, old);
        self.gauges.available += 1;
        self.notify(id, TaskState::Ready);
    }

    /// The container died on its own.
    fn fail(&mut self, id: TaskId) {
        if !self.tasks[id as usize].is_live() {
            return;
        }
        let t = &mut self.tasks[id as usize];
        t.generation += 1;
        t.stops_answering_at = t.stops_answering_at.min(self.now);
        if self.kubelet && !self.tasks[id as usize].stop_requested {
            self.restart_in_place(id);
            return;
        }
        self.set_state(id, TaskState::Failed);
    }

    /// Kubelet: the container exited (crash) or is being killed (probe); restart it in the
    /// same pod after the CrashLoopBackOff delay, with fresh draws (`attempt + 1`).
    fn restart_in_place(&mut self, id: TaskId) {
        let now = self.now;
        let finished =
            if self.pods[id as usize].probe_kill && self.tasks[id as usize].run_at != NEVER {
                // Killed like a stop: preStop and SIGTERM, SIGKILL at the grace period.
                now + self.time_to_exit(id)
            } else {
                now
            };
        let pod = &mut self.pods[id as usize];
        pod.probe_kill = false;
        pod.readiness = None;
        pod.death_at = NEVER;
        let at = pod.crash_loop.restart_at(finished);
        self.gauges.restarts += 1;
        let t = &mut self.tasks[id as usize];
        t.attempt += 1;
        t.restarts += 1;
        t.start_not_before = at;
        t.run_at = t.run_at.min(now); // the pod's phase stays Running
        self.set_state(id, TaskState::BackOff);
        self.schedule_step_at(id, at, Step::StartDelayOver);
    }

    /// The one place a task's state changes: counts, resources, trace, notices.
    fn set_state(&mut self, id: TaskId, new: TaskState) {
        let now = self.now;
        let r: Resources = self.scenario.service.resources;
        let t = &mut self.tasks[id as usize];
        let old = t.state;
        if old == new {
            return;
        }
        let old_share = t.share();
        t.state = new;
        t.since = now;
        let g = &mut self.gauges;
        // A task on a lost node left the serving count when the node was lost.
        let serving = !t.lost;
        if old == TaskState::Ready && serving {
            g.ready -= 1;
        }
        let mut available_later = false;
        if new == TaskState::Ready {
            g.ready += serving as u32;
            if self.min_ready == 0 {
                t.available = true;
                g.available += 1;
            } else {
                available_later = true;
            }
        } else if t.available {
            t.available = false;
            g.available -= 1;
        }
        if !old.holds_resources() && new.holds_resources() {
            g.holding += 1;
            g.cpu += r.cpu_millis;
            g.memory += r.memory_bytes;
        }
        g.container_change(old, new);
        let released = old.holds_resources() && !new.holds_resources();
        if released {
            g.holding -= 1;
            g.cpu -= r.cpu_millis;
            g.memory -= r.memory_bytes;
        }
        let (slot, node) = (t.slot, t.node);
        self.recount(id, old_share);
        if new.is_terminal() {
            self.slot_tasks[slot as usize].retain(|&x| x != id);
        }
        if let Some(tr) = self.trace.as_mut() {
            let t = &self.tasks[id as usize];
            tr.push(TraceRecord::Task {
                t: now,
                task: id,
                slot,
                version: t.version,
                node,
                state: new,
            });
        }
        self.notify(id, new);
        if available_later {
            let generation = self.tasks[id as usize].generation;
            self.queue.push(
                now + self.min_ready,
                Event::Task {
                    task: id,
                    generation,
                    step: Step::Available,
                },
            );
        }
        if released {
            let node = node.expect("a task holding resources is placed");
            self.change_node(node, |n| {
                n.cpu_used -= r.cpu_millis;
                n.memory_used -= r.memory_bytes;
                n.tasks -= 1;
            });
            self.place_pending();
        }
    }

    fn record(&mut self, id: TaskId) {
        if let Some(tr) = self.trace.as_mut() {
            let t = &self.tasks[id as usize];
            let (slot, version, node, state) = (t.slot, t.version, t.node, t.state);
            tr.push(TraceRecord::Task {
                t: self.now,
                task: id,
                slot,
                version,
                node,
                state,
            });
        }
    }

    /// Capacity freed: place waiting tasks, oldest first. A task leaves the queue before
    /// it is placed, so nothing its placement causes can see (and place) it again.
    fn place_pending(&mut self) {
        // Every task of the service requests the same resources: once one does not fit,
        // none does.
        let r = self.scenario.service.resources;
        while let Some(&id) = self.pending.front() {
            if self.tasks[id as usize].state != TaskState::Pending {
                self.pending.pop_front(); // stopped while it waited
                continue;
            }
            let Some(node) = self.node_index.pick(&self.nodes, r) else {
                break;
            };
            self.pending.pop_front();
            self.place_on(id, node);
        }
    }
}

/// One second, for controllers' `+1s` rules.
pub const ONE_SECOND: Time = SECOND;
