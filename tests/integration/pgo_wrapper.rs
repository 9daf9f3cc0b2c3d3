//! `pgo/rustc`, the rustc wrapper `.cargo/config.toml` names: which compilations get the
//! profile-guided-optimisation profile. Run against a stand-in rustc that reports an LLVM
//! version and echoes the arguments it was given, so each case shows the exact command the
//! wrapper would run.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A stand-in rustc in `dir` whose `-vV` reports LLVM `llvm` and which otherwise prints
/// one argument a line.
fn fake_rustc(dir: &Path, llvm: &str) -> PathBuf {
    let path = dir.join(format!("rustc-llvm{llvm}"));
    let script = format!(
        "#!/bin/sh\nif [ \"$1\" = -vV ]; then\n  echo 'rustc 9.9.9'\n  echo 'LLVM version: {llvm}'\n  exit 0\nfi\nfor a in \"$@\"; do echo \"$a\"; done\n"
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// The arguments the stand-in rustc received through the wrapper.
fn through_wrapper(rustc: &Path, args: &[&str], pgo: Option<&str>) -> Vec<String> {
    let mut cmd = Command::new(repo().join("pgo/rustc"));
    cmd.arg(rustc).args(args).env_remove("ROLLOUT_SIM_PGO");
    if let Some(v) = pgo {
        cmd.env("ROLLOUT_SIM_PGO", v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn uses_profile(args: &[String]) -> bool {
    let profile = repo().join("pgo/rollout-sim.profdata");
    args.iter()
        .any(|a| a == &format!("-Cprofile-use={}", profile.display()))
}

const OPTIMISED: [&str; 4] = ["--crate-name", "rollout_sim", "-C", "opt-level=3"];

#[test]
fn optimised_crates_get_the_profile_and_nothing_else_changes() {
    let dir = tempfile::tempdir().unwrap();
    let needs: u32 = std::fs::read_to_string(repo().join("pgo/llvm-major"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let current = fake_rustc(dir.path(), &format!("{needs}.1.2"));
    let newer = fake_rustc(dir.path(), &format!("{}.0.0", needs + 1));
    let older = fake_rustc(dir.path(), &format!("{}.1.0", needs - 1));

    for rustc in [&current, &newer] {
        let args = through_wrapper(rustc, &OPTIMISED, None);
        assert!(uses_profile(&args), "{args:?}");
        // The arguments cargo gave come first and unchanged; mismatch warnings are off.
        assert_eq!(&args[..4], &OPTIMISED);
        assert_eq!(args.last().unwrap(), "-Cllvm-args=-no-pgo-warn-mismatch");
    }
    // A rustc whose LLVM cannot read the profile's format builds without it.
    assert_eq!(through_wrapper(&older, &OPTIMISED, None), OPTIMISED);
    // Debug and test builds, and `cargo check`, pass through.
    let debug = ["--crate-name", "rollout_sim", "-C", "opt-level=0"];
    assert_eq!(through_wrapper(&current, &debug, None), debug);
    let check = ["--crate-name", "rollout_sim", "--emit=metadata"];
    assert_eq!(through_wrapper(&current, &check, None), check);
    // Builds that instrument the code themselves are left alone.
    for own in [
        "-Cprofile-generate=/tmp/raw",
        "-Cinstrument-coverage",
        "-Zsanitizer=address",
        "-Cpasses=sancov-module",
    ] {
        let mut args = OPTIMISED.to_vec();
        args.push(own);
        assert_eq!(through_wrapper(&current, &args, None), args, "{own}");
    }
    // Opting out, and listing what the profile no longer matches.
    assert_eq!(
        through_wrapper(&current, &OPTIMISED, Some("off")),
        OPTIMISED
    );
    let warn = through_wrapper(&current, &OPTIMISED, Some("warn"));
    assert!(uses_profile(&warn), "{warn:?}");
    assert!(!warn.iter().any(|a| a.contains("no-pgo-warn-mismatch")));
}

#[test]
fn the_committed_profile_is_an_indexed_llvm_profile_cargo_uses() {
    // The indexed profile's magic number (a Git LFS pointer or a truncated file is not one).
    let profile = std::fs::read(repo().join("pgo/rollout-sim.profdata")).unwrap();
    assert_eq!(
        &profile[..8],
        b"\xfflprofi\x81",
        "not an indexed LLVM profile"
    );
    assert!(profile.len() > 100_000, "{} bytes", profile.len());
    // Cargo runs the wrapper for every rustc call of this repository.
    let config = std::fs::read_to_string(repo().join(".cargo/config.toml")).unwrap();
    assert!(config.contains("rustc-wrapper = \"pgo/rustc\""), "{config}");
    let mode = std::fs::metadata(repo().join("pgo/rustc"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o111, 0o111, "pgo/rustc must be executable");
}
