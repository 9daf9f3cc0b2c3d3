//! `scenarios/canary-detection.yaml` as the README's sweep runs it (`--set` on the error
//! rate and the traffic), against the closed form of its analysis.
//!
//! The canary takes 1 % of the requests; each of the analysis step's 3 measurements counts
//! the canary's requests of a 1-minute window and fails when their error rate is at least
//! 1 % (`successCondition: result < 0.01`); the run fails at the second failure
//! (`failureLimit: 1`, argo-rollouts `analysis/analysis.go:assessMetricFailureInconclusiveOrError`,
//! `failed > failureLimit`). At 50 rps a window holds Poisson(30) canary requests (it
//! counts whole seconds, and every measurement falls on a whole second, as `initialDelay`
//! and `interval` count from the run's `startedAt` and `finishedAt` read back in whole
//! seconds: 60 of them), so one error fails it; the errors are Poisson(30 e) for an error
//! rate e (a thinned Poisson), so a measurement fails with p = 1 − exp(−30 e) and the run
//! with 3p²(1 − p) + p³.

use rollout_sim::experiment::run_trials;
use rollout_sim::scenario::{Override, Scenario, load_file};
use std::path::Path;

fn detection(sets: &[&str], trials: u64) -> f64 {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/canary-detection.yaml");
    let o: Vec<Override> = sets.iter().map(|s| s.parse().unwrap()).collect();
    let s: Scenario = load_file(&p, &o).unwrap_or_else(|e| panic!("{e}"));
    let caught = run_trials(&s, 0..trials)
        .iter()
        .filter(|r| r.verdict.unwrap().aborted)
        .count();
    caught as f64 / trials as f64
}

/// The run's failure probability for a per-measurement failure probability `p`.
fn two_of_three(p: f64) -> f64 {
    3.0 * p * p * (1.0 - p) + p * p * p
}

#[test]
fn detection_collapses_at_low_traffic_as_the_closed_form_says() {
    let trials = 1000;
    // 2 %: p = 1 − e^−0.6 = 0.451, the run fails in 42.7 % (sd over 1,000 trials 1.6 %;
    // 100,000 trials give 42.65 %).
    let low2 = detection(&["service.versions.next.error_rate=0.02"], trials);
    let want = two_of_three(1.0 - (-30.0 * 0.02f64).exp());
    assert!(
        (want - 0.05..=want + 0.05).contains(&low2),
        "2 %: {low2} vs {want}"
    );
    // 5 %: p = 1 − e^−1.5, 87.3 % (sd 1.1 %; 100,000 trials give 87.18 %).
    let low5 = detection(&["service.versions.next.error_rate=0.05"], trials);
    let want = two_of_three(1.0 - (-30.0 * 0.05f64).exp());
    assert!(
        (want - 0.035..=want + 0.035).contains(&low5),
        "5 %: {low5} vs {want}"
    );
    // At 5,000 rps a window holds 3,000 canary requests: 60 errors expected at 2 %, 30
    // needed. Every trial is caught.
    let high2 = detection(
        &["service.versions.next.error_rate=0.02", "traffic.rps=5000"],
        200,
    );
    assert_eq!(high2, 1.0);
}

#[test]
fn a_step_weight_and_an_interval_are_sweepable_paths() {
    // `--set` reaches into the steps list by item number: a 20 % first step at 50 rps
    // holds 600 canary requests a window (2 % ⇒ 12 errors, 6 needed): all caught; a 30 s
    // interval at the 1 % step halves the window and the detection drops.
    let wide = detection(
        &[
            "service.versions.next.error_rate=0.02",
            "strategy.canary.steps.0.setWeight=20",
        ],
        200,
    );
    assert!(wide >= 0.99, "{wide}");
    let short = detection(
        &[
            "service.versions.next.error_rate=0.02",
            "strategy.canary.steps.1.analysis.metrics.0.interval=30s",
        ],
        1000,
    );
    // 14.5 requests a window (29 whole seconds): p = 1 − e^−0.29 = 0.252, the run fails
    // in 16.0 %.
    let want = two_of_three(1.0 - (-14.5 * 0.02f64).exp());
    assert!(
        (want - 0.05..=want + 0.05).contains(&short),
        "{short} vs {want}"
    );
}
