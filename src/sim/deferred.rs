//! Deferred events: an event the world knows it will schedule, but whose time is costly
//! to compute and usually never needed (a flaky readiness probe's next failure streak
//! lies, for most pods, long after the trial has ended).
//!
//! The world hands the engine a [`Deferred`] cursor instead of the event. The engine
//! reserves the queue position (the sequence number) the event would have had if it had
//! been pushed then, and walks the cursor only as far as time actually moves: before it
//! pops an event at `t`, every cursor is walked past `t`, and what a cursor finds is
//! pushed with its reserved sequence number. So the pop order, and therefore the trial,
//! is exactly what pushing the computed event at once would give; only the walking past
//! the trial's end is saved. Walking a cursor is not an event (it is never counted).

use super::time::Time;
use std::collections::binary_heap::PeekMut;

/// What walking a cursor up to an instant found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resume<E> {
    /// Its event, at this time.
    Due(Time, E),
    /// It will never have an event.
    Never,
    /// Nothing up to the instant asked for; nothing before this time (which is later)
    /// either.
    Pending(Time),
}

/// A resumable computation of at most one event.
pub trait Deferred<E> {
    /// Walk on over every instant up to `until` (inclusive). Walking in steps (`until`
    /// growing) must find what one walk to the end would.
    fn resume(&mut self, until: Time) -> Resume<E>;
}

/// An event type, with the cursor its world defers events through. Events are plain values
/// (`Copy`): the event queue moves them into place without swaps.
pub trait Schedulable: Copy {
    /// The cursor (the uninhabited [`NoCursor`] when the world defers nothing).
    type Cursor: Deferred<Self>;
}

/// The cursor of a world that defers nothing.
#[derive(Debug, Clone, Copy)]
pub enum NoCursor {}

impl<E> Deferred<E> for NoCursor {
    fn resume(&mut self, _until: Time) -> Resume<E> {
        match *self {}
    }
}

/// Handle of a deferred event, to take its cursor back ([`super::engine::Engine::reclaim`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeferredId(pub(super) u32);

/// A waiting cursor's place in the agenda: the first time it has not examined, then its
/// entry's index, in one integer, so that the heap orders its keys by one comparison (a
/// tuple's takes two, and the heap compares at every level it sifts through).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Waiting(u128);

impl Waiting {
    fn new(from: Time, entry: u32) -> Waiting {
        Waiting(u128::from(from) << 32 | u128::from(entry))
    }

    fn from(self) -> Time {
        (self.0 >> 32) as Time
    }

    fn entry(self) -> u32 {
        self.0 as u32
    }
}

/// One deferred event.
struct Entry<C> {
    /// `None` once reclaimed.
    cursor: Option<C>,
    /// The queue position reserved for its event.
    seq: u64,
    /// Its event was found (and pushed) or will never be.
    done: bool,
}

/// The deferred events of one run, and the order to walk them in.
pub(super) struct Agenda<C> {
    entries: Vec<Entry<C>>,
    /// Cursors not done, by the first time they have not examined (min-heap of
    /// [`Waiting`] keys, stale entries of reclaimed cursors skipped).
    waiting: std::collections::BinaryHeap<std::cmp::Reverse<Waiting>>,
    /// The top of `waiting` (`Time::MAX` when empty), kept beside it so the engine's check
    /// before each event ("is any deferred event due?") is one compare with a field.
    earliest: Time,
}

impl<C> Default for Agenda<C> {
    fn default() -> Self {
        Agenda {
            entries: Vec::new(),
            waiting: std::collections::BinaryHeap::new(),
            earliest: Time::MAX,
        }
    }
}

impl<C> Agenda<C> {
    pub(super) fn clear(&mut self) {
        self.entries.clear();
        self.waiting.clear();
        self.earliest = Time::MAX;
    }

    /// Refresh the `earliest` field after `waiting` changed.
    #[inline]
    fn update_earliest(&mut self) {
        self.earliest = self.waiting.peek().map_or(Time::MAX, |r| r.0.from());
    }

    /// Keep `cursor`, which has examined every instant before `from`, with its event's
    /// reserved `seq`.
    pub(super) fn add(&mut self, cursor: C, seq: u64, from: Time) -> DeferredId {
        let i = self.entries.len() as u32;
        self.entries.push(Entry {
            cursor: Some(cursor),
            seq,
            done: false,
        });
        self.waiting.push(std::cmp::Reverse(Waiting::new(from, i)));
        self.earliest = self.earliest.min(from);
        DeferredId(i)
    }

    /// A lower bound of the first instant some cursor has not examined (`Time::MAX`:
    /// none is waiting); reclaimed cursors may still count.
    #[inline]
    pub(super) fn earliest(&self) -> Time {
        self.earliest
    }

    /// Walk every cursor that has not examined `until` up to it; `push` gets each event
    /// found, with its reserved sequence number. A cursor still pending keeps its place
    /// at the top of `waiting` with its new time (one sift down, where a pop and a push
    /// would sift twice): most walks end pending, paused on their next flaky failure.
    pub(super) fn walk_until<E>(&mut self, until: Time, mut push: impl FnMut(Time, u64, E))
    where
        C: Deferred<E>,
    {
        while let Some(mut top) = self.waiting.peek_mut() {
            let (from, i) = (top.0.from(), top.0.entry());
            if from > until {
                break;
            }
            let e = &mut self.entries[i as usize];
            let cursor = match e.cursor.as_mut() {
                Some(cursor) if !e.done => cursor,
                // Reclaimed, or its event found (a stale entry).
                _ => {
                    PeekMut::pop(top);
                    continue;
                }
            };
            match cursor.resume(until) {
                Resume::Due(at, event) => {
                    e.done = true;
                    push(at, e.seq, event);
                    PeekMut::pop(top);
                }
                Resume::Never => {
                    e.done = true;
                    PeekMut::pop(top);
                }
                Resume::Pending(next) => {
                    debug_assert!(next > until);
                    *top = std::cmp::Reverse(Waiting::new(next, i));
                }
            }
        }
        self.update_earliest();
    }

    /// Walk the cursor to its end (its event, if any, goes to `push`).
    pub(super) fn finish<E>(&mut self, id: DeferredId, push: impl FnOnce(Time, u64, E))
    where
        C: Deferred<E>,
    {
        let e = &mut self.entries[id.0 as usize];
        let cursor = e
            .cursor
            .as_mut()
            .expect("a deferred event is reclaimed once");
        if !e.done {
            e.done = true;
            match cursor.resume(Time::MAX) {
                Resume::Due(at, event) => push(at, e.seq, event),
                Resume::Never => {}
                Resume::Pending(_) => unreachable!("a walk to the end of time ends"),
            }
        }
    }

    /// Take the cursor back, walked to its end first (its event, if any, goes to `push`).
    pub(super) fn reclaim<E>(&mut self, id: DeferredId, push: impl FnOnce(Time, u64, E)) -> C
    where
        C: Deferred<E>,
    {
        self.finish(id, push);
        let e = &mut self.entries[id.0 as usize];
        e.cursor.take().expect("a deferred event is reclaimed once")
    }
}

#[cfg(test)]
mod tests {
    use super::super::engine::Engine;
    use super::*;
    use crate::sim::{Key, Purpose};

    /// An event of the test: its label.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Ev(u32);

    /// Finds `Ev(label)` at `at` (or never), walking one unit of time per step from `t`.
    struct Countdown {
        t: Time,
        at: Option<Time>,
        label: u32,
    }

    impl Deferred<Ev> for Countdown {
        fn resume(&mut self, until: Time) -> Resume<Ev> {
            loop {
                match self.at {
                    Some(at) if self.t >= at => return Resume::Due(at, Ev(self.label)),
                    None if self.t > 1_000 => return Resume::Never,
                    _ if self.t > until => return Resume::Pending(self.t),
                    _ => self.t += 1,
                }
            }
        }
    }

    impl Schedulable for Ev {
        type Cursor = Countdown;
    }

    /// Pop everything, scheduling (directly or deferred) what each pop asks for.
    fn run(lazy: bool) -> Vec<(Time, u32)> {
        let mut rng = Key::trial(5, 0, Purpose::Controller).rng();
        let mut e: Engine<Ev> = Engine::default();
        e.set_lazy(lazy);
        e.schedule(0, Ev(0));
        let mut log = Vec::new();
        let mut label = 1;
        while let Some(Ev(l)) = e.pop() {
            log.push((e.now(), l));
            for _ in 0..2 {
                if label > 2_000 {
                    break;
                }
                let at = e.now() + rng.below(6);
                if rng.below(2) == 0 && at > e.now() {
                    let never = rng.below(5) == 0;
                    let cursor = Countdown {
                        t: e.now() + 1,
                        at: (!never).then_some(at),
                        label,
                    };
                    e.defer(cursor, e.now() + 1);
                } else {
                    e.schedule(at, Ev(label));
                }
                label += 1;
            }
        }
        log
    }

    #[test]
    fn deferred_events_pop_where_events_pushed_at_once_would() {
        // Many ties: a deferred event keeps the place in its instant it was deferred at.
        let lazy = run(true);
        assert_eq!(lazy, run(false));
        assert!(lazy.len() > 1_000);
        assert!(lazy.windows(2).all(|w| w[0].0 <= w[1].0));
    }
}
