//! A small JSON Schema validator for the keywords `rollout-sim schema` uses, to test the
//! schema against the parser. A keyword it does not know fails the test rather than
//! passing silently.

use rollout_sim::scenario::schema::schema;
use serde_json::{Map, Value};

/// Errors of `v` against `s` (empty: valid), each with its path.
pub fn validate(root: &Value, s: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    // The scenario's own depth is small; the schema's `$ref`s do not recurse without data.
    let s = match s {
        Value::Object(s) => s,
        // `false`: nothing is valid here (a field that may not be given).
        Value::Bool(true) => return,
        Value::Bool(false) => return errors.push(format!("{path}: not allowed here")),
        _ => panic!("schema at {path} is not an object"),
    };
    let valid = |sub: &Value| {
        let mut e = Vec::new();
        validate(root, sub, v, path, &mut e);
        e.is_empty()
    };
    for (k, sub) in s {
        match k.as_str() {
            "$schema" | "title" | "description" | "$defs" | "then" | "else" => {}
            "if" => {
                let branch = if valid(sub) { "then" } else { "else" };
                if let Some(b) = s.get(branch) {
                    validate(root, b, v, path, errors);
                }
            }
            "allOf" => {
                for sub in sub.as_array().unwrap() {
                    validate(root, sub, v, path, errors);
                }
            }
            "$ref" => {
                let name = sub.as_str().unwrap().trim_start_matches("#/$defs/");
                validate(root, &root["$defs"][name], v, path, errors);
            }
            "type" => {
                let types: Vec<&str> = match sub {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().map(|t| t.as_str().unwrap()).collect(),
                    _ => panic!("bad type"),
                };
                if !types.iter().any(|t| has_type(v, t)) {
                    errors.push(format!("{path}: expected {types:?}, got {v}"));
                }
            }
            "minimum" => {
                if v.as_f64().is_some_and(|x| x < sub.as_f64().unwrap()) {
                    errors.push(format!("{path}: below minimum"));
                }
            }
            "maximum" => {
                if v.as_f64().is_some_and(|x| x > sub.as_f64().unwrap()) {
                    errors.push(format!("{path}: above maximum"));
                }
            }
            "pattern" => {
                // JSON Schema's patterns are ECMA-262; the schema's are written in the part
                // of it that Rust's `regex` reads alike (no look-around, no back-references,
                // explicit classes rather than `\s` or `\d`).
                let re = regex::Regex::new(sub.as_str().unwrap()).unwrap();
                if let Some(t) = v.as_str()
                    && !re.is_match(t)
                {
                    errors.push(format!("{path}: does not match {sub}"));
                }
            }
            "properties"
            | "additionalProperties"
            | "required"
            | "minProperties"
            | "maxProperties" => object_keyword(root, s, k, v, path, errors),
            "items" => {
                if let Value::Array(items) = v {
                    for (i, item) in items.iter().enumerate() {
                        validate(root, sub, item, &format!("{path}.{i}"), errors);
                    }
                }
            }
            "enum" => {
                if !sub.as_array().unwrap().contains(v) {
                    errors.push(format!("{path}: {v} is none of {sub}"));
                }
            }
            "anyOf" => {
                let ok = sub.as_array().unwrap().iter().any(valid);
                if !ok {
                    errors.push(format!("{path}: matches none of anyOf"));
                }
            }
            other => panic!("keyword `{other}` is not known to this validator"),
        }
    }
}

fn object_keyword(
    root: &Value,
    s: &Map<String, Value>,
    k: &str,
    v: &Value,
    path: &str,
    errors: &mut Vec<String>,
) {
    let Value::Object(map) = v else { return };
    let props = s.get("properties").and_then(Value::as_object);
    match k {
        "properties" => {
            for (name, sub) in props.unwrap() {
                if let Some(x) = map.get(name) {
                    validate(root, sub, x, &format!("{path}.{name}"), errors);
                }
            }
        }
        "additionalProperties" => {
            for (name, x) in map {
                if props.is_some_and(|p| p.contains_key(name)) {
                    continue;
                }
                match &s[k] {
                    Value::Bool(false) => errors.push(format!("{path}.{name}: not allowed")),
                    sub => validate(root, sub, x, &format!("{path}.{name}"), errors),
                }
            }
        }
        "required" => {
            for r in s[k].as_array().unwrap() {
                if !map.contains_key(r.as_str().unwrap()) {
                    errors.push(format!("{path}: missing {r}"));
                }
            }
        }
        "minProperties" if (map.len() as u64) < s[k].as_u64().unwrap() => {
            errors.push(format!("{path}: too few properties"))
        }
        "maxProperties" if (map.len() as u64) > s[k].as_u64().unwrap() => {
            errors.push(format!("{path}: too many properties"))
        }
        _ => {}
    }
}

fn has_type(v: &Value, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|f| f.fract() == 0.0),
        other => panic!("type {other}"),
    }
}

pub fn errors(tree: &Value) -> Vec<String> {
    let s = schema();
    let mut e = Vec::new();
    validate(&s, &s, tree, "", &mut e);
    e
}

pub fn tree(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}
