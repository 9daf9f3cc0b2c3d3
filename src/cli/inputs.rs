//! The files a command reads, so that none of its outputs lands on one of them.
//!
//! Every file option (`--junit`, `--trace`, `calibrate --out`, `import --out`) is checked
//! against the command's inputs before any work: writing it would replace a scenario, a
//! data file or a timeline the command was given, and the user would find their input
//! gone. "The same file" is decided on the file's identity (device and inode on Unix), so
//! another spelling of the path, a symbolic link or a hard link to an input is refused
//! too; an output that does not exist yet is no input. An output folder is refused when an
//! input lies inside it, since a run replaces its folder as a whole.

use crate::output::folder::split;
use crate::scenario::limits::{MAX_DEPTH, MAX_SCENARIO_BYTES};
use crate::scenario::{Format, Override, user_file};
use std::path::{Path, PathBuf};

/// One file a command reads.
#[derive(Debug, Clone)]
struct Input {
    path: PathBuf,
    /// What it is, for messages: "the scenario", "a data file of s.yaml", …
    what: String,
}

/// The files a command reads.
#[derive(Debug, Clone, Default)]
pub struct Inputs(Vec<Input>);

impl Inputs {
    /// No input yet.
    pub fn new() -> Inputs {
        Inputs::default()
    }

    /// `path`, described as `what`.
    pub fn add(&mut self, path: &Path, what: impl Into<String>) {
        self.0.push(Input {
            path: path.to_path_buf(),
            what: what.into(),
        });
    }

    /// The scenario file `path` and the data files it names (`empirical: {file}`,
    /// `traffic.profile.file`), in the file or in `overrides`: every string under a key
    /// `file`, relative to the scenario's folder. Call it once the scenario loaded.
    pub fn scenario(&mut self, path: &Path, overrides: &[Override]) {
        self.add(path, "the scenario");
        let base = path.parent().unwrap_or(Path::new(""));
        let mut named = Vec::new();
        if let Ok(bytes) = user_file::read(path, MAX_SCENARIO_BYTES)
            && let Ok(text) = String::from_utf8(bytes)
            && let Some(tree) = parse(&text, Format::from_path(path).unwrap_or(Format::Yaml))
        {
            files_in(&tree, 0, &mut named);
        }
        for o in overrides {
            if o.path == "file" || o.path.ends_with(".file") {
                named.push(match parse(&o.value, Format::Yaml) {
                    Some(serde_json::Value::String(s)) => s,
                    _ => o.value.clone(),
                });
            } else if let Some(tree) = parse(&o.value, Format::Yaml) {
                files_in(&tree, 0, &mut named);
            }
        }
        for name in named {
            self.add(
                &base.join(&name),
                format!("a data file named by {} (`file: {name}`)", path.display()),
            );
        }
    }

    /// Refuses `out`, given as `flag`, when it is one of the inputs (the same file, by any
    /// path). An `out` that does not exist is none of them.
    pub fn check_file(&self, flag: &str, out: &Path) -> anyhow::Result<()> {
        match self.same_as(out) {
            Some(input) => anyhow::bail!(
                "{flag} {}: that is an input of this command ({input}); writing there would \
                 replace it: name another file",
                out.display()
            ),
            None => Ok(()),
        }
    }

    /// The input that `out` is (the same file, by any path), described for messages.
    pub fn same_as(&self, out: &Path) -> Option<String> {
        let id = identity(out)?;
        self.0
            .iter()
            .find(|i| identity(&i.path).as_ref() == Some(&id))
            .map(|i| format!("{}: {}", i.what, i.path.display()))
    }

    /// Refuses the output folder `dir` (named in messages as `flag`) when an input lies
    /// inside it: the folder is replaced as a whole, and the input would go with it.
    pub fn check_folder(&self, flag: &str, dir: &Path) -> anyhow::Result<()> {
        match self.inside(dir) {
            Some(input) => anyhow::bail!(
                "{flag}: {} holds an input of this command ({input}), and the folder is \
                 replaced as a whole: it would be deleted; choose another --out (a new or \
                 empty folder)",
                dir.display(),
            ),
            None => Ok(()),
        }
    }

    /// The first input inside the folder `dir` (at any depth), described for messages.
    pub fn inside(&self, dir: &Path) -> Option<String> {
        let root = dir.canonicalize().ok()?;
        self.0.iter().find_map(|input| {
            // The file itself, and the link to it where the input is a symbolic link.
            let canonical = input.path.canonicalize().ok();
            let lexical = split(&input.path)
                .ok()
                .and_then(|(p, n)| p.canonicalize().ok().map(|p| p.join(n)));
            [canonical, lexical]
                .iter()
                .flatten()
                .any(|p| p.starts_with(&root) && p.exists())
                .then(|| format!("{}: {}", input.what, input.path.display()))
        })
    }
}

/// The tree of `text` in `format`, if it parses.
fn parse(text: &str, format: Format) -> Option<serde_json::Value> {
    match format {
        Format::Yaml => serde_saphyr::from_str(text).ok(),
        Format::Json => serde_json::from_str(text).ok(),
    }
}

/// Every string under a key `file` in `tree`, searched as deep as the loader reads.
fn files_in(tree: &serde_json::Value, depth: usize, found: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    match tree {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match v {
                    serde_json::Value::String(s) if k == "file" => found.push(s.clone()),
                    _ => files_in(v, depth + 1, found),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for v in items {
                files_in(v, depth + 1, found);
            }
        }
        _ => {}
    }
}

/// Whether `a` and `b` name the same existing file, by any path (`s.yaml`, `./s.yaml`, a
/// link).
pub fn same_file(a: &Path, b: &Path) -> bool {
    identity(a).is_some_and(|id| identity(b) == Some(id))
}

/// What makes two paths the same file: the device and inode (through symbolic links).
#[cfg(unix)]
fn identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Elsewhere, the canonical path.
#[cfg(not(unix))]
fn identity(path: &Path) -> Option<PathBuf> {
    path.canonicalize().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn an_output_over_an_input_is_refused_by_any_path() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::write(
            dir.join("s.yaml"),
            "service:\n  versions:\n    next: {pull: {empirical: {file: pulls.csv, column: t}}}\n",
        )
        .unwrap();
        fs::write(dir.join("pulls.csv"), "t\n1\n").unwrap();
        fs::write(dir.join("rate.csv"), "t,rps\n0,1\n").unwrap();
        fs::create_dir(dir.join("sub")).unwrap();
        let mut inputs = Inputs::new();
        let set: Override = "traffic.profile.file=rate.csv".parse().unwrap();
        inputs.scenario(&dir.join("s.yaml"), &[set]);
        let refused = |p: &Path| inputs.check_file("--junit", p).unwrap_err().to_string();
        assert!(refused(&dir.join("s.yaml")).contains("an input of this command (the scenario: "));
        assert!(refused(&dir.join("sub/../s.yaml")).contains("s.yaml"));
        assert!(refused(&dir.join("pulls.csv")).contains("`file: pulls.csv`"));
        assert!(refused(&dir.join("rate.csv")).contains("`file: rate.csv`"));
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.join("s.yaml"), dir.join("link.yaml")).unwrap();
            assert!(refused(&dir.join("link.yaml")).contains("s.yaml"));
            fs::hard_link(dir.join("s.yaml"), dir.join("hard.yaml")).unwrap();
            assert!(refused(&dir.join("hard.yaml")).contains("s.yaml"));
        }
        inputs.check_file("--junit", &dir.join("new.xml")).unwrap();
        fs::write(dir.join("other.xml"), "").unwrap();
        inputs
            .check_file("--junit", &dir.join("other.xml"))
            .unwrap();
        let err = inputs.check_folder("--out", dir).unwrap_err().to_string();
        assert!(
            err.contains("holds an input of this command (the scenario: "),
            "{err}"
        );
        inputs.check_folder("--out", &dir.join("missing")).unwrap();
        fs::create_dir(dir.join("out")).unwrap();
        inputs.check_folder("--out", &dir.join("out")).unwrap();
    }
}
