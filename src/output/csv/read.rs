//! Reading `trials.csv` back into the [`TrialResult`]s it was written from, for merging
//! shard outputs and reading a baseline: columns found by header name, every cell checked,
//! and an error that names the line and the column.

use std::str::FromStr;

use crate::cluster::node_drain::DrainResult;
use crate::cluster::placer::{PendingReason, PendingReasons};
use crate::output::error::ReadError;
use crate::result::{Outcome, TrafficResult, TrialResult, Verdict};
use crate::sim::time::{Time, from_secs_f64};

/// Parses a `trials.csv` written by [`trials_csv`](super::trials_csv) back into the rows it
/// was written from.
///
/// Columns are found by header name, so extra columns (added by a later version, or by a
/// user's script) are ignored; `availability` is derived from the request counts and is not
/// read. A duration is rounded to the microsecond, which recovers the written value
/// exactly. An empty `requests` cell means "no traffic" and then every request column must
/// be empty; an empty `p99_latency_ms` of a trial with traffic reads back as NaN (nothing
/// served, nothing measured); an empty `update_failures` reads back as not modelled
/// (Kubernetes).
///
/// Write-then-read gives the same rows (a property test checks it), so merging shards
/// gives the same summary a single run gives.
pub fn read_trials_csv(bytes: &[u8]) -> Result<Vec<TrialResult>, ReadError> {
    Ok(read_trials_csv_lines(bytes)?
        .into_iter()
        .map(|(_, row)| row)
        .collect())
}

/// [`read_trials_csv`], each row with the line of the file it is on (the header is line
/// 1), for a message that points at a row.
pub fn read_trials_csv_lines(bytes: &[u8]) -> Result<Vec<(u64, TrialResult)>, ReadError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(bytes);
    let header = reader.headers()?.clone();
    let index = |name: &'static str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or(ReadError::MissingColumn(name))
    };
    let ix = Indices {
        trial: index("trial")?,
        seed: index("seed")?,
        outcome: index("outcome")?,
        duration_s: index("duration_s")?,
        min_ready: index("min_ready")?,
        min_available: index("min_available")?,
        peak_tasks: index("peak_tasks")?,
        peak_cpu: index("peak_cpu")?,
        peak_memory: index("peak_memory")?,
        requests: index("requests")?,
        failed_requests: index("failed_requests")?,
        p99_latency_ms: index("p99_latency_ms")?,
        restarts: index("restarts")?,
        bad_version_requests: index("bad_version_requests")?,
        update_failures: index("update_failures")?,
        deadline_exceeded_s: index("deadline_exceeded_s")?,
        events: index("events")?,
        peak_running_tasks: index("peak_running_tasks")?,
        breakdown: TRAFFIC_EXTRAS.map(|name| header.iter().position(|h| h == name)),
        event_budget_exceeded: header.iter().position(|h| h == "event_budget_exceeded"),
        pending: PendingReason::ALL.map(|r| {
            let name = format!("pending_{}", r.as_str());
            header.iter().position(|h| h == name)
        }),
        verdict: VERDICT_COLUMNS.map(|name| header.iter().position(|h| h == name)),
        bad_release_requests: header.iter().position(|h| h == "bad_release_requests"),
        drain_s: header.iter().position(|h| h == "drain_s"),
        drains_unfinished: header.iter().position(|h| h == "drains_unfinished"),
    };
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let line = record.position().map_or(0, |p| p.line());
        let row = ix.parse(&Fields {
            record: &record,
            line,
        })?;
        rows.push((line, row));
    }
    Ok(rows)
}

/// Where each needed column is in the file.
struct Indices {
    trial: usize,
    seed: usize,
    outcome: usize,
    duration_s: usize,
    min_ready: usize,
    min_available: usize,
    peak_tasks: usize,
    peak_cpu: usize,
    peak_memory: usize,
    requests: usize,
    failed_requests: usize,
    p99_latency_ms: usize,
    restarts: usize,
    bad_version_requests: usize,
    update_failures: usize,
    deadline_exceeded_s: usize,
    events: usize,
    peak_running_tasks: usize,
    /// The request-breakdown extras, where present (files from before they existed
    /// lack them).
    breakdown: [Option<usize>; 8],
    /// `event_budget_exceeded`, where present (0 in files from before it existed).
    event_budget_exceeded: Option<usize>,
    /// `pending_<reason>` in [`PendingReason::ALL`] order, where present.
    pending: [Option<usize>; PendingReason::ALL.len()],
    /// [`VERDICT_COLUMNS`], where present.
    verdict: [Option<usize>; 5],
    /// `bad_release_requests`, where present (files from before it existed lack it, and
    /// their rows read back with the count unknown, not 0).
    bad_release_requests: Option<usize>,
    /// `drain_s` and `drains_unfinished`, where present (files from before they existed
    /// lack them; a scenario without drains leaves them empty).
    drain_s: Option<usize>,
    drains_unfinished: Option<usize>,
}

/// The progressive-delivery verdict columns, in [`Indices::verdict`] order.
const VERDICT_COLUMNS: [&str; 5] = [
    "detected",
    "time_to_detect_s",
    "false_rollback",
    "dry_run_detected",
    "dry_run_false_rollback",
];

/// The traffic extras [`read_trials_csv`] takes back, in [`Indices::breakdown`] order.
const TRAFFIC_EXTRAS: [&str; 8] = [
    "refused_requests",
    "timed_out_requests",
    "errored_requests",
    "dropped_requests",
    "p50_latency_ms",
    "next_requests",
    "slo_violation_s",
    "p95_latency_ms",
];

impl Indices {
    fn parse(&self, f: &Fields<'_>) -> Result<TrialResult, ReadError> {
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
struct Fields<'a> {
    record: &'a csv::StringRecord,
    line: u64,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::placer::Scheduler;
    use crate::output::columns::tests::sample_row;
    use crate::output::csv::trials_csv;
    use crate::output::csv::write::tests::text;

    #[test]
    fn round_trip_of_the_sample_rows() {
        let rows = vec![
            sample_row(),
            TrialResult {
                traffic: None,
                deadline_exceeded_at: None,
                update_failures: 0,
                update_failures_modelled: false,
                ..sample_row()
            },
        ];
        assert_eq!(read_trials_csv(&trials_csv(&rows)).unwrap(), rows);
    }

    #[test]
    fn a_nan_latency_reads_back_as_nan() {
        let mut row = sample_row();
        row.traffic.as_mut().unwrap().p99_latency_ms = f64::NAN;
        let back = read_trials_csv(&trials_csv(&[row])).unwrap();
        assert!(back[0].traffic.unwrap().p99_latency_ms.is_nan());
    }

    #[test]
    fn extra_columns_and_any_order_are_accepted() {
        let csv = "events,note,trial,seed,outcome,duration_s,min_ready,min_available,peak_tasks,\
peak_cpu,peak_memory,requests,failed_requests,p99_latency_ms,restarts,bad_version_requests,\
update_failures,deadline_exceeded_s,peak_running_tasks\n\
9,\"hi, there\",0,1,timeout,7200,0,0,3,1.5,3,,,,0,,0,,2\n";
        let rows = read_trials_csv(csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].events, 9);
        assert_eq!(rows[0].outcome, Outcome::Timeout);
        assert_eq!(rows[0].duration, 7_200_000_000);
        assert_eq!(rows[0].peak_cpu_millis, 1_500);
        assert_eq!(rows[0].traffic, None);
    }

    /// A file from before `bad_release_requests` existed reads back with the count
    /// unknown (an empty cell when written again), never as 0; with the column, a value
    /// in a row without traffic is a damaged file.
    #[test]
    fn bad_release_requests_is_unknown_in_older_files() {
        let good = text(&[sample_row()]);
        let (header, row) = good.split_once('\n').unwrap();
        let old = format!(
            "{}\n{}\n",
            header
                .strip_suffix(
                    ",bad_release_requests,dry_run_detected,dry_run_false_rollback,\
                     pending_unschedulable,drain_s,drains_unfinished,pending_host_port"
                )
                .unwrap(),
            row.strip_suffix(",110,1,,0,75.5,1,0\n").unwrap()
        );
        let back = read_trials_csv(old.as_bytes()).unwrap();
        let t = back[0].traffic.unwrap();
        assert_eq!(
            (t.bad_version_requests, t.bad_release_requests),
            (120, None)
        );
        assert!(text(&back).ends_with(",95.5,,,,,,,,\n"));
        let bare = TrialResult {
            traffic: None,
            ..sample_row()
        };
        // `bad_release_requests` is the seventh column from the end.
        let damaged = text(&[bare]).replace(",,,1,,0,75.5,1,0\n", ",,7,1,,0,75.5,1,0\n");
        let err = read_trials_csv(damaged.as_bytes()).unwrap_err().to_string();
        assert!(err.contains("column `requests`"), "{err}");
    }

    #[test]
    fn errors_name_the_line_and_the_column() {
        let good = text(&[sample_row()]);
        let err = |csv: String| read_trials_csv(csv.as_bytes()).unwrap_err().to_string();

        assert_eq!(
            err(good.replace("rolled_back", "exploded")),
            "line 2, column `outcome`: expected completed, rolled_back, paused, \
             deadline_exceeded or timeout, found `exploded`"
        );
        assert_eq!(
            err(good.replace(",1234,", ",12x4,")),
            "line 2, column `events`: expected a whole number, found `12x4`"
        );
        assert_eq!(
            err(good.replace("130.123456", "-1")),
            "line 2, column `duration_s`: expected a number of seconds, found `-1`"
        );
        assert_eq!(
            err(good.replace(",2000,", ",,")),
            "line 2, column `requests`: expected a number (other request columns are set), \
             found ``"
        );
        assert!(err(good.replace("events", "evnts")).contains("no `events` column"));
        assert!(err(format!("{good}1,2\n")).contains("not a valid CSV"));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn outcome() -> impl Strategy<Value = Outcome> {
            proptest::sample::select(Outcome::ALL.to_vec())
        }

        fn traffic() -> impl Strategy<Value = Option<TrafficResult>> {
            proptest::option::of(
                (any::<u64>(), any::<u64>(), 0.0f64..1e6, any::<u64>()).prop_map(
                    |(requests, failed_requests, p99_latency_ms, bad_version_requests)| {
                        TrafficResult {
                            requests,
                            failed_requests,
                            p99_latency_ms,
                            bad_version_requests,
                            bad_release_requests: Some(bad_version_requests / 2),
                            p50_latency_ms: p99_latency_ms / 2.0,
                            p95_latency_ms: p99_latency_ms * 0.75,
                            ..TrafficResult::default()
                        }
                    },
                ),
            )
        }

        fn row() -> impl Strategy<Value = TrialResult> {
            const MAX_T: Time = 1_000_000_000_000_000; // ~31 years in µs
            (
                (any::<u64>(), any::<u64>(), outcome(), 0..MAX_T),
                (any::<u32>(), any::<u32>(), any::<u32>()),
                (0u64..1_000_000_000_000, any::<u64>(), traffic()),
                (
                    any::<u32>(),
                    any::<u32>(),
                    proptest::option::of(0..MAX_T),
                    any::<u64>(),
                    any::<bool>(),
                ),
                (any::<bool>(), any::<u32>()),
            )
                .prop_map(|(a, b, c, d, e)| TrialResult {
                    trial: a.0,
                    seed: a.1,
                    outcome: a.2,
                    duration: a.3,
                    min_ready: b.0,
                    min_available: b.1,
                    peak_tasks: b.2,
                    peak_cpu_millis: c.0,
                    peak_memory_bytes: c.1,
                    traffic: c.2,
                    restarts: d.0,
                    // An empty cell reads back as 0: only a modelled count keeps its value.
                    update_failures: if e.0 { d.1 } else { 0 },
                    deadline_exceeded_at: d.2,
                    events: d.3,
                    update_failures_modelled: e.0,
                    peak_running_tasks: e.1,
                    event_budget_exceeded: d.4,
                    // Some reasons seen (from the low bits of `events`), for either strategy.
                    pending: {
                        let scheduler = if e.0 {
                            Scheduler::Swarm
                        } else {
                            Scheduler::Kubernetes
                        };
                        let mut p = PendingReasons::new(scheduler);
                        for (i, r) in PendingReason::ALL.into_iter().enumerate() {
                            if d.3 >> i & 1 == 1 && r.modelled(scheduler) {
                                p.insert(r);
                            }
                        }
                        p
                    },
                    verdict: None,
                    drains: None,
                })
        }

        proptest! {
            /// Writing then reading gives back exactly the rows written.
            #[test]
            fn write_then_read_is_identity(rows in proptest::collection::vec(row(), 0..20)) {
                prop_assert_eq!(read_trials_csv(&trials_csv(&rows)).unwrap(), rows);
            }
        }
    }
}
