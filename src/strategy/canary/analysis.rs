//! The Rollout's AnalysisRuns, after `argoproj/argo-rollouts` `rollout/analysis.go`
//! (`reconcileAnalysisRuns`, `reconcileBackgroundAnalysisRun`,
//! `reconcileStepBasedAnalysisRun`, `reconcilePrePromotionAnalysisRun`,
//! `reconcilePostPromotionAnalysisRun`, `setPauseOrAbortForBlueGreen`, v1.10).
//!
//! Canary: a background run (`canary.analysis`) is created once `currentStepIndex >= startingStep`
//! and runs beside the steps without gating them; a step run (`steps[].analysis`) is
//! created when its step becomes current, and the step completes only when it is
//! Successful. Either run Failed or Error aborts the rollout; Inconclusive adds the
//! `InconclusiveAnalysis` pause, which halts scaling until the user promotes. Every run is
//! terminated at promotion and at an abort.
//!
//! Blue-green: the pre-promotion run is created once the preview ReplicaSet is saturated
//! and before the active switch (`skipPrePromotionAnalysisRun`), and the switch waits for it
//! to be Successful (`completedPrePromotionAnalysis`); the post-promotion run is created
//! once the active Service selects the new pods (`skipPostPromotionAnalysisRun`), and
//! `status.stableRS` moves only when it is Successful (`shouldFullPromote`). Failed or Error
//! aborts, Inconclusive pauses, as for the canary. The runs only hold their state: the trial loop
//! measures them when [`Runs::next_due`] is reached ([`crate::strategy::Controller::measure`]),
//! and the Rollout follows the [`Gate`] they return (`Rollout::follow_gate`).

use super::abort::Aborter;
use super::{Rollout, Timer};
use crate::analysis::{AnalysisRun, Measure, Phase, RunName};
use crate::cluster::Cluster;
use crate::scenario::rollout::{BlueGreen, Canary, CanaryStep};
use crate::sim::time::{NEVER, Time};

/// The AnalysisRuns of one rollout.
#[derive(Debug, Clone)]
pub struct Runs<'s> {
    /// The background run.
    background: Option<AnalysisRun<'s>>,
    /// The step run and the step index it was created for.
    step: Option<(usize, AnalysisRun<'s>)>,
    /// Blue-green's pre-promotion run.
    pre: Option<AnalysisRun<'s>>,
    /// Blue-green's post-promotion run.
    post: Option<AnalysisRun<'s>>,
    /// An `InconclusiveAnalysis` pause condition is in place.
    inconclusive: bool,
    /// The instant a wake-up is already set for.
    timer: Time,
    /// A metric in dry-run mode ended Failed or Error in some run.
    dry_run_failed: bool,
}

impl Default for Runs<'_> {
    fn default() -> Self {
        Runs {
            background: None,
            step: None,
            pre: None,
            post: None,
            inconclusive: false,
            timer: NEVER,
            dry_run_failed: false,
        }
    }
}

/// What the rollout does after its runs are reconciled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Carry on.
    Go,
    /// Paused on an Inconclusive run (`haltProgress`); `new`: the pause was just added.
    Halt {
        /// The pause was added by this reconcile.
        new: bool,
    },
    /// A run is Failed or Error: abort, for this reason.
    Abort(&'static str),
}

impl<'s> Runs<'s> {
    fn runs_mut(&mut self) -> impl Iterator<Item = &mut AnalysisRun<'s>> {
        self.background
            .iter_mut()
            .chain(self.step.iter_mut().map(|(_, r)| r))
            .chain(self.pre.iter_mut())
            .chain(self.post.iter_mut())
    }

    fn runs(&self) -> impl Iterator<Item = &AnalysisRun<'s>> {
        self.background
            .iter()
            .chain(self.step.iter().map(|(_, r)| r))
            .chain(self.pre.iter())
            .chain(self.post.iter())
    }

    /// The earliest instant a measurement is due.
    pub fn next_due(&self) -> Option<Time> {
        self.runs().filter_map(AnalysisRun::next_due).min()
    }

    /// Take every measurement due by `now`.
    pub fn measure(&mut self, now: Time, source: &mut dyn Measure) {
        let mut dry_run_failed = false;
        for run in self.runs_mut() {
            if run.next_due().is_some_and(|t| t <= now) {
                run.measure(now, source);
                dry_run_failed |= run.dry_run_failed();
            }
        }
        self.dry_run_failed |= dry_run_failed;
    }

    /// Whether a metric in dry-run mode ended Failed or Error in some run so far: it
    /// would have aborted the rollout.
    pub fn dry_run_failed(&self) -> bool {
        self.dry_run_failed
    }

    /// Terminate every run (promotion, abort) and lift the Inconclusive pause.
    pub fn terminate(&mut self) {
        for run in self.runs_mut() {
            run.terminate();
        }
        self.inconclusive = false;
    }

    /// The instant to wake the rollout for its next measurement, if not already set.
    pub fn wake(&mut self) -> Option<Time> {
        let t = self.next_due()?;
        (t != self.timer).then(|| {
            self.timer = t;
            t
        })
    }

    /// Whether the `InconclusiveAnalysis` pause condition is in place: the rollout waits
    /// for a `promote` (`rollout/pause.go:requiresManualAction`).
    pub fn inconclusive_pause(&self) -> bool {
        self.inconclusive
    }

    /// Whether the step run of `step` is Successful (the analysis step completes).
    pub fn step_successful(&self, step: usize) -> bool {
        self.step
            .as_ref()
            .is_some_and(|(s, r)| *s == step && r.phase() == Phase::Successful)
    }

    /// The user promoted: the Inconclusive pause is cleared. Returns `true` when a step
    /// run was Inconclusive, whose step a promote skips
    /// (`cmd/promote/promote.go:getPatches`); an Inconclusive background, pre- or
    /// post-promotion run is replaced by a new one (`needsNewAnalysisRun`).
    pub fn resume(&mut self) -> Option<bool> {
        if !self.inconclusive {
            return None;
        }
        self.inconclusive = false;
        for run in [&mut self.background, &mut self.pre, &mut self.post] {
            if run
                .as_ref()
                .is_some_and(|r| r.phase() == Phase::Inconclusive)
            {
                *run = None;
            }
        }
        let skip = self
            .step
            .as_ref()
            .is_some_and(|(_, r)| r.phase() == Phase::Inconclusive);
        if skip {
            self.step = None;
        }
        Some(skip)
    }

    /// `reconcileAnalysisRuns` at step `step`: create the runs that are due, cancel a step
    /// run of an earlier step, and read their phases (not while the Inconclusive pause
    /// holds).
    pub fn reconcile(&mut self, c: &'s Canary, step: usize, now: Time) -> Gate {
        // Under an `InconclusiveAnalysis` pause upstream returns each run before reading its
        // phase (`reconcileBackgroundAnalysisRun` while that condition exists,
        // `reconcileStepBasedAnalysisRun` while any does, argo-rollouts 9f8d111): a run
        // failing meanwhile aborts only once a `promote` has cleared the pause.
        if self.inconclusive {
            return Gate::Halt { new: false };
        }
        if let Some(bg) = &c.analysis
            && step >= bg.starting_step
            && self.background.is_none()
        {
            self.background = Some(AnalysisRun::new(&bg.spec, RunName::Background, now));
        }
        if self.step.as_ref().is_some_and(|(s, _)| *s != step) {
            self.step = None;
        }
        if let Some(CanaryStep::Analysis(i)) = c.steps.get(step)
            && self.step.is_none()
        {
            let name = RunName::Step(step);
            self.step = Some((step, AnalysisRun::new(&c.step_analyses[*i], name, now)));
        }
        let bg = self.background.as_ref().map(AnalysisRun::phase);
        let st = self.step.as_ref().map(|(_, r)| r.phase());
        self.gate(&[
            (bg, "Background analysis phase error/failed"),
            (st, "Step-based analysis phase error/failed"),
        ])
    }

    /// Blue-green's runs (`reconcileAnalysisRuns` with `setPauseOrAbortForBlueGreen`):
    /// the pre-promotion run is created when `preview_ready` (the preview ReplicaSet is
    /// saturated) and the active Service does not select the new pods yet, and terminated
    /// once it does (`skipPrePromotionAnalysisRun`); the post-promotion run is created when
    /// `switched` and the new ReplicaSet is saturated (`new_ready`).
    pub fn reconcile_blue_green(
        &mut self,
        b: &'s BlueGreen,
        preview_ready: bool,
        new_ready: bool,
        switched: bool,
        now: Time,
    ) -> Gate {
        if switched && let Some(r) = &mut self.pre {
            r.terminate();
        }
        if !self.inconclusive {
            if let Some(spec) = &b.pre_promotion_analysis
                && self.pre.is_none()
                && preview_ready
                && !switched
            {
                self.pre = Some(AnalysisRun::new(spec, RunName::PrePromotion, now));
            }
            if let Some(spec) = &b.post_promotion_analysis
                && self.post.is_none()
                && switched
                && new_ready
            {
                self.post = Some(AnalysisRun::new(spec, RunName::PostPromotion, now));
            }
        }
        let pre = self.pre.as_ref().map(AnalysisRun::phase);
        let post = self.post.as_ref().map(AnalysisRun::phase);
        self.gate(&[
            (pre, "Blue/green pre-promotion analysis phase error/failed"),
            (
                post,
                "Blue/green post-promotion analysis phase error/failed",
            ),
        ])
    }

    /// `completedPrePromotionAnalysis` (`rollout/pause.go`): no pre-promotion analysis, or
    /// its run is Successful.
    pub fn pre_promotion_done(&self, b: &BlueGreen) -> bool {
        b.pre_promotion_analysis.is_none()
            || self
                .pre
                .as_ref()
                .is_some_and(|r| r.phase() == Phase::Successful)
    }

    /// `shouldFullPromote` (`rollout/sync.go`) for blue-green after the switch: no
    /// post-promotion analysis, or its run is Successful.
    pub fn post_promotion_done(&self, b: &BlueGreen) -> bool {
        b.post_promotion_analysis.is_none()
            || self
                .post
                .as_ref()
                .is_some_and(|r| r.phase() == Phase::Successful)
    }

    /// What the phases of these runs (each with its abort message) ask of the rollout:
    /// Failed or Error aborts; Inconclusive adds the `InconclusiveAnalysis` pause.
    fn gate(&mut self, phases: &[(Option<Phase>, &'static str)]) -> Gate {
        if let Some((_, why)) = phases
            .iter()
            .find(|(p, _)| matches!(p, Some(Phase::Failed | Phase::Error)))
        {
            return Gate::Abort(why);
        }
        if self.inconclusive {
            return Gate::Halt { new: false };
        }
        if phases.iter().any(|(p, _)| *p == Some(Phase::Inconclusive)) {
            self.inconclusive = true;
            return Gate::Halt { new: true };
        }
        Gate::Go
    }
}

impl Rollout<'_> {
    /// Follow what the analysis runs ask of this reconcile (`reconcileAnalysisRuns`),
    /// with their next wake-up set: `None` after aborting on a Failed or Error run (the
    /// reconcile ends there, having changed something), otherwise whether an Inconclusive
    /// run halts progress (the pause traced when it is new).
    pub(super) fn follow_gate(&mut self, cl: &mut Cluster, gate: Gate) -> Option<bool> {
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
}
