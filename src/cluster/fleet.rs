//! The fleet before the rollout: one serving task per slot, created at time 0.
//!
//! Each serving task goes through the ordinary path ([`Cluster::create_serving_task`]:
//! placement, image, start, process, HEALTHCHECK), so the fleet is whatever that path
//! leaves, down to the start steps it schedules and then cancels (they count in the
//! `events` column). That path is about a fifth of a trial of a 20-replica service,
//! and it is usually the same in every trial: when nothing on it draws a random number,
//! what it leaves depends on the scenario alone (the trial index only keys random streams).
//!
//! [`Cluster::create_serving_fleet`] therefore runs the path once per worker and keeps a
//! [`Snapshot`] of everything it changed; later trials copy the snapshot back instead. The
//! copy covers every field the path touches: tasks and their kubelet records, slots,
//! incarnations, nodes (allocations, images, pull counts), counts and gauges (the fleet
//! timeline's counts are counted afresh from the copied tasks), the notices
//! and changes not yet delivered, the events it scheduled (pushed again in the same order,
//! so the queue's tie order is the same) and the zero-length steps it counted as work.
//!
//! The start steps it cancelled are not pushed again one by one: a fleet of 10,000 left as
//! many in the queue, each costing a push and a pop from a queue that deep, and a read of
//! a task record, to do nothing. Each run of them (cancelled steps of one time that pop
//! one after another) is pushed as one [`Event::Cancelled`] in the run's place, which pops
//! at their time and counts as the events and work they were, stopping where the budget
//! would have stopped them ([`crate::sim::engine::Engine::count_popped`]). A cancelled
//! step does nothing when it pops (its task ignores it), and the instant it falls in still
//! comes, so the trial is the same.
//!
//! The path draws nothing (and so is the same in every trial) when: the version's `pull`,
//! `start`, `hang_after` and `crash_after` are constants or `never` ([`Dist::draw`] builds
//! no stream for those; `ready_after` is not read for a task that is already healthy); the
//! control plane's `create` is a constant and its `start` is zero (a start latency goes
//! through the shared start queue); the runtime is the Docker engine with no HEALTHCHECK
//! or one that is never flaky (a healthy container's next verdict is then arithmetic), or
//! the kubelet with no liveness probe or one that is never flaky (a serving pod skips its
//! startup probe); placement depends on the nodes alone (no spread or per-node limit); and
//! the trial is not traced (the trace shows the fleet task by task). Anything else takes
//! the ordinary path in every trial. A test compares both ways on scenarios that exercise
//! each condition.
//!
//! One random part is allowed: under the kubelet, each serving pod's readiness worker
//! starts walking its probe when the pod is made Ready. A flaky probe's walk is the same
//! function of the pod's own stream in every trial, and it schedules (or defers) at most
//! its pod's next flip, so the log keeps where each walk began among the events
//! ([`WalkMark`]) instead of what it scheduled, and a copy walks them afresh there, from
//! the trial's streams. So does a walk the engine was lent (deferred: the copy does not
//! cover the engine's deferred walks). A probe that is never flaky draws nothing, so its
//! walk done at once is the fleet's like the rest: what it scheduled is in the log, and
//! its worker in the pod's record ([`Cluster::walk_fleet_readiness`]).

use super::kubelet::{PodState, Readiness, Streams};
use super::probe::ProbeWalk;
use super::runtime::RuntimeKind;
use super::runtime::readiness::ReadinessWalks;
use super::{Cluster, Event, Gauges, Node, Notice, OwnerId, Task, TaskId, WantedCounts};
use crate::scenario::{Dist, Phase, VersionId};
use crate::sim::time::Time;
use std::ops::Range;

/// Where a serving pod's readiness walk began while the fleet was being created: after
/// the first `events` of the log, from a fresh walk whose first probe is at `first`
/// (`None`: a walk of another kind, which makes the fleet not kept).
#[derive(Debug, Clone, Copy)]
pub(super) struct WalkMark {
    events: usize,
    task: TaskId,
    first: Option<Time>,
}

/// What creating the fleet left in the cluster, for the trials after the first.
#[derive(Debug, Default)]
pub(super) struct Snapshot {
    /// Slots, version and owner it was made for, and the states then observed (notices
    /// depend on them) and `minReadySeconds` (availability events do).
    made_for: Option<(u32, VersionId, OwnerId, super::StateSet, Time)>,
    tasks: Vec<Task>,
    pods: Vec<PodState>,
    slot_tasks: super::slots::SlotLists,
    incarnations: Vec<u32>,
    nodes: Vec<Node>,
    gauges: Gauges,
    wanted: WantedCounts,
    notices: Vec<Notice>,
    changed: Option<Vec<TaskId>>,
    edits: Option<Vec<TaskId>>,
    /// Events scheduled, in order.
    events: Vec<(Time, Event)>,
    /// Readiness walks begun, in order.
    walks: Vec<WalkMark>,
    /// Zero-length steps applied (work for the budget).
    steps: u64,
}

/// A latency whose draw uses no random stream.
fn fixed(d: &Dist) -> bool {
    matches!(d, Dist::Constant(_) | Dist::Never)
}

impl Cluster<'_> {
    /// Create the serving fleet of `slots` slots (slots `0..slots`) of `version` at time 0,
    /// as [`Cluster::create_serving_task`] for each slot in order would; returns the ids of
    /// the tasks created.
    pub fn create_serving_fleet(
        &mut self,
        slots: u32,
        version: VersionId,
        owner: OwnerId,
    ) -> Range<TaskId> {
        let fleet = self.create_serving_fleet_tasks(slots, version, owner);
        self.serving_fleet_end = self.serving_fleet_end.max(fleet.end);
        fleet
    }

    fn create_serving_fleet_tasks(
        &mut self,
        slots: u32,
        version: VersionId,
        owner: OwnerId,
    ) -> Range<TaskId> {
        let first = self.tasks.len() as TaskId;
        if !self.fleet_is_fixed(version) {
            for slot in 0..slots {
                self.create_serving_task(slot, version, owner);
            }
            return first..self.tasks.len() as TaskId;
        }
        let made_for = Some((slots, version, owner, self.observed, self.min_ready));
        let mut snap = self.fleet.take().unwrap_or_default();
        if snap.made_for == made_for {
            self.restore_fleet(&snap);
            self.fleet_copy = snap.walks.is_empty().then_some(self.fleet_snapshots);
        } else {
            self.fleet_log = Some(std::mem::take(&mut snap.events));
            self.fleet_walks = std::mem::take(&mut snap.walks);
            self.fleet_walks.clear();
            let steps = self.steps;
            for slot in 0..slots {
                self.create_serving_task(slot, version, owner);
            }
            snap.events = self.fleet_log.take().unwrap_or_default();
            snap.walks = std::mem::take(&mut self.fleet_walks);
            snap.made_for = None;
            if !self.pending.is_empty() || snap.walks.iter().any(|w| w.first.is_none()) {
                return first..self.tasks.len() as TaskId; // not kept: see `fleet_is_fixed`
            }
            snap.made_for = made_for;
            snap.steps = self.steps - steps;
            self.save_fleet(&mut snap);
            self.fleet_snapshots += 1;
        }
        self.fleet = Some(snap);
        first..self.tasks.len() as TaskId
    }

    /// Whether a fleet is kept for the next trials.
    #[cfg(test)]
    pub(crate) fn fleet_kept(&self) -> bool {
        self.fleet.is_some()
    }

    /// Whether creating the fleet of `version` now gives the same cluster in every trial
    /// (see the module's comment).
    fn fleet_is_fixed(&self, version: VersionId) -> bool {
        let s = self.scenario;
        let v = self.version(version);
        let cp = &s.cluster.control_plane;
        let fresh = self.tasks.is_empty()
            && self.sim.now() == 0
            && self.notices.is_empty()
            && self.pending.is_empty()
            && self.due.is_empty()
            && !self.busy;
        fresh
            && self.trace.is_none()
            && [&v.pull, &v.start, &v.hang_after, &v.crash_after]
                .into_iter()
                .all(fixed)
            && fixed(cp.phase(Phase::Create))
            && cp.phase(Phase::Start).is_zero()
            && match self.runtime {
                RuntimeKind::Docker => s
                    .service
                    .healthcheck
                    .as_ref()
                    .is_none_or(|h| h.flaky <= 0.0),
                RuntimeKind::Kubelet => s
                    .service
                    .liveness_probe
                    .as_ref()
                    .is_none_or(|p| p.flaky <= 0.0),
            }
            && !self.placer.depends_on_tasks()
    }

    /// Walk the readiness of task `id`, looking for a NotReady flip (`to_ready` false) or a
    /// Ready one, while the fleet is being created.
    ///
    /// A probe that is never flaky draws nothing on the walk ([`ProbeWalk::resume`] takes
    /// neither a skip nor a chance then, here or when the walk goes on later), so the walk
    /// is the same in every trial: what it schedules goes in the log and its worker stays
    /// in the pod's record, both copied like the rest of the fleet (a copy's worker holds
    /// the first trial's stream, which nothing ever draws from). A flaky probe's walk draws
    /// the trial's random numbers, and a walk lent to the engine (deferred) is not in what
    /// the copy covers: each copy walks those afresh where they began ([`WalkMark`]).
    ///
    /// The walk is taken from the task's record, where the caller puts it back: passing it
    /// as an argument compiled the caller, every trial's readiness walk, to some 1,100
    /// more instructions a trial of `benches/bench-kubernetes.yaml`. Out of line and cold
    /// for the same reason.
    #[cold]
    #[inline(never)]
    pub(super) fn walk_fleet_readiness(&mut self, id: TaskId, to_ready: bool) {
        let Readiness::Walk(walk) = std::mem::take(&mut self.pods[id as usize].readiness) else {
            unreachable!("the caller put the walk back in the record");
        };
        let mark = WalkMark {
            events: self.fleet_log.as_ref().map_or(0, Vec::len),
            task: id,
            // A serving pod's walk is fresh: its first probe is all there is to copy.
            first: (!to_ready && walk.is_fresh()).then(|| walk.next_tick()),
        };
        let never_flaky = !Streams::own(&self.scenario.service.readiness_probe);
        // What a flaky probe's walk schedules is this trial's, not the fleet's.
        let log = if never_flaky {
            None
        } else {
            self.fleet_log.take()
        };
        self.walk_readiness(id, to_ready, walk);
        if !never_flaky {
            self.fleet_log = log;
        } else if !matches!(self.pods[id as usize].readiness, Readiness::Deferred(_)) {
            return;
        }
        // (A deferred walk scheduled nothing, so the mark taken before it is still where
        // it began among the logged events.)
        self.fleet_walks.push(mark);
    }

    /// Readiness walks the kept fleet has each copy walk afresh (`None`: none kept).
    #[cfg(test)]
    pub(crate) fn fleet_rewalks(&self) -> Option<usize> {
        self.fleet.as_ref().map(|snap| snap.walks.len())
    }

    /// Walk the readiness of the fleet's pod as [`Cluster::walk_fleet_readiness`] saw it begin,
    /// from this trial's stream, as `rw` (every such walk's) directs. Inlined into the
    /// copy's loop, which sets `rw` up once for the fleet.
    #[inline(always)]
    fn rewalk(&mut self, w: &WalkMark, rw: &ReadinessWalks) {
        let first = w.first.expect("a kept fleet's walks are fresh");
        let walk = ProbeWalk::new(first, self.readiness_stream(w.task));
        self.walk_readiness_as(w.task, walk, rw);
    }

    /// Record what the fleet left (reusing the snapshot's buffers).
    fn save_fleet(&self, snap: &mut Snapshot) {
        fold_cancelled(&mut snap.events, &mut snap.walks, &self.tasks);
        snap.tasks.clone_from(&self.tasks);
        snap.pods.clone_from(&self.pods);
        snap.slot_tasks.clone_from(&self.slot_tasks);
        snap.incarnations.clone_from(&self.incarnations);
        snap.nodes.clone_from(&self.nodes);
        snap.gauges = self.gauges.clone();
        // Counts not kept stay as `reset` left them (see `restore_fleet`).
        if self.counts_wanted {
            copy_wanted(&mut snap.wanted, &self.wanted);
        }
        snap.notices.clone_from(&self.notices);
        snap.changed.clone_from(&self.changed);
        snap.edits.clone_from(&self.edits);
    }

    /// Put the cluster where creating the fleet would (it is fresh from `reset`).
    fn restore_fleet(&mut self, snap: &Snapshot) {
        self.tasks.clone_from(&snap.tasks);
        self.pods.clone_from(&snap.pods);
        self.slot_tasks.clone_from(&snap.slot_tasks);
        self.incarnations.clone_from(&snap.incarnations);
        for (n, s) in self.nodes.iter_mut().zip(&snap.nodes) {
            copy_node(n, s);
        }
        self.placer
            .rebuild(&self.nodes, self.scenario.service.resources);
        self.gauges = snap.gauges.clone();
        // The fleet timeline's counts are kept in some trials only: counted from the
        // copied tasks (once a trial, and only when the fleet is sampled).
        self.fleet_counts.recount(&self.tasks);
        // Counts not kept ([`Cluster::counts_wanted`]) never change, so creating the fleet
        // left them as they are.
        if self.counts_wanted {
            copy_wanted(&mut self.wanted, &snap.wanted);
        }
        self.notices.clone_from(&snap.notices);
        self.changed.clone_from(&snap.changed);
        self.edits.clone_from(&snap.edits);
        // Every walk is a serving pod's first, looking for a NotReady flip: what they share
        // is set up once. A walk's flip lies after the trial's start, which is now, so no
        // walk leaves a zero-length step, and one engine call covers them all.
        let mut walks = snap.walks.iter().peekable();
        if let Some(rw) = walks.peek().and_then(|_| self.readiness_walks(false)) {
            self.engine(|cl| {
                for (k, &(at, event)) in snap.events.iter().enumerate() {
                    while let Some(w) = walks.next_if(|w| w.events == k) {
                        cl.rewalk(w, &rw);
                    }
                    cl.sim.schedule(at, event);
                }
                for w in walks {
                    cl.rewalk(w, &rw);
                }
                debug_assert!(cl.due.is_empty(), "a fleet's walks leave no step due now");
            });
        } else {
            for &(at, event) in &snap.events {
                self.sim.schedule(at, event);
            }
        }
        for _ in 0..snap.steps {
            self.sim.count_work();
        }
        self.steps += snap.steps;
    }
}

/// Replace each run of `events` that are steps cancelled by the time the fleet was done
/// (their task's generation moved on) with one [`Event::Cancelled`] at their time. A run
/// is of one time, and ends at a kept event of that time or where a readiness walk began
/// (a walk may queue an event in its place), so that the steps of a run pop one after
/// another and everything kept pops in the same order; events of other times in between
/// pop before or after all of them whatever their place. `walks` move with the events.
fn fold_cancelled(events: &mut Vec<(Time, Event)>, walks: &mut [WalkMark], tasks: &[Task]) {
    let cancelled = |e: &Event| {
        matches!(*e, Event::Task { task, generation, .. }
            if tasks[task as usize].generation != generation)
    };
    if !events.iter().any(|(_, e)| cancelled(e)) {
        return;
    }
    let log = std::mem::take(events);
    let mut walks = walks.iter_mut().peekable();
    // The runs not yet ended, by time (the fleet's steps fall at a few times at most).
    let mut runs: Vec<(Time, u32)> = Vec::new();
    let end = |events: &mut Vec<(Time, Event)>, (at, n): (Time, u32)| {
        events.push((at, Event::Cancelled(n)));
    };
    for (k, (at, e)) in log.into_iter().enumerate() {
        if walks.peek().is_some_and(|w| w.events == k) {
            runs.drain(..).for_each(|r| end(events, r));
            while let Some(w) = walks.next_if(|w| w.events == k) {
                w.events = events.len();
            }
        }
        let run = runs.iter().position(|r| r.0 == at);
        if cancelled(&e) {
            match run {
                Some(r) => runs[r].1 += 1,
                None => runs.push((at, 1)),
            }
            continue;
        }
        if let Some(r) = run {
            end(events, runs.swap_remove(r));
        }
        events.push((at, e));
    }
    runs.drain(..).for_each(|r| end(events, r));
    for w in walks {
        w.events = events.len();
    }
}

/// `to = from`, keeping `to`'s buffers (the derived `clone_from` would allocate).
fn copy_wanted(to: &mut WantedCounts, from: &WantedCounts) {
    let WantedCounts {
        wanted,
        ready,
        available,
        on_node,
    } = from;
    to.wanted.clone_from(wanted);
    to.ready.clone_from(ready);
    to.available.clone_from(available);
    to.on_node.clone_from(on_node);
}

/// `to = from`, keeping `to`'s image list (the derived `clone_from` would allocate).
fn copy_node(to: &mut Node, from: &Node) {
    let Node {
        cpu_capacity,
        memory_capacity,
        cpu_used,
        memory_used,
        tasks,
        active,
        image_at,
        pull_undecided,
        pulls,
        up,
        cordoned,
        schedulable,
        noticed_down,
        absent,
        losses,
        down_epoch,
    } = from;
    to.cpu_capacity = *cpu_capacity;
    to.memory_capacity = *memory_capacity;
    to.cpu_used = *cpu_used;
    to.memory_used = *memory_used;
    to.tasks = *tasks;
    to.active = *active;
    to.image_at.clone_from(image_at);
    to.pull_undecided.clone_from(pull_undecided);
    to.pulls = *pulls;
    to.up = *up;
    to.cordoned = *cordoned;
    to.schedulable = *schedulable;
    to.noticed_down = *noticed_down;
    to.absent = *absent;
    to.losses = *losses;
    to.down_epoch = *down_epoch;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::Step;

    fn step(task: TaskId, at: Time) -> (Time, Event) {
        let event = Event::Task {
            task,
            generation: 0,
            step: Step::ProcessStarted,
        };
        (at, event)
    }

    fn walk(events: usize) -> WalkMark {
        WalkMark {
            events,
            task: 0,
            first: None,
        }
    }

    #[test]
    fn runs_of_cancelled_steps_fold_by_time_and_end_at_a_kept_event_or_a_walk() {
        // Tasks 0, 1, 3 and 4 moved on (their steps of generation 0 are cancelled); 2 did not.
        let tasks: Vec<Task> = (0..5)
            .map(|i| Task {
                generation: u32::from(i != 2),
                ..Task::new(i, 0, 0, 0)
            })
            .collect();
        let mut events = vec![
            step(0, 0),
            step(2, 5),
            step(1, 0),
            (0, Event::Timer(7)), // kept at 0: ends the run of 0 and 1
            step(3, 0),
            step(4, 3),
            step(4, 0), // a walk began before it: ends the runs of 3 and 4
            step(2, 3),
        ];
        let mut walks = [walk(6), walk(8)];
        fold_cancelled(&mut events, &mut walks, &tasks);
        assert_eq!(
            events,
            [
                step(2, 5),
                (0, Event::Cancelled(2)),
                (0, Event::Timer(7)),
                (0, Event::Cancelled(1)),
                (3, Event::Cancelled(1)),
                step(2, 3),
                (0, Event::Cancelled(1)),
            ]
        );
        assert_eq!(walks.map(|w| w.events), [5, 7]);
        // Nothing cancelled: nothing moves.
        let kept = vec![step(2, 0), step(2, 1)];
        let mut same = kept.clone();
        fold_cancelled(&mut same, &mut [walk(1)], &tasks);
        assert_eq!(same, kept);
    }
}
