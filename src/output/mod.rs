//! What leaves the process: `trials.csv`, `summary.json` and the terminal summary.
//!
//! Each format is a pure function from results to bytes (or a `String`), so it is
//! unit-tested without touching the disk. The I/O is in four places, none of which leaves
//! a half-written file behind: [`write_atomic`] (one file), [`folder`] (a run's folder
//! staged and swapped in whole), [`sinks`] (`trials.csv` streamed into that staged folder)
//! and [`replaceable`] (which folders a run may replace: it reads them).
//!
//! - [`columns`]: the single table of `trials.csv` columns (name, unit, extractor) that
//!   every writer reads, so the CSV, the JSON and the table cannot disagree;
//! - [`csv`]: `trials.csv`, and reading it back for shard merges and baselines;
//! - [`summary`]: the [`Summary`] of a run;
//! - [`summary_json`](mod@summary_json): `summary.json`, a [`Summary`]'s bytes;
//! - [`summary_builder`]: the [`SummaryBuilder`] that aggregates trials as they stream in,
//!   in little memory, and merges across shards;
//! - [`table`]: the aligned plain-text summary for terminals and tickets;
//! - [`human_text`]: numbers as people read them (`2m10.5s`, `1.5Gi`, `99.95%`), for the
//!   table, the reports and the charts alike;
//! - [`timeline`]: `timeline.csv`, the fleet (and traffic) over time of one trial or bands
//!   across trials;
//! - [`charts`]: a run's results as charts (PNG and SVG, drawn by [`crate::plot`]);
//! - [`action_marks`]: the scenario's actions and node drains as the timeline charts mark them;
//! - [`report`]: `report.md` and the self-contained `report.html`;
//! - [`atomic`]: temporary file, fsync, rename;
//! - [`folder`]: a run's whole folder written aside and swapped in when complete.
//!
//! Every number printed is deterministic: the same trials give the same bytes whatever the
//! platform, thread count or shard layout (statistics sort before they sum, floats are
//! printed in their shortest round-trip form).
//!
//! ```
//! use rollout_sim::output::{Summary, summary_table, trials_csv};
//!
//! let rows = []; // the experiment's `TrialResult`s
//! let csv = trials_csv(&rows);
//! let summary = Summary::from_rows("web", 42, &rows);
//! let json = summary.to_json();
//! print!("{}", summary_table(&summary));
//! # assert!(!csv.is_empty() && !json.is_empty());
//! ```

pub mod action_marks;
pub mod atomic;
pub mod cells;
pub mod charts;
pub mod columns;
pub mod compare;
pub mod compare_charts;
pub mod csv;
pub mod error;
pub mod folder;
pub mod human_text;
pub mod junit;
pub mod limit_lines;
pub mod merge;
pub mod number_text;
pub mod release;
pub mod replaceable;
pub mod report;
pub mod shard;
pub mod sinks;
pub mod summary;
pub mod summary_builder;
pub mod summary_json;
pub mod sweep;
pub mod sweep_charts;
pub mod table;
pub mod timeline;
pub mod trace;

pub use self::csv::{TrialsCsv, read_trials_csv, trials_csv};
pub use atomic::write_atomic;
pub use columns::{COLUMNS, Cell, Column, Unit};
pub use error::ReadError;
pub use summary::{Metric, OutcomeMetrics, OutcomeShare, Summary};
pub use summary_builder::SummaryBuilder;
pub use summary_json::summary_json;
pub use table::summary_table;
pub use timeline::{
    TimelineBands, bands_csv, timeline_bands, timeline_bands_csv, timeline_tick, timeline_trial_csv,
};
pub use trace::trace_jsonl;
