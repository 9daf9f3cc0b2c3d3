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
///
/// Every random latency passes through here, so the rounding (half away from zero, as
/// `f64::round`) is done with integer conversions instead of a call into the math library.
pub fn from_secs_f64(s: f64) -> Time {
    if s.is_nan() || s <= 0.0 {
        0
    } else if s >= (NEVER / SECOND) as f64 {
        NEVER
    } else {
        round_positive(s * SECOND as f64)
    }
}

/// `x.round() as Time` for `0 <= x < 2^64`.
///
/// Below 2^52 the whole part fits an `i64` and both it and the fraction `x - whole` are
/// exact (the fraction is a multiple of the unit in the last place of `x`, smaller than
/// `x`), so rounding half away from zero is adding one when the fraction is at least a
/// half. From 2^52 on every `f64` is an integer, already rounded.
#[inline]
fn round_positive(x: f64) -> Time {
    const INTEGERS_FROM: f64 = (1u64 << 52) as f64;
    if x < INTEGERS_FROM {
        let whole = x as i64;
        let fraction = x - whole as f64;
        (whole + i64::from(fraction >= 0.5)) as Time
    } else {
        x as Time
    }
}

/// An instant as the Kubernetes API keeps a `metav1.Time`: truncated to the whole second
/// (`kubernetes/apimachinery` `pkg/apis/meta/v1/time.go` `MarshalJSON`: RFC 3339;
/// `time_proto.go` `ProtoTime`: `Seconds` only). A controller that compares a condition's
/// time with a duration compares the copy its informer read back, so it compares this.
/// Simulated time 0 is taken to fall on a whole second.
///
/// ```
/// use rollout_sim::sim::time::{api_stamp, SECOND};
/// assert_eq!(api_stamp(12 * SECOND + 400_000), 12 * SECOND);
/// assert_eq!(api_stamp(12 * SECOND), 12 * SECOND);
/// ```
pub fn api_stamp(t: Time) -> Time {
    t - t % SECOND
}

/// `a + b`, where anything involving [`NEVER`] stays `NEVER`.
pub fn after(a: Time, b: Time) -> Time {
    a.saturating_add(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The formula `from_secs_f64` replaced, which every pinned draw and golden was made
    /// with.
    fn by_libm(s: f64) -> Time {
        if s.is_nan() || s <= 0.0 {
            0
        } else if s >= (NEVER / SECOND) as f64 {
            NEVER
        } else {
            (s * SECOND as f64).round() as Time
        }
    }

    #[test]
    fn rounds_as_libm_at_the_edges() {
        let mut cases = vec![
            0.0,
            -0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            5e-324,
            0.5e-6,
            1.5e-6,
            2.5e-6,
            0.5f64.next_down() / SECOND as f64,
            (NEVER / SECOND) as f64,
            f64::MAX,
        ];
        // Around every power of two (in microseconds), and the halves next to them.
        for e in 0..64 {
            let x = (1u64 << e) as f64;
            for y in [x, x + 0.5, x - 0.5, x + 1.5] {
                for z in [y, y.next_up(), y.next_down()] {
                    cases.push(z / SECOND as f64);
                    cases.push(z * 1e-6);
                }
            }
        }
        for s in cases {
            assert_eq!(from_secs_f64(s), by_libm(s), "{s:e}");
        }
    }

    #[test]
    fn rounds_as_libm_on_exact_halves_and_neighbours() {
        for k in 0..200_000u64 {
            let x = k as f64 + 0.5;
            for z in [x, x.next_up(), x.next_down()] {
                let s = z / SECOND as f64;
                assert_eq!(from_secs_f64(s), by_libm(s), "{s:e}");
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(30_000))]

        #[test]
        fn rounds_as_libm_on_any_bits(bits: u64) {
            let s = f64::from_bits(bits);
            proptest::prop_assert_eq!(from_secs_f64(s), by_libm(s));
        }

        #[test]
        fn rounds_as_libm_on_latencies(s in 0.0f64..1e7) {
            proptest::prop_assert_eq!(from_secs_f64(s), by_libm(s));
        }

        #[test]
        fn rounds_as_libm_on_large_values(s in 1e7f64..2e13) {
            proptest::prop_assert_eq!(from_secs_f64(s), by_libm(s));
        }
    }
}
