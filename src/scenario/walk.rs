//! The walker's toolkit: a [`Node`] is one value of the generic tree together with its
//! field path, and an [`Obj`] is a map node whose keys have been checked.
//!
//! Every parser here (and in [`scalars`], a node's scalar values: strings, numbers,
//! durations, quantities) records a [`Problem`] at the node's path and returns `None` (or
//! the default) instead of stopping, so one pass over a file reports everything wrong with
//! it. The conversion modules are then short declarative lists of
//! `obj.duration("delay", 0)`-style calls.
//!
//! Conventions: for a scalar field, `null` (a YAML key with no value) is the same as an
//! absent key; a *section* (a map of optional fields, such as `healthcheck:` or `swarm:`)
//! written with nothing under it is present with every default; integers
//! may be written as integral floats (`3.0`, and YAML's `010`, which saphyr reads as 10.0);
//! strings are never silently read as numbers (`replicas: "3"` is an error), except where
//! the notation itself is a string (durations, quantities, `25%`). A whole number out of a
//! field's range is refused naming that range, however large (`1e30` is past every
//! integer type, and still "must be at most 100000" for `replicas`): [`Node::u64_in`].

use super::error::{Problem, ROOT};
use super::overrides::Override;
use super::suggest;
use crate::sim::time::Time;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

mod refused;
mod scalars;

pub use refused::{refuse, with_refused};

/// The map an empty section reads from.
static EMPTY: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

/// What a whole conversion shares: the problems found so far and where relative file
/// names (`empirical: {file}`) are resolved.
#[derive(Debug)]
pub struct Ctx {
    problems: RefCell<Vec<Problem>>,
    base_dir: PathBuf,
    /// The YAML or JSON text the tree was read from, and the fields `--set` replaced
    /// since: what [`Node::written`] quotes.
    text: Option<(String, Vec<Override>)>,
}

impl Ctx {
    /// A context resolving relative files against `base_dir`.
    pub fn new(base_dir: &Path) -> Ctx {
        Ctx {
            problems: RefCell::new(Vec::new()),
            base_dir: base_dir.to_path_buf(),
            text: None,
        }
    }

    /// The context of a tree read from the YAML or JSON `text`, but at the fields `set`
    /// (and below them), which `--set` replaced.
    pub fn with_text(mut self, text: &str, set: &[Override]) -> Ctx {
        self.text = Some((text.to_string(), set.to_vec()));
        self
    }

    /// The directory relative file names are resolved against.
    pub fn base_dir(&self) -> &Path {
        &self.base_dir
    }

    /// Records a problem.
    pub fn push(&self, problem: Problem) {
        self.problems.borrow_mut().push(problem);
    }

    /// How many problems have been recorded so far (a parser compares it before and
    /// after a section to know whether the section was sound).
    pub fn problem_count(&self) -> usize {
        self.problems.borrow().len()
    }

    /// Every problem recorded, in order.
    pub fn into_problems(self) -> Vec<Problem> {
        self.problems.into_inner()
    }
}

/// A value of the tree and where it is.
#[derive(Debug, Clone)]
pub struct Node<'a> {
    value: &'a Value,
    path: String,
    ctx: &'a Ctx,
}

impl<'a> Node<'a> {
    /// The document root.
    pub fn root(value: &'a Value, ctx: &'a Ctx) -> Node<'a> {
        Node {
            value,
            path: String::new(),
            ctx,
        }
    }

    /// The value.
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// The shared context.
    pub fn ctx(&self) -> &'a Ctx {
        self.ctx
    }

    /// The value's text as the user wrote it in the YAML or JSON file (`01` where the tree
    /// holds the number 1, `18446744073709551616` where it holds the float
    /// `1.8446744073709552e19`), when the tree is the file's own there.
    pub fn written(&self) -> Option<String> {
        let (text, set) = self.ctx.text.as_ref()?;
        if set.iter().any(|o| o.covers(&self.path)) {
            return None;
        }
        super::written::at(text, &self.path)
    }

    /// Records a problem at this node.
    pub fn problem(&self, message: impl Into<String>) {
        let path = if self.path.is_empty() {
            ROOT.to_string()
        } else {
            self.path.clone()
        };
        self.ctx.push(Problem::new(path, message));
    }

    /// Records a problem at this node and gives `None`, for `return node.fail(…)`.
    pub fn fail<T>(&self, message: impl Into<String>) -> Option<T> {
        self.problem(message);
        None
    }

    /// Records "expected {what}, got {value}" and gives `None`.
    pub fn expected<T>(&self, what: &str) -> Option<T> {
        self.fail(format!("expected {what}, got {}", describe(self.value)))
    }

    /// `Some(v)` if `ok`, else records `message` here.
    pub fn check<T>(&self, v: T, ok: bool, message: &str) -> Option<T> {
        if ok { Some(v) } else { self.fail(message) }
    }

    /// The child at `key` (for maps) or index (for lists).
    pub fn child(&self, key: impl std::fmt::Display, value: &'a Value) -> Node<'a> {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        Node {
            value,
            path,
            ctx: self.ctx,
        }
    }

    /// A map whose keys are all among `fields`; every other key is reported with a
    /// "did you mean". `null` is an empty map. `None` (and a problem) if it is not a map.
    pub fn object(&self, fields: &[&str]) -> Option<Obj<'a>> {
        let map = match self.value {
            Value::Object(map) => map,
            Value::Null => &*EMPTY,
            _ => return self.expected(&format!("a map with fields {}", suggest::list(fields))),
        };
        for key in map.keys() {
            if !fields.contains(&key.as_str()) {
                self.child(key, &Value::Null).problem(format!(
                    "unknown field `{key}`{}",
                    suggest::hint(key, fields)
                ));
            }
        }
        Some(Obj {
            node: self.clone(),
            map,
        })
    }

    /// [`Node::object`], or an empty map (every default) if it is not one: the problem is
    /// recorded and the walk goes on.
    pub fn object_or_empty(&self, fields: &[&str]) -> Obj<'a> {
        self.object(fields).unwrap_or_else(|| Obj {
            node: self.clone(),
            map: &EMPTY,
        })
    }

    /// A map with arbitrary keys (e.g. version names).
    pub fn map(&self) -> Option<Obj<'a>> {
        match self.value {
            Value::Object(map) => Some(Obj {
                node: self.clone(),
                map,
            }),
            _ => self.expected("a map"),
        }
    }

    /// The items of a list.
    pub fn list(&self) -> Option<Vec<Node<'a>>> {
        match self.value {
            Value::Array(items) => Some(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.child(i, v))
                    .collect(),
            ),
            _ => self.expected("a list"),
        }
    }
}

/// A map node whose keys have been checked against its schema.
#[derive(Debug, Clone)]
pub struct Obj<'a> {
    node: Node<'a>,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    /// The map as a node (for problems about the map as a whole).
    pub fn node(&self) -> &Node<'a> {
        &self.node
    }

    /// The field `key`, unless it is absent or `null`.
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(self.node.child(key, v)),
        }
    }

    /// The field `key` if the key is written at all, even with a `null` value.
    pub fn raw(&self, key: &str) -> Option<Node<'a>> {
        self.map.get(key).map(|v| self.node.child(key, v))
    }

    /// `true` if the field is given (not absent, not `null`).
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Every key in file order, `null` values included.
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Node<'a>)> + '_ {
        self.map
            .iter()
            .map(|(k, v)| (k.as_str(), self.node.child(k, v)))
    }

    /// The section `key` with the given fields: `None` if the key is absent or the value
    /// is not a map (a problem); an empty map if the key has nothing under it.
    pub fn opt_section(&self, key: &str, fields: &[&str]) -> Option<Obj<'a>> {
        self.raw(key).and_then(|n| n.object(fields))
    }

    /// The section `key`, or an empty one (every default) if it is absent or wrong.
    pub fn section(&self, key: &str, fields: &[&str]) -> Obj<'a> {
        let node = self
            .raw(key)
            .unwrap_or_else(|| self.node.child(key, &Value::Null));
        node.object_or_empty(fields)
    }

    /// `parse` of the field, `None` if it is absent or wrong.
    pub fn opt<T>(&self, key: &str, parse: impl FnOnce(&Node<'a>) -> Option<T>) -> Option<T> {
        self.get(key).and_then(|n| parse(&n))
    }

    /// `parse` of the field, or `default` if it is absent (or wrong: the problem is
    /// recorded, and the default keeps the walk going).
    pub fn or<T>(&self, key: &str, default: T, parse: impl FnOnce(&Node<'a>) -> Option<T>) -> T {
        self.opt(key, parse).unwrap_or(default)
    }

    /// `parse` of a field that must be given.
    pub fn required<T>(&self, key: &str, parse: impl FnOnce(&Node<'a>) -> Option<T>) -> Option<T> {
        match self.get(key) {
            Some(n) => parse(&n),
            None => self.node.fail(format!("missing field `{key}`")),
        }
    }

    /// A duration field.
    pub fn duration(&self, key: &str, default: Time) -> Time {
        self.or(key, default, Node::duration)
    }

    /// A duration field that must be greater than 0.
    pub fn positive_duration(&self, key: &str, default: Time) -> Time {
        self.or(key, default, Node::positive_duration)
    }

    /// A 32-bit integer field.
    pub fn u32(&self, key: &str, default: u32) -> u32 {
        self.or(key, default, Node::u32)
    }

    /// A 32-bit integer field of at least `min`.
    pub fn u32_at_least(&self, key: &str, default: u32, min: u32) -> u32 {
        self.or(key, default, |n| {
            let u = n.u32()?;
            n.check(u, u >= min, &format!("must be at least {min}, got {u}"))
        })
    }

    /// A probability field.
    pub fn probability(&self, key: &str, default: f64) -> f64 {
        self.or(key, default, Node::probability)
    }

    /// A boolean field.
    pub fn bool(&self, key: &str, default: bool) -> bool {
        self.or(key, default, Node::bool)
    }

    /// A field with a fixed set of string values.
    pub fn choice<T: Copy>(&self, key: &str, default: T, options: &[(&str, T)]) -> T {
        self.or(key, default, |n| n.choice(options))
    }
}

/// A value as shown after "got": strings quoted (and cut if long), numbers and booleans
/// as written (an astronomically large or small one compactly, see [`number`]),
/// collections by kind.
pub fn describe(v: &Value) -> String {
    match v {
        Value::String(s) if s.chars().count() > 40 => {
            let quoted = Value::String(s.chars().take(37).collect()).to_string();
            format!("{}…\"", quoted.strip_suffix('"').unwrap_or(&quoted))
        }
        Value::Number(n) => match n.as_f64().filter(|&x| n.is_f64() && astronomical(x)) {
            Some(x) => number(x),
            None => n.to_string(),
        },
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a map".into(),
        other => other.to_string(),
    }
}

/// A number in a message: as Rust writes it (`0.5`, `86400`), but in scientific notation
/// (`1e300`, `-2.5e-7`) when it is astronomically large or small, so a typo such as
/// `rps: 1e300` is not echoed as 301 digits.
pub fn number(x: f64) -> String {
    if astronomical(x) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Whether [`number`] writes `x` in scientific notation: not 0, and 10¹² or more, or below
/// 10⁻⁴, in magnitude.
pub fn astronomical(x: f64) -> bool {
    x != 0.0 && x.is_finite() && !(1e-4..1e12).contains(&x.abs())
}

/// Runs a converter on `v` as the document root: its result and the problems it
/// recorded, as `path: message` lines.
#[cfg(test)]
pub fn run<T>(v: &Value, convert: impl FnOnce(&Node) -> T) -> (T, Vec<String>) {
    let ctx = Ctx::new(Path::new("."));
    let t = convert(&Node::root(v, &ctx));
    let problems = ctx.into_problems().iter().map(|p| p.to_string()).collect();
    (t, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems(v: &Value, f: impl FnOnce(&Node)) -> Vec<String> {
        run(v, |root| f(&root.child("x", v))).1
    }

    #[test]
    fn unknown_fields_are_reported_with_a_suggestion() {
        let v = json!({"replcas": 3, "zzz": 1, "ok": 2});
        let p = problems(&v, |n| {
            n.object(&["replicas", "ok"]);
        });
        assert_eq!(
            p,
            [
                "x.replcas: unknown field `replcas`; did you mean `replicas`?",
                "x.zzz: unknown field `zzz`; expected one of `replicas`, `ok`",
            ]
        );
    }

    #[test]
    fn null_fields_count_as_absent() {
        let v = json!({"a": null});
        let ctx = Ctx::new(Path::new("."));
        let o = Node::root(&v, &ctx).object(&["a"]).unwrap();
        assert!(!o.has("a"));
        assert_eq!(o.u32("a", 7), 7);
        assert!(ctx.into_problems().is_empty());
    }

    #[test]
    fn astronomical_numbers_are_written_compactly() {
        assert_eq!(number(1e300), "1e300");
        assert_eq!(number(-2.5e-7), "-2.5e-7");
        assert_eq!(number(1e12), "1e12");
        // Numbers of everyday size as Rust writes them.
        for (x, text) in [
            (0.0, "0"),
            (0.5, "0.5"),
            (86400.0, "86400"),
            (1e-4, "0.0001"),
        ] {
            assert_eq!(number(x), text);
        }
        assert_eq!(number(f64::INFINITY), "inf");
        // After "got": a float as written unless it is astronomical.
        assert_eq!(describe(&json!(1e300)), "1e300");
        assert_eq!(describe(&json!(-1e-300)), "-1e-300");
        assert_eq!(describe(&json!(3.0)), "3.0");
        assert_eq!(
            describe(&json!(123456789012345678u64)),
            "123456789012345678"
        );
        let p = problems(&json!(1e300), |n| assert_eq!(n.probability(), None));
        assert_eq!(p, ["x: must be between 0 and 1, got 1e300"]);
        let p = problems(&json!(-1e300), |n| assert_eq!(n.positive_f64(), None));
        assert_eq!(p, ["x: must be greater than 0, got -1e300"]);
    }

    #[test]
    fn describe_cuts_long_strings() {
        assert_eq!(describe(&json!("abc")), r#""abc""#);
        assert_eq!(describe(&json!([1])), "a list");
        assert_eq!(describe(&json!({})), "a map");
        assert_eq!(describe(&json!(null)), "null");
        let long = "x".repeat(100);
        assert_eq!(describe(&json!(long)), format!("\"{}…\"", "x".repeat(37)));
    }
}
