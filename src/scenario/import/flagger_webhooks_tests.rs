//! A Canary's webhooks: copied when the scenario's reader
//! (`src/strategy/flagger/webhooks.rs`) runs them, else left out with its reason.

use super::super::flagger::tests::{canary_draft, left_out};
use super::*;
use serde_json::json;

/// The tutorial's load test (`fluxcd/flagger` `docs/gitbook/tutorials/kubernetes-blue-green.md`).
const TUTORIAL: &str = "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/";
const RUNNER: &str = "http://flagger-loadtester.test/";
const TO: &str = "strategy.flagger.analysis";
const HOOKS: &str = "strategy.flagger.analysis.webhooks";

/// The draft of a Canary `web` with `analysis`, targeting a Deployment `web`.
fn draft(analysis: Value) -> Draft {
    canary_draft(json!({ "analysis": analysis }))
}

/// A progressive analysis with `hooks`.
fn with_hooks(hooks: Value) -> Draft {
    draft(json!({"interval": "1m", "threshold": 5, "stepWeight": 10, "webhooks": hooks}))
}

fn comments(d: &Draft) -> Vec<&str> {
    d.comments_at(HOOKS).collect()
}

#[test]
fn the_tutorials_load_test_is_copied_as_written() {
    let hook = json!({"name": "load-test", "url": RUNNER, "timeout": "5s",
                      "metadata": {"type": "cmd", "cmd": TUTORIAL, "logCmdOutput": "true"}});
    let d = with_hooks(json!([hook.clone()]));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(left_out(&d), []);
    assert_eq!(d.get(&format!("{TO}.webhooks")), Some(&json!([hook])));
    assert_eq!(
        d.origin(&format!("{TO}.webhooks.0.metadata.cmd"))
            .as_deref(),
        Some("spec.analysis.webhooks.0.metadata.cmd")
    );
    // No gate is read: nothing to open.
    let said = comments(&d);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].starts_with(
            "load-test: a load test of 20 requests a second to the canary's pods for 60s"
        ),
        "{}",
        said[0]
    );
    // `type: rollout` written out is the same hook.
    let typed = json!({"name": "load-test", "type": "rollout", "url": RUNNER,
                       "metadata": {"cmd": TUTORIAL}});
    let d = with_hooks(json!([typed.clone()]));
    assert_eq!(left_out(&d), []);
    assert_eq!(d.get(&format!("{TO}.webhooks")), Some(&json!([typed])));
}

#[test]
fn a_load_test_the_simulator_refuses_is_left_out_with_its_reason() {
    let d = with_hooks(json!([
        {"name": "unpaced", "url": RUNNER,
         "metadata": {"cmd": "hey -z 1m -c 2 http://podinfo-canary.test:9898/"}},
        {"name": "grpc", "url": RUNNER,
         "metadata": {"type": "cmd", "cmd": "ghz -z 1m --insecure podinfo-canary.test:9898"}},
        {"name": "smoke", "type": "rollout", "url": RUNNER,
         "metadata": {"type": "bash", "cmd": "curl -s http://podinfo-canary.test:9898/"}},
        {"name": "primary", "url": RUNNER,
         "metadata": {"cmd": "hey -z 1m -q 10 -c 2 http://podinfo-primary.test:9898/"}},
        {"name": "nothing", "url": RUNNER},
    ]));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.get(&format!("{TO}.webhooks")), None);
    assert_eq!(comments(&d), Vec::<&str>::new());
    let out = left_out(&d);
    let reasons = [
        "metadata.cmd: the command has no `-q`",
        "metadata.cmd: the command runs `ghz`; only `hey` load tests are simulated",
        "metadata.type: the loadtester's `bash` tasks are not simulated",
        "metadata.cmd: the command targets \"http://podinfo-primary.test:9898/\"; only a load \
         test of the canary's own Service",
        ": a `rollout` or `pre-rollout` webhook to the loadtester's task runner needs \
         `metadata.cmd`",
    ];
    assert_eq!(out.len(), reasons.len(), "{out:#?}");
    for (i, ((path, why), reason)) in out.iter().zip(reasons).enumerate() {
        assert_eq!(path, &format!("spec.analysis.webhooks.{i}"));
        let head = "a `rollout` webhook (run at every check: a load tester or an acceptance \
                    test) is not simulated";
        assert!(why.starts_with(head), "{why}");
        assert!(why.contains(reason), "{reason}: {why}");
        assert!(
            why.ends_with(
                "Left out, the canary's checks see only its weight's share of the users' \
                 requests, and no answer of the webhook fails a check"
            ),
            "{why}"
        );
    }
}

/// The gates' comment is about the gates: written when a copied hook reads one, not for
/// a load test alone, nor for `/gate/approve`, which reads none.
#[test]
fn the_gates_comment_comes_with_a_hook_reading_a_gate() {
    let load = json!({"name": "load", "url": RUNNER, "metadata": {"cmd": TUTORIAL}});
    let gate = |path: &str| {
        json!({"name": "ask", "type": "confirm-rollout",
               "url": format!("http://flagger-loadtester.test{path}")})
    };
    let gates_said = |d: &Draft| comments(d).iter().any(|c| c.contains("gates start closed"));
    let d = with_hooks(json!([load.clone(), gate("/gate/check")]));
    assert_eq!(left_out(&d), []);
    assert!(gates_said(&d));
    assert_eq!(
        d.get(&format!("{TO}.webhooks"))
            .and_then(Value::as_array)
            .map(Vec::len),
        Some(2)
    );
    assert!(!gates_said(&with_hooks(json!([load.clone()]))));
    assert!(!gates_said(&with_hooks(json!([gate("/gate/approve")]))));
    assert!(gates_said(&with_hooks(json!([
        {"name": "undo", "type": "rollback", "url": "http://lt/rollback/check"}
    ]))));
}

/// Blue/green: with a load test copied its metrics are copied too (`run` accepts them);
/// with the load test left out, the hook says the scenario would be refused and the
/// metrics are left out.
#[test]
fn a_blue_green_keeps_its_metrics_with_a_load_test() {
    let metrics = json!([{"name": "request-success-rate", "thresholdRange": {"min": 99}}]);
    let analysis = |cmd: &str| {
        json!({"interval": "30s", "threshold": 2, "iterations": 10, "metrics": metrics,
               "webhooks": [{"name": "load-test", "url": RUNNER, "metadata": {"cmd": cmd}}]})
    };
    let d = draft(analysis(TUTORIAL));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(left_out(&d), []);
    assert_eq!(d.get(&format!("{TO}.metrics")), Some(&metrics));
    assert_eq!(d.get(&format!("{TO}.iterations")), Some(&json!(10)));

    let d = draft(analysis("hey -z 1m -c 2 http://podinfo-canary.test:9898/"));
    assert_eq!(d.get(&format!("{TO}.metrics")), None);
    assert_eq!(d.get(&format!("{TO}.webhooks")), None);
    let out = left_out(&d);
    let paths: Vec<&str> = out.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["spec.analysis.webhooks.0", "spec.analysis.metrics"]);
    assert!(
        out[0].1.contains(
            "Left out, a blue/green canary gets none of the users' requests, so without a load \
             test its checks would have no values and fail every time: the scenario is refused \
             with `iterations`, `metrics` and no load test"
        ),
        "{}",
        out[0].1
    );
    assert!(
        out[1].1.contains("would be refused with the metrics"),
        "{}",
        out[1].1
    );
}

/// A refused hook beside a load test that is copied: the blue/green gets its requests
/// from the one copied, so the other's effect is the progressive one.
#[test]
fn a_second_load_test_left_out_beside_one_copied_changes_no_blue_green() {
    let d = draft(json!({"interval": "30s", "threshold": 2, "iterations": 10,
    "metrics": [{"name": "request-duration", "thresholdRange": {"max": 500}}],
    "webhooks": [
        {"name": "ghz", "url": RUNNER, "metadata": {"cmd": "ghz podinfo-canary:9999"}},
        {"name": "load-test", "url": RUNNER, "metadata": {"cmd": TUTORIAL}},
    ]}));
    let out = left_out(&d);
    assert_eq!(out.len(), 1, "{out:?}");
    assert!(
        out[0].1.contains("Left out, the canary's checks see only"),
        "{}",
        out[0].1
    );
    assert!(d.get(&format!("{TO}.metrics")).is_some());
}

/// What the type alone leaves out, and a gate type to another url, say what they did
/// before; a `pre-rollout` acceptance test (a `bash` task) says why and what leaving it out
/// changes, while a `pre-rollout` load test is copied; a `type` the CRD lacks is copied
/// for the scenario's parser to refuse.
#[test]
fn other_types_keep_their_messages_and_an_unknown_type_is_copied() {
    let d = with_hooks(json!([
        {"name": "acceptance", "type": "pre-rollout", "url": RUNNER,
         "metadata": {"type": "bash",
                      "cmd": "curl -sd 'test' http://podinfo-canary.test:9898/token | grep token"}},
        {"name": "notify", "type": "post-rollout", "url": "http://approvals/"},
        {"name": "ask", "type": "confirm-rollout", "url": "http://approvals/"},
        {"name": "odd", "type": "confirm", "url": "http://lt/gate/check"},
        {"name": "pre", "type": "pre-rollout", "url": RUNNER, "metadata": {"cmd": TUTORIAL}},
    ]));
    let out = left_out(&d);
    assert_eq!(
        out,
        [
            (
                "spec.analysis.webhooks.0".to_string(),
                "a `pre-rollout` webhook (run at the analysis' first tick: an acceptance test \
                 or a load test) is not simulated: metadata.type: the loadtester's `bash` \
                 tasks are not simulated; only `cmd` (the default) running a `hey` load test \
                 is. Left out, the analysis starts without it, and no answer of the webhook \
                 fails a check"
                    .to_string()
            ),
            (
                "spec.analysis.webhooks.1".to_string(),
                "a `post-rollout` webhook (called around the analysis) is not simulated: the \
                 simulated canary goes on without it"
                    .to_string()
            ),
            (
                "spec.analysis.webhooks.2".to_string(),
                "a `confirm-rollout` webhook (a gate Flagger waits at until it answers 200) \
                 is not simulated: the simulated canary goes on at once; only the \
                 flagger-loadtester's `/gate/approve`, `/gate/halt`, `/gate/check` and \
                 `/rollback/check` are simulated"
                    .to_string()
            ),
        ]
    );
    assert_eq!(d.get(HOOKS).map(|h| &h[0]["type"]), Some(&json!("confirm")));
    assert_eq!(
        d.get(HOOKS).map(|h| &h[1]["type"]),
        Some(&json!("pre-rollout"))
    );
}

/// A value that changes nothing simulated is not a reason to leave the hook out: copied,
/// the scenario's parser refuses it at its manifest path.
#[test]
fn a_bad_timeout_is_copied_for_the_parser_to_refuse() {
    let d = with_hooks(json!([
        {"name": "load", "url": RUNNER, "timeout": "5", "metadata": {"cmd": TUTORIAL}}
    ]));
    assert_eq!(left_out(&d), []);
    assert_eq!(d.get(HOOKS).map(|h| &h[0]["timeout"]), Some(&json!("5")));
}
