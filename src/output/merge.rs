//! `rollout-sim merge`: N shard folders (`run --shard K/N`) joined into exactly the files
//! a single run writes, byte for byte.
//!
//! The shards must be the N slices of one run: the same scenario (its fingerprint in
//! `shard.json`), seed, trial count and tool version; each K from 1 to N exactly once,
//! each complete (not interrupted), each holding the trials of its slice and no other,
//! every row with the seed its `shard.json` gives. Anything else is refused with a message
//! naming the folder (and, for a row, the file and its line). `trials.csv` is the shards'
//! rows concatenated in shard order (the slices are contiguous, so that is trial order);
//! `summary.json` is computed from those rows as a single run computes it (one
//! [`SummaryBuilder`] fed every row in trial order).

use crate::experiment::Shard;
use crate::output::SummaryBuilder;
use crate::output::csv::read_trials_csv_lines;
use crate::output::human_text::counted;
use crate::output::shard::{ShardManifest, trial_range};
use crate::scenario::user_file;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Largest `shard.json` read.
const MANIFEST_CAP: u64 = 1 << 20;
/// Largest shard `trials.csv` read (a million-trial slice is about 200 MB).
const TRIALS_CAP: u64 = 16 << 30;

/// What a merge produced besides `trials.csv`.
pub struct Merged {
    /// The manifest every shard agreed on (of shard 1).
    pub manifest: ShardManifest,
    /// `summary.json`.
    pub summary_json: Vec<u8>,
}

/// Check that the `(line, trial)` rows of shard `m`'s `trials.csv` at `path` are its
/// slice's trials, each once, in order; else name the first row (or the first trial
/// missing at the end) that is not.
fn slice_rows(path: &Path, m: &ShardManifest, rows: &[(u64, u64)]) -> Result<(), String> {
    let slice = || {
        format!(
            "shard {}/{} holds {}, each once and in order; run the shard again",
            m.shard[0],
            m.shard[1],
            trial_range(m.range())
        )
    };
    let mut rows = rows.iter();
    for want in m.range() {
        match rows.next() {
            Some(&(_, got)) if got == want => {}
            Some(&(line, got)) => {
                return Err(format!(
                    "{}, line {line}: trial {got}, expected trial {want}: {}",
                    path.display(),
                    slice()
                ));
            }
            None => {
                return Err(format!(
                    "{}: ends before trial {want}: {}",
                    path.display(),
                    slice()
                ));
            }
        }
    }
    match rows.next() {
        Some(&(line, got)) => Err(format!(
            "{}, line {line}: trial {got}, past the slice's end: {}",
            path.display(),
            slice()
        )),
        None => Ok(()),
    }
}

/// What `dir`, given as a shard folder, is instead (a file, a missing path, the folder of a
/// whole run), told before its `shard.json` (`manifest`) would be found missing.
fn not_a_shard_folder(dir: &Path, manifest: &Path) -> Result<(), String> {
    const TAKES: &str = "merge takes the folders written by `run --shard K/N`";
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Err(e) => Err(format!("cannot read `{shown}`: {e} ({TAKES})")),
        Ok(m) if !m.is_dir() => Err(format!("`{shown}` is a file, not a folder: {TAKES}")),
        Ok(_) if !manifest.exists() => match super::replaceable::results_in(dir) {
            Some(r) => Err(format!(
                "`{shown}` holds the {} of a whole {} of `{}` and no {}: {TAKES}; a run made \
                 without --shard needs no merging",
                r.file,
                r.command(),
                r.scenario,
                ShardManifest::FILE
            )),
            None => Ok(()),
        },
        Ok(_) => Ok(()),
    }
}

/// Check the shard folders `dirs` (in any order) and join them: the merged `trials.csv`
/// is written to `csv` shard by shard (one shard's rows in memory at a time), and
/// nothing is written before every manifest was checked.
pub fn merge(dirs: &[PathBuf], csv: &mut dyn Write) -> Result<Merged, String> {
    let mut shards: Vec<(ShardManifest, &Path)> = Vec::new();
    for dir in dirs {
        let path = dir.join(ShardManifest::FILE);
        not_a_shard_folder(dir, &path)?;
        let bytes = user_file::read(&path, MANIFEST_CAP)
            .map_err(|e| format!("{e} (merge takes folders written by `run --shard K/N`)"))?;
        let m: ShardManifest = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not a shard manifest: {e}", path.display()))?;
        shards.push((m, dir));
    }
    let Some((first, first_dir)) = shards.first().cloned() else {
        return Err("give the shard folders to merge".into());
    };
    let n = first.shard[1];
    for (m, dir) in &shards {
        let differs = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
            format!(
                "{} is not a shard of the same run as {}: {what} {a} ≠ {b}",
                dir.display(),
                first_dir.display()
            )
        };
        // The fingerprint covers the scenario's name, the seed and the trial count and is
        // stable for one version only: those are told by name first (a shard of another
        // scenario as such, not as the seed it happens to have), the fingerprint only for
        // what is left.
        if m.version != first.version {
            return Err(differs("version", &m.version, &first.version));
        }
        if m.scenario != first.scenario {
            return Err(differs("scenario", &m.scenario, &first.scenario));
        }
        if m.seed != first.seed {
            return Err(differs("seed", &m.seed, &first.seed));
        }
        if m.trials != first.trials {
            return Err(differs("trials", &m.trials, &first.trials));
        }
        if m.scenario_hash != first.scenario_hash {
            return Err(differs(
                "scenario (fingerprint)",
                &m.scenario_hash,
                &first.scenario_hash,
            ));
        }
        if m.shard[1] != n {
            return Err(differs("shard count", &m.shard[1], &n));
        }
        let shard = Shard {
            k: m.shard[0],
            n: m.shard[1],
        };
        let range = (1..=n)
            .contains(&shard.k)
            .then(|| shard.range(m.trials))
            .filter(|r| (r.start, r.end) == (m.first_trial, m.end_trial))
            .ok_or_else(|| {
                format!(
                    "{}: shard.json is damaged (slice {shard} of {})",
                    dir.display(),
                    counted(m.trials, "trial")
                )
            })?;
        if m.partial {
            return Err(format!(
                "{}: shard {shard} was interrupted ({} not all run); run it again",
                dir.display(),
                trial_range(range)
            ));
        }
    }
    shards.sort_by_key(|(m, _)| m.shard[0]);
    for k in 1..=n {
        let given: Vec<&Path> = shards
            .iter()
            .filter(|(m, _)| m.shard[0] == k)
            .map(|(_, d)| *d)
            .collect();
        match given.as_slice() {
            [] => {
                return Err(format!(
                    "shard {k}/{n} is missing: give all {n} shard folders"
                ));
            }
            [_] => {}
            [a, b, ..] => {
                return Err(format!(
                    "shard {k}/{n} is given twice ({} and {})",
                    a.display(),
                    b.display()
                ));
            }
        }
    }
    let cannot_write = |e: std::io::Error| format!("cannot write the merged trials.csv: {e}");
    let mut summary = SummaryBuilder::new(&first.scenario, first.seed);
    let mut header: Option<Vec<u8>> = None;
    for (m, dir) in &shards {
        let path = dir.join("trials.csv");
        let bytes = user_file::read(&path, TRIALS_CAP)?;
        let part = read_trials_csv_lines(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        slice_rows(
            &path,
            m,
            &part.iter().map(|(l, r)| (*l, r.trial)).collect::<Vec<_>>(),
        )?;
        let split = bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |i| i + 1);
        let (head, body) = bytes.split_at(split);
        match &header {
            None => {
                header = Some(head.to_vec());
                csv.write_all(head).map_err(cannot_write)?;
            }
            Some(h) if h != head => {
                return Err(format!(
                    "{}: its columns differ from the other shards'",
                    path.display()
                ));
            }
            Some(_) => {}
        }
        // Every row carries the seed its trial ran with: a row of another run (or an
        // edited one) would be merged into numbers no run of this seed gives.
        if let Some((line, row)) = part.iter().find(|(_, r)| r.seed != m.seed) {
            return Err(format!(
                "{}, line {line}: trial {} has seed {}, expected {}, the seed of {} \
                 (shard {}/{n}): the file holds rows of another run; run the shard again",
                path.display(),
                row.trial,
                row.seed,
                m.seed,
                dir.join(ShardManifest::FILE).display(),
                m.shard[0]
            ));
        }
        csv.write_all(body).map_err(cannot_write)?;
        part.iter().for_each(|(_, r)| summary.push(r));
    }
    Ok(Merged {
        manifest: first,
        summary_json: summary.finish().to_json(),
    })
}
