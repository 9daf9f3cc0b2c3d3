//! What controllers do: the verbs they act on the cluster with (create, release, stop a
//! task, set a timer) and the rollout records they add to the trace.

use super::runtime::RuntimeKind;
use super::task::Task;
use super::trace::MeasurementRecord;
use super::{Cluster, Event, OwnerId, StartGate, Step, TaskId, TaskState, TraceRecord, kubelet};
use crate::cluster::gauges::{Share, has_container};
use crate::scenario::{Phase, VersionId};
use crate::sim::engine::Payload;
use crate::sim::time::Time;

impl Cluster<'_> {
    /// Schedule a user action.
    pub fn schedule_action(&mut self, at: Time, index: u32) {
        self.sim.schedule(at, Event::Action(index));
    }

    /// Schedule one of the controller's timers; it comes back to its `on_timer` at `at`.
    /// Inlined: the timer is mostly a constant kind, whose encoding then folds away.
    #[inline]
    pub fn set_timer(&mut self, at: Time, timer: impl Payload) {
        self.sim.schedule(at, Event::Timer(timer.encode()));
    }

    /// Record a rollout state change in the trace.
    pub fn trace_update(&mut self, state: &'static str, message: impl FnOnce() -> Option<String>) {
        if let Some(tr) = self.trace.as_mut() {
            tr.push(TraceRecord::Update {
                t: self.sim.now(),
                state,
                message: message(),
            });
        }
    }

    /// Record a measurement an analysis took in the trace; `record` is asked only when
    /// the trial is traced.
    pub fn trace_measurement(&mut self, record: impl FnOnce() -> MeasurementRecord) {
        if let Some(tr) = self.trace.as_mut() {
            tr.push(TraceRecord::Measurement(Box::new(record())));
        }
    }

    /// Record a ReplicaSet scale in the trace: `specs` gives the new and the old pods'
    /// specs, and is asked only when the trial is traced (a Deployment sums its sets for it).
    pub fn trace_scale(&mut self, specs: impl FnOnce() -> (u32, u32)) {
        if let Some(tr) = self.trace.as_mut() {
            let (new, old) = specs();
            tr.push(TraceRecord::Scale {
                t: self.sim.now(),
                new,
                old,
            });
        }
    }

    /// Create a task of `version` in `slot`, counted in group `owner` (see [`Task::owner`]),
    /// and try to place it at once.
    pub fn create_task(
        &mut self,
        slot: u32,
        version: VersionId,
        owner: OwnerId,
        gate: StartGate,
    ) -> TaskId {
        // Outermost, the creation is the whole engine call: nothing follows its last step.
        let last = !self.busy;
        self.engine(|cl| cl.create_task_now(slot, version, owner, gate, last))
    }

    /// `last`: nothing of the current engine call follows this creation (see
    /// [`Cluster::applies_at_once`]).
    pub(super) fn create_task_now(
        &mut self,
        slot: u32,
        version: VersionId,
        owner: OwnerId,
        gate: StartGate,
        last: bool,
    ) -> TaskId {
        let versions = self.scenario.service.versions.len();
        let key = slot as usize * versions + version as usize;
        if key >= self.incarnations.len() {
            self.incarnations.resize(key + 1, 0);
        }
        let attempt = self.incarnations[key];
        self.incarnations[key] += 1;
        let mut task = Task::new(slot, version, attempt, self.sim.now());
        task.owner = owner;
        match gate {
            StartGate::Now => {}
            StartGate::Held => task.start_allowed = false,
            StartGate::NotBefore(t) => task.start_not_before = t,
        }
        let id = self.tasks.len() as TaskId;
        self.tasks.push(task);
        if id >= self.task_budget {
            // One task more than the trial may create: it ends here, as over its budget.
            self.sim.exhaust();
        }
        // The new task is wanted; a placed one is counted with its node in the same change
        // (`place_on`, one count change instead of two), a waiting one below. The edit is
        // recorded now, where the count change would have recorded it.
        self.edited(id);
        if self.runtime == RuntimeKind::Kubelet {
            self.pods.push(kubelet::PodState::default()); // only the kubelet reads them
        }
        self.slot_tasks.push(slot, id);
        match self.pick_node(id) {
            Ok(node) => {
                self.record(id, None);
                self.place_on(id, node, Share::default(), last);
            }
            Err(reason) => {
                let t = &self.tasks[id as usize];
                if self.counts_wanted {
                    self.share_changed(t.owner as usize, Share::default(), t.share());
                }
                self.record(id, Some(reason));
                self.pending.push_back(id);
            }
        }
        id
    }

    /// Create a task that is already serving at time 0 (the fleet before the rollout).
    pub fn create_serving_task(&mut self, slot: u32, version: VersionId, owner: OwnerId) -> TaskId {
        // The trace shows the fleet as it stands at time 0, not how it got there.
        let trace = self.trace.take();
        let id = self.create_serving_task_untraced(slot, version, owner);
        self.trace = trace;
        let waits = self.tasks[id as usize].state == TaskState::Pending;
        self.record(id, waits.then(|| self.placer.last_failure()).flatten());
        id
    }

    pub(super) fn create_serving_task_untraced(
        &mut self,
        slot: u32,
        version: VersionId,
        owner: OwnerId,
    ) -> TaskId {
        self.engine(|cl| cl.create_serving_task_now(slot, version, owner))
    }

    pub(super) fn create_serving_task_now(
        &mut self,
        slot: u32,
        version: VersionId,
        owner: OwnerId,
    ) -> TaskId {
        let id = self.create_task_now(slot, version, owner, StartGate::Now, false);
        let t = &self.tasks[id as usize];
        if t.state == TaskState::Pending {
            return id; // the cluster is too small even for the current fleet
        }
        if let Some(node) = t.node {
            let version = self.scenario.service.release(version);
            let n = &mut self.nodes[node as usize];
            n.image_at[version as usize] = 0;
            n.pull_undecided[version as usize] = false;
        }
        self.tasks[id as usize].generation += 1; // cancel any pull in flight
        self.begin_process(id, true);
        id
    }

    /// Replace the start gate of a task not started yet (Swarm: a `DelayStart` that cancels
    /// the one pending, e.g. a restart delay): `Held` until [`Cluster::allow_start`], or
    /// `Now`, released at once. A task already starting or ended is left as it is.
    pub fn regate(&mut self, id: TaskId, gate: StartGate) {
        let t = &mut self.tasks[id as usize];
        if !t.is_live()
            || !matches!(
                t.state,
                TaskState::Pending | TaskState::Pulling | TaskState::Prepared
            )
        {
            return;
        }
        t.start_not_before = 0;
        t.start_allowed = false;
        if gate == StartGate::Held {
            return;
        }
        self.allow_start(id);
    }

    /// Let a held task start once it is prepared.
    pub fn allow_start(&mut self, id: TaskId) {
        self.engine(|cl| cl.allow_start_now(id));
    }

    pub(super) fn allow_start_now(&mut self, id: TaskId) {
        let t = &mut self.tasks[id as usize];
        if t.start_allowed || !t.is_live() {
            return;
        }
        t.start_allowed = true;
        if t.state == TaskState::Prepared {
            // Held back (Swarm stop-first) until now: the release goes round the manager
            // (which sets the desired state; on a lost node no agent acts on it, see
            // `try_start`).
            self.try_start(id, Phase::StartAfterStop);
        }
    }

    /// Tell a task to stop (desired state shutdown). A task without a running container
    /// stops at once; a running one is acted on after the control plane's `stop_signal`:
    /// it leaves the serving count (`terminating`), then exits after
    /// `stop_signal_delay + min(pre_stop + shutdown, grace)`. A Kubernetes pod leaves its
    /// service's ready endpoints at the decision itself ([`Cluster::endpoint_ready`]).
    pub fn stop_task(&mut self, id: TaskId) {
        // Outermost, the stop is the whole engine call: nothing follows its last step.
        let last = !self.busy;
        self.engine(|cl| cl.stop_task_now(id, last));
    }

    /// `last`: nothing of the current engine call follows this stop (see
    /// [`Cluster::applies_at_once`]).
    pub(super) fn stop_task_now(&mut self, id: TaskId, last: bool) {
        let t = &self.tasks[id as usize];
        if !t.is_live() || t.stop_requested {
            return;
        }
        let old = self.share(id);
        let t = &mut self.tasks[id as usize];
        t.stop_requested = true;
        t.generation += 1;
        let (state, node) = (t.state, t.node);
        self.recount(id, old);
        if state == TaskState::Ready && self.runtime.leaves_endpoints_on_delete() {
            // Out of the endpoints now, though the pod stays Ready until the kubelet acts
            // on the deletion: the traffic model must look again.
            self.touch(id);
        }
        if let Some(node) = node {
            // Placed and live, so holding resources: it keeps them until it exits, but
            // Swarm's scheduler no longer counts it (its desired state is past COMPLETED).
            if self.placer.counts_active() {
                self.change_node(node, |n| n.active -= 1);
            } else {
                // Kubernetes' node order does not read the count: no index to update.
                self.nodes[node as usize].active -= 1;
            }
        }
        if self.placer.depends_on_tasks() && old.node().is_some() {
            // A task told to stop no longer counts for spread or a per-node limit.
            self.place_pending();
        }
        // A task on a lost node is told to stop (a pod deleted in the API, a Swarm task's
        // desired state SHUTDOWN) but stays there, Terminating, until an agent confirms:
        // its stop goes the way of one with a container (`signal_stop`), whatever its
        // state.
        let lost = self.tasks[id as usize].lost;
        match state {
            TaskState::Pending | TaskState::Pulling | TaskState::Prepared | TaskState::BackOff
                if !lost || state == TaskState::Pending =>
            {
                self.set_state(id, TaskState::Stopped)
            }
            _ => {
                if !self.starts.is_empty() {
                    self.change_starts(|q, now, slow, ends| q.cancel(id, now, slow, ends));
                }
                let t = &self.tasks[id as usize];
                let signal = self.overhead(Phase::StopSignal, t.slot, t.version, t.attempt);
                if signal == 0 && last && self.applies_at_once() {
                    // The signal step is the stop's last act: applied at once.
                    self.count_step();
                    self.signal_stop(id);
                } else {
                    self.schedule_step(id, signal, Step::StopSignal);
                }
            }
        }
    }

    /// The engine acts on a stop: out of rotation now (a Swarm task; a pod left at the
    /// decision), exit later. Applied as a step or
    /// as a stop's last act (its exit is then the last act of either), or for a task on a
    /// lost node (which has none).
    pub(super) fn signal_stop(&mut self, id: TaskId) {
        let signal = self.stop_signal_delay + self.scenario.service.pre_stop.min(self.grace);
        let t = &mut self.tasks[id as usize];
        t.stops_answering_at = t.stops_answering_at.min(self.sim.now() + signal);
        if t.lost {
            // Nothing runs on a lost node to exit; see `node_back`. A pod whose container
            // never started is Terminating all the same, without a container.
            let state = if has_container(t.state) {
                TaskState::Terminating
            } else {
                TaskState::Deleting
            };
            self.set_state(id, state);
            return;
        }
        let exit = self.stop_signal_delay + self.time_to_exit(id);
        if exit == 0 && self.applies_at_once() {
            // The exit step is the signal's last act, applied at once: Terminating and
            // Stopped in one state change. A task told to stop has no share of the wanted
            // counts, and Terminating holds its resources and container, so the counts
            // move as with the two changes.
            self.pass_through(id, TaskState::Terminating);
            self.count_step();
            self.set_state(id, TaskState::Stopped);
            return;
        }
        self.set_state(id, TaskState::Terminating);
        self.schedule_step(id, exit, Step::Exited);
    }
}
