//! A [`Draft`] written out as a commented YAML scenario.
//!
//! Maps are written in block style, lists in flow style, strings quoted whenever a plain
//! scalar could be read as something else (a number, a boolean, a key). The tree is the
//! importer's own, a handful of levels deep whatever the manifest, so writing it
//! recursively is safe.

use super::draft::Draft;
use serde_json::{Map, Value};
use std::fmt::Write;

/// The scenario text: `header` lines as comments, the tree with its comments, then
/// `footer` (already commented text).
pub fn render(draft: &Draft, header: &[String], footer: &str) -> String {
    let mut out = String::new();
    for line in header {
        push_comment(&mut out, "", line);
    }
    if !header.is_empty() {
        out.push('\n');
    }
    write_map(&mut out, draft, &draft.tree, "", 0);
    out.push_str(footer);
    out
}

fn write_map(out: &mut String, draft: &Draft, map: &Map<String, Value>, path: &str, depth: usize) {
    let indent = "  ".repeat(depth);
    for (key, value) in map {
        let here = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        // A blank line between top-level sections, for the eye.
        if depth == 0 && value.is_object() && !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        for c in draft.comments_at(&here) {
            push_comment(out, &indent, c);
        }
        match value {
            Value::Object(inner) if !inner.is_empty() => {
                let _ = writeln!(out, "{indent}{}:", key_text(key));
                write_map(out, draft, inner, &here, depth + 1);
            }
            Value::Array(items) if items.iter().any(is_full_map) => {
                let _ = writeln!(out, "{indent}{}:", key_text(key));
                write_list(out, draft, items, &here, depth + 1);
            }
            other => {
                let _ = writeln!(out, "{indent}{}: {}", key_text(key), inline(other));
            }
        }
    }
}

/// A list holding maps (canary steps, metrics), in block style: one `- ` item a line
/// group, each item's comments above it.
fn write_list(out: &mut String, draft: &Draft, items: &[Value], path: &str, depth: usize) {
    let indent = "  ".repeat(depth);
    for (i, item) in items.iter().enumerate() {
        let here = format!("{path}.{i}");
        for c in draft.comments_at(&here) {
            push_comment(out, &indent, c);
        }
        let Value::Object(map) = item else {
            let _ = writeln!(out, "{indent}- {}", inline(item));
            continue;
        };
        if map.is_empty() {
            let _ = writeln!(out, "{indent}- {{}}");
            continue;
        }
        // The item's keys are written one level deeper; its first key line takes the dash.
        let mut body = String::new();
        write_map(&mut body, draft, map, &here, depth + 1);
        let pad = indent.len() + 2;
        let mut dashed = false;
        for line in body.lines() {
            if dashed {
                let _ = writeln!(out, "{line}");
            } else if line.trim_start().starts_with('#') {
                // The first key's comments go above the dash, with the item's own.
                let _ = writeln!(out, "{indent}{}", line.trim_start());
            } else {
                let _ = writeln!(out, "{indent}- {}", &line[pad..]);
                dashed = true;
            }
        }
    }
}

fn is_full_map(v: &Value) -> bool {
    v.as_object().is_some_and(|m| !m.is_empty())
}

fn push_comment(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent}# {line}");
    }
}

/// A value on one line for a comment or a message (a string's whitespace collapsed),
/// shortened to 80 characters.
pub fn compact(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.split_whitespace().collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    };
    if s.chars().count() > 80 {
        s.chars().take(77).collect::<String>() + "..."
    } else {
        s
    }
}

/// A value on one line: scalars, and lists and maps in flow style (JSON is valid YAML).
fn inline(v: &Value) -> String {
    match v {
        Value::String(s) => scalar_text(s),
        Value::Object(m) if m.is_empty() => "{}".to_string(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", parts.join(", "))
        }
        other => other.to_string(),
    }
}

fn key_text(k: &str) -> String {
    if is_plain(k) {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

fn scalar_text(s: &str) -> String {
    if is_plain(s) {
        s.to_string()
    } else {
        // A JSON string is a YAML double-quoted scalar.
        Value::String(s.to_string()).to_string()
    }
}

/// Whether `s` reads back as the same string when written plain: starts with a letter,
/// has only letters, digits and `_ . / -`, and is none of YAML's words for booleans and
/// null.
fn is_plain(s: &str) -> bool {
    const WORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "null", "y", "n"];
    s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-'))
        && !WORDS.contains(&s.to_ascii_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_block_maps_flow_lists_and_comments() {
        let mut d = Draft::default();
        d.put("name", json!("web"));
        d.put("service.replicas", json!(3));
        d.put("service.networks", json!(["default", "ingress"]));
        d.put("service.versions.next.image", json!("nginx:1.25"));
        d.put(
            "strategy.kubernetes.strategy.rollingUpdate.maxSurge",
            json!("30"),
        );
        d.put("strategy.kubernetes.autoRollback", json!(false));
        d.put("cluster", json!({}));
        d.comment("service.replicas", "from spec.replicas");
        let text = render(&d, &["top".into()], "# end\n");
        assert_eq!(
            text,
            "# top\n\nname: web\n\nservice:\n  # from spec.replicas\n  replicas: 3\n  \
             networks: [default, ingress]\n  versions:\n    next:\n      image: \"nginx:1.25\"\n\n\
             strategy:\n  kubernetes:\n    strategy:\n      rollingUpdate:\n        \
             maxSurge: \"30\"\n    autoRollback: false\n\ncluster: {}\n# end\n"
        );
        let back: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(
            back["strategy"]["kubernetes"]["strategy"]["rollingUpdate"]["maxSurge"],
            json!("30")
        );
        assert_eq!(
            back["service"]["versions"]["next"]["image"],
            json!("nginx:1.25")
        );
    }

    #[test]
    fn lists_of_maps_are_written_in_block_style_with_item_comments() {
        let mut d = Draft::default();
        d.put(
            "strategy.canary.steps",
            json!([{"setWeight": 20}, {"pause": {}},
                   {"analysis": {"metrics": [{"name": "e", "provider": {"rollout-sim": {"metric": "error_rate"}}}]}}]),
        );
        d.comment(
            "strategy.canary.steps.2.analysis.metrics.0",
            "from template t",
        );
        let text = render(&d, &[], "");
        assert_eq!(
            text,
            "strategy:\n  canary:\n    steps:\n      - setWeight: 20\n      - pause: {}\n      \
             - analysis:\n          metrics:\n            # from template t\n            - name: e\n              \
             provider:\n                rollout-sim:\n                  metric: error_rate\n"
        );
        let back: Value = serde_saphyr::from_str(&text).unwrap();
        assert_eq!(back, Value::Object(d.tree));
    }

    #[test]
    fn strings_that_would_read_as_something_else_are_quoted() {
        for s in [
            "30", "25%", "yes", "No", "10s", "a: b", "#x", "", "-1", "on",
        ] {
            let text = format!("k: {}", scalar_text(s));
            let back: Value = serde_saphyr::from_str(&text).unwrap();
            assert_eq!(back["k"], json!(s), "{text}");
        }
        assert_eq!(scalar_text("start-first"), "start-first");
    }
}
