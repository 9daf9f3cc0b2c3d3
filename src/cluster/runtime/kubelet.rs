//! The kubelet: probes decide when a container is started, Ready (and NotReady again) and
//! killed ([`super::super::kubelet`] draws the plan); a container that dies is restarted in
//! the same pod after the CrashLoopBackOff delay, and a failed pull is retried after a
//! back-off.

use super::super::health::AppTimes;
use super::super::kubelet;
use super::super::kubelet::Readiness;
use super::super::{Cluster, Step, TaskId, TaskState};
use crate::sim::time::{NEVER, SECOND, Time};
use crate::sim::{KeyedRng, Purpose};

impl Cluster<'_> {
    /// The kubelet's plan for a container whose process just started. Out of line: the
    /// process start dispatches to either runtime, and the Docker engine's path stays
    /// small without the probe walks in its frame.
    #[inline(never)]
    pub(super) fn begin_kubelet(
        &mut self,
        id: TaskId,
        app: AppTimes,
        crash_at: Time,
        serving: bool,
    ) {
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let svc = &self.scenario.service;
        let readiness = self.readiness_stream(id);
        // A probe that is never flaky draws nothing: it walks with a copy of the readiness
        // stream instead of building its own (building one is a few multiplies).
        let stream = |p, purpose| {
            if kubelet::Streams::own(p) {
                self.rng(slot, version, attempt, purpose)
            } else {
                readiness.clone()
            }
        };
        let streams = kubelet::Streams {
            startup: stream(&svc.startup_probe, Purpose::StartupProbe),
            liveness: stream(&svc.liveness_probe, Purpose::Liveness),
            readiness,
        };
        let p = kubelet::plan(
            &self.scenario.service,
            &self.skips,
            app,
            crash_at,
            serving,
            streams,
            self.scenario.horizon,
        );
        let pod = &mut self.pods[id as usize];
        pod.readiness = p.readiness.map_or(Readiness::Off, Readiness::Walk);
        pod.death_at = p.death_at;
        pod.probe_kill = p.probe_kill;
        if p.ready_at < p.death_at {
            if serving && p.ready_at <= self.sim.now() {
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

    /// The random stream of the readiness probe of the task's current container.
    pub(in crate::cluster) fn readiness_stream(&self, id: TaskId) -> KeyedRng {
        let t = &self.tasks[id as usize];
        self.rng(t.slot, t.version, t.attempt, Purpose::Probe)
    }

    /// Kubelet: the container exited (crash) or is being killed (probe); restart it in the
    /// same pod after the CrashLoopBackOff delay, with fresh draws (`attempt + 1`). The
    /// restart is counted when the container starts again (`try_start`), as the
    /// pod's `restartCount`: a pod deleted, or a trial ended, during its back-off has not
    /// restarted.
    pub(super) fn restart_in_place(&mut self, id: TaskId) {
        let now = self.sim.now();
        let finished =
            if self.pods[id as usize].probe_kill && self.tasks[id as usize].run_at != NEVER {
                // Killed like a stop: preStop and SIGTERM, SIGKILL at the grace period.
                now + self.time_to_exit(id)
            } else {
                now
            };
        let pod = &mut self.pods[id as usize];
        pod.probe_kill = false;
        pod.readiness = Readiness::Off;
        pod.death_at = NEVER;
        let at = pod.crash_loop.restart_at(finished);
        let t = &mut self.tasks[id as usize];
        t.attempt += 1;
        t.start_not_before = at;
        t.run_at = t.run_at.min(now); // the pod's phase stays Running
        self.set_state(id, TaskState::BackOff);
        self.schedule_step_at(id, at, Step::StartDelayOver);
    }

    /// ErrImagePull: pull again after a back-off of 10 s doubling to 300 s (the same
    /// `flowcontrol.Backoff` as CrashLoopBackOff).
    pub(super) fn retry_pull_later(&mut self, id: TaskId) {
        let failures = self.tasks[id as usize].pull_failures;
        let back_off = (10 * SECOND) << (failures - 1).min(5);
        self.schedule_step(id, back_off.min(300 * SECOND), Step::RetryPull);
    }
}
