//! Exact arithmetic on short decimals: means, differences and interpolated percentiles
//! that come out as the number they are, not as float noise around it.
//!
//! Most metric values are decimals with few digits: counts, whole millicores, whole
//! microseconds written as seconds (`47.123456`). A statistic of such values is a rational
//! number, usually a short decimal itself: the mean of 4 ones and 996 zeros is `0.004`,
//! a type-7 p95 of whole counts has at most two decimals. Computed in `f64` piece by piece
//! (a running sum, `a − b`, `lo + frac·(hi − lo)`) it picks up a rounding error at each
//! step and is written as `0.004000000000000004` or `11565.199999999997`. Here the same
//! statistic is computed on the values' integer units (`m` of `m / 10^e`, exactly) with
//! integer arithmetic, and divided once at the end: the result is the `f64` nearest the
//! exact value, whose shortest text (what `trials.csv`, `summary.json`, `sweep.csv` and
//! `compare.csv` print) is that short decimal.
//!
//! A value that is no short decimal (a latency read from a table, a ratio) has no units;
//! callers then fall back to plain `f64` arithmetic, which is all such a value carries.

/// The most decimals a value's units have: microseconds written as seconds.
pub const MAX_DECIMALS: u32 = 6;

/// `10^e` for `e ≤ 2·MAX_DECIMALS`.
const POW10: [i128; 13] = {
    let mut t = [1i128; 13];
    let mut i = 1;
    while i < t.len() {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// [`POW10`] up to `10^MAX_DECIMALS`, as `f64` (each exact).
const POW10_F64: [f64; MAX_DECIMALS as usize + 1] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6];

/// Integers up to this magnitude are exact in an `f64`.
const EXACT: i128 = 1 << 53;

/// `m / 10^e`, exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    /// The value in units of `10^-e`.
    pub m: i128,
    /// Decimals, at most [`MAX_DECIMALS`].
    pub e: u32,
}

impl Decimal {
    /// `x` as `m / 10^e` with the fewest decimals `e ≤ MAX_DECIMALS` that give back
    /// exactly `x` (the same bits, as `m as f64 / 10^e`, one correctly rounded division,
    /// reads it back); `None` for a value that is no such decimal (or not finite).
    pub fn of(x: f64) -> Option<Decimal> {
        (0..=MAX_DECIMALS).find_map(|e| Decimal::with(x, e))
    }

    /// `x` as `m / 10^e` with exactly `e` decimals, if that gives back `x`.
    ///
    /// Inlined, and without `i128` conversions or `f64::round` (each a library call on
    /// x86-64): a summary runs it once a value. `m` and `10^e` are both exact in an `f64`,
    /// so `m / 10^e` there is [`Decimal::to_f64`]'s one rounding.
    #[inline]
    fn with(x: f64, e: u32) -> Option<Decimal> {
        let unit = POW10_F64[e as usize];
        let scaled = x * unit;
        if !scaled.is_finite() || scaled.abs() >= EXACT as f64 {
            return None;
        }
        // Rounded half away from zero, as `f64::round`; below 2⁵³ the truncation and the
        // fraction left are exact.
        let whole = scaled as i64;
        let rest = scaled - whole as f64;
        let m = whole + i64::from(rest >= 0.5) - i64::from(rest <= -0.5);
        ((m as f64 / unit).to_bits() == x.to_bits()).then_some(Decimal {
            m: i128::from(m),
            e,
        })
    }
    /// `self × n` split into its whole part and the rest in units of `10^-e`: for a
    /// type-7 percentile, the order statistic below `h = n·p` and the fraction of the way
    /// to the next one (`p` = 0.95, `n` = 999: 949 and 5 hundredths).
    pub fn times(self, n: usize) -> (i128, i128) {
        let h = self.m * n as i128;
        let unit = POW10[self.e as usize];
        (h.div_euclid(unit), h.rem_euclid(unit))
    }

    /// The same value with `e` decimals (`e ≥ self.e`).
    pub fn at(self, e: u32) -> i128 {
        debug_assert!(e >= self.e && e <= MAX_DECIMALS);
        self.m * POW10[(e - self.e) as usize]
    }

    /// The nearest `f64`.
    pub fn to_f64(self) -> f64 {
        ratio(self.m, POW10[self.e as usize]).unwrap_or(self.m as f64 / 10f64.powi(self.e as i32))
    }
}

/// `num / den` (`den > 0`) rounded once to the nearest `f64`, when both are small enough
/// for that (below 2⁵³ after dividing out their common factor); else `None`.
fn ratio(num: i128, den: i128) -> Option<f64> {
    debug_assert!(den > 0);
    // Both exact as f64: IEEE division rounds the exact quotient once.
    let exact = |num: i128, den: i128| {
        (num.abs() <= EXACT && den <= EXACT).then(|| num as f64 / den as f64)
    };
    exact(num, den).or_else(|| {
        let g = gcd(num.unsigned_abs(), den as u128) as i128;
        exact(num / g, den / g)
    })
}

/// `b − a` computed exactly and rounded once when both are short decimals (`0.3 − 0.1` is
/// `0.2`, not `0.19999999999999998`); the plain `f64` difference otherwise.
pub fn difference(b: f64, a: f64) -> f64 {
    match (Decimal::of(b), Decimal::of(a)) {
        (Some(b), Some(a)) => {
            let e = a.e.max(b.e);
            Decimal {
                m: b.at(e) - a.at(e),
                e,
            }
            .to_f64()
        }
        _ => b - a,
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// A sum of decimals kept exactly, in units of the finest of them; the mean it gives is
/// the exact mean rounded once. A value that is no short decimal makes it inexact for
/// good ([`ExactSum::mean`] is then `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExactSum {
    /// The sum in units of `10^-e`; `None` once a value had no units.
    sum: Option<i128>,
    e: u32,
}

impl Default for ExactSum {
    fn default() -> ExactSum {
        ExactSum { sum: Some(0), e: 0 }
    }
}

impl ExactSum {
    /// Adds `x`.
    ///
    /// Inlined with the common case first: a value with the units of the ones before it
    /// adds its units as they are (a summary adds every value of every column, some 80
    /// instructions a value through the general path's call, rescale test and multiply).
    #[inline]
    pub fn push(&mut self, x: f64) {
        if let Some(sum) = self.sum
            && let Some(d) = Decimal::with(x, self.e)
        {
            self.sum = sum.checked_add(d.m);
            return;
        }
        self.push_other(x);
    }

    /// [`ExactSum::push`] of a value in other units than the sum's (or after a value
    /// without units): the units found afresh, the sum rescaled to finer ones.
    #[inline(never)]
    fn push_other(&mut self, x: f64) {
        let Some(sum) = self.sum else { return };
        // Most values have the units of the ones before them: try those first.
        let Some(d) = Decimal::with(x, self.e).or_else(|| Decimal::of(x)) else {
            self.sum = None;
            return;
        };
        if d.e > self.e {
            // Finer units: rescale what was summed so far (an i128 holds 10⁷ values of
            // 2⁵³ units each, times 10⁶, with room to spare).
            self.sum = sum.checked_mul(POW10[(d.e - self.e) as usize]);
            self.e = d.e;
        }
        self.sum = self.sum.and_then(|s| s.checked_add(d.at(self.e)));
    }

    /// The exact mean of the `n` values added, rounded once; `None` when a value had no
    /// units or the sum is too large to divide exactly.
    pub fn mean(&self, n: u64) -> Option<f64> {
        let sum = self.sum?;
        (n > 0)
            .then(|| ratio(sum, n as i128 * POW10[self.e as usize]))
            .flatten()
    }
}

/// The type-7 interpolation `lo + frac·(hi − lo)` with `frac = r / 10^j` (`r < 10^j`,
/// `j ≤ MAX_DECIMALS`), exactly and rounded once, when `lo` and `hi` are short decimals;
/// `None` otherwise.
pub fn lerp(lo: f64, hi: f64, r: i128, j: u32) -> Option<f64> {
    let (lo, hi) = (Decimal::of(lo)?, Decimal::of(hi)?);
    let e = lo.e.max(hi.e);
    let (lo, hi) = (lo.at(e), hi.at(e));
    ratio(
        lo * POW10[j as usize] + r * (hi - lo),
        POW10[(e + j) as usize],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_found_with_their_fewest_digits() {
        assert_eq!(Decimal::of(4.0), Some(Decimal { m: 4, e: 0 }));
        assert_eq!(Decimal::of(3.75), Some(Decimal { m: 375, e: 2 }));
        assert_eq!(
            Decimal::of(47.123456),
            Some(Decimal {
                m: 47_123_456,
                e: 6
            })
        );
        assert_eq!(Decimal::of(-0.5), Some(Decimal { m: -5, e: 1 }));
        assert_eq!(
            Decimal::of(4294967296.0),
            Some(Decimal { m: 1 << 32, e: 0 })
        );
        // A ratio, a latency: no short decimal.
        assert_eq!(Decimal::of(1.0 / 3.0), None);
        assert_eq!(Decimal::of(96.89093945511289), None);
        assert_eq!(Decimal::of(f64::NAN), None);
        assert_eq!(Decimal::of(f64::INFINITY), None);
    }

    #[test]
    fn differences_are_exact() {
        // 0.3 − 0.1 in f64 is 0.19999999999999998.
        assert_ne!(0.3 - 0.1, 0.2);
        assert_eq!(difference(0.3, 0.1), 0.2);
        assert_eq!(difference(61.175005, 63.821808), -2.646803);
        assert_eq!(difference(4.0, 6.0), -2.0);
        // No short decimal: the f64 difference.
        assert_eq!(difference(1.0 / 3.0, 0.1), 1.0 / 3.0 - 0.1);
    }

    #[test]
    fn a_percentile_position_is_split_exactly() {
        // 999 × 0.95 is 949.0499999999999 in f64.
        let p = Decimal::of(0.95).unwrap();
        assert_eq!(p.times(999), (949, 5));
        assert_eq!(Decimal::of(0.5).unwrap().times(10), (5, 0));
    }

    #[test]
    fn a_mean_is_the_exact_mean_rounded_once() {
        let mut s = ExactSum::default();
        (0..1000).for_each(|i| s.push(if i % 250 == 0 { 1.0 } else { 0.0 }));
        assert_eq!(s.mean(1000), Some(0.004));
        // Seven tenths: the f64 sum is 0.7000000000000001.
        let mut s = ExactSum::default();
        (0..7).for_each(|_| s.push(0.1));
        assert_eq!(s.mean(1), Some(0.7));
        assert_eq!(ExactSum::default().mean(0), None);
        // Mixed units rescale: 1 + 0.5 + 0.25.
        let mut s = ExactSum::default();
        [1.0, 0.5, 0.25].into_iter().for_each(|x| s.push(x));
        assert_eq!(s.mean(3), Some(1.75 / 3.0));
        s.push(1.0 / 3.0);
        assert_eq!(s.mean(4), None);
    }

    /// The sum as the general path alone keeps it (what `push` did before its fast path):
    /// units found for each value, the sum rescaled when they are finer.
    fn reference_sum(xs: &[f64]) -> ExactSum {
        let mut s = ExactSum::default();
        xs.iter().for_each(|&x| s.push_other(x));
        s
    }

    #[test]
    fn the_fast_path_sums_as_the_general_one() {
        let mut rng = crate::stats::testing::stream(11, 0);
        for round in 0..400 {
            let n = 1 + rng.below(60) as usize;
            let xs: Vec<f64> = (0..n)
                .map(|_| match rng.below(8) {
                    0 => rng.below(1000) as f64,
                    1 => rng.below(1_000_000) as f64 / 1e3,
                    2 => rng.below(u64::MAX >> 10) as f64 / 1e6,
                    3 => -(rng.below(5000) as f64) / 1e2,
                    4 => rng.unit(),
                    5 if round % 7 == 0 => f64::NAN,
                    6 => rng.below(1 << 53) as f64 * 1e3,
                    _ => rng.below(10_000_000) as f64 / 1e6,
                })
                .collect();
            let mut fast = ExactSum::default();
            xs.iter().for_each(|&x| fast.push(x));
            assert_eq!(fast, reference_sum(&xs), "{xs:?}");
            for k in 1..4 {
                assert_eq!(fast.mean(k), reference_sum(&xs).mean(k));
            }
        }
    }

    #[test]
    fn interpolation_is_exact() {
        // numpy.percentile([11565, 11566], 20) = 11565.2; the f64 lerp can land a hair off.
        assert_eq!(lerp(11565.0, 11566.0, 2, 1), Some(11565.2));
        assert_eq!(lerp(78.774211, 78.774212, 5, 2), Some(78.77421105));
        assert_eq!(lerp(1.0, 1.0 / 3.0, 5, 1), None);
    }
}
