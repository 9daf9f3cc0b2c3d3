//! Simulated time: integer microseconds, never floats.
//!
//! One type serves for instants and for durations. Integer time makes every trial exactly
//! reproducible: two events at the same instant compare equal and are ordered by insertion
//! (see [`crate::sim::queue`]), never by rounding noise.

/// An instant or a duration in microseconds of simulated time.
pub type Time = u64;

/// One millisecond.
pub const MILLISECOND: Time = 1_000;
/// One second.
pub const SECOND: Time = 1_000_000;
/// One minute.
pub const MINUTE: Time = 60 * SECOND;
/// "Never happens": a latency drawn from `never`, or an instant that is not reached.
pub const NEVER: Time = Time::MAX;

/// Seconds as a float, for output only.
///
/// ```
/// assert_eq!(rollout_sim::sim::time::as_secs(1_500_000), 1.5);
/// ```
pub fn as_secs(t: Time) -> f64 {
    t as f64 / SECOND as f64
}

/// Seconds (possibly fractional) to time, rounded to the nearest microsecond and saturating
/// at [`NEVER`]. Negative and NaN inputs give 0.
pub fn from_secs_f64(s: f64) -> Time {
    if s.is_nan() || s <= 0.0 {
        0
    } else if s >= (NEVER / SECOND) as f64 {
        NEVER
    } else {
        (s * SECOND as f64).round() as Time
    }
}

/// `a + b`, where anything involving [`NEVER`] stays `NEVER`.
pub fn after(a: Time, b: Time) -> Time {
    a.saturating_add(b)
}
