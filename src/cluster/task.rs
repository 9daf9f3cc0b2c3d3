//! A task: one container (Swarm task, Kubernetes pod) of one version in one slot.

use crate::scenario::VersionId;
use crate::sim::time::{NEVER, Time};

/// Index of a task in [`super::Cluster::tasks`]; tasks are never removed during a trial.
pub type TaskId = u32;
/// Index of a node in [`super::Cluster::nodes`].
pub type NodeId = u32;
/// The group a task's controller counts it in ([`Task::owner`]).
pub type OwnerId = u32;
/// The one group of a controller that counts no groups of its own (Swarm, a DaemonSet, a
/// StatefulSet): all its tasks.
pub const SOLE_OWNER: OwnerId = 0;

/// Where a task is in its life. The order is the lifecycle order; `Failed` and `Stopped`
/// are terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TaskState {
    /// Waiting for a node with room.
    Pending,
    /// On a node, pulling its image.
    Pulling,
    /// Image present; waiting for permission to start (Swarm's READY with desired READY).
    Prepared,
    /// Kubernetes: the pod's container died and waits out its CrashLoopBackOff delay
    /// before the kubelet restarts it in place (the pod keeps its node and resources).
    BackOff,
    /// Container starting (until the process runs).
    Starting,
    /// Process running, not (yet) serving: health check or readiness not passed.
    Running,
    /// Serving: Swarm RUNNING (healthy, when there is a HEALTHCHECK), Kubernetes Ready.
    Ready,
    /// Told to stop: draining, preStop, SIGTERM, grace period.
    Terminating,
    /// Kubernetes: deleted in the API while no container of it had started, on a node
    /// that is lost (evicted while still pulling, say). No kubelet confirms the deletion,
    /// so the pod stays Terminating (`kubectl` and the trace say `terminating`) and keeps
    /// its resources on the node, without a container, until the node returns.
    Deleting,
    /// Exited after being told to stop.
    Stopped,
    /// Died on its own: crash, failed health check, pull error.
    Failed,
}

impl TaskState {
    /// Every state, in declaration order: the index of each is its discriminant.
    pub const ALL: [TaskState; 11] = [
        TaskState::Pending,
        TaskState::Pulling,
        TaskState::Prepared,
        TaskState::BackOff,
        TaskState::Starting,
        TaskState::Running,
        TaskState::Ready,
        TaskState::Terminating,
        TaskState::Deleting,
        TaskState::Stopped,
        TaskState::Failed,
    ];

    /// The trace's name for the state.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Pending => "pending",
            TaskState::Pulling => "pulling",
            TaskState::Prepared => "prepared",
            TaskState::BackOff => "backoff",
            TaskState::Starting => "starting",
            TaskState::Running => "running",
            TaskState::Ready => "ready",
            TaskState::Terminating | TaskState::Deleting => "terminating",
            TaskState::Stopped => "stopped",
            TaskState::Failed => "failed",
        }
    }

    /// Terminating, with a container or without one ([`TaskState::Deleting`]).
    pub const fn is_terminating(self) -> bool {
        matches!(self, TaskState::Terminating | TaskState::Deleting)
    }

    /// Stopped or failed: the container is gone.
    pub const fn is_terminal(self) -> bool {
        matches!(self, TaskState::Stopped | TaskState::Failed)
    }

    /// Holds node resources: placed on a node and not yet exited.
    pub const fn holds_resources(self) -> bool {
        !matches!(self, TaskState::Pending) && !self.is_terminal()
    }
}

/// One task.
///
/// Laid out in declaration order (`repr(C)`), the fields read on every step first: a
/// 10,000-replica trial touches tasks all over a large array, and with the compiler's own
/// order (widest first) the state, generation and node sat behind seven timestamps, in
/// another cache line than a look-up's first one (callgrind's cache model: 5.5 % fewer
/// level-1 data misses in a 10,000-replica Swarm trial). The fields up to `since`, what a
/// state change reads and writes, take 32 bytes, and the type is aligned to 32 bytes (its
/// size, 96, is a multiple): those 32 bytes then never straddle two cache lines, as half
/// the tasks' did at 16-byte alignment. The next 32 bytes, in the same line as those for
/// every other task, hold what a stop reads besides (`attempt`, `stops_answering_at`, and
/// `hang_at` for its duration): such a stop reads one cache line, not two (callgrind's
/// cache model with a 1 MiB last level, 10,000 replicas: last-level misses -2.8 % Swarm,
/// -1.6 % Kubernetes). Behind them, the four timestamps a new task sets to `NEVER` lie
/// side by side (two stores), and `ready_at` before `run_at` keeps the readiness walk
/// from loading the pair as one vector (two instructions more a walk).
#[derive(Debug, Clone, Copy)]
#[repr(C, align(32))]
pub struct Task {
    /// Current state.
    pub state: TaskState,
    /// Which version it runs.
    pub version: VersionId,
    /// Told to stop (desired state shutdown); it is never restarted.
    pub stop_requested: bool,
    /// Available (Kubernetes: ready for `minReadySeconds`; Swarm: = ready).
    pub available: bool,
    /// Its node was lost (and is not back) while the task was placed there: nothing of it
    /// moves on its own any more, it never starts (`Cluster::try_start`); only the
    /// control plane marks it (Swarm fails it when the node is declared down; Kubernetes
    /// keeps such pods until eviction).
    pub lost: bool,
    /// Whether it may start once prepared (Swarm stop-first holds the new task back).
    pub start_allowed: bool,
    /// It waits for a pull in progress (which may fail), not for an image already there.
    pub awaits_pull: bool,
    /// Named in the edits since their reader last read it ([`super::Cluster::edit_read`]):
    /// its later changes are not named again until then.
    pub in_edits: bool,
    /// Bumped whenever pending events of this task become obsolete.
    pub generation: u32,
    /// Slot (Swarm) or ordinal within its version (Kubernetes); keys the random streams.
    pub slot: u32,
    /// Node it was placed on.
    pub node: Option<NodeId>,
    /// When it entered that state.
    pub since: Time,
    /// The how-many-th container of this (slot, version): keys the random streams.
    /// A Kubernetes container restarted in place gets the next attempt.
    pub attempt: u32,
    /// Container restarts in place (Kubernetes' `restartCount`, counted when the container
    /// starts again; 0 for Swarm, whose restarts are new tasks).
    pub restarts: u32,
    /// Failed image pulls of this task so far (keys the pull-failure stream).
    pub pull_failures: u32,
    /// The group its controller counts it in, whose wanted counts the cluster keeps
    /// ([`super::Cluster::wanted_of`]): a Kubernetes pod's ReplicaSet (its index among
    /// its controller's), whose status they are; [`SOLE_OWNER`] for a controller that
    /// counts no groups. In what was padding before `stops_answering_at`.
    pub owner: OwnerId,
    /// When the current process stops answering requests: SIGTERM (after any preStop),
    /// its death, or the loss of its node. `NEVER` while nothing of the sort is planned.
    pub stops_answering_at: Time,
    /// When the application hangs (absolute).
    pub hang_at: Time,
    /// When the application is truly ready (absolute), for the current container.
    pub ready_at: Time,
    /// When the process started, for the current container.
    pub run_at: Time,
    /// When the task was created.
    pub created: Time,
    /// It may not start before this instant (restart delay).
    pub start_not_before: Time,
}

impl Task {
    /// A fresh pending task.
    pub fn new(slot: u32, version: VersionId, attempt: u32, now: Time) -> Task {
        Task {
            slot,
            version,
            attempt,
            restarts: 0,
            created: now,
            node: None,
            state: TaskState::Pending,
            since: now,
            generation: 0,
            start_allowed: true,
            start_not_before: 0,
            stop_requested: false,
            available: false,
            run_at: NEVER,
            ready_at: NEVER,
            hang_at: NEVER,
            stops_answering_at: NEVER,
            pull_failures: 0,
            owner: SOLE_OWNER,
            awaits_pull: false,
            in_edits: false,
            lost: false,
        }
    }

    /// Not yet stopped or failed.
    pub fn is_live(&self) -> bool {
        !self.state.is_terminal()
    }

    /// Live and not told to stop: what Swarm calls an updatable task (desired ≤ RUNNING).
    pub fn is_wanted(&self) -> bool {
        self.is_live() && !self.stop_requested
    }
}

impl Task {
    /// What it adds to [`super::gauges::WantedCounts`].
    #[inline]
    pub fn share(&self) -> super::gauges::Share {
        super::gauges::Share::new(
            self.is_wanted(),
            self.state == TaskState::Ready,
            self.available,
            self.node,
        )
    }
}

/// `list[id] = value` in a list indexed by task id, filling any gap before `id` with
/// `fill`. Ids grow by one with every task created, so `id` is mostly just past the end:
/// one push, without `resize`'s general path.
///
/// ```
/// use rollout_sim::cluster::task::set_at;
/// let mut list = vec![7u32];
/// set_at(&mut list, 1, 0, 8); // just past the end: a push
/// set_at(&mut list, 3, 0, 9); // a gap, filled
/// set_at(&mut list, 0, 0, 6); // in place
/// assert_eq!(list, [6, 8, 0, 9]);
/// ```
#[inline]
pub fn set_at<T: Copy>(list: &mut Vec<T>, id: TaskId, fill: T, value: T) {
    let i = id as usize;
    if i < list.len() {
        list[i] = value;
        return;
    }
    if i > list.len() {
        list.resize(i, fill);
    }
    list.push(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_change_reads_one_aligned_32_byte_block() {
        assert_eq!(std::mem::size_of::<Task>(), 96);
        assert_eq!(std::mem::align_of::<Task>(), 32);
        assert_eq!(std::mem::offset_of!(Task, since), 24);
        assert_eq!(std::mem::offset_of!(Task, hang_at), 56);
    }

    /// Against what it replaces (`resize(id + 1, fill)` when short, then `list[id] =
    /// value`), over random writes mostly just past the end.
    #[test]
    fn set_at_writes_as_resize_and_index() {
        let mut rng = crate::sim::Key::trial(9, 0, crate::sim::Purpose::Controller).rng();
        let (mut v, mut w) = (Vec::new(), Vec::new());
        for k in 0..5_000u32 {
            let i = match rng.below(4) {
                0 => rng.below(v.len() as u64 + 8) as usize,
                _ => v.len(),
            };
            set_at(&mut v, i as TaskId, u32::MAX, k);
            if i >= w.len() {
                w.resize(i + 1, u32::MAX);
            }
            w[i] = k;
            assert_eq!(v, w);
        }
    }
}
