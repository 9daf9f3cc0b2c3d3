//! The field names of Argo Rollouts' `Rollout` and `AnalysisTemplate`, so that a key of a
//! Rollout the import leaves out is told apart as [`super::api_fields`] tells a
//! Deployment's: a real field (`antiAffinity`, `measurementRetention`) is reported as not
//! simulated; a key no type has (`maxSurg`, `autoPromotionEnabeld`, a provider's `qurey`)
//! is a misspelling, refused with a "did you mean".
//!
//! That is what `kubectl apply` does with it: the CRDs Argo Rollouts installs
//! (`manifests/crds/rollout-crd.yaml`, `analysis-template-crd.yaml`,
//! `cluster-analysis-template-crd.yaml`) carry a structural schema of every field down to
//! the pod template's containers (open only below a step plugin's `config`, the traffic
//! router `plugins`, a metric's `plugin` and `web.jsonBody`, and a pod's `volumes`), so
//! the API server prunes an unknown key, and under strict field validation, kubectl's
//! default, refuses the object (`strict decoding error: unknown field
//! "spec.strategy.canary.maxSurg"`).
//!
//! Source: `argoproj/argo-rollouts` at `v1.10.0-rc1`, the `json` tags of
//! `pkg/apis/rollouts/v1alpha1/types.go` (`Rollout`, `RolloutSpec`, `ObjectRef`,
//! `RolloutStrategy`, `CanaryStrategy`, `BlueGreenStrategy`, `CanaryStep`, `RolloutPause`,
//! `SetCanaryScale`, `SetHeaderRoute`, `SetMirrorRoute` with `HeaderRoutingMatch`,
//! `RouteMatch` and `StringMatch`, `RolloutTrafficRouting` with `MangedRoutes`,
//! `RolloutAnalysisBackground` with its inline `RolloutAnalysis`, `AnalysisTemplateRef`,
//! `AnalysisRunArgument`, `RolloutExperimentStep` with `RolloutExperimentTemplate` and
//! `RolloutExperimentStepAnalysisTemplateRef`, and the small types below them) and
//! `analysis_types.go` (`AnalysisTemplate`, `AnalysisTemplateSpec`, `Metric`,
//! `MetricProvider`, `PrometheusMetric`, `Argument`), checked against the CRDs
//! of the same tag. A Rollout's `spec.template` is a core `PodTemplateSpec`, checked with
//! the Kubernetes tables. Only the types the import reads into are listed: a traffic
//! router's own fields and the providers other than Prometheus are not checked, since
//! nothing there is read.

use super::api_fields::{Api, POD_TEMPLATE, Schema};
use Api::{ListOf, Opaque, Struct};

/// A Rollout's fields, and who defines them in messages.
pub const ROLLOUT: Schema = Schema {
    root: Struct(&[
        ("apiVersion", Opaque),
        ("kind", Opaque),
        ("metadata", Opaque),
        ("spec", ROLLOUT_SPEC),
        ("status", Opaque),
    ]),
    owner: "the Rollout CRD of Argo Rollouts v1.10",
};

/// An `AnalysisTemplate`'s fields.
pub const ANALYSIS_TEMPLATE: Schema = Schema {
    root: TEMPLATE,
    owner: "the AnalysisTemplate CRD of Argo Rollouts v1.10",
};

/// A `ClusterAnalysisTemplate`'s fields, the same as an `AnalysisTemplate`'s.
pub const CLUSTER_ANALYSIS_TEMPLATE: Schema = Schema {
    root: TEMPLATE,
    owner: "the ClusterAnalysisTemplate CRD of Argo Rollouts v1.10",
};

/// `AnalysisTemplate` and `ClusterAnalysisTemplate`.
const TEMPLATE: Api = Struct(&[
    ("apiVersion", Opaque),
    ("kind", Opaque),
    ("metadata", Opaque),
    (
        "spec",
        Struct(&[
            ("metrics", ListOf(&METRIC)),
            ("args", ListOf(&TEMPLATE_ARGUMENT)),
            ("dryRun", ListOf(&DRY_RUN)),
            ("measurementRetention", ListOf(&MEASUREMENT_RETENTION)),
            ("templates", ListOf(&TEMPLATE_REF)),
        ]),
    ),
]);

const ROLLOUT_SPEC: Api = Struct(&[
    ("replicas", Opaque),
    ("selector", Opaque),
    ("template", POD_TEMPLATE),
    (
        "workloadRef",
        Struct(&[
            ("apiVersion", Opaque),
            ("kind", Opaque),
            ("name", Opaque),
            ("scaleDown", Opaque),
        ]),
    ),
    ("minReadySeconds", Opaque),
    ("rollbackWindow", Struct(&[("revisions", Opaque)])),
    (
        "strategy",
        Struct(&[("blueGreen", BLUE_GREEN), ("canary", CANARY)]),
    ),
    ("revisionHistoryLimit", Opaque),
    ("paused", Opaque),
    ("progressDeadlineSeconds", Opaque),
    ("progressDeadlineAbort", Opaque),
    ("restartAt", Opaque),
    (
        "analysis",
        Struct(&[
            ("successfulRunHistoryLimit", Opaque),
            ("unsuccessfulRunHistoryLimit", Opaque),
        ]),
    ),
]);

const BLUE_GREEN: Api = Struct(&[
    ("activeService", Opaque),
    ("previewService", Opaque),
    ("previewReplicaCount", Opaque),
    ("autoPromotionEnabled", Opaque),
    ("autoPromotionSeconds", Opaque),
    ("maxUnavailable", Opaque),
    ("scaleDownDelaySeconds", Opaque),
    ("scaleDownDelayRevisionLimit", Opaque),
    ("prePromotionAnalysis", ROLLOUT_ANALYSIS),
    ("antiAffinity", ANTI_AFFINITY),
    ("postPromotionAnalysis", ROLLOUT_ANALYSIS),
    ("previewMetadata", POD_TEMPLATE_METADATA),
    ("activeMetadata", POD_TEMPLATE_METADATA),
    ("abortScaleDownDelaySeconds", Opaque),
]);

const CANARY: Api = Struct(&[
    ("canaryService", Opaque),
    ("stableService", Opaque),
    ("steps", ListOf(&CANARY_STEP)),
    ("trafficRouting", TRAFFIC_ROUTING),
    ("maxUnavailable", Opaque),
    ("maxSurge", Opaque),
    ("analysis", BACKGROUND_ANALYSIS),
    ("antiAffinity", ANTI_AFFINITY),
    ("canaryMetadata", POD_TEMPLATE_METADATA),
    ("stableMetadata", POD_TEMPLATE_METADATA),
    ("scaleDownDelaySeconds", Opaque),
    ("scaleDownDelayRevisionLimit", Opaque),
    ("abortScaleDownDelaySeconds", Opaque),
    ("dynamicStableScale", Opaque),
    (
        "pingPong",
        Struct(&[("pingService", Opaque), ("pongService", Opaque)]),
    ),
    ("minPodsPerReplicaSet", Opaque),
    (
        "replicaProgressThreshold",
        Struct(&[("type", Opaque), ("value", Opaque)]),
    ),
]);

/// `CanaryStep`: its field names are the step kinds.
pub const CANARY_STEP: Api = Struct(&[
    ("setWeight", Opaque),
    ("pause", Struct(&[("duration", Opaque)])),
    ("experiment", EXPERIMENT_STEP),
    ("analysis", ROLLOUT_ANALYSIS),
    (
        "setCanaryScale",
        Struct(&[
            ("weight", Opaque),
            ("replicas", Opaque),
            ("matchTrafficWeight", Opaque),
        ]),
    ),
    (
        "setHeaderRoute",
        Struct(&[("name", Opaque), ("match", ListOf(&HEADER_ROUTING_MATCH))]),
    ),
    (
        "setMirrorRoute",
        Struct(&[
            ("name", Opaque),
            ("match", ListOf(&ROUTE_MATCH)),
            ("percentage", Opaque),
        ]),
    ),
    ("plugin", Opaque),
]);

/// `RolloutExperimentStep`.
const EXPERIMENT_STEP: Api = Struct(&[
    ("templates", ListOf(&EXPERIMENT_TEMPLATE)),
    ("duration", Opaque),
    ("analyses", ListOf(&EXPERIMENT_ANALYSIS)),
    ("dryRun", ListOf(&DRY_RUN)),
    ("analysisRunMetadata", LABELS_AND_ANNOTATIONS),
    ("scaleDownDelaySeconds", Opaque),
]);

/// `RolloutExperimentTemplate`, an item of an experiment step's `templates`.
const EXPERIMENT_TEMPLATE: Api = Struct(&[
    ("name", Opaque),
    ("specRef", Opaque),
    ("replicas", Opaque),
    ("metadata", POD_TEMPLATE_METADATA),
    ("selector", LABEL_SELECTOR),
    ("weight", Opaque),
    ("service", Struct(&[("name", Opaque)])),
]);

/// `RolloutExperimentStepAnalysisTemplateRef`, an item of an experiment step's `analyses`.
pub const EXPERIMENT_ANALYSIS: Api = Struct(&[
    ("name", Opaque),
    ("templateName", Opaque),
    ("clusterScope", Opaque),
    ("args", ListOf(&ROLLOUT_ARGUMENT)),
    ("requiredForCompletion", Opaque),
]);

/// The core `LabelSelector` (`metav1`), an experiment template's `selector`.
const LABEL_SELECTOR: Api = Struct(&[
    ("matchLabels", Opaque),
    (
        "matchExpressions",
        ListOf(&Struct(&[
            ("key", Opaque),
            ("operator", Opaque),
            ("values", Opaque),
        ])),
    ),
]);

/// `StringMatch`: a header's, method's or path's value.
const STRING_MATCH: Api = Struct(&[("exact", Opaque), ("prefix", Opaque), ("regex", Opaque)]);

/// `HeaderRoutingMatch`, an item of a `setHeaderRoute`'s `match`.
const HEADER_ROUTING_MATCH: Api = Struct(&[("headerName", Opaque), ("headerValue", STRING_MATCH)]);

/// `RouteMatch`, an item of a `setMirrorRoute`'s `match` (`headers` is a map of header
/// names, whose values the scenario's parser checks).
const ROUTE_MATCH: Api = Struct(&[
    ("method", STRING_MATCH),
    ("path", STRING_MATCH),
    ("headers", Opaque),
]);

const TRAFFIC_ROUTING: Api = Struct(&[
    ("istio", Opaque),
    ("nginx", Opaque),
    ("alb", Opaque),
    ("smi", Opaque),
    ("ambassador", Opaque),
    ("appMesh", Opaque),
    ("traefik", Opaque),
    ("managedRoutes", ListOf(&Struct(&[("name", Opaque)]))),
    ("apisix", Opaque),
    ("plugins", Opaque),
    ("maxTrafficWeight", Opaque),
]);

/// `RolloutAnalysis`: a step's analysis and a blue-green's pre- and post-promotion ones.
const ROLLOUT_ANALYSIS: Api = Struct(&[
    ("templates", ListOf(&TEMPLATE_REF)),
    ("args", ListOf(&ROLLOUT_ARGUMENT)),
    ("dryRun", ListOf(&DRY_RUN)),
    ("measurementRetention", ListOf(&MEASUREMENT_RETENTION)),
    ("analysisRunMetadata", LABELS_AND_ANNOTATIONS),
]);

/// `RolloutAnalysisBackground`: `RolloutAnalysis` inline, and where it starts.
const BACKGROUND_ANALYSIS: Api = Struct(&[
    ("templates", ListOf(&TEMPLATE_REF)),
    ("args", ListOf(&ROLLOUT_ARGUMENT)),
    ("dryRun", ListOf(&DRY_RUN)),
    ("measurementRetention", ListOf(&MEASUREMENT_RETENTION)),
    ("analysisRunMetadata", LABELS_AND_ANNOTATIONS),
    ("startingStep", Opaque),
]);

/// `AnalysisTemplateRef`, an item of an analysis's `templates`.
pub const TEMPLATE_REF: Api = Struct(&[("templateName", Opaque), ("clusterScope", Opaque)]);

/// `AnalysisRunArgument`, an item of a Rollout analysis's `args`.
pub const ROLLOUT_ARGUMENT: Api = Struct(&[
    ("name", Opaque),
    ("value", Opaque),
    (
        "valueFrom",
        Struct(&[
            ("podTemplateHashValue", Opaque),
            ("fieldRef", Struct(&[("fieldPath", Opaque)])),
        ]),
    ),
]);

/// `Argument`, an item of a template's `args`.
const TEMPLATE_ARGUMENT: Api = Struct(&[
    ("name", Opaque),
    ("value", Opaque),
    (
        "valueFrom",
        Struct(&[
            ("secretKeyRef", Struct(&[("name", Opaque), ("key", Opaque)])),
            ("fieldRef", Struct(&[("fieldPath", Opaque)])),
        ]),
    ),
]);

/// `DryRun`, an item of a Rollout analysis's or a template's `dryRun`.
pub const DRY_RUN: Api = Struct(&[("metricName", Opaque)]);

/// `MeasurementRetention`, an item of an analysis's or a template's `measurementRetention`.
pub const MEASUREMENT_RETENTION: Api = Struct(&[("metricName", Opaque), ("limit", Opaque)]);

/// `AnalysisRunMetadata`; `PodTemplateMetadata` has the same two fields.
const LABELS_AND_ANNOTATIONS: Api = Struct(&[("labels", Opaque), ("annotations", Opaque)]);

const POD_TEMPLATE_METADATA: Api = LABELS_AND_ANNOTATIONS;

/// Argo's `AntiAffinity` (not the core one): which of the two to apply, with a weight.
const ANTI_AFFINITY: Api = Struct(&[
    (
        "preferredDuringSchedulingIgnoredDuringExecution",
        Struct(&[("weight", Opaque)]),
    ),
    (
        "requiredDuringSchedulingIgnoredDuringExecution",
        Struct(&[]),
    ),
]);

/// `Metric`, an item of a template's `metrics`.
pub const METRIC: Api = Struct(&[
    ("name", Opaque),
    ("interval", Opaque),
    ("initialDelay", Opaque),
    ("count", Opaque),
    ("successCondition", Opaque),
    ("failureCondition", Opaque),
    ("failureLimit", Opaque),
    ("inconclusiveLimit", Opaque),
    ("consecutiveErrorLimit", Opaque),
    ("provider", METRIC_PROVIDER),
    ("consecutiveSuccessLimit", Opaque),
]);

/// `MetricProvider`: its field names are the provider kinds.
pub const METRIC_PROVIDER: Api = Struct(&[
    (
        "prometheus",
        Struct(&[
            ("address", Opaque),
            ("query", Opaque),
            ("authentication", Opaque),
            ("timeout", Opaque),
            ("insecure", Opaque),
            ("headers", Opaque),
            ("rangeQuery", Opaque),
        ]),
    ),
    ("kayenta", Opaque),
    ("web", Opaque),
    ("datadog", Opaque),
    ("wavefront", Opaque),
    ("newRelic", Opaque),
    ("job", Opaque),
    ("cloudWatch", Opaque),
    ("graphite", Opaque),
    ("influxdb", Opaque),
    ("skywalking", Opaque),
    ("plugin", Opaque),
]);

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables against the CRDs' own property names (`manifests/crds/*.yaml` at
    /// `v1.10.0-rc1`), sorted as the CRD lists them.
    #[test]
    fn tables_hold_the_crds_property_names() {
        let sorted = |api: Api| {
            let mut names = api.names();
            names.sort_unstable();
            names
        };
        let spec = ROLLOUT.root.child("spec").unwrap();
        assert_eq!(
            sorted(spec),
            [
                "analysis",
                "minReadySeconds",
                "paused",
                "progressDeadlineAbort",
                "progressDeadlineSeconds",
                "replicas",
                "restartAt",
                "revisionHistoryLimit",
                "rollbackWindow",
                "selector",
                "strategy",
                "template",
                "workloadRef"
            ]
        );
        let strategy = spec.child("strategy").unwrap();
        assert_eq!(
            sorted(strategy.child("canary").unwrap()),
            [
                "abortScaleDownDelaySeconds",
                "analysis",
                "antiAffinity",
                "canaryMetadata",
                "canaryService",
                "dynamicStableScale",
                "maxSurge",
                "maxUnavailable",
                "minPodsPerReplicaSet",
                "pingPong",
                "replicaProgressThreshold",
                "scaleDownDelayRevisionLimit",
                "scaleDownDelaySeconds",
                "stableMetadata",
                "stableService",
                "steps",
                "trafficRouting"
            ]
        );
        assert_eq!(
            sorted(strategy.child("blueGreen").unwrap()),
            [
                "abortScaleDownDelaySeconds",
                "activeMetadata",
                "activeService",
                "antiAffinity",
                "autoPromotionEnabled",
                "autoPromotionSeconds",
                "maxUnavailable",
                "postPromotionAnalysis",
                "prePromotionAnalysis",
                "previewMetadata",
                "previewReplicaCount",
                "previewService",
                "scaleDownDelayRevisionLimit",
                "scaleDownDelaySeconds"
            ]
        );
        let experiment = CANARY_STEP.child("experiment").unwrap();
        assert_eq!(
            sorted(experiment),
            [
                "analyses",
                "analysisRunMetadata",
                "dryRun",
                "duration",
                "scaleDownDelaySeconds",
                "templates"
            ]
        );
        assert_eq!(
            sorted(experiment.at_path("analyses.0")),
            [
                "args",
                "clusterScope",
                "name",
                "requiredForCompletion",
                "templateName"
            ]
        );
        assert_eq!(
            sorted(experiment.at_path("templates.0")),
            [
                "metadata", "name", "replicas", "selector", "service", "specRef", "weight"
            ]
        );
        let metric = TEMPLATE
            .child("spec")
            .and_then(|s| s.child("metrics"))
            .and_then(|m| m.child("0"))
            .unwrap();
        assert_eq!(
            sorted(metric.child("provider").unwrap()),
            [
                "cloudWatch",
                "datadog",
                "graphite",
                "influxdb",
                "job",
                "kayenta",
                "newRelic",
                "plugin",
                "prometheus",
                "skywalking",
                "wavefront",
                "web"
            ]
        );
        // The pod template is the core type's.
        let container = spec
            .child("template")
            .and_then(|t| t.child("spec"))
            .and_then(|p| p.child("containers"))
            .and_then(|c| c.child("0"))
            .unwrap();
        assert!(container.child("readinessProbe").is_some());
        assert!(container.child("readinessProbes").is_none());
    }
}
