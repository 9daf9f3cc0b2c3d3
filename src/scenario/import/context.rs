//! What mapping an object needs beside its draft, shared by the Rollout, analysis and
//! Canary mappers: the documents of every file given (a Rollout's templates and
//! `workloadRef`, a Canary's `targetRef`), the import's options, and the file being
//! mapped, for messages that tell how to give what is missing.

use super::{Library, Options};

/// What a mapper needs beside the draft.
pub struct Context<'l, 'a> {
    /// The documents of the files given.
    pub lib: &'l Library<'a>,
    /// The import's options.
    pub opts: &'l Options,
    /// The file of the object being mapped, as messages name it.
    pub file: &'l str,
}

impl Context<'_, '_> {
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
}
