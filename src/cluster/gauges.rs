//! Running counts of the cluster (ready, available, tasks holding resources) and their
//! extremes over a trial: `min_ready`, `min_available`, `peak_tasks`, `peak_cpu`,
//! `peak_memory`, `peak_running_tasks`.
//!
//! Extremes are observed at the end of each simulated instant, after every event of that
//! instant has been applied, so a zero-length dip (the old task leaving rotation in the
//! same microsecond the new one joins) is not counted as a dip.

use super::task::TaskState;
use crate::scenario::Resources;

/// Current counts and their extremes.
#[derive(Debug, Clone, Default)]
pub struct Gauges {
    /// Tasks serving now.
    pub ready: u32,
    /// Tasks available now.
    pub available: u32,
    /// Tasks holding node resources now.
    pub holding: u32,
    /// What each task of the service requests (every task requests the same, so the
    /// resources held are `holding` times this: not kept apart, see [`Gauges::observe`]).
    per_task: Resources,
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
    /// Why tasks stayed Pending in this trial (every failed placement attempt).
    pub pending: super::placer::PendingReasons,
    /// `restarts` and `pending` as the rollout concluded ([`Gauges::conclude`]).
    at_conclusion: Option<(u32, super::placer::PendingReasons)>,
}

/// Whether a task in `state` has a started container: starting, running, ready,
/// terminating, or a Kubernetes pod in back-off (its container restarts in place). A task
/// placed but still pulling or held back (`prepared`) holds node resources without one:
/// the scheduler reserved room the rollout does not use yet.
pub const fn has_container(state: TaskState) -> bool {
    matches!(
        state,
        TaskState::BackOff
            | TaskState::Starting
            | TaskState::Running
            | TaskState::Ready
            | TaskState::Terminating
    )
}

/// What the fleet timeline counts per version, in the order of its columns: `ready`,
/// `available`, `running` (see [`fleet_marks`]).
pub const FLEET_KINDS: usize = 3;

/// Which of the fleet timeline's counts a task in `state` counts under, one bit per kind
/// in [`FLEET_KINDS`] order (bit 0 `ready`, bit 1 `available`, bit 2 `running`), given its
/// `available` flag, whether its node is `lost`, and whether availability is the API's
/// (`api_available`: Kubernetes) rather than the serving state (Swarm):
///
/// - `ready`: serving (Swarm RUNNING, healthy if there is a HEALTHCHECK; Kubernetes Ready)
///   on a node that is up: the tasks the `min_ready` gauge counts ([`Gauges::ready`]). A
///   task on a lost node stops serving at the loss, before the control plane notices;
/// - `available`: Kubernetes: the task's `available` flag, what the `min_available` gauge
///   counts (Ready in the API for `minReadySeconds`, a lost node's pods included until the
///   node is marked NotReady); Swarm: equal to `ready` (so never a task on a lost node);
/// - `running`: the process runs and the task was not told to stop yet: Ready, or started
///   and not (yet) Ready, on a node that is up (a lost node's processes went with it).
#[inline(always)]
pub const fn fleet_marks(state: TaskState, available: bool, lost: bool, api_available: bool) -> u8 {
    let up = !lost;
    let ready = matches!(state, TaskState::Ready) && up;
    let available = available && (up || api_available);
    let running = matches!(state, TaskState::Running | TaskState::Ready) && up;
    (ready as u8) | ((available as u8) << 1) | ((running as u8) << 2)
}

/// The fleet timeline's counts per version ([`fleet_marks`]), kept as tasks change while
/// the fleet is sampled, so that a sample copies them instead of scanning the tasks.
/// Laid out kind-major: `counts[kind · versions + version]`.
#[derive(Debug, Clone, Default)]
pub struct FleetCounts {
    /// The counts are kept (the trial's fleet is sampled).
    pub on: bool,
    /// Availability is the API's (Kubernetes), not the serving state (Swarm).
    api_available: bool,
    versions: usize,
    counts: Vec<u32>,
}

impl FleetCounts {
    /// No counts yet, for a runtime whose availability is the API's (`api_available`,
    /// the kubelet) or the serving state (the Docker engine).
    pub fn new(api_available: bool) -> FleetCounts {
        FleetCounts {
            api_available,
            ..FleetCounts::default()
        }
    }

    /// Zero the counts for a trial of a scenario with `versions` versions.
    pub fn reset(&mut self, versions: usize) {
        self.versions = versions;
        self.counts.clear();
        if self.on {
            self.counts.resize(FLEET_KINDS * versions, 0);
        }
    }

    /// The counts, kind-major (empty unless kept).
    pub fn as_slice(&self) -> &[u32] {
        &self.counts
    }

    /// [`fleet_marks`] of a task in `state` with its `available` flag, on a `lost` node
    /// or not.
    #[inline(always)]
    pub fn marks(&self, state: TaskState, available: bool, lost: bool) -> u8 {
        fleet_marks(state, available, lost, self.api_available)
    }

    /// A task of `version` went from marks `old` to marks `new` ([`FleetCounts::marks`]).
    /// Out of line: only a sampled trial calls it, and its callers are inlined widely.
    #[inline(never)]
    pub fn moved(&mut self, version: usize, old: u8, new: u8) {
        if old == new {
            return;
        }
        debug_assert!(version < self.versions, "a task of an unknown version");
        for k in 0..FLEET_KINDS {
            let (was, is) = (old >> k & 1 != 0, new >> k & 1 != 0);
            let c = &mut self.counts[k * self.versions + version];
            match (was, is) {
                (false, true) => *c += 1,
                (true, false) => *c -= 1,
                _ => {}
            }
        }
    }

    /// The counts of `tasks`, counted afresh, kind-major.
    pub fn counted(&self, tasks: &[super::Task]) -> Vec<u32> {
        let mut fresh = FleetCounts {
            on: true,
            ..self.clone()
        };
        fresh.reset(self.versions);
        for t in tasks {
            let marks = fresh.marks(t.state, t.available, t.lost);
            fresh.moved(t.version as usize, 0, marks);
        }
        fresh.counts
    }

    /// Count `tasks` afresh when the counts are kept (a fleet copied in whole, see
    /// `fleet.rs`).
    pub fn recount(&mut self, tasks: &[super::Task]) {
        if self.on {
            self.counts = self.counted(tasks);
        }
    }
}

/// What a state change from one state to another does to the counts a task's state
/// feeds, looked up once per change ([`Moves::of`]) instead of testing each state's
/// properties in turn on the hot path of every step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moves(u8);

impl Moves {
    /// Ready entered or left, or the task ends: its share of the wanted counts may move.
    pub const SHARE: u8 = 1;
    /// It starts holding node resources.
    pub const HOLDS: u8 = 2;
    /// It stops holding node resources.
    pub const RELEASES: u8 = 4;
    /// It gets a started container ([`has_container`]).
    pub const CONTAINER: u8 = 8;
    /// It loses its started container.
    pub const NO_CONTAINER: u8 = 16;
    /// It ends (Stopped or Failed).
    pub const ENDS: u8 = 32;

    const STATES: usize = TaskState::ALL.len();

    /// Every change, by `[old][new]`.
    const TABLE: [[Moves; Moves::STATES]; Moves::STATES] = {
        let mut table = [[Moves(0); Moves::STATES]; Moves::STATES];
        let mut o = 0;
        while o < Moves::STATES {
            let mut n = 0;
            while n < Moves::STATES {
                table[o][n] = Moves::compute(TaskState::ALL[o], TaskState::ALL[n]);
                n += 1;
            }
            o += 1;
        }
        table
    };

    const fn compute(old: TaskState, new: TaskState) -> Moves {
        const fn ready(s: TaskState) -> bool {
            matches!(s, TaskState::Ready)
        }
        let mut m = 0;
        if ready(old) || ready(new) || old.is_terminal() || new.is_terminal() {
            m |= Moves::SHARE;
        }
        match (old.holds_resources(), new.holds_resources()) {
            (false, true) => m |= Moves::HOLDS,
            (true, false) => m |= Moves::RELEASES,
            _ => {}
        }
        match (has_container(old), has_container(new)) {
            (false, true) => m |= Moves::CONTAINER,
            (true, false) => m |= Moves::NO_CONTAINER,
            _ => {}
        }
        if new.is_terminal() {
            m |= Moves::ENDS;
        }
        Moves(m)
    }

    /// What the change from `old` to `new` moves.
    #[inline]
    pub fn of(old: TaskState, new: TaskState) -> Moves {
        Moves::TABLE[old as usize][new as usize]
    }

    /// Whether it moves any of `flags`.
    #[inline]
    pub fn any(self, flags: u8) -> bool {
        self.0 & flags != 0
    }
}

impl Gauges {
    /// Zero everything for a new trial of a service whose tasks each request `per_task`.
    pub fn reset(&mut self, per_task: Resources) {
        *self = Gauges {
            min_ready: u32::MAX,
            min_available: u32::MAX,
            per_task,
            ..Gauges::default()
        };
    }

    /// Fold the current counts into the extremes.
    ///
    /// The cpu and memory held are `holding` times one task's request, so they peak
    /// exactly when `holding` does: worked out only then, from the new peak (two compares
    /// fewer every instant, and no sums kept at every change that holds or releases).
    ///
    /// Written as stores only when an extreme moves (it rarely does): as plain `min` /
    /// `max` the compiler packs them into vector compares, which without 64-bit vector
    /// compares in SSE2 take more instructions than the scalar compares.
    #[inline]
    pub fn observe(&mut self) {
        lower(&mut self.min_ready, self.ready);
        lower(&mut self.min_available, self.available);
        if self.holding > self.peak_tasks {
            self.peak_tasks = self.holding;
            self.peak_cpu = u64::from(self.holding) * self.per_task.cpu_millis;
            self.peak_memory = u64::from(self.holding) * self.per_task.memory_bytes;
        }
        raise(&mut self.peak_running, self.running);
    }

    /// The rollout concluded (its outcome is known): the counts it reports stop here, as
    /// the extremes do (which are no longer observed), though traffic measured past the
    /// outcome (`traffic.duration`) keeps the cluster running and its tasks restarting.
    pub fn conclude(&mut self) {
        self.at_conclusion = Some((self.restarts, self.pending));
    }

    /// The rollout's restarts: up to its conclusion, if it concluded.
    pub fn rollout_restarts(&self) -> u32 {
        self.at_conclusion.map_or(self.restarts, |(r, _)| r)
    }

    /// Why the rollout's tasks stayed Pending: up to its conclusion, if it concluded.
    pub fn rollout_pending(&self) -> super::placer::PendingReasons {
        self.at_conclusion.map_or(self.pending, |(_, p)| p)
    }
}

/// `*least = min(*least, now)`, storing only when it moves.
#[inline(always)]
fn lower<T: Ord + Copy>(least: &mut T, now: T) {
    if now < *least {
        *least = now;
    }
}

/// `*most = max(*most, now)`, storing only when it moves.
#[inline(always)]
fn raise<T: Ord + Copy>(most: &mut T, now: T) {
    if now > *most {
        *most = now;
    }
}

/// What one task adds to [`WantedCounts`]: whether it is wanted (live, not told to stop),
/// and if so whether it is Ready, available, and on which node.
///
/// Packed in one word (three flag bits, the node plus one above them) because every state
/// change compares the task's share before and after: one integer comparison then tells
/// that nothing the counts keep moved, the common case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Share(u64);

impl Share {
    const WANTED: u64 = 1;
    const READY: u64 = 2;
    const AVAILABLE: u64 = 4;
    const NODE_SHIFT: u32 = 32;

    /// The share of a task: nothing unless `wanted`; then Ready, available and the node
    /// as given.
    #[inline]
    pub fn new(wanted: bool, ready: bool, available: bool, node: Option<u32>) -> Share {
        if !wanted {
            return Share(0);
        }
        let node = node.map_or(0, |n| u64::from(n) + 1);
        Share(
            Share::WANTED
                | (u64::from(ready) * Share::READY)
                | (u64::from(available) * Share::AVAILABLE)
                | (node << Share::NODE_SHIFT),
        )
    }

    /// Live and not told to stop ([`super::Task::is_wanted`]).
    #[inline]
    pub fn wanted(self) -> bool {
        self.0 & Share::WANTED != 0
    }

    /// Wanted and Ready.
    #[inline]
    pub fn ready(self) -> bool {
        self.0 & Share::READY != 0
    }

    /// Wanted and available.
    #[inline]
    pub fn available(self) -> bool {
        self.0 & Share::AVAILABLE != 0
    }

    /// Wanted and placed on this node.
    #[inline]
    pub fn node(self) -> Option<u32> {
        match self.0 >> Share::NODE_SHIFT {
            0 => None,
            n => Some(n as u32 - 1),
        }
    }
}

/// Counts of wanted tasks (live, not told to stop) per owner ([`super::Task::owner`]) and
/// per node, kept as tasks change so a controller reads them in O(1) instead of recounting
/// its tasks: the Kubernetes ReplicaSet status (`replicas`, `readyReplicas`,
/// `availableReplicas` count the active pods, `controller.FilterActivePods`), which holds
/// for a ReplicaSet that shares its version with another (a restart's, Flagger's primary
/// and canary) as for any, and the colocation rank of its pod deletion order (active pods
/// of the Deployment on the same node).
#[derive(Debug, Clone, Default)]
pub struct WantedCounts {
    /// Wanted tasks per owner.
    pub wanted: Vec<u32>,
    /// Wanted Ready tasks per owner.
    pub ready: Vec<u32>,
    /// Wanted available tasks per owner.
    pub available: Vec<u32>,
    /// Wanted tasks per node, every owner.
    pub on_node: Vec<u32>,
}

impl WantedCounts {
    /// Owners counted without growing the lists (a Deployment's ReplicaSets in most
    /// trials; Flagger's three).
    const OWNERS: usize = 4;

    /// Zero everything for a new trial.
    pub fn reset(&mut self, nodes: usize) {
        for (v, len) in [
            (&mut self.wanted, Self::OWNERS),
            (&mut self.ready, Self::OWNERS),
            (&mut self.available, Self::OWNERS),
            (&mut self.on_node, nodes),
        ] {
            v.clear();
            v.resize(len, 0);
        }
    }

    /// Move a task counted in group `owner` from share `old` to share `new`.
    #[inline]
    pub fn change(&mut self, owner: usize, old: Share, new: Share) {
        if old == new {
            return;
        }
        if owner >= self.wanted.len() {
            self.grow(owner);
        }
        // A count moves by the difference of its flag in the two shares (no branch).
        let step = |c: &mut u32, was: bool, is: bool| {
            *c = c.wrapping_add(u32::from(is)).wrapping_sub(u32::from(was));
        };
        step(&mut self.wanted[owner], old.wanted(), new.wanted());
        step(&mut self.ready[owner], old.ready(), new.ready());
        step(&mut self.available[owner], old.available(), new.available());
        let (was, is) = (old.node(), new.node());
        if was != is {
            if let Some(n) = was {
                self.on_node[n as usize] -= 1;
            }
            if let Some(n) = is {
                self.on_node[n as usize] += 1;
            }
        }
    }

    /// Room for counts of `owner` (out of line: the counts are sized for a few owners at
    /// each reset, so this is rare and keeps `change` small).
    #[cold]
    #[inline(never)]
    fn grow(&mut self, owner: usize) {
        for v in [&mut self.wanted, &mut self.ready, &mut self.available] {
            v.resize(owner + 1, 0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table says what testing the states' properties says, for every change.
    #[test]
    fn moves_agree_with_the_states() {
        for (i, &old) in TaskState::ALL.iter().enumerate() {
            assert_eq!(old as usize, i);
            for &new in &TaskState::ALL {
                let m = Moves::of(old, new);
                let ready = |s| s == TaskState::Ready;
                let share = ready(old) || ready(new) || old.is_terminal() || new.is_terminal();
                assert_eq!(m.any(Moves::SHARE), share, "{old:?} {new:?}");
                let (held, holds) = (old.holds_resources(), new.holds_resources());
                assert_eq!(m.any(Moves::HOLDS), !held && holds);
                assert_eq!(m.any(Moves::RELEASES), held && !holds);
                let (had, has) = (has_container(old), has_container(new));
                assert_eq!(m.any(Moves::CONTAINER), !had && has);
                assert_eq!(m.any(Moves::NO_CONTAINER), had && !has);
                assert_eq!(m.any(Moves::ENDS), new.is_terminal());
            }
        }
    }
}
