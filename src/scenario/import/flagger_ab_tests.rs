//! A Canary's A/B testing: `match` copied where its router routes by the conditions as
//! simulated, left out or refused elsewhere (`fluxcd/flagger` v1.44.0 `pkg/router/*.go`,
//! `pkg/controller/scheduler.go`, `artifacts/flagger/crd.yaml`).

use super::super::flagger::tests::{canary_draft, left_out, refused};
use super::*;
use serde_json::json;

const TO: &str = "strategy.flagger.analysis";

/// The draft of a Canary `web` of `provider` (none: absent) with the analysis `a`,
/// targeting a Deployment `web`; `more` goes into its `spec` too.
fn draft(provider: Option<&str>, a: Value, more: Value) -> Draft {
    let mut spec = json!({"analysis": a});
    if let Some(p) = provider {
        spec["provider"] = json!(p);
    }
    for (k, v) in more.as_object().unwrap() {
        spec[k] = v.clone();
    }
    canary_draft(spec)
}

/// An analysis of 10 iterations (A/B testing with `m`), one success-rate check, no load
/// test.
fn ab(m: Value) -> Value {
    json!({"interval": "30s", "threshold": 2, "iterations": 10, "match": m,
           "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}}]})
}

/// The same with 20 % steps instead of iterations.
fn progressive(m: Value) -> Value {
    json!({"interval": "30s", "threshold": 2, "stepWeight": 20, "match": m})
}

/// The flagger docs' Istio conditions: the `x-canary` regex or the canary cookie.
fn docs_match() -> Value {
    json!([{"headers": {"x-canary": {"regex": ".*insider.*"}}},
           {"headers": {"cookie": {"regex": "^(.*?;)?(canary=always)(;.*)?$"}}}])
}

/// `pkg/router/factory.go:MeshRouter`'s choice for A/B testing, in its order: prefixes
/// (`appmesh:v1beta2`, `gloo`, `gatewayapi:v1beta1` before `gatewayapi:v1`) and Istio's
/// router for a provider it does not know.
#[test]
fn each_provider_gets_the_router_flaggers_factory_builds() {
    for (p, r) in [
        ("istio", Router::Istio),
        ("gatewayapi", Router::Istio),
        ("smi", Router::Istio),
        ("appmesh", Router::AppMesh("appmesh.go")),
        ("appmesh:v1beta2", Router::AppMesh("appmesh_v1beta2.go")),
        ("contour", Router::Contour),
        ("nginx", Router::Nginx),
        ("gloo:v1", Router::Gloo),
        ("gatewayapi:v1", Router::GatewayApi("gateway_api.go")),
        (
            "gatewayapi:v1beta1",
            Router::GatewayApi("gateway_api_v1beta1.go"),
        ),
        ("kubernetes", Router::Kubernetes),
        ("linkerd", Router::Ignores("SMI (Linkerd)", "smi.go")),
        ("osm", Router::Ignores("SMI (OSM)", "smi_v1alpha2.go")),
        ("kuma", Router::Ignores("Kuma", "kuma.go")),
        ("knative", Router::Ignores("Knative", "knative.go")),
    ] {
        assert_eq!(router(p), r, "{p}");
    }
}

/// Istio (here by Flagger's default provider): `match` copied as written, `matchShare`
/// the marked DEFAULT, and the blue/green keeps its check without a load test (the
/// conditions' requests reach the canary: `runAB`); nothing is reported.
#[test]
fn istio_copies_the_conditions_with_a_default_share() {
    let d = draft(None, ab(docs_match()), json!({}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(left_out(&d), Vec::<(String, String)>::new());
    assert_eq!(
        d.get(TO).unwrap(),
        &json!({"interval": "30s", "threshold": 2, "iterations": 10, "match": docs_match(),
                "matchShare": 0.1,
                "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}}]})
    );
    assert_eq!(
        d.origin("strategy.flagger.analysis.match.1.headers.cookie.regex")
            .as_deref(),
        Some("spec.analysis.match.1.headers.cookie.regex")
    );
    let notes: Vec<&str> = d
        .comments_at("strategy.flagger.analysis.matchShare")
        .collect();
    assert_eq!(notes, [DEFAULT_NOTE]);
}

/// The fields of Istio's `HTTPMatchRequest` the CRD's item lacks (`uri`, `method`) are
/// reported, one line each, and not copied; a key neither has is a misspelling, refused
/// with a "did you mean".
#[test]
fn pruned_fields_are_reported_and_misspellings_refused() {
    let m = json!([{"headers": {"x-canary": {"exact": "insider"}},
                    "uri": {"prefix": "/api"}, "method": {"exact": "GET"}},
                   {"headrs": {"x-b": {"exact": "1"}}, "sourceLabels": {"app": "a"}}]);
    let d = draft(Some("istio"), ab(m), json!({}));
    let pruned = |key: &str| {
        format!(
            "the Canary CRD's `match` item has only `headers`, `queryParams` and \
             `sourceLabels`: the API server prunes `{key}` (a field of Istio's \
             HTTPMatchRequest, which kubectl's strict field validation refuses), so Flagger \
             never routes by it"
        )
    };
    assert_eq!(
        left_out(&d),
        [
            ("spec.analysis.match.0.uri".to_string(), pruned("uri")),
            ("spec.analysis.match.0.method".to_string(), pruned("method")),
        ]
    );
    let errors = refused(&d);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "spec.analysis.match.1.headrs");
    assert!(
        errors[0].1.contains("did you mean `headers`?"),
        "{errors:?}"
    );
    assert_eq!(
        d.get("strategy.flagger.analysis.match").unwrap(),
        &json!([{"headers": {"x-canary": {"exact": "insider"}}},
                {"sourceLabels": {"app": "a"}}])
    );
}

/// `kubernetes`: `advanceCanary` drops `match`: left out, and the blue/green's metrics
/// with it (no request reaches its canary).
#[test]
fn the_kubernetes_provider_drops_match() {
    let d = draft(Some("kubernetes"), ab(docs_match()), json!({}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let lines = left_out(&d);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0],
        (
            "spec.analysis.match".to_string(),
            "the `kubernetes` provider has no router: scheduler.go `advanceCanary` drops \
             `match` with the warning \"A/B testing is not supported when using the \
             kubernetes provider\", and the canary runs as a blue/green (provider \
             `kubernetes`)"
                .to_string()
        )
    );
    assert_eq!(lines[1].0, "spec.analysis.metrics");
    assert_eq!(
        d.get(TO).unwrap(),
        &json!({"interval": "30s", "threshold": 2, "iterations": 10})
    );
    assert_eq!(
        d.get("strategy.flagger.provider"),
        Some(&json!("kubernetes"))
    );
}

/// A router that never reads `match` (Linkerd's SMI): with `iterations` `runAB` would send
/// it every request, refused; without, the weights apply to every request, as the
/// scenario's progressive canary does: left out. Istio's TCP route the same.
#[test]
fn a_router_ignoring_match_refuses_ab_and_leaves_out_a_progressive_match() {
    let d = draft(Some("linkerd"), ab(docs_match()), json!({}));
    let errors = refused(&d);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "spec.analysis.match");
    assert!(
        errors[0].1.starts_with(
            "Flagger's SMI (Linkerd) router (pkg/router/smi.go) never reads `match`: its \
             `SetRoutes` writes the weights for every request, and scheduler.go `runAB` \
             gives the canary weight 100 at each iteration"
        ),
        "{errors:?}"
    );
    assert!(d.get("strategy.flagger.analysis.match").is_none());

    let d = draft(Some("linkerd"), progressive(docs_match()), json!({}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(
        left_out(&d),
        [(
            "spec.analysis.match".to_string(),
            "Flagger's SMI (Linkerd) router (pkg/router/smi.go) never reads `match`: its \
             `SetRoutes` writes the weights for every request: the steps' weights apply to \
             every request, as the scenario's progressive canary without `match` does \
             (provider `linkerd`)"
                .to_string()
        )]
    );
    assert_eq!(
        d.get(TO).unwrap(),
        &json!({"interval": "30s", "threshold": 2, "stepWeight": 20})
    );

    let tcp = json!({"service": {"port": 9898, "appProtocol": "TCP"}});
    let d = draft(Some("istio"), progressive(docs_match()), tcp);
    let lines = left_out(&d);
    assert_eq!(lines[0].0, "spec.service", "{lines:?}");
    assert_eq!(lines[1].0, "spec.analysis.match", "{lines:?}");
    assert!(lines[1].1.contains("`isTcp`"), "{lines:?}");
}

/// Gloo: the route table has no route for the other requests: refused.
#[test]
fn gloo_is_refused() {
    let d = draft(Some("gloo"), ab(docs_match()), json!({}));
    let errors = refused(&d);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "spec.analysis.match");
    assert!(
        errors[0]
            .1
            .contains("writes no route for the other requests")
    );
}

/// Gateway API (`mapRouteMatches`): `exact` and `regex` copied; a header's `prefix` or
/// `sourceLabels` refused at their condition.
#[test]
fn gateway_api_copies_exact_and_regex_only() {
    let m = json!([{"headers": {"x-canary": {"exact": "insider"}},
                    "queryParams": {"beta": {"regex": "^on$"}}}]);
    let d = draft(Some("gatewayapi:v1"), ab(m.clone()), json!({}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.get("strategy.flagger.analysis.match"), Some(&m));

    let m = json!([{"headers": {"x-canary": {"exact": "insider"}}},
                   {"headers": {"user-agent": {"prefix": "Chrome"}}}]);
    let d = draft(Some("gatewayapi:v1beta1"), ab(m), json!({}));
    assert_eq!(
        refused(&d),
        [(
            "spec.analysis.match.1".to_string(),
            "Flagger's Gateway API router (pkg/router/gateway_api_v1beta1.go \
             `mapRouteMatches`) takes only `exact` and `regex` for a header, not the prefix \
             of `user-agent`: it fails, `SetRoutes` drops the error, and the weighted rule \
             then takes every request, not the conditions' share (provider \
             `gatewayapi:v1beta1`)"
                .to_string()
        )]
    );

    let m = json!([{"sourceLabels": {"app": "scheduler"}}]);
    let d = draft(Some("gatewayapi:v1"), ab(m), json!({}));
    assert_eq!(refused(&d)[0].0, "spec.analysis.match.0");
}

/// App Mesh: one condition of headers copied (the docs: "a single condition"); two are
/// ANDed on one route, refused.
#[test]
fn app_mesh_takes_a_single_condition() {
    let m = json!([{"headers": {"user-agent": {"regex": ".*Chrome.*"}}}]);
    let d = draft(Some("appmesh:v1beta2"), ab(m.clone()), json!({}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.get("strategy.flagger.analysis.match"), Some(&m));

    let d = draft(Some("appmesh"), ab(docs_match()), json!({}));
    assert_eq!(
        refused(&d),
        [(
            "spec.analysis.match".to_string(),
            "Flagger's App Mesh router (pkg/router/appmesh.go `makeHeaders`, \
             `reconcileVirtualRouter`) puts the headers of every condition on one route, \
             where all must match, not any one as the scenario reads the list: write them \
             as one condition (provider `appmesh`)"
                .to_string()
        )]
    );
}

/// Contour: a `prefix` copied, the comment saying Contour matches it as `contains`; a
/// `regex` refused (`makeConditions` writes no value for it).
#[test]
fn contour_reads_a_prefix_as_contains_and_no_regex() {
    let m = json!([{"headers": {"user-agent": {"prefix": "Chrome"}}}]);
    let d = draft(Some("contour"), ab(m.clone()), json!({}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.get("strategy.flagger.analysis.match"), Some(&m));
    let notes: Vec<&str> = d
        .comments_at("strategy.flagger.analysis.matchShare")
        .collect();
    assert_eq!(
        notes,
        [format!(
            "{DEFAULT_NOTE}\nContour matches `user-agent` (prefix) as `contains` \
             (contour.go `makeConditions`): give the share of requests whose header contains \
             the value anywhere."
        )]
    );

    let m = json!([{"headers": {"user-agent": {"regex": ".*Chrome.*"}}}]);
    let d = draft(Some("contour"), ab(m), json!({}));
    let errors = refused(&d);
    assert_eq!(errors[0].0, "spec.analysis.match.0", "{errors:?}");
    assert!(errors[0].1.contains("writes no value for a `regex` header"));
}

/// NGINX: the docs' `x-canary` exact and `cookie` exact copied with `iterations`, the
/// comment saying the cookie is named, set to `always`; without `iterations` refused
/// (`GetRoutes` reports 100 and `runCanary` promotes).
#[test]
fn nginx_copies_an_ab_test_and_refuses_a_progressive_match() {
    let m = json!([{"headers": {"x-canary": {"exact": "insider"}}},
                   {"headers": {"cookie": {"exact": "canary"}}}]);
    let d = draft(Some("nginx"), ab(m.clone()), json!({}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.get("strategy.flagger.analysis.match"), Some(&m));
    let notes: Vec<&str> = d
        .comments_at("strategy.flagger.analysis.matchShare")
        .collect();
    assert!(notes[0].ends_with("when its cookie `canary` is `always` (canary-by-cookie): give the share of requests carrying it."), "{notes:?}");

    let d = draft(Some("nginx"), progressive(m), json!({}));
    let errors = refused(&d);
    assert_eq!(errors[0].0, "spec.analysis.match", "{errors:?}");
    assert!(errors[0].1.contains("it promotes after the first step"));

    let d = draft(Some("nginx"), ab(docs_match()), json!({}));
    let errors = refused(&d);
    assert_eq!(errors[0].0, "spec.analysis.match.1", "{errors:?}");
}

/// An empty list is no A/B test (`DeploymentStrategy`: `len(Match) > 0`): read, a
/// blue/green. A value of another type is copied for the scenario's parser to refuse.
#[test]
fn an_empty_match_is_read_and_a_non_list_copied() {
    let d = draft(Some("istio"), ab(json!([])), json!({}));
    assert!(d.get("strategy.flagger.analysis.match").is_none());
    assert_eq!(left_out(&d)[0].0, "spec.analysis.metrics");

    let d = draft(Some("istio"), ab(json!("x-canary")), json!({}));
    assert_eq!(
        d.get("strategy.flagger.analysis.match"),
        Some(&json!("x-canary"))
    );
    assert!(d.get("strategy.flagger.analysis.matchShare").is_none());
}

/// A/B testing with `mirror`: `match` copied, `mirror` left out as before (`runAB` sets
/// its routes unmirrored), so the scenario never has both.
#[test]
fn mirror_beside_an_ab_test_is_left_out() {
    let mut a = ab(docs_match());
    a["mirror"] = json!(true);
    let d = draft(Some("istio"), a, json!({}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let lines = left_out(&d);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0].0, "spec.analysis.mirror");
    assert!(d.get("strategy.flagger.analysis.mirror").is_none());
    assert_eq!(
        d.get("strategy.flagger.analysis.match"),
        Some(&docs_match())
    );
}

/// A provider Flagger's factory does not know (`gatewayapi` with no version) gets Istio's
/// router: copied, the comment above `match` saying so.
#[test]
fn an_unknown_provider_routes_as_istio() {
    let d = draft(Some("gatewayapi"), ab(docs_match()), json!({}));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let notes: Vec<&str> = d.comments_at("strategy.flagger.analysis.match").collect();
    assert_eq!(
        notes,
        [
            "provider `gatewayapi`:\nits router sends the requests these conditions select by \
          the canary's weight, every other request to the primary (a provider Flagger's \
          router factory does not know: it uses Istio's router, pkg/router/factory.go \
          `MeshRouter`)"
        ]
    );
}
