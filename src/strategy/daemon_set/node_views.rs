//! What one DaemonSet sync does with each node, kept between syncs: a node's view changes
//! only when one of its pods does, so a sync looks again only at the nodes whose pods
//! changed since the last one (and at all of them when the template in force changes),
//! and answers `manage`, `rollingUpdate` and the status from sets of nodes and counts.
//!
//! Upstream `syncDaemonSet` walks every node's pods at each sync; a simulated sync follows
//! every watched pod change, and the walk made a rollout's cost grow with the square of the
//! cluster. The per-node rules here are those of the walk (see [`super::sync`]); debug
//! builds check the kept views against views computed afresh at every sync.

use crate::cluster::{Cluster, TaskId, TaskState};
use crate::strategy::kubernetes::controller_revisions::ControllerRevisions;
use crate::strategy::kubernetes::replicaset::PodTemplate;
use crate::strategy::kubernetes::slot_set::SlotSet;

/// What `manage` does on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Manage {
    /// Nothing.
    #[default]
    Keep,
    /// Create a pod: none is listed (with a surge, none is left undeleted either).
    Create,
    /// Delete the pods it has too many of ([`NodeViews::excess`]).
    Trim,
}

/// What `rollingUpdate` does on a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) enum Update {
    /// Nothing, nor counted against the limit.
    #[default]
    Nothing,
    /// Counted against the limit (unavailable without a surge, surging with one).
    Counted,
    /// Replaced whatever the limit: its old pod is not available (without a surge it is
    /// also counted).
    Replace,
    /// Its old pod may be replaced if the limit leaves room.
    Candidate,
    /// Its old pod is deleted at once: with a surge, the new pod beside it is available,
    /// or the old pod is not available on a node that should not run a pod (an
    /// unreachable one).
    DeleteNow,
}

/// One node's view (see the module's comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct NodeView {
    pub manage: Manage,
    pub update: Update,
    /// The old pod `rollingUpdate` deletes or replaces (with `Replace`, `Candidate`,
    /// `DeleteNow`).
    pub old: TaskId,
    /// The status counts the node updated and available.
    pub done: bool,
    /// `NodeShouldRunDaemonPod`'s `shouldRun`: the node is not tainted
    /// `node.kubernetes.io/unreachable:NoSchedule`, which the DaemonSet's pods do not
    /// tolerate (their tolerations of it are `NoExecute` only). Every node the DaemonSet
    /// was sized on passes its nodeSelector, affinity and the scenario's taints, and its
    /// pods tolerate the cordon's taint; `shouldContinueRunning` is always true (no
    /// `NoExecute` taint they do not tolerate).
    pub runs: bool,
}

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

/// The views of every node, and the nodes in each case.
#[derive(Debug, Default)]
pub(super) struct NodeViews {
    views: Vec<NodeView>,
    /// `manage` creates a pod on these nodes.
    pub create: SlotSet,
    /// `manage` deletes pods on these nodes.
    pub trim: SlotSet,
    /// `rollingUpdate` replaces the old pod of these nodes whatever the limit.
    pub replace: SlotSet,
    /// `rollingUpdate` may replace the old pod of these nodes.
    pub candidates: SlotSet,
    /// `rollingUpdate` deletes the old pod of these nodes (with a surge, or on an
    /// unreachable node).
    pub delete_now: SlotSet,
    /// Nodes counted against the limit.
    pub counted: u32,
    /// Nodes the status counts updated and available.
    pub done: u32,
    /// `desiredNumberScheduled`: the nodes that should run a pod ([`NodeView::runs`]).
    pub desired: u32,
    /// Every view must be computed again (a trial's start, a new template).
    stale: bool,
    /// Scratch: a node's pods to delete.
    scratch: Vec<TaskId>,
}

/// What the views are computed against: the template in force, whether the update
/// surges, and each pod's template.
pub(super) struct Rules<'a> {
    pub template: PodTemplate,
    pub surge: bool,
    pub pod_template: &'a [PodTemplate],
}

impl<'a> Rules<'a> {
    /// The rules of a DaemonSet with these revisions, `(maxSurge, maxUnavailable)` and
    /// pods' templates.
    pub fn of(
        revisions: &ControllerRevisions,
        fenceposts: (u32, u32),
        pod_template: &'a [PodTemplate],
    ) -> Rules<'a> {
        Rules {
            template: revisions.template(),
            surge: fenceposts.0 > 0,
            pod_template,
        }
    }

    fn is_new(&self, id: TaskId) -> bool {
        self.pod_template[id as usize] == self.template
    }
}

/// `podByCreationTimestampAndPhase`: scheduled pods first, then the oldest.
fn rank(cl: &Cluster, id: TaskId) -> (bool, TaskId) {
    (cl.task(id).node.is_none(), id)
}

/// Listed on its node: not deleted and terminal (see [`super::sync`]).
fn listed(cl: &Cluster, id: TaskId) -> bool {
    !cl.task(id).state.is_terminal()
}

/// Listed and not being deleted.
fn undeleted(cl: &Cluster, id: TaskId) -> bool {
    listed(cl, id) && !cl.task(id).stop_requested
}

fn available(cl: &Cluster, id: TaskId) -> bool {
    cl.task(id).available
}

impl NodeViews {
    /// Every view is to be computed afresh at the next refresh, for `nodes` nodes.
    pub fn invalidate(&mut self, nodes: u32) {
        if self.views.len() != nodes as usize {
            self.views.clear();
            self.views.resize(nodes as usize, NodeView::default());
        }
        self.stale = true;
    }

    /// Bring the views up to date: those of the nodes of `touched` pods, or all.
    pub fn refresh(&mut self, cl: &Cluster, rules: &Rules, touched: &[TaskId]) {
        if self.stale {
            self.stale = false;
            self.rebuild(cl, rules);
            return;
        }
        for &id in touched {
            let slot = cl.task(id).slot;
            if (slot as usize) < self.views.len() {
                self.refresh_node(cl, rules, slot);
            }
        }
    }

    /// Every view computed afresh.
    fn rebuild(&mut self, cl: &Cluster, rules: &Rules) {
        let nodes = self.views.len() as u32;
        for set in [
            &mut self.create,
            &mut self.trim,
            &mut self.replace,
            &mut self.candidates,
            &mut self.delete_now,
        ] {
            set.reset(nodes);
        }
        (self.counted, self.done, self.desired) = (0, 0, 0);
        for slot in 0..nodes {
            let view = self.view_of(cl, rules, slot);
            self.views[slot as usize] = view;
            self.count(slot, view, rules.surge, true);
        }
    }

    /// Bring node `slot`'s view up to date (its node changed, not its pods).
    pub fn refresh_node(&mut self, cl: &Cluster, rules: &Rules, slot: u32) {
        let view = self.view_of(cl, rules, slot);
        let was = self.views[slot as usize];
        if view != was {
            self.count(slot, was, rules.surge, false);
            self.count(slot, view, rules.surge, true);
            self.views[slot as usize] = view;
        }
    }

    /// Add `view` of `slot` to the sets and counts, or take it out.
    fn count(&mut self, slot: u32, view: NodeView, surge: bool, add: bool) {
        match view.manage {
            Manage::Keep => {}
            Manage::Create => self.create.set(slot, add),
            Manage::Trim => self.trim.set(slot, add),
        }
        let counted = match view.update {
            Update::Nothing => false,
            Update::Counted => true,
            Update::Replace => {
                self.replace.set(slot, add);
                !surge
            }
            Update::Candidate => {
                self.candidates.set(slot, add);
                false
            }
            Update::DeleteNow => {
                self.delete_now.set(slot, add);
                false
            }
        };
        let delta = |n: &mut u32, on: bool| {
            if on {
                if add { *n += 1 } else { *n -= 1 }
            }
        };
        delta(&mut self.counted, counted);
        delta(&mut self.done, view.done);
        delta(&mut self.desired, view.runs);
    }

    /// The old pod of `slot`'s view.
    pub fn old(&self, slot: u32) -> TaskId {
        self.views[slot as usize].old
    }

    /// What `rollingUpdate` acts on at node `slot`: without a surge its old pod (deleted),
    /// with one the node (a new pod created beside the old one).
    pub fn target(&self, slot: u32, surge: bool) -> u32 {
        if surge { slot } else { self.old(slot) }
    }

    /// The members of every set, in node order (the debug check's comparison).
    #[cfg(debug_assertions)]
    fn members(&self) -> [Vec<u32>; 5] {
        [
            &self.create,
            &self.trim,
            &self.replace,
            &self.candidates,
            &self.delete_now,
        ]
        .map(|set| set.iter().collect())
    }

    /// Node `slot`'s view as its pods are now.
    fn view_of(&mut self, cl: &Cluster, rules: &Rules, slot: u32) -> NodeView {
        let pods = cl.slot(slot);
        let runs = !cl.nodes[cl.node_of_slot(slot) as usize].noticed_down;
        let any_listed = pods.iter().any(|&id| listed(cl, id));
        let manage = if !any_listed {
            // `shouldRun && !exists`; an unreachable node's `shouldContinueRunning` case
            // with no pod creates none.
            if runs { Manage::Create } else { Manage::Keep }
        } else {
            match pods.iter().filter(|&&id| undeleted(cl, id)).count() {
                // "We are surging so we need to have at least one non-deleted pod" (and
                // `shouldRun`).
                0 if rules.surge && runs => Manage::Create,
                0 | 1 => Manage::Keep,
                _ => {
                    let mut deletes = std::mem::take(&mut self.scratch);
                    deletes.clear();
                    Self::excess(cl, rules, slot, &mut deletes);
                    let trim = !deletes.is_empty();
                    self.scratch = deletes;
                    if trim { Manage::Trim } else { Manage::Keep }
                }
            }
        };
        // `rollingUpdate` walks the nodes with a listed pod and those that should run one
        // (`updatedDesiredNodeCounts` adds them to the map).
        let (update, old) = if any_listed || runs {
            Self::update_of(cl, rules, slot, runs)
        } else {
            (Update::Nothing, 0)
        };
        let oldest = (pods.iter().copied())
            .filter(|&id| listed(cl, id))
            .min_by_key(|&id| rank(cl, id));
        // The status counts only the nodes that should run a pod.
        let done = runs && oldest.is_some_and(|id| rules.is_new(id) && available(cl, id));
        NodeView {
            manage,
            update,
            old,
            done,
            runs,
        }
    }

    /// `findUpdatedPodsOnNode`.
    fn find_updated(cl: &Cluster, rules: &Rules, slot: u32) -> Found {
        let (mut new, mut old) = (None, None);
        for &id in cl.slot(slot).iter().filter(|&&id| undeleted(cl, id)) {
            let found = if rules.is_new(id) { &mut new } else { &mut old };
            if found.replace(id).is_some() {
                return Found::Excess;
            }
        }
        Found::Pods { new, old }
    }

    /// `rollingUpdate`'s part for one node (`runs`: `shouldRun`), and its old pod.
    fn update_of(cl: &Cluster, rules: &Rules, slot: u32, runs: bool) -> (Update, TaskId) {
        let Found::Pods { new, old } = Self::find_updated(cl, rules, slot) else {
            return (Update::Counted, 0);
        };
        let update = if !rules.surge {
            match (new, old) {
                (None, None) | (Some(_), Some(_)) => Update::Counted,
                (Some(new), None) if !available(cl, new) => Update::Counted,
                (Some(_), None) => Update::Nothing,
                (None, Some(old)) if !available(cl, old) => Update::Replace,
                (None, Some(_)) => Update::Candidate,
            }
        } else {
            match (new, old) {
                (_, None) => Update::Nothing,
                // "does not match scheduling constraints, remove old pod".
                (None, Some(old)) if !available(cl, old) && !runs => Update::DeleteNow,
                (None, Some(old)) if !available(cl, old) => Update::Replace,
                // Upstream `shouldNotRunPodsToDelete`, deleted once the other nodes'
                // available pods outnumber `desiredNumberScheduled`: never here, as no pod
                // on an unreachable node is available (NotReady since the detection).
                (None, Some(_)) if !runs => Update::Nothing,
                (None, Some(_)) => Update::Candidate,
                (Some(new), Some(_)) if !available(cl, new) => Update::Counted,
                (Some(_), Some(_)) => Update::DeleteNow,
            }
        };
        (update, old.unwrap_or(0))
    }

    /// The pods to delete on `slot`'s node, which runs more than one not being deleted:
    /// without a surge all but the oldest; with one, all but the oldest new and the oldest
    /// old pod, and then the old one too if it is not Ready or the new one is available.
    pub fn excess(cl: &Cluster, rules: &Rules, slot: u32, delete: &mut Vec<TaskId>) {
        let mut undeleted: Vec<TaskId> = (cl.slot(slot).iter().copied())
            .filter(|&id| undeleted(cl, id))
            .collect();
        undeleted.sort_by_key(|&id| rank(cl, id));
        if !rules.surge {
            delete.extend_from_slice(&undeleted[1..]);
            return;
        }
        let oldest_new = undeleted.iter().copied().find(|&id| rules.is_new(id));
        let oldest_old = undeleted.iter().copied().find(|&id| !rules.is_new(id));
        let kept = |id| Some(id) == oldest_new || Some(id) == oldest_old;
        delete.extend(undeleted.iter().copied().filter(|&id| !kept(id)));
        if let (Some(new), Some(old)) = (oldest_new, oldest_old)
            && (cl.task(old).state != TaskState::Ready || available(cl, new))
        {
            delete.push(old);
        }
    }

    /// Debug builds: the kept views, sets and counts are those computed afresh.
    #[cfg(debug_assertions)]
    pub fn check(&mut self, cl: &Cluster, rules: &Rules) {
        let kept = std::mem::take(&mut self.views);
        let sets = self.members();
        let counts = (self.counted, self.done, self.desired);
        self.views = kept.clone();
        self.rebuild(cl, rules);
        for (slot, (was, is)) in kept.iter().zip(self.views.iter()).enumerate() {
            assert_eq!(was, is, "DaemonSet node {slot}'s kept view at {}", cl.now());
        }
        assert_eq!(sets, self.members(), "DaemonSet node sets");
        assert_eq!(
            counts,
            (self.counted, self.done, self.desired),
            "DaemonSet counts"
        );
    }
}
