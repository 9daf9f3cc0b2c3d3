//! An AnalysisRun driven through its measurements against the phase rules of
//! `argoproj/argo-rollouts@9f8d111` (v1.10.0-rc1-70): when it measures, how it retries an
//! error, how a breach ends it and which phase it takes, each test citing the upstream test
//! or function it reproduces. The scripted provider and the metric builders its sibling
//! test modules share are here.

use super::*;
use crate::analysis::condition::Condition;
use crate::analysis::spec::{Measured, Quantity};
use crate::analysis::taken::WindowCounts;
use std::collections::VecDeque;

pub(super) const S: Time = SECOND;

/// A provider answering from a script: `Some(rate)` is a window of 1000 requests with
/// that error rate, `None` an empty window. Records the windows asked for.
#[derive(Default)]
pub(super) struct Script {
    rates: VecDeque<Option<f64>>,
    asked: Vec<(Role, Time, Time)>,
    /// The measurements noted for the trace: (run, metric, measurement, window, dry run).
    pub(super) noted: Vec<(String, String, Measurement, Option<WindowCounts>, bool)>,
}

impl Script {
    pub(super) fn new(rates: &[Option<f64>]) -> Script {
        Script {
            rates: rates.iter().copied().collect(),
            asked: Vec::new(),
            noted: Vec::new(),
        }
    }
}

impl Measure for Script {
    fn window(&mut self, role: Role, _reporter: Reporter, from: Time, to: Time) -> WindowStats {
        self.asked.push((role, from, to));
        let mut w = WindowStats::empty(from, to);
        if let Some(rate) = self.rates.pop_front().expect("script exhausted") {
            w.requests = 1000;
            w.failed = (rate * 1000.0).round() as u64;
        }
        w
    }

    fn latency_buckets(&mut self, _: Role, _: Time, _: Time, _: &[f64]) -> Vec<u64> {
        unreachable!("Argo Rollouts' analysis reads no latency buckets")
    }

    fn note(&mut self, taken: Taken<'_>) {
        let run = format!("{:?}", taken.run);
        let t = (
            run,
            taken.metric.to_owned(),
            taken.measurement,
            taken.window,
            taken.dry_run,
        );
        self.noted.push(t);
    }
}

/// An error-rate metric with `successCondition: result < 0.05` (so a measurement fails
/// at ≥ 5 %), plus the fields `f` sets.
pub(super) fn metric(f: impl FnOnce(&mut MetricSpec)) -> MetricSpec {
    let mut m = MetricSpec {
        name: "error-rate".into(),
        interval: Some(60 * S),
        count: 0,
        initial_delay: 0,
        success: Some(Condition::parse("result < 0.05").unwrap()),
        failure: None,
        failure_limit: 0,
        inconclusive_limit: 0,
        consecutive_error_limit: 4,
        consecutive_success_limit: 0,
        provider: Provider::Measured(Measured {
            quantity: Quantity::ErrorRate,
            of: Role::Canary,
            window: 60 * S,
            reporter: Reporter::Source,
        }),
    };
    f(&mut m);
    m
}

pub(super) fn spec(metrics: Vec<MetricSpec>) -> AnalysisSpec {
    AnalysisSpec {
        metrics,
        dry_run: Vec::new(),
    }
}

/// Runs `run` through every due measurement up to `until`; returns the phase and the
/// measurement instants.
pub(super) fn drive(run: &mut AnalysisRun, src: &mut Script, until: Time) -> (Phase, Vec<Time>) {
    let mut at = Vec::new();
    while let Some(t) = run.next_due() {
        if t > until {
            break;
        }
        at.push(t);
        run.measure(t, src);
    }
    (run.phase(), at)
}

pub(super) const OK: Option<f64> = Some(0.0);
pub(super) const BAD: Option<f64> = Some(0.5);
pub(super) const EMPTY: Option<f64> = None;

/// Default failureLimit 0: the first failed measurement fails the metric and the run
/// (`assessMetricFailureInconclusiveOrError`: `failed > failureLimit`).
#[test]
fn the_first_failure_fails_by_default() {
    let s = spec(vec![metric(|_| {})]);
    let mut run = AnalysisRun::new(&s, RunName::Background, 0);
    let mut src = Script::new(&[OK, OK, BAD]);
    let (phase, at) = drive(&mut run, &mut src, 3600 * S);
    assert_eq!(phase, Phase::Failed);
    assert_eq!(at, [0, 60 * S, 120 * S]);
    assert_eq!(run.next_due(), None);
}

/// The docs example `interval: 5m, failureLimit: 3` fails on the 4th failed
/// measurement, 15 minutes after the first.
#[test]
fn failure_limit_three_fails_on_the_fourth() {
    let s = spec(vec![metric(|m| {
        m.interval = Some(300 * S);
        m.failure_limit = 3;
    })]);
    let mut run = AnalysisRun::new(&s, RunName::Background, 0);
    let mut src = Script::new(&[BAD; 4]);
    let (phase, at) = drive(&mut run, &mut src, 3600 * S);
    assert_eq!(phase, Phase::Failed);
    assert_eq!(at.last(), Some(&(900 * S)));
    assert_eq!(run.metrics()[0].failed, 4);
}

/// `generateMetricTasks` / `calculateNextReconcileTime`: the first measurement waits
/// for `initialDelay`; errors retry after 10 s whatever the interval and do not count;
/// the 5th consecutive error ends the metric in Error (`TestCalculateNextReconcileUponError`,
/// `TestGenerateMetricTasksError`).
#[test]
fn initial_delay_and_error_retries() {
    let s = spec(vec![metric(|m| {
        m.initial_delay = 30 * S;
        m.count = 2;
    })]);
    let mut run = AnalysisRun::new(&s, RunName::Background, 100 * S);
    assert_eq!(run.next_due(), Some(130 * S));
    // Nothing is due before then.
    let mut src = Script::new(&[EMPTY, EMPTY, OK, EMPTY, EMPTY, EMPTY, EMPTY, EMPTY]);
    assert_eq!(run.measure(120 * S, &mut src), Phase::Running);
    assert!(src.asked.is_empty());
    let (phase, at) = drive(&mut run, &mut src, 3600 * S);
    // 130 error, 140 error, 150 ok (count 1), 210 error, 220, 230, 240, 250: 5th error.
    assert_eq!(at, [130, 140, 150, 210, 220, 230, 240, 250].map(|t| t * S));
    assert_eq!(phase, Phase::Error);
    let st = run.metrics()[0];
    assert_eq!((st.count, st.error, st.consecutive_error), (1, 7, 5));
    // The measurement covers [t − window, t).
    assert_eq!(src.asked[0], (Role::Canary, 70 * S, 130 * S));
}

/// A metric without interval or count measures once (`EffectiveCount` = 1,
/// `TestGenerateMetricTasksNoIntervalOrCount`); an error is retried until it counts.
#[test]
fn a_single_measurement_retries_its_errors() {
    let s = spec(vec![metric(|m| m.interval = None)]);
    let mut run = AnalysisRun::new(&s, RunName::Background, 0);
    let mut src = Script::new(&[EMPTY, OK]);
    let (phase, at) = drive(&mut run, &mut src, 3600 * S);
    assert_eq!((phase, at), (Phase::Successful, vec![0, 10 * S]));
}

/// `TestReconcileAnalysisRunTerminateSiblingAfterFail`: when one metric breaches, the
/// run terminates; an indefinite sibling ends Successful and the run takes the breach's
/// phase — Failed, Inconclusive or Error — at the same instant.
#[test]
fn a_breach_terminates_the_siblings() {
    let cond = |s: &str| Some(Condition::parse(s).unwrap());
    for (script, want) in [(BAD, Phase::Failed), (Some(0.07), Phase::Inconclusive)] {
        let s = spec(vec![
            metric(|m| m.name = "indefinite".into()),
            metric(|m| {
                m.name = "strict".into();
                m.success = cond("result < 0.05");
                m.failure = cond("result > 0.1");
            }),
        ]);
        let mut run = AnalysisRun::new(&s, RunName::Background, 0);
        let mut src = Script::new(&[OK, script]);
        assert_eq!(run.measure(0, &mut src), want);
        assert_eq!(run.metrics()[0].phase, Phase::Successful);
        assert_eq!(run.metrics()[1].phase, want);
        assert_eq!(run.next_due(), None);
    }
}

/// `analysisStatusOrder`: the run takes the worst completed metric's phase (Failed over
/// Error over Inconclusive over Successful); Running while any metric is incomplete.
#[test]
fn the_run_takes_the_worst_phase() {
    let s = spec(vec![
        metric(|m| {
            m.name = "once".into();
            m.interval = None;
        }),
        metric(|m| {
            m.name = "thrice".into();
            m.count = 3;
        }),
    ]);
    let mut run = AnalysisRun::new(&s, RunName::Background, 0);
    let mut src = Script::new(&[OK, OK, OK, OK]);
    assert_eq!(run.measure(0, &mut src), Phase::Running);
    assert_eq!(run.metrics()[0].phase, Phase::Successful);
    let (phase, at) = drive(&mut run, &mut src, 3600 * S);
    assert_eq!((phase, at), (Phase::Successful, vec![60 * S, 120 * S]));
    let ranks: Vec<Phase> = [
        Phase::Successful,
        Phase::Running,
        Phase::Pending,
        Phase::Inconclusive,
        Phase::Error,
        Phase::Failed,
    ]
    .to_vec();
    assert!(ranks.windows(2).all(|w| w[0].rank() < w[1].rank()));
}

/// `spec.terminate` with no breach ⇒ Successful ("Run Terminated"), even before any
/// measurement; after a breach the breach stands.
#[test]
fn terminate() {
    let s = spec(vec![metric(|_| {})]);
    let mut run = AnalysisRun::new(&s, RunName::Background, 0);
    assert_eq!(run.terminate(), Phase::Successful);
    let mut run = AnalysisRun::new(&s, RunName::Background, 0);
    let mut src = Script::new(&[OK, OK]);
    drive(&mut run, &mut src, 60 * S);
    assert_eq!(run.phase(), Phase::Running);
    assert_eq!(run.terminate(), Phase::Successful);
    assert_eq!(run.next_due(), None);
    let mut run = AnalysisRun::new(&s, RunName::Background, 0);
    let mut src = Script::new(&[BAD]);
    run.measure(0, &mut src);
    assert_eq!(run.terminate(), Phase::Failed);
}

/// An empty window is an Error measurement, never a pass.
#[test]
fn an_empty_window_is_an_error_measurement() {
    let s = spec(vec![metric(|m| m.interval = None)]);
    let mut run = AnalysisRun::new(&s, RunName::Background, 0);
    let mut src = Script::new(&[EMPTY]);
    run.measure(0, &mut src);
    let st = run.metrics()[0];
    assert_eq!(st.last.unwrap().phase, Phase::Error);
    assert!(st.last.unwrap().value.is_nan());
    assert_eq!((st.successful, st.count), (0, 0));
}

/// `generateMetricTasks` and `calculateNextReconcileTime` compare with `startedAt` and the
/// last `finishedAt` as read back from the run's status, in whole seconds (`metav1.Time`,
/// `k8s.io/apimachinery` `pkg/apis/meta/v1/time.go`): a run started at 12.4 s with a 30 s
/// `initialDelay` measures at 42 s, then every 60 s from the whole second of the last
/// measurement, and retries an Error 10 s after its whole second.
#[test]
fn delays_count_from_the_whole_second_read_back() {
    const T0: Time = 12_400_000;
    let s = spec(vec![metric(|m| m.initial_delay = 30 * S)]);
    let mut run = AnalysisRun::new(&s, RunName::Background, T0);
    assert_eq!(run.next_due(), Some(42 * S));
    let mut src = Script::new(&[OK]);
    run.measure(42 * S, &mut src);
    assert_eq!(run.next_due(), Some(102 * S));
    // Without a delay the first measurement is at the start, not before it.
    let s = spec(vec![metric(|_| {})]);
    let mut run = AnalysisRun::new(&s, RunName::Background, T0);
    assert_eq!(run.next_due(), Some(T0));
    let mut src = Script::new(&[OK, EMPTY]);
    run.measure(T0, &mut src);
    assert_eq!(run.next_due(), Some(72 * S));
    // An Error at 72.3 s is retried at 82 s.
    run.measure(72 * S + 300_000, &mut src);
    assert_eq!(run.metrics()[0].error, 1);
    assert_eq!(run.next_due(), Some(82 * S));
}

/// An interval shorter than the fraction the stored `finishedAt` loses would be due at
/// once (upstream measures again as fast as it reconciles); the next measurement is then
/// an interval after the last, so a run never measures twice in one instant.
#[test]
fn a_sub_second_interval_never_measures_twice_at_once() {
    let s = spec(vec![metric(|m| m.interval = Some(500_000))]);
    let mut run = AnalysisRun::new(&s, RunName::Background, 12_700_000);
    let mut src = Script::new(&[OK; 3]);
    let (_, at) = drive(&mut run, &mut src, 13_900_000);
    // 12.7 (stamped 12 + 0.5 is past: 12.7 + 0.5), 13.2, then 13 + 0.5.
    assert_eq!(at, [12_700_000, 13_200_000, 13_500_000]);
}
