//! Analysis: Argo Rollouts AnalysisRuns measured on the simulated traffic, a
//! Kayenta-style Mann-Whitney judge, and Flagger's built-in checks.
//!
//! A strategy parser reads an `analysis` block with [`spec::parse`]; a controller starts
//! an [`AnalysisRun`] when the upstream controller would create one, asks it when it
//! next wants to measure ([`AnalysisRun::next_due`]), lets it measure at that instant
//! ([`AnalysisRun::measure`], given a [`Measure`] that reads the traffic model's windows)
//! and acts on its [`Phase`]: Successful completes a step or allows a promotion, Failed
//! and Error abort, Inconclusive pauses (`rollout/analysis.go`). See `docs/analysis.md`.

pub mod condition;
pub mod dry_run;
pub mod flagger;
pub mod histogram_quantile;
pub mod judge;
pub mod mannwhitney;
pub mod run;
pub mod source;
pub mod spec;
pub mod taken;

#[cfg(test)]
mod detection_tests;

pub use run::{AnalysisRun, Measure, Measurement, MetricStatus, Phase};
pub use source::TrafficSource;
pub use spec::{AnalysisSpec, Quantity, Role, parse};
pub use taken::{RunName, Taken, WindowCounts};
