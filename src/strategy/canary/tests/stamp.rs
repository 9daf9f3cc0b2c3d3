//! The Rollout's timers count from times as the controller reads them back from the API,
//! in whole seconds: a pause condition's `startTime` (argo-rollouts 9f8d111
//! `rollout/pause.go:CompletedCanaryPauseStep`, `CompletedBlueGreenPause`,
//! `checkEnqueueRolloutDuringWait`), the `scale-down-deadline` annotation
//! (`rollout/replicaset.go:addScaleDownDelay`, RFC 3339) and the `Progressing` condition's
//! `lastUpdateTime` (`utils/conditions/conditions.go:RolloutTimedOut`). Each trial starts
//! the timer at a fractional second (new pods start in 1.4 s) and checks it ends at the
//! whole second plus the duration.

use super::*;
use crate::scenario::{Format, load_str};

/// New pods start (and are Ready) 1.4 s after creation.
const START: Time = 1_400_000;

fn fractional(mut s: Scenario) -> Scenario {
    s.service.versions[1] = testkit::version("next", START);
    s
}

/// When the trace first records `state`, and that it is at a fractional second.
fn first_update(trace: &[TraceRecord], state: &str) -> Time {
    let t = trace
        .iter()
        .find_map(|e| match e {
            TraceRecord::Update { t, state: s, .. } if *s == state => Some(*t),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no {state} in {trace:?}"));
    assert_ne!(
        t % S,
        0,
        "{state} at {t}: the test needs a fractional second"
    );
    t
}

/// When the first scale after `after` happened.
fn next_scale(trace: &[TraceRecord], after: Time) -> (Time, u32, u32) {
    trace
        .iter()
        .find_map(|e| match *e {
            TraceRecord::Scale { t, new, old } if t > after => Some((t, new, old)),
            _ => None,
        })
        .expect("a scale after")
}

fn whole(t: Time) -> Time {
    t - t % S
}

#[test]
fn a_canary_pause_ends_a_duration_after_its_whole_second() {
    let steps = vec![SetWeight(20), Pause(Some(60 * S)), SetWeight(60)];
    let s = fractional(scenario(5, RolloutKind::Canary(canary(steps, true))));
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed);
    let paused = first_update(&trace, "paused");
    // The 60 % step's scale-up is the pause's end: 60 s after the stamped start.
    assert_eq!(next_scale(&trace, paused), (whole(paused) + 60 * S, 3, 5));
}

#[test]
fn a_blue_green_auto_promotion_counts_from_its_whole_second() {
    let kind = auto_promoting_blue_green(60 * S);
    let s = fractional(scenario(3, kind));
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed);
    let paused = first_update(&trace, "paused");
    let switched = trace
        .iter()
        .find_map(|e| match e {
            TraceRecord::Update { t, state, .. } if *state == "switched" => Some(*t),
            _ => None,
        })
        .expect("switched");
    assert_eq!(switched, whole(paused) + 60 * S);
}

/// A trial of `strategy` (YAML) whose traffic is measured for two minutes, so the cluster
/// keeps running past the promotion and the old ReplicaSet's scale-down is traced.
fn measured_past_promotion(strategy: &str) -> (TrialResult, Vec<TraceRecord>) {
    let text = format!(
        "service:
  replicas: 3
  versions:
    current: {{image: web:1.0}}
    next: {{image: web:1.1, start: 1.4s}}
strategy: {strategy}
traffic: {{rps: 10, duration: 120s}}
horizon: 10m
"
    );
    let s = load_str(&text, "t.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
    run(&s)
}

#[test]
fn the_scale_down_deadline_is_written_in_whole_seconds() {
    // Canary behind a router: the old stable is kept `scaleDownDelaySeconds` (30 s).
    let (r, trace) =
        measured_past_promotion("{canary: {trafficRouting: {}, steps: [{setWeight: 50}]}}");
    assert_eq!(r.outcome, Outcome::Completed);
    let done = first_update(&trace, "completed");
    assert_eq!(next_scale(&trace, done), (whole(done) + 30 * S, 3, 0));
    // Blue-green: the same for the previous active ReplicaSet.
    let (r, trace) = measured_past_promotion("{blueGreen: {}}");
    assert_eq!(r.outcome, Outcome::Completed);
    let done = first_update(&trace, "completed");
    assert_eq!(next_scale(&trace, done), (whole(done) + 30 * S, 3, 0));
}

#[test]
fn the_abort_scale_down_deadline_is_written_in_whole_seconds() {
    // The user aborts at 100.5 s during an indefinite pause: traffic and stable are back
    // at once, and the canary goes `abortScaleDownDelaySeconds` (30 s) after 100 s.
    let steps = vec![SetWeight(20), Pause(None)];
    let mut s = scenario(5, RolloutKind::Canary(canary(steps, true)));
    s.actions = vec![Action {
        at: 100 * S + S / 2,
        kind: ActionKind::Abort,
    }];
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::RolledBack);
    let aborted = first_update(&trace, "rollback_started");
    assert_eq!(next_scale(&trace, aborted), (130 * S, 0, 5));
    assert_eq!(r.duration, 130 * S);
}

#[test]
fn the_progress_deadline_counts_from_the_whole_second_of_the_last_progress() {
    // Room for six pods: the second canary pod, created when the user promotes past the
    // pause at 100.5 s, stays Pending, so the last progress is then.
    let steps = vec![SetWeight(20), Pause(None), SetWeight(40)];
    let mut s = scenario(5, RolloutKind::Canary(canary(steps, true)));
    s.cluster.nodes[0].cpu_millis = 6 * s.service.resources.cpu_millis;
    let (Strategy::Canary(r) | Strategy::BlueGreen(r)) = &mut s.strategy else {
        unreachable!()
    };
    r.progress_deadline = Some(120 * S);
    s.actions = vec![Action {
        at: 100 * S + S / 2,
        kind: ActionKind::Promote,
    }];
    s.horizon = 600 * S;
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::DeadlineExceeded, "{trace:?}");
    // Stored `lastUpdateTime` 100 s: past at 220 s, found a second later
    // (`requeueStuckRollout`).
    assert_eq!(r.deadline_exceeded_at, Some(221 * S), "{trace:?}");
}

/// The reconcile that renews the `Progressing` condition does not also find it timed out,
/// even when a deadline shorter than the fraction the stored `lastUpdateTime` loses has
/// passed from the whole second: `calculateRolloutConditions` takes the
/// `RolloutProgressing` case first (and `checkPausedConditions` writes `RolloutResumed` on
/// its own update); only a later reconcile reads the stored time back and times out.
#[test]
fn the_reconcile_that_progressed_does_not_time_out() {
    // New pods Ready at once, room for six: the pause is reached at 0, and the second
    // canary pod, created by the promote at 100.7 s, stays Pending.
    let steps = vec![SetWeight(20), Pause(None), SetWeight(40)];
    let mut s = scenario(5, RolloutKind::Canary(canary(steps, true)));
    s.service.versions[1] = testkit::version("next", 0);
    s.cluster.nodes[0].cpu_millis = 6 * s.service.resources.cpu_millis;
    let (Strategy::Canary(r) | Strategy::BlueGreen(r)) = &mut s.strategy else {
        unreachable!()
    };
    r.progress_deadline = Some(S / 2);
    let promote = 100 * S + 700_000;
    s.actions = vec![Action {
        at: promote,
        kind: ActionKind::Promote,
    }];
    let (r, trace) = run(&s);
    let at = r.deadline_exceeded_at.expect("exceeded");
    assert_eq!(at, promote + 1, "{trace:?}");
}

/// A `retry` writes a `RolloutRetry` Progressing condition (`checkPausedConditions`,
/// `rollout/sync.go`), whose `lastUpdateTime` the deadline then counts from, in whole
/// seconds: a never-ready canary aborted at 10.5 s and retried at 20.7 s (its pod still
/// there, so nothing progresses after) times out past 140 s, found at 141 s.
#[test]
fn a_retry_restarts_the_progress_deadline_from_its_whole_second() {
    let mut s = never_ready_canary();
    s.actions = vec![
        Action {
            at: 10 * S + S / 2,
            kind: ActionKind::Abort,
        },
        Action {
            at: 20 * S + 700_000,
            kind: ActionKind::Retry,
        },
    ];
    s.horizon = 600 * S;
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::DeadlineExceeded, "{trace:?}");
    assert_eq!(r.deadline_exceeded_at, Some(141 * S), "{trace:?}");
}
