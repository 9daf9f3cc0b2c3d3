//! The validated `actions:` list: what a user does mid-rollout, and when.

use super::VersionId;
use crate::sim::time::Time;

/// A user action at a given time.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// When, from the rollout's start.
    pub at: Time,
    /// What.
    pub kind: ActionKind,
}

/// What a user does mid-rollout.
#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// `kubectl rollout undo` / `docker service rollback`.
    Undo,
    /// Roll over to another version (`kubectl set image` / `docker service update --image`).
    Update(VersionId),
    /// `kubectl rollout undo --to-revision=N` (Kubernetes only; N ≥ 1).
    UndoTo(u32),
    /// `kubectl rollout pause`: `spec.paused = true` (Kubernetes only).
    Pause,
    /// `kubectl rollout resume`: `spec.paused = false` (Kubernetes only).
    Resume,
    /// The same image, every pod or task replaced: `kubectl rollout restart` (a new pod
    /// template) / `docker service update --force` (a new `ForceUpdate`).
    Restart,
    /// Change the replica count: `kubectl scale --replicas=N` / `docker service scale`.
    Scale(u32),
    /// `kubectl argo rollouts promote` (canary and blue-green only).
    Promote,
    /// `kubectl argo rollouts promote --full`: `spec.paused = false`, `status.promoteFull =
    /// true` (canary and blue-green only).
    PromoteFull,
    /// `kubectl argo rollouts abort`: `status.abort = true` (canary and blue-green only).
    Abort,
    /// `kubectl argo rollouts retry`: `status.abort = false`, the update starts over
    /// (canary and blue-green only).
    Retry,
    /// POST the flagger-loadtester's `/gate/open` (`true`) or `/gate/close` (Flagger only).
    Gate(bool),
    /// POST the flagger-loadtester's `/rollback/open` (`true`) or `/rollback/close`
    /// (Flagger only).
    RollbackGate(bool),
}

impl ActionKind {
    /// A `kubectl argo rollouts` action, for `strategy.canary` / `strategy.blueGreen` only.
    pub fn is_argo_rollouts(&self) -> bool {
        matches!(
            self,
            ActionKind::Promote | ActionKind::PromoteFull | ActionKind::Abort | ActionKind::Retry
        )
    }

    /// A POST to the flagger-loadtester, for `strategy.flagger` only.
    pub fn is_loadtester(&self) -> bool {
        matches!(self, ActionKind::Gate(_) | ActionKind::RollbackGate(_))
    }
}
