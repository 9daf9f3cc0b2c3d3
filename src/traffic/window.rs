//! Measurement windows: what an analysis sees of one version's requests over
//! `[from, to)`.
//!
//! A measurement is computed from the requests of its own window, not from the trial's
//! expectation, so low traffic gives noisy measurements, as a Prometheus query over a
//! quiet service does.
//!
//! - **Alignment.** A window counts the whole `traffic.tick` buckets inside `[from, to)`
//!   that are already integrated: `[⌈from/tick⌉·tick, ⌊to/tick⌋·tick)`. With the default
//!   1 s tick a `[t − 1m, t)` window at a whole second is exact.
//! - **Counts.** Poisson arrivals: each (bucket, version, outcome) cell's count is the
//!   very Poisson draw [`super::meter::Meter::draw`] makes for the trial's totals (same
//!   keyed stream), so windows add up to the trial's counts and a window never disagrees
//!   with `trials.csv`. Drawn cells are kept, so overlapping windows cost nothing more.
//!   Constant arrivals: the window's expected count per outcome, rounded.
//! - **Latency.** The served requests of the window are `N` independent draws from the
//!   mixture of the latency tables the version used in the window (weighted by expected
//!   served requests). The empirical `q` quantile of `N` draws is the mixture's quantile at
//!   a Beta(k, N − k + 1) point, `k = ⌈qN⌉` (the k-th order statistic of `N` uniforms), so
//!   it is drawn exactly with one Beta variate, whatever `N`: a p99 over 20 requests is
//!   as noisy as it really is. The Beta draw has its own keyed stream per (window,
//!   version, quantile), so two metrics measuring the same window see the same value.
//! - **Pods.** `ready` is the version's Ready pods at the end of the integration;
//!   `desired` is the controller's to fill in (0 = unknown).
//! - **Reporter.** A window counts each request once, by its last attempt
//!   ([`Reporter::Source`], the client's proxy), or every attempt a pod of the version
//!   took ([`Reporter::Destination`], the pods' side): the latter adds the attempts that
//!   failed there and were retried elsewhere ([`super::retries`]). Their count per
//!   (bucket, version, outcome) is a Poisson draw around its expected value from a keyed
//!   stream of its own, kept like the cells' (constant arrivals: the window's expected
//!   count rounded). A request retried twice makes two such attempts, so the true count is
//!   a compound Poisson one, a little more spread than this: the mean is exact.
//!
//! Windows need the served requests per bucket, which the model records only after
//! [`super::TrafficModel::enable_windows`] (a strategy with analysis calls it once).

use super::TrafficModel;
use super::meter::{self, Meter, OUTCOMES, Outcome};
use super::queueing::{Histogram, LEVELS, LatencyTables};
use crate::cluster::Cluster;
use crate::scenario::{Arrivals, VersionId};
use crate::sim::time::Time;
use crate::sim::{Key, Purpose};
use rand_distr::Distribution;

/// Quantiles a window reports, in [`WindowStats::latency_ms`] order.
pub const QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// Whose count of a version's requests a window reads.
///
/// The two agree unless the proxy retries (`traffic.retries`): a retried request is one
/// request to its client and several attempts to the pods it tried.
///
/// ```
/// use rollout_sim::traffic::window::Reporter;
/// assert_eq!(Reporter::default(), Reporter::Source);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Reporter {
    /// Each request once, with the outcome of its last attempt: what the users and the
    /// client's proxy see (Istio's `reporter="source"`).
    #[default]
    Source,
    /// Every attempt that reached a pod of the version, with that attempt's outcome: what
    /// the pods' side sees (Istio's `reporter="destination"`, Linkerd's
    /// `direction="inbound"`, the application's own request counter).
    Destination,
}

/// The names of [`Reporter`] in scenario files.
pub const REPORTERS: [(&str, Reporter); 2] = [
    ("source", Reporter::Source),
    ("destination", Reporter::Destination),
];

/// One version's requests over a window, and its pods at the window's end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowStats {
    /// Start of the counted window (aligned to `traffic.tick`).
    pub from: Time,
    /// End of the counted window (aligned to `traffic.tick`).
    pub to: Time,
    /// Requests routed to the version.
    pub requests: u64,
    /// Of which failed: refused, errored, dropped or timed out.
    pub failed: u64,
    /// p50, p95 and p99 latency of the served requests, ms (NaN when none was served).
    pub latency_ms: [f64; 3],
    /// Pods of the version Ready when the window was read (the measurement's instant).
    pub ready: u32,
    /// Pods of the version its controller wants (0: unknown).
    pub desired: u32,
}

impl WindowStats {
    /// A window with no requests and no pods.
    pub fn empty(from: Time, to: Time) -> WindowStats {
        WindowStats {
            from,
            to,
            requests: 0,
            failed: 0,
            latency_ms: [f64::NAN; 3],
            ready: 0,
            desired: 0,
        }
    }
}

/// What the traffic model keeps for windows: served requests per bucket and the counts
/// drawn so far.
#[derive(Debug, Default)]
pub struct Recorder {
    enabled: bool,
    /// Per bucket: (latency table cell, expected served requests).
    served: Vec<Vec<(u32, f64)>>,
    /// Drawn counts by `bucket * width + cell`; `u64::MAX`: not drawn yet.
    drawn: Vec<u64>,
    /// Per bucket: (meter cell, expected attempts that failed that way and were retried).
    retried: Vec<Vec<(u32, f64)>>,
    /// Drawn counts of `retried` by `bucket * width + cell`; `u64::MAX`: not drawn yet.
    retried_drawn: Vec<u64>,
}

impl Recorder {
    /// Start recording (kept across trials).
    pub fn enable(&mut self) {
        self.enabled = true;
    }

    /// Forget the last trial.
    pub fn reset(&mut self) {
        self.served.clear();
        self.drawn.clear();
        self.retried.clear();
        self.retried_drawn.clear();
    }

    /// `ok` expected requests served in `bucket` with latency table `cell`.
    #[inline]
    pub fn served(&mut self, bucket: usize, cell: usize, ok: f64) {
        if self.enabled {
            accumulate(&mut self.served, bucket, cell, ok);
        }
    }

    /// `x` expected attempts of version `v` in `bucket` that ended as `outcome` and were
    /// retried elsewhere (counted by [`Reporter::Destination`] only).
    #[inline]
    pub fn retried(&mut self, bucket: usize, v: usize, outcome: Outcome, x: f64) {
        if self.enabled {
            let cell = v * OUTCOMES + outcome as usize;
            accumulate(&mut self.retried, bucket, cell, x);
        }
    }
}

/// Adds `x` to `cell` of `bucket` in a per-bucket list of cells.
#[inline]
pub(super) fn accumulate(
    per_bucket: &mut Vec<Vec<(u32, f64)>>,
    bucket: usize,
    cell: usize,
    x: f64,
) {
    if x <= 0.0 {
        return;
    }
    if per_bucket.len() <= bucket {
        per_bucket.resize_with(bucket + 1, Vec::new);
    }
    match per_bucket[bucket]
        .iter_mut()
        .find(|(c, _)| *c == cell as u32)
    {
        Some((_, w)) => *w += x,
        None => per_bucket[bucket].push((cell as u32, x)),
    }
}

/// Everything a window is computed from.
pub struct Sources<'a, 's> {
    /// Expected counts per bucket and cell.
    pub meter: &'a Meter,
    /// Served requests per bucket, drawn counts.
    pub recorder: &'a mut Recorder,
    /// Latency tables.
    pub tables: &'a mut LatencyTables<'s>,
    /// Poisson or constant.
    pub arrivals: Arrivals,
    /// Scenario seed.
    pub seed: u64,
    /// Trial index.
    pub trial: u64,
    /// Bucket width.
    pub tick: Time,
    /// Everything before this instant is integrated.
    pub integrated: Time,
    /// Load-test requests ([`super::load`]): their expected counts per bucket and cell,
    /// and their served requests per bucket; `None` when no load generator ran.
    pub load: Option<(&'a Meter, &'a Recorder)>,
    /// Mirrored requests ([`super::mirror`]): their expected counts per bucket and cell,
    /// and their served requests per bucket; `None` when the router mirrored nothing.
    pub mirror: Option<(&'a Meter, &'a Recorder)>,
}

impl Sources<'_, '_> {
    /// The requests of `version` over `[from, to)` (aligned to whole integrated buckets),
    /// as `reporter` counts them.
    pub fn window(
        &mut self,
        version: VersionId,
        reporter: Reporter,
        from: Time,
        to: Time,
    ) -> WindowStats {
        let (first, end) = self.buckets(from, to);
        let mut w = WindowStats::empty(first * self.tick, end * self.tick);
        let mut by_outcome = self.outcomes(version, first, end);
        if reporter == Reporter::Destination {
            for (o, n) in by_outcome.iter_mut().enumerate() {
                *n += self.retried_attempts(version, o, first, end);
            }
        }
        w.requests = by_outcome.iter().sum();
        w.failed = w.requests - by_outcome[Outcome::Ok as usize];
        let served = by_outcome[Outcome::Ok as usize];
        if served > 0 {
            let hist = self.histogram(version, first, end);
            for (i, q) in QUANTILES.iter().enumerate() {
                let u = self.order_statistic(served, *q, version, first, end, i);
                w.latency_ms[i] = hist.quantile_ms(u);
            }
        }
        w
    }

    /// How the requests [`Sources::window`] counts as served fall into latency buckets:
    /// for each of `bounds_ms` (ascending) how many took at most that long, then all of
    /// them (the `+Inf` bucket). The counts split the window's served requests over the
    /// buckets of its latency mixture (a multinomial, drawn as one binomial a bucket on a
    /// stream of its own, so the window's other figures do not move).
    pub fn latency_buckets(
        &mut self,
        version: VersionId,
        from: Time,
        to: Time,
        bounds_ms: &[f64],
    ) -> Vec<u64> {
        let (first, end) = self.buckets(from, to);
        let served = self.outcomes(version, first, end)[Outcome::Ok as usize];
        if served == 0 {
            return vec![0; bounds_ms.len() + 1];
        }
        let shares = self
            .histogram(version, first, end)
            .shares_at_most_ms(bounds_ms);
        let mut rng = self.window_rng(version, first, end, Purpose::LatencyBuckets);
        let mut cumulative = Vec::with_capacity(bounds_ms.len() + 1);
        let (mut below, mut share_below) = (0u64, 0.0f64);
        for share in shares {
            let left = served - below;
            // The requests above the last bound, each at or below this one with the
            // mixture's conditional probability.
            let p = if left == 0 || share_below >= 1.0 {
                0.0
            } else {
                ((share - share_below) / (1.0 - share_below)).clamp(0.0, 1.0)
            };
            below += rand_distr::Binomial::new(left, p).map_or(0, |b| b.sample(&mut rng));
            share_below = share_below.max(share);
            cumulative.push(below);
        }
        cumulative.push(served);
        cumulative
    }

    /// The stream of one draw about `version`'s window of buckets `first..end`: keyed by
    /// the window, so every read of the same window draws the same values.
    fn window_rng(
        &self,
        version: VersionId,
        first: u64,
        end: u64,
        purpose: Purpose,
    ) -> crate::sim::KeyedRng {
        Key {
            seed: self.seed,
            trial: self.trial,
            slot: end as u32,
            version,
            attempt: (end - first) as u32,
            purpose,
        }
        .rng()
    }

    /// The whole integrated `traffic.tick` buckets inside `[from, to)`: `first..end`.
    fn buckets(&self, from: Time, to: Time) -> (u64, u64) {
        let first = from.div_ceil(self.tick);
        (first, (to.min(self.integrated) / self.tick).max(first))
    }

    /// The requests of `version` in buckets `first..end`, per outcome.
    fn outcomes(&mut self, version: VersionId, first: u64, end: u64) -> [u64; OUTCOMES] {
        let mut by_outcome = if self.arrivals == Arrivals::Constant {
            self.rounded(version, first, end)
        } else {
            let mut by_outcome = [0u64; OUTCOMES];
            for b in first..end {
                for (o, n) in by_outcome.iter_mut().enumerate() {
                    *n += self.count(b as usize, version as usize * OUTCOMES + o);
                }
            }
            by_outcome
        };
        if let Some((meter, _)) = self.load {
            let load = self.load_outcomes(meter, version, first, end);
            for (n, l) in by_outcome.iter_mut().zip(load) {
                *n += l;
            }
        }
        if let Some((meter, _)) = self.mirror {
            let copies = self.mirror_outcomes(meter, version, first, end);
            for (n, c) in by_outcome.iter_mut().zip(copies) {
                *n += c;
            }
        }
        by_outcome
    }

    /// The mirrored requests of `version` in buckets `first..end`, per outcome: with
    /// Poisson arrivals a Poisson draw around each outcome's expected count (copies of a
    /// Poisson stream thinned at a fixed rate, split over independent fates, are
    /// independent Poisson counts), on a keyed stream of its own; with constant arrivals
    /// the expected counts rounded, as the users'.
    fn mirror_outcomes(
        &self,
        meter: &Meter,
        version: VersionId,
        first: u64,
        end: u64,
    ) -> [u64; OUTCOMES] {
        let x = expected_by_outcome(meter, version, first, end);
        if self.arrivals == Arrivals::Constant {
            return x.map(|v| v.round() as u64);
        }
        let mut rng = self.window_rng(version, first, end, Purpose::Mirror);
        x.map(|mean| rand_distr::Poisson::new(mean).map_or(0, |p| p.sample(&mut rng) as u64))
    }

    /// The load-test requests of `version` in buckets `first..end`, per outcome: their
    /// expected number rounded (a paced generator sends a fixed number), split over the
    /// outcomes by a multinomial draw of its own keyed stream.
    fn load_outcomes(
        &self,
        meter: &Meter,
        version: VersionId,
        first: u64,
        end: u64,
    ) -> [u64; OUTCOMES] {
        let x = expected_by_outcome(meter, version, first, end);
        let mut mass: f64 = x.iter().sum();
        let mut left = mass.round() as u64;
        let mut by_outcome = [0u64; OUTCOMES];
        if left == 0 {
            return by_outcome;
        }
        let mut rng = self.window_rng(version, first, end, Purpose::LoadTest);
        for (o, &xo) in x.iter().enumerate() {
            if left == 0 || mass <= 0.0 {
                break;
            }
            let p = (xo / mass).clamp(0.0, 1.0);
            let k = if o == OUTCOMES - 1 || p >= 1.0 {
                left
            } else {
                rand_distr::Binomial::new(left, p).map_or(0, |b| b.sample(&mut rng))
            };
            by_outcome[o] = k;
            left -= k;
            mass -= xo;
        }
        by_outcome
    }

    /// The Poisson count of one cell, as [`Meter::draw`] draws it.
    fn count(&mut self, bucket: usize, cell: usize) -> u64 {
        if self.arrivals == Arrivals::Constant {
            return 0;
        }
        let at = bucket * self.meter.width() + cell;
        let (meter, seed, trial) = (self.meter, self.seed, self.trial);
        kept(&mut self.recorder.drawn, at, || {
            meter::poisson(meter.expected(bucket, cell), seed, trial, bucket, cell)
        })
    }

    /// The attempts of `version` in buckets `first..end` that ended as outcome `o` and
    /// were retried: per bucket a Poisson draw from its own stream, kept (constant
    /// arrivals: the window's expected count, rounded).
    fn retried_attempts(&mut self, version: VersionId, o: usize, first: u64, end: u64) -> u64 {
        let cell = version as usize * OUTCOMES + o;
        let retried = &self.recorder.retried;
        let expected = |b: u64| {
            retried
                .get(b as usize)
                .and_then(|cells| cells.iter().find(|(c, _)| *c == cell as u32))
                .map_or(0.0, |&(_, x)| x)
        };
        if self.arrivals == Arrivals::Constant {
            return (first..end).map(expected).sum::<f64>().round() as u64;
        }
        let width = self.meter.width();
        let mut n = 0;
        for b in first..end {
            let x = expected(b);
            if x <= 0.0 {
                continue;
            }
            let key = Key {
                seed: self.seed,
                trial: self.trial,
                slot: b as u32,
                version,
                attempt: o as u32,
                purpose: Purpose::RetriedAttempts,
            };
            n += kept(
                &mut self.recorder.retried_drawn,
                b as usize * width + cell,
                || rand_distr::Poisson::new(x).map_or(0, |p| p.sample(&mut key.rng()) as u64),
            );
        }
        n
    }

    /// Constant arrivals: the window's expected count per outcome, rounded.
    fn rounded(&self, version: VersionId, first: u64, end: u64) -> [u64; OUTCOMES] {
        expected_by_outcome(self.meter, version, first, end).map(|v| v.round() as u64)
    }

    /// The latency mixture of the version's served requests in buckets `first..end`.
    fn histogram(&mut self, version: VersionId, first: u64, end: u64) -> Histogram {
        let mut cells: Vec<(u32, f64)> = Vec::new();
        let lo = version as usize * LEVELS;
        let load = self.load.map(|(_, recorder)| recorder);
        let mirror = self.mirror.map(|(_, recorder)| recorder);
        for recorder in std::iter::once(&*self.recorder).chain(load).chain(mirror) {
            let served = &recorder.served;
            let buckets = served.get(first as usize..(end as usize).min(served.len()));
            for bucket in buckets.unwrap_or(&[]) {
                for &(cell, ok) in bucket {
                    if (lo..lo + LEVELS).contains(&(cell as usize)) {
                        match cells.iter_mut().find(|(c, _)| *c == cell) {
                            Some((_, w)) => *w += ok,
                            None => cells.push((cell, ok)),
                        }
                    }
                }
            }
        }
        let mut hist = Histogram::default();
        for (cell, ok) in cells {
            hist.add(self.tables.table(cell as usize), ok);
        }
        hist
    }

    /// Where the `q` quantile of `n` draws falls in the distribution: the k-th smallest
    /// of `n` uniforms, Beta(k, n − k + 1).
    fn order_statistic(&self, n: u64, q: f64, v: VersionId, first: u64, end: u64, i: usize) -> f64 {
        let k = ((q * n as f64).ceil() as u64).clamp(1, n);
        let mut rng = Key {
            seed: self.seed,
            trial: self.trial,
            slot: end as u32,
            version: v,
            attempt: WINDOW_ATTEMPTS
                .saturating_add(((end - first) as u32).saturating_mul(QUANTILES.len() as u32))
                .saturating_add(i as u32),
            purpose: Purpose::Traffic,
        }
        .rng();
        rand_distr::Beta::new(k as f64, (n - k + 1) as f64).map_or(q, |b| b.sample(&mut rng))
    }
}

/// `meter`'s expected requests of `version` in buckets `first..end`, per outcome.
fn expected_by_outcome(meter: &Meter, version: VersionId, first: u64, end: u64) -> [f64; OUTCOMES] {
    let mut x = [0.0f64; OUTCOMES];
    for b in first..end {
        for (o, v) in x.iter_mut().enumerate() {
            *v += meter.expected(b as usize, version as usize * OUTCOMES + o);
        }
    }
    x
}

/// First `attempt` of the window quantile streams: far above the meter's cell streams
/// (attempts below `2 × OUTCOMES`) under the same purpose.
const WINDOW_ATTEMPTS: u32 = 1_000;

impl<'s> TrafficModel<'s> {
    /// Record served requests per bucket from now on, so [`TrafficModel::window`] can
    /// report latencies (call before the trial's first event).
    pub fn enable_windows(&mut self) {
        self.windows.enable();
        self.load.recorder.enable();
        self.mirror.recorder.enable();
    }

    /// What `version` served over `[from, to)` as `reporter` counts it, integrated up to
    /// `cl.now()` at most (see the module doc for the alignment and the draws). `desired`
    /// is left 0.
    pub fn window(
        &mut self,
        cl: &Cluster,
        version: VersionId,
        reporter: Reporter,
        from: Time,
        to: Time,
    ) -> WindowStats {
        let mut w = self.sources(cl, to).window(version, reporter, from, to);
        w.ready = self.endpoints.ready_by_version()[version as usize];
        w
    }

    /// How `version`'s served requests over `[from, to)` fall into latency buckets (see
    /// [`Sources::latency_buckets`]), integrated up to `cl.now()` at most.
    pub fn latency_buckets(
        &mut self,
        cl: &Cluster,
        version: VersionId,
        from: Time,
        to: Time,
        bounds_ms: &[f64],
    ) -> Vec<u64> {
        self.sources(cl, to)
            .latency_buckets(version, from, to, bounds_ms)
    }

    /// The model integrated up to `to` (`cl.now()` at most), as windows read it.
    fn sources<'a>(&'a mut self, cl: &Cluster, to: Time) -> Sources<'a, 's> {
        self.advance(cl, to.min(cl.now()));
        Sources {
            meter: &self.meter,
            recorder: &mut self.windows,
            tables: &mut self.tables,
            arrivals: self.cfg.arrivals,
            seed: self.scenario.seed,
            trial: cl.trial,
            tick: self.cfg.tick,
            integrated: self.cursor,
            load: self
                .load
                .started()
                .then_some((&self.load.meter, &self.load.recorder)),
            mirror: self
                .mirror
                .started
                .then_some((&self.mirror.meter, &self.mirror.recorder)),
        }
    }
}

/// The draw kept at `at` of a window's cache (`u64::MAX`: not drawn yet), drawn by `draw`
/// the first time it is asked for: a cell's count is one draw whichever window reads it.
#[inline]
fn kept(drawn: &mut Vec<u64>, at: usize, draw: impl FnOnce() -> u64) -> u64 {
    if drawn.len() <= at {
        drawn.resize(at + 1, u64::MAX);
    }
    if drawn[at] == u64::MAX {
        drawn[at] = draw();
    }
    drawn[at]
}

#[cfg(test)]
#[path = "window_tests.rs"]
mod tests;
