//! One trial: the single-threaded event loop that runs a controller against the cluster.
//!
//! A trial is a pure function of (scenario, trial index, seed). The loop pops events in
//! time order; after each it delivers the resulting task notices to the controller (which
//! may cause more, delivered in turn). When the next event lies in the future, the
//! current instant is over: the controller settles (Kubernetes syncs here), the gauges
//! record the instant's counts, and the loop stops if the rollout has concluded and no
//! user action is still to come.
//!
//! Every trial has a budget of work ([`event_budget`]): a trial that exceeds it (a chain of
//! instant steps that never lets time move, or a runaway far beyond any rollout) stops at
//! once with outcome `timeout` and the `event_budget_exceeded` warning, never a hang.

use crate::cluster::{Cluster, Event, Notice, TaskId, TraceRecord};
use crate::experiment::fleet::{FleetSampler, FleetTimeline};
use crate::experiment::result::Verdict;
use crate::experiment::{Outcome, TrialResult};
use crate::scenario::{Scenario, Strategy};
use crate::sim::time::{SECOND, Time};
use crate::strategy::Controller;
use crate::strategy::canary::Rollout;
use crate::strategy::kubernetes::Deployment;
use crate::strategy::swarm::Swarm;
use crate::traffic::{SWARM_GOSSIP_DELAY, TimelineRow, TrafficModel};

/// Work (events plus zero-length steps) every trial may do whatever its scenario.
pub const EVENT_BUDGET_FLOOR: u64 = 100_000;
/// Work allowed per (replica or node) and per shortest period of the horizon.
pub const EVENT_BUDGET_PER_TICK: u64 = 10;
/// No trial does more work than this (about five seconds of one core).
pub const EVENT_BUDGET_CAP: u64 = 50_000_000;

/// The trial's budget of work: events plus zero-length steps.
///
/// `min(CAP, FLOOR + PER_TICK × (replicas + nodes) × ⌈horizon / period⌉)`, where `period`
/// is the shortest of 1 s and every HEALTHCHECK `interval` / `start_interval` and probe
/// `periodSeconds` of the scenario. A task does a bounded number of steps per life (about
/// ten) and at most a few per probe period while its readiness flaps, so a rollout that
/// lets time move stays far below it; work beyond it is a loop that never settles or a
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
    let period: Time = hc
        .chain(probes)
        .chain([SECOND])
        .filter(|&p| p > 0)
        .min()
        .unwrap_or(SECOND);
    let ticks = s.horizon.div_ceil(period);
    let units = u64::from(svc.replicas) + s.cluster.nodes.len() as u64;
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
    controller: Box<dyn Controller + 's>,
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
    /// Whether this build can simulate the scenario's strategy.
    pub fn supports(scenario: &Scenario) -> Result<(), String> {
        match scenario.strategy {
            Strategy::Swarm(_) | Strategy::Kubernetes(_) | Strategy::Rollout(_) => Ok(()),
        }
    }

    /// Buffers for trials of `scenario`. Check [`Workspace::supports`] first.
    pub fn new(scenario: &'s Scenario) -> Workspace<'s> {
        let controller: Box<dyn Controller + 's> = match &scenario.strategy {
            Strategy::Swarm(cfg) => Box::new(Swarm::new(cfg)),
            Strategy::Kubernetes(cfg) => Box::new(Deployment::new(cfg)),
            Strategy::Rollout(cfg) => Box::new(Rollout::new(cfg)),
        };
        let mut cluster = Cluster::new(scenario);
        cluster.set_budget(event_budget(scenario));
        let traffic = TrafficModel::new(scenario);
        if traffic.is_some() {
            cluster.track_changes();
        }
        if matches!(scenario.strategy, Strategy::Swarm(_)) && scenario.service.has_service_binding()
        {
            // The executor deactivates the task's service binding, then waits for gossip
            // before stopping the container. What Docker does, measured or not: it never
            // depends on `traffic`.
            cluster.stop_signal_delay = SWARM_GOSSIP_DELAY;
        }
        Workspace {
            cluster,
            inbox: Inbox::default(),
            controller,
            traffic,
            fleet: FleetSampler::default(),
        }
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
        let ctrl = self.controller.as_mut();
        let mut traffic = self.traffic.as_mut();
        let scenario = cl.scenario;
        let horizon = scenario.horizon;
        cl.reset(trial, traced);
        if let Some(t) = traffic.as_deref_mut() {
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
        let run_until = traffic
            .as_deref()
            .and_then(TrafficModel::fixed_window)
            .unwrap_or(0);
        let mut actions_left = scenario.actions.len();
        ctrl.start(cl);
        self.inbox.deliver(cl, ctrl, traffic.as_deref_mut());
        let mut concluded = None;
        let end = loop {
            if cl.over_budget() {
                break (Outcome::Timeout, cl.now);
            }
            let next = cl.next_event_time();
            if next != Some(cl.now) {
                // The instant is over.
                ctrl.settle(cl);
                self.inbox.deliver(cl, ctrl, traffic.as_deref_mut());
                // Settling may have scheduled events: look again.
                let next = cl.next_event_time();
                if next == Some(cl.now) {
                    continue;
                }
                if concluded.is_none() {
                    cl.gauges.observe();
                    if let (0, Some(c)) = (actions_left, ctrl.outcome()) {
                        concluded = Some(c);
                    }
                }
                match (concluded, next) {
                    (Some(_), Some(t)) if t <= run_until => {}
                    (Some(c), _) => break c,
                    (None, Some(t)) if t <= horizon => {}
                    (None, _) => break (ctrl.timeout_outcome(), horizon),
                }
            }
            if let (Some(t), Some(at)) = (traffic.as_deref_mut(), cl.next_event_time()) {
                t.advance(cl, at);
            }
            if let (Some(_), Some(at)) = (timeline, cl.next_event_time()) {
                // Every instant before `at` is over: the fleet as it is held until then.
                fleet.hold_until(cl, at);
            }
            match cl.pop_event().expect("an event is due") {
                Event::Task {
                    task,
                    generation,
                    step,
                } => cl.handle_step(task, generation, step),
                Event::Timer(payload) => ctrl.on_timer(cl, payload),
                Event::Action(i) => {
                    actions_left -= 1;
                    ctrl.on_action(cl, &scenario.actions[i as usize].kind);
                }
                Event::Node { node, change } => cl.engine(|cl| cl.handle_node(node, change)),
            }
            self.inbox.deliver(cl, ctrl, traffic.as_deref_mut());
        };
        // Stopped by the budget (also from inside an instant): `timeout` when it stopped.
        let (outcome, at) = if cl.over_budget() {
            if concluded.is_none() {
                cl.gauges.observe(); // the counts where it stopped
            }
            (Outcome::Timeout, cl.now)
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
            restarts: g.restarts,
            update_failures: ctrl.update_failures(),
            deadline_exceeded_at: ctrl.deadline_exceeded_at(),
            events: cl.events,
            update_failures_modelled: matches!(scenario.strategy, Strategy::Swarm(_)),
            peak_running_tasks: g.peak_running,
            event_budget_exceeded: cl.over_budget(),
            verdict: matches!(scenario.strategy, Strategy::Rollout(_))
                .then(|| Verdict::new(scenario, ctrl.aborted_at())),
        };
        (result, timeline)
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
    fn deliver(
        &mut self,
        cl: &mut Cluster,
        ctrl: &mut dyn Controller,
        traffic: Option<&mut TrafficModel>,
    ) {
        // Over budget, the trial ends: a controller and the engine answering each other
        // within one instant would otherwise never stop.
        while cl.has_notices() && !cl.over_budget() {
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
