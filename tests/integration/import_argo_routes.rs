//! `rollout-sim import` of an Argo Rollout's managed routes (`trafficRouting.managedRoutes`,
//! the `setHeaderRoute` and `setMirrorRoute` steps) on `tests/manifests/argo-header-mirror.yaml`
//! and on variants of its router. The rules are `argoproj/argo-rollouts` v1.10's
//! (9f8d111): Istio's routes are what the scenario simulates
//! (`rollout/trafficrouting/istio/istio.go` `createHeaderRoute`, `createMirrorRoute`), a
//! plugin routes by its own rules (`rollout/trafficrouting/plugin/plugin.go`), and
//! `pkg/apis/rollouts/validation/validation.go` `ValidateRolloutStrategyCanary` refuses
//! the steps with the other routers, a non-`exact` header value with ALB, and a route not
//! in `managedRoutes`.

use super::import::{import, import_error, unsupported};
use super::import_argo::{read, rollout};
use super::import_flagger_load_tests::import_to;
use crate::support::{bin, manifest};
use rollout_sim::experiment::{Outcome, run_trials};
use rollout_sim::scenario::Format;
use rollout_sim::scenario::import::import_str;
use rollout_sim::scenario::managed_routes::{Route, RouteStep};
use rollout_sim::scenario::rollout::{CanaryStep, RolloutKind};
use serde_json::json;

/// The fixture with its `istio` router replaced by `router` (one flow-style line).
fn with_router(router: &str) -> String {
    read("argo-header-mirror.yaml").replace(
        "        istio:\n          virtualService:\n            name: checkout\n            \
         routes:\n              - primary\n",
        &format!("        {router}\n"),
    )
}

/// The fixture: `managedRoutes` and every step copied as written, the two steps with a
/// `match` given the DEFAULT `matchShare` 0.1 (the value Flagger's A/B import uses), the
/// removal steps nothing more; nothing reported. Loaded back, the header route is the
/// first managed route sending 10 % of the requests to the canary, the mirror route the
/// second copying 50 % of its 10 %.
#[test]
fn the_istio_routes_land_with_a_default_match_share() {
    let text = read("argo-header-mirror.yaml");
    let found = import_str(&text, "m.yaml", Format::Yaml).unwrap();
    let imported = found.candidates[0].outcome.clone().unwrap();
    let canary = &imported.tree["strategy"]["canary"];
    assert_eq!(
        canary["trafficRouting"],
        json!({"managedRoutes": [{"name": "testers"}, {"name": "mirror-api"}]})
    );
    assert_eq!(
        canary["steps"],
        json!([
            {"setWeight": 10},
            {"setHeaderRoute": {"name": "testers",
                                "match": [{"headerName": "x-canary",
                                           "headerValue": {"exact": "true"}},
                                          {"headerName": "user-agent",
                                           "headerValue": {"regex": ".*Beta.*"}}],
                                "matchShare": 0.1}},
            {"pause": {"duration": "30s"}},
            {"setMirrorRoute": {"name": "mirror-api", "percentage": 50,
                                "match": [{"method": {"exact": "GET"},
                                           "path": {"prefix": "/api"}}],
                                "matchShare": 0.1}},
            {"pause": {"duration": "30s"}},
            {"setHeaderRoute": {"name": "testers"}},
            {"setMirrorRoute": {"name": "mirror-api"}},
            {"setWeight": 50},
            {"pause": {"duration": "30s"}},
        ])
    );
    // Each DEFAULT share marked where the user reviews it.
    assert_eq!(
        imported
            .text
            .matches("# DEFAULT share of the users' requests the `match` conditions select")
            .count(),
        2,
        "{}",
        imported.text
    );
    let (s, found) = import(&text);
    assert!(unsupported(&found).is_empty(), "{:?}", unsupported(&found));
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!("not a canary")
    };
    assert_eq!(c.managed_routes, ["testers", "mirror-api"]);
    let header = |set| RouteStep { route: 0, set };
    let mirror = |set| RouteStep { route: 1, set };
    assert_eq!(
        c.steps[1..=6],
        [
            CanaryStep::SetHeaderRoute(header(Some(Route::Header { share: 0.1 }))),
            CanaryStep::Pause(Some(30 * rollout_sim::sim::time::SECOND)),
            CanaryStep::SetMirrorRoute(mirror(Some(Route::Mirror {
                share: 0.1,
                percent: 50
            }))),
            CanaryStep::Pause(Some(30 * rollout_sim::sim::time::SECOND)),
            CanaryStep::SetHeaderRoute(header(None)),
            CanaryStep::SetMirrorRoute(mirror(None)),
        ]
    );
}

/// import → the written file loads → `run` exits 0 and every trial completes; and the
/// imported header route sends its `matchShare` of the users' requests to the canary
/// while it is set, ahead of the weighted route (Istio's first matching route,
/// `istio.go` `orderRoutes`), whose 10 % applies to the rest: from the canary's first
/// ready pod (step 1 runs once `setWeight: 10` has its pod) to the removal steps, which
/// run with `setWeight: 50` (its scale-up), 0.1 more of 50 requests a second sends
/// 0.1 × (1 − 0.1) × 50 = 4.5 more a second to the canary (one request either way for
/// the arrivals' rounding).
#[test]
fn the_imported_routes_run() {
    let dir = tempfile::tempdir().unwrap();
    import_to(dir.path(), &manifest("argo-header-mirror.yaml"));
    let out = dir.path().join("imported.yaml");
    let s = rollout_sim::scenario::load_file(&out, &[]).unwrap();
    for t in run_trials(&s, 0..10) {
        assert_eq!(t.outcome, Outcome::Completed, "{t:?}");
    }
    let run = |share: &str| {
        let to = dir.path().join(format!("run-{share}"));
        let trace = dir.path().join(format!("trace-{share}.jsonl"));
        bin()
            .arg("run")
            .arg(&out)
            .args(["--trials", "1", "-q", "--trace"])
            .arg(&trace)
            .args([
                "--set",
                "traffic.rps=50",
                "--set",
                "traffic.arrivals=constant",
                "--set",
                &format!("strategy.canary.steps.1.setHeaderRoute.matchShare={share}"),
                "--out",
            ])
            .arg(&to)
            .assert()
            .success();
        let csv = std::fs::read_to_string(to.join("trials.csv")).unwrap();
        let next: f64 = crate::support::rows(&csv)[0]["next_requests"]
            .parse()
            .unwrap();
        (next, std::fs::read_to_string(trace).unwrap())
    };
    let (one, trace) = run("0.1");
    let (two, _) = run("0.2");
    // Trial 0's events: when the first canary pod is ready, when `setWeight: 50` scales.
    let events: Vec<serde_json::Value> = trace
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let time_of = |pick: &dyn Fn(&serde_json::Value) -> bool| {
        events.iter().find(|e| pick(e)).unwrap()["t"]
            .as_f64()
            .unwrap()
    };
    let ready = time_of(&|e| e["version"] == "next" && e["state"] == "ready");
    let removed = time_of(&|e| e["event"] == "scale" && e["new"] == 2);
    let expected = 0.1 * (1.0 - 0.1) * 50.0 * (removed - ready);
    assert!(
        ((two - one) - expected).abs() <= 1.0,
        "{two} - {one} against {expected} ({ready} s to {removed} s)"
    );
}

/// ALB (`alb.go` `SetHeaderRoute`, a rule to the canary at weight 100) takes the header
/// route, its `exact` value only (`hasALBInvalidValues`): the fixture's regex is refused
/// at its path; its `SetMirrorRoute` does nothing, and validation refuses the mirror
/// step. Apisix refuses the mirror step the same way and takes the regex.
#[test]
fn alb_and_apisix_refuse_what_argo_refuses() {
    let errors = import_error(&with_router("alb: {ingress: checkout, servicePort: 80}"));
    assert_eq!(
        errors,
        [
            "spec.strategy.canary.steps.1.setHeaderRoute.match.1.headerValue: Argo Rollouts \
             takes only an `exact` header value with an ALB router \
             (pkg/apis/rollouts/validation/validation.go `ValidateRolloutStrategyCanary`, \
             `hasALBInvalidValues`: an ALB condition lists exact values)",
            "spec.strategy.canary.steps.3.setMirrorRoute: Argo Rollouts refuses a \
             setMirrorRoute step without an Istio or plugin router \
             (pkg/apis/rollouts/validation/validation.go `ValidateRolloutStrategyCanary`): \
             argoproj/argo-rollouts v1.10 rollout/trafficrouting/alb/alb.go `SetMirrorRoute` \
             does nothing",
            "spec.strategy.canary.steps.6.setMirrorRoute: Argo Rollouts refuses a \
             setMirrorRoute step without an Istio or plugin router \
             (pkg/apis/rollouts/validation/validation.go `ValidateRolloutStrategyCanary`): \
             argoproj/argo-rollouts v1.10 rollout/trafficrouting/alb/alb.go `SetMirrorRoute` \
             does nothing",
        ]
    );
    let errors = import_error(&with_router("apisix: {route: {name: checkout}}"));
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("spec.strategy.canary.steps.3.setMirrorRoute: ")
            && errors[0]
                .ends_with("rollout/trafficrouting/apisix/apisix.go `SetMirrorRoute` does nothing"),
        "{errors:?}"
    );
}

/// NGINX manages no routes (`nginx.go`: `SetHeaderRoute`, `SetMirrorRoute` do nothing):
/// validation refuses all four route steps.
#[test]
fn a_router_without_routes_refuses_the_steps() {
    let errors = import_error(&with_router("nginx: {stableIngress: checkout}"));
    let paths = paths(&errors);
    assert_eq!(
        paths,
        [
            "spec.strategy.canary.steps.1.setHeaderRoute",
            "spec.strategy.canary.steps.3.setMirrorRoute",
            "spec.strategy.canary.steps.5.setHeaderRoute",
            "spec.strategy.canary.steps.6.setMirrorRoute",
        ]
    );
    assert!(
        errors[0].ends_with(
            "the SetHeaderRoute, SetMirrorRoute and RemoveManagedRoutes of nginx \
             (argoproj/argo-rollouts v1.10 rollout/trafficrouting/nginx/nginx.go) do nothing"
        ),
        "{errors:?}"
    );
}

/// A plugin router routes by its own rules (`plugin.go` sends the steps over RPC): the
/// route steps and `managedRoutes` are left out and reported, the weights kept.
#[test]
fn a_plugin_router_leaves_the_routes_out() {
    let (s, found) = import(&with_router(
        "plugins: {argoproj-labs/gatewayAPI: {httpRoute: checkout, namespace: default}}",
    ));
    assert_eq!(
        unsupported(&found),
        [
            "spec.strategy.canary.trafficRouting.managedRoutes",
            "spec.strategy.canary.steps.1.setHeaderRoute",
            "spec.strategy.canary.steps.3.setMirrorRoute",
            "spec.strategy.canary.steps.5.setHeaderRoute",
            "spec.strategy.canary.steps.6.setMirrorRoute",
        ]
    );
    let RolloutKind::Canary(c) = &rollout(&s).kind else {
        panic!("not a canary")
    };
    assert!(c.managed_routes.is_empty());
    assert_eq!(c.steps.len(), 5);
}

/// What the scenario's parser refuses as Argo's validation does, told at the manifest's
/// path: a step's route not in `managedRoutes` (`ValidateStepRouteFoundInManagedRoute`),
/// and a header condition without a value (`hasMultipleMatchValues`).
#[test]
fn the_parsers_refusals_are_told_at_the_manifest_paths() {
    let text = read("argo-header-mirror.yaml")
        .replace("          - name: mirror-api\n", "")
        .replace(
            "              - headerName: user-agent\n                headerValue:\n                  \
             regex: \".*Beta.*\"\n",
            "              - headerName: user-agent\n",
        );
    let errors = import_error(&text);
    let paths = paths(&errors);
    assert_eq!(
        paths,
        [
            "spec.strategy.canary.steps.1.setHeaderRoute.match.1",
            "spec.strategy.canary.steps.3.setMirrorRoute.name",
            "spec.strategy.canary.steps.6.setMirrorRoute.name",
        ],
        "{errors:?}"
    );
}

/// The field path each error starts with.
fn paths(errors: &[String]) -> Vec<&str> {
    errors
        .iter()
        .map(|e| e.split(": ").next().unwrap())
        .collect()
}
