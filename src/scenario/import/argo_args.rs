//! An analysis reference's `args` and their substitution into the metrics of the
//! AnalysisTemplates it names.
//!
//! `{{args.NAME}}` is replaced where a template writes it with the reference's `value`,
//! else the template's default `value` (`argoproj/argo-rollouts` 9f8d111,
//! `utils/analysis/helpers.go` `MergeArgs`: the incoming argument wins). A `valueFrom`
//! cannot be resolved outside a cluster and is left as written, also where the template
//! has a default, which upstream it overrides. A `valueFrom: {podTemplateHashValue:
//! Stable|Latest}` is the stable's or the new ReplicaSet's pod-template hash
//! (`utils/analysis/factory.go`, `BuildArgumentsForRolloutAnalysisRun`): the import keeps
//! which one, as it tells whose pods a query selects ([`super::argo_pods`]).

use super::argo_fields::{ROLLOUT, ROLLOUT_ARGUMENT};
use super::draft::{Draft, Src};
use super::render::compact;
use serde_json::Value;

/// A reference's arguments.
#[derive(Debug, Default)]
pub struct Arguments {
    /// `{name, value}`: substituted.
    values: Vec<(String, String)>,
    /// `{name, valueFrom}`: left as written, never a template's default.
    unresolved: Vec<String>,
    /// The `valueFrom: {podTemplateHashValue}` ones: the name and the role whose hash it
    /// is (`stable` for `Stable`, `canary` for `Latest`).
    pub hashes: Vec<(String, &'static str)>,
}

/// The `args` of `block` (`[{name, value | valueFrom}]`), noted above `to`.
pub fn arguments(block: &Src, to: &str, d: &mut Draft) -> Arguments {
    let mut args = Arguments::default();
    let Some(list) = block.get("args") else {
        return args;
    };
    for a in list.items() {
        if !d.known_names(&a, ROLLOUT.at(ROLLOUT_ARGUMENT)) {
            d.read(&a);
            continue;
        }
        let name = a.get("name").and_then(|n| n.str().map(str::to_string));
        match (name, a.get("value"), a.get("valueFrom")) {
            (Some(n), Some(v), None) => {
                let text = match v.value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                d.read(&a);
                d.comment(to, &format!("argument {n} = {text} (substituted)"));
                args.values.push((n, text));
            }
            (Some(n), None, Some(from)) => {
                d.read(&a);
                d.comment(
                    to,
                    &format!(
                        "argument {n} from {} (not resolved outside a cluster; left as written)",
                        compact(from.value)
                    ),
                );
                let hash = from.get("podTemplateHashValue").and_then(|h| h.str());
                match hash {
                    Some("Stable") => args.hashes.push((n.clone(), "stable")),
                    Some("Latest") => args.hashes.push((n.clone(), "canary")),
                    _ => {}
                }
                args.unresolved.push(n);
            }
            _ => d.error(&a, "expected `name` and one of `value`, `valueFrom`"),
        }
    }
    args
}

/// The template's own argument defaults (`spec.args[].value`).
pub fn template_defaults(doc: &Value) -> Vec<(String, String)> {
    let list = doc
        .pointer("/spec/args")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    list.iter()
        .filter_map(|a| {
            let name = a.get("name")?.as_str()?;
            let value = match a.get("value")? {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            Some((name.to_string(), value))
        })
        .collect()
}

/// Replaces `{{args.NAME}}` (spaces allowed inside the braces) in every string of `doc`'s
/// `spec.metrics`: the reference's value first, else the template's default, unless the
/// reference gives it by `valueFrom`.
pub fn substitute(doc: &mut Value, args: &Arguments, defaults: &[(String, String)]) {
    let Some(metrics) = doc.pointer_mut("/spec/metrics") else {
        return;
    };
    let value = |name: &str| {
        if args.unresolved.iter().any(|n| n == name) {
            return None;
        }
        args.values
            .iter()
            .chain(defaults)
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    // An explicit stack: the template's depth is the user's to choose.
    let mut stack: Vec<&mut Value> = vec![metrics];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => *s = fill(s, &value),
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(m) => stack.extend(m.values_mut()),
            _ => {}
        }
    }
}

/// `s` with each `{{args.NAME}}` that `value` knows replaced.
fn fill(s: &str, value: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(s.len());
    let mut from = 0;
    for (at, tag) in tags(s) {
        if let Some(v) = tag.strip_prefix("args.").and_then(value) {
            out.push_str(&s[from..at.start]);
            out.push_str(&v);
            from = at.end;
        }
    }
    out.push_str(&s[from..]);
    out
}

/// The `{{…}}` tags of `s`, in order: where each is (braces included) and its text
/// trimmed of spaces, as upstream's `resolve` trims it (`utils/template/template.go`).
pub fn tags(s: &str) -> Vec<(std::ops::Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find("{{").map(|i| from + i) {
        let Some(j) = s[i..].find("}}").map(|j| i + j) else {
            break;
        };
        out.push((i..j + 2, s[i + 2..j].trim()));
        from = j + 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_found_trimmed_and_args_filled() {
        let s = "a{{ args.x }}b{{args.y}}{{templates.t.podTemplateHash}}c{{open";
        let found: Vec<&str> = tags(s).into_iter().map(|(_, t)| t).collect();
        assert_eq!(found, ["args.x", "args.y", "templates.t.podTemplateHash"]);
        let value = |n: &str| (n == "x").then(|| "1".to_string());
        assert_eq!(
            fill(s, &value),
            "a1b{{args.y}}{{templates.t.podTemplateHash}}c{{open"
        );
    }

    #[test]
    fn a_value_from_is_never_a_templates_default() {
        let args = Arguments {
            values: vec![("svc".into(), "web".into())],
            unresolved: vec!["hash".into()],
            hashes: vec![("hash".into(), "stable")],
        };
        let defaults = [("hash".to_string(), "abc".to_string())];
        let mut doc =
            serde_json::json!({"spec": {"metrics": [{"q": "{{args.svc}}/{{args.hash}}"}]}});
        substitute(&mut doc, &args, &defaults);
        assert_eq!(doc["spec"]["metrics"][0]["q"], "web/{{args.hash}}");
    }
}
