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
//! effect in order. A write that moves requests onto a version also waits for the last
//! joining of that version's pods planned so far ([`Propagation::see`]): the controller
//! saw them available through the API server the control plane watches too, and their
//! endpoints reach the proxies by the shorter path. So a weight moved onto pods that just
//! became available meets them in rotation whatever the lag's distribution, and an
//! abort's weight of 0 reaches the proxies its own lag after the abort.
//! The configuration in force at time 0 applies from 0, as the serving fleet's endpoints do.
//! A mirror ([`crate::cluster::mirror`]) is part of the configuration: it reaches the
//! proxies with the weights written beside it ([`super::mirror`]).
//!
//! Without a router (`cluster.routing` is `None`) nothing here runs and the balancer
//! spreads over every endpoint of every version: the split is the replica ratio.

use super::TrafficModel;
use super::endpoints::Pool;
use super::meter::{Cause, Outcome};
use super::piece::Stream;
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
    /// `lag` later, never before an earlier write, and never before the pods it moves
    /// requests onto joined the rotation (`joins_due`: per version, when the last joining
    /// planned so far takes effect).
    pub(super) fn see(&mut self, cl: &Cluster, lag: &Dist, joins_due: &[Time]) {
        if cl.routing == self.written.shares && cl.mirror == self.written.mirror {
            return;
        }
        // The configuration in force at time 0 applies from 0, as the serving fleet's
        // endpoints do.
        let floor = if cl.now() == 0 {
            0
        } else {
            self.floor(cl, joins_due)
        };
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
        let at = now.saturating_add(delay).max(last).max(floor);
        self.pending.push_back((at, self.written.clone()));
    }

    /// The earliest a write of the cluster's routing may take effect: the latest joining
    /// of the rotation planned so far among the versions it gives a larger share of the
    /// users' requests, or starts mirroring to or mirrors more to. The controller moved
    /// requests onto those pods because it saw them available, which it learned through
    /// the API server the control plane (istiod, the ingress controller) also watches;
    /// their endpoints, a shorter path from there, reach the proxies no later than the
    /// write does. Writes that move requests away wait for nothing: a controller's own
    /// delays (`scaleDownDelaySeconds`, Flagger's next tick) stand between them and the
    /// pods' deletion.
    fn floor(&self, cl: &Cluster, joins_due: &[Time]) -> Time {
        let mut floor = 0;
        if let Some(shares) = &cl.routing {
            for (v, &share) in shares.iter().enumerate() {
                let before = self.written.shares.as_ref().map_or(0.0, |s| s[v]);
                if share > before {
                    floor = floor.max(joins_due[v]);
                }
            }
        }
        if let Some(m) = cl.mirror {
            let before = self
                .written
                .mirror
                .filter(|w| w.version == m.version)
                .map_or(0.0, |w| w.fraction);
            if m.fraction > before {
                floor = floor.max(joins_due[m.version as usize]);
            }
        }
        floor
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
