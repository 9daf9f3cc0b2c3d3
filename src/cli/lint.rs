//! `rollout-sim lint FILE|DIR…`: warn about settings that bite (see [`crate::check::lint`]).

use super::check::expand_inputs;
use super::numeric_flags;
use super::options::SimOptions;
use super::{CliError, print_stdout};
use crate::check::lint::lint;
use crate::output::human_text::counted;
use crate::scenario::Override;
use anyhow::anyhow;
use clap::{Args, ValueEnum};

/// What `--deny` turns into errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Any warning exits 1.
    Warnings,
}

/// Arguments of `lint`.
#[derive(Debug, Clone, Args)]
pub struct LintArgs {
    /// Scenario files, or folders (every `*.yaml`, `*.yml`, `*.json` directly inside, in
    /// any case, but `*.schema.json`).
    #[arg(required = true)]
    pub inputs: Vec<std::path::PathBuf>,
    /// `--deny warnings`: exit 1 when there is any warning.
    #[arg(long, value_enum)]
    pub deny: Option<Deny>,
    /// Override a scenario field by dotted path. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<Override>,
    /// Seed of the quick simulation (overrides each scenario's `seed`).
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = numeric_flags::seed)]
    pub seed: Option<u64>,
    /// Worker threads of the quick simulation. Results do not depend on it.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = numeric_flags::threads)]
    pub threads: Option<u64>,
}

/// Run `lint`.
pub fn run(args: &LintArgs) -> Result<(), CliError> {
    let options = SimOptions {
        seed: args.seed,
        set: args.set.clone(),
        ..SimOptions::default()
    };
    let mut scenarios = Vec::new();
    let mut problems = Vec::new();
    for f in expand_inputs(&args.inputs) {
        let f = match f {
            Ok(f) => f,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        match options.load(Some(&f)) {
            // The loader refuses checks that do not parse, with the file's other problems.
            Ok(s) => scenarios.push((f, s)),
            Err(e) => problems.push(format!("{e:#}")),
        }
    }
    if !problems.is_empty() {
        return Err(anyhow!("{}", problems.join("\n")).into());
    }
    let mut text = String::new();
    let mut count = 0;
    for (file, s) in &scenarios {
        for w in lint(s, args.threads.map(|n| n as usize)) {
            count += 1;
            text += &format!(
                "{}: warning[{}]: {}\n  fix: {}\n  why: {}\n",
                file.display(),
                w.rule,
                w.message,
                w.fix,
                w.why
            );
        }
    }
    text += &format!(
        "{} in {}\n",
        counted(count, "warning"),
        counted(scenarios.len(), "scenario")
    );
    print_stdout(&text)?;
    if count > 0 && args.deny == Some(Deny::Warnings) {
        return Err(CliError {
            code: 1,
            error: anyhow!("{} denied by --deny warnings", counted(count, "warning")),
        });
    }
    Ok(())
}
