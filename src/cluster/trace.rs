//! The event log of one trial (`--trace`): what happened, in simulated-time order.
//!
//! Recording is off (`None`) for every trial but the traced one, so the hot path pays a
//! single branch.

use super::task::{NodeId, TaskId, TaskState};
use crate::scenario::VersionId;
use crate::sim::time::Time;

/// One line of the trace.
#[derive(Debug, Clone, PartialEq)]
pub enum TraceRecord {
    /// A task changed state.
    Task {
        /// When.
        t: Time,
        /// Task index.
        task: TaskId,
        /// Slot (Swarm) or ordinal (Kubernetes).
        slot: u32,
        /// Version index.
        version: VersionId,
        /// Node, once placed.
        node: Option<NodeId>,
        /// New state.
        state: TaskState,
        /// For `pending`: why no node took the task when it was created.
        reason: Option<super::placer::PendingReason>,
    },
    /// A Kubernetes sync changed ReplicaSet sizes: `new` = new RS, `old` = sum of old RSes.
    Scale {
        /// When.
        t: Time,
        /// New ReplicaSet `spec.replicas`.
        new: u32,
        /// Sum over old ReplicaSets.
        old: u32,
    },
    /// A node's condition changed ([`super::node_loss`]): `lost` (the fault; the control
    /// plane does not know yet), `not_ready` (Kubernetes: the node lifecycle controller
    /// marks it NotReady and taints it unreachable), `down` (Swarm: the dispatcher declares
    /// it down), `ready` (it is back).
    Node {
        /// When.
        t: Time,
        /// Which node.
        node: NodeId,
        /// New condition.
        state: &'static str,
    },
    /// The rollout changed state (`updating`, `paused`, `completed`, `rollback_started`, …).
    Update {
        /// When.
        t: Time,
        /// New state name.
        state: &'static str,
        /// Why, when there is something to say (the failing task, the action).
        message: Option<String>,
    },
    /// An analysis took a measurement.
    Measurement(Box<MeasurementRecord>),
}

/// A measurement an analysis took, as the trace writes it (the analysis module's
/// `Taken`, with its names owned).
#[derive(Debug, Clone, PartialEq)]
pub struct MeasurementRecord {
    /// When.
    pub t: Time,
    /// Which analysis: `background`, `step`, `pre-promotion`, `post-promotion`,
    /// `experiment` or `flagger`.
    pub analysis: &'static str,
    /// A `step` analysis' index in `steps`.
    pub step: Option<usize>,
    /// An `experiment` analysis' name.
    pub name: Option<String>,
    /// The metric's name.
    pub metric: String,
    /// The measured value; `None` when there was none.
    pub value: Option<f64>,
    /// The measurement's phase: `Successful`, `Failed`, `Inconclusive` or `Error`.
    pub phase: &'static str,
    /// Requests of the window read, and of which failed, for a measurement of requests.
    pub window: Option<(u64, u64)>,
    /// The metric is in dry-run mode.
    pub dry_run: bool,
}

impl TraceRecord {
    /// When it happened.
    pub fn time(&self) -> Time {
        match self {
            TraceRecord::Task { t, .. }
            | TraceRecord::Scale { t, .. }
            | TraceRecord::Node { t, .. }
            | TraceRecord::Update { t, .. } => *t,
            TraceRecord::Measurement(m) => m.t,
        }
    }
}

/// The `(new, old)` ReplicaSet sizes after every sync that changed them, in order: the
/// sequence upstream's worked examples list (the "Updating a Deployment" events of
/// kubernetes/website `content/en/docs/concepts/workloads/controllers/deployment.md`).
///
/// ```
/// use rollout_sim::cluster::{TraceRecord, trace::scale_steps};
/// let trace = [TraceRecord::Scale { t: 0, new: 3, old: 8 }, TraceRecord::Scale { t: 0, new: 5, old: 8 }];
/// assert_eq!(scale_steps(&trace), [(3, 8), (5, 8)]);
/// ```
pub fn scale_steps(trace: &[TraceRecord]) -> Vec<(u32, u32)> {
    trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Scale { new, old, .. } => Some((new, old)),
            _ => None,
        })
        .collect()
}
