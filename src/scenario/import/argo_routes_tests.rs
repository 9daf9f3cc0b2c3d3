//! A Rollout's managed routes: copied with a DEFAULT `matchShare` where the router routes
//! them as Istio does, left out for a plugin, refused where Argo Rollouts' validation
//! refuses them (`argoproj/argo-rollouts` v1.10, 9f8d111: `rollout/trafficrouting/*/*.go`,
//! `pkg/apis/rollouts/validation/validation.go` `ValidateRolloutStrategyCanary`).

use super::*;
use serde_json::json;

const STEPS: &str = "strategy.canary.steps";

/// The draft of a Rollout `web` whose canary has the `trafficRouting` `tr` (none: `null`)
/// and the `steps`, finished as the import finishes it (unknown keys refused).
fn draft(tr: Value, steps: Value) -> Draft {
    let mut canary = json!({"steps": steps});
    if !tr.is_null() {
        canary["trafficRouting"] = tr;
    }
    let doc = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
                     "metadata": {"name": "web"},
                     "spec": {"replicas": 4,
                              "template": {"spec": {"containers": [{"name": "app",
                                                                    "image": "web:1"}]}},
                              "strategy": {"canary": canary}}});
    let mut d = super::super::argo::tests::draft(std::slice::from_ref(&doc));
    d.finish(&Src::root(&doc), |_| false, ROLLOUT);
    d
}

/// `(path, message)` of the fields reported as not simulated.
fn left_out(d: &Draft) -> Vec<(String, String)> {
    d.unsupported
        .iter()
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect()
}

/// `(path, message)` of the errors.
fn refused(d: &Draft) -> Vec<(String, String)> {
    d.errors
        .iter()
        .map(|p| (p.path.clone(), p.message.clone()))
        .collect()
}

/// The docs' routes: a header route, a mirror route of GETs under /api at 50 %, and the
/// removal of the header route.
fn route_steps() -> Value {
    json!([
        {"setWeight": 10},
        {"setHeaderRoute": {"name": "canary-header",
                            "match": [{"headerName": "x-canary",
                                       "headerValue": {"exact": "true"}}]}},
        {"setMirrorRoute": {"name": "mirror-api", "percentage": 50,
                            "match": [{"method": {"exact": "GET"},
                                       "path": {"prefix": "/api"}}]}},
        {"pause": {"duration": 60}},
        {"setHeaderRoute": {"name": "canary-header"}},
    ])
}

fn managed() -> Value {
    json!([{"name": "canary-header"}, {"name": "mirror-api"}])
}

/// Istio (`istio.go` `createHeaderRoute`, `createMirrorRoute`): `managedRoutes` and both
/// steps copied as written, each step with a `match` given the DEFAULT `matchShare` 0.1
/// (flagger_ab's `DEFAULT_MATCH_SHARE`), the removal step (no `match`) with none; nothing
/// reported, and the copied values trace back to the manifest's paths.
#[test]
fn istio_copies_the_routes_with_a_default_share() {
    let tr = json!({"istio": {"virtualService": {"name": "web", "routes": ["primary"]}},
                    "managedRoutes": managed()});
    let d = draft(tr, route_steps());
    assert_eq!(refused(&d), []);
    assert_eq!(left_out(&d), []);
    assert_eq!(
        d.get("strategy.canary.trafficRouting.managedRoutes"),
        Some(&managed())
    );
    assert_eq!(
        d.get(STEPS).unwrap(),
        &json!([
            {"setWeight": 10},
            {"setHeaderRoute": {"name": "canary-header",
                                "match": [{"headerName": "x-canary",
                                           "headerValue": {"exact": "true"}}],
                                "matchShare": 0.1}},
            {"setMirrorRoute": {"name": "mirror-api", "percentage": 50,
                                "match": [{"method": {"exact": "GET"},
                                           "path": {"prefix": "/api"}}],
                                "matchShare": 0.1}},
            {"pause": {"duration": 60}},
            {"setHeaderRoute": {"name": "canary-header"}},
        ])
    );
    for i in [1, 2] {
        let kind = if i == 1 {
            "setHeaderRoute"
        } else {
            "setMirrorRoute"
        };
        let at = format!("{STEPS}.{i}.{kind}.matchShare");
        let note: Vec<&str> = d.comments_at(&at).collect();
        assert_eq!(note, [format!("{DEFAULT_NOTE}\n{ISTIO_ITEMS}")], "{kind}");
    }
    assert!(
        d.comments_at(&format!("{STEPS}.4.setHeaderRoute"))
            .any(|c| c.starts_with("no `match`: the step removes the route")),
    );
    assert_eq!(
        d.origin(&format!("{STEPS}.2.setMirrorRoute.match.0.path"))
            .as_deref(),
        Some("spec.strategy.canary.steps.2.setMirrorRoute.match.0.path")
    );
    assert_eq!(
        d.origin("strategy.canary.trafficRouting.managedRoutes.1.name")
            .as_deref(),
        Some("spec.strategy.canary.trafficRouting.managedRoutes.1.name")
    );
}

/// ALB (`alb.go` `SetHeaderRoute`: a rule forwarding to the canary at weight 100): an
/// `exact` header route copied, with the note on how ALB combines conditions; a `prefix`
/// refused at its value (`hasALBInvalidValues`), and a mirror route refused (validation
/// takes Istio or a plugin; `alb.go` `SetMirrorRoute` does nothing).
#[test]
fn alb_copies_exact_header_routes_and_refuses_the_rest() {
    let tr = json!({"alb": {"ingress": "web", "servicePort": 80},
                    "managedRoutes": managed()});
    let d = draft(tr.clone(), route_steps());
    assert_eq!(
        refused(&d),
        [(
            "spec.strategy.canary.steps.2.setMirrorRoute".to_string(),
            format!(
                "Argo Rollouts refuses a setMirrorRoute step without an Istio or plugin \
                 router ({VALIDATION}): {ROUTERS_DIR}/alb/alb.go `SetMirrorRoute` does nothing"
            )
        )]
    );
    let steps = d.get(STEPS).unwrap().as_array().unwrap();
    assert_eq!(
        steps[1]["setHeaderRoute"]["match"],
        json!([{"headerName": "x-canary", "headerValue": {"exact": "true"}}])
    );
    assert!(
        d.comments_at(&format!("{STEPS}.1.setHeaderRoute.matchShare"))
            .any(|c| c.ends_with(ALB_ITEMS))
    );
    let prefix = json!([{"setHeaderRoute": {"name": "canary-header",
                         "match": [{"headerName": "x-canary", "headerValue": {"exact": "a"}},
                                   {"headerName": "x-canary", "headerValue": {"prefix": "b"}}]}}]);
    let d = draft(tr, prefix);
    assert_eq!(
        refused(&d),
        [(
            "spec.strategy.canary.steps.0.setHeaderRoute.match.1.headerValue".to_string(),
            format!(
                "Argo Rollouts takes only an `exact` header value with an ALB router \
                 ({VALIDATION}, `hasALBInvalidValues`: an ALB condition lists exact values)"
            )
        )]
    );
    assert_eq!(d.get(STEPS), Some(&json!([])));
}

/// Apisix (`apisix.go` `SetHeaderRoute`: a higher-priority copy of the route to the
/// canary at weight 100): the header route copied with the note that every item must
/// hold; the mirror route refused (`apisix.go` `SetMirrorRoute` does nothing).
#[test]
fn apisix_copies_header_routes_and_refuses_mirror_routes() {
    let tr = json!({"apisix": {"route": {"name": "web"}}, "managedRoutes": managed()});
    let d = draft(tr, route_steps());
    assert_eq!(
        refused(&d),
        [(
            "spec.strategy.canary.steps.2.setMirrorRoute".to_string(),
            format!(
                "Argo Rollouts refuses a setMirrorRoute step without an Istio or plugin \
                 router ({VALIDATION}): {ROUTERS_DIR}/apisix/apisix.go `SetMirrorRoute` does \
                 nothing"
            )
        )]
    );
    assert!(
        d.comments_at(&format!("{STEPS}.1.setHeaderRoute.matchShare"))
            .any(|c| c.ends_with(APISIX_ITEMS))
    );
    assert_eq!(
        d.get("strategy.canary.trafficRouting.managedRoutes"),
        Some(&managed())
    );
}

/// A plugin router (`plugin.go` forwards the steps over RPC): the route steps and
/// `managedRoutes` left out and reported, the other steps kept.
#[test]
fn a_plugin_router_leaves_the_routes_out() {
    let tr = json!({"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "web"}},
                    "managedRoutes": managed()});
    let d = draft(tr, route_steps());
    assert_eq!(refused(&d), []);
    assert_eq!(
        left_out(&d),
        [
            (
                "spec.strategy.canary.trafficRouting.managedRoutes".to_string(),
                plugin_reason("the managed routes")
            ),
            (
                "spec.strategy.canary.steps.1.setHeaderRoute".to_string(),
                plugin_reason("a setHeaderRoute step")
            ),
            (
                "spec.strategy.canary.steps.2.setMirrorRoute".to_string(),
                plugin_reason("a setMirrorRoute step")
            ),
            (
                "spec.strategy.canary.steps.4.setHeaderRoute".to_string(),
                plugin_reason("a setHeaderRoute step")
            ),
        ]
    );
    assert_eq!(
        d.get(STEPS),
        Some(&json!([{"setWeight": 10}, {"pause": {"duration": 60}}]))
    );
    assert_eq!(d.get("strategy.canary.trafficRouting.managedRoutes"), None);
}

/// NGINX (`nginx.go`: no managed routes) and no router at all: validation refuses both
/// route steps; `managedRoutes` is reported.
#[test]
fn a_router_without_routes_refuses_the_steps() {
    let d = draft(
        json!({"nginx": {"stableIngress": "web"}, "managedRoutes": managed()}),
        route_steps(),
    );
    let nginx = format!(
        "the SetHeaderRoute, SetMirrorRoute and RemoveManagedRoutes of nginx \
         ({ROUTERS_DIR}/nginx/nginx.go) do nothing"
    );
    assert_eq!(
        refused(&d),
        [
            (
                "spec.strategy.canary.steps.1.setHeaderRoute".to_string(),
                format!(
                    "Argo Rollouts refuses a setHeaderRoute step without an Istio, ALB, \
                     Apisix or plugin router ({VALIDATION}): {nginx}"
                )
            ),
            (
                "spec.strategy.canary.steps.2.setMirrorRoute".to_string(),
                format!(
                    "Argo Rollouts refuses a setMirrorRoute step without an Istio or plugin \
                     router ({VALIDATION}): {nginx}"
                )
            ),
            (
                "spec.strategy.canary.steps.4.setHeaderRoute".to_string(),
                format!(
                    "Argo Rollouts refuses a setHeaderRoute step without an Istio, ALB, \
                     Apisix or plugin router ({VALIDATION}): {nginx}"
                )
            ),
        ]
    );
    assert_eq!(
        left_out(&d),
        [(
            "spec.strategy.canary.trafficRouting.managedRoutes".to_string(),
            format!(
                "{nginx}: the list changes nothing, and Argo Rollouts refuses the route \
                 steps that would name its routes"
            )
        )]
    );
    let d = draft(Value::Null, json!([{"setHeaderRoute": {"name": "h"}}]));
    assert_eq!(
        refused(&d),
        [(
            "spec.strategy.canary.steps.0.setHeaderRoute".to_string(),
            format!(
                "Argo Rollouts refuses a setHeaderRoute step without an Istio, ALB, Apisix \
                 or plugin router ({VALIDATION}): no router is named, so no route is managed"
            )
        )]
    );
}

/// `match: []` is refused (an empty list is no removal: Istio writes a route with no
/// condition); a removal step's `percentage` is reported (not read without `match`); a
/// misspelt `headrName` and a `matchShare` written in the manifest (the simulator's field,
/// not Argo's) are refused as unknown fields, the step copied without them.
#[test]
fn empty_matches_stray_percentages_and_unknown_keys() {
    let tr = json!({"istio": {"virtualService": {"name": "web"}}, "managedRoutes": managed()});
    let steps = json!([
        {"setHeaderRoute": {"name": "canary-header", "match": []}},
        {"setMirrorRoute": {"name": "mirror-api", "percentage": 20}},
        {"setHeaderRoute": {"name": "canary-header", "matchShare": 0.5,
                            "match": [{"headrName": "x", "headerValue": {"exact": "1"}}]}},
    ]);
    let d = draft(tr, steps);
    let errors = refused(&d);
    assert_eq!(
        errors.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(),
        [
            "spec.strategy.canary.steps.0.setHeaderRoute.match",
            "spec.strategy.canary.steps.2.setHeaderRoute.match.0.headrName",
            "spec.strategy.canary.steps.2.setHeaderRoute.matchShare",
        ]
    );
    assert!(errors[0].1.starts_with("an empty `match` is no removal"));
    assert!(
        errors[1].1.contains("did you mean `headerName`?"),
        "{errors:?}"
    );
    assert!(
        errors[2].1.starts_with("unknown field `matchShare`"),
        "{errors:?}"
    );
    assert_eq!(
        left_out(&d),
        [(
            "spec.strategy.canary.steps.1.setMirrorRoute.percentage".to_string(),
            "a setMirrorRoute step without `match` removes its route and reads no \
             percentage (istio.go reconcileVirtualServiceMirrorRoutes)"
                .to_string()
        )]
    );
    assert_eq!(
        d.get(STEPS),
        Some(&json!([
            {"setMirrorRoute": {"name": "mirror-api"}},
            {"setHeaderRoute": {"name": "canary-header",
                                "match": [{"headerValue": {"exact": "1"}}],
                                "matchShare": 0.1}},
        ]))
    );
}
