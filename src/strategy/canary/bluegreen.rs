//! Blue-green (`rollout/bluegreen.go`, `rollout/service.go`, `rollout/pause.go`,
//! `rollout/analysis.go`, `rollout/sync.go:shouldFullPromote`,
//! `utils/replicaset/replicaset.go:NewRSNewReplicas`, argo-rollouts v1.10).
//!
//! The preview ReplicaSet is scaled straight to `previewReplicaCount` (or N) while the
//! stable one stays at N, so the fleet peaks at N + preview pods. Once the preview is
//! saturated the pre-promotion AnalysisRun (if any) measures it; only when that run is
//! Successful does the rollout pause (`autoPromotionEnabled: false` until `promote`, or
//! `autoPromotionSeconds`, whose clock therefore starts after the analysis, from the whole
//! second the `BlueGreenPause` condition is stamped with), scale the
//! preview to N if it was smaller, and switch the active Service once the new ReplicaSet
//! is fully available (`reconcileActiveService` waits for `completedPrePromotionAnalysis`
//! even with auto-promotion). Then the post-promotion run (if any) measures the new active
//! pods while the previous ReplicaSet, still `status.stableRS`, stays at N; when it is
//! Successful `stableRS` moves (the promotion) and the old ReplicaSet is scaled to 0
//! `scaleDownDelaySeconds` after the promotion's whole second (default 30 s; the
//! `scale-down-deadline` annotation is RFC 3339). A Failed or Error run aborts: the active
//! Service selects the previous pods again and the new ReplicaSet is scaled to 0 after
//! `abortScaleDownDelaySeconds`; Inconclusive pauses until `promote`, which starts a new run.
//!
//! Preview traffic: production requests go to the active Service only. The preview
//! Service receives `previewTraffic.share` of the requests (simulator field, default 0)
//! while its pods have at least one available, until the switch and after an abort.

use super::{CANARY, Rollout, STABLE, Timer, replicas};
use crate::cluster::Cluster;
use crate::scenario::rollout::BlueGreen;
use crate::sim::time::api_stamp;

impl<'s> Rollout<'s> {
    /// `rolloutBlueGreen`; `true` when it changed anything.
    pub(super) fn reconcile_blue_green(&mut self, cl: &mut Cluster, b: &'s BlueGreen) -> bool {
        let n = self.n;
        if self.promoted_at.is_some() {
            self.settle_promotion(cl);
            return self.retire(cl, STABLE);
        }
        if self.abort.is_some() {
            return self.abort_blue_green(cl, b);
        }
        // `status.promoteFull` (argo-rollouts 9f8d111): the preview is sized at N
        // (`NewRSNewReplicas` ignores `previewReplicaCount`), no pause is added or waited
        // for (`isBlueGreenFastTracked`; `syncRolloutStatusBlueGreen` clears them), the runs
        // are cancelled (`reconcileAnalysisRuns`), so neither analysis gates the switch nor
        // the promotion (`shouldFullPromote`: "Full promotion requested" once the active
        // Service selects the new pods).
        let full = self.promote_full;
        if full {
            self.pause_start = None;
            self.promoted_by_user = false;
            self.runs.terminate();
        }
        let preview = if full {
            n
        } else {
            b.preview_replica_count.unwrap_or(n).min(n)
        };
        let canary = self.state(cl, CANARY);
        let saturated = |want: u32| canary.spec == want && canary.available == want;
        if !self.switched {
            let share = if canary.available > 0 {
                b.preview_share
            } else {
                0.0
            };
            self.route(cl, Some((0, share)));
        }
        // `reconcileAnalysisRuns`: its phases gate the pause, the switch and the promotion.
        let halted = if full {
            false
        } else {
            let gate = self.runs.reconcile_blue_green(
                b,
                saturated(preview),
                saturated(n),
                self.switched,
                cl.now(),
            );
            let Some(halted) = self.follow_gate(cl, gate) else {
                return true;
            };
            halted
        };
        // `haltProgress` also under the user's `spec.paused`: no pause condition, no switch
        // (`reconcileBlueGreenPause`, `reconcileActiveService`); the ReplicaSets still scale.
        let halted = halted || self.user_paused;
        let pre_done = full || self.runs.pre_promotion_done(b);
        let post_done = full || self.runs.post_promotion_done(b);
        let pause_needed = !full && (!b.auto_promotion_enabled || b.auto_promotion_seconds > 0);
        if saturated(preview)
            && pause_needed
            && pre_done
            && !halted
            && !self.switched
            && self.pause_start.is_none()
        {
            // `reconcileBlueGreenPause`, only once the pre-promotion run is Successful. The
            // countdown runs from the condition's `startTime` as read back, in whole seconds
            // (`checkEnqueueRolloutDuringWait(pauseCond.StartTime, …)`,
            // `CompletedBlueGreenPause`).
            let start = api_stamp(cl.now());
            self.pause_start = Some(start);
            cl.trace_update("paused", || None);
            if b.auto_promotion_enabled {
                cl.set_timer(
                    start.saturating_add(b.auto_promotion_seconds).max(cl.now()),
                    Timer::Reconcile,
                );
            }
        }
        // `CompletedBlueGreenPause`.
        let pause_done = !pause_needed
            || self.promoted_by_user
            || (b.auto_promotion_enabled
                && self
                    .pause_start
                    .is_some_and(|s| cl.now() >= s.saturating_add(b.auto_promotion_seconds)));
        // `scaleUpPreviewCheckPoint`.
        let past_preview = pause_done && pre_done && saturated(preview) || canary.spec > preview;
        let want = if past_preview { n } else { preview };
        // The stable stays at N (`reconcileBlueGreenStableReplicaSet`).
        if self.scale(cl, STABLE, n) || self.scale(cl, CANARY, want) {
            return true;
        }
        let switch = !self.switched && !halted && pause_done && pre_done && saturated(n);
        if switch {
            // `reconcileActiveService`.
            self.switched = true;
            self.route(cl, Some((replicas::MAX_WEIGHT, 0.0)));
            cl.trace_update("switched", || None);
        }
        // The status, and with it the progress deadline, is computed after the Services
        // (`syncRolloutStatusBlueGreen` ends the reconcile): the switch is progress, and
        // after it the rollout is Healthy, with no deadline.
        let waiting = halted || self.switched || self.pause_start.is_some() && !pause_done;
        self.check_progress(cl, waiting);
        // The post-promotion run is created by the next reconcile (its status update).
        if switch && !post_done {
            return true;
        }
        if self.switched && post_done {
            // `shouldFullPromote`: `stableRS` = new.
            self.promote(cl, b.scale_down_delay);
            return true;
        }
        false
    }

    /// After an abort: the active Service back on the stable pods (`reconcileActiveService`
    /// selects `status.stableRS`), the preview Service still on the new ones, the new
    /// ReplicaSet scaled to 0
    /// `abortScaleDownDelaySeconds` after the stable ReplicaSet is first seen fully
    /// available (`reconcileNewReplicaSet` annotates the deadline only then), or kept (`0`).
    fn abort_blue_green(&mut self, cl: &mut Cluster, b: &BlueGreen) -> bool {
        let changed = match b.abort_scale_down_delay {
            Some(d) => {
                if self.scale_down_at == super::NEVER && self.state(cl, STABLE).available >= self.n
                {
                    self.set_scale_down_deadline(cl, d);
                }
                self.retire(cl, CANARY)
            }
            None => false,
        };
        // `reconcileActiveService`, after the ReplicaSets: the selector goes back to
        // `status.stableRS` only while the new ReplicaSet is saturated (`ReadyForPause`,
        // `IsSaturated`). After a switch, an abort while new pods are down leaves the active
        // Service on them until they are all available again, or for good once the
        // scale-down deadline has taken them to 0.
        let was_switched = self.switched;
        let canary = self.state(cl, CANARY);
        // `reconcileActiveService` is skipped under `spec.paused`.
        if canary.spec == self.n && canary.available == self.n && !self.user_paused {
            self.switched = false;
        }
        let active = if self.switched {
            replicas::MAX_WEIGHT
        } else {
            0
        };
        // `reconcilePreviewService` runs whatever the abort: the preview Service still
        // selects the new pods, so its requests reach them until they are gone.
        let preview = if canary.available > 0 {
            b.preview_share
        } else {
            0.0
        };
        self.route(cl, Some((active, preview)));
        if !changed {
            if b.abort_scale_down_delay.is_none()
                && let Some(abort) = &mut self.abort
                && abort.rolled_back_at.is_none()
            {
                // The new ReplicaSet is kept: the rollback counts from the abort itself, or
                // from the active Service's return if the new pods held it.
                if !self.switched {
                    abort.rolled_back_at = Some(if was_switched { cl.now() } else { abort.at });
                }
            } else {
                self.finish_abort(cl, false);
            }
        }
        changed
    }
}
