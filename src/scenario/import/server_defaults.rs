//! The values the API server fills in when a field is absent, read as absent: what
//! `kubectl get deploy -o yaml` prints holds them whether the user wrote them or not, and
//! a "not simulated" line for each would drown the few that matter. Only fields that
//! change nothing simulated are here; a value other than the default keeps its note
//! (`imagePullPolicy: Always` on a tagged image, `restartPolicy: Never`, a custom
//! `schedulerName`). Fields the import maps (`terminationGracePeriodSeconds`, a probe's
//! timings, `spec.strategy`, `revisionHistoryLimit`, `progressDeadlineSeconds`) are mapped
//! as they are written, defaulted or not.
//!
//! Upstream: kubernetes/kubernetes `pkg/apis/core/v1/defaults.go` (as stored at commit
//! 023f88a3): `SetDefaults_Container` (`terminationMessagePath` `/dev/termination-log`,
//! `terminationMessagePolicy` `File`, `imagePullPolicy` `Always` when
//! `pkg/util/parsers` `ParseImageName` gives the tag `latest`, which it gives to an
//! image with no tag and no digest, else `IfNotPresent`) and `SetDefaults_PodSpec`
//! (`dnsPolicy` `ClusterFirst`, `restartPolicy` `Always`, `schedulerName`
//! `default-scheduler`, `securityContext` `{}`); `pkg/apis/apps/v1/defaults.go`
//! `SetDefaults_Deployment` (`strategy` `RollingUpdate` with `maxSurge` and
//! `maxUnavailable` `25%`, `revisionHistoryLimit` 10, `progressDeadlineSeconds` 600),
//! for the Deployment a Flagger Canary or an Argo `workloadRef` names, whose fields
//! besides the template are otherwise reported; `SetDefaults_DaemonSet`
//! (`revisionHistoryLimit` 10, kubernetes/kubernetes v1.30) for an imported DaemonSet,
//! which has no such scenario field, and `SetDefaults_StatefulSet` (`revisionHistoryLimit`
//! 10, `persistentVolumeClaimRetentionPolicy` `Retain` both ways) for an imported
//! StatefulSet. A container's `resources: {}` is no
//! default but how the server writes an empty `ResourceRequirements` (a struct, so Go's
//! `omitempty` keeps it): it says nothing either.

use super::draft::{Draft, Src};
use serde_json::{Value, json};

/// What a pod spec's field holds when the server defaulted it (`SetDefaults_PodSpec`).
fn pod_spec_default(key: &str) -> Option<Value> {
    Some(match key {
        "dnsPolicy" => json!("ClusterFirst"),
        "restartPolicy" => json!("Always"),
        "schedulerName" => json!("default-scheduler"),
        "securityContext" => json!({}),
        _ => return None,
    })
}

/// What a container's field holds when the server defaulted it (`SetDefaults_Container`;
/// `resources: {}`, the empty struct); `image` is the container's.
fn container_default(key: &str, image: Option<&str>) -> Option<Value> {
    Some(match key {
        "terminationMessagePath" => json!("/dev/termination-log"),
        "terminationMessagePolicy" => json!("File"),
        "imagePullPolicy" => json!(pull_policy(image?)),
        "resources" => json!({}),
        _ => return None,
    })
}

/// The `imagePullPolicy` the server gives a container running `image`: `Always` for the
/// tag `latest`, which an image with neither tag nor digest stands for, else
/// `IfNotPresent`. The tag follows the last `:` after the last `/` (a registry's port,
/// `host:5000/web`, is no tag), before a digest (`@sha256:…`).
pub fn pull_policy(image: &str) -> &'static str {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.rsplit_once(':').map(|(_, tag)| tag);
    match (tag, digest) {
        (Some("latest"), _) | (None, None) => "Always",
        _ => "IfNotPresent",
    }
}

/// Reads, as absent, each field of the pod spec `spec` and of its `containers` that holds
/// what the server would have set.
pub fn pod(spec: &Src, containers: &[Src], d: &mut Draft) {
    read_defaulted(spec, pod_spec_default, d);
    for c in containers {
        let image = c.get("image").and_then(|i| i.str());
        read_defaulted(c, |key| container_default(key, image), d);
    }
}

/// Whether the Deployment spec's field `key` holds `SetDefaults_Deployment`'s value.
pub fn deployment_default(key: &str, value: &Value) -> bool {
    let default = match key {
        "strategy" => json!({
            "type": "RollingUpdate",
            "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}
        }),
        "revisionHistoryLimit" => json!(10),
        "progressDeadlineSeconds" => json!(600),
        _ => return false,
    };
    *value == default
}

/// Whether the DaemonSet spec's field `key` holds `SetDefaults_DaemonSet`'s value, for a
/// field the import does not map (kubernetes/kubernetes v1.30
/// `pkg/apis/apps/v1/defaults.go`: `revisionHistoryLimit` 10; its `updateStrategy` is
/// mapped as written, defaulted or not).
pub fn daemon_set_default(key: &str, value: &Value) -> bool {
    match key {
        "revisionHistoryLimit" => *value == json!(10),
        _ => false,
    }
}

/// Whether the StatefulSet spec's field `key` holds `SetDefaults_StatefulSet`'s value, for
/// a field the import does not map (kubernetes/kubernetes v1.30
/// `pkg/apis/apps/v1/defaults.go`: `revisionHistoryLimit` 10, and, with the
/// `StatefulSetAutoDeletePVC` gate, beta and on since v1.27,
/// `persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Retain}`; its
/// `replicas`, `podManagementPolicy` and `updateStrategy` are mapped as written,
/// defaulted or not).
pub fn stateful_set_default(key: &str, value: &Value) -> bool {
    match key {
        "revisionHistoryLimit" => *value == json!(10),
        "persistentVolumeClaimRetentionPolicy" => {
            *value == json!({"whenDeleted": "Retain", "whenScaled": "Retain"})
        }
        _ => false,
    }
}

fn read_defaulted(node: &Src, default: impl Fn(&str) -> Option<Value>, d: &mut Draft) {
    for (key, field) in node.entries() {
        if default(key).is_some_and(|v| v == *field.value) {
            d.read(&field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::import::api_fields::Schema;

    #[test]
    fn the_pull_policy_follows_the_tag() {
        for (image, policy) in [
            ("nginx", "Always"),
            ("nginx:latest", "Always"),
            ("registry.local:5000/team/web", "Always"),
            ("registry.local:5000/team/web:latest", "Always"),
            ("nginx:1.27", "IfNotPresent"),
            ("registry.local:5000/team/web:2", "IfNotPresent"),
            ("nginx@sha256:0123abcd", "IfNotPresent"),
            ("nginx:latest@sha256:0123abcd", "Always"),
            ("nginx:1.27@sha256:0123abcd", "IfNotPresent"),
        ] {
            assert_eq!(pull_policy(image), policy, "{image}");
        }
    }

    /// The paths `finish` reports of a pod spec `pod`.
    fn reported(pod_spec: Value) -> Vec<String> {
        let doc = json!({"spec": pod_spec});
        let root = Src::root(&doc);
        let spec = root.get("spec").unwrap();
        let containers = spec.get("containers").unwrap().items();
        let mut d = Draft::default();
        for c in &containers {
            d.read(&c.get("image").unwrap());
        }
        pod(&spec, &containers, &mut d);
        d.finish(&root, |_| false, Schema::UNCHECKED);
        d.unsupported.iter().map(|p| p.path.clone()).collect()
    }

    #[test]
    fn defaulted_values_are_read_and_others_reported() {
        let server = json!({
            "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
            "schedulerName": "default-scheduler", "securityContext": {},
            "containers": [
                {"image": "nginx:1.27", "imagePullPolicy": "IfNotPresent", "resources": {},
                 "terminationMessagePath": "/dev/termination-log",
                 "terminationMessagePolicy": "File"},
                {"image": "sidecar", "imagePullPolicy": "Always"}
            ]
        });
        assert!(reported(server).is_empty());
        let user = json!({
            "dnsPolicy": "Default", "restartPolicy": "Never",
            "schedulerName": "mine", "securityContext": {"runAsNonRoot": true},
            "containers": [
                {"image": "nginx:1.27", "imagePullPolicy": "Always",
                 "resources": {"limits": {"cpu": 1}},
                 "terminationMessagePath": "/tmp/why",
                 "terminationMessagePolicy": "FallbackToLogsOnError"},
                {"image": "sidecar:latest", "imagePullPolicy": "IfNotPresent"}
            ]
        });
        let c = "spec.containers";
        assert_eq!(
            reported(user),
            [
                "spec.dnsPolicy".to_string(),
                "spec.restartPolicy".to_string(),
                "spec.schedulerName".to_string(),
                "spec.securityContext".to_string(),
                format!("{c}.0.imagePullPolicy"),
                format!("{c}.0.resources"),
                format!("{c}.0.terminationMessagePath"),
                format!("{c}.0.terminationMessagePolicy"),
                format!("{c}.1.imagePullPolicy"),
            ]
        );
    }

    #[test]
    fn a_deployment_default_is_the_whole_value() {
        let rolling = json!({"type": "RollingUpdate",
                             "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
        assert!(deployment_default("strategy", &rolling));
        let one = json!({"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}});
        assert!(!deployment_default("strategy", &one));
        assert!(deployment_default("progressDeadlineSeconds", &json!(600)));
        assert!(!deployment_default("revisionHistoryLimit", &json!(2)));
        assert!(!deployment_default("minReadySeconds", &json!(0)));
    }

    #[test]
    fn a_daemon_set_default_is_its_revision_history_limit_of_ten() {
        assert!(daemon_set_default("revisionHistoryLimit", &json!(10)));
        assert!(!daemon_set_default("revisionHistoryLimit", &json!(3)));
        assert!(!daemon_set_default("revisionHistoryLimit", &json!("10")));
        // Mapped as written, so never read as absent.
        assert!(!daemon_set_default("minReadySeconds", &json!(0)));
    }

    #[test]
    fn a_stateful_set_default_is_its_history_and_retention() {
        assert!(stateful_set_default("revisionHistoryLimit", &json!(10)));
        assert!(!stateful_set_default("revisionHistoryLimit", &json!(3)));
        let retain = json!({"whenDeleted": "Retain", "whenScaled": "Retain"});
        assert!(stateful_set_default(
            "persistentVolumeClaimRetentionPolicy",
            &retain
        ));
        let delete = json!({"whenDeleted": "Delete", "whenScaled": "Retain"});
        assert!(!stateful_set_default(
            "persistentVolumeClaimRetentionPolicy",
            &delete
        ));
        // Mapped as written, so never read as absent.
        assert!(!stateful_set_default(
            "podManagementPolicy",
            &json!("OrderedReady")
        ));
    }
}
