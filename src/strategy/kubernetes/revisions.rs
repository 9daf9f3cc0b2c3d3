//! Revision history: which ReplicaSet `kubectl rollout undo [--to-revision=N]` goes back
//! to, and which old ReplicaSets `revisionHistoryLimit` deletes; after
//! `kubernetes/kubectl:pkg/polymorphichelpers/rollback.go` (`DeploymentRollbacker.Rollback`,
//! `deploymentRevision`) and `kubernetes/kubernetes:pkg/controller/deployment/sync.go`
//! (`getNewReplicaSet`, `cleanupDeployment`) with `util/deployment_util.go`
//! (`SetNewReplicaSetAnnotations`, `MaxRevision`) at v1.33.
//!
//! Numbering: every ReplicaSet carries `deployment.kubernetes.io/revision`. The new
//! ReplicaSet of a template gets `max(old revisions) + 1` when it is created, and an old
//! ReplicaSet that becomes new again (an undo, or an update back to an earlier template)
//! is renumbered to `max(old revisions) + 1` — its old number is gone from the history.
//! So after `current` (1), `next` (2), `v3` (3) and an undo to 2, the revisions listed are
//! 1, 3 and 4 (`next`).
//!
//! Undo is client-side: kubectl lists the ReplicaSets, picks the one with revision N (with
//! no N, the second-highest), and copies its pod template into the Deployment; the
//! controller then rolls to it like to any template. kubectl refuses a paused Deployment
//! and skips when the template already matches.
//!
//! Cleanup runs when the rollout is complete (and in every sync while paused): of the old
//! ReplicaSets not being deleted, the `len − revisionHistoryLimit` with the lowest
//! revisions are candidates, and each is deleted only if it has no replicas in spec or
//! status.

/// What `kubectl rollout undo` finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UndoTarget {
    /// The ReplicaSet (index) whose template to restore.
    Found(usize),
    /// `--to-revision=N` and no listed ReplicaSet has revision N: "unable to find
    /// specified revision N in history".
    RevisionNotFound(u32),
    /// No N and fewer than two revisions: "no rollout history found".
    NoHistory,
}

/// `deploymentRevision`: the ReplicaSet of revision `to` (0: the second-highest) among
/// `revisions` (one per listed ReplicaSet, `None` for one no longer listed).
pub fn undo_target(revisions: &[Option<u32>], to: u32) -> UndoTarget {
    let mut latest: Option<(u32, usize)> = None;
    let mut previous: Option<(u32, usize)> = None;
    for (i, r) in revisions.iter().enumerate() {
        let Some(v) = *r else { continue };
        if to > 0 {
            if v == to {
                return UndoTarget::Found(i);
            }
        } else if latest.is_none_or(|(l, _)| v > l) {
            previous = latest;
            latest = Some((v, i));
        } else if previous.is_none_or(|(p, _)| v > p) {
            previous = Some((v, i));
        }
    }
    if to > 0 {
        return UndoTarget::RevisionNotFound(to);
    }
    match previous {
        Some((_, i)) => UndoTarget::Found(i),
        None => UndoTarget::NoHistory,
    }
}

/// One old ReplicaSet as `cleanupDeployment` sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OldRs {
    /// Its index in the Deployment's list.
    pub index: usize,
    /// `deployment.kubernetes.io/revision`.
    pub revision: u32,
    /// `spec.replicas`.
    pub spec: u32,
    /// `status.replicas`.
    pub status_replicas: u32,
}

/// `cleanupDeployment`: the old ReplicaSets (not already deleted) to delete, given
/// `revisionHistoryLimit` = `limit`. Candidates are the `len − limit` lowest revisions
/// (`ReplicaSetsByRevision`, ties by creation: the list is in creation order and the
/// sort keeps it for equal revisions); one with replicas in spec or status is skipped,
/// not replaced by the next.
pub fn cleanup(old: &[OldRs], limit: u32) -> Vec<usize> {
    let diff = old.len() as i64 - limit as i64;
    if diff <= 0 {
        return Vec::new();
    }
    let mut by_revision: Vec<OldRs> = old.to_vec();
    by_revision.sort_by_key(|r| r.revision);
    by_revision
        .iter()
        .take(diff as usize)
        .filter(|r| r.spec == 0 && r.status_replicas == 0)
        .map(|r| r.index)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn old(spec: u32, status_replicas: u32) -> Vec<OldRs> {
        vec![OldRs {
            index: 0,
            revision: 0,
            spec,
            status_replicas,
        }]
    }

    fn olds(rows: &[(u32, u32)]) -> Vec<OldRs> {
        rows.iter()
            .enumerate()
            .map(|(i, &(spec, status_replicas))| OldRs {
                index: i,
                revision: i as u32 + 1,
                spec,
                status_replicas,
            })
            .collect()
    }

    #[test]
    fn cleanup_upstream_table() {
        // kubernetes/kubernetes pkg/controller/deployment/sync_test.go
        // TestDeploymentController_cleanupDeployment: (spec, status) per old ReplicaSet,
        // revisionHistoryLimit, expected deletions. The row with an RS already being
        // deleted is the empty list here (a deleted ReplicaSet is no longer listed); the
        // MaxInt32 row is a limit larger than the list.
        type Row = (&'static [(u32, u32)], u32, usize);
        let rows: [Row; 6] = [
            (&[(0, 0), (0, 0), (0, 0)], 1, 2),
            (&[(0, 0), (0, 1), (1, 0), (1, 1)], 0, 1),
            (&[(0, 0), (0, 0)], 0, 2),
            (&[(1, 1), (1, 1)], 0, 0),
            (&[], 0, 0),
            (&[(0, 0), (0, 0), (0, 0)], i32::MAX as u32, 0),
        ];
        for (i, (sets, limit, want)) in rows.into_iter().enumerate() {
            assert_eq!(cleanup(&olds(sets), limit).len(), want, "row {i}");
        }
        assert_eq!(cleanup(&old(0, 0), 0), vec![0]);
    }

    #[test]
    fn cleanup_takes_the_lowest_revisions_and_skips_busy_ones() {
        // Listed in creation order with revisions 4 (reused by an undo), 1 and 3; limit 1:
        // the candidates are revisions 1 and 3.
        let list = [
            OldRs {
                index: 0,
                revision: 4,
                spec: 0,
                status_replicas: 0,
            },
            OldRs {
                index: 1,
                revision: 1,
                spec: 0,
                status_replicas: 0,
            },
            OldRs {
                index: 2,
                revision: 3,
                spec: 0,
                status_replicas: 2,
            },
        ];
        // Revision 3 still has pods: skipped, and revision 4 is not taken instead.
        assert_eq!(cleanup(&list, 1), vec![1]);
    }

    #[test]
    fn undo_finds_revisions_as_kubectl_does() {
        // Revisions 1, 3, 4 listed (2 was renumbered to 4); 5 was deleted by cleanup.
        let revs = [Some(1), Some(3), Some(4), None];
        assert_eq!(
            undo_target(&revs, 0),
            UndoTarget::Found(1),
            "second-highest"
        );
        assert_eq!(undo_target(&revs, 1), UndoTarget::Found(0));
        assert_eq!(undo_target(&revs, 2), UndoTarget::RevisionNotFound(2));
        assert_eq!(undo_target(&revs, 5), UndoTarget::RevisionNotFound(5));
        assert_eq!(undo_target(&[Some(1)], 0), UndoTarget::NoHistory);
        assert_eq!(undo_target(&[Some(1)], 1), UndoTarget::Found(0));
    }
}
