//! Fuzz target: any bytes → scenario text (YAML and JSON) → validation → one short trial.
//!
//! What a user's file goes through in `rollout-sim run`: loading collects every problem
//! or yields a valid scenario; [`Workspace::supports`] refuses what this build cannot
//! simulate; then one trial runs. The trial is capped (1 trial, horizon at most
//! [`MAX_HORIZON`]) so an execution stays short; within it the simulator must not panic,
//! hang, overflow its stack or run out of memory, and running the same trial twice in
//! one workspace must give the same result.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rollout_sim::scenario::{Format, Scenario, load_str};
use rollout_sim::sim::time::MINUTE;
use rollout_sim::trial::Workspace;

/// A trial never simulates more than this: long enough for Kubernetes' 600 s progress
/// deadline and 300 s eviction, short enough for thousands of executions a second.
const MAX_HORIZON: u64 = 30 * MINUTE;

/// Scenarios claim to live in a folder that does not exist, so relative `file:` paths
/// are refused at validation instead of reading the fuzzer's working directory.
const ORIGIN: &str = "/nonexistent-rollout-sim-fuzz/scenario";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for (format, ext) in [(Format::Yaml, "yaml"), (Format::Json, "json")] {
        if let Ok(s) = load_str(text, &format!("{ORIGIN}.{ext}"), format, &[]) {
            short_trial(s);
        }
    }
});

fn short_trial(mut s: Scenario) {
    if Workspace::supports(&s).is_err() {
        return;
    }
    s.trials = 1;
    s.horizon = s.horizon.min(MAX_HORIZON);
    let mut ws = Workspace::new(&s);
    let first = ws.run(0);
    let again = ws.run(0);
    // Debug text: a NaN latency (nothing served) equals itself there.
    assert_eq!(format!("{first:?}"), format!("{again:?}"), "a re-run differs");
    assert!(first.duration <= s.horizon, "duration past the horizon");
}
