//! Flagger's canary loop on a Deployment target, after `fluxcd/flagger@15bd6ad` (v1.44.0)
//! `pkg/controller/scheduler.go` (`advanceCanary`, `runCanary`, `runBlueGreen`,
//! `runPromotionTrafficShift`, `rollback`), `scheduler_metrics.go`
//! (`runBuiltinMetricChecks`) and `pkg/canary/deployment_ready.go`.
//!
//! Two Deployments serve the app: the primary (`<app>-primary`, the stable version, kept
//! at `replicas`) and the canary (`<app>`, scaled from zero when a new revision appears).
//! A mesh router splits the traffic between them by weight. Every `analysis.interval` a
//! tick ([`tick::Canary::tick`]) reads both Deployments' readiness ([`ready`]) and, when
//! upstream would, the built-in checks on the canary's requests of each metric's
//! `interval` ([`crate::analysis::flagger`]); it then moves the weight, counts a failed
//! check, promotes or rolls back. Promotion copies the canary's spec to the primary: the
//! primary then rolls with the Deployment controller's RollingUpdate arithmetic
//! ([`super::kubernetes::rolling`], default `maxSurge` / `maxUnavailable` 25 %) over the
//! same ReplicaSet and pod model ([`super::kubernetes::replicaset`]).
//!
//! Ticks: the trial's new revision is applied at time 0, just before a tick, so tick k is
//! at `k × interval` (upstream the ticker's phase is arbitrary: detection comes up to one
//! interval later). Outcomes: `completed` when the canary is scaled to zero after
//! promotion (phase Succeeded); `rolled_back` at the rollback (phase Failed: traffic on
//! the primary, canary scaled to zero; the primary never changed); `paused` when the
//! primary got stuck during promotion and every request was routed to the canary
//! (`handleFailedPromotion`: Flagger then waits for a human).
//!
//! Gates: `analysis.webhooks` to the flagger-loadtester's gate endpoints
//! ([`webhooks`]) hold the canary where upstream does ([`tick`]); the scenario's
//! `{gate: open|close}` and `{rollback: open|close}` actions are the POSTs to the
//! loadtester, seen at the next tick. A canary a gate holds at the horizon ends `paused`
//! (it waits for a human, as after a failed promotion).
//!
//! Load tests: a `rollout` webhook to the loadtester's task runner with a `hey` command
//! ([`hey`]) starts a run of requests to the canary's pods at every analysis, unless the
//! same command still runs; the runs are written to [`Cluster::load_runs`], where the
//! traffic model reads them, and cut at the promotion or the rollback.
//!
//! A/B testing (`analysis.match`, [`ab_match`]): the router's weights apply to the
//! requests the conditions select (the scenario's `matchShare` of them), every other
//! request stays on the primary.
//!
//! Mirroring (`analysis.mirror`): while the Canary's status says mirrored, the router
//! copies the users' requests (all, or `mirrorWeight` %) to the canary's pods beside the
//! weights ([`Cluster::mirror`]); the analysis windows count the copies.
//!
//! Traffic: the router's weights apply per Deployment; the traffic model routes per
//! version, so while the promoted primary rolls (its pods of both versions) its share is
//! split over its versions in proportion to their Ready pods.

pub mod ab_match;
mod analysis;
mod budget;
pub mod config;
pub mod entry;
pub mod hey;
mod primary;
pub mod provider;
pub mod ready;
pub mod tick;
pub mod webhooks;

use super::kubernetes::fenceposts::max_unavailable;
use super::kubernetes::progress::{self, Progressing};
use super::kubernetes::ranking::Ranking;
use super::kubernetes::replicaset::{self, PodTemplate, ReplicaSet, RsStatus};
use super::{Controller, Due, Metrics};
use crate::analysis::{Measure, Taken};
use crate::cluster::mirror::Mirror;
use crate::cluster::node_drain::BudgetPods;
use crate::cluster::{Cluster, Notice};
use crate::result::Outcome;
use crate::scenario::{ActionKind, CURRENT, DeploymentStrategy, IntOrPercent, NEXT};
use crate::sim::engine::SingleValue;
use crate::sim::time::{NEVER, SECOND, Time};
use analysis::stop_load_tests;
use config::FlaggerConfig;
use provider::Provider;
use ready::{DeploymentStatus, is_deployment_ready};
use tick::{Action, Canary, Phase, Stage};
use webhooks::{Gates, HookType};

/// The primary's ReplicaSet of the current version.
const PRIMARY: usize = 0;
/// The canary Deployment's ReplicaSet.
const CANARY: usize = 1;
/// The primary's ReplicaSet of the new version (created at promotion).
const PRIMARY_NEW: usize = 2;

/// The Deployments' RollingUpdate strategy: Kubernetes' defaults (the target's strategy,
/// which Flagger copies to the primary, is not a field here).
const ROLLING: DeploymentStrategy = DeploymentStrategy::RollingUpdate {
    max_surge: IntOrPercent::Percent(25),
    max_unavailable: IntOrPercent::Percent(25),
};

/// The Deployments' `spec.progressDeadlineSeconds`: Kubernetes' default (the target's
/// value, which Flagger's `Promote` copies to the primary, is not a field here).
const DEPLOYMENT_PROGRESS_DEADLINE: Time = 600 * SECOND;

/// Passes of the settle loop one instant may take, per replica (plus a base): beyond,
/// the trial ends as `timeout` instead of looping.
const SETTLES_PER_REPLICA: u32 = 16;
const SETTLE_BASE: u32 = 64;

/// The Flagger controller of one trial.
pub struct Flagger<'s> {
    cfg: &'s FlaggerConfig,
    n: u32,
    /// `[primary (current), canary, primary (new, after promotion)]`.
    sets: Vec<ReplicaSet>,
    ranking: Ranking,
    /// A pod was deleted or ended since the ReplicaSet controller last looked: it
    /// replaces those deleted by others ([`replicaset::replace_deleted_pods`]).
    pods_left: bool,
    /// The Canary's status.
    canary: Canary,
    /// The primary's template is the new version (promotion copied it).
    promoted: bool,
    /// When each Deployment's `Available` condition became False: `[primary, canary]`.
    unavailable_since: [Option<Time>; 2],
    /// The primary Deployment's `Progressing` condition during its promotion rollout,
    /// and the status it was last computed from.
    primary_progress: Option<(Progressing, progress::Status)>,
    /// The next tick.
    next_tick: Time,
    /// A tick timer fired this instant.
    tick_due: bool,
    /// The checks measured at an instant: (when, all passed).
    checked: Option<(Time, bool)>,
    /// Each check measured at that instant, for the trace: the tick records them only
    /// when it runs the analysis (the measurement is taken before the tick knows).
    check_notes: Vec<Taken<'static>>,
    /// The shares last written to the router.
    shares: Vec<f64>,
    /// The loadtester's gates, as the scenario's actions set them.
    gates: Gates,
    /// The last tick was held by a closed gate.
    held: bool,
    outcome: Option<(Outcome, Time)>,
    /// The rollback Flagger decided itself (failed checks, a stuck Deployment).
    rolled_back_at: Option<Time>,
    /// When the primary's progress deadline was first exceeded after `skipAnalysis`.
    deadline_exceeded_at: Option<Time>,
    /// The last wake-up set for the primary's progress deadline after `skipAnalysis`.
    deadline_wake: Time,
    /// The loadtester's task runner: each command started, and its run in
    /// `Cluster::load_runs` (a command still running is not started again).
    load_tests: Vec<(&'s str, usize)>,
    notices: Vec<Notice>,
}

impl<'s> Flagger<'s> {
    /// A controller for these settings.
    pub fn new(cfg: &'s FlaggerConfig) -> Flagger<'s> {
        Flagger {
            cfg,
            n: 0,
            sets: Vec::new(),
            ranking: Ranking::default(),
            pods_left: false,
            canary: Canary::default(),
            promoted: false,
            unavailable_since: [None; 2],
            primary_progress: None,
            next_tick: 0,
            tick_due: false,
            checked: None,
            check_notes: Vec::new(),
            shares: Vec::new(),
            gates: Gates::default(),
            held: false,
            outcome: None,
            rolled_back_at: None,
            deadline_exceeded_at: None,
            deadline_wake: NEVER,
            load_tests: Vec::new(),
            notices: Vec::new(),
        }
    }

    fn status(&self, cl: &Cluster, rs: usize) -> RsStatus {
        self.sets
            .get(rs)
            .map_or(RsStatus::default(), |s| s.status(cl))
    }

    /// Set a ReplicaSet's spec; the ReplicaSet controller creates or deletes pods.
    fn scale(&mut self, cl: &mut Cluster, rs: usize, spec: u32) -> bool {
        if self.sets[rs].spec == spec {
            return false;
        }
        self.sets[rs].spec = spec;
        replicaset::manage_replicas(cl, &mut self.sets, rs, &mut self.ranking);
        cl.trace_scale(|| {
            let primary =
                self.sets[PRIMARY].spec + self.sets.get(PRIMARY_NEW).map_or(0, |s| s.spec);
            (self.sets[CANARY].spec, primary)
        });
        true
    }

    /// The primary and canary Deployments' status.
    fn deployments(&self, cl: &Cluster) -> [DeploymentStatus; 2] {
        let old = self.status(cl, PRIMARY);
        let new = self.status(cl, PRIMARY_NEW);
        let updated = if self.promoted { new } else { old };
        let canary = self.status(cl, CANARY);
        [
            DeploymentStatus {
                spec: self.n,
                updated: updated.replicas,
                replicas: old.replicas + new.replicas,
                available: old.available + new.available,
            },
            DeploymentStatus {
                spec: self.sets[CANARY].spec,
                updated: canary.replicas,
                replicas: canary.replicas,
                available: canary.available,
            },
        ]
    }

    /// Track each Deployment's `Available` condition (available ≥ replicas −
    /// maxUnavailable; the deployment controller's `MinimumReplicasAvailable`).
    fn observe_availability(&mut self, cl: &Cluster) {
        let now = cl.now();
        for (i, d) in self.deployments(cl).into_iter().enumerate() {
            let min = d.spec - max_unavailable(&ROLLING, d.spec).min(d.spec);
            if d.available >= min {
                self.unavailable_since[i] = None;
            } else if self.unavailable_since[i].is_none() {
                self.unavailable_since[i] = Some(now);
            }
        }
    }

    /// Write the router's weights as per-version shares (see the module docs), and its
    /// mirror to the canary while the Canary's status says mirrored. With A/B `match` the
    /// canary's weight is a share of the matched requests only.
    fn route(&mut self, cl: &mut Cluster) {
        // With `match` the weights apply to the matched requests' route; every other
        // request goes to the primary (`istio.go:SetRoutes`).
        let matched = self.cfg.ab_match.as_ref().map_or(1.0, |m| m.share);
        let w = f64::from(self.canary.weight) / 100.0 * matched;
        let (old, new) = (
            self.status(cl, PRIMARY).ready,
            self.status(cl, PRIMARY_NEW).ready,
        );
        let primary_new = if self.promoted && old + new > 0 {
            f64::from(new) / f64::from(old + new)
        } else if self.promoted && self.sets[PRIMARY].spec == 0 {
            1.0
        } else {
            0.0
        };
        let mut shares = vec![0.0; cl.scenario.service.versions.len()];
        shares[CURRENT as usize] = (1.0 - w) * (1.0 - primary_new);
        shares[NEXT as usize] = w + (1.0 - w) * primary_new;
        let mirror = self.cfg.mirror.filter(|_| self.canary.mirrored);
        let mirror = mirror.map(|percent| Mirror::percent(NEXT, percent));
        if shares != self.shares || cl.mirror != mirror {
            cl.routing = Some(shares.clone());
            cl.mirror = mirror;
            self.shares = shares;
        }
    }

    /// One `advanceCanary`.
    fn tick(&mut self, cl: &mut Cluster) {
        let now = cl.now();
        let cfg = self.cfg;
        let [p, c] = self.deployments(cl);
        let primary = is_deployment_ready(
            p,
            cfg.primary_ready_threshold,
            self.unavailable_since[0],
            cfg.progress_deadline,
            self.primary_deadline_exceeded(now),
            now,
        );
        let canary = is_deployment_ready(
            c,
            cfg.canary_ready_threshold,
            self.unavailable_since[1],
            cfg.progress_deadline,
            false,
            now,
        );
        let mut status = self.canary;
        let was_mirrored = status.mirrored;
        let action = status.tick(cfg, primary, canary, self.gates, |stage| match stage {
            Stage::PreRollout => self.run_pre_rollout(cl, now),
            Stage::Analysis => self.run_analysis(cl, now),
        });
        self.canary = status;
        if matches!(
            action,
            Action::Promote
                | Action::SkipAnalysis
                | Action::Succeed
                | Action::Rollback
                | Action::FailedPromotion
                | Action::ManualRollback(_)
        ) {
            stop_load_tests(cl, now);
        }
        self.held = matches!(action, Action::Halt(..))
            || matches!(self.canary.phase, Phase::Waiting | Phase::WaitingPromotion);
        match action {
            Action::Nothing => {}
            Action::FailedCheck => {
                let f = self.canary.failed_checks;
                cl.trace_update("failed_check", || {
                    Some(format!("failedChecks {f}/{}", cfg.threshold))
                });
            }
            Action::ScaleUp => {
                self.scale(cl, CANARY, self.n);
                cl.trace_update("progressing", || {
                    Some("New revision detected! Scaling up the canary".into())
                });
            }
            Action::Route(w) => {
                // `runBlueGreen`'s event when the switch ends the mirroring.
                let stop = if was_mirrored {
                    "Stop traffic mirroring, "
                } else {
                    ""
                };
                let matched = if cfg.ab_match.is_some() {
                    " on the matched requests"
                } else {
                    ""
                };
                cl.trace_update("progressing", || {
                    Some(format!("{stop}canary weight {w}{matched}"))
                });
            }
            Action::Mirror => {
                let percent = cfg.mirror.unwrap_or(0);
                cl.trace_update("progressing", || {
                    Some(format!(
                        "Start traffic mirroring: {percent}% of the requests copied to the canary"
                    ))
                });
            }
            Action::Promote => {
                self.promote(cl, now);
                cl.trace_update("promoting", || {
                    Some("Copying the canary template spec to the primary".into())
                });
            }
            Action::SkipAnalysis => {
                self.promote(cl, now);
                self.scale(cl, CANARY, 0);
                cl.trace_update("promoting", || {
                    Some(
                        "Analysis skipped: copying the canary template spec to the primary, \
                         canary scaled to zero (Succeeded)"
                            .into(),
                    )
                });
            }
            Action::Succeed => {
                self.scale(cl, CANARY, 0);
                self.outcome = Some((Outcome::Completed, now));
                cl.trace_update("completed", || None);
            }
            Action::Rollback => {
                self.scale(cl, CANARY, 0);
                self.rolled_back_at = Some(now);
                self.outcome = Some((Outcome::RolledBack, now));
                let f = self.canary.failed_checks;
                cl.trace_update("rollback_started", || {
                    Some(format!("Canary failed! failedChecks {f}"))
                });
                cl.trace_update("rollback_completed", || None);
            }
            Action::Halt(kind, i) => {
                let name = &cfg.webhooks[i].name;
                // `scheduler_hooks.go`'s events.
                let (state, what) = match kind {
                    HookType::ConfirmRollout => ("waiting", "approval"),
                    HookType::ConfirmPromotion => ("waiting_promotion", "promotion approval"),
                    _ => ("progressing", "traffic increase approval"),
                };
                cl.trace_update(state, || {
                    Some(format!("Halt advancement waiting for {what} {name}"))
                });
            }
            Action::ManualRollback(i) => {
                // A human's rollback, not a detection: `rolled_back_at` (the `detected`
                // and `false_rollback` columns) stays unset, as for an Argo user abort.
                self.scale(cl, CANARY, 0);
                self.outcome = Some((Outcome::RolledBack, now));
                let name = &cfg.webhooks[i].name;
                cl.trace_update("rollback_started", || {
                    Some(format!("Rolling back: manual webhook {name} invoked"))
                });
                cl.trace_update("rollback_completed", || None);
            }
            Action::FailedPromotion => {
                self.outcome = Some((Outcome::Paused, now));
                let routed = match cfg.provider {
                    Provider::Mesh => ": all traffic to the canary",
                    Provider::Kubernetes => "",
                };
                cl.trace_update("paused", || {
                    Some(format!("Promotion failed, primary not ready{routed}"))
                });
            }
        }
        if !matches!(self.canary.phase, Phase::Succeeded | Phase::Failed) {
            self.next_tick = now.saturating_add(cfg.interval);
            if self.next_tick != NEVER {
                cl.set_timer(self.next_tick, Timer::Tick);
            }
        }
    }
}

/// Flagger's one timer: the analysis ticker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// `advanceCanary` now.
    Tick,
}

impl SingleValue for Timer {
    const VALUE: Timer = Timer::Tick;
}

impl Controller for Flagger<'_> {
    type Timer = Timer;

    fn start(&mut self, cl: &mut Cluster) {
        cl.set_min_ready(0);
        let n = cl.scenario.service.replicas;
        *self = Flagger {
            n,
            sets: std::mem::take(&mut self.sets),
            ranking: std::mem::take(&mut self.ranking),
            notices: std::mem::take(&mut self.notices),
            ..Flagger::new(self.cfg)
        };
        self.sets.clear();
        self.ranking.reset(cl);
        let annotations = (n, n);
        let primary = ReplicaSet::serving(
            cl,
            PodTemplate::of(CURRENT),
            n,
            annotations,
            PRIMARY,
            &mut self.ranking,
        );
        self.sets.push(primary);
        self.sets.push(ReplicaSet::new(
            CANARY,
            PodTemplate::of(NEXT),
            0,
            1,
            annotations,
        ));
        self.route(cl);
        cl.trace_update("updating", || None);
        // Tick 0 at time 0: the new revision is detected.
        cl.set_timer(0, Timer::Tick);
    }

    /// A pod gone for good leaves its ReplicaSet's live count (the counts the loop reads
    /// come from the cluster).
    fn on_task(&mut self, _cl: &mut Cluster, n: Notice) {
        if n.state.is_terminal()
            && let Some(rs) = self.ranking.owner(n.task)
            && let Some(set) = self.sets.get_mut(rs)
        {
            set.live = set.live.saturating_sub(1);
        }
        if n.state.is_terminal() || n.state.is_terminating() {
            self.pods_left = true;
        }
    }

    fn on_timer(&mut self, _cl: &mut Cluster, Timer::Tick: Timer) {
        self.tick_due = true;
    }

    /// POSTs to the loadtester (the scenario parser refuses every other action).
    fn on_action(&mut self, _cl: &mut Cluster, action: &ActionKind) {
        match *action {
            ActionKind::Gate(open) => self.gates.gate = open,
            ActionKind::RollbackGate(open) => self.gates.rollback = open,
            _ => {}
        }
    }

    fn settle(&mut self, cl: &mut Cluster) {
        let limit = SETTLE_BASE.saturating_add(SETTLES_PER_REPLICA.saturating_mul(self.n));
        for _ in 0..limit {
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
            let mut changed = self.sync_primary(cl);
            self.observe_availability(cl);
            self.observe_primary_progress(cl);
            self.watch_skipped_primary(cl);
            if self.tick_due && !changed {
                self.tick_due = false;
                self.tick(cl);
                changed = true;
            }
            self.route(cl);
            if !changed && !cl.has_notices() {
                return;
            }
        }
        if self.outcome.is_none() {
            self.outcome = Some((Outcome::Timeout, cl.now()));
            cl.trace_update("sync_livelock", || {
                Some("Flagger's controllers did not settle in one instant; the trial ends as timeout".into())
            });
        }
    }

    fn measurement_due(&self) -> Option<Due> {
        let analysing = matches!(
            self.canary.phase,
            Phase::Progressing | Phase::WaitingPromotion
        );
        (analysing && !self.cfg.metrics.is_empty()).then(|| Due {
            at: self.next_tick,
            desired: [self.sets[CANARY].spec, self.n],
        })
    }

    fn measure(&mut self, now: Time, source: &mut dyn Measure) {
        let mut notes = std::mem::take(&mut self.check_notes);
        notes.clear();
        self.checked = Some((now, self.run_checks(now, source, &mut notes)));
        self.check_notes = notes;
    }

    fn outcome(&self) -> Option<(Outcome, Time)> {
        self.outcome
    }

    /// `paused` when a gate held the last tick: Flagger waits for a human to open it;
    /// `deadline_exceeded` when after `skipAnalysis` the primary's progress deadline was.
    fn timeout_outcome(&self) -> Outcome {
        if self.held {
            Outcome::Paused
        } else if self.deadline_exceeded_at.is_some() {
            Outcome::DeadlineExceeded
        } else {
            Outcome::Timeout
        }
    }

    /// The primary's pods or the canary's, as `selects` says ([`budget`]).
    fn disruption_budget(&self, cl: &Cluster) -> BudgetPods {
        self.budget_pods(cl)
    }

    fn metrics(&self) -> Metrics {
        Metrics {
            update_failures: None,
            deadline_exceeded_at: self.deadline_exceeded_at,
            aborted_at: Some(self.rolled_back_at),
            // Flagger has no dry-run checks.
            dry_run_failed: None,
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod gate_trials;
