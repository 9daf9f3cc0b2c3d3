//! `check --format github`: the `::error` annotation at a failing assertion's line, and
//! the Markdown table appended to `$GITHUB_STEP_SUMMARY` (checked before any trial).

use super::{CheckArgs, CheckFormat};
use crate::check::Evaluation;
use crate::cli::options::check_file_path;
use crate::output::junit::Suite;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The 1-based line of `needle` in `file`, if the file contains it.
fn line_of(file: &Path, needle: &str) -> Option<usize> {
    let text = std::fs::read_to_string(file).ok()?;
    let at = text.find(needle)?;
    Some(text[..at].matches('\n').count() + 1)
}

/// A GitHub Actions `::error` workflow command at the assertion's line.
pub(super) fn annotation(file: &Path, e: &Evaluation) -> String {
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
pub(super) fn markdown(suites: &[Suite]) -> String {
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
pub(super) fn step_summary(args: &CheckArgs) -> Option<PathBuf> {
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
pub(super) fn check_step_summary(path: &Path) -> anyhow::Result<()> {
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

pub(super) fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open $GITHUB_STEP_SUMMARY ({})", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("cannot write $GITHUB_STEP_SUMMARY ({})", path.display()))
}
