//! The syntax of a scenario file: the [`Format`] a path's extension names, and the text
//! read into the generic tree both formats share (YAML by `serde-saphyr`, JSON by a reader
//! that refuses duplicate keys as YAML does), a syntax error being one problem with its
//! line and column.

use super::error::{FILE, Problem};
use super::json::{self, JsonError};
use serde_json::Value;
use std::path::Path;

/// The syntax of a scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML (`.yaml`, `.yml`).
    Yaml,
    /// JSON (`.json`).
    Json,
}

impl Format {
    /// The format a file's extension names, if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// The generic tree of `text`, or a one-line problem with the line and column.
pub(super) fn parse(text: &str, format: Format) -> Result<Value, Problem> {
    let syntax = match format {
        Format::Yaml => serde_saphyr::from_str_with_options(
            text,
            serde_saphyr::options! { with_snippet: false },
        )
        .map_err(|e| {
            // saphyr's advice is addressed to programmers, not to scenario authors.
            let m = e
                .to_string()
                .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
                .replace(
                    "; use from_str_multiple or from_str_multiple_with_options",
                    " (a scenario is one document)",
                );
            format!("invalid YAML: {m}")
        }),
        Format::Json => match json::parse(text) {
            Ok(tree) => Ok(tree),
            Err(JsonError::Syntax(m)) => Err(format!("invalid JSON: {m}")),
            Err(JsonError::Duplicate { path, line, column }) => {
                return Err(Problem::new(
                    path,
                    format!(
                        "given twice (again at line {line} column {column}); each field \
                         may be given once"
                    ),
                ));
            }
        },
    };
    syntax.map_err(|m| Problem::new(FILE, m))
}

#[cfg(test)]
mod tests {
    use super::Format;
    use crate::scenario::Dist;
    use crate::scenario::load::load_str;
    use crate::scenario::load::tests::yaml;

    #[test]
    fn syntax_errors_give_line_and_column() {
        let e = yaml("service:\n  replicas: [1,\n").unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].path, "(file)");
        assert!(e.problems[0].message.starts_with("invalid YAML: "), "{e}");
        assert!(e.problems[0].message.contains("line "), "{e}");
        let e = yaml("a: 1\na: 2\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenarios/web.yaml: (file): invalid YAML: duplicate mapping key: a at line 2, column 1"
        );
        let e = load_str("{\"seed\": }", "x.json", Format::Json, &[]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.json: (file): invalid JSON: expected value at line 1 column 10"
        );
        let e = yaml("[1, 2]").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("scenarios/web.yaml: (root): expected a map with fields `name`"),
            "{e}"
        );
    }

    #[test]
    fn json_works_the_same() {
        let s = load_str(
            r#"{"name": "j", "service": {"replicas": 2, "versions": {"current": {}, "next": {"start": 1.5}}}}"#,
            "j.json",
            Format::Json,
            &[],
        )
        .unwrap();
        assert_eq!((s.name.as_str(), s.service.replicas), ("j", 2));
        assert!(matches!(
            s.service.versions[1].start,
            Dist::Constant(1_500_000)
        ));
    }
}
