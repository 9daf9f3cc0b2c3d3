//! The `sweep:` block: the grid `rollout-sim sweep` runs, as a map from a field's dotted
//! path (what `--set` takes) to the list of values it takes.
//!
//! ```yaml
//! sweep:
//!   strategy.swarm.update_config.parallelism: [1, 2, 4]
//!   strategy.swarm.update_config.order: [stop-first, start-first]
//! ```
//!
//! Each value is checked as `--set PATH=VALUE` would be, on the file without its
//! `sweep` block ([`super::load`]), so a misspelt path or a value of the wrong type is an
//! error that names `sweep.PATH` before any trial runs. `run` ignores the block.

use super::walk::Node;
use serde_json::Value;

/// Most points a grid may have (the product of the list lengths).
pub const MAX_SWEEP_POINTS: usize = 10_000;

/// One value of a swept field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepValue {
    /// YAML text, as `--set PATH=VALUE` takes it.
    pub text: String,
    /// How reports print it (a string without quotes).
    pub shown: String,
}

/// One swept field and its values, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepAxis {
    /// Dotted path, as `--set` takes it.
    pub path: String,
    /// At least one value.
    pub values: Vec<SweepValue>,
}

impl SweepValue {
    /// A value given as YAML text (`--set PATH=V1,V2`): printed as given.
    pub fn text(text: &str) -> SweepValue {
        SweepValue {
            text: text.to_string(),
            shown: text.to_string(),
        }
    }

    fn of(v: &Value) -> SweepValue {
        SweepValue {
            // JSON is YAML, so the value reads back as itself.
            text: v.to_string(),
            shown: match v {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            },
        }
    }
}

/// The axes of a `sweep:` map.
pub fn axes(n: &Node) -> Option<Vec<SweepAxis>> {
    let o = n.map()?;
    let mut axes = Vec::new();
    for (path, node) in o.entries() {
        if path.split('.').next() == Some("sweep") {
            node.problem("a sweep cannot change the sweep itself");
            continue;
        }
        let Some(items) = node.list() else { continue };
        if items.is_empty() {
            node.problem("give at least one value");
            continue;
        }
        axes.push(SweepAxis {
            path: path.to_string(),
            values: items.iter().map(|i| SweepValue::of(i.value())).collect(),
        });
    }
    let points = axes
        .iter()
        .try_fold(1usize, |p, a| p.checked_mul(a.values.len()));
    if points.is_none_or(|p| p > MAX_SWEEP_POINTS) {
        n.problem(format!(
            "the grid has more than {MAX_SWEEP_POINTS} points; sweep fewer values"
        ));
    }
    Some(axes)
}
