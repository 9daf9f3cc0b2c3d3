//! Scenarios from the manifests a team already has: Kubernetes `Deployment`s,
//! `DaemonSet`s and `StatefulSet`s (apps/v1), Argo Rollouts `Rollout`s, Flagger `Canary`s
//! and compose / stack files.
//!
//! A file is read as YAML documents (JSON is YAML); a list document (`kind: List`, what
//! `kubectl get -o yaml` prints, or a typed `DeploymentList`) stands for its items, each
//! named by its place in it ([`lists`]). A document with `apiVersion` and `kind` is a
//! Kubernetes object: each `Deployment`, `DaemonSet`, `StatefulSet`, `Rollout` and
//! `Canary` becomes a scenario (a Rollout with the `AnalysisTemplate`s and `workloadRef`
//! Deployment of the files given, a Canary with its `targetRef` Deployment: [`library`],
//! [`reference`](mod@reference)), a `PodDisruptionBudget` is read by the workload whose
//! pods it selects ([`budget`]), every other kind is listed as skipped. A document with
//! `services:` is a compose file: each service becomes a scenario. The mapped fields are
//! listed in [`kubernetes`], [`daemon_set`], [`stateful_set`], [`argo`], [`flagger`] and
//! [`compose`]; what a manifest cannot say (a DaemonSet's node count among it) comes from
//! [`defaults`], marked as such; every field neither mapped nor read is reported with its
//! path ([`draft::Draft::finish`]).
//!
//! Each imported scenario is rendered as commented YAML and loaded back with the scenario
//! loader, so an import that succeeds is a scenario `run` accepts unchanged, and a value the
//! loader refuses is reported at its manifest path. It is loaded back even when mapping
//! found problems, so both stages report in one run ([`load_back`]). Every file given is
//! imported whatever the others' problems, one result a file ([`import_files`]), so a
//! folder of manifests is told all its problems in one run too; a problem of an object
//! several others refer to is told once ([`once`]).
//!
//! References are resolved within the namespace of the object that makes them, as Argo
//! Rollouts and Flagger resolve them ([`library`]); `--namespace` imports the objects of
//! one namespace ([`Options::namespace`]).

mod affinity;
mod affinity_term;
mod api_fields;
mod argo;
mod argo_analysis;
mod argo_args;
mod argo_dry_run;
mod argo_experiment;
mod argo_fields;
mod argo_pods;
mod argo_retention;
mod argo_routes;
mod budget;
mod candidate;
mod compose;
mod context;
mod daemon_set;
mod defaults;
mod documents;
mod draft;
mod flagger;
mod flagger_ab;
mod flagger_fields;
mod flagger_mirror;
mod flagger_nop;
mod flagger_retries;
mod flagger_router;
mod flagger_webhooks;
mod host_ports;
mod kubernetes;
mod library;
mod lists;
mod load_back;
mod once;
mod one;
mod pod;
mod query;
mod reference;
mod render;
mod selector;
mod server_defaults;
mod spread;
mod stateful_set;
mod units;
mod unmeasured;

pub use candidate::Candidate;
pub use defaults::resize_pool;
pub use library::Library;
pub use once::TellOnce;

use super::error::{Problem, ScenarioError};
use super::load::Format;
use super::overrides::Override;
use api_fields::Schema;
use context::Context;
use defaults::Controller;
use documents::{DocKind, Place, doc_kind, documents, places, unreadable};
use library::namespace_of;
use one::{One, import_one};
use serde_json::Value;
use std::io::Write;

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
    /// What `--namespace` left out ([`Options::namespace`]), in file order.
    pub elsewhere: Vec<Elsewhere>,
}

/// A Deployment, DaemonSet, StatefulSet, Rollout, Canary or compose service that is not
/// imported because it is not in the namespace `--namespace` picks.
#[derive(Debug, Clone)]
pub struct Elsewhere {
    /// Its name.
    pub name: String,
    /// Its namespace; `None` for a compose service, which has none.
    pub namespace: Option<String>,
}

/// The apiVersion of the Flagger `Canary`s read: the only one its CRD serves (v1.44.0),
/// and the only one the `MetricTemplate` CRD serves (`artifacts/flagger/crd.yaml`).
const CANARY_API: &str = "flagger.app/v1beta1";

/// How a Kubernetes object is named in messages: `Deployment web`, `Argo Rollout web`.
fn object(kind: &str, name: &str) -> String {
    match kind {
        "Rollout" => format!("Argo Rollout {name}"),
        "Canary" => format!("Flagger Canary {name}"),
        _ => format!("{kind} {name}"),
    }
}

/// Whether `text` is a manifest rather than a scenario: a Kubernetes object (top-level
/// `apiVersion` and `kind`) or a compose file (`services:`, and no scenario `service:`).
/// Text that is not YAML is no manifest (the scenario loader reports it).
pub fn is_manifest(text: &str, format: Format) -> bool {
    documents(text, format)
        .is_ok_and(|docs| docs.iter().any(|d| !matches!(doc_kind(d), DocKind::Other)))
}

/// The scenario tree of the one Deployment, DaemonSet, StatefulSet, Rollout, Canary or
/// compose service in `text`, for commands that take a scenario and were given a manifest;
/// `None` if `text` is no manifest. Fields that are not simulated are listed on stderr, as
/// `import` lists them.
pub fn scenario_tree(
    text: &str,
    origin: &str,
    format: Format,
) -> Option<Result<Value, ScenarioError>> {
    if !is_manifest(text, format) {
        return None;
    }
    let input = Input {
        text: Ok(text),
        origin,
        format,
    };
    let opts = Options {
        run_with_overrides: true,
        ..Options::default()
    };
    let found = import_files(&[input], &opts).and_then(|mut files| files.remove(0));
    Some(found.and_then(|found| only_one(found, origin)))
}

fn only_one(found: Found, origin: &str) -> Result<Value, ScenarioError> {
    let mut candidates = found.candidates;
    if candidates.len() > 1 {
        // Another of its name in another namespace (`kubectl get -A` prints them in one
        // file): the two are told, and picked, apart by namespace.
        let apart = |c: &Candidate| {
            candidates
                .iter()
                .find(|d| d.name == c.name && c.pick_namespace(d).is_some())
        };
        let names: Vec<String> = candidates
            .iter()
            .map(|c| apart(c).map_or_else(|| c.what.clone(), |d| c.told_apart(d)))
            .collect();
        let pick = if candidates.iter().any(|c| apart(c).is_some()) {
            " --namespace NS"
        } else {
            ""
        };
        return Err(ScenarioError::file(
            origin,
            format!(
                "the manifest holds {} ({}): write one scenario with `rollout-sim import \
                 {origin}{pick} --name NAME --out NAME.yaml` and give that",
                names.len(),
                names.join(", ")
            ),
        ));
    }
    // Told whether it imports or not: what was left out may explain its problems.
    let one = candidates.remove(0);
    let mut err = std::io::stderr().lock();
    for p in one.not_simulated() {
        let _ = writeln!(err, "not simulated: {origin} ({}): {p}", one.what);
    }
    Ok(one.outcome?.tree)
}

/// Import options.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// An analysis metric whose query is not recognised is left out and reported, rather
    /// than refused.
    pub drop_unknown_metrics: bool,
    /// The scenario is run at once with the user's `--set` overrides (`run deploy.yaml
    /// --set …`), not written: the loader checks it again with them, so a problem at a
    /// field the import filled in (the default node pool, a whole-scenario check) is left
    /// to that check, where an override may have fixed it (`--set 'cluster.nodes=[…]'`
    /// giving the labels a `nodeSelector` needs). Problems at the manifest's own values
    /// are still told at their manifest paths.
    pub run_with_overrides: bool,
    /// `import --set PATH=VALUE`: applied to each scenario before it is checked and
    /// written, so the written scenario holds them. A problem at a value one sets is told
    /// with the `--set`, one at the manifest's own values at its manifest path.
    pub overrides: Vec<Override>,
    /// `import --namespace NS`: only the Deployments, DaemonSets, StatefulSets, Rollouts and
    /// Canaries of this namespace ([`library::namespace_of`]) are imported; the others, and
    /// compose services, which have no namespace, are left out ([`Found::elsewhere`]).
    /// Every object is still looked up by the references made in the namespace.
    pub namespace: Option<String>,
}

/// One file to import.
#[derive(Debug, Clone, Copy)]
pub struct Input<'t> {
    /// Its text, or why it could not be read: it is then told in its place among the
    /// files' problems, and what it may hold is not claimed missing.
    pub text: Result<&'t str, &'t ScenarioError>,
    /// Its name in messages.
    pub origin: &'t str,
    /// YAML or JSON.
    pub format: Format,
}

/// Everything importable in `text`; `origin` names the file in messages. `Err` if the text
/// is not YAML or holds nothing importable.
pub fn import_str(text: &str, origin: &str, format: Format) -> Result<Found, ScenarioError> {
    let input = Input {
        text: Ok(text),
        origin,
        format,
    };
    import_files(&[input], &Options::default())?.remove(0)
}

/// Everything importable in `inputs`, one entry a file in their order: its [`Found`], or
/// why it cannot be read (the input's own error, or why it is not YAML). Every file is
/// imported, whatever the others' problems, so a caller can tell them all in one run. A
/// Rollout's analysis templates and `workloadRef` Deployment, and a Canary's `targetRef`
/// Deployment, may be in any of the files.
/// `Err` if every file was read and none holds anything importable (with a file unread,
/// that may only follow from it).
pub fn import_files(
    inputs: &[Input],
    opts: &Options,
) -> Result<Vec<Result<Found, ScenarioError>>, ScenarioError> {
    // Each document with its place, a list's items in its stead ([`lists`]).
    let all_docs: Vec<Result<Vec<(Value, Place)>, ScenarioError>> = inputs
        .iter()
        .map(|input| {
            let text = input.text.map_err(Clone::clone)?;
            let docs =
                documents(text, input.format).map_err(|why| unreadable(text, input.origin, why))?;
            let places = places(text, docs.len());
            lists::flatten(docs, places, input.origin)
        })
        .collect();
    let mut lib = Library::default();
    for (input, docs) in inputs.iter().zip(&all_docs) {
        let Ok(docs) = docs else {
            lib.add_unread(input.origin);
            continue;
        };
        for (doc, _) in docs {
            match doc_kind(doc) {
                DocKind::Kubernetes { .. } => lib.add(doc, input.origin),
                DocKind::Compose => lib.compose_given = true,
                DocKind::Other => {}
            }
        }
    }
    let templates_of: Vec<ReadThere> = all_docs
        .iter()
        .flatten()
        .flatten()
        .filter_map(|(doc, _)| read_there(doc))
        .collect();
    let out: Vec<Result<Found, ScenarioError>> = inputs
        .iter()
        .zip(&all_docs)
        .map(|(input, docs)| {
            let ctx = Context {
                lib: &lib,
                opts,
                file: input.origin,
                namespace: library::DEFAULT_NAMESPACE,
            };
            let docs = docs.as_ref().map_err(Clone::clone)?;
            Ok(import_docs(docs, &ctx, &templates_of))
        })
        .collect();
    let read: Vec<&Found> = out.iter().flatten().collect();
    let none = |f: &&Found| f.candidates.is_empty() && f.elsewhere.is_empty();
    if read.len() == inputs.len() && read.iter().all(none) {
        let origin: Vec<&str> = inputs.iter().map(|i| i.origin).collect();
        let skipped: Vec<&str> = read
            .iter()
            .flat_map(|f| &f.skipped)
            .map(String::as_str)
            .collect();
        let seen = if skipped.is_empty() {
            let files = if inputs.len() == 1 {
                "the file holds"
            } else {
                "the files hold"
            };
            format!("{files} no documents")
        } else {
            format!("found {}", skipped.join("; "))
        };
        return Err(ScenarioError::file(
            origin.join(", "),
            format!(
                "nothing to import (a Deployment, DaemonSet or StatefulSet of apps/v1, an Argo \
                 Rollout, a Flagger Canary or a compose service): {seen}"
            ),
        ));
    }
    Ok(out)
}

/// A Deployment imported as part of another object, not as a scenario of its own: its
/// name and namespace, and what reads it.
type ReadThere<'a> = ((&'a str, &'a str), &'static str);

/// The Deployment `doc` reads as part of itself: a Rollout's `workloadRef`, a Canary's
/// `targetRef`.
fn read_there(doc: &Value) -> Option<ReadThere<'_>> {
    let (pointer, what) = match doc.get("kind").and_then(Value::as_str)? {
        "Rollout" => (
            "/spec/workloadRef",
            "the pod template of a Rollout's workloadRef",
        ),
        "Canary" => ("/spec/targetRef", "the target of a Flagger Canary"),
        _ => return None,
    };
    Some((reference::names_deployment(doc, pointer)?, what))
}

/// Whether a Deployment, DaemonSet, StatefulSet, Rollout or Canary of `api` is imported:
/// of the apiVersions read (a DaemonSet or StatefulSet of the retired
/// `extensions/v1beta1`, `apps/v1beta1` or `apps/v1beta2`, which Kubernetes 1.16 stopped
/// serving, is skipped as such).
fn importable(kind: &str, api: &str) -> bool {
    match kind {
        "Deployment" | "DaemonSet" | "StatefulSet" => api == "apps/v1",
        "Rollout" => api.starts_with("argoproj.io/"),
        "Canary" => api == CANARY_API,
        _ => false,
    }
}

/// The candidates and skipped documents of one file, each document with its place.
/// `templates_of` names the Deployments a Rollout's `workloadRef` or a Canary's
/// `targetRef` reads.
fn import_docs(docs: &[(Value, Place)], ctx: &Context, templates_of: &[ReadThere]) -> Found {
    let origin = ctx.file;
    let mut found = Found::default();
    // The document of each candidate.
    let mut doc_of: Vec<Place> = Vec::new();
    for (doc, place) in docs {
        let at = place.to_string();
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        // A Deployment of another namespace than the Rollout's or Canary's is not theirs.
        let namespace = namespace_of(doc);
        let read_by = templates_of.iter().find(|(n, _)| *n == (name, namespace));
        let ctx = Context { namespace, ..*ctx };
        let ctx = &ctx;
        let picked = ctx.opts.namespace.as_deref();
        match doc_kind(doc) {
            DocKind::Kubernetes { kind, api }
                if importable(kind, api) && picked.is_some_and(|ns| ns != namespace) =>
            {
                found.elsewhere.push(Elsewhere {
                    name: name.to_string(),
                    namespace: Some(namespace.to_string()),
                });
            }
            DocKind::Kubernetes {
                kind: "Deployment",
                api: "apps/v1",
            } if read_by.is_some() => found.skipped.push(format!(
                "{at}: Deployment {name} ({}, read there)",
                read_by.map_or("", |(_, what)| what)
            )),
            DocKind::Kubernetes { kind, api } if importable(kind, api) => {
                let what = object(kind, name);
                let one = if name.is_empty() {
                    let refused = error(
                        origin,
                        &what,
                        "metadata.name",
                        &format!("a {kind} needs a name"),
                    );
                    One::refused(refused)
                } else {
                    import_one(doc, origin, &what, ctx.opts, |src, d| {
                        let schema = match kind {
                            "Rollout" => {
                                argo::rollout(src, name, ctx, d);
                                argo_fields::ROLLOUT
                            }
                            "Canary" => {
                                flagger::canary(src, name, ctx, d);
                                flagger_fields::CANARY
                            }
                            "DaemonSet" => {
                                daemon_set::daemon_set(src, name, namespace, d);
                                api_fields::DAEMON_SET
                            }
                            "StatefulSet" => {
                                stateful_set::stateful_set(src, name, namespace, d);
                                api_fields::STATEFUL_SET
                            }
                            _ => {
                                kubernetes::deployment(src, name, namespace, d);
                                api_fields::DEPLOYMENT
                            }
                        };
                        d.finish(src, |_| false, schema);
                        budget::read(src, &what, ctx, d);
                        defaults::fill(d, Controller::Kubernetes);
                    })
                };
                let candidate = Candidate::new(name.to_string(), what, one, Some(namespace));
                found.candidates.push(candidate);
            }
            DocKind::Kubernetes { kind, .. } if lists::is_list(doc) => {
                found
                    .skipped
                    .push(format!("{at}: an empty {kind} (no items)"));
            }
            DocKind::Kubernetes { kind, api } => {
                let name = if name.is_empty() { "(unnamed)" } else { name };
                let why = match kind {
                    "Deployment" | "DaemonSet" | "StatefulSet" => {
                        format!(" (apiVersion {api}: only apps/v1 is read)")
                    }
                    "Rollout" => format!(" (apiVersion {api}: only argoproj.io is read)"),
                    "Canary" => format!(" (apiVersion {api}: only {CANARY_API} is read)"),
                    "AnalysisTemplate" | "ClusterAnalysisTemplate" => {
                        " (read where a Rollout names it)".to_string()
                    }
                    // Read by the workloads whose pods it selects (`budget::read`).
                    "PodDisruptionBudget" => budget::note(doc, api, ctx, |w| {
                        templates_of.iter().any(|(n, _)| {
                            let name = w.pointer("/metadata/name").and_then(Value::as_str);
                            let kind = w.get("kind").and_then(Value::as_str);
                            kind == Some("Deployment")
                                && Some(n.0) == name
                                && n.1 == namespace_of(w)
                        })
                    }),
                    // Flagger reads a MetricTemplate where a Canary metric's `templateRef`
                    // names it (`fluxcd/flagger` v1.44.0, `pkg/controller/scheduler_metrics.go`,
                    // `runMetricChecks`); the import refuses such a metric instead
                    // (`flagger::metric`), so no MetricTemplate is ever read.
                    "MetricTemplate" if api == CANARY_API => " (not read: a Canary metric \
                         with a templateRef is refused at that metric, or left out with \
                         --drop-unknown-metrics)"
                        .to_string(),
                    _ => String::new(),
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
                if services.is_empty() {
                    found.skipped.push(format!(
                        "{at}: a compose file with no service under `services:`"
                    ));
                }
                // A compose file has no namespace for `--namespace` to pick.
                let services = match picked {
                    Some(ns) => {
                        for name in services {
                            found.skipped.push(format!(
                                "{at}: compose service {name} (a compose file has no \
                                 namespace; --namespace {ns} picks Kubernetes objects)"
                            ));
                            found.elsewhere.push(Elsewhere {
                                name,
                                namespace: None,
                            });
                        }
                        Vec::new()
                    }
                    None => services,
                };
                for name in services {
                    let what = format!("compose service {name}");
                    let one = import_one(doc, origin, &what, ctx.opts, |src, d| {
                        compose::service(src, &name, d);
                        d.finish(src, compose::is_extension, Schema::UNCHECKED);
                        defaults::fill(d, Controller::Swarm);
                    });
                    let candidate = Candidate::new(name, what, one, None);
                    found.candidates.push(candidate);
                }
            }
            DocKind::Other => found.skipped.push(format!(
                "{at}: neither a Kubernetes object (apiVersion, kind) nor a compose file (services)"
            )),
        }
        doc_of.resize(found.candidates.len(), place.clone());
    }
    refuse_same_names(&mut found, &doc_of, origin);
    found
}

/// Two scenarios of one file with one name: a scenario is picked (`--name`) and written
/// (`--out DIR`, `NAME.yaml`) by its name, so the second is refused, naming the file and
/// both documents ([`Place`]), and their namespaces when they differ (two objects
/// upstream, which the scenarios' names cannot tell apart, and `--namespace` picks one
/// of: `kubectl get deploy -A -o yaml` prints them in one file). Across files the
/// `import` command says so itself.
fn refuse_same_names(found: &mut Found, doc_of: &[Place], origin: &str) {
    for k in 1..found.candidates.len() {
        let name = found.candidates[k].name.clone();
        let Some(j) = (0..k).find(|&j| found.candidates[j].name == name) else {
            continue;
        };
        let (a, b) = (&found.candidates[j], &found.candidates[k]);
        let (first, what) = (a.told_apart(b), b.told_apart(a));
        let path = if what.starts_with("compose service") {
            format!("services.{name}")
        } else {
            "metadata.name".to_string()
        };
        let advice = match a.pick_namespace(b) {
            Some(pick) => format!(", not its namespace: {pick}"),
            None => ": rename one, or put them in separate files".to_string(),
        };
        let message = format!(
            "`{name}` names two scenarios of {origin}: {} ({first}) and {} ({what}), \
             counted from 1 as `---` separates them, empty ones included. A scenario is \
             picked (`--name`) and written (`--out DIR`) by its name{advice}",
            doc_of[j], doc_of[k],
        );
        let refused = error(origin, &b.what, &path, &message);
        found.candidates[k].refuse(refused);
    }
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
