//! The Kubernetes StatefulSet controller, after `kubernetes/kubernetes:pkg/controller/statefulset`
//! v1.30 (`stateful_set_control.go` `updateStatefulSet`, `processReplica`,
//! `processCondemned`, `updateStatefulSetAfterInvariantEstablished`,
//! `completeRollingUpdate`; `stateful_set_utils.go` `newVersionedStatefulSetPod`,
//! `isHealthy`, `getStatefulSetMaxUnavailable`), and `kubectl rollout status statefulset`
//! (`kubernetes/kubectl:pkg/polymorphichelpers/rollout_status.go`,
//! `StatefulSetStatusViewer`).
//!
//! A StatefulSet's pods have stable identities: pod `i` (its ordinal) is always the
//! cluster's slot `i`, and a replaced pod is created again under the same name only once
//! the old one is gone — deleted *and* exited (a deleted pod stays listed until it is
//! terminal). Pods are placed by kube-scheduler like a Deployment's.
//!
//! Like the Deployment controller, it is a reconcile function run at the end of each
//! simulated instant ([`Controller::settle`]) whenever a pod it watches changed, until a
//! sync changes nothing. One sync ([`sync`]):
//!
//! * every ordinal below `replicas`, lowest first (`processReplica`): a missing pod is
//!   created — of the current revision below `partition`, of the update revision from it —
//!   and with `OrderedReady` the sync ends there, as it does at the first pod being
//!   deleted, not Running and Ready, or not available `minReadySeconds` after; `Parallel`
//!   creates every missing pod and waits for none;
//! * pods above `replicas` (after a scale-down), highest first (`processCondemned`): with
//!   `OrderedReady` one is deleted a sync, once every lower pod is Running, Ready and
//!   available (except the first unhealthy one), and the sync waits while one is being
//!   deleted; `Parallel` deletes them all;
//! * the update, from the highest ordinal down to `partition`: the first pod of another
//!   revision is deleted, and the sync stops at the first pod not Running and Ready
//!   (`isHealthy`), so one pod is replaced at a time. With `maxUnavailable` (the
//!   `MaxUnavailableStatefulSet` gate, `updateStatefulSetAfterInvariantEstablished`):
//!   as many old pods as `maxUnavailable` minus the unhealthy pods among all `replicas`,
//!   highest first;
//! * the status: once every listed pod is updated and Ready, the update revision becomes
//!   the current one (`completeRollingUpdate`). The rollout is complete when `kubectl
//!   rollout status statefulset` says so: `readyReplicas` at least `replicas` and
//!   `updatedReplicas` at least `replicas − partition` (`partitioned roll out complete`).
//!
//! A StatefulSet has no progress deadline: a pod that never becomes Ready stops the
//! rollout for good, and it ends at the horizon as `timeout`. So does `rollout: undo`
//! after such a pod with `OrderedReady`: the sync waits at that pod before it reaches the
//! update, which the upstream documentation calls a forced rollback (the broken pod must
//! be deleted by hand); with `Parallel` the undo replaces it. Controls: `rollout: update`,
//! `undo` (to the previous revision or `to_revision`), `restart` and `scale`; a StatefulSet has no
//! `spec.paused`.

pub(crate) mod entry;
mod ordinals;
mod sync;

use super::{Controller, NoTimer};
use crate::cluster::node_drain::BudgetPods;
use crate::cluster::{Cluster, Notice, SOLE_OWNER, StartGate, StateSet, TaskId};
use crate::result::Outcome;
use crate::scenario::{ActionKind, CURRENT, StatefulSetStrategy};
use crate::sim::time::Time;
use crate::strategy::kubernetes::controller_revisions::{
    Applied, ControllerRevisions, live_templates,
};
use crate::strategy::kubernetes::replicaset::PodTemplate;
use crate::strategy::kubernetes::sync_limit;
use crate::strategy::kubernetes::sync_loop::SyncLoop;
use ordinals::{Basis, Ordinals};

/// The StatefulSet controller of one trial.
pub struct StatefulSet<'s> {
    cfg: &'s StatefulSetStrategy,
    /// `spec.replicas`.
    replicas: u32,
    /// Ordinals that have had a pod this trial: pods at `replicas..ordinals` are condemned.
    ordinals: u32,
    /// Its ControllerRevisions; the template in force is the update revision.
    revisions: ControllerRevisions,
    /// `status.currentRevision`: the template pods below `partition` are created from.
    current: PodTemplate,
    /// The template each pod was created from, by task id.
    pod_template: Vec<PodTemplate>,
    /// The work queue: a sync is due, the livelock guard, and the pods changed since the
    /// sync last looked.
    queue: SyncLoop,
    /// What the sync read of each ordinal, and the sets of ordinals its steps ask about.
    views: Ordinals,
    /// When the rollout of the template in force completed (`None`: in progress).
    complete_at: Option<Time>,
}

/// The pod states the StatefulSet reacts to, a Deployment's: each one changes what a sync
/// reads (a pod Ready or not, available, being deleted, gone).
const OBSERVED: StateSet = StateSet::POD_SYNC;

impl<'s> StatefulSet<'s> {
    /// A controller for these settings.
    pub fn new(cfg: &'s StatefulSetStrategy) -> StatefulSet<'s> {
        StatefulSet {
            cfg,
            replicas: 0,
            ordinals: 0,
            revisions: ControllerRevisions::default(),
            current: PodTemplate::of(CURRENT),
            pod_template: Vec::new(),
            queue: SyncLoop::new(OBSERVED, "StatefulSet"),
            views: Ordinals::default(),
            complete_at: None,
        }
    }

    /// The update revision: the template in force.
    fn update(&self) -> PodTemplate {
        self.revisions.template()
    }

    /// Create pod `ordinal` (`newVersionedStatefulSetPod`): of the current revision below
    /// the partition, of the update revision from it. The views are then read again, as the
    /// rest of the sync reads the pod.
    fn create_pod(&mut self, cl: &mut Cluster, ordinal: u32) {
        let t = if ordinal < self.cfg.partition {
            self.current
        } else {
            self.update()
        };
        let id = cl.create_task(ordinal, t.version, SOLE_OWNER, StartGate::Now);
        self.ordinals = self.ordinals.max(ordinal + 1);
        crate::cluster::task::set_at(&mut self.pod_template, id, t, t);
        self.queue.touch(id);
        self.refresh(cl);
    }

    /// Delete pod `id`; the views are then read again, as the rest of the sync reads it.
    fn delete_pod(&mut self, cl: &mut Cluster, id: TaskId) {
        cl.stop_task(id);
        self.queue.touch(id);
        self.refresh(cl);
    }

    /// Bring the views up to date with the pods changed since the last look: the notices
    /// and evictions waiting, and the pods the sync itself created or deleted.
    fn refresh(&mut self, cl: &mut Cluster) {
        self.queue.absorb(cl);
        let basis = Basis {
            replicas: self.replicas,
            update: self.update(),
        };
        let span = self.replicas.max(self.ordinals);
        (self.views).refresh(cl, &mut self.queue, basis, span, &self.pod_template);
    }

    /// The spec changed (a template, a scale): its rollout begins.
    fn rollout_begins(&mut self) {
        self.complete_at = None;
        self.queue.dirty = true;
    }
}

impl Controller for StatefulSet<'_> {
    /// None: every sync it needs follows a pod notice, and a pod becoming available
    /// `minReadySeconds` after Ready arrives as one (upstream's requeue after
    /// `minReadySeconds` is its guard against missing that).
    type Timer = NoTimer;

    fn start(&mut self, cl: &mut Cluster) {
        cl.observe_only(OBSERVED);
        cl.set_min_ready(self.cfg.min_ready);
        self.replicas = cl.scenario.service.replicas;
        self.ordinals = self.replicas;
        self.current = PodTemplate::of(CURRENT);
        self.complete_at = None;
        self.views.invalidate();
        // The Deployment's guard: a sync that acts creates or deletes a few pods of an
        // ordinal an instant at most, so reaching it means the syncs oscillate.
        self.queue.reset(sync_limit(self.replicas));
        // The StatefulSet as it was before the rollout: pods 0..replicas serving.
        if self
            .revisions
            .start(cl, self.replicas, &mut self.pod_template)
        {
            self.rollout_begins();
        }
    }

    fn on_task(&mut self, _cl: &mut Cluster, notice: Notice) {
        self.queue.on_notice(notice);
    }

    fn on_timer(&mut self, _cl: &mut Cluster, NoTimer: NoTimer) {}

    /// `rollout: update`, `undo [to_revision]`, `restart` and `scale`; the
    /// others are refused when the scenario is loaded: a StatefulSet has no
    /// `spec.paused`, and no Argo Rollouts or loadtester controls.
    fn on_action(&mut self, cl: &mut Cluster, action: &ActionKind) {
        if let ActionKind::Scale(n) = *action {
            // `kubectl scale statefulset`: the syncs create or delete pods to match, and
            // `kubectl rollout status` waits for the new spec to be observed and its pods
            // Ready, so the rollout's completion is read again.
            self.replicas = n;
            self.queue.raise_limit(sync_limit(n));
            self.rollout_begins();
        } else {
            let mut live = live_templates(cl, &self.pod_template);
            live.push(self.current);
            if self
                .revisions
                .act(cl, action, "StatefulSet", &|t| live.contains(&t))
                == Applied::Changed
            {
                self.rollout_begins();
            }
        }
    }

    /// Sync until a sync changes nothing, as the work queue does once every creation and
    /// deletion is observed; a chain longer than the livelock guard ends the trial.
    fn settle(&mut self, cl: &mut Cluster) {
        while self.queue.due(cl) {
            self.sync(cl);
        }
    }

    /// Every pod, of the StatefulSet's `spec.replicas`, as scale actions leave it
    /// (`getExpectedScale`).
    fn disruption_budget(&self, _cluster: &Cluster) -> BudgetPods {
        BudgetPods::every(self.replicas)
    }

    fn outcome(&self) -> Option<(Outcome, Time)> {
        if let Some(at) = self.queue.livelock_at() {
            return Some((Outcome::Timeout, at));
        }
        self.revisions.outcome(self.complete_at)
    }
}
