//! What every area's tests reach for: the binary, the paths of the example scenarios
//! and committed manifests, the field path most `--set`s start with, and the proptest
//! configuration of the property tests.

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

/// Fixed latencies for the new version of the Flagger examples: the canary is ready well
/// within the first interval in every trial, so the ticks fall where the closed form puts
/// them.
pub const FIXED_NEXT: [&str; 6] = [
    "--set",
    "service.versions.next.pull=2s",
    "--set",
    "service.versions.next.ready_after=4s",
    "--set",
    "service.versions.next.start=1s",
];

/// Constant arrivals: request counts follow the closed form.
pub const CONSTANT_ARRIVALS: [&str; 2] = ["--set", "traffic.arrivals=constant"];

/// One `trials.csv` row: its fields by column name.
pub type Row = std::collections::HashMap<String, String>;

/// A row's `name` column.
pub fn field<'a>(row: &'a Row, name: &str) -> &'a str {
    &row[name]
}

/// What [`run_trials`] read back: `trials.csv` as written, its rows, and the trace of
/// trial 0 (empty unless asked for).
pub struct Trials {
    pub csv: String,
    pub rows: Vec<Row>,
    pub trace: String,
}

/// The rows of a `trials.csv` text, each by column name.
pub fn rows(csv: &str) -> Vec<Row> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            header
                .iter()
                .map(|h| h.to_string())
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

/// `rollout-sim run scenarios/SCENARIO ARGS --quiet` into a temporary folder (with
/// `--trace` when `trace`), asserting it succeeds.
pub fn run_trials(scenario: &str, args: &[&str], trace: bool) -> Trials {
    run_file(&scenario_path(scenario), args, trace)
}

/// [`run_trials`] of the scenario file at `path`.
pub fn run_file(path: &str, args: &[&str], trace: bool) -> Trials {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let trace_file = dir.path().join("trace.jsonl");
    let mut cmd = bin();
    cmd.args(["run", path, "--quiet"])
        .args(args)
        .arg("--out")
        .arg(&out);
    if trace {
        cmd.arg("--trace").arg(&trace_file);
    }
    let status = cmd.output().unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let csv = std::fs::read_to_string(out.join("trials.csv")).unwrap();
    let rows = rows(&csv);
    let trace = if trace {
        std::fs::read_to_string(trace_file).unwrap()
    } else {
        String::new()
    };
    Trials { csv, rows, trace }
}

/// A property test's configuration: `cases` cases and the seed `seed` unless
/// `PROPTEST_CASES` and `PROPTEST_RNG_SEED` say otherwise, so `cargo test` checks the
/// same cases every time; each case in a forked child with a watchdog of `watchdog_ms`
/// (far above what a case takes: only a hang trips it).
pub fn proptest_config(cases: u32, seed: u64, watchdog_ms: u32) -> proptest::test_runner::Config {
    use proptest::test_runner::{Config, RngSeed};
    let from_env = Config::default();
    let set = |var| std::env::var_os(var).is_some();
    Config {
        cases: if set("PROPTEST_CASES") {
            from_env.cases
        } else {
            cases
        },
        rng_seed: if set("PROPTEST_RNG_SEED") {
            from_env.rng_seed
        } else {
            RngSeed::Fixed(seed)
        },
        timeout: watchdog_ms,
        // A hanging candidate costs a whole watchdog period: shrink briefly.
        max_shrink_iters: 128,
        ..from_env
    }
}
