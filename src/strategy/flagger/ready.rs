//! When Flagger calls a Deployment ready: `fluxcd/flagger@15bd6ad` (v1.44.0)
//! `pkg/canary/deployment_ready.go:isDeploymentReady`.
//!
//! Not ready (retriable) while fewer than `spec.replicas` pods are updated, while old
//! pods are still counted, or while fewer than `readyThreshold` % of the updated pods are
//! available (the percentage taken in `float32` and truncated, as Go does). Not retriable
//! ("stuck") once the Deployment's `Available` condition has been `False` with reason
//! `MinimumReplicasUnavailable` (fewer than `replicas − maxUnavailable` available) for
//! longer than Flagger's `progressDeadlineSeconds`, or at once once the Deployment's own
//! `Progressing` condition says `ProgressDeadlineExceeded` (its `spec.progressDeadlineSeconds`
//! without progress, the Deployment controller's rule). Only the primary's promotion is a
//! rollout whose progress the Deployment controller estimates: the canary Deployment is
//! scaled from zero with every pod already of its template, which that controller never
//! times out (`syncRolloutStatus`'s `isCompleteDeployment`).

use super::tick::Ready;
use crate::sim::time::Time;

/// A Deployment's status as `isDeploymentReady` reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeploymentStatus {
    /// `spec.replicas`.
    pub spec: u32,
    /// `status.updatedReplicas`: pods of the current template (terminating excluded).
    pub updated: u32,
    /// `status.replicas`: all pods (terminating excluded).
    pub replicas: u32,
    /// `status.availableReplicas`.
    pub available: u32,
}

/// `readyThresholdUpdatedReplicas := int32(float32(updated) * float32(threshold)/100)`.
pub fn threshold_replicas(updated: u32, threshold: u32) -> u32 {
    let ratio = threshold as f32 / 100.0;
    (updated as f32 * ratio) as u32
}

/// `isDeploymentReady`; `unavailable_since` is when the `Available` condition last became
/// `False` (`None`: it is `True`); `deadline_exceeded`: the Deployment's `Progressing`
/// condition has reason `ProgressDeadlineExceeded` (checked first: not retriable).
pub fn is_deployment_ready(
    st: DeploymentStatus,
    threshold: u32,
    unavailable_since: Option<Time>,
    deadline: Time,
    deadline_exceeded: bool,
    now: Time,
) -> Ready {
    if deadline_exceeded {
        return Ready::Stuck;
    }
    let stuck = unavailable_since.is_some_and(|from| from.saturating_add(deadline) < now);
    let waiting = st.updated < st.spec
        || st.replicas > st.updated
        || st.available < threshold_replicas(st.updated, threshold);
    match (waiting, stuck) {
        (false, _) => Ready::Yes,
        (true, false) => Ready::Wait,
        (true, true) => Ready::Stuck,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(spec: u32, updated: u32, replicas: u32, available: u32) -> DeploymentStatus {
        DeploymentStatus {
            spec,
            updated,
            replicas,
            available,
        }
    }

    /// `deployment_ready.go`: the threshold is a `float32` product truncated to `int32`,
    /// so 53 % of 100 updated replicas asks for 52 available (0.53f32 × 100 rounds to
    /// 52.999996f32), not 53.
    #[test]
    fn the_threshold_is_truncated_in_float32() {
        assert_eq!(threshold_replicas(10, 100), 10);
        assert_eq!(threshold_replicas(100, 53), 52);
        assert_eq!(threshold_replicas(75, 84), 62);
        assert_eq!(threshold_replicas(10, 70), 7);
        assert_eq!(threshold_replicas(10, 50), 5);
        assert_eq!(threshold_replicas(3, 0), 0);
    }

    #[test]
    fn rules_in_upstream_order() {
        let now = 1_000;
        // All updated, all available: ready.
        assert_eq!(
            is_deployment_ready(st(4, 4, 4, 4), 100, None, 600, false, now),
            Ready::Yes
        );
        // Updated < spec, old pods counted, too few available: wait.
        assert_eq!(
            is_deployment_ready(st(4, 3, 4, 3), 100, None, 600, false, now),
            Ready::Wait
        );
        assert_eq!(
            is_deployment_ready(st(4, 4, 5, 4), 100, None, 600, false, now),
            Ready::Wait
        );
        assert_eq!(
            is_deployment_ready(st(4, 4, 4, 3), 100, None, 600, false, now),
            Ready::Wait
        );
        // Threshold 50 %: 2 of 4 available is enough.
        assert_eq!(
            is_deployment_ready(st(4, 4, 4, 2), 50, None, 600, false, now),
            Ready::Yes
        );
        // `!from.Add(delta).Before(now)`: retriable up to and including the deadline.
        assert_eq!(
            is_deployment_ready(st(4, 4, 4, 0), 100, Some(400), 600, false, now),
            Ready::Wait
        );
        assert_eq!(
            is_deployment_ready(st(4, 4, 4, 0), 100, Some(399), 600, false, now),
            Ready::Stuck
        );
        // `ProgressDeadlineExceeded` on the Deployment: not retriable, whatever the counts.
        assert_eq!(
            is_deployment_ready(st(4, 3, 4, 3), 100, None, 600, true, now),
            Ready::Stuck
        );
        assert_eq!(
            is_deployment_ready(st(4, 4, 4, 4), 100, None, 600, true, now),
            Ready::Stuck
        );
    }
}
