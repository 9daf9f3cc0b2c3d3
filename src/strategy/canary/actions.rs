//! The user's `kubectl argo rollouts` actions (`pkg/kubectl-argo-rollouts/cmd/promote`, `cmd/pause`,
//! `cmd/abort`, `cmd/retry`, argo-rollouts v1.10) and what the controller does with the
//! status they patch (`rollout/pause.go:CalculateAbortStatus`).

use super::Rollout;
use super::abort::Aborter;
use super::analysis::Runs;
use crate::cluster::Cluster;
use crate::scenario::ActionKind;
use crate::scenario::rollout::{CanaryStep, RolloutKind};
use crate::sim::time::NEVER;

impl Rollout<'_> {
    /// Apply one scheduled action.
    pub(super) fn act(&mut self, cl: &mut Cluster, action: &ActionKind) {
        match action {
            ActionKind::Promote => self.user_promote(cl),
            ActionKind::PromoteFull => self.user_promote_full(cl),
            ActionKind::Pause => self.user_pause(cl),
            ActionKind::Abort => self.user_abort(cl),
            ActionKind::Retry => self.retry(cl),
            // Refused at load time for a Rollout.
            _ => {}
        }
    }

    /// `promote` (`getPatches`): clears an `InconclusiveAnalysis` pause (an Inconclusive
    /// step is skipped, an Inconclusive background or blue-green run replaced), else the
    /// pause condition; not paused, a canary skips its current step. A blue-green pause
    /// under `autoPromotionSeconds` starts over instead of ending
    /// (`rollout/pause.go:CompletedBlueGreenPause`, argo-rollouts 9f8d111).
    ///
    /// Without an Inconclusive step run the patch clears *every* pause condition and
    /// leaves `controllerPause` set, so a canary's current `pause` step, whether its
    /// condition was added before the Inconclusive pause or not yet, ends with the same
    /// promote (`rollout/pause.go:CompletedCanaryPauseStep`; `reconcileCanaryPause` adds no
    /// new condition while `controllerPause` holds).
    fn user_promote(&mut self, cl: &mut Cluster) {
        self.unpause(cl, "kubectl argo rollouts promote");
        if self.abort.is_some() {
            return;
        }
        if self.experiment_paused {
            // The patch clears the `InconclusiveExperiment` condition; the next reconcile
            // finds the Experiment still Inconclusive and adds it again
            // (`reconcileExperiments`): only `promote --full` or an abort gets past it.
            cl.trace_update("promoted", || None);
            cl.trace_update("paused", || Some("InconclusiveExperiment".into()));
            return;
        }
        if let Some(skip) = self.runs.resume() {
            if skip {
                self.step += 1;
            } else if let RolloutKind::Canary(c) = &self.cfg.kind
                && matches!(c.steps.get(self.step), Some(CanaryStep::Pause(_)))
            {
                self.promoted_by_user = true;
            }
        } else if self.pause_start.is_some() {
            match &self.cfg.kind {
                // Under auto-promotion `CompletedBlueGreenPause` reads only the condition's
                // start: cleared, it is "never paused", and the next reconcile adds a new
                // `BlueGreenPause` (`reconcileBlueGreenPause`), so the countdown restarts.
                RolloutKind::BlueGreen(b) if b.auto_promotion_enabled => self.pause_start = None,
                _ => self.promoted_by_user = true,
            }
        } else if let RolloutKind::Canary(c) = &self.cfg.kind
            && self.step < c.steps.len()
            && self.promoted_at.is_none()
        {
            self.step += 1;
        }
        cl.trace_update("promoted", || None);
        self.dirty = true;
    }

    /// Every form of `promote` patches `spec.paused: false` first, aborted or not.
    fn unpause(&mut self, cl: &mut Cluster, by: &'static str) {
        if self.user_paused {
            self.user_paused = false;
            cl.trace_update("resumed", || Some(by.into()));
            self.dirty = true;
        }
    }

    /// `promote --full` (`getPatches`, argo-rollouts 9f8d111): `spec.paused: false`, and
    /// `status.promoteFull: true` unless the new ReplicaSet is already `status.stableRS`
    /// (promoted: nothing to patch). The patch touches neither the pause conditions nor
    /// the abort: the controller clears them (`syncRolloutStatusCanary`,
    /// `syncRolloutStatusBlueGreen`: `ClearPauseConditions`, `RemoveAbort`), so a full
    /// promote also goes through an aborted rollout, and undoes an abort raised after it.
    fn user_promote_full(&mut self, cl: &mut Cluster) {
        self.unpause(cl, "kubectl argo rollouts promote --full");
        if self.promoted_at.is_some() || self.promote_full {
            return;
        }
        self.promote_full = true;
        cl.trace_update("promoted", || {
            Some("kubectl argo rollouts promote --full".into())
        });
        self.dirty = true;
    }

    /// Under `promoteFull` the status a reconcile writes drops the abort it read
    /// (`RemoveAbort`) and, with it, the new ReplicaSet's `scale-down-deadline`
    /// (`removeScaleDownDeadlines` once `shouldDelayScaleDownOnAbort` is false). A
    /// controller's abort stays a detection.
    pub(super) fn lift_abort(&mut self, cl: &mut Cluster) {
        let Some(abort) = self.abort.take() else {
            return;
        };
        self.lifted_detection = self.lifted_detection.or(abort.detected_at());
        self.scale_down_at = NEVER;
        // `rollout/sync.go:evaluateProgressDeadlineAbort` and `calculateRolloutConditions`
        // read `RolloutTimedOut` false on it (`utils/conditions/conditions.go`), so the
        // deadline is not found passed again before the rollout progresses.
        self.aborted_condition = true;
        cl.trace_update("updating", || {
            Some("promoteFull: the abort is removed (RemoveAbort)".into())
        });
    }

    /// `pause` (`cmd/pause/pause.go` patches `spec.paused: true`): `haltProgress` until a
    /// `promote` unpauses (kubectl-argo-rollouts has no `resume`).
    fn user_pause(&mut self, cl: &mut Cluster) {
        if self.user_paused || self.promoted_at.is_some() {
            return;
        }
        self.user_paused = true;
        cl.trace_update("paused", || Some("kubectl argo rollouts pause".into()));
        self.dirty = true;
    }

    /// `abort` (`cmd/abort/abort.go` patches `status.abort = true`): the controller's own
    /// abort follows (`CalculateAbortStatus`: step index 0, pauses cleared, runs
    /// terminated), with the same traffic and scale-down. A promoted rollout has nothing
    /// to abort. It is not a detection: `detected` counts the controller's aborts only.
    fn user_abort(&mut self, cl: &mut Cluster) {
        self.abort(cl, Aborter::User, "kubectl argo rollouts abort");
    }

    /// `retry` (`cmd/retry/retry.go` patches `status.abort = false`): the update starts
    /// over from step 0 (the abort reset the index) with new AnalysisRuns
    /// (`needsNewAnalysisRun` after an abort); a canary or preview already scaled down is
    /// scaled up again by the steps.
    fn retry(&mut self, cl: &mut Cluster) {
        if self.promoted_at.is_some() {
            return;
        }
        let Some(abort) = self.abort.take() else {
            return;
        };
        // The controller's abort stays a detection, as under `promote --full`: the
        // first one is when the bad release was caught.
        self.lifted_detection = self.lifted_detection.or(abort.detected_at());
        self.scale_down_at = NEVER;
        self.step = 0;
        self.pause_start = None;
        self.promoted_by_user = false;
        self.switched = false;
        self.runs = Runs::default();
        // The `RolloutRetry` condition's `lastUpdateTime`, read back in whole seconds.
        self.last_progress = crate::sim::time::api_stamp(cl.now());
        cl.trace_update("updating", || Some("kubectl argo rollouts retry".into()));
        self.dirty = true;
    }
}
