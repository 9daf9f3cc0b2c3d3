//! Mirrored requests: the copies of the users' requests a router sends to one version's
//! pods beside its weights ([`Mirror`], Istio's `mirror` and `mirrorPercentage`).
//!
//! Each user request arriving at the router is copied with the mirror's probability
//! (`mirrorPercentage`; every request without it), and the copy goes to the mirrored
//! version's endpoints in rotation, spread by the users' balancer, whatever the weights.
//! The router drops the copy's answer, so a user never sees it: the trial's request
//! columns leave the copies out, while an analysis window of the mirrored version counts
//! them, as the mesh's metrics of the destination do ([`super::window`]). Their load joins
//! the users' and the load tests' on those endpoints (one queue, [`super::queueing`]).
//! With no endpoint of the version in rotation a copy reaches no pod and no measurement.
//!
//! Counts: the copies of a Poisson stream thinned by a fixed probability are a Poisson
//! stream, so a window counts a Poisson draw per outcome around the expected copies (one
//! keyed stream per window); with constant arrivals, the expected copies rounded.

use super::meter::Meter;
use super::window::Recorder;
use crate::cluster::mirror::Mirror;

/// The mirror in force in the proxies, and what its copies did.
#[derive(Debug, Default)]
pub(super) struct MirrorStream {
    /// The mirror in force (`None`: no copies).
    pub(super) in_force: Option<Mirror>,
    /// A mirror was in force at some point of the trial.
    pub(super) started: bool,
    /// Per version, the rate each of its answering endpoints gets from the copies over
    /// the current piece.
    pub(super) per_endpoint: Vec<f64>,
    /// Expected copies per bucket and cell, as the users' meter lays them out.
    pub(super) meter: Meter,
    /// Served copies per bucket, for windows.
    pub(super) recorder: Recorder,
}

impl MirrorStream {
    /// Forget the last trial.
    pub(super) fn reset(&mut self, versions: usize) {
        self.in_force = None;
        self.started = false;
        self.per_endpoint.clear();
        self.per_endpoint.resize(versions, 0.0);
        self.meter.reset(versions);
        self.recorder.reset();
    }

    /// A router configuration reached the proxies with this mirror.
    pub(super) fn put_in_force(&mut self, mirror: Option<Mirror>) {
        if mirror.is_none() {
            self.per_endpoint.iter_mut().for_each(|r| *r = 0.0);
        }
        self.started |= mirror.is_some();
        self.in_force = mirror;
    }
}
