//! Writing output files so that a reader never sees half of one.
//!
//! A run can be interrupted at any moment (Ctrl-C, an OOM kill, a CI timeout). If
//! `trials.csv` were written in place, an interrupted run would leave a truncated file that
//! looks whole to the next script. Instead the bytes go to a temporary file in the same
//! directory, are flushed to disk, and the temporary file is renamed over the target:
//! `rename` within one file system is atomic, so the target is either the old file or the
//! complete new one.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically, creating missing parent directories.
///
/// The temporary file is `.{name}.tmp-{pid}` next to the target (same directory, hence
/// same file system, so the rename cannot degrade to a copy). It is `fsync`ed before the
/// rename, so after a crash the target never points at unwritten data; on Unix the
/// directory is synced too (best effort), so the rename itself survives a power loss.
/// On failure the temporary file is removed and the target is left untouched.
///
/// Two writers of the same path within one process would share the temporary name; the
/// experiment writes each file from one place, so that does not happen. A temporary file
/// left by a killed earlier run with the same pid is simply overwritten.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    // A rename replaces whatever has the name.
    if let Some(what) = crate::scenario::user_file::not_replaceable(path) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is {what}, not a regular file: only a regular file is replaced",
                path.display()
            ),
        ));
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir)?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp-{}", std::process::id()));
    let tmp: PathBuf = dir.join(tmp_name);

    let result = write_and_rename(&tmp, path, bytes);
    if result.is_err() {
        // Leave no litter; the original error is the one worth reporting.
        let _ = fs::remove_file(&tmp);
    }
    result?;
    sync_dir(dir);
    Ok(())
}

fn write_and_rename(tmp: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = File::create(tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    fs::rename(tmp, path)
}

/// Makes the rename durable. Best effort: the file's contents are already on disk, and
/// some file systems refuse to sync a directory.
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Windows cannot open a directory as a file; its renames are durable enough.
#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_creates_parents_and_leaves_no_temporary() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("outputs/web/trials.csv");
        write_atomic(&path, b"a,b\n1,2\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"a,b\n1,2\n");
        assert_eq!(entries(path.parent().unwrap()), ["trials.csv"]);
    }

    #[test]
    fn replaces_an_existing_file_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("summary.json");
        write_atomic(&path, b"a much longer first version\n").unwrap();
        write_atomic(&path, b"short\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"short\n");
        assert_eq!(entries(tmp.path()), ["summary.json"]);
    }

    #[test]
    fn overwrites_a_stale_temporary() {
        let tmp = tempfile::tempdir().unwrap();
        let stale = tmp
            .path()
            .join(format!(".trials.csv.tmp-{}", std::process::id()));
        fs::write(&stale, b"left by a killed run").unwrap();
        let path = tmp.path().join("trials.csv");
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(entries(tmp.path()), ["trials.csv"]);
    }

    #[test]
    fn failure_leaves_the_target_untouched_and_no_litter() {
        let tmp = tempfile::tempdir().unwrap();
        // The target is a non-empty directory: the rename fails after the temporary
        // file was written.
        let path = tmp.path().join("out");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("keep"), b"x").unwrap();
        assert!(write_atomic(&path, b"data").is_err());
        assert_eq!(entries(tmp.path()), ["out"]);
        assert_eq!(entries(&path), ["keep"]);
    }

    #[cfg(unix)]
    #[test]
    fn never_replaces_what_is_not_a_regular_file() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let err = write_atomic(&fifo, b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(
            err.to_string()
                .contains("is a FIFO (named pipe), not a regular file")
        );
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(entries(tmp.path()), ["pipe"]);
    }

    #[test]
    fn rejects_a_path_without_a_file_name() {
        let err = write_atomic(Path::new("/"), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }
}
