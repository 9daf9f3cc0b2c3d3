//! How the rest of the tool sees the Swarm updater: its registry entry (key, parser,
//! defaults, runtime, controller, header, chart limits, lint rules).

use super::Swarm;
use crate::check::lint::{Warning, secs, startup, warn};
use crate::cluster::room::room_for_tasks;
use crate::cluster::runtime::RuntimeKind;
use crate::output::human_text::counted;
use crate::output::table::duration;
use crate::scenario::schema::{Ty::*, names};
use crate::scenario::strategy::{self, SWARM_FIELDS, UPDATE_FIELDS, swarm};
use crate::scenario::walk::Obj;
use crate::scenario::{
    FailureAction, Order, Scenario, Service, ServiceMode, SwarmStrategy, UpdateConfig,
};
use crate::sim::time::{SECOND, Time, as_secs};
use crate::strategy::AnyController;
use crate::strategy::registry::{Controls, FieldTypes, Sections, Sizing, StrategyDef};
use crate::traffic::SWARM_GOSSIP_DELAY;

/// The Docker Swarm strategy (`strategy.swarm`).
pub struct Def;

/// Tasks of `replicas` the updater changes at once: `parallelism`, 0 meaning all.
fn at_once(u: &UpdateConfig, replicas: u32) -> u32 {
    match u.parallelism {
        0 => replicas,
        p => p.min(replicas),
    }
}

/// Rule `swarm-start-first-no-room`: start-first needs room for `replicas` + one task per
/// updater worker, counted as the scheduler places them ([`room_for_tasks`]: resources,
/// `placement.constraints`, `max_replicas_per_node`), not as the cluster's raw capacity.
/// The message names the settings that bound the room, by their field paths, and the fix
/// offers only the changes that help.
fn start_first_room(u: &UpdateConfig, s: &Scenario, out: &mut Vec<Warning>) {
    if s.service.mode == ServiceMode::Global {
        return start_first_room_global(s, out);
    }
    let replicas = s.service.replicas;
    let workers = at_once(u, replicas);
    let needed = u64::from(replicas) + u64::from(workers);
    let room = room_for_tasks(s, needed);
    if room >= needed {
        return;
    }
    let p = &s.service.placement;
    let port = s.service.host_port();
    let mut by = vec!["service.resources on each node's cpu and memory".to_string()];
    // Larger nodes do not help where one task a node, or the per-node limit, binds.
    let mut room_by = vec![if p.max_replicas_per_node > 0 || port.is_some() {
        "more nodes".to_string()
    } else {
        "more or larger nodes".to_string()
    }];
    if let Some(port) = port {
        by.push(format!(
            "service.ports host port {}, one task a node",
            port.host_text()
        ));
    }
    if !p.constraints.is_empty() {
        by.push("service.placement.constraints".into());
        room_by.push("nodes that service.placement.constraints allow".into());
    }
    if p.max_replicas_per_node > 0 {
        let limit = p.max_replicas_per_node;
        by.push(format!("service.placement.max_replicas_per_node {limit}"));
        room_by.push(format!(
            "service.placement.max_replicas_per_node above {limit}"
        ));
    }
    let short = needed - room;
    let mut fixes = vec![format!(
        "add room for {} more ({})",
        counted(short, "task"),
        room_by.join(", ")
    )];
    // A lower parallelism helps only if the current replicas leave room for one more.
    if room > u64::from(replicas) {
        fixes.push("lower strategy.swarm.update_config.parallelism".into());
    }
    fixes.push("use strategy.swarm.update_config.order: stop-first".into());
    if port.is_some() {
        fixes.push("publish the port in ingress mode (service.ports mode: ingress)".into());
    }
    warn(
        out,
        "swarm-start-first-no-room",
        format!(
            "strategy.swarm.update_config.order start-first needs room for {needed} tasks ({replicas} replicas + {workers} updating at once) but the nodes take {room} (as the scheduler places them: {})",
            by.join(", ")
        ),
        fixes.join(", or "),
        "swarmkit manager/scheduler/pipeline.go (defaultFilters): a task no node passes (ResourceFilter, ConstraintFilter, HostPortFilter, MaxReplicasFilter) stays Pending with no timeout, and start-first (manager/orchestrator/update/updater.go) does not stop the old task until the new one runs, so the update hangs",
    );
}

/// `swarm-start-first-no-room` for a global service: start-first puts each new task on
/// its old task's node, so every node the service runs on needs room for two tasks, and
/// its tasks may bind no host port (the old task holds it there).
fn start_first_room_global(s: &Scenario, out: &mut Vec<Warning>) {
    // Every node holds the port its old task keeps: the first node reached hangs.
    if let Some(port) = s.service.host_port()
        && s.service.replicas > 0
    {
        return warn(
            out,
            "swarm-start-first-no-room",
            format!(
                "strategy.swarm.update_config.order start-first on a global service starts each new task on its old task's node, beside it, but service.ports binds host port {} there, which the old task holds until it has exited: the update hangs at the first node it reaches",
                port.host_text()
            ),
            "use strategy.swarm.update_config.order: stop-first, or publish the port in ingress mode (service.ports mode: ingress)".into(),
            "swarmkit manager/scheduler/filter.go (HostPortFilter) and nodeinfo.go (removeTask: the port is freed when the task is seen past RUNNING); manager/orchestrator/update/updater.go (Updater.worker): a global service's new task is created on the slot's node, and start-first does not stop the old task until the new one runs",
        );
    }
    let placer = crate::cluster::placer::Placer::new(s);
    let nodes = &s.cluster.nodes;
    let short: Vec<&str> = (placer.allowed_nodes(nodes.len()))
        .filter(|&i| nodes[i].holds(s.service.resources) < 2)
        .map(|i| nodes[i].name.as_str())
        .collect();
    let Some(first) = short.first() else {
        return;
    };
    warn(
        out,
        "swarm-start-first-no-room",
        format!(
            "strategy.swarm.update_config.order start-first on a global service starts each new task on its old task's node, beside it, but {} of the {} nodes it runs on (`{first}`{}) {} only one task of service.resources: the update hangs at the first of them it reaches",
            short.len(),
            s.service.replicas,
            if short.len() > 1 { ", …" } else { "" },
            if short.len() > 1 { "hold" } else { "holds" },
        ),
        "give those nodes room for two tasks (cluster.node, cluster.nodes), lower service.resources, or use strategy.swarm.update_config.order: stop-first".into(),
        "swarmkit manager/orchestrator/update/updater.go (Updater.worker): a global service's new task is created on the slot's node; manager/scheduler/scheduler.go (taskFitNode) leaves a preassigned task that does not fit Pending, and start-first does not stop the old task until the new one runs",
    );
}

impl StrategyDef for Def {
    type Config = SwarmStrategy;
    const KEY: &'static str = "swarm";
    const FIELDS: &'static [&'static str] = SWARM_FIELDS;
    /// docker `service create --stop-grace-period` default.
    const STOP_GRACE_PERIOD: Time = 10 * SECOND;
    const RUNTIME: RuntimeKind = RuntimeKind::Docker;
    const CONTROLS: Controls = Controls::DockerService;
    const SIZING: Sizing = Sizing::ReplicasOrGlobal;
    const SCHEMA_SECTIONS: Sections = &[("swarm", SWARM_FIELDS), ("update_config", UPDATE_FIELDS)];
    const SCHEMA_TYPES: FieldTypes = &[
        ("swarm", "update_config", Section("update_config")),
        ("swarm", "rollback_config", Section("update_config")),
        ("update_config", "parallelism", Count),
        ("update_config", "delay", Duration),
        (
            "update_config",
            "failure_action",
            Choice(|| names(strategy::FAILURE_ACTIONS)),
        ),
        ("update_config", "monitor", Duration),
        ("update_config", "max_failure_ratio", Probability),
        ("update_config", "order", Choice(|| names(strategy::ORDERS))),
    ];

    fn parse(o: &Obj) -> SwarmStrategy {
        swarm(o)
    }

    fn controller(cfg: &SwarmStrategy) -> Box<dyn AnyController + '_> {
        Box::new(Swarm::new(cfg))
    }

    /// `Swarm start-first, parallelism 2, delay 10s, failure_action rollback`.
    fn label(c: &SwarmStrategy) -> String {
        let u = &c.update;
        format!(
            "Swarm {}, parallelism {}, delay {}, failure_action {}",
            match u.order {
                Order::StopFirst => "stop-first",
                Order::StartFirst => "start-first",
            },
            u.parallelism,
            duration(as_secs(u.delay)),
            match u.failure_action {
                FailureAction::Pause => "pause",
                FailureAction::Continue => "continue",
                FailureAction::Rollback => "rollback",
            }
        )
    }

    fn header_extra(c: &SwarmStrategy) -> String {
        format!(", monitor {}", duration(as_secs(c.update.monitor)))
    }

    /// The updater changes `parallelism` tasks at a time (0: all at once): start-first adds
    /// them before stopping old ones, stop-first stops them first (swarmkit
    /// `manager/orchestrator/update/updater.go`).
    fn limits(c: &SwarmStrategy, n: u32) -> Vec<(&'static str, u32)> {
        let p = at_once(&c.update, n);
        match c.update.order {
            Order::StartFirst => vec![("parallelism ceiling", n + p)],
            Order::StopFirst => vec![("parallelism floor", n - p)],
        }
    }

    /// The executor deactivates the task's service binding, then waits for gossip before
    /// stopping the container. What Docker does, measured or not: it never depends on
    /// `traffic`.
    fn stop_signal_delay(_: &SwarmStrategy, service: &Service) -> Time {
        if service.has_service_binding() {
            SWARM_GOSSIP_DELAY
        } else {
            0
        }
    }

    /// A worker waits `update_config.delay` after its task is healthy before it takes the
    /// next slot (swarmkit `Updater.worker`).
    fn hand_off_delay(cfg: &SwarmStrategy) -> Option<Time> {
        Some(cfg.update.delay)
    }

    fn lint(cfg: &SwarmStrategy, s: &Scenario, _threads: Option<usize>, out: &mut Vec<Warning>) {
        let u = &cfg.update;
        let ready = startup(s);
        if u.monitor < ready {
            warn(
                out,
                "swarm-monitor-short",
                format!(
                    "update_config.monitor {} is shorter than the median start-up of the new version ({})",
                    secs(u.monitor),
                    secs(ready)
                ),
                format!(
                    "set update_config.monitor to at least {}",
                    secs(ready.next_multiple_of(SECOND))
                ),
                "swarmkit manager/orchestrator/update/updater.go: a task failure counts against the update only within `monitor` after the updater saw the task RUNNING; a release that fails later goes unnoticed and is rolled out everywhere",
            );
        }
        if u.monitor > 0 && u.delay >= u.monitor {
            warn(
                out,
                "swarm-delay-ge-monitor",
                format!(
                    "update_config.delay {} is not shorter than monitor {}: the monitor you set is not the one used",
                    secs(u.delay),
                    secs(u.monitor)
                ),
                format!(
                    "raise monitor above delay (e.g. monitor: {}) or shorten delay",
                    secs(u.delay + 10 * SECOND)
                ),
                "swarmkit manager/orchestrator/update/updater.go (Updater.Run): when delay >= monitor the final monitoring window becomes delay + 1s instead of monitor",
            );
        }
        if u.order == Order::StartFirst {
            start_first_room(u, s, out);
        }
        drain_counts_as_failure(u, s, out);
        lost_for_good_holds_update(s, out);
        if u.failure_action == FailureAction::Pause {
            warn(
        out,
            "swarm-pause-mixed-fleet",
            "update_config.failure_action is pause: a failed update stops with old and new versions both serving".into(),
            "set failure_action: rollback (or continue if mixed versions are acceptable)".into(),
            "swarmkit updater.go: on failure with action pause the service goes to PAUSED and waits for a human; nothing converges the fleet",
        );
        }
    }
}

/// `swarm-node-lost-for-good`: a node lost and never back (a `node_failures` entry
/// without `recover_after`, or `node_mtbf` without `node_recovery`). A worker that was
/// waiting for a new task on it waits for good: no agent is left to report the task, and
/// `updateTask` has no timeout, so such a trial ends `timeout` (see `node_down.rs`).
fn lost_for_good_holds_update(s: &Scenario, out: &mut Vec<Warning>) {
    let f = &s.faults;
    let never_back = f.node_failures.iter().any(|n| n.recover_after.is_none())
        || (f.node_mtbf.is_some() && f.node_recovery.is_none());
    if !never_back {
        return;
    }
    warn(
        out,
        "swarm-node-lost-for-good",
        "a node is lost and never back: a worker that was waiting for its new task on that node waits for good (the task's state is never reported again), so the update stops there and the trial ends `timeout`".into(),
        "give the loss a `recover_after` (or `node_recovery` with `node_mtbf`) if the node comes back; upstream the wait ends only when the dispatcher orphans the node's tasks, 24 h after it went down".into(),
        "swarmkit manager/orchestrator/update/updater.go updateTask waits for the new task to run with no timeout (\"TODO(aluzzardi): Consider adding a timeout here\"); manager/dispatcher/dispatcher.go moves a down node's tasks to ORPHANED after defaultNodeDownPeriod (24 h)",
    );
}

/// `swarm-drain-fails-update`: a node drain under a failure action that one failed task
/// sets off. The drain shuts down the tasks on the node, among them those the updater
/// started less than `monitor` before (or not yet seen running), each of which the updater
/// counts as a failed task of the update.
fn drain_counts_as_failure(u: &UpdateConfig, s: &Scenario, out: &mut Vec<Warning>) {
    let replicas = s.service.replicas;
    let nodes = s.cluster.nodes.len() as u32;
    if s.faults.node_drains.is_empty()
        || u.failure_action == FailureAction::Continue
        || replicas == 0
        || nodes == 0
        || 1.0 / replicas as f32 <= u.max_failure_ratio
    {
        return;
    }
    let action = match u.failure_action {
        FailureAction::Rollback => "roll the update back",
        _ => "pause the update",
    };
    // Spread evenly, a node holds this share of the slots: a ratio above it tolerates
    // every task of one drained node (the `> ratio` test is strict).
    let per_node = replicas.div_ceil(nodes);
    let share = per_node as f64 / replicas as f64;
    warn(
        out,
        "swarm-drain-fails-update",
        format!(
            "a node drain during the update shuts down the tasks the updater started on the node less than monitor ({}) before, or not yet running, and the updater counts each as a failed task: at max_failure_ratio {} one is enough to {action}",
            secs(u.monitor),
            u.max_failure_ratio
        ),
        format!(
            "set update_config.max_failure_ratio to at least {:.2} (a node's {per_node} of {replicas} tasks), or drain between updates",
            (share * 100.0).ceil() / 100.0
        ),
        "swarmkit manager/orchestrator/replicated/tasks.go restartTasksByNodeID shuts a drained node's tasks down; manager/orchestrator/update/updater.go failureTriggersAction counts every task of the update whose state passes RUNNING (a shutdown included) within monitor of running, or before",
    );
}
