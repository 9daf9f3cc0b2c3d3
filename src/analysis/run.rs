//! One AnalysisRun: when each metric measures, what a measurement's phase is, the
//! counters, and the metric and run phases.
//!
//! A port of `argoproj/argo-rollouts@9f8d111` (v1.10.0-rc1-70):
//!
//! - scheduling: `analysis/analysis.go:generateMetricTasks` and
//!   `calculateNextReconcileTime` — the first measurement at `startedAt + initialDelay`,
//!   the next `interval` after the last one finished, 10 s after an Error
//!   (`DefaultErrorRetryInterval`), each counted from a time read back in whole seconds
//!   (below); none once the effective count is reached, the metric is complete or the
//!   run is terminating;
//! - one measurement's phase: `utils/evaluate/evaluate.go:EvaluateResult`;
//! - counters: `analysis/analysis.go:runMeasurements` (an Error does not count toward
//!   `count`);
//! - metric phase: `assessMetricStatus` and `assessMetricFailureInconclusiveOrError`;
//! - run phase: `assessRunStatus` with `utils/analysis/helpers.go:IsTerminating` and
//!   `analysisStatusOrder`.
//!
//! Times read back from the API are whole seconds. `startedAt` and a measurement's
//! `finishedAt` are `metav1.Time` fields of the run's status, stored in whole seconds
//! (`k8s.io/apimachinery` `pkg/apis/meta/v1/time.go` `MarshalJSON`: RFC 3339;
//! `time_proto.go`: `Seconds` only). The reconcile that writes them requeues the run from
//! its in-memory, full-precision copy (`calculateNextReconcileTime`), but the status update
//! enqueues the run again at once (the AnalysisRun informer's `UpdateFunc`,
//! `analysis/controller.go`), and that reconcile reads them back truncated and requeues
//! earlier; the work queue keeps the earlier of the two (`k8s.io/client-go`
//! `util/workqueue/delaying_queue.go`). `generateMetricTasks` compares with the stored
//! copy as well. So the first measurement after an `initialDelay` is due at the whole
//! second of `startedAt` plus the delay (never before the run started), and the next one
//! at the whole second of the last `finishedAt` plus `interval` (or the error retry) — or,
//! when that is not later than the last measurement (an interval shorter than the
//! truncated fraction, where upstream measures again as fast as it reconciles), `interval`
//! after it.
//!
//! Measurements take no simulated time (a query answers at once), so `finishedAt` is
//! the instant of the measurement. When a measurement breaches a limit, Argo's next
//! reconcile (triggered at once by the status update) finds the run terminating and
//! completes it; here that happens at the same instant.

use super::judge;
use super::spec::{AnalysisSpec, MetricSpec, Provider, Quantity, Role};
use super::taken::{RunName, Taken, WindowCounts};
use crate::scenario::VersionId;
use crate::sim::time::{SECOND, Time, api_stamp};
use crate::traffic::window::{Reporter, WindowStats};

/// `analysis/analysis.go:DefaultErrorRetryInterval`.
pub const ERROR_RETRY_INTERVAL: Time = 10 * SECOND;

/// Phase of a measurement, a metric or a run (`AnalysisPhase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Not measured yet.
    Pending,
    /// Measuring.
    Running,
    /// Passed.
    Successful,
    /// Neither passed nor failed: the rollout pauses.
    Inconclusive,
    /// The measurements could not be taken: the rollout aborts.
    Error,
    /// Failed: the rollout aborts.
    Failed,
}

impl Phase {
    /// Whether this phase is final (`AnalysisPhase.Completed`).
    pub fn completed(self) -> bool {
        !matches!(self, Phase::Pending | Phase::Running)
    }

    /// Position in `analysisStatusOrder`, best first.
    pub(crate) fn rank(self) -> u8 {
        match self {
            Phase::Successful => 0,
            Phase::Running => 1,
            Phase::Pending => 2,
            Phase::Inconclusive => 3,
            Phase::Error => 4,
            Phase::Failed => 5,
        }
    }

    /// A limit was breached: the run terminates (`IsTerminating`).
    pub(crate) fn breaches(self) -> bool {
        matches!(self, Phase::Failed | Phase::Error | Phase::Inconclusive)
    }

    /// The phase [`Phase::name`] names (as a trace record holds it).
    ///
    /// ```
    /// use rollout_sim::analysis::Phase;
    /// assert_eq!(Phase::named(Phase::Failed.name()), Some(Phase::Failed));
    /// assert_eq!(Phase::named("failed"), None);
    /// ```
    pub fn named(name: &str) -> Option<Phase> {
        [
            Phase::Pending,
            Phase::Running,
            Phase::Successful,
            Phase::Inconclusive,
            Phase::Error,
            Phase::Failed,
        ]
        .into_iter()
        .find(|p| p.name() == name)
    }

    /// The name Argo shows.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Pending => "Pending",
            Phase::Running => "Running",
            Phase::Successful => "Successful",
            Phase::Inconclusive => "Inconclusive",
            Phase::Error => "Error",
            Phase::Failed => "Failed",
        }
    }
}

/// Where measurements come from: the simulated traffic, or a test's table.
pub trait Measure {
    /// The requests of `role` in `[from, to)` as `reporter` counts them, and its pods at
    /// `to`.
    fn window(&mut self, role: Role, reporter: Reporter, from: Time, to: Time) -> WindowStats;
    /// How the served requests of that window fall into latency buckets: for each of
    /// `bounds_ms` (ascending) how many took at most that long, then all of them (the
    /// `+Inf` bucket), as a mesh proxy's histogram counts them.
    fn latency_buckets(&mut self, role: Role, from: Time, to: Time, bounds_ms: &[f64]) -> Vec<u64>;
    /// Read other pods for the roles from now on: `(version, desired pods)` of the canary
    /// role and of the stable role (an Argo Rollouts experiment's templates). A source
    /// that reads no versions (a test's script) has nothing to rebind.
    fn bind(&mut self, canary: (VersionId, u32), stable: (VersionId, u32)) {
        let _ = (canary, stable);
    }
    /// A measurement was taken: a source that keeps a trace records it, others (a
    /// test's script) let it pass.
    fn note(&mut self, taken: Taken<'_>) {
        let _ = taken;
    }
}

/// One completed measurement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// When it was taken (`finishedAt`).
    pub at: Time,
    /// Its phase.
    pub phase: Phase,
    /// The measured value (the judge's score for a `judge` metric); NaN for an Error.
    pub value: f64,
}

/// A metric's counters and phase (`MetricResult`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricStatus {
    /// Current phase.
    pub phase: Phase,
    /// Counted measurements (all but errors).
    pub count: u32,
    /// Successful measurements.
    pub successful: u32,
    /// Failed measurements.
    pub failed: u32,
    /// Inconclusive measurements.
    pub inconclusive: u32,
    /// Error measurements.
    pub error: u32,
    /// Errors in a row.
    pub consecutive_error: u32,
    /// Successes in a row.
    pub consecutive_success: u32,
    /// The last measurement.
    pub last: Option<Measurement>,
}

impl MetricStatus {
    fn new() -> MetricStatus {
        MetricStatus {
            phase: Phase::Pending,
            count: 0,
            successful: 0,
            failed: 0,
            inconclusive: 0,
            error: 0,
            consecutive_error: 0,
            consecutive_success: 0,
            last: None,
        }
    }

    /// Counts a measurement (`runMeasurements`).
    fn record(&mut self, m: Measurement) {
        match m.phase {
            Phase::Successful => {
                self.successful += 1;
                self.count += 1;
                self.consecutive_error = 0;
                self.consecutive_success += 1;
            }
            Phase::Failed | Phase::Inconclusive => {
                if m.phase == Phase::Failed {
                    self.failed += 1;
                } else {
                    self.inconclusive += 1;
                }
                self.count += 1;
                self.consecutive_error = 0;
                self.consecutive_success = 0;
            }
            _ => {
                self.error += 1;
                self.consecutive_error += 1;
                self.consecutive_success = 0;
            }
        }
        self.last = Some(m);
    }
}

/// One AnalysisRun of an [`AnalysisSpec`].
#[derive(Debug, Clone)]
pub struct AnalysisRun<'s> {
    spec: &'s AnalysisSpec,
    name: RunName<'s>,
    started_at: Time,
    metrics: Vec<MetricStatus>,
    phase: Phase,
    terminate: bool,
}

impl<'s> AnalysisRun<'s> {
    /// A run of `spec`, the rollout's `name` for it, created (and first reconciled) at
    /// `started_at`.
    pub fn new(spec: &'s AnalysisSpec, name: RunName<'s>, started_at: Time) -> AnalysisRun<'s> {
        AnalysisRun {
            spec,
            name,
            started_at,
            metrics: vec![MetricStatus::new(); spec.metrics.len()],
            phase: Phase::Running,
            terminate: false,
        }
    }

    /// The run's phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// When the run was started.
    pub fn started_at(&self) -> Time {
        self.started_at
    }

    /// Each metric's status, in spec order.
    pub fn metrics(&self) -> &[MetricStatus] {
        &self.metrics
    }

    /// The spec this run measures.
    pub fn spec(&self) -> &'s AnalysisSpec {
        self.spec
    }

    /// The earliest instant a measurement is due; `None` once the run is complete or
    /// nothing more will be measured (`calculateNextReconcileTime`).
    pub fn next_due(&self) -> Option<Time> {
        if self.phase.completed() {
            return None;
        }
        (0..self.metrics.len()).filter_map(|i| self.due(i)).min()
    }

    fn due(&self, i: usize) -> Option<Time> {
        let (spec, st) = (&self.spec.metrics[i], &self.metrics[i]);
        if st.phase.completed() || self.terminating() {
            return None;
        }
        let Some(last) = st.last else {
            let delayed = api_stamp(self.started_at).saturating_add(spec.initial_delay);
            return Some(delayed.max(self.started_at));
        };
        if spec.effective_count().is_some_and(|n| st.count >= n) {
            return None;
        }
        let wait = if last.phase == Phase::Error {
            ERROR_RETRY_INTERVAL
        } else {
            spec.interval?
        };
        let stamped = api_stamp(last.at).saturating_add(wait);
        Some(if stamped > last.at {
            stamped
        } else {
            last.at.saturating_add(wait)
        })
    }

    /// Takes every measurement due by `now` (at most one per metric, at `now`), then
    /// assesses the metrics and the run. Returns the run's phase.
    pub fn measure(&mut self, now: Time, source: &mut dyn Measure) -> Phase {
        if self.phase.completed() {
            return self.phase;
        }
        for i in 0..self.metrics.len() {
            if self.due(i).is_some_and(|t| t <= now) {
                let metric = &self.spec.metrics[i];
                let (m, window) = take(metric, now, source);
                self.metrics[i].record(m);
                source.note(Taken {
                    run: self.name,
                    metric: &metric.name,
                    measurement: m,
                    window,
                    dry_run: self.spec.is_dry_run(i),
                });
            }
        }
        self.assess();
        self.phase
    }

    /// The rollout terminates the run (`spec.terminate`: promotion, abort, a newer
    /// step): Successful unless a limit was already breached.
    pub fn terminate(&mut self) -> Phase {
        if !self.phase.completed() {
            self.terminate = true;
            self.assess();
        }
        self.phase
    }

    /// `IsTerminating`: told to, or a metric not in dry-run mode breached a limit.
    fn terminating(&self) -> bool {
        self.terminate
            || self
                .metrics
                .iter()
                .enumerate()
                .any(|(i, m)| m.phase.breaches() && !self.spec.is_dry_run(i))
    }

    /// Whether a dry-run metric ended Failed or Error: the run would have been, and
    /// the rollout aborted, had it not been in dry-run mode.
    pub fn dry_run_failed(&self) -> bool {
        self.metrics.iter().enumerate().any(|(i, m)| {
            self.spec.is_dry_run(i) && matches!(m.phase, Phase::Failed | Phase::Error)
        })
    }

    /// `assessRunStatus`, repeated once at the same instant when a metric has just
    /// breached (Argo's immediate re-reconcile of a run that became terminating).
    fn assess(&mut self) {
        let mut terminating = self.terminating();
        loop {
            for (spec, st) in self.spec.metrics.iter().zip(&mut self.metrics) {
                st.phase = assess_metric(spec, st, terminating);
            }
            if !terminating && self.terminating() {
                terminating = true;
                continue;
            }
            break;
        }
        // A dry-run metric's phase is left out of the worst; one completed makes an
        // otherwise empty worst Successful (`assessRunStatus`), and every metric, dry-run
        // or not, must complete for the run to.
        let worst = self
            .metrics
            .iter()
            .enumerate()
            .filter(|&(i, m)| m.phase.completed() && !self.spec.is_dry_run(i))
            .map(|(_, m)| m.phase)
            .max_by_key(|p| p.rank())
            .or_else(|| {
                let dry_done = (0..self.metrics.len())
                    .any(|i| self.spec.is_dry_run(i) && self.metrics[i].phase.completed());
                dry_done.then_some(Phase::Successful)
            });
        let all_done = self.metrics.iter().all(|m| m.phase.completed());
        self.phase = match (terminating, worst) {
            (true, None) => Phase::Successful,
            (true, Some(w)) => w,
            (false, Some(w)) if all_done => w,
            _ => Phase::Running,
        };
    }
}

/// `assessMetricStatus` for a metric whose last measurement has completed.
fn assess_metric(spec: &MetricSpec, st: &MetricStatus, terminating: bool) -> Phase {
    if st.phase.completed() {
        return st.phase;
    }
    if st.last.is_none() {
        return if terminating {
            Phase::Successful
        } else {
            Phase::Pending
        };
    }
    if let Some(p) = breach(spec, st) {
        return p;
    }
    let csl = spec.consecutive_success_limit;
    if csl > 0 && st.consecutive_success >= csl {
        return Phase::Successful;
    }
    if spec.effective_count().is_some_and(|n| st.count >= n) {
        let failure_applicable = spec.failure_limit >= 0;
        return match (failure_applicable, csl > 0) {
            (true, true) => Phase::Inconclusive,
            (false, true) => Phase::Failed,
            _ => Phase::Successful,
        };
    }
    if terminating {
        Phase::Successful
    } else {
        Phase::Running
    }
}

/// `assessMetricFailureInconclusiveOrError`: a later check overrides an earlier one.
fn breach(spec: &MetricSpec, st: &MetricStatus) -> Option<Phase> {
    let mut phase = None;
    if spec.failure_limit >= 0 && i64::from(st.failed) > spec.failure_limit {
        phase = Some(Phase::Failed);
    }
    if st.inconclusive > spec.inconclusive_limit {
        phase = Some(Phase::Inconclusive);
    }
    if st.consecutive_error > spec.consecutive_error_limit {
        phase = Some(Phase::Error);
    }
    phase
}

/// One measurement of `spec` at `now`, and the requests of the window it read (none for
/// a ready ratio, which reads pods, or a judge, which reads many windows).
fn take(
    spec: &MetricSpec,
    now: Time,
    source: &mut dyn Measure,
) -> (Measurement, Option<WindowCounts>) {
    let (phase, value, window) = match &spec.provider {
        Provider::Measured(m) => {
            let stats = source.window(m.of, m.reporter, now.saturating_sub(m.window), now);
            let window = (m.quantity != Quantity::ReadyRatio).then(|| WindowCounts::of(&stats));
            match m.quantity.of(&stats) {
                Some(v) => (evaluate(spec, v), v, window),
                // No requests (or no pods wanted): like an empty Prometheus result.
                None => (Phase::Error, f64::NAN, window),
            }
        }
        Provider::Judge(j) => {
            let verdict = judge::judge(j, now, source);
            (verdict.phase(j), verdict.score, None)
        }
    };
    let m = Measurement {
        at: now,
        phase,
        value,
    };
    (m, window)
}

/// `EvaluateResult`: the phase of one measured value.
pub fn evaluate(spec: &MetricSpec, result: f64) -> Phase {
    let success = spec.success.as_ref().map(|c| c.eval(result));
    let failure = spec.failure.as_ref().map(|c| c.eval(result));
    let (success, failure) = match (success, failure) {
        (None, None) => return Phase::Successful,
        (Some(s), None) => (s, !s),
        (None, Some(f)) => (!f, f),
        (Some(s), Some(f)) => (s, f),
    };
    if failure {
        Phase::Failed
    } else if success {
        Phase::Successful
    } else {
        Phase::Inconclusive
    }
}

#[cfg(test)]
#[path = "run_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "run_assess_tests.rs"]
mod assess_tests;

#[cfg(test)]
#[path = "run_dry_run_tests.rs"]
mod dry_run_tests;

#[cfg(test)]
#[path = "run_note_tests.rs"]
mod note_tests;
