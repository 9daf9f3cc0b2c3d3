//! Health checking and restarts of a service: the Docker `healthcheck`, the Kubernetes
//! `readinessProbe` / `livenessProbe` / `startupProbe`, and the Swarm `restart` policy.
//!
//! Defaults are upstream's ([`HealthCheck::default`], [`Probe::default`],
//! [`RestartPolicy::default`]). Validation follows upstream too: probe periods and
//! timeouts of at least 1s, thresholds of at least 1, and `successThreshold: 1` for
//! liveness and startup probes, as the API server requires. Docker treats an interval,
//! timeout or retries of 0 as "use the default"; here 0 is an error instead, because a
//! scenario that says 0 almost certainly means something else.

use super::control_plane::{ControlPlane, DockerEngine};
use super::model::{HealthCheck, Probe, RestartCondition, RestartPolicy};
use super::walk::{Node, Obj};
use crate::sim::time::{SECOND, Time};

/// Fields of `healthcheck`.
pub const HEALTHCHECK_FIELDS: &[&str] = &[
    "interval",
    "timeout",
    "retries",
    "start_period",
    "start_interval",
    "flaky",
];

/// Fields of every probe.
pub const PROBE_FIELDS: &[&str] = &[
    "initialDelaySeconds",
    "periodSeconds",
    "timeoutSeconds",
    "successThreshold",
    "failureThreshold",
    "flaky",
];

/// Fields of `restart`.
pub const RESTART_FIELDS: &[&str] = &["condition", "delay", "max_attempts"];

/// `restart.condition` values.
pub const RESTART_CONDITIONS: &[(&str, RestartCondition)] = &[
    ("any", RestartCondition::Any),
    ("on-failure", RestartCondition::OnFailure),
    ("none", RestartCondition::None),
];

/// A Docker HEALTHCHECK.
pub fn healthcheck(o: &Obj) -> HealthCheck {
    let d = HealthCheck::default();
    HealthCheck {
        interval: o.positive_duration("interval", d.interval),
        timeout: o.positive_duration("timeout", d.timeout),
        retries: o.u32_at_least("retries", d.retries, 1),
        start_period: o.duration("start_period", d.start_period),
        start_interval: o.positive_duration("start_interval", d.start_interval),
        flaky: o.probability("flaky", d.flaky),
    }
}

/// `service.healthcheck.start_interval` given while `cluster.control_plane` runs a Docker
/// Engine older than 25.0: that engine has no such field (it arrived with API 1.44) and
/// would ignore it, so the scenario is refused rather than simulated with a setting the
/// real engine drops. `root` is the scenario's top-level map.
pub fn check_engine(root: &Obj, cp: &ControlPlane) {
    if DockerEngine::has_start_interval(cp.docker_engine) {
        return;
    }
    let Some(service) = root.get("service") else {
        return;
    };
    let Some(hc) = service.value().get("healthcheck") else {
        return;
    };
    let Some(v) = hc.get("start_interval").filter(|v| !v.is_null()) else {
        return;
    };
    let Some(engine) = cp.docker_engine else {
        return;
    };
    service
        .child("healthcheck", hc)
        .child("start_interval", v)
        .problem(format!(
            "the engine of cluster.control_plane, Docker {engine}, has no HEALTHCHECK start_interval \
             (it arrived with Docker {}, Engine API 1.44) and would ignore it: probes inside \
             start_period run every `interval` there. Remove start_interval, or set \
             cluster.control_plane.docker_engine to \"{}\" or later",
            DockerEngine::START_INTERVAL_SINCE,
            DockerEngine::START_INTERVAL_SINCE
        ));
}

/// A Kubernetes probe; `key` is its field name (`readinessProbe`, …).
pub fn probe(o: &Obj, key: &str) -> Probe {
    let d = Probe::default();
    let success_threshold = o.u32_at_least("successThreshold", d.success_threshold, 1);
    if success_threshold != 1
        && key != "readinessProbe"
        && let Some(n) = o.get("successThreshold")
    {
        n.problem(format!(
            "must be 1 for {key} (as the API server requires), got {success_threshold}"
        ));
    }
    Probe {
        initial_delay: o.duration("initialDelaySeconds", d.initial_delay),
        period: o.or("periodSeconds", d.period, at_least_a_second),
        timeout: o.or("timeoutSeconds", d.timeout, at_least_a_second),
        success_threshold,
        failure_threshold: o.u32_at_least("failureThreshold", d.failure_threshold, 1),
        flaky: o.probability("flaky", d.flaky),
    }
}

/// The Swarm restart policy.
pub fn restart(o: &Obj) -> RestartPolicy {
    let d = RestartPolicy::default();
    RestartPolicy {
        condition: o.choice("condition", d.condition, RESTART_CONDITIONS),
        delay: o.duration("delay", d.delay),
        max_attempts: o.u32("max_attempts", d.max_attempts),
    }
}

fn at_least_a_second(n: &Node) -> Option<Time> {
    let t = n.duration()?;
    n.check(t, t >= SECOND, "must be at least 1 second")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::walk;
    use serde_json::{Value, json};

    /// `f` on `v` read as a map with every health field.
    fn run<T>(v: Value, f: impl FnOnce(&Obj) -> T) -> (T, Vec<String>) {
        let fields: Vec<&str> = [PROBE_FIELDS, HEALTHCHECK_FIELDS, RESTART_FIELDS].concat();
        walk::run(&v, |n| f(&n.object_or_empty(&fields)))
    }

    #[test]
    fn defaults_are_upstream() {
        let (h, p) = run(json!({}), healthcheck);
        assert_eq!(h, HealthCheck::default());
        assert_eq!(
            (h.interval, h.timeout, h.retries),
            (30 * SECOND, 30 * SECOND, 3)
        );
        assert_eq!((h.start_period, h.start_interval), (0, 5 * SECOND));
        let (pr, _) = run(json!({}), |o| probe(o, "readinessProbe"));
        assert_eq!(pr, Probe::default());
        assert_eq!(
            (
                pr.initial_delay,
                pr.period,
                pr.timeout,
                pr.success_threshold,
                pr.failure_threshold
            ),
            (0, 10 * SECOND, SECOND, 1, 3)
        );
        let (r, _) = run(json!({}), restart);
        assert_eq!(
            (r.condition, r.delay, r.max_attempts),
            (RestartCondition::Any, 5 * SECOND, 0)
        );
        assert!(p.is_empty());
    }

    #[test]
    fn probe_seconds_take_numbers_or_durations() {
        let (pr, p) = run(
            json!({"initialDelaySeconds": 5, "periodSeconds": "2s", "timeoutSeconds": 1.5,
                   "successThreshold": 2, "failureThreshold": 1, "flaky": 0.1}),
            |o| probe(o, "readinessProbe"),
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(pr.initial_delay, 5 * SECOND);
        assert_eq!(pr.period, 2 * SECOND);
        assert_eq!(pr.timeout, 1_500_000);
        assert_eq!(
            (pr.success_threshold, pr.failure_threshold, pr.flaky),
            (2, 1, 0.1)
        );
    }

    #[test]
    fn probe_validation_is_the_api_servers() {
        let (_, p) = run(
            json!({"periodSeconds": 0, "timeoutSeconds": "500ms", "successThreshold": 2,
                   "failureThreshold": 0}),
            |o| probe(o, "livenessProbe"),
        );
        assert_eq!(
            p,
            [
                "successThreshold: must be 1 for livenessProbe (as the API server requires), got 2",
                "periodSeconds: must be at least 1 second",
                "timeoutSeconds: must be at least 1 second",
                "failureThreshold: must be at least 1, got 0",
            ]
        );
        let (_, p) = run(json!({"successThreshold": 3}), |o| probe(o, "startupProbe"));
        assert_eq!(p.len(), 1);
    }

    #[test]
    fn start_interval_is_refused_on_an_engine_without_it() {
        let problems = |v: Value, cp: ControlPlane| {
            walk::run(&v, |n| check_engine(&n.object_or_empty(&["service"]), &cp)).1
        };
        let given = json!({"service": {"healthcheck": {"interval": "1s", "start_interval": "1s"}}});
        let p = problems(given.clone(), ControlPlane::docker_20_10());
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].starts_with(
                "service.healthcheck.start_interval: the engine of cluster.control_plane, \
                 Docker 20.10, has no HEALTHCHECK start_interval (it arrived with Docker 25.0"
            ),
            "{p:?}"
        );
        assert!(problems(given, ControlPlane::ideal()).is_empty());
        // Not written: the engine's own semantics, nothing to refuse.
        let absent = json!({"service": {"healthcheck": {"interval": "1s", "start_period": "30s"}}});
        assert!(problems(absent, ControlPlane::docker_20_10()).is_empty());
        assert!(problems(json!({}), ControlPlane::docker_20_10()).is_empty());
    }

    #[test]
    fn healthcheck_and_restart_validation() {
        let (_, p) = run(
            json!({"interval": 0, "retries": 0, "flaky": 2, "start_interval": "1s"}),
            healthcheck,
        );
        assert_eq!(
            p,
            [
                "interval: must be greater than 0",
                "retries: must be at least 1, got 0",
                "flaky: must be between 0 and 1, got 2",
            ]
        );
        let (r, p) = run(
            json!({"condition": "on_failure", "delay": "1s", "max_attempts": 3}),
            restart,
        );
        assert_eq!(
            p,
            ["condition: unknown value `on_failure`; did you mean `on-failure`?"]
        );
        assert_eq!((r.delay, r.max_attempts), (SECOND, 3));
    }
}
