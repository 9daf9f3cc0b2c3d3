//! One StatefulSet sync (`updateStatefulSet`): the replicas in ordinal order, the
//! condemned pods, the status, then the update.
//!
//! Which pod an ordinal lists is the controller's pod list: the ordinal's pod not yet
//! deleted and terminal. A kubelet pod here ends terminal only after a deletion
//! (`restartPolicy: Always` restarts a dead container in place) or when its lost node
//! comes back to find it evicted, so a pod is listed until it has exited; being deleted
//! (`deletionTimestamp`) is [`crate::cluster::Task::stop_requested`]. Upstream's branch for
//! failed and succeeded pods (delete them, create them again) therefore never applies.
//!
//! Each step asks the kept views ([`super::ordinals`]) instead of walking the ordinals,
//! and gets what the walk found: the same pods created and deleted, in the same order.

use super::StatefulSet;
use crate::cluster::{Cluster, TaskId};
use crate::scenario::PodManagement;

/// Where one part of a sync leaves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// It created or deleted a pod and ends the sync (another follows).
    Acted,
    /// It waits for a pod and ends the sync; the status is written.
    Blocked,
    /// Nothing to do: the sync goes on.
    Done,
}

impl StatefulSet<'_> {
    /// One sync. A sync that created or deleted a pod leaves another due.
    pub(super) fn sync(&mut self, cl: &mut Cluster) {
        self.refresh(cl);
        let monotonic = self.cfg.pod_management == PodManagement::OrderedReady;
        let first_unhealthy = self.first_unhealthy_condemned();
        let mut acted = false;
        let mut step = self.process_replicas(cl, monotonic);
        if step == Step::Done || !monotonic && step == Step::Acted {
            acted |= step == Step::Acted;
            step = self.process_condemned(cl, monotonic, first_unhealthy);
        }
        if step == Step::Done || !monotonic && step == Step::Acted {
            acted |= step == Step::Acted;
            step = if self.cfg.max_unavailable.is_some() {
                self.update_many(cl)
            } else {
                self.update_one(cl)
            };
        }
        acted |= step == Step::Acted;
        self.queue.dirty |= acted;
        if !acted {
            self.update_status(cl);
        }
    }

    /// `firstUnhealthyPod` when it is a condemned pod: every replica listed and healthy,
    /// and the lowest condemned pod that is not.
    fn first_unhealthy_condemned(&self) -> Option<TaskId> {
        if self.ordinals <= self.replicas {
            return None; // never scaled down: nothing condemned
        }
        let v = &self.views;
        if !v.missing.is_empty() || v.sick_replicas > 0 {
            return None; // a replica missing or not healthy
        }
        let ordinal = (v.sick.next_from(self.replicas)).filter(|&o| o < self.ordinals)?;
        v.view(ordinal).pod
    }

    /// `processReplica` for every ordinal below `replicas`, lowest first: create the
    /// missing pods; with `OrderedReady`, only the lowest, and only if no pod below it is
    /// being deleted or not available (else the sync waits there).
    fn process_replicas(&mut self, cl: &mut Cluster, monotonic: bool) -> Step {
        if monotonic {
            let missing = self.views.missing.next_from(0);
            let stalled = (self.views.stalled.next_from(0)).filter(|&o| o < self.replicas);
            return match (missing, stalled) {
                (Some(m), s) if s.is_none_or(|s| m < s) => {
                    self.create_pod(cl, m);
                    Step::Acted
                }
                (_, Some(_)) => Step::Blocked,
                _ => Step::Done,
            };
        }
        let mut step = Step::Done;
        let mut from = 0;
        while let Some(ordinal) = self.views.missing.next_from(from) {
            self.create_pod(cl, ordinal);
            step = Step::Acted;
            from = ordinal + 1;
        }
        step
    }

    /// `processCondemned` for the pods above `replicas`, highest first: with
    /// `OrderedReady` the highest listed one is deleted unless it is being deleted, or not
    /// available and not the first unhealthy pod (the sync waits then); `Parallel` deletes
    /// every one not being deleted.
    fn process_condemned(
        &mut self,
        cl: &mut Cluster,
        monotonic: bool,
        first_unhealthy: Option<TaskId>,
    ) -> Step {
        let replicas = self.replicas;
        let condemned = move |o: &u32| *o >= replicas;
        if monotonic {
            let Some(ordinal) = self
                .views
                .listed
                .prev_below(self.ordinals)
                .filter(condemned)
            else {
                return Step::Done;
            };
            let v = self.views.view(ordinal);
            if v.terminating || v.pod != first_unhealthy && !v.available {
                return Step::Blocked;
            }
            self.delete_pod(cl, v.pod.expect("a listed ordinal"));
            return Step::Acted;
        }
        let mut step = Step::Done;
        let mut end = self.ordinals;
        while let Some(ordinal) = self.views.undeleted.prev_below(end).filter(condemned) {
            let pod = self.views.view(ordinal).pod;
            self.delete_pod(cl, pod.expect("a listed ordinal"));
            step = Step::Acted;
            end = ordinal;
        }
        step
    }

    /// The update without `maxUnavailable`: from the highest ordinal down to the
    /// partition, delete the first pod of another revision, or wait at the first pod not
    /// healthy. That is the highest ordinal from the partition below `replicas` that is
    /// missing, outdated or not healthy; a missing pod (a `Parallel` creation waiting in
    /// the API) is not healthy, and an outdated one is deleted even if not healthy.
    fn update_one(&mut self, cl: &mut Cluster) -> Step {
        let v = &self.views;
        let highest = [&v.missing, &v.outdated, &v.sick]
            .into_iter()
            .filter_map(|set| set.prev_below(self.replicas))
            .max();
        let Some(ordinal) = highest.filter(|&o| o >= self.cfg.partition) else {
            return Step::Done;
        };
        let view = v.view(ordinal);
        match view.pod {
            Some(id) if view.outdated() => {
                self.delete_pod(cl, id);
                Step::Acted
            }
            _ => Step::Blocked,
        }
    }

    /// `updateStatefulSetAfterInvariantEstablished`: unless the unhealthy pods among all
    /// `replicas` already reach `maxUnavailable`, delete as many old pods as the rest
    /// allows, highest ordinal first, down to the partition.
    fn update_many(&mut self, cl: &mut Cluster) -> Step {
        let limit = self.cfg.unavailable_limit(self.replicas);
        let unhealthy = self.views.missing.len() + self.views.sick_replicas;
        if unhealthy >= limit {
            return Step::Blocked;
        }
        let mut deleted = 0;
        let mut end = self.replicas;
        while deleted < limit - unhealthy {
            let Some(ordinal) =
                (self.views.outdated.prev_below(end)).filter(|&o| o >= self.cfg.partition)
            else {
                break;
            };
            let pod = self.views.view(ordinal).pod;
            self.delete_pod(cl, pod.expect("a listed ordinal"));
            deleted += 1;
            end = ordinal;
        }
        if deleted > 0 { Step::Acted } else { Step::Done }
    }

    /// The status of a sync that changed nothing: `completeRollingUpdate`, and the
    /// rollout's completion as `kubectl rollout status statefulset` reads it.
    fn update_status(&mut self, cl: &mut Cluster) {
        let update = self.update();
        let v = &self.views;
        let (created, ready, updated) = (v.listed.len(), v.ready, v.updated);
        if updated == created && ready == created {
            self.current = update;
        }
        let complete =
            ready >= self.replicas && updated >= self.replicas.saturating_sub(self.cfg.partition);
        if complete && self.complete_at.is_none() {
            self.complete_at = Some(cl.now());
        }
    }
}
