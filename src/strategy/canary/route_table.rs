//! The managed routes a canary's steps put in the router above its weighted route
//! (`setHeaderRoute`, `setMirrorRoute`), and the split of the users' requests they make,
//! after argo-rollouts v1.10 (9f8d111) `rollout/trafficrouting.go:reconcileTrafficRouting`
//! and `rollout/trafficrouting/istio/istio.go` (`SetHeaderRoute`, `SetMirrorRoute`,
//! `createMirrorRoute`, `RemoveManagedRoutes`, `orderRoutes`).
//!
//! - A step sets (or, without `match`, removes) its route in the reconcile that reaches
//!   it, once the stable can carry the weight (`checkReplicasAvailable`), and completes
//!   at once (`completedCurrentCanaryStep`). The route stays until a step removes it, or
//!   `RemoveManagedRoutes` takes every one: on an abort, under `promoteFull`, once the
//!   canary has no available pod, after the promotion.
//! - Removal comes first in a reconcile and the step's route after, so while the step
//!   index points at a route step the route is put back in every reconcile: an abort
//!   resets the index to 0, so a first step's route stays through the abort.
//! - A header route sends the requests it selects to the canary Service. A mirror route
//!   sends them where the weighted route sent requests when the step ran (its
//!   destinations copied with their weights; a later `setWeight` patches only the
//!   weighted route) and copies `percentage` % of them to the canary Service.
//! - Routes are tried in `managedRoutes` order (`orderRoutes`), each selecting its
//!   `matchShare` of the requests no route above took (matches taken as independent).
//! - What the routes send the canary reaches the canary's pods, after an abort too: the
//!   router has no kind here, and the weighted route's canary destination keeps the
//!   canary pods through an abort as well (docs/progressive-delivery.md, "Departures";
//!   Istio's DestinationRule subsets do, a host-level split follows the canary Service to
//!   the stable pods).

use crate::scenario::managed_routes::{Route, RouteStep};

/// The managed routes in force in the router, in precedence order.
#[derive(Debug, Default, Clone)]
pub(super) struct RouteTable {
    /// Per `managedRoutes` entry (as far as a step has set one), the route set, if any.
    routes: Vec<Option<InForce>>,
}

/// A route as the router holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct InForce {
    route: Route,
    /// A mirror route's copy of the weighted route's canary weight when it was set.
    weight: u32,
}

/// Where the users' requests go through the router: the canary Service's share, by the
/// weighted route and by the managed routes, and the fraction copied to it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Split {
    /// The fraction of the users' requests the weighted route (and `headerRoute.share`)
    /// sends to the canary.
    pub(super) canary: f64,
    /// The fraction the managed routes send to the canary Service.
    pub(super) routed: f64,
    /// The fraction of the users' requests copied to the canary Service.
    pub(super) copies: f64,
}

impl RouteTable {
    /// `RemoveManagedRoutes`.
    pub(super) fn remove_all(&mut self) {
        self.routes.iter_mut().for_each(|r| *r = None);
    }

    /// A `setHeaderRoute` / `setMirrorRoute` step applied, the weighted route holding
    /// canary weight `weight`.
    pub(super) fn apply(&mut self, step: RouteStep, weight: u32) {
        if self.routes.len() <= step.route {
            self.routes.resize(step.route + 1, None);
        }
        self.routes[step.route] = step.set.map(|route| InForce { route, weight });
    }

    /// The split with `header` of the requests sent to the canary above every route (the
    /// older `headerRoute.share`) and the weighted route at canary weight `weight` out of
    /// `max`.
    pub(super) fn split(&self, header: f64, weight: u32, max: f64) -> Split {
        let mut rest = 1.0 - header;
        let (mut routed, mut copies) = (0.0, 0.0);
        for r in self.routes.iter().flatten() {
            let taken = rest * r.route.share();
            rest -= taken;
            match r.route {
                Route::Header { .. } => routed += taken,
                Route::Mirror { percent, .. } => {
                    routed += taken * f64::from(r.weight) / max;
                    copies += taken * f64::from(percent) / 100.0;
                }
            }
        }
        Split {
            // Written as the weighted route's share alone was, so a table with no route
            // splits to the last bit as before.
            canary: header + rest * f64::from(weight) / max,
            routed,
            copies,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(steps: &[(RouteStep, u32)]) -> RouteTable {
        let mut t = RouteTable::default();
        for &(s, w) in steps {
            t.apply(s, w);
        }
        t
    }

    const HEADER: RouteStep = RouteStep {
        route: 0,
        set: Some(Route::Header { share: 0.1 }),
    };
    const MIRROR: RouteStep = RouteStep {
        route: 1,
        set: Some(Route::Mirror {
            share: 0.5,
            percent: 40,
        }),
    };

    #[test]
    fn routes_take_their_share_in_precedence_order() {
        // Header first: 10 % to the canary; the mirror route selects half of the other
        // 90 % (45 %), sends them by the weight of 20 it copied and copies 40 % of them
        // (18 %); the last 45 % follow the weighted route at 50.
        let t = table(&[(HEADER, 0), (MIRROR, 20)]);
        let s = t.split(0.0, 50, 100.0);
        assert!((s.routed - (0.1 + 0.45 * 0.2)).abs() < 1e-12);
        assert!((s.canary - 0.45 * 0.5).abs() < 1e-12);
        assert!((s.copies - 0.18).abs() < 1e-12);
    }

    #[test]
    fn a_step_without_match_removes_its_route_and_remove_all_every_one() {
        let mut t = table(&[(HEADER, 0), (MIRROR, 0)]);
        t.apply(
            RouteStep {
                route: 0,
                set: None,
            },
            0,
        );
        // The mirror route alone: half the requests, sent by its weight of 0.
        assert_eq!(t.split(0.0, 0, 100.0).routed, 0.0);
        assert_eq!(t.split(0.0, 10, 100.0).canary, 0.5 * 10.0 / 100.0);
        t.remove_all();
        assert_eq!(
            t.split(0.0, 30, 100.0),
            Split {
                canary: 0.3,
                routed: 0.0,
                copies: 0.0
            }
        );
    }

    #[test]
    fn the_older_header_share_splits_as_before() {
        // `h + (1 - h) w / max`, the formula `headerRoute.share` always had.
        let t = table(&[]);
        let (h, w) = (0.37, 13u32);
        assert_eq!(
            t.split(h, w, 100.0).canary,
            h + (1.0 - h) * f64::from(w) / 100.0
        );
    }
}
