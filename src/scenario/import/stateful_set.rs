//! A Kubernetes `StatefulSet` (apps/v1) → a scenario with a `strategy.statefulSet`.
//!
//! Field by field (paths under the StatefulSet; upstream: `k8s.io/api/apps/v1` types,
//! v1.30):
//!
//! | manifest | scenario |
//! |---|---|
//! | `metadata.name` | `name` |
//! | `spec.replicas` (default 1) | `service.replicas` |
//! | `spec.podManagementPolicy` | `strategy.statefulSet.podManagementPolicy` |
//! | `spec.updateStrategy.type`, `.rollingUpdate.{partition,maxUnavailable}` | `strategy.statefulSet.updateStrategy` |
//! | `spec.minReadySeconds` | `strategy.statefulSet.minReadySeconds` |
//! | `spec.template` | `service` (see [`super::pod`]) |
//! | `spec.ordinals.start` | left out and reported; a `partition` is counted from it |
//! | `spec.serviceName`, `spec.volumeClaimTemplates` | left out and reported |
//! | `spec.revisionHistoryLimit`, `spec.persistentVolumeClaimRetentionPolicy` | left out and reported (read as absent at the API server's defaults) |
//!
//! The update settings are copied as written and checked by the scenario's own parser
//! ([`crate::scenario::StatefulSetStrategy`]), whose defaults and validation are the API
//! server's: kubernetes/kubernetes v1.30 `pkg/apis/apps/v1/defaults.go`
//! (`SetDefaults_StatefulSet`: `OrderedReady`, `RollingUpdate`, `partition: 0`; no
//! `maxUnavailable`, which the controller reads only with the `MaxUnavailableStatefulSet`
//! gate) and `pkg/apis/apps/validation/validation.go` (`ValidateStatefulSetSpec`). So
//! `type: OnDelete` (nothing in a scenario deletes pods) and `maxUnavailable: 0` are
//! refused at their manifest paths, as the loader words them.
//!
//! Identity fields (`apiVersion`, `kind`, `metadata`, `spec.selector`,
//! `spec.template.metadata`, container names) and `status` are read and change nothing,
//! as for a Deployment ([`super::kubernetes`]).

use super::api_fields;
use super::draft::{Draft, Src};
use super::kubernetes::{self, RollingField};
use super::pod::Workload;
use super::server_defaults;
use serde_json::{Value, json};

/// `RollingUpdateStatefulSetStrategy`: `partition` an `int32`, `maxUnavailable` an
/// `IntOrString`.
const PARTITION_AND_UNAVAILABLE: &[RollingField] = &[
    RollingField::Int32("partition"),
    RollingField::IntOrString("maxUnavailable"),
];

const UPDATE_STRATEGY: &str = "strategy.statefulSet.updateStrategy";

/// Maps the StatefulSet `doc` of `namespace` into `d`; `name` is its `metadata.name`.
pub fn stateful_set(doc: &Src, name: &str, namespace: &str, d: &mut Draft) {
    let what = format!("StatefulSet {name}");
    let no_spec = "a StatefulSet needs a `spec` with its pod template";
    let Some(spec) = d.object_spec(doc, &what, name, no_spec) else {
        return;
    };
    kubernetes::replicas(&spec, "Kubernetes'", d);
    // Written even when the manifest has no update settings: the strategy names the
    // controller.
    d.put("strategy.statefulSet", json!({}));
    if let Some(v) = spec.get("podManagementPolicy") {
        d.map("strategy.statefulSet.podManagementPolicy", &v);
    }
    if let Some(s) = spec.get("updateStrategy") {
        kubernetes::rolling_strategy(&s, UPDATE_STRATEGY, PARTITION_AND_UNAVAILABLE, d);
    }
    if let Some(v) = spec.get("minReadySeconds") {
        d.map_integer("strategy.statefulSet.minReadySeconds", &v);
    }
    if let Some(v) = spec.get("revisionHistoryLimit") {
        let is_default = server_defaults::stateful_set_default;
        kubernetes::revision_history_limit(&v, "StatefulSet", is_default, d);
    }
    if let Some(v) = spec.get("ordinals") {
        ordinals(&v, d);
    }
    not_simulated(&spec, d);
    kubernetes::pods(&spec, Workload::new("StatefulSet", namespace), d);
}

/// The fields about the pods' network identity and storage, which the simulator does not
/// model: reported with why, unless empty (or the API server's default).
fn not_simulated(spec: &Src, d: &mut Draft) {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    let fields = [
        (
            "serviceName",
            "the headless Service that gives each pod its DNS name (`NAME-0.SERVICE`): \
             not simulated; the pods' ordinals are, their DNS records are not",
        ),
        (
            "volumeClaimTemplates",
            "each pod's PersistentVolumeClaims: volumes are not simulated, so the detach \
             and attach a replacement pod may wait for (its old pod's volume, on another \
             node) is not timed; add it to the next version's `start` if it matters",
        ),
        (
            "persistentVolumeClaimRetentionPolicy",
            "what becomes of the pods' PersistentVolumeClaims when the StatefulSet is \
             deleted or scaled down: volumes are not simulated",
        ),
    ];
    for (key, why) in fields {
        let Some(v) = spec.get(key) else {
            continue;
        };
        // Left out whole, yet a misspelling inside is still one (`whenDeleted`).
        let schema = api_fields::STATEFUL_SET;
        let ty = schema.root.at_path(&format!("spec.{key}"));
        let misspelt = !d.known_names(&v, schema.at(ty));
        if misspelt || empty(v.value) || server_defaults::stateful_set_default(key, v.value) {
            d.read(&v);
        } else {
            d.unsupported(&v, why);
        }
    }
}

/// `spec.ordinals.start` (`StatefulSetStartOrdinal`, beta and on in v1.30): the first
/// ordinal, which names the pods (`NAME-S`, …) and which a `partition` is counted from.
/// The scenario numbers its pods from 0, so a start other than 0 is reported, and a
/// `partition` written beside it is shifted by it (`partition - start`, not below 0),
/// which updates the same pods: those at or above the partition. A start of 0 (or none)
/// changes nothing.
fn ordinals(v: &Src, d: &mut Draft) {
    if !v.value.is_object() {
        return d.error(v, "expected a map with `start`");
    }
    // Only `start` is read: a misspelt key beside it is refused by `finish`.
    let Some(start) = v.get("start") else {
        if v.entries().is_empty() {
            d.read(v);
        }
        return;
    };
    let Some(n) = d.integer(&start) else {
        return;
    };
    let Some(n) = n.as_u64() else {
        return d.error(&start, "must be greater than or equal to 0");
    };
    if n == 0 {
        return d.read(&start);
    }
    let to = format!("{UPDATE_STRATEGY}.rollingUpdate.partition");
    let partition = d.get(&to).and_then(Value::as_u64);
    let shift = match partition {
        Some(p) => {
            let shifted = p.saturating_sub(n);
            d.put(&to, json!(shifted));
            d.comment(
                &to,
                &format!(
                    "the manifest's partition {p}, counted from its ordinals.start {n}: the \
                     scenario numbers pods from 0"
                ),
            );
            format!("; its partition {p} is read as {shifted}, which updates the same pods")
        }
        None => String::new(),
    };
    d.unsupported(
        &start,
        &format!(
            "the first pod ordinal ({n}): not simulated, the scenario numbers its pods from \
             0{shift}"
        ),
    );
}
