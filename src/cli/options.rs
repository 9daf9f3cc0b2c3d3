//! Options shared by the subcommands that run trials.

use super::inputs::Inputs;
use super::numeric_flags;
use crate::output::folder::Staging;
use crate::output::replaceable::{check_replaceable, results_in};
use crate::scenario::{self, Format, Override, Scenario};
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Trials one command may run in all, over every sweep point or compared variant: the
/// single run's limit ([`scenario::limits::MAX_TRIALS`]), since every trial of every point
/// costs the same memory and time as a trial of one run.
pub const MAX_TOTAL_TRIALS: u64 = scenario::limits::MAX_TRIALS;

/// The scenario compiled into the binary, run by `rollout-sim` with no arguments.
pub const DEFAULT_SCENARIO: &str = include_str!("../../scenarios/default.yaml");

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// An aligned summary table.
    #[default]
    Table,
    /// The content of the JSON file the command writes (`summary.json`, `sweep.json` or
    /// `compare.json`).
    Json,
}

impl OutputFormat {
    /// What a command that wrote `json` prints: those bytes, or the table `table` draws
    /// (only drawn when asked for).
    pub fn printed(self, json: &[u8], table: impl FnOnce() -> String) -> String {
        match self {
            OutputFormat::Json => String::from_utf8_lossy(json).into_owned(),
            OutputFormat::Table => table(),
        }
    }
}

/// Options common to every command that simulates.
#[derive(Debug, Clone, Default, Args)]
pub struct SimOptions {
    /// Number of trials (overrides the scenario's `trials`).
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = numeric_flags::trials)]
    pub trials: Option<u64>,
    /// Seed of every random stream (overrides the scenario's `seed`).
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = numeric_flags::seed)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = numeric_flags::threads)]
    pub threads: Option<u64>,
    // `sweep`, `compare` and `report` write other folders by default: their own help says
    // which (`mut_arg` on their arguments).
    /// Output folder (default `outputs/<scenario name>/`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Override a scenario field by its dotted path, e.g.
    /// `--set strategy.swarm.update_config.parallelism=4`. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<Override>,
    /// Print nothing but errors and, with `--format json`, the JSON asked for (no table,
    /// no progress bar). Notes that are never silenced still go to stderr: `run`'s
    /// `checks:` left unevaluated, a manifest's fields not simulated.
    #[arg(long, short)]
    pub quiet: bool,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t)]
    pub format: OutputFormat,
}

impl SimOptions {
    /// What the command prints on stdout once its files are written: `--format json`'s
    /// JSON always (asking for a machine format is asking for it, `--quiet` or not), the
    /// table unless `--quiet`.
    pub fn printed(&self, json: &[u8], table: impl FnOnce() -> String) -> Option<String> {
        match (self.format, self.quiet) {
            (OutputFormat::Table, true) => None,
            (format, _) => Some(format.printed(json, table)),
        }
    }

    /// Load `file` (or the embedded default when `None`) with `--set`, `--trials` and
    /// `--seed` applied.
    pub fn load(&self, file: Option<&Path>) -> anyhow::Result<Scenario> {
        // `--seed` and `--trials` are applied after the file and its `--set`s: a `--set`
        // of the same field would be dropped without a word.
        for (flag, value) in [("--trials", self.trials), ("--seed", self.seed)] {
            let field = &flag[2..];
            if let (Some(v), Some(set)) = (value, self.set.iter().find(|o| o.path == field)) {
                anyhow::bail!(
                    "{}: {field}: set twice, by --set {set} and {flag} {v}; {flag} would \
                     silently win. Give each field once",
                    file.map_or("<embedded default scenario>".into(), |p| p
                        .display()
                        .to_string())
                );
            }
        }
        let mut s = match file {
            Some(path) => scenario::load_file(path, &self.set)?,
            None => scenario::load_str(
                DEFAULT_SCENARIO,
                "<embedded default scenario>",
                Format::Yaml,
                &self.set,
            )?,
        };
        // `--trials` is in range: its parser (`numeric_flags::trials`) made sure.
        if let Some(n) = self.trials {
            s.trials = n;
        }
        if let Some(seed) = self.seed {
            s.seed = seed;
        }
        if let Err(why) = crate::trial::Workspace::supports(&s) {
            let origin = file.map_or("<embedded default scenario>".into(), |p| {
                p.display().to_string()
            });
            anyhow::bail!("{origin}: {why}");
        }
        Ok(s)
    }

    /// [`SimOptions::load`] of the FILE given to `command` (`run`, `report`, …): a folder
    /// of results given for it (`report outputs/web`) is told whose results they are and
    /// how `command` gets them again, since a scenario, not its results, is what every
    /// command runs.
    pub fn load_for(&self, file: &Path, command: &str) -> anyhow::Result<Scenario> {
        self.load(Some(file)).map_err(|e| {
            let results = file.is_dir().then(|| results_in(file)).flatten();
            match results {
                Some(r) => anyhow::anyhow!(
                    "{e}; it holds the results of an earlier {} of the scenario `{}` ({}), \
                     and commands run a scenario, not its results: `{}`, FILE being that \
                     scenario's file, runs the same trials again",
                    r.command(),
                    r.scenario,
                    file.join(r.file).display(),
                    r.again(command)
                ),
                None => e,
            }
        })
    }

    /// The output folder for `scenario`.
    pub fn out_dir(&self, scenario: &Scenario) -> PathBuf {
        self.out
            .clone()
            .unwrap_or_else(|| Path::new("outputs").join(&scenario.name))
    }

    /// Where the output folder `folder` comes from, for messages: `--out`, or the `name` of
    /// the scenario in `named_by` (`None`: the embedded default) when no `--out` was given.
    pub fn out_label(&self, folder: &Path, named_by: Option<&Path>) -> String {
        match &self.out {
            Some(_) => "--out".to_string(),
            None => format!(
                "the output folder {} (named after the scenario's `name` in {}; give --out \
                 to choose another folder)",
                folder.display(),
                named_by.map_or("<embedded default scenario>".into(), |f| f
                    .display()
                    .to_string())
            ),
        }
    }

    /// The output folder `out`, labelled by [`SimOptions::out_label`], checked: it holds
    /// none of `inputs` and may be replaced as a whole.
    pub fn check_folder(
        &self,
        out: &Path,
        named_by: Option<&Path>,
        inputs: &Inputs,
    ) -> anyhow::Result<()> {
        let label = self.out_label(out, named_by);
        inputs.check_folder(&label, out)?;
        check_replaceable(out).map_err(|e| anyhow::anyhow!("{label}: {e}"))
    }

    /// The output folder (`--out`, else `outputs/<default_name>`) checked replaceable and
    /// free of `inputs`, the signal handlers installed and the staging folder created: what
    /// a command that writes a whole folder does once its inputs are valid and before its
    /// first trial. `named_by` is the scenario file whose `name` gives the default folder.
    /// The flag is the one the trials watch.
    pub fn begin_folder(
        &self,
        default_name: &str,
        named_by: &Path,
        inputs: &Inputs,
    ) -> anyhow::Result<(PathBuf, &'static AtomicBool, Staging)> {
        let out = self
            .out
            .clone()
            .unwrap_or_else(|| Path::new("outputs").join(default_name));
        self.check_folder(&out, Some(named_by), inputs)?;
        let stop = super::interrupt::watch()?;
        let staging = Staging::begin(&out).with_context(|| {
            format!(
                "{}: cannot create the output folder {}",
                self.out_label(&out, Some(named_by)),
                out.display()
            )
        })?;
        Ok((out, stop, staging))
    }

    /// Refuses an experiment of `variants` × `trials` trials over [`MAX_TOTAL_TRIALS`]:
    /// `variants` is described as `what` ("grid points", "variants"), `trials` came from
    /// `--trials` or from the scenario `file`, and `fewer` says how to shrink the other
    /// factor ("sweep fewer values").
    pub fn check_budget(
        &self,
        trials: u64,
        variants: usize,
        what: &str,
        file: &Path,
        fewer: &str,
    ) -> anyhow::Result<()> {
        let total = trials.saturating_mul(variants as u64);
        if total <= MAX_TOTAL_TRIALS {
            return Ok(());
        }
        let given = match self.trials {
            Some(n) => format!("--trials {n}"),
            None => format!("trials: {trials} (of {})", file.display()),
        };
        anyhow::bail!(
            "{given} × {variants} {what} = {total} trials: at most {MAX_TOTAL_TRIALS} trials \
             are run in all (trials × {what}; see \"Limits\" in the README); give fewer \
             --trials or {fewer}"
        )
    }

    /// Threads for rayon.
    pub fn threads(&self) -> Option<usize> {
        self.threads.map(|n| n as usize)
    }
}

/// Refuses `path`, given as `flag`, unless it names a file in a folder that exists and can
/// be written in: checked with the other arguments, before any work, so a mistyped folder
/// is neither created silently nor found only once the results are computed. Writing is
/// tried, with an empty file of a name of our own, created and removed at once: the
/// permission bits alone do not say (a read-only mount, another user's folder, root).
pub fn check_file_path(flag: &str, path: &Path) -> anyhow::Result<()> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    anyhow::ensure!(
        !path.is_dir() && parent.is_none_or(Path::is_dir),
        "{flag} {}: name a file in an existing folder",
        path.display()
    );
    // An output replaces its file by a rename ([`crate::output::atomic`]).
    if let Some(what) = crate::scenario::user_file::not_replaceable(path) {
        anyhow::bail!(
            "{flag} {}: it is {what}, not a regular file; an output replaces its file as a \
             whole: name a regular file (a new one, or one to replace)",
            path.display()
        );
    }
    let folder = parent.unwrap_or(Path::new("."));
    let probe = folder.join(format!(".rollout-sim-probe-{}", std::process::id()));
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| {
            anyhow::anyhow!(
                "{flag} {}: cannot write in {}: {e}",
                path.display(),
                folder.display()
            )
        })?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// Write `bytes` to `path` atomically, naming the file in any error.
pub fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    crate::output::write_atomic(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}
