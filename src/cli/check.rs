//! `rollout-sim check FILE|DIR…`: run scenarios and decide their assertions.
//!
//! Every input is loaded and every assertion parsed before the first trial (exit 2 on
//! any problem). Then each scenario runs and each assertion prints one line; exit 1 when
//! any fails (or is inconclusive without `--allow-inconclusive`).

use super::input_folders::{self, Entry, Filter, Kind};
use super::inputs::Inputs;
use super::numeric_flags;
use super::options::{SimOptions, check_file_path, write_file};
use super::{CliError, print_stdout};
use crate::check::baseline::{Baseline, BaselineInfo, compare, uncompared};
use crate::check::{self, Assertion, Evaluation, LookAt, Verdict};
use crate::experiment::{TrialPick, run_trials, with_threads};
use crate::output::Summary;
use crate::output::folder::Staging;
use crate::output::human_text::{counted, value};
use crate::output::junit::{Suite, junit_xml};
use crate::output::replaceable::{foreign_listed, holds_only_ours, is_run_folder};
use crate::output::shard::ShardManifest;
use crate::output::trials_csv;
use crate::result::TrialResult;
use crate::scenario::{Override, Scenario};
use anyhow::{Context, anyhow};
use clap::{Args, ValueEnum};
use std::ffi::OsStr;
use std::io::Write;
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

/// A loaded scenario with its parsed assertions.
struct Job {
    file: PathBuf,
    scenario: Scenario,
    assertions: Vec<Assertion>,
    /// The stored run to compare with (read before any trial), or the folder to write.
    baseline: BaselineJob,
}

/// What `--baseline` asks of one scenario.
enum BaselineJob {
    None,
    Compare(Box<Baseline>),
    Update(PathBuf),
}

/// The scenario files named by `inputs`, folders expanded (sorted, so the order is
/// stable), each in its place, or in its place what is wrong with a folder given: every
/// such problem is told in one run, with the scenarios' own, as `import` tells them.
pub fn expand_inputs(inputs: &[PathBuf]) -> Vec<Result<PathBuf, String>> {
    input_folders::entries(inputs, SCENARIOS)
        .into_iter()
        .filter_map(|entry| match entry {
            Entry::File { path, .. } => Some(Ok(path)),
            Entry::Unlisted { path, error } => Some(Err(format!(
                "cannot read the folder {}: {error}",
                path.display()
            ))),
            Entry::Empty(path) => Some(Err(format!(
                "{}: no scenario file (*.yaml, *.yml, *.json; *.schema.json skipped) in this \
                 folder",
                path.display()
            ))),
            Entry::Again(problem) => Some(Err(problem)),
            // A folder's other files are passed over unsaid too (`notes.md`).
            Entry::Skipped(_) => None,
        })
        .collect()
}

/// The files of a folder input taken as scenarios: regular files (through links) named
/// `*.yaml`, `*.yml` or `*.json` in any case, but not `*.schema.json` (in any case), the JSON Schema `rollout-sim
/// schema --out` writes beside the scenarios for their `$schema=./…` modeline (it is no
/// scenario).
const SCENARIOS: Filter = Filter {
    name: is_scenario_name,
    kind: Kind::RegularFile,
};

/// Whether a file of this name in a folder input is taken as a scenario (see
/// [`SCENARIOS`]).
fn is_scenario_name(name: &OsStr) -> bool {
    input_folders::has_input_extension(name)
        && !name
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".schema.json")
}

fn load(args: &CheckArgs) -> anyhow::Result<Vec<Job>> {
    if let Some(path) = &args.junit {
        check_file_path("--junit", path)?;
    }
    if let Some(path) = step_summary(args) {
        check_step_summary(&path)?;
    }
    let options = SimOptions {
        trials: args.trials,
        seed: args.seed,
        set: args.set.clone(),
        ..SimOptions::default()
    };
    // Every `--check` that does not parse is told, with the scenarios' problems, in one
    // run (`--check A --check B` with both misspelt took two rounds).
    let mut problems = Vec::new();
    let mut extra: Vec<Assertion> = Vec::new();
    for c in &args.checks {
        match check::parse(c) {
            Ok(a) => extra.push(a),
            Err(e) => problems.push(format!("--check: {e}")),
        }
    }
    let mut jobs = Vec::new();
    for file in expand_inputs(&args.inputs) {
        let file = match file {
            Ok(file) => file,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let scenario = match options.load(Some(&file)) {
            Ok(s) => s,
            Err(e) => {
                problems.push(format!("{e:#}"));
                continue;
            }
        };
        let (mut assertions, bad) = check::scenario_checks(&file, &scenario.checks);
        problems.extend(bad);
        assertions.extend(extra.iter().cloned());
        if scenario.checks.is_empty() && args.checks.is_empty() && args.baseline.is_none() {
            problems.push(format!(
                "{}: nothing to check: the scenario has no `checks:`, and neither --check nor --baseline was given",
                file.display()
            ));
        }
        jobs.push(Job {
            file,
            scenario,
            assertions,
            baseline: BaselineJob::None,
        });
    }
    anyhow::ensure!(problems.is_empty(), "{}", problems.join("\n"));
    // No output may land on a file this command reads: the scenarios, their data files,
    // a baseline to compare with.
    let mut inputs = Inputs::new();
    for job in &jobs {
        inputs.scenario(&job.file, &args.set);
    }
    if let (Some(root), false) = (&args.baseline, args.update_baseline) {
        let dirs = if root.is_dir() {
            let mut d = vec![root.clone()];
            d.extend(jobs.iter().map(|j| root.join(&j.scenario.name)));
            d
        } else {
            inputs.add(root, "the --baseline summary");
            root.parent().map(Path::to_path_buf).into_iter().collect()
        };
        for dir in dirs {
            for f in [
                "summary.json",
                "trials.csv",
                BaselineInfo::FILE,
                ShardManifest::FILE,
            ] {
                inputs.add(&dir.join(f), "a --baseline file");
            }
        }
    }
    if let Some(path) = &args.junit {
        inputs.check_file("--junit", path)?;
    }
    if let Some(path) = step_summary(args) {
        inputs.check_file("$GITHUB_STEP_SUMMARY", &path)?;
    }
    if let Some(root) = &args.baseline {
        // A folder input may hold one scenario today and more tomorrow: same layout.
        let per_scenario = jobs.len() > 1 || args.inputs.iter().any(|p| p.is_dir());
        // Two scenarios of one `name` would share `DIR/NAME/`: the second update would
        // overwrite the first's baseline, and each would then be compared with the other's.
        let mut owners: Vec<(&str, &Path)> = Vec::new();
        for job in &jobs {
            let name = job.scenario.name.as_str();
            match owners.iter().find(|(n, _)| *n == name) {
                Some((_, first)) => problems.push(format!(
                    "{}: name: `{name}` is also the name of {}, and --baseline keeps one \
                     folder per scenario name ({}); give each scenario its own `name`",
                    job.file.display(),
                    first.display(),
                    root.join(name).display()
                )),
                None => owners.push((name, &job.file)),
            }
        }
        anyhow::ensure!(problems.is_empty(), "{}", problems.join("\n"));
        for job in &mut jobs {
            let path = if per_scenario {
                root.join(&job.scenario.name)
            } else {
                root.clone()
            };
            job.baseline = if args.update_baseline {
                anyhow::ensure!(
                    !path.is_file(),
                    "--update-baseline: {} is a file; name the baseline folder",
                    path.display()
                );
                // The baseline replaces the folder as a whole (staged, then swapped in,
                // so its files appear together): whatever else the folder holds would be
                // deleted, scenarios and notes included. So: new, empty, or an earlier
                // baseline or run with nothing else in it, and no input of this command.
                // A folder that cannot be read counts as holding something else.
                let foreign = path.is_dir() && !holds_only_ours(&path).unwrap_or(false);
                anyhow::ensure!(
                    !foreign || is_run_folder(&path),
                    "--update-baseline: {} holds other files and no baseline (no summary.json \
                     written by rollout-sim); name a new or empty folder, or an earlier baseline",
                    path.display()
                );
                if foreign {
                    let files = foreign_listed(&path)
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| "files".into());
                    anyhow::bail!(
                        "--update-baseline: {} holds {files}, which rollout-sim does not \
                         write, beside an earlier baseline or run; the new baseline replaces \
                         the whole folder and would delete them: move them out, or name a \
                         new or empty folder",
                        path.display()
                    );
                }
                if let Some(input) = inputs.inside(&path) {
                    anyhow::bail!(
                        "--update-baseline: {} holds an input of this command ({input}); a \
                         baseline folder holds the baseline's files only: name a new or empty \
                         folder",
                        path.display()
                    );
                }
                BaselineJob::Update(path)
            } else {
                match Baseline::read(&path).and_then(|b| {
                    b.check_trials(job.scenario.trials)?;
                    Ok(b)
                }) {
                    Ok(b) => BaselineJob::Compare(Box::new(b)),
                    Err(e) => {
                        problems.push(format!("{e:#}"));
                        BaselineJob::None
                    }
                }
            };
        }
        anyhow::ensure!(problems.is_empty(), "{}", problems.join("\n"));
    }
    Ok(jobs)
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

/// The 1-based line of `needle` in `file`, if the file contains it.
fn line_of(file: &Path, needle: &str) -> Option<usize> {
    let text = std::fs::read_to_string(file).ok()?;
    let at = text.find(needle)?;
    Some(text[..at].matches('\n').count() + 1)
}

/// What `check` says of a trial to look at: which, why, and the command line that shows it
/// by itself (`report` of the same file, overrides, seed and trials), on a second line.
fn look_at_text(file: &Path, set: &[Override], s: &Scenario, l: &LookAt) -> String {
    let mut cmd = vec![
        "rollout-sim".to_string(),
        "report".into(),
        shell_word(&file.display().to_string()),
    ];
    for o in set {
        cmd.push("--set".into());
        cmd.push(shell_word(&o.to_string()));
    }
    cmd.extend([
        "--seed".into(),
        s.seed.to_string(),
        "--trials".into(),
        s.trials.to_string(),
        "--trial".into(),
        l.pick.to_string(),
    ]);
    format!("look at trial {}, {}:\n{}", l.trial, l.why, cmd.join(" "))
}

/// A hint's two lines as printed under its verdict line, each indented below it.
fn under_verdict(hint: &str) -> String {
    format!("    {}\n", hint.replace('\n', "\n      "))
}

/// `s` as one word of a POSIX shell: as it is when it holds no character the shell reads,
/// else in single quotes.
fn shell_word(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_-./=:,@%+".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// A GitHub Actions `::error` workflow command at the assertion's line.
fn annotation(file: &Path, e: &Evaluation) -> String {
    // Workflow-command values escape `%`, CR and LF; properties also `:` and `,`.
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let line = line_of(file, &e.assertion.text).map_or(String::new(), |l| format!(",line={l}"));
    format!(
        "::error file={}{line}::{}\n",
        prop(&file.display().to_string()),
        data(&format!(
            "{} {}{}",
            e.verdict.as_str(),
            e.line().trim_start_matches(e.verdict.as_str()).trim(),
            e.look_at
                .as_ref()
                .map_or(String::new(), |hint| format!("\n{hint}"))
        ))
    )
}

/// The Markdown table appended to `$GITHUB_STEP_SUMMARY`.
fn markdown(suites: &[Suite]) -> String {
    let mut out = String::from(
        "## rollout-sim check\n\n| scenario | check | result | measured | threshold |\n|---|---|---|---|---|\n",
    );
    for s in suites {
        for e in s.evaluations {
            out += &format!(
                "| {} | `{}` | {} | {} | {} {} |\n",
                s.name,
                e.assertion.text.replace('|', "\\|"),
                e.verdict.as_str(),
                e.measured(),
                e.assertion.op.as_str().replace('|', "\\|"),
                e.threshold()
            );
        }
    }
    out + "\n"
}

/// Where `--format github` appends its Markdown table: `$GITHUB_STEP_SUMMARY`, when set
/// and not empty.
fn step_summary(args: &CheckArgs) -> Option<PathBuf> {
    match args.format {
        CheckFormat::Github => std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from),
        CheckFormat::Text => None,
    }
}

/// Refuses a `$GITHUB_STEP_SUMMARY` the table could not be appended to, before any trial
/// (as `--junit` is checked): a file that exists is opened for appending (which changes
/// nothing), one that does not must be in a folder that takes a new file.
fn check_step_summary(path: &Path) -> anyhow::Result<()> {
    let what = format!("$GITHUB_STEP_SUMMARY ({})", path.display());
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            anyhow::bail!("{what}: that is a folder; the Markdown summary is appended to a file")
        }
        Ok(_) => {
            let mut options = std::fs::OpenOptions::new();
            options.append(true);
            // A FIFO with no reader blocks `open` for good: opened without blocking, it
            // fails at once instead (ENXIO), and one with a reader (`>(cat)`) still works.
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
            match options.open(path) {
                Ok(_) => Ok(()),
                Err(e) if e.raw_os_error() == Some(libc::ENXIO) => anyhow::bail!(
                    "{what}: it is a FIFO (named pipe) that no process reads; the Markdown \
                     summary is appended to a file"
                ),
                Err(e) => {
                    Err(e).with_context(|| format!("{what}: cannot open it to append the summary"))
                }
            }
        }
        Err(_) => check_file_path("$GITHUB_STEP_SUMMARY", path),
    }
}

fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open $GITHUB_STEP_SUMMARY ({})", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write $GITHUB_STEP_SUMMARY ({})", path.display()))
}
