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
//! A DaemonSet has no progress deadline: a rollout that never completes ends at the
//! horizon as `timeout`. Controls: `rollout: update`, `rollout: undo` (to the previous
//! revision, as `kubectl rollout undo daemonset`) and `rollout: restart`; a DaemonSet has
//! no `spec.paused` and no scale.

pub(crate) mod entry;
mod sync;

use super::{Controller, NoTimer};
use crate::cluster::{Cluster, Notice, StateSet, TaskId};
use crate::result::Outcome;
use crate::scenario::{ActionKind, CURRENT, DaemonSetStrategy, NEXT};
use crate::sim::time::Time;
use crate::strategy::kubernetes::replicaset::PodTemplate;
use crate::strategy::kubernetes::{sync_limit, trace_livelock};

/// Why the current template is in force: a rollout's completion is `completed` or
/// `rolled_back` by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Update,
    Undo,
}

/// The DaemonSet controller of one trial.
pub struct DaemonSet<'s> {
    cfg: &'s DaemonSetStrategy,
    /// `desiredNumberScheduled`: the nodes that should run a pod (the scenario's
    /// `service.replicas`, sized from the nodes).
    nodes: u32,
    /// `(maxSurge, maxUnavailable)` as pod counts of [`DaemonSet::nodes`].
    fenceposts: (u32, u32),
    /// The pod template in force.
    template: PodTemplate,
    /// Why it is in force.
    origin: Origin,
    /// The templates the DaemonSet has had (its ControllerRevisions), least recent
    /// first, each once: a template used again is renumbered to the newest revision
    /// (`constructHistory`).
    history: Vec<PodTemplate>,
    /// `kubectl rollout restart`s so far: the stamp of the next one.
    restarts: u32,
    /// The template each pod was created from, by task id.
    pod_template: Vec<PodTemplate>,
    /// A sync is due (a watched pod changed, or the last sync acted).
    dirty: bool,
    /// Random picks of nodes so far in the trial (a sync's `rollingUpdate` with more
    /// candidates than room): keys each one's draw.
    picks: u32,
    /// When the rollout of the template in force completed (`None`: in progress).
    complete_at: Option<Time>,
    /// Syncs allowed in one instant.
    sync_limit: u32,
    /// The instant the sync loop was found not to converge (the trial ends there).
    livelock_at: Option<Time>,
    notices: Vec<Notice>,
    /// Scratch of a sync: nodes (slots) or pods (task ids) by what it does with them.
    candidates: Vec<u32>,
    replace: Vec<u32>,
    deletes: Vec<TaskId>,
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
            template: PodTemplate::of(CURRENT),
            origin: Origin::Update,
            history: Vec::new(),
            restarts: 0,
            pod_template: Vec::new(),
            dirty: false,
            picks: 0,
            complete_at: None,
            sync_limit: sync_limit(0),
            livelock_at: None,
            notices: Vec::new(),
            candidates: Vec::new(),
            replace: Vec::new(),
            deletes: Vec::new(),
        }
    }

    /// The template pod `id` was created from.
    fn template_of(&self, id: TaskId) -> PodTemplate {
        self.pod_template[id as usize]
    }

    /// Create a pod of the template in force on `slot`'s node.
    fn create_pod(&mut self, cl: &mut Cluster, slot: u32) {
        let id = cl.create_task(slot, self.template.version, crate::cluster::StartGate::Now);
        self.record_pod(id);
    }

    fn record_pod(&mut self, id: TaskId) {
        let i = id as usize;
        if self.pod_template.len() <= i {
            self.pod_template.resize(i + 1, self.template);
        }
        self.pod_template[i] = self.template;
    }

    /// A new template: a rollout of it begins.
    fn change_template(&mut self, cl: &mut Cluster, t: PodTemplate, origin: Origin) {
        self.template = t;
        self.origin = origin;
        self.history.retain(|&h| h != t);
        self.history.push(t);
        self.complete_at = None;
        self.dirty = true;
        let what = match origin {
            Origin::Update => "updating",
            Origin::Undo => "rollback_started",
        };
        cl.trace_update(what, || None);
    }

    /// `kubectl rollout undo daemonset`: back to the revision before the one in force
    /// (`DaemonSetRollbacker`: the highest revision below the current one).
    fn undo(&mut self, cl: &mut Cluster) {
        match self.history.len().checked_sub(2).map(|i| self.history[i]) {
            Some(previous) => self.change_template(cl, previous, Origin::Undo),
            None => cl.trace_update("rollback_refused", || {
                Some("no rollout history found for the DaemonSet".into())
            }),
        }
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
        self.template = PodTemplate::of(CURRENT);
        self.origin = Origin::Update;
        self.history.clear();
        self.history.push(self.template);
        self.restarts = 0;
        self.pod_template.clear();
        self.picks = 0;
        self.complete_at = None;
        self.livelock_at = None;
        // The Deployment's guard, one pod a node: a sync that acts creates or deletes pods,
        // a few a node an instant at most, so reaching it means the syncs oscillate.
        self.sync_limit = sync_limit(self.nodes);
        // The DaemonSet as it was before the rollout: one serving pod on every node.
        let fleet = cl.create_serving_fleet(self.nodes, CURRENT);
        for id in fleet {
            self.record_pod(id);
        }
        self.dirty = false;
        if s.service.versions.len() > NEXT as usize {
            self.change_template(cl, PodTemplate::of(NEXT), Origin::Update);
        }
    }

    fn on_task(&mut self, _cl: &mut Cluster, notice: Notice) {
        self.dirty |= OBSERVED.contains(notice.state);
    }

    fn on_timer(&mut self, _cl: &mut Cluster, NoTimer: NoTimer) {}

    fn on_action(&mut self, cl: &mut Cluster, action: &ActionKind) {
        match *action {
            ActionKind::Update(v) => {
                let t = PodTemplate {
                    version: v,
                    restart: self.template.restart,
                };
                if t != self.template && (v as usize) < cl.scenario.service.versions.len() {
                    self.change_template(cl, t, Origin::Update);
                }
            }
            ActionKind::Undo => self.undo(cl),
            ActionKind::Restart => {
                self.restarts += 1;
                let t = PodTemplate {
                    version: self.template.version,
                    restart: self.restarts,
                };
                self.change_template(cl, t, Origin::Update);
            }
            // Refused when the scenario is loaded: a DaemonSet has no `spec.paused`, no
            // scale, no revision numbers to go back to here, and no Argo Rollouts or
            // loadtester controls.
            ActionKind::UndoTo(_)
            | ActionKind::Pause
            | ActionKind::Resume
            | ActionKind::Scale(_)
            | ActionKind::Promote
            | ActionKind::PromoteFull
            | ActionKind::Abort
            | ActionKind::Retry
            | ActionKind::Gate(_)
            | ActionKind::RollbackGate(_) => {}
        }
    }

    /// Sync until a sync changes nothing, as the work queue does once every creation and
    /// deletion is observed; a chain longer than the livelock guard ends the trial.
    fn settle(&mut self, cl: &mut Cluster) {
        let mut syncs = 0;
        loop {
            while cl.has_notices() {
                let mut buf = std::mem::take(&mut self.notices);
                cl.take_notices(&mut buf);
                self.dirty |= buf.iter().any(|n| OBSERVED.contains(n.state));
                self.notices = buf;
            }
            if !self.dirty || self.livelock_at.is_some() {
                return;
            }
            if syncs >= self.sync_limit {
                self.livelock_at = Some(trace_livelock(cl, "DaemonSet", self.sync_limit));
                return;
            }
            self.dirty = false;
            syncs += 1;
            self.sync(cl);
        }
    }

    fn outcome(&self) -> Option<(Outcome, Time)> {
        if let Some(at) = self.livelock_at {
            return Some((Outcome::Timeout, at));
        }
        let at = self.complete_at?;
        Some(match self.origin {
            Origin::Update => (Outcome::Completed, at),
            Origin::Undo => (Outcome::RolledBack, at),
        })
    }
}

#[cfg(test)]
mod tests;
