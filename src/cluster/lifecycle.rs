//! A task's lifecycle steps: from placement to the image, the start, the process and its
//! health, to its death or exit; the one place a task's state changes ([`Cluster::set_state`]).
//! Zero-length steps join the worklist of the current engine call ([`Cluster::engine`]).

use super::gauges::Moves;
use super::health::AppTimes;
use super::runtime::ContainerRuntime;
use super::{Cluster, Event, NodeId, Share, Step, TaskId, TaskState, control_plane};
use crate::scenario::{Dist, Phase, Resources, Scenario, VersionId};
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

    /// Schedule a step `delay` from now; a zero-length one waits in the worklist for the
    /// current engine call to finish (see [`Cluster::engine`]).
    ///
    /// Inlined: a step that never comes (`NEVER`, a task's death without a crash or a
    /// failing health check) then costs one comparison.
    #[inline]
    pub(super) fn schedule_step(&mut self, id: TaskId, delay: Time, step: Step) {
        if delay == NEVER {
            return;
        }
        let generation = self.tasks[id as usize].generation;
        if delay == 0 {
            self.schedule_due(id, generation, step);
        } else {
            self.schedule_event(
                self.sim.now() + delay,
                Event::Task {
                    task: id,
                    generation,
                    step,
                },
            );
        }
    }

    /// Put a zero-length step in the worklist (applied at once, outside an engine call).
    #[inline(never)]
    fn schedule_due(&mut self, id: TaskId, generation: u32, step: Step) {
        self.engine(|cl| cl.due.push_back((id, generation, step)));
    }

    /// Whether a zero-length step that is the very last act of an engine call or of a
    /// step (nothing of it follows) may be applied at once by its caller: with the
    /// worklist empty, the step is what the worklist would apply next anyway, so the
    /// caller applies it itself after [`Cluster::count_step`], without the round trip
    /// through the worklist. The depth this adds to the call stack is one step per caller,
    /// not a chain: the step's own zero-length steps go through the worklist unless it is
    /// one such last act too (a stop's signal, then its exit, see
    /// [`Cluster::stop_task_now`]; a new task's pull of no time, see
    /// [`Cluster::fetch_image`]).
    #[inline]
    pub(super) fn applies_at_once(&self) -> bool {
        self.busy && self.due.is_empty() && !self.over_budget()
    }

    /// Count a step applied at once ([`Cluster::applies_at_once`]) as the worklist
    /// counts the steps it applies.
    #[inline]
    pub(super) fn count_step(&mut self) {
        self.sim.count_work();
        self.steps += 1;
    }

    /// Put `event` on the engine's agenda (and in the fleet's log while the fleet is
    /// being created, see [`super::fleet`]).
    #[inline]
    pub(super) fn schedule_event(&mut self, at: Time, event: Event) {
        if let Some(log) = self.fleet_log.as_mut() {
            log.push((at, event));
        }
        self.sim.schedule(at, event);
    }

    /// Schedule a step at `at` (now if it is past; never if `NEVER`).
    #[inline]
    pub(super) fn schedule_step_at(&mut self, id: TaskId, at: Time, step: Step) {
        if at != NEVER {
            self.schedule_step(id, at.saturating_sub(self.sim.now()), step);
        }
    }

    /// Make sure the task's node has its image: start it at once if present, otherwise
    /// pull (or wait for the pull already in flight on that node). `last`: nothing of the
    /// current engine call follows (see [`Cluster::applies_at_once`]).
    pub(super) fn fetch_image(&mut self, id: TaskId, last: bool) {
        let t = &self.tasks[id as usize];
        debug_assert!(
            !t.lost,
            "task {id}: nothing is pulled or started on a lost node"
        );
        let (slot, version, attempt) = (t.slot, t.version, t.attempt);
        let node = t.node.expect("a placed task");
        let create = self.overhead(Phase::Create, slot, version, attempt);
        // The image on the node is the version's of the file, which an experiment
        // template's pods share with the version they copy.
        let version = self.scenario.service.release(version);
        let n = &mut self.nodes[node as usize];
        let image_at = n.image_at[version as usize];
        // A pull that may fail has stored nothing on the disk until a task waiting for it
        // has drawn a success (`pull_failed`): a task placed after it landed but before
        // then, at the landing instant or while the waiters' containers are created,
        // waits for it too, and draws its own.
        let now = self.sim.now();
        let present = image_at <= now && !n.pull_undecided[version as usize];
        if present && create == 0 {
            if self.starts_at_once(id) {
                self.start_prepared_at_once(id);
                return;
            }
            self.set_state(id, TaskState::Prepared);
            self.try_start(id, Phase::Start);
            return;
        }
        let pulls = n.pulls;
        if image_at == NEVER {
            n.pulls += 1;
            if create == 0 && last && self.pulls_at_once(id, node, version) {
                return;
            }
        }
        self.set_state(id, TaskState::Pulling);
        let image = if image_at == NEVER {
            let rng = || self.rng(node, version, pulls, Purpose::Pull);
            let at = after(self.sim.now(), self.version(version).pull.draw(rng));
            let may_fail = self.scenario.faults.pull_failure(version) > 0.0;
            let n = &mut self.nodes[node as usize];
            n.image_at[version as usize] = at;
            n.pull_undecided[version as usize] = may_fail;
            at
        } else {
            image_at.max(self.sim.now()) // present, or another task is pulling it already
        };
        // The container is created once the image is there.
        self.tasks[id as usize].awaits_pull = !present;
        self.schedule_step_at(id, after(image, create), Step::ImagePresent);
    }

    /// A new task's first pull of its version on `node`, its container created without
    /// delay, as the last act of the engine call (`fetch_image`'s `last`): when the pull
    /// takes no time, cannot fail, and the task may start at once, the image is present
    /// now and the pull's step (`ImagePresent`, zero-length) is what the worklist would
    /// apply next, so it is applied here ([`Cluster::applies_at_once`]), and the task goes
    /// through Pulling and Prepared to Starting in one state change, as `fetch_image`'s
    /// fast path goes through Prepared. Whether it did.
    fn pulls_at_once(&mut self, id: TaskId, node: NodeId, version: VersionId) -> bool {
        let at_once = self.version(version).pull.is_zero()
            && self.scenario.faults.pull_failure(version) == 0.0
            && self.starts_at_once(id)
            && self.applies_at_once();
        if !at_once {
            return false;
        }
        self.nodes[node as usize].image_at[version as usize] = self.sim.now();
        self.pass_through(id, TaskState::Pulling);
        self.count_step(); // the pull's step
        self.start_prepared_at_once(id);
        true
    }

    /// Task `id`, its image present, through Prepared to Starting in one state change and
    /// its container started: what `try_start` would do when
    /// [`Cluster::starts_at_once`] holds.
    #[inline(always)]
    fn start_prepared_at_once(&mut self, id: TaskId) {
        self.pass_through(id, TaskState::Prepared);
        self.set_state(id, TaskState::Starting);
        self.container_started(id);
    }

    /// `faults.pull_failure_probability`: whether the pull this task waited for failed
    /// (ErrImagePull), so it does not start now. Swarm rejects the task; the kubelet
    /// retries after a back-off of 10 s doubling to 300 s (the same `flowcontrol.Backoff`
    /// as CrashLoopBackOff). A kubelet pulls for one pod at a time
    /// ([`ContainerRuntime::pulls_in_turn`]): a pod behind a pull that failed for a pod
    /// ahead of it does not fail with it but pulls in its turn, from now.
    ///
    /// Each task waiting for a pull draws its own outcome, and the node's disk holds the
    /// image once any of them drew a success: a later waiter's failure does not remove
    /// it, and a success after an earlier waiter's failure stores it. Where the image is
    /// on the disk, a failed pull does not stop a Docker engine from creating the
    /// container ([`ContainerRuntime::creates_after_failed_pull`]); the kubelet still
    /// backs off, and its retry finds the image.
    pub(super) fn pull_failed(&mut self, id: TaskId) -> bool {
        let t = &mut self.tasks[id as usize];
        let pulled = std::mem::take(&mut t.awaits_pull);
        let image = self.scenario.service.release(t.version);
        let p = self.scenario.faults.pull_failure(image);
        if p == 0.0 || !pulled || t.state != TaskState::Pulling {
            return false;
        }
        let t = &self.tasks[id as usize];
        let (version, node) = (image, t.node.expect("a pulling task is placed"));
        let now = self.sim.now();
        let rt = self.runtime;
        let image_at = self.nodes[node as usize].image_at[version as usize];
        if (image_at == NEVER || image_at > now) && rt.pulls_in_turn() {
            // The pull it waited for failed for a task ahead of it and left nothing on
            // the disk: its own pull comes now, in full (or after the one since begun).
            self.fetch_image(id, false);
            return true;
        }
        let stream = (t.attempt << 8) | t.pull_failures.min(255);
        let failed = self
            .rng(t.slot, t.version, stream, Purpose::PullFailure)
            .chance(p);
        let n = &mut self.nodes[node as usize];
        let (image, undecided) = (
            &mut n.image_at[version as usize],
            &mut n.pull_undecided[version as usize],
        );
        if !failed {
            // Stored, whatever another waiter drew or a pull since started.
            *undecided = false;
            *image = (*image).min(now);
            return false;
        }
        let on_disk = *image <= now && !*undecided;
        if *image <= now && !on_disk {
            *image = NEVER; // nothing was stored: the next task pulls afresh
        }
        if on_disk && rt.creates_after_failed_pull() {
            return false;
        }
        self.tasks[id as usize].pull_failures += 1;
        rt.pull_failed(self, id);
        true
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

    /// Whether a pending task whose image is present would, once Prepared, start its
    /// container in the same step: allowed to start now, with no control-plane start
    /// latency (so no start queue).
    fn starts_at_once(&self, id: TaskId) -> bool {
        let t = &self.tasks[id as usize];
        t.state == TaskState::Pending
            && t.start_allowed
            && t.start_not_before <= self.sim.now()
            && self.zero_phase(Phase::Start)
    }

    /// Everything a change to `state` shows (trace, notice, edit) without the state
    /// change itself, for a task that moves on to the next state at once, where the counts
    /// `set_state` keeps (resources, containers, wanted) come out the same as with two
    /// changes: from pending, through `state`, to a state that is not Ready; from a
    /// started container told to stop, through Terminating, to Stopped. Inlined into its
    /// two callers, which name the state.
    #[inline(always)]
    pub(super) fn pass_through(&mut self, id: TaskId, state: TaskState) {
        self.check_watched();
        if self.records {
            if self.watched {
                self.show_change(id, state, None);
            }
            self.edited(id);
        }
        self.notice(id, state);
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

    /// The fleet timeline's counts after task `id` changed from `state`, `available` and
    /// `lost` (each as it was before) to what it is now. Out of line and cold: only a
    /// trial whose fleet is sampled calls it, and [`Cluster::set_state`] is inlined into
    /// every caller, so each copy carries one flag test for it.
    #[cold]
    #[inline(never)]
    pub(super) fn fleet_changed(
        &mut self,
        id: TaskId,
        state: TaskState,
        available: bool,
        lost: bool,
    ) {
        let t = &self.tasks[id as usize];
        let c = &mut self.fleet_counts;
        let before = c.marks(state, available, lost);
        let after = c.marks(t.state, t.available, t.lost);
        c.moved(t.version as usize, before, after);
    }

    /// The one place a task's state changes: counts, resources, trace, notices.
    ///
    /// Inlined into each caller (about fifteen): every caller names the new state, so
    /// the tests of it (Ready, Stopped, what a change to it can move) fold away, and no
    /// frame of a large function is set up per change (−6 % of a Swarm trial).
    ///
    /// A change that records nothing besides its notice ([`Cluster::records`]: a Swarm
    /// trial with plain placement, nothing watched) takes a path of its own after one
    /// test, the gauges' part ([`move_gauges`]) written into both paths (a Swarm trial
    /// −2.3 %; one path testing the flag before and after that part saved −1.0 %).
    #[inline(always)]
    pub(super) fn set_state(&mut self, id: TaskId, new: TaskState) {
        let now = self.sim.now();
        let t = &mut self.tasks[id as usize];
        let old = t.state;
        if old == new {
            return;
        }
        let moves = Moves::of(old, new);
        let (g, min_ready) = (&mut self.gauges, self.min_ready);
        let (slot, node) = (t.slot, t.node);
        let available_later = if self.records {
            // Only these changes can move the task's share of the wanted counts (its node
            // and desired state stay as they are): Ready entered or left, availability
            // that may drop, the task ending. The others skip computing it, and so does a
            // task told to stop, whose share is nothing before and after. Without the
            // counts kept, `recount` moves none and only notes the edit.
            let shares = (moves.any(Moves::SHARE) || t.available) && !t.stop_requested;
            let old_share = if shares { t.share() } else { Share::default() };
            let was_available = t.available;
            let available_later = move_gauges(t, g, min_ready, old, new, moves, now);
            if shares {
                self.recount(id, old_share);
            } else {
                self.edited(id);
            }
            // The fleet counts, the trace and the observers' list each keep their own
            // record: filled after the wanted counts and the edits as before them, they
            // come out the same (and so does the slot's list, kept apart from them all).
            self.check_watched();
            if self.watched {
                self.show_change(id, new, Some((old, was_available)));
            }
            available_later
        } else {
            let available_later = move_gauges(t, g, min_ready, old, new, moves, now);
            self.check_watched();
            available_later
        };
        if moves.any(Moves::ENDS) {
            self.slot_tasks.remove(slot, id);
        }
        self.notice(id, new);
        if available_later {
            let generation = self.tasks[id as usize].generation;
            self.schedule_event(
                self.available_at(now),
                Event::Task {
                    task: id,
                    generation,
                    step: Step::Available,
                },
            );
        }
        if moves.any(Moves::RELEASES) {
            let r: Resources = self.scenario.service.resources;
            let node = node.expect("a task holding resources is placed");
            // A task told to stop left the active count then (`stop_task_now`).
            let active = u32::from(!self.tasks[id as usize].stop_requested);
            self.change_node(node, |n| {
                n.cpu_used -= r.cpu_millis;
                n.memory_used -= r.memory_bytes;
                n.tasks -= 1;
                n.active -= active;
            });
            let n = &self.nodes[node as usize];
            if n.cordoned && n.tasks == 0 {
                self.node_emptied(node);
            }
            self.place_pending();
        }
    }
}

/// [`Cluster::set_state`]'s change of task `t` itself (`old` to `new`, which differ, at
/// `now`) and what it moves of the gauges `g`; whether the task becomes available later
/// (`min_ready`: `minReadySeconds`).
#[inline(always)]
fn move_gauges(
    t: &mut super::Task,
    g: &mut super::Gauges,
    min_ready: Time,
    old: TaskState,
    new: TaskState,
    moves: Moves,
    now: Time,
) -> bool {
    t.state = new;
    t.since = now;
    // A task on a lost node left the serving count when the node was lost.
    let serving = !t.lost;
    if old == TaskState::Ready && serving {
        g.ready -= 1;
    }
    let mut available_later = false;
    if new == TaskState::Ready {
        g.ready += serving as u32;
        if min_ready == 0 {
            t.available = true;
            g.available += 1;
        } else {
            available_later = true;
        }
    } else if t.available {
        t.available = false;
        g.available -= 1;
    }
    if moves.any(Moves::HOLDS | Moves::RELEASES | Moves::CONTAINER | Moves::NO_CONTAINER) {
        if moves.any(Moves::HOLDS) {
            g.holding += 1;
        } else if moves.any(Moves::RELEASES) {
            g.holding -= 1;
        }
        if moves.any(Moves::CONTAINER) {
            g.running += 1;
        } else if moves.any(Moves::NO_CONTAINER) {
            g.running -= 1;
        }
    }
    available_later
}
