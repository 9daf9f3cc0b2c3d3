//! `checks:`: assertions on a run's statistics, for gating changes in CI.
//!
//! [`assertion`] parses the small grammar (`duration_s.p95 <= 10m`), [`evaluate`](mod@evaluate) decides
//! one against a [`Summary`](crate::output::Summary).

pub mod assertion;
pub mod baseline;
pub mod evaluate;
pub mod lint;

pub use assertion::{Assertion, Op, ParseError, Target, parse};
pub use evaluate::{Evaluation, Verdict, evaluate};
