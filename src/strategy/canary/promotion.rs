//! Promotion, after `argoproj/argo-rollouts` v1.10 (`rollout/sync.go:promoteStable`,
//! `rollout/replicaset.go:addScaleDownDelay`): `status.stableRS` moves to the new
//! ReplicaSet, the rollout completes once that ReplicaSet has every pod available, and the
//! ReplicaSet a promotion (or an abort) leaves behind is retired at its
//! `scale-down-deadline`.

use super::experiment::Experiment;
use super::{CANARY, Rollout, Timer};
use crate::cluster::Cluster;
use crate::sim::time::{Time, api_stamp};

impl Rollout<'_> {
    /// Promotion: `status.stableRS` = the new ReplicaSet; the old one is retired at its
    /// `scale-down-deadline`, `delay` after the whole second of the promotion.
    pub(super) fn promote(&mut self, cl: &mut Cluster, delay: Time) {
        self.promoted_at = Some(cl.now());
        self.promote_full = false;
        self.runs.terminate();
        self.experiments.iter_mut().for_each(Experiment::cancel);
        self.set_scale_down_deadline(cl, delay);
        self.settle_promotion(cl);
        if self.settled_at.is_none() {
            let (available, n) = (self.status(cl, CANARY).available, self.n);
            cl.trace_update("promoted", || {
                Some(format!("promoted with {available} of {n} pods available"))
            });
        }
    }

    /// The rollout is complete once every pod of the promoted ReplicaSet is available: at
    /// the promotion, or later when `replicaProgressThreshold` promoted with pods still
    /// coming up.
    pub(super) fn settle_promotion(&mut self, cl: &mut Cluster) {
        if self.settled_at.is_none() && self.status(cl, CANARY).available >= self.n {
            self.settled_at = Some(cl.now());
            cl.trace_update("completed", || None);
        }
    }

    /// Annotate the ReplicaSet being retired with `scale-down-deadline` = now + `delay`,
    /// written in whole seconds (`addScaleDownDelay`), and reconcile then: the reconcile
    /// that follows the annotation's patch reads it back and requeues the rollout for the
    /// time remaining (`GetTimeRemainingBeforeScaleDownDeadline`), earlier than the
    /// `enqueueRolloutAfter(scaleDownDelaySeconds)` of the reconcile that wrote it.
    pub(super) fn set_scale_down_deadline(&mut self, cl: &mut Cluster, delay: Time) {
        self.scale_down_at = api_stamp(cl.now()).saturating_add(delay);
        if delay > 0 {
            cl.set_timer(self.scale_down_at.max(cl.now()), Timer::Reconcile);
        }
    }

    /// Retire the ReplicaSet at its scale-down deadline; `true` when scaled.
    pub(super) fn retire(&mut self, cl: &mut Cluster, rs: usize) -> bool {
        cl.now() >= self.scale_down_at && self.scale(cl, rs, 0)
    }
}
