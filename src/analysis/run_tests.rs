//! The phase rules of `argoproj/argo-rollouts@9f8d111` (v1.10.0-rc1-70), each test citing
//! the upstream test or function it reproduces.

use super::*;
use crate::analysis::condition::Condition;
use crate::analysis::spec::{Measured, Quantity};
use crate::analysis::taken::WindowCounts;
use std::collections::VecDeque;

const S: Time = SECOND;

/// A provider answering from a script: `Some(rate)` is a window of 1000 requests with
/// that error rate, `None` an empty window. Records the windows asked for.
#[derive(Default)]
struct Script {
    rates: VecDeque<Option<f64>>,
    asked: Vec<(Role, Time, Time)>,
    /// The measurements noted for the trace: (run, metric, measurement, window, dry run).
    noted: Vec<(String, String, Measurement, Option<WindowCounts>, bool)>,
}

impl Script {
    fn new(rates: &[Option<f64>]) -> Script {
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
fn metric(f: impl FnOnce(&mut MetricSpec)) -> MetricSpec {
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

fn spec(metrics: Vec<MetricSpec>) -> AnalysisSpec {
    AnalysisSpec {
        metrics,
        dry_run: Vec::new(),
    }
}

/// Runs `run` through every due measurement up to `until`; returns the phase and the
/// measurement instants.
fn drive(run: &mut AnalysisRun, src: &mut Script, until: Time) -> (Phase, Vec<Time>) {
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

const OK: Option<f64> = Some(0.0);
const BAD: Option<f64> = Some(0.5);
const EMPTY: Option<f64> = None;

/// `utils/evaluate/evaluate.go:EvaluateResult` (and `evaluate_test.go`): no condition
/// ⇒ Successful; success only ⇒ Failed when false; failure only ⇒ Successful when false;
/// both ⇒ failure wins, neither true ⇒ Inconclusive.
#[test]
fn evaluate_result_table() {
    let cond = |s: &str| Some(Condition::parse(s).unwrap());
    let none = metric(|m| m.success = None);
    assert_eq!(evaluate(&none, 123.0), Phase::Successful);
    let success = metric(|m| m.success = cond("result > 1"));
    assert_eq!(evaluate(&success, 2.0), Phase::Successful);
    assert_eq!(evaluate(&success, 0.0), Phase::Failed);
    let failure = metric(|m| {
        m.success = None;
        m.failure = cond("result > 1");
    });
    assert_eq!(evaluate(&failure, 2.0), Phase::Failed);
    assert_eq!(evaluate(&failure, 0.0), Phase::Successful);
    let both = metric(|m| {
        m.success = cond("result < 1");
        m.failure = cond("result > 0.5");
    });
    assert_eq!(evaluate(&both, 0.7), Phase::Failed, "failure wins");
    assert_eq!(evaluate(&both, 0.2), Phase::Successful);
    let gap = metric(|m| {
        m.success = cond("result < 1");
        m.failure = cond("result > 2");
    });
    assert_eq!(evaluate(&gap, 1.5), Phase::Inconclusive);
}

fn status(f: impl FnOnce(&mut MetricStatus)) -> MetricStatus {
    let mut s = MetricStatus::new();
    s.phase = Phase::Running;
    s.last = Some(Measurement {
        at: 0,
        phase: Phase::Successful,
        value: 0.0,
    });
    f(&mut s);
    s
}

/// `analysis_test.go:TestAssessMetricStatusFailureLimit`: failureLimit 2 with 3 failures
/// ⇒ Failed; failureLimit 3 ⇒ Running, Successful when terminating.
#[test]
fn failure_limit() {
    let st = status(|s| {
        s.failed = 3;
        s.count = 3;
    });
    let two = metric(|m| m.failure_limit = 2);
    assert_eq!(assess_metric(&two, &st, false), Phase::Failed);
    assert_eq!(assess_metric(&two, &st, true), Phase::Failed);
    let three = metric(|m| m.failure_limit = 3);
    assert_eq!(assess_metric(&three, &st, false), Phase::Running);
    assert_eq!(assess_metric(&three, &st, true), Phase::Successful);
}

/// `TestAssessMetricStatusInconclusiveLimit`.
#[test]
fn inconclusive_limit() {
    let st = status(|s| {
        s.inconclusive = 3;
        s.count = 3;
    });
    let two = metric(|m| m.inconclusive_limit = 2);
    assert_eq!(assess_metric(&two, &st, false), Phase::Inconclusive);
    assert_eq!(assess_metric(&two, &st, true), Phase::Inconclusive);
    let three = metric(|m| m.inconclusive_limit = 3);
    assert_eq!(assess_metric(&three, &st, false), Phase::Running);
    assert_eq!(assess_metric(&three, &st, true), Phase::Successful);
}

/// `TestAssessMetricStatusConsecutiveErrors`: 5 consecutive errors ⇒ Error, 4 ⇒
/// Running (Successful when terminating).
#[test]
fn consecutive_errors() {
    let m = metric(|_| {});
    let five = status(|s| s.consecutive_error = 5);
    assert_eq!(assess_metric(&m, &five, false), Phase::Error);
    assert_eq!(assess_metric(&m, &five, true), Phase::Error);
    let four = status(|s| s.consecutive_error = 4);
    assert_eq!(assess_metric(&m, &four, true), Phase::Successful);
    assert_eq!(assess_metric(&m, &four, false), Phase::Running);
}

/// `TestAssessMetricStatusCountReached`: count 10 with 10 successes ⇒ Successful; 5
/// successes and 5 inconclusive (inconclusiveLimit 0) ⇒ Inconclusive.
#[test]
fn count_reached() {
    let m = metric(|m| {
        m.count = 10;
        m.interval = None;
    });
    let ten = status(|s| {
        s.successful = 10;
        s.count = 10;
    });
    assert_eq!(assess_metric(&m, &ten, false), Phase::Successful);
    let mixed = status(|s| {
        s.successful = 5;
        s.inconclusive = 5;
        s.count = 10;
    });
    assert_eq!(assess_metric(&m, &mixed, false), Phase::Inconclusive);
}

/// `TestAssessMetricStatusConsecutiveSuccessLimit` and
/// `TestAssessMetricStatusFailureLimitAndConsecutiveSuccessLimit`: reaching the limit ⇒
/// Successful; count reached without it ⇒ Failed when failureLimit is −1, Inconclusive
/// when failureLimit applies.
#[test]
fn consecutive_success_limit() {
    let only = metric(|m| {
        m.failure_limit = -1;
        m.consecutive_success_limit = 3;
        m.count = 5;
    });
    let reached = status(|s| {
        s.consecutive_success = 3;
        s.successful = 3;
        s.count = 4;
        s.failed = 1;
    });
    assert_eq!(assess_metric(&only, &reached, false), Phase::Successful);
    let short = status(|s| {
        s.consecutive_success = 2;
        s.successful = 3;
        s.failed = 2;
        s.count = 5;
    });
    assert_eq!(assess_metric(&only, &short, false), Phase::Failed);
    let both = metric(|m| {
        m.failure_limit = 2;
        m.consecutive_success_limit = 3;
        m.count = 5;
    });
    assert_eq!(assess_metric(&both, &short, false), Phase::Inconclusive);
    assert_eq!(assess_metric(&both, &reached, false), Phase::Successful);
}

/// `TestAssessMetricStatusNoMeasurements`: Pending, Successful when terminating.
#[test]
fn no_measurements() {
    let m = metric(|_| {});
    let st = MetricStatus::new();
    assert_eq!(assess_metric(&m, &st, false), Phase::Pending);
    assert_eq!(assess_metric(&m, &st, true), Phase::Successful);
}

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

/// Two metrics, the second named by `dryRun`.
fn with_dry_run(real: MetricSpec, dry: MetricSpec) -> AnalysisSpec {
    AnalysisSpec {
        metrics: vec![real, dry],
        dry_run: vec![false, true],
    }
}

fn named(name: &str, f: impl FnOnce(&mut MetricSpec)) -> MetricSpec {
    metric(|m| {
        m.name = name.into();
        f(m)
    })
}

/// `analysis/analysis.go:assessRunStatus`: a dry-run metric's Failed phase is left out
/// of the run's, and `IsTerminating` skips it, so the other metric goes on to its count
/// and the run is Successful; the dry run's failure is kept (`dryRunSummary.Failed`).
/// Without `dryRun` the same measurements fail the run at once.
#[test]
fn a_dry_run_metric_that_fails_does_not_fail_the_run() {
    let spec = with_dry_run(
        named("error-rate", |m| m.count = 3),
        named("candidate", |m| m.count = 3),
    );
    let mut run = AnalysisRun::new(&spec, RunName::Background, 0);
    // 0 s: both measured (the candidate fails and completes); 60 s, 120 s: the real one.
    let mut src = Script::new(&[OK, BAD, OK, OK]);
    let (phase, at) = drive(&mut run, &mut src, 600 * S);
    assert_eq!((phase, at), (Phase::Successful, vec![0, 60 * S, 120 * S]));
    assert_eq!(run.metrics()[1].phase, Phase::Failed);
    assert!(run.dry_run_failed());
    let enforced = AnalysisSpec {
        dry_run: Vec::new(),
        ..spec.clone()
    };
    let mut run = AnalysisRun::new(&enforced, RunName::Background, 0);
    let (phase, _) = drive(&mut run, &mut Script::new(&[OK, BAD]), 600 * S);
    assert_eq!(phase, Phase::Failed);
    assert!(!run.dry_run_failed());
}

/// Every metric, dry-run or not, must complete for the run to (`everythingCompleted`):
/// a dry-run metric without `count` keeps the run Running after the other completes.
#[test]
fn an_unbounded_dry_run_metric_keeps_the_run_running() {
    let spec = with_dry_run(
        named("error-rate", |m| m.count = 2),
        named("candidate", |_| {}),
    );
    let mut run = AnalysisRun::new(&spec, RunName::Background, 0);
    let mut src = Script::new(&[OK, OK, OK, OK, OK]);
    let (phase, at) = drive(&mut run, &mut src, 120 * S);
    assert_eq!((phase, at), (Phase::Running, vec![0, 60 * S, 120 * S]));
    assert_eq!(run.metrics()[0].phase, Phase::Successful);
}

/// A metric not in dry-run mode still fails the run, which terminates the dry-run one
/// (Successful, no limit breached).
#[test]
fn the_other_metric_still_fails_the_run() {
    let spec = with_dry_run(named("error-rate", |_| {}), named("candidate", |_| {}));
    let mut run = AnalysisRun::new(&spec, RunName::Background, 0);
    let (phase, at) = drive(&mut run, &mut Script::new(&[OK, OK, BAD, OK]), 600 * S);
    assert_eq!((phase, at), (Phase::Failed, vec![0, 60 * S]));
    assert_eq!(run.metrics()[1].phase, Phase::Successful);
    assert!(!run.dry_run_failed());
}

/// Every measurement a run takes is noted once, as the run recorded it, with the run's
/// name, the metric's, the window's counts and the metric's dry-run mode; nothing else is.
#[test]
fn each_measurement_is_noted_once_as_recorded() {
    let mut s = spec(vec![
        metric(|_| {}),
        metric(|m| {
            m.name = "strict".into();
            m.success = Some(Condition::parse("result < 0.005").unwrap());
        }),
    ]);
    s.dry_run = vec![false, true];
    let mut run = AnalysisRun::new(&s, RunName::Step(3), 0);
    // Both at 0 and 60 s; the empty window at 60 s is retried 10 s later, fails, and the
    // run ends.
    let mut src = Script::new(&[OK, OK, EMPTY, OK, BAD]);
    assert_eq!(drive(&mut run, &mut src, 3600 * S).0, Phase::Failed);
    let of = |name: &'static str| src.noted.iter().filter(move |n| n.1 == name);
    let seen = |name| {
        of(name)
            .map(|n| (n.2.at, n.2.phase, n.3))
            .collect::<Vec<_>>()
    };
    let counts = |failed| {
        Some(WindowCounts {
            requests: 1000,
            failed,
        })
    };
    let empty = Some(WindowCounts {
        requests: 0,
        failed: 0,
    });
    assert_eq!(
        seen("error-rate"),
        [
            (0, Phase::Successful, counts(0)),
            (60 * S, Phase::Error, empty),
            (70 * S, Phase::Failed, counts(500)),
        ]
    );
    assert_eq!(
        seen("strict"),
        [
            (0, Phase::Successful, counts(0)),
            (60 * S, Phase::Successful, counts(0))
        ]
    );
    // The last noted measurement of each metric is the one its status holds.
    assert_eq!(
        of("error-rate").next_back().map(|n| n.2),
        run.metrics()[0].last
    );
    assert_eq!(of("strict").next_back().map(|n| n.2), run.metrics()[1].last);
    assert!(of("error-rate").all(|n| !n.4) && of("strict").all(|n| n.4));
    assert!(src.noted.iter().all(|n| n.0 == "Step(3)"));
    let taken = run.metrics().iter().map(|m| m.count + m.error).sum::<u32>();
    assert_eq!(src.noted.len(), taken as usize);
}

/// A ready ratio reads pods, not requests: its measurement carries no window counts.
#[test]
fn a_ready_ratio_notes_no_requests() {
    let s = spec(vec![metric(|m| {
        m.provider = Provider::Measured(Measured {
            quantity: Quantity::ReadyRatio,
            of: Role::Canary,
            window: 60 * S,
            reporter: Reporter::Source,
        });
    })]);
    let mut run = AnalysisRun::new(&s, RunName::PrePromotion, 0);
    let mut src = Script::new(&[OK]);
    run.measure(0, &mut src);
    // No pod wanted (the script's windows have no desired pods): no value, an Error.
    let [(run_name, _, m, window, _)] = &src.noted[..] else {
        panic!("{:?}", src.noted)
    };
    assert_eq!(
        (run_name.as_str(), m.phase, *window),
        ("PrePromotion", Phase::Error, None)
    );
    assert!(m.value.is_nan());
}
