//! The files `import` reads, from the paths given on its command line.
//!
//! A folder stands for its manifests, read as `kubectl apply -f DIR` reads a folder
//! (kubernetes/cli-runtime `pkg/resource/visitor.go`, `ExpandPathsToFileVisitors` and
//! `ignoreFile`, without `-R`): the entries whose name ends in `.json`, `.yaml` or `.yml`
//! (case-sensitive, hidden files included: kubectl skips neither), not its subfolders, in
//! the order of their names (`filepath.Walk` sorts them). Each is then imported exactly as
//! if it had been given by itself, under the path `DIR/NAME`, so every problem names the
//! file inside the folder.
//!
//! One file given twice (`a.yaml ./a.yaml`, a link, or a file also in a folder given) is
//! refused as `compare` refuses one scenario given twice: both spellings are named, and
//! the file is read once, so nothing else is reported twice.

use crate::cli::input_folders::{self, Filter, Given, Kind};
use crate::cli::inputs::same_file;
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
        /// The folder given that the file was found in.
        folder: Option<PathBuf>,
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
}

impl Entry {
    /// The path read for this entry (`None` for a problem): one input of the import.
    pub fn input(&self) -> Option<&Path> {
        match self {
            Entry::File { path, .. } | Entry::Unlisted { path, .. } => Some(path),
            Entry::Problem(_) => None,
        }
    }

    /// The problem this entry is, if it is one.
    pub fn problem(&self) -> Option<&str> {
        match self {
            Entry::Problem(p) => Some(p),
            _ => None,
        }
    }
}

/// The entries of `given`, in order: each file, each folder's manifests sorted by name,
/// and what is wrong with a path in its place.
pub fn expand(given: &[PathBuf]) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut folders: Vec<PathBuf> = Vec::new();
    for given in input_folders::expand(given, KUBECTL) {
        let (path, files) = match given {
            Given::File(path) => {
                push_file(&mut entries, path, None);
                continue;
            }
            Given::Folder { path, files } => (path, files),
        };
        if let Some(first) = folders.iter().find(|f| same_file(f, &path)) {
            entries.push(Entry::Problem(format!(
                "{} and {} are the same folder: give each folder once",
                first.display(),
                path.display()
            )));
            continue;
        }
        match files {
            Err(e) => entries.push(Entry::Unlisted {
                path: path.clone(),
                error: ScenarioError::file(
                    path.display().to_string(),
                    format!("cannot list the folder: {e}"),
                ),
            }),
            Ok(files) if files.is_empty() => entries.push(Entry::Problem(format!(
                "{}: no {} file in this folder (its subfolders are not read, as `kubectl \
                 apply -f` without -R reads none)",
                path.display(),
                extensions()
            ))),
            Ok(files) => {
                for file in files {
                    push_file(&mut entries, file, Some(path.clone()));
                }
            }
        }
        folders.push(path);
    }
    entries
}

/// `.json, .yaml or .yml`, for messages.
fn extensions() -> String {
    let [a, b, c] = EXTENSIONS;
    format!(".{a}, .{b} or .{c}")
}

/// Adds the file `path` (found in `folder`), or, when an earlier entry is the same file
/// by any path, the problem naming both.
fn push_file(entries: &mut Vec<Entry>, path: PathBuf, folder: Option<PathBuf>) {
    let earlier = entries.iter().find_map(|e| match e {
        Entry::File { path: p, folder: f } if same_file(p, &path) => Some(shown(p, f.as_deref())),
        _ => None,
    });
    match earlier {
        Some(first) => entries.push(Entry::Problem(format!(
            "{first} and {} are the same file: give each file once",
            shown(&path, folder.as_deref())
        ))),
        None => entries.push(Entry::File { path, folder }),
    }
}

/// The file `path` for messages, with the folder given it was found in.
fn shown(path: &Path, folder: Option<&Path>) -> String {
    match folder {
        Some(folder) => format!("{} (in the folder {})", path.display(), folder.display()),
        None => path.display().to_string(),
    }
}

/// The entries of a folder that kubectl reads: every entry but a folder (a link is the
/// file it points to, whatever that is, as for kubectl) whose name ends in one of
/// [`EXTENSIONS`] after its last dot.
const KUBECTL: Filter = Filter {
    name: is_manifest_name,
    kind: Kind::NotFolder,
};

/// Whether kubectl reads a file of this name: Go's `filepath.Ext`, what follows the last
/// dot, even in a name that starts with it (`.yaml` is read), is one of [`EXTENSIONS`].
fn is_manifest_name(name: &OsStr) -> bool {
    name.to_string_lossy()
        .rsplit_once('.')
        .is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
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
            })
            .collect()
    }

    /// kubectl's rule: the three extensions, case-sensitive, hidden files too (even one
    /// named `.yaml`), no subfolder (even one named like a manifest), sorted by name.
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
        assert_eq!(
            files(&expand(std::slice::from_ref(&dir))),
            [".hidden.yaml", ".yaml", "a.yaml", "b.yml", "c.json"].map(|n| format!("{d}/{n}"))
        );
    }

    #[test]
    fn a_file_or_folder_given_twice_is_told_with_both_spellings() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("k8s");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("a.yaml"), "").unwrap();
        let d = dir.display();
        let entries = expand(&[
            dir.join("a.yaml"),
            dir.join("../k8s/a.yaml"),
            dir.clone(),
            tmp.path().join("k8s/"),
        ]);
        assert_eq!(
            files(&entries),
            [
                format!("{d}/a.yaml"),
                format!("{d}/a.yaml and {d}/../k8s/a.yaml are the same file: give each file once"),
                format!(
                    "{d}/a.yaml and {d}/a.yaml (in the folder {d}) are the same file: give each \
                     file once"
                ),
                format!("{d} and {d}/ are the same folder: give each folder once"),
            ]
        );
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
