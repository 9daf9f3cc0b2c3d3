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
//! weighted as the balancer weighs endpoints. A request fails refused only when every attempt met a refusing
//! endpoint; the others end where their last attempt landed, an answering endpoint (which
//! serves them, so its offered rate grows by the retried requests) or a hung or lost one
//! (a timeout, which is not retried). Requests routed to a version with no endpoint in
//! rotation are refused by the proxy itself (`no healthy upstream`), with no attempt to
//! retry.
//!
//! With `k` refusing endpoints of weight `w` each and the others' weights summing to `W`,
//! the chance that all `1 + attempts` picks refuse is
//! `Π_{i=0}^{attempts} (k − i) w / ((k − i) w + W)` (0 once `i` reaches `k`; every
//! endpoint refusing, 1), and a request that is not refused lands on another endpoint in
//! proportion to its weight among the others.

use super::endpoints::{ANSWERS, Answer, Pool};
use super::{Stream, TrafficModel};
use std::ops::Range;

impl TrafficModel<'_> {
    /// Spread `n` requests of `stream` (`rate` per second) over the endpoints of `pool`
    /// of the versions `vs` with the proxy's retries, `total` being the pool's summed
    /// weight; `false` (nothing done) when no endpoint there refuses, or when every other
    /// endpoint weighs nothing (least-request with the rest hung: the plain spread).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn spread_retried(
        &mut self,
        bucket: usize,
        pool: Pool,
        vs: Range<usize>,
        n: f64,
        rate: f64,
        total: f64,
        stream: Stream,
    ) -> bool {
        let refuses = |a: Answer| matches!(a, Answer::Refusing | Answer::Crashed);
        let classes = &self.endpoints.in_pool(pool)[vs.clone()];
        let refusing: u32 = classes
            .iter()
            .map(|c| c[Answer::Refusing as usize] + c[Answer::Crashed as usize])
            .sum();
        if refusing == 0 {
            return false;
        }
        // Refusing endpoints weigh the same whatever their version (1, or least-request's
        // fail-fast weight).
        let w = self.weight(vs.start, Answer::Refusing);
        let others = total - f64::from(refusing) * w;
        let endpoints: u32 = classes.iter().map(|c| c.iter().sum::<u32>()).sum();
        if others <= 0.0 && refusing < endpoints {
            return false;
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
        let landed = 1.0 - all_refused;
        for v in vs {
            let classes = self.endpoints.in_pool(pool)[v];
            for (answer, k) in ANSWERS.into_iter().zip(classes) {
                if k == 0 {
                    continue;
                }
                let k = f64::from(k);
                let (x, per_endpoint) = if refuses(answer) {
                    (n * all_refused * k / f64::from(refusing), rate * w / total)
                } else {
                    let share = self.weight(v, answer) / others;
                    (n * landed * k * share, rate * landed * share)
                };
                self.deliver(bucket, v, answer, x, per_endpoint, stream);
            }
        }
        true
    }
}
