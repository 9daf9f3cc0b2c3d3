//! The input contract: scenario files, their defaults, validation and `--set` overrides.
//!
//! Nothing here simulates. A YAML or JSON file is read into a generic tree, `--set`
//! overrides are applied to the tree by dotted path, and the tree is converted into the
//! typed [`Scenario`] of [`model`], collecting every problem with its field path.

pub mod distribution;
mod distribution_parse;
mod duration;
mod error;
pub mod model;
mod quantity;
mod suggest;
mod walk;

pub use distribution::Dist;
pub use error::{Problem, ScenarioError};
pub use model::*;
