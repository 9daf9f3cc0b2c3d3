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
//! Steps 2 and 3 for one interval of one bucket are [`piece`]; this module keeps the
//! model's state across a trial and walks the intervals. The cost grows with the number
//! of endpoint changes and buckets, not with the number of requests: a million requests
//! cost the same as ten.
//!
//! Swarm's routing mesh: a Swarm task with a service binding (`service.networks`) is
//! taken out of the VIP when told to stop and then, after the executor's 2 s gossip delay,
//! sent SIGTERM (`defaultGossipConvergeDelay`). The trial sets that delay on the cluster
//! from the service alone, so measuring requests never changes what the engine does.

pub mod endpoints;
mod load;
pub mod meter;
mod mirror;
mod piece;
pub mod queueing;
pub mod rate;
mod retries;
pub mod routing;
pub mod window;

use crate::cluster::{Cluster, TaskId};
use crate::result::TrafficResult;
use crate::scenario::{Scenario, Strategy, Traffic, VersionId};
use crate::sim::time::{NEVER, SECOND, Time};
use endpoints::Endpoints;
use meter::{Meter, Outcome};
use queueing::{Histogram, LatencyTables};
use rate::Rate;

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
}
