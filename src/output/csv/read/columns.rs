//! Where each column of `trials.csv` is in a file: found by header name, in any order and
//! among columns the reader does not know; a column every version wrote is required, one
//! added later is taken where present.

use crate::cluster::placer::PendingReason;
use crate::output::error::ReadError;

/// Where each needed column is in the file.
pub(super) struct Indices {
    pub(super) trial: usize,
    pub(super) seed: usize,
    pub(super) outcome: usize,
    pub(super) duration_s: usize,
    pub(super) min_ready: usize,
    pub(super) min_available: usize,
    pub(super) peak_tasks: usize,
    pub(super) peak_cpu: usize,
    pub(super) peak_memory: usize,
    pub(super) requests: usize,
    pub(super) failed_requests: usize,
    pub(super) p99_latency_ms: usize,
    pub(super) restarts: usize,
    pub(super) bad_version_requests: usize,
    pub(super) update_failures: usize,
    pub(super) deadline_exceeded_s: usize,
    pub(super) events: usize,
    pub(super) peak_running_tasks: usize,
    /// The request-breakdown extras, where present (files from before they existed
    /// lack them).
    pub(super) breakdown: [Option<usize>; 8],
    /// `event_budget_exceeded`, where present (0 in files from before it existed).
    pub(super) event_budget_exceeded: Option<usize>,
    /// `pending_<reason>` in [`PendingReason::ALL`] order, where present.
    pub(super) pending: [Option<usize>; PendingReason::ALL.len()],
    /// [`VERDICT_COLUMNS`], where present.
    pub(super) verdict: [Option<usize>; 5],
    /// `bad_release_requests`, where present (files from before it existed lack it, and
    /// their rows read back with the count unknown, not 0).
    pub(super) bad_release_requests: Option<usize>,
    /// `drain_s` and `drains_unfinished`, where present (files from before they existed
    /// lack them; a scenario without drains leaves them empty).
    pub(super) drain_s: Option<usize>,
    pub(super) drains_unfinished: Option<usize>,
    /// `nodes_added`, where present (files from before it existed lack it; a scenario
    /// without a cluster autoscaler leaves it empty).
    pub(super) nodes_added: Option<usize>,
}

/// The progressive-delivery verdict columns, in [`Indices::verdict`] order.
const VERDICT_COLUMNS: [&str; 5] = [
    "detected",
    "time_to_detect_s",
    "false_rollback",
    "dry_run_detected",
    "dry_run_false_rollback",
];

/// The traffic extras [`read_trials_csv`](super::read_trials_csv) takes back, in
/// [`Indices::breakdown`] order.
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
    /// The columns of a file whose header is `header`; an error names the first required
    /// column missing.
    pub(super) fn find(header: &csv::StringRecord) -> Result<Indices, ReadError> {
        let index = |name: &'static str| {
            header
                .iter()
                .position(|h| h == name)
                .ok_or(ReadError::MissingColumn(name))
        };
        Ok(Indices {
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
            nodes_added: header.iter().position(|h| h == "nodes_added"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::read_trials_csv;
    use crate::result::Outcome;

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
}
