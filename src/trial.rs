//! One trial: the single-threaded event loop that runs a controller against the cluster.
//!
//! A trial is a pure function of (scenario, trial index, seed). The loop pops events in
//! time order; after each it delivers the resulting task notices to the controller (which
//! may cause more, delivered in turn). When the next event lies in the future, the
//! current instant is over: the controller settles (Kubernetes syncs here), the gauges
//! record the instant's counts, and the loop stops if the rollout has concluded and no
//! user action is still to come.

use crate::cluster::{Cluster, Event, Notice, TraceRecord};
use crate::experiment::TrialResult;
use crate::scenario::{Scenario, Strategy};
use crate::strategy::Controller;
use crate::strategy::kubernetes::Deployment;
use crate::strategy::swarm::Swarm;

/// Reusable buffers of one worker thread: run many trials of one scenario with one of these.
pub struct Workspace<'s> {
    cluster: Cluster<'s>,
    notices: Vec<Notice>,
    controller: Box<dyn Controller + 's>,
}

impl<'s> Workspace<'s> {
    /// Whether this build can simulate the scenario's strategy.
    pub fn supports(scenario: &Scenario) -> Result<(), String> {
        match scenario.strategy {
            Strategy::Swarm(_) | Strategy::Kubernetes(_) => Ok(()),
        }
    }

    /// Buffers for trials of `scenario`. Check [`Workspace::supports`] first.
    pub fn new(scenario: &'s Scenario) -> Workspace<'s> {
        let controller: Box<dyn Controller + 's> = match &scenario.strategy {
            Strategy::Swarm(cfg) => Box::new(Swarm::new(cfg)),
            Strategy::Kubernetes(cfg) => Box::new(Deployment::new(cfg)),
        };
        Workspace {
            cluster: Cluster::new(scenario),
            notices: Vec::new(),
            controller,
        }
    }

    /// Run trial `trial`.
    pub fn run(&mut self, trial: u64) -> TrialResult {
        self.run_inner(trial, false)
    }

    /// Run trial `trial` and return its event log as well.
    pub fn run_traced(&mut self, trial: u64) -> (TrialResult, Vec<TraceRecord>) {
        let r = self.run_inner(trial, true);
        (r, self.cluster.trace.take().unwrap_or_default())
    }

    fn run_inner(&mut self, trial: u64, traced: bool) -> TrialResult {
        let cl = &mut self.cluster;
        let ctrl = self.controller.as_mut();
        let scenario = cl.scenario;
        let horizon = scenario.horizon;
        cl.reset(trial, traced);
        for (i, a) in scenario.actions.iter().enumerate() {
            cl.schedule_action(a.at, i as u32);
        }
        let mut actions_left = scenario.actions.len();
        ctrl.start(cl);
        deliver(cl, ctrl, &mut self.notices);
        let end = loop {
            let next = cl.next_event_time();
            if next != Some(cl.now) {
                // The instant is over.
                ctrl.settle(cl);
                deliver(cl, ctrl, &mut self.notices);
                // Settling may have scheduled events: look again.
                let next = cl.next_event_time();
                if next == Some(cl.now) {
                    continue;
                }
                cl.gauges.observe();
                if let (0, Some((outcome, at))) = (actions_left, ctrl.outcome()) {
                    break (outcome, at);
                }
                match next {
                    Some(t) if t <= horizon => {}
                    _ => break (ctrl.timeout_outcome(), horizon),
                }
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
            }
            deliver(cl, ctrl, &mut self.notices);
        };
        let (outcome, at) = end;
        let g = &cl.gauges;
        TrialResult {
            trial,
            seed: scenario.seed,
            outcome,
            duration: at,
            min_ready: g.min_ready,
            min_available: g.min_available,
            peak_tasks: g.peak_tasks,
            peak_cpu_millis: g.peak_cpu,
            peak_memory_bytes: g.peak_memory,
            traffic: None,
            restarts: g.restarts,
            update_failures: ctrl.update_failures(),
            deadline_exceeded_at: ctrl.deadline_exceeded_at(),
            events: cl.events,
        }
    }
}

/// Hand every pending notice to the controller, including those its reactions cause.
fn deliver(cl: &mut Cluster, ctrl: &mut dyn Controller, buf: &mut Vec<Notice>) {
    while cl.has_notices() {
        cl.take_notices(buf);
        for &n in buf.iter() {
            ctrl.on_task(cl, n);
        }
    }
}
