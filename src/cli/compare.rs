//! `rollout-sim compare`: two or more variants on the same trials (common random
//! numbers), per-metric paired differences with confidence intervals and a verdict.
//!
//! Variants are either several files (`compare a.yaml b.yaml`; `--set` then applies to
//! all), or one file and one variant per `--set` (`compare web.yaml --set PATH=A --set
//! PATH=B`), or one file and named variants of any number of changes each
//! (`--variant 'NAME:PATH=V;PATH=V'`, `--set` then applies to all). The first variant is
//! the baseline. Every variant runs the first one's seed and trial count.

use super::inputs::Inputs;
use super::options::SimOptions;
use super::progress::execute;
use super::sweep::chart_files;
use super::{CliError, interrupt, print_stdout};
use crate::experiment::compare::{CompareSink, verdict};
use crate::experiment::{Experiment, Fanout, Recording, VariantRows};
use crate::output::charts::ChartFile;
use crate::output::compare::CompareReport;
use crate::output::compare_charts::{DurationsSink, compare_charts};
use crate::output::human_text::{counted, signed_at, signed_interval, value};
use crate::result::TrialResult;
use crate::scenario::{Override, Scenario};
use anyhow::{Context, anyhow};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// Arguments of `compare`. `--out` and `--set` are [`SimOptions`]' with the help of what
/// they do here.
#[derive(Debug, Clone, Args)]
#[command(
    mut_arg("out", |a| a.help("Output folder (default `outputs/<scenario name>-compare/`, \
        the baseline's name)")),
    mut_arg("set", |a| a.help(
        "Override a scenario field by its dotted path. With one FILE and no `--variant`, \
         each `--set PATH=VALUE` is a variant (the first is the baseline); otherwise it \
         applies to every variant. Repeatable"
    )),
)]
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
pub struct Variant {
    /// Its name in the tables (the file's stem, or its `--set` / `--variant` name).
    pub name: String,
    file: PathBuf,
    /// The `--set`s every variant takes (those the variant does not set itself), then its
    /// own from `own`.
    sets: Vec<Override>,
    /// Where its own settings start in `sets`.
    own: usize,
}

impl Variant {
    /// The settings this variant alone makes: its `--variant` or `--set` changes (none
    /// for a file of its own).
    pub fn own_settings(&self) -> &[Override] {
        &self.sets[self.own..]
    }
}

/// A comparison that ran: the paired statistics, each trial's duration when charts were
/// asked for, and the trials every variant ran.
pub struct Comparison {
    /// Names, the baseline first.
    pub names: Vec<String>,
    /// Seed every variant ran on.
    pub seed: u64,
    /// Trials asked for.
    pub trials: u64,
    /// The paired statistics per variant after the baseline.
    pub sink: CompareSink,
    /// Every trial's `duration_s` per variant (empty unless charts were asked for).
    pub durations: DurationsSink,
    /// Every trial's row per variant, in trial order (empty unless asked for).
    pub rows: Vec<Vec<TrialResult>>,
    /// Trials every variant ran (fewer than asked for when interrupted).
    pub done: u64,
}

impl Comparison {
    /// The finished comparison, ready to be written.
    pub fn report(&self) -> CompareReport<'_> {
        CompareReport {
            names: &self.names,
            seed: self.seed,
            trials: self.done,
            pairs: &self.sink.pairs,
            partial: self.done != self.trials,
        }
    }

    /// The comparison's charts (duration CDFs, paired differences); needs the durations.
    pub fn charts(&self) -> anyhow::Result<Vec<ChartFile>> {
        compare_charts(&self.names, self.seed, &self.durations, &self.sink.pairs)
            .context("cannot draw the comparison's charts")
    }
}

/// Every variant's scenario, loaded before any trial runs; every variant takes the
/// baseline's seed and trial count (common random numbers), with a note when it had others.
/// `command` (`compare`, `report`) is the command messages name.
pub fn load_variants(
    variants: &[Variant],
    sim: &SimOptions,
    command: &str,
) -> anyhow::Result<Vec<Scenario>> {
    // The charts' files and compare.json's verdicts are keyed by name: a second variant
    // of the same name would silently replace the first.
    for (i, v) in variants.iter().enumerate() {
        if let Some(j) = variants[..i].iter().position(|w| w.name == v.name) {
            anyhow::bail!(
                "variants {} and {} are both named `{}` (a --variant NAME, a --set \
                 PATH=VALUE or a file names each): give each variant once, under its own name",
                j + 1,
                i + 1,
                v.name
            );
        }
    }
    // The same file by two paths (`s.yaml ./s.yaml`) with the same settings would compare
    // a scenario with itself under two names.
    for (i, v) in variants.iter().enumerate() {
        if let Some(j) = variants[..i]
            .iter()
            .position(|w| w.sets == v.sets && super::inputs::same_file(&w.file, &v.file))
        {
            anyhow::bail!(
                "variants {} and {} are the same scenario: {} and {} are the same file, with \
                 the same settings; give each variant once",
                j + 1,
                i + 1,
                variants[j].file.display(),
                v.file.display()
            );
        }
    }
    let mut scenarios = variants
        .iter()
        .map(|v| {
            let one = SimOptions {
                set: v.sets.clone(),
                ..sim.clone()
            };
            one.load_for(&v.file, command)
                .with_context(|| format!("variant {}", v.name))
        })
        .collect::<anyhow::Result<Vec<Scenario>>>()?;
    let (seed, trials) = (scenarios[0].seed, scenarios[0].trials);
    // Every variant runs the baseline's trials.
    sim.check_budget(
        trials,
        scenarios.len(),
        "variants",
        &variants[0].file,
        "compare fewer variants",
    )?;
    for (s, v) in scenarios.iter_mut().zip(variants).skip(1) {
        if (s.seed, s.trials) != (seed, trials) && !sim.quiet {
            eprintln!(
                "note: variant {} runs the baseline's seed {seed} and {} (common random \
                 numbers)",
                v.name,
                counted(trials, "trial")
            );
        }
        s.seed = seed;
        s.trials = trials;
    }
    Ok(scenarios)
}

/// Run the variants on the same trials; `durations`: keep every trial's duration (for
/// the charts); `rows`: keep every trial's row of each variant (for trials shown by
/// themselves).
pub fn compare(
    variants: Vec<Variant>,
    scenarios: &[Scenario],
    sim: &SimOptions,
    durations: bool,
    rows: bool,
    stop: &AtomicBool,
) -> anyhow::Result<Comparison> {
    let (seed, trials) = (scenarios[0].seed, scenarios[0].trials);
    let experiment = Experiment {
        variants: scenarios.iter().collect(),
        trials: 0..trials,
        record: Recording::default(),
    };
    let mut sink = CompareSink::new(scenarios.len());
    let mut kept = DurationsSink::new(if durations { scenarios.len() } else { 0 });
    let mut all_rows = VariantRows::default();
    let mut sinks = Fanout(vec![&mut sink, &mut kept]);
    if rows {
        sinks.0.push(&mut all_rows);
    }
    let (done, _) = execute(&experiment, sim.threads(), sim.quiet, stop, &mut sinks)
        .context("cannot run the comparison")?;
    drop(sinks);
    Ok(Comparison {
        names: variants.into_iter().map(|v| v.name).collect(),
        seed,
        trials,
        sink,
        durations: kept,
        rows: all_rows.0,
        done,
    })
}

/// Run the variants, write `compare.csv` / `compare.json`, print the differences.
pub fn run(args: &CompareArgs) -> Result<(), CliError> {
    let variants = variants(args)?;
    let scenarios = load_variants(&variants, &args.sim, "compare")?;
    let (out, stop, staging) = args.sim.begin_folder(
        &format!("{}-compare", scenarios[0].name),
        &variants[0].file,
        &variant_inputs(&variants),
    )?;
    let c = compare(variants, &scenarios, &args.sim, args.plot, false, stop)?;
    // Nothing finished: nothing to write (the staging folder goes with `staging`).
    if c.done == 0
        && c.trials > 0
        && let Some(e) = interrupt::before_any_trial(&out)
    {
        return Err(e);
    }
    let report = c.report();
    let json = report.json();
    let mut files = vec![
        ("compare.csv".to_string(), report.csv()),
        ("compare.json".to_string(), json.clone()),
    ];
    let partial = report.partial;
    if args.plot && !partial {
        files.extend(chart_files(c.charts()?));
    }
    staging.publish(&out, &files)?;
    if let Some(code) = interrupt::stopped_by() {
        let signal = interrupt::signal_name(code);
        return Err(CliError {
            code,
            error: match partial {
                true => anyhow!(
                    "interrupted by {signal}: the first {} of every variant were compared; \
                     written to {} (compare.json has \"partial\": true)",
                    counted(c.done, "trial"),
                    out.display()
                ),
                // Every trial had started when the signal came, and ran on: nothing is
                // missing.
                false => anyhow!(
                    "interrupted by {signal} {}: all {} of every variant \
                     were compared; written to {}, complete (compare.json has \"partial\": \
                     false)",
                    interrupt::AFTER_THE_LAST_START,
                    counted(c.done, "trial"),
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

/// The files the variants read: their scenarios, and the data files those or their
/// overrides name.
pub fn variant_inputs(variants: &[Variant]) -> Inputs {
    let mut inputs = Inputs::new();
    for v in variants {
        inputs.scenario(&v.file, &v.sets);
    }
    inputs
}

/// One variant per file, `sets` applied to each; named by the file's stem, or by its path
/// when two stems are the same.
pub fn file_variants(files: &[PathBuf], sets: &[Override]) -> Vec<Variant> {
    let mut v: Vec<Variant> = files
        .iter()
        .map(|file| Variant {
            name: file.file_stem().map_or_else(
                || file.display().to_string(),
                |s| s.to_string_lossy().into(),
            ),
            file: file.clone(),
            sets: sets.to_vec(),
            own: sets.len(),
        })
        .collect();
    if v.iter()
        .any(|a| v.iter().filter(|b| b.name == a.name).count() > 1)
    {
        for x in &mut v {
            x.name = x.file.display().to_string();
        }
    }
    v
}

/// The variants the arguments name, checked before anything is loaded.
fn variants(args: &CompareArgs) -> anyhow::Result<Vec<Variant>> {
    if args.files.len() >= 2 {
        anyhow::ensure!(
            args.variant.is_empty(),
            "--variant varies one FILE; with several files, each file is a variant"
        );
        return Ok(file_variants(&args.files, &args.sim.set));
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
                own: 0,
            })
            .collect()
    } else {
        named_variants(&args.variant, file, &args.sim.set)?
    };
    anyhow::ensure!(
        v.len() >= 2,
        "compare needs two or more variants: several files, or one file with a --set per \
         variant (--set PATH=A --set PATH=B), or --variant 'NAME:PATH=V;…' per variant"
    );
    Ok(v)
}

/// The variants of `file` that `--variant NAME:PATH=V;…` texts name, each also taking the
/// `common` `--set`s it does not set itself.
pub fn named_variants(
    texts: &[String],
    file: &Path,
    common: &[Override],
) -> anyhow::Result<Vec<Variant>> {
    texts
        .iter()
        .map(|text| parse_variant(text, file, common))
        .collect()
}

/// `NAME:PATH=V;PATH=V` (the common `--set`s first).
fn parse_variant(text: &str, file: &Path, common: &[Override]) -> anyhow::Result<Variant> {
    let (name, sets) = text
        .split_once(':')
        .filter(|(n, _)| !n.trim().is_empty() && !n.contains('='))
        .ok_or_else(|| anyhow!("--variant {text:?}: expected NAME:PATH=VALUE[;PATH=VALUE…]"))?;
    let own: Vec<Override> = sets
        .split(';')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse()
                .map_err(|e| anyhow!("--variant {text:?}: {e}"))
        })
        .collect::<anyhow::Result<_>>()?;
    // `fast:` with its settings forgotten (or lost to the shell) would be the scenario
    // itself, compared with the baseline for nothing.
    anyhow::ensure!(
        !own.is_empty(),
        "--variant {text:?}: `{}` sets no field, so it is the scenario itself: a variant \
         identical to the base compares nothing and is usually a typo. Give \
         NAME:PATH=VALUE[;PATH=VALUE…] (to compare with the file as it is, set a field to \
         the value it has)",
        name.trim()
    );
    // A variant's own value of a field replaces a common `--set` of it (the loader refuses
    // a field set twice in one list, as it would be by mistake).
    let mut all: Vec<Override> = common
        .iter()
        .filter(|c| own.iter().all(|o| o.path != c.path))
        .cloned()
        .collect();
    let from = all.len();
    all.extend(own);
    Ok(Variant {
        name: name.trim().to_string(),
        file: file.to_path_buf(),
        sets: all,
        own: from,
    })
}

/// The printed comparison: per variant, the metrics that differ at all, then the
/// headline and the verdict.
pub fn table(r: &CompareReport<'_>) -> String {
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
            // In the metric's unit, as the report writes them (compare.csv keeps the
            // exact numbers).
            let u = col.unit;
            rows.push(vec![
                col.name.to_string(),
                value(u, p.mean_a()),
                value(u, p.mean_b()),
                signed_interval(u, p.mean_diff(), lo, hi),
                {
                    let [ulo, uhi] = signed_at(u, uhi - ulo, [ulo, uhi]);
                    format!("[{ulo}, {uhi}]")
                },
                format!("{:.0}%", 100.0 * p.lower_share().0),
                format!("{:.0}%", 100.0 * p.higher_share().0),
                verdict(col, p).to_string(),
            ]);
        }
        text.push_str(&format!(
            "{} (B) vs {} (A, baseline), {}, seed {}:\n",
            r.names[v + 1],
            r.names[0],
            counted(r.trials, "trial"),
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
    text
}
