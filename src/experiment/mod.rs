//! Trials, seeds and Monte Carlo runs.

pub mod result;
pub mod run;

pub use result::{Outcome, TrafficResult, TrialResult};
pub use run::{run_timelines, run_trials, with_threads};
