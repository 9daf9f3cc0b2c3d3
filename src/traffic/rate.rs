//! The request rate over time, and its integral: how many requests to expect in an
//! interval.
//!
//! Counts come from the exact integral of the profile, so they are exact in expectation
//! whatever the interval. Load (and with it queueing and drops) is taken as the mean rate
//! over an interval, so the traffic model splits intervals where the rate changes:
//! at every step of a step profile, and every `period / 96` of a diurnal one (15 minutes
//! for a day), where the rate changes by at most `amplitude × 3.3%` within a piece.

use crate::scenario::RateProfile;
use crate::sim::time::{NEVER, SECOND, Time};
use std::f64::consts::TAU;

/// Pieces a diurnal period is split into for load purposes.
pub const DIURNAL_PIECES: u64 = 96;

/// How often the load of a diurnal profile of `period` is re-evaluated: every
/// `period / 96`, at least every microsecond (the simulator's resolution). The number of
/// such steps over a trial is bounded at load time (`scenario::limits`).
pub fn diurnal_piece(period: Time) -> Time {
    (period / DIURNAL_PIECES).max(1)
}

/// A rate profile ready for integration.
#[derive(Debug, Clone)]
pub struct Rate<'s> {
    profile: &'s RateProfile,
}

impl<'s> Rate<'s> {
    /// The profile's rate function.
    pub fn new(profile: &'s RateProfile) -> Rate<'s> {
        Rate { profile }
    }

    /// Requests per second at instant `t`.
    pub fn at(&self, t: Time) -> f64 {
        match self.profile {
            RateProfile::Constant(r) => *r,
            RateProfile::Steps(steps) => step_at(steps, t),
            RateProfile::Diurnal {
                mean,
                amplitude,
                period,
                peak_at,
            } => {
                let phase = (t as f64 - *peak_at as f64) / *period as f64;
                mean * (1.0 + amplitude * (TAU * phase).cos())
            }
        }
    }

    /// Expected requests in `[a, b)`.
    ///
    /// ```
    /// use rollout_sim::scenario::RateProfile;
    /// use rollout_sim::traffic::rate::Rate;
    /// let p = RateProfile::Steps(vec![(0, 10.0), (2_000_000, 30.0)]);
    /// assert_eq!(Rate::new(&p).expected(1_000_000, 3_000_000), 40.0);
    /// ```
    pub fn expected(&self, a: Time, b: Time) -> f64 {
        if b <= a {
            return 0.0;
        }
        match self.profile {
            RateProfile::Constant(r) => r * secs(b - a),
            RateProfile::Steps(steps) => {
                let mut total = 0.0;
                let mut t = a;
                while t < b {
                    let end = next_step(steps, t).min(b);
                    total += step_at(steps, t) * secs(end - t);
                    t = end;
                }
                total
            }
            RateProfile::Diurnal {
                mean,
                amplitude,
                period,
                peak_at,
            } => {
                // ∫ m (1 + A cos(2π (t − p)/P)) dt = m (Δt + A P/(2π) [sin]_a^b)
                let w = TAU / secs(*period);
                let x = |t: Time| (t as f64 - *peak_at as f64) / SECOND as f64;
                mean * (secs(b - a) + amplitude / w * ((w * x(b)).sin() - (w * x(a)).sin()))
            }
        }
    }

    /// The first instant after `t` where the load should be re-evaluated (`NEVER` for a
    /// constant rate).
    pub fn next_change(&self, t: Time) -> Time {
        match self.profile {
            RateProfile::Constant(_) => NEVER,
            RateProfile::Steps(steps) => next_step(steps, t),
            RateProfile::Diurnal { period, .. } => {
                let piece = diurnal_piece(*period);
                (t / piece + 1) * piece
            }
        }
    }
}

fn secs(t: Time) -> f64 {
    t as f64 / SECOND as f64
}

/// The rate of the step in force at `t` (the first step's before it starts).
fn step_at(steps: &[(Time, f64)], t: Time) -> f64 {
    let i = steps.partition_point(|&(at, _)| at <= t);
    steps[i.saturating_sub(1)].1
}

/// The start of the first step after `t`.
fn next_step(steps: &[(Time, f64)], t: Time) -> Time {
    let i = steps.partition_point(|&(at, _)| at <= t);
    steps.get(i).map_or(NEVER, |s| s.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_and_steps() {
        let c = RateProfile::Constant(200.0);
        assert_eq!(Rate::new(&c).expected(0, 10 * SECOND), 2000.0);
        let s = RateProfile::Steps(vec![(5 * SECOND, 10.0), (10 * SECOND, 100.0)]);
        let r = Rate::new(&s);
        // Before the first step its rate holds.
        assert_eq!(r.expected(0, 5 * SECOND), 50.0);
        assert_eq!(r.expected(0, 12 * SECOND), 100.0 + 200.0);
        assert_eq!(r.next_change(0), 5 * SECOND);
        assert_eq!(r.next_change(5 * SECOND), 10 * SECOND);
        assert_eq!(r.next_change(10 * SECOND), NEVER);
        assert_eq!(r.at(7 * SECOND), 10.0);
    }

    #[test]
    fn diurnal_integrates_to_the_mean_over_a_period() {
        let d = RateProfile::Diurnal {
            mean: 100.0,
            amplitude: 0.5,
            period: 3600 * SECOND,
            peak_at: 600 * SECOND,
        };
        let r = Rate::new(&d);
        assert!((r.expected(0, 3600 * SECOND) - 360_000.0).abs() < 1e-6);
        assert!((r.at(600 * SECOND) - 150.0).abs() < 1e-9);
        assert!((r.at(2400 * SECOND) - 50.0).abs() < 1e-9);
        // The integral agrees with a fine Riemann sum.
        let (a, b) = (100 * SECOND, 1900 * SECOND);
        let n = 100_000;
        let dt = (b - a) / n;
        let sum: f64 = (0..n).map(|i| r.at(a + i * dt + dt / 2) * secs(dt)).sum();
        assert!(
            (r.expected(a, b) - sum).abs() < 1e-3,
            "{} {sum}",
            r.expected(a, b)
        );
        assert_eq!(r.next_change(0), 37_500_000);
    }
}
