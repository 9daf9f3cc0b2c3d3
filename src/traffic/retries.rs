//! A proxy's retries (`traffic.retries`): Envoy's retry policy as Istio configures it
//! (`istio/istio` `pilot/pkg/networking/core/route/retry/retry.go` `DefaultPolicy`: 2
//! retries on `connect-failure,refused-stream,unavailable,cancelled,
//! retriable-status-codes` with the code 503, the `previous_hosts` predicate, 5 host
//! selection attempts), or NGINX's `proxy_next_upstream error` (refused connections
//! only). Which failed attempts are retried is the scenario's [`RetryOn`]: a connection
//! an endpoint refused (not listening yet, told to stop, or its container dead:
//! [`Answer::Refusing`], [`Answer::Crashed`]), a 503 from a full queue, an error the
//! application answered. A retried request is sent again, up to `attempts` times, to
//! another endpoint of the same pool: the `previous_hosts` predicate keeps a retry off the
//! endpoints already tried (until every endpoint has been), so the picks are made without
//! replacement, weighted as the balancer weighs endpoints. A request ends where its last
//! attempt landed: served, or failed as that attempt failed; a timeout on a hung or lost
//! endpoint is never retried (no per-try timeout). Requests routed to a version with no
//! endpoint in rotation are refused by the proxy itself (`no healthy upstream`), with no
//! attempt to retry.
//!
//! Only refused connections retried ([`Retried`]): with `k` refusing endpoints of weight
//! `w` each and the others' weights summing to `W`, the chance that all `1 + attempts`
//! picks refuse is `Π_{i=0}^{attempts} (k − i) w / ((k − i) w + W)` (0 once `i` reaches
//! `k`; every endpoint refusing, 1), and a request that is not refused lands on another
//! endpoint in proportion to its weight among the others.
//!
//! Failed answers retried too ([`Attempts`]): an answering endpoint of version `v` fails
//! an attempt with the chance `f_v = b_v + (1 − b_v) e_v` (its queue's blocking
//! probability `b_v` when 503s are retried, its `error_rate` `e_v` when errors are), so
//! the picks walk a small tree: after each failed attempt, the endpoints tried so far (how
//! many refusing ones, how many answering ones of each version) set the next pick's
//! chances. The walk gives, per version, the attempts its answering endpoints get, which
//! set their load, so `b_v` depends on itself: it is found by iterating from `b_v = 0`
//! until no `b_v` moves by more than 1e-12, or after 200 rounds (with 503s retried each
//! round raises every `b_v`, so the rounds climb to the least fixed point).

use super::TrafficModel;
use super::endpoints::{Answer, Pool};
use super::piece::Delivery;
use super::queueing::blocking;
use crate::scenario::RetryOn;
use std::ops::Range;

/// How the retries split a pool's requests.
#[derive(Debug, Clone, Copy)]
pub(super) enum Split {
    /// Only refused connections are retried (or only they fail): the closed form.
    Refusals(Retried),
    /// Failed answers are retried too: the shares the model's [`Attempts`] holds.
    Attempts,
}

/// The share of an answering endpoint's failed answers that are final, the others being
/// retried elsewhere.
#[derive(Debug, Clone, Copy)]
pub(super) struct Kept {
    /// Of its drops (503s).
    pub(super) drops: f64,
    /// Of the errors it answers.
    pub(super) errors: f64,
}

impl Kept {
    /// Every failure final: no retry.
    pub(super) const ALL: Kept = Kept {
        drops: 1.0,
        errors: 1.0,
    };
}

/// How the retries split a pool's requests: the share each endpoint ends with.
#[derive(Debug, Clone, Copy)]
pub(super) struct Retried {
    /// The chance that every attempt meets a refusing endpoint.
    all_refused: f64,
    /// The refused attempts a request makes, on average (retried or final).
    refused_attempts: f64,
    /// Refusing endpoints in the pool.
    refusing: f64,
    /// The summed weight of the other endpoints.
    others: f64,
}

impl Retried {
    /// The split of a pool of `endpoints`, `refusing` of them refusing with weight `w`
    /// each beside the others' summed weight `others`, under `attempts` retries.
    fn new(refusing: u32, endpoints: u32, w: f64, others: f64, attempts: u32) -> Retried {
        // Once every endpoint has been tried the predicate lets the picks repeat: with
        // only refusing endpoints every attempt refuses.
        let fresh = attempts.min(endpoints - 1);
        let (mut all_refused, mut refused_attempts) = (1.0, 0.0);
        for i in 0..=fresh {
            let k = f64::from(refusing.saturating_sub(i));
            if k == 0.0 {
                all_refused = 0.0;
                break;
            }
            all_refused *= k * w / (k * w + others);
            // The chance that attempt i is made and refused.
            refused_attempts += all_refused;
        }
        if refusing == endpoints {
            // The picks repeat past the last endpoint, every one refusing.
            refused_attempts += f64::from(attempts - fresh) * all_refused;
        }
        Retried {
            all_refused,
            refused_attempts,
            refusing: f64::from(refusing),
            others,
        }
    }

    /// The share of the pool's requests (and of their rate) one endpoint answering
    /// `answer` with weight `w` ends with.
    pub(super) fn share(&self, answer: Answer, w: f64) -> f64 {
        if matches!(answer, Answer::Refusing | Answer::Crashed) {
            self.all_refused / self.refusing
        } else {
            (1.0 - self.all_refused) * w / self.others
        }
    }

    /// The connections, per request of the pool, one endpoint answering `answer` refused
    /// and the proxy retried elsewhere: refusing endpoints alike, by symmetry.
    pub(super) fn retried(&self, answer: Answer) -> f64 {
        if matches!(answer, Answer::Refusing | Answer::Crashed) {
            (self.refused_attempts - self.all_refused) / self.refusing
        } else {
            0.0
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
        Some(Retried::new(
            refusing,
            endpoints,
            w,
            others.max(0.0),
            self.cfg.retries.attempts,
        ))
    }
}

/// Rounds of the blocking probabilities' fixed point at most.
const MAX_ROUNDS: usize = 200;
/// Versions of a pool whose tried answering endpoints the walk tracks; a retry may land
/// again on an endpoint of a version beyond them (pools that large do not occur: a pool
/// is one version, or a Service's current, next and experiment versions).
const TRACKED: usize = 15;

/// Endpoints tried so far: refusing ones, then the answering ones of each version of the
/// pool (its first [`TRACKED`]).
type Tried = [u8; TRACKED + 1];

/// What the walk needs of one version of the pool.
#[derive(Debug, Clone, Copy, Default)]
struct Version {
    /// Answering endpoints.
    answering: u32,
    /// The balancer's weight of one.
    weight: f64,
    /// Hung endpoints, and lost ones (timeouts, never retried).
    hung: u32,
    unreachable: u32,
    /// The balancer's weight of one of those.
    hung_weight: f64,
    /// The chance that an attempt one of its answering endpoints takes fails and is
    /// retried.
    fails: f64,
    /// Its answering endpoints' blocking probability.
    drops: f64,
}

/// Where a pool's attempts land, per request: the walk's result.
#[derive(Debug, Clone, Copy, Default)]
struct Landed {
    /// Attempts at its answering endpoints.
    answering: f64,
    /// Of those, the ones that were a request's last possible attempt.
    last: f64,
    /// Attempts at its hung endpoints, and at its lost ones.
    hung: f64,
    unreachable: f64,
}

impl Landed {
    /// The rate one of the version's `count` answering endpoints is offered when the pool
    /// gets `rate` per second: one expression for the fixed point and the delivery, so
    /// both read the same blocking probability.
    fn per_endpoint(&self, rate: f64, count: u32) -> f64 {
        rate * (self.answering / f64::from(count))
    }
}

/// The shares of a pool's requests when failed answers are retried (see the module
/// documentation), with the walk's scratch space kept between pieces.
#[derive(Debug, Default)]
pub(super) struct Attempts {
    versions: Vec<Version>,
    landed: Vec<Landed>,
    /// Requests refused at every attempt they made.
    refused: f64,
    /// Refused attempts, retried or final.
    refused_attempts: f64,
    /// Refusing endpoints in the pool.
    refusing: u32,
    on: RetryOn,
    states: Vec<(Tried, f64)>,
    next: Vec<(Tried, f64)>,
}

impl Attempts {
    /// What the endpoints of the pool's `j`-th version answering `answer`, `count` of
    /// them, get of the pool's `n` requests (arriving at `rate` per second).
    pub(super) fn share(
        &self,
        j: usize,
        answer: Answer,
        count: u32,
        n: f64,
        rate: f64,
    ) -> Delivery {
        let landed = self.landed[j];
        match answer {
            Answer::Refusing | Answer::Crashed => {
                let refusing = f64::from(self.refusing);
                let share = self.refused / refusing;
                Delivery {
                    refusals_retried: n
                        * f64::from(count)
                        * ((self.refused_attempts - self.refused) / refusing),
                    ..Delivery::plain(n * f64::from(count) * share, rate * share)
                }
            }
            Answer::Hung => Delivery::plain(n * landed.hung, 0.0),
            Answer::Unreachable => Delivery::plain(n * landed.unreachable, 0.0),
            Answer::Answering => {
                let kept = if landed.answering > 0.0 {
                    let last = landed.last / landed.answering;
                    Kept {
                        drops: if self.on.dropped { last } else { 1.0 },
                        errors: if self.on.errored { last } else { 1.0 },
                    }
                } else {
                    Kept::ALL
                };
                Delivery {
                    requests: n * landed.answering,
                    per_endpoint: landed.per_endpoint(rate, count),
                    kept,
                    refusals_retried: 0.0,
                }
            }
        }
    }

    /// One walk of the attempts' tree at the versions' current `fails`.
    fn walk(&mut self, attempts: u32, refusing_weight: f64) {
        self.landed.clear();
        self.landed.resize(self.versions.len(), Landed::default());
        self.refused = 0.0;
        self.refused_attempts = 0.0;
        self.states.clear();
        self.states.push(([0; TRACKED + 1], 1.0));
        for attempt in 0..=attempts {
            let last = attempt == attempts;
            self.next.clear();
            for s in 0..self.states.len() {
                let (tried, mass) = self.states[s];
                self.pick(tried, mass, last, refusing_weight);
            }
            std::mem::swap(&mut self.states, &mut self.next);
            if self.states.is_empty() {
                break;
            }
        }
    }

    /// One attempt of the `mass` of requests that have tried `tried`.
    fn pick(&mut self, tried: Tried, mass: f64, last: bool, refusing_weight: f64) {
        let sum = |t: &Tried| {
            let mut sum = f64::from(self.refusing - u32::from(t[0])) * refusing_weight;
            for (j, v) in self.versions.iter().enumerate() {
                sum += f64::from(v.answering - untracked(t, j)) * v.weight
                    + f64::from(v.hung + v.unreachable) * v.hung_weight;
            }
            sum
        };
        // Once every endpoint has been tried the predicate lets the picks repeat.
        let mut view = tried;
        let mut total = sum(&view);
        let fresh = total > 0.0;
        if !fresh {
            view = [0; TRACKED + 1];
            total = sum(&view);
        }
        if total <= 0.0 {
            // Nothing to pick (cannot happen: the pool weighs something).
            self.refused += mass;
            self.refused_attempts += mass;
            return;
        }
        let refused =
            mass * f64::from(self.refusing - u32::from(view[0])) * refusing_weight / total;
        if refused > 0.0 {
            self.refused_attempts += refused;
            if self.on.refused && !last {
                let mut t = tried;
                if fresh {
                    t[0] += 1;
                }
                push(&mut self.next, t, refused);
            } else {
                self.refused += refused;
            }
        }
        for j in 0..self.versions.len() {
            let v = self.versions[j];
            let landed = &mut self.landed[j];
            landed.hung += mass * f64::from(v.hung) * v.hung_weight / total;
            landed.unreachable += mass * f64::from(v.unreachable) * v.hung_weight / total;
            let answered = mass * f64::from(v.answering - untracked(&view, j)) * v.weight / total;
            if answered <= 0.0 {
                continue;
            }
            landed.answering += answered;
            if last {
                landed.last += answered;
            } else if v.fails > 0.0 {
                let mut t = tried;
                if fresh && j < TRACKED {
                    t[1 + j] += 1;
                }
                push(&mut self.next, t, answered * v.fails);
            }
        }
    }
}

/// The answering endpoints of the pool's `j`-th version tried, as tracked.
fn untracked(t: &Tried, j: usize) -> u32 {
    if j < TRACKED { u32::from(t[1 + j]) } else { 0 }
}

/// Adds `mass` to the state `tried` of `states`.
fn push(states: &mut Vec<(Tried, f64)>, tried: Tried, mass: f64) {
    match states.iter_mut().find(|(t, _)| *t == tried) {
        Some((_, m)) => *m += mass,
        None => states.push((tried, mass)),
    }
}

impl TrafficModel<'_> {
    /// How the retries split the requests to the endpoints of `pool` of the versions
    /// `vs` (arriving at `rate` per second, `total` being their summed weight): `None`
    /// (the balancer's plain split) when nothing there fails in a way the policy
    /// retries.
    pub(super) fn retry_split(
        &mut self,
        pool: Pool,
        vs: Range<usize>,
        rate: f64,
        total: f64,
    ) -> Option<Split> {
        let on = self.cfg.retries.on;
        let answers_retried = vs.clone().any(|v| {
            let version = &self.scenario.service.versions[v];
            self.endpoints.in_pool(pool)[v][Answer::Answering as usize] > 0
                && ((on.dropped && version.capacity_rps.is_some())
                    || (on.errored && version.error_rate > 0.0))
        });
        if !answers_retried {
            return if on.refused {
                self.retried(pool, vs, total).map(Split::Refusals)
            } else {
                None
            };
        }
        self.walk_attempts(pool, vs, rate);
        Some(Split::Attempts)
    }

    /// [`Attempts`] for the pool, its blocking probabilities at their fixed point.
    fn walk_attempts(&mut self, pool: Pool, vs: Range<usize>, rate: f64) {
        let mut a = std::mem::take(&mut self.attempts);
        a.on = self.cfg.retries.on;
        a.versions.clear();
        a.refusing = 0;
        for v in vs.clone() {
            let c = self.endpoints.in_pool(pool)[v];
            a.refusing += c[Answer::Refusing as usize] + c[Answer::Crashed as usize];
            a.versions.push(Version {
                answering: c[Answer::Answering as usize],
                weight: self.weight(v, Answer::Answering),
                hung: c[Answer::Hung as usize],
                unreachable: c[Answer::Unreachable as usize],
                hung_weight: self.weight(v, Answer::Hung),
                fails: 0.0,
                drops: 0.0,
            });
        }
        let refusing_weight = self.weight(vs.start, Answer::Refusing);
        let queue = self.cfg.queue_limit.saturating_add(1);
        for _ in 0..MAX_ROUNDS {
            for (j, v) in vs.clone().enumerate() {
                let version = &mut a.versions[j];
                let errors = if a.on.errored {
                    self.scenario.service.versions[v].error_rate
                } else {
                    0.0
                };
                let drops = if a.on.dropped { version.drops } else { 0.0 };
                version.fails = drops + (1.0 - version.drops) * errors;
            }
            a.walk(self.cfg.retries.attempts, refusing_weight);
            let mut moved: f64 = 0.0;
            for (j, v) in vs.clone().enumerate() {
                let version = &mut a.versions[j];
                let Some(mu) = self.scenario.service.versions[v].capacity_rps else {
                    continue;
                };
                if version.answering == 0 {
                    continue;
                }
                let per_endpoint = a.landed[j].per_endpoint(rate, version.answering);
                let drops = blocking(self.offered(v, per_endpoint) / mu, queue);
                moved = moved.max((drops - version.drops).abs());
                version.drops = drops;
            }
            if moved <= 1e-12 {
                break;
            }
        }
        self.attempts = a;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool of versions `(answering, fails)` (weight 1 each) beside `refusing`
    /// refusing endpoints, walked with `attempts` retries of `on`.
    fn walked(versions: &[(u32, f64)], refusing: u32, attempts: u32, on: RetryOn) -> Attempts {
        let mut a = Attempts {
            on,
            refusing,
            ..Attempts::default()
        };
        a.versions = versions
            .iter()
            .map(|&(answering, fails)| Version {
                answering,
                weight: 1.0,
                hung_weight: 1.0,
                fails,
                ..Version::default()
            })
            .collect();
        a.walk(attempts, 1.0);
        a
    }

    const ALL: RetryOn = RetryOn {
        refused: true,
        dropped: true,
        errored: true,
    };

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-15
    }

    /// One version failing 10 % of its attempts, two retries: a request fails only when
    /// all three attempts fail, 0.1³; the attempts are 1 + 0.1 + 0.01 a request, the last
    /// possible ones 0.01 (whose failures are final).
    #[test]
    fn independent_failures_fail_a_request_at_every_attempt() {
        let a = walked(&[(10, 0.1)], 0, 2, ALL);
        assert!(close(a.landed[0].answering, 1.11));
        assert!(close(a.landed[0].last, 0.01));
        let d = a.share(0, Answer::Answering, 10, 1.0, 1.0);
        assert!(close(d.requests * 0.1 * d.kept.errors, 0.001));
    }

    /// Five good endpoints and five failing half their attempts, one retry: a request
    /// fails when its first pick is a failing endpoint (1/2) that fails (1/2) and its
    /// retry, off the endpoint tried, picks another failing one (4 of the 9 left) that
    /// fails too: 1/2 × 1/2 × 4/9 × 1/2 = 1/18.
    #[test]
    fn a_retry_leaves_the_endpoint_it_tried() {
        let a = walked(&[(5, 0.0), (5, 0.5)], 0, 1, ALL);
        let failing = a.landed[1];
        assert!(close(failing.last * 0.5, 1.0 / 18.0));
        assert!(close(failing.answering, 0.5 + 0.25 * 4.0 / 9.0));
        assert!(close(a.landed[0].answering, 0.5 + 0.25 * 5.0 / 9.0));
    }

    /// With no answer failing, the walk is the closed form of refusals: 2 refusing of 4,
    /// one retry, 2/4 × 1/3 refused; two, 0 (the third pick has only answering endpoints
    /// left); all refusing, every request refused.
    #[test]
    fn with_answers_that_never_fail_the_walk_is_the_closed_form() {
        assert!(close(walked(&[(2, 0.0)], 2, 1, ALL).refused, 1.0 / 6.0));
        assert!(close(walked(&[(2, 0.0)], 2, 2, ALL).refused, 0.0));
        assert!(close(walked(&[(0, 0.0)], 3, 5, ALL).refused, 1.0));
    }

    /// The refused attempts a request makes: 2 refusing endpoints of 4, one retry, the
    /// first pick refuses with 1/2 and the retry with 1/3 after it: 1/2 + 1/6 = 2/3, of
    /// which 1/6 final, as the closed form and the walk both count them; three
    /// endpoints all refusing and five retries, six refused attempts (the picks repeat).
    #[test]
    fn refused_attempts_count_the_retried_and_the_final_ones() {
        let closed = Retried::new(2, 4, 1.0, 2.0, 1);
        assert!(close(closed.refused_attempts, 2.0 / 3.0));
        assert!(close(closed.all_refused, 1.0 / 6.0));
        assert!(close(closed.retried(Answer::Refusing), 0.25));
        assert_eq!(closed.retried(Answer::Answering), 0.0);
        let walk = walked(&[(2, 0.0)], 2, 1, ALL);
        assert!(close(walk.refused_attempts, 2.0 / 3.0));
        let d = walk.share(0, Answer::Refusing, 2, 1.0, 1.0);
        assert!(close(d.refusals_retried, 0.5));
        assert!(close(d.requests, 1.0 / 6.0));
        let all = Retried::new(3, 3, 1.0, 0.0, 5);
        assert_eq!((all.all_refused, all.refused_attempts), (1.0, 6.0));
        assert!(close(walked(&[(0, 0.0)], 3, 5, ALL).refused_attempts, 6.0));
    }

    /// Refused connections not retried (`retryOn: 5xx`-less policies such as a bare
    /// `retriable-status-codes`): a refusing pick is final at once.
    #[test]
    fn a_refusal_not_retried_is_final() {
        let on = RetryOn {
            refused: false,
            ..ALL
        };
        let a = walked(&[(3, 0.2)], 1, 2, on);
        assert!(close(
            a.refused,
            0.25 + 0.75 * 0.2 * (1.0 / 3.0) + 0.75 * 0.2 * (2.0 / 3.0) * 0.2 * 0.5
        ));
    }

    /// Every request ends somewhere: refused, or at the last attempt of an answering
    /// endpoint, or served or failed finally before it.
    #[test]
    fn the_walk_keeps_every_request() {
        let a = walked(&[(4, 0.3), (3, 0.6), (2, 0.0)], 2, 3, ALL);
        let ended: f64 = a.refused
            + a.versions
                .iter()
                .zip(&a.landed)
                .map(|(v, l)| (l.answering - l.last) * (1.0 - v.fails) + l.last)
                .sum::<f64>();
        assert!((ended - 1.0).abs() < 1e-12, "{ended}");
    }
}
