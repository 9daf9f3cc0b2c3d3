//! What `check` runs, loaded before the first trial: each scenario with its parsed
//! assertions and what `--baseline` asks of it (a stored run read, or a folder to write),
//! every problem with any of them told in one run (exit 2, nothing written).

use super::CheckArgs;
use super::files::expand_inputs;
use super::github::{check_step_summary, step_summary};
use crate::check::baseline::{Baseline, BaselineInfo};
use crate::check::{self, Assertion};
use crate::cli::inputs::Inputs;
use crate::cli::options::{SimOptions, check_file_path};
use crate::output::replaceable::{foreign_listed, holds_only_ours, is_run_folder};
use crate::output::shard::ShardManifest;
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// A loaded scenario with its parsed assertions.
pub(super) struct Job {
    pub(super) file: PathBuf,
    pub(super) scenario: Scenario,
    pub(super) assertions: Vec<Assertion>,
    /// The stored run to compare with (read before any trial), or the folder to write.
    pub(super) baseline: BaselineJob,
}

/// What `--baseline` asks of one scenario.
pub(super) enum BaselineJob {
    None,
    Compare(Box<Baseline>),
    Update(PathBuf),
}

pub(super) fn load(args: &CheckArgs) -> anyhow::Result<Vec<Job>> {
    if let Some(path) = &args.junit {
        check_file_path("--junit", path)?;
    }
    if let Some(path) = step_summary(args) {
        check_step_summary(&path)?;
    }
    let options = SimOptions {
        trials: args.trials,
        seed: args.seed,
        set: args.set.clone(),
        ..SimOptions::default()
    };
    // Every `--check` that does not parse is told, with the scenarios' problems, in one
    // run (`--check A --check B` with both misspelt took two rounds).
    let mut problems = Vec::new();
    let mut extra: Vec<Assertion> = Vec::new();
    for c in &args.checks {
        match check::parse(c) {
            Ok(a) => extra.push(a),
            Err(e) => problems.push(format!("--check: {e}")),
        }
    }
    let mut jobs = Vec::new();
    for file in expand_inputs(&args.inputs) {
        let file = match file {
            Ok(file) => file,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let scenario = match options.load(Some(&file)) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{e:#}"));
                continue;
            }
        };
        let (mut assertions, bad) = check::scenario_checks(&file, &scenario.checks);
        problems.extend(bad);
        assertions.extend(extra.iter().cloned());
        if scenario.checks.is_empty() && args.checks.is_empty() && args.baseline.is_none() {
            problems.push(format!(
                "{}: nothing to check: the scenario has no `checks:`, and neither --check nor --baseline was given",
                file.display()
            ));
        }
        jobs.push(Job {
            file,
            scenario,
            assertions,
            baseline: BaselineJob::None,
        });
    }
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("\n"));
    // No output may land on a file this command reads: the scenarios, their data files,
    // a baseline to compare with.
    let mut inputs = Inputs::new();
    for job in &jobs {
        inputs.scenario(&job.file, &args.set);
    }
    if let (Some(root), false) = (&args.baseline, args.update_baseline) {
        let dirs = if root.is_dir() {
            let mut d = vec![root.clone()];
            d.extend(jobs.iter().map(|j| root.join(&j.scenario.name)));
            d
        } else {
            inputs.add(root, "the --baseline summary");
            root.parent().map(Path::to_path_buf).into_iter().collect()
        };
        for dir in dirs {
            for f in [
                "summary.json",
                "trials.csv",
                BaselineInfo::FILE,
                ShardManifest::FILE,
            ] {
                inputs.add(&dir.join(f), "a --baseline file");
            }
        }
    }
    if let Some(path) = &args.junit {
        inputs.check_file("--junit", path)?;
    }
    if let Some(path) = step_summary(args) {
        inputs.check_file("$GITHUB_STEP_SUMMARY", &path)?;
    }
    if let Some(root) = &args.baseline {
        // A folder input may hold one scenario today and more tomorrow: same layout.
        let per_scenario = jobs.len() > 1 || args.inputs.iter().any(|p| p.is_dir());
        // Two scenarios of one `name` would share `DIR/NAME/`: the second update would
        // overwrite the first's baseline, and each would then be compared with the other's.
        let mut owners: Vec<(&str, &Path)> = Vec::new();
        for job in &jobs {
            let name = job.scenario.name.as_str();
            match owners.iter().find(|(n, _)| *n == name) {
                Some((_, first)) => problems.push(format!(
                    "{}: name: `{name}` is also the name of {}, and --baseline keeps one \
                     folder per scenario name ({}); give each scenario its own `name`",
                    job.file.display(),
                    first.display(),
                    root.join(name).display()
                )),
                None => owners.push((name, &job.file)),
            }
        }
        anyhow::ensure!(problems.is_empty(), "{}", problems.join("\n"));
        for job in &mut jobs {
            let path = if per_scenario {
                root.join(&job.scenario.name)
            } else {
                root.clone()
            };
            job.baseline = if args.update_baseline {
                anyhow::ensure!(
                    !path.is_file(),
                    "--update-baseline: {} is a file; name the baseline folder",
                    path.display()
                );
                // The baseline replaces the folder as a whole (staged, then swapped in,
                // so its files appear together): whatever else the folder holds would be
                // deleted, scenarios and notes included. So: new, empty, or an earlier
                // baseline or run with nothing else in it, and no input of this command.
                // A folder that cannot be read counts as holding something else.
                let foreign = path.is_dir() && !holds_only_ours(&path).unwrap_or(false);
                anyhow::ensure!(
                    !foreign || is_run_folder(&path),
                    "--update-baseline: {} holds other files and no baseline (no summary.json \
                     written by rollout-sim); name a new or empty folder, or an earlier baseline",
                    path.display()
                );
                if foreign {
                    let files = foreign_listed(&path)
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| "files".into());
                    anyhow::bail!(
                        "--update-baseline: {} holds {files}, which rollout-sim does not \
                         write, beside an earlier baseline or run; the new baseline replaces \
                         the whole folder and would delete them: move them out, or name a \
                         new or empty folder",
                        path.display()
                    );
                }
                if let Some(input) = inputs.inside(&path) {
                    anyhow::bail!(
                        "--update-baseline: {} holds an input of this command ({input}); a \
                         baseline folder holds the baseline's files only: name a new or empty \
                         folder",
                        path.display()
                    );
                }
                BaselineJob::Update(path)
            } else {
                match Baseline::read(&path).and_then(|b| {
                    b.check_trials(job.scenario.trials)?;
                    Ok(b)
                }) {
                    Ok(b) => BaselineJob::Compare(Box::new(b)),
                    Err(e) => {
                        problems.push(format!("{e:#}"));
                        BaselineJob::None
                    }
                }
            };
        }
        anyhow::ensure!(problems.is_empty(), "{}", problems.join("\n"));
    }
    Ok(jobs)
}
