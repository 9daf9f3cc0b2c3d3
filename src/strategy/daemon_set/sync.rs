//! One DaemonSet sync (`syncDaemonSet`): `manage`, then — once nothing it did is still to
//! be observed — `rollingUpdate`, then the status.
//!
//! Which pods a node lists is the controller's `getNodesToDaemonPods(…, false)`: every pod
//! of the node but those deleted and terminal. A kubelet pod here ends terminal only after
//! a deletion (`restartPolicy: Always` restarts a dead container in place), so a pod is
//! listed until it has exited; being deleted (`deletionTimestamp`) is
//! [`crate::cluster::Task::stop_requested`]. Every node of the DaemonSet passes its
//! nodeSelector, affinity and the scenario's taints (`NodeShouldRunDaemonPod` is what
//! sized it); a node should run no pod only while it is noticed lost (tainted
//! `node.kubernetes.io/unreachable:NoSchedule`, [`super::node_views::NodeView::runs`]),
//! and may always continue running one (its pods tolerate every `NoExecute` taint it can
//! carry). The branches for failed or succeeded pods never apply.

use super::DaemonSet;
use super::node_views::Rules;
use crate::cluster::{Cluster, TaskId};
use crate::sim::rng::Purpose;

impl DaemonSet<'_> {
    /// One sync. A sync that created or deleted a pod leaves another due.
    pub(super) fn sync(&mut self, cl: &mut Cluster) {
        self.queue.take_touched(&mut self.touched);
        let rules = Rules::of(&self.revisions, self.fenceposts, &self.pod_template);
        self.views.refresh(cl, &rules, &self.touched);
        for slot in self.nodes_changed.drain(..) {
            self.views.refresh_node(cl, &rules, slot);
        }
        #[cfg(debug_assertions)]
        self.views.check(cl, &rules);
        let acted = self.manage(cl) || self.rolling_update(cl);
        self.queue.dirty |= acted;
        if !acted {
            self.update_status(cl);
        }
    }

    /// `manage` over every node (`podsShouldBeOnNode`): create a pod where none is
    /// listed (with a surge, also where every listed pod is being deleted); delete the
    /// pods a node has too many of. Whether it acted.
    fn manage(&mut self, cl: &mut Cluster) -> bool {
        if self.views.create.is_empty() && self.views.trim.is_empty() {
            return false;
        }
        let mut create = std::mem::take(&mut self.replace);
        let mut delete = std::mem::take(&mut self.deletes);
        create.clear();
        delete.clear();
        create.extend(self.views.create.iter());
        let rules = Rules::of(&self.revisions, self.fenceposts, &self.pod_template);
        for slot in self.views.trim.iter() {
            super::node_views::NodeViews::excess(cl, &rules, slot, &mut delete);
        }
        self.act(cl, &create, &delete);
        self.replace = create;
        self.deletes = delete;
        true
    }

    /// `rollingUpdate`. Whether it acted.
    fn rolling_update(&mut self, cl: &mut Cluster) -> bool {
        // `updatedDesiredNodeCounts`: the limits are counts of the nodes that should run a
        // pod now; whether the update surges is the spec's.
        let (max_surge, max_unavailable) = self.cfg.fenceposts(self.views.desired);
        let mut replace = std::mem::take(&mut self.replace);
        let mut delete_now = std::mem::take(&mut self.deletes);
        replace.clear();
        delete_now.clear();
        let surge = self.fenceposts.0 > 0;
        let views = &self.views;
        replace.extend(views.replace.iter().map(|slot| views.target(slot, surge)));
        delete_now.extend(views.delete_now.iter().map(|slot| views.old(slot)));
        let limit = if surge { max_surge } else { max_unavailable };
        let candidates = views.candidates.len();
        let room = limit.saturating_sub(views.counted).min(candidates);
        if room == candidates {
            replace.extend(
                views
                    .candidates
                    .iter()
                    .map(|slot| views.target(slot, surge)),
            );
        } else if room > 0 {
            let mut picked = std::mem::take(&mut self.picked);
            self.pick(cl, room, &mut picked);
            replace.extend(picked.iter().map(|&slot| self.views.target(slot, surge)));
            self.picked = picked;
        }
        let acted = if !surge {
            self.act(cl, &[], &replace);
            !replace.is_empty()
        } else {
            self.act(cl, &replace, &delete_now);
            !replace.is_empty() || !delete_now.is_empty()
        };
        self.replace = replace;
        self.deletes = delete_now;
        acted
    }

    /// `room` of the candidate nodes (fewer than there are), chosen at random, into
    /// `picked`: upstream takes the first ones in Go map order, random at every sync; here
    /// the first steps of a shuffle of the candidates in node order, keyed by the sync's
    /// number.
    fn pick(&mut self, cl: &Cluster, room: u32, picked: &mut Vec<u32>) {
        self.picks += 1;
        let mut rng = cl.rng(u32::MAX - 1, 0, self.picks, Purpose::SlotOrder);
        (self.views.candidates).partial_shuffle(room, |n| rng.below(n), &mut self.swapped, picked);
    }

    /// `syncNodes`: create a pod on each of the nodes of `create` (slots), delete the
    /// pods of `delete` (task ids).
    fn act(&mut self, cl: &mut Cluster, create: &[u32], delete: &[TaskId]) {
        for &slot in create {
            self.create_pod(cl, slot);
        }
        for &id in delete {
            cl.stop_task(id);
            self.queue.touch(id);
        }
    }

    /// `updateDaemonSetStatus`, as `kubectl rollout status` reads it: on each node that
    /// should run a pod the oldest listed pod (scheduled ones first) counts, updated if it
    /// is of the template in force, available if it is. The rollout is complete once
    /// every such node's is both (`updatedNumberScheduled` and `numberAvailable` reach
    /// `desiredNumberScheduled`): an unreachable node is not waited for.
    fn update_status(&mut self, cl: &mut Cluster) {
        if self.complete_at.is_none() && self.views.done == self.views.desired {
            self.complete_at = Some(cl.now());
        }
    }
}
