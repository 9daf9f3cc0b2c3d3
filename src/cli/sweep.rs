//! `rollout-sim sweep FILE --set PATH=V1,V2,… [--set …]`: a grid over scenario fields,
//! every point on the same seed (common random numbers), written as `sweep.csv` and
//! `sweep.json`, with the best point under `--constraint`s and the Pareto front.

use super::options::SimOptions;
use super::progress::execute;
use super::{CliError, interrupt, print_stdout};
use crate::experiment::objective::{Constraint, Objective};
use crate::experiment::sweep::{Grid, best, front_axes, pareto, split_values};
use crate::experiment::{Experiment, PerVariant, Recording};
use crate::output::Summary;
use crate::output::folder::{Staging, check_replaceable};
use crate::output::sinks::SummarySink;
use crate::output::sweep::SweepReport;
use crate::output::sweep_charts::sweep_charts;
use crate::output::table::number;
use crate::scenario::{Scenario, SweepAxis, SweepValue, sweep::MAX_SWEEP_POINTS};
use anyhow::{Context, anyhow};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `sweep`.
#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// Scenario file (YAML or JSON); its `sweep:` block, if any, gives the grid, and each
    /// `--set PATH=V1,V2,…` adds an axis (or replaces the file's axis of that path).
    pub file: PathBuf,
    #[command(flatten)]
    pub sim: SimOptions,
    /// The statistic to optimise, `METRIC.STAT` (minimised, e.g. `duration_s.p95`) or
    /// `max:METRIC.STAT` (maximised, e.g. `max:availability.p01`).
    #[arg(long, value_name = "METRIC.STAT")]
    pub objective: Option<Objective>,
    /// A condition the best point must meet, `"METRIC.STAT OP NUMBER"` with OP one of
    /// `<=`, `<`, `>=`, `>`, `==`. Repeatable.
    #[arg(long, value_name = "\"METRIC.STAT OP NUMBER\"")]
    pub constraint: Vec<Constraint>,
    /// Draw the sweep's charts (PNG and SVG) beside sweep.csv: a heatmap of the objective
    /// (else `duration_s.p95`) over two swept parameters, lines with 95% intervals over
    /// one, and the Pareto front.
    #[arg(long)]
    pub plot: bool,
}

/// Run the grid, write `sweep.csv` / `sweep.json`, print the points and the best one.
pub fn run(args: &SweepArgs) -> Result<(), CliError> {
    if !args.constraint.is_empty() && args.objective.is_none() {
        return Err(
            anyhow!("--constraint needs an --objective to choose the best point by").into(),
        );
    }
    let (grid, points) = load_points(args)?;
    let out = args
        .sim
        .out
        .clone()
        .unwrap_or_else(|| Path::new("outputs").join(format!("{}-sweep", points[0].name)));
    check_replaceable(&out).map_err(|e| anyhow!("--out: {e}"))?;
    let stop = interrupt::watch()?;
    let staging = Staging::begin(&out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let experiment = Experiment {
        variants: points.iter().collect(),
        trials: 0..points[0].trials,
        record: Recording::default(),
    };
    let mut sinks = PerVariant(
        points
            .iter()
            .map(|p| SummarySink::new(&p.name, p.seed))
            .collect(),
    );
    let (done, _) = execute(
        &experiment,
        args.sim.threads(),
        args.sim.quiet,
        stop,
        &mut sinks,
    )
    .context("cannot run the sweep")?;
    let summaries: Vec<Summary> = sinks.0.iter().map(SummarySink::finish).collect();
    let front_axes = front_axes(&summaries);
    let report = SweepReport {
        scenario: &points[0].name,
        seed: points[0].seed,
        axes: &grid.axes,
        front: pareto(&summaries, &front_axes),
        front_axes,
        best: args
            .objective
            .as_ref()
            .and_then(|o| best(&summaries, o, &args.constraint)),
        objective: args.objective.as_ref(),
        constraints: &args.constraint,
        points: summaries
            .into_iter()
            .enumerate()
            .map(|(i, s)| (grid.point(i), s))
            .collect(),
        partial: done != points[0].trials,
    };
    let mut files = vec![
        ("sweep.csv".to_string(), report.csv()),
        ("sweep.json".to_string(), report.json()),
    ];
    if args.plot && !report.partial {
        let replicas: Vec<u32> = points.iter().map(|p| p.service.replicas).collect();
        for c in sweep_charts(&report, &replicas).context("cannot draw the sweep's charts")? {
            files.push((format!("{}.png", c.stem), c.png));
            files.push((format!("{}.svg", c.stem), c.svg.into_bytes()));
        }
    }
    staging.publish(&out, &files)?;
    if let Some(code) = interrupt::stopped_by() {
        return Err(CliError {
            code,
            error: anyhow!(
                "interrupted by {}: every point ran the first {done} trials; written to {} \
                 (sweep.json has \"partial\": true)",
                interrupt::signal_name(code),
                out.display()
            ),
        });
    }
    if !args.sim.quiet {
        print_stdout(&table(&report, &out))?;
    }
    Ok(())
}

/// The grid and one validated scenario per point, all loaded before any trial runs.
fn load_points(args: &SweepArgs) -> anyhow::Result<(Grid, Vec<Scenario>)> {
    let plain = SimOptions {
        set: Vec::new(),
        ..args.sim.clone()
    };
    let base = plain.load(Some(&args.file))?;
    let mut axes: Vec<SweepAxis> = base.sweep.clone();
    for set in &args.sim.set {
        let values: Vec<SweepValue> = split_values(&set.value)
            .iter()
            .map(|v| SweepValue::text(v))
            .collect();
        if let Some(empty) = values.iter().position(|v| v.text.is_empty()) {
            anyhow::bail!("--set {set}: value {} is empty", empty + 1);
        }
        let axis = SweepAxis {
            path: set.path.clone(),
            values,
        };
        match axes.iter_mut().find(|a| a.path == axis.path) {
            Some(a) => *a = axis,
            None => axes.push(axis),
        }
    }
    anyhow::ensure!(
        !axes.is_empty(),
        "{}: nothing to sweep: give --set PATH=V1,V2,… or a `sweep:` block in the file",
        args.file.display()
    );
    let grid = Grid { axes };
    let n = grid
        .axes
        .iter()
        .try_fold(1usize, |p, a| p.checked_mul(a.values.len()));
    anyhow::ensure!(
        n.is_some_and(|n| n <= MAX_SWEEP_POINTS),
        "the grid has more than {MAX_SWEEP_POINTS} points; sweep fewer values"
    );
    let points = (0..grid.len())
        .map(|i| {
            let sim = SimOptions {
                set: grid.overrides(i),
                ..args.sim.clone()
            };
            sim.load(Some(&args.file))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((grid, points))
}

/// The printed table: one line per point with its key figures, `*` on the best point,
/// `P` on the Pareto front.
fn table(r: &SweepReport<'_>, out: &Path) -> String {
    let summaries: Vec<&Summary> = r.points.iter().map(|(_, s)| s).collect();
    let mut shown: Vec<String> = r.front_axes.iter().map(|a| a.metric.to_string()).collect();
    shown.push("outcome.completed.rate".into());
    if let Some(o) = r.objective
        && !shown.contains(&o.metric.to_string())
    {
        shown.push(o.metric.to_string());
    }
    let stats: Vec<crate::experiment::objective::MetricStat> =
        shown.iter().filter_map(|s| s.parse().ok()).collect();
    let mut rows: Vec<Vec<String>> = vec![
        std::iter::once(String::new())
            .chain(r.axes.iter().map(|a| a.path.clone()))
            .chain(shown.iter().cloned())
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
                        .map(|m| m.of(s).map_or("-".to_string(), number)),
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
        "{} points × {} trials, seed {} (the same trials at every point); P: on the Pareto \
         front of {}\n",
        r.points.len(),
        summaries.first().map_or(0, |s| s.trials),
        r.seed,
        r.front_axes
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    match (r.objective, r.best) {
        (None, _) => {}
        (Some(o), Some(b)) => {
            let (values, s) = &r.points[b];
            let params: Vec<String> = r
                .axes
                .iter()
                .zip(values)
                .map(|(a, v)| format!("{}={}", a.path, v.shown))
                .collect();
            text.push_str(&format!(
                "best (*) by {o}{}: {} → {} = {}\n",
                if r.constraints.is_empty() {
                    String::new()
                } else {
                    format!(" meeting {}", constraint_list(r.constraints))
                },
                params.join(", "),
                o.metric,
                o.metric.of(s).map_or("-".into(), number)
            ));
        }
        (Some(_), None) => text.push_str(&format!(
            "no point meets the constraints ({}); sweep.json has \"best\": null\n",
            constraint_list(r.constraints)
        )),
    }
    text.push_str(&format!("results in {}\n", out.display()));
    text
}

fn constraint_list(c: &[Constraint]) -> String {
    c.iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
