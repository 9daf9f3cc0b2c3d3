//! Flagger's canary loop as a pure state machine: one call of [`Canary::tick`] is one
//! `advanceCanary` of `fluxcd/flagger@15bd6ad` (v1.44.0) `pkg/controller/scheduler.go`,
//! for a Deployment target behind a service mesh, with no webhooks, no HPA and no
//! mirroring. The controller ([`super::Flagger`]) feeds it the readiness of the primary
//! and canary Deployments (`pkg/canary/deployment_ready.go:isDeploymentReady`) and the
//! verdict of the built-in metric checks, and applies the [`Action`] it returns.
//!
//! The order of one tick, as upstream:
//!
//! 1. The primary is not ready (`IsPrimaryReady`): wait; stuck past its deadline: roll
//!    back, or during Promoting / Finalising route everything to the canary and fail
//!    (`handleFailedPromotion`). This comes first, before the new revision is detected.
//! 2. A new revision (phase Initialized here: the trial starts with one) is detected:
//!    the canary is scaled up from zero, counters reset, phase Progressing
//!    (`checkCanaryStatus`), nothing else this tick.
//! 3. The canary is not ready: wait (no failed check); stuck: roll back.
//! 4. Promoting: traffic back to the primary, at once or by `stepWeightPromotion`
//!    (`runPromotionTrafficShift`), then Finalising; Finalising: canary scaled to zero,
//!    Succeeded.
//! 5. `failedChecks >= threshold`: roll back — so the rollback comes on the tick *after*
//!    the threshold-th failed check.
//! 6. Canary weight 0 and no iteration yet: no metric check (only pre-rollout webhooks).
//!    Otherwise the checks run; any failure (no values included) adds a failed check and
//!    ends the tick without advancing. `failedChecks` is never reset by a passing check.
//! 7. Blue/green (`iterations`): count an iteration; at the last, all traffic to the
//!    canary; one tick later promote (`runBlueGreen`). Canary: weight + `stepWeight` (or
//!    the next `stepWeights` entry) while below `maxWeight`, else promote: the canary's
//!    spec is copied to the primary, phase Promoting (`runCanary`).

use super::config::{FlaggerConfig, TOTAL_WEIGHT};

/// `status.phase` (`CanaryPhase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Initialized, with a new revision waiting to be detected.
    Initialized,
    /// Analysing and shifting traffic.
    Progressing,
    /// The primary is rolling to the new spec.
    Promoting,
    /// Traffic is on the primary; the canary is scaled down next.
    Finalising,
    /// Promotion finished.
    Succeeded,
    /// Rolled back (or a failed promotion).
    Failed,
}

/// What `isDeploymentReady` answers for a Deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ready {
    /// Ready (no error).
    Yes,
    /// Not ready, retriable: wait for the next tick.
    Wait,
    /// Not ready and past its progress deadline (not retriable).
    Stuck,
}

/// What the controller does on the cluster after a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Nothing changes (waiting, or an iteration counted).
    Nothing,
    /// A check failed: `failedChecks` grew.
    FailedCheck,
    /// New revision: scale the canary from zero.
    ScaleUp,
    /// Write this canary weight to the router (the primary gets the rest).
    Route(u32),
    /// Copy the canary's spec to the primary (its rolling update starts).
    Promote,
    /// Scale the canary to zero: promotion finished.
    Succeed,
    /// Route everything to the primary and scale the canary to zero.
    Rollback,
    /// Route everything to the canary: the primary failed during promotion.
    FailedPromotion,
}

/// `status` of the Canary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Canary {
    /// `status.phase`.
    pub phase: Phase,
    /// The canary weight on the router.
    pub weight: u32,
    /// `status.failedChecks`.
    pub failed_checks: u32,
    /// `status.iterations`.
    pub iterations: u32,
}

impl Default for Canary {
    fn default() -> Self {
        Canary {
            phase: Phase::Initialized,
            weight: 0,
            failed_checks: 0,
            iterations: 0,
        }
    }
}

/// `scheduler.go:nextStepWeight`.
pub fn next_step_weight(cfg: &FlaggerConfig, weight: u32) -> u32 {
    let ws = &cfg.step_weights;
    if cfg.step_weight > 0 || ws.is_empty() {
        return cfg.step_weight;
    }
    let max_step = TOTAL_WEIGHT.saturating_sub(weight);
    if max_step == 0 {
        return 1;
    }
    if weight == 0 {
        return max_step.min(ws[0]);
    }
    for i in 0..ws.len() - 1 {
        if ws[i] == weight {
            return max_step.min(ws[i + 1].saturating_sub(weight));
        }
    }
    max_step
}

impl Canary {
    /// `rollback`: all traffic to the primary, the canary scaled to zero, phase Failed.
    fn rollback(&mut self) -> Action {
        self.phase = Phase::Failed;
        self.weight = 0;
        Action::Rollback
    }

    /// One `advanceCanary`. `checks` runs the analysis (`runAnalysis`); it is called only
    /// when upstream runs it.
    pub fn tick(
        &mut self,
        cfg: &FlaggerConfig,
        primary: Ready,
        canary: Ready,
        checks: impl FnOnce() -> bool,
    ) -> Action {
        if matches!(self.phase, Phase::Succeeded | Phase::Failed) {
            return Action::Nothing;
        }
        // `IsPrimaryReady` precedes `checkCanaryStatus`: a primary that is not ready holds
        // back even the detection of the new revision.
        match primary {
            Ready::Yes => {}
            Ready::Wait => return Action::Nothing,
            Ready::Stuck if matches!(self.phase, Phase::Promoting | Phase::Finalising) => {
                self.phase = Phase::Failed;
                self.weight = TOTAL_WEIGHT;
                return Action::FailedPromotion;
            }
            Ready::Stuck => return self.rollback(),
        }
        if self.phase == Phase::Initialized {
            *self = Canary {
                phase: Phase::Progressing,
                ..Canary::default()
            };
            return Action::ScaleUp;
        }
        match canary {
            Ready::Yes => {}
            Ready::Wait => return Action::Nothing,
            Ready::Stuck => return self.rollback(),
        }
        match self.phase {
            Phase::Promoting => return self.promotion_traffic_shift(cfg),
            Phase::Finalising => {
                self.phase = Phase::Succeeded;
                return Action::Succeed;
            }
            _ => {}
        }
        if self.failed_checks >= cfg.threshold {
            return self.rollback();
        }
        let first = self.weight == 0 && self.iterations == 0;
        if !first && !checks() {
            self.failed_checks += 1;
            return Action::FailedCheck;
        }
        if cfg.iterations > 0 {
            return self.blue_green(cfg);
        }
        if next_step_weight(cfg, self.weight) == 0 {
            return Action::Nothing;
        }
        // `runCanary`.
        if self.weight < cfg.max_weight {
            self.weight = (self.weight + next_step_weight(cfg, self.weight)).min(TOTAL_WEIGHT);
            return Action::Route(self.weight);
        }
        self.phase = Phase::Promoting;
        Action::Promote
    }

    /// `runBlueGreen` (mesh provider, no mirroring).
    fn blue_green(&mut self, cfg: &FlaggerConfig) -> Action {
        if cfg.iterations > self.iterations {
            self.iterations += 1;
            return Action::Nothing;
        }
        if cfg.iterations == self.iterations {
            self.iterations += 1;
            self.weight = TOTAL_WEIGHT;
            return Action::Route(TOTAL_WEIGHT);
        }
        self.phase = Phase::Promoting;
        Action::Promote
    }

    /// `runPromotionTrafficShift` (mesh provider).
    fn promotion_traffic_shift(&mut self, cfg: &FlaggerConfig) -> Action {
        let step = cfg.step_weight_promotion;
        if step == 0 {
            self.weight = 0;
            self.phase = Phase::Finalising;
            return Action::Route(0);
        }
        if self.weight == 0 {
            return Action::Nothing;
        }
        let primary = (TOTAL_WEIGHT - self.weight + step).min(TOTAL_WEIGHT);
        self.weight = self.weight.saturating_sub(step);
        if primary == TOTAL_WEIGHT {
            self.phase = Phase::Finalising;
        }
        Action::Route(self.weight)
    }
}

#[cfg(test)]
#[path = "tick_tests.rs"]
mod tests;
