//! The input contract: scenario files, their defaults, validation and `--set` overrides.
//!
//! Nothing here simulates. A YAML or JSON file is read into a generic tree, `--set`
//! overrides are applied to the tree by dotted path, and the tree is converted into the
//! typed [`Scenario`] of [`model`], collecting every problem with its field path.
//!
//! Entry points: [`load_file`] and [`load_str`] (see [`load`] for the pipeline).

mod cluster;
pub mod cluster_autoscaler;
pub mod control_plane;
mod convert;
pub mod daemon_set;
mod disruption_budget;
pub mod distribution;
mod distribution_parse;
mod duration;
mod error;
pub mod experiment_step;
mod faults;
mod feasibility;
mod foreign_fields;
mod format;
mod health;
pub mod import;
pub(crate) mod json;
pub mod limits;
pub mod load;
mod load_tree;
pub mod managed_routes;
pub(crate) mod match_share;
pub mod model;
mod overrides;
pub mod placement;
mod placement_foreign;
mod placement_kubernetes;
mod placement_nodes;
mod placement_swarm;
mod port;
pub mod ports;
pub(crate) mod quantity;
mod retries;
pub mod rollout;
pub mod schema;
mod schema_required;
mod service;
pub mod service_mode;
pub mod stateful_set;
pub(crate) mod strategy;
pub(crate) mod suggest;
pub mod sweep;
mod traffic;
pub mod user_file;
pub(crate) mod walk;
mod written;

pub use control_plane::{ControlPlane, Phase};
pub use daemon_set::DaemonSetStrategy;
pub use distribution::Dist;
pub use duration::{DurationError, parse as parse_duration, show as show_duration};
pub use error::{Problem, ScenarioError};
pub use load::{Format, load_file, load_str};
pub use model::*;
pub use overrides::{Override, OverrideSyntaxError, SetBy};
pub use port::{Port, Protocol, PublishMode};
pub use stateful_set::{PodManagement, StatefulSetStrategy};
pub use sweep::{SweepAxis, SweepValue};
