//! Reading `trials.csv` back into the [`TrialResult`]s it was written from, for merging
//! shard outputs and reading a baseline: columns found by header name, every cell checked,
//! and an error that names the line and the column.
//!
//! Finding the columns by header name is `columns.rs`'s; decoding one record, every cell
//! checked, is `row.rs`'s.

mod columns;
mod row;

use self::columns::Indices;
use self::row::Fields;
use crate::output::error::ReadError;
use crate::result::TrialResult;

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
    let ix = Indices::find(&header)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::placer::Scheduler;
    use crate::cluster::placer::{PendingReason, PendingReasons};
    use crate::output::columns::tests::sample_row;
    use crate::output::csv::trials_csv;
    use crate::output::csv::write::tests::text;
    use crate::result::{Outcome, TrafficResult};
    use crate::sim::time::Time;

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
                     pending_unschedulable,drain_s,drains_unfinished,pending_host_port,\
                     pending_anti_affinity,nodes_added"
                )
                .unwrap(),
            row.strip_suffix(",110,1,,0,75.5,1,0,,2\n").unwrap()
        );
        let back = read_trials_csv(old.as_bytes()).unwrap();
        let t = back[0].traffic.unwrap();
        assert_eq!(
            (t.bad_version_requests, t.bad_release_requests),
            (120, None)
        );
        assert!(text(&back).ends_with(",95.5,,,,,,,,,,\n"));
        let bare = TrialResult {
            traffic: None,
            ..sample_row()
        };
        // `bad_release_requests` is the ninth column from the end.
        let damaged = text(&[bare]).replace(",,,1,,0,75.5,1,0,,2\n", ",,7,1,,0,75.5,1,0,,2\n");
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
                    nodes_added: None,
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
