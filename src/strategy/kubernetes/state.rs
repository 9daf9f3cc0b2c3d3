//! Where the Deployment's rollout stands, as named states, and the Deployment's key in
//! the controller's work queue, after `kubernetes/kubernetes:pkg/controller/deployment`
//! (`progress.go`, `sync.go`, `rollback.go`, `deployment_controller.go` at v1.32) and
//! `kubernetes/kubectl:pkg/polymorphichelpers/rollback.go` (v1.33).
//!
//! Upstream keeps no such state: a Deployment is its spec and status, and each sync
//! recomputes everything from them. The simulator needs one thing upstream leaves to the
//! operator watching `kubectl rollout status`: *when* the rollout of the template in force
//! concluded, and how. [`RolloutState`] records that; the Progressing condition itself
//! (with `ProgressDeadlineExceeded`) stays in [`super::progress`].
//!
//! The progress deadline is deliberately not a state: exceeding it "changes nothing in the
//! rollout" (upstream `apps/v1` `DeploymentSpec.progressDeadlineSeconds`: the controller
//! keeps processing failed deployments). A rollout past its deadline can still complete,
//! be undone or fail to be undone, so its first instant is a record kept beside the state
//! (`Deployment::deadline_exceeded_at`), whatever the state becomes.

use crate::sim::time::{NEVER, Time};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Where the rollout of the template in force stands. Every template change (`kubectl set
/// image`, `rollout restart`, `rollout undo`, the scenario's `next` version) starts a new
/// rollout in [`RolloutState::Progressing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutState {
    /// Not seen complete since the template changed: upstream's Deployment is rolling
    /// (`progress.go syncRolloutStatus`: the Progressing condition `NewReplicaSetCreated`,
    /// `FoundNewReplicaSet`, `ReplicaSetUpdated`, paused / resumed, or
    /// `ProgressDeadlineExceeded`, after which the controller goes on rolling; without a
    /// progress deadline there is no condition, and the state is the same).
    Progressing(Origin),
    /// `DeploymentComplete` held at `at`, the first sync that saw it for this template
    /// (`progress.go`: the condition becomes `NewReplicaSetAvailable`; `sync.go` then
    /// cleans old ReplicaSets up). A later scale keeps it: only a template change starts
    /// a new rollout.
    Complete {
        /// The first instant the rollout was complete.
        at: Time,
        /// How the template came about: `completed` or `rolled_back`.
        origin: Origin,
    },
    /// `rollout undo --to-revision` named a revision no longer listed, at `at`: kubectl
    /// fails with "unable to find specified revision N in history" (the controller-side
    /// `rollback.go` gives up alike, `RollbackRevisionNotFound`). The operator's plan
    /// failed; the trial ends there with outcome `paused`, and the controller neither
    /// syncs nor takes actions any more. Terminal.
    UndoFailed {
        /// When the undo failed.
        at: Time,
    },
}

/// How the template in force came about, for a Deployment, a DaemonSet or a StatefulSet:
/// it decides whether its completion is `completed` or `rolled_back`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A new template: `kubectl set image`, `rollout restart`, or the scenario's `next`
    /// version at the start.
    Update,
    /// A template copied back from an old ReplicaSet or ControllerRevision: `kubectl
    /// rollout undo`, or a Deployment's `autoRollback` extension.
    Undo,
}

impl RolloutState {
    /// The template in force came from `undo` (never, once the undo failed: that state
    /// ends the trial before any other question is asked).
    pub fn is_rollback(self) -> bool {
        matches!(
            self,
            RolloutState::Progressing(Origin::Undo)
                | RolloutState::Complete {
                    origin: Origin::Undo,
                    ..
                }
        )
    }

    /// The first instant the rollout of the template in force was complete.
    pub fn complete_at(self) -> Option<Time> {
        match self {
            RolloutState::Complete { at, .. } => Some(at),
            _ => None,
        }
    }

    /// When an undo failed (the trial ended there).
    pub fn undo_failed_at(self) -> Option<Time> {
        match self {
            RolloutState::UndoFailed { at } => Some(at),
            _ => None,
        }
    }
}

/// The Deployment's key in the controller's work queue (`deployment_controller.go`:
/// `enqueueDeployment`, and `enqueueAfter` for `requeueStuckDeployment`): a sync is due
/// once the simulated instant is over, and a delayed requeue may be pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkQueue {
    /// The key is queued: an event of this instant (a pod change, a spec or status
    /// update) asks for a sync.
    queued: bool,
    /// The pending delayed requeue (`NEVER`: none).
    requeue_at: Time,
}

impl Default for WorkQueue {
    fn default() -> WorkQueue {
        WorkQueue {
            queued: false,
            requeue_at: NEVER,
        }
    }
}

impl WorkQueue {
    /// `queue.Add`: an event asks for a sync.
    pub fn add(&mut self) {
        self.queued = true;
    }

    /// A sync is due.
    pub fn is_queued(self) -> bool {
        self.queued
    }

    /// The worker takes the key: the sync about to run covers every event so far.
    pub fn take(&mut self) {
        self.queued = false;
    }

    /// `queue.AddAfter` for the instant `at`: whether it is a new requeue (the caller
    /// sets its timer), not one already pending or none at all.
    pub fn requeue(&mut self, at: Time) -> bool {
        if !self.is_new_requeue(at) {
            return false;
        }
        self.requeue_at = at;
        true
    }

    /// Whether [`WorkQueue::requeue`] for `at` would arm a timer.
    pub fn is_new_requeue(self, at: Time) -> bool {
        at != NEVER && at != self.requeue_at
    }

    /// A requeue timer fired at `now`: the key is queued if it is the pending one (an
    /// earlier timer, replaced since, does nothing).
    pub fn requeue_fired(&mut self, now: Time) {
        if now == self.requeue_at {
            self.requeue_at = NEVER;
            self.queued = true;
        }
    }
}

/// The Deployment's requeue timers, each an event at its time. A timer replaced by a later
/// requeue still fires (it does nothing, but it is an event: it counts, and makes its
/// instant), yet only the earliest ones need to be in the event queue: the others are
/// held here until the one before them fires. A rollout that progresses arms one timer a
/// deadline ahead (600 s by default) at about every instant, and most trials end long
/// before any fires; in the event queue they would deepen every pop (`bench-kubernetes.yaml`
/// arms about one per replica, 100 a trial, and fires none).
///
/// Exact: every timer fires at its time, as often as it was armed. Only its place among
/// other events of the same instant may change (a held timer is pushed later), and a
/// fired requeue only queues the key, which the sync at the end of the instant reads.
#[derive(Debug, Default)]
pub struct RequeueTimers {
    /// Times of the timers in the event queue, not yet fired.
    queued: BinaryHeap<Reverse<Time>>,
    /// Times of the timers held back, none before the earliest queued one.
    held: BinaryHeap<Reverse<Time>>,
}

impl RequeueTimers {
    /// None armed (a new trial).
    pub fn clear(&mut self) {
        self.queued.clear();
        self.held.clear();
    }

    /// A timer for `at`: whether the caller puts it in the event queue now (otherwise it
    /// is held, and handed back by [`RequeueTimers::fired`] in time).
    pub fn arm(&mut self, at: Time) -> bool {
        if self.queued.peek().is_none_or(|&Reverse(q)| at < q) {
            self.queued.push(Reverse(at));
            true
        } else {
            self.held.push(Reverse(at));
            false
        }
    }

    /// The earliest queued timer fired: the held timer the caller puts in the event queue
    /// now, if one is due before every timer still queued (not before now).
    pub fn fired(&mut self) -> Option<Time> {
        self.queued.pop();
        let &Reverse(next) = self.held.peek()?;
        if self.queued.peek().is_some_and(|&Reverse(q)| q <= next) {
            return None;
        }
        self.held.pop();
        self.queued.push(Reverse(next));
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_requeue_timers_fire_at_their_times() {
        // Arm timers in a random order (ties included) between firings, and fire the
        // earliest queued one each time: every timer must fire, at its time, in order.
        let mut rng = crate::sim::Key::trial(11, 0, crate::sim::Purpose::Controller).rng();
        for _ in 0..200 {
            let mut timers = RequeueTimers::default();
            let mut queue: Vec<Time> = Vec::new(); // the event queue's timers
            let mut armed: Vec<Time> = Vec::new();
            let mut fired: Vec<Time> = Vec::new();
            let mut now = 0;
            for _ in 0..40 {
                for _ in 0..rng.below(4) {
                    let at = now + rng.below(20);
                    armed.push(at);
                    if timers.arm(at) {
                        queue.push(at);
                    }
                }
                if rng.below(3) == 0 {
                    continue;
                }
                let Some(i) = (0..queue.len()).min_by_key(|&i| queue[i]) else {
                    continue;
                };
                now = queue.swap_remove(i);
                fired.push(now);
                if let Some(at) = timers.fired() {
                    assert!(at >= now);
                    queue.push(at);
                }
            }
            while let Some(i) = (0..queue.len()).min_by_key(|&i| queue[i]) {
                now = queue.swap_remove(i);
                fired.push(now);
                if let Some(at) = timers.fired() {
                    assert!(at >= now);
                    queue.push(at);
                }
            }
            armed.sort_unstable();
            assert_eq!(fired, armed);
        }
    }

    #[test]
    fn only_the_latest_requeue_queues_the_key() {
        let mut q = WorkQueue::default();
        assert!(!q.requeue(NEVER), "no deadline, no timer");
        assert!(q.requeue(10));
        assert!(!q.requeue(10), "already pending");
        assert!(q.requeue(20));
        q.requeue_fired(10);
        assert!(!q.is_queued(), "the replaced requeue");
        q.requeue_fired(20);
        assert!(q.is_queued());
        q.take();
        assert!(!q.is_queued());
        assert!(q.requeue(20), "a fired requeue is no longer pending");
    }

    #[test]
    fn a_rollback_is_one_until_its_template_is_replaced_or_the_undo_fails() {
        let undo = RolloutState::Progressing(Origin::Undo);
        assert!(undo.is_rollback());
        let done = RolloutState::Complete {
            at: 5,
            origin: Origin::Undo,
        };
        assert!(done.is_rollback());
        assert_eq!(done.complete_at(), Some(5));
        assert!(!RolloutState::Progressing(Origin::Update).is_rollback());
        let failed = RolloutState::UndoFailed { at: 7 };
        assert!(!failed.is_rollback());
        assert_eq!(
            (failed.complete_at(), failed.undo_failed_at()),
            (None, Some(7))
        );
    }
}
