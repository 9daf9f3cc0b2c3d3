//! The tree → [`Scenario`] conversion: the top-level fields, `actions` and `checks`, and
//! the order the sections are read in (`service` first, since `cluster.image_cached` and
//! `actions` name its versions).
//!
//! Top-level defaults: `name` = the file's stem, `seed: 1`, `trials: 1000`, `horizon: 2h`,
//! no actions, no checks, no traffic, no faults.

use super::cluster;
use super::faults;
use super::health;
use super::limits::{self, MAX_ACTIONS, MAX_TRIALS};
use super::model::{Action, ActionKind, Scenario, Strategy, Version};
use super::service::{self, version_ref};
use super::strategy;
use super::traffic;
use super::walk::{Node, Obj};
use crate::cluster::runtime::RuntimeKind;
use crate::sim::time::{MINUTE, Time};
use serde_json::Value;

/// Top-level fields.
pub const FIELDS: &[&str] = &[
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
    "traffic",
    "faults",
    "sweep",
];

/// Fields of each `actions` item.
pub const ACTION_FIELDS: &[&str] = &["at", "rollout", "version"];

/// `actions[].rollout` values (`true`: update).
pub const ROLLOUTS: &[(&str, Verb)] = &[
    ("undo", Verb::Undo),
    ("update", Verb::Update),
    ("promote", Verb::Promote),
];

/// An action's `rollout` verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// `undo`.
    Undo,
    /// `update` to `version`.
    Update,
    /// `promote` (Argo Rollouts).
    Promote,
}

/// `horizon` default.
const DEFAULT_HORIZON: Time = 120 * MINUTE;

/// The scenario at `root`; problems go to the root's context. Always returns a scenario
/// (with defaults where the file is wrong), so one pass finds every problem.
pub fn scenario(root: &Node, default_name: &str) -> Scenario {
    let o = root.object_or_empty(FIELDS);
    let service = service::service(&o.section("service", service::FIELDS));
    let cluster = cluster::cluster(&o.section("cluster", cluster::FIELDS), &service.versions);
    health::check_engine(&o, &cluster.control_plane);
    let scenario = Scenario {
        name: o.or("name", default_name.to_string(), name),
        description: o.opt("description", Node::string),
        seed: o.or("seed", 1, Node::u64),
        trials: o.or("trials", 1000, |n| {
            let t = n.u64()?;
            n.check(t, t >= 1, "must be at least 1")?;
            n.check(t, t <= MAX_TRIALS, &limits::too_large(MAX_TRIALS, t))
        }),
        horizon: o.positive_duration("horizon", DEFAULT_HORIZON),
        strategy: strategy::strategy(o.raw("strategy")),
        actions: o.or("actions", Vec::new(), |n| actions(n, &service.versions)),
        checks: o.or("checks", Vec::new(), checks),
        traffic: o
            .opt_section("traffic", traffic::FIELDS)
            .map(|t| traffic::traffic(&t)),
        faults: faults::faults(
            &o.section("faults", faults::FIELDS),
            &cluster.nodes,
            &service.versions,
        ),
        sweep: o.or("sweep", Vec::new(), super::sweep::axes),
        cluster,
        service,
    };
    refuse_other_orchestrator_fields(&o, &scenario.strategy);
    refuse_foreign_actions(&o, &scenario);
    scenario
}

/// Fields that only one orchestrator has: given with the other one's strategy they would
/// be parsed and have no effect, so they are refused with the reason.
fn refuse_other_orchestrator_fields(o: &super::walk::Obj, strategy: &Strategy) {
    let foreign: &[(&str, &str, &str)] = match strategy.runtime() {
        RuntimeKind::Kubelet => &[("service", "networks", SWARM_NETWORKS)],
        RuntimeKind::Docker => &[
            ("faults", "node_not_ready_after", SWARM_NODE_DOWN),
            ("faults", "eviction_after", SWARM_NODE_DOWN),
        ],
    };
    for &(section, field, reason) in foreign {
        if let Some(sec) = o.get(section)
            && let Some(v) = sec.value().get(field)
        {
            sec.child(field, v).problem(reason);
        }
    }
}

/// `promote` exists only for an Argo Rollout; `undo` and `update` only for the others.
fn refuse_foreign_actions(o: &super::walk::Obj, scenario: &Scenario) {
    let rollout = matches!(
        scenario.strategy,
        Strategy::Canary(_) | Strategy::BlueGreen(_)
    );
    let Some(list) = o.get("actions") else {
        return;
    };
    for (i, a) in scenario.actions.iter().enumerate() {
        let promote = a.kind == ActionKind::Promote;
        if promote != rollout
            && let Some(v) = list.value().get(i)
        {
            list.child(i, v).problem(if promote {
                "`rollout: promote` is an Argo Rollouts action: it needs `strategy.canary` or `strategy.blueGreen`"
            } else {
                "with `strategy.canary` / `strategy.blueGreen` only `rollout: promote` is simulated"
            });
        }
    }
}

const SWARM_NETWORKS: &str = "`networks` is a Swarm field (it decides Docker's gossip delay \
     before a stop); remove it for a Kubernetes strategy";
const SWARM_NODE_DOWN: &str = "a Kubernetes node-lifecycle field: Swarm declares a lost node \
     down after the dispatcher's heartbeat grace (5 s period × 3, swarmkit \
     manager/dispatcher) and reschedules its tasks then; remove it for a Swarm strategy";

/// A scenario without `service` would roll out a default one-replica service and report
/// numbers about nothing the user described: most likely the wrong file, or an empty one.
/// Separate from [`scenario`], which converts any part of a tree (unit tests convert one
/// section at a time).
pub fn require_service(root: &Node) {
    let empty = match root.value() {
        Value::Null => true,
        Value::Object(m) if !m.contains_key("service") => m.is_empty(),
        // Present, or the root is not a map at all (reported by `scenario`).
        _ => return,
    };
    root.problem(format!(
        "{}; a scenario needs at least the service being rolled out, e.g. `service: \
         {{replicas: 3, versions: {{current: {{image: app:v1}}, next: {{image: app:v2}}}}}}` \
         (`service: {{}}` takes every default)",
        if empty {
            "the scenario is empty"
        } else {
            "missing field `service`"
        }
    ));
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
    let items = n.list()?;
    if items.len() > MAX_ACTIONS {
        return n.fail(limits::too_many(MAX_ACTIONS, items.len(), "actions"));
    }
    let parsed: Vec<Option<Action>> = items.iter().map(|a| action(a, versions)).collect();
    // Keep the good ones even if some are wrong: their problems are recorded.
    Some(parsed.into_iter().flatten().collect())
}

fn action(n: &Node, versions: &[Version]) -> Option<Action> {
    let o: Obj = n.object(ACTION_FIELDS)?;
    let at = o.required("at", Node::duration);
    let verb = o.required("rollout", |r| r.choice(ROLLOUTS));
    let kind = match verb? {
        Verb::Update => ActionKind::Update(o.required("version", |v| version_ref(v, versions))?),
        verb => {
            if let Some(v) = o.get("version") {
                v.problem(if verb == Verb::Undo {
                    "`rollout: undo` returns to the previous version and takes no `version`"
                } else {
                    "`rollout: promote` advances the rollout in progress and takes no `version`"
                });
            }
            if verb == Verb::Undo {
                ActionKind::Undo
            } else {
                ActionKind::Promote
            }
        }
    };
    Some(Action { at: at?, kind })
}

fn checks(n: &Node) -> Option<Vec<String>> {
    Some(n.list()?.iter().filter_map(Node::string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use crate::sim::time::SECOND;
    use serde_json::{Value, json};

    fn parse(v: Value) -> (Scenario, Vec<String>) {
        walk::run(&v, |n| scenario(n, "dflt"))
    }

    #[test]
    fn top_level_fields() {
        let (s, p) = parse(
            json!({"name": "w", "description": "d", "seed": 7, "trials": 10,
                                  "horizon": "30m", "checks": ["a > 1"]}),
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            (s.name.as_str(), s.description.as_deref()),
            ("w", Some("d"))
        );
        assert_eq!((s.seed, s.trials, s.horizon), (7, 10, 1800 * SECOND));
        assert_eq!(s.checks, ["a > 1"]);
        let (s, _) = parse(json!(null));
        assert_eq!(s.name, "dflt");
    }

    #[test]
    fn top_level_validation() {
        let (_, p) = parse(json!({"trials": 0, "horizon": 0, "checks": ["ok", 3], "nmae": "x"}));
        assert_eq!(
            p,
            [
                "nmae: unknown field `nmae`; did you mean `name`?",
                "trials: must be at least 1",
                "horizon: must be greater than 0",
                "checks.1: expected a string, got 3",
            ]
        );
        let (_, p) = parse(json!("web"));
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("(root): expected a map with fields `name`, `description`"));
    }

    #[test]
    fn actions() {
        let (s, p) = parse(json!({
            "service": {"versions": {"current": {}, "next": {}, "v3": {}}},
            "actions": [{"at": "1m", "rollout": "update", "version": "v3"},
                        {"at": 90, "rollout": "undo"}]}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            s.actions,
            [
                Action {
                    at: 60 * SECOND,
                    kind: ActionKind::Update(2)
                },
                Action {
                    at: 90 * SECOND,
                    kind: ActionKind::Undo
                },
            ]
        );
    }

    #[test]
    fn bad_actions() {
        let (s, p) = parse(json!({"actions": [
            {"at": "1m", "rollout": "undo", "version": "next"},
            {"rollout": "update", "version": "nxt"},
            {"at": "1s", "rollout": "restart"},
            {"at": "1s", "rollout": "update"},
        ]}));
        assert_eq!(
            p,
            [
                "actions.0.version: `rollout: undo` returns to the previous version and takes no `version`",
                "actions.1: missing field `at`",
                "actions.1.version: unknown version `nxt`; did you mean `next`?",
                "actions.2.rollout: unknown value `restart`; expected one of `undo`, `update`, `promote`",
                "actions.3: missing field `version`",
            ]
        );
        assert_eq!(s.actions.len(), 1);
    }
}
