//! The columns of `trials.csv`: one table, read by every writer.
//!
//! [`COLUMNS`] lists each column once, with its name, its [`Unit`] and an extractor from a
//! [`TrialResult`] to a [`Cell`]. The CSV writer prints the cells, `summary.json`
//! aggregates the same cells, and the terminal table formats them by unit: the three can
//! never disagree on a name, an order, a unit or on what an empty cell means.
//!
//! The contract's fifteen columns come first, in the contract's order (`trial` …
//! `bad_version_requests`); extras follow and new ones are only ever appended.
//!
//! An **empty** cell means "not modelled in this scenario" (request columns without
//! `traffic`, `update_failures` for Kubernetes, which has no such count,
//! `deadline_exceeded_s` when the deadline was never exceeded, `availability` when no
//! request was sent, `drain_s` and `drains_unfinished` without `faults.node_drains`, `nodes_added` without
//! `cluster.autoscaler`, `bad_release_requests` of a row read back from a file written before
//! the column existed). It is never written as 0, and statistics leave it out.
//!
//! Every column also says which way is [`Better`], so reports show each metric's bad tail.
//!
//! The parts: [`Cell`] (`cell.rs`), a value and its text; [`Column`], [`Unit`] and
//! [`Better`] (`column.rs`), what a column is; this module, the table of them all.

mod cell;
mod column;

pub use cell::Cell;
pub use column::{Better, Column, Unit};

use crate::cluster::placer::PendingReason;
use crate::result::{TrafficResult, TrialResult};

/// How many leading columns of [`COLUMNS`] the contract fixes (names and order).
pub const CONTRACT_COLUMNS: usize = 15;

/// Every column of `trials.csv`, in file order.
pub const COLUMNS: &[Column] = &[
    // --- the contract's columns, in the contract's order ---
    Column {
        name: "trial",
        unit: Unit::Id,
        better: Better::Neither,
        extract: |r| Cell::Int(r.trial),
    },
    Column {
        name: "seed",
        unit: Unit::Id,
        better: Better::Neither,
        extract: |r| Cell::Int(r.seed),
    },
    Column {
        name: "outcome",
        unit: Unit::Label,
        better: Better::Neither,
        extract: |r| Cell::Str(r.outcome.as_str()),
    },
    Column {
        name: "duration_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        extract: |r| Cell::seconds(r.duration),
    },
    Column {
        name: "min_ready",
        unit: Unit::Count,
        better: Better::Higher,
        extract: |r| Cell::Int(r.min_ready.into()),
    },
    Column {
        name: "min_available",
        unit: Unit::Count,
        better: Better::Higher,
        extract: |r| Cell::Int(r.min_available.into()),
    },
    Column {
        name: "peak_tasks",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| Cell::Int(r.peak_tasks.into()),
    },
    Column {
        name: "peak_cpu",
        unit: Unit::Cores,
        better: Better::Lower,
        // Millicores / 1000 is correctly rounded, so it prints exactly (`1.5`, `0.25`).
        extract: |r| Cell::float(r.peak_cpu_millis as f64 / 1000.0),
    },
    Column {
        name: "peak_memory",
        unit: Unit::Bytes,
        better: Better::Lower,
        extract: |r| Cell::Int(r.peak_memory_bytes),
    },
    Column {
        name: "requests",
        unit: Unit::Count,
        better: Better::Neither,
        extract: |r| r.traffic.map_or(Cell::Empty, |t| Cell::Int(t.requests)),
    },
    Column {
        name: "failed_requests",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| {
            r.traffic
                .map_or(Cell::Empty, |t| Cell::Int(t.failed_requests))
        },
    },
    Column {
        name: "availability",
        unit: Unit::Ratio,
        better: Better::Higher,
        extract: |r| r.availability().map_or(Cell::Empty, Cell::float),
    },
    Column {
        name: "p99_latency_ms",
        unit: Unit::Milliseconds,
        better: Better::Lower,
        extract: |r| {
            r.traffic
                .map_or(Cell::Empty, |t| Cell::float(t.p99_latency_ms))
        },
    },
    Column {
        name: "restarts",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| Cell::Int(r.restarts.into()),
    },
    Column {
        name: "bad_version_requests",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| {
            r.traffic
                .map_or(Cell::Empty, |t| Cell::Int(t.bad_version_requests))
        },
    },
    // --- extras: append only ---
    Column {
        name: "update_failures",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| {
            if r.update_failures_modelled {
                Cell::Int(r.update_failures.into())
            } else {
                Cell::Empty
            }
        },
    },
    Column {
        name: "deadline_exceeded_s",
        unit: Unit::Seconds,
        better: Better::Neither,
        extract: |r| r.deadline_exceeded_at.map_or(Cell::Empty, Cell::seconds),
    },
    Column {
        name: "events",
        unit: Unit::Count,
        better: Better::Neither,
        extract: |r| Cell::Int(r.events),
    },
    Column {
        name: "refused_requests",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| traffic_count(r, |t| t.refused_requests),
    },
    Column {
        name: "timed_out_requests",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| traffic_count(r, |t| t.timed_out_requests),
    },
    Column {
        name: "errored_requests",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| traffic_count(r, |t| t.errored_requests),
    },
    Column {
        name: "dropped_requests",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| traffic_count(r, |t| t.dropped_requests),
    },
    Column {
        name: "p50_latency_ms",
        unit: Unit::Milliseconds,
        better: Better::Lower,
        extract: |r| {
            r.traffic
                .map_or(Cell::Empty, |t| Cell::float(t.p50_latency_ms))
        },
    },
    Column {
        name: "next_requests",
        unit: Unit::Count,
        better: Better::Neither,
        extract: |r| traffic_count(r, |t| t.next_requests),
    },
    Column {
        name: "next_share",
        unit: Unit::Ratio,
        better: Better::Neither,
        extract: |r| {
            r.traffic
                .filter(|t| t.requests > 0)
                .map_or(Cell::Empty, |t| {
                    Cell::float(t.next_requests as f64 / t.requests as f64)
                })
        },
    },
    Column {
        name: "slo_violation_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        extract: |r| {
            r.traffic
                .and_then(|t| t.slo_violation)
                .map_or(Cell::Empty, Cell::seconds)
        },
    },
    Column {
        name: "p95_latency_ms",
        unit: Unit::Milliseconds,
        better: Better::Lower,
        extract: |r| {
            r.traffic
                .map_or(Cell::Empty, |t| Cell::float(t.p95_latency_ms))
        },
    },
    Column {
        name: "peak_running_tasks",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| Cell::Int(r.peak_running_tasks.into()),
    },
    Column {
        name: "event_budget_exceeded",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| Cell::Int(r.event_budget_exceeded.into()),
    },
    pending_column("pending_resources", |r| {
        pending(r, PendingReason::Resources)
    }),
    pending_column("pending_affinity", |r| pending(r, PendingReason::Affinity)),
    pending_column("pending_taint", |r| pending(r, PendingReason::Taint)),
    pending_column("pending_spread", |r| pending(r, PendingReason::Spread)),
    pending_column("pending_max_replicas_per_node", |r| {
        pending(r, PendingReason::MaxReplicasPerNode)
    }),
    pending_column("pending_node_down", |r| pending(r, PendingReason::NodeDown)),
    Column {
        name: "detected",
        unit: Unit::Count,
        better: Better::Higher,
        extract: |r| {
            r.verdict
                .filter(|v| v.bad)
                .map_or(Cell::Empty, |v| Cell::Int(v.aborted.into()))
        },
    },
    Column {
        name: "time_to_detect_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        extract: |r| {
            r.verdict
                .and_then(|v| v.time_to_detect)
                .map_or(Cell::Empty, Cell::seconds)
        },
    },
    Column {
        name: "false_rollback",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| {
            r.verdict
                .filter(|v| !v.bad)
                .map_or(Cell::Empty, |v| Cell::Int(v.aborted.into()))
        },
    },
    Column {
        name: "bad_release_requests",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| {
            r.traffic
                .and_then(|t| t.bad_release_requests)
                .map_or(Cell::Empty, Cell::Int)
        },
    },
    Column {
        name: "dry_run_detected",
        unit: Unit::Count,
        better: Better::Higher,
        extract: |r| {
            r.verdict
                .filter(|v| v.bad)
                .and_then(|v| v.dry_run_failed)
                .map_or(Cell::Empty, |f| Cell::Int(f.into()))
        },
    },
    Column {
        name: "dry_run_false_rollback",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| {
            r.verdict
                .filter(|v| !v.bad)
                .and_then(|v| v.dry_run_failed)
                .map_or(Cell::Empty, |f| Cell::Int(f.into()))
        },
    },
    pending_column("pending_unschedulable", |r| {
        pending(r, PendingReason::Unschedulable)
    }),
    Column {
        name: "drain_s",
        unit: Unit::Seconds,
        better: Better::Lower,
        extract: |r| r.drains.map_or(Cell::Empty, |d| Cell::seconds(d.longest)),
    },
    Column {
        name: "drains_unfinished",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| {
            r.drains
                .map_or(Cell::Empty, |d| Cell::Int(d.unfinished.into()))
        },
    },
    pending_column("pending_host_port", |r| pending(r, PendingReason::HostPort)),
    pending_column("pending_anti_affinity", |r| {
        pending(r, PendingReason::AntiAffinity)
    }),
    Column {
        name: "nodes_added",
        unit: Unit::Count,
        better: Better::Lower,
        extract: |r| r.nodes_added.map_or(Cell::Empty, |n| Cell::Int(n.into())),
    },
];

/// A `pending_<reason>` column: 1 when some task of the trial stayed Pending for that
/// reason, 0 otherwise, empty when the orchestrator has no such filter (so its mean in
/// `summary.json` is the share of trials).
const fn pending_column(name: &'static str, extract: fn(&TrialResult) -> Cell) -> Column {
    Column {
        name,
        unit: Unit::Count,
        better: Better::Lower,
        extract,
    }
}

fn pending(r: &TrialResult, reason: PendingReason) -> Cell {
    r.pending
        .get(reason)
        .map_or(Cell::Empty, |seen| Cell::Int(seen.into()))
}

/// A request count, empty without traffic.
fn traffic_count(r: &TrialResult, count: fn(&TrafficResult) -> u64) -> Cell {
    r.traffic
        .as_ref()
        .map_or(Cell::Empty, |t| Cell::Int(count(t)))
}

/// The column called `name`, if there is one.
pub fn column(name: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.name == name)
}

#[cfg(test)]
pub(crate) mod tests;
