//! Inputs that cannot mean a rollout, or that would make the run hang or exhaust memory:
//! each is exit 2 with the file, the field path and what to do, and nothing is written.
//! `files`: what is read (devices, pipes, sizes, nesting, encodings); `values`: what the
//! fields say.

mod files;
mod values;

use assert_cmd::Command;
use std::fs;
use std::path::PathBuf;
use std::time::Duration;

/// A hang must fail the test, not stall the suite; no test depends on how fast a run is.
const HANG_GUARD: Duration = Duration::from_secs(120);

pub(super) fn bin() -> Command {
    let mut c = crate::support::bin();
    c.timeout(HANG_GUARD);
    c
}

/// A folder with the scenario `name` holding `text`.
pub(super) struct Case {
    pub(super) dir: tempfile::TempDir,
    pub(super) file: PathBuf,
}

impl Case {
    pub(super) fn new(name: &str, text: &str) -> Case {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(name);
        fs::write(&file, text).unwrap();
        Case { dir, file }
    }

    pub(super) fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    /// Runs `run FILE extra…` and returns stderr, asserting exit 2, no panic and no output.
    pub(super) fn refused(&self, extra: &[&str]) -> String {
        let out = bin()
            .arg("run")
            .arg(&self.file)
            .arg("--out")
            .arg(self.out())
            .args(extra)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(!self.out().exists(), "nothing is written for bad input");
        stderr
    }
}

pub(super) fn assert_has(stderr: &str, needles: &[&str]) {
    for n in needles {
        assert!(stderr.contains(n), "expected {n:?} in:\n{stderr}");
    }
}
