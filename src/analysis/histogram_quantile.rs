//! Prometheus' `histogram_quantile` over a classic histogram, and the latency buckets a
//! mesh proxy records: what Flagger's `request-duration` check reads.
//!
//! Flagger's query (`fluxcd/flagger@15bd6ad`, v1.44.0, `pkg/metrics/observers/istio.go`)
//! is `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{…}
//! [interval])) by (le))`: not the p99 of the requests, but a linear interpolation inside
//! the bucket that holds it. Every bucket's rate is its count over the same window, so the
//! quantile of the rates is the quantile of the counts.
//!
//! The buckets are Envoy's defaults, which Istio's proxies use for that histogram:
//! `envoyproxy/envoy` `source/common/stats/histogram_impl.cc`
//! `HistogramSettingsImpl::defaultBuckets`, in milliseconds ([`ENVOY_BUCKETS_MS`]). So a
//! p99 of 300 ms reads as anything from 250 to 500 ms depending on how the requests spread
//! over that bucket, and `thresholdRange: {max: 400}` can fail a canary whose true p99 is
//! 300 ms.

/// Envoy's default histogram bucket bounds (`le`), in milliseconds; a `+Inf` bucket follows.
pub const ENVOY_BUCKETS_MS: [f64; 19] = [
    0.5,
    1.0,
    5.0,
    10.0,
    25.0,
    50.0,
    100.0,
    250.0,
    500.0,
    1_000.0,
    2_500.0,
    5_000.0,
    10_000.0,
    30_000.0,
    60_000.0,
    300_000.0,
    600_000.0,
    1_800_000.0,
    3_600_000.0,
];

/// `histogram_quantile(q, …)` of a classic histogram, after `prometheus/prometheus`
/// `promql/quantile.go` `BucketQuantile`: `bounds` are the finite upper bounds (ascending,
/// positive) and `cumulative` the count of observations at or below each, then the `+Inf`
/// bucket's (every observation). The rank `q × total` falls in the first bucket whose
/// cumulative count reaches it, and the result is interpolated linearly between that
/// bucket's lower bound (0 for the first) and its upper bound; a rank in the `+Inf` bucket
/// gives the highest finite bound. `None` without observations (NaN upstream, which
/// Flagger reports as "no values").
///
/// ```
/// use rollout_sim::analysis::histogram_quantile::histogram_quantile;
/// // 100 requests: 90 at most 100 ms, 98 at most 250 ms, all at most 500 ms.
/// let p99 = histogram_quantile(0.99, &[100.0, 250.0, 500.0], &[90, 98, 100, 100]);
/// assert_eq!(p99, Some(250.0 + 250.0 * (99.0 - 98.0) / (100.0 - 98.0)));
/// ```
pub fn histogram_quantile(q: f64, bounds: &[f64], cumulative: &[u64]) -> Option<f64> {
    debug_assert_eq!(cumulative.len(), bounds.len() + 1);
    let total = *cumulative.last()?;
    if total == 0 || bounds.is_empty() {
        return None;
    }
    let rank = q * total as f64;
    let Some(b) = cumulative[..bounds.len()]
        .iter()
        .position(|&c| c as f64 >= rank)
    else {
        return Some(bounds[bounds.len() - 1]);
    };
    let (start, below) = match b {
        0 => (0.0, 0),
        _ => (bounds[b - 1], cumulative[b - 1]),
    };
    let count = (cumulative[b] - below) as f64;
    let rank = rank - below as f64;
    Some(start + (bounds[b] - start) * (rank / count))
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: [f64; 3] = [10.0, 100.0, 1000.0];

    /// `promql/quantile.go`'s cases, worked by hand.
    #[test]
    fn interpolates_inside_the_bucket_that_holds_the_rank() {
        // All 100 in (10, 100]: p99 at rank 99 of 100 in that bucket.
        assert_eq!(
            histogram_quantile(0.99, &B, &[0, 100, 100, 100]),
            Some(99.1)
        );
        // The first bucket's lower bound is 0.
        assert_eq!(
            histogram_quantile(0.5, &B, &[100, 100, 100, 100]),
            Some(5.0)
        );
        // A rank reached exactly by a bucket's count is that bucket's upper bound.
        assert_eq!(
            histogram_quantile(0.5, &B, &[50, 100, 100, 100]),
            Some(10.0)
        );
        // Empty buckets below are skipped: the search finds the first count ≥ rank.
        assert_eq!(
            histogram_quantile(0.99, &B, &[0, 0, 100, 100]),
            Some(100.0 + 900.0 * 0.99)
        );
    }

    #[test]
    fn a_rank_in_the_infinite_bucket_is_the_highest_finite_bound() {
        assert_eq!(histogram_quantile(0.99, &B, &[0, 0, 98, 100]), Some(1000.0));
    }

    #[test]
    fn no_observations_have_no_value() {
        assert_eq!(histogram_quantile(0.99, &B, &[0, 0, 0, 0]), None);
    }

    /// One request: p99 ranks at 0.99 of it, inside its bucket.
    #[test]
    fn one_observation_interpolates_its_bucket() {
        assert_eq!(
            histogram_quantile(0.99, &B, &[0, 1, 1, 1]),
            Some(10.0 + 90.0 * 0.99)
        );
    }

    #[test]
    fn envoy_buckets_ascend() {
        assert!(ENVOY_BUCKETS_MS.windows(2).all(|w| w[0] < w[1]));
    }
}
