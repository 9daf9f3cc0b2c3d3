//! Errors of reading back this crate's own output files (shard merges).
//!
//! Writers have no error type of their own: they build bytes in memory, which cannot fail,
//! and [`write_atomic`](crate::output::write_atomic) returns the plain `io::Error` for the
//! caller to wrap with the path it was writing.

use thiserror::Error;

/// A `trials.csv` that cannot be read back into trial results.
#[derive(Debug, Error)]
pub enum ReadError {
    /// The bytes are not well-formed CSV (or not UTF-8).
    #[error("not a valid CSV file: {0}")]
    Csv(#[from] csv::Error),
    /// A column the results need is not in the header.
    #[error("no `{0}` column in the header: is this a trials.csv written by rollout-sim?")]
    MissingColumn(&'static str),
    /// A field that does not hold what its column needs.
    #[error("line {line}, column `{column}`: expected {expected}, found `{found}`")]
    BadValue {
        /// 1-based line number in the file.
        line: u64,
        /// The column's name.
        column: &'static str,
        /// What the column holds, e.g. "a whole number".
        expected: &'static str,
        /// The field as written.
        found: String,
    },
}
