//! rollout-sim: a discrete-event Monte Carlo simulator of container rollouts.
//!
//! The module docs are the developers' map of the crate and link to the private modules
//! and items they describe; read them with `cargo doc --document-private-items`.
#![allow(rustdoc::private_intra_doc_links)]

pub mod analysis;
pub mod calibrate;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod experiment;
pub mod output;
pub mod plot;
pub mod result;
pub mod scenario;
pub mod sim;
pub mod stats;
pub mod strategy;
pub mod traffic;
pub mod trial;

#[cfg(test)]
pub(crate) mod testkit;
