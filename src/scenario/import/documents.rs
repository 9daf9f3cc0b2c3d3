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
