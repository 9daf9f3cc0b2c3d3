//! A Canary's mirroring: copied where its router mirrors as simulated, left out where it
//! mirrors nothing, refused where a progressive canary would never leave weight 0
//! (`fluxcd/flagger` v1.44.0 `pkg/router/*.go`, `pkg/controller/scheduler.go`).

use super::super::flagger::tests::{canary_draft as draft, left_out, refused};
use super::*;
use serde_json::json;

const TO: &str = "strategy.flagger.analysis";
const MIRROR: &str = "strategy.flagger.analysis.mirror";

/// A blue/green of 5 iterations mirroring with `more`, one built-in check, no load test.
fn blue_green(more: Value) -> Value {
    let mut a = json!({"interval": "30s", "threshold": 2, "iterations": 5, "mirror": true,
                       "metrics": [{"name": "request-success-rate",
                                    "thresholdRange": {"min": 99}}]});
    for (k, v) in more.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

/// A progressive canary of 10 % steps mirroring first.
fn progressive() -> Value {
    json!({"interval": "30s", "threshold": 2, "stepWeight": 10, "mirror": true})
}

/// `pkg/router/factory.go:MeshRouter`'s choice, provider by provider: exact names,
/// prefixes (`appmesh:v1beta2`, `smi:v1alpha…`, `gloo`, `gatewayapi:v1…`), and Istio's
/// router for a provider it does not know (`gatewayapi` with no version among them).
#[test]
fn each_provider_gets_the_router_flaggers_factory_builds() {
    let istio = Router::Istio { fallback: false };
    let fallback = Router::Istio { fallback: true };
    for (p, r) in [
        ("istio", istio),
        ("gatewayapi:v1", Router::GatewayApi),
        ("gatewayapi:v1beta1", Router::GatewayApi),
        ("kubernetes", Router::Kubernetes),
        ("linkerd", Router::Never("SMI (Linkerd)", "smi.go")),
        ("osm", Router::Never("SMI (OSM)", "smi_v1alpha2.go")),
        (
            "smi:v1alpha3:linkerd",
            Router::Never("SMI", "smi_v1alpha3.go"),
        ),
        ("appmesh", Router::Never("App Mesh", "appmesh.go")),
        (
            "appmesh:v1beta2",
            Router::Never("App Mesh", "appmesh_v1beta2.go"),
        ),
        ("gloo", Router::Never("Gloo", "gloo.go")),
        ("contour", Router::Never("Contour", "contour.go")),
        ("nginx", Router::Never("NGINX ingress", "ingress.go")),
        ("skipper", Router::Never("Skipper", "skipper.go")),
        ("traefik", Router::Never("Traefik", "traefik.go")),
        ("apisix", Router::Never("APISIX", "apisix.go")),
        ("kuma", Router::Never("Kuma", "kuma.go")),
        ("knative", Router::Never("Knative", "knative.go")),
        ("gatewayapi", fallback),
        ("consul", fallback),
    ] {
        assert_eq!(router(p), r, "{p}");
    }
}

/// Istio's router mirrors with `mirrorPercentage` = `mirrorWeight` (`istio.go:SetRoutes`):
/// both copied, and the copies give the blue/green's check values, so its metrics are
/// copied without a load test.
#[test]
fn an_istio_blue_green_keeps_mirror_mirror_weight_and_its_metrics() {
    let d = draft(json!({"provider": "istio",
                         "analysis": blue_green(json!({"mirrorWeight": 40}))}));
    assert_eq!(refused(&d), []);
    assert_eq!(left_out(&d), []);
    assert_eq!(
        d.get(TO).unwrap(),
        &json!({"interval": "30s", "threshold": 2, "iterations": 5, "mirror": true,
                "mirrorWeight": 40,
                "metrics": [{"name": "request-success-rate", "thresholdRange": {"min": 99}}]})
    );
    assert_eq!(
        d.origin(&format!("{TO}.mirrorWeight")).as_deref(),
        Some("spec.analysis.mirrorWeight")
    );
    let said: Vec<&str> = d.comments_at(MIRROR).collect();
    assert_eq!(
        said,
        [
            "provider `istio`: its router copies the users' requests to the canary while \
          mirroring and drops the canary's answers"
        ]
    );
}

/// No `spec.provider`: Flagger's `-mesh-provider` default, `istio` (`cmd/flagger/main.go`),
/// so a progressive canary mirrors first (its mirror step) and is copied; the comment says
/// the provider was assumed.
#[test]
fn without_a_provider_flaggers_default_istio_mirrors() {
    let d = draft(json!({"analysis": progressive()}));
    assert_eq!(refused(&d), []);
    assert_eq!(left_out(&d), []);
    assert_eq!(d.get(&format!("{TO}.mirror")), Some(&json!(true)));
    let said: Vec<&str> = d.comments_at(MIRROR).collect();
    assert_eq!(said.len(), 1);
    assert!(
        said[0].starts_with(
            "provider `istio`: no `spec.provider`, so Flagger's `-mesh-provider` default"
        ),
        "{said:?}"
    );
}

/// Gateway API mirrors a blue/green with a `RequestMirror` filter of no percentage
/// (`gateway_api.go:SetRoutes`, `iterations > 0`): `mirror` copied, `mirrorWeight` left
/// out saying so.
#[test]
fn gateway_api_mirrors_a_blue_green_but_ignores_mirror_weight() {
    for p in ["gatewayapi:v1", "gatewayapi:v1beta1"] {
        let d = draft(json!({"provider": p, "analysis": blue_green(json!({"mirrorWeight": 20}))}));
        assert_eq!(refused(&d), []);
        assert_eq!(d.get(&format!("{TO}.mirror")), Some(&json!(true)));
        assert_eq!(d.get(&format!("{TO}.mirrorWeight")), None);
        assert_eq!(
            d.get(&format!("{TO}.metrics")),
            Some(&json!([{"name": "request-success-rate", "thresholdRange": {"min": 99}}]))
        );
        assert_eq!(
            left_out(&d),
            [(
                "spec.analysis.mirrorWeight".to_string(),
                "Flagger's Gateway API router mirrors every request: its RequestMirror \
                 filter has no percentage (pkg/router/gateway_api.go `SetRoutes`), so the \
                 scenario copies them all"
                    .to_string()
            )]
        );
    }
}

/// A progressive canary on Gateway API: `SetRoutes` never adds the filter without
/// `iterations`, `GetRoutes` never reports it, and `runCanary` repeats the mirror step at
/// weight 0 for ever: refused at `mirror`.
#[test]
fn a_progressive_canary_on_gateway_api_is_refused() {
    let d = draft(json!({"provider": "gatewayapi:v1", "analysis": progressive()}));
    let errors = refused(&d);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "spec.analysis.mirror");
    assert!(
        errors[0].1.starts_with(
            "Flagger's Gateway API router adds its RequestMirror filter only for a \
             blue/green (pkg/router/gateway_api.go `SetRoutes`: `iterations` above 0), so a \
             progressive canary is never mirrored (provider `gatewayapi:v1`). Upstream the \
             mirror step of a progressive canary (scheduler.go `runCanary`"
        ) && errors[0]
            .1
            .ends_with("Remove `mirror`, or use `iterations` (a blue/green)"),
        "{errors:?}"
    );
    assert_eq!(d.get(&format!("{TO}.mirror")), None);
}

/// Linkerd's router (SMI, `smi.go`) never mirrors: a blue/green's `mirror` and
/// `mirrorWeight` are left out, and with neither mirroring nor a load test its metrics
/// are left out as before; a progressive canary is refused.
#[test]
fn a_router_that_never_mirrors_leaves_a_blue_green_unmirrored_and_refuses_a_canary() {
    let d = draft(json!({"provider": "linkerd",
                         "analysis": blue_green(json!({"mirrorWeight": 20}))}));
    assert_eq!(refused(&d), []);
    let never = "Flagger's SMI (Linkerd) router (pkg/router/smi.go) mirrors nothing: its \
                 `SetRoutes` ignores the mirror and its `GetRoutes` never reports one \
                 (provider `linkerd`)";
    let left = left_out(&d);
    let paths: Vec<&str> = left.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "spec.analysis.mirror",
            "spec.analysis.mirrorWeight",
            "spec.analysis.metrics"
        ]
    );
    assert_eq!(left[0].1, never);
    assert_eq!(
        left[1].1,
        "read with `mirror` only, which is left out: the router mirrors nothing"
    );
    assert_eq!(d.get(&format!("{TO}.mirror")), None);
    assert_eq!(d.get(&format!("{TO}.metrics")), None);

    let d = draft(json!({"provider": "linkerd", "analysis": progressive()}));
    let errors = refused(&d);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "spec.analysis.mirror");
    assert!(
        errors[0].1.starts_with(&format!("{never}. Upstream")),
        "{errors:?}"
    );
}

/// The `kubernetes` provider (`NopRouter`): `runBlueGreen` mirrors for other providers
/// only and a progressive canary runs as 10 iterations there, so nothing is mirrored and
/// nothing is stuck: left out, not refused; `stepWeight` gives way to `iterations: 10`
/// (see [`super::super::flagger_nop`]).
#[test]
fn the_kubernetes_provider_mirrors_nothing_and_is_not_refused() {
    let d = draft(json!({"provider": "kubernetes", "analysis": progressive()}));
    assert_eq!(refused(&d), []);
    assert_eq!(
        d.get(TO).unwrap(),
        &json!({"interval": "30s", "threshold": 2, "iterations": 10})
    );
    assert_eq!(
        d.get("strategy.flagger.provider"),
        Some(&json!("kubernetes"))
    );
    let left = left_out(&d);
    assert_eq!(left.len(), 2, "{left:?}");
    assert_eq!(left[0].0, "spec.analysis.stepWeight");
    assert_eq!(left[1].0, "spec.analysis.mirror");
    assert!(
        left[1]
            .1
            .starts_with("the `kubernetes` provider has no mesh router (pkg/router/nop.go)"),
        "{left:?}"
    );
}

/// A/B testing (`match` with `iterations`): `runAB` sets its routes unmirrored.
#[test]
fn ab_testing_mirrors_nothing() {
    let d = draft(json!({"provider": "istio",
                         "analysis": blue_green(json!({"match": [{"headers": {"x": {"exact": "1"}}}]}))}));
    assert_eq!(refused(&d), []);
    let left = left_out(&d);
    assert_eq!(left[0].0, "spec.analysis.mirror");
    assert!(
        left[0]
            .1
            .starts_with("A/B testing (`match` with `iterations`)"),
        "{left:?}"
    );
    assert_eq!(d.get(&format!("{TO}.mirror")), None);
}

/// Istio's router has no mirror on a TCP route (`istio.go:isTcp`), and with
/// `analysis.match` it replaces the mirrored route with the A/B ones: a progressive
/// canary is refused in both.
#[test]
fn istio_tcp_or_a_progressive_match_is_refused() {
    for (spec, why) in [
        (
            json!({"service": {"port": 9000, "appProtocol": "TCP"}, "analysis": progressive()}),
            "Flagger's Istio router sends a TCP service",
        ),
        (
            json!({"analysis": {"interval": "30s", "threshold": 2, "stepWeight": 10,
                                "mirror": true, "match": [{"headers": {"x": {"exact": "1"}}}]}}),
            "with `analysis.match`, Flagger's Istio router replaces the mirrored route",
        ),
    ] {
        let d = draft(spec);
        let errors = refused(&d);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, "spec.analysis.mirror");
        assert!(errors[0].1.starts_with(why), "{errors:?}");
    }
}

/// Without `mirror: true` Flagger reads no `mirrorWeight`: 0 (Go's zero value) is read as
/// absent, another is reported; `mirror: false` is read as absent.
#[test]
fn mirror_weight_without_mirror_is_read_or_reported() {
    let d = draft(
        json!({"analysis": {"interval": "30s", "threshold": 2, "stepWeight": 10,
                                      "mirror": false, "mirrorWeight": 0}}),
    );
    assert_eq!(refused(&d), []);
    assert_eq!(left_out(&d), []);
    assert_eq!(d.get(&format!("{TO}.mirror")), None);
    let d = draft(
        json!({"analysis": {"interval": "30s", "threshold": 2, "stepWeight": 10,
                                      "mirrorWeight": 30}}),
    );
    assert_eq!(
        left_out(&d),
        [(
            "spec.analysis.mirrorWeight".to_string(),
            "Flagger reads `mirrorWeight` only with `mirror: true` (pkg/router/istio.go \
             `SetRoutes`); nothing is mirrored"
                .to_string()
        )]
    );
}

/// A `mirror` that is no boolean is copied as written with its `mirrorWeight`, for the
/// scenario's parser to refuse at its manifest path (the CRD's `type: boolean`).
#[test]
fn a_mirror_of_another_type_is_copied_for_the_parser() {
    let d = draft(
        json!({"analysis": {"interval": "30s", "threshold": 2, "stepWeight": 10,
                                      "mirror": "yes", "mirrorWeight": 10}}),
    );
    assert_eq!(refused(&d), []);
    assert_eq!(left_out(&d), []);
    assert_eq!(d.get(&format!("{TO}.mirror")), Some(&json!("yes")));
    assert_eq!(d.get(&format!("{TO}.mirrorWeight")), Some(&json!(10)));
}
