//! The Kubernetes Deployment controller, after `kubernetes/kubernetes:pkg/controller/deployment`
//! (`sync.go`, `rolling.go`, `recreate.go`, `progress.go`, `rollback.go` at v1.32).
//!
//! The controller is a reconcile function, not a precomputed sequence. Every relevant event
//! — a pod of the Deployment becoming Ready, NotReady, available, restarting or gone, a
//! ReplicaSet spec change, a status change, the progress-deadline requeue, a user action —
//! marks it dirty; at the end of the simulated instant ([`Controller::settle`]), once every
//! event of that instant has been applied, it syncs, like the controller's work queue
//! coalescing keys. A sync that changes a ReplicaSet or the status dirties it again (the
//! ReplicaSet and Deployment update events upstream), so it syncs again in the same instant
//! until nothing changes.
//!
//! One sync (`syncDeployment` → `rolloutRolling` / `rolloutRecreate`, in
//! `sync_deployment.rs`):
//!
//! * RollingUpdate ([`rolling`]): find or create the new ReplicaSet (`new_rs.rs`, created
//!   with `NewRSNewReplicas`), then **at most one** of: scale the new ReplicaSet up
//!   (`reconcileNewReplicaSet`), or scale old ones down (`reconcileOldReplicaSets`:
//!   unhealthy old pods cleaned up first, then by availability). The first sync of a
//!   rollout creates the new ReplicaSet *and* scales old ones down, because the scale-up
//!   is already done by the creation.
//! * Recreate ([`recreate`]): old ReplicaSets to 0; wait until no old pod is left,
//!   terminating ones included; then the new ReplicaSet at full size.
//! * the ReplicaSet controller ([`replicaset`]) creates or deletes pods to match;
//! * `syncRolloutStatus` (`rollout_status.rs`, by the rules of [`progress`]): status, the
//!   Progressing condition, the deadline and its requeue.
//!
//! The arithmetic reads `spec.replicas` for "how many pods exist" and
//! `status.availableReplicas` for availability (`util/deployment_util.go`
//! `GetReplicaCountForReplicaSets`, `GetAvailableReplicaCountForReplicaSets`); terminating
//! pods count in neither, so the real number of pods (and resources held) can exceed
//! `replicas + maxSurge`.
//!
//! Outcome ([`state::RolloutState`]): `completed` at the first instant
//! `DeploymentComplete` holds (updated == replicas, status.replicas == replicas,
//! available == replicas; terminating pods excluded), `rolled_back` if that completion is
//! of an `undo` (or `autoRollback`), `paused` when an undo names a revision no longer
//! listed. The progress deadline is only a condition: a trial that never completes but
//! exceeded it ends at the horizon with `deadline_exceeded`, otherwise `timeout`.
//!
//! Extension (not upstream, like Argo Rollouts' abort or Helm's `--atomic`):
//! `autoRollback: true` performs `kubectl rollout undo` when the progress deadline is
//! exceeded. Upstream has no automatic rollback anywhere: `rollback.go` only serves the
//! deprecated rollback annotation, and `kubectl rollout undo` is a client-side template
//! patch (`kubernetes/kubectl:pkg/polymorphichelpers/rollback.go`).
//!
//! Rollout controls ([`controls`]): `rollout: pause` / `resume` (`spec.paused`: while
//! paused a sync only scales proportionally and cleans up, the progress deadline does
//! not count), `rollout: restart` (a new template, same image), `rollout: undo` with an
//! optional `to_revision` ([`revisions`]: numbering, `revisionHistoryLimit` cleanup) and
//! `scale: N` (a scaling event: [`proportional`] scaling of every active ReplicaSet).

pub mod controller_revisions;
pub mod controls;
pub(crate) mod entry;
pub mod fenceposts;
mod new_rs;
#[cfg(test)]
mod oracle;
pub mod progress;
pub mod proportional;
pub mod rank_key;
pub mod ranking;
pub mod recreate;
pub mod replicaset;
pub mod revisions;
pub mod rolling;
mod rollout_status;
pub mod slot_set;
pub mod state;
mod sync_deployment;
pub mod sync_loop;
mod sync_path;

use super::{Controller, Metrics};
use crate::cluster::node_drain::BudgetPods;
use crate::cluster::{Cluster, Notice, StateSet};
use crate::result::Outcome;
use crate::scenario::{ActionKind, CURRENT, DeploymentStrategy, KubernetesStrategy, NEXT};
use crate::sim::engine::SingleValue;
use crate::sim::time::Time;
use progress::{Progressing, Reason, Status};
use ranking::Ranking;
use replicaset::{PodTemplate, ReplicaSet, RsStatus};
use rolling::RsCounts;
use state::{Origin, RequeueTimers, RolloutState, WorkQueue};

/// The livelock guard: syncs one instant may take, per replica (plus
/// [`SYNC_LIMIT_BASE`]). The controller syncs until nothing changes (its fixed point); a
/// sync that changes something moves a ReplicaSet spec one way (new up, old down) or a
/// pod count, so an instant needs about two syncs per replica at most — 200 for 100
/// replicas at maxSurge 1 with instant readiness (`rolloutRolling` makes one scale a
/// sync, so each pod takes one step up and one down). Reaching 16 per replica means the
/// syncs oscillate: the trial ends `timeout` at that instant, with a `sync_livelock`
/// update in the trace, instead of stopping short silently.
const SYNCS_PER_REPLICA_LIMIT: u32 = 16;
/// See [`SYNCS_PER_REPLICA_LIMIT`].
const SYNC_LIMIT_BASE: u32 = 64;

/// The livelock guard for `replicas` pods ([`SYNCS_PER_REPLICA_LIMIT`]); a DaemonSet's
/// (one pod a node) and a StatefulSet's too.
pub(crate) fn sync_limit(replicas: u32) -> u32 {
    SYNC_LIMIT_BASE.saturating_add(SYNCS_PER_REPLICA_LIMIT.saturating_mul(replicas))
}

/// The livelock guard of `workload`'s controller tripped after `limit` syncs in one
/// instant: the `sync_livelock` update in the trace; the trial ends `timeout` now.
#[cold]
pub(crate) fn trace_livelock(cl: &mut Cluster, workload: &str, limit: u32) -> Time {
    cl.trace_update("sync_livelock", || {
        Some(format!(
            "the {workload} did not settle after {limit} syncs in one instant; the trial ends as timeout"
        ))
    });
    cl.now()
}

/// The Deployment controller of one trial.
pub struct Deployment<'s> {
    cfg: &'s KubernetesStrategy,
    /// `spec.replicas` (set through [`Deployment::set_replicas`]).
    replicas: u32,
    /// `(MaxSurge, MaxUnavailable)` of [`Deployment::replicas`], kept with it: every sync
    /// reads them, and they change only with the spec.
    fenceposts: (u32, u32),
    /// `spec.replicas` was scaled since the trial began. Until then every ReplicaSet's
    /// `desired-replicas` annotation, written with the replicas in force, is
    /// [`Deployment::replicas`], so no sync is a scaling event ([`Deployment::is_scaling_event`]).
    rescaled: bool,
    /// The pod template: which version new pods run, and its restart stamp.
    template: PodTemplate,
    /// `spec.paused`.
    paused: bool,
    /// `kubectl rollout restart`s so far: the stamp of the next one.
    restarts: u32,
    /// The stored status has observed the Deployment's spec (`observedGeneration ==
    /// generation`); every spec change (template, replicas, paused) clears it until the
    /// next sync stores a status.
    observed: bool,
    /// Where the rollout of the template in force stands.
    state: RolloutState,
    /// The first instant of the trial the progress deadline was exceeded, whatever
    /// template was in force: a record beside [`Deployment::state`], not a state (the
    /// rollout goes on past it; see [`state`]). The `deadline_exceeded_s` column, and the
    /// `deadline_exceeded` outcome of a trial that reaches the horizon.
    deadline_exceeded_at: Option<Time>,
    /// ReplicaSets in creation order (`ReplicaSetsByCreationTimestamp`).
    sets: Vec<ReplicaSet>,
    /// The new ReplicaSet as [`Deployment::find_or_create_new_rs`] last found it, brought
    /// to its revision (`None`: look for it). Every sync asks, and what the answer reads —
    /// the template, which sets are listed, their revisions — changes only where this is
    /// cleared (a new template, a cleanup) or set (a new set).
    new_rs: Option<usize>,
    /// Their status at the start of the current sync.
    statuses: Vec<RsStatus>,
    /// When [`Deployment::statuses`] were read: the cluster's count of changes to the
    /// wanted counts ([`Cluster::wanted_changes`]) and how many ReplicaSets there were.
    /// While both stay, a read finds the same statuses (each counts wanted, Ready and
    /// available pods, which move only with the wanted counts), so it is skipped.
    statuses_read: Option<(u64, usize)>,
    /// `d.status` as last stored.
    status: Status,
    /// The Progressing condition.
    cond: Option<Progressing>,
    /// The Deployment's key in the work queue: a sync due, a requeue pending.
    queue: WorkQueue,
    /// Its requeue timers (only the earliest in the event queue).
    timers: RequeueTimers,
    /// A ReplicaSet spec changed in the current sync.
    scaled: bool,
    /// The current sync changed something that queues no sync of its own (pods created or
    /// deleted, a ReplicaSet created, renumbered, deleted or annotated anew), or the spec
    /// changed.
    touched: bool,
    /// The Deployment is at rest: the last sync changed nothing, and nothing it reads has
    /// changed since but the pods' counts and the time ([`Deployment::at_rest`]).
    rest: bool,
    /// While [`Deployment::rest`], an instant before which [`Deployment::at_rest`] is
    /// known to hold (0: not known), so that the syncs of an instant at rest, and of the
    /// next ones, skip the check until the progress deadline's clock can change its answer
    /// ([`Deployment::rest_until`]).
    rest_until: Time,
    /// The Deployment is quiet: the last sync rolled (RollingUpdate, not paused, no
    /// scaling event) and changed neither a spec nor a pod nor a ReplicaSet, and nothing
    /// it reads has changed since but the pods' counts, the time and what it wrote itself
    /// (the status, the condition, the outcome, the requeue). See [`Deployment::sync`].
    quiet: bool,
    /// The statuses the last sync read, while [`Deployment::rest`] or
    /// [`Deployment::quiet`]: kept by debug builds only, which check against them that a
    /// sync tells them from the statuses it reads ([`Deployment::sync`]).
    read_statuses: Vec<RsStatus>,
    /// Scratch of a rolling sync: the old ReplicaSets' counts, and their indices.
    counts: Vec<RsCounts>,
    old: Vec<usize>,
    /// The pod deletion order of every ReplicaSet.
    ranking: Ranking,
    notices: Vec<Notice>,
    /// Syncs allowed in one instant before it counts as a livelock.
    sync_limit: u32,
    /// The instant the sync loop was found not to converge (the trial ends there).
    livelock_at: Option<Time>,
}

impl<'s> Deployment<'s> {
    /// A controller for these settings.
    pub fn new(cfg: &'s KubernetesStrategy) -> Deployment<'s> {
        Deployment {
            cfg,
            replicas: 0,
            fenceposts: (0, 0),
            rescaled: false,
            template: PodTemplate::of(CURRENT),
            paused: false,
            restarts: 0,
            observed: true,
            state: RolloutState::Progressing(Origin::Update),
            deadline_exceeded_at: None,
            sets: Vec::new(),
            new_rs: None,
            statuses: Vec::new(),
            statuses_read: None,
            status: Status::default(),
            cond: None,
            queue: WorkQueue::default(),
            timers: RequeueTimers::default(),
            scaled: false,
            touched: false,
            rest: false,
            rest_until: 0,
            quiet: false,
            read_statuses: Vec::new(),
            counts: Vec::new(),
            old: Vec::new(),
            ranking: Ranking::default(),
            notices: Vec::new(),
            sync_limit: sync_limit(0),
            livelock_at: None,
        }
    }

    /// `(new ReplicaSet spec, Σ old ReplicaSet specs)`.
    pub fn specs(&self) -> (u32, u32) {
        let mut new = 0;
        let mut old = 0;
        for rs in self.sets.iter().filter(|rs| !rs.deleted) {
            if rs.template() == self.template {
                new += rs.spec;
            } else {
                old += rs.spec;
            }
        }
        (new, old)
    }

    /// The revision of every ReplicaSet still listed (`None`: deleted by cleanup), in
    /// creation order.
    pub fn revisions(&self) -> Vec<Option<u32>> {
        self.sets
            .iter()
            .map(|rs| (!rs.deleted).then_some(rs.revision))
            .collect()
    }

    /// `spec.replicas`.
    pub fn replicas(&self) -> u32 {
        self.replicas
    }

    /// A new `spec.replicas`, and the fenceposts that follow from it.
    fn set_replicas(&mut self, replicas: u32) {
        self.replicas = replicas;
        self.fenceposts = (
            fenceposts::max_surge(&self.cfg.kind, replicas),
            fenceposts::max_unavailable(&self.cfg.kind, replicas),
        );
    }

    /// The stored Deployment status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// `(desired-replicas, max-replicas)` annotations for the current spec
    /// (`SetReplicasAnnotations`).
    fn replica_annotations(&self) -> (u32, u32) {
        (
            self.replicas,
            self.replicas.saturating_add(self.fenceposts.0),
        )
    }

    /// `scaleReplicaSetAndRecordEvent`: a new size (and the replica annotations with it).
    fn set_spec(&mut self, rs: usize, spec: u32) {
        if self.sets[rs].spec != spec {
            self.sets[rs].spec = spec;
            self.annotate(rs);
            self.scaled = true;
        }
    }

    fn annotate(&mut self, rs: usize) {
        let (desired, max) = self.replica_annotations();
        let set = &mut self.sets[rs];
        self.touched |= (set.desired, set.max_replicas) != (desired, max);
        set.desired = desired;
        set.max_replicas = max;
    }

    /// A new template: a new rollout begins, of this origin.
    fn change_template(&mut self, template: PodTemplate, origin: Origin) {
        self.template = template;
        self.new_rs = None;
        self.state = RolloutState::Progressing(origin);
        self.spec_changed();
    }

    /// A spec change: the controller syncs, and the stored status is stale.
    fn spec_changed(&mut self) {
        self.observed = false;
        self.touched = true;
        self.rest = false;
        self.quiet = false;
        self.queue.add();
    }

    /// A pod notice: bookkeeping, and whether the Deployment must sync.
    ///
    /// `Terminating` counts: a pod deleted by someone else than its ReplicaSet (the taint
    /// manager evicting it from a lost node) leaves the active pods, and the ReplicaSet
    /// controller, which watches pod updates (`replica_set.go updatePod`: a set
    /// `deletionTimestamp` enqueues the owner), replaces it at once, not at the next
    /// progress-deadline requeue.
    fn notice(&mut self, n: Notice) {
        let Some(rs) = self.ranking.owner(n.task) else {
            return;
        };
        if n.state.is_terminal() {
            // A task reaches Stopped or Failed once.
            self.sets[rs].live -= 1;
            if matches!(self.cfg.kind, DeploymentStrategy::Recreate) {
                self.rest = false; // Recreate reads the live pods
            }
        }
        if OBSERVED.contains(n.state) {
            self.queue.add();
        }
    }
}

/// The pod states the Deployment reacts to ([`Deployment::notice`]: each dirties it, the
/// terminal ones also leave the live count); the cluster makes no notice of the others
/// (pending, pulling, prepared, starting), whose only effect would be the owner lookup.
const OBSERVED: StateSet = StateSet::POD_SYNC;

/// The Deployment controller's one timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// The key is requeued for the progress deadline (`requeueStuckDeployment`).
    Requeue,
}

impl SingleValue for Timer {
    const VALUE: Timer = Timer::Requeue;
}

impl Controller for Deployment<'_> {
    type Timer = Timer;

    fn start(&mut self, cl: &mut Cluster) {
        cl.observe_only(OBSERVED);
        cl.set_min_ready(self.cfg.min_ready);
        let s = cl.scenario;
        self.set_replicas(s.service.replicas);
        self.rescaled = false;
        self.template = PodTemplate::of(CURRENT);
        self.paused = false;
        self.restarts = 0;
        self.observed = true;
        self.state = RolloutState::Progressing(Origin::Update);
        self.deadline_exceeded_at = None;
        self.sets.clear();
        self.new_rs = None;
        self.statuses.clear();
        self.statuses_read = None;
        self.queue = WorkQueue::default();
        self.timers.clear();
        self.rest = false;
        self.rest_until = 0;
        self.quiet = false;
        self.livelock_at = None;
        self.sync_limit = sync_limit(self.replicas);
        // The Deployment as it was before the rollout: one complete ReplicaSet.
        self.ranking.reset(cl);
        let rs = ReplicaSet::serving(
            cl,
            self.template,
            self.replicas,
            self.replica_annotations(),
            0,
            &mut self.ranking,
        );
        let st = rs.status(cl);
        self.sets.push(rs);
        self.status = Status {
            replicas: st.replicas,
            updated: st.replicas,
            ready: st.ready,
            available: st.available,
        };
        self.cond = self.cfg.progress_deadline.map(|_| Progressing {
            reason: Reason::NewReplicaSetAvailable,
            last_update: 0,
        });
        // `kubectl set image`: the template changes to `next`.
        if s.service.versions.len() > NEXT as usize {
            self.change_template(PodTemplate::of(NEXT), Origin::Update);
            cl.trace_update("updating", || None);
        }
    }

    fn on_task(&mut self, _cl: &mut Cluster, notice: Notice) {
        self.notice(notice);
    }

    fn on_timer(&mut self, cl: &mut Cluster, Timer::Requeue: Timer) {
        self.queue.requeue_fired(cl.now());
        self.rest_until = 0; // the check reads the requeue
        if let Some(at) = self.timers.fired() {
            cl.set_timer(at, Timer::Requeue);
        }
    }

    fn on_action(&mut self, cl: &mut Cluster, action: &ActionKind) {
        self.rest = false;
        self.quiet = false;
        self.act(cl, action);
    }

    /// Sync until the Deployment reaches its fixed point for this instant: upstream's syncs
    /// are idempotent and each change requeues the key, so a chain of syncs ends only when
    /// one changes nothing. A chain longer than the livelock guard ends the trial.
    fn settle(&mut self, cl: &mut Cluster) {
        let mut syncs = 0;
        loop {
            while cl.has_notices() {
                let mut buf = std::mem::take(&mut self.notices);
                cl.take_notices(&mut buf);
                for &n in &buf {
                    self.notice(n);
                }
                self.notices = buf;
            }
            let ended = self.livelock_at.is_some() || self.state.undo_failed_at().is_some();
            if !self.queue.is_queued() || ended {
                return;
            }
            if syncs >= self.sync_limit {
                self.livelock_at = Some(trace_livelock(cl, "Deployment", self.sync_limit));
                return;
            }
            self.queue.take();
            syncs += 1;
            self.sync(cl);
        }
    }

    fn outcome(&self) -> Option<(Outcome, Time)> {
        if let Some(at) = self.livelock_at {
            return Some((Outcome::Timeout, at));
        }
        match self.state {
            RolloutState::Progressing(_) => None,
            RolloutState::Complete {
                at,
                origin: Origin::Update,
            } => Some((Outcome::Completed, at)),
            RolloutState::Complete {
                at,
                origin: Origin::Undo,
            } => Some((Outcome::RolledBack, at)),
            RolloutState::UndoFailed { at } => Some((Outcome::Paused, at)),
        }
    }

    fn timeout_outcome(&self) -> Outcome {
        if self.paused && self.livelock_at.is_none() {
            // `spec.paused` at the horizon: the rollout waits for `rollout resume`.
            Outcome::Paused
        } else if self.deadline_exceeded_at.is_some() && self.livelock_at.is_none() {
            Outcome::DeadlineExceeded
        } else {
            Outcome::Timeout
        }
    }

    /// Every pod (both ReplicaSets' carry the app label), of the Deployment's
    /// `spec.replicas`, as scale actions leave it.
    fn disruption_budget(&self, _cluster: &Cluster) -> BudgetPods {
        BudgetPods::every(self.replicas)
    }

    fn metrics(&self) -> Metrics {
        Metrics {
            update_failures: None,
            deadline_exceeded_at: self.deadline_exceeded_at,
            aborted_at: None,
            dry_run_failed: None,
        }
    }
}

#[cfg(test)]
mod controls_tests;
#[cfg(test)]
mod tests;
