//! A measurement as the trace records it: which analysis took it, of which metric, with
//! what value and phase, and how many requests it read.
//!
//! An analysis hands each measurement it takes to its [`super::Measure`] source
//! ([`super::Measure::note`]); the simulated traffic's source writes it into the traced
//! trial's `--trace` file, a test's source ignores it.

use super::run::Measurement;
use crate::cluster::trace::MeasurementRecord;
use crate::traffic::window::WindowStats;

/// Which analysis took a measurement, in the names the trace uses.
///
/// ```
/// use rollout_sim::analysis::RunName;
/// assert_eq!(RunName::Step(2).kind(), "step");
/// assert_eq!(RunName::Experiment("smoke").kind(), "experiment");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunName<'s> {
    /// An Argo Rollout's background run (`canary.analysis`).
    Background,
    /// The run of an `analysis` step, by its index in `steps`.
    Step(usize),
    /// Blue-green's `prePromotionAnalysis`.
    PrePromotion,
    /// Blue-green's `postPromotionAnalysis`.
    PostPromotion,
    /// An `experiment` step's analysis, by its `name`.
    Experiment(&'s str),
    /// Flagger's built-in checks of one analysis tick.
    Flagger,
}

impl RunName<'_> {
    /// The trace's `analysis` value.
    pub fn kind(self) -> &'static str {
        match self {
            RunName::Background => "background",
            RunName::Step(_) => "step",
            RunName::PrePromotion => "pre-promotion",
            RunName::PostPromotion => "post-promotion",
            RunName::Experiment(_) => "experiment",
            RunName::Flagger => "flagger",
        }
    }
}

/// The requests of a measured window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCounts {
    /// Requests in the window.
    pub requests: u64,
    /// Of which failed.
    pub failed: u64,
}

impl WindowCounts {
    /// The counts of `w`.
    pub fn of(w: &WindowStats) -> WindowCounts {
        WindowCounts {
            requests: w.requests,
            failed: w.failed,
        }
    }
}

/// One measurement an analysis took, with what a reader of the trace needs to follow it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Taken<'a> {
    /// The analysis that took it.
    pub run: RunName<'a>,
    /// The metric's name.
    pub metric: &'a str,
    /// When, the phase, and the value (NaN when there was none).
    pub measurement: Measurement,
    /// The requests of the window it read, as its metric counts them; `None` for a
    /// measurement not of requests (a ready ratio, a judge's score over many windows, a
    /// latency histogram).
    pub window: Option<WindowCounts>,
    /// The metric is in dry-run mode: its phase does not move the rollout.
    pub dry_run: bool,
}

impl Taken<'_> {
    /// The phase's name (Argo's measurement phases; a Flagger check is `Successful` or
    /// `Failed`).
    pub fn phase(&self) -> &'static str {
        self.measurement.phase.name()
    }

    /// The trace's record of it.
    pub fn record(&self) -> MeasurementRecord {
        MeasurementRecord {
            t: self.measurement.at,
            analysis: self.run.kind(),
            step: match self.run {
                RunName::Step(i) => Some(i),
                _ => None,
            },
            name: match self.run {
                RunName::Experiment(name) => Some(name.to_owned()),
                _ => None,
            },
            metric: self.metric.to_owned(),
            value: self.value(),
            phase: self.phase(),
            window: self.window.map(|w| (w.requests, w.failed)),
            dry_run: self.dry_run,
        }
    }

    /// The value, `None` when the measurement had none (an Error, a window without
    /// requests).
    pub fn value(&self) -> Option<f64> {
        let v = self.measurement.value;
        v.is_finite().then_some(v)
    }
}
