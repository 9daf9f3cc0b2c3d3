//! Traffic mirroring a router applies beside its weights: a copy of the users' requests
//! sent to one version's pods, whose answers the router drops (Istio's
//! `HTTPRoute.mirror` and `mirrorPercentage`, `istio/api:networking/v1alpha3/virtual_service.proto`).
//!
//! A controller writes the mirror with the weights ([`super::Cluster::mirror`] beside
//! [`super::Cluster::routing`]); the two are one router configuration, so they reach the
//! proxies together (`traffic::routing`). The copies are not users' requests: the trial's
//! request columns leave them out, while the analysis windows of the mirrored version count
//! them and their load shares its pods' queues.

use crate::scenario::VersionId;

/// A copy of `percent` % of the users' requests sent to `version`'s pods.
///
/// ```
/// use rollout_sim::cluster::mirror::Mirror;
/// let m = Mirror { version: 1, percent: 100 };
/// assert_eq!(m.fraction(), 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mirror {
    /// The version whose pods get the copies (a Service selecting them).
    pub version: VersionId,
    /// The share of the users' requests copied, percent (1 to 100).
    pub percent: u32,
}

impl Mirror {
    /// The share of the users' requests copied, as a fraction.
    pub fn fraction(&self) -> f64 {
        f64::from(self.percent) / 100.0
    }
}
