//! One record of `trials.csv` decoded into the [`TrialResult`] it was written from: every
//! cell checked, and an error that names the line and the column.

use std::str::FromStr;

use super::columns::Indices;
use crate::cluster::node_drain::DrainResult;
use crate::cluster::placer::{PendingReason, PendingReasons};
use crate::output::error::ReadError;
use crate::result::{Outcome, TrafficResult, TrialResult, Verdict};
use crate::sim::time::{Time, from_secs_f64};

impl Indices {
    pub(super) fn parse(&self, f: &Fields<'_>) -> Result<TrialResult, ReadError> {
        let requests: Option<u64> = f.opt(self.requests, "requests", WHOLE)?;
        let failed: Option<u64> = f.opt(self.failed_requests, "failed_requests", WHOLE)?;
        let p99: Option<f64> = f.opt(self.p99_latency_ms, "p99_latency_ms", NUMBER)?;
        let bad: Option<u64> = f.opt(self.bad_version_requests, "bad_version_requests", WHOLE)?;
        let bad_release: Option<u64> = match self.bad_release_requests {
            Some(i) => f.opt(i, "bad_release_requests", WHOLE)?,
            None => None,
        };
        let traffic = match requests {
            Some(requests) => Some(TrafficResult {
                requests,
                failed_requests: f.req(self.failed_requests, "failed_requests", WHOLE)?,
                p99_latency_ms: p99.unwrap_or(f64::NAN),
                bad_version_requests: f.req(
                    self.bad_version_requests,
                    "bad_version_requests",
                    WHOLE,
                )?,
                bad_release_requests: bad_release,
                ..self.breakdown(f)?
            }),
            None => {
                // Half a set of request columns is a damaged file, not "no traffic".
                if failed.is_some() || p99.is_some() || bad.is_some() || bad_release.is_some() {
                    return Err(f.bad(
                        self.requests,
                        "requests",
                        "a number (other request columns are set)",
                    ));
                }
                None
            }
        };
        let update_failures: Option<u32> = f.opt(self.update_failures, "update_failures", WHOLE)?;
        let outcome = {
            let s = f.get(self.outcome);
            Outcome::parse(s).ok_or_else(|| {
                f.bad(
                    self.outcome,
                    "outcome",
                    "completed, rolled_back, paused, deadline_exceeded or timeout",
                )
            })?
        };
        Ok(TrialResult {
            trial: f.req(self.trial, "trial", WHOLE)?,
            seed: f.req(self.seed, "seed", WHOLE)?,
            outcome,
            duration: f
                .seconds(self.duration_s, "duration_s")?
                .ok_or_else(|| f.bad(self.duration_s, "duration_s", SECONDS))?,
            min_ready: f.req(self.min_ready, "min_ready", WHOLE)?,
            min_available: f.req(self.min_available, "min_available", WHOLE)?,
            peak_tasks: f.req(self.peak_tasks, "peak_tasks", WHOLE)?,
            peak_cpu_millis: {
                let cores: f64 = f.req(self.peak_cpu, "peak_cpu", NUMBER)?;
                if !(cores.is_finite() && cores >= 0.0) {
                    return Err(f.bad(self.peak_cpu, "peak_cpu", "a number of cores"));
                }
                (cores * 1000.0).round() as u64
            },
            peak_memory_bytes: f.req(self.peak_memory, "peak_memory", WHOLE)?,
            traffic,
            restarts: f.req(self.restarts, "restarts", WHOLE)?,
            update_failures: update_failures.unwrap_or(0),
            deadline_exceeded_at: f.seconds(self.deadline_exceeded_s, "deadline_exceeded_s")?,
            events: f.req(self.events, "events", WHOLE)?,
            // An empty cell: a strategy without the count (Kubernetes).
            update_failures_modelled: update_failures.is_some(),
            peak_running_tasks: f.req(self.peak_running_tasks, "peak_running_tasks", WHOLE)?,
            event_budget_exceeded: match self.event_budget_exceeded {
                Some(i) => {
                    let flag: u8 = f.req(i, "event_budget_exceeded", "0 or 1")?;
                    if flag > 1 {
                        return Err(f.bad(i, "event_budget_exceeded", "0 or 1"));
                    }
                    flag == 1
                }
                None => false,
            },
            pending: self.pending_reasons(f)?,
            verdict: self.verdict(f)?,
            drains: self.drains(f)?,
            nodes_added: match self.nodes_added {
                Some(i) => f.opt(i, "nodes_added", WHOLE)?,
                None => None,
            },
        })
    }

    /// `drain_s` and `drains_unfinished`: both given, or both empty (no drain).
    fn drains(&self, f: &Fields<'_>) -> Result<Option<DrainResult>, ReadError> {
        let (Some(d), Some(u)) = (self.drain_s, self.drains_unfinished) else {
            return Ok(None);
        };
        let longest = f.seconds(d, "drain_s")?;
        let unfinished: Option<u32> = f.opt(u, "drains_unfinished", WHOLE)?;
        match (longest, unfinished) {
            (Some(longest), Some(unfinished)) => Ok(Some(DrainResult {
                longest,
                unfinished,
            })),
            (None, None) => Ok(None),
            (None, Some(_)) => Err(f.bad(d, "drain_s", "seconds, as `drains_unfinished` is given")),
            (Some(_), None) => Err(f.bad(
                u,
                "drains_unfinished",
                "a whole number, as `drain_s` is given",
            )),
        }
    }

    /// The `pending_*` cells: 0 or 1, or empty where the strategy has no such filter
    /// (and in files from before the columns existed).
    fn pending_reasons(&self, f: &Fields<'_>) -> Result<PendingReasons, ReadError> {
        let mut out = PendingReasons::default();
        for (r, i) in PendingReason::ALL.into_iter().zip(self.pending) {
            let Some(i) = i else { continue };
            let name = r.as_str();
            let flag: Option<u8> = f.opt(i, name, "0 or 1")?;
            match flag {
                None => {}
                Some(v @ 0..=1) => out.set(r, v == 1),
                Some(_) => return Err(f.bad(i, name, "0 or 1")),
            }
        }
        Ok(out)
    }

    /// `detected` (a bad version) or `false_rollback` (a good one), 0 or 1, the detection
    /// time, and the same of the dry-run metrics where present; all empty: no verdict.
    fn verdict(&self, f: &Fields<'_>) -> Result<Option<Verdict>, ReadError> {
        let [detected, time, false_rollback, dry_detected, dry_false] = self.verdict;
        let flag = |i: Option<usize>, name| -> Result<Option<bool>, ReadError> {
            let Some(i) = i else { return Ok(None) };
            match f.opt::<u8>(i, name, "0 or 1")? {
                Some(v @ (0 | 1)) => Ok(Some(v == 1)),
                Some(_) => Err(f.bad(i, name, "0 or 1")),
                None => Ok(None),
            }
        };
        let time_to_detect = match time {
            Some(i) => f.seconds(i, "time_to_detect_s")?,
            None => None,
        };
        let dry_run_failed =
            flag(dry_detected, "dry_run_detected")?.or(flag(dry_false, "dry_run_false_rollback")?);
        Ok(
            match (
                flag(detected, "detected")?,
                flag(false_rollback, "false_rollback")?,
            ) {
                (Some(aborted), _) => Some(Verdict {
                    bad: true,
                    aborted,
                    time_to_detect,
                    dry_run_failed,
                }),
                (None, Some(aborted)) => Some(Verdict {
                    bad: false,
                    aborted,
                    time_to_detect: None,
                    dry_run_failed,
                }),
                (None, None) => None,
            },
        )
    }
}

impl Indices {
    /// The breakdown columns of a row with `requests` requests.
    fn breakdown(&self, f: &Fields<'_>) -> Result<TrafficResult, ReadError> {
        let [refused, timed_out, errored, dropped, p50, next, slo, p95] = self.breakdown;
        let latency = |i: Option<usize>, name| -> Result<f64, ReadError> {
            Ok(match i {
                Some(i) => f.opt(i, name, NUMBER)?.unwrap_or(f64::NAN),
                None => f64::NAN,
            })
        };
        let count = |i: Option<usize>, name| -> Result<u64, ReadError> {
            Ok(match i {
                Some(i) => f.opt(i, name, WHOLE)?.unwrap_or(0),
                None => 0,
            })
        };
        Ok(TrafficResult {
            refused_requests: count(refused, "refused_requests")?,
            timed_out_requests: count(timed_out, "timed_out_requests")?,
            errored_requests: count(errored, "errored_requests")?,
            dropped_requests: count(dropped, "dropped_requests")?,
            p50_latency_ms: latency(p50, "p50_latency_ms")?,
            p95_latency_ms: latency(p95, "p95_latency_ms")?,
            next_requests: count(next, "next_requests")?,
            slo_violation: match slo {
                Some(i) => f.seconds(i, "slo_violation_s")?,
                None => None,
            },
            ..TrafficResult::default()
        })
    }
}

const WHOLE: &str = "a whole number";
const NUMBER: &str = "a number";
const SECONDS: &str = "a number of seconds";

/// One record being parsed, with its line for error messages.
pub(super) struct Fields<'a> {
    pub(super) record: &'a csv::StringRecord,
    pub(super) line: u64,
}

impl Fields<'_> {
    fn get(&self, i: usize) -> &str {
        // A short record (fewer fields than the header) reads as empty fields; the csv
        // reader already rejects ragged files unless configured as flexible.
        self.record.get(i).unwrap_or("")
    }

    fn bad(&self, i: usize, column: &'static str, expected: &'static str) -> ReadError {
        ReadError::BadValue {
            line: self.line,
            column,
            expected,
            found: self.get(i).to_string(),
        }
    }

    /// An optional field: empty is `None`.
    fn opt<T: FromStr>(
        &self,
        i: usize,
        column: &'static str,
        expected: &'static str,
    ) -> Result<Option<T>, ReadError> {
        match self.get(i) {
            "" => Ok(None),
            s => s
                .parse()
                .map(Some)
                .map_err(|_| self.bad(i, column, expected)),
        }
    }

    /// A required field: empty is an error.
    fn req<T: FromStr>(
        &self,
        i: usize,
        column: &'static str,
        expected: &'static str,
    ) -> Result<T, ReadError> {
        self.opt(i, column, expected)?
            .ok_or_else(|| self.bad(i, column, expected))
    }

    /// An optional number of seconds, to the nearest microsecond.
    fn seconds(&self, i: usize, column: &'static str) -> Result<Option<Time>, ReadError> {
        match self.opt::<f64>(i, column, SECONDS)? {
            Some(s) if !(s.is_finite() && s >= 0.0) => Err(self.bad(i, column, SECONDS)),
            s => Ok(s.map(from_secs_f64)),
        }
    }
}
