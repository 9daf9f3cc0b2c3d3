//! A Canary's `spec.service`: the Services and routes Flagger generates, left out, but
//! for `retries` on Istio's router, which become the simulated proxy's
//! (`traffic.retries`).
//!
//! Istio's router writes `spec.service.retries` (an Istio `HTTPRetry`: `attempts`,
//! `retryOn`, `perTryTimeout`) into each HTTP route of the VirtualService it generates
//! (`fluxcd/flagger` `pkg/router/istio.go` `reconcileVirtualService`, v1.44.0), so the
//! sidecars retry the users' requests as the scenario's `traffic.retries` does. `attempts`
//! and `retryOn` are copied for the scenario's parser to check (Istio's rules);
//! `perTryTimeout` is left out (a timed-out request is not retried here). Left out with
//! the reason: on a TCP service (`appProtocol: tcp`, whose TCP route has no retries), and
//! on another router (Contour's, Gloo's and the others set their own retry policies from
//! it, with other conditions; `kubernetes` has no route at all).

use super::draft::{Draft, Src};
use super::flagger_fields::CANARY;
use super::flagger_mirror::{is_tcp, provider};
use super::flagger_router::{Kind, router};
use serde_json::json;

/// Why the generated Services and routes are left out.
const SERVICES: &str = "the Services and routes Flagger generates (port, gateways, hosts, \
                        retries, timeouts, …): the simulated traffic reaches the pods directly";

/// `spec.service` of the Canary `spec`.
pub(super) fn service(spec: &Src, d: &mut Draft) {
    let Some(s) = spec.get("service") else {
        return;
    };
    d.known_names(&s, CANARY.at(CANARY.root.at_path("spec.service")));
    let Some(retries) = s.get("retries").filter(|r| r.value.is_object()) else {
        return d.unsupported(&s, SERVICES);
    };
    for (key, v) in s.entries() {
        if key != "retries" {
            d.unsupported(
                &v,
                "the Services and routes Flagger generates: the simulated traffic reaches \
                 the pods directly",
            );
        }
    }
    let (p, shown) = provider(spec);
    let r = router(&p);
    let why = match r.kind {
        Kind::Istio | Kind::Unknown if is_tcp(spec) => Some(
            "a TCP service (`appProtocol: tcp`): Istio's router writes a TCP route, which \
             retries nothing"
                .to_string(),
        ),
        Kind::Istio | Kind::Unknown => None,
        Kind::Kubernetes => Some(format!(
            "{shown}: no router (pkg/router/{}), so no proxy retries",
            r.file
        )),
        _ => Some(format!(
            "{shown}: the {} router (pkg/router/{}) sets its own retry policy from it, not \
             Istio's; set `traffic.retries` by hand if its proxy retries as Istio's does",
            r.name, r.file
        )),
    };
    let measured = spec
        .get("analysis")
        .and_then(|a| a.get("metrics"))
        .is_some_and(|m| m.value.as_array().is_some_and(|m| !m.is_empty()));
    let why = why.or_else(|| {
        (!measured).then(|| {
            "no analysis metric measures requests, so the scenario has no traffic: add the \
             `traffic` section the footer shows, with `retries`"
                .to_string()
        })
    });
    if let Some(why) = why {
        return d.unsupported(&retries, &why);
    }
    d.section("traffic.retries", &retries);
    match retries.get("attempts") {
        Some(a) => d.map_integer("traffic.retries.attempts", &a),
        // Go's zero value, which `ConvertPolicy` reads as retries disabled.
        None => d.derived("traffic.retries.attempts", json!(0), &retries),
    }
    if let Some(on) = retries.get("retryOn") {
        d.map("traffic.retries.retryOn", &on);
    }
    if let Some(t) = retries.get("perTryTimeout") {
        d.unsupported(
            &t,
            "a request that times out is not retried here (Istio's default has no per-try \
             timeout)",
        );
    }
    d.comment(
        "traffic.retries",
        &format!(
            "From spec.service.retries ({shown}): Istio's router writes it\n\
             into the VirtualService's HTTP routes (pkg/router/istio.go), so the\n\
             sidecars retry the users' requests."
        ),
    );
}
