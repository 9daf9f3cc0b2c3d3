//! `rollout-sim compare`: two or more variants on the same trials (common random
//! numbers), per-metric paired differences with confidence intervals and a verdict.
//!
//! Variants are either several files (`compare a.yaml b.yaml`; `--set` then applies to
//! all), or one file and one variant per `--set` (`compare web.yaml --set PATH=A --set
//! PATH=B`), or one file and named variants of any number of changes each
//! (`--variant 'NAME:PATH=V;PATH=V'`, `--set` then applies to all). The first variant is
//! the baseline. Every variant runs the first one's seed and trial count.

use super::options::SimOptions;
use super::progress::execute;
use super::{CliError, interrupt, print_stdout};
use crate::experiment::compare::{CompareSink, verdict};
use crate::experiment::{Experiment, Fanout, Recording};
use crate::output::compare::CompareReport;
use crate::output::compare_charts::{DurationsSink, compare_charts};
use crate::output::folder::{Staging, check_replaceable};
use crate::output::table::number;
use crate::scenario::{Override, Scenario};
use anyhow::{Context, anyhow};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `compare`.
#[derive(Debug, Clone, Args)]
pub struct CompareArgs {
    /// Scenario files: each is a variant (the first is the baseline); with one file, the
    /// variants are its `--set`s or `--variant`s.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub sim: SimOptions,
    /// A named variant of the one FILE: `NAME:PATH=VALUE[;PATH=VALUE…]` (e.g.
    /// `'fast:strategy.swarm.update_config.parallelism=3;strategy.swarm.update_config.order=start-first'`).
    /// Repeatable; the first is the baseline, `--set` applies to every variant.
    #[arg(long, value_name = "NAME:PATH=V;…")]
    pub variant: Vec<String>,
    /// Draw the comparison's charts (PNG and SVG) beside compare.csv: the variants'
    /// duration CDFs overlaid and each variant's paired differences with their intervals.
    /// Keeps every trial's duration in memory.
    #[arg(long)]
    pub plot: bool,
}

/// A variant: its name and how to load it.
struct Variant {
    name: String,
    file: PathBuf,
    sets: Vec<Override>,
}

/// Run the variants, write `compare.csv` / `compare.json`, print the differences.
pub fn run(args: &CompareArgs) -> Result<(), CliError> {
    let variants = variants(args)?;
    let mut scenarios = variants
        .iter()
        .map(|v| {
            let sim = SimOptions {
                set: v.sets.clone(),
                ..args.sim.clone()
            };
            sim.load(Some(&v.file))
                .with_context(|| format!("variant {}", v.name))
        })
        .collect::<anyhow::Result<Vec<Scenario>>>()?;
    let (seed, trials) = (scenarios[0].seed, scenarios[0].trials);
    for (s, v) in scenarios.iter_mut().zip(&variants).skip(1) {
        if (s.seed, s.trials) != (seed, trials) && !args.sim.quiet {
            eprintln!(
                "note: variant {} runs the baseline's seed {seed} and {trials} trials \
                 (common random numbers)",
                v.name
            );
        }
        s.seed = seed;
        s.trials = trials;
    }
    let out = args
        .sim
        .out
        .clone()
        .unwrap_or_else(|| Path::new("outputs").join(format!("{}-compare", scenarios[0].name)));
    check_replaceable(&out).map_err(|e| anyhow!("--out: {e}"))?;
    let stop = interrupt::watch()?;
    let staging = Staging::begin(&out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let experiment = Experiment {
        variants: scenarios.iter().collect(),
        trials: 0..trials,
        record: Recording::default(),
    };
    let mut sink = CompareSink::new(scenarios.len());
    let mut durations = DurationsSink::new(if args.plot { scenarios.len() } else { 0 });
    let (done, _) = execute(
        &experiment,
        args.sim.threads(),
        args.sim.quiet,
        stop,
        &mut Fanout(vec![&mut sink, &mut durations]),
    )
    .context("cannot run the comparison")?;
    let names: Vec<String> = variants.into_iter().map(|v| v.name).collect();
    let report = CompareReport {
        names: &names,
        seed,
        trials: done,
        pairs: &sink.pairs,
        partial: done != trials,
    };
    let mut files = vec![
        ("compare.csv".to_string(), report.csv()),
        ("compare.json".to_string(), report.json()),
    ];
    if args.plot && !report.partial {
        for c in compare_charts(&names, seed, &durations, &sink.pairs)
            .context("cannot draw the comparison's charts")?
        {
            files.push((format!("{}.png", c.stem), c.png));
            files.push((format!("{}.svg", c.stem), c.svg.into_bytes()));
        }
    }
    staging.publish(&out, &files)?;
    if let Some(code) = interrupt::stopped_by() {
        return Err(CliError {
            code,
            error: anyhow!(
                "interrupted by {}: the first {done} trials of every variant were compared; \
                 written to {} (compare.json has \"partial\": true)",
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

/// The variants the arguments name, checked before anything is loaded.
fn variants(args: &CompareArgs) -> anyhow::Result<Vec<Variant>> {
    let by_file = |file: &PathBuf, sets: Vec<Override>| Variant {
        name: file.file_stem().map_or_else(
            || file.display().to_string(),
            |s| s.to_string_lossy().into(),
        ),
        file: file.clone(),
        sets,
    };
    if args.files.len() >= 2 {
        anyhow::ensure!(
            args.variant.is_empty(),
            "--variant varies one FILE; with several files, each file is a variant"
        );
        let mut v: Vec<Variant> = args
            .files
            .iter()
            .map(|f| by_file(f, args.sim.set.clone()))
            .collect();
        if v.iter()
            .any(|a| v.iter().filter(|b| b.name == a.name).count() > 1)
        {
            for x in &mut v {
                x.name = x.file.display().to_string();
            }
        }
        return Ok(v);
    }
    let file = &args.files[0];
    let v: Vec<Variant> = if args.variant.is_empty() {
        args.sim
            .set
            .iter()
            .map(|s| Variant {
                name: s.to_string(),
                file: file.clone(),
                sets: vec![s.clone()],
            })
            .collect()
    } else {
        args.variant
            .iter()
            .map(|text| parse_variant(text, file, &args.sim.set))
            .collect::<anyhow::Result<_>>()?
    };
    anyhow::ensure!(
        v.len() >= 2,
        "compare needs two or more variants: several files, or one file with a --set per \
         variant (--set PATH=A --set PATH=B), or --variant 'NAME:PATH=V;…' per variant"
    );
    Ok(v)
}

/// `NAME:PATH=V;PATH=V` (the common `--set`s first).
fn parse_variant(text: &str, file: &Path, common: &[Override]) -> anyhow::Result<Variant> {
    let (name, sets) = text
        .split_once(':')
        .filter(|(n, _)| !n.trim().is_empty() && !n.contains('='))
        .ok_or_else(|| anyhow!("--variant {text:?}: expected NAME:PATH=VALUE[;PATH=VALUE…]"))?;
    let mut all = common.to_vec();
    for s in sets.split(';').filter(|s| !s.trim().is_empty()) {
        all.push(
            s.trim()
                .parse()
                .map_err(|e| anyhow!("--variant {text:?}: {e}"))?,
        );
    }
    Ok(Variant {
        name: name.trim().to_string(),
        file: file.to_path_buf(),
        sets: all,
    })
}

/// The printed comparison: per variant, the metrics that differ at all, then the
/// headline and the verdict.
fn table(r: &CompareReport<'_>, out: &Path) -> String {
    let mut text = String::new();
    for v in 0..r.pairs.len() {
        let mut rows = vec![
            [
                "metric",
                "baseline",
                "variant",
                "mean diff [paired 95% CI]",
                "unpaired 95% CI",
                "B<A",
                "B>A",
                "verdict",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for (col, p) in r.pairs[v].iter() {
            if p.n == 0 || (p.lower == 0 && p.higher == 0) {
                continue;
            }
            let [lo, hi] = p.ci95();
            let [ulo, uhi] = p.unpaired_ci95();
            rows.push(vec![
                col.name.to_string(),
                number(p.mean_a()),
                number(p.mean_b()),
                format!("{} [{}, {}]", number(p.mean_diff()), number(lo), number(hi)),
                format!("[{}, {}]", number(ulo), number(uhi)),
                format!("{:.0}%", 100.0 * p.lower_share().0),
                format!("{:.0}%", 100.0 * p.higher_share().0),
                verdict(col, p).to_string(),
            ]);
        }
        text.push_str(&format!(
            "{} (B) vs {} (A, baseline), {} trials, seed {}:\n",
            r.names[v + 1],
            r.names[0],
            r.trials,
            r.seed
        ));
        let widths: Vec<usize> = (0..rows[0].len())
            .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
            .collect();
        for row in &rows {
            let cells: Vec<String> = row
                .iter()
                .zip(&widths)
                .enumerate()
                .map(|(i, (c, w))| {
                    if i == 0 {
                        format!("{c:<w$}")
                    } else {
                        format!("{c:>w$}")
                    }
                })
                .collect();
            text.push_str(cells.join("  ").trim_end());
            text.push('\n');
        }
        if let Some(h) = r.headline(v) {
            text.push_str(&h);
            text.push('\n');
        }
        text.push_str(&r.verdict_line(v));
        text.push_str("\n\n");
    }
    text.push_str(&format!("results in {}\n", out.display()));
    text
}
