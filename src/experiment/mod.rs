//! Trials, seeds and Monte Carlo runs.

pub mod result;

pub use result::{Outcome, TrafficResult, TrialResult};
