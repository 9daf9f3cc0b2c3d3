//! The ReplicaSet controller's part: which pods a ReplicaSet owns, its status, and which
//! pods it creates or deletes to match `spec.replicas`; after
//! `kubernetes/kubernetes:pkg/controller/replicaset/replica_set.go` (`manageReplicas`,
//! `getPodsToDelete`) and `pkg/controller/controller_utils.go`
//! (`ActivePodsWithRanks.Less`).
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
use crate::cluster::{Cluster, OwnerId, StartGate, TaskId};
use crate::scenario::VersionId;

/// A pod template: the version it runs and its `kubectl.kubernetes.io/restartedAt`
/// stamp (0: never restarted; `kubectl rollout restart` sets a new one). Two templates
/// are equal (`EqualIgnoreHash`) when both match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PodTemplate {
    /// The version (image and behaviour).
    pub version: VersionId,
    /// The restart stamp.
    pub restart: u32,
}

impl PodTemplate {
    /// The template of a version never restarted.
    pub fn of(version: VersionId) -> PodTemplate {
        PodTemplate {
            version,
            restart: 0,
        }
    }
}

/// One ReplicaSet of the Deployment (one per pod template).
#[derive(Debug, Clone)]
pub struct ReplicaSet {
    /// The version its pod template runs.
    pub version: VersionId,
    /// Its template's restart stamp (see [`PodTemplate`]).
    pub restart: u32,
    /// `spec.replicas`.
    pub spec: u32,
    /// `deployment.kubernetes.io/revision`.
    pub revision: u32,
    /// `deployment.kubernetes.io/desired-replicas`: `d.spec.replicas` when it was last
    /// scaled (or created).
    pub desired: u32,
    /// `deployment.kubernetes.io/max-replicas`: `d.spec.replicas + MaxSurge` then.
    pub max_replicas: u32,
    /// Deleted by `cleanupDeployment` (kept in place so indices stay valid; it is no
    /// longer listed: not old, not new, not a revision `rollout undo` can find).
    pub deleted: bool,
    /// Its index among its controller's sets: the group its pods are counted in
    /// ([`crate::cluster::Task::owner`]), so that its status is the cluster's count, even
    /// when another set runs the same version (a restart's, Flagger's primary and canary).
    pub owner: OwnerId,
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
    /// An empty ReplicaSet of `template`, index `set` among its controller's, its replica
    /// annotations `desired` and `max_replicas`.
    pub fn new(
        set: usize,
        template: PodTemplate,
        spec: u32,
        revision: u32,
        (desired, max_replicas): (u32, u32),
    ) -> ReplicaSet {
        ReplicaSet {
            version: template.version,
            restart: template.restart,
            spec,
            revision,
            desired,
            max_replicas,
            deleted: false,
            owner: set as OwnerId,
            live: 0,
            next_ordinal: 0,
        }
    }

    /// The ReplicaSet serving before the rollout, index `set` among its controller's: `spec`
    /// pods of `template` created already serving (the trial starts from a steady fleet).
    pub fn serving(
        cl: &mut Cluster,
        template: PodTemplate,
        spec: u32,
        annotations: (u32, u32),
        set: usize,
        ranking: &mut Ranking,
    ) -> ReplicaSet {
        let mut rs = ReplicaSet::new(set, template, spec, 1, annotations);
        // Pod k is slot k; the cluster copies the fleet of an earlier trial when it can.
        let ids = cl.create_serving_fleet(spec, rs.version, rs.owner);
        rs.next_ordinal = ids.len() as u32;
        rs.live = ids.len() as u32;
        ranking.add_all(cl, ids, set);
        rs
    }

    /// Its pod template.
    pub fn template(&self) -> PodTemplate {
        PodTemplate {
            version: self.version,
            restart: self.restart,
        }
    }

    /// Its status now: its active pods (`FilterActivePods`: not deleted, not Failed or
    /// Succeeded), the wanted tasks of its group as the cluster counts them.
    pub fn status(&self, cl: &Cluster) -> RsStatus {
        let (replicas, ready, available) = cl.wanted_of(self.owner);
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

    /// Create one pod of ReplicaSet `set` (this one).
    pub fn create_pod(&mut self, cl: &mut Cluster, set: usize, ranking: &mut Ranking) -> TaskId {
        let slot = self.next_ordinal;
        self.next_ordinal += 1;
        debug_assert_eq!(self.owner as usize, set);
        let id = cl.create_task(slot, self.version, self.owner, StartGate::Now);
        self.live += 1;
        ranking.add(cl, id, set);
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
    manage_counted_replicas(cl, &mut sets[rs], rs, active, ranking);
}

/// The ReplicaSet controller's answer to pods deleted by someone else than their set (an
/// eviction: `kubectl drain`, or the taint manager on a lost node): each set left with
/// fewer active pods than its spec creates the rest at once (`replica_set.go`
/// `updatePod` enqueues the owner of a pod given a `deletionTimestamp`, whose
/// `manageReplicas` then creates). For the controllers that otherwise run a set's
/// `manageReplicas` only when they change its spec (an Argo Rollout, Flagger); the
/// Deployment's sync runs it for every set each time.
pub fn replace_deleted_pods(cl: &mut Cluster, sets: &mut [ReplicaSet], ranking: &mut Ranking) {
    for (rs, set) in sets.iter_mut().enumerate() {
        let active = set.status(cl).replicas;
        if active < set.spec {
            manage_counted_replicas(cl, set, rs, active, ranking);
        }
    }
}

/// [`manage_replicas`] for a set whose `active` pods were counted already: the Deployment
/// counts every set at the start of a sync, and nothing in the sync before a set's turn
/// here creates or deletes that set's pods (each set's turn touches its own pods only).
/// Whether it created or deleted any. `set` is the set of index `rs`.
///
/// Always inlined into the sync's loop over the sets: left to the compiler's choice, a
/// slightly larger sync moved it out of line, with `Ranking::choose` inlined into it
/// instead, which cost about 0.9 % of a `benches/bench-kubernetes.yaml` trial.
#[inline(always)]
pub fn manage_counted_replicas(
    cl: &mut Cluster,
    set: &mut ReplicaSet,
    rs: usize,
    active: u32,
    ranking: &mut Ranking,
) -> bool {
    debug_assert_eq!(active, set.status(cl).replicas);
    let spec = set.spec;
    if active < spec {
        for _ in active..spec {
            // A spec can be far beyond any fleet (a paused Deployment shares out
            // `maxSurge: 1000000000` in one sync): once the trial is over its task budget
            // it ends, so the pods past the budget are never created.
            if cl.over_budget() {
                break;
            }
            set.create_pod(cl, rs, ranking);
        }
        return true;
    }
    if active == spec {
        return false;
    }
    let diff = (active - spec) as usize;
    ranking.choose(cl, rs, diff);
    #[cfg(test)]
    super::oracle::check(cl, ranking, rs, diff);
    for &p in &ranking.chosen {
        cl.stop_task(p);
    }
    !ranking.chosen.is_empty()
}
