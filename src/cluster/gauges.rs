//! Running counts of the cluster (ready, available, tasks holding resources) and their
//! extremes over a trial: `min_ready`, `min_available`, `peak_tasks`, `peak_cpu`,
//! `peak_memory`, `peak_running_tasks`.
//!
//! Extremes are observed at the end of each simulated instant, after every event of that
//! instant has been applied, so a zero-length dip (the old task leaving rotation in the
//! same microsecond the new one joins) is not counted as a dip.

use super::task::TaskState;

/// Current counts and their extremes.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// Tasks serving now.
    pub ready: u32,
    /// Tasks available now.
    pub available: u32,
    /// Tasks holding node resources now.
    pub holding: u32,
    /// Cpu requested by those tasks, millicores.
    pub cpu: u64,
    /// Memory requested by those tasks, bytes.
    pub memory: u64,
    /// Fewest serving at any observed instant.
    pub min_ready: u32,
    /// Fewest available at any observed instant.
    pub min_available: u32,
    /// Most tasks holding resources at any observed instant.
    pub peak_tasks: u32,
    /// Most cpu at any observed instant.
    pub peak_cpu: u64,
    /// Most memory at any observed instant.
    pub peak_memory: u64,
    /// Container restarts (Swarm: replacement tasks; Kubernetes: container restarts).
    pub restarts: u32,
    /// Tasks with a started container now (see [`has_container`]).
    pub running: u32,
    /// Most such tasks at any observed instant.
    pub peak_running: u32,
}

/// Whether a task in `state` has a started container: starting, running, ready,
/// terminating, or a Kubernetes pod in back-off (its container restarts in place). A task
/// placed but still pulling or held back (`prepared`) holds node resources without one:
/// the scheduler reserved room the rollout does not use yet.
pub fn has_container(state: TaskState) -> bool {
    matches!(
        state,
        TaskState::BackOff
            | TaskState::Starting
            | TaskState::Running
            | TaskState::Ready
            | TaskState::Terminating
    )
}

impl Gauges {
    /// Zero everything for a new trial.
    pub fn reset(&mut self) {
        *self = Gauges {
            min_ready: u32::MAX,
            min_available: u32::MAX,
            ..Gauges::default()
        };
    }

    /// Fold the current counts into the extremes.
    #[inline]
    pub fn observe(&mut self) {
        self.min_ready = self.min_ready.min(self.ready);
        self.min_available = self.min_available.min(self.available);
        self.peak_tasks = self.peak_tasks.max(self.holding);
        self.peak_cpu = self.peak_cpu.max(self.cpu);
        self.peak_memory = self.peak_memory.max(self.memory);
        self.peak_running = self.peak_running.max(self.running);
    }

    /// Count a task's move from `old` to `new` in [`Gauges::running`].
    #[inline]
    pub fn container_change(&mut self, old: TaskState, new: TaskState) {
        match (has_container(old), has_container(new)) {
            (false, true) => self.running += 1,
            (true, false) => self.running -= 1,
            _ => {}
        }
    }
}
