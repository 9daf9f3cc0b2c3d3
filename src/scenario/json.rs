//! Reading a JSON scenario into the generic tree, refusing duplicate keys.
//!
//! `serde_json` keeps the last of two equal keys without a word, so `{"seed": 1, "seed":
//! 2}` would silently run seed 2; YAML scenarios already refuse this (saphyr's default),
//! and JSON must say the same. The tree is built by a visitor that knows each value's
//! field path, so the refusal names it. Nesting is bounded by `serde_json`'s own
//! recursion limit (128), which applies to this visitor as to its own.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::cell::RefCell;
use std::fmt;

/// Why a JSON text is not a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// A key given twice in one object: its field path, and where the second one is.
    Duplicate {
        /// Dotted field path of the key.
        path: String,
        /// 1-based line of the second occurrence.
        line: usize,
        /// 1-based column just past it.
        column: usize,
    },
    /// Not JSON: `serde_json`'s message with the line and column.
    Syntax(String),
}

/// The tree of `text`.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let tree = Tree {
        path: "",
        duplicate: &duplicate,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    tree.map_err(|e| match duplicate.into_inner() {
        Some(path) => JsonError::Duplicate {
            path,
            line: e.line(),
            column: e.column(),
        },
        None => JsonError::Syntax(e.to_string()),
    })
}

/// A value at `path`; the first duplicate key found is recorded in `duplicate`.
#[derive(Clone, Copy)]
struct Tree<'p, 'd> {
    path: &'p str,
    duplicate: &'d RefCell<Option<String>>,
}

impl<'p, 'd> Tree<'p, 'd> {
    fn child<'q>(&self, path: &'q str) -> Tree<'q, 'd> {
        Tree {
            path,
            duplicate: self.duplicate,
        }
    }

    fn join(&self, key: impl fmt::Display) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

impl<'de> DeserializeSeed<'de> for Tree<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tree<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::from(i))
    }

    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::from(u))
    }

    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Number::from_f64(f).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let path = self.join(items.len());
            match seq.next_element_seed(self.child(&path))? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = self.join(&key);
            if out.contains_key(&key) {
                *self.duplicate.borrow_mut() = Some(path);
                return Err(de::Error::custom("duplicate key"));
            }
            let value = map.next_value_seed(self.child(&path))?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_tree_is_serde_jsons() {
        let text = r#"{"a": [1, -2, 2.5, "x", null, true, {"b": {}}], "c": 18446744073709551615}"#;
        assert_eq!(
            parse(text).unwrap(),
            serde_json::from_str::<Value>(text).unwrap()
        );
        assert_eq!(parse(" 3 ").unwrap(), json!(3));
    }

    #[test]
    fn a_duplicate_key_is_named_by_its_path() {
        assert_eq!(
            parse(r#"{"seed": 1, "seed": 2}"#),
            Err(JsonError::Duplicate {
                path: "seed".into(),
                line: 1,
                column: 18
            })
        );
        let text = "{\"cluster\": {\"nodes\": [{\"cpu\": 1},\n {\"cpu\": 1, \"cpu\": 2}]}}";
        let Err(JsonError::Duplicate { path, line, .. }) = parse(text) else {
            panic!()
        };
        assert_eq!((path.as_str(), line), ("cluster.nodes.1.cpu", 2));
        // Equal keys in different objects are not duplicates.
        assert!(parse(r#"{"a": {"x": 1}, "b": {"x": 1}}"#).is_ok());
    }

    #[test]
    fn syntax_errors_keep_serde_jsons_message() {
        assert_eq!(
            parse(r#"{"seed": }"#),
            Err(JsonError::Syntax(
                "expected value at line 1 column 10".into()
            ))
        );
        assert!(matches!(parse("[1] 2"), Err(JsonError::Syntax(_))));
        let deep = "[".repeat(10_000);
        assert!(
            matches!(parse(&deep), Err(JsonError::Syntax(m)) if m.starts_with("recursion limit exceeded"))
        );
    }
}
