//! The cluster's side of its engine: an engine call ([`Cluster::engine`]) and the
//! worklist of zero-length steps it drains, and the engine's clock and work budget. Apart
//! from the state (`mod.rs`) and from what the steps do ([`super::lifecycle`]).

use super::{Cluster, Event};
use crate::sim::engine::Engine;
use crate::sim::time::Time;

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
