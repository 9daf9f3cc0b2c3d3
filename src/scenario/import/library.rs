//! The named documents of every file given, which a Rollout or a Canary may refer to:
//! analysis templates, and the Deployment a `workloadRef` or a `targetRef` names.
//!
//! A reference to a workload carries its `apiVersion`, and upstream looks the object up
//! under that group and version: Argo Rollouts builds the informer of the reference's
//! `GroupVersionKind` and gets the object by name from it (`argoproj/argo-rollouts`
//! v1.10.0-rc1, `rollout/templateref.go`, `informerBasedTemplateResolver.Resolve`), and
//! Flagger, whose CRD requires the `apiVersion`, gets a Deployment target from its
//! `apps/v1` client (`fluxcd/flagger` v1.44.0, `pkg/canary/deployment_controller.go`,
//! `createPrimaryDeployment` and `Promote`: `AppsV1().Deployments(…).Get`). So a
//! Deployment is found by its kind, `apiVersion` and name ([`Library::find_object`]), and
//! one of the same name under another `apiVersion` is not taken but told
//! ([`Library::not_found`]).

use serde_json::Value;

/// One named Kubernetes object of the files given.
#[derive(Debug)]
struct Entry<'a> {
    kind: &'a str,
    /// Its `apiVersion` (empty when it has none).
    api: &'a str,
    name: &'a str,
    /// The file it is in, as messages name it.
    file: &'a str,
    doc: &'a Value,
}

/// An object found in the files given, and the file it is in.
#[derive(Debug, Clone, Copy)]
pub struct Object<'a> {
    /// The document.
    pub doc: &'a Value,
    /// The file it is in, as messages name it.
    pub file: &'a str,
}

/// The named documents of every file given, and the files that could not be read.
#[derive(Debug, Default)]
pub struct Library<'a> {
    docs: Vec<Entry<'a>>,
    /// The files that could not be read (or are not YAML): any of them may hold what is
    /// looked for.
    unread: Vec<&'a str>,
}

impl<'a> Library<'a> {
    /// Adds the document `doc` of `file`, if it has a `kind` and a name.
    pub fn add(&mut self, doc: &'a Value, file: &'a str) {
        let kind = doc.get("kind").and_then(Value::as_str);
        let name = doc.pointer("/metadata/name").and_then(Value::as_str);
        let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        if let (Some(kind), Some(name)) = (kind, name) {
            self.docs.push(Entry {
                kind,
                api,
                name,
                file,
                doc,
            });
        }
    }

    /// Notes that `file` could not be read.
    pub fn add_unread(&mut self, file: &'a str) {
        self.unread.push(file);
    }

    /// The object of `kind` named `name`, whatever its `apiVersion` (an analysis
    /// template, which a Rollout names without one), with its file; `Err` as
    /// [`Library::find_object`].
    pub fn find(&self, kind: &str, name: &str) -> Result<Option<Object<'a>>, Vec<&'a str>> {
        self.unique(|e| e.kind == kind && e.name == name)
    }

    /// The object of `kind` and `api` named `name`, with its file; `Err` with the files of
    /// each when there are several. One name is one object of a kind in a namespace, and
    /// which of two the cluster would hold depends on the order they were applied in (the
    /// last wins) and on namespaces, which the import does not tell apart: a guess would
    /// simulate what the user may not have meant.
    pub fn find_object(
        &self,
        kind: &str,
        api: &str,
        name: &str,
    ) -> Result<Option<Object<'a>>, Vec<&'a str>> {
        self.unique(|e| e.kind == kind && e.api == api && e.name == name)
    }

    /// The one document `wanted`, if any; `Err` with the files of each when several are.
    fn unique(&self, wanted: impl Fn(&Entry) -> bool) -> Result<Option<Object<'a>>, Vec<&'a str>> {
        let mut found = self.docs.iter().filter(|e| wanted(e));
        let Some(first) = found.next() else {
            return Ok(None);
        };
        let more: Vec<&'a str> = found.map(|e| e.file).collect();
        if !more.is_empty() {
            return Err(std::iter::once(first.file).chain(more).collect());
        }
        Ok(Some(Object {
            doc: first.doc,
            file: first.file,
        }))
    }

    /// The end of a message about several documents of one name (an `Err` of
    /// [`Library::find_object`]): where they are, and what to do.
    pub fn several(files: &[&str]) -> String {
        format!(
            "({}): the import reads one, and does not tell namespaces apart; give only the \
             one meant",
            Self::places(files)
        )
    }

    /// The files of several documents, each once, with how many it holds where more than
    /// one: `a.yaml, b.yaml`, `a.yaml (2), b.yaml`.
    fn places(files: &[&str]) -> String {
        let mut seen: Vec<(&str, usize)> = Vec::new();
        for f in files {
            match seen.iter_mut().find(|(g, _)| g == f) {
                Some((_, n)) => *n += 1,
                None => seen.push((f, 1)),
            }
        }
        let each: Vec<String> = seen
            .iter()
            .map(|&(f, n)| {
                if n == 1 {
                    f.to_string()
                } else {
                    format!("{f} ({n})")
                }
            })
            .collect();
        each.join(", ")
    }

    /// Why an object of `kind` and `api` named `name` is not found, for a message that
    /// begins "… which is not in the files given": the objects of that kind and name
    /// under another `apiVersion` (` (found: Deployment \`web\` of apiVersion
    /// extensions/v1beta1 in d.yaml, not apps/v1)`), and the files that could not be
    /// read, which may hold it.
    pub fn not_found(&self, kind: &str, api: &str, name: &str) -> String {
        let others: Vec<String> = self
            .docs
            .iter()
            .filter(|e| e.kind == kind && e.name == name && e.api != api)
            .map(|e| {
                let api = if e.api.is_empty() {
                    "no apiVersion".to_string()
                } else {
                    format!("apiVersion {}", e.api)
                };
                format!("{kind} `{name}` of {api} in {}", e.file)
            })
            .collect();
        let mut note = String::new();
        if !others.is_empty() {
            note = format!(" (found {}, not {api})", others.join("; "));
        }
        note + &self.unread_note()
    }

    /// What a message about a document found in none of the files adds: the files that
    /// could not be read, which may hold it (` (b.yaml could not be read, and may hold
    /// it)`), or nothing.
    pub fn unread_note(&self) -> String {
        if self.unread.is_empty() {
            return String::new();
        }
        format!(
            " ({} could not be read, and may hold it)",
            self.unread.join(", ")
        )
    }
}
