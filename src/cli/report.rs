//! `rollout-sim report FILE`: run what is needed and write a folder a reviewer can open:
//! the charts (PNG and SVG), `report.md`, a self-contained `report.html`, and the files the
//! matching command writes. Three modes, one page skeleton
//! ([`crate::output::report`]):
//!
//! - a run (`trials.csv`, `summary.json`, `timeline.csv`);
//! - `--sweep PATH=V1,V2,…` (as `sweep --set`, with `--objective` / `--constraint`):
//!   `sweep.csv`, `sweep.json`;
//! - `--compare FILE2 [FILE3…]` (as `compare FILE FILE2 …`) or `--variant NAME:PATH=V;…`
//!   (as `compare FILE --variant …`): `compare.csv`, `compare.json`.
//!
//! The folder is staged and swapped in whole, as `run`'s is (see
//! [`crate::output::folder`]); an interrupted report writes nothing.

use super::compare::{
    self, Variant, compare, file_variants, load_variants, named_variants, variant_inputs,
};
use super::inputs::Inputs;
use super::options::SimOptions;
use super::picks::Picks;
use super::shown_trials::{self, PairedShown, ShownTrial};
use super::sweep::{self, ObjectiveOptions, SweepPlan, chart_files};
use super::{CliError, interrupt, print_stdout};
use crate::experiment::{
    FirstOfEachOutcome, TrialPick, run_timelines, run_trials_until, with_threads,
};
use crate::output::charts::{ChartFile, run_charts};
use crate::output::compare_charts::file_tags;
use crate::output::folder::Staging;
use crate::output::human_text::counted;
use crate::output::report::{
    Page, Paired, PairedTrial, PickedTrial, ReportInfo, VariantTrial, compare_page, run_page,
    sweep_page,
};
use crate::output::{Summary, bands_csv, summary_table, timeline_bands, timeline_tick, trials_csv};
use crate::result::TrialResult;
use crate::scenario::{Override, Scenario};
use anyhow::anyhow;
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Arguments of `report`. `--out` is [`SimOptions`]' with the help of what it does here.
#[derive(Debug, Clone, Args)]
#[command(mut_arg("out", |a| a.help(
    "Output folder (default `outputs/<scenario name>-report/`; with `--sweep` \
     `…-sweep-report/`, with `--compare` or `--variant` `…-compare-report/`)"
)))]
pub struct ReportArgs {
    /// Scenario file (YAML or JSON, by extension); with `--compare`, the baseline; with
    /// `--variant`, the file every variant varies.
    pub file: PathBuf,
    #[command(flatten)]
    pub sim: SimOptions,
    /// Compare FILE (the baseline) with these scenarios on the same trials, as `compare
    /// FILE FILE2 …` does; `--set` applies to every one.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with = "sweep")]
    pub compare: Vec<PathBuf>,
    /// Compare named variants of FILE on the same trials, as `compare FILE --variant …`
    /// does: `NAME:PATH=VALUE[;PATH=VALUE…]`, two or more, the first the baseline;
    /// `--set` applies to every one.
    #[arg(
        long,
        value_name = "NAME:PATH=V;…",
        conflicts_with_all = ["sweep", "compare"]
    )]
    pub variant: Vec<String>,
    /// Sweep a field over these values, as `sweep --set PATH=V1,V2,…` does; repeatable
    /// (one axis each). `--set` then applies to every point.
    #[arg(long, value_name = "PATH=V1,V2,…")]
    pub sweep: Vec<Override>,
    #[command(flatten)]
    pub choice: ObjectiveOptions,
    /// Leave out the `--sweep` grid's points the scenario's rules refuse (`maxSurge` and
    /// `maxUnavailable` both 0, …) instead of refusing the report; the report lists them.
    #[arg(long, requires = "sweep")]
    pub skip_invalid: bool,
    /// Show this trial by itself too: how it ended, its metrics beside the run's, what
    /// happened in it, its own timeline charts (in a comparison, under every variant; in a
    /// sweep of at most 8 points, at every point).
    /// `K` (its number, from 0) or an outcome (`rolled_back`, `completed`, …) for the first
    /// trial that ended so; repeatable.
    #[arg(long = "trial", value_name = "K|OUTCOME", allow_hyphen_values = true)]
    pub trial: Vec<TrialPick>,
}

/// Trials the timeline bands are computed over, at most (as `run --timeline`).
const TIMELINE_TRIALS: u64 = 1000;

/// The report's own files, then each mode's, with what each holds.
const REPORT_FILES: &[(&str, &str)] = &[
    ("report.html", "this report, one file, charts inline"),
    (
        "report.md",
        "this report in Markdown, charts as the PNG files",
    ),
];
const RUN_FILES: &[(&str, &str)] = &[
    ("trials.csv", "one row per trial"),
    ("summary.json", "every statistic of every column"),
    (
        "timeline.csv",
        "ready tasks per version (and traffic) every tick, min/5/50/95/max across trials",
    ),
];
const SWEEP_FILES: &[(&str, &str)] = &[
    (
        "sweep.csv",
        "one row per point: the swept values, then every METRIC.STAT",
    ),
    (
        "sweep.json",
        "the same per point, with the objective, the best point and the Pareto front",
    ),
];
const COMPARE_FILES: &[(&str, &str)] = &[
    (
        "compare.csv",
        "one row per variant and metric: means, paired difference and its intervals, verdict",
    ),
    ("compare.json", "the same, with the verdict of each variant"),
];

/// Run and write the report folder.
pub fn run(args: &ReportArgs) -> Result<(), CliError> {
    if args.choice.is_given() && args.sweep.is_empty() {
        return Err(anyhow!(
            "--objective and --constraint choose a sweep's best point: give --sweep \
             PATH=V1,V2,… too"
        )
        .into());
    }
    args.choice.check()?;
    if !args.sweep.is_empty() {
        sweep_report(args)
    } else if !args.compare.is_empty() || !args.variant.is_empty() {
        compare_report(args)
    } else {
        run_report(args)
    }
}

/// What `files` hold, then each chart's two files.
fn listing(files: &[&[(&str, &str)]], charts: &[ChartFile]) -> Vec<(String, String)> {
    let own = files
        .iter()
        .flat_map(|f| f.iter())
        .map(|(f, d)| (f.to_string(), d.to_string()));
    let drawn = charts.iter().map(|c| {
        (
            format!("{0}.png, {0}.svg", c.stem),
            format!("chart: {}", c.title),
        )
    });
    own.chain(drawn).collect()
}

/// Move the charts of `t` (a trial shown by itself; `under`: the comparison's variant it
/// ran under) to the end of the report's `charts`, and list its files in `files`; the
/// indices its charts took.
fn place(
    t: &mut ShownTrial,
    under: Option<&str>,
    charts: &mut Vec<ChartFile>,
    files: &mut Vec<(String, String)>,
) -> Vec<usize> {
    files.extend(t.listed(under));
    let at = (charts.len()..charts.len() + t.charts.len()).collect();
    charts.append(&mut t.charts);
    at
}

/// Stage `files`, the report's two pages and the charts, and swap the folder in.
fn publish(
    staging: Staging,
    out: &Path,
    mut files: Vec<(String, Vec<u8>)>,
    page: &Page,
    charts: Vec<ChartFile>,
) -> anyhow::Result<()> {
    files.push(("report.md".into(), page.markdown(&charts).into_bytes()));
    files.push(("report.html".into(), page.html(&charts).into_bytes()));
    files.extend(chart_files(charts));
    Ok(staging.publish(out, &files)?)
}

/// The error of a report stopped by a signal: it writes nothing.
fn interrupted() -> CliError {
    // Only a stop leaves trials unfinished.
    let code = interrupt::stopped_by().unwrap_or(1);
    CliError {
        code,
        error: anyhow!(
            "interrupted by {}: the report needs every trial; nothing was written",
            interrupt::signal_name(code)
        ),
    }
}

/// What is printed once the folder is in place: `table`, then where the report is.
fn done(
    args: &ReportArgs,
    table: String,
    json: &[u8],
    out: &Path,
    charts: usize,
    started: Instant,
) -> Result<(), CliError> {
    match args.sim.printed(json, || {
        format!(
            "{table}\nreport in {} ({}, {:.2}s): open {}\n",
            out.display(),
            counted(charts, "chart"),
            started.elapsed().as_secs_f64(),
            out.join("report.html").display()
        )
    }) {
        Some(printed) => print_stdout(&printed),
        None => Ok(()),
    }
}

fn info(args: &ReportArgs, sources: Vec<String>, files: Vec<(String, String)>) -> ReportInfo {
    ReportInfo {
        sources,
        overrides: args.sim.set.iter().map(ToString::to_string).collect(),
        variant_settings: Vec::new(),
        files,
    }
}

/// `report FILE --sweep …`: the sweep's table and charts.
fn sweep_report(args: &ReportArgs) -> Result<(), CliError> {
    let plan = SweepPlan::load(
        &args.file,
        &args.sim,
        &args.sweep,
        "--sweep",
        args.skip_invalid,
    )?;
    if !args.trial.is_empty() {
        shown_trials::check_points(&args.trial, &plan)?;
    }
    let inputs = SweepPlan::inputs(&args.file, &args.sim, &args.sweep);
    let (out, stop, staging) = args.sim.begin_folder(
        &format!("{}-sweep-report", plan.points[0].name),
        &args.file,
        &inputs,
    )?;
    let started = Instant::now();
    let mut run = plan.run(&args.sim, !args.trial.is_empty(), stop)?;
    let rows = std::mem::take(&mut run.rows);
    let report = plan.report(&args.choice, run);
    if report.partial {
        return Err(interrupted());
    }
    let mut charts = plan.charts(&report)?;
    // The trials shown at every point, found now that every row is known.
    let names: Vec<String> = (0..report.points.len())
        .map(|i| report.point_name(i))
        .collect();
    let mut own_files = listing(&[REPORT_FILES, SWEEP_FILES], &[]);
    let paired = Shown::record(
        args,
        Paired::Points,
        (&plan.points, &names, &rows),
        &mut charts,
        &mut own_files,
        stop,
    )?;
    own_files.extend(listing(&[], &charts));
    let info = info(args, vec![args.file.display().to_string()], own_files);
    let views = paired.views(&plan.points, &names, &rows);
    let page = sweep_page(&report, &plan.points, &info, &charts, &views);
    drop(views);
    let json = report.json();
    let mut files = vec![
        ("sweep.csv".to_string(), report.csv()),
        ("sweep.json".to_string(), json.clone()),
    ];
    let notes = paired.notes(&names);
    files.extend(paired.into_files());
    let n = charts.len();
    publish(staging, &out, files, &page, charts)?;
    notes.iter().for_each(|note| eprintln!("{note}"));
    done(args, sweep::table(&report), &json, &out, n, started)
}

/// The variants `report` compares, and the scenario file each column of the report names.
fn compared(args: &ReportArgs) -> anyhow::Result<(Vec<Variant>, Vec<String>)> {
    if args.variant.is_empty() {
        let paths: Vec<PathBuf> = std::iter::once(args.file.clone())
            .chain(args.compare.iter().cloned())
            .collect();
        let sources = paths.iter().map(|p| p.display().to_string()).collect();
        return Ok((file_variants(&paths, &args.sim.set), sources));
    }
    let variants = named_variants(&args.variant, &args.file, &args.sim.set)?;
    anyhow::ensure!(
        variants.len() >= 2,
        "report --variant compares two or more variants of FILE, the first the baseline: \
         give --variant 'NAME:PATH=V;…' once per variant (to compare with the file as it \
         is, set a field to the value it has)"
    );
    Ok((variants, vec![args.file.display().to_string()]))
}

/// `report FILE --compare FILE2 …` or `report FILE --variant … --variant …`: the paired
/// differences and their charts.
fn compare_report(args: &ReportArgs) -> Result<(), CliError> {
    let (variants, sources) = compared(args)?;
    let settings: Vec<String> = (variants.iter())
        .map(|v| {
            let own = v.own_settings().iter().map(ToString::to_string);
            own.collect::<Vec<_>>().join("; ")
        })
        .collect();
    let scenarios = load_variants(&variants, &args.sim, "report")?;
    shown_trials::check(&args.trial, scenarios[0].trials)?;
    let (out, stop, staging) = args.sim.begin_folder(
        &format!("{}-compare-report", scenarios[0].name),
        &args.file,
        &variant_inputs(&variants),
    )?;
    let started = Instant::now();
    let c = compare(
        variants,
        &scenarios,
        &args.sim,
        true,
        !args.trial.is_empty(),
        stop,
    )?;
    let report = c.report();
    if report.partial {
        return Err(interrupted());
    }
    let mut charts = c.charts()?;
    // The trials shown under every variant, found now that every row is known.
    let mut own_files = listing(&[REPORT_FILES, COMPARE_FILES], &[]);
    let paired = Shown::record(
        args,
        Paired::Variants,
        (&scenarios, &c.names, &c.rows),
        &mut charts,
        &mut own_files,
        stop,
    )?;
    own_files.extend(listing(&[], &charts));
    let mut info = info(args, sources, own_files);
    if settings.iter().any(|s| !s.is_empty()) {
        info.variant_settings = settings;
    }
    let views = paired.views(&scenarios, &c.names, &c.rows);
    let page = compare_page(&report, &scenarios, &info, &charts, &views);
    drop(views);
    let json = report.json();
    let mut files = vec![
        ("compare.csv".to_string(), report.csv()),
        ("compare.json".to_string(), json.clone()),
    ];
    let notes = paired.notes(&c.names);
    files.extend(paired.into_files());
    let n = charts.len();
    publish(staging, &out, files, &page, charts)?;
    notes.iter().for_each(|note| eprintln!("{note}"));
    done(args, compare::table(&report), &json, &out, n, started)
}

/// The trials `--trial` shows under every variant of a comparison (or at every point of
/// a sweep), recorded, with the indices their charts took among the report's charts.
struct Shown {
    trials: Vec<PairedShown>,
    placed: Vec<Vec<Vec<usize>>>,
}

impl Shown {
    /// Record the trials under each of `scenarios` (named `names`, their rows `rows`), now
    /// that every row is known; move their charts to the end of `charts` and list their
    /// files in `files`.
    fn record(
        args: &ReportArgs,
        of: Paired,
        (scenarios, names, rows): (&[Scenario], &[String], &[Vec<TrialResult>]),
        charts: &mut Vec<ChartFile>,
        files: &mut Vec<(String, String)>,
        stop: &AtomicBool,
    ) -> Result<Shown, CliError> {
        let tags = file_tags(names);
        let threads = args.sim.threads();
        let picks = &args.trial;
        let recorded =
            shown_trials::record_paired(of, scenarios, names, &tags, rows, picks, threads, stop)?;
        let Some(mut trials) = recorded else {
            return Err(interrupted());
        };
        let placed = (trials.iter_mut())
            .map(|p| {
                (p.under.iter_mut().zip(names))
                    .map(|(t, name)| place(t, Some(name), charts, files))
                    .collect()
            })
            .collect();
        Ok(Shown { trials, placed })
    }

    /// The trials as the report's sections read them.
    fn views<'a>(
        &'a self,
        scenarios: &'a [Scenario],
        names: &'a [String],
        rows: &'a [Vec<TrialResult>],
    ) -> Vec<PairedTrial<'a>> {
        (self.trials.iter().zip(&self.placed))
            .map(|(p, at)| PairedTrial {
                of: p.of,
                by_outcome: (p.by_outcome.iter())
                    .map(|&(o, v)| (o, names[v].as_str()))
                    .collect(),
                under: (p.under.iter().zip(at).enumerate())
                    .map(|(v, (t, at))| VariantTrial {
                        name: &names[v],
                        scenario: &scenarios[v],
                        trial: PickedTrial {
                            row: &rows[v][t.trial as usize],
                            by_outcome: None,
                            records: &t.records,
                            charts: at,
                            files: [&t.files[0].0, &t.files[1].0],
                        },
                    })
                    .collect(),
            })
            .collect()
    }

    /// What is said on stderr of the trials picked by their outcome.
    fn notes(&self, names: &[String]) -> Vec<String> {
        self.trials.iter().flat_map(|p| p.notes(names)).collect()
    }

    /// Every trial's files (trace, timeline), to be written beside the report.
    fn into_files(self) -> impl Iterator<Item = (String, Vec<u8>)> {
        (self.trials.into_iter())
            .flat_map(|p| p.under)
            .flat_map(|t| t.files)
    }
}

/// `report FILE`: one run, its timeline and its charts.
fn run_report(args: &ReportArgs) -> Result<(), CliError> {
    let scenario = args.sim.load_for(&args.file, "report")?;
    shown_trials::check(&args.trial, scenario.trials)?;
    let mut inputs = Inputs::new();
    inputs.scenario(&args.file, &args.sim.set);
    let (out, stop, staging) =
        args.sim
            .begin_folder(&format!("{}-report", scenario.name), &args.file, &inputs)?;
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
        return Err(interrupted());
    };
    let summary = Summary::from_rows(&scenario.name, scenario.seed, &rows);
    let bands = timeline_bands(&scenario, &timelines);
    let mut charts =
        run_charts(&scenario, &summary, &rows, Some(&bands)).map_err(anyhow::Error::from)?;
    // The trials shown by themselves, found now that every row is known.
    let mut picks = Picks::from_ends(FirstOfEachOutcome::of(&rows));
    let threads = args.sim.threads();
    let shown = shown_trials::record(
        &scenario,
        &summary,
        &rows,
        &args.trial,
        &mut picks,
        threads,
        stop,
    )?;
    let Some(mut shown) = shown else {
        return Err(interrupted());
    };
    let mut own_files = listing(&[REPORT_FILES, RUN_FILES], &[]);
    let placed: Vec<Vec<usize>> = (shown.iter_mut())
        .map(|t| place(t, None, &mut charts, &mut own_files))
        .collect();
    own_files.extend(listing(&[], &charts));
    let info = info(args, vec![args.file.display().to_string()], own_files);
    let picked: Vec<PickedTrial> = shown
        .iter()
        .zip(&placed)
        .map(|(t, at)| PickedTrial {
            row: &rows[t.trial as usize],
            by_outcome: t.by_outcome,
            records: &t.records,
            charts: at,
            files: [&t.files[0].0, &t.files[1].0],
        })
        .collect();
    let page = run_page(&scenario, &summary, &info, &charts, &picked);
    let json = summary.to_json();
    let mut files = vec![
        ("trials.csv".to_string(), trials_csv(&rows)),
        ("summary.json".to_string(), json.clone()),
        ("timeline.csv".to_string(), bands_csv(&bands)),
    ];
    drop(picked);
    for t in shown {
        files.extend(t.files);
    }
    let n = charts.len();
    publish(staging, &out, files, &page, charts)?;
    picks.note();
    done(args, summary_table(&summary), &json, &out, n, started)
}
