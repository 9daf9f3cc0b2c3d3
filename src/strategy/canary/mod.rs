//! Argo Rollouts' `canary` and `blueGreen` strategies, after `argoproj/argo-rollouts`
//! (`rollout/canary.go`, `rollout/trafficrouting.go`, `rollout/bluegreen.go`,
//! `rollout/service.go`, `rollout/pause.go`, `rollout/sync.go`, v1.10).
//!
//! A Rollout drives two plain ReplicaSets — the stable one (version `current`) and the
//! canary / preview one (`next`) — through the same ReplicaSet controller, pod ranking and
//! kubelet model as the Deployment controller ([`super::kubernetes`]), so pod readiness,
//! probes and `minReadySeconds` behave identically.
//!
//! Like the Deployment controller, the Rollout reconciles at the end of each simulated
//! instant until nothing changes. One reconcile (`rolloutCanary`): traffic weight first
//! (from the counts at the start of the reconcile, so the weight lags the pods by one
//! reconcile), then at most one ReplicaSet rescaled (stable first), then the pause and the
//! step completion. The arithmetic is [`replicas`], applied by `rollout_canary.rs`; blue-green
//! is [`bluegreen`].
//!
//! Traffic: with `trafficRouting` (and for blue-green's active Service) the controller
//! writes the share of requests each version receives ([`crate::traffic::routing`]);
//! without it the Service spans every ready pod, so the split is the replica ratio.
//!
//! Outcomes: `completed` at promotion (`status.stableRS` = the new ReplicaSet, with all
//! its pods available); `rolled_back` once an abort has finished — traffic back on the
//! stable version, the stable ReplicaSet fully available, and the canary scaled to 0
//! (after `abortScaleDownDelaySeconds`). An update past its progress deadline without
//! `progressDeadlineAbort` is only Degraded: it goes on, and ends `deadline_exceeded` at
//! the horizon if it never completes. A rollout still waiting for a human at the horizon
//! (an indefinite `pause` step, a blue-green pause without auto-promotion, an
//! Inconclusive analysis) ends `paused`; one whose pause or analysis is still timed ends
//! `timeout`.
//!
//! Times read back from the API are whole seconds. The controller compares the copy of
//! its status it reads from its informer, where a `metav1.Time` (a pause condition's
//! `startTime`, the `Progressing` condition's `lastUpdateTime`) is stored in whole seconds
//! (`k8s.io/apimachinery` `pkg/apis/meta/v1/time.go` `MarshalJSON`: RFC 3339;
//! `time_proto.go` `ProtoTime`: `Seconds` only), and the `scale-down-deadline` annotation
//! is written as `.UTC().Format(time.RFC3339)` (argo-rollouts 9f8d111
//! `rollout/replicaset.go:addScaleDownDelay`). So every timer of the Rollout counts from
//! [`api_stamp`] of the instant it started: a 60 s pause added at 12.4 s ends at 72 s.
//! Simulated time 0 falls on a whole second, as for a pod's Ready `lastTransitionTime`
//! (`minReadySeconds`, [`crate::sim::time::api_stamp`]).
//!
//! [`api_stamp`]: crate::sim::time::api_stamp

mod abort;
mod actions;
pub mod analysis;
pub mod bluegreen;
pub mod entry;
mod experiment;
mod progress;
mod promotion;
pub mod replicas;
mod rollout_canary;
mod route_table;
pub mod steps;
mod traffic_routing;

use super::kubernetes::ranking::Ranking;
use super::kubernetes::replicaset::{self, PodTemplate, ReplicaSet, RsStatus};
use super::{Controller, Due, Metrics};
use crate::analysis::Measure;
use crate::cluster::node_drain::BudgetPods;
use crate::cluster::{Cluster, Notice, TaskState};
use crate::result::Outcome;
use crate::scenario::rollout::{CanaryStep, RolloutKind, RolloutStrategy};
use crate::scenario::{ActionKind, CURRENT, NEXT};
use crate::sim::engine::SingleValue;
use crate::sim::time::{NEVER, Time};
use abort::Abort;
use analysis::Runs;
use experiment::Experiment;
use progress::ProgressStatus;
use replicas::RsState;
use route_table::RouteTable;

/// Index of the stable ReplicaSet in [`Rollout::sets`].
const STABLE: usize = 0;
/// Index of the canary (new, preview) ReplicaSet.
const CANARY: usize = 1;

/// Reconciles one instant may take, per replica (plus a base): beyond, the trial ends as
/// `timeout` instead of looping (see the Deployment controller's livelock guard).
const RECONCILES_PER_REPLICA: u32 = 16;
const RECONCILE_BASE: u32 = 64;

/// An Argo Rollout of one trial.
pub struct Rollout<'s> {
    cfg: &'s RolloutStrategy,
    n: u32,
    sets: Vec<ReplicaSet>,
    ranking: Ranking,
    /// A pod was deleted or ended since the ReplicaSet controller last looked: it
    /// replaces those deleted by others ([`replicaset::replace_deleted_pods`]).
    pods_left: bool,
    /// `status.currentStepIndex` (canary).
    step: usize,
    /// Start of the current pause condition (`CanaryPauseStep` / `BlueGreenPause`), as
    /// stored: whole seconds ([`api_stamp`](crate::sim::time::api_stamp)).
    pause_start: Option<Time>,
    /// The user promoted while paused (the pause condition was cleared).
    promoted_by_user: bool,
    /// `kubectl argo rollouts pause`: `spec.paused` (`haltProgress`: no canary scaling, no
    /// step completed, no new pause condition, no Service switch, no deadline) until a
    /// `promote` clears it.
    user_paused: bool,
    /// The abort raised and not retried, with who raised it and when it finished.
    abort: Option<Abort>,
    /// `status.promoteFull` (`kubectl argo rollouts promote --full`) until the promotion
    /// clears it (`promoteStable`).
    promote_full: bool,
    /// When the controller raised an abort that a full promote then removed: still a
    /// detection (the rollout did abort on its own).
    lifted_detection: Option<Time>,
    /// The `Progressing` condition still has the reason `RolloutAborted` an abort lifted by
    /// a full promote left it: `RolloutTimedOut` is false on it, until progress replaces it.
    aborted_condition: bool,
    /// The canary weight the router holds (`status.canary.weights.canary.weight`).
    weight: u32,
    /// Blue-green: the active Service selects the new ReplicaSet.
    switched: bool,
    /// `status.stableRS` became the new ReplicaSet.
    promoted_at: Option<Time>,
    /// The promoted ReplicaSet had every pod available (the outcome `completed`): at the
    /// promotion, or after it when `replicaProgressThreshold` promoted with pods still
    /// coming up (the Rollout's phase is then Progressing, "updated replicas are still
    /// becoming available", `CalculateRolloutPhase`, once the old stable is gone).
    settled_at: Option<Time>,
    /// `scale-down-deadline` of the ReplicaSet being retired (old stable after promotion,
    /// canary after an abort), whole seconds as the annotation holds it; `NEVER`: none.
    scale_down_at: Time,
    /// Last time the rollout progressed (the Progressing condition's `lastUpdateTime`), as
    /// stored: whole seconds.
    last_progress: Time,
    /// The status at the last progress check (`RolloutProgressing` compares the next
    /// one with it).
    progress_status: ProgressStatus,
    /// Whether the last progress check was made in a pause (so the next unpaused one is
    /// the resume).
    progress_paused: bool,
    deadline_exceeded_at: Option<Time>,
    /// The instant the progress deadline's requeue is set for.
    progress_timer: Time,
    dirty: bool,
    livelock_at: Option<Time>,
    notices: Vec<Notice>,
    /// The canary's AnalysisRuns.
    runs: Runs<'s>,
    /// The managed routes set by the canary's steps.
    routes: RouteTable,
    /// The Experiments of the `experiment` steps reached, oldest first (one is current
    /// at most; the others are over or cancelled, scaling down).
    experiments: Vec<Experiment<'s>>,
    /// The `InconclusiveExperiment` pause condition is in place.
    experiment_paused: bool,
}

impl<'s> Rollout<'s> {
    /// A controller for these settings.
    pub fn new(cfg: &'s RolloutStrategy) -> Rollout<'s> {
        Rollout {
            cfg,
            n: 0,
            sets: Vec::new(),
            ranking: Ranking::default(),
            pods_left: false,
            step: 0,
            pause_start: None,
            promoted_by_user: false,
            user_paused: false,
            abort: None,
            promote_full: false,
            lifted_detection: None,
            aborted_condition: false,
            weight: 0,
            switched: false,
            promoted_at: None,
            settled_at: None,
            scale_down_at: NEVER,
            last_progress: 0,
            progress_status: ProgressStatus::default(),
            progress_paused: false,
            deadline_exceeded_at: None,
            progress_timer: NEVER,
            dirty: false,
            livelock_at: None,
            notices: Vec::new(),
            runs: Runs::default(),
            routes: RouteTable::default(),
            experiments: Vec::new(),
            experiment_paused: false,
        }
    }

    fn status(&self, cl: &Cluster, rs: usize) -> RsStatus {
        self.sets[rs].status(cl)
    }

    fn state(&self, cl: &Cluster, rs: usize) -> RsState {
        RsState {
            spec: self.sets[rs].spec,
            available: self.status(cl, rs).available,
        }
    }

    /// Set a ReplicaSet's spec; the ReplicaSet controller creates or deletes pods.
    fn scale(&mut self, cl: &mut Cluster, rs: usize, spec: u32) -> bool {
        if self.sets[rs].spec == spec {
            return false;
        }
        self.sets[rs].spec = spec;
        replicaset::manage_replicas(cl, &mut self.sets, rs, &mut self.ranking);
        cl.trace_scale(|| (self.sets[CANARY].spec, self.sets[STABLE].spec));
        true
    }

    /// Whether a pause condition in place waits for a human, with no timer to end it
    /// (`rollout/pause.go:requiresManualAction`, which `rollout/sync.go:calculateStatusDuration`
    /// reads, argo-rollouts 9f8d111): an `InconclusiveAnalysis` pause; a canary's
    /// `CanaryPauseStep` at a `pause` step without `duration`; a `BlueGreenPause` with
    /// `autoPromotionEnabled: false`. A timed pause (`duration`, `autoPromotionSeconds`)
    /// ends on its own. A `promote` clears the condition (`promoted_by_user`); an abort
    /// clears them all.
    fn waits_for_human(&self) -> bool {
        if self.promoted_at.is_some() {
            return false;
        }
        // `CalculateRolloutPhase`: Paused, "manually paused", aborted or not.
        if self.user_paused {
            return true;
        }
        if self.abort.is_some() {
            return false;
        }
        if self.runs.inconclusive_pause() || self.experiment_paused {
            return true;
        }
        let paused = self.pause_start.is_some() && !self.promoted_by_user;
        paused
            && match &self.cfg.kind {
                RolloutKind::Canary(c) => {
                    matches!(c.steps.get(self.step), Some(CanaryStep::Pause(None)))
                }
                RolloutKind::BlueGreen(b) => !b.auto_promotion_enabled,
            }
    }

    /// One reconcile; `true` when it changed anything. Under `promoteFull` the status it
    /// ends with removes an abort it started with ([`Rollout::lift_abort`]).
    fn reconcile(&mut self, cl: &mut Cluster) -> bool {
        let cfg: &'s RolloutStrategy = self.cfg;
        let aborted = self.abort.is_some();
        let changed = match &cfg.kind {
            RolloutKind::Canary(c) => self.reconcile_canary(cl, c),
            RolloutKind::BlueGreen(b) => self.reconcile_blue_green(cl, b),
        };
        if aborted && self.promote_full && self.promoted_at.is_none() {
            self.lift_abort(cl);
            return true;
        }
        changed
    }
}

/// The Rollout's one timer: reconcile (a pause's end, a scale-down deadline, the
/// progress deadline's requeue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Reconcile now.
    Reconcile,
}

impl SingleValue for Timer {
    const VALUE: Timer = Timer::Reconcile;
}

impl Controller for Rollout<'_> {
    type Timer = Timer;

    fn start(&mut self, cl: &mut Cluster) {
        cl.set_min_ready(self.cfg.min_ready);
        let s = cl.scenario;
        self.n = s.service.replicas;
        *self = Rollout {
            n: self.n,
            sets: std::mem::take(&mut self.sets),
            ranking: std::mem::take(&mut self.ranking),
            notices: std::mem::take(&mut self.notices),
            ..Rollout::new(self.cfg)
        };
        self.sets.clear();
        self.ranking.reset(cl);
        let annotations = (self.n, self.n);
        let stable = ReplicaSet::serving(
            cl,
            PodTemplate::of(CURRENT),
            self.n,
            annotations,
            STABLE,
            &mut self.ranking,
        );
        self.sets.push(stable);
        self.sets.push(ReplicaSet::new(
            CANARY,
            PodTemplate::of(NEXT),
            0,
            2,
            annotations,
        ));
        self.route(cl, None);
        if let RolloutKind::BlueGreen(_) = self.cfg.kind {
            // The active Service selects the stable pods.
            self.route(cl, Some((0, 0.0)));
        } else if let RolloutKind::Canary(c) = &self.cfg.kind
            && c.traffic_routing.is_some()
        {
            self.route(cl, Some((0, 0.0)));
        }
        cl.trace_update("updating", || None);
        self.dirty = true;
    }

    fn on_task(&mut self, cl: &mut Cluster, n: Notice) {
        let version = cl.task(n.task).version;
        let Some(rs) = self.sets.iter().position(|rs| rs.version == version) else {
            return;
        };
        if n.state.is_terminal() {
            self.sets[rs].live -= 1;
        }
        if n.state.is_terminal() || n.state.is_terminating() {
            self.pods_left = true;
        }
        if matches!(
            n.state,
            TaskState::Ready
                | TaskState::Running
                | TaskState::BackOff
                | TaskState::Terminating
                | TaskState::Deleting
                | TaskState::Stopped
                | TaskState::Failed
        ) {
            self.dirty = true;
        }
    }

    fn on_timer(&mut self, _cl: &mut Cluster, Timer::Reconcile: Timer) {
        self.dirty = true;
    }

    fn on_action(&mut self, cl: &mut Cluster, action: &ActionKind) {
        self.act(cl, action);
    }

    fn settle(&mut self, cl: &mut Cluster) {
        let limit = RECONCILE_BASE.saturating_add(RECONCILES_PER_REPLICA.saturating_mul(self.n));
        let mut count = 0;
        loop {
            while cl.has_notices() {
                let mut buf = std::mem::take(&mut self.notices);
                cl.take_notices(&mut buf);
                for &n in &buf {
                    self.on_task(cl, n);
                }
                self.notices = buf;
            }
            if std::mem::take(&mut self.pods_left) {
                replicaset::replace_deleted_pods(cl, &mut self.sets, &mut self.ranking);
            }
            if !self.dirty || self.livelock_at.is_some() {
                return;
            }
            if count >= limit {
                self.livelock_at = Some(cl.now());
                cl.trace_update("sync_livelock", || {
                    Some(
                        "the Rollout did not settle in one instant; the trial ends as timeout"
                            .into(),
                    )
                });
                return;
            }
            count += 1;
            // A reconcile may also dirty the rollout itself (an abort it raised).
            self.dirty = false;
            if self.reconcile(cl) {
                self.dirty = true;
            }
        }
    }

    fn measurement_due(&self) -> Option<Due> {
        let experiments = self.experiments.iter().filter_map(Experiment::next_due);
        let at = self.runs.next_due().into_iter().chain(experiments).min()?;
        Some(Due {
            at,
            desired: [self.sets[CANARY].spec, self.sets[STABLE].spec],
        })
    }

    fn measure(&mut self, now: Time, source: &mut dyn Measure) {
        self.runs.measure(now, source);
        // Each Experiment binds the roles to its templates' pods.
        for e in &mut self.experiments {
            e.measure(now, source);
        }
        self.dirty = true;
    }

    fn outcome(&self) -> Option<(Outcome, Time)> {
        if let Some(at) = self.livelock_at {
            return Some((Outcome::Timeout, at));
        }
        if let Some(at) = self.abort.and_then(|a| a.rolled_back_at) {
            return Some((Outcome::RolledBack, at));
        }
        self.settled_at.map(|at| (Outcome::Completed, at))
    }

    /// `paused` when the rollout waits for a human ([`Rollout::waits_for_human`]): its
    /// phase is Paused, and the `Progressing` condition a timeout had set is replaced by
    /// `RolloutPaused` while a pause condition exists
    /// (`rollout/sync.go:calculateRolloutConditions`), so it wins over `deadline_exceeded`.
    fn timeout_outcome(&self) -> Outcome {
        if self.livelock_at.is_some() {
            Outcome::Timeout
        } else if self.waits_for_human() {
            Outcome::Paused
        } else if self.deadline_exceeded_at.is_some() {
            Outcome::DeadlineExceeded
        } else {
            Outcome::Timeout
        }
    }

    /// Every pod (each ReplicaSet's carry the app label), and what a PodDisruptionBudget's
    /// percentages and `maxUnavailable` are of: the disruption controller adds up the scale of each controller that owns one of the
    /// budget's pods (kubernetes/kubernetes `pkg/controller/disruption/disruption.go`
    /// `getExpectedScale`), and a ReplicaSet whose owner is not a Deployment — a Rollout's,
    /// an Experiment's — is its own controller, counted by its own `spec.replicas`
    /// (`getPodReplicaSet`). So the stable and the canary (or preview) ReplicaSet each
    /// count while they have a pod, terminating ones included: 6 stable and 3 canary
    /// pods are 9 expected, not the Rollout's 6, and a blue-green preview doubles them.
    fn disruption_budget(&self, _cluster: &Cluster) -> BudgetPods {
        BudgetPods::every(
            self.sets
                .iter()
                .filter(|rs| rs.live > 0)
                .map(|rs| rs.spec)
                .sum(),
        )
    }

    fn metrics(&self) -> Metrics {
        Metrics {
            update_failures: None,
            deadline_exceeded_at: self.deadline_exceeded_at,
            // A user's abort is not a detection; the first of the controller's (one a
            // `promote --full` or a `retry` lifted came before the current one) is when
            // the bad release was caught.
            aborted_at: Some(
                self.lifted_detection
                    .or(self.abort.and_then(Abort::detected_at)),
            ),
            dry_run_failed: self.cfg.has_dry_run().then_some(
                self.runs.dry_run_failed()
                    || self.experiments.iter().any(Experiment::dry_run_failed),
            ),
        }
    }
}

#[cfg(test)]
mod tests;
