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

/// A copy of a fraction of the users' requests sent to `version`'s pods: Flagger's
/// `mirrorWeight` % of them, or an Argo Rollouts mirror route's `percentage` % of the
/// requests its match selects.
///
/// ```
/// use rollout_sim::cluster::mirror::Mirror;
/// // Every request copied to version 1 (Flagger's mirror without `mirrorWeight`).
/// let m = Mirror::percent(1, 100);
/// assert_eq!(m.fraction, 1.0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mirror {
    /// The version whose pods get the copies (a Service selecting them).
    pub version: VersionId,
    /// The fraction of the users' requests copied (above 0, at most 1).
    pub fraction: f64,
}

impl Mirror {
    /// `percent` % of the users' requests copied to `version`.
    pub fn percent(version: VersionId, percent: u32) -> Mirror {
        Mirror {
            version,
            fraction: f64::from(percent) / 100.0,
        }
    }
}
