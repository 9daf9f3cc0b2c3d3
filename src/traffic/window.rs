//! Measurement windows: what an analysis sees of one version's requests over
//! `[from, to)`.
//!
//! A measurement is computed from the requests of its own window, not from the trial's
//! expectation, so low traffic gives noisy measurements, as a Prometheus query over a
//! quiet service does.

use crate::sim::time::Time;

/// Quantiles a window reports, in [`WindowStats::latency_ms`] order.
pub const QUANTILES: [f64; 3] = [0.5, 0.95, 0.99];

/// One version's requests over a window, and its pods at the window's end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowStats {
    /// Start of the counted window (aligned to `traffic.tick`).
    pub from: Time,
    /// End of the counted window (aligned to `traffic.tick`).
    pub to: Time,
    /// Requests routed to the version.
    pub requests: u64,
    /// Of which failed: refused, errored, dropped or timed out.
    pub failed: u64,
    /// p50, p95 and p99 latency of the served requests, ms (NaN when none was served).
    pub latency_ms: [f64; 3],
    /// Pods of the version Ready at the end of the window.
    pub ready: u32,
    /// Pods of the version its controller wants (0: unknown).
    pub desired: u32,
}

impl WindowStats {
    /// A window with no requests and no pods.
    pub fn empty(from: Time, to: Time) -> WindowStats {
        WindowStats {
            from,
            to,
            requests: 0,
            failed: 0,
            latency_ms: [f64::NAN; 3],
            ready: 0,
            desired: 0,
        }
    }
}
