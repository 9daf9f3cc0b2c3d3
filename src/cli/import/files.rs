//! The files `import` reads, from the paths given on its command line.
//!
//! A folder stands for its manifests, read as `kubectl apply -f DIR` reads a folder
//! (kubernetes/cli-runtime `pkg/resource/visitor.go`, `ExpandPathsToFileVisitors` and
//! `ignoreFile`, without `-R`): the entries whose name ends in `.json`, `.yaml` or `.yml`
//! (hidden files included: kubectl skips none), not its subfolders, in the order of their
//! names (`filepath.Walk` sorts them). Each is then imported exactly as if it had been
//! given by itself, under the path `DIR/NAME`, so every problem names the file inside the
//! folder. Two departures, shared with `check` and `lint`. The extension is matched in any
//! case (`WEB.YAML`, `b.Yml`), where kubectl compares it case-sensitively: the file is
//! read when named, so a folder reads it too. And a file named only an extension
//! (`.yaml`, which kubectl reads, Go's `filepath.Ext` taking the whole name) is a tool's
//! leftover more likely than a manifest, so it is not read, and said so on stderr (in the
//! folder's own problem when it holds no other manifest); given by name, it is imported.
//!
//! One file given twice (`a.yaml ./a.yaml`, a link, or a file also in a folder given) is
//! refused as `compare` refuses one scenario given twice: both spellings are named, and
//! the file is read once, so nothing else is reported twice.

use crate::cli::input_folders::{self, Entry as Listed, Filter, Kind};
use crate::scenario::ScenarioError;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The extensions of the files read in a folder, as kubectl's `FileExtensions`.
pub const EXTENSIONS: [&str; 3] = ["json", "yaml", "yml"];

/// One path to import, in the order given, or a problem in its place among them.
#[derive(Debug)]
pub enum Entry {
    /// A file to read (which may turn out to be unreadable).
    File {
        /// The path as given, or `DIR/NAME` for a file in the folder `DIR`.
        path: PathBuf,
    },
    /// A folder that cannot be listed: it may hold manifests, so it stands for a file that
    /// could not be read (what it may hold is not claimed missing).
    Unlisted {
        /// The folder as given.
        path: PathBuf,
        /// Why it cannot be listed.
        error: ScenarioError,
    },
    /// What is wrong with a path given, told in its place: a folder holding no manifest,
    /// or a file (folder) given twice.
    Problem(String),
    /// A file of a folder given that is not read, its name being only an extension
    /// (`k8s/.yaml`), though `kubectl apply -f k8s/` reads it: told on stderr.
    Skipped(PathBuf),
}

impl Entry {
    /// The path read for this entry (`None` for a problem): one input of the import.
    pub fn input(&self) -> Option<&Path> {
        match self {
            Entry::File { path, .. } | Entry::Unlisted { path, .. } => Some(path),
            Entry::Problem(_) | Entry::Skipped(_) => None,
        }
    }

    /// The problem this entry is, if it is one.
    pub fn problem(&self) -> Option<&str> {
        match self {
            Entry::Problem(p) => Some(p),
            _ => None,
        }
    }

    /// The note on stderr this entry is, if it is a file skipped.
    pub fn note(&self) -> Option<String> {
        let Entry::Skipped(path) = self else {
            return None;
        };
        let shown = path.display();
        let folder = path
            .parent()
            .map_or(String::new(), |p| p.display().to_string());
        Some(format!(
            "skipped: {shown}: in a folder, a file named only an extension is not read \
             (`kubectl apply -f {folder}` reads it): give it by name to import it"
        ))
    }
}

/// The entries of `given`, in order: each file, each folder's manifests sorted by name,
/// and what is wrong with a path in its place.
pub fn expand(given: &[PathBuf]) -> Vec<Entry> {
    let listed = input_folders::entries(given, KUBECTL);
    let skipped: Vec<PathBuf> = listed
        .iter()
        .filter_map(|e| match e {
            Listed::Skipped(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    // A folder holding only a file named `.yaml` says so with its problem, and not again
    // in a note (notes are told before the problems of an import that fails).
    let empty: Vec<PathBuf> = listed
        .iter()
        .filter_map(|e| match e {
            Listed::Empty(p) => Some(p.clone()),
            _ => None,
        })
        .collect();
    let passed_over = |folder: &Path| {
        let names: Vec<String> = skipped
            .iter()
            .filter(|p| p.parent() == Some(folder))
            .map(|p| p.display().to_string())
            .collect();
        if names.is_empty() {
            return String::new();
        }
        format!(
            "; {} is passed over, its name being only an extension: give it by name to \
             import it",
            names.join(", ")
        )
    };
    listed
        .into_iter()
        .map(|entry| match entry {
            Listed::File { path, .. } => Entry::File { path },
            Listed::Unlisted { path, error } => Entry::Unlisted {
                error: ScenarioError::file(
                    path.display().to_string(),
                    format!("cannot list the folder: {error}"),
                ),
                path,
            },
            Listed::Empty(path) => Entry::Problem(format!(
                "{}: no {} file in this folder (its subfolders are not read, as `kubectl \
                 apply -f` without -R reads none){}",
                path.display(),
                extensions(),
                passed_over(&path)
            )),
            Listed::Again(problem) => Entry::Problem(problem),
            Listed::Skipped(path) => Entry::Skipped(path),
        })
        .filter(|entry| match entry {
            Entry::Skipped(p) => !empty.iter().any(|e| p.parent() == Some(e.as_path())),
            _ => true,
        })
        .collect()
}

/// `.json, .yaml or .yml`, for messages.
fn extensions() -> String {
    let [a, b, c] = EXTENSIONS;
    format!(".{a}, .{b} or .{c}")
}

/// The entries of a folder that kubectl reads: every entry but a folder (a link is the
/// file it points to, whatever that is, as for kubectl) whose name ends in one of
/// [`EXTENSIONS`] after its last dot.
const KUBECTL: Filter = Filter {
    name: is_manifest_name,
    kind: Kind::NotFolder,
};

/// Whether a file of this name is read: Go's `filepath.Ext`, what follows the last dot,
/// even in a name that starts with it (`.yaml`, which the lister then passes over), is
/// one of [`EXTENSIONS`], in any case (kubectl compares it case-sensitively and skips
/// `WEB.YAML`; `import WEB.YAML`, `check` and `lint` read it, so a folder does too).
fn is_manifest_name(name: &OsStr) -> bool {
    input_folders::has_input_extension(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn files(entries: &[Entry]) -> Vec<String> {
        entries
            .iter()
            .map(|e| match e {
                Entry::File { path, .. } => path.display().to_string(),
                Entry::Unlisted { error, .. } => error.to_string(),
                Entry::Problem(p) => p.clone(),
                Entry::Skipped(_) => e.note().unwrap(),
            })
            .collect()
    }

    /// kubectl's rule: the three extensions (in any case, unlike kubectl), hidden files
    /// too, no subfolder (even one named like a manifest), sorted by name; but a file named
    /// only an extension (`.yaml`) is passed over, and told.
    #[test]
    fn a_folder_is_read_as_kubectl_reads_it() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("k8s");
        fs::create_dir_all(dir.join("sub.yaml")).unwrap();
        for name in [
            "b.yml",
            "a.yaml",
            "c.json",
            ".hidden.yaml",
            ".yaml",
            "D.YAML",
            "notes.md",
            "yaml",
        ] {
            fs::write(dir.join(name), "").unwrap();
        }
        fs::write(dir.join("sub.yaml/inner.yaml"), "").unwrap();
        let d = dir.display();
        let mut expected = [".hidden.yaml", "D.YAML", "a.yaml", "b.yml", "c.json"]
            .map(|n| format!("{d}/{n}"))
            .to_vec();
        expected.push(format!(
            "skipped: {d}/.yaml: in a folder, a file named only an extension is not read \
             (`kubectl apply -f {d}` reads it): give it by name to import it"
        ));
        assert_eq!(files(&expand(std::slice::from_ref(&dir))), expected);
    }

    #[test]
    fn a_folder_with_no_manifest_is_a_problem_naming_the_extensions() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join("notes.txt"), "").unwrap();
        let entries = expand(&[tmp.path().to_path_buf()]);
        assert_eq!(
            files(&entries),
            [format!(
                "{}: no .json, .yaml or .yml file in this folder (its subfolders are not read, \
                 as `kubectl apply -f` without -R reads none)",
                tmp.path().display()
            )]
        );
        assert_eq!(entries[0].input(), None);
    }
}
