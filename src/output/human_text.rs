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

/// A difference in `unit` with its sign: `+12.0s`, `-1`, `0`. A difference of two ratios
/// is in percentage points, to two significant digits (`-0.00074pp`, `+10pp`): written
/// as a percentage it would read as relative to the baseline, and at a ratio's three
/// decimals a real difference of availabilities rounds to `0%`.
pub(crate) fn signed(unit: Unit, d: f64) -> String {
    let text = match unit {
        Unit::Ratio => points(d),
        _ => value(unit, d),
    };
    if d > 0.0 { format!("+{text}") } else { text }
}

/// A difference of two fractions in percentage points, to two significant digits and at
/// least one decimal (`-5.2pp`, `0.00074pp`, `10.3pp`).
fn points(d: f64) -> String {
    if d == 0.0 {
        return "0pp".to_string();
    }
    let pp = d * 100.0;
    format!("{pp:.*}pp", decimals_for(pp, 1))
}

/// Decimals that show two significant digits of `x` (not zero), at least `least`.
fn decimals_for(x: f64, least: i32) -> usize {
    (1 - x.abs().log10().floor() as i32).clamp(least, 12) as usize
}

/// A signed difference and its 95% interval, `+6.1ms [+3.5ms, +8.6ms]`: every figure at
/// one precision, the one that shows two significant digits of the interval's width, so
/// the ends of an interval read on one scale (never `[-0.1s, +18ms]`, nor `[0, 0]` for a
/// real difference). Durations below a second are in milliseconds; memory and a width of
/// 0 keep [`signed`]'s precision.
pub(crate) fn signed_interval(unit: Unit, d: f64, lo: f64, hi: f64) -> String {
    let [d, lo, hi] = signed_at(unit, hi - lo, [d, lo, hi]);
    format!("{d} [{lo}, {hi}]")
}

/// Signed figures `xs` in `unit` at the precision that shows two significant digits of
/// `width` ([`signed_interval`]'s rule; each as [`signed`] when `width` is 0).
pub(crate) fn signed_at<const N: usize>(unit: Unit, width: f64, xs: [f64; N]) -> [String; N] {
    let at = |scale: f64, least: i32, suffix: &str| {
        let decimals = decimals_for(width * scale, least);
        // Trailing zeros kept: the figures line up at one precision. A figure that rounds
        // to zero keeps the sign of its value: an interval end of +0.0017ms read `0.0ms`,
        // so `[0.0ms, +1.1ms]` stood beside the verdict `worse` (the interval excludes 0).
        xs.map(|x| {
            let text = format!("{:.*}", decimals, x * scale);
            let abs = text.trim_start_matches('-');
            if x > 0.0 {
                format!("+{abs}{suffix}")
            } else if x < 0.0 {
                format!("-{abs}{suffix}")
            } else {
                format!("{abs}{suffix}")
            }
        })
    };
    let largest = xs.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    match unit {
        _ if !(width.is_finite() && width > 0.0) => xs.map(|x| signed(unit, x)),
        Unit::Ratio => at(100.0, 1, "pp"),
        Unit::Milliseconds => at(1.0, 1, "ms"),
        Unit::Seconds if largest < 1.0 => at(1000.0, 0, "ms"),
        Unit::Count | Unit::Cores | Unit::Id | Unit::Label => at(1.0, 0, ""),
        Unit::Seconds | Unit::Bytes => xs.map(|x| signed(unit, x)),
    }
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

/// A count and its noun, plural unless the count is one: `1 point`, `0 points`,
/// `1000 trials`. Every message and report that counts something says it through this,
/// so none reads `1 points`. `noun` is the singular of a noun whose plural adds an `s`
/// (`trial`, `point`, `shard`, `check`, `replica`, `sample`, …).
pub fn counted<N>(n: N, noun: &str) -> String
where
    N: std::fmt::Display + PartialEq + From<u8>,
{
    let s = if n == N::from(1) { "" } else { "s" };
    format!("{n} {noun}{s}")
}

/// `3.500` → `3.5`, `4.000` → `4`; integers untouched.
fn trim_zeros(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `counts` of one whole (`n` in all) as whole percentages that add up to 100 (largest
/// remainders), so "faster in 89%, slower in 11%, as fast in 1%" cannot read 101%; a
/// count above 0 never reads `0%` (`<1%`), nor one below `n` `100%` (`>99%`).
///
/// ```text
/// counts 443, 54, 3 → "89%", "11%", "<1%"
/// ```
pub(crate) fn whole_percents(counts: &[u64]) -> Vec<String> {
    let n: u64 = counts.iter().sum();
    if n == 0 {
        return counts.iter().map(|_| "-".to_string()).collect();
    }
    // Each share in hundredths of n: its whole part now, the largest remainders get the
    // points left over.
    let mut parts: Vec<(u64, u64, usize)> = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| (c * 100 / n, c * 100 % n, i))
        .collect();
    let left = 100 - parts.iter().map(|p| p.0).sum::<u64>();
    let mut by_remainder: Vec<usize> = (0..parts.len()).collect();
    by_remainder.sort_by_key(|&i| (std::cmp::Reverse(parts[i].1), i));
    for &i in by_remainder.iter().take(left as usize) {
        parts[i].0 += 1;
    }
    parts
        .iter()
        .map(|&(whole, _, i)| match (whole, counts[i]) {
            (0, c) if c > 0 => "<1%".to_string(),
            (100, c) if c < n => ">99%".to_string(),
            (w, _) => format!("{w}%"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn whole_percents_add_up_to_100_and_never_hide_a_count() {
        // 88.6 / 10.8 / 0.6: rounded one by one they read 89 + 11 + 1 = 101.
        assert_eq!(super::whole_percents(&[443, 54, 3]), ["89%", "11%", "<1%"]);
        assert_eq!(super::whole_percents(&[1, 1, 1]), ["34%", "33%", "33%"]);
        assert_eq!(super::whole_percents(&[999, 1, 0]), [">99%", "<1%", "0%"]);
        assert_eq!(super::whole_percents(&[10, 0, 0]), ["100%", "0%", "0%"]);
        assert_eq!(super::whole_percents(&[0, 0]), ["-", "-"]);
    }

    use super::*;

    #[test]
    fn counts_agree_with_their_noun() {
        assert_eq!(counted(1u64, "point"), "1 point");
        assert_eq!(counted(0usize, "point"), "0 points");
        assert_eq!(counted(2u32, "trial"), "2 trials");
        assert_eq!(counted(1000u64, "trial"), "1000 trials");
    }

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
    fn differences_of_ratios_are_percentage_points() {
        assert_eq!(signed(Unit::Ratio, 0.0), "0pp");
        assert_eq!(signed(Unit::Ratio, -0.051_87), "-5.2pp");
        assert_eq!(signed(Unit::Ratio, 0.1032), "+10.3pp");
        assert_eq!(signed(Unit::Ratio, -0.000_003_1), "-0.00031pp");
        assert_eq!(signed(Unit::Ratio, 0.001), "+0.10pp");
        assert_eq!(signed(Unit::Ratio, 0.000_014), "+0.0014pp");
        assert_eq!(signed(Unit::Seconds, -2.65), "-2.7s");
        assert_eq!(signed(Unit::Count, 0.0465), "+0.05");
    }

    #[test]
    fn an_interval_reads_on_one_scale() {
        let iv = signed_interval;
        assert_eq!(
            iv(Unit::Seconds, -0.030, -0.078, 0.018),
            "-30ms [-78ms, +18ms]"
        );
        assert_eq!(
            iv(Unit::Seconds, -77.46, -78.29, -76.62),
            "-1m17.5s [-1m18.3s, -1m16.6s]"
        );
        assert_eq!(
            iv(Unit::Ratio, -0.000_003, -0.000_007_4, 0.000_001_4),
            "-0.00030pp [-0.00074pp, +0.00014pp]"
        );
        assert_eq!(
            iv(Unit::Ratio, 0.1032, 0.1004, 0.106),
            "+10.32pp [+10.04pp, +10.60pp]"
        );
        assert_eq!(
            iv(Unit::Milliseconds, 0.0306, 0.0087, 0.0524),
            "+0.031ms [+0.009ms, +0.052ms]"
        );
        assert_eq!(
            iv(Unit::Count, -19358.6, -19567.0, -19150.2),
            "-19359 [-19567, -19150]"
        );
        assert_eq!(
            iv(Unit::Count, 0.0466, 0.0326, 0.0606),
            "+0.047 [+0.033, +0.061]"
        );
        assert_eq!(iv(Unit::Count, 0.0, 0.0, 0.0), "0 [0, 0]");
        assert_eq!(iv(Unit::Count, -0.000_1, -0.3, 0.3), "-0.00 [-0.30, +0.30]");
        // An end that rounds to zero keeps its side of 0, which decides the verdict:
        // `compare`'s p99 latency of +0.56ms [+0.0017ms, +1.11ms] is `worse`.
        assert_eq!(
            iv(Unit::Milliseconds, 0.5566, 0.0017, 1.1114),
            "+0.6ms [+0.0ms, +1.1ms]"
        );
        assert_eq!(
            iv(Unit::Seconds, -0.2, -0.400_02, -0.000_03),
            "-200ms [-400ms, -0ms]"
        );
        assert_eq!(iv(Unit::Count, 1.0, 1.0, 1.0), "+1 [+1, +1]");
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
