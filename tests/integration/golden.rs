//! Golden outputs: `trials.csv` of every example scenario and benchmark (40 trials, seed 5)
//! is compared byte for byte with the committed files under `tests/golden/`.
//!
//! A restructuring must leave these unchanged. When a behaviour change is intended,
//! regenerate with `UPDATE_GOLDEN=1 cargo test golden` and say in the commit which behaviour
//! changed and why.

use rollout_sim::experiment::run_trials;
use rollout_sim::output::csv::trials_csv;
use rollout_sim::scenario::{Override, load_file};
use std::path::{Path, PathBuf};

const TRIALS: u64 = 40;

fn inputs() -> Vec<PathBuf> {
    crate::examples_and_benches()
}

#[test]
fn trials_csv_of_every_example_matches_the_committed_golden_file() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let seed: Override = "seed=5".parse().unwrap();
    let mut differ = Vec::new();
    for file in inputs() {
        let s = load_file(&file, std::slice::from_ref(&seed)).unwrap_or_else(|e| panic!("{e}"));
        let bytes = trials_csv(&run_trials(&s, 0..TRIALS));
        let name = format!("{}.trials.csv", file.file_stem().unwrap().to_string_lossy());
        let path = golden.join(&name);
        if update {
            std::fs::create_dir_all(&golden).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
            differ.push(name);
        }
    }
    assert!(
        differ.is_empty(),
        "trials.csv differs from tests/golden/ for {differ:?}; if the change is intended, \
         regenerate with UPDATE_GOLDEN=1 and say why in the commit"
    );
}
