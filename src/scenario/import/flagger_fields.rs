//! The field names of Flagger's `Canary` (flagger.app/v1beta1), so that a key of a Canary
//! the import leaves out is told apart as [`super::api_fields`] tells a Deployment's: a
//! real field (`webhooks`, `service.gateways`) is reported as not simulated; a key the
//! CRD does not have (`stepWieght`, a metric's `thresholdRnage`) is a misspelling,
//! refused with a "did you mean".
//!
//! That is what `kubectl apply` does with it: the CRD Flagger installs
//! (`artifacts/flagger/crd.yaml`, `canaries.flagger.app`) carries a structural schema, so
//! the API server prunes an unknown key, and under strict field validation, kubectl's
//! default, refuses the object (`strict decoding error: unknown field
//! "spec.analysis.stepWieght"`).
//!
//! Source: `fluxcd/flagger` at `v1.44.0` (`15bd6ad`), the property names of the Canary
//! CRD's `openAPIV3Schema` in `artifacts/flagger/crd.yaml`, which are the `json` tags of
//! `pkg/apis/flagger/v1beta1/canary.go` (`CanarySpec`, `LocalObjectReference`,
//! `AutoscalerReference`, `CanaryService`, `CanaryAnalysis`, `CanaryMetric`,
//! `CanaryThresholdRange`, `CanaryWebhook`, `CanaryAlert`, `SessionAffinity`) except
//! where the CRD is narrower: it has no `spec.canaryAnalysis` (the deprecated alias of
//! `analysis` in the Go types, pruned by the API server), and an analysis `match` item
//! has only `headers`, `queryParams` and `sourceLabels`. The CRD is what `kubectl apply`
//! checks, so it is followed. Below the mesh settings of `service` (`trafficPolicy`,
//! `corsPolicy`, `match`, `headers`, `gatewayRefs`, `mirror`) nothing is checked: the
//! whole `service` is left out.

use super::api_fields::{Api, Schema};
use Api::{ListOf, Opaque, Struct};

/// A Canary's fields, and who defines them in messages.
pub const CANARY: Schema = Schema {
    root: Struct(&[
        ("apiVersion", Opaque),
        ("kind", Opaque),
        ("metadata", Opaque),
        ("spec", CANARY_SPEC),
        ("status", Opaque),
    ]),
    owner: "the Canary CRD of Flagger v1.44",
};

const CANARY_SPEC: Api = Struct(&[
    ("provider", Opaque),
    ("metricsServer", Opaque),
    ("targetRef", OBJECT_REF),
    (
        "autoscalerRef",
        Struct(&[
            ("apiVersion", Opaque),
            ("kind", Opaque),
            ("name", Opaque),
            ("primaryScalerQueries", Opaque),
            (
                "primaryScalerReplicas",
                Struct(&[("minReplicas", Opaque), ("maxReplicas", Opaque)]),
            ),
        ]),
    ),
    ("ingressRef", OBJECT_REF),
    ("routeRef", OBJECT_REF),
    (
        "upstreamRef",
        Struct(&[
            ("apiVersion", Opaque),
            ("kind", Opaque),
            ("name", Opaque),
            ("namespace", Opaque),
        ]),
    ),
    ("service", SERVICE),
    ("analysis", ANALYSIS),
    ("progressDeadlineSeconds", Opaque),
    ("skipAnalysis", Opaque),
    ("revertOnDeletion", Opaque),
    ("suspend", Opaque),
]);

/// `LocalObjectReference`: `targetRef`, `ingressRef`, `routeRef`.
const OBJECT_REF: Api = Struct(&[("apiVersion", Opaque), ("kind", Opaque), ("name", Opaque)]);

/// `CustomMetadata`: the labels and annotations of a generated Service.
const METADATA: Api = Struct(&[("labels", Opaque), ("annotations", Opaque)]);

/// `CanaryService`.
const SERVICE: Api = Struct(&[
    ("name", Opaque),
    ("port", Opaque),
    ("portName", Opaque),
    ("targetPort", Opaque),
    ("appProtocol", Opaque),
    ("trafficDistribution", Opaque),
    ("portDiscovery", Opaque),
    ("headless", Opaque),
    ("timeout", Opaque),
    ("backendTimeout", Opaque),
    ("gateways", Opaque),
    ("gatewayRefs", Opaque),
    ("hosts", Opaque),
    ("delegation", Opaque),
    ("trafficPolicy", Opaque),
    ("match", Opaque),
    (
        "rewrite",
        Struct(&[("uri", Opaque), ("authority", Opaque), ("type", Opaque)]),
    ),
    (
        "retries",
        Struct(&[
            ("attempts", Opaque),
            ("perTryTimeout", Opaque),
            ("retryOn", Opaque),
        ]),
    ),
    ("headers", Opaque),
    ("mirror", Opaque),
    ("corsPolicy", Opaque),
    ("meshName", Opaque),
    ("backends", Opaque),
    ("apex", METADATA),
    ("primary", METADATA),
    ("canary", METADATA),
    (
        "unmanagedMetadata",
        Struct(&[("annotations", Opaque), ("labels", Opaque)]),
    ),
]);

/// `CanaryAnalysis`.
const ANALYSIS: Api = Struct(&[
    ("interval", Opaque),
    ("iterations", Opaque),
    ("mirror", Opaque),
    ("mirrorWeight", Opaque),
    ("maxWeight", Opaque),
    ("stepWeight", Opaque),
    ("stepWeights", Opaque),
    ("stepWeightPromotion", Opaque),
    ("threshold", Opaque),
    ("primaryReadyThreshold", Opaque),
    ("canaryReadyThreshold", Opaque),
    ("alerts", ListOf(&ALERT)),
    ("metrics", ListOf(&METRIC)),
    ("webhooks", ListOf(&WEBHOOK)),
    (
        "match",
        ListOf(&Struct(&[
            ("headers", Opaque),
            ("queryParams", Opaque),
            ("sourceLabels", Opaque),
        ])),
    ),
    (
        "sessionAffinity",
        Struct(&[
            ("cookieName", Opaque),
            ("domain", Opaque),
            ("httpOnly", Opaque),
            ("maxAge", Opaque),
            ("partitioned", Opaque),
            ("path", Opaque),
            ("sameSite", Opaque),
            ("secure", Opaque),
            ("primaryCookieName", Opaque),
        ]),
    ),
]);

/// `CanaryMetric`.
pub const METRIC: Api = Struct(&[
    ("name", Opaque),
    ("interval", Opaque),
    ("threshold", Opaque),
    (
        "thresholdRange",
        Struct(&[("min", Opaque), ("max", Opaque)]),
    ),
    ("query", Opaque),
    (
        "templateRef",
        Struct(&[("name", Opaque), ("namespace", Opaque)]),
    ),
    ("templateVariables", Opaque),
]);

/// `CanaryWebhook`.
pub const WEBHOOK: Api = Struct(&[
    ("type", Opaque),
    ("name", Opaque),
    ("url", Opaque),
    ("muteAlert", Opaque),
    ("timeout", Opaque),
    ("metadata", Opaque),
    ("retries", Opaque),
    ("disableTLS", Opaque),
]);

/// `CanaryAlert`.
const ALERT: Api = Struct(&[
    ("name", Opaque),
    ("severity", Opaque),
    (
        "providerRef",
        Struct(&[("name", Opaque), ("namespace", Opaque)]),
    ),
]);

#[cfg(test)]
mod tests {
    use super::*;

    /// The property names of the Canary CRD's schema (`artifacts/flagger/crd.yaml` at
    /// `v1.44.0`), listed sorted, object by object, from the CRD's `properties` maps.
    #[test]
    fn tables_hold_the_crds_property_names() {
        let sorted = |path: &str| {
            let mut names = CANARY.root.at_path(path).names();
            names.sort_unstable();
            names
        };
        assert_eq!(
            sorted("spec"),
            [
                "analysis",
                "autoscalerRef",
                "ingressRef",
                "metricsServer",
                "progressDeadlineSeconds",
                "provider",
                "revertOnDeletion",
                "routeRef",
                "service",
                "skipAnalysis",
                "suspend",
                "targetRef",
                "upstreamRef"
            ]
        );
        for r in ["targetRef", "ingressRef", "routeRef"] {
            assert_eq!(sorted(&format!("spec.{r}")), ["apiVersion", "kind", "name"]);
        }
        assert_eq!(
            sorted("spec.upstreamRef"),
            ["apiVersion", "kind", "name", "namespace"]
        );
        assert_eq!(
            sorted("spec.autoscalerRef"),
            [
                "apiVersion",
                "kind",
                "name",
                "primaryScalerQueries",
                "primaryScalerReplicas"
            ]
        );
        assert_eq!(
            sorted("spec.autoscalerRef.primaryScalerReplicas"),
            ["maxReplicas", "minReplicas"]
        );
        assert_eq!(
            sorted("spec.service"),
            [
                "apex",
                "appProtocol",
                "backendTimeout",
                "backends",
                "canary",
                "corsPolicy",
                "delegation",
                "gatewayRefs",
                "gateways",
                "headers",
                "headless",
                "hosts",
                "match",
                "meshName",
                "mirror",
                "name",
                "port",
                "portDiscovery",
                "portName",
                "primary",
                "retries",
                "rewrite",
                "targetPort",
                "timeout",
                "trafficDistribution",
                "trafficPolicy",
                "unmanagedMetadata"
            ]
        );
        assert_eq!(
            sorted("spec.service.retries"),
            ["attempts", "perTryTimeout", "retryOn"]
        );
        assert_eq!(sorted("spec.service.rewrite"), ["authority", "type", "uri"]);
        for m in ["apex", "primary", "canary", "unmanagedMetadata"] {
            assert_eq!(
                sorted(&format!("spec.service.{m}")),
                ["annotations", "labels"]
            );
        }
        assert_eq!(
            sorted("spec.analysis"),
            [
                "alerts",
                "canaryReadyThreshold",
                "interval",
                "iterations",
                "match",
                "maxWeight",
                "metrics",
                "mirror",
                "mirrorWeight",
                "primaryReadyThreshold",
                "sessionAffinity",
                "stepWeight",
                "stepWeightPromotion",
                "stepWeights",
                "threshold",
                "webhooks"
            ]
        );
        assert_eq!(
            sorted("spec.analysis.match.0"),
            ["headers", "queryParams", "sourceLabels"]
        );
        assert_eq!(
            sorted("spec.analysis.metrics.0"),
            [
                "interval",
                "name",
                "query",
                "templateRef",
                "templateVariables",
                "threshold",
                "thresholdRange"
            ]
        );
        assert_eq!(
            sorted("spec.analysis.metrics.0.thresholdRange"),
            ["max", "min"]
        );
        assert_eq!(
            sorted("spec.analysis.metrics.0.templateRef"),
            ["name", "namespace"]
        );
        assert_eq!(
            sorted("spec.analysis.alerts.0"),
            ["name", "providerRef", "severity"]
        );
        assert_eq!(
            sorted("spec.analysis.alerts.0.providerRef"),
            ["name", "namespace"]
        );
        assert_eq!(
            sorted("spec.analysis.webhooks.0"),
            [
                "disableTLS",
                "metadata",
                "muteAlert",
                "name",
                "retries",
                "timeout",
                "type",
                "url"
            ]
        );
        assert_eq!(
            sorted("spec.analysis.sessionAffinity"),
            [
                "cookieName",
                "domain",
                "httpOnly",
                "maxAge",
                "partitioned",
                "path",
                "primaryCookieName",
                "sameSite",
                "secure"
            ]
        );
        // The deprecated Go alias is not in the CRD: pruned, so refused.
        assert!(
            CANARY
                .root
                .child("spec")
                .unwrap()
                .child("canaryAnalysis")
                .is_none()
        );
    }
}
