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
//! Counting scans the trial's tasks once per stretch of time that holds at least one sample
//! time, so the cost is O(tasks · samples) at worst and nothing when no sample falls between
//! two events.

use crate::cluster::{Cluster, TaskState};
use crate::sim::time::Time;

/// What is counted per version, in the order of [`FleetTimeline`]'s columns.
pub const FLEET_COUNTS: [&str; 3] = ["ready", "available", "running"];

/// Whether task state `s` (with its `available` flag) counts under `FLEET_COUNTS[k]`.
///
/// - `ready`: serving (Swarm RUNNING, healthy if there is a HEALTHCHECK; Kubernetes Ready);
/// - `available`: Kubernetes available (Ready for `minReadySeconds`); equal to `ready`
///   for Swarm;
/// - `running`: the process runs and the task was not told to stop yet: ready, or
///   started and not (yet) ready.
fn counts(k: usize, s: TaskState, available: bool) -> bool {
    match k {
        0 => s == TaskState::Ready,
        1 => available,
        _ => matches!(s, TaskState::Running | TaskState::Ready),
    }
}

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
    /// Scratch: one sample's counts.
    row: Vec<u32>,
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
        self.count(cl);
        let tick = self.timeline.tick;
        while self.next < until {
            self.timeline.counts.extend_from_slice(&self.row);
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

    fn count(&mut self, cl: &Cluster) {
        let versions = self.timeline.versions;
        self.row.clear();
        self.row.resize(FLEET_COUNTS.len() * versions, 0);
        for t in &cl.tasks {
            let v = t.version as usize;
            for k in 0..FLEET_COUNTS.len() {
                if counts(k, t.state, t.available) {
                    self.row[k * versions + v] += 1;
                }
            }
        }
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
    fn running_excludes_tasks_told_to_stop_and_not_yet_started() {
        assert!(counts(2, TaskState::Running, false));
        assert!(counts(2, TaskState::Ready, true));
        assert!(!counts(2, TaskState::Terminating, false));
        assert!(!counts(2, TaskState::Starting, false));
        assert!(!counts(0, TaskState::Running, false));
        assert!(counts(1, TaskState::Ready, true) && !counts(1, TaskState::Ready, false));
    }
}
