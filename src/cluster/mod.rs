//! The world a trial simulates: nodes, tasks, and what the container engine does to them.
//!
//! The cluster holds the trial's [`Engine`] (the clock and the agenda of future events:
//! task steps, controller timers, user actions, node changes) because almost every state
//! change schedules the next one; the engine itself knows nothing of tasks. Controllers
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
//! With the kubelet runtime (chosen by the strategy, [`runtime`]) the gate is the kubelet's probes instead of
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
//! Files: this one holds the state; [`reads`] what controllers read; [`engine_calls`] an
//! engine call, its worklist and the scheduling of steps; [`event`] what is scheduled;
//! [`verbs`] what controllers do; [`lifecycle`] the task's steps; [`image_pull`] its
//! image; [`state_change`] its one state change; [`slots`] the tasks of each slot;
//! [`counting`] the wanted counts and the record of edits; [`placement`] nodes and the
//! pending queue; [`availability`] `minReadySeconds`; [`notices`] the notices, changes and
//! trace records; [`runtime`] the Docker engine and the kubelet; [`node_loss`] the node
//! lifecycle.
//!
//! The control plane ([`control_plane`], `cluster.control_plane`) adds the engine's own
//! latencies where they happen: `create` while the task is `pulling` (Swarm's PREPARING),
//! `start` / `start_after_stop` while it is `starting` (starts on one node share the
//! engine), `stop_signal` between the stop decision and `terminating`, `health_report`
//! after a passing HEALTHCHECK probe. All are zero with `ideal`, so nothing changes then.

pub mod autoscaler;
mod availability;
pub mod control_plane;
mod counting;
mod engine_calls;
mod event;
mod fleet;
pub mod gauges;
pub mod health;
mod image_pull;
pub mod kubelet;
mod level_sets;
mod lifecycle;
pub mod load_test;
pub mod mirror;
pub mod node;
pub mod node_drain;
pub mod node_failures;
mod node_loss;
mod notices;
mod pending_reason;
mod placement;
pub mod placer;
pub mod probe;
mod reads;
pub mod room;
pub mod runtime;
pub mod scheduler;
mod slots;
mod state_change;
pub mod task;
pub mod trace;
mod verbs;

use crate::scenario::{Phase, Scenario};
use crate::sim::engine::Engine;
use crate::sim::prefetch;
use crate::sim::rng::TrialStreams;
use crate::sim::time::{SECOND, Time};
pub use event::{Event, Step};
pub use gauges::{FleetCounts, Gauges, Share, WantedCounts};
pub use node::Node;
pub use node_loss::{NodeChange, NodeNotice, SWARM_NODE_DOWN_AFTER};
pub use notices::{Notice, StateSet};
use runtime::RuntimeKind;
use std::collections::VecDeque;
pub use task::{NodeId, OwnerId, SOLE_OWNER, Task, TaskId, TaskState};
pub use trace::TraceRecord;

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

/// The simulated cluster of one trial. Reused across trials (see [`Cluster::reset`]) so
/// a worker thread allocates only while its buffers grow.
pub struct Cluster<'s> {
    /// The scenario being simulated.
    pub scenario: &'s Scenario,
    /// The clock, the agenda of events and the work budget.
    sim: Engine<Event>,
    /// Nodes, by index.
    pub nodes: Vec<Node>,
    /// Where a task may go: the service's constraints and the ordered index of the nodes
    /// a task fits on (kept up to date with `nodes`).
    placer: placer::Placer,
    /// Swarm global service: the node each slot's tasks are tied to (slot `i`: the `i`th
    /// node the constraints allow); empty for a replicated service ([`placement`]).
    pinned: Vec<NodeId>,
    /// Swarm: recent task failures per node, which put a node last ([`node_failures`]).
    node_failures: node_failures::NodeFailures,
    /// The scenario's node drains, as far as they got ([`node_drain`]).
    drains: node_drain::Drains,
    /// Swarm: the tasks' `SpecVersion`s by creation, as (first task, version) for each
    /// change by [`Cluster::set_spec_version`], in order (tasks before the first: 0, the
    /// fleet's), and the one tasks are created with now. Tasks are numbered as they are
    /// created, so a creation notes nothing ([`Cluster::spec_version_of`]).
    spec_changes: Vec<(TaskId, u32)>,
    spec_version: u32,
    /// Every task created in this trial, by index (kept for the whole trial: a stale event
    /// checks its task's generation, and controllers look tasks up by id after they ended).
    pub tasks: Vec<Task>,
    /// Tasks a trial may create: creating one more ends the trial's budget
    /// ([`Engine::exhaust`]), which bounds the records above.
    task_budget: TaskId,
    /// Live tasks of each slot.
    slot_tasks: slots::SlotLists,
    /// Tasks waiting for a node, in arrival order. A task stopped while Pending stays in
    /// the queue (removing it from the middle costs O(queue)) and is skipped when it comes
    /// to the front.
    pending: VecDeque<TaskId>,
    /// Tasks created so far per (slot, version): the next task's `attempt`.
    incarnations: Vec<u32>,
    /// State changes not yet delivered to the controller.
    notices: Vec<Notice>,
    /// The states the controller reacts to (see [`Cluster::observe_only`]): a change to
    /// any other state makes no notice.
    observed: StateSet,
    /// Tasks below this id make no notice of `Stopped` (see [`Cluster::quiet_stops_below`]).
    quiet_stops_below: TaskId,
    /// Tasks changed since the last [`Cluster::take_changed`], when tracked (for the
    /// traffic model, which must see every change even when a controller drains the
    /// notices itself).
    changed: Option<Vec<TaskId>>,
    /// Whether the trace, the list of changed tasks or the fleet timeline's counts may be
    /// kept ([`Cluster::watch`]): when none is, a task's change tests this flag alone for
    /// them. It may be set with none kept (the trace taken at a trial's end), never
    /// unset with one kept.
    watched: bool,
    /// Whether a task's change records anything besides its notice: the wanted counts
    /// ([`Cluster::counts_wanted`]), the edits, or what [`Cluster::watched`] stands for
    /// ([`Cluster::watch`]). A Swarm trial with plain placement and nothing watched keeps
    /// none of them, and each change then tests this flag instead of three. Kept by
    /// [`Cluster::watch`], which whatever turns one of them on calls (checked in debug
    /// builds).
    records: bool,
    /// Counts and extremes.
    pub gauges: Gauges,
    /// Tasks ready, available and running per version, kept while the fleet is sampled
    /// ([`Cluster::count_fleet`]).
    fleet_counts: FleetCounts,
    /// Wanted tasks per version and per node, kept as tasks change when
    /// [`Cluster::counts_wanted`].
    wanted: WantedCounts,
    /// Changes of [`Cluster::wanted`] so far (never reset): see [`Cluster::wanted_changes`].
    wanted_changes: u64,
    /// Whether anything reads [`Cluster::wanted`]: the controllers on the kubelet (the
    /// ReplicaSet's status and pod ranking), and placement when where the service's other
    /// tasks are decides (spread, preferences, a per-node limit). Swarm's updater reads no
    /// count, so under the Docker engine with plain placement the counts stay zero and a
    /// state change does not work out the task's share of them.
    counts_wanted: bool,
    /// Tasks whose state, node or desired state changed since the last
    /// [`Cluster::take_edits`], when tracked (each once until read: [`Task::in_edits`]).
    edits: Option<Vec<TaskId>>,
    /// Nodes whose count of wanted tasks changed since the last
    /// [`Cluster::take_recounted`], tracked with the edits when asked (with repeats).
    recounted: Option<Vec<NodeId>>,
    /// No [`Cluster::take_recounted`] yet this trial: the log may lack changes made before
    /// (a copied fleet is not logged), so the next take names every node.
    recount_all: bool,
    /// Pods the cluster itself deleted since the last [`Cluster::take_evicted`] (a drain's
    /// or the taint manager's evictions).
    evicted: Vec<TaskId>,
    /// The event log, when this trial is traced.
    pub trace: Option<Vec<TraceRecord>>,
    /// Trial index.
    pub trial: u64,
    /// Delay between deactivating a task's endpoint and signalling it (Swarm's gossip
    /// converge delay for a service with a service binding; 0 otherwise).
    pub stop_signal_delay: Time,
    /// Share of requests per version set by a traffic router (Argo Rollouts); `None`: the
    /// balancer spreads over every endpoint in rotation. See `traffic::routing`.
    pub routing: Option<Vec<f64>>,
    /// Requests the router copies to one version beside the weights (written with
    /// [`routing`](Self::routing), as one configuration); `None`: no mirroring.
    pub mirror: Option<mirror::Mirror>,
    /// Load generators' runs so far this trial, in the order they started (a load tester
    /// a controller drives; see [`load_test`]).
    pub load_runs: Vec<load_test::LoadRun>,
    grace: Time,
    /// Per version, the time from the stop decision to the exit of a process that is not
    /// hung, when the version's `shutdown` is fixed (a constant, the usual case): worked
    /// out once instead of at every stop; `None`: drawn ([`Cluster::time_to_exit`]).
    exit_work: Box<[Option<Time>]>,
    /// The container runtime (Docker engine or kubelet), chosen by the strategy.
    runtime: RuntimeKind,
    /// `minReadySeconds`: Ready this long makes a task available.
    min_ready: Time,
    /// The kubelet's bookkeeping per task (by task id).
    pods: Vec<kubelet::PodState>,
    /// The skip distributions of the service's probes, for the kubelet's walks. Boxed:
    /// in place, its `Option`s' niche made the compiler lay it out first, and the engine
    /// moved off the cluster's start cost the Docker engine's hot steps an instruction each.
    skips: Box<kubelet::Skips>,
    /// Container starts in progress, sharing their node's engine.
    starts: control_plane::StartQueue,
    /// Scratch: start ends rescheduled by the last change of [`Cluster::starts`].
    start_ends: Vec<(TaskId, Time)>,
    /// Zero-length steps (task, generation, step) waiting for the current engine call to
    /// finish, in the order they arose.
    due: VecDeque<(TaskId, u32, Step)>,
    /// An engine call is in progress: new zero-length steps wait in `due`.
    busy: bool,
    /// The fleet is large enough for prefetching to pay ([`Cluster::prefetch_next_event`]).
    prefetches: bool,
    /// Zero-length steps applied this trial (the work they count, see [`fleet`]).
    steps: u64,
    /// The serving fleet as the first trial of this worker created it, when every trial
    /// creates the same one ([`fleet`]).
    fleet: Option<Box<fleet::Snapshot>>,
    /// Events scheduled while that fleet is being created, when it is.
    fleet_log: Option<Vec<(Time, Event)>>,
    /// Readiness walks begun meanwhile, between those events ([`fleet::WalkMark`]).
    fleet_walks: Vec<fleet::WalkMark>,
    /// Snapshots of the fleet made so far; `fleet_copy`: this trial's fleet is a copy of
    /// the `k`th ([`Cluster::copied_fleet`]).
    fleet_snapshots: u64,
    fleet_copy: Option<u64>,
    /// Tasks below this id are the fleet that served before the rollout
    /// ([`Cluster::create_serving_fleet`]): see [`Cluster::served_before_rollout`].
    serving_fleet_end: TaskId,
    /// The cluster autoscaler's loop and the nodes it asked for ([`autoscaler`]).
    autoscaling: autoscaler::Autoscaling,
    /// The random streams of the trial ([`Cluster::rng`]).
    streams: TrialStreams,
    /// One bit per control-plane [`Phase`] whose latency is zero: [`Cluster::overhead`]
    /// answers those without looking at the scenario.
    zero_phases: u8,
}

impl<'s> Cluster<'s> {
    /// An empty cluster for `scenario`; call [`Cluster::reset`] before each trial.
    pub fn new(scenario: &'s Scenario) -> Cluster<'s> {
        let placer = placer::Placer::new(scenario);
        let runtime = scenario.strategy.runtime();
        let grace = scenario.stop_grace_period();
        let exit_work = scenario.service.versions.iter();
        let exit_work = exit_work
            .map(|v| Some(lifecycle::exit_work(scenario, v.shutdown.fixed()?, grace)))
            .collect();
        let counts_wanted = runtime == RuntimeKind::Kubelet || placer.depends_on_tasks();
        Cluster {
            scenario,
            sim: Engine::default(),
            nodes: Vec::new(),
            counts_wanted,
            prefetches: prefetch::pays(scenario.service.replicas, std::mem::size_of::<Task>()),
            pinned: placement::pinned_nodes(scenario, &placer),
            placer,
            node_failures: node_failures::NodeFailures::default(),
            drains: node_drain::Drains::default(),
            spec_changes: Vec::new(),
            spec_version: 0,
            tasks: Vec::new(),
            task_budget: TaskId::MAX,
            slot_tasks: slots::SlotLists::default(),
            pending: VecDeque::new(),
            incarnations: Vec::new(),
            notices: Vec::new(),
            observed: StateSet::ALL,
            quiet_stops_below: 0,
            changed: None,
            watched: false,
            records: counts_wanted,
            gauges: Gauges::default(),
            fleet_counts: FleetCounts::new(runtime == RuntimeKind::Kubelet),
            wanted: WantedCounts::default(),
            wanted_changes: 0,
            edits: None,
            recounted: None,
            recount_all: true,
            evicted: Vec::new(),
            trace: None,
            trial: 0,
            stop_signal_delay: 0,
            routing: None,
            mirror: None,
            load_runs: Vec::new(),
            grace,
            exit_work,
            runtime,
            min_ready: 0,
            pods: Vec::new(),
            skips: Box::new(kubelet::Skips::new(&scenario.service)),
            starts: control_plane::StartQueue::default(),
            start_ends: Vec::new(),
            due: VecDeque::new(),
            busy: false,
            steps: 0,
            fleet: None,
            fleet_log: None,
            fleet_walks: Vec::new(),
            fleet_snapshots: 0,
            fleet_copy: None,
            serving_fleet_end: 0,
            autoscaling: autoscaler::Autoscaling::default(),
            streams: TrialStreams::new(scenario.seed, 0),
            zero_phases: Phase::ALL
                .iter()
                .filter(|&&p| scenario.cluster.control_plane.phase(p).is_zero())
                .fold(0, |bits, &p| bits | 1 << p as u8),
        }
    }

    /// Let each trial create at most `budget` tasks: the one after them ends the trial's
    /// budget of work ([`Engine::exhaust`]), so the trial stops as over budget.
    pub fn set_task_budget(&mut self, budget: TaskId) {
        self.task_budget = budget;
    }

    /// `minReadySeconds`: how long a task must be Ready to count as available.
    pub fn set_min_ready(&mut self, min_ready: Time) {
        self.min_ready = min_ready;
    }

    /// Whether the trials from the next [`Cluster::reset`] on keep the fleet timeline's
    /// counts per version ([`Cluster::fleet_counts`]): only a sampled trial pays for them.
    pub fn count_fleet(&mut self, on: bool) {
        self.fleet_counts.on = on;
        self.watch();
    }

    /// Start trial `trial` from an empty cluster.
    pub fn reset(&mut self, trial: u64, traced: bool) {
        let s = self.scenario;
        self.sim.reset();
        self.routing = None;
        self.mirror = None;
        self.load_runs.clear();
        let versions = s.service.versions.len();
        // The nodes the autoscaler may add are there from the start, absent: every
        // per-node count is sized once, and a node added is one that joins.
        let listed = s.cluster.nodes.len();
        let cached = |i: usize| match &s.cluster.autoscaler {
            Some(a) if i >= listed => &a.image_cached[..],
            _ => &s.cluster.image_cached[..],
        };
        if self.nodes.len() == s.cluster.node_slot_count() {
            for (i, (node, spec)) in self
                .nodes
                .iter_mut()
                .zip(s.cluster.node_slots())
                .enumerate()
            {
                node.reset(spec, cached(i));
            }
        } else {
            self.nodes.clear();
            self.nodes.extend(
                (s.cluster.node_slots().enumerate())
                    .map(|(i, n)| Node::new(n, versions, cached(i))),
            );
        }
        for node in &mut self.nodes[listed..] {
            node.make_absent();
        }
        let per_node = autoscaler::pods_a_new_node_takes(s, &self.placer);
        self.autoscaling.reset(s, per_node);
        self.placer.rebuild(&self.nodes, s.service.resources);
        self.node_failures.clear();
        self.drains.reset(s.faults.node_drains.len());
        self.spec_changes.clear();
        self.spec_version = 0;
        self.tasks.clear();
        self.pods.clear();
        let slots = s.service.replicas as usize;
        self.slot_tasks.reset();
        self.pending.clear();
        self.incarnations.clear();
        self.incarnations.resize(slots * versions, 0);
        self.notices.clear();
        self.observed = StateSet::ALL;
        self.quiet_stops_below = 0;
        if let Some(c) = self.changed.as_mut() {
            c.clear();
        }
        self.gauges.reset(s.service.resources);
        self.gauges.pending = self.placer.no_reasons();
        self.fleet_counts.reset(versions);
        if self.counts_wanted {
            self.wanted.reset(self.nodes.len());
        }
        if let Some(e) = self.edits.as_mut() {
            e.clear();
        }
        if let Some(r) = self.recounted.as_mut() {
            r.clear();
        }
        self.recount_all = true;
        self.evicted.clear();
        self.trace = traced.then(Vec::new);
        self.watch();
        self.trial = trial;
        self.streams = TrialStreams::new(s.seed, trial);
        self.starts.clear();
        self.due.clear();
        self.busy = false;
        self.steps = 0;
        self.fleet_log = None;
        self.fleet_copy = None;
        self.serving_fleet_end = 0;
    }

    // ----- what controllers do -----------------------------------------------------------

    // ----- the lifecycle -----------------------------------------------------------------
}

/// One second, for controllers' `+1s` rules.
pub const ONE_SECOND: Time = SECOND;

#[cfg(test)]
mod fleet_tests;
#[cfg(test)]
mod image_pull_tests;
