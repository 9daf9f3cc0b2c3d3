//! The route steps' fields against argo-rollouts v1.10 `validation.go` and Istio's
//! `StringMatch`.

use super::{Route, RouteStep};
use crate::scenario::rollout::{CanaryStep, RolloutKind, canary};
use crate::scenario::walk::run;
use serde_json::{Value, json};

/// The canary's steps and managed routes, and the problems.
fn parse(v: Value) -> ((Vec<CanaryStep>, Vec<String>), Vec<String>) {
    run(&v, |n| {
        let o = n.object(crate::scenario::rollout::CANARY_FIELDS).unwrap();
        match canary(&o).kind {
            RolloutKind::Canary(c) => (c.steps, c.managed_routes),
            RolloutKind::BlueGreen(_) => unreachable!(),
        }
    })
}

fn routed(steps: Value) -> Value {
    json!({
        "trafficRouting": {"managedRoutes": [{"name": "beta"}, {"name": "copy"}]},
        "steps": steps
    })
}

#[test]
fn a_header_and_a_mirror_route_are_set_then_removed() {
    let ((steps, routes), p) = parse(routed(json!([
        {"setHeaderRoute": {"name": "beta", "matchShare": 0.05,
            "match": [{"headerName": "x-beta", "headerValue": {"exact": "1"}}]}},
        {"setMirrorRoute": {"name": "copy", "matchShare": 0.3, "percentage": 40,
            "match": [{"method": {"exact": "GET"}, "path": {"prefix": "/api"}}]}},
        {"setMirrorRoute": {"name": "copy", "matchShare": 0.3,
            "match": [{"headers": {"x-test": {"regex": "a.*"}}}]}},
        {"setHeaderRoute": {"name": "beta"}},
    ])));
    assert!(p.is_empty(), "{p:?}");
    assert_eq!(routes, ["beta", "copy"]);
    assert_eq!(
        steps,
        [
            CanaryStep::SetHeaderRoute(RouteStep {
                route: 0,
                set: Some(Route::Header { share: 0.05 })
            }),
            CanaryStep::SetMirrorRoute(RouteStep {
                route: 1,
                set: Some(Route::Mirror {
                    share: 0.3,
                    percent: 40
                })
            }),
            // `createMirrorRoute`: no `percentage` mirrors every selected request.
            CanaryStep::SetMirrorRoute(RouteStep {
                route: 1,
                set: Some(Route::Mirror {
                    share: 0.3,
                    percent: 100
                })
            }),
            CanaryStep::SetHeaderRoute(RouteStep {
                route: 0,
                set: None
            }),
        ]
    );
}

/// One problem, at `path`, containing `text`.
fn refused(v: Value, path: &str, text: &str) {
    let (_, p) = parse(v);
    assert!(
        p.iter().any(|p| p.starts_with(path) && p.contains(text)),
        "{path}: {text} not in {p:?}"
    );
}

#[test]
fn a_route_step_names_a_managed_route() {
    // `ValidateStepRouteFoundInManagedRoute`, and `managedRoutes` required by the steps.
    refused(
        routed(json!([{"setHeaderRoute": {"name": "gamma"}}])),
        "steps.0.setHeaderRoute.name",
        "not in `trafficRouting.managedRoutes` (beta, copy)",
    );
    refused(
        json!({"trafficRouting": {}, "steps": [{"setMirrorRoute": {"name": "copy"}}]}),
        "steps.0.setMirrorRoute.name",
        "`trafficRouting.managedRoutes` is not set",
    );
    // `InvalidSetHeaderRouteTrafficPolicy`: no router.
    refused(
        json!({"steps": [{"setHeaderRoute": {"name": "beta"}}]}),
        "steps.0.setHeaderRoute",
        "requires `trafficRouting`",
    );
    refused(
        json!({"trafficRouting": {"managedRoutes": [{"name": "a"}, {"name": "a"}]}}),
        "trafficRouting.managedRoutes.1",
        "listed twice",
    );
}

#[test]
fn a_match_is_checked_as_upstream_and_istio_check_it() {
    // `hasMultipleMatchValues`: exactly one of exact, prefix, regex.
    refused(
        routed(
            json!([{"setHeaderRoute": {"name": "beta", "matchShare": 0.1,
            "match": [{"headerName": "h", "headerValue": {"exact": "1", "prefix": "2"}}]}}]),
        ),
        "steps.0.setHeaderRoute.match.0.headerValue",
        "exactly one of `exact`, `prefix`, `regex`, got exact, prefix",
    );
    refused(
        routed(
            json!([{"setHeaderRoute": {"name": "beta", "matchShare": 0.1,
            "match": [{"headerName": "h"}]}}]),
        ),
        "steps.0.setHeaderRoute.match.0",
        "missing field `headerValue`",
    );
    refused(
        routed(
            json!([{"setMirrorRoute": {"name": "copy", "matchShare": 0.1,
            "match": [{"headers": {"h": {}}}]}}]),
        ),
        "steps.0.setMirrorRoute.match.0.headers.h",
        "got none",
    );
    // A route of every request.
    refused(
        routed(json!([{"setMirrorRoute": {"name": "copy", "matchShare": 0.1, "match": []}}])),
        "steps.0.setMirrorRoute.match",
        "empty `match`",
    );
    refused(
        routed(json!([{"setMirrorRoute": {"name": "copy", "matchShare": 0.1, "match": [{}]}}])),
        "steps.0.setMirrorRoute.match.0",
        "selects every request",
    );
}

#[test]
fn the_share_goes_with_a_match_only() {
    refused(
        routed(json!([{"setHeaderRoute": {"name": "beta",
            "match": [{"headerName": "h", "headerValue": {"exact": "1"}}]}}])),
        "steps.0.setHeaderRoute",
        "missing field `matchShare`",
    );
    refused(
        routed(json!([{"setHeaderRoute": {"name": "beta", "matchShare": 0,
            "match": [{"headerName": "h", "headerValue": {"exact": "1"}}]}}])),
        "steps.0.setHeaderRoute.matchShare",
        "must be above 0",
    );
    refused(
        routed(json!([{"setMirrorRoute": {"name": "copy", "percentage": 50}}])),
        "steps.0.setMirrorRoute.percentage",
        "removes its route",
    );
    refused(
        routed(
            json!([{"setMirrorRoute": {"name": "copy", "matchShare": 0.2, "percentage": 101,
            "match": [{"path": {"exact": "/"}}]}}]),
        ),
        "steps.0.setMirrorRoute.percentage",
        "between 0 and 100",
    );
}

#[test]
fn the_old_header_share_stays_alone() {
    refused(
        json!({"trafficRouting": {"headerRoute": {"share": 0.1},
            "managedRoutes": [{"name": "beta"}]}}),
        "trafficRouting.managedRoutes",
        "cannot be combined with `headerRoute.share`",
    );
}
