//! Trials, seeds and Monte Carlo runs.

pub mod fleet;
pub mod result;
pub mod run;

pub use result::{Outcome, TrafficResult, TrialResult};
pub use run::{run_timelines, run_trials, run_trials_until, with_threads};
