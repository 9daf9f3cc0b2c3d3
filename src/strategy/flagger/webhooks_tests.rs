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
        .map(|h| (h.name.as_str(), h.kind, h.endpoint))
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
    assert_eq!(problems.len(), 9, "{problems:#?}");
    assert!(problems[0].starts_with(
        "webhooks.0: no `type` is a `rollout` webhook (a load test or check run with the analysis), which is not simulated; the simulated webhooks are `confirm-rollout`"
    ));
    for (i, t) in [(1, "pre-rollout"), (2, "post-rollout"), (3, "event")] {
        assert!(
            problems[i].starts_with(&format!(
                "webhooks.{i}.type: `{t}` webhooks are not simulated; the simulated webhooks"
            )),
            "{}",
            problems[i]
        );
    }
    assert!(problems[4].starts_with(
        "webhooks.4.url: must be a flagger-loadtester gate URL, `http://<loadtester host>` followed by `/gate/approve`, `/gate/halt`, `/gate/check` or `/rollback/check` (pkg/loadtester/server.go), got \"http://lt/gate/open\""
    ));
    assert!(problems[5].contains("got \"http://my-approval-service/approve\""));
    assert!(problems[6].starts_with("webhooks.6.type: must be one of the CRD's types"));
    assert!(problems[6].ends_with("got \"confirm\""));
    assert!(problems[7].starts_with("webhooks.7"));
    assert!(problems[7].contains("`name`"), "{}", problems[7]);
    assert!(problems[8].starts_with("webhooks.7.timeout: must match the CRD's pattern"));
}
