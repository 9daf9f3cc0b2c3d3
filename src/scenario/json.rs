//! Reading a JSON scenario into the generic tree, refusing duplicate keys.
//!
//! `serde_json` keeps the last of two equal keys without a word, so `{"seed": 1, "seed":
//! 2}` would silently run seed 2; YAML scenarios already refuse this (saphyr's default),
//! and JSON must say the same. The tree is built by a visitor that knows each value's
//! field path, so the refusal names it. Maps and lists nested deeper than
//! [`MAX_DEPTH`] are refused as YAML refuses them, in the same words
//! ([`limits::too_deep`]), well before `serde_json`'s own recursion limit (128).

use super::limits::{self, MAX_DEPTH};
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
    /// Maps and lists nested deeper than [`MAX_DEPTH`]: where the first one too deep
    /// opens.
    TooDeep {
        /// 1-based line.
        line: usize,
        /// 1-based column of its opening bracket.
        column: usize,
    },
    /// Not JSON: `serde_json`'s message with the line and column.
    Syntax(String),
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            JsonError::Duplicate { path, line, column } => write!(
                f,
                "`{path}` given twice (again at line {line} column {column}); each field may \
                 be given once"
            ),
            JsonError::TooDeep { line, column } => f.write_str(&limits::too_deep(&format!(
                " at line {line}, column {column}"
            ))),
            JsonError::Syntax(m) => f.write_str(m),
        }
    }
}

/// The tree of `text`, a key given twice in one object refused.
pub fn parse(text: &str) -> Result<Value, JsonError> {
    read(text, true)
}

/// The tree of `text` with a key given twice keeping its last value, as `serde_json` reads
/// it (a record of a `--trace` file); nested as deep as [`parse`] allows.
pub fn parse_last_key_wins(text: &str) -> Result<Value, JsonError> {
    read(text, false)
}

fn read(text: &str, unique_keys: bool) -> Result<Value, JsonError> {
    let refused = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let tree = Tree {
        path: "",
        depth: 1,
        unique_keys,
        refused: &refused,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    tree.map_err(|e| match refused.into_inner() {
        Some(Refused::Duplicate(path)) => JsonError::Duplicate {
            path,
            line: e.line(),
            column: e.column(),
        },
        Some(Refused::TooDeep) => {
            let (line, column) = too_deep_at(text).unwrap_or((e.line(), e.column()));
            JsonError::TooDeep { line, column }
        }
        None => JsonError::Syntax(e.to_string()),
    })
}

/// The 1-based line and column of the first bracket that opens a map or list deeper than
/// [`MAX_DEPTH`] (the reader stops just past it, where `serde_json` reports a position
/// that depends on what follows).
fn too_deep_at(text: &str) -> Option<(usize, usize)> {
    let (mut depth, mut in_string, mut escaped) = (0, false, false);
    let (mut line, mut column) = (1, 0);
    for c in text.chars() {
        column += 1;
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '[' | '{' if !in_string => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some((line, column));
                }
            }
            ']' | '}' if !in_string => depth -= 1,
            '\n' => (line, column) = (line + 1, 0),
            _ => {}
        }
    }
    None
}

/// What the tree refused that JSON allows.
enum Refused {
    /// A key given twice, at this path.
    Duplicate(String),
    /// A map or list nested deeper than [`MAX_DEPTH`].
    TooDeep,
}

/// A value at `path`, `depth` maps and lists down counting its own (the root is at 1);
/// the first refusal is recorded in `refused`.
#[derive(Clone, Copy)]
struct Tree<'p, 'd> {
    path: &'p str,
    depth: usize,
    unique_keys: bool,
    refused: &'d RefCell<Option<Refused>>,
}

impl<'p, 'd> Tree<'p, 'd> {
    fn child<'q>(&self, path: &'q str) -> Tree<'q, 'd> {
        Tree {
            path,
            depth: self.depth + 1,
            ..*self
        }
    }

    /// Refuses a map or list at this depth if it is too deep.
    fn nest<E: de::Error>(&self) -> Result<(), E> {
        if self.depth <= MAX_DEPTH {
            return Ok(());
        }
        *self.refused.borrow_mut() = Some(Refused::TooDeep);
        Err(E::custom("nested too deep"))
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
        self.nest()?;
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
        self.nest()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = self.join(&key);
            if self.unique_keys && out.contains_key(&key) {
                *self.refused.borrow_mut() = Some(Refused::Duplicate(path));
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
    }

    #[test]
    fn nesting_is_bounded_as_in_yaml() {
        let nested = |n: usize| format!("{{\"x\": {}{}}}", "[".repeat(n), "]".repeat(n));
        // The root map and 63 lists are 64 levels, as many as YAML takes.
        assert!(parse(&nested(MAX_DEPTH - 1)).is_ok());
        assert_eq!(
            parse(&nested(MAX_DEPTH)),
            Err(JsonError::TooDeep {
                line: 1,
                column: 6 + MAX_DEPTH
            })
        );
        // Brackets in strings are text; the place is the bracket's, on its line.
        let text = format!("{{\"a[{{\": \"]\\\"[\",\n \"x\": {}", "[".repeat(70));
        assert_eq!(
            parse(&text),
            Err(JsonError::TooDeep {
                line: 2,
                column: 6 + MAX_DEPTH
            })
        );
        // Far below serde_json's own limit, in YAML's words.
        let e = parse(&"[".repeat(10_000)).unwrap_err();
        assert_eq!(
            e.to_string(),
            limits::too_deep(&format!(" at line 1, column {}", MAX_DEPTH + 1))
        );
        assert!(matches!(
            parse_last_key_wins(&"[".repeat(200)),
            Err(JsonError::TooDeep { .. })
        ));
        // Repeated keys keep the last value there.
        assert_eq!(
            parse_last_key_wins(r#"{"t": 1, "t": 2}"#).unwrap(),
            json!({"t": 2})
        );
    }
}
