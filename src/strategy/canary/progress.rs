//! What counts as progress for the Rollout's progress deadline, after
//! `argoproj/argo-rollouts@9f8d111` (v1.10.0-rc1-70) `utils/conditions/conditions.go:RolloutProgressing`,
//! with the status fields as `rollout/sync.go:calculateBaseStatus`,
//! `rollout/canary.go:syncRolloutStatusCanary` and
//! `rollout/bluegreen.go:syncRolloutStatusBlueGreen` fill them in.
//!
//! A reconcile makes progress when, against the status of the reconcile before, the new
//! ReplicaSet's pod count changed, the other pods became fewer, the ready or the available
//! count grew, or the strategy moved on (a canary's step index, a blue-green Service
//! selector). A count that *drops* (a pod crashing) is not progress. Which pods the ready
//! and available counts cover differs: a canary counts every ReplicaSet, blue-green only
//! the ReplicaSet the active Service selects, so preview pods becoming available before
//! the switch do not hold the deadline off; only their creation does.
//!
//! [`Rollout::check_progress`] compares each reconcile's status with the last one's and
//! holds the Rollout to its progress deadline (`rollout/sync.go:calculateRolloutConditions`).

use super::abort::Aborter;
use super::{CANARY, Rollout, STABLE, Timer};
use crate::cluster::Cluster;
use crate::scenario::rollout::RolloutKind;
use crate::sim::time::api_stamp;
use crate::strategy::kubernetes::progress::stuck_requeue;
use crate::strategy::kubernetes::replicaset::RsStatus;

/// The status fields `RolloutProgressing` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressStatus {
    /// `status.replicas`: pods of every ReplicaSet.
    pub replicas: u32,
    /// `status.updatedReplicas`: pods of the new ReplicaSet.
    pub updated: u32,
    /// `status.readyReplicas`.
    pub ready: u32,
    /// `status.availableReplicas`.
    pub available: u32,
    /// Canary: `status.currentStepIndex`.
    pub step: usize,
    /// Blue-green: the active Service selects the new ReplicaSet.
    pub switched: bool,
}

impl ProgressStatus {
    /// A canary's status: ready and available over both ReplicaSets.
    pub fn canary(stable: RsStatus, new: RsStatus, step: usize) -> ProgressStatus {
        ProgressStatus {
            replicas: stable.replicas + new.replicas,
            updated: new.replicas,
            ready: stable.ready + new.ready,
            available: stable.available + new.available,
            step,
            switched: false,
        }
    }

    /// Blue-green's status: ready and available of the ReplicaSet the active Service
    /// selects (`syncRolloutStatusBlueGreen` overwrites the totals with them).
    pub fn blue_green(stable: RsStatus, new: RsStatus, switched: bool) -> ProgressStatus {
        let active = if switched { new } else { stable };
        ProgressStatus {
            replicas: stable.replicas + new.replicas,
            updated: new.replicas,
            ready: active.ready,
            available: active.available,
            step: 0,
            switched,
        }
    }

    /// `RolloutProgressing(old → self)`.
    pub fn progressed_from(self, old: ProgressStatus) -> bool {
        let old_pods = |s: ProgressStatus| s.replicas.saturating_sub(s.updated);
        self.updated != old.updated
            || old_pods(self) < old_pods(old)
            || self.ready > old.ready
            || self.available > old.available
            || self.step != old.step
            || self.switched != old.switched
    }
}

impl Rollout<'_> {
    /// The progress deadline (`rollout/sync.go:calculateRolloutConditions`): progress as
    /// `RolloutProgressing` sees it ([`progress`](self)); the check is skipped during a pause
    /// step, after an abort or promotion.
    pub(super) fn check_progress(&mut self, cl: &mut Cluster, paused: bool) {
        let (stable, new) = (self.status(cl, STABLE), self.status(cl, CANARY));
        let status = match self.cfg.kind {
            RolloutKind::Canary(_) => ProgressStatus::canary(stable, new, self.step),
            RolloutKind::BlueGreen(_) => ProgressStatus::blue_green(stable, new, self.switched),
        };
        let now = cl.now();
        // A pause, and its end (`RolloutResumed`), set the `Progressing` condition afresh:
        // the deadline counts from the reconcile that resumed, not from the last one before.
        let resumed = std::mem::replace(&mut self.progress_paused, paused);
        let progressed = status.progressed_from(self.progress_status);
        self.progress_status = status;
        // `RolloutTimedOut` reads `lastUpdateTime` back from the stored status (in whole
        // seconds) in a later reconcile; the one that progressed takes the
        // `RolloutProgressing` case of `calculateRolloutConditions`' switch instead, so it
        // never times out, even under a deadline shorter than the truncated fraction.
        let renewed = progressed || paused || resumed;
        if renewed {
            self.last_progress = api_stamp(now);
            self.aborted_condition = false;
        }
        let Some(deadline) = self.cfg.progress_deadline else {
            return;
        };
        if self.abort.is_some() || self.promoted_at.is_some() || paused || self.aborted_condition {
            return;
        }
        let at = self.last_progress.saturating_add(deadline);
        if now > at && !renewed {
            if self.deadline_exceeded_at.is_none() {
                self.deadline_exceeded_at = Some(now);
                cl.trace_update("deadline_exceeded", || {
                    Some("ProgressDeadlineExceeded: the rollout is Degraded".into())
                });
            }
            if self.cfg.progress_deadline_abort {
                self.abort(
                    cl,
                    Aborter::Controller,
                    "progressDeadlineAbort: progress deadline exceeded",
                );
            }
        } else {
            // `requeueStuckRollout`, the Deployment controller's rule (the strict
            // `RolloutTimedOut` test passes at the instant after the deadline).
            let wake = stuck_requeue(at, now);
            if self.progress_timer != wake {
                self.progress_timer = wake;
                cl.set_timer(wake, Timer::Reconcile);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(replicas: u32, ready: u32, available: u32) -> RsStatus {
        RsStatus {
            replicas,
            ready,
            available,
        }
    }

    #[test]
    fn only_growth_of_ready_or_available_is_progress() {
        let before = ProgressStatus::canary(rs(4, 4, 4), rs(1, 1, 1), 1);
        // The canary pod crashes: fewer ready and available, no progress.
        let crashed = ProgressStatus::canary(rs(4, 4, 4), rs(1, 0, 0), 1);
        assert!(!crashed.progressed_from(before));
        // It comes back: progress.
        assert!(before.progressed_from(crashed));
        // Ready before available (minReadySeconds): each step is progress.
        let ready = ProgressStatus::canary(rs(4, 4, 4), rs(1, 1, 0), 1);
        assert!(ready.progressed_from(crashed));
        assert!(before.progressed_from(ready));
    }

    #[test]
    fn pod_counts_and_the_step_are_progress() {
        let before = ProgressStatus::canary(rs(4, 4, 4), rs(1, 1, 1), 1);
        // A new canary pod (updatedReplicas changed).
        assert!(ProgressStatus::canary(rs(4, 4, 4), rs(2, 1, 1), 1).progressed_from(before));
        // A stable pod gone (fewer old pods); one more stable pod is not progress.
        assert!(ProgressStatus::canary(rs(3, 3, 3), rs(1, 1, 1), 1).progressed_from(before));
        assert!(!ProgressStatus::canary(rs(5, 4, 4), rs(1, 1, 1), 1).progressed_from(before));
        // The step index moved.
        assert!(ProgressStatus::canary(rs(4, 4, 4), rs(1, 1, 1), 2).progressed_from(before));
        assert!(!before.progressed_from(before));
    }

    #[test]
    fn blue_green_counts_the_active_pods_only() {
        let before = ProgressStatus::blue_green(rs(3, 3, 3), rs(3, 0, 0), false);
        // Preview pods becoming available before the switch: no progress.
        let preview_up = ProgressStatus::blue_green(rs(3, 3, 3), rs(3, 2, 2), false);
        assert!(!preview_up.progressed_from(before));
        // The switch is.
        let switched = ProgressStatus::blue_green(rs(3, 3, 3), rs(3, 3, 3), true);
        assert!(switched.progressed_from(preview_up));
    }
}
