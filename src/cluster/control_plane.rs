//! The control plane at run time: how a phase latency is drawn, and container starts that
//! share a node's engine.
//!
//! **Draws.** Every phase latency comes from its own keyed stream: purpose
//! [`Purpose::ControlPlane`](crate::sim::Purpose::ControlPlane), the task's slot and version, and an attempt field whose top
//! byte is the [`Phase`] and whose low 24 bits are the task's attempt (see
//! [`stream_attempt`]). So a stop signal of slot 3's second `next` task has the same value
//! whatever else happened in the trial and whatever the thread count, and adding a phase
//! never shifts another's values.
//!
//! **Start contention.** Starts on one node are a processor-sharing queue: a start needs
//! `work` microseconds of the engine alone; with `k` starts in progress on the node each
//! advances at `1 / (1 + slowdown·(k − 1))` of that speed. Whenever a start begins, ends or
//! is abandoned, the others on its node are brought up to date and their end times
//! recomputed. Two starts that begin together with slowdown 0.42 both take 1.42× as long
//! (0.43 s → 0.61 s); starts that overlap partly are slowed only while they overlap.
//! Rescheduled ends are handed back to
//! the caller; an end event is current only if it matches the job's end (stale ones are
//! ignored), so no other event of the task is disturbed.

use super::task::{NodeId, TaskId};
use crate::scenario::Phase;
use crate::sim::time::{NEVER, Time};

/// The attempt field of the stream key for `phase` of a task's `attempt`.
#[inline]
pub fn stream_attempt(attempt: u32, phase: Phase) -> u32 {
    (attempt & 0x00ff_ffff) | (phase as u32) << 24
}

/// One container start in progress.
#[derive(Debug, Clone, Copy)]
struct Job {
    node: NodeId,
    task: TaskId,
    /// Engine work left, in microseconds of solo speed.
    remaining: f64,
    /// When `remaining` was last brought up to date.
    since: Time,
    /// When it ends at the current sharing.
    end: Time,
}

/// Container starts in progress on every node (few at a time: a linear scan is fastest).
#[derive(Debug, Default)]
pub struct StartQueue {
    jobs: Vec<Job>,
}

impl StartQueue {
    /// Forget every start (a new trial).
    pub fn clear(&mut self) {
        self.jobs.clear();
    }

    /// Whether no start is in progress (then nothing can be cancelled or rescheduled).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }

    /// A start of `work` (its solo duration) begins on `node` at `now`. The new end of every
    /// start on the node, this one included, is pushed to `ends`.
    pub fn begin(
        &mut self,
        node: NodeId,
        task: TaskId,
        work: Time,
        now: Time,
        slowdown: f64,
        ends: &mut Vec<(TaskId, Time)>,
    ) {
        self.advance(node, now, slowdown);
        self.jobs.push(Job {
            node,
            task,
            remaining: work as f64,
            since: now,
            end: NEVER, // differs from any real end, so the first one is always handed back
        });
        self.reschedule(node, now, slowdown, ends);
    }

    /// The end event of `task` fired at `now`: `true` if it is current (the start is done
    /// and removed; the others on its node speed up and their ends go to `ends`).
    pub fn finish(
        &mut self,
        task: TaskId,
        now: Time,
        slowdown: f64,
        ends: &mut Vec<(TaskId, Time)>,
    ) -> bool {
        match self.jobs.iter().position(|j| j.task == task) {
            Some(i) if self.jobs[i].end == now => {
                self.remove(i, now, slowdown, ends);
                true
            }
            _ => false,
        }
    }

    /// The start of `task` is abandoned (the task was told to stop), if it was in progress.
    pub fn cancel(
        &mut self,
        task: TaskId,
        now: Time,
        slowdown: f64,
        ends: &mut Vec<(TaskId, Time)>,
    ) {
        if let Some(i) = self.jobs.iter().position(|j| j.task == task) {
            self.remove(i, now, slowdown, ends);
        }
    }

    fn remove(&mut self, i: usize, now: Time, slowdown: f64, ends: &mut Vec<(TaskId, Time)>) {
        let node = self.jobs[i].node;
        self.advance(node, now, slowdown);
        self.jobs.swap_remove(i);
        self.reschedule(node, now, slowdown, ends);
    }

    /// Starts in progress on `node`.
    fn sharing(&self, node: NodeId) -> usize {
        self.jobs.iter().filter(|j| j.node == node).count()
    }

    /// Work done on `node` since the last change, at the sharing in force until now.
    fn advance(&mut self, node: NodeId, now: Time, slowdown: f64) {
        let factor = stretch(self.sharing(node), slowdown);
        for j in self.jobs.iter_mut().filter(|j| j.node == node) {
            j.remaining = (j.remaining - (now - j.since) as f64 / factor).max(0.0);
            j.since = now;
        }
    }

    fn reschedule(
        &mut self,
        node: NodeId,
        now: Time,
        slowdown: f64,
        ends: &mut Vec<(TaskId, Time)>,
    ) {
        let factor = stretch(self.sharing(node), slowdown);
        for j in self.jobs.iter_mut().filter(|j| j.node == node) {
            let end = now + (j.remaining * factor).ceil() as Time;
            if end != j.end {
                j.end = end;
                ends.push((j.task, end));
            }
        }
    }
}

/// How much longer a start takes with `k` starts sharing the node.
#[inline]
fn stretch(k: usize, slowdown: f64) -> f64 {
    1.0 + slowdown * k.saturating_sub(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run the queue's events in time order: the finishing time of each task.
    fn simulate(starts: &[(NodeId, TaskId, Time, Time)], slowdown: f64) -> Vec<(TaskId, Time)> {
        let mut q = StartQueue::default();
        let mut pending: Vec<(TaskId, Time)> = Vec::new();
        let mut done = Vec::new();
        let mut ends = Vec::new();
        let mut next_start = 0;
        loop {
            let start_at = starts.get(next_start).map(|s| s.2);
            let end_at = pending.iter().map(|p| p.1).min();
            match (start_at, end_at) {
                (Some(s), e) if e.is_none_or(|e| s < e) => {
                    let (node, task, at, work) = starts[next_start];
                    next_start += 1;
                    q.begin(node, task, work, at, slowdown, &mut ends);
                }
                (_, Some(e)) => {
                    let i = pending.iter().position(|p| p.1 == e).unwrap();
                    let (task, at) = pending.swap_remove(i);
                    if q.finish(task, at, slowdown, &mut ends) {
                        done.push((task, at));
                    }
                }
                _ => break,
            }
            pending.append(&mut ends);
        }
        done.sort_unstable();
        done
    }

    #[test]
    fn the_attempt_field_carries_the_phase() {
        assert_eq!(stream_attempt(5, Phase::UpdateStart), 5);
        assert_eq!(stream_attempt(5, Phase::StopSignal), 5 | 4 << 24);
        assert_ne!(
            stream_attempt(1, Phase::Create),
            stream_attempt(1, Phase::Start)
        );
    }

    #[test]
    fn a_start_alone_takes_its_work() {
        assert_eq!(simulate(&[(0, 7, 100, 430)], 0.42), [(7, 530)]);
    }

    #[test]
    fn two_starts_together_are_both_slowed() {
        // 430 µs of work each, sharing from the start: 430 × 1.42 = 610.6 → 611.
        let done = simulate(&[(0, 1, 0, 430), (0, 2, 0, 430)], 0.42);
        assert_eq!(done, [(1, 611), (2, 611)]);
        // On two nodes they do not share.
        let done = simulate(&[(0, 1, 0, 430), (1, 2, 0, 430)], 0.42);
        assert_eq!(done, [(1, 430), (2, 430)]);
        // No slowdown: no effect.
        let done = simulate(&[(0, 1, 0, 430), (0, 2, 0, 430)], 0.0);
        assert_eq!(done, [(1, 430), (2, 430)]);
    }

    #[test]
    fn an_overlap_slows_only_while_it_lasts() {
        // Slowdown 1 (plain processor sharing): task 1 alone for 100, then both at half
        // speed. Task 2 needs 100: done at 100 + 200 = 300; task 1 has 300 left at 100,
        // 100 of which go by 300, then alone: 300 + 200 = 500.
        let done = simulate(&[(0, 1, 0, 400), (0, 2, 100, 100)], 1.0);
        assert_eq!(done, [(1, 500), (2, 300)]);
    }

    #[test]
    fn a_cancelled_start_frees_the_engine() {
        let mut q = StartQueue::default();
        let mut ends = Vec::new();
        q.begin(0, 1, 400, 0, 1.0, &mut ends);
        q.begin(0, 2, 400, 0, 1.0, &mut ends);
        ends.clear();
        // At 200 each has done 100; task 2 goes: task 1 has 300 left, alone.
        q.cancel(2, 200, 1.0, &mut ends);
        assert_eq!(ends, [(1, 500)]);
        assert!(!q.finish(1, 800, 1.0, &mut ends), "a stale end is ignored");
        assert!(q.finish(1, 500, 1.0, &mut ends));
    }
}
