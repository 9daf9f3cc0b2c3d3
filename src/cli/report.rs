//! `rollout-sim report FILE`: run the trials and the timeline, and write a folder a reviewer
//! can open: the charts (PNG and SVG), `report.md`, a self-contained `report.html`, and
//! the run's own files (`trials.csv`, `summary.json`, `timeline.csv`).
//!
//! The folder is staged and swapped in whole, as `run`'s is (see
//! [`crate::output::folder`]); an interrupted report writes nothing.

use super::options::{OutputFormat, SimOptions};
use super::{CliError, interrupt, print_stdout};
use crate::experiment::{run_timelines, run_trials_until, with_threads};
use crate::output::charts::run_charts;
use crate::output::folder::{Staging, check_replaceable};
use crate::output::report::{ReportInfo, report_html, report_md};
use crate::output::{Summary, bands_csv, summary_table, timeline_bands, timeline_tick, trials_csv};
use anyhow::{Context, anyhow};
use clap::Args;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// Scenario file (YAML or JSON, by extension).
    pub file: PathBuf,
    #[command(flatten)]
    pub sim: SimOptions,
    /// Compare with these scenarios (not yet available in this version: use `compare
    /// --plot`).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub compare: Vec<PathBuf>,
    /// Sweep a parameter (not yet available in this version: use `sweep --plot`).
    #[arg(long, value_name = "PATH=V1,V2,…")]
    pub sweep: Vec<String>,
}

/// Trials the timeline bands are computed over, at most (as `run --timeline`).
const TIMELINE_TRIALS: u64 = 1000;

/// The files of a report folder besides the charts, with what each holds.
const FILES: &[(&str, &str)] = &[
    ("report.html", "this report, one file, charts inline"),
    (
        "report.md",
        "this report in Markdown, charts as the PNG files",
    ),
    ("trials.csv", "one row per trial"),
    ("summary.json", "every statistic of every column"),
    (
        "timeline.csv",
        "ready tasks per version (and traffic) every tick, min/5/50/95/max across trials",
    ),
];

/// Run and write the report folder.
pub fn run(args: &ReportArgs) -> Result<(), CliError> {
    if !args.compare.is_empty() || !args.sweep.is_empty() {
        let flag = if args.compare.is_empty() {
            "--sweep"
        } else {
            "--compare"
        };
        return Err(anyhow!(
            "report {flag}: comparisons and sweeps in a report are not yet available in this \
             version; for their charts run `rollout-sim compare FILE… --plot` or \
             `rollout-sim sweep FILE --set PATH=V1,V2,… --plot`"
        )
        .into());
    }
    let scenario = args.sim.load(Some(&args.file))?;
    let out = args
        .sim
        .out
        .clone()
        .unwrap_or_else(|| Path::new("outputs").join(format!("{}-report", scenario.name)));
    check_replaceable(&out).map_err(|e| anyhow!("--out: {e}"))?;
    let stop = interrupt::watch()?;
    let staging = Staging::begin(&out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let started = Instant::now();
    let threads = args.sim.threads();
    let rows = with_threads(threads, || {
        run_trials_until(&scenario, 0..scenario.trials, stop)
    });
    let n = scenario.trials.min(TIMELINE_TRIALS);
    let timelines = if rows.len() as u64 == scenario.trials {
        let longest = rows[..n as usize]
            .iter()
            .map(|r| r.duration)
            .max()
            .unwrap_or(0);
        let tick = timeline_tick(&scenario, longest);
        with_threads(threads, || run_timelines(&scenario, 0..n, tick, stop))
    } else {
        None
    };
    let Some(timelines) = timelines else {
        // Only a stop leaves trials or timelines unfinished.
        let code = interrupt::stopped_by().unwrap_or(1);
        return Err(CliError {
            code,
            error: anyhow!(
                "interrupted by {}: the report needs every trial; nothing was written",
                interrupt::signal_name(code)
            ),
        });
    };
    let summary = Summary::from_rows(&scenario.name, scenario.seed, &rows);
    let bands = timeline_bands(&scenario, &timelines);
    let charts =
        run_charts(&scenario, &summary, &rows, Some(&bands)).map_err(anyhow::Error::from)?;
    let mut files: Vec<(String, String)> = FILES
        .iter()
        .map(|(f, d)| (f.to_string(), d.to_string()))
        .collect();
    for c in &charts {
        files.push((
            format!("{0}.png, {0}.svg", c.stem),
            format!("chart: {}", c.title),
        ));
    }
    let info = ReportInfo {
        source: args.file.display().to_string(),
        overrides: args.sim.set.iter().map(ToString::to_string).collect(),
        files,
    };
    let staged = |name: &str, bytes: &[u8]| {
        staging
            .write(Path::new(name), bytes)
            .with_context(|| format!("cannot write {}", out.join(name).display()))
    };
    staged("trials.csv", &trials_csv(&rows))?;
    staged("summary.json", &summary.to_json())?;
    staged("timeline.csv", &bands_csv(&bands))?;
    for c in &charts {
        staged(&format!("{}.png", c.stem), &c.png)?;
        staged(&format!("{}.svg", c.stem), c.svg.as_bytes())?;
    }
    staged(
        "report.md",
        report_md(&scenario, &summary, &info, &charts).as_bytes(),
    )?;
    staged(
        "report.html",
        report_html(&scenario, &summary, &info, &charts).as_bytes(),
    )?;
    staging
        .commit()
        .with_context(|| format!("cannot move the report into {}", out.display()))?;
    if args.sim.quiet {
        return Ok(());
    }
    match args.sim.format {
        OutputFormat::Json => print_stdout(&String::from_utf8_lossy(&summary.to_json())),
        OutputFormat::Table => print_stdout(&format!(
            "{}\nreport in {} ({} charts, {:.2}s): open {}\n",
            summary_table(&summary),
            out.display(),
            charts.len(),
            started.elapsed().as_secs_f64(),
            out.join("report.html").display()
        )),
    }
}
