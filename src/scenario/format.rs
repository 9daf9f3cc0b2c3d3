//! The syntax of a scenario file: the [`Format`] a path's extension names, and the text
//! read into the generic tree both formats share (YAML by `serde-saphyr`, JSON by a reader
//! that refuses duplicate keys as YAML does), a syntax error being one problem with its
//! line and column.

use super::error::{FILE, Problem};
use super::json::{self, JsonError};
use super::limits::{MAX_DEPTH, too_deep};
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
    /// The format a file's extension names, if any: what follows the last dot of its name,
    /// even when nothing comes before it (a file named `.yaml`, given by name, is read as
    /// YAML, as `import` reads it; [`Path::extension`] sees no extension there).
    pub fn from_path(path: &Path) -> Option<Format> {
        let (_, ext) = path.file_name()?.to_str()?.rsplit_once('.')?;
        let ext = ext.to_ascii_lowercase();
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
        Format::Yaml => match read_yaml(text, yaml_options(false)) {
            Ok(tree) => Ok(tree),
            Err(serde_saphyr::Error::NonFiniteFloat { value, location }) => {
                let path =
                    non_finite_path(text, &value, &location).unwrap_or_else(|| FILE.to_string());
                return Err(Problem::new(path, non_finite(&value, &location)));
            }
            Err(e) => Err(format!("invalid YAML: {}", yaml_error(&e))),
        },
        Format::Json => match json::parse(text) {
            Ok(tree) => Ok(tree),
            Err(JsonError::Duplicate { path, line, column }) => {
                return Err(Problem::new(
                    path,
                    format!(
                        "given twice (again at line {line} column {column}); each field \
                         may be given once"
                    ),
                ));
            }
            Err(e) => Err(format!("invalid JSON: {e}")),
        },
    };
    syntax.map_err(|m| Problem::new(FILE, m))
}

/// The options of every YAML reading: messages without a snippet of the source, nesting
/// bounded by [`MAX_DEPTH`], and non-finite numbers refused (no field takes one, and the
/// tree cannot hold one) or, for [`read_marked`], read as null.
pub(super) fn yaml_options(non_finite_as_null: bool) -> serde_saphyr::Options {
    let mut options = serde_saphyr::options! {
        with_snippet: false,
        budget: serde_saphyr::budget! { max_depth: MAX_DEPTH },
    };
    if non_finite_as_null {
        options.non_finite_float_policy = serde_saphyr::options::NonFiniteFloatPolicy::PassThrough;
    }
    options
}

/// The generic tree of YAML `text`.
fn read_yaml(text: &str, options: serde_saphyr::Options) -> Result<Value, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, options)
}

/// What the mark [`read_marked`] puts in place of a non-finite number says.
pub(super) const NON_FINITE: &str = "rollout-sim: the non-finite number";

/// The problem with the non-finite number `raw` at `at`.
pub(super) fn non_finite(raw: &str, at: &serde_saphyr::Location) -> String {
    format!(
        "`{raw}` (line {}, column {}) is not a finite number (not a number, or an infinity): \
         give a finite value of the field's type",
        at.line(),
        at.column()
    )
}

/// `text` read by `read` with the non-finite number `raw` found at `at` replaced by the
/// string [`NON_FINITE`], and any other read as null. The reader stops at such a number
/// knowing only where it is (the tree cannot hold it); in the tree of the marked text,
/// [`path_of`] finds its field. `None` when the place does not hold `raw` or the text
/// still cannot be read.
pub(super) fn read_marked<T>(
    text: &str,
    raw: &str,
    at: (usize, usize),
    read: impl Fn(&str, serde_saphyr::Options) -> Result<T, serde_saphyr::Error>,
) -> Option<T> {
    let marked = replace_scalar(text, raw, at, &format!("'{NON_FINITE}'"))?;
    read(&marked, yaml_options(true)).ok()
}

/// The dotted path, within the YAML `text`, of the non-finite number `raw` the reader
/// stopped at (`""` when `text` is that number alone), or `None` when it cannot be found.
pub(super) fn non_finite_path(
    text: &str,
    raw: &str,
    at: &serde_saphyr::Location,
) -> Option<String> {
    read_marked(text, raw, place(at), read_yaml).and_then(|tree| path_of(&tree, NON_FINITE))
}

/// The 1-based (line, column) of a reader's location.
pub(super) fn place(at: &serde_saphyr::Location) -> (usize, usize) {
    (at.line() as usize, at.column() as usize)
}

/// `text` with the plain scalar `raw` at `(line, column)` (1-based) replaced by `with`, or
/// `None` when `raw` is not there.
fn replace_scalar(
    text: &str,
    raw: &str,
    (line, column): (usize, usize),
    with: &str,
) -> Option<String> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2)?.0 + 1
    };
    let start = line_start
        + text[line_start..]
            .char_indices()
            .nth(column.checked_sub(1)?)?
            .0;
    text[start..]
        .starts_with(raw)
        .then(|| format!("{}{with}{}", &text[..start], &text[start + raw.len()..]))
}

/// The dotted path (list items by index) of the first string equal to `mark` in `tree`,
/// in document order.
pub(super) fn path_of(tree: &Value, mark: &str) -> Option<String> {
    let (path, _) = find(tree, value_children, |v, _| v.as_str() == Some(mark))?;
    Some(path)
}

/// A map's entries or a list's items, with their keys (item numbers).
fn value_children(v: &Value) -> Vec<(String, &Value)> {
    match v {
        Value::Object(map) => map.iter().map(|(k, c)| (k.clone(), c)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, c)| (i.to_string(), c))
            .collect(),
        _ => Vec::new(),
    }
}

/// The first node of the tree under `root`, in document order, that `found` takes (given
/// the node and its dotted path, list items by index), with its path; `children` lists a
/// node's children with their keys. Walked with a stack, not recursion: the depth is the
/// file's.
pub(super) fn find<'t, N>(
    root: &'t N,
    children: impl Fn(&'t N) -> Vec<(String, &'t N)>,
    found: impl Fn(&N, &str) -> bool,
) -> Option<(String, &'t N)> {
    let mut stack: Vec<(&N, String)> = vec![(root, String::new())];
    while let Some((node, path)) = stack.pop() {
        if found(node, &path) {
            return Some((path, node));
        }
        for (key, child) in children(node).into_iter().rev() {
            let below = if path.is_empty() {
                key
            } else {
                format!("{path}.{key}")
            };
            stack.push((child, below));
        }
    }
    None
}

/// A YAML error in words for scenario authors: saphyr's own messages are addressed to
/// programmers (serde types, option names, budget structs). Shared by `--set` values.
pub(super) fn yaml_error(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error;
    use serde_saphyr::budget::BudgetBreach;
    let at = |l: &serde_saphyr::Location| {
        if l.line() == 0 {
            String::new()
        } else {
            format!(" at line {}, column {}", l.line(), l.column())
        }
    };
    // A bound met inside an alias's expansion comes wrapped with where the anchor and
    // the alias are: the bound is what to tell.
    let mut inner = e;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = inner {
        inner = error;
    }
    match inner {
        // The only strings of the tree that cannot be null are keys.
        Error::NullIntoString { location } => format!(
            "unknown field `null`{}: a key written `null`, `~` or with nothing before the \
             `:` is YAML's null, and no field is called that (quote it, `\"null\":`, to mean \
             the word)",
            at(location)
        ),
        Error::Budget {
            breach: BudgetBreach::Depth { .. },
            location,
        } => too_deep(&at(location)),
        Error::Budget {
            breach: BudgetBreach::Nodes { .. },
            location,
        } => format!(
            "more than {} maps, lists and values once its aliases (`*name`) are expanded{} \
             (see \"Limits\" in the README; a scenario holds a few hundred)",
            serde_saphyr::budget::Budget::default().max_nodes,
            at(location)
        ),
        // The parser's own bound on flow nesting (`[[[…`), met past `MAX_DEPTH`: the same
        // limit as nesting in blocks, told in the same words.
        _ if e.to_string().starts_with("recursion limit exceeded") => {
            too_deep(&e.to_string()["recursion limit exceeded".len()..])
        }
        _ => e
            .to_string()
            .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
            .replace(
                "; use from_str_multiple or from_str_multiple_with_options",
                " (a scenario is one document)",
            ),
    }
}

#[cfg(test)]
mod tests {
    use super::Format;
    use crate::scenario::Dist;
    use crate::scenario::load::load_str;
    use crate::scenario::load::tests::yaml;

    /// A document too large or too deep for the reader's bounds says which bound, in the
    /// words of the README's "Limits", whichever bound of the YAML reader met it.
    #[test]
    fn reader_bounds_are_told_as_the_limits() {
        let deep = format!("service: {}{}\n", "[".repeat(5000), "]".repeat(5000));
        let e = yaml(&deep).unwrap_err().to_string();
        assert!(
            e.contains("invalid YAML: maps and lists nested deeper than 64 levels at line 1"),
            "{e}"
        );
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..8 {
            let refs = vec![format!("*a{}", i - 1); 10].join(", ");
            bomb += &format!("a{i}: &a{i} [{refs}]\n");
        }
        let e = yaml(&bomb).unwrap_err().to_string();
        assert!(
            e.contains(
                "invalid YAML: more than 250000 maps, lists and values once its aliases \
                 (`*name`) are expanded at line"
            ),
            "{e}"
        );
        assert!(!e.contains("budget breached"), "{e}");
    }

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

    #[test]
    fn yaml_errors_are_said_in_the_authors_words() {
        let e = yaml("service: {}\nnull: 3\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenarios/web.yaml: (file): invalid YAML: unknown field `null` at line 2, column \
             1: a key written `null`, `~` or with nothing before the `:` is YAML's null, and no \
             field is called that (quote it, `\"null\":`, to mean the word)"
        );
        let deep = format!("service: {{}}\nx: {}{}\n", "[".repeat(70), "]".repeat(70));
        let e = yaml(&deep).unwrap_err();
        assert!(
            e.to_string()
                .contains("invalid YAML: maps and lists nested deeper than 64 levels at line 2"),
            "{e}"
        );
        let e = yaml("service: {}\nhorizon: .nan\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "scenarios/web.yaml: horizon: `.nan` (line 2, column 10) is not a finite number \
             (not a number, or an infinity): give a finite value of the field's type"
        );
    }

    #[test]
    fn a_non_finite_number_is_named_by_its_field() {
        let path = |text: &str| yaml(text).unwrap_err().problems[0].path.clone();
        // In a flow map, a list, after another one, and where a string looks the same.
        assert_eq!(
            path("name: x\nservice:\n  versions:\n    next: {image: 'a', start: -.inf}\n"),
            "service.versions.next.start"
        );
        assert_eq!(path("name: x\nsamples: [1, 2, .NaN]\n"), "samples.2");
        assert_eq!(
            path("name: '.nan'\nservice:\n  replicas: .inf\nhorizon: .nan\n"),
            "service.replicas"
        );
        assert_eq!(path("seed: .nan"), "seed");
        // A place that does not hold the number is not guessed at.
        let at = |line, column| {
            super::read_marked("a: .nan\n", ".nan", (line, column), super::read_yaml)
                .and_then(|tree| super::path_of(&tree, super::NON_FINITE))
        };
        assert_eq!(at(1, 1), None);
        assert_eq!(at(1, 4), Some("a".into()));
        assert_eq!(at(9, 1), None);
    }
}
