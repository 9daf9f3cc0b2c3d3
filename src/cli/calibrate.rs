//! `rollout-sim calibrate FILE…`: fit a `control_plane` to recorded rollout timelines.

use super::CliError;
use super::inputs::{Inputs, same_file};
use super::numeric_flags;
use super::options::{check_file_path, write_file};
use crate::calibrate::app::AppModel;
use crate::calibrate::{Timeline, calibrate, calibrate_against};
use crate::output::table::duration;
use crate::scenario::{self, Format, Phase};
use crate::sim::time::SECOND;
use anyhow::Context;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// How the fitted `control_plane` is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum CalibrateFormat {
    /// A YAML map with a comment per phase (paste under `cluster.control_plane`).
    #[default]
    Yaml,
    /// One line of JSON (for `--set cluster.control_plane=…`).
    Json,
}

/// Arguments of `calibrate`.
#[derive(Debug, Clone, Args)]
pub struct CalibrateArgs {
    /// Recorded timelines: CSV with columns `t, task, slot, version, state` (and
    /// optionally `node`), or JSON Lines written by `run --trace`. Several files (one per
    /// repetition) are pooled.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The scenario of the recorded service: its versions' pull, start and readiness (and
    /// HEALTHCHECK) are the application's own latencies, so only what the engine adds is
    /// fitted, `health_report` included. Timeline versions must be its version names or
    /// images.
    #[arg(long, value_name = "SCENARIO")]
    pub scenario: Option<PathBuf>,
    /// The update config's `delay` during the recording (subtracted from the hand-off);
    /// default: the scenario's `update_config.delay` with `--scenario`, else 0s.
    #[arg(long, value_name = "DURATION", allow_hyphen_values = true,
          value_parser = numeric_flags::duration)]
    pub delay: Option<crate::sim::time::Time>,
    /// Write the result to this file (in an existing folder) instead of stdout (format
    /// from the extension, `.json` or YAML, unless `--format` says).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Output format (default: from `--out`'s extension, else YAML).
    #[arg(long, value_enum)]
    pub format: Option<CalibrateFormat>,
}

/// Read the scenario and the timelines, fit, write; warnings go to stderr (and into the
/// YAML as comments).
pub fn run(args: &CalibrateArgs) -> Result<(), CliError> {
    // Timelines are pooled: one given twice (`calibrate run*.csv run1.csv`) would weigh
    // its samples twice.
    for (i, f) in args.files.iter().enumerate() {
        if let Some(first) = args.files[..i].iter().find(|g| same_file(g, f)) {
            return Err(anyhow::anyhow!(
                "{} and {} are the same file: give each file once (timelines are pooled, \
                 so a file given twice would count twice)",
                first.display(),
                f.display()
            )
            .into());
        }
    }
    if let Some(path) = &args.out {
        check_file_path("--out", path)?;
        let mut inputs = Inputs::new();
        for f in &args.files {
            inputs.add(f, "a timeline");
        }
        if let Some(s) = &args.scenario {
            inputs.scenario(s, &[]);
        }
        inputs.check_file("--out", path)?;
    }
    let app = match &args.scenario {
        Some(path) => Some(AppModel::new(
            &scenario::load_file(path, &[])?,
            &path.display().to_string(),
        )),
        None => None,
    };
    let mut timelines = Vec::with_capacity(args.files.len());
    for path in &args.files {
        // A trace can be large, but never a device or a FIFO: read with the data-file cap.
        let bytes = scenario::user_file::read(path, scenario::limits::MAX_DATA_BYTES)
            .map_err(|e| anyhow::anyhow!(e))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))?;
        let tl = Timeline::parse(&text, &path.display().to_string())
            .with_context(|| path.display().to_string())?;
        timelines.push(tl);
    }
    let scenario_delay = app.as_ref().and_then(|a| a.delay);
    let delay = args.delay.or(scenario_delay).unwrap_or(0);
    let c = match &app {
        Some(app) => calibrate_against(&timelines, delay, app)?,
        None => calibrate(&timelines, delay),
    };
    // A profile of zeros is the `ideal` control plane, not a measurement: refuse it.
    if c.phases.is_empty() && c.slowdown.is_none() {
        let files: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
        return Err(anyhow::anyhow!(
            "{}: no latency could be measured: no task goes from one recorded state to the \
             next (a recording needs each task's successive states, e.g. pending, pulling, \
             starting, running, ready; see docs/control-plane.md)",
            files.join(", ")
        )
        .into());
    }
    for w in &c.warnings {
        eprintln!("warning: {w}");
    }
    if args.delay.is_none() && scenario_delay.is_none() {
        // `next_slot` is the hand-off beyond `update_config.delay`: a recording made with a
        // delay, fitted as if it had none, counts the delay twice once the profile runs.
        if let Some(f) = c.phases.iter().find(|f| f.phase == Phase::NextSlot) {
            eprintln!(
                "note: next_slot (median {}) is measured net of update_config.delay, taken \
                 as 0 here; if the recorded update had a delay, pass --delay D (or \
                 --scenario FILE) so it is not counted twice",
                duration(f.median as f64 / SECOND as f64)
            );
        }
    }
    let json = match args.format {
        Some(f) => f == CalibrateFormat::Json,
        None => args
            .out
            .as_deref()
            .is_some_and(|p| Format::from_path(p) == Some(Format::Json)),
    };
    let text = if json { c.to_json() } else { c.to_yaml() };
    match &args.out {
        Some(path) => write_file(path, text.as_bytes())?,
        None => super::print_stdout(&text)?,
    }
    Ok(())
}
