//! A scenario being built from a manifest: the scenario tree, the comments that go above
//! its keys, where each mapped field came from, and what the manifest said that the
//! scenario cannot.
//!
//! Nothing in a manifest is dropped without a word: every field is either mapped (its
//! manifest path is *read*), or reported by [`Draft::finish`] as not simulated, with its
//! path. Values are copied as they are written and validated afterwards by the scenario
//! converter itself, so import and `run` agree on what is valid; [`Draft::origin`] turns
//! the converter's scenario paths back into the manifest's.

use super::super::error::Problem;
use super::super::load_tree::apply_overrides;
use super::super::overrides::Override;
use super::super::suggest;
use super::api_fields::{Api, Schema};
use serde_json::{Map, Value, json};

/// A node of a manifest with its dotted path (`spec.template.spec.containers.0`).
#[derive(Debug, Clone)]
pub struct Src<'a> {
    /// The value.
    pub value: &'a Value,
    /// Its dotted path from the document root (empty for the root).
    pub path: String,
}

impl<'a> Src<'a> {
    /// The root of a document.
    pub fn root(value: &'a Value) -> Src<'a> {
        Src {
            value,
            path: String::new(),
        }
    }

    /// The child at `key`, unless it is absent or `null`.
    pub fn get(&self, key: &str) -> Option<Src<'a>> {
        match self.value.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(Src {
                value: v,
                path: join(&self.path, key),
            }),
        }
    }

    /// The items of a list (none if it is not one).
    pub fn items(&self) -> Vec<Src<'a>> {
        match self.value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, v)| Src {
                    value: v,
                    path: join(&self.path, &i.to_string()),
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The entries of a map in file order (none if it is not one).
    pub fn entries(&self) -> Vec<(&'a str, Src<'a>)> {
        match self.value {
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| {
                    let src = Src {
                        value: v,
                        path: join(&self.path, k),
                    };
                    (k.as_str(), src)
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The string value, if it is one.
    pub fn str(&self) -> Option<&'a str> {
        self.value.as_str()
    }
}

/// `a.b` from `a` and `b`; `b` alone at the root. An empty key is shown `""`: else it
/// would vanish from the path (`services.web.`), or at the root be taken for the root
/// itself and never reported.
pub fn join(path: &str, key: &str) -> String {
    let key = if key.is_empty() { "\"\"" } else { key };
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A scenario under construction.
#[derive(Debug, Default)]
pub struct Draft {
    /// The scenario tree, keys in the order they are written out.
    pub tree: Map<String, Value>,
    /// Comment lines to print above a scenario path, in order.
    comments: Vec<(String, String)>,
    /// (scenario path, manifest path) of every mapped field.
    origins: Vec<(String, String)>,
    /// Manifest paths read, with everything under them.
    read: Vec<String>,
    /// Manifest fields that cannot be simulated, with why.
    pub unsupported: Vec<Problem>,
    /// Manifest values that are invalid.
    pub errors: Vec<Problem>,
    /// The objects of the files given this one refers to, whose problems are told at
    /// paths under their own root.
    pub referred: Vec<Referred>,
}

/// An object another refers to (an analysis template, a `workloadRef` or `targetRef`
/// Deployment): its problems are its own, however many objects refer to it, so an import
/// tells each once ([`super::TellOnce`]).
#[derive(Debug, Clone)]
pub struct Referred {
    /// The path its fields' problems begin with: `AnalysisTemplate rate (t.yaml)`.
    pub root: String,
    /// Which document of the files given it is ([`super::library::Object::id`]).
    pub id: usize,
    /// It in messages, its file named: `AnalysisTemplate rate (t.yaml)`.
    pub shown: String,
    /// The first manifest path that names it.
    pub at: String,
}

/// A manifest node's API type, or, for a key its object's type lacks, that type and the
/// key (a misspelling).
type Typed<'k> = Result<Api, (Api, &'k str)>;

impl Draft {
    /// Sets the scenario field `to` (dotted), creating the maps above it.
    pub fn put(&mut self, to: &str, value: Value) {
        let mut map = &mut self.tree;
        let mut keys = to.split('.').peekable();
        while let Some(key) = keys.next() {
            if keys.peek().is_none() {
                map.insert(key.to_string(), value);
                return;
            }
            let slot = map
                .entry(key.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            map = slot.as_object_mut().expect("made a map just above");
        }
    }

    /// Copies the manifest value `from` to the scenario field `to`. Only scalars are
    /// copied: a map or list where the scenario wants a single value is an error here.
    pub fn map(&mut self, to: &str, from: &Src) {
        self.read(from);
        if from.value.is_object() || from.value.is_array() {
            self.error(from, "expected a single value, got a map or a list");
            return;
        }
        self.origins.push((to.to_string(), from.path.clone()));
        self.put(to, from.value.clone());
    }

    /// Copies the manifest subtree `from` whole to the scenario field `to`, for fields the
    /// scenario spells exactly as the manifest does (placement: `nodeSelector`,
    /// `affinity`, `tolerations`, `topologySpreadConstraints`, `deploy.placement`); the
    /// scenario's parser then checks every value, and its problems point back here.
    pub fn copy_tree(&mut self, to: &str, from: &Src) {
        self.read(from);
        self.origins.push((to.to_string(), from.path.clone()));
        self.put(to, from.value.clone());
    }

    /// Starts the scenario section `to` (an empty map unless already there) for the
    /// manifest section `from`: problems the converter finds with the section as a whole
    /// are reported at `from`. `from`'s fields are read one by one.
    pub fn section(&mut self, to: &str, from: &Src) {
        if self.get(to).is_none() {
            self.put(to, Value::Object(Map::new()));
        }
        self.origins.push((to.to_string(), from.path.clone()));
    }

    /// The scenario value at `to`, if set.
    pub fn get(&self, to: &str) -> Option<&Value> {
        let mut keys = to.split('.');
        let first = self.tree.get(keys.next()?)?;
        keys.try_fold(first, |v, k| v.get(k))
    }

    /// [`Draft::map`] for a field the API server declares an integer (`int32`,
    /// `int64`: `minReadySeconds`, a probe's `periodSeconds`, …): a string (`"2s"`, `"5"`)
    /// or a number with a fraction or a decimal point (`2.5`, `2.0`) is refused at its
    /// manifest path, as the API server refuses it (Go's `encoding/json` decodes an
    /// integer field with `strconv.ParseInt`), though the scenario would read it as a
    /// duration.
    pub fn map_integer(&mut self, to: &str, from: &Src) {
        if self.integer(from).is_some() {
            self.map(to, from);
        }
    }

    /// The value of the int32 field `from`, read, for a value built apart (a list item's
    /// field); `None`, with the error [`Draft::map_integer`] gives, when it is not an
    /// integer.
    pub fn integer(&mut self, from: &Src) -> Option<Value> {
        self.read(from);
        if from.value.is_i64() || from.value.is_u64() {
            return Some(from.value.clone());
        }
        self.error(
            from,
            format!(
                "expected an integer, as the API server requires (an int32 field; seconds \
                 are whole), got {}",
                super::super::walk::describe(from.value)
            ),
        );
        None
    }

    /// Sets `to` to a value computed from the manifest field `from` (already validated).
    pub fn derived(&mut self, to: &str, value: Value, from: &Src) {
        self.read(from);
        self.trace(to, from);
        self.put(to, value);
    }

    /// Records that the scenario path `to` comes from the manifest field `from`, for
    /// values built apart and put later (list items: `steps.2`, `metrics.0.count`).
    /// `from`'s fields are read one by one.
    pub fn trace(&mut self, to: &str, from: &Src) {
        self.origins.push((to.to_string(), from.path.clone()));
    }

    /// Notes that the object `r` is referred to (once, whatever the number of references).
    pub fn refer(&mut self, r: Referred) {
        if !self
            .referred
            .iter()
            .any(|o| o.id == r.id && o.root == r.root)
        {
            self.referred.push(r);
        }
    }

    /// Sets `to` to a value the manifest cannot give, with a comment saying so.
    pub fn assume(&mut self, to: &str, value: Value, why: &str) {
        self.put(to, value);
        self.comment(to, why);
    }

    /// A comment line above the scenario field `to`.
    pub fn comment(&mut self, to: &str, text: &str) {
        self.comments.push((to.to_string(), text.to_string()));
    }

    /// Applies the user's overrides (`import --set`) to the finished scenario: what the
    /// manifest or a default says at their paths gives way, and so do the comments there
    /// (a DEFAULT note above a node pool the user gave would mislead). The default node
    /// pool is sized again for the service they leave, as `run` sizes it. Returns the
    /// problems of overrides that cannot be applied, and of a field set twice.
    pub fn set(&mut self, overrides: &[Override]) -> Vec<Problem> {
        let mut tree = Value::Object(std::mem::take(&mut self.tree));
        let problems = apply_overrides(&mut tree, overrides, true);
        // The root stays a map: an override sets a value one level down at least.
        if let Value::Object(map) = tree {
            self.tree = map;
        }
        self.comments
            .retain(|(at, _)| !overrides.iter().any(|o| o.covers(at)));
        problems
    }

    /// The comment lines above `to`.
    pub fn comments_at<'s>(&'s self, to: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.comments
            .iter()
            .filter(move |(p, _)| p == to)
            .map(|(_, c)| c.as_str())
    }

    /// The head every Kubernetes object shares: its identity (`apiVersion`, `kind`,
    /// `metadata`) and `status` read, the scenario named `name` and described as imported from
    /// `what` (`"Deployment web"`), and its `spec`, or `None` with `no_spec` reported at
    /// the document.
    pub fn object_spec<'a>(
        &mut self,
        doc: &Src<'a>,
        what: &str,
        name: &str,
        no_spec: &str,
    ) -> Option<Src<'a>> {
        self.read_identity(doc);
        self.read_status(doc);
        self.put("name", json!(name));
        self.put("description", json!(format!("Imported from {what}")));
        let spec = doc.get("spec");
        if spec.is_none() {
            self.error(doc, no_spec);
        }
        spec
    }

    /// Marks an object's `status` as read: the state a `kubectl get` observed, not a field
    /// the user wrote (for the kinds that have one: a Deployment, a Rollout, a Canary; an
    /// analysis template has none, and a `status` there is refused as any unknown field).
    pub fn read_status(&mut self, doc: &Src) {
        if let Some(s) = doc.get("status") {
            self.read(&s);
        }
    }

    /// Marks a Kubernetes object's identity (`apiVersion`, `kind`, `metadata`) as read: it
    /// names the object and changes nothing simulated.
    pub fn read_identity(&mut self, doc: &Src) {
        for identity in ["apiVersion", "kind", "metadata"] {
            if let Some(s) = doc.get(identity) {
                self.read(&s);
            }
        }
    }

    /// Marks `from` (and everything under it) as read: taken into account, mapped or
    /// shown in a comment.
    pub fn read(&mut self, from: &Src) {
        self.read.push(from.path.clone());
    }

    /// Reports `from` as a field the simulator does not model.
    pub fn unsupported(&mut self, from: &Src, why: &str) {
        self.read(from);
        self.unsupported.push(Problem::new(from.path.clone(), why));
    }

    /// Reports an invalid manifest value.
    pub fn error(&mut self, at: &Src, message: impl Into<String>) {
        self.read(at);
        let path = if at.path.is_empty() {
            "(root)".to_string()
        } else {
            at.path.clone()
        };
        self.errors.push(Problem::new(path, message));
    }

    /// The manifest path a scenario path came from: the mapped field with the longest
    /// common prefix, plus the rest of the path. `None` if no mapped field covers it.
    pub fn origin(&self, scenario_path: &str) -> Option<String> {
        self.origins
            .iter()
            .filter(|(to, _)| {
                scenario_path == to
                    || scenario_path
                        .strip_prefix(to.as_str())
                        .is_some_and(|rest| rest.starts_with('.'))
            })
            .max_by_key(|(to, _)| to.len())
            .map(|(to, from)| format!("{from}{}", &scenario_path[to.len()..]))
    }

    /// Reports every field of `doc` that nothing read, at the topmost unread path (a whole
    /// `env:` list is one line, not one per variable). `skip` names keys that are never
    /// reported (compose `x-` extensions, which Docker itself ignores). `schema` gives
    /// the document's type where its field names are known ([`Schema::UNCHECKED`] where
    /// not): an unread key that its object's type does not have is not a field left out
    /// but a misspelling, an error with a "did you mean" (see [`super::api_fields`]).
    pub fn finish(&mut self, doc: &Src, skip: fn(&str) -> bool, schema: Schema) {
        // An explicit stack: the manifest's depth is the user's to choose. Each node with
        // its type, or `Err` with its object's type when that type has no such field.
        let mut stack: Vec<(Src, Typed<'_>)> = vec![(doc.clone(), Ok(schema.root))];
        let mut found: Vec<Problem> = Vec::new();
        while let Some((node, ty)) = stack.pop() {
            if self.covers(&node.path) {
                continue;
            }
            let below = self
                .read
                .iter()
                .any(|r| node.path.is_empty() || r.starts_with(&format!("{}.", node.path)));
            if !below {
                match ty {
                    Ok(ty) => {
                        found.push(Problem::new(
                            node.path.clone(),
                            "no scenario field says this",
                        ));
                        // Left out whole, yet a misspelling inside is still one
                        // (`affinity: {podAntiAfinity: …}`).
                        self.errors.extend(unknown_below(&node, schema.at(ty)));
                    }
                    Err((parent, key)) => {
                        self.errors
                            .push(unknown_field(&node, key, schema.at(parent)))
                    }
                }
                continue;
            }
            let ty = ty.unwrap_or(Api::Opaque);
            let children: Vec<(Src, Typed<'_>)> = match node.value {
                Value::Object(_) => node
                    .entries()
                    .into_iter()
                    .filter(|(k, _)| !skip(k))
                    .map(|(k, s)| (s, ty.child(k).ok_or((ty, k))))
                    .collect(),
                _ => node
                    .items()
                    .into_iter()
                    .map(|s| (s, Ok(ty.child("0").unwrap_or(Api::Opaque))))
                    .collect(),
            };
            stack.extend(children.into_iter().rev());
        }
        self.unsupported.extend(found);
        // A template read by two analyses is finished twice: one line each.
        let mut seen = std::collections::HashSet::new();
        self.unsupported.retain(|p| seen.insert(p.to_string()));
    }

    /// Refuses, as [`Draft::finish`] does, every key under `node` (of `schema`'s type)
    /// that its object's type does not have, for a subtree read whole (a metric's
    /// provider, an analysis's template references); whether there was none.
    pub fn known_names(&mut self, node: &Src, schema: Schema) -> bool {
        let unknown = unknown_below(node, schema);
        for p in &unknown {
            // Told once: not again by `finish`, were the caller to leave `node` unread.
            self.read.push(p.path.clone());
        }
        let none = unknown.is_empty();
        self.errors.extend(unknown);
        none
    }

    /// Whether `path` or a map above it was read.
    fn covers(&self, path: &str) -> bool {
        self.read.iter().any(|r| {
            path == r
                || path
                    .strip_prefix(r.as_str())
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }
}

/// The errors of the keys under `node` (of `schema`'s type) that their object's type does
/// not have, at any depth the types are known.
fn unknown_below(node: &Src, schema: Schema) -> Vec<Problem> {
    let mut out = Vec::new();
    // An explicit stack: the manifest's depth is the user's to choose.
    let mut stack = vec![(node.clone(), schema.root)];
    while let Some((node, ty)) = stack.pop() {
        // A value of another shape than its type is the converter's to refuse.
        let children: Vec<(&str, Src)> = match (node.value, ty) {
            (Value::Object(_), Api::Struct(_)) => node.entries(),
            (Value::Array(_), Api::ListOf(_)) => {
                node.items().into_iter().map(|s| ("0", s)).collect()
            }
            _ => continue,
        };
        for (key, child) in children.into_iter().rev() {
            match ty.child(key) {
                Some(t) => stack.push((child, t)),
                None => out.push(unknown_field(&child, key, schema.at(ty))),
            }
        }
    }
    out.reverse();
    out
}

/// The error of `node` at `key`, a key its object's type (`parent`'s root) does not have:
/// "unknown field", with the closest field name, as `run` words an unknown scenario field.
fn unknown_field(node: &Src, key: &str, parent: Schema) -> Problem {
    Problem::new(
        node.path.clone(),
        format!(
            "unknown field `{key}`{} {}",
            suggest::hint(key, &parent.root.names()),
            parent.refusal()
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn put_builds_the_maps_above() {
        let mut d = Draft::default();
        d.put("a.b.c", json!(1));
        d.put("a.d", json!("x"));
        assert_eq!(
            Value::Object(d.tree),
            json!({"a": {"b": {"c": 1}, "d": "x"}})
        );
    }

    #[test]
    fn origins_translate_scenario_paths_back() {
        let doc = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": "30"}}}});
        let root = Src::root(&doc);
        let ru = root.get("spec").unwrap().get("strategy").unwrap();
        let mut d = Draft::default();
        d.map(
            "strategy.kubernetes.strategy.rollingUpdate.maxSurge",
            &ru.get("rollingUpdate").unwrap().get("maxSurge").unwrap(),
        );
        assert_eq!(
            d.origin("strategy.kubernetes.strategy.rollingUpdate.maxSurge")
                .as_deref(),
            Some("spec.strategy.rollingUpdate.maxSurge")
        );
        assert_eq!(d.origin("strategy.kubernetes"), None);
        assert_eq!(
            d.origin("strategy.kubernetes.strategy.rollingUpdate.maxSurgeX"),
            None
        );
    }

    #[test]
    fn unread_fields_are_reported_at_their_topmost_path() {
        let doc = json!({"spec": {"replicas": 3, "paused": true,
                                  "template": {"spec": {"containers": [
                                      {"image": "a", "env": [{"name": "X", "value": "1"}]}]}}},
                         "x-note": 1});
        let root = Src::root(&doc);
        let spec = root.get("spec").unwrap();
        let mut d = Draft::default();
        d.map("service.replicas", &spec.get("replicas").unwrap());
        let c0 = spec
            .get("template")
            .unwrap()
            .get("spec")
            .unwrap()
            .get("containers")
            .unwrap();
        d.read(&c0.items()[0].get("image").unwrap());
        d.finish(&root, |k| k.starts_with("x-"), Schema::UNCHECKED);
        let paths: Vec<&str> = d.unsupported.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            ["spec.paused", "spec.template.spec.containers.0.env"]
        );
    }
}
