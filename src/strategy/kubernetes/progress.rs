//! Deployment status, the Progressing condition and `progressDeadlineSeconds`, after
//! `kubernetes/kubernetes:pkg/controller/deployment/progress.go` (`syncRolloutStatus`,
//! `requeueStuckDeployment`), `sync.go` (`calculateStatus`) and `util/deployment_util.go`
//! (`DeploymentComplete`, `DeploymentProgressing`, `DeploymentTimedOut`).
//!
//! The deadline is only a reported condition: exceeding it changes nothing in the rollout,
//! and progress made later turns the condition back to `ReplicaSetUpdated`. The only
//! time-based wake-up of the controller is the requeue computed by [`requeue_at`].

use crate::sim::time::{NEVER, SECOND, Time, api_stamp};

/// The counts of `DeploymentStatus` the controller compares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Status {
    /// `replicas`: Σ non-terminating pods.
    pub replicas: u32,
    /// `updatedReplicas`: non-terminating pods of the new ReplicaSet.
    pub updated: u32,
    /// `readyReplicas`.
    pub ready: u32,
    /// `availableReplicas`.
    pub available: u32,
}

/// Reasons of the Progressing condition the simulator distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// `NewReplicaSetCreated` (True), set when the new RS is created.
    NewReplicaSetCreated,
    /// `ReplicaSetUpdated` (True): progress was seen.
    ReplicaSetUpdated,
    /// `NewReplicaSetAvailable` (True): the rollout is complete.
    NewReplicaSetAvailable,
    /// `ProgressDeadlineExceeded` (False).
    ProgressDeadlineExceeded,
    /// `DeploymentPaused` (Unknown), set by `checkPausedConditions` while `spec.paused`.
    DeploymentPaused,
    /// `DeploymentResumed` (Unknown), set on resume: its `lastUpdateTime` is the resume,
    /// so the time spent paused does not count against the deadline.
    DeploymentResumed,
}

/// The Progressing condition: its reason and `lastUpdateTime`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progressing {
    /// Reason (the status follows from it).
    pub reason: Reason,
    /// `lastUpdateTime`.
    pub last_update: Time,
}

impl Progressing {
    /// The condition set at `now` (`util.NewDeploymentCondition`: `lastUpdateTime:
    /// metav1.Now()`), with the `lastUpdateTime` every later sync reads: the one the API
    /// stored, in whole seconds ([`api_stamp`]). A sync that changes the condition does
    /// not compare it in the same pass (`syncRolloutStatus` checks progress, completion
    /// or the deadline, one of them), so the deadline is always measured from the stamp:
    /// progress at 12.4 s with a 600 s deadline is exceeded after 612 s, not 612.4 s.
    ///
    /// ```
    /// use rollout_sim::sim::SECOND;
    /// use rollout_sim::strategy::kubernetes::progress::{Progressing, Reason};
    /// let c = Progressing::set(Reason::ReplicaSetUpdated, 12 * SECOND + 400_000);
    /// assert_eq!(c.last_update, 12 * SECOND);
    /// ```
    pub fn set(reason: Reason, now: Time) -> Progressing {
        Progressing {
            reason,
            last_update: api_stamp(now),
        }
    }
}

/// `DeploymentComplete`: every replica updated, no old pod counted, all available.
pub fn complete(replicas: u32, st: &Status) -> bool {
    st.updated == replicas && st.replicas == replicas && st.available == replicas
}

/// `DeploymentProgressing(d, newStatus)`: more updated pods, fewer old pods, more ready or
/// more available pods than the stored status.
pub fn progressing(old: &Status, new: &Status) -> bool {
    let old_old = old.replicas as i64 - old.updated as i64;
    let new_old = new.replicas as i64 - new.updated as i64;
    new.updated > old.updated
        || new_old < old_old
        || new.ready > old.ready
        || new.available > old.available
}

/// `DeploymentTimedOut`: `lastUpdateTime + deadline < now` (strict), sticky once the reason
/// is `ProgressDeadlineExceeded`, never for a complete rollout.
pub fn timed_out(cond: Option<Progressing>, deadline: Option<Time>, now: Time) -> bool {
    let (Some(c), Some(d)) = (cond, deadline) else {
        return false;
    };
    match c.reason {
        Reason::NewReplicaSetAvailable => false,
        Reason::ProgressDeadlineExceeded => true,
        _ => c.last_update.saturating_add(d) < now,
    }
}

/// `syncRolloutStatus`'s update of the Progressing condition (only with a deadline).
pub fn next_condition(
    cond: Option<Progressing>,
    deadline: Option<Time>,
    replicas: u32,
    old: &Status,
    new: &Status,
    now: Time,
) -> Option<Progressing> {
    deadline?;
    if progress_check_skipped(cond, new) {
        return cond;
    }
    let set = |reason| {
        // SetDeploymentCondition leaves a condition with the same status and reason alone.
        match cond {
            Some(c) if c.reason == reason => Some(c),
            _ => Some(Progressing::set(reason, now)),
        }
    };
    if complete(replicas, new) {
        set(Reason::NewReplicaSetAvailable)
    } else if progressing(old, new) {
        // Progress always refreshes lastUpdateTime, even with the same reason.
        Some(Progressing::set(Reason::ReplicaSetUpdated, now))
    } else if timed_out(cond, deadline, now) {
        set(Reason::ProgressDeadlineExceeded)
    } else {
        cond
    }
}

/// `syncRolloutStatus`'s `isCompleteDeployment`: every counted pod is updated and the
/// condition still says `NewReplicaSetAvailable`, so the sync estimates no progress and
/// the deadline cannot be exceeded. This holds during a Recreate rollout whose old pods
/// are all deleted (0 = 0), and through an undo to a ReplicaSet that then never becomes
/// available: upstream such a rollout never reports `ProgressDeadlineExceeded`.
pub fn progress_check_skipped(cond: Option<Progressing>, new: &Status) -> bool {
    new.replicas == new.updated && cond.is_some_and(|c| c.reason == Reason::NewReplicaSetAvailable)
}

/// `requeueStuckDeployment`, for a sync that left the status unchanged: when to look again
/// (`NEVER`: not needed). Upstream requeues `lastUpdateTime + deadline − now + 1 s` later,
/// or rate-limited at once when less than a second is left; the simulator places that
/// rate-limited retry at the first instant the strict deadline test passes (+1 µs).
///
/// Upstream also requeues while [`progress_check_skipped`] holds — rate-limited every
/// ~5–100 ms for as long as nothing changes — but such a resync sees the same status and
/// skips the same check, so it can change nothing: the simulator does not arm it (armed
/// at the current instant it would fire again and again without time moving on). The
/// result is always later than `now` for the same reason.
pub fn requeue_at(
    cond: Option<Progressing>,
    deadline: Option<Time>,
    replicas: u32,
    new: &Status,
    now: Time,
) -> Time {
    let (Some(c), Some(d)) = (cond, deadline) else {
        return NEVER;
    };
    if complete(replicas, new)
        || c.reason == Reason::ProgressDeadlineExceeded
        || progress_check_skipped(cond, new)
    {
        return NEVER;
    }
    stuck_requeue(c.last_update.saturating_add(d), now)
}

/// When a controller that found no progress looks again for the deadline `due`: `due −
/// now + 1 s` later, or, with less than a second left, rate-limited at once, placed at the
/// first instant the strict deadline test passes (`due + 1 µs`, after `now`). The rule of
/// `requeueStuckDeployment` (`kubernetes/kubernetes:pkg/controller/deployment/progress.go`)
/// and of Argo Rollouts' `requeueStuckRollout` (argo-rollouts v1.10 `rollout/sync.go`),
/// which copies it.
///
/// ```
/// use rollout_sim::sim::SECOND;
/// use rollout_sim::strategy::kubernetes::progress::stuck_requeue;
/// assert_eq!(stuck_requeue(120 * SECOND, 0), 121 * SECOND);
/// assert_eq!(stuck_requeue(120 * SECOND, 119_500_000), 120 * SECOND + 1);
/// ```
pub fn stuck_requeue(due: Time, now: Time) -> Time {
    if due.saturating_sub(now) < SECOND {
        due.saturating_add(1).max(now + 1)
    } else {
        due + SECOND
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Time = SECOND;

    fn st(replicas: u32, updated: u32, ready: u32, available: u32) -> Status {
        Status {
            replicas,
            updated,
            ready,
            available,
        }
    }

    #[test]
    fn deployment_complete_upstream_table() {
        // deployment_util_test.go TestDeploymentComplete:
        // deployment(desired, current, updated, available, maxUnavailable, maxSurge).
        let rows = [
            ((5, 5, 5, 4), false), // min but not all pods become available
            ((5, 5, 5, 3), false), // min availability is not honored
            ((5, 5, 5, 5), true),
            ((5, 5, 4, 5), false), // all available but not updated
            ((1, 2, 1, 1), false), // still running old pods
            ((1, 1, 1, 0), false), // one replica deployment never comes up
        ];
        for ((desired, current, updated, available), want) in rows {
            let s = st(current, updated, 0, available);
            assert_eq!(complete(desired, &s), want, "{desired} {current} {updated}");
        }
    }

    #[test]
    fn deployment_progressing_upstream_table() {
        // deployment_util_test.go TestDeploymentProgressing: (current, updated, ready, available).
        let rows = [
            (st(10, 4, 4, 4), st(10, 6, 4, 4), true),    // updated pods
            (st(10, 4, 4, 4), st(10, 4, 4, 4), false),   // not progressing
            (st(10, 4, 6, 6), st(8, 4, 6, 6), true),     // old pods removed
            (st(10, 7, 3, 3), st(10, 6, 3, 3), false),   // less new pods
            (st(10, 4, 7, 7), st(8, 8, 5, 5), true),     // less overall but more new pods
            (st(10, 10, 9, 8), st(10, 10, 10, 8), true), // more ready pods
            (st(10, 10, 10, 9), st(10, 10, 10, 10), true), // more available pods
        ];
        for (i, (old, new, want)) in rows.into_iter().enumerate() {
            assert_eq!(progressing(&old, &new), want, "row {i}");
        }
    }

    #[test]
    fn deployment_timed_out_upstream_table() {
        // deployment_util_test.go TestDeploymentTimedOut: condition updated at 00:01:09 or
        // 00:01:11, now 00:01:20, deadline 10 s (strictly before).
        let c = |at| {
            Some(Progressing {
                reason: Reason::ReplicaSetUpdated,
                last_update: at,
            })
        };
        assert!(!timed_out(c(69 * S), None, 80 * S), "nil deadline");
        assert!(timed_out(c(69 * S), Some(10 * S), 80 * S), "11 s");
        assert!(!timed_out(c(71 * S), Some(10 * S), 80 * S), "9 s");
        assert!(
            !timed_out(c(70 * S), Some(10 * S), 80 * S),
            "exactly: strict"
        );
        let done = Some(Progressing {
            reason: Reason::NewReplicaSetAvailable,
            last_update: 0,
        });
        assert!(!timed_out(done, Some(10 * S), 80 * S), "complete");
    }

    #[test]
    fn a_stuck_rollout_is_requeued_one_second_after_its_deadline() {
        let c = Some(Progressing {
            reason: Reason::NewReplicaSetCreated,
            last_update: 5 * S,
        });
        let s = st(13, 5, 8, 8);
        assert_eq!(requeue_at(c, Some(600 * S), 10, &s, 5 * S), 606 * S);
        // At that sync the condition flips, and no further requeue is needed.
        let next = next_condition(c, Some(600 * S), 10, &s, &s, 606 * S);
        assert_eq!(next.unwrap().reason, Reason::ProgressDeadlineExceeded);
        assert_eq!(requeue_at(next, Some(600 * S), 10, &s, 606 * S), NEVER);
        // Progress turns it back.
        let more = st(13, 5, 9, 9);
        let back = next_condition(next, Some(600 * S), 10, &s, &more, 700 * S).unwrap();
        assert_eq!(
            (back.reason, back.last_update),
            (Reason::ReplicaSetUpdated, 700 * S)
        );
    }

    #[test]
    fn no_requeue_while_the_progress_check_is_skipped() {
        // Recreate undone to a version that never becomes available: every counted pod is
        // updated (3 = 3) and the condition still reads NewReplicaSetAvailable from the
        // completed rollout at 30 s. Upstream skips the progress check; a requeue past the
        // deadline changes nothing, so none is armed (it used to be armed at `now` forever).
        let c = Some(Progressing {
            reason: Reason::NewReplicaSetAvailable,
            last_update: 30 * S,
        });
        let s = st(3, 3, 0, 0);
        assert!(progress_check_skipped(c, &s));
        assert_eq!(next_condition(c, Some(600 * S), 3, &s, &s, 700 * S), c);
        assert_eq!(requeue_at(c, Some(600 * S), 3, &s, 700 * S), NEVER);
    }

    #[test]
    fn a_requeue_is_always_after_now() {
        let c = Some(Progressing {
            reason: Reason::ReplicaSetUpdated,
            last_update: 0,
        });
        let s = st(4, 2, 2, 2);
        for now in [0, 599 * S, 600 * S - 1, 600 * S, 600 * S + 1, 900 * S] {
            assert!(requeue_at(c, Some(600 * S), 3, &s, now) > now, "{now}");
        }
    }
}
