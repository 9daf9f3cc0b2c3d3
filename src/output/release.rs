//! The progressive-delivery verdict of a run, from the `detected` and `false_rollback`
//! columns: how often a bad release was caught (and how fast, at what cost), how often a
//! good one was rolled back, each share with its 95% Wilson score interval.

use crate::output::Summary;
use crate::output::human_text::{counted, duration};
use crate::stats::{Z_95, wilson};
use serde::Serialize;

/// A share of trials with its interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    /// Trials the share is over (those whose cell is not empty).
    pub trials: u64,
    /// Trials with a 1.
    pub count: u64,
    /// `count / trials`.
    pub p: f64,
    /// 95% Wilson score interval of `p`.
    pub wilson95: [f64; 2],
}

/// The share of 1s in a 0/1 column, over the trials where it is not empty.
pub fn rate(summary: &Summary, column: &str) -> Option<Rate> {
    let m = summary.metric(column)?;
    let trials = m.stats.n as u64;
    if trials == 0 {
        return None;
    }
    // The cells are 0 or 1: the mean times n is the count, exactly up to rounding.
    let count = (m.stats.mean * trials as f64).round() as u64;
    let (lo, hi) = wilson(count, trials, Z_95);
    Some(Rate {
        trials,
        count,
        p: count as f64 / trials as f64,
        wilson95: [lo, hi],
    })
}

/// `summary.json`'s `progressive_delivery`, when the run has a verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Release {
    /// Detection probability of a bad release (`detected`).
    pub detection: Option<Rate>,
    /// False-rollback rate of a good release (`false_rollback`).
    pub false_rollback: Option<Rate>,
    /// How often the metrics in dry-run mode would have caught a bad release
    /// (`dry_run_detected`); absent without such metrics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run_detection: Option<Rate>,
    /// How often they would have rolled a good release back (`dry_run_false_rollback`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run_false_rollback: Option<Rate>,
}

impl Release {
    /// The verdict of `summary`, if any trial had one.
    pub fn of(summary: &Summary) -> Option<Release> {
        let r = Release {
            detection: rate(summary, "detected"),
            false_rollback: rate(summary, "false_rollback"),
            dry_run_detection: rate(summary, "dry_run_detected"),
            dry_run_false_rollback: rate(summary, "dry_run_false_rollback"),
        };
        (r.detection.is_some() || r.false_rollback.is_some()).then_some(r)
    }

    /// The verdict in words, e.g. "a bad release is caught in 97.0% [95.6, 98.1] of 1000
    /// trials after 4m12.0s median, having served 2340 bad requests of its own (p95
    /// 5100)": the median and p95 over all trials of `bad_release_requests`, the requests
    /// the release's (`next`'s) tasks failed by its own misbehaviour.
    pub fn sentence(&self, summary: &Summary) -> String {
        let pct = |r: &Rate| {
            format!(
                "{:.1}% [{:.1}, {:.1}] of {}",
                100.0 * r.p,
                100.0 * r.wilson95[0],
                100.0 * r.wilson95[1],
                counted(r.trials, "trial")
            )
        };
        let mut out = String::new();
        if let Some(d) = &self.detection {
            out.push_str(&format!("a bad release is caught in {}", pct(d)));
            if let Some(t) = summary.metric("time_to_detect_s") {
                out.push_str(&format!(" after {} median", duration(t.stats.p50)));
            }
            // The release's own failures, not the stable version's: "bad requests" read as
            // the bad release's blast radius (`bad_version_requests` counts any version's).
            if let Some(b) = summary.metric("bad_release_requests") {
                out.push_str(&format!(
                    ", having served {:.0} bad requests of its own (p95 {:.0})",
                    b.stats.p50, b.stats.p95
                ));
            }
            out.push('\n');
        }
        if let Some(f) = &self.false_rollback {
            out.push_str(&format!("a good release is rolled back in {}\n", pct(f)));
        }
        if let Some(d) = &self.dry_run_detection {
            out.push_str(&format!(
                "the dry-run metrics would have caught the bad release in {}\n",
                pct(d)
            ));
        }
        if let Some(f) = &self.dry_run_false_rollback {
            out.push_str(&format!(
                "the dry-run metrics would have rolled the good release back in {}\n",
                pct(f)
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_rate_and_its_wilson_interval() {
        // 3 of 4 bad-release trials detected; Wilson(3, 4) computed independently:
        // centre (3 + 1.92)/(4 + 3.84), half-width 1.96·√(3·1/4 + 0.96)/(4 + 3.84).
        let z: f64 = 1.959963984540054;
        let (n, k) = (4.0, 3.0);
        let centre = (k + z * z / 2.0) / (n + z * z);
        let half = z * (k * (n - k) / n + z * z / 4.0).sqrt() / (n + z * z);
        let rows = crate::output::columns::tests::bad_release_rows(4, 3);
        let s = Summary::from_rows("t", 1, &rows);
        let r = Release::of(&s).unwrap();
        let d = r.detection.unwrap();
        assert_eq!((d.trials, d.count), (4, 3));
        assert!((d.wilson95[0] - (centre - half)).abs() < 1e-9);
        assert!((d.wilson95[1] - (centre + half)).abs() < 1e-9);
        assert!(r.false_rollback.is_none());
        let sentence = r.sentence(&s);
        assert!(sentence.starts_with("a bad release is caught in 75.0% ["));
        // The release's own (`bad_release_requests`, 110 in every row), not every
        // version's (`bad_version_requests`, 120).
        assert!(
            sentence.ends_with("having served 110 bad requests of its own (p95 110)\n"),
            "{sentence}"
        );
    }
}
