//! Every example scenario loads and runs, and behaves as its comment says.

use rollout_sim::experiment::{Outcome, run_trials};
use rollout_sim::scenario::load_file;
use std::path::Path;

fn load(name: &str) -> rollout_sim::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    load_file(&path, &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn share(rows: &[rollout_sim::experiment::TrialResult], o: Outcome) -> f64 {
    rows.iter().filter(|r| r.outcome == o).count() as f64 / rows.len() as f64
}

#[test]
fn every_example_scenario_loads_and_runs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "json") {
            let s = load_file(&path, &[]).unwrap_or_else(|e| panic!("{e}"));
            let rows = run_trials(&s, 0..20);
            assert_eq!(rows.len(), 20, "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 5);
}

#[test]
fn stop_first_and_start_first_trade_capacity_for_availability() {
    let stop = run_trials(&load("swarm-stop-first.yaml"), 0..300);
    let start = run_trials(&load("swarm-start-first.yaml"), 0..300);
    let max = |rows: &[rollout_sim::experiment::TrialResult],
               f: fn(&rollout_sim::experiment::TrialResult) -> u32| {
        rows.iter().map(f).max().unwrap()
    };
    let min = |rows: &[rollout_sim::experiment::TrialResult],
               f: fn(&rollout_sim::experiment::TrialResult) -> u32| {
        rows.iter().map(f).min().unwrap()
    };
    // stop-first serves on 4 of 6 while a pair is replaced; start-first never drops below 6
    // but holds 2 extra tasks. (Stop-first's new tasks also hold resources while the old
    // ones drain, so its peak can reach 8 too.)
    assert_eq!(max(&stop, |r| r.min_ready), 4);
    assert!(max(&stop, |r| r.peak_tasks) <= 8);
    assert_eq!(min(&start, |r| r.min_ready), 6);
    assert_eq!(max(&start, |r| r.peak_tasks), 8);
    assert_eq!(share(&stop, Outcome::Completed), 1.0);
    assert_eq!(share(&start, Outcome::Completed), 1.0);
}

#[test]
fn the_bad_version_rolls_back() {
    let rows = run_trials(&load("swarm-bad-version-rollback.yaml"), 0..200);
    assert_eq!(share(&rows, Outcome::RolledBack), 1.0);
    assert!(rows.iter().all(|r| r.update_failures >= 1));
}

#[test]
fn start_first_on_a_cluster_too_small_hangs_pending() {
    let rows = run_trials(&load("swarm-cluster-too-small.yaml"), 0..50);
    assert_eq!(share(&rows, Outcome::Timeout), 1.0);
}

#[test]
fn the_bench_scenario_matches_its_description() {
    // The SimPy model of the same rollout, `benches/simpy/bench_swarm.py`, gives p50 130.2 s,
    // p95 149.2 s over 20,000 trials.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bench-swarm.yaml");
    let s = load_file(&path, &[]).unwrap();
    let mut d: Vec<f64> = run_trials(&s, 0..3000)
        .iter()
        .map(|r| r.duration as f64 / 1e6)
        .collect();
    d.sort_by(f64::total_cmp);
    let (p50, p95) = (d[1500], d[2850]);
    assert!((p50 - 130.0).abs() < 3.0, "p50 {p50}");
    assert!((p95 - 149.0).abs() < 4.0, "p95 {p95}");
}

/// The `scale` records of trial `k`'s trace, as (t in µs, new, old).
fn scale_steps(s: &rollout_sim::scenario::Scenario, k: u64) -> Vec<(u64, u32, u32)> {
    let (_, trace) = rollout_sim::trial::Workspace::new(s).run_traced(k);
    trace
        .iter()
        .filter_map(|e| match *e {
            rollout_sim::cluster::TraceRecord::Scale { t, new, old } => Some((t, new, old)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_paused_rollout_waits_for_its_resume() {
    // No ReplicaSet changes from the pause (30 s) to the resume (5 m); every trial
    // completes after the resume, and none reports the 2-minute deadline (kubernetes
    // progress.go: the paused time does not count).
    let s = load("k8s-pause-manual-check.yaml");
    let rows = run_trials(&s, 0..100);
    assert_eq!(share(&rows, Outcome::Completed), 1.0);
    assert!(rows.iter().all(|r| r.duration > 300_000_000));
    assert!(rows.iter().all(|r| r.deadline_exceeded_at.is_none()));
    for k in 0..20 {
        let steps = scale_steps(&s, k);
        assert!(
            steps.iter().all(|x| x.0 < 30_000_000 || x.0 >= 300_000_000),
            "trial {k}: {steps:?}"
        );
    }
}

#[test]
fn the_autoscaler_step_scales_both_replica_sets_and_the_rollout_ends_at_20() {
    // At 20 s every trial is mid-rollout (both ReplicaSets active, Σ = 13): proportional
    // scaling keeps Σ = 20 + maxSurge 5 = 25, and the rollout ends with 20 new, 0 old.
    let s = load("k8s-autoscale-mid-rollout.yaml");
    for k in 0..20 {
        let steps = scale_steps(&s, k);
        let at = steps
            .iter()
            .find(|x| x.0 == 20_000_000)
            .expect("a scale at 20 s");
        assert_eq!(at.1 + at.2, 25, "trial {k}: {steps:?}");
        assert_eq!(steps.last().map(|x| (x.1, x.2)), Some((20, 0)), "trial {k}");
    }
    let rows = run_trials(&s, 0..100);
    assert_eq!(share(&rows, Outcome::Completed), 1.0);
}
