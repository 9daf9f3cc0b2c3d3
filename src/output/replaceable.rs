//! Which output folders a run may replace. Replacing a folder ([`super::folder`]) deletes
//! it, so only a folder this tool wrote may be replaced: an empty one, or one holding a
//! `summary.json`, `sweep.json` or `compare.json` of rollout-sim and nothing but files
//! rollout-sim writes ([`foreign_entries`]: the files of
//! `run`, `sweep`, `compare`, `report`, `merge` and a baseline, their charts, and `--trace`
//! files). Anything else (`--out .`, a home directory, a run folder where a scenario or
//! notes were put) is refused before any work, naming the file that would be lost.

use super::folder::split;
use std::fs::{self, File};
use std::io::{self, BufRead, Read};
use std::path::{Path, PathBuf};

/// Largest `summary.json` read to recognise a folder of ours.
const SUMMARY_CAP: u64 = 64 << 20;

/// Why an output folder cannot be used; found before any trial runs.
pub fn check_replaceable(dir: &Path) -> Result<(), String> {
    let (_, name) = split(dir).map_err(|e| e.to_string())?;
    let meta = match fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            // `--out notes.txt/run`: the file on the way is what to tell, not ENOTDIR.
            if let Some(file) = dir.ancestors().skip(1).find(|a| a.is_file()) {
                return Err(format!(
                    "{} is a file, not a folder, so no folder {} can be made in it: choose \
                     another --out",
                    file.display(),
                    dir.display()
                ));
            }
            return Err(format!("cannot inspect {}: {e}", dir.display()));
        }
    };
    let shown = dir.display();
    if meta.file_type().is_symlink() {
        return Err(format!(
            "{shown} is a symbolic link: a run replaces its output folder as a whole; \
             pass the folder it points to as --out"
        ));
    }
    if !meta.is_dir() {
        return Err(format!(
            "{shown} exists and is not a folder: choose another --out"
        ));
    }
    let cannot = |e: io::Error| format!("cannot read {shown}: {e}");
    if !is_run_folder(dir) {
        // Not ours at all: its first entries say what it is, without a walk through it
        // (`--out ~`).
        let mut names: Vec<PathBuf> = fs::read_dir(dir)
            .map_err(cannot)?
            .map(|e| e.map(|e| PathBuf::from(e.file_name())))
            .collect::<io::Result<_>>()
            .map_err(cannot)?;
        if names.is_empty() {
            return Ok(());
        }
        names.sort();
        return Err(format!(
            "{shown} exists and is not a rollout-sim output folder (no summary.json written by \
             rollout-sim in it, nor a sweep.json or compare.json; it holds {}); a run replaces \
             its whole folder ({name:?}), so choose a new or empty --out",
            listed(dir, &names)
        ));
    }
    let foreign = foreign_entries(dir).map_err(cannot)?;
    if foreign.is_empty() {
        return Ok(());
    }
    let them = if foreign.len() == 1 { "it" } else { "them" };
    Err(format!(
        "{shown} holds {}, which rollout-sim does not write: a run replaces its whole folder \
         ({name:?}) and would delete {them}; move {them} out of it, or choose another --out (a \
         new or empty folder)",
        listed(dir, &foreign),
    ))
}

/// Whether the folder `dir` may take rollout-sim's files without mixing them with anyone
/// else's: it is empty, or one of ours ([`is_run_folder`]) holding nothing but files
/// rollout-sim writes ([`foreign_entries`]).
pub fn holds_only_ours(dir: &Path) -> io::Result<bool> {
    if is_run_folder(dir) {
        return Ok(foreign_entries(dir)?.is_empty());
    }
    Ok(fs::read_dir(dir)?.next().is_none())
}

/// The files of `dir` rollout-sim does not write ([`foreign_entries`]), at most three
/// named, or `None` when there are none.
pub fn foreign_listed(dir: &Path) -> io::Result<Option<String>> {
    let foreign = foreign_entries(dir)?;
    Ok((!foreign.is_empty()).then(|| listed(dir, &foreign)))
}

/// At most three of `entries` (paths relative to `dir`), shown under `dir`.
fn listed(dir: &Path, entries: &[PathBuf]) -> String {
    let mut shown: Vec<String> = entries
        .iter()
        .take(3)
        .map(|e| dir.join(e).display().to_string())
        .collect();
    match entries.len() {
        n if n >= MAX_FOREIGN => shown.push("more".into()),
        n if n > 3 => shown.push(format!("{} more", n - 3)),
        _ => {}
    }
    match shown.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => "nothing".into(),
    }
}

/// The files every command that writes a folder may write there: `run` (and `merge`,
/// `run --shard`), `sweep`, `compare`, `report` and `check --update-baseline`.
const OUR_FILES: &[&str] = &[
    "trials.csv",
    "summary.json",
    "timeline.csv",
    super::shard::ShardManifest::FILE,
    "baseline.json",
    "sweep.csv",
    "sweep.json",
    "compare.csv",
    "compare.json",
    "report.md",
    "report.html",
];

/// The charts' file stems (each is written as `<stem>.png` and `<stem>.svg`); a
/// comparison of several variants names one chart per variant,
/// `compare-differences-<variant>`.
const OUR_CHARTS: &[&str] = &[
    "rollout-timeline",
    "traffic-timeline",
    "duration-distribution",
    "outcomes",
    "compare-duration-cdf",
    "compare-differences",
    "sweep-heatmap",
    "sweep-lines",
    "sweep-pareto",
];

/// How deep `--trace` files inside a run folder are looked for.
const MAX_DEPTH: usize = 16;

/// Entries looked at, at most, to decide that a folder holds only rollout-sim's files: a
/// run folder has a few dozen, and a folder with more is none of ours (the walk stops
/// there, and the entry it stopped at counts as foreign).
const MAX_ENTRIES: usize = 10_000;

/// Foreign entries collected, at most: enough to name some and count a few more.
const MAX_FOREIGN: usize = 100;

/// The entries of `dir` (relative paths, sorted) that rollout-sim does not write: anything
/// but its files and charts (regular files of the names it uses), a `--trace` file (a JSON
/// Lines file whose first line is a trace record), and subfolders holding only traces.
/// Symbolic links are never ours. At most [`MAX_FOREIGN`] are listed.
pub fn foreign_entries(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut walk = Walk {
        root: dir,
        seen: 0,
        foreign: Vec::new(),
    };
    walk.folder(Path::new(""), 0)?;
    walk.foreign.sort();
    Ok(walk.foreign)
}

/// A walk through a run folder for [`foreign_entries`].
struct Walk<'a> {
    root: &'a Path,
    seen: usize,
    foreign: Vec<PathBuf>,
}

impl Walk<'_> {
    /// Whether the walk has seen enough.
    fn done(&self) -> bool {
        self.foreign.len() >= MAX_FOREIGN || self.seen > MAX_ENTRIES
    }

    fn folder(&mut self, rel: &Path, depth: usize) -> io::Result<()> {
        for entry in fs::read_dir(self.root.join(rel))? {
            if self.done() {
                return Ok(());
            }
            let entry = entry?;
            self.seen += 1;
            let name = entry.file_name();
            let path = rel.join(&name);
            let kind = entry.file_type()?;
            if kind.is_dir() && depth < MAX_DEPTH && self.seen <= MAX_ENTRIES {
                self.folder(&path, depth + 1)?;
                continue;
            }
            // `file_type` does not follow links: a FIFO or a link is never opened.
            let ours = kind.is_file()
                && self.seen <= MAX_ENTRIES
                && ((depth == 0 && name.to_str().is_some_and(is_our_name))
                    || is_trace(&self.root.join(&path)));
            if !ours {
                self.foreign.push(path);
            }
        }
        Ok(())
    }
}

/// Whether `name` is one of the files rollout-sim writes at the top of a folder.
fn is_our_name(name: &str) -> bool {
    if OUR_FILES.contains(&name) || is_shown_trial_file(name) {
        return true;
    }
    let Some(stem) = chart_stem(name) else {
        return false;
    };
    OUR_CHARTS.contains(&stem)
        || stem
            .strip_prefix("compare-differences-")
            .is_some_and(|v| !v.is_empty())
}

/// The stem of a chart's file name: `<stem>.png` or `<stem>.svg`.
fn chart_stem(name: &str) -> Option<&str> {
    name.strip_suffix(".png")
        .or_else(|| name.strip_suffix(".svg"))
}

/// Whether `name` is a file of a trial a report shows by itself (`report --trial K`):
/// `trial-K.timeline.csv`, `trial-K.trace.jsonl` and its charts `trial-K-<chart>.png` /
/// `.svg`, each with the variant's or the point's tag after `K` under a comparison or a
/// sweep (`trial-K-<tag>.timeline.csv`, `trial-K-<tag>-<chart>.png`).
fn is_shown_trial_file(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("trial-") else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let rest = &rest[digits..];
    if let Some(tagged) = rest.strip_prefix('-') {
        for data in [".timeline.csv", ".trace.jsonl"] {
            if tagged.strip_suffix(data).is_some_and(|tag| !tag.is_empty()) {
                return true;
            }
        }
        let Some(stem) = chart_stem(tagged) else {
            return false;
        };
        return OUR_CHARTS.iter().any(|chart| {
            stem == *chart
                || stem
                    .strip_suffix(chart)
                    .and_then(|tag| tag.strip_suffix('-'))
                    .is_some_and(|tag| !tag.is_empty())
        });
    }
    rest == ".timeline.csv" || rest == ".trace.jsonl"
}

/// Whether `path` is a `--trace` file: its first line is a JSON object with a number `t`
/// and a string `event`, as every trace record is.
fn is_trace(path: &Path) -> bool {
    let Ok(file) = File::open(path) else {
        return false;
    };
    let mut first = Vec::new();
    // A record is a few hundred bytes; a longer first line is no trace of ours.
    if io::BufReader::new(file.take(64 << 10))
        .read_until(b'\n', &mut first)
        .is_err()
    {
        return false;
    }
    match serde_json::from_slice::<serde_json::Value>(&first) {
        Ok(serde_json::Value::Object(m)) => {
            m.get("t").is_some_and(serde_json::Value::is_number)
                && m.get("event").is_some_and(serde_json::Value::is_string)
        }
        _ => false,
    }
}

/// The JSON files that make a folder one of ours, each with the keys it always has.
const RESULT_FILES: [(&str, &[&str]); 3] = [
    (
        "summary.json",
        &["scenario", "trials", "seed", "outcomes", "metrics"],
    ),
    ("sweep.json", &["scenario", "seed", "parameters", "points"]),
    ("compare.json", &["seed", "trials", "variants", "metrics"]),
];

/// Whether `dir` holds a `summary.json`, `sweep.json` or `compare.json` written by
/// rollout-sim.
pub fn is_run_folder(dir: &Path) -> bool {
    RESULT_FILES.iter().any(|(file, _)| {
        json_object(&dir.join(file)).is_some_and(|map| result_file(&map) == Some(*file))
    })
}

/// Which of [`RESULT_FILES`] the JSON object `map` is, by its keys.
fn result_file(map: &serde_json::Map<String, serde_json::Value>) -> Option<&'static str> {
    RESULT_FILES
        .iter()
        .find(|(_, keys)| keys.iter().all(|k| map.contains_key(*k)))
        .map(|(file, _)| *file)
}

/// What a command wrote: the results of a run, a sweep or a comparison, read back to tell
/// a user who gives them where a scenario is expected which scenario they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Results {
    /// The file that holds them: `summary.json`, `sweep.json` or `compare.json`.
    pub file: &'static str,
    /// The scenario's `name` (a comparison's baseline).
    pub scenario: String,
    /// The seed and trial count they were run with.
    pub seed: u64,
    /// Trials of each point or variant.
    pub trials: u64,
}

impl Results {
    /// The command that writes [`Results::file`]: a run (also `report` and `merge`), a
    /// sweep or a comparison.
    pub fn command(&self) -> &'static str {
        match self.file {
            "sweep.json" => "sweep",
            "compare.json" => "comparison",
            _ => "run",
        }
    }

    /// The command line that runs the same trials again, in `command`'s words: `report`
    /// of a comparison needs `--compare`, of a sweep `--sweep`.
    pub fn again(&self, command: &str) -> String {
        let more = match (command, self.file) {
            ("report", "sweep.json") => " --sweep PATH=V1,V2,…",
            ("report", "compare.json") => " --compare FILE2 …",
            _ => "",
        };
        format!(
            "rollout-sim {command} FILE{more} --seed {} --trials {}",
            self.seed, self.trials
        )
    }
}

/// The results rollout-sim wrote in `dir`, if it is one of our folders.
pub fn results_in(dir: &Path) -> Option<Results> {
    RESULT_FILES.iter().find_map(|(file, _)| {
        let map = json_object(&dir.join(file))?;
        results_of(&map).filter(|r| r.file == *file)
    })
}

/// The results that the JSON object `map` holds, when it is a `summary.json`,
/// `sweep.json` or `compare.json` of rollout-sim.
pub fn results_of(map: &serde_json::Map<String, serde_json::Value>) -> Option<Results> {
    let file = result_file(map)?;
    let text = |k: &str| map.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let number = |k: &str| map.get(k).and_then(serde_json::Value::as_u64);
    Some(Results {
        file,
        scenario: text("scenario").or_else(|| text("baseline"))?,
        seed: number("seed")?,
        trials: number("trials")?,
    })
}

/// The JSON object in the regular file `path`, read when at most [`SUMMARY_CAP`] bytes.
fn json_object(path: &Path) -> Option<serde_json::Map<String, serde_json::Value>> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() > SUMMARY_CAP {
        return None;
    }
    let mut bytes = Vec::new();
    File::open(path)
        .and_then(|f| f.take(SUMMARY_CAP).read_to_end(&mut bytes))
        .ok()?;
    match serde_json::from_slice(&bytes) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUMMARY: &[u8] = br#"{"scenario":"s","trials":1,"seed":1,"outcomes":{},"metrics":{}}"#;

    #[test]
    fn every_file_a_command_writes_is_ours_and_nothing_else() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::write(dir.join("summary.json"), SUMMARY).unwrap();
        for f in [
            "trials.csv",
            "timeline.csv",
            "shard.json",
            "baseline.json",
            "sweep.csv",
            "sweep.json",
            "compare.csv",
            "compare.json",
            "report.md",
            "report.html",
            "rollout-timeline.png",
            "sweep-pareto.svg",
            "compare-differences-fast.png",
            "trial-0.timeline.csv",
            "trial-12.trace.jsonl",
            "trial-0-rollout-timeline.png",
            "trial-3-traffic-timeline.svg",
            "trial-0-fast.timeline.csv",
            "trial-0-fast-rollout-timeline.png",
        ] {
            fs::write(dir.join(f), b"x").unwrap();
        }
        fs::create_dir_all(dir.join("traces/deep")).unwrap();
        let record = b"{\"t\":0.0,\"event\":\"update\",\"state\":\"updating\"}\n";
        fs::write(dir.join("traces/deep/t.jsonl"), record).unwrap();
        fs::write(dir.join("trace.jsonl"), record).unwrap();
        assert!(foreign_entries(dir).unwrap().is_empty());
        assert!(holds_only_ours(dir).unwrap());
        for f in [
            "scenario.yaml",
            "notes.md",
            "compare-differences-.png",
            "traces/mine.jsonl",
            "traces/deep/trials.csv",
            "trial-.timeline.csv",
            "trial-0-.timeline.csv",
            "trial-0-notes.png",
        ] {
            fs::write(dir.join(f), b"{\"t\": \"no\"}\n").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("trials.csv"), dir.join("link.csv")).unwrap();
        let mut expected = vec![
            "compare-differences-.png",
            "notes.md",
            "scenario.yaml",
            "traces/deep/trials.csv",
            "traces/mine.jsonl",
            "trial-.timeline.csv",
            "trial-0-.timeline.csv",
            "trial-0-notes.png",
        ];
        if cfg!(unix) {
            expected.insert(1, "link.csv");
        }
        let found = foreign_entries(dir).unwrap();
        assert_eq!(
            found,
            expected.iter().map(PathBuf::from).collect::<Vec<_>>()
        );
        assert!(!holds_only_ours(dir).unwrap());
        let err = check_replaceable(dir).unwrap_err();
        assert!(
            err.contains("and 6 more, which rollout-sim does not write"),
            "{err}"
        );
    }

    #[test]
    fn only_empty_folders_and_our_own_may_be_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        check_replaceable(&dir).unwrap();
        fs::create_dir(&dir).unwrap();
        check_replaceable(&dir).unwrap();
        fs::write(dir.join("notes.txt"), b"mine").unwrap();
        let err = check_replaceable(&dir).unwrap_err();
        assert!(err.contains("not a rollout-sim output folder"), "{err}");
        fs::write(dir.join("summary.json"), b"{\"scenario\": 1}").unwrap();
        assert!(check_replaceable(&dir).is_err());
        fs::write(dir.join("summary.json"), SUMMARY).unwrap();
        // A run folder holding a file of someone else's is not replaced either: it would go.
        let err = check_replaceable(&dir).unwrap_err();
        assert!(
            err.contains("notes.txt, which rollout-sim does not write"),
            "{err}"
        );
        fs::remove_file(dir.join("notes.txt")).unwrap();
        check_replaceable(&dir).unwrap();
        let file = tmp.path().join("file");
        fs::write(&file, b"x").unwrap();
        assert!(
            check_replaceable(&file)
                .unwrap_err()
                .contains("not a folder")
        );
        assert!(check_replaceable(Path::new("/")).is_err());
        assert!(check_replaceable(&dir.join("..")).is_err());
    }
}
