//! `spec.provider`: the router Flagger drives, as far as it changes the loop, after
//! `fluxcd/flagger@15bd6ad` (v1.44.0).
//!
//! The simulated loop follows Istio's router (the default of Flagger's `-mesh-provider`
//! flag): weights on a route, a mirror, `match` routes. The `kubernetes` provider has no
//! router at all (`pkg/router/nop.go`): the apex Service selects the primary's pods, so
//! users never reach the canary before the promotion, and `scheduler.go` bends the loop
//! around it: `advanceCanary` turns a progressive canary into 10 iterations and drops
//! `match`, `runBlueGreen` neither mirrors nor routes every request to the canary after
//! the last iteration, `runPromotionTrafficShift` finalises at once, and a failed
//! promotion's "route everything to the canary" writes nothing. Those rewrites are
//! refused in the scenario (write what upstream runs), the rest is simulated.

use crate::scenario::walk::Obj;

/// The router the loop drives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Provider {
    /// A mesh or ingress router as Istio's (`istio`, or none given).
    #[default]
    Mesh,
    /// `kubernetes`: no router, the apex Service on the primary's pods.
    Kubernetes,
}

/// Fields of `analysis` the `kubernetes` provider rewrites or never reads, and why.
const NOT_WITH_KUBERNETES: &[(&str, &str)] = &[
    (
        "stepWeight",
        "the kubernetes provider has no router to shift traffic: Flagger runs a blue/green \
         of 10 iterations instead (scheduler.go advanceCanary: \"Progressive traffic is not \
         supported when using the kubernetes provider\"); write `iterations: 10`",
    ),
    (
        "stepWeights",
        "the kubernetes provider has no router to shift traffic: Flagger runs a blue/green \
         of 10 iterations instead (scheduler.go advanceCanary); write `iterations: 10`",
    ),
    (
        "match",
        "A/B testing is not supported when using the kubernetes provider (scheduler.go \
         advanceCanary drops `match`): remove it",
    ),
    (
        "mirror",
        "the kubernetes provider has no router to mirror with (scheduler.go runBlueGreen \
         skips mirroring for it): remove it",
    ),
    (
        "stepWeightPromotion",
        "the kubernetes provider finalises the promotion at once, with no traffic to shift \
         back (scheduler.go runPromotionTrafficShift): remove it",
    ),
];

/// Read `provider` (beside `analysis`), and refuse what the `kubernetes` provider would
/// rewrite in `analysis`.
pub fn parse(o: &Obj, analysis: Option<&Obj>) -> Provider {
    let provider = o.or("provider", Provider::Mesh, |n| {
        let s = n.string()?;
        match s.as_str() {
            "istio" => Some(Provider::Mesh),
            "kubernetes" => Some(Provider::Kubernetes),
            _ => n.fail(format!(
                "only `istio` (the default, whose router the simulated loop follows) and \
                 `kubernetes` (no router) are simulated, got \"{s}\"; for another mesh or \
                 ingress whose weights route as Istio's, leave `provider` out"
            )),
        }
    });
    if provider == Provider::Kubernetes
        && let Some(an) = analysis
    {
        for (key, why) in NOT_WITH_KUBERNETES {
            // `false` and 0 are upstream's defaults: nothing to rewrite.
            if let Some(n) = an.raw(key)
                && !matches!(n.value(), serde_json::Value::Bool(false))
                && n.value().as_u64() != Some(0)
            {
                n.problem(*why);
            }
        }
    }
    provider
}
