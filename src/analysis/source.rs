//! The simulated traffic as a [`Measure`]: roles mapped to versions, windows read from
//! the trial's [`TrafficModel`].

use super::run::Measure;
use super::spec::Role;
use super::taken::Taken;
use crate::cluster::Cluster;
use crate::scenario::{CURRENT, NEXT, VersionId};
use crate::sim::time::Time;
use crate::traffic::TrafficModel;
use crate::traffic::window::{Reporter, WindowStats};

/// Measurements of one instant of a trial.
pub struct TrafficSource<'a, 's> {
    model: &'a mut TrafficModel<'s>,
    /// Read for its pods; written to only by [`Measure::note`], into the trace.
    cluster: &'a mut Cluster<'s>,
    /// Version of the canary and of the stable role.
    versions: [VersionId; 2],
    /// Pods each role's controller wants (for `ready_ratio`).
    desired: [u32; 2],
}

impl<'a, 's> TrafficSource<'a, 's> {
    /// The canary is `next`, the stable version `current`; desired pods unknown (0).
    pub fn new(model: &'a mut TrafficModel<'s>, cluster: &'a mut Cluster<'s>) -> Self {
        TrafficSource {
            model,
            cluster,
            versions: [NEXT, CURRENT],
            desired: [0, 0],
        }
    }

    /// Other versions for the roles (e.g. after a rollback the roles swap).
    pub fn versions(mut self, canary: VersionId, stable: VersionId) -> Self {
        self.versions = [canary, stable];
        self
    }

    /// The pods the controller wants per role, for `ready_ratio`.
    pub fn desired(mut self, canary: u32, stable: u32) -> Self {
        self.desired = [canary, stable];
        self
    }
}

impl Measure for TrafficSource<'_, '_> {
    fn window(&mut self, role: Role, reporter: Reporter, from: Time, to: Time) -> WindowStats {
        let i = slot(role);
        let version = self.versions[i];
        let mut w = self.model.window(self.cluster, version, reporter, from, to);
        w.desired = self.desired[i];
        w
    }

    fn bind(&mut self, canary: (VersionId, u32), stable: (VersionId, u32)) {
        self.versions = [canary.0, stable.0];
        self.desired = [canary.1, stable.1];
    }

    fn latency_buckets(&mut self, role: Role, from: Time, to: Time, bounds_ms: &[f64]) -> Vec<u64> {
        let version = self.versions[slot(role)];
        self.model
            .latency_buckets(self.cluster, version, from, to, bounds_ms)
    }

    fn note(&mut self, taken: Taken<'_>) {
        self.cluster.trace_measurement(|| taken.record());
    }
}

/// Where a role's version and desired pods sit in [`TrafficSource`]'s pairs.
fn slot(role: Role) -> usize {
    match role {
        Role::Canary => 0,
        Role::Stable => 1,
    }
}
