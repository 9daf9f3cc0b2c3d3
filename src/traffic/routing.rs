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
//! endpoint in rotation are refused (the proxy's 503 "no healthy upstream").
//!
//! The router's configuration takes effect at once (the controller writes it and the
//! proxies apply it in the same instant); endpoint changes keep their
//! `endpoint_propagation` lag, so a weight moved onto just-available pods can meet an
//! empty rotation for that lag.
//!
//! Without a router (`cluster.routing` is `None`) nothing here runs and the balancer
//! spreads over every endpoint of every version: the split is the replica ratio.

use super::TrafficModel;
use super::endpoints::ANSWERS;
use super::meter::{Cause, Outcome};
use crate::cluster::Cluster;

impl TrafficModel<'_> {
    /// Read the router's shares from the cluster (at the start of each integration: they
    /// only change at event instants, which end integration intervals).
    pub(super) fn take_routing(&mut self, cl: &Cluster) {
        match &cl.routing {
            Some(shares) => {
                self.routed = true;
                self.shares.clear();
                self.shares.extend_from_slice(shares);
            }
            None => self.routed = false,
        }
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
            let mut total = 0.0;
            let mut count = 0;
            for a in ANSWERS {
                let k = self.endpoints.count(v, a);
                count += k;
                total += k as f64 * self.weight(v, a);
            }
            if count == 0 {
                self.meter
                    .add(bucket, None, Outcome::Refused, Cause::Other, nv);
                continue;
            }
            let equal = total <= 0.0;
            if equal {
                total = count as f64;
            }
            for answer in ANSWERS {
                let k = self.endpoints.count(v, answer);
                if k == 0 {
                    continue;
                }
                let w = if equal { 1.0 } else { self.weight(v, answer) };
                self.deliver(
                    bucket,
                    v,
                    answer,
                    nv * k as f64 * w / total,
                    rate * share * w / total,
                );
            }
        }
    }
}
