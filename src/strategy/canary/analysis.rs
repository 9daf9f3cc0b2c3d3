//! The canary's AnalysisRuns, after `argoproj/argo-rollouts` `rollout/analysis.go`
//! (`reconcileAnalysisRuns`, `reconcileBackgroundAnalysisRun`,
//! `reconcileStepBasedAnalysisRun`, v1.10).
//!
//! A background run (`canary.analysis`) is created once `currentStepIndex >= startingStep`
//! and runs beside the steps without gating them; a step run (`steps[].analysis`) is
//! created when its step becomes current, and the step completes only when it is
//! Successful. Either run Failed or Error aborts the rollout; Inconclusive adds the
//! `InconclusiveAnalysis` pause, which halts scaling until the user promotes. Every run is
//! terminated at promotion and at an abort. The runs only hold their state: the trial loop
//! measures them when [`Runs::next_due`] is reached ([`crate::strategy::Controller::measure`]).

use crate::analysis::{AnalysisRun, Measure, Phase};
use crate::scenario::rollout::{Canary, CanaryStep};
use crate::sim::time::{NEVER, Time};

/// The AnalysisRuns of one rollout.
#[derive(Debug, Clone)]
pub struct Runs<'s> {
    /// The background run.
    background: Option<AnalysisRun<'s>>,
    /// The step run and the step index it was created for.
    step: Option<(usize, AnalysisRun<'s>)>,
    /// An `InconclusiveAnalysis` pause condition is in place.
    inconclusive: bool,
    /// The instant a wake-up is already set for.
    timer: Time,
}

impl Default for Runs<'_> {
    fn default() -> Self {
        Runs {
            background: None,
            step: None,
            inconclusive: false,
            timer: NEVER,
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
    }

    /// The earliest instant a measurement is due.
    pub fn next_due(&self) -> Option<Time> {
        let bg = self.background.as_ref().and_then(AnalysisRun::next_due);
        let st = self.step.as_ref().and_then(|(_, r)| r.next_due());
        bg.into_iter().chain(st).min()
    }

    /// Take every measurement due by `now`.
    pub fn measure(&mut self, now: Time, source: &mut dyn Measure) {
        for run in self.runs_mut() {
            if run.next_due().is_some_and(|t| t <= now) {
                run.measure(now, source);
            }
        }
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

    /// Whether the step run of `step` is Successful (the analysis step completes).
    pub fn step_successful(&self, step: usize) -> bool {
        self.step
            .as_ref()
            .is_some_and(|(s, r)| *s == step && r.phase() == Phase::Successful)
    }

    /// The user promoted: the Inconclusive pause is cleared. Returns `true` when a step
    /// run was Inconclusive, whose step a promote skips
    /// (`cmd/promote/promote.go:getPatches`); an Inconclusive background run is replaced
    /// by a new one (`needsNewAnalysisRun`).
    pub fn resume(&mut self) -> Option<bool> {
        if !self.inconclusive {
            return None;
        }
        self.inconclusive = false;
        if self
            .background
            .as_ref()
            .is_some_and(|r| r.phase() == Phase::Inconclusive)
        {
            self.background = None;
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
    /// run of an earlier step, and read their phases.
    pub fn reconcile(&mut self, c: &'s Canary, step: usize, now: Time) -> Gate {
        if !self.inconclusive {
            if let Some(bg) = &c.analysis
                && step >= bg.starting_step
                && self.background.is_none()
            {
                self.background = Some(AnalysisRun::new(&bg.spec, now));
            }
            if self.step.as_ref().is_some_and(|(s, _)| *s != step) {
                self.step = None;
            }
            if let Some(CanaryStep::Analysis(i)) = c.steps.get(step)
                && self.step.is_none()
            {
                self.step = Some((step, AnalysisRun::new(&c.step_analyses[*i], now)));
            }
        }
        let bg = self.background.as_ref().map(AnalysisRun::phase);
        let st = self.step.as_ref().map(|(_, r)| r.phase());
        let failed = |p: Option<Phase>| matches!(p, Some(Phase::Failed | Phase::Error));
        if failed(bg) {
            return Gate::Abort("Background analysis phase error/failed");
        }
        if failed(st) {
            return Gate::Abort("Step-based analysis phase error/failed");
        }
        if self.inconclusive {
            return Gate::Halt { new: false };
        }
        if bg == Some(Phase::Inconclusive) || st == Some(Phase::Inconclusive) {
            self.inconclusive = true;
            return Gate::Halt { new: true };
        }
        Gate::Go
    }
}
