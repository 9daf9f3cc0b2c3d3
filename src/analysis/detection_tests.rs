//! AnalysisRuns measured on simulated request counts: how often a bad canary is caught
//! and a good one wrongly failed, as traffic varies. Fixed seeds, safe margins.

use super::run::{AnalysisRun, Measure, Phase};
use super::spec::{self, AnalysisSpec, Role};
use super::taken::RunName;
use crate::scenario::{Arrivals, walk};
use crate::sim::time::{SECOND, Time};
use crate::testkit;
use crate::traffic::meter::{Cause, Meter, Outcome};
use crate::traffic::queueing::LatencyTables;
use crate::traffic::window::{Recorder, Reporter, Sources, WindowStats};
use serde_json::json;

/// Steady traffic for 20 minutes in 1 s buckets: the canary (version 1) at `rps` with
/// `errors` of its requests failing, the stable version at 100 rps without errors.
struct Steady<'s> {
    meter: Meter,
    recorder: Recorder,
    tables: LatencyTables<'s>,
    trial: u64,
}

impl<'s> Steady<'s> {
    fn new(s: &'s crate::scenario::Scenario, rps: f64, errors: f64, trial: u64) -> Self {
        let mut meter = Meter::default();
        meter.reset(2);
        let mut recorder = Recorder::default();
        recorder.enable();
        for b in 0..1200 {
            meter.add(b, Some(1), Outcome::Ok, Cause::Other, rps * (1.0 - errors));
            meter.add(b, Some(1), Outcome::Errored, Cause::Version, rps * errors);
            meter.add(b, Some(0), Outcome::Ok, Cause::Other, 100.0);
            recorder.served(b, LatencyTables::cell(1, 0), rps * (1.0 - errors));
            recorder.served(b, LatencyTables::cell(0, 0), 100.0);
        }
        Steady {
            meter,
            recorder,
            tables: LatencyTables::new(s, 100),
            trial,
        }
    }
}

impl<'s> Steady<'s> {
    fn sources(&mut self) -> Sources<'_, 's> {
        Sources {
            meter: &self.meter,
            recorder: &mut self.recorder,
            tables: &mut self.tables,
            arrivals: Arrivals::Poisson,
            seed: 11,
            trial: self.trial,
            tick: SECOND,
            integrated: 1200 * SECOND,
            load: None,
            mirror: None,
        }
    }
}

fn version(role: Role) -> u8 {
    match role {
        Role::Canary => 1,
        Role::Stable => 0,
    }
}

impl Measure for Steady<'_> {
    fn window(&mut self, role: Role, reporter: Reporter, from: Time, to: Time) -> WindowStats {
        self.sources().window(version(role), reporter, from, to)
    }

    fn latency_buckets(&mut self, role: Role, from: Time, to: Time, bounds_ms: &[f64]) -> Vec<u64> {
        self.sources()
            .latency_buckets(version(role), from, to, bounds_ms)
    }
}

fn analysis(v: serde_json::Value) -> AnalysisSpec {
    let (spec, problems) = walk::run(&v, spec::parse);
    assert!(problems.is_empty(), "{problems:?}");
    spec.unwrap()
}

/// The run's final phase over `trials` trials: the share that ended `Failed` or `Error`.
fn failure_share(spec: &AnalysisSpec, rps: f64, errors: f64, trials: u64) -> f64 {
    let s = testkit::swarm(1, 0, Default::default());
    let mut failed = 0;
    for trial in 0..trials {
        let mut src = Steady::new(&s, rps, errors, trial);
        let mut run = AnalysisRun::new(spec, RunName::Background, 0);
        while let Some(t) = run.next_due() {
            run.measure(t, &mut src);
        }
        if matches!(run.phase(), Phase::Failed | Phase::Error) {
            failed += 1;
        }
    }
    failed as f64 / trials as f64
}

fn error_rate_below(threshold: f64) -> AnalysisSpec {
    analysis(json!({"metrics": [{
        "name": "error-rate", "interval": "1m", "count": 3, "initialDelay": "1m",
        "successCondition": format!("result < {threshold}"),
        "provider": {"rollout-sim": {"metric": "error_rate"}}
    }]}))
}

/// 50 % errors against a 5 % threshold at 10 rps: every run fails (each window holds
/// ≈ 600 requests; P(a window under 5 %) is astronomically small).
#[test]
fn a_very_bad_canary_is_always_caught() {
    assert_eq!(failure_share(&error_rate_below(0.05), 10.0, 0.5, 300), 1.0);
}

/// A good canary (1 % errors, ≈ 6 per window) against a 5 % threshold (30 errors): a
/// window reaches it with probability below 1e-9; no run fails.
#[test]
fn a_good_canary_is_not_failed_when_the_threshold_is_above_its_noise() {
    assert_eq!(failure_share(&error_rate_below(0.05), 10.0, 0.01, 300), 0.0);
}

/// 2 % errors against a 1 % threshold: a window of n requests fails once it holds
/// ≥ 0.01 n errors. At 0.1 rps (6 requests a minute) a window often holds no error at
/// all (P ≈ 0.89) or no request (an Error measurement, retried), so detection is rare;
/// at 1 rps (60 a minute, P(no error) ≈ 0.30 per window) it is likely; at 10 rps it is
/// certain. Expected shares ≈ 0.3, ≈ 0.97, 1.0; asserted with wide margins (300 trials,
/// binomial sd ≤ 0.03).
#[test]
fn detection_grows_with_traffic() {
    let spec = error_rate_below(0.01);
    let low = failure_share(&spec, 0.1, 0.02, 300);
    let mid = failure_share(&spec, 1.0, 0.02, 300);
    let high = failure_share(&spec, 10.0, 0.02, 300);
    assert!(low < 0.5, "{low}");
    assert!(mid > 0.85, "{mid}");
    assert_eq!(high, 1.0);
}

/// The judge on the same traffic: a canary at 5 % errors against a clean stable version
/// fails; a canary as clean as the stable version passes.
#[test]
fn the_judge_catches_a_bad_canary_and_passes_a_good_one() {
    let spec = analysis(json!({"metrics": [{
        "name": "kayenta", "interval": "5m", "count": 1, "initialDelay": "5m",
        "provider": {"judge": {
            "algorithm": "mann-whitney", "step": "30s",
            "threshold": {"pass": 95, "marginal": 75},
            "metrics": [{"metric": "error_rate", "direction": "increase"}]
        }}
    }]}));
    assert_eq!(failure_share(&spec, 20.0, 0.05, 50), 1.0);
    assert_eq!(failure_share(&spec, 20.0, 0.0, 50), 0.0);
}
