//! The `sync` path of `syncDeployment` — taken while the Deployment is paused or on a
//! scaling event — and the cleanup of old ReplicaSets, after
//! `kubernetes/kubernetes:pkg/controller/deployment/sync.go` (`sync`, `isScalingEvent`,
//! `checkPausedConditions`, `cleanupDeployment`, `syncDeploymentStatus`) at v1.33. The
//! arithmetic is in [`super::proportional`] and [`super::revisions`].

use super::progress::{self, Reason};
use super::proportional::{self, DeploymentScale, RsScale};
use super::{Deployment, revisions};
use crate::cluster::Cluster;
use crate::scenario::DeploymentStrategy;
use crate::sim::time::Time;

impl Deployment<'_> {
    /// The listed ReplicaSets as proportional scaling sees them, with their indices.
    fn listed(&self) -> impl Iterator<Item = (usize, RsScale)> + '_ {
        (0..self.sets.len())
            .filter(|&i| !self.sets[i].deleted)
            .map(|i| {
                let rs = &self.sets[i];
                let view = RsScale {
                    spec: rs.spec,
                    available: self.statuses[i].available,
                    desired: Some(rs.desired),
                    max_replicas: Some(rs.max_replicas),
                };
                (i, view)
            })
    }

    /// [`Deployment::listed`], collected.
    pub(super) fn scale_view(&self) -> (Vec<usize>, Vec<RsScale>) {
        self.listed().unzip()
    }

    /// `isScalingEvent` (every full sync asks: nothing is collected, and only the two fields
    /// it reads are passed). Never while `spec.replicas` is as the trial began
    /// ([`Deployment::rescaled`]).
    pub(super) fn is_scaling_event(&self) -> bool {
        let listed = self.sets.iter().filter(|rs| !rs.deleted);
        let pairs = listed.map(|rs| (rs.spec, Some(rs.desired)));
        if !self.rescaled {
            debug_assert!(!proportional::is_scaling_event(pairs, self.replicas));
            return false;
        }
        proportional::is_scaling_event(pairs, self.replicas)
    }

    /// `sync` and `scale` (`sync.go`): proportional scaling, and cleanup while paused; no
    /// new ReplicaSet is created and nothing rolls.
    pub(super) fn sync_scale(&mut self, cl: &mut Cluster) {
        let new = self.find_or_create_new_rs(cl, false);
        let (listed, view) = self.scale_view();
        let d = DeploymentScale {
            replicas: self.replicas,
            max_surge: self.fenceposts.0,
            status_replicas: self.status.replicas,
            rolling: matches!(self.cfg.kind, DeploymentStrategy::RollingUpdate { .. }),
        };
        let new_at = new.and_then(|n| listed.iter().position(|&i| i == n));
        for (k, size) in proportional::scale(d, &view, new_at) {
            let i = listed[k];
            self.set_spec(i, size);
            self.annotate(i); // scaleReplicaSet rewrites the annotations even at the same size
        }
        if self.paused {
            self.cleanup(new);
        }
    }

    /// `cleanupDeployment` over the old ReplicaSets (all listed but `new`).
    pub(super) fn cleanup(&mut self, new: Option<usize>) {
        let old: Vec<revisions::OldRs> = (0..self.sets.len())
            .filter(|&i| Some(i) != new && !self.sets[i].deleted)
            .map(|i| revisions::OldRs {
                index: i,
                revision: self.sets[i].revision,
                spec: self.sets[i].spec,
                status_replicas: self.statuses[i].replicas,
            })
            .collect();
        for i in revisions::cleanup(&old, self.cfg.revision_history_limit) {
            self.sets[i].deleted = true;
            self.new_rs = None; // the last old revision may be gone
            self.touched = true;
        }
    }

    /// The rolling and recreate paths clean up once the stored status says the rollout
    /// of the current spec is complete (`DeploymentComplete(d, &d.Status)`).
    pub(super) fn cleanup_if_complete(&mut self, new: Option<usize>) {
        if self.observed && progress::complete(self.replicas, &self.status) {
            self.cleanup(new);
        }
    }

    /// `checkPausedConditions`: Progressing becomes `DeploymentPaused` while paused and
    /// `DeploymentResumed` on resume (never over `ProgressDeadlineExceeded`).
    pub(super) fn check_paused_conditions(&mut self, now: Time) {
        let Some(c) = self.cond else { return };
        let paused_cond = match c.reason {
            Reason::ProgressDeadlineExceeded => return,
            r => r == Reason::DeploymentPaused,
        };
        if self.paused && !paused_cond {
            self.set_condition(Reason::DeploymentPaused, now);
        } else if !self.paused && paused_cond {
            self.set_condition(Reason::DeploymentResumed, now);
        } else {
            return;
        }
        self.queue.add(); // the status update is an event too
    }

    /// `syncDeploymentStatus` (the `sync` path): the status, no progress estimate.
    pub(super) fn sync_deployment_status(&mut self, cl: &mut Cluster) {
        let new = self.calculate_status();
        if new != self.status {
            self.queue.add();
        }
        self.status = new;
        self.record_completion(cl, &new);
    }
}
