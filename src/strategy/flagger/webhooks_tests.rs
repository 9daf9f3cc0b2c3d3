//! `analysis.webhooks` parsing: the CRD's fields (`artifacts/flagger/crd.yaml`), the
//! loadtester's endpoints (`pkg/loadtester/server.go`), and what is refused.

use super::*;
use crate::scenario::walk;
use serde_json::{Value, json};

fn parse_json(v: Value) -> (Vec<Webhook>, Vec<String>) {
    walk::run(&json!({ "webhooks": v }), |n| {
        let o = n.object(&["webhooks"]).unwrap();
        parse(&o.get("webhooks").unwrap())
    })
}

#[test]
fn gate_endpoints_of_the_loadtester_are_read() {
    let (hooks, problems) = parse_json(json!([
        {"name": "a", "type": "confirm-rollout", "url": "http://flagger-loadtester.test/gate/check",
         "timeout": "30s", "retries": 2, "muteAlert": true, "disableTLS": false,
         "metadata": {"k": "v"}},
        {"name": "b", "type": "confirm-promotion", "url": "https://lt.ns:8080/gate/approve"},
        {"name": "c", "type": "confirm-traffic-increase", "url": "http://lt/gate/halt"},
        {"name": "d", "type": "rollback", "url": "http://lt.test/rollback/check?x=1"},
    ]));
    assert_eq!(problems, Vec::<String>::new());
    let got: Vec<(&str, HookType, Endpoint)> = hooks
        .iter()
        .map(|h| (h.name.as_str(), h.kind, h.endpoint.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", HookType::ConfirmRollout, Endpoint::GateCheck),
            ("b", HookType::ConfirmPromotion, Endpoint::Approve),
            ("c", HookType::ConfirmTrafficIncrease, Endpoint::Halt),
            ("d", HookType::Rollback, Endpoint::RollbackCheck),
        ]
    );
}

#[test]
fn other_types_and_urls_are_refused_with_what_is_modelled() {
    let (_, problems) = parse_json(json!([
        {"name": "load", "url": "http://lt/", "metadata": {"cmd": "hey -z 1m -q 10 -c 2 http://x"}},
        {"name": "pre", "type": "pre-rollout", "url": "http://lt/gate/check"},
        {"name": "post", "type": "post-rollout", "url": "http://lt/gate/check"},
        {"name": "ev", "type": "event", "url": "http://lt/gate/check"},
        {"name": "x", "type": "confirm-rollout", "url": "http://lt/gate/open"},
        {"name": "y", "type": "confirm-rollout", "url": "http://my-approval-service/approve"},
        {"name": "z", "type": "confirm", "url": "http://lt/gate/check"},
        {"type": "confirm-rollout", "url": "http://lt/gate/check", "timeout": "30"},
    ]));
    // The `pre-rollout` gate (item 1) is simulated.
    assert_eq!(problems.len(), 8, "{problems:#?}");
    assert!(
        problems[0].starts_with(
            "webhooks.0.metadata.cmd: the command targets \"http://x\"; only a load test of the canary's own Service"
        ),
        "{}",
        problems[0]
    );
    for (i, t) in [(2, "post-rollout"), (3, "event")] {
        assert!(
            problems[i - 1].starts_with(&format!(
                "webhooks.{i}.type: `{t}` webhooks are not simulated; the simulated webhooks"
            )),
            "{}",
            problems[i - 1]
        );
    }
    assert!(problems[3].starts_with(
        "webhooks.4.url: must be a flagger-loadtester gate URL, `http://<loadtester host>` followed by `/gate/approve`, `/gate/halt`, `/gate/check` or `/rollback/check` (pkg/loadtester/server.go), got \"http://lt/gate/open\""
    ));
    assert!(problems[4].contains("got \"http://my-approval-service/approve\""));
    assert!(problems[5].starts_with("webhooks.6.type: must be one of the CRD's types"));
    assert!(problems[5].ends_with("got \"confirm\""));
    assert!(problems[6].starts_with("webhooks.7"));
    assert!(problems[6].contains("`name`"), "{}", problems[6]);
    assert!(problems[7].starts_with("webhooks.7.timeout: must match the CRD's pattern"));
}

#[test]
fn rollout_hooks_call_a_gate_or_hand_the_task_runner_a_load_test() {
    let (hooks, problems) = parse_json(json!([
        {"name": "load", "url": "http://flagger-loadtester.test/", "timeout": "5s",
         "metadata": {"cmd": "hey -z 1m -q 10 -c 2 http://podinfo-canary.test:9898/"}},
        {"name": "typed", "type": "rollout", "url": "http://lt.test",
         "metadata": {"type": "cmd", "logCmdOutput": "true",
                      "cmd": "hey -z 30s -q 5 -c 1 http://podinfo-canary.test:9898/"}},
        {"name": "gate", "type": "rollout", "url": "http://lt/gate/check"},
    ]));
    assert_eq!(problems, Vec::<String>::new());
    assert!(hooks.iter().all(|h| h.kind == HookType::Rollout));
    let load = hooks[0].load_test().expect("a load test");
    assert_eq!(
        (load.rps, load.duration),
        (20.0, 60 * crate::sim::time::SECOND)
    );
    assert_eq!(hooks[1].load_test().map(|t| t.rps), Some(5.0));
    assert_eq!(hooks[2].endpoint, Endpoint::GateCheck);
    // The task runner answers 202: Flagger reads it as a pass, gates or not.
    assert!(hooks[0].passes(Gates::default()));
    assert!(!hooks[2].passes(Gates::default()));
}

#[test]
fn a_task_runner_hook_needs_a_hey_command() {
    let (_, problems) = parse_json(json!([
        {"name": "a", "url": "http://lt/"},
        {"name": "b", "url": "http://lt/", "metadata": {"type": "bash", "cmd": "curl x"}},
        {"name": "c", "url": "http://lt/", "metadata": {"cmd": "hey -z 1m -c 2 http://a-canary/"}},
        {"name": "d", "url": "http://lt/", "metadata": {"logCmdOutput": "yes",
         "cmd": "hey -z 1m -q 1 http://a-canary/"}},
        {"name": "e", "url": "http://lt/", "metadata": {"cmd": 5}},
        {"name": "f", "url": "http://lt/", "metadata": "x"},
    ]));
    // One problem each: the task runner's `metadata` is read once, as the command's.
    assert_eq!(problems.len(), 6, "{problems:#?}");
    assert!(problems[4].starts_with("webhooks.4.metadata.cmd: expected a string"));
    assert!(problems[5].starts_with("webhooks.5.metadata: expected a map"));
    assert!(problems[0].starts_with(
        "webhooks.0: a `rollout` or `pre-rollout` webhook to the loadtester's task runner needs `metadata.cmd`"
    ));
    assert!(
        problems[1].starts_with(
            "webhooks.1.metadata.type: the loadtester's `bash` tasks are not simulated"
        )
    );
    assert!(problems[2].starts_with("webhooks.2.metadata.cmd: the command has no `-q`"));
    assert!(problems[3].starts_with("webhooks.3.metadata.logCmdOutput: must be a Go boolean"));
}

/// `pre-rollout` hooks reach the same endpoints as `rollout` ones: a gate, or the task
/// runner handed a `hey` load test (`scheduler_hooks.go:runPreRolloutHooks` calls them
/// with `CallWebhook` as `runAnalysis` calls the `rollout` ones).
#[test]
fn pre_rollout_hooks_call_a_gate_or_hand_the_task_runner_a_load_test() {
    let (hooks, problems) = parse_json(json!([
        {"name": "warm", "type": "pre-rollout", "url": "http://flagger-loadtester.test/",
         "metadata": {"cmd": "hey -z 2m -q 10 -c 2 http://podinfo-canary.test:9898/"}},
        {"name": "ask", "type": "pre-rollout", "url": "http://lt/gate/check"},
    ]));
    assert_eq!(problems, Vec::<String>::new());
    assert!(hooks.iter().all(|h| h.kind == HookType::PreRollout));
    assert!(hooks[0].load_test().is_some());
    assert_eq!(hooks[1].endpoint, Endpoint::GateCheck);
}
