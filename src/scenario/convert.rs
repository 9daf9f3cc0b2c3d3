//! The tree → [`Scenario`] conversion: the top-level fields, `actions` and `checks`, and
//! the order the sections are read in (`service` first, since `cluster.image_cached` and
//! `actions` name its versions).
//!
//! Top-level defaults: `name` = the file's stem, `seed: 1`, `trials: 1000`, `horizon: 2h`,
//! no actions, no checks. `traffic`, `faults` and the non-`ideal` control planes of the
//! contract are not modelled yet and are rejected as unknown fields.

use super::cluster;
use super::model::{Action, ActionKind, Scenario, Version};
use super::service::{self, version_ref};
use super::strategy;
use super::walk::{Node, Obj};
use crate::sim::time::{MINUTE, Time};

/// Top-level fields.
const FIELDS: &[&str] = &[
    "name",
    "description",
    "seed",
    "trials",
    "horizon",
    "cluster",
    "service",
    "strategy",
    "actions",
    "checks",
];

const ACTION_FIELDS: &[&str] = &["at", "rollout", "version"];

/// `horizon` default.
const DEFAULT_HORIZON: Time = 120 * MINUTE;

/// The scenario at `root`; problems go to the root's context. Always returns a scenario
/// (with defaults where the file is wrong), so one pass finds every problem.
pub fn scenario(root: &Node, default_name: &str) -> Scenario {
    let o = root.object_or_empty(FIELDS);
    let service = service::service(&o.section("service", service::FIELDS));
    let cluster = cluster::cluster(&o.section("cluster", cluster::FIELDS), &service.versions);
    Scenario {
        name: o.or("name", default_name.to_string(), name),
        description: o.opt("description", Node::string),
        seed: o.or("seed", 1, Node::u64),
        trials: o.or("trials", 1000, |n| {
            let t = n.u64()?;
            n.check(t, t >= 1, "must be at least 1")
        }),
        horizon: o.positive_duration("horizon", DEFAULT_HORIZON),
        strategy: strategy::strategy(o.raw("strategy")),
        actions: o.or("actions", Vec::new(), |n| actions(n, &service.versions)),
        checks: o.or("checks", Vec::new(), checks),
        cluster,
        service,
    }
}

/// The scenario name is also the default output folder: it must be one.
fn name(n: &Node) -> Option<String> {
    let s = n.string()?;
    let ok = !s.trim().is_empty() && s != "." && s != ".." && !s.contains(['/', '\\']);
    n.check(
        s,
        ok,
        "must be usable as a folder name (not empty, no `/` or `\\`)",
    )
}

fn actions(n: &Node, versions: &[Version]) -> Option<Vec<Action>> {
    let parsed: Vec<Option<Action>> = n.list()?.iter().map(|a| action(a, versions)).collect();
    // Keep the good ones even if some are wrong: their problems are recorded.
    Some(parsed.into_iter().flatten().collect())
}

fn action(n: &Node, versions: &[Version]) -> Option<Action> {
    let o: Obj = n.object(ACTION_FIELDS)?;
    let at = o.required("at", Node::duration);
    let update = o.required("rollout", |r| {
        r.choice(&[("undo", false), ("update", true)])
    });
    let kind = if update? {
        ActionKind::Update(o.required("version", |v| version_ref(v, versions))?)
    } else {
        if let Some(v) = o.get("version") {
            v.problem("`rollout: undo` returns to the previous version and takes no `version`");
        }
        ActionKind::Undo
    };
    Some(Action { at: at?, kind })
}

fn checks(n: &Node) -> Option<Vec<String>> {
    Some(n.list()?.iter().filter_map(Node::string).collect())
}
