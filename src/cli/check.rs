//! `rollout-sim check FILE|DIR…`: run scenarios and decide their assertions.
//!
//! Every input is loaded and every assertion parsed before the first trial (exit 2 on
//! any problem). Then each scenario runs and each assertion prints one line; exit 1 when
//! any fails (or is inconclusive without `--allow-inconclusive`).
//!
//! This file holds the arguments and the run; the scenario files a folder input stands
//! for are `files.rs`'s; the jobs loaded before any trial, `load.rs`'s; the hint naming a
//! trial to look at, `look_at.rs`'s; `--format github`'s output, `github.rs`'s.

mod files;
mod github;
mod load;
mod look_at;

pub use files::expand_inputs;

use super::numeric_flags;
use super::options::write_file;
use super::{CliError, print_stdout};
use crate::check::baseline::{BaselineInfo, compare, uncompared};
use crate::check::{self, Evaluation, LookAt, Verdict};
use crate::experiment::{TrialPick, run_trials, with_threads};
use crate::output::Summary;
use crate::output::folder::Staging;
use crate::output::human_text::{counted, value};
use crate::output::junit::{Suite, junit_xml};
use crate::output::trials_csv;
use crate::result::TrialResult;
use crate::scenario::{Override, Scenario};
use anyhow::{Context, anyhow};
use clap::{Args, ValueEnum};
use github::{annotation, append, markdown, step_summary};
use load::{BaselineJob, load};
use look_at::{look_at_text, under_verdict};
use std::path::{Path, PathBuf};

/// How `check` reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// One line per assertion.
    #[default]
    Text,
    /// The lines, plus GitHub Actions `::error` annotations at each failing assertion's
    /// line, plus a Markdown summary appended to `$GITHUB_STEP_SUMMARY` when it is set.
    Github,
}

/// Arguments of `check`.
#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    /// Scenario files, or folders (every `*.yaml`, `*.yml`, `*.json` directly inside, in
    /// any case, but `*.schema.json`).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// An assertion applied to every scenario besides its `checks:`, e.g.
    /// `--check "duration_s.p95 <= 10m"`. Repeatable.
    #[arg(long = "check", value_name = "ASSERTION")]
    pub checks: Vec<String>,
    /// Decide on the 95% interval instead of the point estimate: its unfavourable end must
    /// satisfy the assertion; an interval straddling the threshold is inconclusive. Only
    /// 0.95 is supported (every interval the summary computes is a 95% interval).
    #[arg(long, value_name = "LEVEL", allow_hyphen_values = true, value_parser = numeric_flags::confidence)]
    pub confidence: Option<f64>,
    /// Inconclusive assertions do not fail the run.
    #[arg(long)]
    pub allow_inconclusive: bool,
    /// Write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t)]
    pub format: CheckFormat,
    /// Number of trials (overrides each scenario's `trials`).
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = numeric_flags::trials)]
    pub trials: Option<u64>,
    /// Seed (overrides each scenario's `seed`).
    #[arg(long, value_name = "S", allow_hyphen_values = true, value_parser = numeric_flags::seed)]
    pub seed: Option<u64>,
    /// Override a scenario field by dotted path. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<Override>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = numeric_flags::threads)]
    pub threads: Option<u64>,
    /// Print only failing and inconclusive assertions (and errors).
    #[arg(long, short)]
    pub quiet: bool,
    /// Compare each scenario with a stored run: a baseline folder (`trials.csv`,
    /// `summary.json`, `baseline.json`) or a `summary.json`. With several scenarios or a
    /// folder input, it holds one subfolder per scenario name. Exit 1 when a metric regressed.
    #[arg(long, value_name = "DIR|summary.json")]
    pub baseline: Option<PathBuf>,
    /// A regression must exceed this fraction of the baseline mean (default 0.05 = 5%).
    #[arg(long, value_name = "FRACTION", default_value_t = 0.05, allow_hyphen_values = true,
          value_parser = numeric_flags::tolerance)]
    pub tolerance: f64,
    /// Write this run as the new baseline into the --baseline folder instead of comparing.
    #[arg(long, requires = "baseline")]
    pub update_baseline: bool,
}

/// Run `check`.
pub fn run(args: &CheckArgs) -> Result<(), CliError> {
    let jobs = load(args)?;
    let confident = args.confidence.is_some();
    let failed = |v: Verdict| match v {
        Verdict::Pass => false,
        Verdict::Fail => true,
        Verdict::Inconclusive => !args.allow_inconclusive,
    };
    let threads = args.threads.map(|n| n as usize);
    let mut results: Vec<Vec<Evaluation>> = Vec::new();
    let mut text = String::new();
    let mut regressions = 0usize;
    for job in &jobs {
        let s = &job.scenario;
        let rows = with_threads(threads, || run_trials(s, 0..s.trials));
        let summary = Summary::from_rows(&s.name, s.seed, &rows);
        let evals: Vec<Evaluation> = job
            .assertions
            .iter()
            .map(|a| {
                let mut e = check::evaluate(a, &summary, confident);
                if e.verdict != Verdict::Pass {
                    e.look_at = check::look_at(a, e.value, &rows)
                        .map(|l| look_at_text(&job.file, &args.set, s, &l));
                }
                e
            })
            .collect();
        // The scenario's lines, under a header naming its file: with --quiet, only for a
        // scenario with something to say (else a FAIL line would not say whose it is).
        let mut lines = String::new();
        for e in &evals {
            if !args.quiet || e.verdict != Verdict::Pass {
                lines += &format!("  {}\n", e.line());
                if let Some(hint) = &e.look_at {
                    lines += &under_verdict(hint);
                }
            }
            if args.format == CheckFormat::Github && failed(e.verdict) {
                lines += &annotation(&job.file, e);
            }
        }
        results.push(evals);
        match &job.baseline {
            BaselineJob::None => {}
            BaselineJob::Update(dir) => {
                write_baseline(dir, s, &rows, &summary)?;
                // A write that succeeded is not something that did not pass.
                if !args.quiet {
                    lines += &format!("  baseline written to {}\n", dir.display());
                }
            }
            BaselineJob::Compare(base) => {
                for w in base
                    .warnings(s)
                    .into_iter()
                    .chain(uncompared(base, &summary))
                {
                    lines += &format!("  {w}\n");
                }
                for c in compare(base, s.seed, &rows, &summary, args.tolerance) {
                    if c.regressed {
                        regressions += 1;
                    }
                    if !args.quiet || c.regressed {
                        lines += &format!("  {}\n", c.line(args.tolerance));
                    }
                    if let (true, Some((k, new, was))) = (c.regressed, c.most_worsened) {
                        let unit = c.column.unit;
                        let l = LookAt {
                            trial: k,
                            pick: TrialPick::Index(k),
                            why: format!(
                                "the most worsened from the baseline ({} {} against {})",
                                c.column.name,
                                value(unit, new),
                                value(unit, was)
                            ),
                        };
                        lines += &under_verdict(&look_at_text(&job.file, &args.set, s, &l));
                    }
                }
            }
        }
        if !args.quiet || !lines.is_empty() {
            text += &format!(
                "{} ({}, {}, seed {})\n{lines}",
                job.file.display(),
                s.name,
                counted(s.trials, "trial"),
                s.seed
            );
        }
    }
    let suites: Vec<Suite> = jobs
        .iter()
        .zip(&results)
        .map(|(j, e)| Suite {
            name: &j.scenario.name,
            file: j.file.to_str().unwrap_or("<non-UTF-8 path>"),
            evaluations: e,
        })
        .collect();
    if let Some(path) = &args.junit {
        write_file(path, junit_xml(&suites, failed).as_bytes())?;
    }
    // Checked before any trial; should it fail now all the same, the verdict is printed
    // first.
    let appended = step_summary(args).map_or(Ok(()), |path| append(&path, &markdown(&suites)));
    print_stdout(&text)?;
    appended?;
    let count = |v: Verdict| results.iter().flatten().filter(|e| e.verdict == v).count();
    let n_failed = count(Verdict::Fail);
    // Inconclusive checks fail the run unless allowed; the last line says which they are,
    // and how to let them pass, so "failed" is never said of a check that did not fail.
    let n_unsure = if args.allow_inconclusive {
        0
    } else {
        count(Verdict::Inconclusive)
    };
    if n_failed > 0 || n_unsure > 0 || regressions > 0 {
        let mut parts = Vec::new();
        if n_failed > 0 {
            parts.push(format!("{} failed", counted(n_failed, "check")));
        }
        if n_unsure > 0 {
            parts.push(format!(
                "{} inconclusive (more trials narrow the interval; --allow-inconclusive \
                 lets such a check pass)",
                counted(n_unsure, "check")
            ));
        }
        if regressions > 0 {
            parts.push(format!(
                "{} regressed from the baseline",
                counted(regressions, "metric")
            ));
        }
        return Err(CliError {
            code: 1,
            error: anyhow!("{}", parts.join(", ")),
        });
    }
    Ok(())
}

/// Writes `trials.csv`, `summary.json` and `baseline.json` into `dir` (created if needed).
fn write_baseline(
    dir: &Path,
    scenario: &Scenario,
    rows: &[TrialResult],
    summary: &Summary,
) -> anyhow::Result<()> {
    let mut info = serde_json::to_vec_pretty(&BaselineInfo::of(scenario))
        .context("baseline.json serialises")?;
    info.push(b'\n');
    // Staged and swapped in whole, as a run's folder is: a kill between two files would
    // otherwise leave a new `trials.csv` beside the earlier `summary.json`, which the next
    // check would read as one baseline. Whatever else an earlier run left there (its
    // `shard.json`, which would make the next `check --baseline` take the folder for a
    // shard, a `timeline.csv` of other trials) goes with it.
    let files = [
        ("trials.csv".to_string(), trials_csv(rows)),
        ("summary.json".to_string(), summary.to_json()),
        (BaselineInfo::FILE.to_string(), info),
    ];
    Staging::begin(dir)
        .and_then(|staging| staging.publish(dir, &files))
        .with_context(|| format!("cannot write the baseline into {}", dir.display()))
}
