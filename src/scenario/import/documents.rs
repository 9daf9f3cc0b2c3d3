//! A manifest file's documents: reading them (YAML, several to a file; JSON), telling
//! what each one is (a Kubernetes object, a compose file, or neither), and the error of a
//! file that cannot be read, naming the object and field of a bad value where it can.

use super::super::error::{Problem, ScenarioError};
use super::super::format;
use super::super::load::Format;
use super::{error, object};
use serde_json::Value;

/// What a document is.
pub(super) enum DocKind<'a> {
    Kubernetes { kind: &'a str, api: &'a str },
    Compose,
    Other,
}

pub(super) fn doc_kind(doc: &Value) -> DocKind<'_> {
    let Value::Object(m) = doc else {
        return DocKind::Other;
    };
    match (m.get("kind"), m.get("apiVersion")) {
        (Some(Value::String(kind)), Some(Value::String(api))) => DocKind::Kubernetes { kind, api },
        // A scenario with `services:` misspelt stays a scenario (and gets "did you mean").
        _ if m.get("services").is_some_and(Value::is_object)
            && !m
                .keys()
                .any(|k| k != "name" && super::super::convert::FIELDS.contains(&k.as_str())) =>
        {
            DocKind::Compose
        }
        _ => DocKind::Other,
    }
}

/// Why a file holds no documents.
pub(super) enum Unreadable {
    Yaml(serde_saphyr::Error),
    /// As the scenario loader words it (a key given twice at its path).
    Json(Problem),
}

/// The documents of YAML `text`.
fn read_documents(
    text: &str,
    options: serde_saphyr::Options,
) -> Result<Vec<Value>, serde_saphyr::Error> {
    serde_saphyr::from_str_multiple_with_options::<Value, Vec<Value>>(text, options)
}

/// The documents of `text`, or why it is not YAML (JSON).
pub(super) fn documents(text: &str, format: Format) -> Result<Vec<Value>, Unreadable> {
    match format {
        Format::Yaml => read_documents(text, format::yaml_options(false)).map_err(Unreadable::Yaml),
        Format::Json => format::parse(text, Format::Json)
            .map(|v| vec![v])
            .map_err(Unreadable::Json),
    }
}

/// Where a document begins: its number, counted from 1 over every document of the file as
/// YAML counts them (each `---` begins one, an empty one included, as a reader counts the
/// separators), and the line of its start when known; for an item of a list document
/// ([`super::lists`]), its path in that document (`items.3`, `items.0.items.1` in a list
/// of lists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Place {
    pub number: usize,
    pub line: Option<usize>,
    /// The index in `items` of each list, from the document down; empty for a document.
    pub item: Vec<usize>,
}

impl Place {
    /// The path of the item in its document (`items.3`); empty for a document.
    pub fn item_path(&self) -> String {
        let steps: Vec<String> = self.item.iter().map(|i| format!("items.{i}")).collect();
        steps.join(".")
    }

    /// The place of the item `index` of the list at this place.
    pub fn item(&self, index: usize) -> Place {
        let mut item = self.item.clone();
        item.push(index);
        Place {
            item,
            ..self.clone()
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "document {}", self.number)?;
        if let Some(line) = self.line {
            write!(f, " at line {line}")?;
        }
        if !self.item.is_empty() {
            write!(f, ", {}", self.item_path())?;
        }
        Ok(())
    }
}

/// The places of the `kept` documents [`documents`] returned from `text`, in order.
/// The YAML reader leaves out empty documents (`---` followed by nothing, or `null`), as
/// `kubectl apply` does (cli-runtime `StreamVisitor.Visit` skips an empty or `null`
/// document); kubectl's messages then name the object, not its number. Numbering only the
/// documents kept would call the Deployment after an empty one "document 2" where a reader
/// counting the `---` sees the third, so the file's documents are counted here from the
/// parser's events, empty ones included, with the line each begins at. Should the two
/// readings ever disagree on which documents are empty, the kept ones are numbered in
/// order, without lines.
pub(super) fn places(text: &str, kept: usize) -> Vec<Place> {
    counted(text)
        .filter(|all| all.iter().filter(|(_, empty)| !empty).count() == kept)
        .map(|all| {
            all.into_iter()
                .filter(|(_, empty)| !empty)
                .map(|(place, _)| place)
                .collect()
        })
        .unwrap_or_else(|| {
            (1..=kept)
                .map(|number| Place {
                    number,
                    line: None,
                    item: Vec::new(),
                })
                .collect()
        })
}

/// Every document of `text` with whether it is empty (its root a plain null scalar with no
/// tag), or `None` if the text does not parse.
fn counted(text: &str) -> Option<Vec<(Place, bool)>> {
    use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};
    let mut out: Vec<(Place, bool)> = Vec::new();
    // Whether the next node event is a document's root.
    let mut at_root = false;
    for event in Parser::new_from_str(text) {
        let (event, span) = event.ok()?;
        match event {
            Event::DocumentStart(..) => {
                let place = Place {
                    number: out.len() + 1,
                    line: Some(span.start.line()),
                    item: Vec::new(),
                };
                out.push((place, false));
                at_root = true;
            }
            Event::Scalar(value, style, _, tag) if at_root => {
                let null = matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                if let Some(last) = out.last_mut() {
                    last.1 = style == ScalarStyle::Plain && tag.is_none() && null;
                }
                at_root = false;
            }
            Event::MappingStart(..) | Event::SequenceStart(..) | Event::Alias(..) => {
                at_root = false;
            }
            _ => {}
        }
    }
    Some(out)
}

/// The error of the file `text` from `origin`, unreadable for `why`. A non-finite number is
/// named by its object and field, as the importer names other bad values.
pub(super) fn unreadable(text: &str, origin: &str, why: Unreadable) -> ScenarioError {
    use serde_saphyr::Error::NonFiniteFloat;
    match why {
        Unreadable::Json(problem) => ScenarioError {
            origin: origin.to_string(),
            problems: vec![problem],
        },
        Unreadable::Yaml(NonFiniteFloat { value, location }) => {
            let message = format::non_finite(&value, &location);
            let marked =
                format::read_marked(text, &value, format::place(&location), read_documents);
            for doc in marked.iter().flatten() {
                let Some(path) = format::path_of(doc, format::NON_FINITE) else {
                    continue;
                };
                let (doc, path) = super::lists::item_at(doc, path);
                let kind = doc.get("kind").and_then(Value::as_str);
                return match (kind, doc.pointer("/metadata/name").and_then(Value::as_str)) {
                    (Some(kind), Some(name)) => error(origin, &object(kind, name), &path, &message),
                    _ => ScenarioError {
                        origin: origin.to_string(),
                        problems: vec![Problem::new(path, message)],
                    },
                };
            }
            ScenarioError::file(origin, message)
        }
        Unreadable::Yaml(e) => {
            ScenarioError::file(origin, format!("invalid YAML: {}", format::yaml_error(&e)))
        }
    }
}
