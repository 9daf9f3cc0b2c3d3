//! Run folders that appear whole: a run owns its output folder.
//!
//! Every file of a run (`trials.csv`, `summary.json`, `timeline.csv`, a trace asked for
//! inside the folder) is written into a fresh hidden sibling, `.<name>.rollout-sim-tmp-<pid>`,
//! and only when all of them are on disk is the sibling swapped in: the previous folder is
//! renamed to `.<name>.rollout-sim-old-<pid>`, the new one renamed to `<name>`, and the old
//! one deleted. A reader therefore sees the previous run's folder or this run's, never a
//! mix (a new `trials.csv` beside an old `summary.json`, or an old `timeline.csv` beside
//! new results); a kill between the two renames leaves no folder under the final name,
//! never a lying one. Leftovers of killed runs carry the process id in their name, and the
//! next run into the same folder deletes those whose process is gone.
//!
//! Which folders a run may replace is [`super::replaceable`]'s to say.

use super::atomic::sync_dir;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

/// The part of a staging or retired folder's name after `.<name>`.
const TMP: &str = ".rollout-sim-tmp-";
const OLD: &str = ".rollout-sim-old-";

/// The parent (`.` for a bare name) and the file name of `dir` (or of a file).
pub(crate) fn split(dir: &Path) -> io::Result<(PathBuf, OsString)> {
    let name = match dir.components().next_back() {
        Some(Component::Normal(n)) => n.to_os_string(),
        _ => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} does not name a folder (it ends in `..`, `.` or a root)",
                    dir.display()
                ),
            ));
        }
    };
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

fn sibling(parent: &Path, name: &OsString, infix: &str, pid: u32) -> PathBuf {
    let mut n = OsString::from(".");
    n.push(name);
    n.push(format!("{infix}{pid}"));
    parent.join(n)
}

/// A run folder being written: files go into the staging sibling until [`Staging::commit`].
///
/// Dropped without a commit (an error on the way), it deletes the staging folder.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    parent: PathBuf,
    name: OsString,
    tmp: PathBuf,
    committed: bool,
}

impl Staging {
    /// Delete leftovers of killed runs into `dir`, then create a fresh staging folder.
    /// Call [`check_replaceable`](super::replaceable::check_replaceable) first.
    pub fn begin(dir: &Path) -> io::Result<Staging> {
        let (parent, name) = split(dir)?;
        fs::create_dir_all(&parent)?;
        remove_leftovers(&parent, &name);
        let tmp = sibling(&parent, &name, TMP, std::process::id());
        fs::create_dir(&tmp)?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            parent,
            name,
            tmp,
            committed: false,
        })
    }

    /// The staging folder (where the files are while the run is not committed).
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Write `bytes` to `relative` inside the run folder (parents created), synced to disk.
    pub fn write(&self, relative: &Path, bytes: &[u8]) -> io::Result<()> {
        let path = self.tmp.join(relative);
        if let Some(p) = path.parent() {
            fs::create_dir_all(p)?;
        }
        let mut f = File::create(&path)?;
        f.write_all(bytes)?;
        f.sync_all()
    }

    /// Write every `(name, bytes)` of `files`, then [`Staging::commit`]: the outputs appear
    /// together or not at all. The error names the file (under `out`, the final folder)
    /// that could not be written.
    pub fn publish(self, out: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
        for (name, bytes) in files {
            self.write(Path::new(name), bytes).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("cannot write {}: {e}", out.join(name).display()),
                )
            })?;
        }
        self.commit().map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("cannot move the results into {}: {e}", out.display()),
            )
        })
    }

    /// Swap the staging folder in under the final name, replacing any previous folder.
    pub fn commit(mut self) -> io::Result<()> {
        sync_dir(&self.tmp);
        let old = sibling(&self.parent, &self.name, OLD, std::process::id());
        let had_old = match fs::symlink_metadata(&self.dir) {
            Ok(_) => {
                fs::rename(&self.dir, &old)?;
                true
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(e),
        };
        if let Err(e) = fs::rename(&self.tmp, &self.dir) {
            if had_old {
                // Put the previous run back rather than leave no folder at all.
                let _ = fs::rename(&old, &self.dir);
            }
            return Err(e);
        }
        self.committed = true;
        sync_dir(&self.parent);
        if had_old {
            fs::remove_dir_all(&old)?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Delete `.<name>.rollout-sim-{tmp,old}-<pid>` beside the folder for every `pid` that is
/// no longer running. Best effort: a leftover that cannot be deleted stays hidden.
fn remove_leftovers(parent: &Path, name: &OsString) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let mut prefix = OsString::from(".");
    prefix.push(name);
    let prefix = prefix.to_string_lossy().into_owned();
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(prefix.as_str())) else {
            continue;
        };
        let pid = rest
            .strip_prefix(TMP)
            .or_else(|| rest.strip_prefix(OLD))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid
            && !process_alive(pid)
        {
            let _ = fs::remove_dir_all(e.path());
        }
    }
}

/// Whether process `pid` runs (another run writing its own staging folder). Our own pid
/// counts as gone: this process has created no staging folder yet, so one with its number
/// was left by a killed process that had the same pid.
#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 sends nothing; it only asks whether `pid` exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

/// Without a way to ask, only our own pid is known to be gone.
#[cfg(not(unix))]
fn process_alive(pid: u32) -> bool {
    pid != std::process::id()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::replaceable::check_replaceable;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    const SUMMARY: &[u8] = br#"{"scenario":"s","trials":1,"seed":1,"outcomes":{},"metrics":{}}"#;

    #[test]
    fn a_commit_replaces_the_whole_previous_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("web");
        let s = Staging::begin(&dir).unwrap();
        s.write(Path::new("summary.json"), SUMMARY).unwrap();
        s.write(Path::new("timeline.csv"), b"old").unwrap();
        s.commit().unwrap();
        check_replaceable(&dir).unwrap();
        let s = Staging::begin(&dir).unwrap();
        s.write(Path::new("summary.json"), SUMMARY).unwrap();
        s.write(Path::new("traces/t.jsonl"), b"{}\n").unwrap();
        s.commit().unwrap();
        assert_eq!(entries(tmp.path()), ["web"]);
        assert_eq!(entries(&dir), ["summary.json", "traces"]);
    }

    #[test]
    fn an_uncommitted_run_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Staging::begin(&tmp.path().join("web")).unwrap();
        s.write(Path::new("trials.csv"), b"x").unwrap();
        drop(s);
        assert!(entries(tmp.path()).is_empty());
    }

    #[test]
    fn leftovers_of_dead_processes_are_removed_and_others_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let own = std::process::id();
        // pid_max on Linux is at most 2^22: this pid cannot exist.
        let dead = 4_194_304 + 17;
        for n in [
            format!(".web.rollout-sim-tmp-{dead}"),
            format!(".web.rollout-sim-old-{own}"),
            format!(".web.rollout-sim-tmp-{}", 1), // init: alive
            format!(".webx.rollout-sim-tmp-{dead}"), // another folder's
        ] {
            fs::create_dir(tmp.path().join(n)).unwrap();
        }
        let s = Staging::begin(&tmp.path().join("web")).unwrap();
        let mut expected = vec![
            ".web.rollout-sim-tmp-1".to_string(),
            format!(".web.rollout-sim-tmp-{own}"),
            format!(".webx.rollout-sim-tmp-{dead}"),
        ];
        expected.sort();
        assert_eq!(entries(tmp.path()), expected);
        drop(s);
    }
}
