//! One StatefulSet sync (`updateStatefulSet`): the replicas in ordinal order, the
//! condemned pods, the status, then the update.
//!
//! Which pod an ordinal lists is the controller's pod list: the ordinal's pod not yet
//! deleted and terminal. A kubelet pod here ends terminal only after a deletion
//! (`restartPolicy: Always` restarts a dead container in place) or when its lost node
//! comes back to find it evicted, so a pod is listed until it has exited; being deleted
//! (`deletionTimestamp`) is [`crate::cluster::Task::stop_requested`]. Upstream's branch for
//! failed and succeeded pods (delete them, create them again) therefore never applies.

use super::StatefulSet;
use crate::cluster::{Cluster, TaskId, TaskState};
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
        let monotonic = self.cfg.pod_management == PodManagement::OrderedReady;
        let first_unhealthy = self.first_unhealthy_condemned(cl);
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

    /// The ordinal's listed pod (see the module documentation).
    fn listed(cl: &Cluster, ordinal: u32) -> Option<TaskId> {
        (cl.slot(ordinal).iter().copied()).find(|&id| !cl.task(id).state.is_terminal())
    }

    fn terminating(cl: &Cluster, id: TaskId) -> bool {
        cl.task(id).stop_requested
    }

    /// `isRunningAndReady`.
    fn ready(cl: &Cluster, id: TaskId) -> bool {
        cl.task(id).state == TaskState::Ready
    }

    /// `isHealthy`: Running and Ready, and not being deleted.
    fn healthy(cl: &Cluster, id: TaskId) -> bool {
        Self::ready(cl, id) && !Self::terminating(cl, id)
    }

    /// `isRunningAndAvailable`: Ready for `minReadySeconds`.
    fn available(cl: &Cluster, id: TaskId) -> bool {
        Self::ready(cl, id) && cl.task(id).available
    }

    /// `firstUnhealthyPod` when it is a condemned pod: every replica listed and healthy,
    /// and the lowest condemned pod that is not.
    fn first_unhealthy_condemned(&self, cl: &Cluster) -> Option<TaskId> {
        if self.ordinals <= self.replicas {
            return None; // never scaled down: nothing condemned
        }
        let replicas_healthy =
            (0..self.replicas).all(|i| Self::listed(cl, i).is_some_and(|id| Self::healthy(cl, id)));
        if !replicas_healthy {
            return None;
        }
        (self.replicas..self.ordinals)
            .filter_map(|i| Self::listed(cl, i))
            .find(|&id| !Self::healthy(cl, id))
    }

    /// `processReplica` for every ordinal below `replicas`, lowest first.
    fn process_replicas(&mut self, cl: &mut Cluster, monotonic: bool) -> Step {
        let mut step = Step::Done;
        for ordinal in 0..self.replicas {
            let Some(id) = Self::listed(cl, ordinal) else {
                self.create_pod(cl, ordinal);
                if monotonic {
                    return Step::Acted;
                }
                step = Step::Acted;
                continue;
            };
            if monotonic && (Self::terminating(cl, id) || !Self::available(cl, id)) {
                // Being deleted, not Running and Ready, or not yet available.
                return Step::Blocked;
            }
        }
        step
    }

    /// `processCondemned` for the pods above `replicas`, highest first.
    fn process_condemned(
        &mut self,
        cl: &mut Cluster,
        monotonic: bool,
        first_unhealthy: Option<TaskId>,
    ) -> Step {
        let mut step = Step::Done;
        for ordinal in (self.replicas..self.ordinals).rev() {
            let Some(id) = Self::listed(cl, ordinal) else {
                continue;
            };
            if Self::terminating(cl, id) {
                if monotonic {
                    return Step::Blocked;
                }
                continue;
            }
            if monotonic && Some(id) != first_unhealthy && !Self::available(cl, id) {
                return Step::Blocked;
            }
            cl.stop_task(id);
            if monotonic {
                return Step::Acted;
            }
            step = Step::Acted;
        }
        step
    }

    /// The update without `maxUnavailable`: from the highest ordinal down to the
    /// partition, delete the first pod of another revision, or wait at the first pod not
    /// healthy.
    fn update_one(&mut self, cl: &mut Cluster) -> Step {
        let update = self.update();
        for ordinal in (self.cfg.partition..self.replicas).rev() {
            let Some(id) = Self::listed(cl, ordinal) else {
                // Not created yet (a `Parallel` creation waits in the API): not healthy.
                return Step::Blocked;
            };
            if self.template_of(id) != update && !Self::terminating(cl, id) {
                cl.stop_task(id);
                return Step::Acted;
            }
            if !Self::healthy(cl, id) {
                return Step::Blocked;
            }
        }
        Step::Done
    }

    /// `updateStatefulSetAfterInvariantEstablished`: unless the unhealthy pods among all
    /// `replicas` already reach `maxUnavailable`, delete as many old pods as the rest
    /// allows, highest ordinal first, down to the partition.
    fn update_many(&mut self, cl: &mut Cluster) -> Step {
        let limit = self.cfg.unavailable_limit(self.replicas);
        let unhealthy = (0..self.replicas)
            .filter(|&i| !Self::listed(cl, i).is_some_and(|id| Self::healthy(cl, id)))
            .count() as u32;
        if unhealthy >= limit {
            return Step::Blocked;
        }
        let update = self.update();
        let mut deleted = 0;
        for ordinal in (self.cfg.partition..self.replicas).rev() {
            if deleted == limit - unhealthy {
                break;
            }
            let Some(id) = Self::listed(cl, ordinal) else {
                continue;
            };
            if self.template_of(id) != update && !Self::terminating(cl, id) {
                cl.stop_task(id);
                deleted += 1;
            }
        }
        if deleted > 0 { Step::Acted } else { Step::Done }
    }

    /// The status of a sync that changed nothing: `completeRollingUpdate`, and the
    /// rollout's completion as `kubectl rollout status statefulset` reads it.
    fn update_status(&mut self, cl: &mut Cluster) {
        let update = self.update();
        let (mut created, mut ready, mut updated) = (0u32, 0u32, 0u32);
        for ordinal in 0..self.ordinals {
            let Some(id) = Self::listed(cl, ordinal) else {
                continue;
            };
            created += 1;
            ready += u32::from(Self::ready(cl, id));
            updated += u32::from(!Self::terminating(cl, id) && self.template_of(id) == update);
        }
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
