//! The files a folder given on the command line stands for: one lister for `check`,
//! `lint` and `import`, each calling it with its own [`Filter`].
//!
//! What every command shares: a path given that is a folder (through a link) stands for
//! the files directly inside it, never its subfolders' (no command has a recursive
//! flag), sorted by name (byte order), so the files, their problems and every message come
//! in the same order on every machine; each file is named `DIR/NAME`, so a problem names
//! the file inside the folder. A folder that cannot be listed in full is told as such
//! rather than read in part. What differs is the [`Filter`]: which names are read, and
//! what counts as a file. Each command words its own problems (an empty folder, an
//! unlisted one), since each says what it looked for.

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

/// One path given, with what it stands for.
#[derive(Debug)]
pub enum Given {
    /// A path that is not a folder: a file to read, as given (reading it tells whether it
    /// exists).
    File(PathBuf),
    /// A folder, with the files [`Filter`] takes in it, `DIR/NAME`, sorted by name, or
    /// why it cannot be listed.
    Folder {
        /// The folder as given.
        path: PathBuf,
        /// Its files, or why they cannot be listed.
        files: io::Result<Vec<PathBuf>>,
    },
}

/// Every path of `given`, in order, each folder listed with `filter`.
pub fn expand(given: &[PathBuf], filter: Filter) -> Vec<Given> {
    given
        .iter()
        .map(|path| {
            if path.is_dir() {
                Given::Folder {
                    path: path.clone(),
                    files: list(path, filter),
                }
            } else {
                Given::File(path.clone())
            }
        })
        .collect()
}

/// The entries of `dir` that `filter` takes, as `dir/NAME`, sorted by name.
fn list(dir: &Path, filter: Filter) -> io::Result<Vec<PathBuf>> {
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
    Ok(names.into_iter().map(|n| dir.join(n)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name; the filters below differ only in the kind.
    fn any(_: &OsStr) -> bool {
        true
    }

    fn listed(dir: &Path, kind: Kind) -> Vec<String> {
        let files = list(dir, Filter { name: any, kind }).unwrap();
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

    #[test]
    fn a_folder_stands_for_its_files_in_its_place() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("k8s");
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("a.yaml"), "").unwrap();
        fs::write(dir.join("notes.md"), "").unwrap();
        let yaml = Filter {
            name: |n| n.to_string_lossy().ends_with(".yaml"),
            kind: Kind::RegularFile,
        };
        let given = expand(&[PathBuf::from("x.yaml"), dir.clone()], yaml);
        assert!(matches!(&given[0], Given::File(p) if p == Path::new("x.yaml")));
        match &given[1] {
            Given::Folder { path, files } => {
                assert_eq!(path, &dir);
                assert_eq!(files.as_ref().unwrap(), &[dir.join("a.yaml")]);
            }
            other => panic!("{other:?}"),
        }
    }
}
