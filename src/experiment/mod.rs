//! Trials, seeds and Monte Carlo runs: an [`Experiment`] (variants × trials × seed,
//! optionally one shard's slice) streams its results in trial order into [`Sink`]s.

pub mod compare;
pub mod fleet;
mod handover;
pub mod objective;
pub mod run;
pub mod stream;
pub mod sweep;
pub mod trial_pick;

/// The library's public path for trial results (they live in the leaf [`crate::result`]).
pub use crate::result::{Outcome, TrafficResult, TrialResult};
pub use run::{Rows, VariantRows, run_timelines, run_trials, run_trials_until, with_threads};
pub use stream::{Experiment, Fanout, PerVariant, Recording, Shard, Sink, Trial};
pub use trial_pick::{FirstOfEachOutcome, TrialPick};
