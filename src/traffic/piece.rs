//! One piece of the integration: the requests of an interval in one bucket at a constant
//! endpoint set, spread over the endpoints as the balancer (or the router, [`super::routing`])
//! weighs them, and what each endpoint does with its share: refused, timed out, dropped at
//! its queue's capacity, answered with an error, or served (steps 2 and 3 of the model,
//! [`super`]). The users' requests, a load generator's ([`super::load`]) and the router's
//! copies ([`super::mirror`]) are spread alike, each counted in its own meter.

use super::TrafficModel;
use super::endpoints::{ANSWERS, Answer, Pool};
use super::meter::{Cause, Outcome};
use super::queueing::{LatencyTables, blocking, level};
use super::retries::{Kept, Split};
use super::window;
use crate::cluster::mirror::Mirror;
use crate::scenario::{Balancer, VersionId};
use crate::sim::time::{SECOND, Time};
use std::ops::Range;

/// The router's copies of one piece's user requests ([`super::mirror`]).
#[derive(Debug, Clone, Copy)]
struct Copies {
    /// The mirrored version.
    version: usize,
    /// How many.
    copies: f64,
    /// Per second.
    rate: f64,
    /// The version's endpoints in rotation and their summed balancer weight.
    weight: (u32, f64),
}

/// Requests to one class of endpoints (a version's endpoints answering alike).
#[derive(Debug, Clone, Copy)]
pub(super) struct Delivery {
    /// How many.
    pub(super) requests: f64,
    /// The rate each endpoint of the class is offered.
    pub(super) per_endpoint: f64,
    /// The share of the answering endpoints' failed answers that is final (the rest are
    /// retried elsewhere).
    pub(super) kept: Kept,
    /// Refusing endpoints: the connections they refused that the proxy retried elsewhere
    /// (`requests` counts the final refusals only).
    pub(super) refusals_retried: f64,
}

impl Delivery {
    /// Requests no proxy retries.
    pub(super) fn plain(requests: f64, per_endpoint: f64) -> Delivery {
        Delivery {
            requests,
            per_endpoint,
            kept: Kept::ALL,
            refusals_retried: 0.0,
        }
    }
}

/// Whose requests a delivery carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stream {
    /// The users' traffic: the trial's request columns.
    Users,
    /// A load generator's ([`super::load`]): seen by analysis windows only.
    Load,
    /// The router's copies of the users' requests ([`super::mirror`]): seen by analysis
    /// windows only.
    Mirror,
}

impl TrafficModel<'_> {
    /// The requests of `[a, b)`, all in `bucket`, at a constant endpoint set.
    pub(super) fn piece(&mut self, a: Time, b: Time, bucket: usize) {
        self.load.begin_piece(a);
        let n = self.rate.expected(a, b);
        let seconds = (b - a) as f64 / SECOND as f64;
        let mirror = self
            .mirror
            .in_force
            .map(|m| self.mirror_rates(m, n, seconds));
        self.shared_queues = self.load.sending || mirror.is_some();
        if self.shared_queues {
            self.users_per_endpoint.iter_mut().for_each(|r| *r = 0.0);
        }
        if self.load.sending {
            self.load_rates();
        }
        self.users_piece(n, seconds, bucket);
        if self.load.sending {
            self.load_piece(a, b, bucket);
        }
        if let Some(m) = mirror {
            self.mirror_piece(m, bucket);
        }
    }

    /// The router's copies of the piece's `n` user requests over `seconds`: how many, and
    /// the rate each answering endpoint of the mirrored version gets from them (as the
    /// users' balancer weighs them), set for the queues.
    fn mirror_rates(&mut self, m: Mirror, n: f64, seconds: f64) -> Copies {
        let v = m.version as usize;
        let copies = n * m.fraction;
        let rate = copies / seconds;
        let weight = self.pool_weight(Pool::Ready, v..v + 1);
        let (count, total) = weight;
        self.mirror.per_endpoint[v] = if copies <= 0.0 || count == 0 {
            0.0
        } else if total <= 0.0 {
            rate / f64::from(count)
        } else {
            rate * self.weight(v, Answer::Answering) / total
        };
        Copies {
            version: v,
            copies,
            rate,
            weight,
        }
    }

    /// The router's copies of the users' requests, spread over the mirrored version's
    /// endpoints in rotation by the users' balancer; none reach a version without one.
    fn mirror_piece(&mut self, c: Copies, bucket: usize) {
        if c.copies <= 0.0 || c.weight.0 == 0 {
            return;
        }
        let v = c.version;
        let pool = Pool::Ready;
        self.spread(
            bucket,
            pool,
            v..v + 1,
            c.copies,
            c.rate,
            c.weight,
            Stream::Mirror,
        );
    }

    /// The users' `n` requests of the piece, over `seconds`.
    fn users_piece(&mut self, n: f64, seconds: f64, bucket: usize) {
        if n <= 0.0 {
            return;
        }
        let rate = n / seconds;
        if self.routed {
            self.piece_routed(n, rate, bucket);
            return;
        }
        let Some(pool) = self.endpoints.pool() else {
            self.meter
                .add(bucket, None, Outcome::Refused, Cause::Other, n);
            return;
        };
        let all = 0..self.scenario.service.versions.len();
        let weight = self.pool_weight(pool, all.clone());
        self.spread(bucket, pool, all, n, rate, weight, Stream::Users);
    }

    /// The load each endpoint in rotation gets from the load generators over the piece:
    /// an equal share of its version's (kube-proxy's spread).
    fn load_rates(&mut self) {
        for v in 0..self.load.rps.len() {
            let count: u32 = self.endpoints.in_pool(Pool::Ready)[v].iter().sum();
            self.load.per_endpoint[v] = if count == 0 {
                0.0
            } else {
                self.load.rps[v] / f64::from(count)
            };
        }
    }

    /// The load generators' requests of `[a, b)`: an equal share to each endpoint of
    /// their version in rotation; none reach a version without one.
    fn load_piece(&mut self, a: Time, b: Time, bucket: usize) {
        let seconds = (b - a) as f64 / SECOND as f64;
        for v in 0..self.load.per_endpoint.len() {
            // 0 when the version has no endpoint in rotation (`load_rates`).
            let per_endpoint = self.load.per_endpoint[v];
            if per_endpoint <= 0.0 {
                continue;
            }
            let classes = self.endpoints.in_pool(Pool::Ready)[v];
            for (answer, k) in ANSWERS.into_iter().zip(classes) {
                if k > 0 {
                    let x = per_endpoint * seconds * f64::from(k);
                    let d = Delivery::plain(x, per_endpoint);
                    self.deliver(bucket, v, answer, d, Stream::Load);
                }
            }
        }
    }

    /// The endpoints of `pool` of the versions `vs` in the balancer's view: how many, and
    /// their summed weight.
    #[inline(always)]
    pub(super) fn pool_weight(&self, pool: Pool, vs: Range<usize>) -> (u32, f64) {
        let first = vs.start;
        let pool = &self.endpoints.in_pool(pool)[vs];
        let count = pool.iter().map(|classes| classes.iter().sum::<u32>()).sum();
        if !self.weighs_by_answer() {
            // Every weight 1: the sum of whole counts, exactly.
            return (count, count as f64);
        }
        let mut total = 0.0;
        for (i, classes) in pool.iter().enumerate() {
            for (answer, &k) in ANSWERS.into_iter().zip(classes) {
                total += k as f64 * self.weight(first + i, answer);
            }
        }
        (count, total)
    }

    /// `n` requests of `stream` arriving at `rate` per second, spread over the endpoints
    /// of `pool` of the versions `vs` as the balancer weighs them; `(count, total)` is
    /// their [`pool_weight`](Self::pool_weight), with `count` > 0. All weights 0
    /// (least-request with every endpoint hung): an equal share each, as the balancer has
    /// nothing to prefer.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(super) fn spread(
        &mut self,
        bucket: usize,
        pool: Pool,
        vs: Range<usize>,
        n: f64,
        rate: f64,
        (count, mut total): (u32, f64),
        stream: Stream,
    ) {
        let equal = total <= 0.0;
        if equal {
            total = count as f64;
        }
        // Mirrored copies are fire-and-forget: the proxy retries none.
        let retried = if self.cfg.retries.attempts > 0 && stream != Stream::Mirror && !equal {
            self.retry_split(pool, vs.clone(), rate, total)
        } else {
            None
        };
        let first = vs.start;
        for v in vs {
            let classes = self.endpoints.in_pool(pool)[v];
            for (answer, k) in ANSWERS.into_iter().zip(classes) {
                if k == 0 {
                    continue;
                }
                let w = if equal { 1.0 } else { self.weight(v, answer) };
                // The requests these endpoints get, and the rate each is offered (in this
                // order of operations without retries: the same rounding as ever).
                let d = match &retried {
                    Some(Split::Refusals(r)) => {
                        let share = r.share(answer, w);
                        Delivery {
                            refusals_retried: n * k as f64 * r.retried(answer),
                            ..Delivery::plain(n * k as f64 * share, rate * share)
                        }
                    }
                    Some(Split::Attempts) => self.attempts.share(v - first, answer, k, n, rate),
                    None => Delivery::plain(n * k as f64 * w / total, rate * w / total),
                };
                self.deliver(bucket, v, answer, d, stream);
            }
        }
    }

    /// The requests `d` of `stream` to the endpoints of version `v` answering `answer`.
    fn deliver(&mut self, bucket: usize, v: usize, answer: Answer, d: Delivery, stream: Stream) {
        let (x, kept) = (d.requests, d.kept);
        let version = Some(v as VersionId);
        let cause = if answer.is_version_fault() {
            Cause::Version
        } else {
            Cause::Other
        };
        let meter = match stream {
            Stream::Users => &mut self.meter,
            Stream::Load => &mut self.load.meter,
            Stream::Mirror => &mut self.mirror.meter,
        };
        match answer {
            Answer::Refusing | Answer::Crashed => {
                meter.add(bucket, version, Outcome::Refused, cause, x);
                let retried = d.refusals_retried;
                self.windows.retried(bucket, v, Outcome::Refused, retried);
            }
            Answer::Hung | Answer::Unreachable => {
                meter.add(bucket, version, Outcome::TimedOut, cause, x)
            }
            Answer::Answering => self.serve(bucket, v, x, d.per_endpoint, kept, stream),
        }
    }

    /// The rate one answering endpoint of version `v` is offered when the users send it
    /// `users` per second: theirs and the other streams' (one queue).
    pub(super) fn offered(&self, v: usize, users: f64) -> f64 {
        if !self.shared_queues {
            users
        } else {
            users + self.load.per_endpoint[v] + self.mirror.per_endpoint[v]
        }
    }

    /// `x` requests (attempts) of `stream` to answering endpoints of version `v`, each
    /// offered `rate` per second by that stream (and the other streams' rates beside: one
    /// queue); `kept` of their drops and errors are final, the rest retried elsewhere.
    fn serve(&mut self, bucket: usize, v: usize, x: f64, rate: f64, kept: Kept, stream: Stream) {
        let version = &self.scenario.service.versions[v];
        let offered = match stream {
            _ if !self.shared_queues => rate,
            Stream::Users => {
                self.users_per_endpoint[v] = rate;
                self.offered(v, rate)
            }
            Stream::Load => rate + self.users_per_endpoint[v] + self.mirror.per_endpoint[v],
            Stream::Mirror => rate + self.users_per_endpoint[v] + self.load.per_endpoint[v],
        };
        let (dropped, lvl) = match version.capacity_rps {
            Some(mu) => {
                let rho = offered / mu;
                (
                    x * blocking(rho, self.cfg.queue_limit.saturating_add(1)),
                    level(rho),
                )
            }
            None => (0.0, 0),
        };
        let served = x - dropped;
        let errored = served * version.error_rate;
        let ok = served - errored;
        // What the proxy retried elsewhere counts where its last attempt ends; the pods
        // saw those attempts fail here (the destination's count).
        if kept.drops < 1.0 || kept.errors < 1.0 {
            let retried = [
                (Outcome::Dropped, dropped * (1.0 - kept.drops)),
                (Outcome::Errored, errored * (1.0 - kept.errors)),
            ];
            for (outcome, n) in retried {
                self.windows.retried(bucket, v, outcome, n);
            }
        }
        let (dropped, errored) = (dropped * kept.drops, errored * kept.errors);
        let id = Some(v as VersionId);
        let cell = LatencyTables::cell(v as VersionId, lvl);
        if stream != Stream::Users {
            let (m, recorder) = match stream {
                Stream::Load => (&mut self.load.meter, &mut self.load.recorder),
                _ => (&mut self.mirror.meter, &mut self.mirror.recorder),
            };
            m.add(bucket, id, Outcome::Dropped, Cause::Other, dropped);
            m.add(bucket, id, Outcome::Errored, Cause::Version, errored);
            m.add(bucket, id, Outcome::Ok, Cause::Other, ok);
            recorder.served(bucket, cell, ok);
            return;
        }
        self.meter
            .add(bucket, id, Outcome::Dropped, Cause::Other, dropped);
        // An error answered is the version's own doing.
        self.meter
            .add(bucket, id, Outcome::Errored, Cause::Version, errored);
        self.meter.add(bucket, id, Outcome::Ok, Cause::Other, ok);
        self.latency[cell] += ok;
        self.windows.served(bucket, cell, ok);
        if let Some(per_bucket) = self.bucket_latency.as_mut() {
            window::accumulate(per_bucket, bucket, cell, ok);
        }
    }

    /// Whether the balancer weighs an endpoint by its version and answer
    /// ([`weight`](Self::weight)); otherwise every endpoint weighs 1.
    fn weighs_by_answer(&self) -> bool {
        self.cfg.balancer == Balancer::LeastRequest
    }

    /// The balancer's weight of one endpoint of version `v` answering `answer`.
    pub(super) fn weight(&self, v: usize, answer: Answer) -> f64 {
        match self.cfg.balancer {
            Balancer::RoundRobin | Balancer::Random => 1.0,
            Balancer::LeastRequest => match answer {
                Answer::Answering => self.speed[v],
                // Fails fast, so holds no requests: the largest weight.
                Answer::Refusing | Answer::Crashed => {
                    self.speed.iter().copied().fold(0.0, f64::max)
                }
                // Holds every request until it times out: avoided.
                Answer::Hung | Answer::Unreachable => 0.0,
            },
        }
    }
}
