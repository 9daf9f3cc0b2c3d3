//! A Kubernetes `DaemonSet` (apps/v1) → a scenario with a `strategy.daemonSet`.
//!
//! Field by field (paths under the DaemonSet; upstream: `k8s.io/api/apps/v1` types):
//!
//! | manifest | scenario |
//! |---|---|
//! | `metadata.name` | `name` |
//! | `spec.updateStrategy.type`, `.rollingUpdate.{maxUnavailable,maxSurge}` | `strategy.daemonSet.updateStrategy` |
//! | `spec.minReadySeconds` | `strategy.daemonSet.minReadySeconds` |
//! | `spec.template` | `service` (see [`super::pod`]), with no `replicas` |
//! | `spec.revisionHistoryLimit` | left out and reported (read as absent at the API server's 10) |
//!
//! The update strategy is copied as written and checked by the scenario's own parser
//! ([`crate::scenario::DaemonSetStrategy`]), whose defaults and validation are the API
//! server's: kubernetes/kubernetes v1.30 `pkg/apis/apps/v1/defaults.go`
//! (`SetDefaults_DaemonSet`: `RollingUpdate`, `maxUnavailable: 1`, `maxSurge: 0`) and
//! `pkg/apis/apps/validation/validation.go` (`ValidateRollingUpdateDaemonSet`: exactly
//! one of the two non-zero). So `maxSurge: 1` alone (with the defaulted `maxUnavailable:
//! 1`) and `type: OnDelete` (nothing in a scenario deletes pods) are refused at their
//! manifest paths, as the loader words them.
//!
//! A DaemonSet has no replica count: it runs one pod on every node its `nodeSelector`,
//! required node affinity and tolerations allow, so its size is the node count, which a
//! manifest cannot say. The import gives a marked DEFAULT pool of three nodes, labelled
//! as every kubelet labels its node (`kubernetes.io/os: linux`, which DaemonSets commonly
//! select), and tells the user to set theirs (`--set cluster.nodes=N`; see
//! [`super::defaults`]).
//!
//! Identity fields (`apiVersion`, `kind`, `metadata`, `spec.selector`,
//! `spec.template.metadata`, container names) and `status` are read and change nothing,
//! as for a Deployment ([`super::kubernetes`]).

use super::draft::{Draft, Src};
use super::kubernetes;
use super::pod::Workload;
use super::server_defaults;
use serde_json::json;

/// Maps the DaemonSet `doc` of `namespace` into `d`; `name` is its `metadata.name`.
pub fn daemon_set(doc: &Src, name: &str, namespace: &str, d: &mut Draft) {
    let what = format!("DaemonSet {name}");
    let no_spec = "a DaemonSet needs a `spec` with its pod template";
    let Some(spec) = d.object_spec(doc, &what, name, no_spec) else {
        return;
    };
    // Written even when the manifest has no update settings: the strategy names the
    // controller.
    d.put("strategy.daemonSet", json!({}));
    if let Some(s) = spec.get("updateStrategy") {
        let to = "strategy.daemonSet.updateStrategy";
        kubernetes::rolling_strategy(&s, to, kubernetes::SURGE_AND_UNAVAILABLE, d);
    }
    if let Some(v) = spec.get("minReadySeconds") {
        d.map_integer("strategy.daemonSet.minReadySeconds", &v);
    }
    if let Some(v) = spec.get("revisionHistoryLimit") {
        let is_default = server_defaults::daemon_set_default;
        kubernetes::revision_history_limit(&v, "DaemonSet", is_default, d);
    }
    kubernetes::pods(&spec, Workload::new("DaemonSet", namespace), d);
}
