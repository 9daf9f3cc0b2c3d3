//! Flagger's built-in metric checks, on one measurement window of the canary.
//!
//! `fluxcd/flagger@15bd6ad` (v1.44.0), `pkg/metrics/observers/istio.go` (the queries) and
//! `pkg/controller/scheduler_metrics.go` (the checks):
//!
//! - `request-success-rate`: the percentage of the canary's requests that were not 5xx,
//!   `sum(rate(…{response_code!~"5.*"}[interval])) / sum(rate(…[interval])) * 100`; passes
//!   when `thresholdRange.min ≤ value ≤ thresholdRange.max` (legacy `threshold` = min).
//!   Every failed request of the simulation (refused 502, errored, dropped 503, timed out
//!   504) is a 5xx.
//! - `request-duration`: the p99 latency in ms of the canary's requests as Prometheus'
//!   `histogram_quantile(0.99, …)` reads it from the mesh proxy's latency buckets
//!   ([`super::histogram_quantile`]); passes when `thresholdRange.min ≤ value ≤
//!   thresholdRange.max` (legacy `threshold` = max), value and bounds truncated to whole
//!   milliseconds as upstream's `time.Duration`s are.
//!
//! A window without requests has no value ("no values found"): Flagger counts that as a
//! failed check, never as a pass.

use super::histogram_quantile::{ENVOY_BUCKETS_MS, histogram_quantile};
use crate::traffic::window::WindowStats;

/// `thresholdRange`: either bound may be absent.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Range {
    /// Lowest passing value.
    pub min: Option<f64>,
    /// Highest passing value.
    pub max: Option<f64>,
}

impl Range {
    /// Whether `v` lies within the bounds.
    pub fn contains(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Check {
    /// Within range, with the value.
    Pass(f64),
    /// Out of range, with the value.
    Fail(f64),
    /// No requests in the window.
    NoData,
}

impl Check {
    /// Whether Flagger adds a failed check (`failedChecks + 1`): out of range or no data.
    pub fn failed(self) -> bool {
        !matches!(self, Check::Pass(_))
    }

    /// The measured value; `None` without data.
    pub fn value(self) -> Option<f64> {
        match self {
            Check::Pass(v) | Check::Fail(v) => Some(v),
            Check::NoData => None,
        }
    }

    fn of(value: Option<f64>, range: Range) -> Check {
        match value {
            None => Check::NoData,
            Some(v) if range.contains(v) => Check::Pass(v),
            Some(v) => Check::Fail(v),
        }
    }
}

/// `request-success-rate` of the canary's window, in percent.
pub fn request_success_rate(w: &WindowStats, range: Range) -> Check {
    let value = (w.requests > 0)
        .then(|| (w.requests - w.failed.min(w.requests)) as f64 / w.requests as f64 * 100.0);
    Check::of(value, range)
}

/// `request-duration` of the canary's window: the p99 the query reads from the latency
/// buckets (`cumulative`, counts at or below each of [`ENVOY_BUCKETS_MS`], then every
/// served request), in whole ms.
///
/// Upstream compares `time.Duration`s: `istio.go:GetRequestDuration` turns the query's
/// value into `time.Duration(int64(value)) * time.Millisecond` and
/// `runBuiltinMetricChecks` each bound into `time.Duration(bound) * time.Millisecond`, Go's
/// float-to-integer conversions truncating both to whole milliseconds; comparing the
/// fractional values would fail a 500.4 ms p99 that Flagger passes against `max: 500`.
pub fn request_duration(cumulative: &[u64], range: Range) -> Check {
    duration_check(
        histogram_quantile(0.99, &ENVOY_BUCKETS_MS, cumulative),
        range,
    )
}

/// The check of a p99 in ms (`None`: the query had no value).
fn duration_check(p99: Option<f64>, range: Range) -> Check {
    let whole_ms = Range {
        min: range.min.map(f64::trunc),
        max: range.max.map(f64::trunc),
    };
    Check::of(p99.map(f64::trunc), whole_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(requests: u64, failed: u64) -> WindowStats {
        WindowStats {
            requests,
            failed,
            ..WindowStats::empty(0, 60_000_000)
        }
    }

    /// Flagger's docs example: `thresholdRange: {min: 99}` on request-success-rate and
    /// `{max: 500}` on request-duration.
    #[test]
    fn success_rate_is_a_percentage_within_the_range() {
        let min99 = Range {
            min: Some(99.0),
            max: None,
        };
        assert_eq!(
            request_success_rate(&window(1000, 10), min99),
            Check::Pass(99.0)
        );
        assert_eq!(
            request_success_rate(&window(1000, 11), min99),
            Check::Fail(98.9)
        );
        let band = Range {
            min: Some(90.0),
            max: Some(95.0),
        };
        assert_eq!(
            request_success_rate(&window(100, 0), band),
            Check::Fail(100.0)
        );
        assert!(!request_success_rate(&window(100, 7), band).failed());
    }

    #[test]
    fn duration_is_the_p99_against_the_max() {
        let max500 = Range {
            min: None,
            max: Some(500.0),
        };
        assert_eq!(duration_check(Some(500.0), max500), Check::Pass(500.0));
        assert_eq!(duration_check(Some(501.0), max500), Check::Fail(501.0));
    }

    /// `istio.go:GetRequestDuration` reads the p99 as `time.Duration(int64(value)) *
    /// time.Millisecond` and `runBuiltinMetricChecks` the bounds as
    /// `time.Duration(bound) * time.Millisecond`: both are whole milliseconds, truncated, so
    /// a p99 of 500.9 ms passes `max: 500` and one of 20.2 ms passes `min: 20.5` (20 ms
    /// against 20 ms).
    #[test]
    fn duration_and_bounds_are_whole_milliseconds() {
        let max500 = Range {
            min: None,
            max: Some(500.0),
        };
        assert_eq!(duration_check(Some(500.9), max500), Check::Pass(500.0));
        assert_eq!(duration_check(Some(501.0), max500), Check::Fail(501.0));
        // A fractional bound is truncated too: `max: 500.7` is 500 ms.
        let max500_7 = Range {
            min: None,
            max: Some(500.7),
        };
        assert_eq!(duration_check(Some(500.5), max500_7), Check::Pass(500.0));
        assert_eq!(duration_check(Some(500.6), max500_7), Check::Pass(500.0));
        let min_20_5 = Range {
            min: Some(20.5),
            max: None,
        };
        assert_eq!(duration_check(Some(20.2), min_20_5), Check::Pass(20.0));
        assert_eq!(duration_check(Some(19.99), min_20_5), Check::Fail(19.0));
    }

    /// "No values found" is a failed check, not a pass.
    #[test]
    fn an_empty_window_fails_the_check() {
        let any = Range::default();
        let empty = WindowStats::empty(0, 1);
        assert_eq!(request_success_rate(&empty, any), Check::NoData);
        assert_eq!(request_duration(&[0; 20], any), Check::NoData);
        assert!(Check::NoData.failed());
        // All requests failed, none served: the rate is 0 %, the duration has no data.
        let all_failed = window(50, 50);
        assert_eq!(request_success_rate(&all_failed, any), Check::Pass(0.0));
    }

    /// Cumulative counts of `n` requests all in the bucket whose upper bound is `le` ms.
    fn all_in_bucket(n: u64, le: f64) -> Vec<u64> {
        let mut c: Vec<u64> = ENVOY_BUCKETS_MS
            .iter()
            .map(|&b| if b >= le { n } else { 0 })
            .collect();
        c.push(n);
        c
    }

    /// The query's p99 is interpolated inside Envoy's (250, 500] ms bucket: 1,000 requests
    /// all in it read as 250 + 250 × 990/1000 = 497.5 ms, whatever their true latencies
    /// (all of them 260 ms, say). `max: 400` fails such a canary, `max: 497` passes it
    /// (497.5 truncated).
    #[test]
    fn duration_is_read_from_the_proxy_buckets() {
        let c = all_in_bucket(1000, 500.0);
        let max = |m| Range {
            min: None,
            max: Some(m),
        };
        assert_eq!(request_duration(&c, max(400.0)), Check::Fail(497.0));
        assert_eq!(request_duration(&c, max(497.0)), Check::Pass(497.0));
        // Past the last finite bound: the highest one, 3,600,000 ms.
        let mut beyond = vec![0; ENVOY_BUCKETS_MS.len()];
        beyond.push(10);
        assert_eq!(
            request_duration(&beyond, max(1e9)),
            Check::Pass(3_600_000.0)
        );
    }
}
