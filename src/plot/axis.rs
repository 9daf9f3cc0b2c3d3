//! Axis ranges and tick labels: seconds shown as durations, fractions as percents.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use std::ops::Range;

/// A time axis in seconds whose ticks fall on clock steps ([`duration_ticks`]); plotters'
/// own f64 axis picks decimal steps (200 s, 400 s), which read badly as durations.
#[derive(Clone)]
pub struct ClockAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl ClockAxis {
    /// `lo..hi` seconds with at most `most` ticks.
    pub fn new(lo: f64, hi: f64, most: usize) -> ClockAxis {
        ClockAxis {
            inner: (lo..hi).into(),
            ticks: duration_ticks(lo, hi, most),
        }
    }

    /// `lo..hi` with ticks exactly at `ticks` (a sweep's values: `1, 2, 4`, never `1.5`).
    pub fn at(lo: f64, hi: f64, ticks: Vec<f64>) -> ClockAxis {
        ClockAxis {
            inner: (lo..hi).into(),
            ticks,
        }
    }

    /// `lo..hi` of `scale`: clock steps for seconds, else plotters' decimal steps; at
    /// most `most` ticks.
    pub fn of(scale: Scale, lo: f64, hi: f64, most: usize) -> ClockAxis {
        if scale == Scale::Seconds {
            return ClockAxis::new(lo, hi, most);
        }
        let inner: RangedCoordf64 = (lo..hi).into();
        ClockAxis {
            ticks: inner.key_points(most),
            inner,
        }
    }
}

/// What the numbers on an axis are, which decides its ticks and their labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scale {
    /// Plain numbers (`4`, `2.5k`).
    #[default]
    Number,
    /// Seconds, shown as durations (`1m30s`).
    Seconds,
    /// Fractions, shown as percents (`99.5%`).
    Fraction,
}

impl Scale {
    /// The label of tick `v` on an axis of this scale spanning `range`.
    pub fn tick(self, v: f64, range: f64) -> String {
        match self {
            Scale::Number => super::timeline::compact(v),
            Scale::Seconds => duration_tick(v),
            Scale::Fraction => percent_tick_in(v, range),
        }
    }
}

impl Ranged for ClockAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Bold points are the ticks; no light grid in between.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.inner.range()
    }
}

/// A tick label for `secs` seconds: `0`, `250ms`, `45s`, `2.5s`, `1m30s`, `2m`, `1h05m`.
///
/// Ticks fall on round values, so the label drops what is zero (`2m`, not `2m00s`) and
/// keeps what is not (`1m30s`); below a minute up to one decimal is shown.
pub fn duration_tick(secs: f64) -> String {
    if !secs.is_finite() {
        return String::new();
    }
    let sign = if secs < 0.0 { "-" } else { "" };
    let a = secs.abs();
    if a == 0.0 {
        return "0".to_string();
    }
    if a < 1.0 {
        return format!("{sign}{}ms", trim(format!("{:.1}", a * 1000.0)));
    }
    if a < 60.0 {
        return format!("{sign}{}s", trim(format!("{a:.1}")));
    }
    let whole = a.round() as u64;
    let (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60);
    match (h, s) {
        (0, 0) => format!("{sign}{m}m"),
        (0, s) => format!("{sign}{m}m{s:02}s"),
        (h, _) if m == 0 => format!("{sign}{h}h"),
        (h, _) => format!("{sign}{h}h{m:02}m"),
    }
}

/// Steps a time axis may take, seconds: clock steps, so ticks read `30s, 1m, 1m30s`, never
/// `3m20s, 6m40s`.
const CLOCK_STEPS: [f64; 20] = [
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0,
    120.0, 300.0, 600.0, 900.0,
];

/// Tick positions on a time axis from `lo` to `hi` seconds: multiples of the smallest clock
/// step (then of whole half hours) that gives at most `most` ticks.
pub fn duration_ticks(lo: f64, hi: f64, most: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![];
    }
    let most = most.max(2) as f64;
    let span = hi - lo;
    let step = CLOCK_STEPS
        .into_iter()
        .find(|&s| span / s < most)
        .unwrap_or_else(|| (span / most / 1800.0).ceil() * 1800.0);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    // Rounded to the microsecond: `3 × 0.2` is 0.6, not 0.6000000000000001.
    (first..=last)
        .map(|k| (k as f64 * step * 1e6).round() / 1e6)
        .collect()
}

/// A tick label for a fraction: `0.97` → `97%`, `0.995` → `99.5%`.
pub fn percent_tick(x: f64) -> String {
    format!("{}%", trim(format!("{:.1}", x * 100.0)))
}

/// A tick label for a fraction on an axis spanning `range` (as a fraction): as many
/// decimals as ten ticks over that range need to differ, at least one, at most six, so a
/// narrow axis (99.95% to 100%) does not print `100%` at every tick.
pub fn percent_tick_in(x: f64, range: f64) -> String {
    let step = range.abs() * 100.0 / 10.0;
    let decimals = if step > 0.0 && step.is_finite() {
        (-step.log10()).ceil().clamp(1.0, 6.0) as usize
    } else {
        1
    };
    format!("{}%", trim(format!("{:.decimals$}", x * 100.0)))
}

/// `"2.0"` → `"2"`, `"2.50"` → `"2.5"`.
fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `[lo, hi]` of the finite `values`, widened so that the range is never empty: a single
/// value `v` becomes `[v − pad, v + pad]` with `pad` = 10% of `|v|` (1 when `v` is 0), and
/// no value at all gives `[0, 1]`.
pub fn span(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo > hi {
        return (0.0, 1.0);
    }
    if lo == hi {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - pad, hi + pad);
    }
    (lo, hi)
}

/// `[0, hi + 8%]` for quantities that start at zero (tasks, requests, seconds), `[0, 1]`
/// when every value is 0 or there is none.
pub fn from_zero(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let hi = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    if hi <= 0.0 {
        (0.0, 1.0)
    } else {
        (0.0, hi * 1.08)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_ticks_keep_the_decimals_their_range_needs() {
        // A 0.05-point-wide axis: ticks 0.005 points apart need three decimals.
        assert_eq!(percent_tick_in(0.99955, 0.0005), "99.955%");
        assert_eq!(percent_tick_in(0.9995, 0.0005), "99.95%");
        // A wide axis keeps one.
        assert_eq!(percent_tick_in(0.25, 0.5), "25%");
        assert_eq!(percent_tick_in(0.255, 0.5), "25.5%");
    }

    #[test]
    fn durations_read_as_a_clock() {
        assert_eq!(duration_tick(0.0), "0");
        assert_eq!(duration_tick(0.25), "250ms");
        assert_eq!(duration_tick(2.5), "2.5s");
        assert_eq!(duration_tick(45.0), "45s");
        assert_eq!(duration_tick(90.0), "1m30s");
        assert_eq!(duration_tick(120.0), "2m");
        assert_eq!(duration_tick(3600.0), "1h");
        assert_eq!(duration_tick(3900.0), "1h05m");
        assert_eq!(duration_tick(-30.0), "-30s");
    }

    #[test]
    fn time_ticks_fall_on_clock_steps() {
        assert_eq!(
            duration_ticks(0.0, 100.0, 8),
            [0.0, 15.0, 30.0, 45.0, 60.0, 75.0, 90.0]
        );
        assert_eq!(
            duration_ticks(0.0, 1320.0, 8),
            [0.0, 300.0, 600.0, 900.0, 1200.0]
        );
        assert_eq!(duration_ticks(0.0, 1.0, 8), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        // Past the clock steps: whole half hours (10 h in 1.5 h steps).
        assert_eq!(duration_ticks(0.0, 36_000.0, 8).len(), 7);
        assert!(duration_ticks(5.0, 5.0, 8).is_empty());
        assert!(duration_ticks(0.0, f64::NAN, 8).is_empty());
    }

    #[test]
    fn percents_drop_trailing_zeros() {
        assert_eq!(percent_tick(0.97), "97%");
        assert_eq!(percent_tick(0.995), "99.5%");
        assert_eq!(percent_tick(1.0), "100%");
    }

    #[test]
    fn ranges_are_never_empty() {
        assert_eq!(span([]), (0.0, 1.0));
        assert_eq!(span([0.0, 0.0]), (-1.0, 1.0));
        assert_eq!(span([10.0]), (9.0, 11.0));
        assert_eq!(span([3.0, f64::NAN, 1.0]), (1.0, 3.0));
        assert_eq!(from_zero([0.0]), (0.0, 1.0));
        assert_eq!(from_zero([50.0]), (0.0, 54.0));
    }
}
