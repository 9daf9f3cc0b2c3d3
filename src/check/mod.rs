//! `checks:`: assertions on a run's statistics, for gating changes in CI.
//!
//! [`assertion`] parses the small grammar (`duration_s.p95 <= 10m`), which `sweep
//! --constraint` reads too, [`metric_stat`] is its left side (a statistic of a run, also
//! `sweep --objective`'s) and the values it can take, [`evaluate`](mod@evaluate) decides
//! one against a [`Summary`](crate::output::Summary), and [`look_at`](mod@look_at) names the
//! trial to look at when one does not pass.

pub mod assertion;
pub mod baseline;
pub mod evaluate;
pub mod lint;
pub mod look_at;
pub mod metric_stat;

pub use assertion::{Assertion, Op, ParseError, parse, parse_as, parse_metric_stat};
pub use evaluate::{Evaluation, Verdict, evaluate};
pub use look_at::{LookAt, look_at};
pub use metric_stat::{MetricStat, Range};

/// The `checks:` of the scenario read from `file`, parsed, and a problem for each that does
/// not parse, naming the file and the check's place (`checks.1`). A scenario file whose
/// checks do not parse is already refused by the loader, with its other problems, so for
/// a loaded scenario the list is empty; it is there for a scenario built in code.
///
/// ```
/// use rollout_sim::check::scenario_checks;
/// let (ok, problems) = scenario_checks("web.yaml".as_ref(), &["duration_s.p95 <= 2m".into(), "duraton_s.p95 <= 2m".into()]);
/// assert_eq!(ok.len(), 1);
/// assert!(problems[0].starts_with("web.yaml: checks.1: check `duraton_s.p95 <= 2m`"));
/// ```
pub fn scenario_checks(file: &std::path::Path, checks: &[String]) -> (Vec<Assertion>, Vec<String>) {
    let mut ok = Vec::new();
    let mut problems = Vec::new();
    for (i, text) in checks.iter().enumerate() {
        match parse(text) {
            Ok(a) => ok.push(a),
            Err(e) => problems.push(format!("{}: checks.{i}: {e}", file.display())),
        }
    }
    (ok, problems)
}
