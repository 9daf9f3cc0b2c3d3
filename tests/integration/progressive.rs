//! Argo Rollouts canary and blue-green, run the way a user runs the examples: the
//! capacity each strategy needs (upstream rules: a router keeps the stable at N; blue-green
//! brings the preview up next to the active pods) and what an abort records.

use super::yaml;
use rollout_sim::experiment::{Outcome, run_trials};
use rollout_sim::scenario::load_file;
use std::path::Path;

fn example(name: &str) -> rollout_sim::scenario::Scenario {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    load_file(&p, &[]).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn blue_green_peak_tasks_are_twice_the_replicas() {
    let s = example("blue-green.yaml");
    let n = s.service.replicas;
    for r in run_trials(&s, 0..30) {
        assert_eq!(r.outcome, Outcome::Completed);
        assert_eq!(r.peak_tasks, 2 * n, "trial {}", r.trial);
        // The active Service never loses its N pods.
        assert_eq!(r.min_available, n);
        let t = r.traffic.unwrap();
        assert_eq!(t.failed_requests, 0);
    }
}

#[test]
fn a_router_canary_keeps_the_stable_at_full_size() {
    // The stable never drops below N available, and the last step holds N canary pods
    // next to it: 2 N at the peak. Without a router the same steps never exceed
    // N + maxSurge (10 + 3) wanted pods.
    let routed = example("canary-router.yaml");
    let n = routed.service.replicas;
    for r in run_trials(&routed, 0..20) {
        assert_eq!(r.outcome, Outcome::Completed);
        assert_eq!(r.min_available, n);
        assert_eq!(r.peak_tasks, 2 * n);
    }
    let basic = example("canary-replica-ratio.yaml");
    for r in run_trials(&basic, 0..20) {
        assert_eq!(r.outcome, Outcome::Completed);
        // maxUnavailable 25 % of 10 = 2: never fewer than 8 available.
        assert!(r.min_available >= 8, "{r:?}");
        // 13 wanted at most, plus pods still terminating.
        assert!(r.peak_tasks < 2 * n, "{r:?}");
    }
}

/// `dynamicStableScale` behind a router: upstream `AtDesiredReplicaCountsForCanary` does not
/// look at the stable then (it follows the traffic). One replica at `setWeight: 87`: once
/// the canary pod is available (5 s) the weight goes to 87, the last step is done, the
/// weight goes to 100, the stable to 0, promoted, all in that instant. Reading the stable's
/// count too made the weight flap between 87 and 100 and the stable between 1 and 0 until
/// the livelock guard ended the trial as `timeout` at 5 s.
#[test]
fn a_dynamic_stable_scale_canary_of_one_replica_promotes() {
    let s = yaml(
        "cluster: {nodes: 1}\nservice:\n  replicas: 1\n  resources: {cpu: 1m}\n\
         \x20 versions: {current: {}, next: {start: 5s}}\n\
         strategy:\n  canary:\n    trafficRouting: {}\n    dynamicStableScale: true\n\
         \x20   steps: [{setWeight: 87}]\ntraffic: {rps: 10}\n",
    );
    for r in run_trials(&s, 0..5) {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 5_000_000));
        // One task of each version at the switch, no stable pods created and killed.
        assert_eq!(r.peak_tasks, 2, "{r:?}");
    }
}
#[test]
fn a_bad_release_without_analysis_is_never_detected() {
    // No analysis and no progress problem: nothing aborts, every trial promotes the bad
    // version, and the blast radius is its errors.
    let s = example("canary-bad-release.yaml");
    for r in run_trials(&s, 0..20) {
        assert_eq!(r.outcome, Outcome::Completed);
        let v = r.verdict.expect("a canary has a verdict");
        assert!(v.bad && !v.aborted && v.time_to_detect.is_none());
        assert!(r.traffic.unwrap().bad_version_requests > 0);
    }
}

#[test]
fn progress_deadline_abort_detects_a_release_that_never_gets_ready() {
    let s = yaml(
        r#"
horizon: 30m
service:
  replicas: 4
  readinessProbe: {periodSeconds: 2}
  versions:
    current: {}
    next: {ready_after: never}
strategy:
  canary:
    trafficRouting: {}
    progressDeadlineSeconds: 120
    progressDeadlineAbort: true
    steps: [{setWeight: 25}, {pause: {duration: 1m}}]
"#,
    );
    for r in run_trials(&s, 0..10) {
        assert_eq!(r.outcome, Outcome::RolledBack);
        let v = r.verdict.unwrap();
        assert!(v.bad && v.aborted);
        let t = v.time_to_detect.unwrap();
        // Strictly after the 120 s deadline counted from the last progress (the canary
        // pod's creation at 0 s, or its last state change).
        assert!(t > 120_000_000, "{t}");
        // The canary is kept abortScaleDownDelaySeconds (30 s) before it goes.
        assert!(r.duration >= t + 30_000_000);
    }
    // The same good release (it becomes ready) completes: no false rollback.
    let good = yaml(
        r#"
horizon: 30m
service: {replicas: 4, versions: {current: {}, next: {}}}
strategy:
  canary:
    trafficRouting: {}
    progressDeadlineSeconds: 120
    progressDeadlineAbort: true
    steps: [{setWeight: 25}, {pause: {duration: 1m}}]
"#,
    );
    for r in run_trials(&good, 0..10) {
        assert_eq!(r.outcome, Outcome::Completed);
        let v = r.verdict.unwrap();
        assert!(!v.bad && !v.aborted);
    }
}

/// A router canary of 4 replicas at 50 % weight whose `analysis` step measures the
/// canary's error rate every 30 s over the last 30 s, 3 times (`metric` is the list
/// item's condition and limit lines; `tail` adds top-level lines). The stable version has
/// no errors.
fn analysed(
    seed: u64,
    rps: f64,
    error_rate: f64,
    metric: &str,
    tail: &str,
) -> rollout_sim::scenario::Scenario {
    yaml(&format!(
        r#"
seed: {seed}
horizon: 1h
service:
  replicas: 4
  versions: {{current: {{error_rate: 0}}, next: {{error_rate: {error_rate}}}}}
strategy:
  canary:
    trafficRouting: {{}}
    steps:
      - setWeight: 50
      - analysis:
          metrics:
            - name: errors
              interval: 30s
              count: 3
              initialDelay: 30s
              {metric}
              provider: {{rollout-sim: {{metric: error_rate, of: canary, window: 30s}}}}
traffic: {{rps: {rps}}}
{tail}
"#
    ))
}

fn rolled_back(s: &rollout_sim::scenario::Scenario, trials: u64) -> usize {
    run_trials(s, 0..trials)
        .iter()
        .filter(|r| r.outcome == Outcome::RolledBack)
        .count()
}

#[test]
fn analysis_rolls_back_a_release_with_half_its_requests_failing() {
    // 50 % errors against `result < 0.05`: each window holds about 750 canary requests,
    // so a measurement below 5 % is many standard deviations away; the first failed
    // measurement fails the run (failureLimit 0) and aborts the rollout.
    let s = analysed(21, 50.0, 0.5, "successCondition: result < 0.05", "");
    let results = run_trials(&s, 0..200);
    let back = results
        .iter()
        .filter(|r| r.outcome == Outcome::RolledBack)
        .count();
    assert!(back >= 198, "{back} of 200 rolled back");
    for r in &results {
        let v = r.verdict.unwrap();
        if v.aborted {
            // Detected at a measurement: not before the 30 s initial delay.
            assert!(v.bad && v.time_to_detect.unwrap() >= 30_000_000);
        }
    }
}

#[test]
fn analysis_keeps_a_good_release_whose_noise_is_far_below_the_threshold() {
    // 0.1 % errors against `result < 0.05`: about 0.75 expected errors in a window of
    // 750 requests, a failure needs 38: a false rollback is (almost) impossible.
    let s = analysed(22, 50.0, 0.001, "successCondition: result < 0.05", "");
    let back = rolled_back(&s, 200);
    assert!(back <= 2, "{back} of 200 rolled back");
}

#[test]
fn detection_grows_with_traffic() {
    // A 2 % release against `result > 0.01`, failing only when all 3 measurements fail
    // (failureLimit 2). At 5 rps a window holds about 75 canary requests (1.5 expected
    // errors): a window with no error (probability e^-1.5 ≈ 22 %) passes, so the run
    // fails in about 0.78³ ≈ 47 % of trials. At 500 rps a window holds 7,500 requests
    // (150 expected errors, 75 needed): every trial is caught.
    let metric = "failureCondition: result > 0.01\n              failureLimit: 2";
    let low = rolled_back(&analysed(23, 5.0, 0.02, metric, ""), 200);
    let high = rolled_back(&analysed(23, 500.0, 0.02, metric, ""), 200);
    println!("rolled back at 5 rps: {low} of 200, at 500 rps: {high} of 200");
    // 200 × 0.47 = 94 expected, standard deviation 7: ±4.5 standard deviations.
    assert!((62..=126).contains(&low), "5 rps: {low} of 200");
    assert!(high >= 198, "500 rps: {high} of 200");
}

#[test]
fn an_inconclusive_step_analysis_pauses_until_promoted() {
    // 5 % errors: neither `result < 0.01` nor `result > 0.5` holds, so the measurement is
    // Inconclusive and the rollout pauses (`InconclusiveAnalysis`); a promote skips the
    // step (`promote.go:getPatches`), and the rollout completes after it. Without the
    // promote it waits for a human to the horizon: `paused` (`rollout/pause.go:
    // requiresManualAction` is true for `InconclusiveAnalysis`).
    let cond = "successCondition: result < 0.01\n              failureCondition: result > 0.5";
    let paused = analysed(24, 50.0, 0.05, cond, "");
    for r in run_trials(&paused, 0..10) {
        assert_eq!(r.outcome, Outcome::Paused, "{r:?}");
        assert_eq!(r.duration, paused.horizon);
        assert!(!r.verdict.unwrap().aborted);
    }
    let promoted = analysed(
        24,
        50.0,
        0.05,
        cond,
        "actions: [{at: 20m, rollout: promote}]",
    );
    for r in run_trials(&promoted, 0..10) {
        assert_eq!(r.outcome, Outcome::Completed, "{r:?}");
        assert!(r.duration >= 20 * 60_000_000);
    }
}

#[test]
fn an_analysis_without_traffic_is_refused() {
    let mut s = analysed(25, 50.0, 0.05, "successCondition: result < 0.01", "");
    s.traffic = None;
    let why = rollout_sim::trial::Workspace::supports(&s).unwrap_err();
    assert!(
        why.contains("strategy.canary") && why.contains("`traffic:`"),
        "{why}"
    );
}

/// A router canary of 4 replicas waiting at 25 % (an indefinite pause) with a bad
/// release, and the user's actions.
fn waiting(actions: &str) -> rollout_sim::scenario::Scenario {
    yaml(&format!(
        r#"
horizon: 1h
service:
  replicas: 4
  versions: {{current: {{error_rate: 0}}, next: {{error_rate: 0.05}}}}
strategy:
  canary:
    trafficRouting: {{}}
    steps: [{{setWeight: 25}}, {{pause: {{}}}}, {{setWeight: 50}}, {{pause: {{duration: 1m}}}}]
traffic: {{rps: 20}}
actions: {actions}
"#
    ))
}

#[test]
fn a_user_abort_rolls_back_but_is_not_a_detection() {
    // `kubectl argo rollouts abort` (cmd/abort/abort.go: status.abort = true): the same
    // abort as the controller's (weight 0, canary kept abortScaleDownDelaySeconds), but
    // `detected` counts only the rollout's own aborts.
    let s = waiting("[{at: 2m, rollout: abort}]");
    for r in run_trials(&s, 0..10) {
        assert_eq!(r.outcome, Outcome::RolledBack, "{r:?}");
        let v = r.verdict.unwrap();
        assert!(v.bad && !v.aborted && v.time_to_detect.is_none());
        // The canary goes 30 s after the abort at the earliest.
        assert!(r.duration >= 150_000_000, "{r:?}");
    }
}

#[test]
fn retry_starts_the_update_over_from_the_first_step() {
    // `retry` (cmd/retry/retry.go: status.abort = false) after the abort: step 0 again,
    // the canary back up, waiting at the indefinite pause until the promote at 10 m, then
    // 50 % and a 1 m pause: completed after 11 m.
    let s = waiting(
        "[{at: 2m, rollout: abort}, {at: 5m, rollout: retry}, {at: 10m, rollout: promote}]",
    );
    for r in run_trials(&s, 0..10) {
        assert_eq!(r.outcome, Outcome::Completed, "{r:?}");
        assert!(r.duration >= 660_000_000, "{r:?}");
        assert!(!r.verdict.unwrap().aborted);
    }
    // Without the retry the promote cannot revive an aborted rollout.
    let s = waiting("[{at: 2m, rollout: abort}, {at: 10m, rollout: promote}]");
    assert_eq!(super::trial(&s).outcome, Outcome::RolledBack);
}

#[test]
fn argo_actions_need_an_argo_strategy() {
    let text = "service: {replicas: 2, versions: {current: {}, next: {}}}\n\
                strategy: {kubernetes: {}}\nactions: [{at: 1m, rollout: retry}]\n";
    let err =
        rollout_sim::scenario::load_str(text, "t.yaml", rollout_sim::scenario::Format::Yaml, &[])
            .unwrap_err()
            .to_string();
    assert!(
        err.contains("actions.0") && err.contains("Argo Rollouts actions"),
        "{err}"
    );
}

#[test]
fn an_analysis_step_longer_than_the_progress_deadline_does_not_abort() {
    // argo-rollouts `isIndefiniteStep`: no progress deadline during a pause, analysis or
    // experiment step. Five measurements a minute apart outlast the 120 s deadline with no
    // pod changing; a good release still completes, with no abort and no Degraded mark.
    let s = yaml(
        r#"
seed: 26
horizon: 1h
service:
  replicas: 4
  versions: {current: {error_rate: 0}, next: {error_rate: 0}}
strategy:
  canary:
    trafficRouting: {}
    progressDeadlineSeconds: 120
    progressDeadlineAbort: true
    steps:
      - setWeight: 50
      - analysis:
          metrics:
            - name: errors
              interval: 1m
              count: 5
              successCondition: result < 0.05
              provider: {rollout-sim: {metric: error_rate, of: canary, window: 1m}}
traffic: {rps: 50}
"#,
    );
    for r in run_trials(&s, 0..10) {
        assert_eq!(r.outcome, Outcome::Completed, "{r:?}");
        assert!(r.duration >= 4 * 60_000_000, "{r:?}");
        assert_eq!(r.deadline_exceeded_at, None, "{r:?}");
        assert!(!r.verdict.unwrap().aborted);
    }
}

#[test]
fn a_router_canary_of_a_good_release_refuses_nothing() {
    // The weight is written once the canary pods are available, and reaches the proxies
    // through the same 1 s propagation as their endpoints, which started when the pods
    // became Ready: every weight meets its pods in rotation. (With the weight in force at
    // once, each step refused about 1 s of its share: 23.6 requests a trial.)
    let s = example("canary-router.yaml");
    for r in run_trials(&s, 0..50) {
        assert_eq!(r.outcome, Outcome::Completed);
        let t = r.traffic.unwrap();
        assert_eq!(t.refused_requests, 0, "trial {}", r.trial);
        assert!(t.next_requests > 0);
    }
}

/// A 4-replica router canary whose background analysis goes Inconclusive at 1 m and stays
/// so (a ready ratio is neither below 0 nor above 2), with `steps` (the `steps:` entry,
/// indented under `canary:`) and `tail` (top-level fields, e.g. `actions`).
fn never_deciding_canary(steps: &str, tail: &str) -> rollout_sim::scenario::Scenario {
    yaml(&format!(
        r#"
horizon: 30m
service:
  replicas: 4
strategy:
  canary:
    trafficRouting: {{}}
    analysis:
      metrics:
        - name: never-decides
          initialDelay: 1m
          successCondition: result < 0
          failureCondition: result > 2
          provider: {{rollout-sim: {{metric: ready_ratio, of: canary, window: 30s}}}}
    {steps}
traffic: {{rps: 20}}
{tail}
"#
    ))
}

/// A `promote` while a background run's `InconclusiveAnalysis` pause and a `pause` step's
/// `CanaryPauseStep` pause both hold clears both conditions
/// (argo-rollouts `pkg/kubectl-argo-rollouts/cmd/promote/promote.go:getPatches`: no step run
/// is Inconclusive, so it patches `pauseConditions: null` and leaves `controllerPause`), and
/// `rollout/pause.go:CompletedCanaryPauseStep` then finds the rollout unpaused by the user:
/// the pause step ends with that one promote. The background metric here is always
/// Inconclusive (a ready ratio is neither below 0 nor above 2); the replacement run
/// (`needsNewAnalysisRun`) measures 1 m after the promote, by which time the rollout has
/// promoted.
#[test]
fn one_promote_ends_an_inconclusive_pause_and_the_pause_step_under_it() {
    let s = never_deciding_canary(
        "steps: [{setWeight: 25}, {pause: {}}, {setWeight: 50}]",
        "actions: [{at: 2m, rollout: promote}]",
    );
    for r in run_trials(&s, 0..5) {
        assert_eq!(r.outcome, Outcome::Completed, "{r:?}");
        assert!((120_000_000..180_000_000).contains(&r.duration), "{r:?}");
    }
}

/// While a background run's `InconclusiveAnalysis` pause holds, the phase of the step run
/// is not read: argo-rollouts `rollout/analysis.go:reconcileStepBasedAnalysisRun` returns
/// the run untouched while any pause condition exists (and
/// `reconcileBackgroundAnalysisRun` while the Inconclusive one does), v1.10 (9f8d111). The
/// step run here fails its first measurement (a ready ratio is below 2) at 2 m, after the
/// background run went Inconclusive at 1 m: the rollout stays paused for a human instead
/// of aborting, and aborts only once a `promote` has cleared the pause.
#[test]
fn a_run_failing_under_an_inconclusive_pause_aborts_only_after_the_promote() {
    let scenario = |tail: &str| {
        never_deciding_canary(
            "steps:
      - setWeight: 25
      - analysis:
          metrics:
            - name: always-fails
              initialDelay: 2m
              failureCondition: result < 2
              provider: {rollout-sim: {metric: ready_ratio, of: canary, window: 30s}}",
            tail,
        )
    };
    for r in run_trials(&scenario(""), 0..3) {
        assert_eq!(r.outcome, Outcome::Paused, "{r:?}");
        assert!(!r.verdict.unwrap().aborted, "{r:?}");
    }
    let promoted = scenario("actions: [{at: 5m, rollout: promote}]");
    for r in run_trials(&promoted, 0..3) {
        assert_eq!(r.outcome, Outcome::RolledBack, "{r:?}");
        assert!(r.duration >= 5 * 60_000_000, "{r:?}");
    }
}

/// The `InconclusiveAnalysis` pause halts the scaling (`haltProgress`), not the steps:
/// argo-rollouts `rollout/canary.go:rolloutCanary` still reconciles the pause and
/// completes a step that needs no scaling (`syncRolloutStatusCanary`,
/// `completedCurrentCanaryStep`), v1.10 (9f8d111). The timed pause under way when the
/// background run goes Inconclusive (1 m) ends at 2 m; the `pause: {}` after it ends at
/// once, since the Inconclusive pause set `controllerPause` and no `CanaryPauseStep`
/// condition is added (`reconcileCanaryPause`, `rollout/pause.go:CompletedCanaryPauseStep`).
/// The rollout then waits at `setWeight: 50`, and the promote at 10 m lets it complete
/// before the replacement background run measures (11 m).
#[test]
fn steps_without_scaling_go_on_under_an_inconclusive_pause() {
    let s = never_deciding_canary(
        "steps: [{setWeight: 25}, {pause: {duration: 2m}}, {pause: {}}, {setWeight: 50}]",
        "actions: [{at: 10m, rollout: promote}]",
    );
    for r in run_trials(&s, 0..3) {
        assert_eq!(r.outcome, Outcome::Completed, "{r:?}");
        assert!((600_000_000..660_000_000).contains(&r.duration), "{r:?}");
    }
}
