//! The primary Deployment (`<app>-primary`) once promotion copied the canary's spec to it:
//! its RollingUpdate (the Deployment controller's arithmetic, Kubernetes' defaults), its
//! `Progressing` condition and deadline, and, after `skipAnalysis`, the trial's outcome,
//! which is that rollout's (Flagger has marked the Canary Succeeded and checks nothing).

use super::tick::Phase;
use super::{DEPLOYMENT_PROGRESS_DEADLINE, Flagger, PRIMARY, PRIMARY_NEW, ROLLING, Timer};
use crate::cluster::Cluster;
use crate::result::Outcome;
use crate::scenario::NEXT;
use crate::sim::time::{NEVER, Time};
use crate::strategy::kubernetes::fenceposts::max_unavailable;
use crate::strategy::kubernetes::progress::{self, Progressing, Reason};
use crate::strategy::kubernetes::replicaset::{PodTemplate, ReplicaSet};
use crate::strategy::kubernetes::rolling::{
    RsCounts, reconcile_new_replica_set, reconcile_old_replica_sets,
};

impl Flagger<'_> {
    /// `Promote`: the canary's spec copied to the primary, whose new ReplicaSet starts its
    /// RollingUpdate (`NewReplicaSetCreated`, the deadline's base).
    pub(super) fn promote(&mut self, cl: &Cluster, now: Time) {
        self.promoted = true;
        let annotations = (self.n, self.n);
        debug_assert_eq!(self.sets.len(), PRIMARY_NEW);
        let rs = ReplicaSet::new(PRIMARY_NEW, PodTemplate::of(NEXT), 0, 2, annotations);
        self.sets.push(rs);
        let created = Progressing::set(Reason::NewReplicaSetCreated, now);
        self.primary_progress = Some((created, self.primary_status(cl)));
    }

    /// After `skipAnalysis` the trial ends as the primary's rollout does: `completed` the
    /// first instant it is complete (every pod updated and available, no old one left:
    /// `kubectl rollout status` returns), else, past its progress deadline, the
    /// Deployment's `ProgressDeadlineExceeded` is recorded (the outcome at the horizon is
    /// then `deadline_exceeded`, as a Deployment's). The Deployment controller's own
    /// requeue sets the condition with no pod event, so a wake-up is set for it.
    pub(super) fn watch_skipped_primary(&mut self, cl: &mut Cluster) {
        // A Canary Succeeded with the trial still going: only `skipAnalysis` does that (a
        // promotion's `Succeed` ends the trial).
        if self.canary.phase != Phase::Succeeded || self.outcome.is_some() {
            return;
        }
        let now = cl.now();
        let status = self.primary_status(cl);
        if progress::complete(self.n, &status) {
            self.outcome = Some((Outcome::Completed, now));
            cl.trace_update("completed", || {
                Some("The primary's rollout is complete".into())
            });
            return;
        }
        if self.deadline_exceeded_at.is_some() {
            return;
        }
        if self.primary_deadline_exceeded(now) {
            self.deadline_exceeded_at = Some(now);
            cl.trace_update("deadline_exceeded", || {
                Some("The primary's ProgressDeadlineExceeded: its rollout goes on".into())
            });
            return;
        }
        // The tick is Flagger's one timer, and a tick of a Succeeded Canary does nothing:
        // it serves as the wake-up.
        let at = self.primary_requeue_at();
        if at != NEVER && at > now && at != self.deadline_wake {
            self.deadline_wake = at;
            cl.set_timer(at, Timer::Tick);
        }
    }

    /// The primary Deployment's status as the Deployment controller counts it.
    pub(super) fn primary_status(&self, cl: &Cluster) -> progress::Status {
        let (old, new) = (self.status(cl, PRIMARY), self.status(cl, PRIMARY_NEW));
        progress::Status {
            replicas: old.replicas + new.replicas,
            updated: new.replicas,
            ready: old.ready + new.ready,
            available: old.available + new.available,
        }
    }

    /// The Deployment controller's syncs of the promoted primary
    /// (`kubernetes/kubernetes:pkg/controller/deployment/progress.go:syncRolloutStatus`):
    /// progress refreshes the `Progressing` condition, completion ends the estimate, and a
    /// sync past the deadline marks it `ProgressDeadlineExceeded`.
    pub(super) fn observe_primary_progress(&mut self, cl: &Cluster) {
        let Some((cond, old)) = self.primary_progress else {
            return;
        };
        let new = self.primary_status(cl);
        let deadline = Some(DEPLOYMENT_PROGRESS_DEADLINE);
        let next = progress::next_condition(Some(cond), deadline, self.n, &old, &new, cl.now());
        self.primary_progress = next.map(|c| (c, new));
    }

    /// Whether the primary's `Progressing` condition says `ProgressDeadlineExceeded` at
    /// `now`: set by a sync past the deadline, or by the Deployment controller's own
    /// requeue at `lastUpdateTime + progressDeadlineSeconds + 1 s`
    /// (`requeueStuckDeployment`), which comes with no pod event.
    pub(super) fn primary_deadline_exceeded(&self, now: Time) -> bool {
        self.primary_progress
            .is_some_and(|(c, _)| c.reason == Reason::ProgressDeadlineExceeded)
            || now >= self.primary_requeue_at()
    }

    /// When the Deployment controller's requeue of the stuck primary comes
    /// (`lastUpdateTime + progressDeadlineSeconds + 1 s`, `requeueStuckDeployment`);
    /// `NEVER` when none is due (no rollout, complete, or already exceeded).
    fn primary_requeue_at(&self) -> Time {
        let Some((c, st)) = self.primary_progress else {
            return NEVER;
        };
        let deadline = Some(DEPLOYMENT_PROGRESS_DEADLINE);
        progress::requeue_at(Some(c), deadline, self.n, &st, c.last_update)
    }

    /// The primary's RollingUpdate after promotion (`rolloutRolling`: scale the new
    /// ReplicaSet up, else the old one down); `true` when a ReplicaSet was scaled.
    pub(super) fn sync_primary(&mut self, cl: &mut Cluster) -> bool {
        if !self.promoted {
            return false;
        }
        let (old, new) = (self.status(cl, PRIMARY), self.status(cl, PRIMARY_NEW));
        let new_c = RsCounts {
            spec: self.sets[PRIMARY_NEW].spec,
            available: new.available,
        };
        let mut old_c = [RsCounts {
            spec: self.sets[PRIMARY].spec,
            available: old.available,
        }];
        if let Some(t) = reconcile_new_replica_set(&ROLLING, self.n, &[old_c[0], new_c], new_c) {
            return self.scale(cl, PRIMARY_NEW, t);
        }
        let unavailable = max_unavailable(&ROLLING, self.n);
        if reconcile_old_replica_sets(self.n, unavailable, &mut old_c, new_c) > 0 {
            return self.scale(cl, PRIMARY, old_c[0].spec);
        }
        false
    }
}
