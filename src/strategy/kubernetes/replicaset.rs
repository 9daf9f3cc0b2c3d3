//! The ReplicaSet controller's part: which pods a ReplicaSet owns, its status, and which
//! pods it creates or deletes to match `spec.replicas`; after
//! `kubernetes/kubernetes:pkg/controller/replicaset/replica_set.go` (`manageReplicas`,
//! `getPodsToDelete`) and `pkg/controller/controller_utils.go`
//! (`ActivePodsWithRanks.Less`); reference §8.
//!
//! A pod's `slot` is its ordinal within its version (the k-th pod ever created of that
//! ReplicaSet), so its random draws are paired with Swarm's slot k of the same version.
//!
//! Deletion preference (first deleted first): unassigned before assigned; phase Pending
//! before Running; not Ready before Ready; more related pods on the same node first; Ready
//! for a shorter time (log₂ buckets, `LogarithmicScaleDown`); more restarts; newer
//! (log₂ buckets); then a random UID. Pod deletion cost is not modelled (all 0).
//!
//! Departures (documented): the ranking is a lexicographic key, so when two Ready pods
//! fall in the same ready-time bucket with different ready times, restarts and age are
//! compared before the UID (upstream goes to the UID at once; its comparator is not a
//! strict weak order, which Rust's sort may reject). Pods are created and deleted in the
//! same instant as the spec change (no `slowStartBatch`, no informer lag), and the status
//! the Deployment controller reads is always current.

use crate::cluster::{Cluster, StartGate, TaskId, TaskState};
use crate::scenario::VersionId;
use crate::sim::Purpose;
use crate::sim::time::Time;
use std::cmp::Reverse;

/// One ReplicaSet of the Deployment (one per pod template, i.e. per version).
#[derive(Debug, Clone)]
pub struct ReplicaSet {
    /// The version its pod template runs.
    pub version: VersionId,
    /// `spec.replicas`.
    pub spec: u32,
    /// `deployment.kubernetes.io/revision`.
    pub revision: u32,
    /// Live pods it owns, terminating ones included, in creation order.
    pub pods: Vec<TaskId>,
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

/// Counted by the ReplicaSet (`FilterActivePods`): not deleted, not Failed/Succeeded.
pub fn is_active(cl: &Cluster, id: TaskId) -> bool {
    cl.task(id).is_wanted()
}

impl ReplicaSet {
    /// An empty ReplicaSet.
    pub fn new(version: VersionId, spec: u32, revision: u32) -> ReplicaSet {
        ReplicaSet {
            version,
            spec,
            revision,
            pods: Vec::new(),
            next_ordinal: 0,
        }
    }

    /// Its status now.
    pub fn status(&self, cl: &Cluster) -> RsStatus {
        let mut s = RsStatus::default();
        for &id in &self.pods {
            let t = cl.task(id);
            if !t.is_wanted() {
                continue;
            }
            s.replicas += 1;
            s.ready += (t.state == TaskState::Ready) as u32;
            s.available += t.available as u32;
        }
        s
    }

    /// Live pods, terminating included (Recreate's `oldPodsRunning`).
    pub fn has_live_pods(&self) -> bool {
        !self.pods.is_empty()
    }

    /// Create one pod (the fleet at time 0 uses [`Cluster::create_serving_task`]).
    pub fn create_pod(&mut self, cl: &mut Cluster, serving: bool) -> TaskId {
        let slot = self.next_ordinal;
        self.next_ordinal += 1;
        let id = if serving {
            cl.create_serving_task(slot, self.version)
        } else {
            cl.create_task(slot, self.version, StartGate::Now)
        };
        self.pods.push(id);
        id
    }
}

/// Reusable buffers for [`manage_replicas`].
#[derive(Debug, Default)]
pub struct Ranker {
    keys: Vec<(RankKey, TaskId)>,
    per_node: Vec<u32>,
}

type RankKey = (u8, u8, u8, Reverse<u32>, i64, Reverse<u32>, i64, u64);

/// `manageReplicas` for ReplicaSet `rs`: create or delete pods so the active ones match
/// its spec. `related` are every ReplicaSet of the Deployment (for the colocation rank).
pub fn manage_replicas(cl: &mut Cluster, sets: &mut [ReplicaSet], rs: usize, ranker: &mut Ranker) {
    let active = sets[rs].pods.iter().filter(|&&p| is_active(cl, p)).count() as u32;
    let spec = sets[rs].spec;
    if active < spec {
        for _ in active..spec {
            sets[rs].create_pod(cl, false);
        }
        return;
    }
    if active == spec {
        return;
    }
    let diff = (active - spec) as usize;
    let now = cl.now;
    ranker.per_node.clear();
    ranker.per_node.resize(cl.nodes.len(), 0);
    for set in sets.iter() {
        for &p in &set.pods {
            if let (true, Some(n)) = (is_active(cl, p), cl.task(p).node) {
                ranker.per_node[n as usize] += 1;
            }
        }
    }
    ranker.keys.clear();
    for &p in &sets[rs].pods {
        if !is_active(cl, p) {
            continue;
        }
        let t = cl.task(p);
        let ready = t.state == TaskState::Ready;
        let key: RankKey = (
            t.node.is_some() as u8,
            if t.run_at == crate::sim::NEVER { 0 } else { 2 },
            ready as u8,
            Reverse(t.node.map_or(0, |n| ranker.per_node[n as usize])),
            if ready { log2_bucket(now, t.since) } else { 0 },
            Reverse(t.restarts),
            log2_bucket(now, t.created),
            cl.rng(t.slot, t.version, u32::MAX, Purpose::Controller)
                .next_u64(),
        );
        ranker.keys.push((key, p));
    }
    ranker.keys.sort_unstable();
    for &(_, p) in ranker.keys.iter().take(diff) {
        cl.stop_task(p);
    }
}

/// `logarithmicRankDiff`'s rank: `floor(log2(now − t))` of the age in nanoseconds, −1 for
/// an age of 0.
fn log2_bucket(now: Time, t: Time) -> i64 {
    let ns = now.saturating_sub(t).saturating_mul(1000);
    if ns == 0 {
        -1
    } else {
        63 - ns.leading_zeros() as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_buckets_group_ages_by_powers_of_two() {
        assert_eq!(log2_bucket(5, 5), -1);
        // 1 µs = 1000 ns → floor(log2(1000)) = 9.
        assert_eq!(log2_bucket(1, 0), 9);
        // 2^29 ns ≈ 0.54 s, 2^30 ns ≈ 1.07 s: 1 s and 1.05 s share a bucket, 1.1 s does not.
        assert_eq!(log2_bucket(1_000_000, 0), 29);
        assert_eq!(log2_bucket(1_050_000, 0), 29);
        assert_eq!(log2_bucket(1_100_000, 0), 30);
    }
}
