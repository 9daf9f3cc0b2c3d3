//! What the canary's `steps` ask for at a step index, after `argoproj/argo-rollouts`
//! `utils/replicaset/canary.go` (`GetCurrentSetWeight`, `UseSetCanaryScale`), v1.10.

use super::replicas::CanaryTarget;
use crate::scenario::rollout::{CanaryScale, CanaryStep};

/// `GetCurrentSetWeight`: the nearest `setWeight` at or before `step`; `max` (the
/// router's `maxTrafficWeight`) past the last.
pub fn current_set_weight(steps: &[CanaryStep], step: usize, max: u32) -> u32 {
    if step >= steps.len() {
        return max;
    }
    steps[..=step]
        .iter()
        .rev()
        .find_map(|s| match s {
            CanaryStep::SetWeight(w) => Some(*w),
            _ => None,
        })
        .unwrap_or(0)
}

/// The weight held while the current step's counts are not reached: the nearest
/// `setWeight` before `step`.
pub fn previous_set_weight(steps: &[CanaryStep], step: usize, max: u32) -> u32 {
    if step == 0 {
        return 0;
    }
    current_set_weight(steps, step.min(steps.len()) - 1, max)
}

/// `UseSetCanaryScale`: the nearest `setCanaryScale` at or before `step`, unless it is
/// `matchTrafficWeight` (or the steps are done).
pub fn canary_scale(steps: &[CanaryStep], step: usize) -> Option<CanaryTarget> {
    if step >= steps.len() {
        return None;
    }
    steps[..=step].iter().rev().find_map(|s| match s {
        CanaryStep::SetCanaryScale(CanaryScale::Replicas(r)) => {
            Some(Some(CanaryTarget::Replicas(*r)))
        }
        CanaryStep::SetCanaryScale(CanaryScale::Weight(w)) => {
            Some(Some(CanaryTarget::ScaleWeight(*w)))
        }
        CanaryStep::SetCanaryScale(CanaryScale::MatchTrafficWeight) => Some(None),
        _ => None,
    })?
}
