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

mod abort;
mod actions;
pub mod analysis;
pub mod bluegreen;
pub mod entry;
mod experiment;
mod progress;
pub mod replicas;
mod rollout_canary;
mod route_table;
pub mod steps;

use super::kubernetes::progress::stuck_requeue;
use super::kubernetes::ranking::Ranking;
use super::kubernetes::replicaset::{self, PodTemplate, ReplicaSet, RsStatus};
use super::{Controller, Due, Metrics};
use crate::analysis::Measure;
use crate::cluster::mirror::Mirror;
use crate::cluster::{Cluster, Notice, TaskState};
use crate::result::Outcome;
use crate::scenario::rollout::{CanaryStep, RolloutKind, RolloutStrategy};
use crate::scenario::{ActionKind, CURRENT, NEXT};
use crate::sim::engine::SingleValue;
use crate::sim::time::{NEVER, Time, api_stamp};
use abort::{Abort, Aborter};
use analysis::{Gate, Runs};
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
    /// stored: whole seconds ([`api_stamp`]).
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

    /// Raise the abort (`pauseContext.AddAbort`): index back to 0, pauses cleared.
    fn abort(&mut self, cl: &mut Cluster, by: Aborter, why: impl Into<String>) {
        if self.abort.is_some() || self.promoted_at.is_some() {
            return;
        }
        self.abort = Some(Abort::raised(cl.now(), by));
        self.runs.terminate();
        self.experiments.iter_mut().for_each(Experiment::cancel);
        self.experiment_paused = false;
        self.step = 0;
        self.pause_start = None;
        self.promoted_by_user = false;
        self.dirty = true;
        let why = why.into();
        cl.trace_update("rollback_started", || Some(why));
    }

    /// Follow what the analysis runs ask of this reconcile (`reconcileAnalysisRuns`),
    /// with their next wake-up set: `None` after aborting on a Failed or Error run (the
    /// reconcile ends there, having changed something), otherwise whether an Inconclusive
    /// run halts progress (the pause traced when it is new).
    fn follow_gate(&mut self, cl: &mut Cluster, gate: Gate) -> Option<bool> {
        if let Some(t) = self.runs.wake() {
            cl.set_timer(t.max(cl.now()), Timer::Reconcile);
        }
        match gate {
            Gate::Go => Some(false),
            Gate::Abort(why) => {
                self.abort(cl, Aborter::Controller, why);
                None
            }
            Gate::Halt { new } => {
                if new {
                    cl.trace_update("paused", || Some("InconclusiveAnalysis".into()));
                }
                Some(true)
            }
        }
    }

    /// Promotion: `status.stableRS` = the new ReplicaSet; the old one is retired at its
    /// `scale-down-deadline`, `delay` after the whole second of the promotion.
    fn promote(&mut self, cl: &mut Cluster, delay: Time) {
        self.promoted_at = Some(cl.now());
        self.promote_full = false;
        self.runs.terminate();
        self.experiments.iter_mut().for_each(Experiment::cancel);
        self.set_scale_down_deadline(cl, delay);
        self.settle_promotion(cl);
        if self.settled_at.is_none() {
            let (available, n) = (self.status(cl, CANARY).available, self.n);
            cl.trace_update("promoted", || {
                Some(format!("promoted with {available} of {n} pods available"))
            });
        }
    }

    /// The rollout is complete once every pod of the promoted ReplicaSet is available: at
    /// the promotion, or later when `replicaProgressThreshold` promoted with pods still
    /// coming up.
    fn settle_promotion(&mut self, cl: &mut Cluster) {
        if self.settled_at.is_none() && self.status(cl, CANARY).available >= self.n {
            self.settled_at = Some(cl.now());
            cl.trace_update("completed", || None);
        }
    }

    /// Annotate the ReplicaSet being retired with `scale-down-deadline` = now + `delay`,
    /// written in whole seconds (`addScaleDownDelay`), and reconcile then: the reconcile
    /// that follows the annotation's patch reads it back and requeues the rollout for the
    /// time remaining (`GetTimeRemainingBeforeScaleDownDeadline`), earlier than the
    /// `enqueueRolloutAfter(scaleDownDelaySeconds)` of the reconcile that wrote it.
    fn set_scale_down_deadline(&mut self, cl: &mut Cluster, delay: Time) {
        self.scale_down_at = api_stamp(cl.now()).saturating_add(delay);
        if delay > 0 {
            cl.set_timer(self.scale_down_at.max(cl.now()), Timer::Reconcile);
        }
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

    /// The router's `maxTrafficWeight` (100 but for a canary that sets it; blue-green's
    /// Services switch all or nothing).
    fn max_weight(&self) -> u32 {
        match &self.cfg.kind {
            RolloutKind::Canary(c) => c.max_weight(),
            RolloutKind::BlueGreen(_) => replicas::MAX_WEIGHT,
        }
    }

    /// Write the share of requests each version receives: `Some((canary weight,
    /// header share))` through the router or active Service (the weight out of
    /// [`Rollout::max_weight`]), with the managed routes in force above it; `None` for
    /// the Service spanning every pod.
    fn route(&self, cl: &mut Cluster, split: Option<(u32, f64)>) {
        let max = f64::from(self.max_weight());
        let mut mirror = None;
        cl.routing = split.map(|(w, h)| {
            let split = self.routes.split(h, w, max);
            let mut shares = vec![0.0; cl.scenario.service.versions.len()];
            // `calculateWeightDestinationsFromExperiment`: a running Experiment's
            // templates take their weight from the stable's (istio `processRoutes`:
            // stable = max − canary − the experiment's weights).
            let mut taken = 0.0;
            for e in self.experiments.iter().filter(|e| e.routes_weights()) {
                for (v, weight) in e.weights() {
                    shares[usize::from(v)] = f64::from(weight) / max;
                    taken += f64::from(weight) / max;
                }
            }
            shares[CURRENT as usize] = (1.0 - split.canary - split.routed - taken).max(0.0);
            shares[NEXT as usize] = split.canary + split.routed;
            if split.copies > 0.0 {
                mirror = Some(Mirror {
                    version: NEXT,
                    fraction: split.copies,
                });
            }
            shares
        });
        cl.mirror = mirror;
    }

    /// The progress deadline (`rollout/sync.go:calculateRolloutConditions`): progress as
    /// `RolloutProgressing` sees it ([`progress`]); the check is skipped during a pause
    /// step, after an abort or promotion.
    fn check_progress(&mut self, cl: &mut Cluster, paused: bool) {
        let (stable, new) = (self.status(cl, STABLE), self.status(cl, CANARY));
        let status = match self.cfg.kind {
            RolloutKind::Canary(_) => ProgressStatus::canary(stable, new, self.step),
            RolloutKind::BlueGreen(_) => ProgressStatus::blue_green(stable, new, self.switched),
        };
        let now = cl.now();
        // A pause, and its end (`RolloutResumed`), set the `Progressing` condition afresh:
        // the deadline counts from the reconcile that resumed, not from the last one before.
        let resumed = std::mem::replace(&mut self.progress_paused, paused);
        let progressed = status.progressed_from(self.progress_status);
        self.progress_status = status;
        // `RolloutTimedOut` reads `lastUpdateTime` back from the stored status (in whole
        // seconds) in a later reconcile; the one that progressed takes the
        // `RolloutProgressing` case of `calculateRolloutConditions`' switch instead, so it
        // never times out, even under a deadline shorter than the truncated fraction.
        let renewed = progressed || paused || resumed;
        if renewed {
            self.last_progress = api_stamp(now);
            self.aborted_condition = false;
        }
        let Some(deadline) = self.cfg.progress_deadline else {
            return;
        };
        if self.abort.is_some() || self.promoted_at.is_some() || paused || self.aborted_condition {
            return;
        }
        let at = self.last_progress.saturating_add(deadline);
        if now > at && !renewed {
            if self.deadline_exceeded_at.is_none() {
                self.deadline_exceeded_at = Some(now);
                cl.trace_update("deadline_exceeded", || {
                    Some("ProgressDeadlineExceeded: the rollout is Degraded".into())
                });
            }
            if self.cfg.progress_deadline_abort {
                self.abort(
                    cl,
                    Aborter::Controller,
                    "progressDeadlineAbort: progress deadline exceeded",
                );
            }
        } else {
            // `requeueStuckRollout`, the Deployment controller's rule (the strict
            // `RolloutTimedOut` test passes at the instant after the deadline).
            let wake = stuck_requeue(at, now);
            if self.progress_timer != wake {
                self.progress_timer = wake;
                cl.set_timer(wake, Timer::Reconcile);
            }
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

    /// Retire the ReplicaSet at its scale-down deadline; `true` when scaled.
    fn retire(&mut self, cl: &mut Cluster, rs: usize) -> bool {
        cl.now() >= self.scale_down_at && self.scale(cl, rs, 0)
    }

    /// The abort is over once the canary is gone and the stable serves at full size (for
    /// blue-green, behind the active Service). `kept`: the canary keeps the pods the abort
    /// left it (`abortScaleDownDelaySeconds: 0` with a first step's `setCanaryScale`), so
    /// it is over once they are settled and the router sends them nothing, as a
    /// blue-green's kept preview counts from the abort.
    fn finish_abort(&mut self, cl: &mut Cluster, kept: bool) {
        let Some(abort) = self.abort.filter(|a| a.rolled_back_at.is_none()) else {
            return;
        };
        let canary = self.status(cl, CANARY).replicas;
        let canary_done = if kept {
            self.weight == 0 && canary == self.sets[CANARY].spec
        } else {
            self.sets[CANARY].spec == 0 && canary == 0
        };
        if !self.switched && canary_done && self.status(cl, STABLE).available >= self.n {
            self.abort = Some(Abort {
                rolled_back_at: Some(cl.now()),
                ..abort
            });
            cl.trace_update("rollback_completed", || None);
        }
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
