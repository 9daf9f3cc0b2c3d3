//! The field names of the Kubernetes API types a Deployment, DaemonSet or StatefulSet
//! import walks, so
//! that a field the import leaves out is told apart: one the API has (`env`, `volumes`) is
//! reported as not simulated; a key no API type has (`maxUnavailabe`) is a misspelling,
//! refused with a "did you mean" as `run` refuses an unknown scenario field.
//!
//! That is what `kubectl apply` does with it: its `--validate` defaults to `strict`
//! (server-side field validation, KEP-2885, stable since Kubernetes 1.27), and the API
//! server refuses the object (`strict decoding error: unknown field
//! "spec.strategy.rollingUpdate.maxUnavailabe"`), where a silent "not simulated" would let
//! a typo pass for a setting the simulator merely leaves out.
//!
//! Source: kubernetes/api v0.36.3 (Kubernetes 1.36), the `json` tags of `apps/v1/types.go`
//! (`Deployment`, `DeploymentSpec`, `DeploymentStrategy`, `RollingUpdateDeployment`;
//! `DaemonSet`, `DaemonSetSpec`, `DaemonSetUpdateStrategy`, `RollingUpdateDaemonSet`;
//! `StatefulSet`, `StatefulSetSpec`, `StatefulSetUpdateStrategy`,
//! `RollingUpdateStatefulSetStrategy`, `StatefulSetPersistentVolumeClaimRetentionPolicy`,
//! `StatefulSetOrdinals`, which v1.30 has alike) and
//! `core/v1/types.go` (`PodTemplateSpec`, `PodSpec`, `Container`, `Probe` with its inline
//! `ProbeHandler`, `Lifecycle`, `LifecycleHandler`, `ResourceRequirements`, `Affinity`,
//! `NodeAffinity`, `PodAffinity`, `PodAntiAffinity`, `PodAffinityTerm`,
//! `WeightedPodAffinityTerm`). Only the types the import reads into
//! are listed; below any other field (`env`, `volumes`, `securityContext`, `metadata`)
//! nothing is checked, since nothing there is read.
//!
//! An Argo Rollout's pod template is checked with these tables too (its CRD embeds the
//! core `PodTemplateSpec`, generated from kubernetes/api v0.34.5 at Argo Rollouts
//! v1.10.0-rc1: one field newer than that, `schedulingGroup`, passes here where that CRD
//! would prune it); Argo's own types are in [`super::argo_fields`].

/// What a manifest value is, as far as the import checks its keys.
#[derive(Debug, Clone, Copy)]
pub enum Api {
    /// An object with exactly these fields, each with its own type.
    Struct(&'static [(&'static str, Api)]),
    /// A list of items of one type.
    ListOf(&'static Api),
    /// A value whose keys are not checked (free keys, or a type not listed here).
    Opaque,
}

use Api::{ListOf, Opaque, Struct};

/// A document's type and who defines its field names, for the message of a key it lacks.
#[derive(Debug, Clone, Copy)]
pub struct Schema {
    /// The document's type.
    pub root: Api,
    /// Who defines the names, as the message says it: `the Kubernetes API`.
    pub owner: &'static str,
}

impl Schema {
    /// Nothing checked by name (a compose file, whose keys the compose mapping checks).
    pub const UNCHECKED: Schema = Schema {
        root: Opaque,
        owner: "",
    };

    /// The same owner's type `ty`, for a part of a document checked on its own.
    pub fn at(self, ty: Api) -> Schema {
        Schema { root: ty, ..self }
    }

    /// Why a key the owner does not have is refused, for the end of its message.
    pub fn refusal(self) -> String {
        format!(
            "({} has no such field: `kubectl apply` refuses it, \"strict decoding error: \
             unknown field\")",
            self.owner
        )
    }
}

impl Api {
    /// The type of the child `key` (an item number in a list); `None` when `key` is a field
    /// this struct does not have.
    pub fn child(self, key: &str) -> Option<Api> {
        match self {
            Struct(fields) => fields.iter().find(|(k, _)| *k == key).map(|(_, t)| *t),
            ListOf(item) => Some(*item),
            Opaque => Some(Opaque),
        }
    }

    /// The type at the dotted `path` below this one (`Opaque` where the types stop, or
    /// at a key this type does not have).
    pub fn at_path(self, path: &str) -> Api {
        path.split('.')
            .try_fold(self, |t, key| t.child(key))
            .unwrap_or(Opaque)
    }

    /// `v` without the keys this type (or a type below it) does not have, as the API
    /// server prunes them from a custom resource: a value whose misspelt keys are refused
    /// ([`super::draft::Draft::known_names`]) is mapped without them, so the scenario's
    /// parser checks the rest and does not tell the misspelling again.
    pub fn pruned(self, v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match (self, v) {
            (Struct(_), Value::Object(m)) => Value::Object(
                m.iter()
                    .filter_map(|(k, c)| Some((k.clone(), self.child(k)?.pruned(c))))
                    .collect(),
            ),
            (ListOf(item), Value::Array(items)) => {
                Value::Array(items.iter().map(|c| item.pruned(c)).collect())
            }
            _ => v.clone(),
        }
    }

    /// The field names of a struct (none for the other kinds).
    pub fn names(self) -> Vec<&'static str> {
        match self {
            Struct(fields) => fields.iter().map(|(k, _)| *k).collect(),
            _ => Vec::new(),
        }
    }
}

/// `apps/v1` `Deployment` (with `TypeMeta`'s `apiVersion` and `kind`).
pub const DEPLOYMENT: Schema = Schema {
    root: Struct(&[
        ("apiVersion", Opaque),
        ("kind", Opaque),
        ("metadata", Opaque),
        ("spec", DEPLOYMENT_SPEC),
        ("status", Opaque),
    ]),
    owner: "the Kubernetes API",
};

const DEPLOYMENT_SPEC: Api = Struct(&[
    ("replicas", Opaque),
    ("selector", Opaque),
    ("template", POD_TEMPLATE),
    ("strategy", DEPLOYMENT_STRATEGY),
    ("minReadySeconds", Opaque),
    ("revisionHistoryLimit", Opaque),
    ("paused", Opaque),
    ("progressDeadlineSeconds", Opaque),
]);

const DEPLOYMENT_STRATEGY: Api = Struct(&[
    ("type", Opaque),
    (
        "rollingUpdate",
        Struct(&[("maxUnavailable", Opaque), ("maxSurge", Opaque)]),
    ),
]);

/// `apps/v1` `DaemonSet` (with `TypeMeta`'s `apiVersion` and `kind`).
pub const DAEMON_SET: Schema = Schema {
    root: Struct(&[
        ("apiVersion", Opaque),
        ("kind", Opaque),
        ("metadata", Opaque),
        ("spec", DAEMON_SET_SPEC),
        ("status", Opaque),
    ]),
    owner: "the Kubernetes API",
};

/// `DaemonSetSpec` (apps/v1 has no `templateGeneration`, which only the retired
/// `extensions/v1beta1` served).
const DAEMON_SET_SPEC: Api = Struct(&[
    ("selector", Opaque),
    ("template", POD_TEMPLATE),
    ("updateStrategy", DAEMON_SET_UPDATE_STRATEGY),
    ("minReadySeconds", Opaque),
    ("revisionHistoryLimit", Opaque),
]);

/// `DaemonSetUpdateStrategy` with its `RollingUpdateDaemonSet`.
const DAEMON_SET_UPDATE_STRATEGY: Api = Struct(&[
    ("type", Opaque),
    (
        "rollingUpdate",
        Struct(&[("maxUnavailable", Opaque), ("maxSurge", Opaque)]),
    ),
]);

/// `policy/v1` `PodDisruptionBudget` (with `TypeMeta`'s `apiVersion` and `kind`): the
/// `json` tags of kubernetes/api v0.36.3 `policy/v1/types.go` (`PodDisruptionBudget`,
/// `PodDisruptionBudgetSpec`); the selector's keys are checked where it is decided
/// ([`super::selector::selects_own_pods`]).
pub const POD_DISRUPTION_BUDGET: Schema = Schema {
    root: Struct(&[
        ("apiVersion", Opaque),
        ("kind", Opaque),
        ("metadata", Opaque),
        (
            "spec",
            Struct(&[
                ("minAvailable", Opaque),
                ("selector", Opaque),
                ("maxUnavailable", Opaque),
                ("unhealthyPodEvictionPolicy", Opaque),
            ]),
        ),
        ("status", Opaque),
    ]),
    owner: "the Kubernetes API",
};

/// `apps/v1` `StatefulSet` (with `TypeMeta`'s `apiVersion` and `kind`).
pub const STATEFUL_SET: Schema = Schema {
    root: Struct(&[
        ("apiVersion", Opaque),
        ("kind", Opaque),
        ("metadata", Opaque),
        ("spec", STATEFUL_SET_SPEC),
        ("status", Opaque),
    ]),
    owner: "the Kubernetes API",
};

/// `StatefulSetSpec`, as in v1.30 (`volumeClaimTemplates` are `PersistentVolumeClaim`s,
/// not checked below).
const STATEFUL_SET_SPEC: Api = Struct(&[
    ("replicas", Opaque),
    ("selector", Opaque),
    ("template", POD_TEMPLATE),
    ("volumeClaimTemplates", Opaque),
    ("serviceName", Opaque),
    ("podManagementPolicy", Opaque),
    ("updateStrategy", STATEFUL_SET_UPDATE_STRATEGY),
    ("revisionHistoryLimit", Opaque),
    ("minReadySeconds", Opaque),
    (
        "persistentVolumeClaimRetentionPolicy",
        Struct(&[("whenDeleted", Opaque), ("whenScaled", Opaque)]),
    ),
    ("ordinals", Struct(&[("start", Opaque)])),
]);

/// `StatefulSetUpdateStrategy` with its `RollingUpdateStatefulSetStrategy`.
const STATEFUL_SET_UPDATE_STRATEGY: Api = Struct(&[
    ("type", Opaque),
    (
        "rollingUpdate",
        Struct(&[("partition", Opaque), ("maxUnavailable", Opaque)]),
    ),
]);

/// `core/v1` `PodTemplateSpec`: a Deployment's, a DaemonSet's, a StatefulSet's, and an
/// Argo Rollout's (its CRD embeds the core type).
pub const POD_TEMPLATE: Api = Struct(&[("metadata", Opaque), ("spec", POD_SPEC)]);

const POD_SPEC: Api = Struct(&[
    ("volumes", Opaque),
    ("initContainers", Opaque),
    ("containers", ListOf(&CONTAINER)),
    ("ephemeralContainers", Opaque),
    ("restartPolicy", Opaque),
    ("terminationGracePeriodSeconds", Opaque),
    ("activeDeadlineSeconds", Opaque),
    ("dnsPolicy", Opaque),
    ("nodeSelector", Opaque),
    ("serviceAccountName", Opaque),
    ("serviceAccount", Opaque),
    ("automountServiceAccountToken", Opaque),
    ("nodeName", Opaque),
    ("hostNetwork", Opaque),
    ("hostPID", Opaque),
    ("hostIPC", Opaque),
    ("shareProcessNamespace", Opaque),
    ("securityContext", Opaque),
    ("imagePullSecrets", Opaque),
    ("hostname", Opaque),
    ("subdomain", Opaque),
    ("affinity", AFFINITY),
    ("schedulerName", Opaque),
    ("tolerations", Opaque),
    ("hostAliases", Opaque),
    ("priorityClassName", Opaque),
    ("priority", Opaque),
    ("dnsConfig", Opaque),
    ("readinessGates", Opaque),
    ("runtimeClassName", Opaque),
    ("enableServiceLinks", Opaque),
    ("preemptionPolicy", Opaque),
    ("overhead", Opaque),
    ("topologySpreadConstraints", Opaque),
    ("setHostnameAsFQDN", Opaque),
    ("os", Opaque),
    ("hostUsers", Opaque),
    ("schedulingGates", Opaque),
    ("resourceClaims", Opaque),
    ("resources", Opaque),
    ("hostnameOverride", Opaque),
    ("schedulingGroup", Opaque),
]);

/// `core/v1` `ContainerPort`.
const CONTAINER_PORT: Api = Struct(&[
    ("name", Opaque),
    ("hostPort", Opaque),
    ("containerPort", Opaque),
    ("protocol", Opaque),
    ("hostIP", Opaque),
]);

const CONTAINER: Api = Struct(&[
    ("name", Opaque),
    ("image", Opaque),
    ("command", Opaque),
    ("args", Opaque),
    ("workingDir", Opaque),
    ("ports", ListOf(&CONTAINER_PORT)),
    ("envFrom", Opaque),
    ("env", Opaque),
    ("resources", RESOURCES),
    ("resizePolicy", Opaque),
    ("restartPolicy", Opaque),
    ("restartPolicyRules", Opaque),
    ("volumeMounts", Opaque),
    ("volumeDevices", Opaque),
    ("livenessProbe", PROBE),
    ("readinessProbe", PROBE),
    ("startupProbe", PROBE),
    ("lifecycle", LIFECYCLE),
    ("terminationMessagePath", Opaque),
    ("terminationMessagePolicy", Opaque),
    ("imagePullPolicy", Opaque),
    ("securityContext", Opaque),
    ("stdin", Opaque),
    ("stdinOnce", Opaque),
    ("tty", Opaque),
]);

const RESOURCES: Api = Struct(&[("limits", Opaque), ("requests", Opaque), ("claims", Opaque)]);

/// `Probe`, its `ProbeHandler` inline.
const PROBE: Api = Struct(&[
    ("exec", Opaque),
    ("httpGet", Opaque),
    ("tcpSocket", Opaque),
    ("grpc", Opaque),
    ("initialDelaySeconds", Opaque),
    ("timeoutSeconds", Opaque),
    ("periodSeconds", Opaque),
    ("successThreshold", Opaque),
    ("failureThreshold", Opaque),
    ("terminationGracePeriodSeconds", Opaque),
]);

const LIFECYCLE: Api = Struct(&[
    ("postStart", Opaque),
    ("preStop", LIFECYCLE_HANDLER),
    ("stopSignal", Opaque),
]);

pub const LIFECYCLE_HANDLER: Api = Struct(&[
    ("exec", Opaque),
    ("httpGet", Opaque),
    ("tcpSocket", Opaque),
    ("sleep", Opaque),
]);

const AFFINITY: Api = Struct(&[
    ("nodeAffinity", SCHEDULING_TERMS),
    ("podAffinity", POD_SCHEDULING_TERMS),
    ("podAntiAffinity", POD_SCHEDULING_TERMS),
]);

/// `NodeAffinity`'s two fields (`requiredDuringSchedulingRequiredDuringExecution` is only
/// a comment upstream).
const SCHEDULING_TERMS: Api = Struct(&[
    ("requiredDuringSchedulingIgnoredDuringExecution", Opaque),
    ("preferredDuringSchedulingIgnoredDuringExecution", Opaque),
]);

/// `PodAffinity` and `PodAntiAffinity`: the same two fields, of pod affinity terms.
const POD_SCHEDULING_TERMS: Api = Struct(&[
    (
        "requiredDuringSchedulingIgnoredDuringExecution",
        ListOf(&POD_AFFINITY_TERM),
    ),
    (
        "preferredDuringSchedulingIgnoredDuringExecution",
        ListOf(&Struct(&[
            ("weight", Opaque),
            ("podAffinityTerm", POD_AFFINITY_TERM),
        ])),
    ),
]);

/// `PodAffinityTerm`.
const POD_AFFINITY_TERM: Api = Struct(&[
    ("labelSelector", Opaque),
    ("namespaces", Opaque),
    ("topologyKey", Opaque),
    ("namespaceSelector", Opaque),
    ("matchLabelKeys", Opaque),
    ("mismatchLabelKeys", Opaque),
]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_follow_the_types() {
        let ru = DEPLOYMENT
            .root
            .child("spec")
            .and_then(|s| s.child("strategy"))
            .and_then(|s| s.child("rollingUpdate"))
            .unwrap();
        assert_eq!(ru.names(), ["maxUnavailable", "maxSurge"]);
        assert!(ru.child("maxUnavailabe").is_none());
        let probe = DEPLOYMENT
            .root
            .child("spec")
            .and_then(|s| s.child("template"))
            .and_then(|t| t.child("spec"))
            .and_then(|p| p.child("containers"))
            .and_then(|c| c.child("3"))
            .and_then(|c| c.child("readinessProbe"))
            .unwrap();
        assert!(probe.child("periodSeconds").is_some());
        assert!(probe.child("periodSecond").is_none());
        let ds = DAEMON_SET.root.child("spec").unwrap();
        assert_eq!(
            ds.names(),
            [
                "selector",
                "template",
                "updateStrategy",
                "minReadySeconds",
                "revisionHistoryLimit"
            ]
        );
        let ds_ru = ds.at_path("updateStrategy.rollingUpdate");
        assert_eq!(ds_ru.names(), ["maxUnavailable", "maxSurge"]);
        assert!(ds.child("strategy").is_none() && ds.child("replicas").is_none());
        let sts = STATEFUL_SET.root.child("spec").unwrap();
        assert_eq!(
            sts.names(),
            [
                "replicas",
                "selector",
                "template",
                "volumeClaimTemplates",
                "serviceName",
                "podManagementPolicy",
                "updateStrategy",
                "revisionHistoryLimit",
                "minReadySeconds",
                "persistentVolumeClaimRetentionPolicy",
                "ordinals"
            ]
        );
        let sts_ru = sts.at_path("updateStrategy.rollingUpdate");
        assert_eq!(sts_ru.names(), ["partition", "maxUnavailable"]);
        assert!(sts_ru.child("maxSurge").is_none() && sts.child("strategy").is_none());
        // Below a type not listed, nothing is checked.
        assert!(matches!(
            DEPLOYMENT
                .root
                .child("metadata")
                .and_then(|m| m.child("anything")),
            Some(Opaque)
        ));
    }
}
