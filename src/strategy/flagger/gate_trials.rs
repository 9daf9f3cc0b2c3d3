//! Whole trials of Flagger's gates: `analysis.webhooks` to the flagger-loadtester and the
//! scenario's `gate` / `rollback` actions (`fluxcd/flagger@15bd6ad`, v1.44.0,
//! `pkg/controller/scheduler.go:advanceCanary`, `scheduler_hooks.go`,
//! `pkg/loadtester/server.go`).

use crate::cluster::TraceRecord;
use crate::experiment::{Outcome, TrialResult, run_trials};
use crate::scenario::{Format, Scenario, load_str};
use crate::sim::time::{MINUTE, Time};
use crate::trial::Workspace;

/// 4 pods, a good release at 50 rps, stepWeight 10 to 50 every minute with a 99 %
/// success-rate check (threshold 5), these webhooks (`type` → url path on the
/// loadtester) and actions (YAML flow items).
fn scenario(hooks: &[(&str, &str)], errors: f64, actions: &str) -> Scenario {
    let hooks: Vec<String> = hooks
        .iter()
        .map(|(t, path)| {
            format!("{{name: {t}, type: {t}, url: 'http://flagger-loadtester.test{path}'}}")
        })
        .collect();
    let text = format!(
        "service:
  replicas: 4
  versions:
    current: {{image: web:1.0, shutdown: 1s, error_rate: 0.001}}
    next: {{image: web:1.1, start: 2s, shutdown: 1s, error_rate: {errors}}}
  readinessProbe: {{periodSeconds: 2, failureThreshold: 3}}
strategy:
  flagger:
    analysis:
      interval: 1m
      threshold: 5
      stepWeight: 10
      maxWeight: 50
      metrics: [{{name: request-success-rate, thresholdRange: {{min: 99}}}}]
      webhooks: [{}]
actions: [{actions}]
traffic: {{rps: 50}}
horizon: 40m
",
        hooks.join(", ")
    );
    load_str(&text, "t.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn trials(s: &Scenario) -> Vec<TrialResult> {
    run_trials(s, 0..4)
}

/// The update states with their instant and message.
fn updates(trace: &[TraceRecord]) -> Vec<(Time, &'static str, Option<String>)> {
    trace
        .iter()
        .filter_map(|e| match e {
            TraceRecord::Update { t, state, message } => Some((*t, *state, message.clone())),
            _ => None,
        })
        .collect()
}

/// A closed `confirm-rollout` gate keeps the canary at zero (no pod of `next`, no request
/// to it) until the horizon, where Flagger still waits for a human: `paused`. The trace
/// says why at tick 0, once (`runConfirmRolloutHooks` records the event on the way into
/// Waiting only).
#[test]
fn a_closed_confirm_rollout_gate_holds_the_canary_at_zero_and_ends_paused() {
    let s = scenario(&[("confirm-rollout", "/gate/check")], 0.001, "");
    for r in trials(&s) {
        assert_eq!((r.outcome, r.duration), (Outcome::Paused, 40 * MINUTE));
        assert_eq!(r.peak_tasks, 4);
        assert_eq!(r.traffic.unwrap().next_requests, 0);
    }
    let (_, trace) = Workspace::new(&s).run_traced(0);
    let waits: Vec<_> = updates(&trace)
        .into_iter()
        .filter(|u| u.1 == "waiting")
        .collect();
    assert_eq!(
        waits,
        [(
            0,
            "waiting",
            Some("Halt advancement waiting for approval confirm-rollout".into())
        )]
    );
}

/// `{gate: open}` at 5m30s is seen at the next tick (6 m, Flagger asks only from
/// `advanceCanary`): the canary scales up then, and the rest of the loop runs as without
/// the gate (8 intervals): completed at 14 m. The `confirm-promotion` hook reads the same
/// gate (the loadtester keys it by the Canary's name), so it is open too.
#[test]
fn an_opened_gate_is_seen_at_the_next_tick() {
    let hooks = [
        ("confirm-rollout", "/gate/check"),
        ("confirm-promotion", "/gate/check"),
    ];
    let s = scenario(&hooks, 0.001, "{at: 5m30s, gate: open}");
    for r in trials(&s) {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 14 * MINUTE));
    }
    let (_, trace) = Workspace::new(&s).run_traced(0);
    let progressing = updates(&trace)
        .into_iter()
        .find(|u| u.1 == "progressing")
        .unwrap();
    assert_eq!(progressing.0, 6 * MINUTE);
    // An action at the tick's very instant is applied before the tick; one just after
    // waits a whole interval.
    let at_tick = scenario(&hooks, 0.001, "{at: 6m, gate: open}");
    let after = scenario(&hooks, 0.001, "{at: 6m1s, gate: open}");
    for (s, end) in [(at_tick, 14), (after, 15)] {
        for r in trials(&s) {
            assert_eq!((r.outcome, r.duration), (Outcome::Completed, end * MINUTE));
        }
    }
}

/// A `confirm-promotion` gate closed again before the canary reaches 50 % (tick 6) holds
/// it there in WaitingPromotion, checks running, weight 50 % — the canary's requests go on
/// — until `{gate: open}` at 20m30s: promoted at the 21 m tick, completed at 23 m. Never
/// opened, it ends `paused` at the horizon.
#[test]
fn a_closed_promotion_gate_holds_the_canary_at_max_weight() {
    let hooks = [("confirm-promotion", "/gate/check")];
    let s = scenario(&hooks, 0.001, "{at: 20m30s, gate: open}");
    for r in trials(&s) {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 23 * MINUTE));
        // Half of 50 rps from ~6 m to 21 m at least.
        let next = r.traffic.unwrap().next_requests as f64;
        assert!(next > 0.5 * 50.0 * 15.0 * 60.0 * 0.95, "{next}");
    }
    let (_, trace) = Workspace::new(&s).run_traced(0);
    let wait = updates(&trace)
        .into_iter()
        .find(|u| u.1 == "waiting_promotion")
        .unwrap();
    assert_eq!(
        wait,
        (
            6 * MINUTE,
            "waiting_promotion",
            Some("Halt advancement waiting for promotion approval confirm-promotion".into())
        )
    );
    let s = scenario(&hooks, 0.001, "");
    for r in trials(&s) {
        assert_eq!((r.outcome, r.duration), (Outcome::Paused, 40 * MINUTE));
    }
}

/// The analysis goes on behind a closed `confirm-promotion` gate (`/gate/halt`: never
/// opens): failed checks still count in WaitingPromotion and roll back at the threshold.
/// A release at 1 % errors against a 99 % minimum passes about half its checks at the 50 %
/// step (tick 1 sets it, maxWeight 50); the first pass asks the gate and waits, and the
/// checks failing after it reach `threshold` (5) well before the horizon: every trial is
/// rolled back, most after some wait at the gate (none would be if the analysis stopped
/// there: they would end `paused`).
#[test]
fn failed_checks_roll_back_a_canary_waiting_for_promotion() {
    let mut s = scenario(&[("confirm-promotion", "/gate/halt")], 0.01, "");
    let crate::scenario::Strategy::Flagger(cfg) = &mut s.strategy else {
        unreachable!("a Flagger scenario")
    };
    cfg.step_weight = 50;
    let rs = run_trials(&s, 0..20);
    assert!(
        rs.iter().all(|r| r.outcome == Outcome::RolledBack),
        "{rs:?}"
    );
    // Five failures in a row from tick 2 would roll back at 7 m with no wait.
    let waited = rs.iter().filter(|r| r.duration > 7 * MINUTE).count();
    assert!(waited >= 10, "{waited}/20");
}

/// `{rollback: open}` (POST `/rollback/open`) with a `rollback` hook to `/rollback/check`:
/// the next tick in Progressing rolls back (`runRollbackHooks`, "manual webhook invoked"):
/// all traffic to the primary, canary scaled to zero, `rolled_back`. A human's rollback,
/// so neither a detection nor a false rollback (as an Argo user abort). Not asked while the canary waits at a `confirm-rollout` gate (phase
/// Waiting returns before it): that canary stays paused.
#[test]
fn an_opened_rollback_gate_rolls_the_canary_back_at_the_next_tick() {
    let s = scenario(
        &[("rollback", "/rollback/check")],
        0.001,
        "{at: 3m10s, rollback: open}",
    );
    for r in trials(&s) {
        assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 4 * MINUTE));
        assert!(r.verdict.is_some_and(|v| !v.aborted && !v.bad));
    }
    let (_, trace) = Workspace::new(&s).run_traced(0);
    let started = updates(&trace)
        .into_iter()
        .find(|u| u.1 == "rollback_started")
        .unwrap();
    assert_eq!(
        started,
        (
            4 * MINUTE,
            "rollback_started",
            Some("Rolling back: manual webhook rollback invoked".into())
        )
    );
    let s = scenario(
        &[
            ("confirm-rollout", "/gate/halt"),
            ("rollback", "/rollback/check"),
        ],
        0.001,
        "{at: 30s, rollback: open}",
    );
    for r in trials(&s) {
        assert_eq!(r.outcome, Outcome::Paused);
    }
}

/// A `rollout` webhook is asked at every analysis before the metrics
/// (`scheduler.go:runAnalysis`): to a closed `/gate/check` it fails every analysis from
/// tick 2, so the canary is rolled back at tick 2 + threshold (7 m) though its metrics
/// pass, the trace naming the hook; the gate opened before tick 2 lets it complete as
/// without the hook (8 m).
#[test]
fn a_rollout_hook_to_a_closed_gate_fails_the_analysis() {
    let s = scenario(&[("rollout", "/gate/check")], 0.001, "");
    for r in trials(&s) {
        assert_eq!((r.outcome, r.duration), (Outcome::RolledBack, 7 * MINUTE));
    }
    let (_, trace) = Workspace::new(&s).run_traced(0);
    let halts: Vec<Time> = updates(&trace)
        .into_iter()
        .filter(|u| u.2.as_deref() == Some("Halt advancement external check rollout failed"))
        .map(|u| u.0)
        .collect();
    assert_eq!(halts, (2..7).map(|k| k * MINUTE).collect::<Vec<_>>());
    let open = scenario(
        &[("rollout", "/gate/check")],
        0.001,
        "{at: 1m30s, gate: open}",
    );
    for r in trials(&open) {
        assert_eq!((r.outcome, r.duration), (Outcome::Completed, 8 * MINUTE));
    }
}
