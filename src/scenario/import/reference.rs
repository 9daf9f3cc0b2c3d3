//! The Deployment a Rollout's `spec.workloadRef` or a Canary's `spec.targetRef` names,
//! looked up among the documents of every file given by its `apiVersion` and name
//! ([`super::library`]). Only `apps/v1` Deployments are read, as everywhere in the import;
//! a reference to another kind is refused with its mapper's words, as upstream's kinds
//! differ.
//!
//! The Deployment's fields are reported at paths under `Deployment NAME`, and, when it
//! is in another file than the object naming it, under `Deployment NAME (FILE)`: every
//! problem and every field left out names the file to fix. A Rollout's analysis
//! templates are reported the same way ([`root`], used by [`super::argo_analysis`]):
//! `AnalysisTemplate NAME (FILE)`. An object whose kind and name another object of the
//! files given has in another namespace is named with its namespace: `Deployment web
//! (d.yaml, namespace a)`.
//!
//! The Deployment is looked up in the namespace of the object naming it, as Argo Rollouts
//! (`rollout/templateref.go`, `Resolve`: `Lister().Get(rollout.Namespace + "/" + name)`)
//! and Flagger (`pkg/canary/deployment_controller.go`, `createPrimaryDeployment`:
//! `Deployments(cd.Namespace).Get`) look it up ([`super::library`]).

use super::context::Context;
use super::draft::{Draft, Referred, Src};
use super::library::{Library, Object};
use super::render::compact;
use serde_json::Value;

/// The only Deployment apiVersion read.
pub const APPS_V1: &str = "apps/v1";

/// The root of the Deployment the reference `r` (the object's field `field`:
/// `workloadRef`, `targetRef`) names, its path naming it (see [`root`]); `None`, with the error in `d`, when
/// the reference is to another kind (told at its `kind` with `other_kind(kind)`), has no
/// `apps/v1` or no name, or names a Deployment in none of the files.
pub fn deployment<'a>(
    r: &Src,
    field: &str,
    other_kind: fn(&Src) -> String,
    ctx: &Context<'_, 'a>,
    d: &mut Draft,
) -> Option<Src<'a>> {
    for key in ["apiVersion", "kind", "name"] {
        if let Some(f) = r.get(key) {
            d.read(&f);
        }
    }
    match r.get("kind") {
        Some(k) if k.str() == Some("Deployment") => {}
        Some(k) => {
            d.error(&k, other_kind(&k));
            return None;
        }
        None => {
            d.error(
                r,
                format!("expected `kind: Deployment`, `apiVersion: {APPS_V1}` and its `name`"),
            );
            return None;
        }
    }
    match r.get("apiVersion") {
        None => {
            d.error(
                r,
                format!(
                    "expected `apiVersion: {APPS_V1}`: a {field} names its object by \
                     apiVersion, kind and name"
                ),
            );
            return None;
        }
        Some(api) if api.str() != Some(APPS_V1) => {
            d.error(
                &api,
                format!(
                    "{field}'s Deployment is of apiVersion {}: only {APPS_V1} is read",
                    compact(api.value)
                ),
            );
            return None;
        }
        Some(_) => {}
    }
    let (Some(n), Some(name)) = (r.get("name"), r.get("name").and_then(|n| n.str())) else {
        d.error(r, "expected the `name` of the Deployment");
        return None;
    };
    let ns = ctx.own_namespace();
    let found = match ctx.lib.find_object("Deployment", APPS_V1, name, ns) {
        Ok(found) => found,
        Err(files) => {
            d.error(
                &n,
                format!(
                    "{field} names Deployment `{name}` ({APPS_V1}), and the files given hold \
                     {} of that name{}",
                    files.len(),
                    Library::several(&files, ns)
                ),
            );
            return None;
        }
    };
    let Some(found) = found else {
        d.error(
            &n,
            format!(
                "{field} names Deployment `{name}` ({APPS_V1}), which is not in the files \
                 given{}: {}",
                ctx.lib.not_found("Deployment", Some(APPS_V1), name, ns),
                ctx.how_to_find("Deployment", name, "DEPLOYMENT.yaml")
            ),
        );
        return None;
    };
    Some(root("Deployment", name, found, &n, ctx, d))
}

/// The root of the object `found` of `kind` named `name`, which the object being mapped
/// (of `ctx.file`) refers to at `at`: its fields' paths begin `KIND NAME`, and `KIND NAME
/// (FILE)` when it is in another file, so that every message about them names the file to
/// fix (`Deployment web (d.yaml).spec.replicas`, `AnalysisTemplate rate
/// (t.yaml).spec.metrics.0.interval`), with its namespace when another of its kind and
/// name is in another one (`AnalysisTemplate rate (namespace a)`). Noted in `d` as
/// referred to, so that its problems are told once however many objects refer to it.
pub fn root<'a>(
    kind: &str,
    name: &str,
    found: Object<'a>,
    at: &Src,
    ctx: &Context,
    d: &mut Draft,
) -> Src<'a> {
    let namespace = format!("namespace {}", found.namespace);
    let mut told: Vec<&str> = Vec::new();
    if found.file != ctx.file {
        told.push(found.file);
    }
    if found.shares_name {
        told.push(&namespace);
    }
    let path = if told.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {name} ({})", told.join(", "))
    };
    let shown = if found.shares_name {
        format!("{kind} {name} ({}, {namespace})", found.file)
    } else {
        format!("{kind} {name} ({})", found.file)
    };
    d.refer(Referred {
        root: path.clone(),
        id: found.id,
        shown,
        at: at.path.clone(),
    });
    Src {
        value: found.doc,
        path,
    }
}

/// The name and namespace of the Deployment the reference at `pointer` of `doc` names
/// when it is one the import reads (kind `Deployment`, apiVersion `apps/v1`), in `doc`'s
/// namespace: that Deployment is read as part of `doc`, not imported as a scenario of its
/// own. A reference to another kind or apiVersion is refused, and a Deployment of that
/// name is not its; nor is one of that name in another namespace.
pub fn names_deployment<'d>(doc: &'d Value, pointer: &str) -> Option<(&'d str, &'d str)> {
    let r = doc.pointer(pointer)?;
    let text = |key: &str| r.get(key).and_then(Value::as_str);
    (text("kind") == Some("Deployment") && text("apiVersion") == Some(APPS_V1))
        .then(|| text("name"))
        .flatten()
        .map(|name| (name, super::library::namespace_of(doc)))
}
