//! The traffic the Rollout writes, after `argoproj/argo-rollouts` v1.10
//! `rollout/trafficrouting.go`: the share of requests each version receives through the
//! router or blue-green's active Service, with the managed routes ([`super::route_table`])
//! and a running Experiment's weights, and the requests the mirror route copies.

use super::{Rollout, replicas};
use crate::cluster::Cluster;
use crate::cluster::mirror::Mirror;
use crate::scenario::rollout::RolloutKind;
use crate::scenario::{CURRENT, NEXT};

impl Rollout<'_> {
    /// The router's `maxTrafficWeight` (100 but for a canary that sets it; blue-green's
    /// Services switch all or nothing).
    pub(super) fn max_weight(&self) -> u32 {
        match &self.cfg.kind {
            RolloutKind::Canary(c) => c.max_weight(),
            RolloutKind::BlueGreen(_) => replicas::MAX_WEIGHT,
        }
    }

    /// Write the share of requests each version receives: `Some((canary weight,
    /// header share))` through the router or active Service (the weight out of
    /// [`Rollout::max_weight`]), with the managed routes in force above it; `None` for
    /// the Service spanning every pod.
    pub(super) fn route(&self, cl: &mut Cluster, split: Option<(u32, f64)>) {
        let max = f64::from(self.max_weight());
        let mut mirror = None;
        cl.routing = split.map(|(w, h)| {
            let split = self.routes.split(h, w, max);
            let mut shares = vec![0.0; cl.scenario.service.versions.len()];
            // `calculateWeightDestinationsFromExperiment`: a running Experiment's
            // templates take their weight from the stable's (istio `processRoutes`:
            // stable = max − canary − the experiment's weights).
            let mut taken = 0.0;
            for e in self.experiments.iter().filter(|e| e.routes_weights()) {
                for (v, weight) in e.weights() {
                    shares[usize::from(v)] = f64::from(weight) / max;
                    taken += f64::from(weight) / max;
                }
            }
            shares[CURRENT as usize] = (1.0 - split.canary - split.routed - taken).max(0.0);
            shares[NEXT as usize] = split.canary + split.routed;
            if split.copies > 0.0 {
                mirror = Some(Mirror {
                    version: NEXT,
                    fraction: split.copies,
                });
            }
            shares
        });
        cl.mirror = mirror;
    }
}
