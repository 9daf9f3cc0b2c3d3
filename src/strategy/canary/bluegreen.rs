//! Blue-green (`rollout/bluegreen.go`, `rollout/service.go`, `rollout/pause.go`,
//! `utils/replicaset/replicaset.go:NewRSNewReplicas`, argo-rollouts v1.10).
//!
//! The preview ReplicaSet is scaled straight to `previewReplicaCount` (or N) while the
//! stable one stays at N, so the fleet peaks at N + preview pods. Once the preview is
//! saturated the rollout pauses (`autoPromotionEnabled: false` until `promote`, or
//! `autoPromotionSeconds`), scales the preview to N if it was smaller, and switches the
//! active Service when the new ReplicaSet is fully available; that is the promotion. The
//! old ReplicaSet is scaled to 0 `scaleDownDelaySeconds` later (default 30 s). The preview
//! Service's own traffic (testers) is not production traffic and is not modelled.

use super::{CANARY, Rollout, STABLE, Timer};
use crate::cluster::Cluster;
use crate::scenario::rollout::BlueGreen;

impl Rollout<'_> {
    /// `rolloutBlueGreen`; `true` when it changed anything.
    pub(super) fn reconcile_blue_green(&mut self, cl: &mut Cluster, b: &BlueGreen) -> bool {
        let n = self.n;
        if self.promoted_at.is_some() {
            return self.retire(cl, STABLE);
        }
        if self.aborted_at.is_some() {
            // Active back on (still) the stable pods; preview scaled to 0 after the delay,
            // or kept (`abortScaleDownDelaySeconds: 0`).
            self.route(cl, Some((0, 0.0)));
            let changed = match b.abort_scale_down_delay {
                Some(d) => {
                    if self.scale_down_at == super::NEVER {
                        self.scale_down_at = cl.now().saturating_add(d);
                        cl.set_timer(self.scale_down_at, Timer::Reconcile);
                    }
                    self.retire(cl, CANARY)
                }
                None => false,
            };
            if !changed {
                if b.abort_scale_down_delay.is_none() && self.rolled_back_at.is_none() {
                    self.rolled_back_at = self.aborted_at;
                } else {
                    self.finish_abort(cl);
                }
            }
            return changed;
        }
        let preview = b.preview_replica_count.unwrap_or(n).min(n);
        let canary = self.state(cl, CANARY);
        let pause_needed = !b.auto_promotion_enabled || b.auto_promotion_seconds > 0;
        let saturated = |want: u32| canary.spec == want && canary.available == want;
        if saturated(preview) && pause_needed && self.pause_start.is_none() {
            // `reconcileBlueGreenPause`.
            self.pause_start = Some(cl.now());
            cl.trace_update("paused", || None);
            if b.auto_promotion_enabled {
                cl.set_timer(
                    cl.now().saturating_add(b.auto_promotion_seconds),
                    Timer::Reconcile,
                );
            }
        }
        let pause_done = !pause_needed
            || self.promoted_by_user
            || (b.auto_promotion_enabled
                && self
                    .pause_start
                    .is_some_and(|s| cl.now() >= s.saturating_add(b.auto_promotion_seconds)));
        let past_preview = pause_done && saturated(preview) || canary.spec > preview;
        let want = if past_preview { n } else { preview };
        // The stable stays at N (`reconcileBlueGreenStableReplicaSet`).
        if self.scale(cl, STABLE, n) || self.scale(cl, CANARY, want) {
            return true;
        }
        self.check_progress(cl, self.pause_start.is_some() && !pause_done);
        if pause_done && saturated(n) {
            // `reconcileActiveService`: the switch, then (no post-promotion analysis)
            // `stableRS` = new.
            self.switched = true;
            self.route(cl, Some((100, 0.0)));
            self.promote(cl, b.scale_down_delay);
            return true;
        }
        false
    }
}
