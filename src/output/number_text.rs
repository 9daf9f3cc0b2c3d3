//! The text of numbers as Rust's `Display` prints them, written straight into a byte
//! buffer: `trials.csv` prints a few dozen numbers per trial, and going through
//! `core::fmt` (a formatter, a `String`, then the CSV writer) cost more than a tenth of a
//! whole run of a small scenario.
//!
//! Integers are plain decimal. Floats are `Display`'s shortest round-trip text; most of
//! them are microseconds printed as seconds (`130.123456`) or millicores as cores
//! (`5.5`), whose shortest text is their exact decimal with at most six fractional
//! digits. [`push_f64`] prints those with integer arithmetic after proving the shortcut
//! exact (below), and asks `Display` for every other value.
//!
//! Why the shortcut is exact: let `v = k / 10⁶` as computed in `f64` (both operands exact,
//! one correct rounding), with `0 ≤ v < 2³²`. The decimal `D = k / 10⁶` (at most six
//! fractional digits) reads back as the correctly rounded `k / 10⁶`, which is `v`: `D` is
//! a round-trip text of `v`. Any text that reads back as `v` lies within one ulp of `v`,
//! and below 2³² an ulp is at most 2⁻²¹ < 10⁻⁶, so no other decimal with six or fewer
//! fractional digits does; a text with no more significant digits than `D` has no more
//! fractional digits than `D` (it lies within 10⁻⁶ of `D`), so `D` without its trailing
//! zeros is the unique shortest round-trip text, which is what `Display` prints. The
//! tests compare both on many values.

/// `"00"`, `"01"`, … `"99"`: two digits per division, half the divisions of one digit at
/// a time.
const PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// The two digits of `v < 100`.
#[inline]
fn pair(v: u64) -> [u8; 2] {
    let i = v as usize * 2;
    [PAIRS[i], PAIRS[i + 1]]
}

/// Append the decimal digits of `v`.
#[inline]
pub fn push_u64(out: &mut Vec<u8>, v: u64) {
    // Most cells are small counts (0, 1, a replica count, a trial's events).
    if v < 10 {
        out.push(b'0' + v as u8);
    } else if v < 100 {
        out.extend_from_slice(&pair(v));
    } else {
        push_long(out, v);
    }
}

/// `10ⁱ` for every `i` a `u64` holds.
const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// How many decimal digits `v > 0` has: `⌊log₁₀ 2^bits⌋` from the bit length
/// (`1233 / 4096` is just above `log₁₀ 2`), less one when `v` is below that power of ten
/// (Sean Anderson, *Bit Twiddling Hacks*, "Find integer log base 10 of an integer").
/// Cheaper than `u64::ilog10`.
#[inline]
fn digits(v: u64) -> usize {
    let t = (((64 - v.leading_zeros()) * 1233) >> 12) as usize;
    t + 1 - usize::from(v < POW10[t])
}

/// [`push_u64`] of `v ≥ 100`.
fn push_long(out: &mut Vec<u8>, mut v: u64) {
    let digits = digits(v);
    let mut buf = [0u8; 20];
    let mut i = digits;
    while v >= 100 {
        i -= 2;
        buf[i..i + 2].copy_from_slice(&pair(v % 100));
        v /= 100;
    }
    if v >= 10 {
        i -= 2;
        buf[i..i + 2].copy_from_slice(&pair(v));
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    extend_prefix(out, &buf, digits);
}

/// Append `buf[..n]`: the whole fixed-size array is copied and the excess cut off, which
/// compiles to a few moves where a copy of a variable length calls `memcpy`.
#[inline]
fn extend_prefix<const N: usize>(out: &mut Vec<u8>, buf: &[u8; N], n: usize) {
    let len = out.len();
    out.extend_from_slice(buf);
    out.truncate(len + n);
}

/// Below this a float's ulp is under 10⁻⁶ (see the module documentation).
const EXACT_BELOW: f64 = 4_294_967_296.0;

/// Append `v` as `format!("{v}")` would.
#[inline]
pub fn push_f64(out: &mut Vec<u8>, v: f64) {
    if (0.0..EXACT_BELOW).contains(&v) {
        // A guess at the micro-units; the check below decides whether it is exact.
        let k = (v * 1e6 + 0.5) as u64;
        if k as f64 / 1e6 == v {
            push_micros(out, k);
            return;
        }
    }
    use std::io::Write;
    write!(out, "{v}").expect("writing into a Vec cannot fail");
}

/// Append `k / 10⁶` as a decimal without trailing zeros (no point when it is whole).
fn push_micros(out: &mut Vec<u8>, k: u64) {
    push_u64(out, k / 1_000_000);
    let frac = k % 1_000_000;
    if frac == 0 {
        return;
    }
    let mut buf = [b'.'; 8];
    buf[1..3].copy_from_slice(&pair(frac / 10_000));
    buf[3..5].copy_from_slice(&pair(frac / 100 % 100));
    buf[5..7].copy_from_slice(&pair(frac % 100));
    // `frac > 0`, so a digit other than 0 stops this before the point.
    let mut end = 7;
    while buf[end - 1] == b'0' {
        end -= 1;
    }
    extend_prefix(out, &buf, end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Key, Purpose};

    fn text_f64(v: f64) -> String {
        let mut out = Vec::new();
        push_f64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    fn text_u64(v: u64) -> String {
        let mut out = Vec::new();
        push_u64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn integers_print_as_display_does() {
        for v in [
            0,
            1,
            9,
            10,
            99,
            100,
            12_345,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            assert_eq!(text_u64(v), v.to_string());
        }
        // Every digit count, around each power of ten.
        let mut p = 1u64;
        for _ in 0..19 {
            for v in [p - 1, p, p + 1, p * 5, p * 9 + p - 1] {
                assert_eq!(text_u64(v), v.to_string());
            }
            p *= 10;
        }
        for v in 0..10_000 {
            assert_eq!(text_u64(v), v.to_string());
        }
    }

    #[test]
    fn digit_counts() {
        let mut p = 1u64;
        for d in 1..=20 {
            assert_eq!(digits(p), d, "{p}");
            if d > 1 {
                assert_eq!(digits(p - 1), d - 1, "{}", p - 1);
            }
            assert_eq!(digits(p.saturating_mul(9)), if d < 20 { d } else { 20 });
            p = p.saturating_mul(10);
        }
        assert_eq!(digits(u64::MAX), 20);
    }

    #[test]
    fn known_floats_print_as_expected() {
        // Written out by hand, not by `Display`.
        let cases = [
            (0.0, "0"),
            (47.0, "47"),
            (47.5, "47.5"),
            (130.123456, "130.123456"),
            (0.000001, "0.000001"),
            (5.5, "5.5"),
            (0.1, "0.1"),
            (1e-7, "0.0000001"),
            (4294967296.5, "4294967296.5"),
        ];
        for (v, want) in cases {
            assert_eq!(text_f64(v), want, "{v:e}");
        }
    }

    #[test]
    fn floats_print_as_display_does() {
        let mut rng = Key::trial(5, 0, Purpose::Controller).rng();
        let mut values = Vec::new();
        for i in 0..200_000u64 {
            // Microsecond durations (short and long), millicores, ratios, latencies,
            // arbitrary bit patterns, and neighbours of the shortcut's bounds.
            let micros = rng.next_u64() >> (rng.next_u64() % 64);
            values.push(micros as f64 / 1e6);
            values.push((i * 250) as f64 / 1000.0);
            values.push(rng.unit());
            values.push(rng.unit() * 1e4);
            let bits = f64::from_bits(rng.next_u64());
            if bits.is_finite() {
                values.push(bits.abs());
            }
        }
        for edge in [EXACT_BELOW, 2f64.powi(53) / 1e6] {
            values.extend([edge, edge.next_down(), edge.next_up()]);
        }
        for v in values {
            assert_eq!(text_f64(v), v.to_string(), "{v:e}");
        }
    }
}
