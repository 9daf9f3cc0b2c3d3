//! What mapping an object needs beside its draft, shared by the Rollout, analysis and
//! Canary mappers: the documents of every file given (a Rollout's templates and
//! `workloadRef`, a Canary's `targetRef`), the import's options, and the file being
//! mapped, for messages that tell how to give what is missing, and the namespace of the
//! object being mapped, where its references are looked up ([`super::library`]).

use super::library::Namespace;
use super::{Library, Options};

/// What a mapper needs beside the draft.
#[derive(Clone, Copy)]
pub struct Context<'l, 'a> {
    /// The documents of the files given.
    pub lib: &'l Library<'a>,
    /// The import's options.
    pub opts: &'l Options,
    /// The file of the object being mapped, as messages name it.
    pub file: &'l str,
    /// The namespace of the object being mapped ([`super::library::namespace_of`]).
    pub namespace: &'l str,
}

impl Context<'_, '_> {
    /// Where a reference of the object being mapped to a namespaced kind looks.
    pub fn own_namespace(&self) -> Namespace<'_> {
        Namespace::In(self.namespace)
    }

    /// How to give a document found in none of the files given (`missing`, a placeholder
    /// for its file: `DEPLOYMENT.yaml`), as the command can: `import` takes several files,
    /// but a command given a manifest as its scenario (`run`, `check`, …) reads that one
    /// file, so there it goes into the same file or both are imported first.
    pub fn how_to_give(&self, missing: &str) -> String {
        let file = self.file;
        if self.opts.run_with_overrides {
            format!(
                "put it in {file} as another YAML document (after a `---` line), or import \
                 both files first, `rollout-sim import {file} {missing} --out scenario.yaml`, \
                 and give scenario.yaml"
            )
        } else {
            format!("give its file too: `rollout-sim import {file} {missing}`")
        }
    }

    /// How to give an object of `kind` named `name` that the object being mapped refers
    /// to in its own namespace and that is in none of the files given there: where files
    /// hold one of that name in another namespace, most likely an object written without
    /// `metadata.namespace` for `kubectl apply -n NS`, first how to say where it is
    /// applied; then [`Context::how_to_give`].
    pub fn how_to_find(&self, kind: &str, name: &str, missing: &str) -> String {
        let ns = self.namespace;
        let files = self.lib.files_elsewhere(kind, name, self.own_namespace());
        let give = self.how_to_give(missing);
        if files.is_empty() {
            return give;
        }
        format!(
            "if {kind} `{name}` is applied in namespace {ns} (`kubectl apply -n {ns}` puts an \
             object without `metadata.namespace` there), write `namespace: {ns}` under its \
             `metadata` in {}; otherwise {give}",
            files.join(", ")
        )
    }
}
