//! Which pods a required pod affinity or anti-affinity term counts (`k8s.io/api` core/v1
//! `PodAffinityTerm`; kubernetes/kubernetes v1.30 `pkg/scheduler/framework/types.go`,
//! `newAffinityTerm`), decided against the workload's own pods, the only ones simulated.
//!
//! A term counts the pods its `labelSelector` matches in its namespaces (the
//! `PodAffinityTerm` fields' API docs):
//!
//! - no `labelSelector` matches no pod (`LabelSelectorAsSelector(nil)`); one that matches
//!   none of the pod template's labels matches only other workloads' pods
//!   ([`super::selector::selects_own_pods`]);
//! - its namespaces are the union of `namespaces` and those `namespaceSelector` selects,
//!   and with neither, the pod's own. `namespaceSelector: {}` selects every namespace; any
//!   other is decided by the label the API server gives every namespace,
//!   `kubernetes.io/metadata.name` (`LabelMetadataName`), the only one of the workload's
//!   namespace the files given say. Terms whose namespaces leave the workload's out count
//!   only other workloads' pods. The workload's namespace is its `metadata.namespace`, else
//!   `default`, as its references are resolved ([`super::library`]);
//! - `matchLabelKeys` adds `key in (the incoming pod's value)` to the selector,
//!   `mismatchLabelKeys` `key notin (…)`; a key the pod lacks is ignored. A label of the
//!   pod template has the same value on every pod of the workload (the import runs one
//!   template, its image changed), so `matchLabelKeys` on one changes nothing and
//!   `mismatchLabelKeys` on one leaves every own pod out. A label the controller gives
//!   each revision's pods a value of their own (`pod-template-hash`,
//!   [`super::selector::controller_labels`]) splits the workload's pods by revision, which
//!   the simulator does not model: [`Counts::Own`] names it.

use super::draft::Src;
use super::pod::Workload;
use super::selector::{controller_labels, selects_own_pods};
use serde_json::{Value, json};

/// The label the API server puts on every namespace, its name as value (`k8s.io/api`
/// core/v1 `LabelMetadataName`; KEP-2161, on by default since Kubernetes 1.21).
const METADATA_NAME: &str = "kubernetes.io/metadata.name";

/// The pods a term counts, as far as the simulator has them.
#[derive(Debug)]
pub enum Counts<'a> {
    /// No pod (it has no `labelSelector`).
    Nothing,
    /// Only other workloads' pods: why, as a clause (`its labelSelector matches none …`).
    Others(String),
    /// The workload's own pods, every version's.
    Own {
        /// Whom else it counts, other namespaces' pods (not simulated), for a note.
        also: Option<String>,
        /// The `matchLabelKeys` or `mismatchLabelKeys` item naming a label whose value
        /// differs by revision (or by pod), which splits the own pods, and that field.
        by_revision: Option<(Src<'a>, &'static str)>,
    },
}

/// The pods the required `term` of a pod template with `labels`, of the workload `of`,
/// counts; or where and why the API server would refuse the term.
pub fn counts<'a>(
    term: &Src<'a>,
    labels: Option<&Src<'a>>,
    of: Workload,
) -> Result<Counts<'a>, (Src<'a>, String)> {
    let Some(selector) = term.get("labelSelector") else {
        return Ok(Counts::Nothing);
    };
    if !selects_own_pods(&selector, labels)? {
        return Ok(Counts::Others(
            "its `labelSelector` matches none of the pod template's labels".into(),
        ));
    }
    let also = match namespaces(term, of.namespace)? {
        Namespaces::Own(also) => also,
        Namespaces::Others(why) => return Ok(Counts::Others(why)),
    };
    let mut by_revision = None;
    for (field, merged) in [("matchLabelKeys", "in"), ("mismatchLabelKeys", "notin")] {
        for key in label_keys(term, field)? {
            let name = key.str().unwrap_or_default();
            if controller_labels(of.controller).contains(&name) {
                by_revision = by_revision.or(Some((key, field)));
                continue;
            }
            let value = labels.and_then(|l| l.get(name)).and_then(|v| v.str());
            if let (Some(value), "notin") = (value, merged) {
                return Ok(Counts::Others(format!(
                    "its `mismatchLabelKeys` names `{name}`, a label of the pod template, \
                     which every pod of the workload carries with one value: `{name} notin \
                     ({value})` leaves them all out"
                )));
            }
        }
    }
    Ok(Counts::Own { also, by_revision })
}

/// The items of the term's `field` (`matchLabelKeys`, `mismatchLabelKeys`), each a label
/// key.
fn label_keys<'a>(term: &Src<'a>, field: &str) -> Result<Vec<Src<'a>>, (Src<'a>, String)> {
    let Some(list) = term.get(field) else {
        return Ok(Vec::new());
    };
    if !list.value.is_array() {
        return Err((list, "expected a list of label keys".into()));
    }
    let items = list.items();
    if let Some(bad) = items.iter().find(|k| k.str().is_none()) {
        return Err((bad.clone(), "expected a label key (a string)".into()));
    }
    Ok(items)
}

/// Whether a term's namespaces hold the workload's.
enum Namespaces {
    /// They do, with whom else they hold, for a note.
    Own(Option<String>),
    /// They do not: why, as a clause.
    Others(String),
}

/// The term's namespaces (`namespaces` and `namespaceSelector`), decided for `own`, the
/// workload's (kubernetes/kubernetes v1.30 `pkg/scheduler/framework/types.go`,
/// `getNamespacesFromPodAffinityTerm` and `newAffinityTerm`).
fn namespaces<'a>(term: &Src<'a>, own: &str) -> Result<Namespaces, (Src<'a>, String)> {
    let listed = match term.get("namespaces") {
        None => Vec::new(),
        Some(list) if list.value.is_array() => list.items(),
        Some(list) => return Err((list, "expected a list of namespace names".into())),
    };
    let mut names: Vec<&str> = Vec::new();
    for item in &listed {
        let Some(name) = item.str() else {
            return Err((item.clone(), "expected a namespace name (a string)".into()));
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let selector = term.get("namespaceSelector");
    let Some(selector) = selector else {
        if names.is_empty() || names.contains(&own) {
            let others: Vec<&str> = names.into_iter().filter(|n| *n != own).collect();
            let also = (!others.is_empty()).then(|| format!("namespace {}", others.join(", ")));
            return Ok(Namespaces::Own(also));
        }
        return Ok(Namespaces::Others(format!(
            "its `namespaces`, {}, leave out the workload's own, {own}",
            names.join(", ")
        )));
    };
    // Refused where the API server refuses it, at the selector's own paths.
    selects_own_pods(&selector, None)?;
    let holds_own = names.contains(&own);
    let others = names.iter().any(|n| *n != own);
    let mut keys: Vec<&str> = Vec::new();
    if let Some(m) = selector.value.get("matchLabels").and_then(Value::as_object) {
        keys.extend(m.keys().map(String::as_str));
    }
    if let Some(list) = selector
        .value
        .get("matchExpressions")
        .and_then(Value::as_array)
    {
        keys.extend(list.iter().filter_map(|e| e.get("key")?.as_str()));
    }
    let every = keys.is_empty();
    let selects_own = if every {
        Some(true)
    } else if keys.iter().all(|k| *k == METADATA_NAME) {
        let labels = json!({ METADATA_NAME: own });
        Some(selects_own_pods(&selector, Some(&Src::root(&labels))).unwrap_or(false))
    } else {
        None
    };
    let also = if every {
        "every namespace (`namespaceSelector: {}`)".to_string()
    } else {
        let listed = if others {
            let names: Vec<&str> = names.iter().copied().filter(|n| *n != own).collect();
            format!("namespace {} and ", names.join(", "))
        } else {
            String::new()
        };
        format!("{listed}those its `namespaceSelector` selects")
    };
    match (holds_own, selects_own) {
        (true, _) | (false, Some(true)) => Ok(Namespaces::Own(Some(also))),
        (false, Some(false)) => Ok(Namespaces::Others(format!(
            "its `namespaceSelector` does not select the workload's namespace, {own} (by \
             its label `{METADATA_NAME}: {own}`){}",
            if names.is_empty() {
                String::new()
            } else {
                format!(", and its `namespaces`, {}, leave it out", names.join(", "))
            }
        ))),
        (false, None) => Err((
            selector,
            format!(
                "whether it selects the workload's namespace, {own}, depends on labels of \
                 that namespace the files given do not say (every namespace has only \
                 `{METADATA_NAME}: {own}` for sure), and with it the term counts the \
                 workload's own pods: name {own} in the term's `namespaces`, or select it by \
                 `{METADATA_NAME}`"
            ),
        )),
    }
}
