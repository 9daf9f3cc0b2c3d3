//! The files a folder given on the command line stands for: one lister for `check`,
//! `lint` and `import`, each calling it with its own [`Filter`].
//!
//! What every command shares: a path given that is a folder (through a link) stands for
//! the files directly inside it, never its subfolders' (no command has a recursive
//! flag), sorted by name (byte order), so the files, their problems and every message come
//! in the same order on every machine; each file is named `DIR/NAME`, so a problem names
//! the file inside the folder. A folder that cannot be listed in full is told as such
//! rather than read in part. A file or folder given twice, by any path (as `compare`
//! refuses one scenario given twice), is read once and told with both spellings: `check
//! s.yaml ./s.yaml` would otherwise run and report the same scenario twice. A file in a
//! folder whose name is only an extension (`.yaml`, `.yml`, `.json`: a hidden file with no
//! name, a tool's leftover rather than a scenario or manifest someone wrote) is passed over
//! by every command, and listed as [`Entry::Skipped`] for a command to tell; given by name
//! it is read as any file. What differs is the [`Filter`]: which names are read, and what
//! counts as a file. Each command words its own problems (an empty folder, an unlisted
//! one), since each says what it looked for.

use crate::cli::inputs::same_file;
use crate::scenario::Format;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Which entries of a folder a command reads.
#[derive(Debug, Clone, Copy)]
pub struct Filter {
    /// Whether an entry of this name is read (the name alone, without the folder).
    pub name: fn(&OsStr) -> bool,
    /// Which entries are files.
    pub kind: Kind,
}

/// What counts as a file in a folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Every entry but a folder, a symbolic link taken as itself (`kubectl apply -f DIR`:
    /// `filepath.Walk` uses `Lstat`, so a link, even to a folder or to nothing, is a file
    /// to read, and reading it tells what is wrong).
    NotFolder,
    /// A regular file, through links: a folder, a dangling link, a FIFO or a socket is
    /// passed over (`check DIR` and `lint DIR` read scenarios, and such an entry is none).
    RegularFile,
}

/// One file to read, or what is wrong with a path given, in the order given.
#[derive(Debug)]
pub enum Entry {
    /// A file to read (reading it tells whether it exists): a path given that is no
    /// folder, or `DIR/NAME` for a file the filter takes in the folder `DIR` given.
    File {
        /// The path as given, or `DIR/NAME`.
        path: PathBuf,
        /// The folder given that the file was found in.
        folder: Option<PathBuf>,
    },
    /// A folder given that cannot be listed in full.
    Unlisted {
        /// The folder as given.
        path: PathBuf,
        /// Why it cannot be listed.
        error: io::Error,
    },
    /// A folder given in which the filter takes no file.
    Empty(PathBuf),
    /// A file or folder given again (`a.yaml ./a.yaml`, a link, a file also in a folder
    /// given): the message names both spellings. It is read once, so nothing it holds is
    /// reported, or run, twice.
    Again(String),
    /// `DIR/NAME`, a file the filter takes in a folder given, passed over because its
    /// name is only an extension (`.yaml`): it comes after the folder's files.
    Skipped(PathBuf),
}

/// Every path of `given`, in order, each folder standing for the files `filter` takes in
/// it, and each file or folder met a second time (by any path) told as [`Entry::Again`].
pub fn entries(given: &[PathBuf], filter: Filter) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut folders: Vec<PathBuf> = Vec::new();
    for path in given {
        if !path.is_dir() {
            push_file(&mut entries, path.clone(), None);
            continue;
        }
        if let Some(first) = folders.iter().find(|f| same_file(f, path)) {
            entries.push(Entry::Again(format!(
                "{} and {} are the same folder: give each folder once",
                first.display(),
                path.display()
            )));
            continue;
        }
        match list(path, filter) {
            Err(error) => entries.push(Entry::Unlisted {
                path: path.clone(),
                error,
            }),
            Ok((files, skipped)) => {
                if files.is_empty() {
                    entries.push(Entry::Empty(path.clone()));
                }
                for file in files {
                    push_file(&mut entries, file, Some(path.clone()));
                }
                entries.extend(skipped.into_iter().map(Entry::Skipped));
            }
        }
        folders.push(path.clone());
    }
    entries
}

/// Adds the file `path` (found in `folder`), or, when an earlier entry is the same file
/// by any path, the problem naming both.
fn push_file(entries: &mut Vec<Entry>, path: PathBuf, folder: Option<PathBuf>) {
    let earlier = entries.iter().find_map(|e| match e {
        Entry::File { path: p, folder: f } if same_file(p, &path) => Some(shown(p, f.as_deref())),
        _ => None,
    });
    match earlier {
        Some(first) => entries.push(Entry::Again(format!(
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

/// Whether a file of this name is a scenario or manifest by its extension: `.yaml`,
/// `.yml` or `.json` in any case (`WEB.YAML`, `b.Yml`), what follows the last dot, as a
/// file given by name is read ([`Format::from_path`]). Every command's filter reads
/// names through it, so a folder stands for the files each would read by name.
pub fn has_input_extension(name: &OsStr) -> bool {
    Format::from_path(Path::new(name)).is_some()
}

/// Whether a name is only an extension (`.yaml`): nothing before its one dot.
fn only_extension(name: &OsStr) -> bool {
    name.to_string_lossy()
        .rsplit_once('.')
        .is_some_and(|(stem, _)| stem.is_empty())
}

/// The entries of `dir` that `filter` takes, as `dir/NAME`, sorted by name: those read,
/// and those passed over as [`only_extension`].
fn list(dir: &Path, filter: Filter) -> io::Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        if !(filter.name)(&name) {
            continue;
        }
        let file = match filter.kind {
            Kind::NotFolder => !entry.file_type()?.is_dir(),
            // `metadata` follows links; a dangling one is no file.
            Kind::RegularFile => fs::metadata(entry.path()).is_ok_and(|m| m.is_file()),
        };
        if file {
            names.push(name);
        }
    }
    names.sort();
    let (skipped, read): (Vec<_>, Vec<_>) = names.into_iter().partition(|n| only_extension(n));
    let paths = |names: Vec<std::ffi::OsString>| names.into_iter().map(|n| dir.join(n)).collect();
    Ok((paths(read), paths(skipped)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name; the filters below differ only in the kind.
    fn any(_: &OsStr) -> bool {
        true
    }

    fn listed(dir: &Path, kind: Kind) -> Vec<String> {
        let (files, _) = list(dir, Filter { name: any, kind }).unwrap();
        files
            .iter()
            .map(|p| p.strip_prefix(dir).unwrap().display().to_string())
            .collect()
    }

    /// Sorted by name, subfolders never entered; links are files for kubectl's rule, and
    /// only when they lead to a regular file for the other.
    #[test]
    fn the_kind_decides_what_a_file_is() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::create_dir(dir.join("sub")).unwrap();
        for name in ["b", "a", "sub/c"] {
            fs::write(dir.join(name), "").unwrap();
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(dir.join("a"), dir.join("to-file")).unwrap();
            symlink(dir.join("sub"), dir.join("to-folder")).unwrap();
            symlink(dir.join("nothing"), dir.join("dangling")).unwrap();
            assert_eq!(
                listed(dir, Kind::NotFolder),
                ["a", "b", "dangling", "to-file", "to-folder"]
            );
            assert_eq!(listed(dir, Kind::RegularFile), ["a", "b", "to-file"]);
        }
        #[cfg(not(unix))]
        assert_eq!(listed(dir, Kind::RegularFile), ["a", "b"]);
    }

    const YAML: Filter = Filter {
        name: |n| n.to_string_lossy().ends_with(".yaml"),
        kind: Kind::RegularFile,
    };

    #[test]
    fn a_folder_stands_for_its_files_in_its_place() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("k8s");
        let empty = tmp.path().join("empty");
        fs::create_dir(&dir).unwrap();
        fs::create_dir(&empty).unwrap();
        fs::write(dir.join("a.yaml"), "").unwrap();
        fs::write(dir.join("notes.md"), "").unwrap();
        let given = entries(&[PathBuf::from("x.yaml"), dir.clone(), empty.clone()], YAML);
        assert!(
            matches!(&given[0], Entry::File { path, folder: None } if path == Path::new("x.yaml"))
        );
        assert!(matches!(&given[1], Entry::File { path, folder: Some(f) }
            if path == &dir.join("a.yaml") && f == &dir));
        assert!(matches!(&given[2], Entry::Empty(p) if p == &empty));
        assert_eq!(given.len(), 3);
    }

    /// A file given again (by another spelling, or inside a folder given) and a folder
    /// given again are each told once with both spellings, and read once; a missing file
    /// is no file yet, so it is left for reading to tell.
    #[test]
    fn a_file_or_folder_given_twice_is_told_with_both_spellings() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("k8s");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("a.yaml"), "").unwrap();
        let d = dir.display();
        let told: Vec<String> = entries(
            &[
                dir.join("a.yaml"),
                dir.join("../k8s/a.yaml"),
                dir.clone(),
                tmp.path().join("k8s/"),
                dir.join("missing.yaml"),
                dir.join("missing.yaml"),
            ],
            YAML,
        )
        .into_iter()
        .map(|e| match e {
            Entry::File { path, .. } => path.display().to_string(),
            Entry::Again(m) => m,
            other => panic!("{other:?}"),
        })
        .collect();
        assert_eq!(
            told,
            [
                format!("{d}/a.yaml"),
                format!("{d}/a.yaml and {d}/../k8s/a.yaml are the same file: give each file once"),
                format!(
                    "{d}/a.yaml and {d}/a.yaml (in the folder {d}) are the same file: give each \
                     file once"
                ),
                format!("{d} and {d}/ are the same folder: give each folder once"),
                format!("{d}/missing.yaml"),
                format!("{d}/missing.yaml"),
            ]
        );
    }
}
