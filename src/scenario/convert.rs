//! The tree → [`Scenario`] conversion: the top-level fields, `actions` and `checks`, and
//! the order the sections are read in (`service` first, since `cluster.image_cached` and
//! `actions` name its versions).
//!
//! Top-level defaults: `name` = the file's stem, `seed: 1`, `trials: 1000`, `horizon: 2h`,
//! no actions, no checks, no traffic, no faults.

use super::cluster;
use super::faults;
use super::foreign_fields;
use super::health;
use super::limits::{self, MAX_ACTIONS, MAX_NAME_BYTES, MAX_TRIALS};
use super::model::{Action, ActionKind, Scenario, Strategy, Version};
use super::service::{self, version_ref};
use super::strategy;
use super::traffic;
use super::walk::{Node, Obj, describe};
use crate::cluster::placer::Scheduler;
use crate::sim::time::{MINUTE, Time};
use crate::strategy::registry::{BudgetSelector, Controls};
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
pub const ACTION_FIELDS: &[&str] = &[
    "at",
    "rollout",
    "version",
    "to_revision",
    "scale",
    "full",
    "gate",
    "rollback",
];

/// `actions[].gate` and `actions[].rollback` values: the flagger-loadtester's
/// `/gate/open|close` and `/rollback/open|close` (`pkg/loadtester/server.go`).
pub const GATE_POSTS: &[(&str, bool)] = &[("open", true), ("close", false)];

/// `actions[].rollout` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollout {
    /// `kubectl rollout undo` / `docker service rollback`.
    Undo,
    /// A new version (`kubectl set image` / `docker service update --image`).
    Update,
    /// `kubectl rollout pause`.
    Pause,
    /// `kubectl rollout resume`.
    Resume,
    /// `kubectl rollout restart`.
    Restart,
    /// `kubectl argo rollouts promote` (canary and blue-green).
    Promote,
    /// `kubectl argo rollouts abort` (canary and blue-green).
    Abort,
    /// `kubectl argo rollouts retry` (canary and blue-green).
    Retry,
}

/// `actions[].rollout` values by name.
pub const ROLLOUTS: &[(&str, Rollout)] = &[
    ("undo", Rollout::Undo),
    ("update", Rollout::Update),
    ("pause", Rollout::Pause),
    ("resume", Rollout::Resume),
    ("restart", Rollout::Restart),
    ("promote", Rollout::Promote),
    ("abort", Rollout::Abort),
    ("retry", Rollout::Retry),
];

/// `horizon` default.
const DEFAULT_HORIZON: Time = 120 * MINUTE;

/// The scenario at `root`; problems go to the root's context. Always returns a scenario
/// (with defaults where the file is wrong), so one pass finds every problem.
pub fn scenario(root: &Node, default_name: &str) -> Scenario {
    let o = root.object_or_empty(FIELDS);
    let service = service::service(&o.section("service", service::FIELDS));
    let cluster = cluster::cluster(&o.section("cluster", cluster::FIELDS), &service.versions);
    if root.ctx().problem_count() == 0 {
        cluster::room_for_one_task(&o, &cluster, service.resources, service.replicas);
    }
    health::check_engine(&o, &cluster.control_plane);
    let name = o.or("name", default_name.to_string(), name);
    default_name_fits(&o, default_name);
    let description = o.opt("description", Node::string);
    let seed = o.or("seed", 1, Node::u64);
    // The words of `--trials`' own refusal (cli/numeric_flags.rs), below the range too.
    let trials = o.or("trials", 1000, |n| {
        n.u64_in(1..=MAX_TRIALS, |got| {
            format!(
                "expected a whole number from 1 to {MAX_TRIALS} (see \"Limits\" in the README), got {got}"
            )
        })
    });
    let horizon = o.positive_duration("horizon", DEFAULT_HORIZON);
    // `None`: the section names no single controller (reported). Swarm's defaults stand
    // in, but nothing is checked against them: they would draw complaints (a Kubernetes
    // field "on a Swarm strategy") about a strategy nobody wrote.
    let chosen = strategy::strategy(o.raw("strategy"));
    let strategy = chosen.clone().unwrap_or_else(strategy::default);
    let before_actions = root.ctx().problem_count();
    let actions = o.or("actions", Vec::new(), |n| {
        actions(n, &service.versions, chosen.as_ref())
    });
    // Actions that failed to read name no version: telling every other one unused then
    // would only repeat their problem.
    if root.ctx().problem_count() == before_actions {
        unused_versions(&o, &service.versions, &actions);
    }
    let mut scenario = Scenario {
        actions,
        name,
        description,
        seed,
        trials,
        horizon,
        strategy,
        checks: o.or("checks", Vec::new(), checks),
        // `traffic: null` (or `traffic:` with nothing under it, `--set traffic=null`) takes
        // the default, no traffic: unlike a section of optional fields, `traffic` has a
        // required one, so there are no defaults to be present with.
        traffic: o
            .get("traffic")
            .and_then(|t| t.object(traffic::FIELDS))
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
    faults::refuse_drains_past(&o, &scenario.faults.node_drains, horizon);
    super::experiment_step::add_versions(&o, &mut scenario);
    if chosen.is_some() {
        foreign_fields::refuse_other_orchestrator_fields(&o, &scenario.strategy);
        super::disruption_budget::settle(&o, &scenario);
        super::placement::refuse_foreign(&o, scenario.strategy.scheduler());
        // A budget that must say which Deployment it selects marks the strategy whose
        // Deployments' pods carry different values of the app label (Flagger's): the same
        // fact splits an anti-affinity term.
        super::placement::refuse_split_anti_affinity(
            &o,
            scenario.strategy.key(),
            scenario.strategy.budget_selector() == BudgetSelector::PrimaryOrCanary,
        );
        foreign_fields::refuse_foreign_actions(&o, &scenario);
        super::ports::settle(&o, &mut scenario);
        super::service_mode::settle_global(&o, &mut scenario);
        super::cluster_autoscaler::settle(&o, &scenario);
        if scenario.strategy.scheduler() == Scheduler::Kubernetes {
            scenario.cluster.label_hostnames();
        }
    }
    scenario
}

/// Refuses a version beside `current` and `next` that no `rollout: update` action
/// installs: it would never run, so its fields would be read and ignored, and the likeliest
/// cause is a misspelt name (`--set service.versions.nxt.ready_after=20s` adds a version
/// `nxt` and leaves `next` as it was).
fn unused_versions(o: &Obj, versions: &[Version], actions: &[Action]) {
    // Only maps are walked (`map` would report anything else, already reported).
    let Some(map) = o
        .raw("service")
        .filter(|s| s.value().is_object())
        .and_then(|s| s.map())
        .and_then(|s| s.raw("versions"))
        .filter(|v| v.value().is_object())
        .and_then(|v| v.map())
    else {
        return;
    };
    let installed = |id: usize| {
        actions
            .iter()
            .any(|a| matches!(a.kind, ActionKind::Update(v) if usize::from(v) == id))
    };
    for (id, version) in versions.iter().enumerate().skip(2) {
        if installed(id) {
            continue;
        }
        if let Some(node) = map.raw(&version.name) {
            let name = &version.name;
            node.problem(format!(
                "no action installs version `{name}`, so it would never run: only `current`, \
                 `next` and the versions of `rollout: update` actions do (`actions: [{{at: \
                 5m, rollout: update, version: {name}}}]`){}",
                super::suggest::closest(name, &["current", "next"])
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default()
            ));
        }
    }
}

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

/// The scenario name is also the default output folder: it must be one, and so must the
/// hidden staging sibling a run writes before swapping it in,
/// `.<name>.rollout-sim-tmp-<pid>` (see `output::folder`), within a file system's 255
/// bytes a name ([`MAX_NAME_BYTES`]). A control character (a newline, NUL) would make a
/// folder name no shell or CSV shows as written, or that the OS refuses.
fn name(n: &Node) -> Option<String> {
    let s = n.string()?;
    n.check(s.clone(), folder_name_ok(&s), &name_rule())
}

fn folder_name_ok(s: &str) -> bool {
    !s.trim().is_empty()
        && s != "."
        && s != ".."
        && !s.contains(['/', '\\'])
        && !s.contains(char::is_control)
        && s.len() <= MAX_NAME_BYTES
}

fn name_rule() -> String {
    format!(
        "must be usable as a folder name (not empty, not `.` or `..`, at most \
         {MAX_NAME_BYTES} bytes, no `/` or `\\`, no NUL or control characters such as a \
         newline)"
    )
}

/// The file's stem, the default `name`, is checked as a written name would be.
fn default_name_fits(o: &Obj, default_name: &str) {
    if o.has("name") || folder_name_ok(default_name) {
        return;
    }
    o.node().child("name", &Value::Null).problem(format!(
        "not given, so the file's name gives it, {}: a name {}; give `name`",
        describe(&Value::String(default_name.to_string())),
        name_rule()
    ));
}

/// `strategy`: the one the file chooses, `None` if it chooses none (no action is then
/// refused for the strategy's sake).
fn actions(n: &Node, versions: &[Version], strategy: Option<&Strategy>) -> Option<Vec<Action>> {
    let items = n.list()?;
    if items.len() > MAX_ACTIONS {
        return n.fail(limits::too_many(MAX_ACTIONS, items.len(), "actions"));
    }
    let parsed: Vec<Option<Action>> = items
        .iter()
        .map(|a| action(a, versions, strategy))
        .collect();
    // Keep the good ones even if some are wrong: their problems are recorded.
    Some(parsed.into_iter().flatten().collect())
}

/// One action: `rollout: undo|update|pause|resume|restart|promote|abort|retry` (with
/// `version` for update, an optional `to_revision` for undo and `full` for promote) or
/// `scale: N`.
fn action(n: &Node, versions: &[Version], strategy: Option<&Strategy>) -> Option<Action> {
    let o: Obj = n.object(ACTION_FIELDS)?;
    let at = o.required("at", Node::duration);
    let given: Vec<&str> = ["rollout", "scale", "gate", "rollback"]
        .into_iter()
        .filter(|k| o.has(k))
        .collect();
    let kind = match given[..] {
        ["rollout"] => o
            .get("rollout")
            .and_then(|r| rollout(&o, &r, versions, strategy)),
        ["scale"] => o
            .get("scale")
            .and_then(|s| service::replica_count(&s))
            .map(ActionKind::Scale),
        ["gate"] => o
            .get("gate")
            .and_then(|g| g.choice(GATE_POSTS))
            .map(ActionKind::Gate),
        ["rollback"] => o
            .get("rollback")
            .and_then(|g| g.choice(GATE_POSTS))
            .map(ActionKind::RollbackGate),
        _ => {
            let got = if given.is_empty() {
                "none".to_string()
            } else {
                given.join(", ")
            };
            n.fail(format!(
                "give exactly one of `rollout`, `scale`, `gate`, `rollback`; got {got}"
            ))
        }
    };
    for (field, allowed) in [
        (
            "version",
            matches!(kind, Some(ActionKind::Update(_)) | None),
        ),
        (
            "to_revision",
            matches!(kind, Some(ActionKind::Undo | ActionKind::UndoTo(_)) | None),
        ),
        (
            "full",
            matches!(
                kind,
                Some(ActionKind::Promote | ActionKind::PromoteFull) | None
            ),
        ),
    ] {
        if let (Some(v), false) = (o.get(field), allowed) {
            v.problem(match field {
                "version" => "only `rollout: update` takes a `version`",
                "full" => {
                    "only `rollout: promote` takes `full` (`kubectl argo rollouts promote \
                     --full`)"
                }
                _ => "only `rollout: undo` takes a `to_revision`",
            });
        }
    }
    Some(Action {
        at: at?,
        kind: kind?,
    })
}

fn rollout(
    o: &Obj,
    r: &Node,
    versions: &[Version],
    strategy: Option<&Strategy>,
) -> Option<ActionKind> {
    let what = r.choice(ROLLOUTS)?;
    let controls = strategy.map(Strategy::controls);
    let refusal = match controls {
        Some(Controls::DockerService) => {
            docker_service_refusal(what, o.has("to_revision")).map(String::from)
        }
        Some(Controls::KubectlDaemonSet) => history_refusal("DaemonSet", what),
        Some(Controls::KubectlStatefulSet) => history_refusal("StatefulSet", what),
        _ => None,
    };
    if let Some(why) = refusal {
        return r.fail(why);
    }
    Some(match what {
        Rollout::Update => ActionKind::Update(o.required("version", |v| version_ref(v, versions))?),
        Rollout::Undo => match o.get("to_revision") {
            None => ActionKind::Undo,
            Some(t) => {
                let k = t.u32()?;
                ActionKind::UndoTo(t.check(
                    k,
                    k >= 1,
                    "revisions count from 1; omit `to_revision` to go back to the previous one",
                )?)
            }
        },
        Rollout::Pause => ActionKind::Pause,
        Rollout::Resume => ActionKind::Resume,
        Rollout::Restart => ActionKind::Restart,
        // `kubectl argo rollouts promote --full` (`cmd/promote/promote.go`, argo-rollouts
        // v1.10); `full: false` is the plain promote.
        Rollout::Promote => match o.get("full") {
            Some(f) if f.bool()? => ActionKind::PromoteFull,
            _ => ActionKind::Promote,
        },
        Rollout::Abort => ActionKind::Abort,
        Rollout::Retry => ActionKind::Retry,
    })
}

/// Why a Kubernetes rollout control has no Swarm equivalent, and the Swarm way instead.
fn docker_service_refusal(what: Rollout, to_revision: bool) -> Option<&'static str> {
    Some(match what {
        Rollout::Pause | Rollout::Resume => {
            "`kubectl rollout pause`/`resume` has no Swarm equivalent: an update pauses itself \
             on failure with `update_config.failure_action: pause` (swarmkit updater), and \
             a paused update goes on with a new `docker service update` (`rollout: update`) \
             or back with `docker service rollback` (`rollout: undo`)"
        }
        Rollout::Undo if to_revision => {
            "Swarm keeps one previous spec, not a revision history: `docker service \
             rollback` (`rollout: undo` without `to_revision`) swaps back to it"
        }
        _ => return None,
    })
}

/// Why `kubectl` cannot do `what` to a DaemonSet or a StatefulSet, `workload` (`None`: it
/// can): neither has `spec.paused`.
fn history_refusal(workload: &str, what: Rollout) -> Option<String> {
    match what {
        Rollout::Pause | Rollout::Resume => Some(format!(
            "a {workload} has no `spec.paused`: `kubectl rollout pause` refuses it (\"pausing \
             is not supported\"); go back with `rollout: undo` or on with `rollout: update`"
        )),
        _ => None,
    }
}

/// The `checks:` as written; each must parse (`crate::check::parse`), so that a misspelt
/// check is told with the scenario's other problems, not on the run after they are fixed.
fn checks(n: &Node) -> Option<Vec<String>> {
    let list = n.list()?;
    let texts = list.iter().filter_map(|c| {
        let text = c.string()?;
        match crate::check::parse(&text) {
            Ok(_) => Some(text),
            Err(e) => c.fail(e.to_string()),
        }
    });
    Some(texts.collect())
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
