//! Scaling events and paused Deployments: the controller's `sync` path, after
//! `kubernetes/kubernetes:pkg/controller/deployment/sync.go` (`scale`, `isScalingEvent`)
//! and `util/deployment_util.go` (`FindActiveOrLatest`, `IsSaturated`, `GetProportion`,
//! `getReplicaSetFraction`) at v1.33.
//!
//! When `spec.replicas` changes (`kubectl scale`, an autoscaler) while more than one
//! ReplicaSet is active, the controller does not run the rolling algorithm in that sync:
//! it spreads the change over the active ReplicaSets in proportion to their size, so a
//! rollout in progress keeps its ratio of old to new pods:
//!
//! 1. one active ReplicaSet (or none: the newest) takes the whole count;
//! 2. a saturated new ReplicaSet (spec, `desired-replicas` annotation and available all
//!    equal to `replicas`) means every old one goes to 0;
//! 3. otherwise (RollingUpdate only) `toAdd = replicas + maxSurge − Σ spec` (0 + nothing
//!    when `replicas` is 0) is shared out from the largest ReplicaSet to the smallest —
//!    ties: newer first when adding, older first when removing — each getting
//!    `round(spec × (replicas + maxSurge) / max-replicas annotation) − spec`, clamped so
//!    the running total never passes `toAdd`; what rounding leaves over goes to the first
//!    (largest) one, never below 0.
//!
//! Every ReplicaSet `scale` touches gets its annotations rewritten
//! (`desired-replicas = replicas`, `max-replicas = replicas + maxSurge`), even when its
//! size does not change, which is what ends the scaling event (`isScalingEvent` compares
//! the annotation of every active ReplicaSet with `replicas`).

/// One ReplicaSet as `scale` sees it, in creation order (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RsScale {
    /// `spec.replicas`.
    pub spec: u32,
    /// `status.availableReplicas`.
    pub available: u32,
    /// `deployment.kubernetes.io/desired-replicas` (`None`: missing).
    pub desired: Option<u32>,
    /// `deployment.kubernetes.io/max-replicas` (`None`: missing).
    pub max_replicas: Option<u32>,
}

/// The Deployment as `scale` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeploymentScale {
    /// `spec.replicas` (the new count).
    pub replicas: u32,
    /// `MaxSurge(d)` resolved against `replicas` (0 for Recreate).
    pub max_surge: u32,
    /// `status.replicas`: the fallback base of a ReplicaSet without a `max-replicas`
    /// annotation.
    pub status_replicas: u32,
    /// RollingUpdate (proportional scaling applies) or Recreate (it does not).
    pub rolling: bool,
}

/// `isScalingEvent`: an active ReplicaSet whose `desired-replicas` annotation differs from
/// `replicas` (ReplicaSets without the annotation are skipped). Each listed set as
/// `(spec, desired)`, the two fields of an [`RsScale`] it reads (every sync asks).
pub fn is_scaling_event(sets: impl IntoIterator<Item = (u32, Option<u32>)>, replicas: u32) -> bool {
    sets.into_iter()
        .any(|(spec, desired)| spec > 0 && desired.is_some_and(|d| d != replicas))
}

/// `dc.scale`: the ReplicaSets it scales, as `(index, new size)`, in the order it scales
/// them. `sets` are the listed ReplicaSets in creation order, `new` the index of the new
/// one if it exists.
pub fn scale(d: DeploymentScale, sets: &[RsScale], new: Option<usize>) -> Vec<(usize, u32)> {
    if let Some(i) = find_active_or_latest(sets, new) {
        if sets[i].spec == d.replicas {
            return Vec::new();
        }
        return vec![(i, d.replicas)];
    }
    if let Some(n) = new.filter(|&n| is_saturated(sets[n], d.replicas)) {
        return (0..sets.len())
            .filter(|&i| i != n && sets[i].spec > 0)
            .map(|i| (i, 0))
            .collect();
    }
    if !d.rolling {
        return Vec::new();
    }
    let mut active: Vec<usize> = (0..sets.len()).filter(|&i| sets[i].spec > 0).collect();
    let total: i64 = active.iter().map(|&i| sets[i].spec as i64).sum();
    let allowed = if d.replicas > 0 {
        d.replicas as i64 + d.max_surge as i64
    } else {
        0
    };
    let to_add = allowed - total;
    // ReplicaSetsBySizeNewer / ReplicaSetsBySizeOlder: larger first; ties by creation.
    if to_add > 0 {
        active.sort_by(|&a, &b| sets[b].spec.cmp(&sets[a].spec).then(b.cmp(&a)));
    } else if to_add < 0 {
        active.sort_by(|&a, &b| sets[b].spec.cmp(&sets[a].spec).then(a.cmp(&b)));
    }
    let mut added: i64 = 0;
    let mut sizes: Vec<(usize, i64)> = Vec::with_capacity(active.len());
    for &i in &active {
        let rs = sets[i];
        if to_add != 0 {
            let p = proportion(rs, d, to_add, added);
            sizes.push((i, rs.spec as i64 + p));
            added += p;
        } else {
            sizes.push((i, rs.spec as i64));
        }
    }
    if let (Some(first), true) = (sizes.first_mut(), to_add != 0) {
        first.1 = (first.1 + to_add - added).max(0);
    }
    sizes
        .into_iter()
        .map(|(i, n)| (i, n.clamp(0, u32::MAX as i64) as u32))
        .collect()
}

/// `FindActiveOrLatest`: the only active ReplicaSet, or, with none active, the new one
/// (else the newest old one); `None` when several are active (or none exists).
pub fn find_active_or_latest(sets: &[RsScale], new: Option<usize>) -> Option<usize> {
    let mut active = (0..sets.len()).filter(|&i| sets[i].spec > 0);
    match (active.next(), active.next()) {
        (Some(i), None) => Some(i),
        (None, _) => new.or_else(|| (0..sets.len()).next_back()),
        _ => None,
    }
}

/// `IsSaturated`: the new ReplicaSet has the whole count, by spec, annotation and
/// availability.
pub fn is_saturated(rs: RsScale, replicas: u32) -> bool {
    rs.spec == replicas && rs.desired == Some(replicas) && rs.available == replicas
}

/// `GetProportion`: this ReplicaSet's share of `to_add`, given `added` so far, never
/// beyond what is left.
pub fn proportion(rs: RsScale, d: DeploymentScale, to_add: i64, added: i64) -> i64 {
    if rs.spec == 0 || to_add == 0 || to_add == added {
        return 0;
    }
    let fraction = replica_set_fraction(rs, d);
    let allowed = to_add - added;
    if to_add > 0 {
        fraction.min(allowed)
    } else {
        fraction.max(allowed)
    }
}

/// `getReplicaSetFraction`: `round(spec × (replicas + maxSurge) / base) − spec`, where the
/// base is the `max-replicas` annotation (or `status.replicas` when it is missing or 0;
/// 0 when that is 0 too), rounded half away from zero (`integer.RoundToInt32`); `−spec`
/// when scaling to 0.
pub fn replica_set_fraction(rs: RsScale, d: DeploymentScale) -> i64 {
    if d.replicas == 0 {
        return -(rs.spec as i64);
    }
    let max = d.replicas as i64 + d.max_surge as i64;
    let base = match rs.max_replicas {
        Some(m) if m > 0 => m as i64,
        _ => d.status_replicas as i64,
    };
    if base == 0 {
        return 0;
    }
    // Exact for non-negative integers: round(a / b) = ⌊(2a + b) / 2b⌋.
    let a = rs.spec as i64 * max;
    (2 * a + base) / (2 * base) - rs.spec as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(spec: u32, annotated: Option<(u32, u32)>) -> RsScale {
        RsScale {
            spec,
            available: 0,
            desired: annotated.map(|a| a.0),
            max_replicas: annotated.map(|a| a.1),
        }
    }

    #[test]
    fn replica_set_fraction_upstream_table() {
        // kubernetes/kubernetes pkg/controller/deployment/util/deployment_util_test.go
        // TestGetReplicaSetFraction: (replicas, status.replicas, maxSurge, rs spec,
        // max-replicas annotation, expected fraction).
        let rows = [
            (
                "empty deployment always scales to 0",
                0,
                0,
                0,
                10,
                None,
                -10,
            ),
            ("annotation missing", 10, 0, 0, 5, None, 0),
            ("annotation 0", 10, 0, 0, 5, Some(0), 0),
            ("1/5 up, annotation missing", 120, 100, 0, 50, None, 10),
            ("1/5 up, annotation 0", 120, 100, 0, 50, Some(0), 10),
            ("1/5 up", 120, 0, 0, 50, Some(100), 10),
            ("1/5 up with maxSurge", 120, 0, 10, 50, Some(110), 9),
            ("1/6 down", 10, 0, 0, 6, Some(12), -1),
            ("1/6 down with maxSurge", 100, 0, 10, 50, Some(130), -8),
        ];
        for (name, replicas, status, surge, spec, max, want) in rows {
            let d = DeploymentScale {
                replicas,
                max_surge: surge,
                status_replicas: status,
                rolling: true,
            };
            let r = RsScale {
                spec,
                available: 0,
                desired: None,
                max_replicas: max,
            };
            assert_eq!(replica_set_fraction(r, d), want, "{name}");
        }
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        // 1 × 5 / 2 = 2.5 → 3 (math.Round), so the fraction is +2.
        let d = DeploymentScale {
            replicas: 5,
            max_surge: 0,
            status_replicas: 0,
            rolling: true,
        };
        assert_eq!(replica_set_fraction(rs(1, Some((2, 2))), d), 2);
    }

    /// One `TestScale` row: the new and old sizes `scale` leaves.
    fn run(
        old_replicas: u32,
        old_surge: u32,
        replicas: u32,
        surge: u32,
        new: Option<u32>,
        olds: &[u32],
        annotation: &[(usize, u32)],
    ) -> (Option<u32>, Vec<u32>) {
        // The rows' RSs are given newest first (new, then olds from newer to older);
        // here they are listed oldest first, the new one last.
        let mut sets: Vec<RsScale> = olds
            .iter()
            .rev()
            .map(|&s| rs(s, Some((old_replicas, old_replicas + old_surge))))
            .collect();
        if let Some(n) = new {
            sets.push(rs(n, Some((old_replicas, old_replicas + old_surge))));
        }
        for &(i, desired) in annotation {
            sets[i].desired = Some(desired);
            sets[i].max_replicas = Some(desired + old_surge);
        }
        let new_at = new.map(|_| sets.len() - 1);
        let d = DeploymentScale {
            replicas,
            max_surge: surge,
            status_replicas: 0,
            rolling: true,
        };
        let mut sizes: Vec<u32> = sets.iter().map(|r| r.spec).collect();
        for (i, n) in scale(d, &sets, new_at) {
            sizes[i] = n;
        }
        let new_size = new_at.map(|i| sizes[i]);
        let olds = sizes[..olds.len()].iter().rev().copied().collect();
        (new_size, olds)
    }

    #[test]
    fn scale_upstream_table() {
        // kubernetes/kubernetes pkg/controller/deployment/sync_test.go TestScale (the
        // test Deployment has maxSurge 0 unless given; ReplicaSets are annotated with the
        // old Deployment's replicas and surge). Olds newest first, as in the table.
        type Row = (
            &'static str,
            u32,
            u32,
            u32,
            u32,
            Option<u32>,
            &'static [u32],
            Option<u32>,
            &'static [u32],
        );
        let rows: [Row; 14] = [
            ("10 -> 12", 10, 0, 12, 0, Some(10), &[], Some(12), &[]),
            ("10 -> 5", 10, 0, 5, 0, Some(10), &[], Some(5), &[]),
            (
                "proportional 5 -> 10",
                5,
                0,
                10,
                0,
                Some(2),
                &[3],
                Some(4),
                &[6],
            ),
            (
                "proportional 5 -> 3",
                5,
                0,
                3,
                0,
                Some(2),
                &[3],
                Some(1),
                &[2],
            ),
            (
                "proportional 9 -> 4",
                9,
                0,
                4,
                0,
                Some(8),
                &[1],
                Some(4),
                &[0],
            ),
            (
                "proportional 7 -> 10",
                7,
                0,
                10,
                0,
                Some(2),
                &[3, 2],
                Some(3),
                &[4, 3],
            ),
            (
                "proportional 13 -> 8",
                13,
                0,
                8,
                0,
                Some(2),
                &[8, 3],
                Some(1),
                &[5, 2],
            ),
            (
                "leftover 3 -> 4",
                3,
                0,
                4,
                0,
                Some(1),
                &[1, 1],
                Some(2),
                &[1, 1],
            ),
            (
                "leftover 3 -> 2",
                3,
                0,
                2,
                0,
                Some(1),
                &[1, 1],
                Some(1),
                &[1, 0],
            ),
            ("no new rs 4 -> 5", 4, 0, 5, 0, None, &[2, 2], None, &[3, 2]),
            ("6 -> 0", 6, 0, 0, 0, Some(3), &[2, 1], Some(0), &[0, 0]),
            ("0 -> 6", 6, 0, 6, 0, Some(0), &[0, 0], Some(6), &[0, 0]),
            (
                "surge pods 10 -> 20",
                10,
                2,
                20,
                2,
                Some(6),
                &[6],
                Some(11),
                &[11],
            ),
            (
                "size and surge",
                10,
                3,
                50,
                6,
                Some(5),
                &[8],
                Some(22),
                &[34],
            ),
        ];
        for (name, or, os, r, s, new, olds, want_new, want_old) in rows {
            let got = run(or, os, r, s, new, olds, &[]);
            assert_eq!(got, (want_new, want_old.to_vec()), "{name}");
        }
        // "failed rs update": 3 ReplicaSets of 2, 1, 1 at 5 replicas, the middle one
        // annotated 3 (its earlier update failed upstream): it gets the one to add.
        assert_eq!(
            run(5, 0, 5, 0, Some(2), &[1, 1], &[(1, 3)]),
            (Some(2), vec![2, 1])
        );
        // "change both size and template": no new ReplicaSet yet, olds 7 and 3 at 10 → 14.
        assert_eq!(run(10, 0, 14, 0, None, &[7, 3], &[]), (None, vec![10, 4]));
        // "saturated but broken new replica set does not affect old pods": maxSurge 1,
        // new 2 (none available), old 1 at 2 replicas: 3 = 2 + 1, nothing to add.
        assert_eq!(run(2, 1, 2, 1, Some(2), &[1], &[]), (Some(2), vec![1]));
    }

    #[test]
    fn a_saturated_new_replica_set_scales_the_old_ones_to_zero() {
        let mut new = rs(4, Some((4, 5)));
        new.available = 4;
        let sets = [rs(1, Some((4, 5))), new];
        let d = DeploymentScale {
            replicas: 4,
            max_surge: 1,
            status_replicas: 5,
            rolling: true,
        };
        assert_eq!(scale(d, &sets, Some(1)), vec![(0, 0)]);
    }

    #[test]
    fn scaling_events_read_the_desired_annotation_of_active_sets_only() {
        let sets = [rs(0, Some((10, 12))), rs(5, Some((12, 15)))];
        let pairs = || sets.iter().map(|r| (r.spec, r.desired));
        assert!(!is_scaling_event(pairs(), 12));
        assert!(is_scaling_event(pairs(), 10));
        assert!(!is_scaling_event([(5, None)], 10));
    }

    #[test]
    fn recreate_is_not_scaled_proportionally() {
        let sets = [rs(3, Some((6, 6))), rs(3, Some((6, 6)))];
        let d = DeploymentScale {
            replicas: 10,
            max_surge: 0,
            status_replicas: 6,
            rolling: false,
        };
        assert!(scale(d, &sets, Some(1)).is_empty());
    }
}
