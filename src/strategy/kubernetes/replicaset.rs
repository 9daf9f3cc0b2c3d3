//! The ReplicaSet controller's part: which pods a ReplicaSet owns, its status, and which
//! pods it creates or deletes to match `spec.replicas`; after
//! `kubernetes/kubernetes:pkg/controller/replicaset/replica_set.go` (`manageReplicas`,
//! `getPodsToDelete`) and `pkg/controller/controller_utils.go`
//! (`ActivePodsWithRanks.Less`); reference §8.
//!
//! A pod's `slot` is its ordinal within its version (the k-th pod ever created of that
//! ReplicaSet), so its random draws are paired with Swarm's slot k of the same version.
//!
//! Deletion preference: see [`super::ranking`]. Pod deletion cost is not modelled (all 0).
//!
//! Departures (documented): the ranking is a lexicographic key, so when two Ready pods
//! fall in the same ready-time bucket with different ready times, restarts and age are
//! compared before the UID (upstream goes to the UID at once; its comparator is not a
//! strict weak order, which Rust's sort may reject). Pods are created and deleted in the
//! same instant as the spec change (no `slowStartBatch`, no informer lag), and the status
//! the Deployment controller reads is always current.

use super::ranking::Ranking;
use crate::cluster::{Cluster, StartGate, TaskId};
use crate::scenario::VersionId;

/// One ReplicaSet of the Deployment (one per pod template, i.e. per version).
#[derive(Debug, Clone)]
pub struct ReplicaSet {
    /// The version its pod template runs.
    pub version: VersionId,
    /// `spec.replicas`.
    pub spec: u32,
    /// `deployment.kubernetes.io/revision`.
    pub revision: u32,
    /// Live pods it owns, terminating ones included: created, and not yet reported
    /// Stopped or Failed to the controller.
    pub live: u32,
    /// Ordinal of the next pod it creates.
    pub next_ordinal: u32,
}

/// `ReplicaSetStatus` counts: non-terminating pods only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RsStatus {
    /// `replicas`.
    pub replicas: u32,
    /// `readyReplicas`.
    pub ready: u32,
    /// `availableReplicas`.
    pub available: u32,
}

impl ReplicaSet {
    /// An empty ReplicaSet.
    pub fn new(version: VersionId, spec: u32, revision: u32) -> ReplicaSet {
        ReplicaSet {
            version,
            spec,
            revision,
            live: 0,
            next_ordinal: 0,
        }
    }

    /// Its status now. Its active pods (`FilterActivePods`: not deleted, not Failed or
    /// Succeeded) are the wanted tasks of its version: every task of a Kubernetes trial is
    /// a pod of the one Deployment, and its ReplicaSets have one version each.
    pub fn status(&self, cl: &Cluster) -> RsStatus {
        let (replicas, ready, available) = cl.wanted_of(self.version);
        RsStatus {
            replicas,
            ready,
            available,
        }
    }

    /// Live pods, terminating included (Recreate's `oldPodsRunning`).
    pub fn has_live_pods(&self) -> bool {
        self.live > 0
    }

    /// Create one pod (the fleet at time 0 uses [`Cluster::create_serving_task`]).
    pub fn create_pod(&mut self, cl: &mut Cluster, serving: bool, ranking: &mut Ranking) -> TaskId {
        let slot = self.next_ordinal;
        self.next_ordinal += 1;
        let id = if serving {
            cl.create_serving_task(slot, self.version)
        } else {
            cl.create_task(slot, self.version, StartGate::Now)
        };
        self.live += 1;
        ranking.add(cl, id);
        id
    }
}

/// `manageReplicas` for ReplicaSet `rs`: create or delete pods so the active ones match
/// its spec; the pods deleted are the first `diff` in the deletion order, all ranked
/// before any is deleted.
pub fn manage_replicas(
    cl: &mut Cluster,
    sets: &mut [ReplicaSet],
    rs: usize,
    ranking: &mut Ranking,
) {
    let active = sets[rs].status(cl).replicas;
    let spec = sets[rs].spec;
    if active < spec {
        for _ in active..spec {
            sets[rs].create_pod(cl, false, ranking);
        }
        return;
    }
    if active == spec {
        return;
    }
    let diff = (active - spec) as usize;
    ranking.choose(cl, sets[rs].version, diff);
    #[cfg(test)]
    super::oracle::check(cl, sets[rs].version, diff, &ranking.chosen);
    for &p in &ranking.chosen {
        cl.stop_task(p);
    }
}
