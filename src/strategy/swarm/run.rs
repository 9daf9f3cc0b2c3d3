//! One updater run (`Updater.Run`): its state, and how runs are requested, started and
//! cancelled (`Supervisor.Update`, `Cancel()`). The updater's timers carry the run that set
//! them, so a later run can tell its own apart from a stale one (a worker's delay, the
//! final window, a held task's old-task timeout).

use super::pool::Pool;
use super::spec::TaskSpec;
use super::{Swarm, UpdateState};
use crate::cluster::{Cluster, StartGate, TaskId};
use crate::scenario::UpdateConfig;
use crate::scenario::control_plane::Phase as Cp;
use crate::sim::Purpose;
use crate::sim::engine::Payload;
use crate::sim::time::{NEVER, Time};

/// What a worker is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Worker {
    /// Waiting for a slot.
    Idle,
    /// Waiting for its new task to be seen at state ≥ RUNNING; `at` is the slot's place
    /// in the run's dirty slots.
    Waiting { at: u32, task: TaskId },
    /// `useExistingTask`: waiting for the delayed start of the slot's clean task (its
    /// old task to stop).
    Starting { slot: u32, task: TaskId },
    /// Sleeping `delay` after a slot.
    Sleeping,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Handing slots to workers; failures are watched.
    Dispatching,
    /// All slots handed out; waiting for workers; failures queue up.
    Draining,
    /// The final monitoring window.
    Final,
    /// Completed, paused or cancelled.
    Done,
}

/// The updater's bookkeeping about one task.
#[derive(Debug, Clone, Copy)]
pub(super) struct Track {
    /// Run that created it (`updatedTasks`), 0 if none.
    pub(super) run: u32,
    /// When the updater saw it at state ≥ RUNNING (`NEVER` = zero time).
    pub(super) seen_running: Time,
    /// Already counted as a failure.
    pub(super) counted: bool,
    /// It failed while its start was still delayed (`DelayStart`), and its restart waits
    /// for that delay's end (`Supervisor.Restart` → `waitRestart`).
    pub(super) restart_waits: bool,
    /// Stop-first: the wait for the old task is over (it ended, or the 1-minute timeout).
    pub(super) released: bool,
    /// It failed and the failure has not reached the manager yet (`failure_report`): the
    /// manager still reads it RUNNING, the slot's task, in [`super::Swarm::waiting_restart`].
    pub(super) unreported: bool,
    /// Stop-first: the new task waiting for this (old) one to exit, [`NO_TASK`] if none.
    /// (Not an `Option`: without its 4-byte flag a track takes 24 bytes, not 32, and a
    /// 10,000-replica run's tracks, looked up at every notice, take less of the cache.)
    pub(super) releases: TaskId,
    /// The worker that created it and may be waiting for it, or that kept it and gave it
    /// a new delayed start (`useExistingTask`), `NO_WORKER` if none; only an answer if
    /// that worker is still `Waiting` for (or `Starting`) this task (a later run reuses
    /// the worker numbers). A task the restart supervisor created has one only once a
    /// worker has kept it, which cancelled its restart delay.
    pub(super) worker: u32,
}

/// [`Track::worker`] of a task no worker created.
pub(super) const NO_WORKER: u32 = u32::MAX;

/// [`Track::releases`] of a task no new task waits for.
pub(super) const NO_TASK: TaskId = TaskId::MAX;

pub(super) const NO_TRACK: Track = Track {
    run: 0,
    seen_running: NEVER,
    counted: false,
    restart_waits: false,
    released: false,
    unreported: false,
    releases: NO_TASK,
    worker: NO_WORKER,
};

/// The updater's timers. Run generations travel in 24 bits: a timer of a run 2^24
/// generations old would look current, far beyond any trial's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// A worker's `delay` after its slot is over.
    Worker {
        /// The run it belongs to.
        run: u32,
        /// Which worker.
        worker: u32,
    },
    /// The run's final monitoring window is over.
    Final {
        /// The run it belongs to.
        run: u32,
    },
    /// `defaultOldTaskTimeout` of a held task's wait for its old task: stop-first's new
    /// task, or a task a worker kept and gave a new delayed start (`useExistingTask`).
    /// Stale if a later run gave the task a new wait since ([`Swarm::wait_is_current`]).
    OldTask {
        /// The held task.
        task: TaskId,
        /// The run whose worker started the wait.
        run: u32,
    },
    /// A task's own failure reaches the controller (`failure_report` after it happened).
    Seen(TaskId),
    /// The restart delay of this task, which failed before it was over, is over.
    DelayOver(TaskId),
    /// A requested run starts (`update_start` after the command).
    Run {
        /// The request it answers.
        request: u32,
        /// It is a rollback.
        rollback: bool,
    },
}

/// What the first run of a trial read of a fleet copied from snapshot `snapshot`
/// ([`crate::cluster::Cluster::copied_fleet`]), before its shuffle: every copy of the
/// snapshot reads the same, so it is read once a worker.
#[derive(Debug)]
pub(super) struct FirstRead {
    snapshot: u64,
    dirty: Vec<u32>,
    snap: Vec<TaskId>,
    spans: Vec<(u32, u32)>,
    below_running: Vec<u32>,
}

/// Run generations as timers carry them.
const RUN_BITS: u32 = 0x00ff_ffff;

impl Payload for Timer {
    /// Kind in the top byte, run in the next three, index in the low four.
    fn encode(self) -> u64 {
        let pack = |kind: u64, run: u32, index: u32| {
            kind << 56 | u64::from(run & RUN_BITS) << 32 | u64::from(index)
        };
        match self {
            Timer::Worker { run, worker } => pack(1, run, worker),
            Timer::Final { run } => pack(2, run, 0),
            Timer::OldTask { task, run } => pack(3, run, task),
            Timer::Seen(task) => pack(4, 0, task),
            Timer::Run { request, rollback } => pack(5, request, rollback as u32),
            Timer::DelayOver(task) => pack(6, 0, task),
        }
    }

    fn decode(raw: u64) -> Timer {
        let run = (raw >> 32) as u32 & RUN_BITS;
        let index = raw as u32;
        match raw >> 56 {
            1 => Timer::Worker { run, worker: index },
            2 => Timer::Final { run },
            3 => Timer::OldTask { task: index, run },
            4 => Timer::Seen(index),
            5 => Timer::Run {
                request: run,
                rollback: index == 1,
            },
            6 => Timer::DelayOver(index),
            k => unreachable!("timer kind {k} is never encoded"),
        }
    }
}

/// Whether run generation `id` is the one a timer carries (24 bits of it).
pub(super) fn same_run(carried: u32, id: u32) -> bool {
    carried == id & RUN_BITS
}

/// One updater run (`Updater.Run`).
#[derive(Debug, Default)]
pub(super) struct Run {
    /// Generation; 0 means no run.
    pub(super) id: u32,
    pub(super) cfg: Option<UpdateConfig>,
    pub(super) rollback: bool,
    /// The spec it works towards (`Updater.newService`): the version and replica count,
    /// and the `SpecVersion` its workers' tasks get.
    pub(super) spec: (TaskSpec, u32),
    pub(super) spec_gen: u32,
    pub(super) dirty: Vec<u32>,
    /// The tasks of the dirty slots as the run read them (`Updater.Run`'s `slots`, which
    /// `worker()` reads, not the store): `snap[spans[i].0..spans[i].1]` is `dirty[i]`'s.
    pub(super) snap: Vec<TaskId>,
    pub(super) spans: Vec<(u32, u32)>,
    /// Where in `snap` the run read a task of the spec whose desired state was below
    /// RUNNING (held for its old task, or in its restart delay), ascending: `worker()`
    /// prefers a task of the spec read desired RUNNING ([`Swarm::clean_task`]). Kept only
    /// for slots read with two or more tasks, the only ones that can hold a task of the
    /// spec (a slot read with one is dirty only if that task is stale), so a run over a
    /// settled fleet writes nothing here.
    pub(super) below_running: Vec<u32>,
    pub(super) next: usize,
    pub(super) workers: Pool,
    pub(super) failures: u32,
    pub(super) monitor: Time,
    pub(super) phase: Option<Phase>,
    pub(super) queued: Vec<TaskId>,
}

impl Run {
    /// Back to [`Run::default`] (no run), keeping the buffers for the next trial.
    pub(super) fn clear(&mut self) {
        let Run {
            id,
            cfg,
            rollback,
            spec,
            spec_gen,
            dirty,
            snap,
            spans,
            below_running,
            next,
            workers,
            failures,
            monitor,
            phase,
            queued,
        } = self;
        *id = 0;
        *cfg = None;
        *rollback = false;
        *spec = (TaskSpec::default(), 0);
        *spec_gen = 0;
        dirty.clear();
        snap.clear();
        spans.clear();
        below_running.clear();
        *next = 0;
        workers.reset(0);
        *failures = 0;
        *monitor = 0;
        *phase = None;
        queued.clear();
    }
}

impl Swarm<'_> {
    /// `isSlotDirty` over the tasks `UpdatableTasksInSlot` passes: two or more, or one of
    /// another spec. They are the slot's wanted tasks and a task waiting to be restarted
    /// (its desired state is still READY or RUNNING upstream); with none, the newest task
    /// if its restart was declined. One plain pass over the slot (nearly always one task) costs
    /// less than an iterator stopped early.
    pub(super) fn slot_dirty(&self, cl: &Cluster, slot: u32) -> bool {
        let (mut wanted, mut stale) = (0u32, false);
        for &t in cl.slot(slot) {
            let task = cl.task(t);
            if task.is_wanted() {
                wanted += 1;
                stale = !self.of_spec(cl, t);
            }
        }
        if let Some(t) = self.waiting_restart(slot) {
            wanted += 1;
            stale = !self.of_spec(cl, t);
        }
        wanted > 1 || stale || wanted == 0 && self.dead_and_stale(slot)
    }

    /// Whether `slot` is dirty ([`Swarm::slot_dirty`]), and if so the tasks it looks at,
    /// in creation order, appended to `out`: what the run's worker will read for the slot,
    /// whatever happens to the slot meanwhile (`Updater.Run` hands `worker()` the slots
    /// read when the run started). One pass over the slot for both (the tasks read are
    /// the ones `slot_dirty` counts, so one of them is stale when it is the only one);
    /// nothing is appended for a clean slot. For a slot read with two or more tasks, where
    /// its tasks of the spec were desired below RUNNING is appended to `below_running`.
    #[inline]
    fn read_dirty_slot(
        &self,
        cl: &Cluster,
        slot: u32,
        out: &mut Vec<TaskId>,
        below_running: &mut Vec<u32>,
    ) -> bool {
        let from = out.len();
        for &t in cl.slot(slot) {
            if cl.task(t).is_wanted() {
                out.push(t);
            }
        }
        if let Some(t) = self.waiting_restart(slot) {
            let at = out[from..].partition_point(|&x| x < t);
            out.insert(from + at, t);
        }
        let dirty = match out[from..] {
            [] => self.dead_and_stale(slot),
            [t] => !self.of_spec(cl, t),
            _ => {
                self.read_desired_states(cl, from, out, below_running);
                true
            }
        };
        debug_assert_eq!(dirty, self.slot_dirty(cl, slot));
        if !dirty {
            out.truncate(from);
        }
        dirty
    }

    /// Record where in `snap` (the slot's tasks from `from` on) the run reads a task of the
    /// spec whose desired state is below RUNNING ([`Run::below_running`]). Out of line: a
    /// slot with two or more tasks is the exception (a start-first slot mid-update, a
    /// replacement beside the task it replaces).
    #[cold]
    #[inline(never)]
    fn read_desired_states(
        &self,
        cl: &Cluster,
        from: usize,
        snap: &[TaskId],
        below_running: &mut Vec<u32>,
    ) {
        for (i, &t) in snap.iter().enumerate().skip(from) {
            if self.of_spec(cl, t) && self.desired_below_running(cl, t) {
                below_running.push(i as u32);
            }
        }
    }

    /// The run's dirty slots (in slot order), their tasks, spans and desired states, as
    /// the run reads them when it starts.
    fn read_slots(&mut self, cl: &Cluster) {
        let mut dirty = std::mem::take(&mut self.run.dirty);
        let mut snap = std::mem::take(&mut self.run.snap);
        let mut spans = std::mem::take(&mut self.run.spans);
        let mut below = std::mem::take(&mut self.run.below_running);
        dirty.clear();
        snap.clear();
        spans.clear();
        below.clear();
        for &s in &self.slots {
            if self.node_invalid(cl, s) {
                continue; // a global service's slot on a drained or down node
            }
            let from = snap.len() as u32;
            if self.read_dirty_slot(cl, s, &mut snap, &mut below) {
                dirty.push(s);
                spans.push((from, snap.len() as u32));
            }
        }
        let r = &mut self.run;
        (r.dirty, r.snap, r.spans, r.below_running) = (dirty, snap, spans, below);
    }

    /// `Supervisor.Update`: cancel the running updater (if any) and start a new run.
    pub(super) fn start_run(&mut self, cl: &mut Cluster, rollback: bool) {
        self.runs += 1;
        let cfg = if rollback {
            self.cfg.rollback.clone()
        } else {
            self.cfg.update.clone()
        };
        let r = &mut self.run;
        r.id = self.runs;
        r.rollback = rollback;
        r.spec = (self.spec, self.replicas);
        r.spec_gen = self.spec_gen;
        r.dirty.clear();
        r.next = 0;
        r.failures = 0;
        r.monitor = cfg.monitor;
        r.queued.clear();
        if self.global {
            // `reconcileServices`: the tasks left on nodes the orchestrator holds invalid
            // are shut down.
            for i in 0..self.slots.len() {
                let slot = self.slots[i];
                if self.node_invalid(cl, slot) {
                    self.shut_down_slot(cl, slot);
                }
            }
        }
        if rollback {
            // `restart.Supervisor.UpdatableTasksInSlot`: in ROLLBACK_STARTED a slot whose
            // tasks all stopped is dead; the orchestrator's scale-up path (`addTasks`) gives
            // it a fresh task of the restored spec at once.
            for i in 0..self.slots.len() {
                let slot = self.slots[i];
                if !cl.slot(slot).iter().any(|&t| cl.task(t).is_wanted())
                    && self.waiting_restart(slot).is_none()
                    && !self.node_invalid(cl, slot)
                {
                    cl.gauges.restarts += 1;
                    self.new_task(cl, slot, StartGate::Now);
                }
            }
        }
        // The first run of a trial whose fleet is a copy reads what every copy of that
        // snapshot gives (the updater's own state is fresh then: no slot dead or waiting
        // for a restart), read once and kept.
        let copy = self.fleet_copy.take().filter(|_| !rollback);
        match &self.first_read {
            Some(read) if copy == Some(read.snapshot) => {
                let r = &mut self.run;
                r.dirty.clone_from(&read.dirty);
                r.snap.clone_from(&read.snap);
                r.spans.clone_from(&read.spans);
                r.below_running.clone_from(&read.below_running);
                if cfg!(debug_assertions) {
                    let read = |r: &Run| {
                        let (d, s, p, b) = (&r.dirty, &r.snap, &r.spans, &r.below_running);
                        (d.clone(), s.clone(), p.clone(), b.clone())
                    };
                    let kept = read(&self.run);
                    self.read_slots(cl);
                    assert_eq!(kept, read(&self.run));
                }
            }
            _ => {
                self.read_slots(cl);
                if let Some(snapshot) = copy {
                    let r = &self.run;
                    self.first_read = Some(FirstRead {
                        snapshot,
                        dirty: r.dirty.clone(),
                        snap: r.snap.clone(),
                        spans: r.spans.clone(),
                        below_running: r.below_running.clone(),
                    });
                }
            }
        }
        let r = &mut self.run;
        // Go map iteration order: a keyed shuffle (Fisher–Yates).
        let mut rng = cl.rng(u32::MAX, 0, r.id, Purpose::SlotOrder);
        for i in (1..r.dirty.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            r.dirty.swap(i, j);
            r.spans.swap(i, j);
        }
        if r.dirty.is_empty() {
            r.phase = Some(Phase::Done);
            r.cfg = Some(cfg);
            self.complete(cl);
            return;
        }
        // swarmkit starts `parallelism` workers (all of the dirty slots for 0), but a worker
        // past the dirty slots' count never takes one: the slot queue is drained by the lower
        // workers at once and closed. The pool stops there, so that a `parallelism` of
        // millions (it is a uint64 upstream) costs no memory or time per worker.
        let workers = match cfg.parallelism {
            0 => r.dirty.len(),
            p => r.dirty.len().min(p as usize),
        };
        r.workers.reset(workers);
        r.phase = Some(Phase::Dispatching);
        r.cfg = Some(cfg);
        self.dispatch(cl);
    }

    /// Whether the run's `Updater.Run` has not returned: it hands out slots, waits for its
    /// workers or watches its final window, or it stopped (pause, rollback) and a worker
    /// is still busy (`wg.Wait()`).
    pub(super) fn run_live(&self) -> bool {
        match self.run.phase {
            Some(Phase::Dispatching | Phase::Draining | Phase::Final) => true,
            Some(Phase::Done) => !self.run.workers.all_idle(),
            None => false,
        }
    }

    /// `Cancel()`: stopChan closed, workers abandon their slot and delay.
    pub(super) fn cancel_run(&mut self) {
        self.run.phase = Some(Phase::Done);
        self.run.workers.all_to_idle();
    }

    /// The orchestrator hands the spec change to a new updater run `update_start` later
    /// (at once with `ideal`); a later request supersedes one still waiting.
    pub(super) fn request_run(&mut self, cl: &mut Cluster, rollback: bool) {
        self.requests += 1;
        let lag = cl.overhead(Cp::UpdateStart, u32::MAX, self.spec.version, self.requests);
        if lag == 0 {
            self.launch_run(cl, rollback);
        } else {
            let t = Timer::Run {
                request: self.requests,
                rollback,
            };
            cl.set_timer(cl.now() + lag, t);
        }
    }

    /// `Supervisor.Update`: cancel the running updater, start the new run (an update run
    /// records `UPDATING` with its `StartedAt`; a rollback's state was set by whoever
    /// asked for it).
    pub(super) fn launch_run(&mut self, cl: &mut Cluster, rollback: bool) {
        if self.run_live() && self.run.spec == (self.spec, self.replicas) {
            // An updater already works towards this spec (`reflect.DeepEqual`): it goes on
            // and no run starts. A service update cleared `UpdateStatus`, so its
            // `completeUpdate`, `pauseUpdate` and `rollbackUpdate` find none and write
            // nothing; a manual rollback set `ROLLBACK_STARTED`, which it completes.
            if !rollback {
                self.set_state(cl, UpdateState::None, || {
                    Some("update status cleared; the running update goes on".into())
                });
            }
            return;
        }
        if !rollback {
            self.set_state(cl, UpdateState::Updating, || None);
        }
        self.cancel_run();
        self.start_run(cl, rollback);
    }
}

#[cfg(test)]
mod timer_tests {
    use super::*;

    #[test]
    fn every_timer_comes_back_as_it_was_set() {
        let timers = [
            Timer::Worker {
                run: 7,
                worker: u32::MAX,
            },
            Timer::Final { run: RUN_BITS },
            Timer::OldTask { task: 0, run: 9 },
            Timer::OldTask {
                task: u32::MAX - 1,
                run: RUN_BITS,
            },
            Timer::Seen(123_456),
            Timer::DelayOver(42),
            Timer::Run {
                request: 3,
                rollback: true,
            },
            Timer::Run {
                request: 3,
                rollback: false,
            },
        ];
        for t in timers {
            assert_eq!(Timer::decode(t.encode()), t);
        }
    }

    #[test]
    fn run_generations_travel_in_24_bits() {
        let t = Timer::Final { run: RUN_BITS + 2 };
        assert_eq!(Timer::decode(t.encode()), Timer::Final { run: 1 });
        assert!(same_run(1, RUN_BITS + 2));
        assert!(!same_run(1, 2));
    }
}
