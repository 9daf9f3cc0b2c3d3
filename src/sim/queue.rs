//! The event queue: a 4-ary min-heap keyed by `(time, seq)`.
//!
//! `seq` grows with every push, so events at the same instant pop in the order they were
//! scheduled (FIFO ties) and a trial never depends on heap internals. Cancellation is by
//! generation: an event carries the generation of the thing it belongs to, and the owner
//! ignores it on pop if the generation has moved on. That keeps `push`/`pop` at
//! O(log n) with no search.
//!
//! The heap is written here rather than `std::collections::BinaryHeap` with an `Ord` on
//! `(time, seq)`: the pair is packed into one `u128` (`time << 64 | seq`), so a comparison
//! is one wide integer compare instead of two chained ones, which mattered because every
//! event of a trial is pushed and popped once. Keys are unique, so the pop order is the
//! `(time, seq)` order whatever the heap's layout.
//!
//! Each entry has four children, not two: a large fleet keeps about one event per task in
//! flight (a thousand at 10,000 Swarm replicas, ten thousand for Kubernetes), and a 4-ary
//! heap is half as deep, so a pop moves half as many entries and its child keys lie side
//! by side (two cache lines a level). Entries move into a hole (the entry being placed is
//! kept in a local and written once) rather than by swaps, which halves the writes; events
//! are `Copy`, so the hole needs no unsafe code.
//!
//! ```
//! use rollout_sim::sim::EventQueue;
//! let mut q = EventQueue::new();
//! q.push(5, 'b');
//! q.push(1, 'a');
//! q.push(5, 'c');
//! assert_eq!(q.pop(), Some((1, 'a')));
//! assert_eq!(q.pop(), Some((5, 'b')));
//! assert_eq!(q.pop(), Some((5, 'c')));
//! assert_eq!(q.pop(), None);
//! ```

use super::time::Time;

/// Children per entry.
const ARITY: usize = 4;

#[derive(Clone, Copy)]
struct Entry<E> {
    /// `time << 64 | seq`.
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    fn time(&self) -> Time {
        (self.key >> 64) as Time
    }
}

/// A min-queue of events by time, FIFO among equal times.
pub struct EventQueue<E> {
    /// A 4-ary heap: every entry's key is below its children's (`4i + 1` to `4i + 4`).
    heap: Vec<Entry<E>>,
    seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: Vec::with_capacity(256),
            seq: 0,
        }
    }

    /// Schedule `event` at `time`.
    #[inline]
    pub fn push(&mut self, time: Time, event: E) {
        let seq = self.reserve();
        self.push_reserved(time, seq, event);
    }

    /// The position of an event pushed now, kept for an event pushed later with
    /// [`EventQueue::push_reserved`]: it pops, among events at its time, where it would
    /// have if pushed now.
    #[inline]
    pub fn reserve(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Schedule `event` at `time` in the position `seq` from [`EventQueue::reserve`]
    /// (each used once).
    #[inline]
    pub fn push_reserved(&mut self, time: Time, seq: u64, event: E) {
        let new = Entry {
            key: (time as u128) << 64 | seq as u128,
            event,
        };
        // Most events are due after the entry that would be their parent (an event is
        // scheduled a delay after now, later than most pending ones): it stays at the end.
        let n = self.heap.len();
        if n == 0 || self.heap[(n - 1) / ARITY].key <= new.key {
            self.heap.push(new);
        } else {
            self.rise(new);
        }
    }

    /// Add `new`, which is due before the last entry's parent, and move it up to where it
    /// belongs. Out of line: it is the rare case, and every push site stays small.
    #[inline(never)]
    fn rise(&mut self, new: Entry<E>) {
        // In a small queue (a few events pending, as in most small trials) the new entry's
        // parent is the root: it takes the root's place and the root moves to the end,
        // which stays below every other child of the root.
        if self.heap.len() <= ARITY
            && let Some(root) = self.heap.first_mut()
        {
            let root = std::mem::replace(root, new);
            self.heap.push(root);
            return;
        }
        self.heap.push(new);
        // A slice, not the vector: its length is then a local the index checks can be
        // proved against, not a field reloaded after every move.
        let heap = self.heap.as_mut_slice();
        let last = heap.len() - 1;
        rise_from(heap, last, new);
    }

    /// The earliest event, or `None` when the queue is empty.
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, E)> {
        let top = match *self.heap.as_mut_slice() {
            [] => return None,
            // A small trial keeps two events pending most of the time (a Swarm update of
            // parallelism 2): the second moves to the root in place, instead of through
            // the copy the general case takes of the last entry.
            [first, second] => {
                self.heap[0] = second;
                self.heap.truncate(1);
                first
            }
            _ => {
                let last = self.heap.pop()?;
                match self.heap.as_mut_slice() {
                    [] => last,
                    [first, ..] => {
                        let top = *first;
                        self.sink(last);
                        top
                    }
                }
            }
        };
        Some((top.time(), top.event))
    }

    /// Put `last` in the root's place and let it sink to where it belongs (two or more
    /// entries). Out of line: a small queue (most of a small trial's pops) never gets
    /// here, and the caller stays small enough to inline.
    ///
    /// Bottom-up (Floyd): the hole left at the root follows the least child down to a
    /// leaf without comparing `last` on the way, then `last` rises from there. `last` was
    /// the heap's final entry, among the latest events, so it seldom rises far, and each
    /// level costs three comparisons instead of four.
    #[inline(never)]
    fn sink(&mut self, last: Entry<E>) {
        let heap = self.heap.as_mut_slice();
        let n = heap.len();
        let mut i = 0;
        loop {
            let first = ARITY * i + 1;
            let child = if let Some(kids) = heap.get(first..first + ARITY) {
                // A full family (the common case): the least of four, in two rounds.
                let a = usize::from(kids[1].key < kids[0].key);
                let b = 2 + usize::from(kids[3].key < kids[2].key);
                first + if kids[b].key < kids[a].key { b } else { a }
            } else if first < n {
                (first + 1..n).fold(first, |m, c| if heap[c].key < heap[m].key { c } else { m })
            } else {
                break;
            };
            heap[i] = heap[child];
            i = child;
        }
        rise_from(heap, i, last);
    }

    /// The earliest event, left in the queue.
    #[inline]
    pub fn peek(&self) -> Option<&E> {
        self.heap.first().map(|e| &e.event)
    }

    /// The time of the earliest event.
    #[inline]
    pub fn peek_time(&self) -> Option<Time> {
        self.heap.first().map(Entry::time)
    }

    /// Number of pending events (stale ones included).
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// `true` when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Forget every event but keep the allocation, for the next trial.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.seq = 0;
    }
}

/// Put `entry` in the hole at `i`, or above it: the hole rises while its parent is later.
#[inline(always)]
fn rise_from<E: Copy>(heap: &mut [Entry<E>], mut i: usize, entry: Entry<E>) {
    while i > 0 {
        let parent = (i - 1) / ARITY;
        if heap[parent].key <= entry.key {
            break;
        }
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = entry;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Key, Purpose};

    #[test]
    fn pops_in_time_then_insertion_order() {
        // Against a sort by (time, insertion index) of the same pushes, with pops mixed in
        // and many ties.
        let mut rng = Key::trial(4, 0, Purpose::Controller).rng();
        let mut q = EventQueue::new();
        let mut model: Vec<(Time, u32)> = Vec::new();
        let mut now = 0;
        for i in 0..20_000u32 {
            if rng.below(3) < 2 {
                let t = now + rng.below(8);
                q.push(t, i);
                model.push((t, i));
            } else {
                let want = model.iter().copied().min(); // (time, index) order
                if let Some(w) = want {
                    model.retain(|&m| m != w);
                    now = w.0;
                }
                assert_eq!(q.pop(), want);
            }
            assert_eq!(q.len(), model.len());
            assert_eq!(q.peek_time(), model.iter().map(|m| m.0).min());
        }
        q.clear();
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }

    /// One step of a property test.
    #[derive(Debug, Clone)]
    enum Op {
        /// Push at the last popped time plus this (the engine's way).
        Push(Time),
        /// Push at this time, whatever was popped (before it too).
        PushAnywhere(Time),
        /// Reserve a position.
        Reserve,
        /// Push at the last popped time plus this, in the oldest unused reserved position.
        PushReserved(Time),
        Pop,
        Clear,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        // Offsets: mostly the same instant or close, sometimes far (a whole second, the
        // end of time), so that entries spread over low and high buckets.
        let offset = prop_oneof![
            4 => Just(0u64),
            4 => 0u64..16,
            2 => 0u64..2_000_000,
            1 => Just(u64::MAX / 2),
            1 => Just(u64::MAX),
        ];
        prop_oneof![
            8 => offset.clone().prop_map(Op::Push),
            1 => any::<u64>().prop_map(Op::PushAnywhere),
            2 => Just(Op::Reserve),
            2 => offset.prop_map(Op::PushReserved),
            8 => Just(Op::Pop),
            1 => Just(Op::Clear),
        ]
    }

    /// Run `ops` on the queue and on a sorted model (a `BTreeMap` by `(time, seq)`), and
    /// check every pop, `peek_time` and `len` agree.
    fn agrees_with_model(ops: &[Op]) {
        use std::collections::{BTreeMap, VecDeque};
        let mut q = EventQueue::new();
        let mut model: BTreeMap<(Time, u64), usize> = BTreeMap::new();
        let (mut seq, mut now) = (0u64, 0 as Time);
        let mut reserved: VecDeque<u64> = VecDeque::new();
        for (i, op) in ops.iter().enumerate() {
            match *op {
                Op::Push(dt) | Op::PushAnywhere(dt) => {
                    let t = match op {
                        Op::Push(_) => now.saturating_add(dt),
                        _ => dt,
                    };
                    q.push(t, i);
                    seq += 1;
                    model.insert((t, seq), i);
                }
                Op::Reserve => {
                    reserved.push_back(q.reserve());
                    seq += 1;
                }
                Op::PushReserved(dt) => {
                    if let Some(s) = reserved.pop_front() {
                        let t = now.saturating_add(dt);
                        q.push_reserved(t, s, i);
                        model.insert((t, s), i);
                    }
                }
                Op::Pop => {
                    let want = model.pop_first().map(|((t, _), e)| (t, e));
                    if let Some((t, _)) = want {
                        now = t;
                    }
                    assert_eq!(q.pop(), want);
                }
                Op::Clear => {
                    q.clear();
                    model.clear();
                    reserved.clear();
                    (seq, now) = (0, 0);
                }
            }
            assert_eq!(q.len(), model.len());
            assert_eq!(q.is_empty(), model.is_empty());
            assert_eq!(q.peek_time(), model.keys().next().map(|k| k.0));
        }
        while let Some(((t, _), e)) = model.pop_first() {
            assert_eq!(q.pop(), Some((t, e)));
        }
        assert_eq!(q.pop(), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any mix of pushes (at, after or before the last pop), reserved pushes, pops and
        /// clears pops in `(time, seq)` order.
        #[test]
        fn pops_in_key_order(ops in proptest::collection::vec(op(), 0..400)) {
            agrees_with_model(&ops);
        }
    }

    #[test]
    fn a_large_queue_of_spread_times_pops_in_order() {
        // Tens of thousands pending, as a 10,000-replica fleet's health checks keep it.
        let mut rng = Key::trial(5, 0, Purpose::Controller).rng();
        let mut ops = Vec::new();
        for _ in 0..30_000 {
            ops.push(Op::Push(rng.below(1_000_000)));
        }
        for _ in 0..100_000 {
            ops.push(if rng.below(2) == 0 {
                Op::Pop
            } else {
                Op::Push(rng.below(1_000_000))
            });
        }
        agrees_with_model(&ops);
    }
}
