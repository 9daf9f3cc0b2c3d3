//! One DaemonSet sync (`syncDaemonSet`): `manage`, then — once nothing it did is still to
//! be observed — `rollingUpdate`, then the status.
//!
//! Which pods a node lists is the controller's `getNodesToDaemonPods(…, false)`: every pod
//! of the node but those deleted and terminal. A kubelet pod here ends terminal only after
//! a deletion (`restartPolicy: Always` restarts a dead container in place), so a pod is
//! listed until it has exited; being deleted (`deletionTimestamp`) is
//! [`crate::cluster::Task::stop_requested`]. Every node of the DaemonSet should run a pod
//! (`NodeShouldRunDaemonPod` is what sized it), so the upstream branches for pods on
//! nodes that should not run one, and for failed or succeeded pods, never apply.

use super::DaemonSet;
use crate::cluster::{Cluster, TaskId, TaskState};
use crate::sim::rng::Purpose;

/// What `findUpdatedPodsOnNode` finds among a node's listed pods not being deleted.
#[derive(Debug, Clone, Copy)]
enum Found {
    /// At most one pod of the template in force and one of another.
    Pods {
        new: Option<TaskId>,
        old: Option<TaskId>,
    },
    /// More than one of either: left to `manage`.
    Excess,
}

impl DaemonSet<'_> {
    /// One sync. A sync that created or deleted a pod leaves another due.
    pub(super) fn sync(&mut self, cl: &mut Cluster) {
        let acted = self.manage(cl) || self.rolling_update(cl);
        self.queue.dirty |= acted;
        if !acted {
            self.update_status(cl);
        }
    }

    /// `podByCreationTimestampAndPhase`: scheduled pods first, then the oldest.
    fn rank(cl: &Cluster, id: TaskId) -> (bool, TaskId) {
        (cl.task(id).node.is_none(), id)
    }

    /// Listed on its node: not deleted and terminal (see the module documentation).
    fn listed(cl: &Cluster, id: TaskId) -> bool {
        !cl.task(id).state.is_terminal()
    }

    /// Listed and not being deleted.
    fn undeleted(cl: &Cluster, id: TaskId) -> bool {
        Self::listed(cl, id) && !cl.task(id).stop_requested
    }

    fn available(cl: &Cluster, id: TaskId) -> bool {
        cl.task(id).available
    }

    fn find_updated(&self, cl: &Cluster, slot: u32) -> Found {
        let (mut new, mut old) = (None, None);
        for &id in cl.slot(slot).iter().filter(|&&id| Self::undeleted(cl, id)) {
            let found = if self.template_of(id) == self.template() {
                &mut new
            } else {
                &mut old
            };
            if found.replace(id).is_some() {
                return Found::Excess;
            }
        }
        Found::Pods { new, old }
    }

    /// `manage` over every node (`podsShouldBeOnNode`): create a pod where none is
    /// listed (with a surge, also where every listed pod is being deleted); delete the
    /// pods a node has too many of. Whether it acted.
    fn manage(&mut self, cl: &mut Cluster) -> bool {
        let surge = self.fenceposts.0 > 0;
        let mut create = std::mem::take(&mut self.replace);
        let mut delete = std::mem::take(&mut self.candidates);
        create.clear();
        delete.clear();
        for slot in 0..self.nodes {
            let pods = cl.slot(slot);
            if !pods.iter().any(|&id| Self::listed(cl, id)) {
                create.push(slot);
                continue;
            }
            match pods.iter().filter(|&&id| Self::undeleted(cl, id)).count() {
                // "We are surging so we need to have at least one non-deleted pod."
                0 if surge => create.push(slot),
                0 | 1 => {}
                _ => Self::excess(
                    cl,
                    slot,
                    surge,
                    |id| self.template_of(id) == self.template(),
                    &mut delete,
                ),
            }
        }
        let acted = !create.is_empty() || !delete.is_empty();
        self.act(cl, &create, &delete);
        self.replace = create;
        self.candidates = delete;
        acted
    }

    /// The pods to delete on `slot`'s node, which runs more than one not being deleted:
    /// without a surge all but the oldest; with one, all but the oldest new and the oldest
    /// old pod, and then the old one too if it is not Ready or the new one is available.
    fn excess(
        cl: &Cluster,
        slot: u32,
        surge: bool,
        is_new: impl Fn(TaskId) -> bool,
        delete: &mut Vec<TaskId>,
    ) {
        let mut undeleted: Vec<TaskId> = (cl.slot(slot).iter().copied())
            .filter(|&id| Self::undeleted(cl, id))
            .collect();
        undeleted.sort_by_key(|&id| Self::rank(cl, id));
        if !surge {
            delete.extend_from_slice(&undeleted[1..]);
            return;
        }
        let oldest_new = undeleted.iter().copied().find(|&id| is_new(id));
        let oldest_old = undeleted.iter().copied().find(|&id| !is_new(id));
        let kept = |id| Some(id) == oldest_new || Some(id) == oldest_old;
        delete.extend(undeleted.iter().copied().filter(|&id| !kept(id)));
        if let (Some(new), Some(old)) = (oldest_new, oldest_old)
            && (cl.task(old).state != TaskState::Ready || Self::available(cl, new))
        {
            delete.push(old);
        }
    }

    /// `rollingUpdate`. Whether it acted.
    fn rolling_update(&mut self, cl: &mut Cluster) -> bool {
        let (max_surge, max_unavailable) = self.fenceposts;
        let mut candidates = std::mem::take(&mut self.candidates);
        let mut replace = std::mem::take(&mut self.replace);
        candidates.clear();
        replace.clear();
        let mut delete_now = std::mem::take(&mut self.deletes);
        delete_now.clear();
        // Nodes counted against the limit: unavailable ones (no surge) or surging ones.
        let mut counted = 0u32;
        for slot in 0..self.nodes {
            let Found::Pods { new, old } = self.find_updated(cl, slot) else {
                counted += 1;
                continue;
            };
            if max_surge == 0 {
                match (new, old) {
                    (None, None) | (Some(_), Some(_)) => counted += 1,
                    (Some(new), None) => counted += u32::from(!Self::available(cl, new)),
                    (None, Some(old)) if !Self::available(cl, old) => {
                        replace.push(old);
                        counted += 1;
                    }
                    (None, Some(old)) => candidates.push(old),
                }
            } else {
                match (new, old) {
                    (_, None) => {}
                    (None, Some(old)) if !Self::available(cl, old) => replace.push(slot),
                    (None, Some(_)) => candidates.push(slot),
                    (Some(new), Some(_)) if !Self::available(cl, new) => counted += 1,
                    (Some(_), Some(old)) => delete_now.push(old),
                }
            }
        }
        let limit = if max_surge == 0 {
            max_unavailable
        } else {
            max_surge
        };
        let room = (limit.saturating_sub(counted) as usize).min(candidates.len());
        self.pick(cl, &mut candidates, room);
        replace.extend_from_slice(&candidates[..room]);
        let acted = if max_surge == 0 {
            self.act(cl, &[], &replace);
            !replace.is_empty()
        } else {
            self.act(cl, &replace, &delete_now);
            !replace.is_empty() || !delete_now.is_empty()
        };
        self.candidates = candidates;
        self.replace = replace;
        self.deletes = delete_now;
        acted
    }

    /// Bring `room` of `candidates`, chosen at random, to its front: upstream takes the
    /// first ones in Go map order, random at every sync (a partial Fisher–Yates shuffle,
    /// keyed by the sync's number). Nothing is drawn when every candidate is taken.
    fn pick(&mut self, cl: &Cluster, candidates: &mut [u32], room: usize) {
        if room == 0 || room >= candidates.len() {
            return;
        }
        self.picks += 1;
        let mut rng = cl.rng(u32::MAX - 1, 0, self.picks, Purpose::SlotOrder);
        for i in 0..room {
            let j = i + rng.below((candidates.len() - i) as u64) as usize;
            candidates.swap(i, j);
        }
    }

    /// `syncNodes`: create a pod on each of the nodes of `create` (slots), delete the
    /// pods of `delete` (task ids).
    fn act(&mut self, cl: &mut Cluster, create: &[u32], delete: &[u32]) {
        for &slot in create {
            self.create_pod(cl, slot);
        }
        for &id in delete {
            cl.stop_task(id);
        }
    }

    /// `updateDaemonSetStatus`, as `kubectl rollout status` reads it: on each node the
    /// oldest listed pod (scheduled ones first) counts, updated if it is of the template
    /// in force, available if it is. The rollout is complete once every node's is both.
    fn update_status(&mut self, cl: &mut Cluster) {
        if self.complete_at.is_some() {
            return;
        }
        let complete = (0..self.nodes).all(|slot| {
            let pods = cl.slot(slot).iter().copied();
            let oldest = pods
                .filter(|&id| Self::listed(cl, id))
                .min_by_key(|&id| Self::rank(cl, id));
            oldest.is_some_and(|id| {
                self.template_of(id) == self.template() && Self::available(cl, id)
            })
        });
        if complete && self.nodes > 0 {
            self.complete_at = Some(cl.now());
        }
    }
}
