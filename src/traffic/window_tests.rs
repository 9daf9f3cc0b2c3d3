//! Measurement windows: alignment, counts against the trial's, and latency draws.

use super::*;
use crate::analysis::Quantity;
use crate::analysis::histogram_quantile::ENVOY_BUCKETS_MS;
use crate::scenario::{Dist, Scenario};
use crate::sim::time::{MILLISECOND, SECOND};
use crate::testkit;
use meter::Cause;

const TICK: Time = 100 * MILLISECOND;

fn scenario(service: Dist) -> Scenario {
    let mut s = testkit::swarm(1, 0, Default::default());
    for v in &mut s.service.versions {
        v.service_time = service.clone();
    }
    s
}

/// `buckets` buckets of version 1 with `ok` and `errors` expected requests each.
fn fill(buckets: usize, ok: f64, errors: f64) -> (Meter, Recorder) {
    let mut m = Meter::default();
    m.reset(2);
    let mut r = Recorder::default();
    r.enable();
    for b in 0..buckets {
        m.add(b, Some(1), Outcome::Ok, Cause::Other, ok);
        m.add(b, Some(1), Outcome::Errored, Cause::Version, errors);
        m.add(b, Some(0), Outcome::Ok, Cause::Other, 3.0);
        r.served(b, LatencyTables::cell(1, 0), ok);
        r.served(b, LatencyTables::cell(0, 0), 3.0);
    }
    (m, r)
}

fn sources<'a, 's>(
    meter: &'a Meter,
    recorder: &'a mut Recorder,
    tables: &'a mut LatencyTables<'s>,
    arrivals: Arrivals,
    integrated: Time,
) -> Sources<'a, 's> {
    Sources {
        meter,
        recorder,
        tables,
        arrivals,
        seed: 7,
        trial: 3,
        tick: TICK,
        integrated,
        load: None,
        mirror: None,
    }
}

/// Disjoint windows add up to the trial's own counts (the same Poisson draws).
#[test]
fn windows_add_up_to_the_trials_counts() {
    let s = scenario(Dist::Constant(20_000));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(600, 4.0, 0.5);
    let counts = m.draw(Arrivals::Poisson, 7, 3, 600);
    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Poisson, 60 * SECOND);
    let (mut requests, mut failed) = (0, 0);
    for k in 0..6 {
        let w = src.window(1, Reporter::Source, k * 10 * SECOND, (k + 1) * 10 * SECOND);
        requests += w.requests;
        failed += w.failed;
    }
    assert_eq!(requests, counts.version(1));
    assert_eq!(
        failed,
        counts.by_version[OUTCOMES + Outcome::Errored as usize]
    );
    // Asking again (overlapping windows) gives the same counts.
    let again = src.window(1, Reporter::Source, 0, 60 * SECOND);
    assert_eq!((again.requests, again.failed), (requests, failed));
}

/// The pods' count adds the attempts that failed there and were retried: with constant
/// arrivals the window's expected ones rounded (600 buckets × 0.25 errors retried + 0.1
/// refusals retried = 210 more failed attempts, the served ones unchanged); with Poisson
/// arrivals a keyed draw per bucket, so disjoint windows add up to the whole one, the
/// draws' total is within 5 sd of its mean (210 ± 72), and the client's count is the same
/// whichever is asked first.
#[test]
fn the_destination_adds_the_retried_attempts() {
    let s = scenario(Dist::Constant(20_000));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(600, 4.0, 0.5);
    for b in 0..600 {
        r.retried(b, 1, Outcome::Errored, 0.25);
        r.retried(b, 1, Outcome::Refused, 0.1);
        r.retried(b, 0, Outcome::Errored, 7.0);
    }
    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Constant, 60 * SECOND);
    let client = src.window(1, Reporter::Source, 0, 60 * SECOND);
    let pods = src.window(1, Reporter::Destination, 0, 60 * SECOND);
    assert_eq!((client.requests, client.failed), (2700, 300));
    assert_eq!((pods.requests, pods.failed), (2910, 510));
    assert_eq!(pods.latency_ms, client.latency_ms);

    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Poisson, 60 * SECOND);
    let pods = src.window(1, Reporter::Destination, 0, 60 * SECOND);
    let client = src.window(1, Reporter::Source, 0, 60 * SECOND);
    let extra = pods.requests - client.requests;
    assert_eq!(pods.failed - client.failed, extra);
    assert!(extra.abs_diff(210) <= 72, "{extra}");
    let mut sum = 0;
    for k in 0..6 {
        let (from, to) = (k * 10 * SECOND, (k + 1) * 10 * SECOND);
        sum += src.window(1, Reporter::Destination, from, to).requests
            - src.window(1, Reporter::Source, from, to).requests;
    }
    assert_eq!(sum, extra);
    let (m2, mut r2) = fill(600, 4.0, 0.5);
    let mut fresh = sources(&m2, &mut r2, &mut tables, Arrivals::Poisson, 60 * SECOND);
    assert_eq!(fresh.window(1, Reporter::Source, 0, 60 * SECOND), client);
}

/// Whole integrated buckets only: `[150 ms, 1050 ms)` counts `[200 ms, 1000 ms)`, and
/// nothing past the integration cursor.
#[test]
fn windows_align_to_whole_integrated_buckets() {
    let s = scenario(Dist::Constant(20_000));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(20, 10.0, 0.0);
    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Constant, 2 * SECOND);
    let w = src.window(1, Reporter::Source, 150 * MILLISECOND, 1050 * MILLISECOND);
    assert_eq!((w.from, w.to, w.requests), (200_000, 1_000_000, 80));
    src.integrated = 550 * MILLISECOND;
    let w = src.window(1, Reporter::Source, 150 * MILLISECOND, 1050 * MILLISECOND);
    assert_eq!((w.from, w.to, w.requests), (200_000, 500_000, 30));
    // A window inside one bucket counts nothing.
    let w = src.window(1, Reporter::Source, 10 * MILLISECOND, 90 * MILLISECOND);
    assert_eq!((w.requests, w.from, w.to), (0, 100_000, 100_000));
}

/// No requests: no rate, no latency — an error for the analysis, never a pass.
#[test]
fn an_empty_window_has_no_value() {
    let s = scenario(Dist::Constant(20_000));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(10, 0.0, 0.0);
    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Poisson, SECOND);
    let w = src.window(1, Reporter::Source, 0, SECOND);
    assert_eq!(w.requests, 0);
    assert!(w.latency_ms.iter().all(|x| x.is_nan()));
    for q in [
        Quantity::ErrorRate,
        Quantity::SuccessRate,
        Quantity::LatencyP99,
    ] {
        assert_eq!(q.of(&w), None);
    }
    // The stable version's requests are its own.
    let (m, mut r) = fill(10, 0.0, 0.0);
    let w = sources(&m, &mut r, &mut tables, Arrivals::Poisson, SECOND).window(
        0,
        Reporter::Source,
        0,
        SECOND,
    );
    assert!(w.requests > 0);
}

/// One expected request per window: a window is empty with probability e⁻¹. Over 2000
/// windows the share is e⁻¹ ± 5 binomial standard deviations (0.011 each).
#[test]
fn low_traffic_gives_empty_and_noisy_windows() {
    let s = scenario(Dist::Constant(20_000));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(2000, 0.9, 0.1);
    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Poisson, 200 * SECOND);
    let empty = (0..2000)
        .filter(|&k| {
            src.window(1, Reporter::Source, k * TICK, (k + 1) * TICK)
                .requests
                == 0
        })
        .count() as f64
        / 2000.0;
    let sd = (0.3679f64 * 0.6321 / 2000.0).sqrt();
    assert!((empty - (-1f64).exp()).abs() < 5.0 * sd, "{empty}");
}

/// A constant service time comes back exactly at every quantile.
#[test]
fn a_constant_latency_is_exact() {
    let s = scenario(Dist::Constant(20_000));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(100, 5.0, 0.0);
    let w = sources(&m, &mut r, &mut tables, Arrivals::Poisson, 10 * SECOND).window(
        1,
        Reporter::Source,
        0,
        10 * SECOND,
    );
    assert_eq!(w.latency_ms, [20.0; 3]);
}

/// A constant 20 ms: every served request in the (10, 25] ms bucket of Envoy's.
#[test]
fn a_constant_latency_fills_one_bucket() {
    let s = scenario(Dist::Constant(20_000));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(100, 5.0, 1.0);
    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Poisson, 10 * SECOND);
    let w = src.window(1, Reporter::Source, 0, 10 * SECOND);
    let served = w.requests - w.failed;
    let c = src.latency_buckets(1, 0, 10 * SECOND, &ENVOY_BUCKETS_MS);
    assert_eq!(c.len(), ENVOY_BUCKETS_MS.len() + 1);
    for (le, n) in ENVOY_BUCKETS_MS.iter().zip(&c) {
        assert_eq!(*n, if *le < 20.0 { 0 } else { served }, "le {le}");
    }
    assert_eq!(c[ENVOY_BUCKETS_MS.len()], served);
}

/// Exponential service, mean 20 ms: the share of requests at or below a bound is
/// `1 − e^(−le/20)`. Over a 400 s window (about 4,000 served) each bucket's share is
/// within 0.04 of it (5 binomial sd is at most 0.04, the tables' error under 0.01).
/// Windows of one request each put it at or below 10 ms in 1 − e^(−0.5) = 39.3 % of
/// them (±5 sd over the ~1,450 such windows: 0.064): each window draws its own.
#[test]
fn bucket_counts_follow_the_latency_distribution() {
    let s = scenario(Dist::Exponential(rand_distr::Exp::new(50.0).unwrap()));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(4000, 1.0, 0.0);
    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Poisson, 400 * SECOND);
    let bounds = [5.0, 10.0, 25.0, 50.0, 100.0];
    let c = src.latency_buckets(1, 0, 400 * SECOND, &bounds);
    let served = c[bounds.len()] as f64;
    assert_eq!(
        served as u64,
        src.window(1, Reporter::Source, 0, 400 * SECOND).requests
    );
    for (le, n) in bounds.iter().zip(&c) {
        let want = 1.0 - (-le / 20.0f64).exp();
        let got = *n as f64 / served;
        assert!((got - want).abs() < 0.04, "le {le}: {got} vs {want}");
    }
    let singles: Vec<Vec<u64>> = (0..4000)
        .map(|k| src.latency_buckets(1, k * TICK, (k + 1) * TICK, &[10.0]))
        .filter(|c| c[1] == 1)
        .collect();
    let share = singles.iter().filter(|c| c[0] == 1).count() as f64 / singles.len() as f64;
    assert!(singles.len() > 1000, "{}", singles.len());
    assert!((share - 0.3935).abs() < 0.064, "{share}");
}

/// Exponential service, mean 20 ms. The p99 of a window holding one served request
/// is that request's latency: over many such windows its median is the service
/// time's median, 20 ln 2 = 13.9 ms. A window of ~40 000 requests gives the
/// distribution's p99, 20 ln 100 = 92.1 ms. Tolerance: 12 %, well beyond the latency
/// tables' own error (16384 draws read within 7.5 %-wide bins: sd 1.7 % at p99) and
/// the spread of the single-request windows' median.
#[test]
fn window_quantiles_are_those_of_the_windows_requests() {
    let s = scenario(Dist::Exponential(rand_distr::Exp::new(50.0).unwrap()));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(4000, 1.0, 0.0);
    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Poisson, 400 * SECOND);
    let mut single: Vec<f64> = (0..4000)
        .map(|k| src.window(1, Reporter::Source, k * TICK, (k + 1) * TICK))
        .filter(|w| w.requests == 1)
        .map(|w| w.latency_ms[2])
        .collect();
    single.sort_by(f64::total_cmp);
    let median = single[single.len() / 2];
    let want = 20.0 * 2f64.ln();
    assert!(single.len() > 1000, "{}", single.len());
    assert!((median / want - 1.0).abs() < 0.12, "{median} vs {want}");
    let all = src.window(1, Reporter::Source, 0, 400 * SECOND);
    let want = 20.0 * 100f64.ln();
    assert!(
        (all.latency_ms[2] / want - 1.0).abs() < 0.12,
        "{:?}",
        all.latency_ms
    );
    assert!(all.latency_ms[0] < all.latency_ms[1] && all.latency_ms[1] < all.latency_ms[2]);
}

/// Mirrored copies add to the version's window: with constant arrivals their expected
/// counts rounded; with Poisson arrivals a Poisson count per outcome around them (mean
/// and variance both the expectation: 2,000 errors of 20,000 copies land within 5 σ),
/// drawn the same at every read of the window.
#[test]
fn mirrored_copies_count_in_the_versions_window() {
    let s = scenario(Dist::Constant(20_000));
    let mut tables = LatencyTables::new(&s, 100);
    let (m, mut r) = fill(600, 0.0, 0.0);
    let (copies, copies_served) = fill(600, 30.0, 10.0 / 3.0);
    let mut src = sources(&m, &mut r, &mut tables, Arrivals::Constant, 60 * SECOND);
    src.mirror = Some((&copies, &copies_served));
    let w = src.window(1, Reporter::Source, 0, 60 * SECOND);
    assert_eq!((w.requests, w.failed), (20_000, 2_000));
    assert_eq!(w.latency_ms[0], 20.0, "the copies' latency is the window's");
    src.arrivals = Arrivals::Poisson;
    let w = src.window(1, Reporter::Source, 0, 60 * SECOND);
    let sigma = |mean: f64| 5.0 * mean.sqrt();
    assert!(
        (w.requests as f64 - 20_000.0).abs() < sigma(20_000.0),
        "{w:?}"
    );
    assert!((w.failed as f64 - 2_000.0).abs() < sigma(2_000.0), "{w:?}");
    assert_eq!(src.window(1, Reporter::Source, 0, 60 * SECOND), w);
}
