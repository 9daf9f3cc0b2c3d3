//! Flagger's canary loop as a pure state machine: one call of [`Canary::tick`] is one
//! `advanceCanary` of `fluxcd/flagger@15bd6ad` (v1.44.0) `pkg/controller/scheduler.go`,
//! for a Deployment target behind a service mesh (Istio's router where they differ), with
//! no HPA; the webhooks are the flagger-loadtester's ([`super::webhooks`]). The
//! controller ([`super::Flagger`]) feeds it the readiness of the primary and canary
//! Deployments (`pkg/canary/deployment_ready.go:isDeploymentReady`) and the
//! verdict of the built-in metric checks, and applies the [`Action`] it returns.
//!
//! The order of one tick, as upstream:
//!
//! 1. The primary is not ready (`IsPrimaryReady`): wait; stuck past its deadline: roll
//!    back, or during Promoting / Finalising route everything to the canary (no route
//!    with the `kubernetes` provider) and fail (`handleFailedPromotion`). This comes first, before the new revision is detected.
//!    With `skipAnalysis` the primary is not checked.
//! 2. A new revision (phase Initialized here: the trial starts with one), or phase
//!    Waiting: the `confirm-rollout` hooks are asked (`checkCanaryStatus`,
//!    `runConfirmRolloutHooks`); one closed sets phase Waiting and ends the tick (the
//!    canary stays at zero, so no check and no progress deadline runs). All open: the
//!    canary is scaled up from zero, counters reset, phase Progressing, nothing else this
//!    tick.
//! 3. The canary is not ready: wait (no failed check); stuck: roll back. Ready, with
//!    `skipAnalysis`: every request to the primary, the canary's spec copied to it, the
//!    canary scaled to zero, phase Succeeded, all in this tick (`shouldSkipAnalysis`); the
//!    primary then rolls on its own, with no Flagger check.
//! 4. Progressing or WaitingPromotion: a `rollback` hook answering 200 rolls back
//!    (`runRollbackHooks`, "manual webhook invoked").
//! 5. Promoting: traffic back to the primary, at once or by `stepWeightPromotion`
//!    (`runPromotionTrafficShift`), then Finalising; Finalising: canary scaled to zero,
//!    Succeeded.
//! 6. `failedChecks >= threshold`: roll back — so the rollback comes on the tick *after*
//!    the threshold-th failed check.
//! 7. Canary weight 0, no iteration yet and no mirroring in force: no metric check, only
//!    the `pre-rollout` webhooks, whose first failure adds a failed check and ends the
//!    tick (`runPreRolloutHooks`). Otherwise the analysis runs (the controller's
//!    `checks`: the `rollout` webhooks, then the metric checks); any failure (no values
//!    included) adds a failed check and ends the tick without advancing. `failedChecks`
//!    is never reset by a passing check. The checks run in WaitingPromotion too, so a
//!    canary held at its gate can still fail and roll back.
//! 8. A/B testing (`iterations` and `match`): count an iteration, the matched requests
//!    routed to the canary; after the last, the `confirm-promotion` hooks, then promote
//!    (`runAB`). Blue/green (`iterations`): count an iteration; at the last, the
//!    `confirm-promotion` hooks, then all traffic to the canary; one tick later (hooks
//!    again) promote (`runBlueGreen`). With `mirror`, the first iteration also starts
//!    mirroring the traffic to the canary, which lasts until all traffic goes to it.
//!    Canary: unless in WaitingPromotion or mirroring the `confirm-traffic-increase`
//!    hooks (a closed one holds the weight, the phase unchanged — also at `maxWeight`,
//!    where the next step would promote); then weight + `stepWeight` (or the next
//!    `stepWeights` entry) while below `maxWeight`, else the `confirm-promotion` hooks
//!    and promote: the canary's spec is copied to the primary, phase Promoting
//!    (`runCanary`). With `mirror` the step from weight 0 takes two ticks: the first
//!    mirrors the traffic to the canary at weight 0, the next (after an analysis of the
//!    copies) stops mirroring and sets the first weight. A closed `confirm-promotion`
//!    sets phase WaitingPromotion; while it stays closed each tick sets
//!    `status.iterations` to `analysis.iterations − 1`, so a blue/green (or an A/B test)
//!    counts its last iteration again and asks every other tick.
//!
//! A gate opened between two ticks is seen at the next tick: Flagger calls the webhook
//! only from `advanceCanary`.

use super::config::{FlaggerConfig, TOTAL_WEIGHT};
use super::provider::Provider;
use super::webhooks::{Gates, HookType, first_closed, rollback_signalled};

/// `status.phase` (`CanaryPhase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Initialized, with a new revision waiting to be detected.
    Initialized,
    /// A `confirm-rollout` hook is closed: the canary is not scaled up.
    Waiting,
    /// Analysing and shifting traffic.
    Progressing,
    /// A `confirm-promotion` hook is closed: the analysis goes on, no promotion.
    WaitingPromotion,
    /// The primary is rolling to the new spec.
    Promoting,
    /// Traffic is on the primary; the canary is scaled down next.
    Finalising,
    /// Promotion finished.
    Succeeded,
    /// Rolled back (or a failed promotion).
    Failed,
}

/// Which checks a tick runs: the first tick of an analysis (weight 0, no iteration, no
/// mirror) runs the `pre-rollout` webhooks, every later one the analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `runPreRolloutHooks`.
    PreRollout,
    /// `runAnalysis`: the `rollout` webhooks, then the metric checks.
    Analysis,
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
    /// Write this canary weight to the router (the primary gets the rest); no mirroring.
    Route(u32),
    /// Every request to the primary, copies of them to the canary (`SetRoutes(…,
    /// mirrored: true)`): the mirror step of a canary, or the first blue/green iteration.
    Mirror,
    /// Copy the canary's spec to the primary (its rolling update starts).
    Promote,
    /// Scale the canary to zero: promotion finished.
    Succeed,
    /// `skipAnalysis`: every request to the primary, the canary's spec copied to it (its
    /// rolling update starts), the canary scaled to zero; phase Succeeded.
    SkipAnalysis,
    /// Route everything to the primary and scale the canary to zero.
    Rollback,
    /// Route everything to the canary: the primary failed during promotion.
    FailedPromotion,
    /// A gate hook of this type is closed (the index into `analysis.webhooks`): the
    /// canary waits, on the phase set.
    Halt(HookType, usize),
    /// A `rollback` hook (this index) answered 200: roll back as [`Action::Rollback`].
    ManualRollback(usize),
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
    /// The router mirrors the traffic to the canary (what `GetRoutes` reads back).
    pub mirrored: bool,
}

impl Default for Canary {
    fn default() -> Self {
        Canary {
            phase: Phase::Initialized,
            weight: 0,
            failed_checks: 0,
            iterations: 0,
            mirrored: false,
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
        self.mirrored = false;
        Action::Rollback
    }

    /// One `advanceCanary`. `checks` runs the `pre-rollout` webhooks
    /// (`runPreRolloutHooks`, [`Stage::PreRollout`]) or the analysis (`runAnalysis`,
    /// [`Stage::Analysis`]); it is called only when upstream runs them, the pre-rollout
    /// stage only when there are such hooks.
    pub fn tick(
        &mut self,
        cfg: &FlaggerConfig,
        primary: Ready,
        canary: Ready,
        gates: Gates,
        checks: impl FnOnce(Stage) -> bool,
    ) -> Action {
        if matches!(self.phase, Phase::Succeeded | Phase::Failed) {
            return Action::Nothing;
        }
        // `IsPrimaryReady` precedes `checkCanaryStatus`: a primary that is not ready holds
        // back even the detection of the new revision. `skipAnalysis` skips the check.
        match primary {
            _ if cfg.skip_analysis => {}
            Ready::Yes => {}
            Ready::Wait => return Action::Nothing,
            Ready::Stuck if matches!(self.phase, Phase::Promoting | Phase::Finalising) => {
                self.phase = Phase::Failed;
                // `handleFailedPromotion` routes everything to the canary: no router, no
                // route with the kubernetes provider.
                if cfg.provider == Provider::Mesh {
                    self.weight = TOTAL_WEIGHT;
                }
                self.mirrored = false;
                return Action::FailedPromotion;
            }
            Ready::Stuck => return self.rollback(),
        }
        if matches!(self.phase, Phase::Initialized | Phase::Waiting) {
            if let Some(i) = first_closed(&cfg.webhooks, HookType::ConfirmRollout, gates) {
                // The event is recorded on the way into Waiting only.
                if self.phase == Phase::Waiting {
                    return Action::Nothing;
                }
                self.phase = Phase::Waiting;
                return Action::Halt(HookType::ConfirmRollout, i);
            }
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
        if cfg.skip_analysis {
            self.phase = Phase::Succeeded;
            self.weight = 0;
            self.mirrored = false;
            return Action::SkipAnalysis;
        }
        if matches!(self.phase, Phase::Progressing | Phase::WaitingPromotion)
            && let Some(i) = rollback_signalled(&cfg.webhooks, gates)
        {
            self.rollback();
            return Action::ManualRollback(i);
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
        let first = self.weight == 0 && self.iterations == 0 && !self.mirrored;
        let stage = if !first {
            Some(Stage::Analysis)
        } else if cfg.webhooks.iter().any(|h| h.kind == HookType::PreRollout) {
            Some(Stage::PreRollout)
        } else {
            None
        };
        if let Some(stage) = stage
            && !checks(stage)
        {
            self.failed_checks += 1;
            return Action::FailedCheck;
        }
        if cfg.iterations > 0 && cfg.ab_match.is_some() {
            return self.ab_testing(cfg, gates);
        }
        if cfg.iterations > 0 {
            return self.blue_green(cfg, gates);
        }
        if next_step_weight(cfg, self.weight) == 0 {
            return Action::Nothing;
        }
        if self.phase != Phase::WaitingPromotion
            && !self.mirrored
            && let Some(i) = first_closed(&cfg.webhooks, HookType::ConfirmTrafficIncrease, gates)
        {
            return Action::Halt(HookType::ConfirmTrafficIncrease, i);
        }
        // `runCanary`.
        if self.weight < cfg.max_weight {
            if cfg.mirror.is_some() && self.weight == 0 {
                self.mirrored = !self.mirrored;
                if self.mirrored {
                    return Action::Mirror;
                }
                self.weight = next_step_weight(cfg, 0);
                return Action::Route(self.weight);
            }
            self.weight = (self.weight + next_step_weight(cfg, self.weight)).min(TOTAL_WEIGHT);
            return Action::Route(self.weight);
        }
        if let Some(halt) = self.confirm_promotion(cfg, gates) {
            return halt;
        }
        self.phase = Phase::Promoting;
        Action::Promote
    }

    /// `runConfirmPromotionHooks`: `None` when every hook is open; otherwise phase
    /// WaitingPromotion (the event on the way in only) or, already there,
    /// `status.iterations = analysis.iterations − 1`. (For a progressive canary upstream
    /// writes −1 here; its iterations are never read again once the weight is above 0, so
    /// the count is left at 0.)
    fn confirm_promotion(&mut self, cfg: &FlaggerConfig, gates: Gates) -> Option<Action> {
        let i = first_closed(&cfg.webhooks, HookType::ConfirmPromotion, gates)?;
        if self.phase == Phase::WaitingPromotion {
            self.iterations = cfg.iterations.saturating_sub(1);
            return Some(Action::Nothing);
        }
        self.phase = Phase::WaitingPromotion;
        Some(Action::Halt(HookType::ConfirmPromotion, i))
    }

    /// `runBlueGreen`.
    fn blue_green(&mut self, cfg: &FlaggerConfig, gates: Gates) -> Action {
        if cfg.iterations > self.iterations {
            self.iterations += 1;
            if cfg.mirror.is_some() && !self.mirrored {
                self.mirrored = true;
                return Action::Mirror;
            }
            return Action::Nothing;
        }
        if let Some(halt) = self.confirm_promotion(cfg, gates) {
            return halt;
        }
        if cfg.iterations == self.iterations {
            self.iterations += 1;
            // The kubernetes provider routes nothing: the iteration is counted alone.
            if cfg.provider == Provider::Kubernetes {
                return Action::Nothing;
            }
            self.weight = TOTAL_WEIGHT;
            self.mirrored = false;
            return Action::Route(TOTAL_WEIGHT);
        }
        self.phase = Phase::Promoting;
        Action::Promote
    }

    /// `runAB`: every iteration routes the matched requests to the canary (weight 100 on
    /// their route); after the last, the `confirm-promotion` hooks, then promotion — no
    /// switch of every request first, unlike blue/green.
    fn ab_testing(&mut self, cfg: &FlaggerConfig, gates: Gates) -> Action {
        if cfg.iterations > self.iterations {
            self.iterations += 1;
            if self.weight == TOTAL_WEIGHT {
                return Action::Nothing;
            }
            self.weight = TOTAL_WEIGHT;
            return Action::Route(TOTAL_WEIGHT);
        }
        if let Some(halt) = self.confirm_promotion(cfg, gates) {
            return halt;
        }
        self.phase = Phase::Promoting;
        Action::Promote
    }

    /// `runPromotionTrafficShift`.
    fn promotion_traffic_shift(&mut self, cfg: &FlaggerConfig) -> Action {
        // No traffic to shift back without a router: finalise at once.
        if cfg.provider == Provider::Kubernetes {
            self.phase = Phase::Finalising;
            return Action::Nothing;
        }
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

#[cfg(test)]
#[path = "tick_gate_tests.rs"]
mod gate_tests;

#[cfg(test)]
#[path = "tick_mirror_tests.rs"]
mod mirror_tests;

#[cfg(test)]
#[path = "tick_ab_tests.rs"]
mod ab_tests;
