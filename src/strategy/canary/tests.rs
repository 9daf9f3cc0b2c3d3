//! Whole trials of the Rollout controller against argo-rollouts' rules: the stable stays
//! at N behind a router (argo-rollouts `CalculateReplicaCountsForTrafficRoutedCanary`), the
//! basic canary settles on the approximated counts (`approximateWeightedCanaryStableReplicaCounts`),
//! blue-green peaks at N + preview, aborts and promotions.

use crate::cluster::TraceRecord;
use crate::experiment::{Outcome, TrialResult};
use crate::scenario::rollout::{
    BlueGreen, Canary, CanaryStep, RolloutKind, RolloutStrategy, TrafficRouting,
};
use crate::scenario::{Action, ActionKind, Dist, IntOrPercent, Probe, Scenario, Strategy};
use crate::sim::time::{SECOND, Time};
use crate::testkit;
use crate::trial::Workspace;

const S: Time = SECOND;

fn scenario(replicas: u32, kind: RolloutKind) -> Scenario {
    let mut s = testkit::kubernetes(replicas, S, testkit::rolling(1, 0));
    s.horizon = 3600 * S;
    let blue_green = matches!(kind, RolloutKind::BlueGreen(_));
    let cfg = RolloutStrategy {
        min_ready: 0,
        progress_deadline: Some(600 * S),
        progress_deadline_abort: false,
        kind,
    };
    s.strategy = if blue_green {
        Strategy::BlueGreen(cfg)
    } else {
        Strategy::Canary(cfg)
    };
    s
}

fn canary(steps: Vec<CanaryStep>, routed: bool) -> Canary {
    Canary {
        steps,
        max_surge: IntOrPercent::Int(1),
        max_unavailable: IntOrPercent::Int(0),
        traffic_routing: routed.then_some(TrafficRouting {
            header_share: 0.0,
            max_weight: 100,
        }),
        scale_down_delay: 30 * S,
        abort_scale_down_delay: 30 * S,
        abort_delay_explicit: false,
        dynamic_stable_scale: false,
        min_pods_per_replica_set: None,
        replica_progress_threshold: None,
        analysis: None,
        step_analyses: Vec::new(),
        experiments: Vec::new(),
        managed_routes: Vec::new(),
    }
}

fn run(s: &Scenario) -> (TrialResult, Vec<TraceRecord>) {
    Workspace::new(s).run_traced(0)
}

/// `(canary spec, stable spec)` after every scale.
fn scales(trace: &[TraceRecord]) -> Vec<(u32, u32)> {
    trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Scale { new, old, .. } => Some((new, old)),
            _ => None,
        })
        .collect()
}

/// `(t, canary spec, stable spec)` of the scales from `from` on.
fn scales_from(trace: &[TraceRecord], from: Time) -> Vec<(Time, u32, u32)> {
    trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Scale { t, new, old } if t >= from => Some((t, new, old)),
            _ => None,
        })
        .collect()
}

use CanaryStep::{Pause, SetWeight};

fn at(t: Time, kind: ActionKind) -> Action {
    Action { at: t, kind }
}

/// N = 4 behind a router, steps `steps`; the new pods take 50 s to start, so the canary
/// grown at a full promote at 100 s is available at 150 s.
fn routed(steps: Vec<CanaryStep>, actions: Vec<Action>) -> Scenario {
    let mut s = scenario(4, RolloutKind::Canary(canary(steps, true)));
    s.horizon = 600 * S;
    s.service.versions[1].start = Dist::Constant(50 * S);
    s.actions = actions;
    s
}

/// 100 requests a second, evenly spaced.
fn with_traffic(mut s: Scenario) -> Scenario {
    let text = "service: {}\ntraffic: {rps: 100, arrivals: constant}";
    s.traffic = crate::scenario::load_str(text, "traffic.yaml", crate::scenario::Format::Yaml, &[])
        .unwrap()
        .traffic;
    s
}

mod abort;
mod dynamic;
mod promote_full;
mod routes;
mod stamp;
mod user_pause;

#[test]
fn with_a_router_the_stable_stays_at_full_size() {
    // `CalculateReplicaCountsForTrafficRoutedCanary` (`trafficWeightToReplicas`): canary =
    // ceil(w × N / 100), stable = N until promotion.
    let steps = vec![
        SetWeight(10),
        Pause(Some(60 * S)),
        SetWeight(35),
        SetWeight(70),
    ];
    let s = scenario(10, RolloutKind::Canary(canary(steps, true)));
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed);
    let sc = scales(&trace);
    // Before promotion every scale keeps the stable at 10.
    let canaries: Vec<u32> = sc.iter().map(|&(c, _)| c).collect();
    assert_eq!(canaries, [1, 4, 7, 10], "{sc:?}");
    assert!(sc.iter().all(|&(_, st)| st == 10), "{sc:?}");
    // N stable + N canary at the last step.
    assert_eq!(r.peak_tasks, 20);
    assert_eq!(r.min_available, 10);
}

#[test]
fn min_pods_per_replica_set_raises_the_canary() {
    // CheckMinPodsPerReplicaSet: 5 % of 10 is 1 pod, raised to 3; the stable stays at N.
    let mut c = canary(vec![SetWeight(5), Pause(Some(60 * S))], true);
    c.min_pods_per_replica_set = Some(3);
    let (r, trace) = run(&scenario(10, RolloutKind::Canary(c)));
    assert_eq!(r.outcome, Outcome::Completed);
    let sc = scales(&trace);
    assert_eq!(sc[0], (3, 10));
    let before_promotion = sc.iter().take_while(|&&(canary, _)| canary < 10);
    assert!(before_promotion.clone().all(|&(_, stable)| stable == 10));
    assert!(before_promotion.skip(1).all(|&(canary, _)| canary >= 3));
}

#[test]
fn basic_canary_settles_on_the_approximated_counts() {
    // `approximateWeightedCanaryStableReplicaCounts` and
    // `CalculateReplicaCountsForBasicCanary` (argo-rollouts `utils/replicaset/canary.go`,
    // v1.10) at N=10, maxSurge 1 / maxUnavailable 0, steps 10, 20, 50, 80: settled 1/9,
    // 2/8, 5/5, 8/2, then 10/0.
    let steps = vec![SetWeight(10), SetWeight(20), SetWeight(50), SetWeight(80)];
    let s = scenario(10, RolloutKind::Canary(canary(steps, false)));
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed);
    let sc = scales(&trace);
    for settled in [(1, 9), (2, 8), (5, 5), (8, 2), (10, 0)] {
        assert!(sc.contains(&settled), "{settled:?} not in {sc:?}");
    }
    // maxSurge 1: never more than 11 pods wanted; maxUnavailable 0: 10 always available.
    assert!(sc.iter().all(|&(c, st)| c + st <= 11), "{sc:?}");
    assert_eq!(r.min_available, 10);
}

#[test]
fn an_indefinite_pause_waits_for_promote() {
    let steps = vec![SetWeight(20), Pause(None), SetWeight(60)];
    let mut s = scenario(5, RolloutKind::Canary(canary(steps, true)));
    s.actions = vec![Action {
        at: 900 * S,
        kind: ActionKind::Promote,
    }];
    let (r, _) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed);
    assert!(r.duration > 900 * S, "{}", r.duration);
    // Without the action the rollout never completes.
    s.actions.clear();
    s.horizon = 1200 * S;
    let (r, _) = run(&s);
    // argo-rollouts `rollout/pause.go:requiresManualAction`: a `CanaryPauseStep` at a
    // `pause` without `duration` waits for a human, as a Deployment still paused at the
    // horizon does: `paused`, at the horizon.
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 1200 * S));
}

/// `requiresManualAction` is false for a timed `pause` (`CompletedCanaryPauseStep` ends it
/// when its `duration` has passed): one still running at the horizon is `timeout`.
#[test]
fn a_timed_pause_longer_than_the_horizon_is_a_timeout() {
    let steps = vec![SetWeight(20), Pause(Some(3600 * S)), SetWeight(60)];
    let mut s = scenario(5, RolloutKind::Canary(canary(steps, true)));
    s.horizon = 1200 * S;
    let (r, trace) = run(&s);
    assert!(testkit::updates(&trace).contains(&"paused"), "{trace:?}");
    assert_eq!((r.outcome, r.duration), (Outcome::Timeout, 1200 * S));
}

/// A rollout that timed out (Degraded) and then progressed to an indefinite pause is
/// Paused, not Degraded: while a pause condition exists `calculateRolloutConditions`
/// (`rollout/sync.go`) replaces the `Progressing` condition with `RolloutPaused`, and
/// `CalculateRolloutPhase` (`utils/rollout/rolloututil.go`) reads Degraded only from a
/// `TimedOut` one.
#[test]
fn an_indefinite_pause_after_a_missed_deadline_is_paused() {
    let steps = vec![SetWeight(20), Pause(None), SetWeight(60)];
    let mut s = scenario(5, RolloutKind::Canary(canary(steps, true)));
    s.service.readiness_probe = Some(Probe {
        period: S,
        ..Probe::default()
    });
    // The canary pod is ready only after 300 s, past the 120 s deadline.
    s.service.versions[1].ready_after = Dist::Constant(300 * S);
    let (Strategy::Canary(r) | Strategy::BlueGreen(r)) = &mut s.strategy else {
        unreachable!()
    };
    r.progress_deadline = Some(120 * S);
    s.horizon = 900 * S;
    let (r, trace) = run(&s);
    let at = r
        .deadline_exceeded_at
        .expect("the deadline passed before the pause");
    assert!(at < 300 * S, "{at}");
    assert!(testkit::updates(&trace).contains(&"paused"), "{trace:?}");
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 900 * S));
}

/// A 5-replica canary (20 %, then a 60 s pause) whose new pods never become Ready, with a
/// 120 s progress deadline.
fn never_ready_canary() -> Scenario {
    let steps = vec![SetWeight(20), Pause(Some(60 * S))];
    let mut s = scenario(5, RolloutKind::Canary(canary(steps, true)));
    s.service.readiness_probe = Some(Probe {
        period: S,
        ..Probe::default()
    });
    s.service.versions[1].ready_after = Dist::Never;
    let (Strategy::Canary(r) | Strategy::BlueGreen(r)) = &mut s.strategy else {
        unreachable!()
    };
    r.progress_deadline = Some(120 * S);
    s
}

/// argo-rollouts `rollout/sync.go:requeueStuckRollout` (9f8d111): a reconcile that changes
/// nothing requeues the rollout `lastUpdateTime + progressDeadlineSeconds − now` later plus
/// one second ("to avoid milliseconds skew"), so with no other event the deadline is found
/// exceeded a second after it passed, as the Deployment controller's
/// (`requeueStuckDeployment`).
#[test]
fn the_progress_deadline_is_checked_a_second_after_it_passes() {
    let mut s = never_ready_canary();
    s.horizon = 600 * S;
    let (res, trace) = run(&s);
    assert_eq!(res.outcome, Outcome::DeadlineExceeded);
    // Last progress: the canary pod created at 0.
    let at = res.deadline_exceeded_at.expect("exceeded");
    assert!((121 * S..122 * S).contains(&at), "{at} {trace:?}");
}

#[test]
fn progress_deadline_abort_rolls_back_a_canary_that_never_becomes_ready() {
    let mut s = never_ready_canary();
    // Without progressDeadlineAbort: Degraded only, the update stays.
    s.horizon = 600 * S;
    let (res, _) = run(&s);
    assert_eq!(res.outcome, Outcome::DeadlineExceeded);
    let (Strategy::Canary(r) | Strategy::BlueGreen(r)) = &mut s.strategy else {
        unreachable!()
    };
    r.progress_deadline_abort = true;
    let (res, trace) = run(&s);
    assert_eq!(res.outcome, Outcome::RolledBack);
    let aborted = res
        .verdict
        .unwrap()
        .time_to_detect
        .expect("a never-ready canary is bad and detected");
    // Last progress: the canary pod created at 0; timed out strictly after 120 s.
    assert!((120 * S..125 * S).contains(&aborted), "{aborted}");
    // The canary is kept for abortScaleDownDelaySeconds (30 s) once stable is full.
    assert_eq!(res.duration, aborted + 30 * S);
    assert_eq!(scales(&trace).last(), Some(&(0, 5)));
}

fn blue_green(preview: Option<u32>, auto: bool) -> RolloutKind {
    RolloutKind::BlueGreen(BlueGreen {
        preview_replica_count: preview,
        auto_promotion_enabled: auto,
        auto_promotion_seconds: 0,
        scale_down_delay: 30 * S,
        abort_scale_down_delay: Some(30 * S),
        pre_promotion_analysis: None,
        post_promotion_analysis: None,
        preview_share: 0.0,
    })
}

/// A blue-green with auto-promotion `delay` after its preview is saturated
/// (`autoPromotionSeconds`).
fn auto_promoting_blue_green(delay: Time) -> RolloutKind {
    let mut kind = blue_green(None, true);
    if let RolloutKind::BlueGreen(b) = &mut kind {
        b.auto_promotion_seconds = delay;
    }
    kind
}

#[test]
fn blue_green_peaks_at_twice_the_replicas() {
    let s = scenario(6, blue_green(None, true));
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed);
    assert_eq!(r.peak_tasks, 12);
    assert_eq!(r.min_available, 6);
    assert_eq!(scales(&trace), [(6, 6)]);
}

#[test]
fn blue_green_preview_count_holds_until_promoted() {
    // previewReplicaCount 2, autoPromotionEnabled false: 6 + 2 pods until `promote`, then
    // the preview grows to 6 and the active Service switches.
    let mut s = scenario(6, blue_green(Some(2), false));
    s.horizon = 300 * S;
    let (r, trace) = run(&s);
    // `requiresManualAction`: a `BlueGreenPause` with `autoPromotionEnabled: false` waits
    // for a human.
    assert_eq!((r.outcome, r.duration), (Outcome::Paused, 300 * S));
    assert_eq!(r.peak_tasks, 8);
    assert_eq!(scales(&trace), [(2, 6)]);
    s.actions = vec![Action {
        at: 100 * S,
        kind: ActionKind::Promote,
    }];
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed);
    assert!(r.duration >= 100 * S);
    assert_eq!(scales(&trace), [(2, 6), (6, 6)]);
    assert_eq!(r.peak_tasks, 12);
}

/// `requiresManualAction` is false for a `BlueGreenPause` under auto-promotion
/// (`CompletedBlueGreenPause` ends it `autoPromotionSeconds` after it began): one still
/// running at the horizon is `timeout`.
#[test]
fn a_blue_green_auto_promotion_delay_past_the_horizon_is_a_timeout() {
    let kind = auto_promoting_blue_green(3600 * S);
    let mut s = scenario(6, kind);
    s.horizon = 300 * S;
    let (r, trace) = run(&s);
    assert!(testkit::updates(&trace).contains(&"paused"), "{trace:?}");
    assert_eq!((r.outcome, r.duration), (Outcome::Timeout, 300 * S));
}

/// A `promote` restarts a `BlueGreenPause` under auto-promotion instead of ending it: it
/// clears the condition, `rollout/pause.go:CompletedBlueGreenPause` then answers from
/// `autoPromotionSeconds` alone ("we never paused the rollout": no switch), and the next
/// reconcile, with `controllerPause` gone, adds a new condition
/// (`rollout/bluegreen.go:reconcileBlueGreenPause`), argo-rollouts 9f8d111.
#[test]
fn a_promote_restarts_a_blue_green_auto_promotion_countdown() {
    let kind = auto_promoting_blue_green(300 * S);
    let mut s = scenario(6, kind);
    s.actions = vec![Action {
        at: 100 * S,
        kind: ActionKind::Promote,
    }];
    let (r, trace) = run(&s);
    assert_eq!(r.outcome, Outcome::Completed, "{trace:?}");
    assert!(r.duration >= 400 * S, "{}", r.duration);
    let updates = testkit::updates(&trace);
    let pauses = updates.iter().filter(|u| **u == "paused").count();
    assert_eq!(pauses, 2, "{updates:?}");
}

/// argo-rollouts `rollout/sync.go` `calculateRolloutConditions`: a paused rollout that
/// resumes sets `Progressing` (`RolloutResumed`) afresh, and the active Service's switch is
/// itself progress. A pause longer than the deadline, with no event in it, must neither time
/// out at its end nor abort the switch made in that same reconcile.
#[test]
fn a_long_blue_green_pause_does_not_use_up_the_progress_deadline() {
    let kind = auto_promoting_blue_green(300 * S);
    let mut s = scenario(6, kind);
    let (Strategy::Canary(r) | Strategy::BlueGreen(r)) = &mut s.strategy else {
        unreachable!()
    };
    r.progress_deadline = Some(120 * S);
    r.progress_deadline_abort = true;
    let (res, trace) = run(&s);
    assert_eq!(res.outcome, Outcome::Completed, "{trace:?}");
    assert!(res.duration >= 300 * S, "{}", res.duration);
    let updates = testkit::updates(&trace);
    assert!(!updates.contains(&"deadline_exceeded"), "{updates:?}");
    assert!(!updates.contains(&"rollback_started"), "{updates:?}");
    // The same with the user's promote after 200 s of an indefinite pause.
    let mut s = scenario(6, blue_green(None, false));
    let (Strategy::Canary(r) | Strategy::BlueGreen(r)) = &mut s.strategy else {
        unreachable!()
    };
    r.progress_deadline = Some(120 * S);
    r.progress_deadline_abort = true;
    s.actions = vec![Action {
        at: 200 * S,
        kind: ActionKind::Promote,
    }];
    let (res, trace) = run(&s);
    assert_eq!(res.outcome, Outcome::Completed, "{trace:?}");
}

#[test]
fn max_traffic_weight_scales_the_weights() {
    // maxTrafficWeight 1000: setWeight 5 is 0.5 % (one pod of 10, ceil), 500 is half
    // (5 pods); after the last step the weight is 1000 (`GetCurrentSetWeight`) and the
    // canary N (utils/replicaset/canary.go:trafficWeightToReplicas with maxWeight).
    let mut c = canary(
        vec![SetWeight(5), SetWeight(500), Pause(Some(60 * S))],
        true,
    );
    c.traffic_routing = Some(TrafficRouting {
        header_share: 0.0,
        max_weight: 1000,
    });
    let (r, trace) = run(&scenario(10, RolloutKind::Canary(c)));
    assert_eq!(r.outcome, Outcome::Completed);
    let canary: Vec<u32> = scales(&trace).iter().map(|&(c, _)| c).collect();
    assert_eq!(&canary[..3], &[1, 5, 10]);
}

/// argo-rollouts `rollout/bluegreen.go:syncRolloutStatusBlueGreen` reports the ready and
/// available pods of the ReplicaSet the active Service selects, and
/// `utils/conditions/conditions.go:RolloutProgressing` only counts their growth: preview
/// pods becoming available one by one before the switch do not hold the progress deadline
/// off (their creation at the start does). Four preview pods ready between 60 s and 300 s,
/// a 120 s deadline with `progressDeadlineAbort`: aborted just after 120 s.
#[test]
fn preview_pods_becoming_available_are_not_progress() {
    let mut s = scenario(4, blue_green(None, true));
    s.service.readiness_probe = Some(Probe {
        period: S,
        ..Probe::default()
    });
    s.service.versions[1].ready_after = Dist::Uniform {
        min: 60 * S,
        max: 300 * S,
    };
    let (Strategy::Canary(r) | Strategy::BlueGreen(r)) = &mut s.strategy else {
        unreachable!()
    };
    r.progress_deadline = Some(120 * S);
    r.progress_deadline_abort = true;
    let (res, trace) = run(&s);
    // The preview pods do come up before 300 s, one after another, each within 120 s of
    // the one before (so counting them as progress would let the switch happen).
    let ready: Vec<Time> = trace
        .iter()
        .filter_map(|e| match *e {
            TraceRecord::Task {
                t,
                version: 1,
                state: crate::cluster::TaskState::Ready,
                ..
            } => Some(t),
            _ => None,
        })
        .collect();
    assert!(ready.iter().any(|&t| t < 120 * S), "{ready:?}");
    assert!(ready.windows(2).all(|w| w[1] - w[0] < 120 * S), "{ready:?}");
    assert_eq!(
        res.outcome,
        Outcome::RolledBack,
        "{:?}",
        testkit::updates(&trace)
    );
    let aborted = trace
        .iter()
        .find_map(|e| match *e {
            TraceRecord::Update {
                t,
                state: "rollback_started",
                ..
            } => Some(t),
            _ => None,
        })
        .expect("aborted");
    assert!((120 * S..125 * S).contains(&aborted), "{aborted}");
}

/// argo-rollouts `rollout/replicaset.go:reconcileNewReplicaSet` (at 9f8d111d): on an abort,
/// the new ReplicaSet's `scale-down-deadline` is annotated only once the stable ReplicaSet is
/// fully available ("the deadline scales the canary to zero unconditionally"), for
/// blue-green as for a routed canary; until then the new pods stay. Here every stable pod
/// crash-loops from 100 s, and the user aborts at 101 s: the preview pods must stay, where
/// a delay counted from the abort scaled them to 0 at 131 s and left nothing to serve.
#[test]
fn a_blue_green_abort_keeps_the_preview_while_the_stable_is_not_fully_available() {
    let mut s = scenario(4, blue_green(None, false));
    s.horizon = 600 * S;
    s.service.readiness_probe = Some(Probe {
        period: S,
        ..Probe::default()
    });
    s.service.versions[0].crash_probability = 1.0;
    s.service.versions[0].crash_after = Dist::Constant(100 * S);
    s.actions = vec![Action {
        at: 101 * S,
        kind: ActionKind::Abort,
    }];
    let (res, trace) = run(&s);
    assert_eq!(res.outcome, Outcome::Timeout);
    assert!(testkit::updates(&trace).contains(&"rollback_started"));
    assert_eq!(scales(&trace), [(4, 4)], "{trace:?}");
    let preview_stopped = trace.iter().any(|e| {
        matches!(
            e,
            TraceRecord::Task {
                version: 1,
                state: crate::cluster::TaskState::Terminating,
                ..
            }
        )
    });
    assert!(!preview_stopped);
}
