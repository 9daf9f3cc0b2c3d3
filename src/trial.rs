//! One trial: the single-threaded event loop that runs a controller against the cluster.
//!
//! A trial is a pure function of (scenario, trial index, seed). The loop pops events in
//! time order; after each it delivers the resulting task notices to the controller (which
//! may cause more, delivered in turn). When the next event lies in the future, the
//! current instant is over: the controller settles (Kubernetes syncs here), the gauges
//! record the instant's counts, and the loop stops if the rollout has concluded and no
//! user action is still to come.
//!
//! Every trial has a budget of work ([`event_budget`]) and of tasks created
//! ([`TASK_BUDGET`]): a trial that exceeds either (a chain of instant steps that never lets
//! time move, or a runaway far beyond any rollout) stops at once with outcome `timeout` and
//! the `event_budget_exceeded` warning, never a hang, and its memory stays bounded.

use crate::analysis::TrafficSource;
use crate::cluster::{Cluster, Event, Notice, TaskId, TraceRecord};
use crate::experiment::fleet::{FleetSampler, FleetTimeline};
use crate::result::{Outcome, TrialResult, Verdict};
use crate::scenario::Scenario;
use crate::sim;
use crate::sim::engine::{Engine, Instant, Payload, Simulation};
use crate::sim::time::{SECOND, Time};
use crate::strategy::{AnyController, Controller};
use crate::traffic::{TimelineRow, TrafficModel};

/// Work (events plus zero-length steps) every trial may do whatever its scenario.
pub const EVENT_BUDGET_FLOOR: u64 = 100_000;
/// Work allowed per (replica or node) and per shortest period of the horizon.
pub const EVENT_BUDGET_PER_TICK: u64 = 10;
/// No trial does more work than this (about five seconds of one core).
pub const EVENT_BUDGET_CAP: u64 = 50_000_000;
/// Tasks (Swarm tasks, pods) a trial may create, whatever its scenario: a trial that
/// creates one more stops as over its event budget. Every task's record is kept for the
/// whole trial (about 120 bytes with its controller's bookkeeping), and a task can be
/// created with hardly any work (a restart loop that never lets time move costs one
/// zero-length step a task; a task that waits for room costs none), so the work budget
/// alone let a trial keep up to 50 million of them, gigabytes in every worker. Ten times
/// the largest `service.replicas` accepted: a rollout creates about two a replica.
pub const TASK_BUDGET: u32 = 1_000_000;

/// The trial's budget of work: events plus zero-length steps.
///
/// `min(CAP, FLOOR + PER_TICK × (replicas + nodes) × ⌈horizon / period⌉)`, where `nodes`
/// counts those the cluster autoscaler may add and `period`
/// is the shortest of 1 s, every HEALTHCHECK `interval` / `start_interval` and probe
/// `periodSeconds`, and `cluster.autoscaler`'s `scan_interval` of the scenario. A task does
/// a bounded number of steps per life (about ten) and at most a few per probe period while
/// its readiness flaps, and the autoscaler's loop turns once a `scan_interval` while a pod
/// waits (for as long as a node's provisioning, however short the interval), so a rollout
/// that lets time move stays far below it; work beyond it is a loop that never settles or a
/// horizon far beyond any rollout. Example rollouts do well under a hundred events a trial;
/// 6 replicas on 3 nodes over 30 minutes get 100,000 + 10 × 9 × 1,800 = 262,000.
pub fn event_budget(s: &Scenario) -> u64 {
    let svc = &s.service;
    let hc = svc
        .healthcheck
        .iter()
        .flat_map(|h| [h.interval, h.start_interval]);
    let probes = [
        &svc.readiness_probe,
        &svc.liveness_probe,
        &svc.startup_probe,
    ]
    .into_iter()
    .flatten()
    .map(|p| p.period);
    let scan = s.cluster.autoscaler.iter().map(|a| a.scan_interval);
    let period: Time = hc
        .chain(probes)
        .chain(scan)
        .chain([SECOND])
        .filter(|&p| p > 0)
        .min()
        .unwrap_or(SECOND);
    let ticks = s.horizon.div_ceil(period);
    let units = u64::from(svc.replicas) + s.cluster.node_slot_count() as u64;
    EVENT_BUDGET_PER_TICK
        .saturating_mul(units)
        .saturating_mul(ticks)
        .saturating_add(EVENT_BUDGET_FLOOR)
        .min(EVENT_BUDGET_CAP)
}

/// Reusable buffers of one worker thread: run many trials of one scenario with one of these.
pub struct Workspace<'s> {
    cluster: Cluster<'s>,
    inbox: Inbox,
    controller: Box<dyn AnyController + 's>,
    traffic: Option<TrafficModel<'s>>,
    fleet: FleetSampler,
}

/// The time series of one trial: the fleet, and the traffic buckets when there is traffic.
#[derive(Debug, Clone, Default)]
pub struct TrialTimeline {
    /// Tasks per version and state, every `tick`.
    pub fleet: FleetTimeline,
    /// One row per `traffic.tick` bucket (empty without `traffic`).
    pub traffic: Vec<TimelineRow>,
}

impl<'s> Workspace<'s> {
    /// Whether this build can simulate the scenario: every strategy the parser accepts is
    /// registered with its controller ([`crate::strategy::registry`]); a strategy whose
    /// analysis measures the traffic needs the scenario's `traffic:` section.
    pub fn supports(scenario: &Scenario) -> Result<(), String> {
        if scenario.strategy.measures_traffic() && scenario.traffic.is_none() {
            return Err(format!(
                "strategy.{}: an analysis measures the simulated requests, but the scenario \
                 has no `traffic:` section; add one (e.g. `traffic: {{rps: 50}}`) or remove \
                 the analysis",
                scenario.strategy.key()
            ));
        }
        Ok(())
    }

    /// Buffers for trials of `scenario`. Check [`Workspace::supports`] first.
    pub fn new(scenario: &'s Scenario) -> Workspace<'s> {
        let controller = scenario.strategy.controller();
        let mut cluster = Cluster::new(scenario);
        cluster.sim_mut().set_budget(event_budget(scenario));
        cluster.set_task_budget(TASK_BUDGET);
        let mut traffic = TrafficModel::new(scenario);
        if scenario.strategy.measures_traffic()
            && let Some(t) = traffic.as_mut()
        {
            t.enable_windows();
        }
        if traffic.is_some() {
            cluster.track_changes();
        }
        cluster.stop_signal_delay = scenario.strategy.stop_signal_delay(&scenario.service);
        Workspace {
            cluster,
            inbox: Inbox::default(),
            controller,
            traffic,
            fleet: FleetSampler::default(),
        }
    }

    /// Whether the cluster keeps the serving fleet for the next trials.
    #[cfg(test)]
    pub(crate) fn fleet_kept(&self) -> bool {
        self.cluster.fleet_kept()
    }

    /// Readiness walks the kept fleet has each copy walk afresh (`None`: no fleet kept).
    #[cfg(test)]
    pub(crate) fn fleet_rewalks(&self) -> Option<usize> {
        self.cluster.fleet_rewalks()
    }

    /// Limit each trial's work to `budget` instead of [`event_budget`].
    #[cfg(test)]
    pub(crate) fn set_budget(&mut self, budget: u64) {
        self.cluster.sim_mut().set_budget(budget);
    }

    /// How many tasks the last trial created, and how many the cluster's buffer of task
    /// records holds room for (what it keeps allocated for the next trials); for the tests
    /// that check both stay bounded.
    #[doc(hidden)]
    pub fn task_records(&self) -> (usize, usize) {
        (self.cluster.tasks.len(), self.cluster.tasks.capacity())
    }

    /// Walk deferred events (a flaky readiness probe's next flip) at once instead of as far
    /// as each trial gets: the same trials, slower; for the tests that check so.
    #[doc(hidden)]
    pub fn set_lazy_walks(&mut self, lazy: bool) {
        self.cluster.sim_mut().set_lazy(lazy);
    }

    /// Run trial `trial`.
    pub fn run(&mut self, trial: u64) -> TrialResult {
        self.run_inner(trial, false, None).0
    }

    /// Run trial `trial` and return its event log as well.
    pub fn run_traced(&mut self, trial: u64) -> (TrialResult, Vec<TraceRecord>) {
        let (r, _) = self.run_inner(trial, true, None);
        (r, self.cluster.trace.take().unwrap_or_default())
    }

    /// Run trial `trial` and return its timeline, the fleet sampled every `tick` (> 0;
    /// with `traffic`, pass `traffic.tick` so both series share their sample times).
    pub fn run_timeline(&mut self, trial: u64, tick: Time) -> (TrialResult, TrialTimeline) {
        let (r, t) = self.run_inner(trial, false, Some(tick));
        (r, t.unwrap_or_default())
    }

    /// Run trial `trial`, recording its event log when `traced` and its timeline when
    /// `timeline` gives a tick: what [`Workspace::run_traced`] and
    /// [`Workspace::run_timeline`] each do, both in one pass.
    pub fn run_recorded(
        &mut self,
        trial: u64,
        traced: bool,
        timeline: Option<Time>,
    ) -> (TrialResult, Option<Vec<TraceRecord>>, Option<TrialTimeline>) {
        let (r, t) = self.run_inner(trial, traced, timeline);
        let trace = if traced {
            Some(self.cluster.trace.take().unwrap_or_default())
        } else {
            None
        };
        (r, trace, t)
    }

    fn run_inner(
        &mut self,
        trial: u64,
        traced: bool,
        timeline: Option<Time>,
    ) -> (TrialResult, Option<TrialTimeline>) {
        let cl = &mut self.cluster;
        let scenario = cl.scenario;
        cl.count_fleet(timeline.is_some());
        cl.reset(trial, traced);
        if let Some(t) = self.traffic.as_mut() {
            t.reset(timeline.is_some());
        }
        let fleet = &mut self.fleet;
        if let Some(tick) = timeline {
            fleet.reset(tick, scenario.service.versions.len());
        }
        for (i, a) in scenario.actions.iter().enumerate() {
            cl.schedule_action(a.at, i as u32);
        }
        cl.schedule_node_faults();
        // Traffic measured past the rollout's end keeps the cluster running that long.
        let run_until = self
            .traffic
            .as_ref()
            .and_then(TrafficModel::fixed_window)
            .unwrap_or(0);
        let Driven { end, concluded } = self.controller.drive(TrialLoop {
            cl,
            traffic: self.traffic.as_mut(),
            fleet,
            inbox: &mut self.inbox,
            timeline: timeline.is_some(),
            run_until,
        });
        let (cl, ctrl, traffic, fleet) = (
            &mut self.cluster,
            &*self.controller,
            self.traffic.as_mut(),
            &mut self.fleet,
        );
        // Stopped by the budget (also from inside an instant): `timeout` when it stopped.
        let (outcome, at) = if cl.over_budget() {
            if concluded.is_none() {
                cl.gauges.observe(); // the counts where it stopped
            }
            (Outcome::Timeout, cl.now())
        } else {
            end
        };
        let (traffic, rows, series_end) = match traffic {
            Some(t) => {
                let window = t.window_end(at);
                let (r, rows) = t.finish(cl, window);
                (Some(r), rows, window)
            }
            None => (None, Vec::new(), at),
        };
        let timeline = timeline.map(|_| TrialTimeline {
            fleet: fleet.finish(cl, series_end.max(at)),
            traffic: rows,
        });
        let g = &cl.gauges;
        let metrics = ctrl.metrics();
        let result = TrialResult {
            trial,
            seed: scenario.seed,
            outcome,
            duration: at,
            min_ready: g.min_ready,
            min_available: g.min_available,
            peak_tasks: g.peak_tasks,
            peak_cpu_millis: g.peak_cpu,
            peak_memory_bytes: g.peak_memory,
            traffic,
            restarts: g.rollout_restarts(),
            update_failures: metrics.update_failures.unwrap_or(0),
            deadline_exceeded_at: metrics.deadline_exceeded_at,
            // A trial stopped by its budget shows the work it did: a loop that never lets
            // time move runs in zero-length steps, and may pop no event at all.
            events: if cl.over_budget() {
                cl.sim().work()
            } else {
                cl.sim().events()
            },
            update_failures_modelled: metrics.update_failures.is_some(),
            peak_running_tasks: g.peak_running,
            event_budget_exceeded: cl.over_budget(),
            pending: g.rollout_pending(),
            drains: cl.drain_result(if cl.over_budget() {
                cl.now()
            } else {
                scenario.horizon
            }),
            nodes_added: scenario
                .cluster
                .autoscaler
                .as_ref()
                .map(|_| cl.nodes_added_by(at)),
            verdict: metrics
                .aborted_at
                .map(|at| Verdict::new(scenario, at, metrics.dry_run_failed)),
        };
        (result, timeline)
    }
}

/// One trial's loop, all but the controller: what [`AnyController::drive`] runs.
pub struct TrialLoop<'a, 's> {
    cl: &'a mut Cluster<'s>,
    traffic: Option<&'a mut TrafficModel<'s>>,
    fleet: &'a mut FleetSampler,
    inbox: &'a mut Inbox,
    /// The fleet is sampled.
    timeline: bool,
    /// Traffic measured past the rollout's end keeps the cluster running that long.
    run_until: Time,
}

/// How a trial's loop ended ([`AnyController::drive`]).
pub struct Driven {
    /// Why and when the loop stopped.
    end: (Outcome, Time),
    /// The rollout's conclusion, if it was reached.
    concluded: Option<(Outcome, Time)>,
}

/// Start the rollout with `ctrl` and run the trial's event loop to its end: the loop made
/// for the controller's own type (see [`AnyController`]).
pub fn drive<C: Controller>(ctrl: &mut C, trial: TrialLoop<'_, '_>) -> Driven {
    let TrialLoop {
        cl,
        mut traffic,
        fleet,
        inbox,
        timeline,
        run_until,
    } = trial;
    ctrl.start(cl);
    inbox.deliver(cl, ctrl, traffic.as_deref_mut());
    let settles = ctrl.settles() || traffic.is_some();
    let observed = traffic.is_some() || timeline;
    let actions_left = cl.scenario.actions.len();
    let mut run = TrialRun {
        cl,
        ctrl,
        traffic,
        fleet,
        inbox,
        timeline,
        observed,
        settles,
        actions_left,
        run_until,
        concluded: None,
    };
    let end = sim::engine::run(&mut run);
    Driven {
        end,
        concluded: run.concluded,
    }
}

/// One trial as the engine drives it: the cluster (which holds the engine), the
/// controller, and what observes them.
struct TrialRun<'a, 's, C> {
    cl: &'a mut Cluster<'s>,
    ctrl: &'a mut C,
    traffic: Option<&'a mut TrafficModel<'s>>,
    fleet: &'a mut FleetSampler,
    inbox: &'a mut Inbox,
    /// The fleet is sampled.
    timeline: bool,
    /// Traffic is measured or the fleet sampled: what [`Simulation::before`] does.
    observed: bool,
    /// The instant's end may change something before the gauges look: the controller
    /// settles, or traffic is measured (and observed).
    settles: bool,
    /// User actions not yet applied: the rollout is not concluded before they are.
    actions_left: usize,
    /// Traffic measured past the rollout's end keeps the cluster running that long.
    run_until: Time,
    /// The rollout's conclusion, once reached.
    concluded: Option<(Outcome, Time)>,
}

impl<'s, C: Controller> Simulation for TrialRun<'_, 's, C> {
    type Event = Event;
    type End = (Outcome, Time);

    fn engine(&self) -> &Engine<Event> {
        self.cl.sim()
    }

    fn engine_mut(&mut self) -> &mut Engine<Event> {
        self.cl.sim_mut()
    }

    fn over_budget(&mut self) -> (Outcome, Time) {
        (Outcome::Timeout, self.cl.now())
    }

    /// The controller settles (Kubernetes syncs here), the gauges record the instant, and
    /// the trial stops once the rollout has concluded with no user action still to come
    /// (or traffic still to measure), or at the horizon.
    #[inline]
    fn instant_over(&mut self) -> Instant<(Outcome, Time)> {
        let cl = &mut *self.cl;
        // An analysis measures the traffic of the instant, then the controller reacts.
        if let Some(t) = self.traffic.as_deref_mut()
            && let Some(due) = self.ctrl.measurement_due()
            && due.at <= cl.now()
        {
            let now = cl.now();
            let mut source = TrafficSource::new(t, cl).desired(due.desired[0], due.desired[1]);
            self.ctrl.measure(now, &mut source);
        }
        // Otherwise nothing happened since the last event's notices were delivered, and
        // the loop found no event due now.
        if self.settles {
            self.ctrl.settle(cl);
            self.inbox
                .deliver(cl, self.ctrl, self.traffic.as_deref_mut());
            // Settling may have scheduled events: look again.
            if cl.sim().next_time() == Some(cl.now()) {
                return Instant::Again;
            }
        }
        // The next event is exact up to the instant that decides (deferred events walked
        // that far only): the horizon until the rollout concludes, then the end of the
        // traffic measured past it. Each case on a path of its own, so the usual one (not
        // concluded) tests the conclusion once.
        let concluded = match self.concluded {
            Some(c) => c,
            None => {
                cl.gauges.observe();
                // The controller is asked only once no user action is left to come.
                let outcome = if self.actions_left == 0 {
                    self.ctrl.outcome()
                } else {
                    None
                };
                // Nor before the drains are done: a rollout that concluded meanwhile
                // keeps its conclusion, even when a drain is still stuck at the horizon.
                let Some(c) = outcome.filter(|_| !cl.draining()) else {
                    let horizon = cl.scenario.horizon;
                    return match cl.sim_mut().next_due_by(horizon) {
                        Some(t) => Instant::Next(t),
                        None => {
                            Instant::Stop(outcome.unwrap_or((self.ctrl.timeout_outcome(), horizon)))
                        }
                    };
                };
                self.concluded = Some(c);
                cl.gauges.conclude();
                c
            }
        };
        match cl.sim_mut().next_due_by(self.run_until) {
            Some(t) => Instant::Next(t),
            None => Instant::Stop(concluded),
        }
    }

    fn before(&mut self, at: Time) {
        // Most trials have neither: one test.
        if !self.observed {
            return;
        }
        if let Some(t) = self.traffic.as_deref_mut() {
            t.advance(self.cl, at);
        }
        if self.timeline {
            // Every instant before `at` is over: the fleet as it is held until then.
            self.fleet.hold_until(self.cl, at);
        }
    }

    #[inline]
    fn handle(&mut self, event: Event) {
        let cl = &mut *self.cl;
        cl.prefetch_next_event();
        // Most events are task steps: one test of the tag byte (0, see `Event`) before the
        // rest are matched.
        if let Event::Task {
            task,
            generation,
            step,
        } = event
        {
            cl.handle_step(task, generation, step);
        } else {
            self.handle_other(event);
        }
        self.inbox
            .deliver(&mut *self.cl, self.ctrl, self.traffic.as_deref_mut());
    }
}

impl<C: Controller> TrialRun<'_, '_, C> {
    /// An event other than a task step.
    #[inline]
    fn handle_other(&mut self, event: Event) {
        let cl = &mut *self.cl;
        match event {
            Event::Task { .. } => unreachable!("task steps are handled first"),
            Event::Timer(payload) => self.ctrl.on_timer(cl, C::Timer::decode(payload)),
            Event::Action(i) => {
                self.actions_left -= 1;
                let actions = &cl.scenario.actions;
                self.ctrl.on_action(cl, &actions[i as usize].kind);
            }
            Event::Node { node, change } => {
                if let Some(notice) = cl.engine(|cl| cl.handle_node(node, change)) {
                    self.ctrl.on_node(cl, node, notice);
                }
            }
            Event::Drain(i) => self.ctrl.on_drain(cl, i),
            Event::Autoscale => cl.autoscale(),
            Event::Cancelled(n) => cl.sim_mut().count_popped(u64::from(n) - 1),
        }
    }
}

/// The buffers notices and task changes are handed over in.
#[derive(Default)]
struct Inbox {
    notices: Vec<Notice>,
    changed: Vec<TaskId>,
}

impl Inbox {
    /// Hand every pending notice to the controller, including those its reactions
    /// cause; then show the traffic model every task that changed.
    #[inline]
    fn deliver<C: Controller>(
        &mut self,
        cl: &mut Cluster,
        ctrl: &mut C,
        traffic: Option<&mut TrafficModel>,
    ) {
        // Most events and instants leave nothing to hand over: checked inline, first (an
        // empty inbox needs no look at the budget). Of the rest, most hand over a single
        // notice whose reaction makes none: handed over inline too, as the first round of
        // `deliver_some`'s loop would.
        if traffic.is_none() {
            if !cl.has_notices() {
                return;
            }
            if !cl.over_budget()
                && let Some(n) = cl.take_only_notice()
            {
                ctrl.on_task(cl, n);
                if !cl.has_notices() {
                    return;
                }
            }
        }
        self.deliver_some(cl, ctrl, traffic);
    }

    #[inline(never)]
    fn deliver_some<C: Controller>(
        &mut self,
        cl: &mut Cluster,
        ctrl: &mut C,
        traffic: Option<&mut TrafficModel>,
    ) {
        // Over budget, the trial ends: a controller and the engine answering each other
        // within one instant would otherwise never stop.
        while cl.has_notices() && !cl.over_budget() {
            // Mostly a single notice waits: handed over without swapping the buffers.
            if let Some(n) = cl.take_only_notice() {
                ctrl.on_task(cl, n);
                continue;
            }
            cl.take_notices(&mut self.notices);
            for &n in self.notices.iter() {
                ctrl.on_task(cl, n);
            }
        }
        if let Some(t) = traffic {
            cl.take_changed(&mut self.changed);
            for &id in self.changed.iter() {
                t.observe(cl, id);
            }
        }
    }
}
