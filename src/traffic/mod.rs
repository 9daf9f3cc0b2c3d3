//! Traffic: the requests a rollout serves, fails, drops and delays.
//!
//! The model is integrated, not simulated request by request. Between two changes of
//! the endpoints (a task joining or leaving the balancer's rotation, an application
//! becoming ready, hanging or stopping) the set of endpoints and what each does with a
//! request are constant, so the requests of that interval split in closed form:
//!
//! 1. **Arrivals** ([`rate`]): the profile's exact integral over the interval.
//! 2. **Balancer** ([`endpoints`]): over the endpoints *in rotation* — the balancer's view,
//!    which lags the truth by `endpoint_propagation`. Round-robin and random give every
//!    endpoint an equal share; least-request weights answering endpoints by speed
//!    (1 / mean service time), gives endpoints that fail fast the largest weight (they
//!    hold no requests, the known least-request pathology) and none to hung endpoints
//!    (their requests pile up, so it avoids them). No endpoint in rotation: on Kubernetes
//!    the deleted pods still Ready (serving and terminating) instead, as kube-proxy does
//!    ([`endpoints::Pool`]); none of those either, or Swarm: refused.
//! 3. **Endpoint** ([`queueing`]): an answering endpoint drops what its M/M/1/K queue
//!    cannot hold, answers `error_rate` of the rest with an error and serves the others
//!    with the tabulated latency at its load. A refusing endpoint fails every request it
//!    gets (connection refused / 502); a hung one times them out.
//! 4. **Counts** ([`meter`]): expected counts per `tick` bucket become whole requests at
//!    the end of the trial (Poisson draws, or rounding for constant arrivals).
//! 5. **Blame**: a failure is the version's own (`bad_version_requests`) when it was
//!    answered with an error, timed out on a hung process, or refused by a container that
//!    died on its own while still in rotation ([`endpoints::Answer::is_version_fault`]).
//!    Refusals while an endpoint is not yet listening or is being stopped, drops at
//!    capacity and timeouts on a lost node are not. The counts keep the blame per version
//!    ([`meter::Counts::fault_by_version`]), so the release's own part
//!    (`bad_release_requests`, the requests `next`'s tasks failed) is a sum over its cells.
//!
//! The cost grows with the number of endpoint changes and buckets, not with the number
//! of requests: a million requests cost the same as ten.
//!
//! Swarm's routing mesh: a Swarm task with a service binding (`service.networks`) is
//! taken out of the VIP when told to stop and then, after the executor's 2 s gossip delay,
//! sent SIGTERM (`defaultGossipConvergeDelay`). The trial sets that delay on the cluster
//! from the service alone, so measuring requests never changes what the engine does.

pub mod endpoints;
mod load;
pub mod meter;
mod mirror;
pub mod queueing;
pub mod rate;
mod retries;
pub mod routing;
pub mod window;

use crate::cluster::mirror::Mirror;
use crate::cluster::{Cluster, TaskId};
use crate::result::TrafficResult;
use crate::scenario::{Balancer, Scenario, Strategy, Traffic, VersionId};
use crate::sim::time::{NEVER, SECOND, Time};
use endpoints::{ANSWERS, Answer, Endpoints, Pool};
use meter::{Cause, Meter, Outcome};
use queueing::{Histogram, LatencyTables, blocking, level};
use rate::Rate;
use retries::{Kept, Split};
use std::ops::Range;

/// Swarm's gossip converge delay before a task with a service binding is stopped
/// (`defaultGossipConvergeDelay`, `controller.Shutdown` in
/// `moby/moby:daemon/cluster/executor/container/controller.go`).
pub const SWARM_GOSSIP_DELAY: Time = 2 * SECOND;

/// One bucket of a trial's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRow {
    /// End of the bucket.
    pub t: Time,
    /// Tasks Ready per version at the end of the bucket (after every change of its last
    /// instant).
    pub ready: Vec<u32>,
    /// Endpoints in the balancer's rotation per version at the end of the bucket (after
    /// every change of its last instant).
    pub in_rotation: Vec<u32>,
    /// Requests of the bucket by outcome (see [`meter::Outcome`]).
    pub requests: [u64; meter::OUTCOMES],
    /// 99th percentile latency of the bucket's served requests, ms (NaN if none).
    pub p99_latency_ms: f64,
}

/// The traffic model of one worker: reset per trial.
pub struct TrafficModel<'s> {
    scenario: &'s Scenario,
    cfg: &'s Traffic,
    rate: Rate<'s>,
    endpoints: Endpoints,
    meter: Meter,
    tables: LatencyTables<'s>,
    /// Everything before this instant is integrated.
    cursor: Time,
    /// Traffic stops here (`traffic.duration`, or `NEVER`).
    limit: Time,
    /// Served requests per latency table, for the trial's latency quantiles.
    latency: Vec<f64>,
    /// Per bucket, when recording a timeline: served requests per latency table.
    bucket_latency: Option<Vec<Vec<(u32, f64)>>>,
    /// Per bucket, when recording a timeline: (ready, in rotation) at its end, after
    /// every change of that instant (the fleet columns are read there too).
    snapshots: Vec<(Vec<u32>, Vec<u32>)>,
    /// The bucket whose end the integration has reached and whose snapshot waits for the
    /// rest of that instant's changes: it is taken once the integration moves past it.
    snapshot_due: Option<usize>,
    /// Least-request weight of an answering endpoint, per version.
    speed: Vec<f64>,
    /// Served requests per bucket for analysis windows ([`window`]).
    windows: window::Recorder,
    /// A router splits requests between versions ([`routing`]), in the proxies.
    routed: bool,
    /// Its share of requests per version, as in force in the proxies.
    shares: Vec<f64>,
    /// The router's configuration written and not yet in force.
    routes: routing::Propagation,
    /// Deleted pods serve while Ready when their service has no ready endpoint (kube-proxy,
    /// [`endpoints::Pool::ServingTerminating`]).
    falls_back: bool,
    /// The router is a Service selector that kube-proxy applies (blue-green's active
    /// Service), not a mesh or ingress router: its fallback applies per version.
    router_falls_back: bool,
    /// Load-test requests ([`load`]), counted apart from the users'.
    load: load::LoadStream,
    /// Mirrored requests ([`mirror`]), counted apart from the users'.
    mirror: mirror::MirrorStream,
    /// Per version, the rate each of its answering endpoints gets from the users over the
    /// current piece (0 when none reach it), kept while another stream shares the queues.
    users_per_endpoint: Vec<f64>,
    /// Another stream than the users' reaches pods over the current piece.
    shared_queues: bool,
    /// Where a pool's attempts land when the proxy retries failed answers ([`retries`]).
    attempts: retries::Attempts,
}

/// The router's copies of one piece's user requests ([`mirror`]).
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
struct Delivery {
    /// How many.
    requests: f64,
    /// The rate each endpoint of the class is offered.
    per_endpoint: f64,
    /// The share of the answering endpoints' failed answers that is final (the rest are
    /// retried elsewhere).
    kept: Kept,
    /// Refusing endpoints: the connections they refused that the proxy retried elsewhere
    /// (`requests` counts the final refusals only).
    refusals_retried: f64,
}

impl Delivery {
    /// Requests no proxy retries.
    fn plain(requests: f64, per_endpoint: f64) -> Delivery {
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
enum Stream {
    /// The users' traffic: the trial's request columns.
    Users,
    /// A load generator's ([`load`]): seen by analysis windows only.
    Load,
    /// The router's copies of the users' requests ([`mirror`]): seen by analysis windows
    /// only.
    Mirror,
}

impl<'s> TrafficModel<'s> {
    /// The model of `scenario`'s traffic, if it has any.
    pub fn new(scenario: &'s Scenario) -> Option<TrafficModel<'s>> {
        let cfg = scenario.traffic.as_ref()?;
        let mut tables = LatencyTables::new(scenario, cfg.queue_limit);
        let speed = (0..scenario.service.versions.len())
            .map(|v| {
                let mean = tables.table(LatencyTables::cell(v as VersionId, 0)).mean;
                1.0 / mean.max(1.0)
            })
            .collect();
        Some(TrafficModel {
            scenario,
            cfg,
            rate: Rate::new(&cfg.rate),
            endpoints: Endpoints::default(),
            meter: Meter::default(),
            tables,
            cursor: 0,
            limit: NEVER,
            latency: Vec::new(),
            bucket_latency: None,
            snapshots: Vec::new(),
            snapshot_due: None,
            speed,
            windows: window::Recorder::default(),
            routed: false,
            shares: Vec::new(),
            routes: routing::Propagation::default(),
            falls_back: scenario.strategy.runtime().leaves_endpoints_on_delete(),
            router_falls_back: matches!(scenario.strategy, Strategy::BlueGreen(_)),
            load: load::LoadStream::default(),
            mirror: mirror::MirrorStream::default(),
            users_per_endpoint: Vec::new(),
            shared_queues: false,
            attempts: retries::Attempts::default(),
        })
    }

    /// The end of the measured window for a rollout that concluded at `outcome_at`.
    pub fn window_end(&self, outcome_at: Time) -> Time {
        self.fixed_window()
            .unwrap_or(outcome_at.min(self.scenario.horizon))
    }

    /// The end of a window fixed by `traffic.duration` (cut at the horizon), if any: the
    /// cluster keeps running until then even after the rollout's outcome.
    pub fn fixed_window(&self) -> Option<Time> {
        self.cfg.duration.map(|d| d.min(self.scenario.horizon))
    }

    /// Start a trial; `timeline` records per-bucket rows.
    pub fn reset(&mut self, timeline: bool) {
        let versions = self.scenario.service.versions.len();
        self.endpoints.reset(versions, self.falls_back);
        self.meter.reset(versions);
        self.cursor = 0;
        self.limit = self.fixed_window().unwrap_or(NEVER);
        self.latency.clear();
        self.latency.resize(versions * queueing::LEVELS, 0.0);
        self.bucket_latency = timeline.then(Vec::new);
        self.snapshots.clear();
        self.snapshot_due = None;
        self.windows.reset();
        self.routed = false;
        self.routes.reset();
        self.load.reset(versions);
        self.mirror.reset(versions);
        self.users_per_endpoint.clear();
        self.users_per_endpoint.resize(versions, 0.0);
        self.shared_queues = false;
    }

    /// A task changed state at `cluster.now()` (the model has been advanced to it already:
    /// the trial loop advances before every event).
    pub fn observe(&mut self, cl: &Cluster, task: TaskId) {
        debug_assert!(self.cursor == cl.now().min(self.limit));
        self.endpoints
            .observe(cl, task, &self.cfg.endpoint_propagation);
    }

    /// Integrate up to `to`, applying the endpoint changes and the router's configuration
    /// due on the way (at one instant, endpoint changes first: a pod joins the rotation
    /// no later than a weight written once it was available).
    pub fn advance(&mut self, cl: &Cluster, to: Time) {
        self.routes.see(
            cl,
            &self.cfg.endpoint_propagation,
            self.endpoints.joins_due(),
        );
        self.load.see(cl);
        let to = to.min(self.limit);
        loop {
            let endpoint = self.endpoints.next_due().filter(|&at| at <= to);
            let route = self.routes.next_due().filter(|&at| at <= to);
            match (endpoint, route) {
                (Some(at), Some(r)) if r < at => {
                    self.integrate(r);
                    self.apply_next_route();
                }
                (Some(at), _) => {
                    if !self.endpoints.next_is_unseen(cl, self.routed) {
                        self.integrate(at);
                    }
                    self.endpoints.apply_next(cl, at);
                }
                (None, Some(at)) => {
                    self.integrate(at);
                    self.apply_next_route();
                }
                (None, None) => break,
            }
        }
        self.integrate(to);
    }

    /// Close the window at `end` and count.
    pub fn finish(&mut self, cl: &Cluster, end: Time) -> (TrafficResult, Vec<TimelineRow>) {
        self.advance(cl, end);
        self.take_due_snapshot();
        let tick = self.cfg.tick;
        let buckets = end.div_ceil(tick) as usize;
        let counts = self
            .meter
            .draw(self.cfg.arrivals, self.scenario.seed, cl.trial, buckets);
        let mut hist = Histogram::default();
        for (cell, &w) in self.latency.iter().enumerate() {
            if w > 0.0 {
                hist.add(self.tables.table(cell), w);
            }
        }
        let failed = counts.outcome(Outcome::Errored)
            + counts.outcome(Outcome::Dropped)
            + counts.outcome(Outcome::Refused)
            + counts.outcome(Outcome::TimedOut);
        let result = TrafficResult {
            requests: counts.by_version.iter().sum(),
            failed_requests: failed,
            p99_latency_ms: hist.quantile_ms(0.99),
            bad_version_requests: counts.fault_by_version.iter().sum(),
            refused_requests: counts.outcome(Outcome::Refused),
            timed_out_requests: counts.outcome(Outcome::TimedOut),
            errored_requests: counts.outcome(Outcome::Errored),
            dropped_requests: counts.outcome(Outcome::Dropped),
            p50_latency_ms: hist.quantile_ms(0.5),
            next_requests: self.of_release(|v| counts.version(v)),
            p95_latency_ms: hist.quantile_ms(0.95),
            bad_release_requests: Some(self.of_release(|v| counts.fault(v))),
            slo_violation: self.cfg.slo.map(|slo| {
                let per = (slo.window / tick).max(1) as usize;
                let mut below = 0;
                for (w, chunk) in counts.buckets.chunks(per).enumerate() {
                    let sent: u64 = chunk.iter().flatten().sum();
                    let ok: u64 = chunk.iter().map(|r| r[Outcome::Ok as usize]).sum();
                    if sent > 0 && (ok as f64) < slo.availability * sent as f64 {
                        let start = w as Time * slo.window;
                        below += (start + slo.window).min(end) - start;
                    }
                }
                below
            }),
        };
        let timeline = self.timeline_rows(&counts, end);
        (result, timeline)
    }

    /// The sum of `count` over the versions that run `next`'s image: `next`, and the
    /// experiment templates' pods that copy it.
    fn of_release(&self, count: impl Fn(usize) -> u64) -> u64 {
        let service = &self.scenario.service;
        (0..service.versions.len())
            .filter(|&v| service.release(v as crate::scenario::VersionId) == crate::scenario::NEXT)
            .map(count)
            .sum()
    }

    fn timeline_rows(&mut self, counts: &meter::Counts, end: Time) -> Vec<TimelineRow> {
        let Some(per_bucket) = self.bucket_latency.take() else {
            return Vec::new();
        };
        let tick = self.cfg.tick;
        let mut hist = Histogram::default();
        let rows = counts
            .buckets
            .iter()
            .enumerate()
            .map(|(b, requests)| {
                hist.clear();
                for &(cell, w) in per_bucket.get(b).map_or(&[][..], Vec::as_slice) {
                    hist.add(self.tables.table(cell as usize), w);
                }
                let (ready, in_rotation) = self.snapshots.get(b).cloned().unwrap_or_else(|| {
                    (
                        self.endpoints.ready_by_version().to_vec(),
                        self.endpoints.rotation_by_version().to_vec(),
                    )
                });
                TimelineRow {
                    t: meter::bucket_end(b, tick).min(end),
                    ready,
                    in_rotation,
                    requests: *requests,
                    p99_latency_ms: hist.quantile_ms(0.99),
                }
            })
            .collect();
        self.bucket_latency = Some(per_bucket);
        rows
    }

    /// Integrate from the cursor to `to` in pieces of constant rate within one bucket.
    fn integrate(&mut self, to: Time) {
        let tick = self.cfg.tick;
        while self.cursor < to {
            // Moving past an instant: every change of it has been applied.
            self.take_due_snapshot();
            let a = self.cursor;
            let bucket_end = (a / tick + 1) * tick;
            let b = to
                .min(bucket_end)
                .min(self.rate.next_change(a))
                .min(self.load.next_change(a));
            self.piece(a, b, (a / tick) as usize);
            self.cursor = b;
            if b == bucket_end && self.bucket_latency.is_some() {
                self.snapshot_due = Some((a / tick) as usize);
            }
        }
    }

    /// Record the endpoints of the bucket whose end the integration reached, if any.
    fn take_due_snapshot(&mut self) {
        let Some(bucket) = self.snapshot_due.take() else {
            return;
        };
        if self.snapshots.len() <= bucket {
            self.snapshots.resize(bucket + 1, (Vec::new(), Vec::new()));
        }
        self.snapshots[bucket] = (
            self.endpoints.ready_by_version().to_vec(),
            self.endpoints.rotation_by_version().to_vec(),
        );
    }

    /// The requests of `[a, b)`, all in `bucket`, at a constant endpoint set.
    fn piece(&mut self, a: Time, b: Time, bucket: usize) {
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
    fn pool_weight(&self, pool: Pool, vs: Range<usize>) -> (u32, f64) {
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
    fn spread(
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
    fn offered(&self, v: usize, users: f64) -> f64 {
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
    fn weight(&self, v: usize, answer: Answer) -> f64 {
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
