//! `rollout-sim sweep FILE --set PATH=V1,V2,… [--set …]`: a grid over scenario fields,
//! every point on the same seed (common random numbers), written as `sweep.csv` and
//! `sweep.json`, with the best point under `--constraint`s and the Pareto front.

use super::inputs::Inputs;
use super::options::SimOptions;
use super::progress::execute;
use super::{CliError, interrupt, print_stdout};
use crate::check::Assertion;
use crate::experiment::objective::{Objective, constraint};
use crate::experiment::sweep::{Grid, best, front_axes, pareto, split_values};
use crate::experiment::{Experiment, Fanout, PerVariant, Recording, VariantRows};
use crate::output::Summary;
use crate::output::charts::ChartFile;
use crate::output::human_text::counted;
use crate::output::sinks::SummarySink;
use crate::output::sweep::SweepReport;
use crate::output::sweep_charts::{lines_missing, shown, sweep_charts};
use crate::result::TrialResult;
use crate::scenario::{Override, Scenario, SweepAxis, SweepValue, sweep::MAX_SWEEP_POINTS};
use anyhow::{Context, anyhow};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// How a sweep chooses its best point; `sweep` and `report --sweep` take the same flags.
#[derive(Debug, Clone, Default, Args)]
pub struct ObjectiveOptions {
    /// The statistic to optimise, `METRIC.STAT` (minimised, e.g. `duration_s.p95`) or
    /// `max:METRIC.STAT` (maximised, e.g. `max:availability.p01`); any left side of a
    /// check (`outcome.NAME`, `outcome.NAME.rate`).
    #[arg(long, value_name = "METRIC.STAT")]
    pub objective: Option<Objective>,
    /// A condition the best point must meet, in the grammar of `check`: `"METRIC.STAT OP
    /// NUMBER"`, `"outcome.NAME OP COUNT"` or `"outcome.NAME.rate OP FRACTION"` with OP one
    /// of `<`, `<=`, `>`, `>=`, `==`, `!=`. Repeatable.
    #[arg(long, value_name = "\"METRIC.STAT OP NUMBER\"", value_parser = constraint)]
    pub constraint: Vec<Assertion>,
}

impl ObjectiveOptions {
    /// A constraint without an objective has no best point to constrain.
    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.constraint.is_empty() || self.objective.is_some(),
            "--constraint needs an --objective to choose the best point by: the statistic \
             to minimise (`--objective duration_s.p95`) or to maximise (`--objective \
             max:availability.p01`)"
        );
        Ok(())
    }

    /// Whether any flag is given.
    pub fn is_given(&self) -> bool {
        self.objective.is_some() || !self.constraint.is_empty()
    }
}

/// Arguments of `sweep`. `--out` and `--set` are [`SimOptions`]' with the help of what
/// they do here.
#[derive(Debug, Clone, Args)]
#[command(
    mut_arg("out", |a| a.help("Output folder (default `outputs/<scenario name>-sweep/`)")),
    mut_arg("set", |a| a.value_name("PATH=V1,V2,…").help(
        "Sweep a scenario field, by its dotted path, over these values: each `--set \
         PATH=V1,V2,…` is one axis of the grid (and replaces the file's `sweep:` axis of \
         that path; one value is an axis of one point). Repeatable, once per field"
    )),
)]
pub struct SweepArgs {
    /// Scenario file (YAML or JSON); its `sweep:` block, if any, gives the grid, and each
    /// `--set PATH=V1,V2,…` adds an axis (or replaces the file's axis of that path).
    pub file: PathBuf,
    #[command(flatten)]
    pub sim: SimOptions,
    #[command(flatten)]
    pub choice: ObjectiveOptions,
    /// Draw the sweep's charts (PNG and SVG) beside sweep.csv: a heatmap of the objective
    /// (else `duration_s.p95`) over two swept parameters, lines with 95% intervals over
    /// one, and the Pareto front.
    #[arg(long)]
    pub plot: bool,
    /// Leave out the grid's points the scenario's rules refuse (`maxSurge` and
    /// `maxUnavailable` both 0, …) instead of refusing the sweep; they are listed in the
    /// table and in sweep.json's `left_out`.
    #[arg(long)]
    pub skip_invalid: bool,
}

/// A validated sweep: the grid and one loaded scenario per point it runs.
pub struct SweepPlan {
    /// The swept fields.
    pub grid: Grid,
    /// The scenario of each point that runs, in grid order.
    pub points: Vec<Scenario>,
    /// The grid index of each of `points` (every index unless points were left out).
    pub at: Vec<usize>,
    /// The points `--skip-invalid` left out: grid index, and why the loader refused it.
    pub left_out: Vec<(usize, String)>,
}

/// A sweep that ran: every point's summary, and the trials each point ran.
pub struct SweepRun {
    /// Point `i`'s summary.
    pub summaries: Vec<Summary>,
    /// Point `i`'s rows, in trial order (empty unless asked for).
    pub rows: Vec<Vec<TrialResult>>,
    /// Trials every point ran (fewer than asked for when interrupted).
    pub done: u64,
}

impl SweepPlan {
    /// The grid and every point's scenario, all loaded before any trial runs. `sim.set`
    /// applies to every point; each of `axes` (`PATH=V1,V2,…`, given as `flag`) is an axis
    /// and replaces the file's `sweep:` axis of the same path.
    /// With `skip_invalid`, a point the loader refuses (`maxSurge: 0` beside
    /// `maxUnavailable: 0`) is left out, said in [`SweepPlan::left_out`], instead of
    /// refusing the sweep; a grid of no valid point is still refused.
    pub fn load(
        file: &Path,
        sim: &SimOptions,
        axes: &[Override],
        flag: &str,
        skip_invalid: bool,
    ) -> anyhow::Result<SweepPlan> {
        // `report --sweep` loads its grid here too.
        let command = if flag == "--set" { "sweep" } else { "report" };
        let base = sim.load_for(file, command)?;
        let mut grid_axes: Vec<SweepAxis> = base.sweep.clone();
        for (i, set) in axes.iter().enumerate() {
            // A second axis of one path would replace the first one silently.
            if axes[..i].iter().any(|a| a.path == set.path) {
                anyhow::bail!(
                    "{flag} {}: that field is swept by an earlier {flag} already; set it once, \
                     with every value ({flag} {}=V1,V2,…)",
                    set.path,
                    set.path
                );
            }
            let values: Vec<SweepValue> = split_values(&set.value)
                .iter()
                .map(|v| SweepValue::text(v))
                .collect();
            if let Some(empty) = values.iter().position(|v| v.text.is_empty()) {
                anyhow::bail!("{flag} {set}: value {} is empty", empty + 1);
            }
            // The same value twice would run the same point twice under two rows.
            if let Some((j, v)) = values
                .iter()
                .enumerate()
                .find(|(j, v)| values[..*j].iter().any(|w| w.text == v.text))
            {
                anyhow::bail!(
                    "{flag} {set}: value {} ({}) is given twice; give each value once",
                    j + 1,
                    v.text
                );
            }
            let axis = SweepAxis {
                path: set.path.clone(),
                values,
            };
            match grid_axes.iter_mut().find(|a| a.path == axis.path) {
                Some(a) => *a = axis,
                None => grid_axes.push(axis),
            }
        }
        anyhow::ensure!(
            !grid_axes.is_empty(),
            "{}: nothing to sweep: give {flag} PATH=V1,V2,… or a `sweep:` block in the file",
            file.display()
        );
        if let Some(a) = grid_axes
            .iter()
            .find(|a| sim.set.iter().any(|s| s.path == a.path))
        {
            anyhow::bail!(
                "--set {}: that field is swept ({flag} or the file's `sweep:` block); set it \
                 or sweep it, not both",
                a.path
            );
        }
        // Every point runs the first point's trials: the other values of a `trials` axis
        // would be rows that claim trials no point ran.
        anyhow::ensure!(
            !grid_axes.iter().any(|a| a.path == "trials"),
            "`trials` is swept ({flag} or the file's `sweep:` block), and cannot be: every \
             point runs the same trials (common random numbers), as many as the first \
             point's; give --trials N (or the file's `trials`) and sweep other fields"
        );
        // `--seed` applies to every point after its values: the axis would name seeds that
        // no point ran with.
        if let (Some(seed), true) = (sim.seed, grid_axes.iter().any(|a| a.path == "seed")) {
            anyhow::bail!(
                "--seed {seed}: `seed` is swept ({flag} or the file's `sweep:` block), and \
                 --seed would run every point with seed {seed}; set it or sweep it, not both"
            );
        }
        let grid = Grid { axes: grid_axes };
        let n = grid
            .axes
            .iter()
            .try_fold(1usize, |p, a| p.checked_mul(a.values.len()));
        anyhow::ensure!(
            n.is_some_and(|n| n <= MAX_SWEEP_POINTS),
            "the grid has more than {MAX_SWEEP_POINTS} points; sweep fewer values"
        );
        let fewer = format!("sweep fewer values ({flag})");
        let load_point = |i: usize| {
            let point = SimOptions {
                set: sim.set.iter().cloned().chain(grid.overrides(i)).collect(),
                ..sim.clone()
            };
            point.load(Some(file))
        };
        // The loader names only the user's own `--set`s: say which point it was
        // (`sweep --set` sweeps; `report --set` does not, `report --sweep` does).
        let by = if flag == "--set" { "sweep" } else { flag };
        let point_name = |i: usize| {
            let values: Vec<String> = grid.overrides(i).iter().map(ToString::to_string).collect();
            format!("{by} point {}", values.join(", "))
        };
        let (mut points, mut at, mut left_out) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..grid.len() {
            match load_point(i) {
                Ok(point) => {
                    // Every point runs the first point's trials: the budget is refused
                    // before the other points (up to 10,000) are loaded.
                    if points.is_empty() {
                        sim.check_budget(point.trials, grid.len(), "grid points", file, &fewer)?;
                    }
                    points.push(point);
                    at.push(i);
                }
                Err(e) if skip_invalid => left_out.push((i, format!("{e:#}"))),
                Err(e) => {
                    let e = e.context(point_name(i));
                    // A setting no value of the grid can mend is refused as it is; where
                    // other points load, the grid can run without this one.
                    if let Some(j) = (0..grid.len()).find(|&j| j != i && load_point(j).is_ok()) {
                        anyhow::bail!(
                            "{e:#}\n(other points load, {} for one: --skip-invalid runs the \
                             grid without the points the scenario's rules refuse, listing \
                             them)",
                            point_name(j)
                        );
                    }
                    return Err(e);
                }
            }
        }
        if let (true, Some((i, why))) = (points.is_empty(), left_out.first()) {
            anyhow::bail!(
                "{}: {why}\n(--skip-invalid: every point of the grid is invalid, so there is \
                 nothing to run)",
                point_name(*i)
            );
        }
        Ok(SweepPlan {
            grid,
            points,
            at,
            left_out,
        })
    }

    /// The files the sweep reads: the scenario, and the data files it or an override names.
    pub fn inputs(file: &Path, sim: &SimOptions, axes: &[Override]) -> Inputs {
        let mut sets = sim.set.clone();
        for a in axes {
            for v in split_values(&a.value) {
                sets.push(Override {
                    value: v,
                    ..a.clone()
                });
            }
        }
        let mut inputs = Inputs::new();
        inputs.scenario(file, &sets);
        inputs
    }

    /// Run every point on the same trials, into one summary each; `rows`: keep every
    /// trial's row of each point too (for trials shown by themselves).
    pub fn run(&self, sim: &SimOptions, rows: bool, stop: &AtomicBool) -> anyhow::Result<SweepRun> {
        let experiment = Experiment {
            variants: self.points.iter().collect(),
            trials: 0..self.points[0].trials,
            record: Recording::default(),
        };
        let mut sinks = PerVariant(
            self.points
                .iter()
                .map(|p| SummarySink::new(&p.name, p.seed))
                .collect(),
        );
        let mut all_rows = VariantRows::default();
        let mut both = Fanout(vec![&mut sinks]);
        if rows {
            both.0.push(&mut all_rows);
        }
        let (done, _) = execute(&experiment, sim.threads(), sim.quiet, stop, &mut both)
            .context("cannot run the sweep")?;
        drop(both);
        Ok(SweepRun {
            summaries: sinks.0.iter().map(SummarySink::finish).collect(),
            rows: all_rows.0,
            done,
        })
    }

    /// The finished sweep: its points, best point and Pareto front.
    pub fn report<'a>(&'a self, choice: &'a ObjectiveOptions, run: SweepRun) -> SweepReport<'a> {
        let front_axes = front_axes(&run.summaries);
        SweepReport {
            scenario: &self.points[0].name,
            seed: self.points[0].seed,
            axes: &self.grid.axes,
            front: pareto(&run.summaries, &front_axes),
            front_axes,
            best: choice
                .objective
                .as_ref()
                .and_then(|o| best(&run.summaries, o, &choice.constraint)),
            objective: choice.objective.as_ref(),
            constraints: &choice.constraint,
            points: (run.summaries.into_iter().zip(&self.at))
                .map(|(s, &i)| (self.grid.point(i), s))
                .collect(),
            at: &self.at,
            left_out: (self.left_out.iter())
                .map(|(i, why)| (self.grid.point(*i), why.as_str()))
                .collect(),
            partial: run.done != self.points[0].trials,
        }
    }

    /// The sweep's charts (heatmap or lines, Pareto front).
    pub fn charts(&self, report: &SweepReport<'_>) -> anyhow::Result<Vec<ChartFile>> {
        let replicas: Vec<u32> = self.points.iter().map(|p| p.service.replicas).collect();
        sweep_charts(report, &replicas).context("cannot draw the sweep's charts")
    }
}

/// Each chart as its `(file name, bytes)` pair, PNG then SVG.
pub fn chart_files(charts: Vec<ChartFile>) -> impl Iterator<Item = (String, Vec<u8>)> {
    charts.into_iter().flat_map(|c| {
        [
            (format!("{}.png", c.stem), c.png),
            (format!("{}.svg", c.stem), c.svg.into_bytes()),
        ]
    })
}

/// Run the grid, write `sweep.csv` / `sweep.json`, print the points and the best one.
pub fn run(args: &SweepArgs) -> Result<(), CliError> {
    args.choice.check()?;
    // Here every `--set` is an axis (one value: an axis of one point).
    let plain = SimOptions {
        set: Vec::new(),
        ..args.sim.clone()
    };
    let plan = SweepPlan::load(
        &args.file,
        &plain,
        &args.sim.set,
        "--set",
        args.skip_invalid,
    )?;
    let inputs = SweepPlan::inputs(&args.file, &plain, &args.sim.set);
    let (out, stop, staging) = args.sim.begin_folder(
        &format!("{}-sweep", plan.points[0].name),
        &args.file,
        &inputs,
    )?;
    let run = plan.run(&args.sim, false, stop)?;
    let done = run.done;
    let report = plan.report(&args.choice, run);
    let json = report.json();
    let mut files = vec![
        ("sweep.csv".to_string(), report.csv()),
        ("sweep.json".to_string(), json.clone()),
    ];
    let partial = report.partial;
    if args.plot && !partial {
        files.extend(chart_files(plan.charts(&report)?));
        if let Some(why) = lines_missing(&report)
            && !args.sim.quiet
        {
            eprintln!("note: {why}");
        }
    }
    staging.publish(&out, &files)?;
    if let Some(code) = interrupt::stopped_by() {
        let signal = interrupt::signal_name(code);
        return Err(CliError {
            code,
            error: match partial {
                true => anyhow!(
                    "interrupted by {signal}: every point ran the first {}; written to {} \
                     (sweep.json has \"partial\": true)",
                    counted(done, "trial"),
                    out.display()
                ),
                // Every trial had started when the signal came, and ran on: nothing is
                // missing.
                false => anyhow!(
                    "interrupted by {signal} {}: every point ran all {}; \
                     written to {}, complete (sweep.json has \"partial\": false)",
                    interrupt::AFTER_THE_LAST_START,
                    counted(done, "trial"),
                    out.display()
                ),
            },
        });
    }
    if let Some(printed) = args.sim.printed(&json, || {
        format!("{}results in {}\n", table(&report), out.display())
    }) {
        print_stdout(&printed)?;
    }
    Ok(())
}

/// The printed table: one line per point with its key figures, `*` on the best point,
/// `P` on the Pareto front.
pub fn table(r: &SweepReport<'_>) -> String {
    let summaries: Vec<&Summary> = r.points.iter().map(|(_, s)| s).collect();
    let stats = r.key_stats();
    let names: Vec<String> = stats.iter().map(ToString::to_string).collect();
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once(String::new())
            .chain(r.axis_headers())
            .chain(names.iter().cloned())
            .collect(),
    ];
    for (i, (values, s)) in r.points.iter().enumerate() {
        let mark = format!(
            "{}{}",
            if r.best == Some(i) { "*" } else { " " },
            if r.front.contains(&i) { "P" } else { " " }
        );
        rows.push(
            std::iter::once(mark)
                .chain(values.iter().map(|v| v.shown.clone()))
                .chain(
                    stats
                        .iter()
                        .map(|m| m.of(s).map_or("-".to_string(), |x| shown(m, x))),
                )
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:>w$}"))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
    }
    text.push_str(&format!(
        "{} × {}, {}; P: on the Pareto front of {}\n",
        r.points_text(),
        counted(summaries.first().map_or(0, |s| s.trials), "trial"),
        r.seed_note(),
        r.front_axes
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if let Some(line) = r.choice_line(" (*)", shown) {
        text.push_str(&line);
        text.push('\n');
    }
    let left_out = r.left_out_points();
    if !left_out.is_empty() {
        text.push_str(&format!(
            "left out as invalid (--skip-invalid), {}:\n",
            counted(left_out.len(), "point")
        ));
        for (point, why) in left_out {
            text.push_str(&format!("  {point}: {why}\n"));
        }
    }
    text
}
