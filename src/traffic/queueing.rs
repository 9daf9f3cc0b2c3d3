//! Capacity, queueing and latency of one endpoint: an M/M/1/K queue.
//!
//! Each task is a single-server queue emptied at `capacity_rps` (μ) with room for
//! `queue_limit` requests waiting behind the one in service (K = `queue_limit + 1` in the
//! system). At an offered rate λ (ρ = λ/μ), in steady state:
//!
//! - a request is **dropped** (503) with the blocking probability
//!   `P_K = ρ^K (1 − ρ) / (1 − ρ^{K+1})` (`1/(K+1)` at ρ = 1);
//! - an accepted request finds `n` requests ahead with probability ∝ ρⁿ (n < K) and
//!   waits for them: an Erlang(n, μ) time;
//! - its **latency** is that wait plus its own `service_time` draw.
//!
//! Below capacity the drops vanish (≈ ρ^K) and the wait is M/M/1's; above it, about
//! `1 − 1/ρ` of the requests are dropped and the rest wait for a full queue (≈ K/μ).
//! Without `capacity_rps` a task never queues: latency is the service time alone.
//!
//! Latency distributions are tabulated per (version, load level), load levels being ρ in
//! steps of 1/32 up to 4 (above 4 the queue is full anyway), from
//! [`TABLE_SAMPLES`] draws of a stream independent of the trial. Drops use the exact ρ.
//! A trial's latency quantiles come from the mixture of the tables it used, weighted by the
//! requests each served (see [`Histogram`]).

use crate::scenario::{Dist, Scenario, VersionId};
use crate::sim::time::{SECOND, Time};
use crate::sim::{Key, Purpose};
use rand_distr::Distribution;

/// Load levels per unit of ρ.
pub const LEVELS_PER_UNIT: f64 = 32.0;
/// Load levels tabulated: ρ = 0, 1/32, …, 4.
pub const LEVELS: usize = 129;
/// Draws per latency table.
pub const TABLE_SAMPLES: u32 = 4096;
/// Histogram bins per decade of latency.
const BINS_PER_DECADE: f64 = 32.0;
/// Histogram bins: 1 µs to 1000 s.
pub const BINS: usize = 9 * 32;

/// The probability that a request finds the queue full (M/M/1/K blocking).
///
/// ```
/// use rollout_sim::traffic::queueing::blocking;
/// assert!(blocking(0.5, 101) < 1e-30);
/// assert!((blocking(1.0, 9) - 0.1).abs() < 1e-12);
/// assert!((blocking(2.0, 101) - 0.5).abs() < 1e-12);
/// ```
pub fn blocking(rho: f64, k: u32) -> f64 {
    if rho <= 0.0 {
        return 0.0;
    }
    let k = k as f64;
    if (rho - 1.0).abs() < 1e-9 {
        1.0 / (k + 1.0)
    } else if rho < 1.0 {
        rho.powf(k) * (1.0 - rho) / (1.0 - rho.powf(k + 1.0))
    } else {
        (1.0 - 1.0 / rho) / (1.0 - rho.powf(-(k + 1.0)))
    }
}

/// The table level of a load.
#[inline]
pub fn level(rho: f64) -> usize {
    ((rho * LEVELS_PER_UNIT).round() as usize).min(LEVELS - 1)
}

/// The histogram bin of a latency in µs.
#[inline]
fn bin(x: Time) -> usize {
    let d = (x.max(1) as f64).log10() * BINS_PER_DECADE;
    (d as usize).min(BINS - 1)
}

/// A latency distribution on the log bins: probability mass and the mean value within
/// each bin (so a constant latency comes back exactly).
#[derive(Debug, Clone)]
pub struct Table {
    mass: Vec<f64>,
    sum: Vec<f64>,
    /// Mean latency in µs.
    pub mean: f64,
}

/// Latency tables of one scenario, built as they are first needed.
#[derive(Debug)]
pub struct LatencyTables<'s> {
    scenario: &'s Scenario,
    system_size: u32,
    cells: Vec<Option<Table>>,
}

impl<'s> LatencyTables<'s> {
    /// No table built yet.
    pub fn new(scenario: &'s Scenario, queue_limit: u32) -> LatencyTables<'s> {
        LatencyTables {
            scenario,
            system_size: queue_limit.saturating_add(1),
            cells: vec![None; scenario.service.versions.len() * LEVELS],
        }
    }

    /// The index of the table of `version` at load `level`.
    #[inline]
    pub fn cell(version: VersionId, level: usize) -> usize {
        version as usize * LEVELS + level
    }

    /// The table with index `cell`.
    pub fn table(&mut self, cell: usize) -> &Table {
        if self.cells[cell].is_none() {
            let t = self.build(cell);
            self.cells[cell] = Some(t);
        }
        self.cells[cell].as_ref().expect("just built")
    }

    fn build(&self, cell: usize) -> Table {
        let (version, level) = ((cell / LEVELS) as VersionId, cell % LEVELS);
        let v = &self.scenario.service.versions[version as usize];
        let rho = level as f64 / LEVELS_PER_UNIT;
        let mut rng = Key {
            seed: self.scenario.seed,
            trial: u64::MAX,
            slot: level as u32,
            version,
            attempt: 0,
            purpose: Purpose::Latency,
        }
        .rng();
        let ahead = match v.capacity_rps {
            Some(mu) if rho > 0.0 => Some((queue_lengths(rho, self.system_size), mu)),
            _ => None,
        };
        let mut t = Table {
            mass: vec![0.0; BINS],
            sum: vec![0.0; BINS],
            mean: 0.0,
        };
        let share = 1.0 / TABLE_SAMPLES as f64;
        for _ in 0..TABLE_SAMPLES {
            let mut x = sample_service(&v.service_time, &mut rng);
            if let Some((cdf, mu)) = &ahead {
                let u = rng.unit();
                let n = cdf.partition_point(|&c| c <= u).min(cdf.len() - 1);
                if n > 0 {
                    let wait = rand_distr::Gamma::new(n as f64, 1.0 / mu)
                        .map_or(0.0, |g| g.sample(&mut rng));
                    x += (wait * SECOND as f64) as Time;
                }
            }
            let b = bin(x);
            t.mass[b] += share;
            t.sum[b] += share * x as f64;
            t.mean += share * x as f64;
        }
        t
    }
}

fn sample_service(d: &Dist, rng: &mut crate::sim::KeyedRng) -> Time {
    let x = d.sample(rng);
    // `never` as a service time would be a hung endpoint; the scenario says so elsewhere.
    if d.is_never() { 0 } else { x }
}

/// Cumulative probabilities of the number of requests an accepted arrival finds ahead
/// (0 … K−1), ∝ ρⁿ; computed relative to the largest term so no power overflows.
fn queue_lengths(rho: f64, k: u32) -> Vec<f64> {
    let k = k.max(1) as usize;
    let ln = rho.ln();
    let top = if rho > 1.0 { (k - 1) as f64 * ln } else { 0.0 };
    let w: Vec<f64> = (0..k).map(|n| (n as f64 * ln - top).exp()).collect();
    let total: f64 = w.iter().sum();
    let mut acc = 0.0;
    w.iter()
        .map(|x| {
            acc += x / total;
            acc
        })
        .collect()
}

/// A mixture of latency tables weighted by requests: a trial's (or a bucket's) latency
/// distribution.
#[derive(Debug, Clone, Default)]
pub struct Histogram {
    mass: Vec<f64>,
    sum: Vec<f64>,
    weight: f64,
}

impl Histogram {
    /// Empty.
    pub fn clear(&mut self) {
        self.mass.clear();
        self.sum.clear();
        self.weight = 0.0;
    }

    /// Add `weight` requests distributed like `table`.
    pub fn add(&mut self, table: &Table, weight: f64) {
        if weight <= 0.0 {
            return;
        }
        if self.mass.is_empty() {
            self.mass.resize(BINS, 0.0);
            self.sum.resize(BINS, 0.0);
        }
        for b in 0..BINS {
            if table.mass[b] > 0.0 {
                self.mass[b] += weight * table.mass[b];
                self.sum[b] += weight * table.sum[b];
            }
        }
        self.weight += weight;
    }

    /// The `q` quantile in milliseconds (the mean latency within the bin where it falls),
    /// or NaN if nothing was added.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.weight <= 0.0 {
            return f64::NAN;
        }
        let target = q * self.weight;
        let mut acc = 0.0;
        let mut last = f64::NAN;
        for b in 0..BINS {
            if self.mass[b] <= 0.0 {
                continue;
            }
            acc += self.mass[b];
            last = self.sum[b] / self.mass[b];
            if acc >= target * (1.0 - 1e-12) {
                break;
            }
        }
        last / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit;

    #[test]
    fn blocking_is_continuous_around_one() {
        for k in [1, 10, 101] {
            let below = blocking(1.0 - 1e-6, k);
            let at = blocking(1.0, k);
            let above = blocking(1.0 + 1e-6, k);
            assert!(
                (below - at).abs() < 1e-4 && (above - at).abs() < 1e-4,
                "{k}"
            );
        }
        // A loss system: one in service, nothing waits.
        assert!((blocking(0.5, 1) - 1.0 / 3.0).abs() < 1e-12);
    }

    fn scenario(capacity: Option<f64>) -> Scenario {
        let mut s = testkit::swarm(1, 0, Default::default());
        for v in &mut s.service.versions {
            v.service_time = Dist::Constant(20_000);
            v.capacity_rps = capacity;
        }
        s
    }

    #[test]
    fn a_constant_service_time_without_queueing_is_exact() {
        let s = scenario(None);
        let mut tables = LatencyTables::new(&s, 100);
        let t = tables.table(LatencyTables::cell(1, 0)).clone();
        let mut h = Histogram::default();
        h.add(&t, 1000.0);
        assert_eq!(h.quantile_ms(0.99), 20.0);
        assert_eq!(t.mean, 20_000.0);
    }

    /// M/M/1 with exponential service of mean 1/μ: the sojourn time is exponential with
    /// rate μ − λ, so its p95 is ln 20 / (μ − λ). μ = 100/s at ρ = 1/2: 59.9 ms. Tolerance
    /// as for any 4096-draw table on 7.5%-wide log bins: 12% (see the integration test of
    /// p95 latency).
    #[test]
    fn p95_of_mm1_sojourn_is_ln20_over_mu_minus_lambda() {
        let mut s = scenario(Some(100.0));
        for v in &mut s.service.versions {
            v.service_time = Dist::Exponential(rand_distr::Exp::new(100.0).unwrap());
        }
        let mut tables = LatencyTables::new(&s, 1000);
        let t = tables.table(LatencyTables::cell(1, level(0.5))).clone();
        let mut h = Histogram::default();
        h.add(&t, 1.0);
        let want = 20f64.ln() / 50.0 * 1000.0;
        let got = h.quantile_ms(0.95);
        assert!((got / want - 1.0).abs() < 0.12, "{got} vs {want}");
    }

    #[test]
    fn waiting_grows_with_load_like_mm1() {
        let s = scenario(Some(100.0));
        let mut tables = LatencyTables::new(&s, 1000);
        let mut mean_wait = |rho: f64| {
            let l = level(rho);
            tables.table(LatencyTables::cell(1, l)).mean / 1000.0 - 20.0
        };
        // M/M/1 mean wait in queue: ρ/(μ − λ) = ρ/(μ(1 − ρ)) seconds.
        for rho in [0.25, 0.5, 0.75] {
            let want = rho / (100.0 * (1.0 - rho)) * 1000.0;
            let got = mean_wait(rho);
            assert!(
                (got - want).abs() < 0.08 * want + 0.2,
                "ρ={rho}: {got} vs {want}"
            );
        }
        // Heavily overloaded: the queue is full, about K/μ = 10 s.
        let full = mean_wait(4.0);
        assert!((full - 9_990.0).abs() < 300.0, "{full}");
    }
}
