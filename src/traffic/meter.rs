//! Counting requests: expected counts per time bucket, turned into whole requests at the
//! end of a trial.
//!
//! The traffic model adds *expected* requests per (bucket of `tick`, version, outcome)
//! as it integrates. [`Meter::draw`] then makes them counts:
//!
//! - **Poisson arrivals**: each cell's count is a Poisson draw with its expected value.
//!   Splitting a Poisson process by a (time-varying) routing and per-request outcome gives
//!   independent Poisson counts, so this is the exact distribution of the counts, not an
//!   approximation, whatever the tick. Each cell has its own keyed stream.
//! - **Constant arrivals**: deterministic; each cell's running total is its expected
//!   running total rounded to the nearest whole request.
//!
//! Either way `requests` is the sum of the outcome counts, so conservation holds by
//! construction.
//!
//! Each cell also carries the expected requests among them that are the version's own
//! fault ([`Cause::Version`]). Their count is the cell's count thinned by that share: a
//! binomial draw from its own keyed stream for Poisson arrivals (thinning a Poisson count
//! gives exactly the Poisson count of the thinned process), the rounded expected total for
//! constant arrivals. A cell that is all fault (errors) counts every request, with no draw,
//! so the thinning never moves the outcome counts.

use crate::scenario::{Arrivals, VersionId};
use crate::sim::time::Time;
use crate::sim::{Key, Purpose};
use rand_distr::Distribution;

/// A request's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Served successfully.
    Ok = 0,
    /// Answered with an error (the version's `error_rate`).
    Errored = 1,
    /// Dropped by a full endpoint queue (503).
    Dropped = 2,
    /// Refused or reset: the endpoint was not listening, or no endpoint was in rotation.
    Refused = 3,
    /// Sent to a hung endpoint; timed out.
    TimedOut = 4,
}

/// Outcomes per cell.
pub const OUTCOMES: usize = 5;

/// Whose doing a request's outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The version misbehaved: an error it answered, a hung or crashed process.
    Version,
    /// Anything else: served, or failed by the rollout (not yet or no longer in
    /// rotation), by capacity or by the infrastructure (a lost node).
    Other,
}

/// Whole-request counts of one trial.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    /// Requests by `version * OUTCOMES + outcome`; the extra last version is "no endpoint".
    pub by_version: Vec<u64>,
    /// Per bucket: requests by outcome, all versions.
    pub buckets: Vec<[u64; OUTCOMES]>,
    /// Requests failed by the version's own misbehaviour ([`Cause::Version`]), laid out
    /// like `by_version`.
    pub fault_by_version: Vec<u64>,
}

impl Counts {
    /// Requests with this outcome, all versions.
    pub fn outcome(&self, o: Outcome) -> u64 {
        self.by_version
            .chunks(OUTCOMES)
            .map(|c| c[o as usize])
            .sum()
    }

    /// Requests routed to `version` and failed by its own misbehaviour
    /// ([`Cause::Version`]), any outcome: its part of the `fault_by_version` sum.
    pub fn fault(&self, v: usize) -> u64 {
        self.fault_by_version[v * OUTCOMES..(v + 1) * OUTCOMES]
            .iter()
            .sum()
    }

    /// Requests routed to `version`, any outcome.
    pub fn version(&self, v: usize) -> u64 {
        self.by_version[v * OUTCOMES..(v + 1) * OUTCOMES]
            .iter()
            .sum()
    }
}

/// Expected requests per bucket and cell.
#[derive(Debug, Default)]
pub struct Meter {
    /// Cells per bucket: (versions + 1) × outcomes.
    width: usize,
    expected: Vec<f64>,
    /// The part of `expected` that is [`Cause::Version`], same layout.
    fault: Vec<f64>,
}

impl Meter {
    /// Empty, for `versions` versions.
    pub fn reset(&mut self, versions: usize) {
        self.width = (versions + 1) * OUTCOMES;
        self.expected.clear();
        self.fault.clear();
    }

    /// Add `x` expected requests of `version` (`None`: no endpoint) with `outcome` and
    /// `cause` to `bucket`.
    #[inline]
    pub fn add(
        &mut self,
        bucket: usize,
        version: Option<VersionId>,
        outcome: Outcome,
        cause: Cause,
        x: f64,
    ) {
        if x <= 0.0 {
            return;
        }
        let need = (bucket + 1) * self.width;
        if self.expected.len() < need {
            self.expected.resize(need, 0.0);
        }
        let v = version.map_or(self.width / OUTCOMES - 1, |v| v as usize);
        let cell = bucket * self.width + v * OUTCOMES + outcome as usize;
        self.expected[cell] += x;
        if cause == Cause::Version {
            if self.fault.len() < need {
                self.fault.resize(need, 0.0);
            }
            self.fault[cell] += x;
        }
    }

    /// Cells per bucket: (versions + 1) × outcomes.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Expected requests of `cell` in `bucket` so far.
    pub fn expected(&self, bucket: usize, cell: usize) -> f64 {
        self.expected
            .get(bucket * self.width + cell)
            .copied()
            .unwrap_or(0.0)
    }

    /// Whole counts for trial `trial` of seed `seed`.
    pub fn draw(&self, arrivals: Arrivals, seed: u64, trial: u64, buckets: usize) -> Counts {
        let w = self.width;
        let mut counts = Counts {
            by_version: vec![0; w],
            buckets: vec![[0; OUTCOMES]; buckets],
            fault_by_version: vec![0; w],
        };
        let mut running = vec![0.0f64; w];
        let mut running_fault = vec![0.0f64; w];
        for (b, row) in counts.buckets.iter_mut().enumerate() {
            let cells = self.expected.get(b * w..(b + 1) * w).unwrap_or(&[]);
            let faults = self.fault.get(b * w..(b + 1) * w).unwrap_or(&[]);
            for (c, &x) in cells.iter().enumerate() {
                let f = faults.get(c).copied().unwrap_or(0.0);
                let n = match arrivals {
                    Arrivals::Poisson => poisson(x, seed, trial, b, c),
                    Arrivals::Constant => {
                        let before = running[c].round();
                        running[c] += x;
                        running_fault[c] += f;
                        (running[c].round() - before) as u64
                    }
                };
                if n > 0 {
                    counts.by_version[c] += n;
                    row[c % OUTCOMES] += n;
                    if arrivals == Arrivals::Poisson && f > 0.0 {
                        counts.fault_by_version[c] += thin(n, f / x, seed, trial, b, c);
                    }
                }
            }
        }
        if arrivals == Arrivals::Constant {
            // The rounded expected total: at most the cell's count, since the fault is a
            // part of the cell and rounding is monotone.
            for (total, f) in counts.fault_by_version.iter_mut().zip(&running_fault) {
                *total = f.round() as u64;
            }
        }
        counts
    }
}

/// A Poisson draw from the cell's own stream.
pub(crate) fn poisson(mean: f64, seed: u64, trial: u64, bucket: usize, cell: usize) -> u64 {
    if mean <= 0.0 {
        return 0;
    }
    let mut rng = Key {
        seed,
        trial,
        slot: bucket as u32,
        version: (cell / OUTCOMES) as u8,
        attempt: (cell % OUTCOMES) as u32,
        purpose: Purpose::Traffic,
    }
    .rng();
    rand_distr::Poisson::new(mean).map_or(0, |p| p.sample(&mut rng) as u64)
}

/// How many of a cell's `n` requests are the version's fault, each with probability
/// `share`, from the cell's own stream (distinct from its arrival stream).
fn thin(n: u64, share: f64, seed: u64, trial: u64, bucket: usize, cell: usize) -> u64 {
    if share >= 1.0 {
        return n;
    }
    let mut rng = Key {
        seed,
        trial,
        slot: bucket as u32,
        version: (cell / OUTCOMES) as u8,
        attempt: (OUTCOMES + cell % OUTCOMES) as u32,
        purpose: Purpose::Traffic,
    }
    .rng();
    rand_distr::Binomial::new(n, share).map_or(0, |b| b.sample(&mut rng))
}

/// The time a bucket ends.
pub fn bucket_end(bucket: usize, tick: Time) -> Time {
    (bucket as u64 + 1) * tick
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_arrivals_round_the_running_total() {
        let mut m = Meter::default();
        m.reset(1);
        for b in 0..10 {
            m.add(b, Some(0), Outcome::Ok, Cause::Other, 0.3);
        }
        let c = m.draw(Arrivals::Constant, 1, 0, 10);
        assert_eq!(c.outcome(Outcome::Ok), 3);
        assert_eq!(c.buckets.iter().map(|r| r[0]).sum::<u64>(), 3);
    }

    #[test]
    fn poisson_counts_have_the_right_mean_and_are_keyed() {
        let mut m = Meter::default();
        m.reset(2);
        for b in 0..1000 {
            m.add(b, Some(1), Outcome::Ok, Cause::Other, 10.0);
            m.add(b, None, Outcome::Refused, Cause::Other, 0.5);
        }
        let c = m.draw(Arrivals::Poisson, 7, 3, 1000);
        let ok = c.outcome(Outcome::Ok) as f64;
        // 10 000 expected, sd 100: ±5 sd.
        assert!((ok - 10_000.0).abs() < 500.0, "{ok}");
        let refused = c.outcome(Outcome::Refused) as f64;
        assert!((refused - 500.0).abs() < 5.0 * 500f64.sqrt(), "{refused}");
        assert_eq!(c.version(2), c.outcome(Outcome::Refused));
        let again = m.draw(Arrivals::Poisson, 7, 3, 1000);
        assert_eq!(again.by_version, c.by_version);
        assert!(c.fault_by_version.iter().all(|&f| f == 0));
    }

    /// Thinning: all-fault cells count every request, a split cell counts its share
    /// (binomially, mean n·share), and the outcome counts do not move.
    #[test]
    fn fault_counts_thin_their_cell() {
        for arrivals in [Arrivals::Poisson, Arrivals::Constant] {
            let mut m = Meter::default();
            m.reset(2);
            let mut plain = Meter::default();
            plain.reset(2);
            for b in 0..1000 {
                m.add(b, Some(1), Outcome::Errored, Cause::Version, 2.0);
                m.add(b, Some(0), Outcome::Refused, Cause::Version, 2.5);
                m.add(b, Some(0), Outcome::Refused, Cause::Other, 7.5);
                plain.add(b, Some(1), Outcome::Errored, Cause::Other, 2.0);
                plain.add(b, Some(0), Outcome::Refused, Cause::Other, 10.0);
            }
            let c = m.draw(arrivals, 9, 1, 1000);
            assert_eq!(c.by_version, plain.draw(arrivals, 9, 1, 1000).by_version);
            let errored = OUTCOMES + Outcome::Errored as usize; // version 1
            assert_eq!(c.fault_by_version[errored], c.by_version[errored]);
            let refused = Outcome::Refused as usize;
            let (n, k) = (
                c.by_version[refused] as f64,
                c.fault_by_version[refused] as f64,
            );
            // Binomial(n ≈ 10 000, 1/4): sd ≈ 43; ±5 sd.
            assert!(
                (k - n / 4.0).abs() < 5.0 * (n * 0.25 * 0.75).sqrt(),
                "{k} of {n}"
            );
            if arrivals == Arrivals::Constant {
                assert_eq!((n, k), (10_000.0, 2_500.0));
            }
            // Per version: each version's own cells, and together every fault.
            assert_eq!(c.fault(1), c.fault_by_version[errored]);
            assert_eq!(c.fault(0), c.fault_by_version[refused]);
            assert_eq!(
                c.fault(0) + c.fault(1) + c.fault(2),
                c.fault_by_version.iter().sum::<u64>()
            );
        }
    }
}
