//! Argo Rollouts' `experiment` step (argo-rollouts 9f8d111 `rollout/experiment.go`,
//! `experiments/experiment.go`): the templates' ReplicaSets beside the Rollout's, the
//! Experiment available once every template's pods are, Successful `duration` later or
//! when its required analyses are, its pods kept `scaleDownDelaySeconds` after; a Failed
//! analysis or a template past its deadline aborts the rollout.

use super::{traffic, yaml};
use rollout_sim::cluster::TraceRecord;
use rollout_sim::experiment::Outcome;
use rollout_sim::sim::time::SECOND;
use rollout_sim::trial::Workspace;

/// Ten replicas on room for `room` pods, image cached, the new version up `start` after
/// its container starts; one experiment step (`experiment`, YAML flow map) then
/// `setWeight: 100`.
fn scenario(
    room: u32,
    start: &str,
    experiment: &str,
    extra: &str,
) -> rollout_sim::scenario::Scenario {
    yaml(&format!(
        r#"
horizon: 1h
cluster: {{nodes: 1, node: {{cpu: "{room}", memory: 64Gi}}, image_cached: [current, next]}}
service:
  replicas: 10
  resources: {{cpu: "1", memory: 1Mi}}
  versions:
    current: {{shutdown: 0s}}
    next: {{start: {start}, shutdown: 0s, error_rate: 0.2}}
strategy:
  canary:
    trafficRouting: {{}}
    progressDeadlineSeconds: 60
    steps:
      - experiment: {experiment}
      - setWeight: 100
{extra}
"#
    ))
}

/// Why the scenario `text` is refused.
fn load_error(text: &str) -> String {
    rollout_sim::scenario::load_str(text, "t.yaml", rollout_sim::scenario::Format::Yaml, &[])
        .unwrap_err()
        .to_string()
}

fn updates(trace: &[TraceRecord]) -> Vec<(f64, &'static str, Option<String>)> {
    trace
        .iter()
        .filter_map(|e| match e {
            TraceRecord::Update { t, state, message } => {
                Some((*t as f64 / SECOND as f64, *state, message.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_step_ends_duration_after_the_templates_are_available_and_their_pods_stay_the_delay() {
    // The templates' pods are up at 10 s (whole seconds: availableAt = 10 s), so the
    // Experiment is Successful at 310 s; the canary's ten pods come up at 320 s, and the
    // promotion completes then. 10 stable + 10 canary + 2 experiment pods, kept 30 s after
    // 310 s, is the peak; with no delay the experiment's pods are gone before.
    let exp =
        "{duration: 5m, templates: [{name: base, specRef: stable}, {name: can, specRef: canary}]}";
    for (delay, peak, min_ready) in [("", 22, 11), (", scaleDownDelaySeconds: 0", 20, 10)] {
        let e = format!("{}{delay}}}", &exp[..exp.len() - 1]);
        let s = scenario(64, "10s", &e, "");
        let (r, trace) = Workspace::new(&s).run_traced(0);
        assert_eq!(r.outcome, Outcome::Completed);
        assert_eq!(r.duration, 320 * SECOND, "{:?}", updates(&trace));
        assert_eq!(r.peak_tasks, peak, "scaleDownDelaySeconds{delay}");
        assert_eq!(r.min_ready, min_ready);
    }
}

#[test]
fn required_analyses_end_the_experiment_before_its_duration() {
    // Three measurements of the baseline's ready ratio, at 0 s, 30 s and 60 s: Successful
    // at 60 s, so the 10-minute duration is cut short and the promotion comes at 60 s
    // (the new version starts at once).
    let e = "{duration: 10m, templates: [{name: base, specRef: stable}], analyses: [{name: up, \
             requiredForCompletion: true, metrics: [{name: r, interval: 30s, count: 3, \
             successCondition: result >= 1, provider: {rollout-sim: {metric: ready_ratio, of: stable, window: 30s}}}]}]}";
    let s = scenario(64, "0s", e, "traffic: {rps: 10}");
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome, Outcome::Completed, "{:?}", updates(&trace));
    assert_eq!(r.duration, 60 * SECOND, "{:?}", updates(&trace));
}

#[test]
fn a_template_with_no_room_fails_at_its_deadline_and_aborts_the_rollout() {
    // Room for the ten stable pods only: the template's pod stays Pending, and the
    // template is Failed `progressDeadlineSeconds` (60 s) after it was created.
    let e = "{duration: 5m, templates: [{name: can, specRef: canary}]}";
    let s = scenario(10, "0s", e, "");
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome, Outcome::RolledBack);
    let u = updates(&trace);
    let (t, _, why) = u
        .iter()
        .find(|(_, s, _)| *s == "rollback_started")
        .expect("an abort");
    assert_eq!(*t, 60.0);
    assert!(
        why.as_deref()
            .unwrap()
            .contains("Template 'can' exceeded its progressDeadlineSeconds (60)"),
        "{why:?}"
    );
}

#[test]
fn the_router_gives_the_templates_their_weight_and_an_analysis_reads_them() {
    // The experiment's canary pod gets 5 % of 200 rps from t = 0 (its pods start at
    // once); over the 250 s until the horizon that is 2,500 of 50,000 requests, the
    // binomial's sd 49. Its 20 % errors fail an analysis of its error rate (failureLimit
    // 0: the first Failed measurement aborts): the first measurement, at 0 s, finds an
    // empty window (an Error), the retry 10 s later (`DefaultErrorRetryInterval`) reads
    // its 100 requests of those 10 s.
    let e = "{duration: 1h, templates: [{name: base, specRef: stable, weight: 5}, {name: can, \
             specRef: canary, weight: 5}]}";
    let mut s = scenario(64, "0s", e, "traffic: {rps: 200}");
    s.horizon = 250 * SECOND;
    let r = Workspace::new(&s).run(0);
    let t = traffic(&r);
    let share = t.next_requests as f64 / t.requests as f64;
    assert!((share - 0.05).abs() < 4.0 * 0.00098, "{share}");
    assert_eq!(r.outcome, Outcome::Timeout);

    let e = "{duration: 1h, templates: [{name: base, specRef: stable, weight: 5}, {name: can, \
             specRef: canary, weight: 5}], analyses: [{name: errors, metrics: [{name: e, \
             interval: 30s, failureLimit: 0, successCondition: result < 0.05, provider: \
             {rollout-sim: {metric: error_rate, of: canary, window: 30s}}}]}]}";
    let s = scenario(64, "0s", e, "traffic: {rps: 200}");
    let (r, trace) = Workspace::new(&s).run_traced(0);
    assert_eq!(r.outcome, Outcome::RolledBack);
    let u = updates(&trace);
    let (t, _, _) = u.iter().find(|(_, s, _)| *s == "rollback_started").unwrap();
    assert_eq!(*t, 10.0, "{u:?}");
    // The users never reached the Rollout's own canary: only the experiment's pod served
    // the new version.
    assert!(traffic(&r).bad_release_requests.unwrap() > 0);
}

/// A `retry` after an abort starts the rollout over from step 0, and the step's
/// Experiment is created again (upstream `createExperimentWithCollisionHandling` names it
/// with a `-1` suffix, its ReplicaSets new): its pods run as versions of their own,
/// `exp0-can-1`, beside the first Experiment's, which stay the scale-down delay (30 s)
/// after the abort cancelled it at 10 s.
#[test]
fn a_retry_creates_the_steps_experiment_again_beside_the_first_ones_pods() {
    let e = "{duration: 1h, templates: [{name: base, specRef: stable, weight: 5}, {name: can, \
             specRef: canary, weight: 5}], analyses: [{name: errors, metrics: [{name: e, \
             interval: 30s, failureLimit: 0, successCondition: result < 0.05, provider: \
             {rollout-sim: {metric: error_rate, of: canary, window: 30s}}}]}]}";
    let s = scenario(
        64,
        "0s",
        e,
        "traffic: {rps: 200}\nactions: [{at: 20s, rollout: retry}]",
    );
    let names: Vec<&str> = s.service.versions.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "current",
            "next",
            "exp0-base",
            "exp0-can",
            "exp0-base-1",
            "exp0-can-1"
        ]
    );
    let (r, trace) = Workspace::new(&s).run_traced(0);
    let u = updates(&trace);
    let at = |state: &str| -> Vec<f64> {
        u.iter()
            .filter(|(_, s, _)| *s == state)
            .map(|(t, ..)| *t)
            .collect()
    };
    // Aborted at 10 s, retried at 20 s, aborted again 10 s into the second Experiment.
    assert_eq!(at("experiment_created"), [0.0, 20.0], "{u:?}");
    assert_eq!(at("rollback_started"), [10.0, 30.0], "{u:?}");
    assert_eq!(r.outcome, Outcome::RolledBack);
    // Caught at the first abort: the retry lifts it, but it stays the detection.
    let v = r.verdict.expect("a canary has a verdict");
    assert!(v.bad && v.aborted, "{v:?}");
    assert_eq!(v.time_to_detect, Some(10 * SECOND));
    // Pods of each Experiment's canary template: the first's from 0 s until the delay
    // after the abort, the second's from the retry.
    let pods = |version: u8| -> Vec<(f64, String)> {
        trace
            .iter()
            .filter_map(|e| match e {
                TraceRecord::Task {
                    t,
                    version: v,
                    state,
                    ..
                } if *v == version => Some((*t as f64 / SECOND as f64, format!("{state:?}"))),
                _ => None,
            })
            .collect()
    };
    let first = pods(3);
    let second = pods(5);
    assert_eq!(first.first().map(|p| p.0), Some(0.0), "{first:?}");
    // The first's pod is still up at the trial's end (30 s, the second abort: the stable
    // never changed), within the delay; the second's from the retry. Both at once: ten
    // stable pods and two of each Experiment.
    assert!(first.iter().all(|(_, s)| s != "Terminating"), "{first:?}");
    assert_eq!(second.first().map(|p| p.0), Some(20.0), "{second:?}");
    assert_eq!((r.duration, r.peak_tasks), (30 * SECOND, 14));
    // Promoted fully after the retry, the bad release completes: still caught at 10 s.
    let s = scenario(
        64,
        "0s",
        e,
        "traffic: {rps: 200}\nactions: [{at: 20s, rollout: retry}, {at: 25s, rollout: promote, full: true}]",
    );
    let r = Workspace::new(&s).run(0);
    assert_eq!(r.outcome, Outcome::Completed, "{r:?}");
    let v = r.verdict.expect("a canary has a verdict");
    assert_eq!((v.aborted, v.time_to_detect), (true, Some(10 * SECOND)));
}

#[test]
fn bad_experiment_fields_are_refused_with_their_paths() {
    let refused = |experiment: &str, routing: &str, extra: &str, expected: &str| {
        let text = format!(
            "service: {{replicas: 2}}\nstrategy:\n  canary:\n    {routing}\n    steps:\n      - experiment: {experiment}\n{extra}"
        );
        let err = load_error(&text);
        assert!(err.contains(expected), "{err}");
    };
    refused(
        "{templates: [{name: a, specRef: canary, weight: 5}]}",
        "maxSurge: 1",
        "",
        "strategy.canary.steps.0.experiment.templates.0.weight: requires `trafficRouting`",
    );
    refused(
        "{templates: [{name: a, specRef: canary}, {name: a, specRef: stable}]}",
        "trafficRouting: {}",
        "",
        "template name `a` is used twice",
    );
    refused(
        "{templates: [{name: a, specRef: baseline}]}",
        "trafficRouting: {}",
        "",
        "strategy.canary.steps.0.experiment.templates.0.specRef",
    );
    refused(
        "{templates: [{name: a, specRef: canary}], analyses: [{name: x, metrics: [{name: m, \
         provider: {rollout-sim: {metric: error_rate, of: stable, window: 1m}}}]}]}",
        "trafficRouting: {}",
        "traffic: {rps: 1}",
        "no template has `specRef: stable`",
    );
    refused(
        "{templates: [{name: a, specRef: canary, weight: 60}, {name: b, specRef: stable, weight: 50}]}",
        "trafficRouting: {}",
        "",
        "strategy.canary.steps.0: the templates' weights (110) and the canary's weight at this step (0)",
    );
}

#[test]
fn an_analysis_of_a_template_the_router_sends_nothing_is_refused() {
    let text = "service: {replicas: 2}\nstrategy:\n  canary:\n    trafficRouting: {}\n    steps:\n      \
                - experiment: {duration: 5m, templates: [{name: c, specRef: canary}], analyses: \
                [{name: x, metrics: [{name: m, provider: {rollout-sim: {metric: error_rate, of: \
                canary, window: 1m}}}]}]}\ntraffic: {rps: 1}\n";
    let err = load_error(text);
    assert!(
        err.contains("metric `m` needs the requests of template `c`, but behind the router it gets none without a `weight`"),
        "{err}"
    );
}

#[test]
fn template_weights_beyond_what_the_stable_has_left_are_refused() {
    let text = "service: {replicas: 2}\nstrategy:\n  canary:\n    trafficRouting: {}\n    steps:\n      \
                - setWeight: 80\n      - experiment: {duration: 5m, templates: [{name: c, specRef: \
                canary, weight: 30}]}\n";
    let err = load_error(text);
    assert!(
        err.contains("strategy.canary.steps.1: the templates' weights (30) and the canary's weight at this step (80)"),
        "{err}"
    );
}

#[test]
fn an_inconclusive_experiment_pauses_the_rollout_and_a_promote_does_not_get_past_it() {
    // The ready ratio (1) meets neither condition: the first measurement, at 0 s, is
    // Inconclusive (`inconclusiveLimit: 0`), and so is the Experiment. The rollout pauses
    // (`InconclusiveExperiment`, a pause waiting for a human: `paused` at the horizon). A
    // `promote` clears the condition, which the next reconcile adds again; `promote
    // --full` cancels the Experiment and promotes.
    let e = "{duration: 5m, templates: [{name: base, specRef: stable}], analyses: [{name: odd, \
             metrics: [{name: r, successCondition: result > 2, failureCondition: result < 0, \
             inconclusiveLimit: 0, provider: {rollout-sim: {metric: ready_ratio, of: stable}}}]}]}";
    for (actions, outcome) in [
        ("", Outcome::Paused),
        ("actions: [{at: 1m, rollout: promote}]", Outcome::Paused),
        (
            "actions: [{at: 1m, rollout: promote, full: true}]",
            Outcome::Completed,
        ),
    ] {
        let s = scenario(64, "0s", e, &format!("traffic: {{rps: 10}}\n{actions}"));
        let (r, trace) = Workspace::new(&s).run_traced(0);
        let u = updates(&trace);
        assert_eq!(r.outcome, outcome, "{actions}: {u:?}");
        assert!(
            u.iter().any(|(t, s, m)| *t == 0.0
                && *s == "paused"
                && m.as_deref() == Some("InconclusiveExperiment")),
            "{u:?}"
        );
        if outcome == Outcome::Completed {
            assert_eq!(r.duration, 60 * SECOND, "{u:?}");
        }
    }
}

#[test]
fn a_basic_canary_sends_the_templates_their_replica_share() {
    // No router: the Service spans the experiment's two new-version pods beside the ten
    // stable ones, so 2 of 12 requests go to the new version (the binomial's sd over
    // 20,000 requests is 0.26 %).
    let s = yaml(
        r#"
horizon: 100s
cluster: {nodes: 1, node: {cpu: "64", memory: 64Gi}, image_cached: [current, next]}
service:
  replicas: 10
  resources: {cpu: "1", memory: 1Mi}
strategy:
  canary:
    steps:
      - experiment: {duration: 1h, templates: [{name: can, specRef: canary, replicas: 2}]}
traffic: {rps: 200}
"#,
    );
    let r = Workspace::new(&s).run(0);
    let t = traffic(&r);
    let share = t.next_requests as f64 / t.requests as f64;
    assert!((share - 2.0 / 12.0).abs() < 4.0 * 0.0026, "{share}");
    assert_eq!(r.peak_tasks, 12);
}
