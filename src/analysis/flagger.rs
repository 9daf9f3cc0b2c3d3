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
//! - `request-duration`: the p99 latency in ms of the canary's requests; passes when
//!   `thresholdRange.min ≤ value ≤ thresholdRange.max` (legacy `threshold` = max).
//!
//! A window without requests has no value ("no values found"): Flagger counts that as a
//! failed check, never as a pass.

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

/// `request-duration` of the canary's window: p99 latency, ms.
pub fn request_duration(w: &WindowStats, range: Range) -> Check {
    let p99 = w.latency_ms[2];
    Check::of((!p99.is_nan()).then_some(p99), range)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(requests: u64, failed: u64, p99: f64) -> WindowStats {
        WindowStats {
            requests,
            failed,
            latency_ms: [p99 / 2.0, p99 * 0.9, p99],
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
            request_success_rate(&window(1000, 10, 5.0), min99),
            Check::Pass(99.0)
        );
        assert_eq!(
            request_success_rate(&window(1000, 11, 5.0), min99),
            Check::Fail(98.9)
        );
        let band = Range {
            min: Some(90.0),
            max: Some(95.0),
        };
        assert_eq!(
            request_success_rate(&window(100, 0, 5.0), band),
            Check::Fail(100.0)
        );
        assert!(!request_success_rate(&window(100, 7, 5.0), band).failed());
    }

    #[test]
    fn duration_is_the_p99_against_the_max() {
        let max500 = Range {
            min: None,
            max: Some(500.0),
        };
        assert_eq!(
            request_duration(&window(10, 0, 500.0), max500),
            Check::Pass(500.0)
        );
        assert_eq!(
            request_duration(&window(10, 0, 501.0), max500),
            Check::Fail(501.0)
        );
    }

    /// "No values found" is a failed check, not a pass.
    #[test]
    fn an_empty_window_fails_the_check() {
        let any = Range::default();
        let empty = WindowStats::empty(0, 1);
        assert_eq!(request_success_rate(&empty, any), Check::NoData);
        assert_eq!(request_duration(&empty, any), Check::NoData);
        assert!(Check::NoData.failed());
        // All requests failed, none served: the rate is 0 %, the duration has no data.
        let all_failed = window(50, 50, f64::NAN);
        assert_eq!(request_success_rate(&all_failed, any), Check::Pass(0.0));
        assert_eq!(request_duration(&all_failed, any), Check::NoData);
    }
}
