//! `rollout-sim import` of a Flagger Canary's `spec.service.retries`: on Istio's router
//! (`fluxcd/flagger` `pkg/router/istio.go` writes it into the VirtualService's HTTP
//! routes) it becomes `traffic.retries`, checked as Istio checks it; elsewhere it is
//! left out with the reason.

use super::import_argo::read;
use super::import_flagger::{imported, left_out};
use rollout_sim::scenario::import::import_str;
use rollout_sim::scenario::{Format, load_str};
use serde_json::json;

/// `tests/manifests/flagger-canary.yaml` (an Istio Canary with two request metrics) with
/// `retries` in its `spec.service`, and `edit` applied.
fn with_retries(retries: &str, edit: impl Fn(String) -> String) -> String {
    let text = read("flagger-canary.yaml").replace(
        "    hosts: [web.example.com]\n",
        &format!("    hosts: [web.example.com]\n    retries: {retries}\n"),
    );
    edit(text)
}

/// The retries land under `traffic` beside the default rate; `perTryTimeout` and the
/// generated Services' fields are left out one by one; the scenario loads and its
/// settings name the retries.
#[test]
fn istio_retries_become_the_traffics() {
    let text = with_retries(
        r#"{attempts: 3, retryOn: "gateway-error,connect-failure", perTryTimeout: 2s}"#,
        |t| t,
    );
    let (tree, written, found) = imported(&text);
    assert_eq!(
        tree["traffic"],
        json!({"rps": 50, "retries": {"attempts": 3, "retryOn": "gateway-error,connect-failure"}})
    );
    assert!(
        written.contains("# From spec.service.retries (provider `istio`)"),
        "{written}"
    );
    let paths: Vec<String> = left_out(&found).into_iter().map(|(p, _)| p).collect();
    assert_eq!(
        paths,
        [
            "spec.service.port",
            "spec.service.targetPort",
            "spec.service.gateways",
            "spec.service.hosts",
            "spec.service.retries.perTryTimeout",
        ]
    );
    let s = load_str(&written, "s.yaml", Format::Yaml, &[]).unwrap_or_else(|e| panic!("{e}"));
    let retries = s.traffic.unwrap().retries;
    assert_eq!(retries.attempts, 3);
    assert!(retries.on.refused && retries.on.dropped && !retries.on.errored);
}

/// Without `attempts`, Istio's zero (retries disabled): with a `retryOn` the import exits
/// 2 as Istio's validation refuses it, at the manifest's path; a bad `retryOn` item is
/// told there too.
#[test]
fn retries_istio_refuses_are_refused_at_the_manifests_path() {
    let (tree, _, _) = imported(&with_retries("{}", |t| t));
    assert_eq!(tree["traffic"]["retries"], json!({"attempts": 0}));
    let refused = |retries: &str| {
        import_str(&with_retries(retries, |t| t), "m.yaml", Format::Yaml)
            .map_err(|e| e.to_string())
            .and_then(|f| {
                f.candidates[0]
                    .outcome
                    .clone()
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
            .unwrap_err()
    };
    let e = refused("{retryOn: 5xx}");
    assert!(e.contains("spec.service.retries"), "{e}");
    assert!(e.contains("`retryOn` is given with `attempts: 0`"), "{e}");
    let e = refused(r#"{attempts: 2, retryOn: "5xx,gateway-eror"}"#);
    assert!(e.contains("spec.service.retries.retryOn"), "{e}");
    assert!(e.contains("did you mean `gateway-error`?"), "{e}");
}

/// Left out with the reason: another router's retries, a TCP service's, and retries with
/// no metric that measures requests (the scenario then has no traffic).
#[test]
fn retries_no_istio_http_route_applies_are_left_out() {
    let why = |text: String| {
        let (tree, _, found) = imported(&text);
        assert!(tree["traffic"].get("retries").is_none(), "{tree}");
        left_out(&found)
            .into_iter()
            .find(|(p, _)| p == "spec.service.retries")
            .map(|(_, w)| w)
            .unwrap()
    };
    let contour = why(with_retries("{attempts: 2}", |t| {
        t.replace("provider: istio", "provider: contour")
    }));
    assert!(contour.starts_with("provider `contour`: the Contour router (pkg/router/contour.go) sets its own retry policy"), "{contour}");
    let tcp = why(with_retries("{attempts: 2}", |t| {
        t.replace("    port: 80\n", "    port: 80\n    appProtocol: tcp\n")
    }));
    assert!(tcp.starts_with("a TCP service"), "{tcp}");
    let unmeasured = with_retries("{attempts: 2}", |t| {
        let from = t.find("    metrics:").unwrap();
        let to = t.find("    webhooks:").unwrap();
        format!("{}{}", &t[..from], &t[to..])
    });
    let (tree, _, found) = imported(&unmeasured);
    assert!(tree.get("traffic").is_none(), "{tree}");
    let w = left_out(&found);
    let w = &w
        .iter()
        .find(|(p, _)| p == "spec.service.retries")
        .unwrap()
        .1;
    assert!(w.starts_with("no analysis metric measures requests"), "{w}");
}
