//! Weighted routing between versions: what a traffic router (Istio VirtualService, NGINX
//! canary Ingress, SMI TrafficSplit, Gateway API HTTPRoute) or a Service whose selector
//! names one version (blue-green's active Service) does with the requests.
//!
//! Rule (`istio/api:networking/v1alpha3/virtual_service.proto`, `HTTPRouteDestination.weight`):
//! each request goes to a version with probability equal to that version's share (Argo
//! Rollouts writes canary + stable = 100), then the balancer spreads it over that
//! version's endpoints in rotation. A header route placed above the weighted route sends
//! every request carrying the header to the canary (the first matching HTTP route wins);
//! the controller folds that share into the canary's. Requests routed to a version with no
//! endpoint in rotation are refused (the proxy's 503 "no healthy upstream"). Blue-green's
//! active Service is the exception: kube-proxy applies it, and sends to the version's
//! serving and terminating endpoints when it has no ready one
//! ([`super::endpoints::Pool`]); a mesh or ingress router has no such fallback here.
//!
//! What the controller writes reaches the proxies through the same path as an endpoint
//! change (istiod's xDS push, the ingress controller's reload, kube-proxy for a Service
//! selector), so each write of the router's configuration takes effect
//! `endpoint_propagation` after it was written, drawn from its own stream, and writes take
//! effect in order. A weight moved onto pods that just became available therefore meets
//! them in rotation (they became Ready, and joined the rotation's way, no later than the
//! write), and an abort's weight of 0 reaches the proxies that long after the abort.
//! The configuration in force at time 0 applies from 0, as the serving fleet's endpoints do.
//! A mirror ([`crate::cluster::mirror`]) is part of the configuration: it reaches the
//! proxies with the weights written beside it ([`super::mirror`]).
//!
//! Without a router (`cluster.routing` is `None`) nothing here runs and the balancer
//! spreads over every endpoint of every version: the split is the replica ratio.

use super::endpoints::Pool;
use super::meter::{Cause, Outcome};
use super::{Stream, TrafficModel};
use crate::cluster::Cluster;
use crate::cluster::mirror::Mirror;
use crate::scenario::Dist;
use crate::sim::time::{NEVER, Time};
use crate::sim::{Key, Purpose};
use std::collections::VecDeque;

/// One configuration of the router: its weights and its mirror, written together.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct RouterConfig {
    /// Share of requests per version (`None`: no router, the Service spans every pod).
    shares: Option<Vec<f64>>,
    /// The copy of the users' requests sent to one version, if any.
    mirror: Option<Mirror>,
}

/// The router's configuration on its way from the controller to the proxies.
#[derive(Debug, Default)]
pub(super) struct Propagation {
    /// The configuration last written.
    written: RouterConfig,
    /// Writes not in force yet, in order, each with the time it takes effect.
    pending: VecDeque<(Time, RouterConfig)>,
    /// Writes so far in the trial (the stream each lag is drawn from).
    writes: u32,
}

impl Propagation {
    /// Forget the last trial.
    pub(super) fn reset(&mut self) {
        self.written = RouterConfig::default();
        self.pending.clear();
        self.writes = 0;
    }

    /// Note a write of the cluster's routing since the last look: it is seen at the
    /// instant it was made (the trial loop looks before time moves on) and takes effect
    /// `lag` later, never before an earlier write.
    pub(super) fn see(&mut self, cl: &Cluster, lag: &Dist) {
        if cl.routing == self.written.shares && cl.mirror == self.written.mirror {
            return;
        }
        self.written.shares.clone_from(&cl.routing);
        self.written.mirror = cl.mirror;
        let now = cl.now();
        let delay = if now == 0 {
            0
        } else {
            let mut rng = Key {
                seed: cl.scenario.seed,
                trial: cl.trial,
                slot: 0,
                version: 0,
                attempt: self.writes,
                purpose: Purpose::RouterPropagation,
            }
            .rng();
            lag.sample(&mut rng)
        };
        self.writes += 1;
        if delay == NEVER {
            return;
        }
        let last = self.pending.back().map_or(0, |&(t, _)| t);
        let at = now.saturating_add(delay).max(last);
        self.pending.push_back((at, self.written.clone()));
    }

    /// When the next write takes effect.
    pub(super) fn next_due(&self) -> Option<Time> {
        self.pending.front().map(|&(t, _)| t)
    }
}

impl TrafficModel<'_> {
    /// Put the next pending write of the router's configuration in force.
    pub(super) fn apply_next_route(&mut self) {
        let Some((_, config)) = self.routes.pending.pop_front() else {
            return;
        };
        match config.shares {
            Some(shares) => {
                self.routed = true;
                self.shares = shares;
            }
            None => self.routed = false,
        }
        self.mirror.put_in_force(config.mirror);
    }

    /// The `n` requests of a piece (arriving at `rate` per second) split by the shares,
    /// then over each version's endpoints as the balancer weighs them.
    pub(super) fn piece_routed(&mut self, n: f64, rate: f64, bucket: usize) {
        for v in 0..self.shares.len() {
            let share = self.shares[v];
            if share <= 0.0 {
                continue;
            }
            let nv = n * share;
            let one = v..v + 1;
            let mut pool = Pool::Ready;
            let mut weight = self.pool_weight(pool, one.clone());
            if weight.0 == 0 && self.router_falls_back {
                pool = Pool::ServingTerminating;
                weight = self.pool_weight(pool, one.clone());
            }
            if weight.0 == 0 {
                self.meter
                    .add(bucket, None, Outcome::Refused, Cause::Other, nv);
                continue;
            }
            self.spread(bucket, pool, one, nv, rate * share, weight, Stream::Users);
        }
    }
}
