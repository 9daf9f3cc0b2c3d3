//! `rollout-sim import FILE… [--out PATH] [--name NAME] [--drop-unknown-metrics]`:
//! scenarios from Kubernetes manifests (Deployments, Argo Rollouts) and compose files (see
//! [`crate::scenario::import`]).
//!
//! One scenario goes to `--out FILE`, or to stdout. Several (a file with several
//! Deployments, Rollouts or compose services) need `--name` to pick one, or `--out DIR`
//! for one file each, `DIR/<name>.yaml`. Skipped documents and fields that are not simulated are listed
//! on stderr; an invalid value exits 2 and writes nothing. A Rollout's analysis templates
//! may be in any of the files given.

use super::CliError;
use super::inputs::Inputs;
use super::options::{check_file_path, write_file};
use crate::scenario::import::{self, Candidate, Imported};
use crate::scenario::limits::MAX_SCENARIO_BYTES;
use crate::scenario::{Format, ScenarioError, user_file};
use anyhow::{anyhow, bail};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Kubernetes manifests (multi-document YAML) or compose / stack files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where to write: a file for one scenario, a directory for several (default: stdout).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Import only the Deployment, Rollout or compose service with this name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Leave out (and report) an analysis metric whose query is not recognised, rather
    /// than refuse the Rollout.
    #[arg(long)]
    pub drop_unknown_metrics: bool,
    /// Replace files under `--out` that hold something else (without it an import never
    /// replaces a file whose text differs from the scenario it would write).
    #[arg(long)]
    pub force: bool,
}

/// Runs `import`; every error is bad input (exit 2).
pub fn run(args: &ImportArgs) -> Result<(), CliError> {
    Ok(import(args)?)
}

fn import(args: &ImportArgs) -> anyhow::Result<()> {
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let texts = args
        .files
        .iter()
        .map(|p| read_file(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let inputs: Vec<import::Input> = texts
        .iter()
        .map(|(origin, text, format)| import::Input {
            text,
            origin,
            format: *format,
        })
        .collect();
    let opts = import::Options {
        drop_unknown_metrics: args.drop_unknown_metrics,
    };
    let all = import::import_files(&inputs, &opts)?;
    for (path, found) in args.files.iter().zip(all) {
        let shown = path.display();
        notes.extend(
            found
                .skipped
                .iter()
                .map(|s| format!("skipped: {shown}: {s}")),
        );
        candidates.extend(found.candidates);
    }
    let chosen: Vec<Candidate> = match &args.name {
        Some(name) => {
            let all: Vec<String> = candidates.iter().map(|c| c.what.clone()).collect();
            let all_names: Vec<String> = candidates.iter().map(|c| c.name.clone()).collect();
            let picked: Vec<Candidate> =
                candidates.into_iter().filter(|c| &c.name == name).collect();
            if picked.is_empty() {
                let names: Vec<&str> = all_names.iter().map(String::as_str).collect();
                let hint = crate::scenario::suggest::closest(name, &names)
                    .map_or_else(String::new, |c| format!("; did you mean `{c}`?"));
                bail!(
                    "--name {name}: no such Deployment, Rollout or compose service{hint} (found {})",
                    all.join(", ")
                );
            }
            picked
        }
        None => candidates,
    };
    let refused: Vec<String> = chosen
        .iter()
        .filter_map(|c| c.outcome.as_ref().err().map(ScenarioError::to_string))
        .collect();
    if !refused.is_empty() {
        bail!("{}", refused.join("\n"));
    }
    let scenarios: Vec<(&Candidate, &Imported)> = chosen
        .iter()
        .filter_map(|c| c.outcome.as_ref().ok().map(|i| (c, i)))
        .collect();
    for (_, i) in &scenarios {
        notes.extend(
            i.unsupported
                .iter()
                .map(|p| format!("not simulated: {}: {p}", i.origin)),
        );
    }
    let names: Vec<&str> = scenarios.iter().map(|(c, _)| c.name.as_str()).collect();
    for (i, (c, one)) in scenarios.iter().enumerate() {
        if let Some((_, other)) = scenarios[..i].iter().find(|(d, _)| d.name == c.name) {
            bail!(
                "two scenarios are named `{}` ({} and {}): import the files one at a time",
                c.name,
                other.origin,
                one.origin
            );
        }
    }
    let mut inputs = Inputs::new();
    for f in &args.files {
        inputs.add(f, "a file to import");
    }
    // `--out imported/` names a folder even before it exists.
    let folder = |out: &Path| out.is_dir() || out.as_os_str().to_string_lossy().ends_with('/');
    match (scenarios.as_slice(), &args.out) {
        ([(_, one)], None) => {
            tell(&notes);
            super::print_stdout(&one.text).map_err(|e| e.error)?;
        }
        ([(_, one)], Some(out)) if !folder(out) => {
            check_file_path("--out", out)?;
            inputs.check_file("--out", out)?;
            refuse_replacing(&[(out.clone(), &one.text)], args.force)?;
            write_file(out, one.text.as_bytes())?;
            tell(&notes);
        }
        (many, Some(dir)) => {
            // `--out web.yaml` means a file: a folder of that name is never what was meant.
            if !folder(dir) && Format::from_path(dir).is_some() {
                bail!(
                    "--out {}: {} scenarios found ({}), one file each: name a folder (not a \
                     .yaml, .yml or .json file), or pick one with --name NAME",
                    dir.display(),
                    names.len(),
                    names.join(", ")
                );
            }
            // Every file is checked before the first is written: none may replace an
            // input (`import web.yaml --out .` would write ./web.yaml over it).
            for (c, _) in many {
                let file = dir.join(format!("{}.yaml", c.name));
                if let Some(input) = inputs.same_as(&file) {
                    bail!(
                        "--out {}: the scenario `{}` would be written to {}, which is an input \
                         of this command ({input}), and would replace it: choose another \
                         --out folder",
                        dir.display(),
                        c.name,
                        file.display()
                    );
                }
            }
            let files: Vec<(PathBuf, &String)> = many
                .iter()
                .map(|(c, i)| (dir.join(format!("{}.yaml", c.name)), &i.text))
                .collect();
            refuse_replacing(&files, args.force)?;
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow!("--out {}: cannot create the folder: {e}", dir.display()))?;
            for (c, i) in many {
                write_file(&dir.join(format!("{}.yaml", c.name)), i.text.as_bytes())?;
            }
            tell(&notes);
        }
        (_, None) => bail!(
            "{} scenarios found ({}): pick one with --name NAME, or give --out DIR for one \
             file each",
            names.len(),
            names.join(", ")
        ),
    }
    Ok(())
}

/// Refuses, before anything is written, to replace a file of `files` (path, the text it
/// would get) that exists with other text, unless `force`: a hand-edited scenario of the
/// same name is not silently lost to a re-import.
fn refuse_replacing(files: &[(PathBuf, &String)], force: bool) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    let differing: Vec<String> = files
        .iter()
        .filter(|(path, text)| std::fs::read(path).is_ok_and(|old| old != text.as_bytes()))
        .map(|(path, _)| path.display().to_string())
        .collect();
    if differing.is_empty() {
        return Ok(());
    }
    bail!(
        "--out: {} already exist{} with other content and would be replaced: move {} away, \
         choose another --out, or pass --force to replace {}",
        differing.join(", "),
        if differing.len() == 1 { "s" } else { "" },
        if differing.len() == 1 { "it" } else { "them" },
        if differing.len() == 1 { "it" } else { "them" },
    )
}

/// The file's name, text and format.
fn read_file(path: &Path) -> anyhow::Result<(String, String, Format)> {
    let origin = path.display().to_string();
    let bytes =
        user_file::read(path, MAX_SCENARIO_BYTES).map_err(|m| ScenarioError::file(&origin, m))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| ScenarioError::file(&origin, format!("not UTF-8 text: {e}")))?;
    let format = Format::from_path(path).unwrap_or(Format::Yaml);
    Ok((origin, text, format))
}

/// Notes on stderr (a closed stderr loses them, nothing else).
fn tell(notes: &[String]) {
    let mut err = std::io::stderr().lock();
    for n in notes {
        let _ = writeln!(err, "{n}");
    }
}
