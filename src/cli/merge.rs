//! `rollout-sim merge DIR… --out DIR`: join the folders of `run --shard K/N` into the
//! files a single run writes (see [`crate::output::merge`]). Exit 2, nothing written, when
//! the folders are not the N complete slices of one run.

use super::{CliError, print_stdout};
use crate::output::folder::{Staging, check_replaceable};
use crate::output::merge::merge;
use anyhow::{Context, anyhow};
use clap::Args;
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
    check_replaceable(&args.out).map_err(|e| anyhow!("--out: {e}"))?;
    let merged = merge(&args.dirs).map_err(anyhow::Error::msg)?;
    let staging = Staging::begin(&args.out)
        .with_context(|| format!("cannot create the output folder {}", args.out.display()))?;
    for (name, bytes) in [
        ("trials.csv", &merged.trials_csv),
        ("summary.json", &merged.summary_json),
    ] {
        staging
            .write(Path::new(name), bytes)
            .with_context(|| format!("cannot write {}", args.out.join(name).display()))?;
    }
    staging
        .commit()
        .with_context(|| format!("cannot move the results into {}", args.out.display()))?;
    if !args.quiet {
        print_stdout(&format!(
            "merged {} shards of {} ({} trials, seed {}) into {}\n",
            merged.manifest.shard[1],
            merged.manifest.scenario,
            merged.manifest.trials,
            merged.manifest.seed,
            args.out.display()
        ))?;
    }
    Ok(())
}
