//! A Flagger Canary's `spec.analysis.mirror` and `mirrorWeight` → the same under
//! `strategy.flagger.analysis`, when the router Flagger builds for the Canary mirrors as
//! the simulator does (`src/strategy/flagger/config.rs`: Istio's `mirrorPercentage`).
//!
//! Whether a Canary mirrors is its router's doing (`fluxcd/flagger` v1.44.0):
//!
//! - The provider is `spec.provider`, else the controller's `-mesh-provider` flag
//!   (`pkg/controller/scheduler.go:advanceCanary`), `istio` unless Flagger was started
//!   with another (`cmd/flagger/main.go`). `pkg/router/factory.go:MeshRouter` picks the
//!   router by it, and falls back to Istio's for a provider it does not know.
//! - Istio's router (`pkg/router/istio.go`): `SetRoutes` puts a mirror destination on the
//!   weighted route, with `mirrorPercentage` only for a `mirrorWeight` above 0, and
//!   `GetRoutes` reports it. Not for a TCP service (`spec.service.appProtocol: tcp`,
//!   `isTcp`): a TCP route has no mirror, and `GetRoutes` reports none. With
//!   `analysis.match`, `SetRoutes` replaces the routes with the A/B ones, without the mirror.
//! - Gateway API's routers (`gatewayapi:v1…`, `gatewayapi:v1beta1…`: `gateway_api.go`,
//!   `gateway_api_v1beta1.go`): `SetRoutes` adds a `RequestMirror` filter only when
//!   `iterations` is above 0, with no percentage (every request is copied, whatever the
//!   `mirrorWeight`); `GetRoutes` reports it.
//! - `kubernetes` (`nop.go`, `NopRouter`): no routes; `scheduler.go:runBlueGreen` mirrors
//!   for other providers only, and `advanceCanary` turns a progressive canary into 10
//!   iterations for it.
//! - Every other router (App Mesh, SMI / Linkerd / OSM, Contour, Gloo, NGINX, Skipper,
//!   Traefik, APISIX, Kuma, Knative): `GetRoutes` never reports a mirror, `SetRoutes`
//!   ignores it.
//!
//! What the scheduler makes of a router that mirrors nothing: `runBlueGreen` asks it to
//! mirror, and nothing is copied: `mirror` is left out and reported. `runCanary`'s mirror
//! step at weight 0 moves on to the first step only once `GetRoutes` has reported the
//! mirror; until then it sets the mirror again at every interval, and `advanceCanary`
//! runs no check at weight 0 without a reported mirror. A progressive canary
//! (`stepWeight`, `stepWeights`) on such a router stays at weight 0 for ever: it is
//! refused. A/B testing (`match` with `iterations`, `runAB`) sets its routes unmirrored.

use super::draft::{Draft, Src};
use super::flagger_router::{self, Kind};
use serde_json::Value;

/// Flagger's `-mesh-provider` default (`cmd/flagger/main.go`, v1.44.0).
pub(super) const DEFAULT_PROVIDER: &str = "istio";

/// How the router of a provider mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Router {
    /// Istio's: a mirror destination with `mirrorPercentage`. `fallback`: the provider is
    /// none the factory knows.
    Istio { fallback: bool },
    /// Gateway API's: a `RequestMirror` filter, for a blue/green only.
    GatewayApi,
    /// `kubernetes`: no router at all.
    Kubernetes,
    /// A router that never mirrors: its name and source file.
    Never(&'static str, &'static str),
}

/// How the router `pkg/router/factory.go:MeshRouter` builds for `provider` mirrors.
fn router(provider: &str) -> Router {
    let r = flagger_router::router(provider);
    match r.kind {
        Kind::Istio => Router::Istio { fallback: false },
        Kind::Unknown => Router::Istio { fallback: true },
        Kind::GatewayApi => Router::GatewayApi,
        Kind::Kubernetes => Router::Kubernetes,
        _ => Router::Never(r.name, r.file),
    }
}

/// The Canary's provider as Flagger reads it, and how it was found, for messages.
pub(super) fn provider(spec: &Src) -> (String, String) {
    match spec
        .get("provider")
        .and_then(|p| p.str().map(str::to_string))
    {
        Some(p) if !p.is_empty() => {
            let shown = format!("provider `{p}`");
            (p, shown)
        }
        _ => (
            DEFAULT_PROVIDER.to_string(),
            format!(
                "provider `{DEFAULT_PROVIDER}`: no `spec.provider`, so Flagger's \
                 `-mesh-provider` default (a Flagger started with another provider mirrors \
                 as that one's router does)"
            ),
        ),
    }
}

/// What the Canary's mirroring does upstream.
enum Effect {
    /// Mirrored as simulated; with `mirrorWeight` read (Istio) or not (Gateway API).
    Mirrors { weighted: bool },
    /// Nothing is mirrored: `mirror` is left out, saying why.
    Nothing(String),
    /// The canary never leaves weight 0: refused, saying why.
    Stuck(String),
}

/// Whether Istio's router takes the Canary `spec`'s service for TCP
/// (`pkg/router/istio.go:isTcp`: `spec.service.appProtocol`, in any case).
pub(super) fn is_tcp(spec: &Src) -> bool {
    spec.get("service")
        .and_then(|s| s.get("appProtocol"))
        .and_then(|v| v.str())
        .is_some_and(|v| v.eq_ignore_ascii_case("tcp"))
}

/// What mirroring does for the Canary `spec` with the analysis `a`.
fn effect(spec: &Src, a: &Src) -> Effect {
    let (p, shown) = provider(spec);
    let blue_green = a.get("iterations").is_some();
    let ab = a
        .get("match")
        .is_some_and(|m| m.value.as_array().is_some_and(|l| !l.is_empty()));
    if blue_green && ab {
        return Effect::Nothing(
            "A/B testing (`match` with `iterations`) routes the matching requests to the \
             canary and mirrors nothing (Flagger's scheduler.go `runAB` sets its routes \
             unmirrored)"
                .to_string(),
        );
    }
    let tcp = is_tcp(spec);
    let router = router(&p);
    let never = match router {
        Router::Kubernetes => {
            return Effect::Nothing(format!(
                "the `kubernetes` provider has no mesh router (pkg/router/nop.go): \
                 scheduler.go `runBlueGreen` mirrors for other providers only, and \
                 `advanceCanary` runs a progressive canary as 10 iterations there; nothing \
                 is mirrored ({shown})"
            ));
        }
        Router::Never(name, file) => format!(
            "Flagger's {name} router (pkg/router/{file}) mirrors nothing: its `SetRoutes` \
             ignores the mirror and its `GetRoutes` never reports one ({shown})"
        ),
        Router::Istio { .. } if tcp => format!(
            "Flagger's Istio router sends a TCP service (`spec.service.appProtocol: tcp`) \
             through a TCP route, which has no mirror (pkg/router/istio.go `SetRoutes`, \
             `GetRoutes`) ({shown})"
        ),
        Router::GatewayApi if !blue_green => format!(
            "Flagger's Gateway API router adds its RequestMirror filter only for a blue/green \
             (pkg/router/gateway_api.go `SetRoutes`: `iterations` above 0), so a progressive \
             canary is never mirrored ({shown})"
        ),
        Router::Istio { .. } if ab => format!(
            "with `analysis.match`, Flagger's Istio router replaces the mirrored route with \
             the A/B routes (pkg/router/istio.go `SetRoutes`), so the mirror is never \
             reported ({shown})"
        ),
        Router::GatewayApi => return Effect::Mirrors { weighted: false },
        Router::Istio { .. } => return Effect::Mirrors { weighted: true },
    };
    if blue_green {
        return Effect::Nothing(never);
    }
    Effect::Stuck(format!(
        "{never}. Upstream the mirror step of a progressive canary (scheduler.go \
         `runCanary`, `mirror` at weight 0) moves on only once the router reports the \
         mirror, and no check runs at weight 0 without it (`advanceCanary`): the canary \
         would stay at weight 0 and the Canary never finish. Remove `mirror`, or use \
         `iterations` (a blue/green)"
    ))
}

/// `analysis.mirror` and `mirrorWeight` of the Canary `spec`'s analysis `a` → under `to`;
/// whether the scenario mirrors.
pub fn mirror(spec: &Src, a: &Src, to: &str, d: &mut Draft) -> bool {
    let weight = a.get("mirrorWeight");
    let on = match a.get("mirror") {
        None => None,
        Some(m) => match m.value {
            Value::Bool(false) => {
                d.read(&m);
                None
            }
            Value::Bool(true) => Some(m),
            // No boolean: copied for the scenario's parser to refuse at its path, as the
            // API server refuses it (the CRD's `type: boolean`).
            _ => {
                d.map(&format!("{to}.mirror"), &m);
                if let Some(w) = &weight {
                    d.map(&format!("{to}.mirrorWeight"), w);
                }
                return false;
            }
        },
    };
    let Some(on) = on else {
        if let Some(w) = weight {
            unmirrored_weight(&w, d);
        }
        return false;
    };
    match effect(spec, a) {
        Effect::Mirrors { weighted } => {
            d.map(&format!("{to}.mirror"), &on);
            if let Some(w) = weight {
                if weighted {
                    d.map_integer(&format!("{to}.mirrorWeight"), &w);
                } else {
                    d.unsupported(
                        &w,
                        "Flagger's Gateway API router mirrors every request: its \
                         RequestMirror filter has no percentage (pkg/router/gateway_api.go \
                         `SetRoutes`), so the scenario copies them all",
                    );
                }
            }
            let (_, shown) = provider(spec);
            d.comment(
                &format!("{to}.mirror"),
                &format!(
                    "{shown}: its router copies the users' requests to the canary while \
                     mirroring and drops the canary's answers{}",
                    fallback_note(spec)
                ),
            );
            true
        }
        Effect::Nothing(why) => {
            d.unsupported(&on, &why);
            if let Some(w) = weight {
                d.unsupported(
                    &w,
                    "read with `mirror` only, which is left out: the router mirrors nothing",
                );
            }
            false
        }
        Effect::Stuck(why) => {
            d.error(&on, why);
            // Refused with `mirror`: nothing more to say of it.
            if let Some(w) = weight {
                d.read(&w);
            }
            false
        }
    }
}

/// A note when the provider is none Flagger's router factory knows.
fn fallback_note(spec: &Src) -> &'static str {
    match router(&provider(spec).0) {
        Router::Istio { fallback: true } => {
            " (a provider Flagger's router factory does not know: it uses Istio's router, \
             pkg/router/factory.go `MeshRouter`)"
        }
        _ => "",
    }
}

/// `mirrorWeight` without `mirror: true`: 0 is Go's zero value and changes nothing; another
/// is not read by Flagger (istio.go `SetRoutes` reads it on a mirrored route only).
fn unmirrored_weight(w: &Src, d: &mut Draft) {
    if w.value.as_u64() == Some(0) {
        return d.read(w);
    }
    d.unsupported(
        w,
        "Flagger reads `mirrorWeight` only with `mirror: true` (pkg/router/istio.go \
         `SetRoutes`); nothing is mirrored",
    );
}

#[cfg(test)]
#[path = "flagger_mirror_tests.rs"]
mod tests;
