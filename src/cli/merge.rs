//! `rollout-sim merge DIR… --out DIR`: join the folders of `run --shard K/N` into the
//! files a single run writes (see [`crate::output::merge`]). Exit 2, nothing written, when
//! the folders are not the N complete slices of one run.

use super::inputs::Inputs;
use super::{CliError, print_stdout};
use crate::output::folder::Staging;
use crate::output::human_text::counted;
use crate::output::merge::merge;
use crate::output::replaceable::check_replaceable;
use anyhow::{Context, anyhow};
use clap::Args;
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// Arguments of `merge`.
#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// The shard folders, in any order.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where the merged `trials.csv` and `summary.json` go.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Check, join and write.
pub fn run(args: &MergeArgs) -> Result<(), CliError> {
    refuse_out_over_a_shard(args)?;
    let mut inputs = Inputs::new();
    for dir in &args.dirs {
        for f in ["trials.csv", "summary.json", "shard.json"] {
            inputs.add(&dir.join(f), "a file of a shard folder");
        }
    }
    inputs.check_folder("--out", &args.out)?;
    check_replaceable(&args.out).map_err(|e| anyhow!("--out: {e}"))?;
    let staging = Staging::begin(&args.out)
        .with_context(|| format!("cannot create the output folder {}", args.out.display()))?;
    let csv_path = staging.path().join("trials.csv");
    let mut csv = BufWriter::new(
        File::create(&csv_path)
            .with_context(|| format!("cannot write {}", args.out.join("trials.csv").display()))?,
    );
    // Dropped on error, the staging folder (and the partial trials.csv in it) goes away.
    let merged = merge(&args.dirs, &mut csv).map_err(anyhow::Error::msg)?;
    csv.into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .with_context(|| format!("cannot write {}", args.out.join("trials.csv").display()))?;
    staging
        .write(Path::new("summary.json"), &merged.summary_json)
        .with_context(|| format!("cannot write {}", args.out.join("summary.json").display()))?;
    staging
        .commit()
        .with_context(|| format!("cannot move the results into {}", args.out.display()))?;
    if !args.quiet {
        print_stdout(&format!(
            "merged {} of {} ({}, seed {}) into {}\n",
            counted(merged.manifest.shard[1], "shard"),
            merged.manifest.scenario,
            counted(merged.manifest.trials, "trial"),
            merged.manifest.seed,
            args.out.display()
        ))?;
    }
    Ok(())
}

/// The merge replaces `--out` as a whole: were it a shard folder (or one holding shards),
/// a shard would be gone once merged, and a merge could not be redone from the shards.
fn refuse_out_over_a_shard(args: &MergeArgs) -> anyhow::Result<()> {
    // A folder that does not exist yet holds no shard.
    let Ok(out) = args.out.canonicalize() else {
        return Ok(());
    };
    for dir in &args.dirs {
        let Ok(shard) = dir.canonicalize() else {
            continue;
        };
        if shard.starts_with(&out) {
            anyhow::bail!(
                "--out {}: the shard folder {} is {}, and the merge replaces --out as a \
                 whole; choose a new folder",
                args.out.display(),
                dir.display(),
                if shard == out {
                    "that folder"
                } else {
                    "inside it"
                }
            );
        }
    }
    Ok(())
}
