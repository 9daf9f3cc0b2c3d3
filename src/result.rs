//! What one trial produces: its outcome and the metrics of `trials.csv`. A leaf module:
//! experiment, trial, traffic and output all read it, and it reads nothing of theirs.

use crate::scenario::{CURRENT, Dist, NEXT, Scenario};
use crate::sim::time::Time;

/// How a trial's rollout ended (the `outcome` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The rollout finished (Swarm: `update completed`; Kubernetes: Deployment complete).
    Completed,
    /// It was rolled back and the rollback finished.
    RolledBack,
    /// It stopped and waits for a human, with no timer to end the wait: Swarm PAUSED /
    /// ROLLBACK_PAUSED, a failed `undo --to-revision`, Flagger's failed promotion, or at
    /// the horizon a Deployment still `spec.paused` or an Argo Rollout whose pause needs a
    /// `promote` (argo-rollouts `rollout/pause.go:requiresManualAction`).
    Paused,
    /// Kubernetes, Argo Rollouts: never completed and the progress deadline was exceeded.
    DeadlineExceeded,
    /// Still going at the scenario's `horizon`, or stopped by its event budget.
    Timeout,
}

impl Outcome {
    /// Every outcome, in the order reports list them.
    pub const ALL: [Outcome; 5] = [
        Outcome::Completed,
        Outcome::RolledBack,
        Outcome::Paused,
        Outcome::DeadlineExceeded,
        Outcome::Timeout,
    ];

    /// The contract's name (`completed`, `rolled_back`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Completed => "completed",
            Outcome::RolledBack => "rolled_back",
            Outcome::Paused => "paused",
            Outcome::DeadlineExceeded => "deadline_exceeded",
            Outcome::Timeout => "timeout",
        }
    }

    /// Inverse of [`Outcome::as_str`].
    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == s)
    }
}

/// Request metrics of one trial, present when the scenario has `traffic`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TrafficResult {
    /// Requests sent.
    pub requests: u64,
    /// Requests not served successfully (refused + timed out + errored + dropped).
    pub failed_requests: u64,
    /// 99th percentile latency of served requests, in milliseconds.
    pub p99_latency_ms: f64,
    /// Requests failed by a version's own misbehaviour (the blast radius): answered with
    /// an error (`error_rate`), timed out on a hung process, or refused by a container that
    /// died on its own while still in the balancer's rotation. Always part of
    /// `failed_requests`; 0 when no version errs, hangs or dies in rotation (`current`'s
    /// errors count too).
    pub bad_version_requests: u64,
    /// Refused or reset: endpoint not listening (yet or any more), or none in rotation.
    pub refused_requests: u64,
    /// Sent to a hung endpoint and timed out.
    pub timed_out_requests: u64,
    /// Answered with an error (`error_rate`).
    pub errored_requests: u64,
    /// Dropped by a full endpoint queue (503).
    pub dropped_requests: u64,
    /// Median latency of served requests, in milliseconds.
    pub p50_latency_ms: f64,
    /// Requests sent to the `next` version.
    pub next_requests: u64,
    /// Time spent in SLO windows whose availability was below target (with `traffic.slo`).
    pub slo_violation: Option<Time>,
    /// 95th percentile latency of served requests, in milliseconds.
    pub p95_latency_ms: f64,
    /// The part of `bad_version_requests` that is the release's (`next`'s) own: the
    /// requests its tasks received and failed by its misbehaviour, by the same rules.
    /// Always set by the simulator; `None` only when read back from a `trials.csv`
    /// written before the column existed (not known, so never made up as 0).
    pub bad_release_requests: Option<u64>,
}

/// One row of `trials.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrialResult {
    /// Trial index (global, also under sharding).
    pub trial: u64,
    /// Scenario seed the trial's streams are keyed by.
    pub seed: u64,
    /// How the rollout ended.
    pub outcome: Outcome,
    /// From the rollout's start to its outcome (to the horizon for `timeout`).
    pub duration: Time,
    /// Fewest tasks serving at any instant of the rollout.
    pub min_ready: u32,
    /// Fewest tasks available (Kubernetes: ready for `minReadySeconds`; Swarm: = ready).
    pub min_available: u32,
    /// Most tasks holding node resources at once (terminating ones too).
    pub peak_tasks: u32,
    /// Most cpu requested at once, in millicores.
    pub peak_cpu_millis: u64,
    /// Most memory requested at once, in bytes.
    pub peak_memory_bytes: u64,
    /// Request metrics, when modelled.
    pub traffic: Option<TrafficResult>,
    /// Container restarts of any version (Swarm: replacement tasks).
    pub restarts: u32,
    /// Task failures the updater counted against `max_failure_ratio` (Swarm); meaningful
    /// only when [`TrialResult::update_failures_modelled`].
    pub update_failures: u32,
    /// Kubernetes: when the progress deadline was first exceeded, if it was.
    pub deadline_exceeded_at: Option<Time>,
    /// Engine events processed (for performance figures).
    pub events: u64,
    /// Whether the strategy counts update failures (Swarm's `max_failure_ratio`);
    /// Kubernetes has no such count, so its `update_failures` cell is empty.
    pub update_failures_modelled: bool,
    /// Most tasks with a started container at once (starting, running, ready, terminating,
    /// or in Kubernetes back-off): the room the rollout ran in, as opposed to
    /// `peak_tasks`, which also counts tasks placed and still pulling or held back.
    pub peak_running_tasks: u32,
    /// The trial did more work than its event budget ([`crate::trial::event_budget`]) and
    /// was stopped there, as `timeout`: a warning, counted in the summary.
    pub event_budget_exceeded: bool,
    /// Why tasks stayed Pending during the trial, if any did (`pending_*` columns).
    pub pending: crate::cluster::placer::PendingReasons,
    /// The progressive-delivery verdict (Argo Rollouts and Flagger strategies only).
    pub verdict: Option<Verdict>,
    /// The node drains (`faults.node_drains`), if the scenario has any.
    pub drains: Option<crate::cluster::node_drain::DrainResult>,
    /// Nodes the cluster autoscaler asked for from the rollout's start until its outcome;
    /// `None` without `cluster.autoscaler`.
    pub nodes_added: Option<u32>,
}

/// Whether a progressive rollout stopped its release, and whether it should have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// The new version is bad: its `error_rate` is above the current version's, or it
    /// crashes, hangs or never gets ready (`crash_probability` > 0, `crash_after` or
    /// `hang_after` not `never`, `ready_after: never`).
    pub bad: bool,
    /// The rollout aborted on its own (analysis, progress deadline).
    pub aborted: bool,
    /// For a bad version that was aborted: from the rollout's start to the abort.
    pub time_to_detect: Option<Time>,
    /// A metric in dry-run mode (Argo Rollouts' `dryRun`) ended Failed or Error: it would
    /// have aborted the rollout. `None`: no metric is in dry-run mode.
    pub dry_run_failed: Option<bool>,
}

impl Verdict {
    /// The verdict of a trial of `s` whose rollout aborted at `aborted_at` (if it did),
    /// and whose dry-run metrics failed or not (`None`: it has none).
    pub fn new(s: &Scenario, aborted_at: Option<Time>, dry_run_failed: Option<bool>) -> Verdict {
        let bad = match (
            s.service.versions.get(CURRENT as usize),
            s.service.versions.get(NEXT as usize),
        ) {
            (Some(cur), Some(next)) => {
                next.error_rate > cur.error_rate
                    || next.crash_probability > 0.0
                    || !matches!(next.crash_after, Dist::Never)
                    || !matches!(next.hang_after, Dist::Never)
                    || matches!(next.ready_after, Dist::Never)
            }
            _ => false,
        };
        Verdict {
            bad,
            aborted: aborted_at.is_some(),
            time_to_detect: aborted_at.filter(|_| bad),
            dry_run_failed,
        }
    }
}

impl TrialResult {
    /// `1 − failed/requests`, when traffic is modelled and any request was sent: computed
    /// as `(requests − failed) / requests`, one rounding (counts below 2⁵³ and their
    /// difference are exact in an f64), so 7 failed of 100 is `0.93` (`1 − 0.07` is
    /// `0.9299999999999999`).
    pub fn availability(&self) -> Option<f64> {
        self.traffic.filter(|t| t.requests > 0).map(|t| {
            let (requests, failed) = (t.requests as f64, t.failed_requests as f64);
            (requests - failed) / requests
        })
    }
}
