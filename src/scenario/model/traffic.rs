//! The validated `traffic:` section: the requests sent to the service, how they arrive
//! and are balanced, the proxy's retries and the availability objective.

use super::super::distribution::Dist;
use crate::sim::time::Time;

/// Requests sent to the service (`traffic:`).
#[derive(Debug, Clone)]
pub struct Traffic {
    /// Requests per second over time.
    pub rate: RateProfile,
    /// Poisson (random) or constant (evenly spaced) arrivals.
    pub arrivals: Arrivals,
    /// How the balancer picks an endpoint.
    pub balancer: Balancer,
    /// Lag of the balancer's view behind each endpoint change (default 1s).
    pub endpoint_propagation: Dist,
    /// Width of the buckets request counts are drawn and reported in (default 1s).
    pub tick: Time,
    /// Requests one endpoint holds waiting beyond the one in service before it drops
    /// (503) new ones (default 100).
    pub queue_limit: u32,
    /// How long traffic is measured from the rollout's start; `None`: until the
    /// rollout's outcome.
    pub duration: Option<Time>,
    /// The availability objective whose violations are timed (`slo_violation_s`).
    pub slo: Option<Slo>,
    /// A proxy's retries of failed attempts, each on another endpoint of the same pool
    /// (Istio's `HTTPRetry`); `attempts` 0: none.
    pub retries: Retries,
}

/// A proxy's retry policy (`traffic.retries`, Istio's `HTTPRetry` as `DefaultPolicy` and
/// `ConvertPolicy` in `istio/istio` `pilot/pkg/networking/core/route/retry/retry.go` turn
/// it into Envoy's).
///
/// ```
/// use rollout_sim::scenario::{Retries, RetryOn};
/// let none = Retries::default();
/// assert_eq!(none.attempts, 0);
/// // Istio's default `retryOn`: refused connections and 503s.
/// assert_eq!(RetryOn::ISTIO_DEFAULT, RetryOn { refused: true, dropped: true, errored: false });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retries {
    /// Retries after the first attempt; 0: none.
    pub attempts: u32,
    /// Which failed attempts are retried.
    pub on: RetryOn,
}

/// The simulated failures a retry policy retries, from Envoy's `retry_on` conditions
/// (`envoyproxy/envoy` `source/common/router/retry_state_impl.cc`, `wouldRetryFromReset`
/// and `wouldRetryFromHeaders`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RetryOn {
    /// A connection an endpoint refused or reset (not listening yet, told to stop, or its
    /// container dead): `connect-failure`, `reset`, `reset-before-request`, `5xx`,
    /// `gateway-error`.
    pub refused: bool,
    /// A 503 from an endpoint whose queue is full: `5xx`, `gateway-error`, or the status
    /// code 503 (`retriable-status-codes`).
    pub dropped: bool,
    /// An error the application answered, taken as a 500: `5xx`, or the status code 500.
    pub errored: bool,
}

impl RetryOn {
    /// Istio's `retryOn` when a `VirtualService` gives none
    /// (`connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes` with
    /// the status code 503).
    pub const ISTIO_DEFAULT: RetryOn = RetryOn {
        refused: true,
        dropped: true,
        errored: false,
    };

    /// What it retries, in words: `"refused connections, 503s and errors"`, or `None`
    /// when it retries no failure the simulator produces.
    ///
    /// ```
    /// use rollout_sim::scenario::RetryOn;
    /// assert_eq!(RetryOn::ISTIO_DEFAULT.describe().as_deref(), Some("refused connections and 503s"));
    /// ```
    pub fn describe(&self) -> Option<String> {
        let kinds: Vec<&str> = [
            (self.refused, "refused connections"),
            (self.dropped, "503s"),
            (self.errored, "errors"),
        ]
        .into_iter()
        .filter_map(|(on, kind)| on.then_some(kind))
        .collect();
        match kinds.as_slice() {
            [] => None,
            [one] => Some(one.to_string()),
            [rest @ .., last] => Some(format!("{} and {last}", rest.join(", "))),
        }
    }
}

/// Request rate over time, in requests per second.
#[derive(Debug, Clone, PartialEq)]
pub enum RateProfile {
    /// The same rate throughout.
    Constant(f64),
    /// A step function: each `(from, rps)` holds until the next; the first holds from 0.
    Steps(Vec<(Time, f64)>),
    /// `mean × (1 + amplitude × cos(2π (t − peak_at) / period))`.
    Diurnal {
        /// Mean rate.
        mean: f64,
        /// Relative swing, in `[0, 1]`.
        amplitude: f64,
        /// Length of one cycle.
        period: Time,
        /// When the rate peaks.
        peak_at: Time,
    },
}

/// How requests arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrivals {
    /// A Poisson process with the profile's rate (default).
    Poisson,
    /// Evenly spaced: the k-th request arrives when the integrated rate reaches k.
    Constant,
}

/// The load balancer's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balancer {
    /// Each endpoint in turn (Swarm's IPVS VIP, kube-proxy IPVS `rr`) — the default.
    RoundRobin,
    /// An endpoint picked at random (kube-proxy iptables mode).
    Random,
    /// The endpoint with the fewest requests in flight (Envoy `LEAST_REQUEST`).
    LeastRequest,
}

/// An availability objective over fixed windows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    /// Target fraction of requests served, e.g. 0.999.
    pub availability: f64,
    /// Window length (default 10s); a multiple of `tick`.
    pub window: Time,
}
