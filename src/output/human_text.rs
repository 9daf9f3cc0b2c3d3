//! Numbers as people read them: a column's value in its unit (`2m10.5s`, `1.5Gi`,
//! `99.95%`), the spread of an interval, a signed difference, a share, a compact number.
//!
//! The terminal table ([`crate::output::table`]), the report pages, the charts and the
//! messages of other modules print through these, so a figure reads the same wherever it
//! appears. Files read by programs do not: `trials.csv` prints exact numbers
//! ([`crate::output::number_text`]).

use crate::output::columns::Unit;

/// A value of a column in `unit`, for humans.
pub(crate) fn value(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Seconds => duration(v),
        Unit::Milliseconds => format!("{}ms", fixed_or_significant(v, 1)),
        Unit::Cores => trim_zeros(fixed_or_significant(v, 3)),
        Unit::Bytes => bytes(v),
        Unit::Ratio => availability(v),
        Unit::Count | Unit::Id | Unit::Label => count(v),
    }
}

/// A difference in `unit` with its sign: `+12.0s`, `-1`, `0`.
pub(crate) fn signed(unit: Unit, d: f64) -> String {
    let text = value(unit, d);
    if d > 0.0 { format!("+{text}") } else { text }
}

/// A half-width in `unit`, to the precision an uncertainty deserves and no wider than the
/// values: counts of 10 or more as whole numbers (`4313`), memory to three significant
/// digits (`532Mi`), and ratios to two significant digits (`0.00041%`), where a value's
/// three decimals would round a real spread to a false `0%`. Others as [`value`].
pub(crate) fn spread(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Count if v >= 10.0 => format!("{v:.0}"),
        Unit::Bytes => bytes_with(v, |scaled| {
            if scaled >= 100.0 {
                0
            } else if scaled >= 10.0 {
                1
            } else {
                2
            }
        }),
        Unit::Ratio if v > 0.0 => {
            let pct = v * 100.0;
            let decimals = (1 - pct.log10().floor() as i32).clamp(3, 9) as usize;
            format!("{}%", trim_zeros(format!("{pct:.decimals$}")))
        }
        _ => value(unit, v),
    }
}

/// `0.981` → `98.1%`.
pub(crate) fn percent(fraction: f64) -> String {
    format!("{:.1}%", fraction * 100.0)
}

/// Whole numbers as integers, interpolated percentiles and means with two decimals (more
/// for a value below 0.01, see [`fixed_or_significant`]).
fn count(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else if v.abs() < 0.01 {
        trim_zeros(significant(v, 2))
    } else {
        format!("{v:.2}")
    }
}

/// `v` with `decimals` decimals, or, when that would print a non-zero value as zero
/// (`0.004` at two decimals, a mean of 4 restarts in 1000 trials), with two significant
/// digits instead: a reader must never see `0` or `-0.0` for something that is not.
fn fixed_or_significant(v: f64, decimals: usize) -> String {
    let unit = 0.1f64.powi(decimals as i32);
    if v == 0.0 || v.abs() >= unit / 2.0 {
        format!("{v:.decimals$}")
    } else {
        significant(v, decimals)
    }
}

/// `v` (not zero) to two significant digits, with at least `decimals` decimals:
/// 0.004 → `0.0040`, 0.00041 → `0.00041` (at most 12 decimals).
fn significant(v: f64, decimals: usize) -> String {
    let d = (1 - v.abs().log10().floor() as i32).clamp(decimals as i32, 12) as usize;
    format!("{v:.d$}")
}

/// Seconds to tenths: `47.0s`, `2m10.5s`, `1h02m03.0s`. Rounding happens once, on the
/// total, so 119.96 s is `2m00.0s`, never `1m60.0s`. A non-zero duration that would print
/// as `0.0s` is written in milliseconds instead (`40ms`, `0.31ms`).
pub fn duration(secs: f64) -> String {
    if secs != 0.0 && secs.abs() < 0.05 {
        let ms = secs * 1000.0;
        let text = if ms.abs() >= 1.0 {
            format!("{ms:.0}")
        } else {
            trim_zeros(fixed_or_significant(ms, 1))
        };
        return format!("{text}ms");
    }
    let sign = if secs < 0.0 { "-" } else { "" };
    let tenths = (secs.abs() * 10.0).round() as u64;
    let (t, s, m, h) = (
        tenths % 10,
        tenths / 10 % 60,
        tenths / 600 % 60,
        tenths / 36_000,
    );
    if h > 0 {
        format!("{sign}{h}h{m:02}m{s:02}.{t}s")
    } else if m > 0 {
        format!("{sign}{m}m{s:02}.{t}s")
    } else {
        format!("{sign}{s}.{t}s")
    }
}

/// Binary units with up to two decimals: `512Mi`, `1.5Gi`, `3.25Gi`.
fn bytes(v: f64) -> String {
    bytes_with(v, |_| 2)
}

/// Binary units, with `decimals(scaled value)` decimals at most.
fn bytes_with(v: f64, decimals: impl Fn(f64) -> usize) -> String {
    const UNITS: [&str; 6] = ["B", "Ki", "Mi", "Gi", "Ti", "Pi"];
    let mut scaled = v;
    let mut unit = 0;
    // `- 0.005`: a value that would print as `1024.00` moves up a unit instead.
    while scaled.abs() >= 1024.0 - 0.005 && unit < UNITS.len() - 1 {
        scaled /= 1024.0;
        unit += 1;
    }
    let d = decimals(scaled);
    format!("{}{}", trim_zeros(format!("{scaled:.d$}")), UNITS[unit])
}

/// A fraction as a percentage with up to three decimals (`99.95%`), and more when needed
/// to tell "almost" from "all": 0.9999996 is `99.99996%`, never a rounded-up `100%`.
fn availability(fraction: f64) -> String {
    let pct = fraction * 100.0;
    let mut decimals = 3;
    let mut text = format!("{pct:.decimals$}");
    while fraction < 1.0 && text.starts_with("100") && decimals < 9 {
        decimals += 1;
        text = format!("{pct:.decimals$}");
    }
    format!("{}%", trim_zeros(text))
}

/// A statistic of any unit for a compact table: at most four decimals (`0.9991`,
/// `12.5`, `4`), trailing zeros dropped.
pub fn number(x: f64) -> String {
    let decimals = if x.abs() >= 1000.0 { 1 } else { 4 };
    let text = trim_zeros(format!("{x:.decimals$}"));
    if text == "-0" { "0".to_string() } else { text }
}

/// `3.500` → `3.5`, `4.000` → `4`; integers untouched.
fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(0.0), "0.0s");
        assert_eq!(duration(47.0), "47.0s");
        assert_eq!(duration(59.96), "1m00.0s");
        assert_eq!(duration(130.5), "2m10.5s");
        assert_eq!(duration(119.96), "2m00.0s");
        assert_eq!(duration(3723.0), "1h02m03.0s");
        assert_eq!(duration(-1.5), "-1.5s");
        // Never a zero for what is not.
        assert_eq!(duration(0.04), "40ms");
        assert_eq!(duration(-0.000_31), "-0.3ms");
        assert_eq!(duration(0.000_031), "0.031ms");
        assert_eq!(duration(0.05), "0.1s");
    }

    #[test]
    fn small_values_keep_two_significant_digits() {
        assert_eq!(count(0.004), "0.004");
        assert_eq!(count(0.012), "0.01");
        assert_eq!(value(Unit::Count, 0.000_41), "0.00041");
        assert_eq!(value(Unit::Milliseconds, -0.000_4), "-0.00040ms");
        assert_eq!(value(Unit::Milliseconds, 0.04), "0.040ms");
        assert_eq!(value(Unit::Milliseconds, 0.06), "0.1ms");
        assert_eq!(value(Unit::Cores, 0.000_2), "0.0002");
        assert_eq!(signed(Unit::Milliseconds, -0.000_35), "-0.00035ms");
        assert_eq!(spread(Unit::Count, 0.0076), "0.0076");
    }

    #[test]
    fn memory_in_binary_units() {
        assert_eq!(bytes(512.0), "512B");
        assert_eq!(bytes(1536.0), "1.5Ki");
        assert_eq!(bytes(512.0 * 1024.0 * 1024.0), "512Mi");
        assert_eq!(bytes(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5Gi");
        assert_eq!(bytes(3.25 * 1024.0 * 1024.0 * 1024.0), "3.25Gi");
        assert_eq!(bytes(1024.0 * 1024.0 * 1024.0 - 1.0), "1Gi");
        assert_eq!(bytes(0.0), "0B");
    }

    #[test]
    fn availability_never_rounds_up_to_all() {
        assert_eq!(availability(1.0), "100%");
        assert_eq!(availability(0.9995), "99.95%");
        assert_eq!(availability(0.99953), "99.953%");
        assert_eq!(availability(0.999_999_6), "99.99996%");
        assert_eq!(availability(0.5), "50%");
        assert_eq!(availability(0.0), "0%");
    }

    #[test]
    fn spreads() {
        assert_eq!(spread(Unit::Ratio, 0.0), "0%");
        assert_eq!(spread(Unit::Ratio, 0.000_004_1), "0.00041%");
        assert_eq!(spread(Unit::Ratio, 0.000_52), "0.052%");
        assert_eq!(spread(Unit::Ratio, 0.012_34), "1.234%");
        assert_eq!(spread(Unit::Seconds, 1.84), "1.8s");
        assert_eq!(spread(Unit::Count, 4313.49), "4313");
        assert_eq!(spread(Unit::Count, 1.666), "1.67");
        assert_eq!(spread(Unit::Bytes, 531.89 * 1024.0 * 1024.0), "532Mi");
        assert_eq!(spread(Unit::Bytes, 11.02 * 1024.0 * 1024.0), "11Mi");
        assert_eq!(spread(Unit::Bytes, 1.5 * 1024.0 * 1024.0 * 1024.0), "1.5Gi");
    }

    #[test]
    fn counts_and_cores() {
        assert_eq!(count(5.0), "5");
        assert_eq!(count(4.5), "4.50");
        assert_eq!(value(Unit::Cores, 3.5), "3.5");
        assert_eq!(value(Unit::Cores, 4.0), "4");
        assert_eq!(value(Unit::Cores, 3.4567), "3.457");
        assert_eq!(value(Unit::Milliseconds, 23.45), "23.4ms");
    }
}
