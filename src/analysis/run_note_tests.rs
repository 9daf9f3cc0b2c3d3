//! The measurements a run notes for the trace ([`Measure::note`]): each one once, as the
//! run recorded it.

use super::tests::{BAD, EMPTY, OK, S, Script, drive, metric, spec};
use super::*;
use crate::analysis::condition::Condition;
use crate::analysis::spec::{Measured, Quantity};
use crate::analysis::taken::WindowCounts;

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
