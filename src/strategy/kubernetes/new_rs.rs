//! `getNewReplicaSet`, after `kubernetes/kubernetes:pkg/controller/deployment/sync.go`
//! at v1.32: the ReplicaSet whose template is the Deployment's, its revision brought to one
//! above every old ReplicaSet's; created (with `NewRSNewReplicas` pods) when missing.
//!
//! The answer is kept ([`Deployment`]'s `new_rs`) until the template changes or a cleanup
//! deletes ReplicaSets, so that most syncs only test it.

use super::Deployment;
use super::progress::Reason;
use super::replicaset::{ReplicaSet, RsStatus};
use super::rolling;
use crate::cluster::Cluster;

impl Deployment<'_> {
    /// `getNewReplicaSet`: the ReplicaSet of the template, its revision brought to
    /// `max(old revisions) + 1`; created when missing and `create`.
    #[inline]
    pub(super) fn find_or_create_new_rs(
        &mut self,
        cl: &mut Cluster,
        create: bool,
    ) -> Option<usize> {
        if let Some(i) = self.new_rs {
            debug_assert_eq!(self.find_new_rs().0, Some(i));
            debug_assert!(self.sets[i].revision > self.find_new_rs().1);
            return Some(i);
        }
        self.look_up_new_rs(cl, create)
    }

    /// [`Deployment::find_or_create_new_rs`] when the answer is not at hand (a new template,
    /// a cleanup): out of line, so that every sync's call is only the test above.
    #[inline(never)]
    pub(super) fn look_up_new_rs(&mut self, cl: &mut Cluster, create: bool) -> Option<usize> {
        let (new, max_old) = self.find_new_rs();
        if let Some(i) = new {
            if self.sets[i].revision <= max_old {
                self.sets[i].revision = max_old + 1;
                self.touched = true;
            }
            self.new_rs = new;
            return new;
        }
        if !create {
            return None;
        }
        self.touched = true;
        let current = self.sets.iter().map(|rs| rs.spec).sum();
        let spec = rolling::new_rs_new_replicas(&self.cfg.kind, self.replicas, current, 0);
        let annotations = self.replica_annotations();
        let mut rs = ReplicaSet::new(
            self.sets.len(),
            self.template,
            spec,
            max_old + 1,
            annotations,
        );
        // A restart's ReplicaSet runs a version another one runs: its pods continue the
        // version's ordinals (distinct random streams).
        for other in self.sets.iter().filter(|s| s.version == rs.version) {
            rs.next_ordinal = rs.next_ordinal.max(other.next_ordinal);
        }
        self.sets.push(rs);
        self.statuses.push(RsStatus::default());
        self.scaled |= spec > 0;
        self.set_condition(Reason::NewReplicaSetCreated, cl.now());
        self.new_rs = Some(self.sets.len() - 1);
        self.new_rs
    }

    /// In one pass: the first listed set of the template, and the others' last revision.
    pub(super) fn find_new_rs(&self) -> (Option<usize>, u32) {
        let mut max_old = 0;
        let mut new = None;
        for (i, rs) in self.sets.iter().enumerate() {
            if rs.deleted {
                continue;
            }
            if rs.template() != self.template {
                max_old = max_old.max(rs.revision);
            } else if new.is_none() {
                new = Some(i);
            }
        }
        (new, max_old)
    }
}
