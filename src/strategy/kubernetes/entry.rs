//! How the rest of the tool sees the Deployment controller: its registry entry (key,
//! parser, defaults, runtime, controller, header, chart limits, lint rules).

use super::Deployment;
use super::fenceposts::{max_surge, max_unavailable};
use crate::check::lint::{QUICK_TRIALS, Warning, quick, secs, warn};
use crate::cluster::placer::PendingReason;
use crate::cluster::room::reachable_room;
use crate::cluster::runtime::RuntimeKind;
use crate::experiment::{run_trials, with_threads};
use crate::result::{Outcome, TrialResult};
use crate::scenario::schema::{Ty::*, names};
use crate::scenario::strategy::{
    self, DEPLOYMENT_STRATEGY_FIELDS, KUBERNETES_FIELDS, ROLLING_UPDATE_FIELDS, kubernetes,
};
use crate::scenario::walk::Obj;
use crate::scenario::{DeploymentStrategy, IntOrPercent, KubernetesStrategy, Scenario, Strategy};
use crate::sim::time::{SECOND, Time, as_secs};
use crate::strategy::AnyController;
use crate::strategy::registry::{BudgetSelector, Controls, FieldTypes, Sections, StrategyDef};

/// The Kubernetes Deployment strategy (`strategy.kubernetes`).
pub struct Def;

impl StrategyDef for Def {
    type Config = KubernetesStrategy;
    const KEY: &'static str = "kubernetes";
    const FIELDS: &'static [&'static str] = KUBERNETES_FIELDS;
    /// Pod `terminationGracePeriodSeconds` default.
    const STOP_GRACE_PERIOD: Time = 30 * SECOND;
    const RUNTIME: RuntimeKind = RuntimeKind::Kubelet;
    const CONTROLS: Controls = Controls::Kubectl;
    const DISRUPTION_BUDGET: BudgetSelector = BudgetSelector::EveryPod;
    const SCHEMA_SECTIONS: Sections = &[
        ("kubernetes", KUBERNETES_FIELDS),
        ("deployment_strategy", DEPLOYMENT_STRATEGY_FIELDS),
        ("rolling_update", ROLLING_UPDATE_FIELDS),
    ];
    const SCHEMA_TYPES: FieldTypes = &[
        ("kubernetes", "strategy", Section("deployment_strategy")),
        ("kubernetes", "minReadySeconds", Duration),
        ("kubernetes", "progressDeadlineSeconds", DurationOrNever),
        ("kubernetes", "autoRollback", Bool),
        ("kubernetes", "revisionHistoryLimit", Count),
        (
            "deployment_strategy",
            "type",
            Choice(|| names(strategy::DEPLOYMENT_TYPES)),
        ),
        (
            "deployment_strategy",
            "rollingUpdate",
            Section("rolling_update"),
        ),
        ("rolling_update", "maxSurge", IntOrPercent),
        ("rolling_update", "maxUnavailable", IntOrPercent),
    ];

    fn parse(o: &Obj) -> KubernetesStrategy {
        kubernetes(o)
    }

    fn controller(cfg: &KubernetesStrategy) -> Box<dyn AnyController + '_> {
        Box::new(Deployment::new(cfg))
    }

    /// `Kubernetes RollingUpdate, maxSurge 25%, maxUnavailable 25%`.
    fn label(k: &KubernetesStrategy) -> String {
        match k.kind {
            DeploymentStrategy::RollingUpdate {
                max_surge,
                max_unavailable,
            } => format!(
                "Kubernetes RollingUpdate, maxSurge {max_surge}, maxUnavailable {max_unavailable}"
            ),
            DeploymentStrategy::Recreate => "Kubernetes Recreate".to_string(),
        }
    }

    fn header_extra(k: &KubernetesStrategy) -> String {
        format!(
            ", minReadySeconds {}, progressDeadlineSeconds {}",
            as_secs(k.min_ready),
            k.progress_deadline
                .map_or("none".to_string(), |d| as_secs(d).to_string())
        )
    }

    /// Between `replicas − maxUnavailable` available and `replicas + maxSurge` pods
    /// (`deployment_util.go` `MaxUnavailable`, `MaxSurge`); Recreate has no such limits.
    fn limits(k: &KubernetesStrategy, n: u32) -> Vec<(&'static str, u32)> {
        match k.kind {
            DeploymentStrategy::RollingUpdate { .. } => vec![
                ("maxSurge ceiling", n + max_surge(&k.kind, n)),
                ("maxUnavailable floor", n - max_unavailable(&k.kind, n)),
            ],
            DeploymentStrategy::Recreate => Vec::new(),
        }
    }

    fn lint(
        cfg: &KubernetesStrategy,
        s: &Scenario,
        threads: Option<usize>,
        out: &mut Vec<Warning>,
    ) {
        let replicas = s.service.replicas;
        if let DeploymentStrategy::RollingUpdate {
            max_surge: IntOrPercent::Int(n),
            ..
        } = cfg.kind
            && n > replicas
        {
            warn(
                out,
                "k8s-max-surge-count",
                format!(
                    "maxSurge: {n} is a count above the {replicas} replicas; \"{n}%\" was likely meant"
                ),
                format!("write maxSurge: \"{n}%\" (quoted) for a percentage"),
                "apimachinery intstr: a bare number is an absolute pod count, only a string ending in % is a percentage of replicas",
            );
        }
        host_port_surge(cfg, s, out);
        if let Some(deadline) = cfg.progress_deadline {
            with_threads(threads, || deadline_exceeded(cfg, deadline, s, out));
        }
    }
}

/// Rules `k8s-host-port-surge` and `k8s-anti-affinity-surge`: pods that bind a `hostPort`
/// hold one node each, and a required pod anti-affinity one value of its `topologyKey`
/// each (a node, on `kubernetes.io/hostname`), terminating pods included; with
/// `maxUnavailable` resolving to 0 the controller removes no old pod before a new one is
/// available, so a rolling update needs a node (a domain) free of the service's pods;
/// counted as the scheduler places them, on every node the cluster may have
/// ([`reachable_room`]: a cluster autoscaler adds a node for a pod that waits).
fn host_port_surge(cfg: &KubernetesStrategy, s: &Scenario, out: &mut Vec<Warning>) {
    let replicas = s.service.replicas;
    let DeploymentStrategy::RollingUpdate { .. } = &cfg.kind else {
        return;
    };
    let port = s.service.host_port();
    let keys = &s.service.placement.anti_affinity;
    if port.is_none() && keys.is_empty() {
        return;
    }
    if replicas == 0 || max_unavailable(&cfg.kind, replicas) > 0 {
        return;
    }
    let room = reachable_room(s, u64::from(replicas) + 1);
    if room > u64::from(replicas) {
        return;
    }
    // The controller's side of either rule.
    macro_rules! rolling {
        () => {
            "pkg/controller/deployment/rolling.go (reconcileOldReplicaSets: old pods are scaled down only while the available pods stay above replicas − maxUnavailable)"
        };
    }
    let more = if s.cluster.autoscaler.is_some() {
        "raise cluster.autoscaler.max_nodes (the nodes it adds count in the room)"
    } else {
        "add a node the placement allows"
    };
    let fix = format!(
        "set strategy.kubernetes.strategy.rollingUpdate.maxUnavailable to 1 or more (with maxSurge 0 the pod count never grows), or {more}"
    );
    let stuck = format!(
        "so the nodes take {room} pods, all held by the {replicas} replicas, and maxUnavailable resolves to 0: the surge pod stays Pending and no old pod is ever removed"
    );
    match port {
        Some(port) => warn(
            out,
            "k8s-host-port-surge",
            format!(
                "service.ports binds hostPort {} on each pod's node, {stuck}",
                port.host_text()
            ),
            fix.clone(),
            concat!(
                "kubernetes pkg/scheduler/framework/plugins/nodeports (NodePorts: a node where another pod holds the hostPort is filtered out); ",
                rolling!()
            ),
        ),
        None => warn(
            out,
            "k8s-anti-affinity-surge",
            format!(
                "service.affinity.podAntiAffinity keeps one pod a value of `{}`, old pods and terminating ones included, {stuck}",
                keys.join("`, `")
            ),
            fix,
            concat!(
                "kubernetes pkg/scheduler/framework/plugins/interpodaffinity/filtering.go (satisfyPodAntiAffinity: a node in a topology domain holding a pod the term selects is filtered out, terminating pods counted); ",
                rolling!()
            ),
        ),
    }
}

/// `s` for [`QUICK_TRIALS`] trials with `progressDeadlineSeconds` `deadline` and autoRollback
/// off. With autoRollback off the deadline is only a reported condition (see
/// [`super::progress`]): a trial's first ProgressDeadlineExceeded is where an autoRollback
/// would start its undo, and the trial goes on to show whether the rollout would finish.
fn reporting_only(s: &Scenario, cfg: &KubernetesStrategy, deadline: Time) -> Scenario {
    let mut q = quick(s);
    q.strategy = Strategy::Kubernetes(KubernetesStrategy {
        progress_deadline: Some(deadline),
        auto_rollback: false,
        ..cfg.clone()
    });
    q
}

/// Rule `k8s-deadline-below-p95`: simulated trials that exceed `progressDeadlineSeconds`.
/// (The id is older than this meaning — it once compared the deadline with the p95 of the
/// whole rollout's duration — and is kept for the scripts that match it.)
///
/// The deadline bounds a stretch without progress, not the rollout: kubernetes/kubernetes
/// `pkg/controller/deployment/progress.go` (`syncRolloutStatus`, `requeueStuckDeployment`)
/// and `util/deployment_util.go` (`DeploymentTimedOut`: the Progressing condition's
/// `lastUpdateTime` + deadline < now) restart the clock at every bit of progress, and a
/// paused Deployment does not count (`deployment_controller.go` `syncDeployment` runs
/// `sync`, without the progress check, while `spec.paused`; `sync.go`
/// `checkPausedConditions` restarts the clock at the resume with `DeploymentResumed`).
/// A long rollout with steady progress, or one paused for longer than the deadline,
/// never exceeds it. So the rule asks the simulated
/// controller, which keeps that condition, and tells apart the trials that exceed it and
/// then finish (the deadline is shorter than normal slow progress) from those that never
/// finish by the horizon (the rollout is stuck: the deadline reports what it should).
fn deadline_exceeded(
    cfg: &KubernetesStrategy,
    deadline: Time,
    s: &Scenario,
    out: &mut Vec<Warning>,
) {
    let q = reporting_only(s, cfg, deadline);
    let rows = run_trials(&q, 0..QUICK_TRIALS);
    // Finished: completed, or rolled back by a scripted `rollout undo` (autoRollback is
    // off here); anything else is still going at the horizon.
    let (slow, stuck): (Vec<&TrialResult>, Vec<&TrialResult>) = rows
        .iter()
        .filter(|r| r.deadline_exceeded_at.is_some())
        .partition(|r| matches!(r.outcome, Outcome::Completed | Outcome::RolledBack));
    if slow.is_empty() && stuck.is_empty() {
        return;
    }
    let mut what = Vec::new();
    let mut fix = Vec::new();
    if !slow.is_empty() {
        what.push(format!(
            "{} then finish (slow progress, not stuck: `kubectl rollout status` fails a rollout that completes)",
            slow.len()
        ));
        fix.push(match deadline_needed(&q, cfg, deadline, &slow) {
            Some(need) => format!(
                "raise progressDeadlineSeconds to at least {}, plus headroom: the longest stretch without progress in the trials that finish (the shortest deadline none of them exceeds, found by re-simulating them)",
                secs(need)
            ),
            None => format!(
                "raise progressDeadlineSeconds above {}, the longest of the rollouts that finish",
                secs(slow.iter().map(|r| r.duration).max().unwrap_or(0))
            ),
        });
    }
    if !stuck.is_empty() {
        what.push(format!(
            "{} have not finished at the horizon ({}): stuck, which is what the deadline is there to report",
            stuck.len(),
            secs(s.horizon)
        ));
        let keep = if slow.is_empty() {
            "keep the deadline".to_string()
        } else {
            format!("for the {} stuck trials", stuck.len())
        };
        fix.push(format!(
            "{keep}: a longer one only reports the stall later; find why new pods never become available: {}",
            stuck_clues(&stuck)
        ));
    }
    warn(
        out,
        "k8s-deadline-below-p95",
        format!(
            "strategy.kubernetes.progressDeadlineSeconds {} is exceeded in {} of {QUICK_TRIALS} simulated trials: {}",
            secs(deadline),
            slow.len() + stuck.len(),
            what.join("; ")
        ),
        fix.join("; "),
        "kubernetes/kubernetes pkg/controller/deployment/progress.go (syncRolloutStatus) and util/deployment_util.go (DeploymentTimedOut): when no progress (more updated, ready or available pods, fewer old ones) has been seen for progressDeadlineSeconds, paused time aside, the Progressing condition becomes ProgressDeadlineExceeded and `kubectl rollout status` exits non-zero; the rollout itself goes on",
    );
}

/// The shortest whole-second `progressDeadlineSeconds` that none of `slow` (trials of `q`
/// that exceeded `deadline` and then finished) exceeds: their longest stretch without
/// progress, to the second and to the controller's requeue.
///
/// With autoRollback off the deadline changes nothing in the rollout, so each trial's
/// stretches are the same whatever the deadline and exceeding it is monotone in it:
/// each trial is re-run alone and bisected between the deadline it exceeded and its
/// duration, which no stretch is longer than. Trials are taken longest first and one that
/// does not exceed the longest need so far costs a single run. `None` when a trial exceeds
/// even a deadline as long as its whole rollout, which the bisection's premise rules out.
fn deadline_needed(
    q: &Scenario,
    cfg: &KubernetesStrategy,
    deadline: Time,
    slow: &[&TrialResult],
) -> Option<Time> {
    let exceeds = |trial: u64, whole: u64| {
        let v = reporting_only(q, cfg, whole.saturating_mul(SECOND));
        run_trials(&v, trial..trial + 1)
            .iter()
            .any(|r| r.deadline_exceeded_at.is_some())
    };
    let mut by_duration = slow.to_vec();
    by_duration.sort_by_key(|r| std::cmp::Reverse(r.duration));
    // Whole seconds known to be exceeded (at most the deadline, which was).
    let exceeded = deadline / SECOND;
    let mut need = exceeded;
    for r in by_duration {
        if need > exceeded && !exceeds(r.trial, need) {
            continue;
        }
        let mut lo = need;
        let mut hi = r.duration.div_ceil(SECOND).max(lo + 1);
        if exceeds(r.trial, hi) {
            return None;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if exceeds(r.trial, mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        need = hi;
    }
    Some(need.saturating_mul(SECOND))
}

/// What the stuck trials' `trials.csv` columns say about why the new pods never became
/// available: the `pending_*` reasons and `restarts` seen, with how many trials saw each.
fn stuck_clues(stuck: &[&TrialResult]) -> String {
    let count = |f: &dyn Fn(&TrialResult) -> bool| stuck.iter().filter(|r| f(r)).count();
    let mut clues: Vec<String> = PendingReason::ALL
        .iter()
        .map(|&p| (p, count(&|r| r.pending.get(p) == Some(true))))
        .filter(|&(_, n)| n > 0)
        .map(|(p, n)| format!("pods Pending (pending_{}) in {n} of them", p.as_str()))
        .collect();
    let restarting = count(&|r| r.restarts > 0);
    if restarting > 0 {
        clues.push(format!(
            "containers restarting (restarts > 0, e.g. CrashLoopBackOff) in {restarting} of them"
        ));
    }
    if clues.is_empty() {
        "no pod was Pending or restarting: look at readiness and the new version's start-up (`rollout-sim run --trace`)".into()
    } else {
        clues.join(", ")
    }
}
