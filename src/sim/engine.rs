//! The discrete-event engine: the clock, the agenda of future events and the budget of
//! work, plus the loop that drives a [`Simulation`]. It knows nothing of what the events
//! mean: the world that owns it ([`crate::cluster::Cluster`] for a trial) schedules them,
//! and the simulation (the trial) says what each does and when the run is over.

use super::EventQueue;
use super::deferred::{Agenda, DeferredId, Schedulable};
use super::time::Time;

/// Time, the event queue and the work budget of one run.
pub struct Engine<E: Schedulable> {
    now: Time,
    queue: EventQueue<E>,
    /// Events whose time is walked only as far as the run gets ([`super::deferred`]).
    deferred: Agenda<E::Cursor>,
    /// Walk deferred events as far as the run gets (`false`: at once, to compare).
    lazy: bool,
    /// Work done so far: events plus the steps the world counts with [`Engine::count_work`].
    work: u64,
    /// The budget of work of each run.
    budget: u64,
    /// The run is over budget once `work` reaches this: `budget + 1` (saturating), or 0
    /// once the world ended the run's budget itself ([`Engine::exhaust`]).
    limit: u64,
    /// Events popped so far. Declared apart from `work` so that the two counters do not
    /// lie side by side: a pop adds one to each, which the compiler otherwise does as
    /// one vector load, add and store of the pair (four instructions, not two).
    events: u64,
}

impl<E: Schedulable> Default for Engine<E> {
    fn default() -> Self {
        Engine {
            now: 0,
            queue: EventQueue::new(),
            deferred: Agenda::default(),
            lazy: true,
            events: 0,
            work: 0,
            budget: u64::MAX,
            limit: u64::MAX,
        }
    }
}

impl<E: Schedulable> Engine<E> {
    /// Back to time 0 with nothing scheduled and no work done (the budget stays).
    pub fn reset(&mut self) {
        self.now = 0;
        self.queue.clear();
        self.deferred.clear();
        self.events = 0;
        self.work = 0;
        self.limit = self.budget.saturating_add(1);
    }

    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> Time {
        self.now
    }

    /// Schedule `event` at `at` (not before now); ties pop in the order they were pushed.
    #[inline]
    pub fn schedule(&mut self, at: Time, event: E) {
        self.queue.push(at, event);
    }

    /// Schedule the event `cursor` computes, which it finds at or after `from` (> now: it
    /// has examined every instant before): the event pops where it would if it were
    /// pushed now.
    // Inline: the cursor is moved in by value, which out of line is a copy of it.
    #[inline]
    pub fn defer(&mut self, cursor: E::Cursor, from: Time) -> DeferredId {
        debug_assert!(from > self.now);
        let seq = self.queue.reserve();
        let id = self.deferred.add(cursor, seq, from);
        if !self.lazy {
            let queue = &mut self.queue;
            self.deferred
                .finish(id, |at, seq, e| queue.push_reserved(at, seq, e));
        }
        id
    }

    /// Whether deferred events are walked only as far as the run gets (the default) or at
    /// once: the two give the same run, which tests check.
    pub fn set_lazy(&mut self, lazy: bool) {
        self.lazy = lazy;
    }

    /// Take a deferred event's cursor back, walked to its end (its event, if any, is
    /// scheduled first).
    pub fn reclaim(&mut self, id: DeferredId) -> E::Cursor {
        let queue = &mut self.queue;
        self.deferred
            .reclaim(id, |at, seq, e| queue.push_reserved(at, seq, e))
    }

    /// Time of the next scheduled event, exact only as far as deferred events go: exact
    /// when it is now (deferred events all lie later), otherwise an upper bound. Use
    /// [`Engine::next_time_by`] to decide anything later.
    #[inline]
    pub fn next_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    /// The next scheduled event, left in the queue (deferred events not walked): a hint of
    /// what comes next, not a decision.
    #[inline]
    pub fn peek(&self) -> Option<&E> {
        self.queue.peek()
    }

    /// Time of the next event, exact whenever it is at or before `bound` (deferred events
    /// up to `bound` walked); a time after `bound`, or `None`, means none is due by then.
    #[inline]
    pub fn next_time_by(&mut self, bound: Time) -> Option<Time> {
        let next = self.queue.peek_time();
        let until = next.map_or(bound, |t| t.min(bound));
        if self.deferred.earliest() > until {
            return next;
        }
        self.walk_deferred(until)
    }

    /// Time of the next event if it is due by `bound`, else `None`: exact (every deferred
    /// event due by then walked and scheduled), as [`Engine::next_time_by`] filtered.
    #[inline]
    pub fn next_due_by(&mut self, bound: Time) -> Option<Time> {
        // Usually the queue's next event is due by then and no deferred event is due
        // before it: that answer takes two comparisons, and nothing needs walking.
        if let Some(t) = self.queue.peek_time()
            && t <= bound
            && self.deferred.earliest() > t
        {
            return Some(t);
        }
        self.next_time_by(bound).filter(|&t| t <= bound)
    }

    /// [`Engine::next_time_by`] when some deferred event may be due by `until`.
    #[inline(never)]
    fn walk_deferred(&mut self, until: Time) -> Option<Time> {
        let queue = &mut self.queue;
        self.deferred
            .walk_until(until, |at, seq, e| queue.push_reserved(at, seq, e));
        self.queue.peek_time()
    }

    /// Remove and return the next event, advancing the clock to it (deferred events due
    /// by then walked and scheduled first).
    #[inline]
    pub fn pop(&mut self) -> Option<E> {
        self.next_time_by(Time::MAX);
        self.pop_walked()
    }

    /// [`Engine::pop`] right after [`Engine::next_time_by`]`(Time::MAX)`: every deferred
    /// event due by the next one is already scheduled, so nothing is walked again.
    #[inline]
    fn pop_walked(&mut self) -> Option<E> {
        let (t, e) = self.queue.pop()?;
        debug_assert!(t >= self.now);
        self.now = t;
        self.events += 1;
        self.work += 1;
        Some(e)
    }

    /// Count `more` events as popped right after the one just popped, as one by one they
    /// would have been: each is work, and the count stops where the budget would have
    /// stopped the run (the loop checks it before each pop).
    // Out of line: rare (a copied fleet's cancelled steps), and the trial's event handler,
    // which calls it, stays small enough to take its steps inline.
    #[cold]
    #[inline(never)]
    pub fn count_popped(&mut self, more: u64) {
        let room = self.limit.saturating_sub(self.work);
        let n = more.min(room);
        self.events += n;
        self.work += n;
    }

    /// Events popped so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Work done so far: events plus counted steps.
    pub fn work(&self) -> u64 {
        self.work
    }

    /// Count one unit of work that is not an event (a zero-length step).
    #[inline]
    pub fn count_work(&mut self) {
        self.work += 1;
    }

    /// Limit the work of each run (events plus counted steps) to `budget`.
    pub fn set_budget(&mut self, budget: u64) {
        self.budget = budget;
        self.limit = budget.saturating_add(1);
    }

    /// End this run's budget now, whatever work it did: the world found the run over a
    /// budget of its own (a trial that created too many tasks). [`Engine::over_budget`]
    /// then holds until the next [`Engine::reset`].
    #[cold]
    pub fn exhaust(&mut self) {
        self.limit = 0;
    }

    /// Whether this run has done more work than its budget, or had its budget ended
    /// ([`Engine::exhaust`]): it must end (a chain of steps that never lets time move would
    /// otherwise never end).
    #[inline]
    pub fn over_budget(&self) -> bool {
        self.work >= self.limit
    }
}

/// A value carried through an engine's queue as a `u64` (a controller's timer): each owner
/// encodes and decodes its own type, so the queue stays one plain type.
pub trait Payload: Copy {
    /// The value as the queue carries it.
    fn encode(self) -> u64;
    /// The value back (only ever given what [`Payload::encode`] made).
    fn decode(raw: u64) -> Self;
}

/// A payload with a single value (a controller with one kind of timer): nothing to carry,
/// so it encodes as 0 and decodes to [`SingleValue::VALUE`].
///
/// ```
/// use rollout_sim::sim::engine::{Payload, SingleValue};
///
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Timer {
///     Tick,
/// }
/// impl SingleValue for Timer {
///     const VALUE: Timer = Timer::Tick;
/// }
/// assert_eq!(Timer::decode(Timer::Tick.encode()), Timer::Tick);
/// ```
pub trait SingleValue: Copy {
    /// The one value.
    const VALUE: Self;
}

impl<T: SingleValue> Payload for T {
    fn encode(self) -> u64 {
        0
    }

    fn decode(_: u64) -> T {
        T::VALUE
    }
}

/// What the loop does at the end of an instant.
pub enum Instant<R> {
    /// Events were scheduled for the current instant after all: it is not over.
    Again,
    /// Go on to the next event, due at this time: what [`Engine::next_time_by`] gave,
    /// exact (every deferred event due by then is scheduled).
    Next(Time),
    /// The run is over, with this result.
    Stop(R),
}

/// A run the engine drives: the world holding the [`Engine`] and what reacts to its events.
pub trait Simulation {
    /// What the queue holds.
    type Event: Schedulable;
    /// What a run ends with.
    type End;

    /// The engine.
    fn engine(&self) -> &Engine<Self::Event>;
    /// The engine, to pop from.
    fn engine_mut(&mut self) -> &mut Engine<Self::Event>;
    /// The run stopped because it exceeded its work budget.
    fn over_budget(&mut self) -> Self::End;
    /// Every event of the current instant has been handled (the next one, if any, lies
    /// in the future): settle the instant and say whether the run goes on, and if so,
    /// when the next event is due (from [`Engine::next_time_by`] with a bound at or after
    /// it, so exact).
    fn instant_over(&mut self) -> Instant<Self::End>;
    /// The next event is due at `at`: every instant before it is over. It only observes:
    /// it schedules and defers nothing (the loop pops the event it was told of).
    fn before(&mut self, at: Time);
    /// Handle an event popped from the queue (the clock stands at its time).
    fn handle(&mut self, event: Self::Event);
}

/// Run `sim` to its end: pop events in time order, and end each instant with
/// [`Simulation::instant_over`] before time moves on.
pub fn run<S: Simulation>(sim: &mut S) -> S::End {
    loop {
        if sim.engine().over_budget() {
            return sim.over_budget();
        }
        let e = sim.engine();
        let now = e.now();
        let at = match e.next_time() {
            // Another event of this instant: no deferred event is due now that is not
            // scheduled already (they were walked up to now before the instant's first
            // pop, and every one deferred since lies later), so it is the next one.
            Some(t) if t == now => t,
            // The instant is over; `instant_over` found the next event with every
            // deferred event due by then scheduled.
            _ => match sim.instant_over() {
                Instant::Again => continue,
                Instant::Next(at) => at,
                Instant::Stop(end) => return end,
            },
        };
        // `before` schedules nothing, so the pop needs no walk.
        sim.before(at);
        let event = sim.engine_mut().pop_walked().expect("an event is due");
        sim.handle(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::deferred::NoCursor;

    impl Schedulable for u32 {
        type Cursor = NoCursor;
    }

    /// Counts down from `n`, one event per second, ending when nothing is left.
    struct Countdown {
        engine: Engine<u32>,
        instants: Vec<Time>,
    }

    impl Simulation for Countdown {
        type Event = u32;
        type End = (Time, u64);
        fn engine(&self) -> &Engine<u32> {
            &self.engine
        }
        fn engine_mut(&mut self) -> &mut Engine<u32> {
            &mut self.engine
        }
        fn over_budget(&mut self) -> (Time, u64) {
            (self.engine.now(), u64::MAX)
        }
        fn instant_over(&mut self) -> Instant<(Time, u64)> {
            self.instants.push(self.engine.now());
            match self.engine.next_time() {
                None => Instant::Stop((self.engine.now(), self.engine.events())),
                Some(t) => Instant::Next(t),
            }
        }
        fn before(&mut self, _at: Time) {}
        fn handle(&mut self, left: u32) {
            if left > 0 {
                let at = self.engine.now() + 1;
                self.engine.schedule(at, left - 1);
            }
        }
    }

    #[test]
    fn runs_every_event_and_ends_each_instant_once() {
        let mut c = Countdown {
            engine: Engine::default(),
            instants: Vec::new(),
        };
        c.engine.schedule(0, 3);
        // Events at 0, 1, 2, 3: each instant ends once, after its event.
        assert_eq!(run(&mut c), (3, 4));
        assert_eq!(c.instants, vec![0, 1, 2, 3]);
    }

    #[test]
    fn events_counted_at_once_stop_where_the_budget_stops_pops() {
        let mut e: Engine<u32> = Engine::default();
        e.set_budget(5);
        for i in 0..3 {
            e.schedule(0, i);
        }
        for _ in 0..3 {
            e.pop();
        }
        // 3 popped: 3 more would be counted one by one while work ≤ 5, so work ends at 6.
        e.count_popped(10);
        assert_eq!((e.events(), e.work), (6, 6));
        assert!(e.over_budget());
        e.count_popped(10);
        assert_eq!(e.events(), 6);
        // With room, every one counts.
        let mut e: Engine<u32> = Engine::default();
        e.count_popped(7);
        assert_eq!(e.events(), 7);
    }

    #[test]
    fn an_exhausted_budget_stops_the_run_until_the_next_reset() {
        let mut c = Countdown {
            engine: Engine::default(),
            instants: Vec::new(),
        };
        c.engine.schedule(0, 5);
        c.engine.pop();
        assert!(!c.engine.over_budget());
        c.engine.exhaust();
        assert!(c.engine.over_budget());
        // Nothing more is counted as popped, and the loop stops before the next pop.
        c.engine.count_popped(3);
        assert_eq!((c.engine.events(), c.engine.work()), (1, 1));
        assert_eq!(run(&mut c), (0, u64::MAX));
        // The next run has its whole budget (here none was set: no limit).
        c.engine.reset();
        c.engine.schedule(0, 2);
        assert_eq!(run(&mut c), (2, 3));
        // With a budget set, the same: exhausted at work 0 too.
        c.engine.set_budget(10);
        c.engine.reset();
        c.engine.exhaust();
        assert!(c.engine.over_budget());
        c.engine.reset();
        assert!(!c.engine.over_budget());
    }

    #[test]
    fn the_budget_stops_a_run_that_never_ends() {
        let mut c = Countdown {
            engine: Engine::default(),
            instants: Vec::new(),
        };
        c.engine.set_budget(10);
        c.engine.schedule(0, u32::MAX);
        assert_eq!(run(&mut c), (10, u64::MAX));
        assert_eq!(c.engine.events(), 11);
    }
}
