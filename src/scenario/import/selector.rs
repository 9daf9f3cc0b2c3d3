//! A pod label selector (`metav1.LabelSelector`) decided against a pod template's own
//! labels: whether a scheduling rule that counts the pods it selects (a topology spread
//! constraint, an inter-pod affinity term) counts the workload's own pods, which the
//! simulator has, or only other workloads' pods, which it does not.
//!
//! A selector that the API server would refuse (an unknown operator, `In` without values)
//! is an error at its path (kubernetes/apimachinery `pkg/apis/meta/v1/validation`,
//! `ValidateLabelSelector`); it matches as `metav1.LabelSelectorAsSelector` builds it.
//!
//! A workload's own `spec.selector` is decided the same way ([`own_selector`]): the API
//! server refuses a Deployment, DaemonSet, StatefulSet or Rollout whose selector is empty
//! or does not select the pods of its own template, so the import does too rather than
//! simulate a workload that cannot exist.

use super::super::placement::SelectorOp;
use super::draft::{Draft, Src};
use serde_json::Value;

/// Check a workload's `spec.selector` against the labels of the pod template it creates
/// pods from (`template`, the workload's `spec.template` or a `workloadRef` Deployment's),
/// as the API server validates it; `kind` is the word its message names the workload by
/// (`deployment`, `daemonset`, `statefulset`).
///
/// kubernetes/kubernetes `pkg/apis/apps/validation/validation.go`:
/// `ValidateDeploymentSpec`, `ValidateDaemonSetSpec` and `ValidateStatefulSetSpec` refuse
/// an empty selector (`empty selector is invalid for deployment`) and, through
/// `ValidatePodTemplateSpecForReplicaSet` and their own checks, a template whose labels
/// the selector does not match (`` `selector` does not match template `labels` ``, at
/// `spec.template.metadata.labels`). argoproj/argo-rollouts
/// `pkg/apis/rollouts/validation/validation.go` (`ValidateRolloutSpec`, through the same
/// `ValidatePodTemplateSpecForReplicaSet`, once a `workloadRef`'s template is resolved)
/// does both for a Rollout, with the Deployment's words.
///
/// ```text
/// selector: {matchLabels: {app: web}}
/// template: {metadata: {labels: {app: api}}}   → refused: the selector is not the template's
/// ```
pub(super) fn own_selector(selector: &Src, template: Option<&Src>, kind: &str, d: &mut Draft) {
    d.read(selector);
    let metadata = template.and_then(|t| t.get("metadata"));
    let labels = metadata.as_ref().and_then(|m| m.get("labels"));
    let selects = selects_own_pods(selector, labels.as_ref());
    // `len(MatchLabels) + len(MatchExpressions) == 0`; `selects_own_pods` checks their types.
    let terms = selector.get("matchLabels").map_or(0, |l| l.entries().len())
        + selector
            .get("matchExpressions")
            .map_or(0, |e| e.items().len());
    if selects.is_ok() && terms == 0 {
        return d.error(
            selector,
            format!(
                "empty selector is invalid for {kind} (the API server refuses it): select \
                 the template's pods, e.g. `matchLabels: {{app: <its label>}}`"
            ),
        );
    }
    match selects {
        Err((at, message)) => d.error(&at, message),
        Ok(true) => {}
        Ok(false) => {
            let at = labels
                .or(metadata)
                .or_else(|| template.cloned())
                .unwrap_or_else(|| selector.clone());
            d.error(
                &at,
                format!(
                    "`selector` does not match template `labels` (the API server refuses \
                     it): the {kind} would not own the pods it creates; label the \
                     template's pods with what {} selects",
                    selector.path
                ),
            );
        }
    }
}

/// Labels the controllers put on the pods beside the template's, with a value of their
/// own a revision or a pod: `pod-template-hash` (a Deployment's ReplicaSets, Flagger's
/// Deployments too), `rollouts-pod-template-hash` (Argo Rollouts), `controller-revision-hash`
/// (a StatefulSet's and a DaemonSet's revisions), `statefulset.kubernetes.io/pod-name`
/// and `apps.kubernetes.io/pod-index` (each StatefulSet pod), `pod-template-generation`
/// (a DaemonSet's). A rule selecting by one selects some of the workload's pods, or some
/// revisions', which the simulator cannot tell apart: a budget ([`super::budget`]), or an
/// inter-pod affinity term's `matchLabelKeys` ([`super::affinity`]).
pub(super) const CONTROLLER_LABELS: [&str; 6] = [
    "pod-template-hash",
    "rollouts-pod-template-hash",
    "controller-revision-hash",
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "pod-template-generation",
];

/// Those of [`CONTROLLER_LABELS`] the pods of `controller`'s kind carry (the kind that
/// creates the pods: `Rollout` for a Rollout's `workloadRef` Deployment): the Deployment
/// controller's `pod-template-hash` (kubernetes/kubernetes `pkg/controller/deployment`,
/// `DefaultDeploymentUniqueLabelKey`), Argo Rollouts' `rollouts-pod-template-hash`
/// (`DefaultRolloutUniqueLabelKey`), the StatefulSet controller's
/// `controller-revision-hash`, pod name and pod index, the DaemonSet controller's
/// `controller-revision-hash` and `pod-template-generation`. All of them for a kind not
/// listed.
pub(super) fn controller_labels(controller: &str) -> &'static [&'static str] {
    match controller {
        "Deployment" => &["pod-template-hash"],
        "Rollout" => &["rollouts-pod-template-hash"],
        "StatefulSet" => &[
            "controller-revision-hash",
            "statefulset.kubernetes.io/pod-name",
            "apps.kubernetes.io/pod-index",
        ],
        "DaemonSet" => &["controller-revision-hash", "pod-template-generation"],
        _ => &CONTROLLER_LABELS,
    }
}

/// What is wrong with a label value, or a selector's value, that YAML reads as a number
/// or a boolean.
const NOT_A_STRING: &str = "expected a string: a label value is a string (quote it)";

/// Whether `selector` (a `metav1.LabelSelector`) matches a pod with the template's
/// `labels`, or where and why the API server would refuse it. An empty selector matches
/// every pod.
pub(super) fn selects_own_pods<'a>(
    selector: &Src<'a>,
    labels: Option<&Src<'a>>,
) -> Result<bool, (Src<'a>, String)> {
    // A label is a `map[string]string` (`ObjectMeta.Labels`): the API server refuses a
    // number or a boolean there, so the template's label is not silently taken as absent.
    let label = |key: &str| match labels.and_then(|l| l.get(key)) {
        None => Ok(None),
        Some(value) => match value.str() {
            Some(text) => Ok(Some(text)),
            None => Err((value, NOT_A_STRING.to_string())),
        },
    };
    let Value::Object(fields) = selector.value else {
        return Err((
            selector.clone(),
            "expected a map (matchLabels, matchExpressions)".into(),
        ));
    };
    if let Some(unknown) = fields
        .keys()
        .find(|k| !matches!(k.as_str(), "matchLabels" | "matchExpressions"))
    {
        let at = selector.get(unknown).unwrap_or_else(|| selector.clone());
        return Err((
            at,
            "unknown field: a labelSelector has matchLabels and matchExpressions".into(),
        ));
    }
    // `matchLabels` is a `map[string]string` and `matchExpressions` a list of
    // `LabelSelectorRequirement`s: anything else is refused, not read as "no terms", which
    // would select every pod.
    let match_labels = selector.get("matchLabels");
    if let Some(labels) = match_labels.as_ref().filter(|l| !l.value.is_object()) {
        return Err((
            labels.clone(),
            "expected a map of label keys to values".into(),
        ));
    }
    let expressions = selector.get("matchExpressions");
    if let Some(list) = expressions.as_ref().filter(|e| !e.value.is_array()) {
        return Err((list.clone(), "expected a list of expressions".into()));
    }
    let mut all = true;
    if let Some(match_labels) = match_labels {
        for (key, value) in match_labels.entries() {
            let Some(wanted) = value.str() else {
                return Err((value, NOT_A_STRING.into()));
            };
            all &= label(key)? == Some(wanted);
        }
    }
    for expression in expressions.map(|e| e.items()).unwrap_or_default() {
        let Value::Object(fields) = expression.value else {
            return Err((expression, "expected a map (key, operator, values)".into()));
        };
        if let Some(unknown) = fields
            .keys()
            .find(|k| !matches!(k.as_str(), "key" | "operator" | "values"))
        {
            let at = expression
                .get(unknown)
                .unwrap_or_else(|| expression.clone());
            return Err((
                at,
                "unknown field: an expression has key, operator and values".into(),
            ));
        }
        let listed = expression.get("values");
        if let Some(values) = listed.as_ref().filter(|v| !v.value.is_array()) {
            return Err((values.clone(), "expected a list of strings".into()));
        }
        let key = expression.get("key").and_then(|k| k.str());
        let op = expression.get("operator").and_then(|o| o.str());
        let mut values: Vec<&str> = Vec::new();
        for value in listed.map(|v| v.items()).unwrap_or_default() {
            match value.str() {
                Some(text) => values.push(text),
                None => return Err((value, NOT_A_STRING.into())),
            }
        }
        let (Some(key), Some(op)) = (key, op) else {
            return Err((expression, "needs `key` and `operator`".into()));
        };
        // A pod label selector has the node selector's operators but `Gt` and `Lt`.
        let op = match op {
            "In" => SelectorOp::In,
            "NotIn" => SelectorOp::NotIn,
            "Exists" => SelectorOp::Exists,
            "DoesNotExist" => SelectorOp::DoesNotExist,
            _ => {
                return Err((
                    expression,
                    format!("operator `{op}`: expected In, NotIn, Exists or DoesNotExist"),
                ));
            }
        };
        match (op, values.is_empty()) {
            (SelectorOp::In | SelectorOp::NotIn, true) => {
                return Err((
                    expression,
                    "`In` and `NotIn` need at least one value".into(),
                ));
            }
            (SelectorOp::Exists | SelectorOp::DoesNotExist, false) => {
                return Err((
                    expression,
                    "`Exists` and `DoesNotExist` take no values".into(),
                ));
            }
            _ => {}
        }
        let values: Vec<String> = values.into_iter().map(String::from).collect();
        all &= op.matches(label(key)?, &values);
    }
    Ok(all)
}
