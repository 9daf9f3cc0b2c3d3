//! What every area's tests reach for: the binary, and the paths of the example scenarios
//! and committed manifests.

use assert_cmd::Command;

/// The `rollout-sim` binary of this build.
pub fn bin() -> Command {
    Command::cargo_bin("rollout-sim").expect("the binary is built")
}

/// The path of `scenarios/NAME`.
pub fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The path of `tests/manifests/NAME`.
pub fn manifest(name: &str) -> String {
    format!("{}/tests/manifests/{name}", env!("CARGO_MANIFEST_DIR"))
}
