//! rollout-sim: a discrete-event Monte Carlo simulator of container rollouts.

pub mod experiment;
pub mod output;
pub mod scenario;
pub mod sim;
pub mod stats;
