//! Scenarios whose fields are each valid but that cannot mean the rollout the user has in
//! mind: they would run, and their numbers would describe something else.
//!
//! * The starting fleet does not fit the cluster: some `current` tasks would be Pending
//!   before the rollout begins, and every metric would measure a service that never was.
//!   Only the starting fleet is checked: a surge that does not fit (start-first on a full
//!   cluster) is a real rollout outcome the simulator reports.
//! * A service whose tasks bind a host port (`service.ports`) holds one task a node.
//! * The same for the nodes the service's placement allows (labels, taints, Swarm
//!   constraints, at most `max_replicas_per_node` each, and the labels every spread
//!   constraint's `topologyKey` needs); the spread's skew is not counted here (a skewed
//!   start is a placement the simulator shows, not a refusal). A required pod
//!   anti-affinity holds one task a value of each term's `topologyKey` (nodes without the
//!   key are not limited), counted as the scheduler places them, the skew still left out.
//! * A control-plane profile measured on one orchestrator used with the other: the
//!   `docker-20.10` latencies (Docker Engine's own) on a Kubernetes Deployment, or the
//!   `kubernetes` (kubelet) latencies on a Swarm service.

use super::error::Problem;
use super::model::{Scenario, ServiceMode};
use crate::cluster::room::room_for_tasks;
use crate::cluster::runtime::RuntimeKind;
use std::borrow::Cow;

/// Every problem of this kind in `s`.
pub fn check(s: &Scenario) -> Vec<Problem> {
    let mut problems = Vec::new();
    if s.service.mode == ServiceMode::Global {
        problems.extend(global_fleet(s));
    } else {
        match starting_fleet(s) {
            Some(p) => problems.push(p),
            None => problems.extend(constrained_fleet(s)),
        }
    }
    problems.extend(control_plane(s));
    problems
}

/// What the starting fleet's checks read beside their own path: the nodes (their
/// number, size and labels) and what each task reserves. A `--set` of any of them is
/// named with the problem.
const FLEET_READS: [&str; 5] = [
    "cluster.nodes",
    "cluster.node",
    "service.resources",
    "service.replicas",
    "service.ports",
];

fn starting_fleet(s: &Scenario) -> Option<Problem> {
    let replicas = u64::from(s.service.replicas);
    let r = s.service.resources;
    let (mut by_cpu, mut by_memory, mut both) = (0u64, 0u64, 0u64);
    for node in &s.cluster.nodes {
        // Tasks are identical, so any placement that puts a task wherever one fits reaches
        // the sum of these over the nodes.
        let (cpu, memory) = node.tasks_that_fit(r);
        by_cpu = by_cpu.saturating_add(cpu);
        by_memory = by_memory.saturating_add(memory);
        both = both.saturating_add(s.service.tasks_on(node));
    }
    if both >= replicas {
        return None;
    }
    let port;
    let binding = match (
        by_cpu < replicas,
        by_memory < replicas,
        s.service.host_port(),
    ) {
        (false, false, Some(p)) => {
            port = format!("host port {} binds one task a node", p.host_text());
            port.as_str()
        }
        (true, false, _) => "cpu runs out",
        (false, true, _) => "memory runs out",
        (true, true, _) => "cpu and memory run out",
        (false, false, None) => "cpu and memory together run out",
    };
    let nodes = s.cluster.nodes.len();
    Some(
        Problem::new(
            "service.replicas",
            format!(
                "the starting fleet does not fit the cluster: {replicas} tasks of `current`, each \
             reserving {} cpu and {} memory, but the {nodes} node{} hold{} {both} \
             ({binding}), so {} would be Pending before the rollout starts. Add nodes \
             (`cluster.nodes`), give them more room (`cluster.node`), or lower \
             `service.resources` or `service.replicas`{}",
                cpu(r.cpu_millis),
                memory(r.memory_bytes),
                if nodes == 1 { "" } else { "s" },
                if nodes == 1 { "s" } else { "" },
                replicas - both,
                match (s.service.host_port(), s.strategy.runtime()) {
                    (None, _) => "",
                    (Some(_), RuntimeKind::Docker) =>
                        ", or publish the port in ingress mode (`service.ports`)",
                    (Some(_), RuntimeKind::Kubelet) => ", or drop the `hostPort` (`service.ports`)",
                },
            ),
        )
        .reading(&FLEET_READS),
    )
}

/// The starting fleet on the nodes the placement allows, each holding at most
/// `max_replicas_per_node` (Swarm's `MaxReplicasFilter`).
fn constrained_fleet(s: &Scenario) -> Option<Problem> {
    let p = &s.service.placement;
    let placer = crate::cluster::placer::Placer::new(s);
    // Node taints filter too, with no placement field: a service that tolerates none of
    // the nodes' taints has nowhere to run.
    if p.is_empty() && (0..s.cluster.nodes.len()).all(|i| placer.allows(i)) {
        return None;
    }
    let port = s.service.host_port();
    let replicas = u64::from(s.service.replicas);
    let (mut allowed, mut hold) = (0usize, 0u64);
    for (i, node) in s.cluster.nodes.iter().enumerate() {
        if !placer.allows(i) || !placer.has_every_topology_key(i) {
            continue;
        }
        allowed += 1;
        let limit = if p.max_replicas_per_node > 0 {
            u64::from(p.max_replicas_per_node)
        } else {
            u64::MAX
        };
        hold = hold.saturating_add(s.service.tasks_on(node).min(limit));
    }
    if !p.anti_affinity.is_empty() {
        // One task a value of each term's key, as the scheduler places them.
        hold = hold.min(room_for_tasks(&unskewed(s), replicas));
    }
    if hold >= replicas {
        return None;
    }
    let nodes = s.cluster.nodes.len();
    Some(
        Problem::new(
            "service",
            format!(
                "the starting fleet does not fit the nodes its placement allows: {replicas} tasks \
             of `current`, but {allowed} of the {nodes} nodes pass the service's node \
             selector, affinity, tolerations or constraints{} and they hold {hold}{}{}, so {} \
             would be Pending before the rollout starts. Label more nodes, loosen the \
             placement, or lower `service.replicas` (see docs/placement.md)",
                if p.spread.is_empty() {
                    ""
                } else {
                    " (and carry every spread constraint's topologyKey)"
                },
                match (p.max_replicas_per_node, port) {
                    (_, Some(port)) => format!(" (one each: host port {})", port.host_text()),
                    (0, None) => String::new(),
                    (limit, None) => format!(" (at most {limit} each)"),
                },
                match p.anti_affinity.as_slice() {
                    [] => String::new(),
                    [key] => format!(", one a value of `{key}` (the required pod anti-affinity)"),
                    keys => format!(
                        ", one a value of each of `{}` (the required pod anti-affinity)",
                        keys.join("`, `")
                    ),
                },
                replicas - hold,
            ),
        )
        .reading(&FLEET_READS),
    )
}

/// `s` with its spread constraints' skew unbounded, their keys still required: the
/// starting fleet's room leaves the skew out (a skewed start is shown, not refused), also
/// where the scheduler counts the room of a pod anti-affinity.
fn unskewed(s: &Scenario) -> Cow<'_, Scenario> {
    if s.service.placement.spread.is_empty() {
        return Cow::Borrowed(s);
    }
    let mut s = s.clone();
    for c in &mut s.service.placement.spread {
        c.max_skew = u32::MAX;
    }
    Cow::Owned(s)
}

/// A global service's starting fleet: one task on each node its constraints allow, so
/// each such node must have room for one (a preassigned task the node cannot take stays
/// Pending, swarmkit `Scheduler.taskFitNode`).
fn global_fleet(s: &Scenario) -> Option<Problem> {
    let placer = crate::cluster::placer::Placer::new(s);
    let r = s.service.resources;
    let nodes = &s.cluster.nodes;
    let short: Vec<&str> = (placer.allowed_nodes(nodes.len()))
        .filter(|&i| s.service.tasks_on(&nodes[i]) == 0)
        .map(|i| nodes[i].name.as_str())
        .collect();
    if short.is_empty() {
        return None;
    }
    Some(
        Problem::new(
            "service.resources",
            format!(
                "the starting fleet does not fit: a global service runs one task on every node \
                 its constraints allow, each reserving {} cpu and {} memory, but {} cannot \
                 hold one, so its task would be Pending before the rollout starts. Give the \
                 nodes more room (`cluster.node`, `cluster.nodes`), lower \
                 `service.resources`, or keep the service off them \
                 (`service.placement.constraints`)",
                cpu(r.cpu_millis),
                memory(r.memory_bytes),
                nodes_named(&short),
            ),
        )
        .reading(&FLEET_READS),
    )
}

/// "node `a`", "nodes `a`, `b` and `c`", "nodes `a`, `b`, `c` and 4 more".
fn nodes_named(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
    match names.len() {
        1 => format!("node {}", quoted[0]),
        2 | 3 => {
            let (last, rest) = quoted.split_last().unwrap_or((&quoted[0], &[]));
            format!("nodes {} and {last}", rest.join(", "))
        }
        n => format!("nodes {} and {} more", quoted.join(", "), n - 3),
    }
}

fn control_plane(s: &Scenario) -> Option<Problem> {
    let profile = s.cluster.control_plane.profile;
    let own = s.strategy.runtime();
    let measured_on = RuntimeKind::ALL
        .into_iter()
        .find(|r| r.profile() == profile)?;
    if measured_on == own {
        return None;
    }
    let orchestrator = s.strategy.key();
    let fits = format!("`{}` ({})", own.profile(), own.name());
    Some(
        Problem::new(
            "cluster.control_plane",
            format!(
                "the `{profile}` profile was measured on another orchestrator than this \
             scenario's `strategy.{orchestrator}`: use {fits}, `ideal`, or phases of your own \
             (`{{stop_signal: 1s, …}}`)"
            ),
        )
        .reading(&["strategy"]),
    )
}

/// Millicores as a Kubernetes quantity.
pub(super) fn cpu(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

/// Bytes as a Kubernetes quantity, in the largest binary unit that divides them.
pub(super) fn memory(bytes: u64) -> String {
    let units = [(40, "Ti"), (30, "Gi"), (20, "Mi"), (10, "Ki")];
    units
        .iter()
        .find(|&&(shift, _)| bytes != 0 && bytes.trailing_zeros() >= shift)
        .map_or(bytes.to_string(), |&(shift, unit)| {
            format!("{}{unit}", bytes >> shift)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Format, load_str};

    fn problems(text: &str) -> Vec<String> {
        match load_str(text, "x.yaml", Format::Yaml, &[]) {
            Ok(_) => Vec::new(),
            Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn quantities_read_back() {
        assert_eq!(
            (cpu(500), cpu(2000), cpu(0)),
            ("500m".into(), "2".into(), "0".into())
        );
        assert_eq!(memory(512 << 20), "512Mi");
        assert_eq!(memory(8 << 30), "8Gi");
        assert_eq!(memory(1000), "1000");
        assert_eq!(memory(0), "0");
    }

    #[test]
    fn a_fleet_that_fits_exactly_loads() {
        // 2 nodes of 1 cpu hold 2 tasks of 500m each: 4 replicas, no room to spare.
        let text =
            "cluster: {nodes: 2, node: {cpu: 1}}\nservice: {replicas: 4, resources: {cpu: 500m}}";
        assert!(problems(text).is_empty());
    }

    #[test]
    fn a_fleet_that_does_not_fit_names_what_runs_out() {
        // 6 tasks of 500m on 2 nodes of 1 cpu: 2 per node, 4 in all, 2 Pending.
        let text = "cluster: {nodes: 2, node: {cpu: 1}}\nservice: {replicas: 6, resources: {cpu: 500m, memory: 512Mi}}";
        assert_eq!(
            problems(text),
            [
                "service.replicas: the starting fleet does not fit the cluster: 6 tasks of \
              `current`, each reserving 500m cpu and 512Mi memory, but the 2 nodes hold 4 \
              (cpu runs out), so 2 would be Pending before the rollout starts. Add nodes \
              (`cluster.nodes`), give them more room (`cluster.node`), or lower \
              `service.resources` or `service.replicas`"
            ]
        );
        // Memory alone: a 3 GiB task on an 8 GiB node, twice.
        let p = problems("service: {replicas: 3, resources: {memory: 3Gi}}");
        assert!(
            p[0].contains("the 1 node holds 2 (memory runs out)"),
            "{p:?}"
        );
        // Neither alone is short, but together: node a is cpu-rich, node b memory-rich.
        let p = problems(
            "cluster: {nodes: [{cpu: 4, memory: 1Gi}, {cpu: 1, memory: 4Gi}]}\n\
             service: {replicas: 4, resources: {cpu: 1, memory: 1Gi}}",
        );
        assert!(
            p[0].contains("hold 2 (cpu and memory together run out)"),
            "{p:?}"
        );
    }

    /// Only the nodes the placement allows count, each up to `max_replicas_per_node`: 3
    /// nodes of 1 cpu hold 2 tasks of 500m each, but `disk: ssd` allows one of them, and
    /// a limit of 1 a node holds 3 in all.
    #[test]
    fn a_fleet_that_does_not_fit_its_placement() {
        let nodes = "cluster: {node: {cpu: 1}, nodes: [{labels: {disk: ssd}}, {}, {}]}\n";
        let k8s = format!(
            "{nodes}service: {{replicas: 3, resources: {{cpu: 500m}}, nodeSelector: {{disk: ssd}}}}\n\
             strategy: {{kubernetes: {{}}}}"
        );
        assert_eq!(
            problems(&k8s),
            [
                "service: the starting fleet does not fit the nodes its placement allows: 3 tasks \
              of `current`, but 1 of the 3 nodes pass the service's node selector, affinity, \
              tolerations or constraints and they hold 2, so 1 would be Pending before the \
              rollout starts. Label more nodes, loosen the placement, or lower \
              `service.replicas` (see docs/placement.md)"
            ]
        );
        let swarm = |replicas: u32| {
            format!(
                "{nodes}service: {{replicas: {replicas}, resources: {{cpu: 500m}}, \
                 placement: {{max_replicas_per_node: 1}}}}\nstrategy: {{swarm: {{}}}}"
            )
        };
        assert!(problems(&swarm(3)).is_empty());
        assert_eq!(problems(&swarm(4)).len(), 1);
        assert!(problems(&swarm(4))[0].contains("they hold 3 (at most 1 each), so 1 would"));
    }

    /// A node's taint keeps the fleet off it with no placement field at all: a service that
    /// tolerates it nowhere is refused as one whose node selector matches nothing; the
    /// toleration lets it in.
    #[test]
    fn taints_alone_keep_the_fleet_off_a_node() {
        let fleet = |tolerations: &str| {
            format!(
                "cluster: {{node: {{cpu: 1}}, nodes: [{{taints: [{{key: gpu, effect: NoSchedule}}]}}, {{}}]}}\n\
                 service: {{replicas: 3, resources: {{cpu: 500m}}{tolerations}}}\n\
                 strategy: {{kubernetes: {{}}}}"
            )
        };
        let p = problems(&fleet(""));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("3 tasks of `current`, but 1 of the 2 nodes pass"),
            "{p:?}"
        );
        assert!(p[0].contains("they hold 2, so 1 would be Pending"), "{p:?}");
        let tolerated = ", tolerations: [{key: gpu, operator: Exists}]";
        assert!(problems(&fleet(tolerated)).is_empty());
    }

    /// A node without a spread constraint's `topologyKey` never holds a task (upstream's
    /// filter fails it whatever the counts): a fleet only such nodes could hold is refused,
    /// as for a node selector; the skew itself is not counted.
    #[test]
    fn a_node_without_the_topology_key_holds_no_task() {
        let spread = |labels: &str| {
            format!(
                "cluster: {{node: {{cpu: 1}}, nodes: [{labels}]}}\nservice: {{replicas: 4, \
                 resources: {{cpu: 500m}}, topologySpreadConstraints: [{{maxSkew: 1, \
                 topologyKey: zone, whenUnsatisfiable: DoNotSchedule}}]}}\n\
                 strategy: {{kubernetes: {{}}}}"
            )
        };
        assert_eq!(
            problems(&spread("{labels: {zone: a}}, {}, {}")),
            [
                "service: the starting fleet does not fit the nodes its placement allows: 4 tasks \
                 of `current`, but 1 of the 3 nodes pass the service's node selector, affinity, \
                 tolerations or constraints (and carry every spread constraint's topologyKey) \
                 and they hold 2, so 2 would be Pending before the rollout starts. Label more \
                 nodes, loosen the placement, or lower `service.replicas` (see \
                 docs/placement.md)"
            ]
        );
        // Both zones keyed: 4 fit, though zone a holds 2 and zone b 2 only when spread.
        assert!(problems(&spread("{labels: {zone: a}}, {labels: {zone: b}}, {}")).is_empty());
    }

    /// A required pod anti-affinity holds one task a value of its key: on
    /// `kubernetes.io/hostname`, which every node carries (the kubelet's label), one a
    /// node; on a zone, one a zone, and a node without the label holds as many as fit.
    #[test]
    fn a_pod_anti_affinity_holds_one_task_a_domain() {
        let scenario = |replicas: u32, key: &str| {
            format!(
                "cluster: {{nodes: [{{labels: {{zone: a}}}}, {{labels: {{zone: a}}}},                  {{labels: {{zone: b}}}}]}}
service: {{replicas: {replicas}, affinity:                  {{podAntiAffinity: {{requiredDuringSchedulingIgnoredDuringExecution:                  [{{topologyKey: {key}}}]}}}}}}
strategy: {{kubernetes: {{}}}}"
            )
        };
        assert!(problems(&scenario(3, "kubernetes.io/hostname")).is_empty());
        assert_eq!(
            problems(&scenario(4, "kubernetes.io/hostname")),
            [
                "service: the starting fleet does not fit the nodes its placement allows: 4 tasks \
                 of `current`, but 3 of the 3 nodes pass the service's node selector, affinity, \
                 tolerations or constraints and they hold 3, one a value of \
                 `kubernetes.io/hostname` (the required pod anti-affinity), so 1 would be \
                 Pending before the rollout starts. Label more nodes, loosen the placement, or \
                 lower `service.replicas` (see docs/placement.md)"
            ]
        );
        assert!(problems(&scenario(2, "zone")).is_empty());
        assert!(problems(&scenario(3, "zone"))[0].contains("they hold 2, one a value of `zone`"));
        // No node carries `rack`: the term limits none.
        assert!(problems(&scenario(3, "rack")).is_empty());
    }

    /// The spread's skew is left out of the anti-affinity's room too: one pod a node on
    /// zones a, a, a and b holds 4, though with `maxSkew: 1` the scheduler leaves the
    /// fourth Pending (a, b, a, then a third in zone a would be 2 above b), as the same
    /// fleet held one a node by room alone loads. The spread's key still counts: a node
    /// without `zone` holds no pod.
    #[test]
    fn the_spread_skew_does_not_bound_an_anti_affinity_fleet() {
        let scenario = |replicas: u32, last: &str, service: &str| {
            format!(
                "cluster: {{node: {{cpu: 1}}, nodes: [{{labels: {{zone: a}}}}, \
                 {{labels: {{zone: a}}}}, {{labels: {{zone: a}}}}, {last}]}}\n\
                 service: {{replicas: {replicas}, {service}topologySpreadConstraints: \
                 [{{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}}]}}\n\
                 strategy: {{kubernetes: {{}}}}"
            )
        };
        let anti = "affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: \
                    [{topologyKey: kubernetes.io/hostname}]}}, ";
        let zone_b = "{labels: {zone: b}}";
        assert_eq!(problems(&scenario(4, zone_b, anti)), Vec::<String>::new());
        assert!(problems(&scenario(4, zone_b, "resources: {cpu: 600m}, ")).is_empty());
        let p = problems(&scenario(4, "{}", anti));
        assert!(p[0].contains("3 of the 4 nodes pass"), "{p:?}");
        assert!(p[0].contains("they hold 3, one a value of"), "{p:?}");
    }

    #[test]
    fn requests_of_zero_never_bind() {
        assert!(problems("service: {replicas: 100000}").is_empty());
    }

    #[test]
    fn control_plane_profiles_belong_to_their_orchestrator() {
        let p = problems(
            "cluster: {control_plane: docker-20.10}\nservice: {}\nstrategy: {kubernetes: {}}",
        );
        assert_eq!(
            p,
            [
                "cluster.control_plane: the `docker-20.10` profile was measured on another \
              orchestrator than this scenario's `strategy.kubernetes`: use `kubernetes` \
              (kubelet), `ideal`, or phases of your own (`{stop_signal: 1s, …}`)"
            ]
        );
        let p = problems("cluster: {control_plane: {profile: kubernetes}}\nservice: {}");
        assert!(
            p[0].contains("`strategy.swarm`: use `docker-20.10`"),
            "{p:?}"
        );
        assert!(
            problems(
                "cluster: {control_plane: kubernetes}\nservice: {}\nstrategy: {kubernetes: {}}"
            )
            .is_empty()
        );
        assert!(problems("cluster: {control_plane: docker-20.10}\nservice: {}").is_empty());
    }
}
