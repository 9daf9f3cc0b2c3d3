//! Load generators aimed at one version's pods: what a load tester (Flagger's
//! flagger-loadtester running `hey`) sends beside the users' traffic.
//!
//! A controller that starts a load test records a [`LoadRun`] on the cluster; the traffic
//! model reads the runs as it integrates (`traffic::load`), as it reads the router's
//! weights from [`super::Cluster::routing`]. The requests of a run are not users': the
//! trial's request columns leave them out, while the analysis windows of the version
//! count them, and their load shares the pods' queues with the users' requests.

use crate::scenario::VersionId;
use crate::sim::time::Time;

/// One run of a load generator: `rps` requests a second to `version`'s pods over
/// `[from, until)`.
///
/// ```
/// use rollout_sim::cluster::load_test::LoadRun;
/// use rollout_sim::sim::time::SECOND;
/// let run = LoadRun { from: 0, until: 60 * SECOND, rps: 20.0, version: 1 };
/// assert!(run.sends_at(59 * SECOND) && !run.sends_at(60 * SECOND));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoadRun {
    /// When the first request is sent.
    pub from: Time,
    /// When the generator stops.
    pub until: Time,
    /// Requests a second, constant over the run.
    pub rps: f64,
    /// The version whose pods the requests reach (a Service selecting them).
    pub version: VersionId,
}

impl LoadRun {
    /// Whether the run sends at `t`.
    pub fn sends_at(&self, t: Time) -> bool {
        self.from <= t && t < self.until
    }
}
