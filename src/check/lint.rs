//! `rollout-sim lint`: settings that upstream controllers accept but that bite people.
//!
//! Each rule says what is wrong, a one-line fix, and the upstream behaviour behind it.
//! Rules that need a number the settings alone do not give (a rollout's p95 duration)
//! run a quick simulation of [`QUICK_TRIALS`] trials.

use crate::cluster::runtime::RuntimeKind;
use crate::scenario::control_plane::Phase;
use crate::scenario::{BudgetLimit, Dist, Scenario};
use crate::sim::time::{NEVER, SECOND, Time, as_secs};
use crate::sim::{Key, Purpose};

/// Trials of the quick simulation behind the rules that need numbers.
pub const QUICK_TRIALS: u64 = 200;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// A stable identifier, e.g. `swarm-delay-ge-monitor`.
    pub rule: &'static str,
    pub message: String,
    /// One line saying what to change.
    pub fix: String,
    /// The upstream behaviour that makes it a problem.
    pub why: &'static str,
}

/// The median of `dist`, estimated from 1001 draws (a lint needs its order of
/// magnitude, not its third digit).
fn median(dist: &Dist) -> Time {
    let mut draws: Vec<Time> = (0..1001)
        .map(|i| dist.sample(&mut Key::trial(0, i, Purpose::ReadyAfter).rng()))
        .collect();
    draws.sort_unstable();
    draws[500]
}

/// Median time from a new task's start until the application is ready.
pub(crate) fn startup(s: &Scenario) -> Time {
    let next = &s.service.versions[s.service.versions.len() - 1];
    median(&next.start).saturating_add(median(&next.ready_after))
}

pub(crate) fn secs(t: Time) -> String {
    crate::output::table::duration(as_secs(t))
}

/// Record a finding.
pub(crate) fn warn(
    out: &mut Vec<Warning>,
    rule: &'static str,
    message: String,
    fix: String,
    why: &'static str,
) {
    out.push(Warning {
        rule,
        message,
        fix,
        why,
    });
}

/// Every warning for `s`; `threads` for the quick simulation. The strategy's own rules
/// come first (its folder's `entry.rs`), then those every strategy shares.
pub fn lint(s: &Scenario, threads: Option<usize>) -> Vec<Warning> {
    let mut out = Vec::new();
    s.strategy.lint(s, threads, &mut out);
    if let Some(p) = &s.service.readiness_probe {
        let ready = startup(s);
        if p.period > ready {
            warn(
                &mut out,
                "readiness-period-long",
                format!("readinessProbe.periodSeconds {} is longer than the median start-up ({})", secs(p.period), secs(ready)),
                "lower periodSeconds (or add a startupProbe) so readiness is seen soon after start-up".into(),
                "kubernetes pkg/kubelet/prober/worker.go: readiness is probed only every periodSeconds, so a ready pod waits up to a period before it receives traffic, slowing every batch",
            );
        }
    }
    // preStop is a kubelet hook; the Docker engine has none to add. The pod leaves the
    // endpoints `endpoint_propagation` after its deletion and gets SIGTERM `stop_signal`
    // after it, so requests are refused only while the first outlasts the second.
    if let (RuntimeKind::Kubelet, Some(t)) = (s.strategy.runtime(), &s.traffic)
        && s.service.pre_stop == 0
    {
        let lag = median(&t.endpoint_propagation);
        let signal = median(s.cluster.control_plane.phase(Phase::StopSignal));
        if lag > signal {
            let (after, fix) = if signal == 0 {
                (String::new(), secs(lag))
            } else {
                (
                    format!(
                        ", longer than the kubelet's median {} to act on its deletion (control_plane.stop_signal)",
                        secs(signal)
                    ),
                    format!("{} (the lag less the kubelet's)", secs(lag - signal)),
                )
            };
            warn(
                &mut out,
                "no-prestop-with-endpoint-lag",
                format!(
                    "no preStop while endpoints take a median {} to drop a stopping pod{after}",
                    secs(lag)
                ),
                format!("add a preStop sleep of at least {fix}"),
                "kubernetes: the EndpointSlice controller and the kubelet both act on the pod's deletion, concurrently (staging/src/k8s.io/endpointslice/utils.go podToEndpoint; pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer); without a preStop delay the process exits while load balancers still send it requests",
            );
        }
    }
    prestop_uses_up_grace(s, &mut out);
    budget_allows_no_eviction(s, &mut out);
    autoscaler_adds_nothing(s, &mut out);
    next_same_image(s, &mut out);
    no_readiness_check(s, &mut out);
    retries(s, &mut out);
    out
}

/// `retries-of-nothing`: a retry policy that retries nothing the simulator produces.
fn retries(s: &Scenario, out: &mut Vec<Warning>) {
    let Some(r) = s.traffic.as_ref().map(|t| t.retries) else {
        return;
    };
    if r.attempts == 0 {
        return;
    }
    if r.on.describe().is_none() {
        warn(
            out,
            "retries-of-nothing",
            format!(
                "traffic.retries.retryOn retries none of the failures the simulator produces (refused connections, 503s, errors): its {} retries change nothing",
                r.attempts
            ),
            "add `connect-failure` (refused connections), `503` or `gateway-error` (a full queue's 503s) or `5xx` (the app's errors too), or drop `retries`".into(),
            "envoy source/common/router/retry_state_impl.cc: refused-stream, retriable-4xx, retriable-headers, envoy-ratelimited and the gRPC conditions match an HTTP/2 REFUSED_STREAM, a 409, a header, a rate limit or a gRPC status; istio retry.go parseRetryOn: retriable-status-codes retries only the codes listed beside it",
        );
    }
}

/// `no-readiness-check`: with traffic, a task that takes requests as soon as its
/// container runs, before its application answers (`ready_after` of the new version):
/// no readiness or startup probe on the kubelet, no HEALTHCHECK on the Docker engine.
fn no_readiness_check(s: &Scenario, out: &mut Vec<Warning>) {
    let Some(next) = s.service.versions.get(1) else {
        return;
    };
    let ready = median(&next.ready_after);
    if s.traffic.is_none() || ready == 0 {
        return;
    }
    let after = format!(
        "while `{}`'s app answers a median {} later (versions.{}.ready_after): the requests the balancer sends it in between are refused",
        next.name,
        secs(ready),
        next.name
    );
    let service = &s.service;
    let (message, fix, why) = match s.strategy.runtime() {
        RuntimeKind::Kubelet
            if service.readiness_probe.is_none() && service.startup_probe.is_none() =>
        {
            (
                format!(
                    "no readinessProbe: a pod is Ready, and joins the endpoints, as soon as its containers run, {after}"
                ),
                "add a readinessProbe that passes once the app answers (an httpGet or tcpSocket on its port)",
                "kubernetes pkg/kubelet/prober/prober_manager.go UpdatePodStatus: a running container with no readiness probe is ready at once (with a startupProbe, once started), and the EndpointSlice controller adds a ready pod's address",
            )
        }
        RuntimeKind::Docker if service.healthcheck.is_none() => (
            format!(
                "no HEALTHCHECK: the engine puts a task in the service's load balancer as soon as its container starts, {after}"
            ),
            "add a healthcheck that passes once the app answers: the task then joins the load balancer when it is healthy",
            "moby daemon/cluster/executor/container/controller.go Start: a container with no healthcheck activates its service binding right after it starts; one with a healthcheck waits for `healthy`",
        ),
        _ => return,
    };
    warn(out, "no-readiness-check", message, fix.into(), why);
}

/// `next-same-image`: the release names the image already running. Upstream that update
/// changes nothing, while the simulator rolls `next` out as another version.
fn next_same_image(s: &Scenario, out: &mut Vec<Warning>) {
    let [current, next, ..] = s.service.versions.as_slice() else {
        return;
    };
    if current.image != next.image {
        return;
    }
    warn(
        out,
        "next-same-image",
        format!(
            "versions `{}` and `{}` both run image `{}`: the real update changes no task, yet the simulator replaces every task and pulls `{}`'s image as another one",
            current.name, next.name, next.image, next.name
        ),
        format!(
            "give `{}` the image the rollout installs; to replace every task with the same image, keep the versions apart and add `actions: [{{at: …, rollout: restart}}]` (`docker service update --force` / `kubectl rollout restart`)",
            next.name
        ),
        "swarmkit manager/orchestrator/task.go IsTaskDirty: a task is dirty only if its spec differs from the service's; kubernetes pkg/controller/deployment/util: an unchanged pod template keeps its pod-template-hash, so no new ReplicaSet; pkg/controller/daemon/update.go (constructHistory, Match): an unchanged DaemonSet template matches its ControllerRevision, so no pod is out of date; pkg/controller/statefulset/stateful_set_control.go (getStatefulSetRevisions): an unchanged StatefulSet template is the update revision already",
    );
}

/// `prestop-ge-grace-period`: on the kubelet, a preStop sleep at least as long as the
/// grace period leaves the application no time between SIGTERM and the kill.
fn prestop_uses_up_grace(s: &Scenario, out: &mut Vec<Warning>) {
    let pre_stop = s.service.pre_stop;
    let grace = s.stop_grace_period();
    if s.strategy.runtime() != RuntimeKind::Kubelet || pre_stop == 0 || pre_stop < grace {
        return;
    }
    let default = if s.service.stop_grace_period.is_none() {
        ", the Kubernetes default"
    } else {
        ""
    };
    // The longest median shutdown of any version: the one the grace period must hold.
    let (version, shutdown) = s
        .service
        .versions
        .iter()
        .map(|v| (v.name.as_str(), median(&v.shutdown)))
        .max_by_key(|&(_, t)| t)
        .unwrap_or(("next", 0));
    let cut = if shutdown == 0 {
        String::new()
    } else {
        format!(
            " (the {} median shutdown of versions.{version} is cut short)",
            secs(shutdown)
        )
    };
    let fix = match pre_stop.checked_add(shutdown).filter(|&t| t != NEVER) {
        Some(need) => {
            // Whole seconds, as the API takes them, strictly above pre_stop.
            let whole = need.div_ceil(SECOND).max(pre_stop / SECOND + 1);
            let shutdown = if shutdown == 0 {
                "the time the app takes to exit after SIGTERM (versions.*.shutdown, 0s here)".to_string()
            } else {
                format!("the {} median shutdown of versions.{version}", secs(shutdown))
            };
            format!(
                "make service.terminationGracePeriodSeconds exceed pre_stop by the app's shutdown time: at least {whole} (pre_stop {} + {shutdown}), or shorten pre_stop",
                secs(pre_stop)
            )
        }
        None => "make service.terminationGracePeriodSeconds exceed pre_stop by the app's shutdown time, or shorten pre_stop".into(),
    };
    warn(
        out,
        "prestop-ge-grace-period",
        format!(
            "service.pre_stop {} is at least the grace period (service.terminationGracePeriodSeconds / stop_grace_period {}{default}): the preStop sleep uses it all up and the app never drains its in-flight requests; this simulation sends SIGTERM and kills the container together, at the end of the grace period{cut}, where upstream the kubelet sends SIGTERM when the hook or the grace period ends, whichever is first, and SIGKILL 2s later",
            secs(pre_stop),
            secs(grace),
        ),
        fix,
        "kubernetes/kubernetes pkg/kubelet/kuberuntime/kuberuntime_container.go killContainer: the preStop hook runs inside the grace period (executePreStopHook waits for it at most gracePeriod seconds), its time is taken off the grace period, and SIGTERM gets what is left but at least minimumGracePeriodInSeconds (2s) before SIGKILL",
    );
}

/// `pdb-allows-no-eviction`: a PodDisruptionBudget that, with every replica Ready, leaves
/// no disruption to spare: no Ready pod may ever be evicted, and `kubectl drain` of a node
/// running one waits until something else deletes it.
fn budget_allows_no_eviction(s: &Scenario, out: &mut Vec<Warning>) {
    let Some(b) = &s.service.disruption_budget else {
        return;
    };
    let n = s.service.replicas;
    if n == 0 || crate::cluster::node_drain::eviction_allowed(b, true, n, n, n) {
        return;
    }
    let limit = match b.limit {
        BudgetLimit::MinAvailable(v) => format!("minAvailable {v}"),
        BudgetLimit::MaxUnavailable(v) => format!("maxUnavailable {v}"),
    };
    warn(
        out,
        "pdb-allows-no-eviction",
        format!(
            "service.podDisruptionBudget {limit} leaves no disruption to spare even with all {n} replicas Ready: the Eviction API refuses every Ready pod, so `kubectl drain` of a node running one waits until the rollout or someone else deletes it (for ever for a pod nothing replaces)"
        ),
        if n > 1 {
            // The largest percentage whose share of n, rounded up, leaves one pod.
            let most = 100 * u64::from(n - 1) / u64::from(n);
            format!(
                "allow one disruption at full strength: maxUnavailable: 1, or minAvailable: {} (or at most {most}%)",
                n - 1
            )
        } else {
            "a single replica cannot be evicted under any budget that keeps it: run 2 replicas with maxUnavailable: 1, or drop the budget".into()
        },
        "kubernetes/kubernetes pkg/registry/core/pod/storage/eviction.go checkAndDecrement: an eviction is refused (429) while status.disruptionsAllowed is 0; pkg/controller/disruption/disruption.go updatePdbStatus: disruptionsAllowed = currentHealthy - desiredHealthy; kubectl drain (kubectl pkg/drain/drain.go evictPods) retries every 5 s with no time limit by default",
    );
}

/// `autoscaler-adds-nothing`: a `cluster.autoscaler` whose nodes (shaped like
/// `cluster.node`) cannot take one pod of the service, so a pod that waits never makes it
/// add a node.
fn autoscaler_adds_nothing(s: &Scenario, out: &mut Vec<Warning>) {
    let Some(first) = s.cluster.added_nodes().first() else {
        return;
    };
    let placer = crate::cluster::placer::Placer::new(s);
    if crate::cluster::autoscaler::pods_a_new_node_takes(s, &placer) > 0 {
        return;
    }
    let (why, fix) = if first.holds(s.service.resources) == 0 {
        (
            "cluster.node has less cpu or memory than one pod reserves (service.resources)",
            "give cluster.node room for a pod, or reserve less",
        )
    } else {
        (
            "the pods' nodeSelector, node affinity or tolerations keep them off cluster.node's labels and taints, which every node it adds carries",
            "make cluster.node's labels and taints those of the node pool the autoscaler grows",
        )
    };
    warn(
        out,
        "autoscaler-adds-nothing",
        format!("cluster.autoscaler adds no node for a pod that waits: {why}"),
        fix.into(),
        "kubernetes/autoscaler cluster-autoscaler core/scaleup/orchestrator/orchestrator.go ScaleUp: a node group whose template node fails the pod's scheduling predicates is skipped (\"pod didn't trigger scale-up: it wouldn't fit if a new node is added\")",
    );
}

/// `s` with [`QUICK_TRIALS`] trials.
pub(crate) fn quick(s: &Scenario) -> Scenario {
    let mut q = s.clone();
    q.trials = QUICK_TRIALS;
    q
}
