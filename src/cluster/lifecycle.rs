//! A task's lifecycle steps: from placement to the image, the start, the process and its
//! health, to its death or exit. The image is [`super::image_pull`]'s, and the one place a
//! task's state changes ([`Cluster::set_state`]) is [`super::state_change`]'s. Zero-length
//! steps join the worklist of the current engine call ([`Cluster::engine`]).

use super::health::AppTimes;
use super::runtime::ContainerRuntime;
use super::{Cluster, Event, Step, TaskId, TaskState, control_plane};
use crate::scenario::{Dist, Phase, Scenario, VersionId};
use crate::sim::Purpose;
use crate::sim::time::{NEVER, Time, after};

/// The time from the stop decision to the exit of a process that is not hung and shuts
/// down in `shutdown`: preStop, then the shutdown, cut at the grace period `grace`.
#[inline(always)]
pub(super) fn exit_work(scenario: &Scenario, shutdown: Time, grace: Time) -> Time {
    after(scenario.service.pre_stop, shutdown).min(grace)
}

impl Cluster<'_> {
    /// Apply a task step popped from the queue.
    pub fn handle_step(&mut self, id: TaskId, generation: u32, step: Step) {
        self.engine(|cl| cl.apply_step(id, generation, step));
    }

    pub(super) fn apply_step(&mut self, id: TaskId, generation: u32, step: Step) {
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
                let rt = self.runtime;
                rt.became_ready(self, id);
            }
            // Only the kubelet's readiness probe schedules it.
            Step::NotReady => {
                self.set_state(id, TaskState::Running);
                self.next_readiness_flip(id, true);
            }
            Step::Available => self.become_available(id),
            Step::Died => self.fail(id),
            Step::Exited => self.set_state(id, TaskState::Stopped),
            Step::RetryPull => self.fetch_image(id, false),
            // Deleted by the taint manager: no longer counted, never exits on a lost node.
            Step::Evicted => {
                self.evicted.push(id);
                self.stop_task_now(id, true);
            }
            Step::StopSignal => self.signal_stop(id),
            Step::EngineStarted => {
                if self.change_starts(|q, now, slow, ends| q.finish(id, now, slow, ends)) {
                    self.container_started(id);
                }
            }
        }
    }

    /// From the stop decision to the container's exit: preStop, then SIGTERM until the
    /// process exits, cut at the grace period by SIGKILL. A hung process never exits on its
    /// own, so it takes the whole grace period. A version whose `shutdown` is fixed has it
    /// worked out once ([`Cluster::exit_work`]).
    #[inline(always)]
    pub(super) fn time_to_exit(&self, id: TaskId) -> Time {
        let t = &self.tasks[id as usize];
        if t.hang_at <= self.sim.now() {
            return self.grace;
        }
        if let Some(work) = self.exit_work[t.version as usize] {
            return work;
        }
        let rng = || self.rng(t.slot, t.version, t.attempt, Purpose::Shutdown);
        exit_work(
            self.scenario,
            self.version(t.version).shutdown.draw(rng),
            self.grace,
        )
    }

    /// Start the container if every gate is open; `phase` is the control-plane latency of
    /// the gate that opened (a held task released, or any other).
    ///
    /// The one gate every start goes through (a pull done, a restart delay or back-off
    /// over, a held task released; `fetch_image`'s shortcut is for a task just placed, on
    /// a node that is up), and so the one place of the rule that **nothing starts on a
    /// lost node**: its agent (kubelet) went with the machine, and the control plane does
    /// not know yet. A task there stays as it is until the control plane acts (Swarm: the
    /// node declared down, the task failed and replaced; Kubernetes: NotReady, then
    /// eviction) or the node returns ([`super::node_loss`]). The steps it had scheduled
    /// were cancelled at the loss; what still reaches here is a release that does not come
    /// from the node: Swarm stop-first's `allow_start` once the old task ends (on another
    /// node) or after swarmkit's 1-minute wait. One flag test: `lost` shares the task's
    /// first 32 bytes with the state read next.
    pub(super) fn try_start(&mut self, id: TaskId, phase: Phase) {
        let t = &self.tasks[id as usize];
        if t.lost {
            return;
        }
        if t.state == TaskState::Pulling {
            self.set_state(id, TaskState::Prepared);
        }
        let t = &self.tasks[id as usize];
        let startable = matches!(t.state, TaskState::Prepared | TaskState::BackOff);
        if !startable || !t.start_allowed {
            return;
        }
        if t.start_not_before > self.sim.now() {
            let at = t.start_not_before;
            self.schedule_step_at(id, at, Step::StartDelayOver);
            return;
        }
        let (slot, version, attempt, node) = (t.slot, t.version, t.attempt, t.node);
        if t.state == TaskState::BackOff {
            // The kubelet starts the container again: its `restartCount` goes up now (the
            // new container's), not when the old one exited.
            self.gauges.restarts += 1;
            self.tasks[id as usize].restarts += 1;
        }
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
    pub(super) fn change_starts<R>(
        &mut self,
        op: impl FnOnce(&mut control_plane::StartQueue, Time, f64, &mut Vec<(TaskId, Time)>) -> R,
    ) -> R {
        let slowdown = self.scenario.cluster.control_plane.parallel_start_slowdown;
        let mut ends = std::mem::take(&mut self.start_ends);
        let r = op(&mut self.starts, self.sim.now(), slowdown, &mut ends);
        for &(task, end) in &ends {
            let generation = self.tasks[task as usize].generation;
            let step = Step::EngineStarted;
            self.schedule_event(
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
    #[inline]
    pub(super) fn container_started(&mut self, id: TaskId) {
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let rng = || self.rng(slot, version, attempt, Purpose::Start);
        let d = self.version(version).start.draw(rng);
        self.schedule_step(id, d, Step::ProcessStarted);
    }

    pub(super) fn process_started(&mut self, id: TaskId) {
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let v = self.version(version);
        if v.crash_probability > 0.0
            && self
                .rng(slot, version, attempt, Purpose::CrashOnStart)
                .chance(v.crash_probability)
        {
            if self.runtime.reports_running_before_exit(self) {
                self.set_state(id, TaskState::Ready);
            }
            self.fail(id);
            return;
        }
        self.begin_process(id, false);
    }

    /// A latency of the task `(slot, version, attempt)` from its `purpose` stream, built
    /// only when the draw is random. Inlined: most latencies are constant or `never`, and
    /// those are answered without a call.
    #[inline(always)]
    fn draw(&self, d: &Dist, (slot, version, attempt): (u32, VersionId, u32), p: Purpose) -> Time {
        d.draw(|| self.rng(slot, version, attempt, p))
    }

    /// The process runs: draw its timeline and schedule health and death.
    #[inline]
    pub(super) fn begin_process(&mut self, id: TaskId, healthy_already: bool) {
        let now = self.sim.now();
        let t = &self.tasks[id as usize];
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let v = self.version(version);
        let task = (slot, version, attempt);
        let ready_at = if healthy_already {
            now
        } else {
            after(now, self.draw(&v.ready_after, task, Purpose::ReadyAfter))
        };
        // Most versions neither hang nor crash: two tests rather than two draws' dispatch
        // (a `never` draw takes nothing from its stream).
        let (hang_at, crash_at) = if v.hang_after.is_never() && v.crash_after.is_never() {
            (NEVER, NEVER)
        } else {
            (
                after(now, self.draw(&v.hang_after, task, Purpose::HangAfter)),
                after(now, self.draw(&v.crash_after, task, Purpose::CrashAfter)),
            )
        };
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
        let rt = self.runtime;
        rt.process_running(self, id, app, crash_at, healthy_already);
    }

    /// The container died on its own.
    pub(super) fn fail(&mut self, id: TaskId) {
        if !self.tasks[id as usize].is_live() {
            return;
        }
        let t = &mut self.tasks[id as usize];
        t.generation += 1;
        t.stops_answering_at = t.stops_answering_at.min(self.sim.now());
        let rt = self.runtime;
        rt.died(self, id);
    }
}
