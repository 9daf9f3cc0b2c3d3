//! The fleet timeline of one trial: tasks ready, available and running per version,
//! sampled every `tick`.
//!
//! This is the first chart a reviewer asks for ("how many tasks of each version served,
//! second by second"), so it exists for every scenario, with or without `traffic`.
//!
//! A sample at `t` is the fleet **at the end of instant `t`**, after every event of that
//! instant was applied: the same instants the trial's `min_ready` / `min_available`
//! gauges are read at, so a zero-length dip never shows. Samples are taken at
//! `0, tick, 2·tick, …` up to the first multiple of `tick` at or after the trial's end; after
//! its end the fleet is held as the trial left it (nothing is simulated past the end).
//!
//! The cluster keeps the counts per version as tasks change, while a trial is sampled
//! ([`Cluster::count_fleet`], [`Cluster::fleet_counts`]): a sample copies them, so the cost
//! is O(versions) per sample time, whatever the fleet, and nothing scans the tasks.

use crate::cluster::Cluster;
use crate::cluster::gauges::FLEET_KINDS;
use crate::sim::time::Time;

/// What is counted per version, in the order of [`FleetTimeline`]'s columns; which tasks
/// count under each is [`fleet_marks`](crate::cluster::gauges::fleet_marks):
///
/// - `ready`: serving (Swarm RUNNING, healthy if there is a HEALTHCHECK; Kubernetes
///   Ready), the tasks `min_ready` counts: a task on a lost node stops serving at the loss;
/// - `available`: Kubernetes available (Ready for `minReadySeconds`, as the API counts
///   it: a lost node's pods until it is marked NotReady); equal to `ready` for Swarm;
/// - `running`: the process runs and the task was not told to stop yet: ready, or
///   started and not (yet) ready, on a node that is up.
pub const FLEET_COUNTS: [&str; FLEET_KINDS] = ["ready", "available", "running"];

/// The samples of one trial: `counts[(sample · 3 + kind) · versions + version]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetTimeline {
    /// Time between samples.
    pub tick: Time,
    /// Number of versions in the scenario.
    pub versions: usize,
    /// The trial's end (its outcome, or the end of the traffic window when later).
    pub end: Time,
    /// Flat counts, sample-major.
    pub counts: Vec<u32>,
}

impl FleetTimeline {
    /// How many samples there are (`t = 0, tick, …`).
    pub fn len(&self) -> usize {
        self.counts.len() / (FLEET_COUNTS.len() * self.versions.max(1))
    }

    /// Whether there is no sample at all.
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// Count `kind` (index into [`FLEET_COUNTS`]) of `version` at sample `i`; past the
    /// last sample, the last one (the fleet as the trial left it).
    pub fn get(&self, i: usize, kind: usize, version: usize) -> u32 {
        let i = i.min(self.len().saturating_sub(1));
        self.counts
            .get((i * FLEET_COUNTS.len() + kind) * self.versions + version)
            .copied()
            .unwrap_or(0)
    }

    /// Count `kind` summed over every version at sample `i`.
    pub fn total(&self, i: usize, kind: usize) -> u32 {
        (0..self.versions).map(|v| self.get(i, kind, v)).sum()
    }
}

/// Records a [`FleetTimeline`] while a trial runs; reused across trials.
#[derive(Debug, Default)]
pub struct FleetSampler {
    timeline: FleetTimeline,
    /// The next sample time not yet recorded.
    next: Time,
}

impl FleetSampler {
    /// Start a trial of a scenario with `versions` versions, sampling every `tick` (> 0).
    pub fn reset(&mut self, tick: Time, versions: usize) {
        debug_assert!(tick > 0, "the fleet timeline needs a positive tick");
        self.timeline.tick = tick.max(1);
        self.timeline.versions = versions;
        self.timeline.end = 0;
        self.timeline.counts.clear();
        self.next = 0;
    }

    /// The fleet of `cl` (instant `cl.now()` is over) holds until `until` (exclusive): record
    /// every sample time in `[cl.now(), until)` not recorded yet.
    pub fn hold_until(&mut self, cl: &Cluster, until: Time) {
        if self.next >= until {
            return;
        }
        let row = cl.fleet_counts();
        debug_assert_eq!(row.len(), FLEET_COUNTS.len() * self.timeline.versions);
        #[cfg(debug_assertions)]
        cl.check_fleet_counts();
        let tick = self.timeline.tick;
        while self.next < until {
            self.timeline.counts.extend_from_slice(row);
            self.next = self.next.saturating_add(tick);
        }
    }

    /// The trial ended at `end` with the fleet of `cl`: record the remaining samples up to
    /// the first multiple of `tick` at or after `end`, and hand the timeline over.
    pub fn finish(&mut self, cl: &Cluster, end: Time) -> FleetTimeline {
        let tick = self.timeline.tick;
        let last = end.div_ceil(tick).saturating_mul(tick);
        self.hold_until(cl, last.saturating_add(1));
        self.timeline.end = end;
        std::mem::take(&mut self.timeline)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_end_holds_the_last_sample() {
        let tl = FleetTimeline {
            tick: 10,
            versions: 2,
            end: 15,
            // Two samples: (ready, available, running) × (v0, v1).
            counts: vec![3, 0, 3, 0, 3, 0, 1, 2, 1, 2, 1, 2],
        };
        assert_eq!(tl.len(), 2);
        assert_eq!(tl.get(0, 0, 0), 3);
        assert_eq!(tl.get(1, 0, 1), 2);
        assert_eq!(tl.get(7, 0, 1), 2);
        assert_eq!(tl.total(1, 2), 3);
    }

    #[test]
    fn running_excludes_tasks_told_to_stop_not_yet_started_or_on_a_lost_node() {
        use crate::cluster::TaskState;
        use crate::cluster::gauges::fleet_marks;
        let counts =
            |k: usize, s, available, lost| fleet_marks(s, available, lost, true) >> k & 1 != 0;
        assert!(counts(2, TaskState::Running, false, false));
        assert!(counts(2, TaskState::Ready, true, false));
        assert!(!counts(2, TaskState::Terminating, false, false));
        assert!(!counts(2, TaskState::Starting, false, false));
        assert!(!counts(0, TaskState::Running, false, false));
        assert!(counts(1, TaskState::Ready, true, false));
        assert!(!counts(1, TaskState::Ready, false, false));
        // A lost node's task neither serves nor runs; its availability is the API's flag
        // under Kubernetes, and its serving state (none) under Swarm.
        for s in [TaskState::Running, TaskState::Ready] {
            assert!(!counts(0, s, true, true) && !counts(2, s, true, true));
        }
        assert!(counts(1, TaskState::Ready, true, true));
        assert_eq!(fleet_marks(TaskState::Ready, true, true, false), 0);
        assert_eq!(fleet_marks(TaskState::Ready, true, false, false), 0b111);
    }
}
