//! A Flagger Canary on the `kubernetes` provider → `strategy.flagger.provider: kubernetes`,
//! with the analysis Flagger actually runs for it (`fluxcd/flagger` v1.44.0).
//!
//! The `kubernetes` provider has no router (`pkg/router/nop.go`, `NopRouter`): users stay
//! on the primary until the promotion. `pkg/controller/scheduler.go` bends the loop
//! around it, and the scenario's parser refuses the fields it bends
//! (`src/strategy/flagger/provider.rs`), so the import writes what upstream runs:
//!
//! - `advanceCanary` runs a progressive canary (`iterations` below 1) as a blue/green of
//!   10 iterations, with two warnings: `stepWeight`, `stepWeights` and `maxWeight` (read
//!   by the progressive loop only) are left out and reported with them, and
//!   `iterations: 10` is written in their place;
//! - `runPromotionTrafficShift` finalises at once for it, before `stepWeightPromotion` is
//!   read: left out and reported;
//! - `advanceCanary` drops `match` ([`super::flagger_ab`]) and `runBlueGreen` mirrors for
//!   other providers only ([`super::flagger_mirror`]).
//!
//! The canary is then a blue/green, and the import's blue/green rule for metrics (no
//! load test, no mirroring, no A/B conditions: the metrics are left out) applies to it.

use super::draft::{Draft, Src};
use super::flagger_mirror::provider;
use serde_json::json;

/// `flaggerv1.KubernetesProvider` (`pkg/apis/flagger/v1beta1/provider.go`).
pub(super) const KUBERNETES: &str = "kubernetes";

/// The iterations `advanceCanary` sets for a progressive canary on the provider.
const ITERATIONS: u64 = 10;

/// Why the progressive fields are left out: upstream's two warnings.
const PROGRESSIVE: &str = "the `kubernetes` provider has no router to shift traffic \
    (pkg/router/nop.go): Flagger's scheduler.go `advanceCanary` warns \"Progressive \
    traffic is not supported when using the kubernetes provider\" and \"Setting \
    canaryAnalysis.iterations: 10\", and runs the canary as a blue/green of 10 \
    iterations, which the scenario does (`iterations: 10`)";

/// Why `stepWeightPromotion` is left out.
const PROMOTION: &str = "the `kubernetes` provider has no traffic to shift back: Flagger's \
    scheduler.go `runPromotionTrafficShift` finalises the promotion at once for it and \
    never reads `stepWeightPromotion`";

/// Whether the Canary `spec` runs on the `kubernetes` provider (`spec.provider`, else
/// Flagger's `-mesh-provider` default, `istio`).
pub(super) fn on_kubernetes(spec: &Src) -> bool {
    provider(spec).0 == KUBERNETES
}

/// Writes `provider: kubernetes` at `to` (the strategy) from the Canary `spec`'s
/// `provider`, when it names the `kubernetes` provider; whether it did. Every other
/// provider is left to Istio's router, the scenario's default.
pub(super) fn provider_field(spec: &Src, to: &str, d: &mut Draft) -> bool {
    match spec.get("provider") {
        Some(p) if p.str() == Some(KUBERNETES) => {
            d.map(&format!("{to}.provider"), &p);
            true
        }
        _ => false,
    }
}

/// The analysis `a` of a Canary on the `kubernetes` provider: leaves out and reports
/// what Flagger rewrites or never reads, and writes `iterations: 10` under `to` for a
/// progressive canary. Returns the keys it took care of, for the caller not to copy.
pub(super) fn analysis(a: &Src, to: &str, d: &mut Draft) -> Vec<&'static str> {
    let mut handled = vec!["stepWeightPromotion"];
    if let Some(v) = a.get("stepWeightPromotion") {
        d.unsupported(&v, PROMOTION);
    }
    // `Iterations < 1`: absent (Go's zero value) or an integer below 1. Another value
    // (a string) is copied for the parser to refuse, as the API server refuses it.
    let progressive = match a.get("iterations") {
        None => true,
        Some(i) => i.value.as_i64().is_some_and(|n| n < 1),
    };
    if !progressive {
        return handled;
    }
    handled.extend(["stepWeight", "stepWeights", "maxWeight", "iterations"]);
    let mut from = None;
    for key in ["stepWeight", "stepWeights", "maxWeight", "iterations"] {
        if let Some(v) = a.get(key) {
            d.unsupported(&v, PROGRESSIVE);
            from.get_or_insert(v);
        }
    }
    let at = format!("{to}.iterations");
    d.trace(&at, from.as_ref().unwrap_or(a));
    d.put(&at, json!(ITERATIONS));
    d.comment(
        &at,
        "provider kubernetes: Flagger runs a progressive canary as a blue/green of 10 \
         iterations (scheduler.go advanceCanary)",
    );
    handled
}

#[cfg(test)]
#[path = "flagger_nop_tests.rs"]
mod tests;
