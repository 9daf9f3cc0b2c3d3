//! A pod label selector (`metav1.LabelSelector`) decided against a pod template's own
//! labels: whether a scheduling rule that counts the pods it selects (a topology spread
//! constraint, an inter-pod affinity term) counts the workload's own pods, which the
//! simulator has, or only other workloads' pods, which it does not.
//!
//! A selector that the API server would refuse (an unknown operator, `In` without values)
//! is an error at its path (kubernetes/apimachinery `pkg/apis/meta/v1/validation`,
//! `ValidateLabelSelector`); it matches as `metav1.LabelSelectorAsSelector` builds it.

use super::super::placement::SelectorOp;
use super::draft::Src;
use serde_json::Value;

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
    let mut all = true;
    if let Some(match_labels) = selector.get("matchLabels") {
        for (key, value) in match_labels.entries() {
            let Some(wanted) = value.str() else {
                return Err((value, NOT_A_STRING.into()));
            };
            all &= label(key)? == Some(wanted);
        }
    }
    for expression in selector
        .get("matchExpressions")
        .map(|e| e.items())
        .unwrap_or_default()
    {
        let key = expression.get("key").and_then(|k| k.str());
        let op = expression.get("operator").and_then(|o| o.str());
        let mut values: Vec<&str> = Vec::new();
        for value in expression
            .get("values")
            .map(|v| v.items())
            .unwrap_or_default()
        {
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
