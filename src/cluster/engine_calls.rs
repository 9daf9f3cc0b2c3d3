//! The cluster's side of its engine: an engine call ([`Cluster::engine`]) and the
//! worklist of zero-length steps it drains, a task's steps and other events put on the
//! agenda, and the engine's clock and work budget. Apart from the state (`mod.rs`) and from
//! what the steps do ([`super::lifecycle`]).

use super::{Cluster, Event, Step, TaskId};
use crate::sim::engine::Engine;
use crate::sim::time::{NEVER, Time};

impl Cluster<'_> {
    /// Run `f` as one engine call: zero-length steps it causes are applied after it, in
    /// order, by a loop (and those they cause in turn), never by recursion. Nested calls
    /// leave the draining to the outermost.
    pub fn engine<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        if self.busy {
            return f(self);
        }
        self.busy = true;
        let r = f(self);
        // Most calls leave no zero-length step: the worklist is tested before the budget.
        if !self.due.is_empty() {
            while !self.over_budget()
                && let Some((id, generation, step)) = self.due.pop_front()
            {
                self.sim.count_work();
                self.steps += 1;
                self.apply_step(id, generation, step);
            }
        }
        self.busy = false;
        r
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

    // ----- the engine's side -------------------------------------------------------------

    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> Time {
        self.sim.now()
    }

    /// The engine: the clock, the agenda and the work budget.
    pub fn sim(&self) -> &Engine<Event> {
        &self.sim
    }

    /// The engine, for the trial loop that pops its events.
    pub(crate) fn sim_mut(&mut self) -> &mut Engine<Event> {
        &mut self.sim
    }

    /// Whether this trial has done more work than its budget: the trial must end (a
    /// chain of instant steps that never settles would otherwise never end).
    pub fn over_budget(&self) -> bool {
        self.sim.over_budget()
    }
}
