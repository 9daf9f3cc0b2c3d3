//! What each metric of a report's tables measures, in one place for every report mode.

/// What each metric of the tables measures (the `trials.csv` column of the same name).
pub(super) const METRICS: &[(&str, &str)] = &[
    (
        "duration_s",
        "time from the rollout's start to its outcome (Swarm: update completed, final monitor window included; Kubernetes: every replica updated and available, no old pod left but terminating ones, which the Deployment's status does not count)",
    ),
    (
        "min_ready",
        "fewest tasks serving at any instant (Swarm: RUNNING, healthy when there is a HEALTHCHECK; Kubernetes: Ready)",
    ),
    (
        "min_available",
        "fewest tasks available at any instant (Kubernetes: Ready for minReadySeconds); equal to min_ready for Swarm",
    ),
    (
        "peak_tasks",
        "most tasks holding node resources at once, new ones still pulling and old ones terminating included (what the scheduler reserved)",
    ),
    (
        "peak_running_tasks",
        "most tasks with a started container at once (the room the rollout ran in)",
    ),
    (
        "peak_cpu",
        "most cpu requested at once by the tasks holding node resources, cores",
    ),
    (
        "peak_memory",
        "most memory requested at once by the tasks holding node resources",
    ),
    (
        "restarts",
        "containers restarted after dying on their own, any version",
    ),
    (
        "requests",
        "requests sent during the measured window (the rollout, or traffic.duration)",
    ),
    (
        "failed_requests",
        "requests not served successfully: refused + timed out + errored + dropped",
    ),
    ("availability", "1 − failed_requests / requests"),
    (
        "p95_latency_ms",
        "95th percentile latency of the served requests",
    ),
    (
        "p99_latency_ms",
        "99th percentile latency of the served requests",
    ),
    (
        "refused_requests",
        "refused or reset: no endpoint in rotation, a task not yet listening, stopping or dead",
    ),
    (
        "timed_out_requests",
        "sent to a hung process or a lost node, never answered",
    ),
    ("errored_requests", "answered with an error (error_rate)"),
    (
        "dropped_requests",
        "dropped by a full endpoint queue (capacity_rps and traffic.queue_limit)",
    ),
    (
        "bad_version_requests",
        "requests failed because of a version's own misbehaviour (errors, hangs, crashes while in rotation)",
    ),
    (
        "bad_release_requests",
        "the part of bad_version_requests that is the release's (next's) own: requests its tasks failed",
    ),
    (
        "slo_violation_s",
        "seconds in traffic.slo windows whose availability was below target",
    ),
    (
        "drain_s",
        "the longest node drain: from its start until its node held none of the service's tasks (the horizon if not done by then)",
    ),
    (
        "nodes_added",
        "nodes the cluster autoscaler asked for from the rollout's start until its outcome, Ready by then or not",
    ),
];

/// `(metric, meaning)` for every metric of `names` that has one, in the order given.
pub(super) fn metric_terms<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<(String, String)> {
    names
        .into_iter()
        .filter_map(|n| METRICS.iter().find(|(m, _)| *m == n))
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect()
}

/// `(term, meaning)` pairs as owned strings.
pub(super) fn terms(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, d)| (n.to_string(), d.to_string()))
        .collect()
}
