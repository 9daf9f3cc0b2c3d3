//! A Flagger Canary's `spec.analysis.match` (A/B testing) → the same under
//! `strategy.flagger.analysis`, with the simulator's `matchShare` beside it as a marked
//! DEFAULT, when the router Flagger builds for the Canary routes by the conditions as the
//! simulator does (`src/strategy/flagger/ab_match.rs`): the weights written on a route of
//! the requests the conditions select, every other request sent to the primary
//! (`fluxcd/flagger` v1.44.0 `pkg/router/istio.go:SetRoutes`). With `iterations`
//! (`scheduler.go:runAB`) the canary gets weight 100 of those requests at every iteration;
//! without, the steps' weights apply to them only.
//!
//! Each router's `SetRoutes` (and `Reconcile`, which builds the routes) at v1.44.0:
//!
//! - Istio (`istio.go`): a route of the conditions, one `HTTPMatchRequest` each (any one
//!   selects a request), above a route of every other request to the primary: copied.
//!   Not for a TCP service (`spec.service.appProtocol: tcp`, `isTcp`): its TCP route has
//!   the weights and no condition.
//! - Gateway API (`gateway_api.go`, `gateway_api_v1beta1.go`): the same two rules of an
//!   HTTPRoute, the conditions mapped by `mapRouteMatches`: copied when every header and
//!   query parameter uses `exact` or `regex` and no condition has `sourceLabels` (the
//!   HTTPRoute has no such match: dropped). For another, `mapRouteMatches` fails,
//!   `SetRoutes` drops the error, and the weighted rule keeps the Service's matches only:
//!   it takes every request.
//! - App Mesh (`appmesh.go`, `appmesh_v1beta2.go`): `reconcileVirtualRouter` puts a route
//!   of the headers (`makeHeaders`, of every condition together: all must match) above a
//!   route to the primary, and `SetRoutes` writes the weights on the first. Copied for one
//!   condition of headers only, as Flagger's docs say App Mesh takes.
//! - Contour (`contour.go`): the same two routes; `makeConditions` makes one header
//!   condition per header of every condition, all on one route (all must match), an
//!   `exact` as written and a `prefix` or `suffix` as `contains`, a `regex` with no value.
//!   Copied for one condition of `exact`, `prefix` or `suffix` headers only, the
//!   `contains` told in the comment.
//! - NGINX (`ingress.go`): the canary Ingress gets `canary-by-header` (the last header of
//!   any condition, `exact` or `regex`) and `canary-by-cookie` (the last `cookie`
//!   header's `exact`: a cookie of that name set to `always`); the weight is not written.
//!   With `iterations` copied, for single-header conditions of one header name and one
//!   cookie at most. Without, `GetRoutes` reports the canary at 100 once the annotations
//!   are set, and `runCanary` takes that as `maxWeight` reached: refused.
//! - Gloo (`gloo.go`): the route table's only route gets the conditions' headers
//!   (`getMatchers`), with no route for the other requests, which go wherever the Gloo
//!   VirtualService delegating to it sends them next: refused (the scenario would send
//!   them to the primary).
//! - `kubernetes` (`nop.go`): `scheduler.go:advanceCanary` drops `match` with a warning
//!   ("A/B testing is not supported"): left out and reported.
//! - Every other router (SMI / Linkerd / OSM, Skipper, Traefik, APISIX, Kuma, Knative):
//!   `SetRoutes` never reads `match` and sets its weights on every request. Without
//!   `iterations` that is the progressive canary the scenario runs without `match`: left
//!   out and reported. With them, `runAB` gives the canary weight 100 of every request at
//!   each iteration: refused.
//!
//! A `match` item keeps only the CRD's fields (`artifacts/flagger/crd.yaml`: `headers`,
//! `queryParams`, `sourceLabels`); the other fields of Istio's `HTTPMatchRequest`, which
//! Flagger's Go type has (`uri`, `method`, …), are pruned by the API server (and refused
//! by kubectl's strict field validation): reported, not copied.

use super::draft::{Draft, Src};
use super::flagger_fields::CANARY;
use super::flagger_mirror::{is_tcp, provider};
use super::flagger_router::{self, Kind};
use crate::strategy::flagger::ab_match::CONDITION_FIELDS;
use serde_json::{Map, Value, json};

/// The `matchShare` written when `match` is copied: the manifest cannot say it.
pub const DEFAULT_MATCH_SHARE: f64 = 0.1;

/// The comment above the DEFAULT `matchShare`.
const DEFAULT_NOTE: &str = "DEFAULT share of the users' requests the `match` conditions select, not in\n\
     the manifest: the simulator cannot read headers, cookies or queries, and the\n\
     manifest cannot tell how many requests carry them; set yours (above 0, at most 1).";

/// The fields of Istio's `HTTPMatchRequest` (`pkg/apis/istio/v1beta1/virtual_service.go`)
/// that the Canary CRD's `match` item lacks: the API server prunes them.
const PRUNED: [&str; 10] = [
    "name",
    "uri",
    "scheme",
    "method",
    "authority",
    "port",
    "gateways",
    "ignoreUriCase",
    "withoutHeaders",
    "sourceNamespace",
];

/// How the router of a provider routes by `match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Router {
    /// Istio's (also for a provider the factory does not know).
    Istio,
    /// Gateway API's (`gatewayapi:v1…`): its source file.
    GatewayApi(&'static str),
    /// App Mesh's: its source file.
    AppMesh(&'static str),
    /// Contour's.
    Contour,
    /// The NGINX ingress'.
    Nginx,
    /// Gloo's.
    Gloo,
    /// `kubernetes`: no router.
    Kubernetes,
    /// A router that never reads `match`: its name and source file.
    Ignores(&'static str, &'static str),
}

/// How the router `pkg/router/factory.go:MeshRouter` builds for `provider` routes by
/// `match`.
fn router(provider: &str) -> Router {
    let r = flagger_router::router(provider);
    match r.kind {
        Kind::Istio | Kind::Unknown => Router::Istio,
        Kind::GatewayApi => Router::GatewayApi(r.file),
        Kind::AppMesh => Router::AppMesh(r.file),
        Kind::Contour => Router::Contour,
        Kind::Nginx => Router::Nginx,
        Kind::Gloo => Router::Gloo,
        Kind::Kubernetes => Router::Kubernetes,
        Kind::Other => Router::Ignores(r.name, r.file),
    }
}

/// What the import does with `match`.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Copied, with a note on how the router reads the conditions, if any.
    Copy(Option<String>),
    /// Left out and reported, saying why.
    LeaveOut(String),
    /// Refused at the manifest path, saying why.
    Refuse(String, String),
}

/// One condition as the router sees it: its path, and its CRD fields.
struct Condition<'a> {
    src: Src<'a>,
    fields: Map<String, Value>,
}

impl Condition<'_> {
    /// `(name, the match's key)` of its `headers` (or `queryParams`): `exact`, `prefix`,
    /// `suffix`, `regex`, or `""` for none.
    fn matches(&self, key: &str) -> Vec<(String, String)> {
        let Some(Value::Object(m)) = self.fields.get(key) else {
            return Vec::new();
        };
        m.iter()
            .map(|(name, v)| {
                let how = ["exact", "prefix", "suffix", "regex"]
                    .into_iter()
                    .find(|k| v.get(k).is_some())
                    .unwrap_or("");
                (name.clone(), how.to_string())
            })
            .collect()
    }

    /// Whether it has a non-empty `key` (`queryParams`, `sourceLabels`).
    fn has(&self, key: &str) -> bool {
        match self.fields.get(key) {
            Some(Value::Object(m)) => !m.is_empty(),
            Some(Value::Null) | None => false,
            Some(_) => true,
        }
    }
}

/// `analysis.match` of the Canary `spec`'s analysis `a` → under `to`, with `matchShare`;
/// whether it was copied (the conditions' requests then reach the canary).
pub fn ab_match(spec: &Src, a: &Src, to: &str, d: &mut Draft) -> bool {
    let Some(m) = a.get("match") else {
        return false;
    };
    let at = format!("{to}.match");
    let Some(items) = m.value.as_array() else {
        // No list: copied for the scenario's parser to refuse at its path, as the API
        // server refuses it (the CRD's `type: array`).
        d.copy_tree(&at, &m);
        return false;
    };
    if items.is_empty() {
        // `len(Match) == 0`: Flagger runs no A/B test (`canary.go:DeploymentStrategy`).
        d.read(&m);
        return false;
    }
    let item_type = CANARY.at(CANARY.root.at_path("spec.analysis.match.0"));
    let mut conditions = Vec::new();
    let mut pruned = Vec::new();
    let mut copied = Vec::new();
    for item in m.items() {
        let Value::Object(map) = item.value else {
            // A condition that is no map: copied for the scenario's parser to refuse.
            copied.push(item.value.clone());
            continue;
        };
        let mut fields = Map::new();
        let mut checked = Map::new();
        for (key, v) in map {
            if PRUNED.contains(&key.as_str()) {
                pruned.push(item.get(key).expect("a key of the item"));
                continue;
            }
            checked.insert(key.clone(), v.clone());
            if CONDITION_FIELDS.contains(&key.as_str()) {
                fields.insert(key.clone(), v.clone());
            }
        }
        // A key neither the CRD nor Istio's type has is a misspelling, refused with a
        // "did you mean" (`headrs`).
        let checked = Value::Object(checked);
        let shown = Src {
            value: &checked,
            path: item.path.clone(),
        };
        d.known_names(&shown, item_type);
        copied.push(Value::Object(fields.clone()));
        conditions.push(Condition { src: item, fields });
    }
    let iterations = a.get("iterations").is_some();
    let (p, shown) = provider(spec);
    let verdict = verdict(router(&p), is_tcp(spec), iterations, &conditions, &m);
    match verdict {
        // Left out whole: its pruned fields with it.
        Verdict::LeaveOut(why) => {
            d.unsupported(&m, &format!("{why} ({shown})"));
            false
        }
        Verdict::Refuse(path, why) => {
            d.read(&m);
            report_pruned(&pruned, d);
            let at_src = conditions
                .iter()
                .map(|c| c.src.clone())
                .find(|c| c.path == path)
                .unwrap_or_else(|| m.clone());
            d.error(&at_src, format!("{why} ({shown})"));
            false
        }
        Verdict::Copy(note) => {
            d.read(&m);
            report_pruned(&pruned, d);
            d.trace(&at, &m);
            d.put(&at, Value::Array(copied));
            d.comment(
                &at,
                &format!(
                    "{shown}:\nits router sends the requests these conditions select by the \
                     canary's weight, every other request to the primary{}",
                    if flagger_router::router(&p).kind == Kind::Unknown {
                        " (a provider Flagger's router factory does not know: it uses \
                         Istio's router, pkg/router/factory.go `MeshRouter`)"
                    } else {
                        ""
                    }
                ),
            );
            let mut why = DEFAULT_NOTE.to_string();
            if let Some(n) = note {
                why.push('\n');
                why.push_str(&n);
            }
            d.assume(
                &format!("{to}.matchShare"),
                json!(DEFAULT_MATCH_SHARE),
                &why,
            );
            true
        }
    }
}

/// Reports the `pruned` fields of the `match` items (a field of Istio's `HTTPMatchRequest`
/// the CRD lacks): the API server drops them before Flagger reads the Canary.
fn report_pruned(pruned: &[Src], d: &mut Draft) {
    for p in pruned {
        let key = p.path.rsplit('.').next().unwrap_or_default();
        d.unsupported(
            p,
            &format!(
                "the Canary CRD's `match` item has only `headers`, `queryParams` and \
                 `sourceLabels`: the API server prunes `{key}` (a field of Istio's \
                 HTTPMatchRequest, which kubectl's strict field validation refuses), so \
                 Flagger never routes by it"
            ),
        );
    }
}

/// What the `router` makes of the `conditions` (`tcp`: Istio's `isTcp`; `iterations`:
/// A/B testing, `runAB`); `m` is the whole `match`.
fn verdict(
    router: Router,
    tcp: bool,
    iterations: bool,
    conditions: &[Condition],
    m: &Src,
) -> Verdict {
    let whole = |why: String| Verdict::Refuse(m.path.clone(), why);
    let ignored = |what: String| {
        if iterations {
            whole(format!(
                "{what}, and scheduler.go `runAB` gives the canary weight 100 at each \
                 iteration: every request would go to the canary, not the conditions' \
                 share the scenario would send. Remove `match` for a blue/green, or \
                 `iterations` for a progressive canary"
            ))
        } else {
            Verdict::LeaveOut(format!(
                "{what}: the steps' weights apply to every request, as the scenario's \
                 progressive canary without `match` does"
            ))
        }
    };
    match router {
        Router::Istio if tcp => ignored(
            "Flagger's Istio router sends a TCP service (`spec.service.appProtocol: tcp`) \
             through a TCP route without the conditions (pkg/router/istio.go `SetRoutes`, \
             `isTcp`)"
                .to_string(),
        ),
        Router::Istio => Verdict::Copy(None),
        Router::Ignores(name, file) => ignored(format!(
            "Flagger's {name} router (pkg/router/{file}) never reads `match`: its \
             `SetRoutes` writes the weights for every request"
        )),
        Router::Kubernetes => Verdict::LeaveOut(
            "the `kubernetes` provider has no router: scheduler.go `advanceCanary` drops \
             `match` with the warning \"A/B testing is not supported when using the \
             kubernetes provider\", and the canary runs as a blue/green"
                .to_string(),
        ),
        Router::Gloo => whole(
            "Flagger's Gloo router (pkg/router/gloo.go `SetRoutes`, `getMatchers`) puts the \
             conditions' headers on the route table's only route and writes no route for \
             the other requests, which go wherever the Gloo VirtualService delegating to \
             it sends them next, not to the primary as the scenario would send them"
                .to_string(),
        ),
        Router::GatewayApi(file) => gateway_api(file, conditions),
        Router::AppMesh(file) => one_condition(
            conditions,
            &format!(
                "Flagger's App Mesh router (pkg/router/{file} `makeHeaders`, \
                 `reconcileVirtualRouter`)"
            ),
            &["exact", "prefix", "suffix", "regex"],
        )
        .map_or(Verdict::Copy(None), |(c, why)| match c {
            Some(c) => Verdict::Refuse(c.src.path.clone(), why),
            None => whole(why),
        }),
        Router::Contour => contour(conditions, m),
        Router::Nginx if !iterations => whole(
            "Flagger's NGINX router writes no weight with `match`, only the \
             canary-by-header / canary-by-cookie annotations (pkg/router/ingress.go \
             `SetRoutes`), and its `GetRoutes` then reports the canary at 100, which \
             scheduler.go `runCanary` takes for `maxWeight` reached: it promotes after the \
             first step. Add `iterations` for an A/B test, or remove `match`"
                .to_string(),
        ),
        Router::Nginx => nginx(conditions),
    }
}

/// Gateway API: every header and query parameter `exact` or `regex`, no `sourceLabels`.
fn gateway_api(file: &str, conditions: &[Condition]) -> Verdict {
    let router = format!("Flagger's Gateway API router (pkg/router/{file} `mapRouteMatches`)");
    for c in conditions {
        if c.has("sourceLabels") {
            return Verdict::Refuse(
                c.src.path.clone(),
                format!(
                    "{router} drops `sourceLabels`: an HTTPRoute has no source match, so \
                     the condition would select other requests than written. Remove them"
                ),
            );
        }
        for (key, kind) in [("headers", "header"), ("queryParams", "query parameter")] {
            for (name, how) in c.matches(key) {
                if how != "exact" && how != "regex" {
                    let how = if how.is_empty() { "no match" } else { &how };
                    return Verdict::Refuse(
                        c.src.path.clone(),
                        format!(
                            "{router} takes only `exact` and `regex` for a {kind}, not the \
                             {how} of `{name}`: it fails, `SetRoutes` drops the error, and \
                             the weighted rule then takes every request, not the \
                             conditions' share"
                        ),
                    );
                }
            }
        }
    }
    Verdict::Copy(None)
}

/// App Mesh and Contour: a single condition of headers matched with one of `hows`; the
/// condition at fault (or none: the whole list) and why, or `None` when it fits.
fn one_condition<'c>(
    conditions: &'c [Condition<'c>],
    router: &str,
    hows: &[&str],
) -> Option<(Option<&'c Condition<'c>>, String)> {
    if conditions.len() > 1 {
        return Some((
            None,
            format!(
                "{router} puts the headers of every condition on one route, where all must \
                 match, not any one as the scenario reads the list: write them as one \
                 condition"
            ),
        ));
    }
    let c = conditions.first()?;
    for key in ["queryParams", "sourceLabels"] {
        if c.has(key) {
            return Some((
                Some(c),
                format!(
                    "{router} reads only `headers`: it drops `{key}`, so the condition \
                     would select other requests than written. Remove it"
                ),
            ));
        }
    }
    let headers = c.matches("headers");
    if headers.is_empty() {
        return Some((
            Some(c),
            format!(
                "{router} reads only `headers`, and this condition has none: its route \
                 would take every request"
            ),
        ));
    }
    for (name, how) in headers {
        if !hows.contains(&how.as_str()) {
            return Some((
                Some(c),
                format!(
                    "{router} does not match a header by `{how}` (`{name}`): use one of \
                     `{}`",
                    hows.join("`, `")
                ),
            ));
        }
    }
    None
}

/// Contour: one condition of `exact`, `prefix` or `suffix` headers; the last two are
/// matched as `contains`.
fn contour(conditions: &[Condition], m: &Src) -> Verdict {
    let router = "Flagger's Contour router (pkg/router/contour.go `makeConditions`)";
    for c in conditions {
        if let Some((name, _)) = c.matches("headers").into_iter().find(|(_, h)| h == "regex") {
            return Verdict::Refuse(
                c.src.path.clone(),
                format!(
                    "{router} writes no value for a `regex` header (`{name}`), only an \
                     `exact` and, for a `prefix` or `suffix`, `contains`: use one of those"
                ),
            );
        }
    }
    if let Some((c, why)) = one_condition(conditions, router, &["exact", "prefix", "suffix"]) {
        return Verdict::Refuse(
            c.map_or_else(|| m.path.clone(), |c| c.src.path.clone()),
            why,
        );
    }
    let loose: Vec<String> = conditions
        .iter()
        .flat_map(|c| c.matches("headers"))
        .filter(|(_, how)| how == "prefix" || how == "suffix")
        .map(|(name, how)| format!("`{name}` ({how})"))
        .collect();
    Verdict::Copy((!loose.is_empty()).then(|| {
        format!(
            "Contour matches {} as `contains` (contour.go `makeConditions`): give the share \
             of requests whose header contains the value anywhere.",
            loose.join(", ")
        )
    }))
}

/// NGINX with `iterations`: conditions of one header each, one header name besides
/// `cookie` at most (`exact` or `regex`), one `cookie` at most (`exact`).
fn nginx(conditions: &[Condition]) -> Verdict {
    let router = "Flagger's NGINX router (pkg/router/ingress.go `SetRoutes`)";
    let mut header: Option<String> = None;
    let mut cookie: Option<String> = None;
    for c in conditions {
        let refuse = |why: String| Verdict::Refuse(c.src.path.clone(), format!("{router} {why}"));
        for key in ["queryParams", "sourceLabels"] {
            if c.has(key) {
                return refuse(format!(
                    "reads only `headers`: it drops `{key}`, so the condition would \
                     select other requests than written"
                ));
            }
        }
        let headers = c.matches("headers");
        let [(name, how)] = &headers[..] else {
            return refuse(
                "makes one canary-by-header and one canary-by-cookie annotation of the \
                 conditions, either selecting a request: give one header a condition"
                    .to_string(),
            );
        };
        let value = || {
            c.fields["headers"][name.as_str()][how.as_str()]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        if name == "cookie" {
            if how != "exact" || cookie.is_some() {
                return refuse(
                    "reads one `cookie` condition, by `exact`: the name of a cookie set \
                     to `always` (canary-by-cookie)"
                        .to_string(),
                );
            }
            cookie = Some(value());
        } else {
            if (how != "exact" && how != "regex") || header.is_some() {
                return refuse(
                    "reads one header besides `cookie`, by `exact` or `regex` \
                     (canary-by-header-value, canary-by-header-pattern): the last one \
                     written would win"
                        .to_string(),
                );
            }
            header = Some(name.clone());
        }
    }
    Verdict::Copy(cookie.map(|name| {
        format!(
            "NGINX sends a request to the canary when its cookie `{name}` is `always` \
             (canary-by-cookie): give the share of requests carrying it."
        )
    }))
}

#[cfg(test)]
#[path = "flagger_ab_tests.rs"]
mod tests;
