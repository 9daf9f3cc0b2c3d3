//! The Docker engine: a container is healthy when its HEALTHCHECK passes (at once without
//! one), and a container that dies fails its task for good; the orchestrator replaces it.

use super::super::health::{AppTimes, docker_health_lazy};
use super::super::{Cluster, Step, TaskId};
use crate::scenario::Phase;
use crate::sim::Purpose;
use crate::sim::time::{NEVER, Time, after};

impl Cluster<'_> {
    /// The Docker engine's plan for a container whose process just started: healthy when
    /// its HEALTHCHECK first passes (reported after the control plane's `health_report`),
    /// dead at the first of its crash and the HEALTHCHECK's verdict of unhealthy.
    pub(super) fn begin_docker(
        &mut self,
        id: TaskId,
        app: AppTimes,
        crash_at: Time,
        healthy_already: bool,
    ) {
        let now = self.sim.now();
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let (healthy_at, unhealthy_at) = match &self.scenario.service.healthcheck {
            None => (now, NEVER),
            Some(hc) => {
                let rng = || self.rng(slot, version, attempt, Purpose::Probe);
                let engine = self.scenario.cluster.control_plane.docker_engine;
                let h = docker_health_lazy(
                    hc,
                    engine,
                    app,
                    healthy_already,
                    rng,
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
            || healthy_at == death && death != NEVER && self.docker_reports_running_before_exit();
        if reported {
            self.schedule_step_at(id, healthy_at, Step::Healthy);
        }
        if self.tasks[id as usize].state.is_terminal() {
            return;
        }
        self.schedule_step_at(id, death, Step::Died);
    }

    /// Swarm with failures reported late: a container that started is reported RUNNING
    /// even if its process exits at once (moby's `controller.Start` returns as soon as the
    /// container started when there is no HEALTHCHECK), so the updater may see RUNNING
    /// before the failure. With failures seen at once the distinction cannot show, and
    /// the textbook rule (a start that fails is never RUNNING) stands.
    pub(super) fn docker_reports_running_before_exit(&self) -> bool {
        self.scenario.service.healthcheck.is_none()
            && !self
                .scenario
                .cluster
                .control_plane
                .phase(Phase::FailureReport)
                .is_zero()
    }
}
