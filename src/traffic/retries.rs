//! A proxy's retries of refused connections (`traffic.retries`): Envoy's `connect-failure`
//! retry condition, in Istio's default policy (`istio/istio`
//! `pilot/pkg/networking/core/route/retry/retry.go` `DefaultPolicy`: 2 retries on
//! `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`, the
//! `previous_hosts` predicate, 5 host selection attempts) and in NGINX's
//! `proxy_next_upstream error`. A request whose connection an endpoint refused (not
//! listening yet, told to stop, or its container dead: [`Answer::Refusing`],
//! [`Answer::Crashed`]) is sent again, up to `attempts` times, to another endpoint of the
//! same pool: the `previous_hosts` predicate keeps a retry off the endpoints already
//! tried (until every endpoint has been), so the picks are made without replacement,
//! weighted as the balancer weighs endpoints. A request fails refused only when every
//! attempt met a refusing endpoint; the others end where their last attempt landed, an
//! answering endpoint (which serves them, so its offered rate grows by the retried
//! requests) or a hung or lost one (a timeout, which is not retried). Requests routed to
//! a version with no endpoint in rotation are refused by the proxy itself (`no healthy
//! upstream`), with no attempt to retry.
//!
//! With `k` refusing endpoints of weight `w` each and the others' weights summing to `W`,
//! the chance that all `1 + attempts` picks refuse is
//! `Π_{i=0}^{attempts} (k − i) w / ((k − i) w + W)` (0 once `i` reaches `k`; every
//! endpoint refusing, 1), and a request that is not refused lands on another endpoint in
//! proportion to its weight among the others.

use super::TrafficModel;
use super::endpoints::{Answer, Pool};
use std::ops::Range;

/// How the retries split a pool's requests: the share each endpoint ends with.
#[derive(Debug, Clone, Copy)]
pub(super) struct Retried {
    /// The chance that every attempt meets a refusing endpoint.
    all_refused: f64,
    /// Refusing endpoints in the pool.
    refusing: f64,
    /// The summed weight of the other endpoints.
    others: f64,
}

impl Retried {
    /// The share of the pool's requests (and of their rate) one endpoint answering
    /// `answer` with weight `w` ends with.
    pub(super) fn share(&self, answer: Answer, w: f64) -> f64 {
        if matches!(answer, Answer::Refusing | Answer::Crashed) {
            self.all_refused / self.refusing
        } else {
            (1.0 - self.all_refused) * w / self.others
        }
    }
}

impl TrafficModel<'_> {
    /// The retries' split of the endpoints of `pool` of the versions `vs`, `total` being
    /// their summed weight; `None` (the balancer's plain split) when no endpoint there
    /// refuses, or when every other endpoint weighs nothing (least-request with the rest
    /// hung).
    pub(super) fn retried(&self, pool: Pool, vs: Range<usize>, total: f64) -> Option<Retried> {
        let classes = &self.endpoints.in_pool(pool)[vs.clone()];
        let refusing: u32 = classes
            .iter()
            .map(|c| c[Answer::Refusing as usize] + c[Answer::Crashed as usize])
            .sum();
        if refusing == 0 {
            return None;
        }
        // Refusing endpoints weigh the same whatever their version (1, or least-request's
        // fail-fast weight).
        let w = self.weight(vs.start, Answer::Refusing);
        let others = total - f64::from(refusing) * w;
        let endpoints: u32 = classes.iter().map(|c| c.iter().sum::<u32>()).sum();
        if others <= 0.0 && refusing < endpoints {
            return None;
        }
        let others = others.max(0.0);
        // Once every endpoint has been tried the predicate lets the picks repeat: with
        // only refusing endpoints every attempt refuses.
        let mut all_refused = 1.0;
        for i in 0..=self.cfg.retries.min(endpoints - 1) {
            let k = f64::from(refusing.saturating_sub(i));
            if k == 0.0 {
                all_refused = 0.0;
                break;
            }
            all_refused *= k * w / (k * w + others);
        }
        Some(Retried {
            all_refused,
            refusing: f64::from(refusing),
            others,
        })
    }
}
