//! `trials.csv`: one row per trial, written from the [`COLUMNS`](crate::output::COLUMNS)
//! table, and read back for merging shard outputs.
//!
//! Both directions are pure functions over bytes, so they are tested without I/O and the
//! caller decides where the bytes go (see [`write_atomic`](crate::output::write_atomic)).
//! The text is deterministic: integers, shortest round-trip floats (see
//! [`crate::output::columns::Cell`]), `\n` line ends, fields never quoted (no column
//! can hold a comma or a quote).
//!
//! The two directions are two modules because they live on different paths: writing
//! ([`trials_csv`], [`TrialsCsv`], in `write.rs`) runs once per trial of every run, reading
//! ([`read_trials_csv`], in `read.rs`) only when shards are merged or a baseline is read.

mod read;
mod write;

pub use read::{read_trials_csv, read_trials_csv_lines};
pub use write::{TrialsCsv, trials_csv};
