//! List documents, what `kubectl get … -o yaml|json` prints (`apiVersion: v1, kind: List,
//! items: […]`) and what the API serves for a collection (`kind: DeploymentList`,
//! `RolloutList`, …): their items are read as documents of the file, as kubectl reads them.
//!
//! kubectl decodes an object with an `items` field as a list (kubernetes/apimachinery
//! v0.34.0, `pkg/apis/meta/v1/unstructured/helpers.go`, `unstructuredJSONScheme.decode`,
//! which looks for `items` alone, and `decodeToList`, which refuses `items` that is not a
//! sequence of objects). An item with neither `kind` nor `apiVersion`, as the API server
//! writes the items of a typed list, takes the list's `apiVersion` and its kind without the
//! `List` suffix (`decodeToList`: "For typed lists, e.g., a PodList, API server doesn't set
//! each item's APIVersion and Kind"). The resource builder then visits the items
//! (kubernetes/cli-runtime v0.34.0, `pkg/resource/visitor.go`, `FlattenListVisitor.Visit`),
//! flattening a list among them too (`meta.IsListType`, `meta.ExtractList`, apimachinery
//! `pkg/api/meta/help.go`; cli-runtime's `TestFlattenListVisitor` reads a list of lists,
//! `artifacts/deeply-nested.yaml`, as its six pods) from a queue: the items of a list come
//! before those of a list it holds, in that order here too. The queue also keeps the
//! nesting the input chooses off the call stack.
//!
//! An empty list stays a document of its own, so that a file of one is told as an empty
//! list rather than as holding nothing.

use super::super::error::{Problem, ScenarioError};
use super::super::walk::describe;
use super::documents::{DocKind, Place, doc_kind};
use serde_json::Value;
use std::collections::VecDeque;

/// Whether `doc` is a list: a Kubernetes object (`apiVersion`, `kind`) with an `items`
/// field, whatever its kind, as kubectl's decoder decides.
pub(super) fn is_list(doc: &Value) -> bool {
    matches!(doc_kind(doc), DocKind::Kubernetes { .. }) && doc.get("items").is_some()
}

/// The documents `docs` at `places` of the file `origin`, each list replaced by its items
/// (at their places in it), in the order kubectl visits them; `Err` naming every item
/// that is no object, and every list whose `items` is no sequence.
pub(super) fn flatten(
    docs: Vec<Value>,
    places: Vec<Place>,
    origin: &str,
) -> Result<Vec<(Value, Place)>, ScenarioError> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (doc, place) in docs.into_iter().zip(places) {
        // What a message about the document calls it: `document 1 at line 1 (List)`.
        let shown = format!(
            "{place} ({})",
            doc.get("kind").and_then(Value::as_str).unwrap_or("")
        );
        let mut queue = VecDeque::from([(doc, place)]);
        while let Some((doc, place)) = queue.pop_front() {
            if !is_list(&doc) {
                out.push((doc, place));
                continue;
            }
            match items(doc, &place, &shown) {
                Ok(Items::Empty(list)) => out.push((list, place)),
                Ok(Items::Some(items, bad)) => {
                    queue.extend(items);
                    problems.extend(bad);
                }
                Err(bad) => problems.push(bad),
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(ScenarioError {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// The item of a list `doc` (a list of lists too) that the path `path` in it (`items.2.spec.
/// replicas`) is in, and the path in that item (`spec.replicas`), so that a problem found
/// in a document before it is flattened is told at its object as any other; `doc` and
/// `path` themselves when the path is in no item.
pub(super) fn item_at(mut doc: &Value, mut path: String) -> (&Value, String) {
    while is_list(doc) {
        let Some(rest) = path.strip_prefix("items.") else {
            break;
        };
        let (index, below) = rest.split_once('.').unwrap_or((rest, ""));
        let item = index
            .parse::<usize>()
            .ok()
            .and_then(|i| doc["items"].get(i));
        match item {
            Some(item) if item.is_object() && !below.is_empty() => {
                doc = item;
                path = below.to_string();
            }
            _ => break,
        }
    }
    (doc, path)
}

/// What a list holds.
enum Items {
    /// None (`items: []` or `items: null`): the list itself, to be told as empty.
    Empty(Value),
    /// Its items that are objects, with their places, and a problem for each other one
    /// (its objects are still read, so that their problems are told in the same run).
    Some(Vec<(Value, Place)>, Vec<Problem>),
}

/// The items of the list `list` at `place`, which messages call `shown`; `Err` with the
/// problem of `items` that is no sequence.
fn items(list: Value, place: &Place, shown: &str) -> Result<Items, Problem> {
    // `is_list` holds: the list is a map.
    let Value::Object(mut m) = list else {
        return Ok(Items::Empty(list));
    };
    let kind = m.get("kind").and_then(Value::as_str).unwrap_or("");
    // `decodeToList`: the items of a typed list are of its kind without `List`.
    let item_kind = kind.strip_suffix("List").filter(|k| !k.is_empty());
    let item_kind = item_kind.map(|k| Value::String(k.to_string()));
    let api = m.get("apiVersion").cloned().unwrap_or(Value::Null);
    let items = match m.remove("items") {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_) | Value::Null) | None => {
            m.insert("items".into(), Value::Array(Vec::new()));
            return Ok(Items::Empty(Value::Object(m)));
        }
        Some(other) => {
            return Err(Problem::new(
                match place.item_path() {
                    p if p.is_empty() => "items".to_string(),
                    p => format!("{p}.items"),
                },
                format!(
                    "{shown}: a list's `items` is a sequence of Kubernetes objects, got {}",
                    describe(&other)
                ),
            ));
        }
    };
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let mut m = match item {
            Value::Object(m) => m,
            other => {
                bad.push(Problem::new(
                    place.item(i).item_path(),
                    format!(
                        "{shown}: an item of a list is a Kubernetes object (a map with \
                         apiVersion and kind), got {}",
                        describe(&other)
                    ),
                ));
                continue;
            }
        };
        if let Some(kind) = &item_kind
            && !m.contains_key("kind")
            && !m.contains_key("apiVersion")
        {
            m.insert("kind".into(), kind.clone());
            m.insert("apiVersion".into(), api.clone());
        }
        good.push((Value::Object(m), place.item(i)));
    }
    Ok(Items::Some(good, bad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(number: usize) -> Place {
        Place {
            number,
            line: Some(number * 10),
            item: Vec::new(),
        }
    }

    fn names(flat: &[(Value, Place)]) -> Vec<(String, String)> {
        flat.iter()
            .map(|(doc, place)| {
                let name = doc.pointer("/metadata/name").and_then(Value::as_str);
                (name.unwrap_or("").to_string(), place.to_string())
            })
            .collect()
    }

    fn deployment(name: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}})
    }

    #[test]
    fn items_come_in_kubectls_order_each_list_before_the_lists_it_holds() {
        let inner = json!({"apiVersion": "v1", "kind": "List",
                           "items": [deployment("c"), {"apiVersion": "v1", "kind": "List",
                                                       "items": [deployment("e")]}]});
        let outer = json!({"apiVersion": "v1", "kind": "List",
                           "items": [deployment("a"), inner, deployment("b")]});
        let docs = vec![deployment("first"), outer, deployment("last")];
        let flat = flatten(docs, vec![at(1), at(2), at(3)], "f.yaml").unwrap();
        let want = [
            ("first", "document 1 at line 10"),
            ("a", "document 2 at line 20, items.0"),
            ("b", "document 2 at line 20, items.2"),
            ("c", "document 2 at line 20, items.1.items.0"),
            ("e", "document 2 at line 20, items.1.items.1.items.0"),
            ("last", "document 3 at line 30"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(n, p)| (n.to_string(), p.to_string()))
            .collect();
        assert_eq!(names(&flat), want);
    }

    #[test]
    fn a_typed_lists_items_take_its_kind_only_when_they_name_none() {
        let list = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "RolloutList",
                          "items": [{"metadata": {"name": "a"}},
                                    {"kind": "Rollout", "metadata": {"name": "b"}},
                                    {"apiVersion": "v1", "metadata": {"name": "c"}}]});
        let flat = flatten(vec![list], vec![at(1)], "f.yaml").unwrap();
        let kinds: Vec<(Option<&str>, Option<&str>)> = flat
            .iter()
            .map(|(d, _)| {
                (
                    d.get("kind").and_then(Value::as_str),
                    d.get("apiVersion").and_then(Value::as_str),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (Some("Rollout"), Some("argoproj.io/v1alpha1")),
                (Some("Rollout"), None),
                (None, Some("v1")),
            ]
        );
        // `kind: List` names no kind for its items.
        let list = json!({"apiVersion": "v1", "kind": "List", "items": [{"metadata": {}}]});
        let flat = flatten(vec![list], vec![at(1)], "f.yaml").unwrap();
        assert_eq!(flat[0].0, json!({"metadata": {}}));
    }

    #[test]
    fn an_empty_list_stays_and_an_object_without_items_is_no_list() {
        let empty = json!({"apiVersion": "v1", "kind": "List", "items": null});
        let flat = flatten(vec![empty], vec![at(1)], "f.yaml").unwrap();
        assert_eq!(flat.len(), 1);
        assert!(is_list(&flat[0].0));
        assert_eq!(flat[0].0["items"], json!([]));
        // kubectl reads a `kind: …List` without `items` as an object of that kind.
        let allow = json!({"apiVersion": "x/v1", "kind": "AllowList", "spec": {}});
        assert!(!is_list(&allow));
        // A compose file or a scenario is no list, whatever its keys.
        assert!(!is_list(&json!({"services": {}, "items": []})));
    }

    #[test]
    fn a_path_in_a_list_is_told_in_its_item() {
        let nested = json!({"apiVersion": "v1", "kind": "List",
                            "items": [deployment("a"), {"apiVersion": "v1", "kind": "List",
                                                        "items": [deployment("b")]}]});
        let at = |path: &str| {
            let (doc, path) = item_at(&nested, path.to_string());
            (
                doc["metadata"]["name"].as_str().unwrap_or("").to_string(),
                path,
            )
        };
        assert_eq!(
            at("items.1.items.0.spec.replicas"),
            ("b".into(), "spec.replicas".into())
        );
        assert_eq!(at("items.0.spec"), ("a".into(), "spec".into()));
        // Not in an item: the document's own path.
        for path in ["items.7.spec", "items.x.spec", "items.0", "metadata.name"] {
            assert_eq!(at(path), (String::new(), path.to_string()));
        }
    }

    #[test]
    fn every_bad_item_is_told_at_its_path_and_the_others_still_read() {
        let list = json!({"apiVersion": "v1", "kind": "List",
                          "items": [1, {"apiVersion": "v1", "kind": "List",
                                        "items": [deployment("a"), "x"]},
                                    {"apiVersion": "v1", "kind": "List", "items": {}}]});
        let err = flatten(vec![list], vec![at(1)], "f.yaml").unwrap_err();
        assert_eq!(err.origin, "f.yaml");
        let paths: Vec<&str> = err.problems.iter().map(|p| p.path.as_str()).collect();
        // In the order the lists are read.
        assert_eq!(paths, ["items.0", "items.1.items.1", "items.2.items"]);
        assert!(
            err.problems[2]
                .message
                .starts_with("document 1 at line 10 (List): a list's `items`"),
            "{err}"
        );
    }
}
