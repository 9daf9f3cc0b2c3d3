//! Axis ranges and tick labels: seconds shown as durations, fractions as percents.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use std::ops::Range;

/// An axis whose ticks and tick labels are computed here, not by plotters: clock steps for
/// seconds (`30s, 1m, 1m30s`, where plotters' decimal steps give `200 s, 400 s`), decimal
/// steps of 1, 2 or 5 for numbers and fractions, and every label written exactly at the
/// distance between ticks, so no two ticks read alike ([`TickText`]).
#[derive(Clone)]
pub struct TickAxis {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
    text: TickText,
}

impl TickAxis {
    /// `lo..hi` of `scale` with at most `most` ticks ([`ticks`]).
    pub fn new(scale: Scale, lo: f64, hi: f64, most: usize) -> TickAxis {
        let (ticks, step) = ticks(scale, lo, hi, most);
        let binary = if scale == Scale::Bytes {
            binary_unit(lo, hi)
        } else {
            0
        };
        TickAxis {
            inner: (lo..hi).into(),
            ticks,
            text: TickText {
                scale,
                step,
                binary,
            },
        }
    }

    /// `lo..hi` with ticks exactly at `ticks` (a sweep's values: `1, 2, 4`, never `1.5`),
    /// labelled by the caller.
    pub fn at(lo: f64, hi: f64, ticks: Vec<f64>) -> TickAxis {
        TickAxis {
            inner: (lo..hi).into(),
            ticks,
            text: TickText::default(),
        }
    }

    /// How this axis writes its ticks.
    pub fn text(&self) -> TickText {
        self.text
    }

    /// Every tick's label, in order (to size the room the labels need).
    pub fn labels(&self) -> Vec<String> {
        self.ticks.iter().map(|&v| self.text.label(v)).collect()
    }

    /// Every tick and its label, in order (ticks drawn by hand: a colour bar's).
    pub fn labelled(&self) -> Vec<(f64, String)> {
        self.ticks.iter().copied().zip(self.labels()).collect()
    }
}

/// What the numbers on an axis are, which decides its ticks and their labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scale {
    /// Plain numbers (`4`, `2.5`, `12.5k`).
    #[default]
    Number,
    /// Seconds, shown as durations (`1m30s`).
    Seconds,
    /// Fractions, shown as percents (`99.5%`).
    Fraction,
    /// Bytes, shown in binary units as memory is everywhere (`512Mi`, `1.5Gi`): decimal
    /// steps of the unit the larger end of the axis reaches.
    Bytes,
}

/// Binary units of bytes, as `human_text` writes memory: `Ki` is 1024 bytes.
const BINARY: [&str; 6] = ["B", "Ki", "Mi", "Gi", "Ti", "Pi"];

/// The binary unit (an index of [`BINARY`]) an axis of bytes from `lo` to `hi` is written
/// in: the largest its larger end reaches (`1.5Gi`, not `1536Mi`).
fn binary_unit(lo: f64, hi: f64) -> u32 {
    let m = lo.abs().max(hi.abs());
    (1..BINARY.len() as u32)
        .take_while(|&k| m >= 1024f64.powi(k as i32))
        .last()
        .unwrap_or(0)
}

impl Ranged for TickAxis {
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

/// A distance between ticks, `units × 10^exp` in the axis' unit: decimal, so a tick is
/// `k` steps and its label is written from the integer `k · units`, never from a rounded
/// binary fraction. `units` has no trailing zero when `exp < 0`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    units: u64,
    exp: i32,
}

impl Default for Step {
    fn default() -> Step {
        Step { units: 1, exp: 0 }
    }
}

impl Step {
    /// `units × 10^exp`, trailing zeros of `units` moved into `exp`.
    fn new(mut units: u64, mut exp: i32) -> Step {
        while units != 0 && units.is_multiple_of(10) {
            units /= 10;
            exp += 1;
        }
        Step { units, exp }
    }

    /// `k` steps: the `f64` nearest the decimal `k · units × 10^exp` (both factors are
    /// exact integers, and one rounding divides or multiplies them).
    fn times(self, k: i64) -> f64 {
        let n = k as f64 * self.units as f64;
        if self.exp >= 0 {
            n * 10f64.powi(self.exp)
        } else {
            n / 10f64.powi(-self.exp)
        }
    }

    /// The step's value.
    fn value(self) -> f64 {
        self.times(1)
    }

    /// The whole number of steps nearest `v`.
    fn count(self, v: f64) -> Option<i64> {
        let k = (v / self.value()).round();
        (k.is_finite() && k.abs() < 2f64.powi(53) / self.units as f64).then_some(k as i64)
    }
}

/// Steps a time axis may take from a second up, seconds: clock steps, so ticks read
/// `30s, 1m, 1m30s`, never `3m20s, 6m40s`. Below a second, decimal steps (`0.5s`, `0.2s`);
/// beyond half an hour, whole half hours.
const CLOCK_STEPS: [u64; 12] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800];

/// The smallest step of `scale` that puts fewer than `most` steps in `span`, `None` when
/// `span` is not a positive finite number.
fn step_for(scale: Scale, span: f64, most: f64) -> Option<Step> {
    if !(span.is_finite() && span > 0.0) {
        return None;
    }
    // Within a billionth of `most` counts as `most`: 0.0004 / 0.00005 is 7.999…, not 8.
    let fits = |s: Step| span / s.value() < most * (1.0 - 1e-9);
    let raw = span / most;
    if scale == Scale::Seconds && raw >= 0.5 {
        if let Some(s) = CLOCK_STEPS
            .into_iter()
            .map(|u| Step::new(u, 0))
            .find(|&s| fits(s))
        {
            return Some(s);
        }
        let halves = (raw / 1800.0).floor() + 1.0;
        if halves < 1e12 {
            return Some(Step::new(halves as u64 * 1800, 0));
        }
    }
    // Decimal 1, 2, 5 × 10^e around `raw`; seconds no finer than a microsecond, the
    // simulator's resolution.
    let floor = if scale == Scale::Seconds { -6 } else { -300 };
    let e = (raw.log10().floor() as i32).clamp(floor, 300);
    (e..=e + 1)
        .flat_map(|e| [1, 2, 5].map(|u| Step::new(u, e)))
        .find(|&s| fits(s))
        .or_else(|| (scale == Scale::Seconds).then_some(Step::new(1, -6)))
}

/// Tick positions on an axis of `scale` from `lo` to `hi`: the multiples of the smallest
/// step ([`CLOCK_STEPS`] for seconds, 1, 2 or 5 × 10^e otherwise) that gives at most
/// `most` ticks, and that step. No tick for an empty or non-finite range.
pub fn ticks(scale: Scale, lo: f64, hi: f64, most: usize) -> (Vec<f64>, Step) {
    if scale == Scale::Bytes {
        // Decimal steps of the binary unit: `1Gi, 1.5Gi, 2Gi`. Scaling by a power of two
        // is exact, so the ticks are the unit's multiples and stay inside the range.
        let unit = 1024f64.powi(binary_unit(lo, hi) as i32);
        let (ticks, step) = ticks(Scale::Number, lo / unit, hi / unit, most);
        return (ticks.into_iter().map(|t| t * unit).collect(), step);
    }
    let most = most.max(2) as f64;
    let Some(step) = (lo.is_finite() && hi.is_finite())
        .then(|| step_for(scale, hi - lo, most))
        .flatten()
    else {
        return (Vec::new(), Step::default());
    };
    let (Some(first), Some(last)) = (step.count(lo), step.count(hi)) else {
        return (Vec::new(), step);
    };
    // `count` rounds: keep only the multiples inside the range.
    let ticks = (first..=last)
        .map(|k| step.times(k))
        .filter(|t| (lo..=hi).contains(t))
        .collect();
    (ticks, step)
}

/// How the ticks of an axis read: its scale and the distance between its ticks.
///
/// A label is the tick's number of steps written in decimal with as many digits as the step
/// has, so labels are exact (62.5 s reads `1m02.5s`, not `1m03s`) and distinct (two ticks a
/// step apart never read alike). Zeros after the last significant digit are dropped (`2m`,
/// `1m30s`, `99.9%`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickText {
    scale: Scale,
    step: Step,
    /// Bytes: the binary unit the steps count (an index of [`BINARY`]).
    binary: u32,
}

impl TickText {
    /// The label of tick `v` (a value off the ticks is written at the nearest tick).
    pub fn label(&self, v: f64) -> String {
        let v = if self.scale == Scale::Bytes {
            v / 1024f64.powi(self.binary as i32)
        } else {
            v
        };
        let exact = (-30..=30).contains(&self.step.exp);
        let Some(k) = self.step.count(v).filter(|_| exact) else {
            // Too far out for whole steps (no chart shows such a range): a float.
            return if v.is_finite() {
                format!("{v:e}")
            } else {
                String::new()
            };
        };
        let n = i128::from(k) * i128::from(self.step.units);
        let exp = self.step.exp;
        match self.scale {
            Scale::Number => number_text(n, exp),
            Scale::Seconds => duration_text(n, exp),
            Scale::Fraction => format!("{}%", Decimal::of(n, exp + 2).text()),
            Scale::Bytes => format!(
                "{}{}",
                Decimal::of(n, exp).text(),
                BINARY[self.binary as usize % BINARY.len()]
            ),
        }
    }
}

/// `n × 10^exp` as integer digits and decimal digits, exactly.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Decimal {
    negative: bool,
    whole: u128,
    /// The digits after the point, trailing zeros dropped.
    fraction: String,
}

impl Decimal {
    fn of(n: i128, exp: i32) -> Decimal {
        let negative = n < 0;
        let a = n.unsigned_abs();
        let (whole, fraction) = if exp >= 0 {
            let scale = 10u128.checked_pow(exp as u32).unwrap_or(u128::MAX);
            (a.saturating_mul(scale), String::new())
        } else {
            let digits = (-exp) as usize;
            match 10u128.checked_pow(digits as u32) {
                Some(p) => {
                    let f = format!("{:0digits$}", a % p);
                    (a / p, f.trim_end_matches('0').to_string())
                }
                // Below 10^-38 of the unit: nothing whole, the digits padded.
                None => {
                    let f = format!("{a:0digits$}");
                    (0, f.trim_end_matches('0').to_string())
                }
            }
        };
        Decimal {
            negative: negative && (whole != 0 || !fraction.is_empty()),
            whole,
            fraction,
        }
    }

    fn sign(&self) -> &'static str {
        if self.negative { "-" } else { "" }
    }

    /// `-12.5`, `0`, `3`.
    fn text(&self) -> String {
        format!("{}{}{}", self.sign(), self.whole, self.point())
    }

    /// `.5`, or nothing for a whole number.
    fn point(&self) -> String {
        if self.fraction.is_empty() {
            String::new()
        } else {
            format!(".{}", self.fraction)
        }
    }
}

/// A number `n × 10^exp`: `4`, `2.5`, `12.5k` from ten thousand up when the step is at
/// least a hundred (no digit of the step is lost to the `k`).
fn number_text(n: i128, exp: i32) -> String {
    let d = Decimal::of(n, exp);
    if exp >= 2 && d.whole >= 10_000 {
        format!("{}k", Decimal::of(n, exp - 3).text())
    } else {
        d.text()
    }
}

/// A duration of `n × 10^exp` seconds: `0`, `250ms`, `2.5s`, `45s`, `1m02.5s`, `2m`,
/// `1h05m`, `1h00m30s`: what is zero at the end is dropped, what is not is kept.
fn duration_text(n: i128, exp: i32) -> String {
    let d = Decimal::of(n, exp);
    let sign = d.sign();
    if d.whole == 0 {
        if d.fraction.is_empty() {
            return "0".to_string();
        }
        // Below a second: milliseconds, with what is below a millisecond as decimals.
        let ms = Decimal::of(n, exp + 3);
        return format!("{}ms", ms.text());
    }
    let (h, m, s) = (d.whole / 3600, d.whole / 60 % 60, d.whole % 60);
    let secs = format!("{s:02}{}s", d.point());
    let exact_minute = s == 0 && d.fraction.is_empty();
    match (h, m) {
        (0, 0) => format!("{sign}{s}{}s", d.point()),
        (0, m) if exact_minute => format!("{sign}{m}m"),
        (0, m) => format!("{sign}{m}m{secs}"),
        (h, 0) if exact_minute => format!("{sign}{h}h"),
        (h, m) if exact_minute => format!("{sign}{h}h{m:02}m"),
        (h, m) => format!("{sign}{h}h{m:02}m{secs}"),
    }
}

/// A value label for a fraction: `0.97` → `97%`, `0.995` → `99.5%` (one decimal).
pub fn percent_tick(x: f64) -> String {
    format!("{}%", trim(format!("{:.1}", x * 100.0)))
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

/// The range an axis of `scale` shows for the finite `values`: their [`span`] widened on
/// each side by `pad` times its width, then kept to the values the scale can take.
///
/// A fraction axis stays inside [0, 1] and an axis of values that are all ≥ 0 (durations,
/// counts) never goes below 0: padding that would cross a bound is moved to the other
/// side (as far as the other bound allows), so a single value keeps a range of its own
/// size (100% alone shows about 77%–100%, not 90%–110%).
pub fn padded(scale: Scale, values: impl IntoIterator<Item = f64>, pad: f64) -> (f64, f64) {
    let finite: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    let (floor, top) = match scale {
        Scale::Fraction => (0.0, 1.0),
        _ if finite.iter().all(|&v| v >= 0.0) => (0.0, f64::INFINITY),
        _ => (f64::NEG_INFINITY, f64::INFINITY),
    };
    let (lo, hi) = span(finite.iter().map(|v| v.clamp(floor, top)));
    let w = (hi - lo) * pad.max(0.0);
    let (mut lo, mut hi) = (lo - w, hi + w);
    if lo < floor {
        hi += floor - lo;
        lo = floor;
    }
    if hi > top {
        lo -= hi - top;
        hi = top;
    }
    (lo.max(floor), hi.min(top))
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
#[path = "axis_tests.rs"]
mod tests;
