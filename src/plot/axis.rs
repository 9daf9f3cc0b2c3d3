//! Axis ranges and tick labels: seconds shown as durations, fractions as percents.

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

/// A tick label for a fraction: `0.97` → `97%`, `0.995` → `99.5%`.
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
