//! The one place a task's state changes ([`Cluster::set_state`]): the gauges, resources,
//! wanted counts, trace and notices a change moves, and what a state passed through at once
//! shows ([`Cluster::pass_through`]). Apart from the steps ([`super::lifecycle`]): every
//! step, verb and node change goes through it.

use super::gauges::Moves;
use super::{Cluster, Event, Share, Step, TaskId, TaskState};
use crate::scenario::Resources;
use crate::sim::time::Time;

impl Cluster<'_> {
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
