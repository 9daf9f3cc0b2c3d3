//! The worker pool's states, with the idle workers kept in order.
//!
//! The updater hands the next slot to the lowest-numbered idle worker, and every task
//! notice may let it hand out more. Scanning all `parallelism` workers for an idle one at
//! each notice made a trial quadratic in the fleet (parallelism grows with it); the pool
//! keeps the idle workers in a min-heap, so the lowest idle one and "all idle" are O(1) and
//! a state change O(log parallelism). A worker leaves Idle only when it is given a slot,
//! and that is always the lowest idle one, so the heap's top is the only entry ever
//! removed and it never holds a worker that is not idle.

use super::run::Worker;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Every worker's state and the idle ones, lowest index first.
#[derive(Debug, Default)]
pub(super) struct Pool {
    states: Vec<Worker>,
    idle: BinaryHeap<Reverse<u32>>,
}

impl Pool {
    /// `n` workers, all idle.
    pub(super) fn reset(&mut self, n: usize) {
        self.states.clear();
        self.states.resize(n, Worker::Idle);
        self.idle.clear();
        self.idle.extend((0..n as u32).map(Reverse));
    }

    /// Every worker back to idle (a cancelled run).
    pub(super) fn all_to_idle(&mut self) {
        let n = self.states.len();
        self.reset(n);
    }

    /// How many workers.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.states.len()
    }

    /// Worker `w`'s state.
    #[inline]
    pub(super) fn get(&self, w: usize) -> Worker {
        self.states[w]
    }

    /// Set worker `w`'s state. A worker leaving Idle must be [`Pool::first_idle`].
    ///
    /// Inlined: most changes are between busy states (waiting, sleeping), which the idle
    /// set does not see, and the caller names the new state, so they are one store.
    #[inline]
    pub(super) fn set(&mut self, w: usize, state: Worker) {
        let was_idle = self.states[w] == Worker::Idle;
        self.states[w] = state;
        let idle = state == Worker::Idle;
        if was_idle != idle {
            self.idle_changed(w, idle);
        }
    }

    /// Worker `w` became idle (`idle`) or left the idle set.
    #[inline(never)]
    fn idle_changed(&mut self, w: usize, idle: bool) {
        if idle {
            self.idle.push(Reverse(w as u32));
        } else {
            let top = self.idle.pop();
            assert_eq!(
                top,
                Some(Reverse(w as u32)),
                "the lowest idle worker leaves"
            );
        }
    }

    /// The lowest-numbered idle worker.
    #[inline]
    pub(super) fn first_idle(&self) -> Option<usize> {
        self.idle.peek().map(|&Reverse(w)| w as usize)
    }

    /// Whether no worker is busy.
    #[inline]
    pub(super) fn all_idle(&self) -> bool {
        self.idle.len() == self.states.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Key, Purpose};

    /// Against the scans it replaces (`position(Idle)`, `all(Idle)`), over random
    /// histories that follow the updater's rule (only the lowest idle worker is given work).
    #[test]
    fn the_pool_answers_as_the_scans_did() {
        let mut rng = Key::trial(3, 0, Purpose::Controller).rng();
        let mut pool = Pool::default();
        for n in [1usize, 2, 7, 64] {
            pool.reset(n);
            let mut busy_seen = 0;
            for _ in 0..5_000 {
                let scan = pool.states.iter().position(|&w| w == Worker::Idle);
                assert_eq!(pool.first_idle(), scan);
                let all = pool.states.iter().all(|&w| w == Worker::Idle);
                assert_eq!(pool.all_idle(), all);
                match rng.below(64) {
                    0..=23 => {
                        if let Some(w) = scan {
                            let at = rng.below(100) as u32;
                            pool.set(w, Worker::Waiting { at, task: at });
                        }
                    }
                    24..=31 => {
                        if let Some(w) = scan {
                            pool.set(w, Worker::Idle); // a clean slot, no delay
                        }
                    }
                    32 => pool.all_to_idle(),
                    _ => {
                        let w = rng.below(n as u64) as usize;
                        if pool.get(w) != Worker::Idle {
                            busy_seen += 1;
                            let next = [Worker::Idle, Worker::Sleeping][rng.below(2) as usize];
                            pool.set(w, next);
                        }
                    }
                }
            }
            assert!(busy_seen > 100, "the histories had busy workers");
        }
    }

    #[test]
    #[should_panic(expected = "the lowest idle worker leaves")]
    fn only_the_lowest_idle_worker_can_leave_idle() {
        let mut pool = Pool::default();
        pool.reset(3);
        pool.set(1, Worker::Sleeping);
    }
}
