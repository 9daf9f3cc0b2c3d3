//! Trials finished in any order, handed to a sink in trial order, with no barrier between
//! the worker threads.
//!
//! Each worker [claims](Handover::claim) the next trial index, runs it and
//! [deposits](Handover::deposit) its result in a reorder buffer. Once a whole batch of
//! consecutive trials is finished at the front of the buffer, the worker whose deposit
//! completed it writes them into the sink, while the other threads go on simulating: the
//! sink's work is serialised (it must be, to keep the order) but nobody waits for it, and
//! no thread waits for a slow trial of the others (an earlier version ran chunks of trials
//! and joined all threads at the end of each, which cost two threads about a tenth of
//! their speed).
//!
//! **Why batches.** The sinks' state (the summary's columns, the CSV buffer) lives in the
//! cache of the core that last wrote. When every deposit of the oldest trial wrote it, two
//! threads took turns at almost every trial and each turn moved that state from one core
//! to the other: 7.5–10.6 % of a two-thread run's CPU time went to `SummaryBuilder::push`
//! waiting on those cache lines, against 1.4–1.6 % with batches of 32 (`perf record`,
//! 200,000 trials of `benches/bench-swarm.yaml`). A batch is written earlier when a worker waits
//! for it (see below) and when it ends the run.
//!
//! The batch adapts to the trials' pace ([`next_batch`]): it starts at one trial and
//! doubles, up to [`Handover::new`]'s maximum, while batches fill quicker than
//! [`QUICK`], and halves when one takes longer than [`SLOW`]. Short trials are written 32
//! at a time; long ones (a 10,000-replica rollout) one or two at a time, so the sinks and
//! the progress bar keep up with a slow run. The progress is reported every
//! [`PROGRESS_EVERY`] trials or [`SLOW`], whichever comes first.
//!
//! One thread at a time is the writer; the role is taken and given up under the buffer's
//! lock, and the writer looks at the buffer once more before giving it up, so a batch
//! completed while it wrote is not left behind. A worker may run at most
//! [`Handover::new`]'s `ahead` trials past the oldest one not yet written, which bounds
//! the memory held while one trial takes very long; a worker that would wait for that
//! writes what is ready itself, or waits for the writer, who then writes without waiting
//! for a whole batch.
//!
//! The vectors trials are handed over in go back to the workers once written, so handing
//! over a trial allocates nothing.
//!
//! A trial index that is claimed but never deposited (its worker saw the stop flag) ends
//! what reaches the sink: only the prefix of consecutive finished trials is written.

use super::stream::{Sink, Trial};
use std::collections::VecDeque;
use std::io;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How many trials pass at most between two calls of the progress callback.
const PROGRESS_EVERY: u64 = 256;

/// A batch that filled quicker than this is doubled.
const QUICK: Duration = Duration::from_millis(20);

/// A batch that took longer than this to fill is halved; and the progress is reported at
/// least this often while trials are written.
const SLOW: Duration = Duration::from_millis(100);

/// The batch after one of `batch` trials filled in `took`: doubled if quick, halved if
/// slow, between 1 and `max`.
///
/// ```text
/// next_batch(8, 32, 5 ms) = 16    next_batch(8, 32, 50 ms) = 8    next_batch(8, 32, 0.5 s) = 4
/// ```
fn next_batch(batch: usize, max: usize, took: Duration) -> usize {
    if took < QUICK {
        (batch * 2).min(max)
    } else if took > SLOW {
        (batch / 2).max(1)
    } else {
        batch
    }
}

/// The shared state of one experiment's workers (see the [module docs](self)).
pub(super) struct Handover<'a> {
    /// The next trial index to claim.
    next: AtomicU64,
    /// One past the last trial index.
    end: u64,
    /// How far past the oldest unwritten trial a worker may claim.
    ahead: u64,
    /// Set when no more trial should start: the stop flag was seen or the sink failed.
    halted: AtomicBool,
    /// `inbox.base`, readable without the lock (it only grows, so an old value only
    /// sends a claim the slow way, through the lock).
    base: AtomicU64,
    inbox: Mutex<Inbox>,
    /// Signalled when the oldest unwritten trial moves on, or on a halt.
    moved: Condvar,
    writer: Mutex<Writer<'a>>,
}

/// Finished trials waiting for the ones before them.
struct Inbox {
    /// The oldest trial index not yet taken for writing.
    base: u64,
    /// `waiting[k]`: trial `base + k`, once finished.
    waiting: VecDeque<Option<Vec<Trial>>>,
    /// Written and emptied vectors, for the workers to hand over their next trials in.
    spare: Vec<Vec<Trial>>,
    /// Workers waiting on `moved` (changed only under this lock, as their waits begin and
    /// end). The oldest trial moves on at every write, and a `Condvar` notification is a
    /// system call even when nobody waits (std's futex condvar wakes unconditionally):
    /// one a trial cost a one-thread run of 200,000 short trials 0.08 s of system time in
    /// 2 s of CPU, so it is made only when someone waits.
    waiters: u32,
    /// The writer's list of trials taken for writing (empty between batches), kept for
    /// its capacity.
    batch: Vec<Vec<Trial>>,
    /// How many trials at the front of `waiting` are finished.
    ready: usize,
    /// Whether a thread is the writer (see the [module docs](self)).
    writing: bool,
    /// How many finished trials at the front make a deposit write them: the batch, set by
    /// the writer ([`next_batch`]).
    due_at: usize,
}

impl Inbox {
    /// Whether the finished trials at the front are to be written now: a whole batch, a
    /// worker waiting for them, or the last trials of the run.
    fn due(&self, end: u64) -> bool {
        self.ready > 0
            && (self.ready >= self.due_at
                || self.waiters > 0
                || self.base + self.ready as u64 == end)
    }
}

/// The sink and what has been written to it.
struct Writer<'a> {
    sink: &'a mut dyn Sink,
    progress: &'a (dyn Fn(u64) + Sync),
    /// Trial indices written.
    done: u64,
    /// `done` when `progress` was last called.
    reported: u64,
    /// The largest batch.
    max_batch: usize,
    /// When the last batch was written, and the progress last reported.
    wrote_at: Instant,
    reported_at: Instant,
    /// The sink's first error; nothing is written after it.
    error: Option<io::Error>,
}

impl<'a> Handover<'a> {
    /// For the trial indices `trials`, written to `sink` in batches of at most `batch` (at
    /// least 1) consecutive trials, workers at most `ahead` trials (at least 1) past the
    /// oldest unwritten one; `progress(done)` is called now and then with the number of
    /// trial indices written.
    pub(super) fn new(
        trials: Range<u64>,
        ahead: u64,
        batch: usize,
        sink: &'a mut dyn Sink,
        progress: &'a (dyn Fn(u64) + Sync),
    ) -> Handover<'a> {
        Handover {
            next: AtomicU64::new(trials.start),
            end: trials.end,
            ahead: ahead.max(1),
            halted: AtomicBool::new(false),
            base: AtomicU64::new(trials.start),
            inbox: Mutex::new(Inbox {
                base: trials.start,
                waiting: VecDeque::new(),
                spare: Vec::new(),
                waiters: 0,
                batch: Vec::new(),
                ready: 0,
                writing: false,
                due_at: 1,
            }),
            moved: Condvar::new(),
            writer: Mutex::new(Writer {
                sink,
                progress,
                done: 0,
                reported: 0,
                max_batch: batch.max(1),
                wrote_at: Instant::now(),
                reported_at: Instant::now(),
                error: None,
            }),
        }
    }

    /// The next trial index to run, or `None` when there is none left or no more trial
    /// should start (`stop` set, or the sink failed). While the index is too far ahead of
    /// the oldest unwritten trial, writes what is ready if nobody is writing, and waits.
    pub(super) fn claim(&self, stop: &AtomicBool) -> Option<u64> {
        if self.halted.load(Ordering::Relaxed) {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed);
        if i >= self.end {
            return None;
        }
        if i >= self.base.load(Ordering::Relaxed) + self.ahead {
            let mut inbox = lock(&self.inbox);
            while i >= inbox.base + self.ahead && !self.halted.load(Ordering::Relaxed) {
                if inbox.ready > 0 && !inbox.writing {
                    inbox.writing = true;
                    drop(inbox);
                    self.write(false);
                    inbox = lock(&self.inbox);
                    continue;
                }
                // Nothing ready (its depositor writes it, seeing a waiter), or a writer
                // who looks again before giving up the role and sees the waiter too.
                inbox.waiters += 1;
                inbox = self.moved.wait(inbox).unwrap_or_else(|e| e.into_inner());
                inbox.waiters -= 1;
            }
        }
        if stop.load(Ordering::Relaxed) {
            // Trial `i` never runs, so nothing after it is written: let the waiting go.
            self.halt();
        }
        (!self.halted.load(Ordering::Relaxed)).then_some(i)
    }

    /// Hand over trial `i` (claimed by [`Handover::claim`]), leaving an empty vector in
    /// `trials` (one already written, if there is one: no allocation per trial), and write
    /// the finished trials at the front if they are due and nobody is writing.
    pub(super) fn deposit(&self, i: u64, trials: &mut Vec<Trial>) {
        let write = {
            let mut inbox = lock(&self.inbox);
            let k = (i - inbox.base) as usize;
            if inbox.waiting.len() <= k {
                inbox.waiting.resize_with(k + 1, || None);
            }
            let spare = inbox.spare.pop().unwrap_or_default();
            inbox.waiting[k] = Some(std::mem::replace(trials, spare));
            if k == inbox.ready {
                let ready = inbox
                    .waiting
                    .iter()
                    .skip(k)
                    .take_while(|t| t.is_some())
                    .count();
                inbox.ready += ready;
            }
            let write = !inbox.writing && inbox.due(self.end);
            inbox.writing |= write;
            write
        };
        if write {
            self.write(false);
        }
    }

    /// As the writer (the caller took the role): write the finished trials at the front,
    /// and again while more are due (all of them if `flush`), then give up the role.
    fn write(&self, flush: bool) {
        loop {
            let (mut batch, due_at) = self.take_ready();
            let mut next = due_at;
            let mut writer = lock(&self.writer);
            // After an error the trials are dropped unwritten (nothing is written after it).
            if writer.error.is_none() && !batch.is_empty() {
                next = writer.write(&batch, due_at);
                if writer.error.is_some() {
                    self.halt();
                }
            }
            drop(writer);
            batch.iter_mut().for_each(Vec::clear);
            // Under one lock: give the vectors back, and look again, since trials
            // deposited meanwhile left their writing to us.
            let mut inbox = lock(&self.inbox);
            inbox.spare.append(&mut batch);
            inbox.batch = batch;
            inbox.due_at = next;
            let again = if flush {
                inbox.ready > 0
            } else {
                inbox.due(self.end)
            };
            if !again {
                inbox.writing = false;
                return;
            }
        }
    }

    /// The consecutive finished trials at the front of the inbox, taken out of it, and the
    /// batch they were due at.
    fn take_ready(&self) -> (Vec<Vec<Trial>>, usize) {
        let mut inbox = lock(&self.inbox);
        let mut batch = std::mem::take(&mut inbox.batch);
        for _ in 0..std::mem::take(&mut inbox.ready) {
            if let Some(Some(trials)) = inbox.waiting.pop_front() {
                batch.push(trials);
            }
        }
        if !batch.is_empty() {
            inbox.base += batch.len() as u64;
            self.base.store(inbox.base, Ordering::Relaxed);
            if inbox.waiters > 0 {
                self.moved.notify_all();
            }
        }
        (batch, inbox.due_at)
    }

    fn halt(&self) {
        self.halted.store(true, Ordering::Relaxed);
        // Under the lock, so a worker between its check and its wait cannot miss it.
        let _inbox = lock(&self.inbox);
        self.moved.notify_all();
    }

    /// Once every worker has returned: write what is left in order, report the progress,
    /// and return how many trial indices were written, or the sink's error.
    pub(super) fn finish(self) -> io::Result<u64> {
        lock(&self.inbox).writing = true;
        self.write(true);
        let mut writer = self.writer.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = writer.error.take() {
            return Err(e);
        }
        if writer.done > writer.reported {
            (writer.progress)(writer.done);
        }
        Ok(writer.done)
    }
}

impl Writer<'_> {
    /// Write `trials`, taken when the batch was `batch` trials; returns the next batch.
    fn write(&mut self, trials: &[Vec<Trial>], batch: usize) -> usize {
        for t in trials {
            if let Err(e) = self.sink.push(t) {
                self.error = Some(e);
                return batch;
            }
            self.done += 1;
        }
        let now = Instant::now();
        let took = now.duration_since(std::mem::replace(&mut self.wrote_at, now));
        if self.done - self.reported >= PROGRESS_EVERY
            || now.duration_since(self.reported_at) >= SLOW
        {
            self.reported = self.done;
            self.reported_at = now;
            (self.progress)(self.done);
        }
        next_batch(batch, self.max_batch, took)
    }
}

/// A poisoned lock (a worker panicked) is used as it is: the panic reaches the caller
/// anyway when the workers are joined.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::tests::sample_row;

    fn trial(i: u64) -> Vec<Trial> {
        vec![Trial {
            result: crate::result::TrialResult {
                trial: i,
                ..sample_row()
            },
            trace: None,
            timeline: None,
        }]
    }

    /// The trial numbers it was given, in order; fails at trial `fail_at`.
    struct Seen(Vec<u64>, Option<u64>);
    impl Sink for Seen {
        fn push(&mut self, trials: &[Trial]) -> io::Result<()> {
            if Some(trials[0].result.trial) == self.1 {
                return Err(io::Error::other("disk full"));
            }
            self.0.push(trials[0].result.trial);
            Ok(())
        }
    }

    /// Four threads, finishing in scrambled order: every trial once, in order, and the
    /// progress ends at the total, whether batches are smaller than how far a worker may
    /// run ahead or larger (then every batch is written early, for a waiting worker).
    #[test]
    fn scrambled_finishes_are_written_in_order() {
        for (ahead, batch) in [(3, 4), (1, 1), (1, 32), (64, 8), (8, 64)] {
            let mut seen = Seen(Vec::new(), None);
            let last = AtomicU64::new(0);
            let progress = |n| last.store(n, Ordering::Relaxed);
            let h = Handover::new(10..2_010, ahead, batch, &mut seen, &progress);
            let stop = AtomicBool::new(false);
            std::thread::scope(|s| {
                for t in 0..4u64 {
                    let (h, stop) = (&h, &stop);
                    s.spawn(move || {
                        while let Some(i) = h.claim(stop) {
                            // Uneven work, different on each thread.
                            for _ in 0..(i * 7 + t * 13) % 50 {
                                std::thread::yield_now();
                            }
                            h.deposit(i, &mut trial(i));
                        }
                    });
                }
            });
            assert_eq!(h.finish().unwrap(), 2_000, "ahead {ahead}, batch {batch}");
            assert_eq!(seen.0, (10..2_010).collect::<Vec<_>>());
            assert_eq!(last.load(Ordering::Relaxed), 2_000);
        }
    }

    /// A worker too far ahead waits, and is woken when the oldest trial is written: the
    /// notification skipped while nobody waits is made once somebody does.
    #[test]
    fn a_worker_too_far_ahead_waits_for_the_write() {
        let mut seen = Seen(Vec::new(), None);
        let h = Handover::new(0..2, 1, 32, &mut seen, &|_| {});
        let stop = AtomicBool::new(false);
        assert_eq!(h.claim(&stop), Some(0));
        std::thread::scope(|s| {
            let waiting = s.spawn(|| h.claim(&stop));
            while lock(&h.inbox).waiters == 0 {
                std::thread::yield_now();
            }
            h.deposit(0, &mut trial(0));
            assert_eq!(waiting.join().unwrap(), Some(1));
        });
        assert_eq!(lock(&h.inbox).waiters, 0);
        h.deposit(1, &mut trial(1));
        assert_eq!(h.finish().unwrap(), 2);
        assert_eq!(seen.0, [0, 1]);
    }

    /// Trials are written a whole batch at a time, by the deposit that completes it, and
    /// the last ones as soon as they end the run.
    #[test]
    fn trials_are_written_in_batches() {
        let mut seen = Seen(Vec::new(), None);
        let h = Handover::new(0..6, 100, 4, &mut seen, &|_| {});
        lock(&h.inbox).due_at = 4; // as if grown already
        let stop = AtomicBool::new(false);
        let claimed: Vec<u64> = (0..6).map(|_| h.claim(&stop).unwrap()).collect();
        assert_eq!(claimed, [0, 1, 2, 3, 4, 5]);
        let written = |h: &Handover| lock(&h.writer).done;
        for i in [1, 0, 2] {
            h.deposit(i, &mut trial(i));
        }
        assert_eq!(written(&h), 0, "three ready: less than a batch");
        h.deposit(4, &mut trial(4));
        assert_eq!(written(&h), 0, "trial 3 is missing");
        h.deposit(3, &mut trial(3));
        assert_eq!(written(&h), 5, "a batch and more, all that is ready");
        h.deposit(5, &mut trial(5));
        assert_eq!(written(&h), 6, "the last trial ends the run");
        assert_eq!(h.finish().unwrap(), 6);
        assert_eq!(seen.0, [0, 1, 2, 3, 4, 5]);
    }

    /// The batch doubles while batches fill quickly and halves when they fill slowly.
    #[test]
    fn the_batch_follows_the_pace() {
        let ms = Duration::from_millis;
        assert_eq!(next_batch(1, 32, ms(0)), 2);
        assert_eq!(next_batch(8, 32, ms(5)), 16);
        assert_eq!(next_batch(32, 32, ms(1)), 32);
        assert_eq!(next_batch(8, 32, ms(50)), 8);
        assert_eq!(next_batch(8, 32, ms(500)), 4);
        assert_eq!(next_batch(1, 32, ms(500)), 1);
    }

    /// Trials that each take longer than a quick batch are written at most two at a time:
    /// a slow run's files and progress keep up with it.
    #[test]
    fn slow_trials_are_written_as_they_come() {
        let mut seen = Seen(Vec::new(), None);
        let h = Handover::new(0..6, 100, 32, &mut seen, &|_| {});
        let stop = AtomicBool::new(false);
        for i in 0..6 {
            assert_eq!(h.claim(&stop), Some(i));
            std::thread::sleep(QUICK + Duration::from_millis(5));
            h.deposit(i, &mut trial(i));
            let written = lock(&h.writer).done;
            assert!(written + 1 >= i, "trial {i} deposited, {written} written");
        }
        assert_eq!(h.finish().unwrap(), 6);
    }

    /// A trial claimed after the stop flag is set never runs: only the trials before it
    /// are written, even those after it that finished.
    #[test]
    fn a_stop_keeps_the_finished_prefix() {
        let mut seen = Seen(Vec::new(), None);
        let h = Handover::new(0..100, 10, 32, &mut seen, &|_| {});
        let stop = AtomicBool::new(false);
        let (a, b, c) = (h.claim(&stop), h.claim(&stop), h.claim(&stop));
        assert_eq!((a, b, c), (Some(0), Some(1), Some(2)));
        h.deposit(0, &mut trial(0));
        h.deposit(2, &mut trial(2));
        stop.store(true, Ordering::Relaxed);
        assert_eq!(h.claim(&stop), None);
        h.deposit(1, &mut trial(1));
        assert_eq!(h.claim(&stop), None);
        assert_eq!(h.finish().unwrap(), 3);
        assert_eq!(seen.0, [0, 1, 2]);
    }

    /// The sink's error comes back, nothing is written after it, and no trial starts.
    #[test]
    fn a_sink_error_stops_the_run() {
        let mut seen = Seen(Vec::new(), Some(2));
        let h = Handover::new(0..100, 10, 1, &mut seen, &|_| {});
        let stop = AtomicBool::new(false);
        for _ in 0..3 {
            let i = h.claim(&stop).unwrap();
            h.deposit(i, &mut trial(i));
        }
        assert_eq!(h.claim(&stop), None);
        assert_eq!(h.finish().unwrap_err().to_string(), "disk full");
        assert_eq!(seen.0, [0, 1]);
    }
}
