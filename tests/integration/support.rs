//! What every area's tests reach for: the binary, the paths of the example scenarios
//! and committed manifests, and the field path most `--set`s start with.

use assert_cmd::Command;

/// The Swarm updater's block, the start of most `--set` paths these tests write.
pub const UC: &str = "strategy.swarm.update_config";

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
