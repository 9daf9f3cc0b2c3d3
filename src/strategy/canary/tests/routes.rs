//! Managed routes in whole trials, against argo-rollouts 9f8d111
//! `rollout/trafficrouting.go:reconcileTrafficRouting` (`RemoveManagedRoutes` while the
//! canary has no available pod and on an abort, then the current step's route) and
//! `rollout/trafficrouting/istio/istio.go:createMirrorRoute` (a mirror route copies the
//! weighted route as it stands). N = 4 behind a router, new pods started in 50 s, 100
//! requests a second evenly spaced.

use super::*;
use crate::scenario::managed_routes::{Route, RouteStep};
use crate::scenario::rollout::CanaryScale;

fn header(share: f64) -> CanaryStep {
    CanaryStep::SetHeaderRoute(RouteStep {
        route: 0,
        set: Some(Route::Header { share }),
    })
}

/// A mirror route selecting `share` of the requests, copying none of them.
fn mirror(share: f64) -> CanaryStep {
    CanaryStep::SetMirrorRoute(RouteStep {
        route: 1,
        set: Some(Route::Mirror { share, percent: 0 }),
    })
}

const REMOVE_HEADER: CanaryStep = CanaryStep::SetHeaderRoute(RouteStep {
    route: 0,
    set: None,
});

const ONE_POD: CanaryStep = CanaryStep::SetCanaryScale(CanaryScale::Replicas(1));

/// The requests the new version served.
fn next_requests(steps: Vec<CanaryStep>, actions: Vec<Action>) -> f64 {
    let s = with_traffic(routed(steps, actions));
    let (r, trace) = run(&s);
    assert!(
        matches!(r.outcome, Outcome::Completed | Outcome::RolledBack),
        "{:?} {trace:?}",
        r.outcome
    );
    r.traffic.unwrap().next_requests as f64
}

/// A header route set on the canary's one pod (weight 0) and removed 100 s later sends
/// its share for those 100 s: 20 % more of 100 requests a second is 2,000 more requests
/// (the pod is available on a whole second, so the pause lasts 100 s to the instant).
#[test]
fn a_header_route_sends_its_share_until_a_step_removes_it() {
    let steps = |share| {
        vec![
            ONE_POD,
            header(share),
            Pause(Some(100 * S)),
            REMOVE_HEADER,
            Pause(Some(100 * S)),
        ]
    };
    let more = next_requests(steps(0.4), vec![]) - next_requests(steps(0.2), vec![]);
    assert_eq!(more, 2000.0);
}

/// A route set while the canary has no available pod is removed by the next reconcile
/// (`c.newRS.Status.AvailableReplicas == 0`), so a first-step header route sends nothing:
/// the same requests as a `setWeight: 0` in its place. Set once the canary's pod is
/// available, the same route sends half the requests to it.
#[test]
fn a_route_set_before_the_canary_has_a_pod_is_removed_at_once() {
    let rest = || vec![ONE_POD, Pause(Some(100 * S))];
    let first = next_requests([vec![header(0.5)], rest()].concat(), vec![]);
    let none = next_requests([vec![SetWeight(0)], rest()].concat(), vec![]);
    assert_eq!(first, none);
    let after_pod = next_requests(vec![ONE_POD, header(0.5), Pause(Some(100 * S))], vec![]);
    assert!(after_pod > none + 4900.0, "{after_pod} against {none}");
}

/// A mirror route taking every request keeps sending them by the weight it copied (25):
/// a later `setWeight: 50` or `75` moves only the weighted route, which no request
/// reaches, so both send the new version the same requests. Without the mirror route they
/// differ.
#[test]
fn a_mirror_route_keeps_the_weight_it_copied() {
    let steps = |mirrored: bool, w: u32| {
        let mut s = vec![SetWeight(25), SetWeight(w), Pause(Some(100 * S))];
        if mirrored {
            s.insert(1, mirror(1.0));
        }
        s
    };
    let s = |m, w| next_requests(steps(m, w), vec![]);
    assert_eq!(s(true, 50), s(true, 75));
    assert!(s(false, 75) > s(false, 50) + 2400.0);
}

/// An abort puts the first step's route back in every reconcile (the index is reset to
/// 0): a first-step header route of half the requests, aborted at 200 s while the
/// canary's pod is up, sends it half the requests from 201 s (the write reaches the
/// proxies a second later) until the pod leaves the rotation as it is removed
/// `abortScaleDownDelaySeconds` (30 s) after the abort: 29 s × 50 a second = 1,450 more
/// than a `setWeight: 0` in its place.
#[test]
fn a_first_step_route_is_set_again_through_the_abort() {
    let steps = |first| vec![first, ONE_POD, Pause(None)];
    let abort = || vec![at(200 * S, ActionKind::Abort)];
    let more =
        next_requests(steps(header(0.5)), abort()) - next_requests(steps(SetWeight(0)), abort());
    assert_eq!(more, 1450.0);
}

/// `RemoveManagedRoutes` on an abort: a header route set on the canary's pod (not by a
/// first step) stops at the abort (200 s), not through the 30 s the aborted canary is
/// kept: twice the share sends 20 % more of 100 a second from 50 s, when the pod is
/// available and the route set, to 200 s: 3,000 more requests.
#[test]
fn an_abort_ends_what_the_routes_send_the_new_version() {
    let steps = |share| vec![ONE_POD, header(share), Pause(None)];
    let abort = || vec![at(200 * S, ActionKind::Abort)];
    let one = next_requests(steps(0.2), abort());
    let two = next_requests(steps(0.4), abort());
    assert_eq!(two - one, 3000.0);
}

/// `lint` names a route step the steps reach with no canary pod (the case above that
/// sends nothing), and not one after `setCanaryScale` or a `setWeight` above 0, nor a
/// step that removes its route.
#[test]
fn lint_warns_of_a_route_set_before_the_canary_has_a_pod() {
    let fires = |steps: Vec<CanaryStep>| {
        let s = scenario(4, RolloutKind::Canary(canary(steps, true)));
        crate::check::lint::lint(&s, Some(1))
            .iter()
            .filter(|w| w.rule == "argo-route-before-canary-pods")
            .count()
    };
    assert_eq!(fires(vec![header(0.5), ONE_POD]), 1);
    assert_eq!(fires(vec![SetWeight(0), mirror(0.5), SetWeight(10)]), 1);
    assert_eq!(fires(vec![ONE_POD, header(0.5)]), 0);
    assert_eq!(fires(vec![SetWeight(10), mirror(0.5)]), 0);
    assert_eq!(fires(vec![REMOVE_HEADER, SetWeight(10)]), 0);
}
