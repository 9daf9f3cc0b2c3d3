//! Scenarios from the manifests a team already has: Kubernetes `Deployment`s (apps/v1)
//! and compose / stack files.
//!
//! A file is read as YAML documents (JSON is YAML). A document with `apiVersion` and
//! `kind` is a Kubernetes object: each `Deployment` becomes a scenario, an Argo Rollouts
//! `Rollout` is refused (progressive delivery is not simulated yet), every other kind is
//! listed as skipped. A document with `services:` is a compose file: each service becomes
//! a scenario. The mapped fields are listed in [`kubernetes`] and [`compose`]; what a
//! manifest cannot say comes from [`defaults`], marked as such; every field neither mapped
//! nor read is reported with its path ([`Draft::finish`]).
//!
//! Each imported scenario is rendered as commented YAML and loaded back with the scenario
//! loader, so an import that succeeds is a scenario `run` accepts unchanged, and a value the
//! loader refuses is reported at its manifest path.

mod compose;
mod defaults;
mod draft;
mod kubernetes;
mod pod;
mod render;
mod units;

use super::error::{FILE, Problem, ScenarioError};
use super::load::{self, Format};
use defaults::Controller;
use draft::{Draft, Src};
use serde_json::Value;
use std::io::Write;

/// One importable thing found in a file: a scenario, or something refused.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its name (`metadata.name`, the compose service's name).
    pub name: String,
    /// What it is, for messages: `Deployment web`, `compose service web`.
    pub what: String,
    /// The scenario, or why it cannot be one.
    pub outcome: Result<Imported, ScenarioError>,
}

/// A scenario imported from a manifest.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Where it came from: `file (Deployment web)`.
    pub origin: String,
    /// The scenario as commented YAML.
    pub text: String,
    /// The scenario tree (what `text` says).
    pub tree: Value,
    /// Manifest fields that are not simulated, with their paths.
    pub unsupported: Vec<Problem>,
}

/// Everything found in one file.
#[derive(Debug, Clone, Default)]
pub struct Found {
    /// Deployments, compose services and refused objects, in file order.
    pub candidates: Vec<Candidate>,
    /// Documents that are none of those, described (`document 2: Service web`).
    pub skipped: Vec<String>,
}

/// What a document is.
enum DocKind<'a> {
    Kubernetes { kind: &'a str, api: &'a str },
    Compose,
    Other,
}

fn doc_kind(doc: &Value) -> DocKind<'_> {
    let Value::Object(m) = doc else {
        return DocKind::Other;
    };
    match (m.get("kind"), m.get("apiVersion")) {
        (Some(Value::String(kind)), Some(Value::String(api))) => DocKind::Kubernetes { kind, api },
        // A scenario with `services:` misspelt stays a scenario (and gets "did you mean").
        _ if m.get("services").is_some_and(Value::is_object)
            && !m
                .keys()
                .any(|k| k != "name" && super::convert::FIELDS.contains(&k.as_str())) =>
        {
            DocKind::Compose
        }
        _ => DocKind::Other,
    }
}

/// The documents of `text`, or why it is not YAML (JSON).
fn documents(text: &str, format: Format) -> Result<Vec<Value>, String> {
    match format {
        Format::Yaml => serde_saphyr::from_str_multiple_with_options::<Value, Vec<Value>>(
            text,
            serde_saphyr::options! { with_snippet: false },
        )
        .map_err(|e| {
            let m = e
                .to_string()
                .replace(", set DuplicateKeyPolicy in Options if acceptable", "");
            format!("invalid YAML: {m}")
        }),
        Format::Json => super::json::parse(text)
            .map(|v| vec![v])
            .map_err(|_| "invalid JSON".to_string()),
    }
}

/// Whether `text` is a manifest rather than a scenario: a Kubernetes object (top-level
/// `apiVersion` and `kind`) or a compose file (`services:`, and no scenario `service:`).
/// Text that is not YAML is no manifest (the scenario loader reports it).
pub fn is_manifest(text: &str, format: Format) -> bool {
    documents(text, format)
        .is_ok_and(|docs| docs.iter().any(|d| !matches!(doc_kind(d), DocKind::Other)))
}

/// The scenario tree of the one Deployment or compose service in `text`, for commands that
/// take a scenario and were given a manifest; `None` if `text` is no manifest. Fields
/// that are not simulated are listed on stderr, as `import` lists them.
pub fn scenario_tree(
    text: &str,
    origin: &str,
    format: Format,
) -> Option<Result<Value, ScenarioError>> {
    if !is_manifest(text, format) {
        return None;
    }
    Some(import_str(text, origin, format).and_then(|found| only_one(found, origin)))
}

fn only_one(found: Found, origin: &str) -> Result<Value, ScenarioError> {
    let mut candidates = found.candidates;
    if candidates.len() > 1 {
        let names: Vec<&str> = candidates.iter().map(|c| c.what.as_str()).collect();
        return Err(ScenarioError::file(
            origin,
            format!(
                "the manifest holds {} ({}): write one scenario with `rollout-sim import \
                 {origin} --name NAME --out NAME.yaml` and give that",
                names.len(),
                names.join(", ")
            ),
        ));
    }
    let one = candidates.remove(0).outcome?;
    let mut err = std::io::stderr().lock();
    for p in &one.unsupported {
        let _ = writeln!(err, "not simulated: {}: {p}", one.origin);
    }
    Ok(one.tree)
}

/// Everything importable in `text`; `origin` names the file in messages. `Err` if the text
/// is not YAML or holds nothing importable.
pub fn import_str(text: &str, origin: &str, format: Format) -> Result<Found, ScenarioError> {
    let docs = documents(text, format).map_err(|m| ScenarioError::file(origin, m))?;
    let mut found = Found::default();
    for (i, doc) in docs.iter().enumerate() {
        let at = format!("document {}", i + 1);
        match doc_kind(doc) {
            DocKind::Kubernetes {
                kind: "Deployment",
                api: "apps/v1",
            } => {
                let name = doc
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let what = format!("Deployment {name}");
                let outcome = if name.is_empty() {
                    Err(error(
                        origin,
                        &what,
                        "metadata.name",
                        "a Deployment needs a name",
                    ))
                } else {
                    import_one(doc, origin, &what, |src, d| {
                        kubernetes::deployment(src, name, d);
                        d.finish(src, |_| false);
                        defaults::fill(d, Controller::Kubernetes);
                    })
                };
                found.candidates.push(Candidate {
                    name: name.to_string(),
                    what,
                    outcome,
                });
            }
            DocKind::Kubernetes {
                kind: "Rollout",
                api,
            } if api.starts_with("argoproj.io/") => {
                let name = doc
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let what = format!("Argo Rollout {name}");
                let strategy = doc
                    .pointer("/spec/strategy")
                    .and_then(Value::as_object)
                    .and_then(|m| m.keys().next().cloned())
                    .unwrap_or_else(|| "its".into());
                let message = format!(
                    "progressive delivery is not supported yet: this version simulates \
                     Kubernetes Deployments (RollingUpdate, Recreate) and Swarm updates, not \
                     Argo Rollouts' {strategy} strategy; nothing was imported from it"
                );
                found.candidates.push(Candidate {
                    outcome: Err(error(origin, &what, "spec.strategy", &message)),
                    name,
                    what,
                });
            }
            DocKind::Kubernetes { kind, api } => {
                let name = doc
                    .pointer("/metadata/name")
                    .and_then(Value::as_str)
                    .unwrap_or("(unnamed)");
                let why = if kind == "Deployment" {
                    format!(" (apiVersion {api}: only apps/v1 is read)")
                } else {
                    String::new()
                };
                found.skipped.push(format!("{at}: {kind} {name}{why}"));
            }
            DocKind::Compose => {
                let services: Vec<String> = doc["services"]
                    .as_object()
                    .map(|m| {
                        m.keys()
                            .filter(|k| !compose::is_extension(k))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                for name in services {
                    let what = format!("compose service {name}");
                    let outcome = import_one(doc, origin, &what, |src, d| {
                        compose::service(src, &name, d);
                        d.finish(src, compose::is_extension);
                        defaults::fill(d, Controller::Swarm);
                    });
                    found.candidates.push(Candidate {
                        name,
                        what,
                        outcome,
                    });
                }
            }
            DocKind::Other => found.skipped.push(format!(
                "{at}: neither a Kubernetes object (apiVersion, kind) nor a compose file (services)"
            )),
        }
    }
    if found.candidates.is_empty() {
        let seen = if found.skipped.is_empty() {
            "the file holds no documents".to_string()
        } else {
            format!("found {}", found.skipped.join("; "))
        };
        return Err(ScenarioError::file(
            origin,
            format!("no Deployment (apps/v1) and no compose service to import: {seen}"),
        ));
    }
    Ok(found)
}

/// `origin (what)`: where a candidate's problems are.
fn label(origin: &str, what: &str) -> String {
    format!("{origin} ({what})")
}

fn error(origin: &str, what: &str, path: &str, message: &str) -> ScenarioError {
    ScenarioError {
        origin: label(origin, what),
        problems: vec![Problem::new(path, message)],
    }
}

/// Builds one scenario with `map` (which maps the fields and reports the rest with
/// [`Draft::finish`]), renders it, and loads it back to validate it.
fn import_one(
    doc: &Value,
    origin: &str,
    what: &str,
    map: impl FnOnce(&Src, &mut Draft),
) -> Result<Imported, ScenarioError> {
    let root = Src::root(doc);
    let mut d = Draft::default();
    map(&root, &mut d);
    let origin = label(origin, what);
    if !d.errors.is_empty() {
        return Err(ScenarioError {
            origin,
            problems: d.errors,
        });
    }
    let mut header = vec![
        format!("Imported by `rollout-sim import` from {origin}."),
        "Fields marked DEFAULT are not in the manifest: measure them, or fit them with".into(),
        "`rollout-sim calibrate`, before trusting the numbers.".into(),
    ];
    if !d.unsupported.is_empty() {
        header.push("Not simulated (left out of this scenario):".into());
        header.extend(d.unsupported.iter().map(|p| format!("  {p}")));
    }
    let text = render::render(&d, &header, defaults::TRAFFIC_FOOTER);
    // Loaded under a name that cannot be taken for a manifest again.
    match load::load_str(&text, "imported.yaml", Format::Yaml, &[]) {
        Ok(_) => Ok(Imported {
            origin,
            text,
            tree: Value::Object(d.tree.clone()),
            unsupported: d.unsupported,
        }),
        Err(e) => Err(ScenarioError {
            origin,
            problems: e
                .problems
                .into_iter()
                .map(|p| match d.origin(&p.path) {
                    Some(path) => Problem::new(path, p.message),
                    None if p.path == FILE => p,
                    None => Problem::new(
                        p.path.clone(),
                        format!("{} (in the imported scenario)", p.message),
                    ),
                })
                .collect(),
        }),
    }
}
