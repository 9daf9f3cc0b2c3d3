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
//!
//! Upstream looks a referenced object up in the namespace of the object referring to it:
//! a Rollout's `AnalysisTemplate`s (`rollout/controller.go`,
//! `getReferencedAnalysisTemplatesFromRef`: `AnalysisTemplates(c.rollout.Namespace)`) and
//! its `workloadRef` (`rollout/templateref.go`, `Resolve`: the lister's
//! `rollout.Namespace/name`), a Canary's target (`pkg/canary/deployment_controller.go`:
//! `Deployments(cd.Namespace)`); a `ClusterAnalysisTemplate` has no namespace
//! (`clusterAnalysisTemplateLister.Get`). So the library tells namespaces apart
//! ([`Namespace`]): a reference finds an object of its own namespace only, and names what
//! it found in others when it finds none there.

use serde_json::Value;

/// The namespace `kubectl apply` puts an object without `metadata.namespace` in: the
/// context's, which is `default` unless the kubeconfig names another (kubernetes/client-go
/// `tools/clientcmd/client_config.go`, `DirectClientConfig.Namespace`). The import has no
/// kubeconfig, so it takes `default`, as a context without a namespace does.
pub const DEFAULT_NAMESPACE: &str = "default";

/// Where a reference looks: the namespace of the object referring (the import reads
/// every object of the files given as applied together, [`DEFAULT_NAMESPACE`] for one
/// without `metadata.namespace`), or any, for a cluster-scoped kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace<'n> {
    /// Objects of this namespace only.
    In(&'n str),
    /// A cluster-scoped kind (`ClusterAnalysisTemplate`): its objects have none.
    Cluster,
}

/// The namespace `doc` is applied to: its `metadata.namespace`, else
/// [`DEFAULT_NAMESPACE`].
pub fn namespace_of(doc: &Value) -> &str {
    doc.pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .filter(|ns| !ns.is_empty())
        .unwrap_or(DEFAULT_NAMESPACE)
}

/// One named Kubernetes object of the files given.
#[derive(Debug)]
struct Entry<'a> {
    kind: &'a str,
    /// Its `apiVersion` (empty when it has none).
    api: &'a str,
    name: &'a str,
    /// Its namespace ([`namespace_of`]).
    namespace: &'a str,
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
    /// Its namespace ([`namespace_of`]).
    pub namespace: &'a str,
    /// Which document of the files given it is: the same object whoever refers to it.
    pub id: usize,
    /// Whether another object of its kind and name is in another namespace: messages
    /// about it then name its namespace.
    pub shares_name: bool,
}

/// The named documents of every file given, and the files that could not be read.
#[derive(Debug, Default)]
pub struct Library<'a> {
    docs: Vec<Entry<'a>>,
    /// The files that could not be read (or are not YAML): any of them may hold what is
    /// looked for.
    unread: Vec<&'a str>,
    /// Whether the files given hold a compose file: a PodDisruptionBudget beside one is
    /// told that Swarm has no budgets.
    pub compose_given: bool,
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
                namespace: namespace_of(doc),
                file,
                doc,
            });
        }
    }

    /// Notes that `file` could not be read.
    pub fn add_unread(&mut self, file: &'a str) {
        self.unread.push(file);
    }

    /// The object of `kind` named `name` in `ns`, whatever its `apiVersion` (an analysis
    /// template, which a Rollout names without one), with its file; `Err` as
    /// [`Library::find_object`].
    pub fn find(
        &self,
        kind: &str,
        name: &str,
        ns: Namespace,
    ) -> Result<Option<Object<'a>>, Vec<&'a str>> {
        self.unique(|e| e.kind == kind && e.name == name && in_namespace(e, ns))
    }

    /// The object of `kind` and `api` named `name` in `ns`, with its file; `Err` with the
    /// files of each when there are several. One name is one object of a kind in a
    /// namespace, and which of two the cluster would hold depends on the order they were
    /// applied in (the last wins): a guess would simulate what the user may not have
    /// meant.
    pub fn find_object(
        &self,
        kind: &str,
        api: &str,
        name: &str,
        ns: Namespace,
    ) -> Result<Option<Object<'a>>, Vec<&'a str>> {
        self.unique(|e| e.kind == kind && e.api == api && e.name == name && in_namespace(e, ns))
    }

    /// Every object of `kind` in `ns`, with its `apiVersion` (empty when it has none), in
    /// the order the files give them: the PodDisruptionBudgets a workload's pods may be
    /// selected by, which are not named by a reference but found by their selectors.
    pub fn all_of(&self, kind: &str, ns: Namespace) -> Vec<(&'a str, Object<'a>)> {
        self.docs
            .iter()
            .enumerate()
            .filter(|(_, e)| e.kind == kind && in_namespace(e, ns))
            .map(|(id, e)| {
                let shares_name = self
                    .elsewhere(e.kind, e.name, Namespace::In(e.namespace))
                    .next()
                    .is_some();
                let object = Object {
                    doc: e.doc,
                    file: e.file,
                    namespace: e.namespace,
                    id,
                    shares_name,
                };
                (e.api, object)
            })
            .collect()
    }

    /// The one document `wanted`, if any; `Err` with the files of each when several are.
    fn unique(&self, wanted: impl Fn(&Entry) -> bool) -> Result<Option<Object<'a>>, Vec<&'a str>> {
        let mut found = self.docs.iter().enumerate().filter(|(_, e)| wanted(e));
        let Some((id, first)) = found.next() else {
            return Ok(None);
        };
        let more: Vec<&'a str> = found.map(|(_, e)| e.file).collect();
        if !more.is_empty() {
            return Err(std::iter::once(first.file).chain(more).collect());
        }
        let shares_name = self
            .elsewhere(first.kind, first.name, Namespace::In(first.namespace))
            .next()
            .is_some();
        Ok(Some(Object {
            doc: first.doc,
            file: first.file,
            namespace: first.namespace,
            id,
            shares_name,
        }))
    }

    /// The end of a message about several documents of one name in `ns` (an `Err` of
    /// [`Library::find_object`]): where they are, and what to do.
    pub fn several(files: &[&str], ns: Namespace) -> String {
        let namespace = match ns {
            Namespace::In(ns) => format!(" in namespace {ns}"),
            Namespace::Cluster => String::new(),
        };
        format!(
            "{namespace} ({}): which of them a cluster would hold depends on the order they \
             are applied in (the last wins); give only the one meant",
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

    /// Why an object of `kind` and `api` (any, when `None`) named `name` is not found in
    /// `ns`, for a message that begins "… which is not in the files given": the objects of
    /// that kind and name under another `apiVersion` (` (found Deployment \`web\` of
    /// apiVersion extensions/v1beta1 in d.yaml, not apps/v1)`) or in another namespace
    /// (` in namespace a (found it in namespace b, in t.yaml; …)`), and the files
    /// that could not be read, which may hold it.
    pub fn not_found(&self, kind: &str, api: Option<&str>, name: &str, ns: Namespace) -> String {
        let others: Vec<String> = self
            .docs
            .iter()
            .filter(|e| e.kind == kind && e.name == name && in_namespace(e, ns))
            .filter(|e| api.is_some_and(|api| e.api != api))
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
        if let (false, Some(api)) = (others.is_empty(), api) {
            note = format!(" (found {}, not {api})", others.join("; "));
        }
        let elsewhere: Vec<String> = self
            .elsewhere(kind, name, ns)
            .map(|e| format!("in namespace {}, in {}", e.namespace, e.file))
            .collect();
        if let (false, Namespace::In(ns)) = (elsewhere.is_empty(), ns) {
            let default = if ns == DEFAULT_NAMESPACE {
                ", where `kubectl apply` puts an object without `metadata.namespace`"
            } else {
                ""
            };
            note = format!(
                " in namespace {ns}{default}{note} (found it {}; upstream looks it up in \
                 the namespace of the object naming it)",
                elsewhere.join("; ")
            );
        }
        note + &self.unread_note()
    }

    /// The files holding an object of `kind` named `name` outside `ns` (none for a
    /// cluster-scoped kind), each once, in the order given.
    pub fn files_elsewhere(&self, kind: &str, name: &str, ns: Namespace) -> Vec<&'a str> {
        let mut files: Vec<&'a str> = Vec::new();
        for e in self.elsewhere(kind, name, ns) {
            if !files.contains(&e.file) {
                files.push(e.file);
            }
        }
        files
    }

    /// The objects of `kind` named `name` outside `ns` (none for a cluster-scoped kind).
    fn elsewhere<'s>(
        &'s self,
        kind: &'s str,
        name: &'s str,
        ns: Namespace<'s>,
    ) -> impl Iterator<Item = &'s Entry<'a>> {
        self.docs
            .iter()
            .filter(move |e| e.kind == kind && e.name == name && !in_namespace(e, ns))
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

/// Whether `e` is looked up by a reference into `ns`.
fn in_namespace(e: &Entry, ns: Namespace) -> bool {
    match ns {
        Namespace::In(ns) => e.namespace == ns,
        Namespace::Cluster => true,
    }
}
