//! The Recreate strategy, after
//! `kubernetes/kubernetes:pkg/controller/deployment/recreate.go` (`rolloutRecreate`,
//! `oldPodsRunning`).
//!
//! Scale every old ReplicaSet to 0; then wait until no pod of an old ReplicaSet is left —
//! **terminating pods included**, so Recreate waits out the whole grace period — and only
//! then create the new ReplicaSet at full size. The new ReplicaSet is not created before
//! that (`createIfNotExisted = false`). Once the stored status says complete, old
//! ReplicaSets beyond `revisionHistoryLimit` are cleaned up (`cleanupDeployment`).

use super::Deployment;
use crate::cluster::Cluster;

impl Deployment<'_> {
    /// `rolloutRecreate`: one sync.
    pub(super) fn rollout_recreate(&mut self, cl: &mut Cluster) {
        let new = self.find_or_create_new_rs(cl, false);
        let mut scaled_old = false;
        for i in 0..self.sets.len() {
            if Some(i) != new && !self.sets[i].deleted && self.sets[i].spec > 0 {
                self.set_spec(i, 0);
                scaled_old = true;
            }
        }
        if scaled_old || self.old_pods_running(new) {
            return;
        }
        let new = match new {
            Some(i) => i,
            None => match self.find_or_create_new_rs(cl, true) {
                Some(i) => i,
                None => return,
            },
        };
        self.set_spec(new, self.replicas);
        self.cleanup_if_complete(Some(new));
    }

    /// `oldPodsRunning`: an old ReplicaSet still counts pods, or owns a live pod
    /// (terminating included; Failed and Succeeded pods are gone from the list).
    fn old_pods_running(&self, new: Option<usize>) -> bool {
        self.sets
            .iter()
            .zip(&self.statuses)
            .enumerate()
            .any(|(i, (rs, st))| {
                Some(i) != new && !rs.deleted && (st.replicas > 0 || rs.has_live_pods())
            })
    }
}
