//! `rollout-sim import PATH… [--out PATH] [--name NAME] [--namespace NS] [--set
//! PATH=VALUE]… [--drop-unknown-metrics]`: scenarios from Kubernetes manifests
//! (Deployments, DaemonSets, StatefulSets, Argo Rollouts, Flagger Canaries, and lists of
//! them as `kubectl get -o yaml` prints) and compose files (see
//! [`crate::scenario::import`]); a folder given stands for its manifests ([`files`]).
//! `--namespace` picks the objects of one namespace, as `--name` the scenario of one name
//! ([`pick`]). `--set` changes each scenario before it is checked and written, as `run
//! --set` changes a scenario it loads.
//!
//! One scenario goes to `--out FILE`, or to stdout. Several (a file with several
//! Deployments, DaemonSets, StatefulSets, Rollouts, Canaries or compose services) need
//! `--name` to pick one, or `--out DIR` for one file each, `DIR/<name>.yaml` (the name as
//! written, which `--set name=…` gives). Skipped documents and fields that are not simulated are listed
//! on stderr; an invalid value exits 2 and writes nothing. A Rollout's analysis templates,
//! and a Canary's target Deployment, may be in any of the files given.
//!
//! Every problem is told in one run, whatever the others: each file's (unreadable, not
//! YAML, its scenarios' mapping and load-back problems) in the order the files were
//! given, then the command's own (two scenarios of one name, `--name`, `--out`), so a
//! folder of manifests is fixed in one round rather than one file a run. A problem of an
//! analysis template (or Deployment) that several Rollouts or Canaries name is told once,
//! with the first of them ([`import::TellOnce`]).

mod files;
mod pick;

use super::CliError;
use super::inputs::{Inputs, same_file};
use super::options::{check_file_path, write_file};
use crate::scenario::import::{self, Candidate, Found, Imported};
use crate::scenario::limits::MAX_SCENARIO_BYTES;
use crate::scenario::{Format, Override, ScenarioError, user_file};
use anyhow::{anyhow, bail};
use clap::Args;
use files::Entry;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `import`.
#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// Kubernetes manifests (multi-document YAML) or compose / stack files, or folders of
    /// them (their .json, .yaml and .yml files, sorted by name, as `kubectl apply -f DIR`,
    /// but in any case, and not a file named only `.yaml`, which is read when named).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Where to write: a file for one scenario, a directory for several (default: stdout).
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Import only the Deployment, DaemonSet, StatefulSet, Rollout, Canary or compose
    /// service with this name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Import only the Deployments, DaemonSets, StatefulSets, Rollouts and Canaries of this
    /// namespace (one without `metadata.namespace` is in `default`), as `kubectl -n NS`
    /// picks them; compose services, which have none, are skipped.
    #[arg(long, short = 'n', value_name = "NS", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub namespace: Option<String>,
    /// Override a field of each imported scenario by its dotted path, as `run --set`
    /// does; the written scenario holds the value. E.g. the nodes a `nodeSelector` needs:
    /// `--set 'cluster.nodes=[{labels: {disk: ssd}}, {labels: {disk: ssd}}]'`. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<Override>,
    /// Leave out (and report) an analysis metric whose query is not recognised (a Canary's:
    /// one that is not a built-in check), rather than refuse the Rollout or Canary.
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
    let entries = files::expand(&args.files);
    let read: Vec<(&Path, String, Result<String, ScenarioError>)> = entries
        .iter()
        .filter_map(|entry| {
            let path = entry.input()?;
            let text = match entry {
                Entry::Unlisted { error, .. } => Err(error.clone()),
                _ => read_file(path),
            };
            Some((path, path.display().to_string(), text))
        })
        .collect();
    let inputs: Vec<import::Input> = read
        .iter()
        .map(|(path, origin, text)| import::Input {
            text: text.as_ref().map(String::as_str),
            origin,
            format: Format::from_path(path).unwrap_or(Format::Yaml),
        })
        .collect();
    let opts = import::Options {
        drop_unknown_metrics: args.drop_unknown_metrics,
        overrides: args.set.clone(),
        namespace: args.namespace.clone(),
        ..import::Options::default()
    };
    let mut files_read = Inputs::new();
    for entry in &entries {
        if let Entry::File { path, .. } = entry {
            files_read.add(path, "a file to import");
        }
    }
    // Every problem is gathered, each file's in file order, then the command's own, and
    // all are told in one run: a folder of manifests is fixed in one round.
    let mut problems: Vec<String> = Vec::new();
    let mut notes: Vec<String> = entries.iter().filter_map(Entry::note).collect();
    let imported = if inputs.is_empty() {
        // Only folders holding no manifest, or files given twice: nothing is read.
        Err(None)
    } else {
        import::import_files(&inputs, &opts).map_err(Some)
    };
    let chosen = match imported {
        Ok(files) => choose(args, &entries, files, &mut problems, &mut notes),
        Err(nothing) => {
            problems.extend(entries.iter().filter_map(Entry::problem).map(String::from));
            problems.extend(nothing.map(|n| n.to_string()));
            None
        }
    };
    let plan = match chosen {
        Some(chosen) if !chosen.is_empty() => {
            let clashes = same_names(&chosen);
            let names: Vec<&str> = chosen.iter().map(|c| c.candidate.name.as_str()).collect();
            // Two of one name (in one file the import refused the second already): how
            // many there are, or that `--set name=…` gives them one file, is no advice.
            let clash = !clashes.is_empty()
                || names
                    .iter()
                    .enumerate()
                    .any(|(i, n)| names[..i].contains(n));
            problems.extend(clashes);
            match destination(args.out.as_deref(), &names) {
                Ok(to) => {
                    if !clash {
                        problems.extend(same_file_names(&to, &chosen));
                    }
                    let folders: Vec<&Path> = args
                        .files
                        .iter()
                        .filter(|f| f.is_dir())
                        .map(|f| f.as_path())
                        .collect();
                    problems.extend(refusals(&to, &chosen, &files_read, &folders, args.force));
                    Some((chosen, to))
                }
                // Beside two scenarios of one name, how many there are is no advice:
                // `--name` would pick both.
                Err(refused) => {
                    if !clash {
                        problems.push(refused);
                    }
                    None
                }
            }
        }
        // How many scenarios there are is not known (a file unread), or there are none:
        // only what is wrong with `--out` whatever their number can be told.
        _ => {
            problems.extend(out_is_input(args.out.as_deref(), &files_read));
            None
        }
    };
    match plan {
        Some((chosen, to)) if problems.is_empty() => write(&chosen, &to, notes),
        // What was skipped, and what each scenario refused had left out, may explain its
        // problems (a `--name` whose Deployment is of another apiVersion, a placement that
        // does not fit once a spread constraint is left out): told first, as on success.
        _ => {
            tell(&notes);
            bail!("{}", problems.join("\n"))
        }
    }
}

/// A scenario `--name` picks (every one without it), with the file it is in.
struct Chosen<'p> {
    /// The file's place among the files given.
    file: usize,
    path: &'p Path,
    candidate: Candidate,
}

impl Chosen<'_> {
    /// `file (what)`, as its problems and its imported scenario are labelled.
    fn label(&self) -> String {
        format!("{} ({})", self.path.display(), self.candidate.what)
    }

    /// The scenario's name as written, which names its file in an `--out` folder: the
    /// manifest's, or the one `--set name=…` gives (the manifest's when the import
    /// failed).
    fn written_name(&self) -> &str {
        self.candidate
            .outcome
            .as_ref()
            .ok()
            .and_then(|i| i.tree.get("name")?.as_str())
            .unwrap_or(&self.candidate.name)
    }
}

/// Where the chosen scenarios go.
enum Destination<'p> {
    Stdout,
    /// `--out FILE`, for one scenario.
    File(&'p Path),
    /// `--out DIR`: one file each, `DIR/<name>.yaml`.
    Folder(&'p Path),
}

impl Destination<'_> {
    /// `--out` as given, for messages (empty on stdout).
    fn shown(&self) -> String {
        match self {
            Destination::Stdout => String::new(),
            Destination::File(p) | Destination::Folder(p) => p.display().to_string(),
        }
    }

    /// The file the scenario `name` (its name as written, [`Chosen::written_name`]) is
    /// written to (none on stdout).
    fn file(&self, name: &str) -> Option<PathBuf> {
        match self {
            Destination::Stdout => None,
            Destination::File(out) => Some(out.to_path_buf()),
            Destination::Folder(dir) => Some(dir.join(format!("{name}.yaml"))),
        }
    }
}

/// The scenarios `--name` picks from every file's `files` (each [`Found`] or why the file
/// cannot be read, one an input of `entries`), with the files' problems, the entries'
/// own and those of the scenarios picked added to `problems` in file order, and to `notes`
/// the files' skipped documents and the fields each scenario refused left out. `None`
/// when a file could not be read: what it holds, so how many scenarios there are, is not
/// known (and a `--name` found nowhere may be in it).
fn choose<'p>(
    args: &ImportArgs,
    entries: &'p [Entry],
    files: Vec<Result<Found, ScenarioError>>,
    problems: &mut Vec<String>,
    notes: &mut Vec<String>,
) -> Option<Vec<Chosen<'p>>> {
    let mut unread = false;
    // An analysis template two Rollouts name is told with the first one only.
    let mut once = import::TellOnce::default();
    let mut seen: Vec<(String, String)> = Vec::new();
    // What `--namespace` left out, for messages when nothing is left.
    let mut elsewhere: Vec<import::Elsewhere> = Vec::new();
    let mut chosen = Vec::new();
    let mut files = files.into_iter().enumerate();
    for entry in entries {
        // A problem with a path given is told in its place among the files' own.
        let Some(path) = entry.input() else {
            problems.extend(entry.problem().map(String::from));
            continue;
        };
        let Some((file, found)) = files.next() else {
            break;
        };
        let found = match found {
            Ok(found) => found,
            Err(e) => {
                problems.push(e.to_string());
                unread = true;
                continue;
            }
        };
        let shown = path.display();
        notes.extend(
            found
                .skipped
                .iter()
                .map(|s| format!("skipped: {shown}: {s}")),
        );
        elsewhere.extend(found.elsewhere);
        for candidate in found.candidates {
            seen.push((candidate.name.clone(), candidate.what.clone()));
            if args.name.as_ref().is_some_and(|n| *n != candidate.name) {
                continue;
            }
            if let Some(e) = once.error(&candidate) {
                problems.push(e.to_string());
                let what = format!("{shown} ({})", candidate.what);
                notes.extend(
                    candidate
                        .not_simulated()
                        .iter()
                        .map(|p| format!("not simulated: {what}: {p}")),
                );
            }
            chosen.push(Chosen {
                file,
                path,
                candidate,
            });
        }
    }
    if unread {
        return None;
    }
    if chosen.is_empty() {
        let picks = pick::Picks {
            name: args.name.as_deref(),
            namespace: args.namespace.as_deref(),
        };
        problems.extend(picks.nothing(&seen, &elsewhere));
    }
    Some(chosen)
}

/// Two scenarios of one name in different files (in one file the import refuses the
/// second itself): a scenario is picked and written by its name.
fn same_names(chosen: &[Chosen]) -> Vec<String> {
    chosen
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let name = &c.candidate.name;
            let first = chosen[..i]
                .iter()
                .find(|d| d.file != c.file && d.candidate.name == *name && !name.is_empty())?;
            // Two objects of one name in different namespaces are named with them.
            let (a, b) = (&first.candidate, &c.candidate);
            let pick = a
                .pick_namespace(b)
                .map_or_else(String::new, |p| format!(", or {p}"));
            Some(format!(
                "two scenarios are named `{name}` ({} ({}) and {} ({})): import the files one \
                 at a time{pick}",
                first.path.display(),
                a.told_apart(b),
                c.path.display(),
                b.told_apart(a)
            ))
        })
        .collect()
}

/// Two scenarios of different names in the manifests that `--set name=…` gives one name:
/// written into an `--out` folder, the second would replace the first.
fn same_file_names(to: &Destination, chosen: &[Chosen]) -> Vec<String> {
    if !matches!(to, Destination::Folder(_)) {
        return Vec::new();
    }
    let mut told: Vec<&str> = Vec::new();
    let mut problems = Vec::new();
    for c in chosen {
        let name = c.written_name();
        if told.contains(&name) {
            continue;
        }
        let same: Vec<&Chosen> = chosen.iter().filter(|d| d.written_name() == name).collect();
        if same.len() < 2 {
            continue;
        }
        told.push(name);
        let file = to.file(name).unwrap_or_default();
        let labels: Vec<String> = same.iter().map(|d| d.label()).collect();
        problems.push(format!(
            "--out {}: {} scenarios would be named `{name}` ({}) and written to one file, \
             {}: a `--set name=…` names every scenario imported; pick one with --name NAME",
            to.shown(),
            same.len(),
            labels.join(", "),
            file.display()
        ));
    }
    problems
}

/// Whether `--out` names a folder: an existing one, or a path ending in `/` (`--out
/// imported/` is a folder even before it exists).
fn names_folder(out: &Path) -> bool {
    out.is_dir() || out.as_os_str().to_string_lossy().ends_with('/')
}

/// Where `--out` sends the scenarios named `names` (at least one), or why it cannot.
fn destination<'p>(out: Option<&'p Path>, names: &[&str]) -> Result<Destination<'p>, String> {
    match (names, out) {
        ([_], None) => Ok(Destination::Stdout),
        ([_], Some(out)) if !names_folder(out) => Ok(Destination::File(out)),
        // `--out web.yaml` means a file: a folder of that name is never what was meant.
        (_, Some(dir)) if !names_folder(dir) && Format::from_path(dir).is_some() => Err(format!(
            "--out {}: {} scenarios found ({}), one file each: name a folder (not a .yaml, \
             .yml or .json file), or pick one with --name NAME",
            dir.display(),
            names.len(),
            names.join(", ")
        )),
        (_, Some(dir)) => Ok(Destination::Folder(dir)),
        (_, None) => Err(format!(
            "{} scenarios found ({}): pick one with --name NAME, or give --out DIR for one \
             file each",
            names.len(),
            names.join(", ")
        )),
    }
}

/// Why the `chosen` scenarios cannot be written to `to`, found before anything is written:
/// a file that is not writable or is an input, and (unless `force`) a file, no input,
/// holding other text than the scenario's. A scenario refused has no text yet: whether its file may be
/// replaced is told once it imports.
fn refusals(
    to: &Destination,
    chosen: &[Chosen],
    inputs: &Inputs,
    folders: &[&Path],
    force: bool,
) -> Vec<String> {
    let mut refused: Vec<anyhow::Error> = Vec::new();
    match to {
        Destination::Stdout => return Vec::new(),
        Destination::File(out) => {
            refused.extend(check_file_path("--out", out).err());
            refused.extend(inputs.check_file("--out", out).err());
        }
        Destination::Folder(dir) => {
            if dir.exists() && !dir.is_dir() {
                refused.push(anyhow!(
                    "--out {}: a file, not a folder: the scenarios are written one file each \
                     into a folder; name a folder, or pick one with --name NAME",
                    dir.display()
                ));
            }
        }
    }
    let mut files: Vec<(PathBuf, &Candidate)> = Vec::new();
    for c in chosen {
        let Some(file) = to.file(c.written_name()) else {
            continue;
        };
        if !files.iter().any(|(f, _)| *f == file) {
            files.push((file, &c.candidate));
        }
    }
    // None may replace an input (`import web.yaml --out .` would write ./web.yaml over it).
    if let Destination::Folder(dir) = to {
        for (file, c) in &files {
            if let Some(input) = inputs.same_as(file) {
                refused.push(anyhow!(
                    "--out {}: the scenario `{}` would be written to {}, which is an input of \
                     this command ({input}), and would replace it: choose another --out folder",
                    dir.display(),
                    c.name,
                    file.display()
                ));
            }
        }
    }
    // Nor may one land in a folder of manifests given: `kubectl apply -f DIR` would read the
    // scenario as a manifest and fail (it has no `apiVersion` or `kind`), and the next
    // `import DIR` would list it as a skipped document. `--force` does not change that.
    // (An input itself is told as such above.)
    for (file, c) in files
        .iter()
        .filter(|(file, _)| inputs.same_as(file).is_none())
    {
        if let Some(folder) = manifest_folder(file, folders) {
            refused.push(anyhow!(
                "--out {}: the scenario `{}` would be written to {}, in {}, a folder of \
                 manifests given to this import: `kubectl apply -f {}` would then read it as \
                 a manifest and fail: choose another --out",
                to.shown(),
                c.name,
                file.display(),
                folder.display(),
                folder.display()
            ));
        }
    }
    // A file refused above as an input is not offered to `--force` too: the refusal
    // stands with it, so the hint would mislead.
    let texts: Vec<(PathBuf, &String)> = files
        .iter()
        .filter(|(file, _)| inputs.same_as(file).is_none())
        .filter(|(file, _)| manifest_folder(file, folders).is_none())
        .filter_map(|(file, c)| c.outcome.as_ref().ok().map(|i| (file.clone(), &i.text)))
        .collect();
    refused.extend(refuse_replacing(&texts, force).err());
    refused.iter().map(|e| format!("{e:#}")).collect()
}

/// The folder of `folders` (those given to the import) that `file` would be written in.
fn manifest_folder<'f>(file: &Path, folders: &[&'f Path]) -> Option<&'f Path> {
    let parent = file.parent().filter(|p| !p.as_os_str().is_empty());
    let parent = parent.unwrap_or(Path::new("."));
    folders.iter().copied().find(|f| same_file(f, parent))
}

/// What is wrong with `--out` whatever the number of scenarios: an input named as the
/// output would be replaced, or taken for a folder.
fn out_is_input(out: Option<&Path>, inputs: &Inputs) -> Option<String> {
    let out = out.filter(|out| !names_folder(out))?;
    inputs
        .check_file("--out", out)
        .err()
        .map(|e| format!("{e:#}"))
}

/// Writes the `chosen` scenarios, every one imported and checked by [`refusals`], to
/// `to`, then tells `notes` and the fields not simulated.
fn write(chosen: &[Chosen], to: &Destination, mut notes: Vec<String>) -> anyhow::Result<()> {
    let scenarios: Vec<(&str, &Imported)> = chosen
        .iter()
        .filter_map(|c| {
            let imported = c.candidate.outcome.as_ref().ok()?;
            Some((c.written_name(), imported))
        })
        .collect();
    for (_, i) in &scenarios {
        notes.extend(
            i.unsupported
                .iter()
                .map(|p| format!("not simulated: {}: {p}", i.origin)),
        );
    }
    match to {
        // One scenario: `destination` sends no more to stdout.
        Destination::Stdout => {
            tell(&notes);
            for (_, i) in &scenarios {
                super::print_stdout(&i.text).map_err(|e| e.error)?;
            }
        }
        Destination::File(_) | Destination::Folder(_) => {
            if let Destination::Folder(dir) = to {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow!("--out {}: cannot create the folder: {e}", dir.display())
                })?;
            }
            let mut wrote = Vec::new();
            for (name, i) in &scenarios {
                if let Some(file) = to.file(name) {
                    write_file(&file, i.text.as_bytes())?;
                    wrote.push(format!("wrote {} from {}", file.display(), i.origin));
                }
            }
            // What was written comes last, as `run` ends with its results' folder.
            notes.extend(wrote);
            tell(&notes);
        }
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

/// The file's text, or why it cannot be read.
fn read_file(path: &Path) -> Result<String, ScenarioError> {
    let origin = path.display().to_string();
    let bytes =
        user_file::read(path, MAX_SCENARIO_BYTES).map_err(|m| ScenarioError::file(&origin, m))?;
    String::from_utf8(bytes)
        .map_err(|e| ScenarioError::file(&origin, format!("not UTF-8 text: {e}")))
}

/// Notes on stderr (a closed stderr loses them, nothing else).
fn tell(notes: &[String]) {
    let mut err = std::io::stderr().lock();
    for n in notes {
        let _ = writeln!(err, "{n}");
    }
}
