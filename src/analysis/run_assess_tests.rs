//! One metric's phase against the rules of `argoproj/argo-rollouts@9f8d111`
//! (v1.10.0-rc1-70): a measurement's (`EvaluateResult`) and the metric's from its counts and
//! limits (`assessMetricStatus`), each test citing the upstream test or function it
//! reproduces.

use super::tests::metric;
use super::*;
use crate::analysis::condition::Condition;

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
