//! `trafficRouting.managedRoutes` and the canary steps that set them, `setHeaderRoute` and
//! `setMirrorRoute`: the fields, defaults and validation of `argoproj/argo-rollouts` v1.10
//! (`pkg/apis/rollouts/v1alpha1/types.go` `MangedRoutes`, `SetHeaderRoute`,
//! `SetMirrorRoute`; `pkg/apis/rollouts/validation/validation.go`
//! `ValidateRolloutStrategyCanary`, `hasMultipleMatchValues`,
//! `ValidateStepRouteFoundInManagedRoute`), as the Istio router applies them
//! (`rollout/trafficrouting/istio/istio.go`).
//!
//! A step with a `match` puts its route (by name) above the weighted route; one without
//! removes it (`removeRoute`). The simulator cannot read a request's headers, method or
//! path, so a route with a `match` takes the simulator field `matchShare`: the fraction of
//! the users' requests its conditions select. Routes match independently of each other,
//! and a request that several select takes the first in `managedRoutes` order (Istio's
//! first matching HTTP route; `orderRoutes` puts the managed routes on top in that order).

use super::walk::{Node, Obj};

/// Fields of one `managedRoutes[]` item.
pub const MANAGED_ROUTE_FIELDS: &[&str] = &["name"];
/// Fields of `setHeaderRoute`.
pub const HEADER_ROUTE_STEP_FIELDS: &[&str] = &["name", "match", "matchShare"];
/// Fields of one `setHeaderRoute.match[]` item.
pub const HEADER_MATCH_FIELDS: &[&str] = &["headerName", "headerValue"];
/// Fields of `setMirrorRoute`.
pub const MIRROR_ROUTE_STEP_FIELDS: &[&str] = &["name", "match", "percentage", "matchShare"];
/// Fields of one `setMirrorRoute.match[]` item.
pub const MIRROR_MATCH_FIELDS: &[&str] = &["method", "path", "headers"];
/// Fields of a `StringMatch` (exactly one given).
pub const STRING_MATCH_FIELDS: &[&str] = &["exact", "prefix", "regex"];

/// A `setHeaderRoute` or `setMirrorRoute` step: one managed route set or removed.
///
/// ```
/// use rollout_sim::scenario::managed_routes::{Route, RouteStep};
/// // `setHeaderRoute: {name: beta}` with a match selecting 5 % of the requests.
/// let s = RouteStep { route: 0, set: Some(Route::Header { share: 0.05 }) };
/// assert!(s.set.is_some());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteStep {
    /// The route's index in `trafficRouting.managedRoutes` (its precedence, first highest).
    pub route: usize,
    /// The route the step sets; `None`: the step has no `match` and removes the route.
    pub set: Option<Route>,
}

/// A managed route as Istio applies it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Route {
    /// `setHeaderRoute`: every request its `match` selects goes to the canary
    /// (`createHeaderRoute`: one destination, the canary, weight 100).
    Header {
        /// `matchShare`: the fraction of the users' requests selected.
        share: f64,
    },
    /// `setMirrorRoute`: the requests its `match` selects go where the weighted route
    /// sent them when the step ran (`createMirrorRoute` copies that route's destinations,
    /// weights included, and a later `setWeight` does not change them), and `percentage`
    /// % of them are copied to the canary.
    Mirror {
        /// `matchShare`: the fraction of the users' requests selected.
        share: f64,
        /// `percentage` (default 100): the part of the selected requests copied.
        percent: u32,
    },
}

impl Route {
    /// The fraction of the users' requests the route's conditions select.
    pub fn share(&self) -> f64 {
        match *self {
            Route::Header { share } | Route::Mirror { share, .. } => share,
        }
    }
}

/// `trafficRouting.managedRoutes`: the names, in precedence order.
pub fn managed_routes(n: &Node) -> Option<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for item in n.list()? {
        let o = item.object(MANAGED_ROUTE_FIELDS)?;
        let Some(name) = o.required("name", non_empty) else {
            continue;
        };
        if names.contains(&name) {
            item.problem(format!(
                "route `{name}` is listed twice; each managed route is one route of the \
                 VirtualService, placed once in this order"
            ));
            continue;
        }
        names.push(name);
    }
    Some(names)
}

/// `setHeaderRoute` (`mirror` false) or `setMirrorRoute`, whose `name` must be one of
/// `routes` (`None`: `managedRoutes` not set).
pub fn route_step(n: &Node, mirror: bool, routes: Option<&[String]>) -> Option<RouteStep> {
    let fields = if mirror {
        MIRROR_ROUTE_STEP_FIELDS
    } else {
        HEADER_ROUTE_STEP_FIELDS
    };
    let o = n.object(fields)?;
    let route = route_index(&o, routes);
    let set = match o.get("match") {
        Some(list) => {
            let valid = conditions(&list, mirror);
            let share = o.required("matchShare", |n| {
                super::match_share::parse(n, "headers, methods or paths")
            });
            let percent = o.or("percentage", 100, |n| {
                n.u32_in(0..=100, |got| {
                    format!(
                        "must be between 0 and 100 (Istio's mirrorPercentage is a percent), \
                         got {got}"
                    )
                })
            });
            valid?;
            let share = share?;
            Some(if mirror {
                Route::Mirror { share, percent }
            } else {
                Route::Header { share }
            })
        }
        None => {
            // Without `match` the step removes the route (`reconcileVirtualService…Routes`
            // return after `removeRoute`): anything else given would change nothing.
            for field in ["matchShare", "percentage"] {
                if let Some(f) = o.get(field) {
                    f.problem(format!(
                        "has no effect: a step without `match` removes its route; give \
                         `match` or remove `{field}`"
                    ));
                }
            }
            None
        }
    };
    Some(RouteStep { route: route?, set })
}

/// The step's `name` among `managedRoutes`.
fn route_index(o: &Obj, routes: Option<&[String]>) -> Option<usize> {
    let name = o.required("name", non_empty)?;
    let node = o.get("name")?;
    let Some(routes) = routes else {
        return node.fail(format!(
            "names route `{name}`, but `trafficRouting.managedRoutes` is not set: Argo \
             Rollouts requires every route a step sets to be listed there"
        ));
    };
    match routes.iter().position(|r| *r == name) {
        Some(i) => Some(i),
        None => node.fail(format!(
            "route `{name}` is not in `trafficRouting.managedRoutes` ({}): Argo Rollouts \
             requires every route a step sets to be listed there",
            routes.join(", ")
        )),
    }
}

fn non_empty(n: &Node) -> Option<String> {
    let s = n.string()?;
    n.check(s.clone(), !s.is_empty(), "must not be empty")
}

/// The `match` list: every condition valid, and at least one.
fn conditions(list: &Node, mirror: bool) -> Option<()> {
    let items = list.list()?;
    if items.is_empty() {
        // `match: []` is not nil, so the route is created with no condition, and an
        // Istio route with no match takes every request.
        return list.fail(
            "an empty `match` would make a route of every request: give a condition, or \
             leave `match` out to remove the route",
        );
    }
    let ok = items.iter().fold(true, |ok, item| {
        let valid = if mirror {
            mirror_condition(item)
        } else {
            header_condition(item)
        };
        ok & valid.is_some()
    });
    ok.then_some(())
}

/// `{headerName, headerValue}`: both needed (`hasMultipleMatchValues` refuses a missing
/// value).
fn header_condition(n: &Node) -> Option<()> {
    let o = n.object(HEADER_MATCH_FIELDS)?;
    let name = o.required("headerName", non_empty);
    let value = o.required("headerValue", string_match);
    name.and(value)
}

/// `{method, path, headers}`: each given one a `StringMatch`, at least one given (a
/// condition of nothing selects every request).
fn mirror_condition(n: &Node) -> Option<()> {
    let o = n.object(MIRROR_MATCH_FIELDS)?;
    if !MIRROR_MATCH_FIELDS.iter().any(|f| o.has(f)) {
        return n.fail(
            "a condition with no `method`, `path` or `headers` selects every request: give one",
        );
    }
    let mut ok = true;
    for field in ["method", "path"] {
        if let Some(v) = o.get(field) {
            ok &= string_match(&v).is_some();
        }
    }
    if let Some(headers) = o.opt("headers", Node::map) {
        for (_, v) in headers.entries() {
            ok &= string_match(&v).is_some();
        }
    }
    ok.then_some(())
}

/// A `StringMatch` with exactly one of `exact`, `prefix`, `regex` (`hasMultipleMatchValues`;
/// Istio's `StringMatch` is a oneof, so the VirtualService update would fail too).
fn string_match(n: &Node) -> Option<()> {
    let o = n.object(STRING_MATCH_FIELDS)?;
    let given: Vec<&str> = STRING_MATCH_FIELDS
        .iter()
        .copied()
        .filter(|k| o.has(k))
        .collect();
    match given[..] {
        [k] => o.required(k, non_empty).map(|_| ()),
        _ => n.fail(format!(
            "give exactly one of `exact`, `prefix`, `regex`, got {}",
            if given.is_empty() {
                "none".to_string()
            } else {
                given.join(", ")
            }
        )),
    }
}

#[cfg(test)]
#[path = "managed_routes_tests.rs"]
mod tests;
