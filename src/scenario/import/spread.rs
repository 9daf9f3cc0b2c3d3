//! A pod template's `topologySpreadConstraints` → `service.topologySpreadConstraints`, each
//! constraint's `labelSelector` decided against the template's own labels.
//!
//! The scenario's constraints have no `labelSelector`: they count every pod of the service,
//! whatever its version (docs/placement.md). Upstream, a constraint counts the pods its
//! selector matches (kubernetes/kubernetes v1.30,
//! `pkg/scheduler/framework/plugins/podtopologyspread/common.go`,
//! `filterTopologySpreadConstraints`, with `metav1.LabelSelectorAsSelector`). So:
//!
//! - a selector that matches the template's labels matches every pod of the workload, old
//!   and new ReplicaSets alike (they differ only in `pod-template-hash`): that is the
//!   scenario's constraint, and the selector is read and left out;
//! - a selector that matches none of them, or no selector at all (`LabelSelectorAsSelector(nil)`
//!   is `labels.Nothing()`), counts only other workloads' pods, which are not simulated:
//!   the constraint is left out and reported. (Upstream it still keeps pods off nodes
//!   without its `topologyKey`; the report says so.)
//! - `matchLabelKeys: [pod-template-hash]` spreads each revision on its own, which is not
//!   simulated: reported, and the constraint counts every version. Other keys add the pod's
//!   own label values to the selector, which its own pods match anyway.
//! - `minDomains`, and `nodeAffinityPolicy` / `nodeTaintsPolicy` other than their defaults
//!   (`Honor`, `Ignore`), are not simulated: reported and left out.
//!
//! A selector that the API server would refuse is an error at its path ([`super::selector`]).

use super::draft::{Draft, Src};
use super::selector::selects_own_pods;
use serde_json::Value;

/// The scenario field the constraints go to.
const TO: &str = "service.topologySpreadConstraints";

/// Maps the manifest's `list` of constraints (under a pod template whose labels are
/// `labels`) into `d`.
pub fn constraints(list: &Src, labels: Option<&Src>, d: &mut Draft) {
    if !list.value.is_array() {
        // The scenario's parser says what is wrong, at the manifest's path.
        return d.copy_tree(TO, list);
    }
    d.trace(TO, list);
    let mut kept = Vec::new();
    for item in list.items() {
        let Some(mut fields) = item.value.as_object().cloned() else {
            d.trace(&format!("{TO}.{}", kept.len()), &item);
            kept.push(item.value.clone());
            continue;
        };
        d.read(&item);
        let selects = match item.get("labelSelector") {
            None => Ok(false),
            Some(selector) => selects_own_pods(&selector, labels),
        };
        match selects {
            Err((at, message)) => {
                d.error(&at, message);
                continue;
            }
            Ok(false) => {
                let key = fields.get("topologyKey").and_then(Value::as_str);
                d.unsupported(&item, &not_counted(&item, key));
                continue;
            }
            Ok(true) => {
                fields.remove("labelSelector");
            }
        }
        if let Some(keys) = item.get("matchLabelKeys") {
            if keys
                .items()
                .iter()
                .any(|k| k.str() == Some("pod-template-hash"))
            {
                d.unsupported(
                    &keys,
                    "`pod-template-hash` spreads each revision's pods on their own, which is \
                     not simulated: the constraint counts every version's pods",
                );
            }
            fields.remove("matchLabelKeys");
        }
        if let Some(min) = item.get("minDomains") {
            d.unsupported(
                &min,
                "not simulated: the constraint counts only the domains its nodes have",
            );
            fields.remove("minDomains");
        }
        for (policy, default) in [
            ("nodeAffinityPolicy", "Honor"),
            ("nodeTaintsPolicy", "Ignore"),
        ] {
            if let Some(given) = item.get(policy) {
                if given.str() != Some(default) {
                    d.unsupported(
                        &given,
                        &format!("only the default, `{default}`, is simulated"),
                    );
                }
                fields.remove(policy);
            }
        }
        d.trace(&format!("{TO}.{}", kept.len()), &item);
        kept.push(Value::Object(fields));
    }
    d.put(TO, Value::Array(kept));
}

/// Why a constraint whose selector matches none of the workload's pods is left out.
fn not_counted(item: &Src, key: Option<&str>) -> String {
    let why = if item.get("labelSelector").is_some() {
        "its `labelSelector` matches none of the pod template's labels"
    } else {
        "it has no `labelSelector`, which matches no pod (`LabelSelectorAsSelector(nil)`)"
    };
    let key = key.unwrap_or("its topologyKey");
    format!(
        "{why}: upstream it counts only other workloads' pods, which are not simulated, so it \
         is left out (it still keeps pods off nodes without the label `{key}`: add a \
         nodeSelector if some nodes lack it)"
    )
}
