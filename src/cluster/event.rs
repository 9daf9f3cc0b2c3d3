//! What the cluster schedules on its engine: a task's next lifecycle step, a controller
//! timer, a user action, a node change, a turn of a node drain, or a run of cancelled
//! steps. The [`Event`] is small and `Copy` (the queue moves it on every push and pop);
//! whoever scheduled it decodes it when it pops.

use super::{NodeChange, NodeId, TaskId};

/// Something scheduled to happen.
///
/// An explicit tag byte, with the task step (by far the most common event) as tag 0: the
/// trial loop tests for it with one compare before matching the rest. Left to itself the
/// compiler stores the tag in the free values of [`NodeChange`]'s (a word, the task step
/// being tag 3 of 0 to 7); the explicit byte keeps the event 16 bytes (checked below).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Event {
    /// The next step of a task's lifecycle; ignored if the task's generation moved on.
    Task {
        /// Which task.
        task: TaskId,
        /// Its generation when scheduled.
        generation: u32,
        /// What happens.
        step: Step,
    },
    /// A controller timer, encoded ([`crate::sim::engine::Payload`]); the controller decodes
    /// it into its own timer type.
    Timer(u64),
    /// The scenario's user action with this index.
    Action(u32),
    /// A node is lost, noticed lost, or back ([`super::node_loss`]).
    Node {
        /// Which node.
        node: NodeId,
        /// What happens to it.
        change: NodeChange,
    },
    /// A turn of node drain number `.0` (`faults.node_drains`): the drain's start,
    /// `kubectl drain`'s retry of the evictions the disruption budget refused, or the
    /// uncordon once its `maintenance` is over ([`super::node_drain::DrainTurn`]).
    Drain(u32),
    /// A turn of the cluster autoscaler's loop ([`super::autoscaler`]).
    Autoscale,
    /// This many steps that creating the fleet scheduled and cancelled, due at one time
    /// and popping one after another, queued as one by a copied fleet ([`super::fleet`]): it
    /// does nothing, and counts as the events (and work) they were.
    Cancelled(u32),
}

/// A task lifecycle step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The node has the image.
    ImagePresent,
    /// The restart delay is over.
    StartDelayOver,
    /// The container's process runs.
    ProcessStarted,
    /// The health check passed.
    Healthy,
    /// The container died or was declared unhealthy.
    Died,
    /// The process exited after being told to stop.
    Exited,
    /// Kubernetes: readiness failed `failureThreshold` times; Ready → Running.
    NotReady,
    /// Ready for `minReadySeconds`: the task becomes available.
    Available,
    /// Kubernetes: the image pull back-off is over; pull again.
    RetryPull,
    /// Kubernetes: the lost node's pod outlived its toleration and is evicted.
    Evicted,
    /// The engine acts on a stop decision (after the control plane's `stop_signal`).
    StopSignal,
    /// The engine finished starting the container (stale unless it matches the start's
    /// current end, see [`super::control_plane::StartQueue`]).
    EngineStarted,
}

#[cfg(test)]
mod tests {
    use super::Event;

    /// The tag byte does not widen the event, which the queue moves on every push and pop.
    #[test]
    fn event_stays_16_bytes() {
        assert_eq!(std::mem::size_of::<Event>(), 16);
    }
}
