//! `service`: replicas, resources, termination, health checking, restarts, and the
//! `versions` of the image with how each behaves.
//!
//! Defaults: `replicas: 1` (0 is allowed, as Kubernetes allows it), no resource requests,
//! `pre_stop: 0s`, the stop grace period of the strategy in force (Swarm 10s, Kubernetes
//! 30s; see [`Scenario::stop_grace_period`](super::Scenario::stop_grace_period)), no
//! health check or probes, and the Swarm restart policy's defaults. The grace period may
//! be written with its Swarm name `stop_grace_period` or its Kubernetes name
//! `terminationGracePeriodSeconds`, not both.
//!
//! `versions` maps names to versions; `current` (what runs before the rollout) and `next`
//! (what the rollout installs) are required once `versions` is written, and both default
//! to all-default versions when it is not. A version named with nothing under it takes
//! every default. Version defaults:
//!
//! | field | default |
//! |---|---|
//! | `image` | the version's name |
//! | `pull`, `start`, `ready_after`, `shutdown` | `0s` |
//! | `crash_after`, `hang_after` | `never` |
//! | `crash_probability`, `error_rate` | 0 |
//! | `service_time` | `10ms` |
//! | `capacity_rps` | unlimited |
//!
//! `networks` (Swarm; default none, as `docker service create` without `--network` or
//! `--publish`): the networks the tasks attach to, as in a compose file. A task attached
//! to any network but the default `bridge` has a service binding, and Docker waits 2 s
//! for gossip between taking it out of the VIP and stopping it. A service that publishes
//! ports in ingress mode (the default) is attached to `ingress`; `docker stack deploy`
//! attaches every service to the stack's `default` network unless it names others.

use super::distribution::Dist;
use super::health::{self, HEALTHCHECK_FIELDS, PROBE_FIELDS, RESTART_FIELDS};
use super::limits::{self, MAX_REPLICAS};
use super::model::{Probe, Resources, Service, Version, VersionId};
use super::suggest;
use super::walk::{Node, Obj};
use crate::sim::time::{MILLISECOND, Time};
use serde_json::Value;

/// Fields of `service`.
pub const FIELDS: &[&str] = &[
    "replicas",
    "mode",
    "resources",
    "stop_grace_period",
    "terminationGracePeriodSeconds",
    "pre_stop",
    "versions",
    "healthcheck",
    "readinessProbe",
    "livenessProbe",
    "startupProbe",
    "restart",
    "networks",
    "ports",
    "nodeSelector",
    "affinity",
    "tolerations",
    "topologySpreadConstraints",
    "placement",
    "podDisruptionBudget",
];

/// Fields of `resources` (and of a node's capacity).
pub const RESOURCE_FIELDS: &[&str] = &["cpu", "memory"];

/// Fields of each version.
pub const VERSION_FIELDS: &[&str] = &[
    "image",
    "pull",
    "start",
    "ready_after",
    "crash_probability",
    "crash_after",
    "hang_after",
    "shutdown",
    "error_rate",
    "service_time",
    "capacity_rps",
];

/// The two versions every scenario has, in [`VersionId`] order.
const REQUIRED: [(&str, &str); 2] = [
    ("current", "what runs before the rollout"),
    ("next", "what the rollout installs"),
];

/// A number of replicas (`service.replicas`, an action's `scale`), at most
/// [`MAX_REPLICAS`].
pub(super) fn replica_count(n: &Node) -> Option<u32> {
    n.u32_in(0..=MAX_REPLICAS, |got| {
        limits::too_large(MAX_REPLICAS.into(), got)
    })
}

/// The service section.
pub fn service(o: &Obj) -> Service {
    Service {
        replicas: o.or("replicas", 1, replica_count),
        mode: super::service_mode::mode(o),
        resources: resources(
            &o.section("resources", RESOURCE_FIELDS),
            Resources::default(),
        ),
        stop_grace_period: stop_grace_period(o),
        pre_stop: o.duration("pre_stop", 0),
        versions: versions(o),
        healthcheck: o
            .opt_section("healthcheck", HEALTHCHECK_FIELDS)
            .map(|h| health::healthcheck(&h)),
        readiness_probe: probe(o, "readinessProbe"),
        liveness_probe: probe(o, "livenessProbe"),
        startup_probe: probe(o, "startupProbe"),
        restart: health::restart(&o.section("restart", RESTART_FIELDS)),
        networks: o.or("networks", Vec::new(), networks),
        // Read once the strategy is known (`super::ports::settle`): its terms are the
        // runtime's.
        ports: Vec::new(),
        placement: super::placement::placement(o),
        disruption_budget: super::disruption_budget::disruption_budget(o),
    }
}

/// `networks: [name, …]`: distinct non-empty network names.
fn networks(n: &Node) -> Option<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for item in n.list()? {
        let Some(name) = item.string() else { continue };
        if name.trim().is_empty() {
            item.problem("expected a network name, e.g. `ingress` or `backend`");
        } else if out.contains(&name) {
            item.problem(format!("network `{name}` is listed twice"));
        } else {
            out.push(name);
        }
    }
    Some(out)
}

/// `{cpu, memory}`, each defaulting to `default`'s.
pub fn resources(o: &Obj, default: Resources) -> Resources {
    Resources {
        cpu_millis: o.or("cpu", default.cpu_millis, Node::cpu),
        memory_bytes: o.or("memory", default.memory_bytes, Node::memory),
    }
}

/// A version named by a string field (`image_cached`, `actions[].version`).
pub fn version_ref(n: &Node, versions: &[Version]) -> Option<VersionId> {
    let name = n.string()?;
    match versions.iter().position(|v| v.name == name) {
        // `versions` holds at most 255 entries, so the index fits.
        Some(i) => VersionId::try_from(i).ok(),
        None => {
            let names: Vec<&str> = versions.iter().map(|v| v.name.as_str()).collect();
            n.fail(format!(
                "unknown version `{name}`{}",
                suggest::hint(&name, &names)
            ))
        }
    }
}

/// A kubelet probe; `null` is none, as absent: a Pod's `*Probe` is nil then (Kubernetes
/// reads JSON null into a nil pointer), where the walker's sections would be present
/// with every default (a 10 s probe).
fn probe(o: &Obj, key: &str) -> Option<Probe> {
    o.get(key)
        .and_then(|n| n.object(PROBE_FIELDS))
        .map(|p| health::probe(&p, key))
}

fn stop_grace_period(o: &Obj) -> Option<Time> {
    let swarm = o.opt("stop_grace_period", Node::duration);
    let kubernetes = o.opt("terminationGracePeriodSeconds", Node::duration);
    if o.has("stop_grace_period")
        && let Some(n) = o.get("terminationGracePeriodSeconds")
    {
        n.problem(
            "give either `stop_grace_period` (Swarm) or `terminationGracePeriodSeconds` \
             (Kubernetes), not both",
        );
    }
    swarm.or(kubernetes)
}

fn versions(o: &Obj) -> Vec<Version> {
    let node = o.raw("versions");
    let map = node
        .as_ref()
        .filter(|n| !n.value().is_null())
        .and_then(Node::map);
    let Some((node, map)) = node.zip(map) else {
        // Not written (or not a map, which is reported): every default.
        let at = o.node().child("versions", &Value::Null);
        return REQUIRED
            .iter()
            .map(|(name, _)| version(name, &at.child(name, &Value::Null)))
            .collect();
    };
    let mut out: Vec<Version> = REQUIRED
        .iter()
        .map(|(name, what)| {
            let v = map.raw(name).unwrap_or_else(|| {
                node.problem(format!(
                    "missing version `{name}` ({what}; `{name}: {{}}` takes every default)"
                ));
                node.child(name, &Value::Null)
            });
            version(name, &v)
        })
        .collect();
    out.extend(
        map.entries()
            .filter(|(name, _)| !REQUIRED.iter().any(|(r, _)| r == name))
            .map(|(name, v)| version(name, &v)),
    );
    if out.len() > usize::from(VersionId::MAX) {
        node.problem(format!(
            "at most {} versions are supported, got {}",
            VersionId::MAX,
            out.len()
        ));
        out.truncate(usize::from(VersionId::MAX));
    }
    out
}

fn version(name: &str, node: &Node) -> Version {
    let o = node.object_or_empty(VERSION_FIELDS);
    Version {
        name: name.to_string(),
        image: o.or("image", name.to_string(), Node::string),
        pull: o.dist("pull", Dist::ZERO),
        start: o.dist("start", Dist::ZERO),
        ready_after: o.dist("ready_after", Dist::ZERO),
        crash_probability: o.probability("crash_probability", 0.0),
        crash_after: o.dist("crash_after", Dist::Never),
        hang_after: o.dist("hang_after", Dist::Never),
        shutdown: o.dist("shutdown", Dist::ZERO),
        error_rate: o.probability("error_rate", 0.0),
        service_time: o.dist("service_time", Dist::Constant(10 * MILLISECOND)),
        capacity_rps: o.opt("capacity_rps", Node::positive_f64),
        template_of: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use crate::sim::time::SECOND;
    use serde_json::json;

    fn parse(v: Value) -> (Service, Vec<String>) {
        walk::run(&v, |n| service(&n.object_or_empty(FIELDS)))
    }

    fn names(s: &Service) -> Vec<&str> {
        s.versions.iter().map(|v| v.name.as_str()).collect()
    }

    #[test]
    fn versions_are_current_next_then_file_order() {
        let (s, p) = parse(
            json!({"versions": {"zeta": {}, "next": null, "alpha": {"image": "a:1"},
                                               "current": {}}}),
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(names(&s), ["current", "next", "zeta", "alpha"]);
        assert_eq!(s.versions[3].image, "a:1");
        assert_eq!(s.versions[2].image, "zeta");
    }

    #[test]
    fn current_and_next_are_required_once_versions_is_written() {
        let (s, p) = parse(json!({"versions": {"current": {}, "v3": {}}}));
        assert_eq!(
            p,
            [
                "versions: missing version `next` (what the rollout installs; `next: {}` takes every default)"
            ]
        );
        assert_eq!(names(&s), ["current", "next", "v3"], "indices stay valid");
        let (s, p) = parse(json!({"versions": ["current", "next"]}));
        assert_eq!(p, ["versions: expected a map, got a list"]);
        assert_eq!(names(&s), ["current", "next"]);
    }

    #[test]
    fn at_most_255_versions() {
        let many: serde_json::Map<String, Value> =
            (0..300).map(|i| (format!("v{i}"), json!({}))).collect();
        let mut versions = json!({"current": {}, "next": {}});
        versions.as_object_mut().unwrap().extend(many);
        let (s, p) = parse(json!({"versions": versions}));
        assert_eq!(p, ["versions: at most 255 versions are supported, got 302"]);
        assert_eq!(s.versions.len(), 255);
    }

    #[test]
    fn version_fields_are_validated() {
        let (_, p) = parse(json!({"versions": {"current": {}, "next": {
            "image": 2, "crash_probability": 1.5, "error_rate": -0.1, "capacity_rps": 0,
            "ready_after": {"uniform": {"min": "2s", "max": "1s"}}, "shutdwon": "1s"}}}));
        assert_eq!(
            p,
            [
                "versions.next.shutdwon: unknown field `shutdwon`; did you mean `shutdown`?",
                "versions.next.image: expected a string, got 2",
                "versions.next.ready_after.uniform: min (2s) must not exceed max (1s)",
                "versions.next.crash_probability: must be between 0 and 1, got 1.5",
                "versions.next.error_rate: must be between 0 and 1, got -0.1",
                "versions.next.capacity_rps: must be greater than 0, got 0",
            ]
        );
    }

    #[test]
    fn replicas_resources_and_termination() {
        let (s, p) = parse(
            json!({"replicas": 0, "resources": {"cpu": 0.5, "memory": "1Gi"},
                                  "terminationGracePeriodSeconds": 45, "pre_stop": "3s"}),
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(s.replicas, 0, "Kubernetes allows 0 replicas");
        assert_eq!(
            s.resources,
            Resources {
                cpu_millis: 500,
                memory_bytes: 1 << 30
            }
        );
        assert_eq!(
            (s.stop_grace_period, s.pre_stop),
            (Some(45 * SECOND), 3 * SECOND)
        );
        let (s, p) = parse(json!({"stop_grace_period": "20s"}));
        assert!(p.is_empty());
        assert_eq!(s.stop_grace_period, Some(20 * SECOND));
    }

    #[test]
    fn one_grace_period_name_only() {
        let (_, p) =
            parse(json!({"stop_grace_period": "20s", "terminationGracePeriodSeconds": 30}));
        assert_eq!(
            p,
            [
                "terminationGracePeriodSeconds: give either `stop_grace_period` (Swarm) or \
              `terminationGracePeriodSeconds` (Kubernetes), not both"
            ]
        );
    }

    #[test]
    fn probes_are_optional_and_keep_their_names() {
        let (s, p) = parse(json!({"startupProbe": {"failureThreshold": 30},
                                  "livenessProbe": {"successThreshold": 2}}));
        assert_eq!(
            p,
            [
                "livenessProbe.successThreshold: must be 1 for livenessProbe (as the API server requires), got 2"
            ]
        );
        assert_eq!(s.startup_probe.map(|p| p.failure_threshold), Some(30));
        assert_eq!(s.readiness_probe, None);
        // A Pod's probe written null is no probe (Go's nil `*Probe`), not every default;
        // `{}` is every default.
        let (s, p) = parse(json!({"readinessProbe": null, "livenessProbe": {}}));
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(s.readiness_probe, None);
        assert_eq!(s.liveness_probe.map(|p| p.period), Some(10 * SECOND));
        let (_, p) = parse(json!({"readinessProbe": 3}));
        assert!(
            p[0].starts_with("readinessProbe: expected a map with fields `initialDelaySeconds`")
        );
    }

    #[test]
    fn version_refs_suggest_names() {
        let (s, _) = parse(json!({}));
        let v = json!("nxet");
        let (id, p) = walk::run(&v, |n| version_ref(n, &s.versions));
        assert_eq!(id, None);
        assert_eq!(p, ["(root): unknown version `nxet`; did you mean `next`?"]);
        let v = json!("next");
        assert_eq!(walk::run(&v, |n| version_ref(n, &s.versions)).0, Some(1));
    }
}
