//! An Argo Rollout's managed routes: `trafficRouting.managedRoutes` and the
//! `setHeaderRoute` / `setMirrorRoute` canary steps → the same under `strategy.canary`,
//! with the simulator's `matchShare` beside a step's `match` as a marked DEFAULT (the
//! manifest cannot say how many requests the conditions select), where the Rollout's
//! router routes them as the scenario simulates, Istio's way
//! (`argoproj/argo-rollouts` v1.10, 9f8d111, `rollout/trafficrouting/istio/istio.go`):
//! a header route sends every request it matches to the canary (`createHeaderRoute`); a
//! mirror route sends the requests it matches by the weights set when the step ran and
//! copies `percentage` % of them (default 100) to the canary (`createMirrorRoute`); a step
//! without `match` removes its route (`reconcileVirtualServiceHeaderRoutes`,
//! `reconcileVirtualServiceMirrorRoutes`).
//!
//! Each router at that commit (`rollout/trafficrouting/*/*.go`; which steps the Rollout
//! may have with it, `pkg/apis/rollouts/validation/validation.go`
//! `ValidateRolloutStrategyCanary`):
//!
//! - Istio (`istio.go`): header and mirror routes, copied. Each `match` item is one match
//!   of the route: any one selects a request.
//! - ALB (`alb/alb.go` `SetHeaderRoute`): a header route is an Ingress rule whose action
//!   forwards to the canary Service at weight 100: the same rule, copied. Its conditions
//!   differ (`getTrafficForwardConditionString`): items of one header name become one
//!   condition any of whose values matches, and the conditions of different names must all
//!   hold (an ALB rule's conditions are ANDed), which the DEFAULT note says. Validation
//!   takes `exact` values only (`hasALBInvalidValues`): another is refused. Its
//!   `SetMirrorRoute` does nothing, and validation refuses the step: refused.
//! - Apisix (`apisix/apisix.go` `SetHeaderRoute`): a header route is a copy of the
//!   ApisixRoute, one priority above it, whose backends are the canary's at weight 100:
//!   the same rule, copied. Every item is one expression of its `match.exprs`, all of which
//!   must hold (`setApisixRuleMatch`; a prefix becomes the regex `^prefix.*`), which the
//!   DEFAULT note says. No mirror route (`SetMirrorRoute` does nothing): refused.
//! - Plugins (`plugin/plugin.go`): the step goes to the plugin over RPC, which routes by
//!   its own rules: left out and reported, and so is `managedRoutes`.
//! - NGINX, SMI, Ambassador, App Mesh, Traefik: their `SetHeaderRoute` and
//!   `SetMirrorRoute` do nothing, and validation refuses the steps with them: refused.
//!
//! The checks the scenario's parser makes as Argo does (a step's route listed in
//! `managedRoutes`, one of `exact` / `prefix` / `regex` a value) are left to it, at the
//! manifest's paths. `match: []` is refused here: it is no removal (the controller tests
//! for no list, not an empty one), and the router then writes a route with no condition,
//! which takes every request.

use super::argo_fields::ROLLOUT;
use super::draft::{Draft, Src};
use super::flagger_ab::DEFAULT_MATCH_SHARE;
use serde_json::{Map, Value, json};

/// Where the routers' code is, for messages.
const ROUTERS_DIR: &str = "argoproj/argo-rollouts v1.10 rollout/trafficrouting";

/// Where the steps are validated, for messages.
const VALIDATION: &str =
    "pkg/apis/rollouts/validation/validation.go `ValidateRolloutStrategyCanary`";

/// The routers that manage no routes: their `SetHeaderRoute`, `SetMirrorRoute` and
/// `RemoveManagedRoutes` do nothing. Key in `trafficRouting`, and source file.
const NO_ROUTES: [(&str, &str); 5] = [
    ("nginx", "nginx/nginx.go"),
    ("smi", "smi/smi.go"),
    ("ambassador", "ambassador/ambassador.go"),
    ("appMesh", "appmesh/appmesh.go"),
    ("traefik", "traefik/traefik.go"),
];

/// The routers of a Rollout's `trafficRouting`, as the route steps read them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Routers {
    istio: bool,
    alb: bool,
    apisix: bool,
    /// A non-empty `plugins` map (validation reads `len(Plugins)`).
    plugins: bool,
    /// The routers that manage no routes ([`NO_ROUTES`]): key and source file.
    none: Vec<(&'static str, &'static str)>,
}

impl Routers {
    /// The routers `trafficRouting` names (none without it).
    pub fn of(tr: Option<&Src>) -> Routers {
        let Some(tr) = tr else {
            return Routers::default();
        };
        let has = |k: &str| tr.get(k).is_some();
        Routers {
            istio: has("istio"),
            alb: has("alb"),
            apisix: has("apisix"),
            plugins: tr
                .get("plugins")
                .is_some_and(|p| p.value.as_object().is_none_or(|m| !m.is_empty())),
            none: NO_ROUTES.into_iter().filter(|(k, _)| has(k)).collect(),
        }
    }

    /// Whether a router whose route steps are copied is among them.
    fn simulated(&self) -> bool {
        self.istio || self.alb || self.apisix
    }

    /// Why nothing of the routers manages a route: the routers named, or none.
    fn no_routes(&self) -> String {
        if self.none.is_empty() {
            return "no router is named, so no route is managed".into();
        }
        let named: Vec<String> = self
            .none
            .iter()
            .map(|(k, file)| format!("{k} ({ROUTERS_DIR}/{file})"))
            .collect();
        format!(
            "the SetHeaderRoute, SetMirrorRoute and RemoveManagedRoutes of {} do nothing",
            named.join(", ")
        )
    }
}

/// Why a step or `managedRoutes` is left out with a plugin router.
fn plugin_reason(what: &str) -> String {
    format!(
        "the traffic router plugin receives {what} over RPC ({ROUTERS_DIR}/plugin/plugin.go) \
         and routes by its own rules, which the simulator does not know: left out"
    )
}

/// What the import does with a route step.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Copied; the line telling how the router combines the `match` items.
    Copy(&'static str),
    /// Left out and reported, saying why.
    LeaveOut(String),
    /// Refused, saying why.
    Refuse(String),
}

/// How Istio combines the items (`istio.go` `createHeaderRoute`, `createMirrorRoute`).
const ISTIO_ITEMS: &str = "Istio (istio.go): each `match` item is one match of the route;\n\
                           a request any one selects is taken.";

/// How ALB combines them.
const ALB_ITEMS: &str = "ALB (alb.go getTrafficForwardConditionString): items of one header\n\
                         name are one condition, any of whose values matches; the conditions\n\
                         of different names must all match.";

/// How Apisix combines them.
const APISIX_ITEMS: &str = "Apisix (apisix.go setApisixRuleMatch): every item is one\n\
                            expression of the route's match.exprs; all must hold.";

/// What the `routers` make of a step of `kind` (`setHeaderRoute`, `setMirrorRoute`).
fn verdict(kind: &str, routers: &Routers) -> Verdict {
    let header = kind == "setHeaderRoute";
    if routers.istio {
        return Verdict::Copy(ISTIO_ITEMS);
    }
    if header && routers.alb {
        return Verdict::Copy(ALB_ITEMS);
    }
    if header && routers.apisix {
        return Verdict::Copy(APISIX_ITEMS);
    }
    if routers.plugins {
        return Verdict::LeaveOut(plugin_reason(&format!("a {kind} step")));
    }
    let (takes, why) = if header {
        (
            "an Istio, ALB, Apisix or plugin router",
            routers.no_routes(),
        )
    } else {
        let mut why = routers.no_routes();
        for (on, file) in [
            (routers.alb, "alb/alb.go"),
            (routers.apisix, "apisix/apisix.go"),
        ] {
            if on {
                why = format!("{ROUTERS_DIR}/{file} `SetMirrorRoute` does nothing");
            }
        }
        ("an Istio or plugin router", why)
    };
    Verdict::Refuse(format!(
        "Argo Rollouts refuses a {kind} step without {takes} ({VALIDATION}): {why}"
    ))
}

/// `trafficRouting.managedRoutes` `v` → `to` (`…trafficRouting.managedRoutes`), where the
/// `routers` route steps as simulated; reported elsewhere.
pub fn managed_routes(v: &Src, to: &str, routers: &Routers, d: &mut Draft) {
    let ty = ROLLOUT
        .root
        .at_path("spec.strategy.canary.trafficRouting.managedRoutes");
    // A misspelt `nam` is refused however the list is used.
    d.known_names(v, ROLLOUT.at(ty));
    if routers.simulated() {
        d.read(v);
        d.trace(to, v);
        // Without the misspelt keys: the parser checks the rest.
        d.put(to, ty.pruned(v.value));
    } else if routers.plugins {
        d.unsupported(v, &plugin_reason("the managed routes"));
    } else {
        d.unsupported(
            v,
            &format!(
                "{}: the list changes nothing, and Argo Rollouts refuses the route steps \
                 that would name its routes",
                routers.no_routes()
            ),
        );
    }
}

/// A `setHeaderRoute` or `setMirrorRoute` step's value `v` (`kind`) → the scenario's,
/// whose path is `to` (`…steps.N.<kind>`), or `None` when it is left out (reported) or
/// refused (an error).
pub fn route_step(
    kind: &str,
    v: &Src,
    to: &str,
    routers: &Routers,
    d: &mut Draft,
) -> Option<Value> {
    let ty = ROLLOUT
        .root
        .at_path(&format!("spec.strategy.canary.steps.0.{kind}"));
    let schema = ROLLOUT.at(ty);
    if !v.value.is_object() {
        d.error(v, format!("expected a map: `{kind}: {{name, match}}`"));
        return None;
    }
    let items = match verdict(kind, routers) {
        Verdict::Copy(items) => items,
        Verdict::Refuse(why) => {
            d.known_names(v, schema);
            d.error(v, why);
            return None;
        }
        Verdict::LeaveOut(why) => {
            d.known_names(v, schema);
            d.unsupported(v, &why);
            return None;
        }
    };
    let m = v.get("match");
    if let Some(m) = &m {
        let refused = |d: &mut Draft| {
            // The step's other fields go with it, their misspellings still told.
            d.known_names(v, schema);
            d.read(v);
            None
        };
        if m.value.as_array().is_some_and(Vec::is_empty) {
            d.error(
                m,
                "an empty `match` is no removal (the controller tests for no list): the \
                 router writes a route with no condition, which takes every request \
                 (istio.go createHeaderRoute / createMirrorRoute); leave `match` out to \
                 remove the route, or give its conditions",
            );
            return refused(d);
        }
        if kind == "setHeaderRoute" && routers.alb && !alb_exact(m, d) {
            return refused(d);
        }
    }
    let mut out = Map::new();
    for (key, child) in v.entries() {
        let at = format!("{to}.{key}");
        match key {
            "name" => {
                d.read(&child);
                d.trace(&at, &child);
                out.insert(key.into(), child.value.clone());
            }
            "match" => {
                d.known_names(&child, schema.at(ty.at_path("match")));
                d.read(&child);
                d.trace(&at, &child);
                out.insert(key.into(), ty.at_path("match").pruned(child.value));
            }
            "percentage" if m.is_none() => d.unsupported(
                &child,
                "a setMirrorRoute step without `match` removes its route and reads no \
                 percentage (istio.go reconcileVirtualServiceMirrorRoutes)",
            ),
            "percentage" => {
                d.read(&child);
                d.trace(&at, &child);
                out.insert(key.into(), child.value.clone());
            }
            // Any other key is not read: `finish` refuses it as no field of the step.
            _ => {}
        }
    }
    if m.is_some() {
        out.insert("matchShare".into(), json!(DEFAULT_MATCH_SHARE));
        d.comment(
            &format!("{to}.matchShare"),
            &format!("{DEFAULT_NOTE}\n{items}"),
        );
    } else {
        let how = if kind == "setHeaderRoute" {
            "reconcileVirtualServiceHeaderRoutes"
        } else {
            "reconcileVirtualServiceMirrorRoutes"
        };
        d.comment(
            to,
            &format!("no `match`: the step removes the route\n(istio.go {how})"),
        );
    }
    Some(Value::Object(out))
}

/// The comment above the DEFAULT `matchShare` of a route step.
const DEFAULT_NOTE: &str = "DEFAULT share of the users' requests the `match` conditions select, not in\n\
     the manifest: the simulator cannot read headers, methods or paths, and the\n\
     manifest cannot tell how many requests carry them; set yours (above 0, at most 1).";

/// Whether every item of the header route's `match` `m` has an `exact` value and no
/// other, as validation requires with an ALB router (`hasALBInvalidValues`); each item
/// that has not is refused.
fn alb_exact(m: &Src, d: &mut Draft) -> bool {
    let mut ok = true;
    for item in m.items() {
        let value = item.get("headerValue");
        let given = |k: &str| {
            value
                .as_ref()
                .and_then(|v| v.get(k))
                .and_then(|s| s.str())
                .is_some_and(|s| !s.is_empty())
        };
        if given("exact") && !given("prefix") && !given("regex") {
            continue;
        }
        ok = false;
        d.error(
            value.as_ref().unwrap_or(&item),
            format!(
                "Argo Rollouts takes only an `exact` header value with an ALB router \
                 ({VALIDATION}, `hasALBInvalidValues`: an ALB condition lists exact values)"
            ),
        );
    }
    ok
}

#[cfg(test)]
#[path = "argo_routes_tests.rs"]
mod tests;
