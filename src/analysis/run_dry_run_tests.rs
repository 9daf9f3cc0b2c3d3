//! Metrics in `dryRun` mode (`argoproj/argo-rollouts@9f8d111`
//! `analysis/analysis.go:assessRunStatus`): their phase is left out of the run's, yet the
//! run waits for them to complete.

use super::tests::{BAD, OK, S, Script, drive, metric};
use super::*;

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
