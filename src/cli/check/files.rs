//! The scenario files `check` (and `lint`) reads, from the paths given on its command
//! line: a folder stands for its scenario files, listed by [`crate::cli::input_folders`].

use crate::cli::input_folders::{self, Entry, Filter, Kind};
use std::ffi::OsStr;
use std::path::PathBuf;

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
