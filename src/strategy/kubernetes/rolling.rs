//! The RollingUpdate arithmetic, as pure functions on ReplicaSet counts, after
//! `kubernetes/kubernetes:pkg/controller/deployment/rolling.go` (`reconcileNewReplicaSet`,
//! `reconcileOldReplicaSets`, `cleanupUnhealthyReplicas`,
//! `scaleDownOldReplicaSetsForRollingUpdate`) and `util/deployment_util.go`
//! (`NewRSNewReplicas`).
//!
//! The controller's `rolloutRolling` (`Deployment::rollout_rolling`, at the end of this
//! file) builds a [`RsCounts`] per ReplicaSet from its `spec.replicas` and
//! `status.availableReplicas` at the start of a sync, calls these, and writes the changed
//! specs back. Old ReplicaSets are always given oldest first
//! (`ReplicaSetsByCreationTimestamp`).
//!
//! Arithmetic is done in `i64`, as Go does it in `int32`, so the transient cases where a
//! status runs ahead of a spec (available > spec) behave as upstream: a negative
//! "unavailable" count, or the error `cleanupUnhealthyReplicas` returns when a cleanup
//! would *increase* a ReplicaSet (here [`CleanupError`]; the sync then changes nothing, as
//! a failed sync upstream is retried later).

use super::Deployment;
use super::fenceposts::max_surge;
use crate::cluster::Cluster;
use crate::scenario::DeploymentStrategy;

/// One ReplicaSet as the rolling algorithm sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RsCounts {
    /// `spec.replicas`.
    pub spec: u32,
    /// `status.availableReplicas` (non-terminating pods available for `minReadySeconds`).
    pub available: u32,
}

/// `cleanupUnhealthyReplicas` would scale a ReplicaSet up ("when cleaning up unhealthy
/// replicas, got invalid request to scale down").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CleanupError;

/// `NewRSNewReplicas`: the new ReplicaSet's target size given `current_pods` = Σ spec over
/// every ReplicaSet. RollingUpdate scales up by at most what keeps the total within
/// `replicas + maxSurge` (surge rounded up, no both-zero rule); Recreate goes straight to
/// `replicas`.
pub fn new_rs_new_replicas(
    strategy: &DeploymentStrategy,
    replicas: u32,
    current_pods: u32,
    new_spec: u32,
) -> u32 {
    let surge = max_surge(strategy, replicas);
    new_rs_new_replicas_within(strategy, replicas, surge, current_pods, new_spec)
}

/// [`new_rs_new_replicas`] given `surge` = `MaxSurge(d)` (which the controller keeps with
/// the spec, rather than scaling the percent again at every sync).
pub fn new_rs_new_replicas_within(
    strategy: &DeploymentStrategy,
    replicas: u32,
    surge: u32,
    current_pods: u32,
    new_spec: u32,
) -> u32 {
    match *strategy {
        DeploymentStrategy::RollingUpdate { .. } => {
            let max_total = replicas as i64 + surge as i64;
            let current = current_pods as i64;
            if current >= max_total {
                return new_spec;
            }
            let up = (max_total - current).min(replicas as i64 - new_spec as i64);
            (new_spec as i64 + up).max(0) as u32
        }
        DeploymentStrategy::Recreate => replicas,
    }
}

/// `reconcileNewReplicaSet`: the new ReplicaSet's new `spec.replicas`, or `None` when it
/// does not change. `all` holds every ReplicaSet (the new one included).
pub fn reconcile_new_replica_set(
    strategy: &DeploymentStrategy,
    replicas: u32,
    all: &[RsCounts],
    new: RsCounts,
) -> Option<u32> {
    let surge = max_surge(strategy, replicas);
    let current_pods = || all.iter().map(|r| r.spec).sum();
    reconcile_new(strategy, replicas, surge, current_pods, new)
}

/// [`reconcile_new_replica_set`] given `surge` = `MaxSurge(d)` and a way to sum
/// `spec.replicas` over every ReplicaSet, which it asks only when the new one is below
/// `replicas` (most syncs ask nothing).
pub fn reconcile_new(
    strategy: &DeploymentStrategy,
    replicas: u32,
    surge: u32,
    current_pods: impl FnOnce() -> u32,
    new: RsCounts,
) -> Option<u32> {
    if new.spec == replicas {
        return None;
    }
    let target = if new.spec > replicas {
        replicas
    } else {
        new_rs_new_replicas_within(strategy, replicas, surge, current_pods(), new.spec)
    };
    (target != new.spec).then_some(target)
}

/// `reconcileOldReplicaSets`: scale the old ReplicaSets (`old`, oldest first; inactive
/// ones with spec 0 are skipped as `FilterActiveReplicaSets` drops them) down as far as
/// availability allows. `max_unavailable` is `MaxUnavailable(d)`. Returns how many
/// replicas were removed (0: nothing changed).
pub fn reconcile_old_replica_sets(
    replicas: u32,
    max_unavailable: u32,
    old: &mut [RsCounts],
    new: RsCounts,
) -> u32 {
    let old_pods: i64 = old.iter().map(|r| r.spec as i64).sum();
    let Some(max_scaled_down) = max_scaled_down(replicas, max_unavailable, old_pods, new) else {
        return 0;
    };
    let min_available = replicas as i64 - max_unavailable as i64;
    // The RS objects returned by the cleanup's updates keep their old status, and the old
    // list stays the one filtered at entry: availability is what it was at the start.
    let available: i64 = old
        .iter()
        .filter(|r| r.spec > 0)
        .map(|r| r.available as i64)
        .sum::<i64>()
        + new.available as i64;
    let Ok(cleaned) = cleanup_unhealthy_replicas(old, max_scaled_down) else {
        return 0;
    };
    let scaled = scale_down_old_replica_sets_for_rolling_update(available, min_available, old);
    cleaned + scaled
}

/// The first part of [`reconcile_old_replica_sets`]: how many old replicas it may remove
/// at most (`maxScaledDown`), given `old_pods` = Σ spec over the old ReplicaSets; `None`
/// when it removes none without looking at the sets (no old pod, or no room).
pub fn max_scaled_down(
    replicas: u32,
    max_unavailable: u32,
    old_pods: i64,
    new: RsCounts,
) -> Option<i64> {
    if old_pods == 0 {
        return None;
    }
    let all_pods = old_pods + new.spec as i64;
    let min_available = replicas as i64 - max_unavailable as i64;
    let new_unavailable = new.spec as i64 - new.available as i64;
    let max_scaled_down = all_pods - min_available - new_unavailable;
    (max_scaled_down > 0).then_some(max_scaled_down)
}

/// `cleanupUnhealthyReplicas`: remove up to `max_cleanup` unavailable replicas from the
/// old ReplicaSets, oldest first. Returns how many were removed.
pub fn cleanup_unhealthy_replicas(
    old: &mut [RsCounts],
    max_cleanup: i64,
) -> Result<u32, CleanupError> {
    let mut total: i64 = 0;
    for rs in old.iter_mut() {
        if total >= max_cleanup {
            break;
        }
        if rs.spec == 0 || rs.spec == rs.available {
            continue;
        }
        let n = (max_cleanup - total).min(rs.spec as i64 - rs.available as i64);
        let new_count = rs.spec as i64 - n;
        if new_count > rs.spec as i64 {
            return Err(CleanupError);
        }
        rs.spec = new_count as u32;
        total += n;
    }
    Ok(total as u32)
}

/// `scaleDownOldReplicaSetsForRollingUpdate`: with `available` = Σ available over the
/// active old ReplicaSets and the new one, remove `available − min_available` replicas
/// from the old ones, oldest first (not capped by `maxScaledDown`). Returns how many.
pub fn scale_down_old_replica_sets_for_rolling_update(
    available: i64,
    min_available: i64,
    old: &mut [RsCounts],
) -> u32 {
    if available <= min_available {
        return 0;
    }
    let to_remove = available - min_available;
    let mut total: i64 = 0;
    for rs in old.iter_mut() {
        if total >= to_remove {
            break;
        }
        if rs.spec == 0 {
            continue;
        }
        let n = (rs.spec as i64).min(to_remove - total);
        rs.spec -= n as u32;
        total += n;
    }
    total as u32
}

impl Deployment<'_> {
    /// `rolloutRolling`: at most one kind of scale per sync.
    pub(super) fn rollout_rolling(&mut self, cl: &mut Cluster) {
        let Some(new) = self.find_or_create_new_rs(cl, true) else {
            return;
        };
        // Every sync comes here, and most change nothing: the counts are read in place, and
        // the old sets' listed in one pass, rather than every set's collected first.
        let new_counts = RsCounts {
            spec: self.sets[new].spec,
            available: self.statuses[new].available,
        };
        // Every set's spec summed once: the new set's scale-up reads the sum, and the old
        // sets' is the rest of it (a deleted set has none: `cleanupDeployment` deletes
        // only sets of spec 0, and nothing scales a set no longer listed).
        let current: u32 = self.sets.iter().map(|rs| rs.spec).sum();
        let (surge, max_unavailable) = self.fenceposts;
        if let Some(n) = reconcile_new(&self.cfg.kind, self.replicas, surge, || current, new_counts)
        {
            self.set_spec(new, n);
            return;
        }
        // Most of these syncs find no room to scale the old sets down: that needs their
        // specs' sum alone, without listing them.
        let old_pods = i64::from(current - new_counts.spec);
        debug_assert_eq!(
            old_pods,
            (self.sets.iter().enumerate())
                .filter(|&(i, rs)| i != new && !rs.deleted)
                .map(|(_, rs)| rs.spec as i64)
                .sum::<i64>(),
            "the old sets' specs are the rest of the sum"
        );
        if max_scaled_down(self.replicas, max_unavailable, old_pods, new_counts).is_none() {
            self.cleanup_if_complete(Some(new));
            return;
        }
        self.old.clear();
        let mut olds: Vec<RsCounts> = std::mem::take(&mut self.counts);
        olds.clear();
        for (i, (rs, st)) in self.sets.iter().zip(&self.statuses).enumerate() {
            if i != new && !rs.deleted {
                self.old.push(i);
                olds.push(RsCounts {
                    spec: rs.spec,
                    available: st.available,
                });
            }
        }
        let removed =
            reconcile_old_replica_sets(self.replicas, max_unavailable, &mut olds, new_counts);
        if removed > 0 {
            for (k, o) in olds.iter().enumerate() {
                self.set_spec(self.old[k], o.spec);
            }
        }
        self.counts = olds;
        if removed == 0 {
            self.cleanup_if_complete(Some(new));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::IntOrPercent::Int;
    use crate::strategy::kubernetes::fenceposts::max_unavailable;

    fn rolling(surge: u32, unavailable: u32) -> DeploymentStrategy {
        DeploymentStrategy::RollingUpdate {
            max_surge: Int(surge),
            max_unavailable: Int(unavailable),
        }
    }

    fn rs(spec: u32, available: u32) -> RsCounts {
        RsCounts { spec, available }
    }

    #[test]
    fn new_rs_new_replicas_upstream_table() {
        // deployment_util_test.go TestNewRSNewReplicas: allRSs = [rs5] (spec 5), maxUnavailable 1.
        // (name, strategy, depReplicas, newRSReplicas, maxSurge, expected)
        let rows = [
            ("can not scale up - to newRSReplicas", false, 1, 5, 1, 5),
            ("scale up - to depReplicas", false, 6, 2, 10, 6),
            ("recreate - to depReplicas", true, 3, 1, 1, 3),
        ];
        for (name, recreate, dep, new, surge, want) in rows {
            let s = if recreate {
                DeploymentStrategy::Recreate
            } else {
                rolling(surge, 1)
            };
            assert_eq!(new_rs_new_replicas(&s, dep, 5, new), want, "{name}");
        }
    }

    #[test]
    fn reconcile_new_replica_set_upstream_table() {
        // rolling_test.go TestDeploymentController_reconcileNewReplicaSet; maxUnavailable 0.
        // (deploymentReplicas, maxSurge, oldReplicas, newReplicas, expected new or None)
        let rows = [
            (10, 0, 10, 0, None), // "Should not scale up."
            (10, 2, 10, 0, Some(2)),
            (10, 2, 5, 0, Some(7)),
            (10, 2, 10, 2, None),
            (10, 2, 2, 11, Some(10)), // "Should scale down."
        ];
        for (i, (d, surge, old, new, want)) in rows.into_iter().enumerate() {
            let all = [rs(new, 0), rs(old, 0)];
            let got = reconcile_new_replica_set(&rolling(surge, 0), d, &all, rs(new, 0));
            assert_eq!(got, want, "row {i}");
        }
    }

    #[test]
    fn reconcile_old_replica_sets_upstream_table() {
        // rolling_test.go TestDeploymentController_reconcileOldReplicaSets; maxSurge 0.
        // The two updateErr rows test API failures, which the simulator has none of.
        // (deploymentReplicas, maxUnavailable, old, new, oldAvailable, newAvailable,
        //  scaleExpected, expectedOldReplicas)
        let rows = [
            (10, 0, 10, 0, 10, 0, true, 9),
            (10, 2, 10, 0, 10, 0, true, 8),
            (10, 2, 10, 0, 8, 0, true, 8), // unhealthy old replicas cleaned up
            (10, 2, 10, 0, 9, 0, true, 8), // 1 cleaned up, 1 ready scaled down
            (10, 2, 8, 2, 8, 0, false, 8), // new RS's unavailable pods block scale-down
        ];
        for (i, (d, u, old, new, oa, na, scale, want)) in rows.into_iter().enumerate() {
            let mu = max_unavailable(&rolling(0, u), d);
            let mut olds = [rs(old, oa)];
            let n = reconcile_old_replica_sets(d, mu, &mut olds, rs(new, na));
            assert_eq!(n > 0, scale, "row {i}");
            assert_eq!(olds[0].spec, want, "row {i}");
        }
    }

    #[test]
    fn cleanup_unhealthy_replicas_upstream_table() {
        // rolling_test.go TestDeploymentController_cleanupUnhealthyReplicas.
        // (oldReplicas, readyPods, maxCleanupCount, cleanupCountExpected)
        let rows = [(10, 8, 1, 1), (10, 8, 3, 2), (10, 8, 0, 0), (10, 10, 3, 0)];
        for (i, (old, ready, max, want)) in rows.into_iter().enumerate() {
            let mut olds = [rs(old, ready)];
            assert_eq!(
                cleanup_unhealthy_replicas(&mut olds, max),
                Ok(want),
                "row {i}"
            );
            assert_eq!(olds[0].spec, old - want, "row {i}");
        }
        // A status ahead of its spec would scale up: upstream returns an error.
        assert_eq!(
            cleanup_unhealthy_replicas(&mut [rs(2, 3)], 5),
            Err(CleanupError)
        );
    }

    #[test]
    fn scale_down_old_replica_sets_for_rolling_update_upstream_table() {
        // rolling_test.go TestDeploymentController_scaleDownOldReplicaSetsForRollingUpdate;
        // allRSs = oldRSs = [oldRS], maxSurge 0.
        // (deploymentReplicas, maxUnavailable, readyPods, oldReplicas, expected or None)
        let rows = [
            (10, 0, 10, 10, Some(9)),
            (10, 2, 10, 10, Some(8)),
            (10, 2, 8, 10, None),
            (10, 2, 10, 0, None),
            (10, 2, 1, 10, None),
        ];
        for (i, (d, u, ready, old, want)) in rows.into_iter().enumerate() {
            let min = d as i64 - max_unavailable(&rolling(0, u), d) as i64;
            let mut olds = [rs(old, ready)];
            let n = scale_down_old_replica_sets_for_rolling_update(ready as i64, min, &mut olds);
            match want {
                Some(w) => assert_eq!((n > 0, olds[0].spec), (true, w), "row {i}"),
                None => assert_eq!(n, 0, "row {i}"),
            }
        }
    }

    #[test]
    fn code_comment_case_1_rollback_during_a_crashloop() {
        // Case 1 of the comment in rolling.go `reconcileOldReplicaSets`: 10 replicas,
        // unavailable 2, surge 3; v1 = 8 (7 available after one pod went bad), v2 = 5 (none
        // available); the user rolls back, so v1 is the new RS and v2 the old one.
        let new = rs(8, 7);
        let mut old = [rs(5, 0)];
        let n = reconcile_old_replica_sets(10, 2, &mut old, new);
        // maxScaledDown = 13 − 8 − 1 = 4: four unhealthy v2 pods cleaned up.
        assert_eq!((n, old[0].spec), (4, 1));
        // Next sync: v1 scales up to 10 (total 9 + 2 ≤ 13).
        let all = [rs(8, 7), old[0]];
        assert_eq!(
            reconcile_new_replica_set(&rolling(3, 2), 10, &all, new),
            Some(10)
        );
    }

    #[test]
    fn code_comment_case_2_roll_over_to_v3() {
        // Case 2 of the same comment: stuck at v1 = 8 (all available), v2 = 5 (none); v3 is
        // created with 0 replicas because 13 ≥ 13.
        let s = rolling(3, 2);
        assert_eq!(new_rs_new_replicas(&s, 10, 13, 0), 0);
        let mut old = [rs(8, 8), rs(5, 0)];
        let n = reconcile_old_replica_sets(10, 2, &mut old, rs(0, 0));
        // maxScaledDown = 13 − 8 − 0 = 5: v2 goes 5 → 0 through cleanup; v1 untouched
        // (available 8 ≤ minAvailable 8).
        assert_eq!((n, old[0].spec, old[1].spec), (5, 8, 0));
        // Then v3 scales up by 5.
        let all = [old[0], old[1], rs(0, 0)];
        assert_eq!(reconcile_new_replica_set(&s, 10, &all, rs(0, 0)), Some(5));
    }
}
