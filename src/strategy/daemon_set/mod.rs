//! The Kubernetes DaemonSet controller, after `kubernetes/kubernetes:pkg/controller/daemon`
//! v1.30 (`daemon_controller.go` `syncDaemonSet`, `manage`, `podsShouldBeOnNode`,
//! `updateDaemonSetStatus`; `update.go` `rollingUpdate`, `findUpdatedPodsOnNode`,
//! `updatedDesiredNodeCounts`; `util/daemonset_util.go` `SurgeCount`, `UnavailableCount`).
//!
//! A DaemonSet runs one pod on every node its pod template's nodeSelector, required node
//! affinity and tolerations allow: the cluster ties slot `i` to the `i`th such node, as
//! for a Swarm global service, and every pod of the slot is created with that node's
//! affinity (`ReplaceDaemonSetPodNodeNameNodeAffinity`), so kube-scheduler checks only it.
//!
//! Like the Deployment controller, it is a reconcile function run at the end of each
//! simulated instant ([`Controller::settle`]) whenever a pod it watches changed; a sync
//! that creates or deletes pods leaves the rolling update to the next sync (upstream's
//! expectations: `rollingUpdate` runs only once the creations and deletions of `manage`
//! are observed), which follows in the same instant. One sync ([`sync`]):
//!
//! * `manage`: a node with no pod listed gets one of the current template; with `maxSurge`
//!   0 a node whose only pod is being deleted gets none until that pod has exited (a
//!   deleted pod stays listed until it is terminal), with a surge it gets one at once;
//!   excess pods are deleted.
//! * `rollingUpdate`: with `maxSurge` 0, delete old pods on as many nodes as
//!   `maxUnavailable` leaves room for, counting every node whose pod is missing, being
//!   deleted, new and not yet available, or old and not available (those are replaced at
//!   once whatever the count); with a surge, create a new pod beside the old one on as
//!   many nodes as `maxSurge` leaves room for (always where the old pod is not available),
//!   and delete an old pod once the new one beside it is available. Upstream picks the
//!   nodes in Go map order, random at each sync: here a keyed random choice, fresh at
//!   each sync.
//! * the status, and with it the outcome: `kubectl rollout status daemonset` says
//!   "successfully rolled out" once `updatedNumberScheduled` and `numberAvailable` both
//!   equal `desiredNumberScheduled`, counting on each node its oldest pod still listed
//!   (scheduled ones first): so with a surge the rollout completes only once every old pod
//!   has exited.
//!
//! Node losses: the pods tolerate the unreachable and not-ready `NoExecute` taints for ever
//! (`util/daemonset_util.go` `AddOrUpdateDaemonPodTolerations`), so the taint manager
//! never evicts them; from the loss's detection the node, tainted
//! `node.kubernetes.io/unreachable:NoSchedule`, should run no pod (`NodeShouldRunDaemonPod`:
//! `shouldRun` false, `shouldContinueRunning` true) until it is back: no pod is created
//! there, it leaves `desiredNumberScheduled` (the limits' base and the status), and its
//! not-available old pod is deleted (replaced without a surge, removed with one). A drain
//! is `kubectl drain --ignore-daemonsets`: the node cordoned, nothing evicted; the pods
//! tolerate the cordon. See `docs/daemonset.md`.
//!
//! A DaemonSet has no progress deadline: a rollout that never completes ends at the
//! horizon as `timeout`. Controls: `rollout: update`, `rollout: undo` (to the previous
//! revision or `to_revision`, as `kubectl rollout undo daemonset`; see
//! [`crate::strategy::kubernetes::controller_revisions`]) and `rollout: restart`; a
//! DaemonSet has no `spec.paused` and no scale.

pub(crate) mod entry;
mod node_views;
mod sync;

use super::{Controller, NoTimer};
use crate::cluster::{Cluster, NodeId, NodeNotice, Notice, SOLE_OWNER, StateSet, TaskId};
use crate::result::Outcome;
use crate::scenario::{ActionKind, DaemonSetStrategy};
use crate::sim::time::Time;
use crate::strategy::kubernetes::controller_revisions::{
    Applied, ControllerRevisions, live_templates,
};
use crate::strategy::kubernetes::replicaset::PodTemplate;
use crate::strategy::kubernetes::sync_limit;
use crate::strategy::kubernetes::sync_loop::SyncLoop;
use node_views::NodeViews;
use std::collections::HashMap;

/// The DaemonSet controller of one trial.
pub struct DaemonSet<'s> {
    cfg: &'s DaemonSetStrategy,
    /// The nodes the DaemonSet runs on (the scenario's `service.replicas`, sized from the
    /// nodes): `desiredNumberScheduled` while every one of them is reachable.
    nodes: u32,
    /// `(maxSurge, maxUnavailable)` as pod counts of [`DaemonSet::nodes`]: whether the
    /// update surges (`util.AllowsSurge`). A sync's limits are counts of the nodes that
    /// should run a pod then ([`node_views::NodeViews::desired`]).
    fenceposts: (u32, u32),
    /// Its ControllerRevisions and the template in force.
    revisions: ControllerRevisions,
    /// The template each pod was created from, by task id.
    pod_template: Vec<PodTemplate>,
    /// The work queue: a sync is due, and the livelock guard.
    queue: SyncLoop,
    /// Random picks of nodes so far in the trial (a sync's `rollingUpdate` with more
    /// candidates than room): keys each one's draw.
    picks: u32,
    /// When the rollout of the template in force completed (`None`: in progress).
    complete_at: Option<Time>,
    /// What each sync does with each node, kept between syncs.
    views: NodeViews,
    /// The nodes (slots) whose node changed since the last sync (a loss noticed, a
    /// return): `NodeShouldRunDaemonPod` reads the node's taints.
    nodes_changed: Vec<u32>,
    /// Scratch of a sync: pods changed since the last one; the nodes it creates a pod on
    /// (or, without a surge, the old pods it replaces); the pods it deletes; a pick's
    /// nodes and swapped positions.
    touched: Vec<TaskId>,
    replace: Vec<u32>,
    deletes: Vec<TaskId>,
    picked: Vec<u32>,
    swapped: HashMap<u32, u32>,
}

/// The pod states the DaemonSet reacts to, a Deployment's: each one changes what a sync
/// reads (a pod Ready or not, available, being deleted, gone).
const OBSERVED: StateSet = StateSet::POD_SYNC;

impl<'s> DaemonSet<'s> {
    /// A controller for these settings.
    pub fn new(cfg: &'s DaemonSetStrategy) -> DaemonSet<'s> {
        DaemonSet {
            cfg,
            nodes: 0,
            fenceposts: (0, 1),
            revisions: ControllerRevisions::default(),
            pod_template: Vec::new(),
            queue: SyncLoop::new(OBSERVED, "DaemonSet"),
            picks: 0,
            complete_at: None,
            views: NodeViews::default(),
            nodes_changed: Vec::new(),
            touched: Vec::new(),
            replace: Vec::new(),
            deletes: Vec::new(),
            picked: Vec::new(),
            swapped: HashMap::new(),
        }
    }

    /// The template in force.
    fn template(&self) -> PodTemplate {
        self.revisions.template()
    }

    /// Create a pod of the template in force on `slot`'s node.
    fn create_pod(&mut self, cl: &mut Cluster, slot: u32) {
        let t = self.template();
        let id = cl.create_task(slot, t.version, SOLE_OWNER, crate::cluster::StartGate::Now);
        crate::cluster::task::set_at(&mut self.pod_template, id, t, t);
        self.queue.touch(id);
    }

    /// The template in force changed: a rollout of it begins.
    fn rollout_begins(&mut self) {
        self.complete_at = None;
        self.queue.dirty = true;
        self.views.invalidate(self.nodes);
    }
}

impl Controller for DaemonSet<'_> {
    /// None: every sync it needs follows a pod notice, and a pod becoming available
    /// `minReadySeconds` after Ready arrives as one (upstream's requeue after
    /// `minReadySeconds` is its guard against missing that).
    type Timer = NoTimer;

    fn start(&mut self, cl: &mut Cluster) {
        cl.observe_only(OBSERVED);
        cl.set_min_ready(self.cfg.min_ready);
        let s = cl.scenario;
        self.nodes = s.service.replicas;
        self.fenceposts = self.cfg.fenceposts(self.nodes);
        self.picks = 0;
        self.complete_at = None;
        self.nodes_changed.clear();
        // The Deployment's guard, one pod a node: a sync that acts creates or deletes pods,
        // a few a node an instant at most, so reaching it means the syncs oscillate.
        self.queue.reset(sync_limit(self.nodes));
        self.views.invalidate(self.nodes);
        // The DaemonSet as it was before the rollout: one serving pod on every node.
        if self.revisions.start(cl, self.nodes, &mut self.pod_template) {
            self.rollout_begins();
        }
    }

    fn on_task(&mut self, _cl: &mut Cluster, notice: Notice) {
        self.queue.on_notice(notice);
    }

    fn on_timer(&mut self, _cl: &mut Cluster, NoTimer: NoTimer) {}

    /// A lost node noticed (tainted unreachable: it should run no pod now) or back: the
    /// node informer's update enqueues the DaemonSet when `NodeShouldRunDaemonPod`'s
    /// answer changes (`updateNode`). The loss itself changes nothing the API shows.
    fn on_node(&mut self, cl: &mut Cluster, node: NodeId, _notice: NodeNotice) {
        if let Some(slot) = cl.slot_of_node(node) {
            self.nodes_changed.push(slot);
            self.queue.dirty = true;
        }
    }

    /// `kubectl drain --ignore-daemonsets`: the node cordoned, none of the DaemonSet's
    /// pods evicted ([`Cluster::drain_leaving_daemon_pods`]); the cordon's taint changes
    /// nothing for the controller (its pods tolerate it).
    fn on_drain(&mut self, cl: &mut Cluster, drain: u32) {
        cl.drain_leaving_daemon_pods(drain);
    }

    /// `rollout: update`, `undo [to_revision]` and `restart`; the others are refused when
    /// the scenario is loaded: a DaemonSet has no `spec.paused`, no scale, and no Argo
    /// Rollouts or loadtester controls.
    fn on_action(&mut self, cl: &mut Cluster, action: &ActionKind) {
        let live = live_templates(cl, &self.pod_template);
        if self
            .revisions
            .act(cl, action, "DaemonSet", &|t| live.contains(&t))
            == Applied::Changed
        {
            self.rollout_begins();
        }
    }

    /// Sync until a sync changes nothing, as the work queue does once every creation and
    /// deletion is observed; a chain longer than the livelock guard ends the trial.
    fn settle(&mut self, cl: &mut Cluster) {
        while self.queue.due(cl) {
            self.sync(cl);
        }
    }

    fn outcome(&self) -> Option<(Outcome, Time)> {
        if let Some(at) = self.queue.livelock_at() {
            return Some((Outcome::Timeout, at));
        }
        self.revisions.outcome(self.complete_at)
    }
}
