//! The helps a new user reads first: what `rollout-sim` does with no command, what `run`
//! takes, what `--quiet` keeps.

use crate::support::{bin, scenario_path};
use std::fs;

/// `rollout-sim` with no command runs the embedded default scenario, and `run` without a
/// file does too; both helps say so (the top-level help showed Cargo.toml's description
/// instead of its own text, and `run`'s `[FILE]` said nothing of leaving it out).
#[test]
fn the_helps_say_what_runs_without_a_command_or_a_file() {
    let help = |args: &[&str]| {
        let o = bin().args(args).assert().success();
        String::from_utf8_lossy(&o.get_output().stdout).into_owned()
    };
    let default = fs::read_to_string(scenario_path("default.yaml")).unwrap();
    assert!(default.contains("\nname: web-start-first\n"), "{default}");
    for flag in ["-h", "--help"] {
        let top = help(&[flag]);
        assert!(
            top.contains("With no command, runs the embedded default scenario")
                && top.contains("(scenarios/default.yaml) into `outputs/web-start-first/`"),
            "{top}"
        );
        assert!(top.contains("Argo Rollouts and Flagger"), "{top}");
    }
    let run = help(&["run", "--help"]);
    assert!(
        run.contains("Without it, the embedded default scenario (scenarios/default.yaml)"),
        "{run}"
    );
    // `-q` keeps the note on unevaluated `checks:` (tests/integration/metrics.rs): the
    // help says so rather than promising nothing but errors.
    assert!(
        run.contains("Notes that are never silenced still go to stderr"),
        "{run}"
    );
}
