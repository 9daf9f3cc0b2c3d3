//! `shard.json`: what a `--shard K/N` folder holds, so `merge` can tell whether N folders
//! are the N slices of one run. The shard's `summary.json` carries the same object under
//! `"shard"` ([`Summary::shard_json`](crate::output::Summary::shard_json)), so a summary read
//! alone says which slice it covers.
//!
//! ```json
//! {"scenario": "web", "scenario_hash": "9f0c…", "seed": 42, "trials": 1000000,
//!  "shard": [2, 8], "first_trial": 125000, "end_trial": 250000,
//!  "version": "0.1.0", "partial": false}
//! ```
//!
//! `scenario_hash` is a fingerprint of the whole validated scenario (after `--set`,
//! `--trials` and `--seed`): two shards run with different overrides or a different file
//! differ there even when their names agree. It is FNV-1a (64 bits) of the scenario's
//! debug form, stable for one `version` of the tool, which `merge` also compares.

use crate::experiment::Shard;
use crate::output::human_text::counted;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The content of `shard.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShardManifest {
    /// The scenario's name (the merged `summary.json`'s `scenario`).
    pub scenario: String,
    /// Fingerprint of the validated scenario (hex).
    pub scenario_hash: String,
    /// The run's seed.
    pub seed: u64,
    /// Trials of the whole run (all shards).
    pub trials: u64,
    /// `[K, N]`.
    pub shard: [u64; 2],
    /// First trial index of this slice.
    pub first_trial: u64,
    /// One past its last trial index.
    pub end_trial: u64,
    /// rollout-sim's version that ran it.
    pub version: String,
    /// The slice was interrupted: it holds fewer trials than its range.
    pub partial: bool,
}

impl ShardManifest {
    /// Its file name inside a shard folder.
    pub const FILE: &'static str = "shard.json";

    /// The manifest of slice `shard` (trials `range`) of `scenario`.
    pub fn of(scenario: &Scenario, shard: Shard, range: Range<u64>, partial: bool) -> Self {
        ShardManifest {
            scenario: scenario.name.clone(),
            scenario_hash: fingerprint(scenario),
            seed: scenario.seed,
            trials: scenario.trials,
            shard: [shard.k, shard.n],
            first_trial: range.start,
            end_trial: range.end,
            version: env!("CARGO_PKG_VERSION").to_string(),
            partial,
        }
    }

    /// The trials the slice covers, for people: `shard 2/3, trials 333 to 665 (333 of 1000
    /// trials)`; `shard 3/3, no trials (0 of 2 trials)` for an empty slice.
    pub fn describe(&self) -> String {
        let [k, n] = self.shard;
        let range = self.first_trial..self.end_trial;
        format!(
            "shard {k}/{n}, {} ({} of {})",
            trial_range(range.clone()),
            range.end.saturating_sub(range.start),
            counted(self.trials, "trial")
        )
    }

    /// The trial indices the slice holds.
    pub fn range(&self) -> Range<u64> {
        self.first_trial..self.end_trial
    }

    /// Pretty JSON, newline-terminated.
    pub fn to_json(&self) -> Vec<u8> {
        let mut b = serde_json::to_vec_pretty(self).expect("a manifest serialises");
        b.push(b'\n');
        b
    }
}

/// Trial indices `range` for people: `trials 333 to 665`, `trial 0`, `no trials`.
pub fn trial_range(range: Range<u64>) -> String {
    match range.end.saturating_sub(range.start) {
        0 => "no trials".to_string(),
        1 => format!("trial {}", range.start),
        _ => format!("trials {} to {}", range.start, range.end - 1),
    }
}

/// FNV-1a (64 bits) of the scenario's debug form, as 16 hex digits.
pub fn fingerprint(scenario: &Scenario) -> String {
    format!("{:016x}", fnv1a(format!("{scenario:?}").as_bytes()))
}

/// FNV-1a, 64 bits: small, dependency-free and stable across platforms.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(sets: &[&str]) -> Scenario {
        let sets: Vec<_> = sets.iter().map(|s| s.parse().unwrap()).collect();
        crate::scenario::load_str(
            "service: {replicas: 3}\nstrategy: {swarm: {}}\n",
            "t.yaml",
            crate::scenario::Format::Yaml,
            &sets,
        )
        .unwrap()
    }

    #[test]
    fn a_shard_describes_the_trials_it_covers() {
        let s = load(&["trials=1000"]);
        let of = |k, n| {
            let shard = Shard { k, n };
            ShardManifest::of(&s, shard, shard.range(s.trials), false).describe()
        };
        assert_eq!(
            of(2, 3),
            "shard 2/3, trials 333 to 665 (333 of 1000 trials)"
        );
        assert_eq!(of(1, 1), "shard 1/1, trials 0 to 999 (1000 of 1000 trials)");
        let one = load(&["trials=1"]);
        let describe = |k| {
            let shard = Shard { k, n: 2 };
            ShardManifest::of(&one, shard, shard.range(1), false).describe()
        };
        assert_eq!(describe(1), "shard 1/2, no trials (0 of 1 trial)");
        assert_eq!(describe(2), "shard 2/2, trial 0 (1 of 1 trial)");
    }

    #[test]
    fn the_fingerprint_sees_any_change_and_only_changes() {
        assert_eq!(fingerprint(&load(&[])), fingerprint(&load(&[])));
        assert_ne!(
            fingerprint(&load(&[])),
            fingerprint(&load(&["service.replicas=4"]))
        );
        // FNV-1a's published test vectors (Fowler, Noll, Vo).
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
    }
}
