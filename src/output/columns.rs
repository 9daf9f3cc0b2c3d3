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
//! request was sent). It is never written as 0, and statistics leave it out.
//!
//! Every column also says which way is [`Better`], so reports show each metric's bad tail.

use std::fmt;

use crate::cluster::placer::PendingReason;
use crate::result::{TrafficResult, TrialResult};
use crate::sim::time::{NEVER, Time, as_secs};

/// One value of `trials.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// A count or an identifier, printed as a plain integer.
    Int(u64),
    /// A measurement, printed in Rust's shortest round-trip form (`47`, `47.5`,
    /// `130.123456`). Always finite: build it with [`Cell::float`].
    Float(f64),
    /// A name (the outcome).
    Str(&'static str),
    /// Not modelled / not measured: an empty CSV field.
    Empty,
}

impl Cell {
    /// A float cell, or [`Cell::Empty`] for a non-finite value (a NaN latency of a trial
    /// that served no request is "not measured", and neither CSV nor JSON can spell NaN).
    /// Negative zero becomes `0`, so the output never shows `-0`.
    pub fn float(x: f64) -> Cell {
        if !x.is_finite() {
            Cell::Empty
        } else if x == 0.0 {
            Cell::Float(0.0)
        } else {
            Cell::Float(x)
        }
    }

    /// Simulated time as seconds with microsecond precision; [`NEVER`] is empty.
    pub fn seconds(t: Time) -> Cell {
        if t == NEVER {
            Cell::Empty
        } else {
            Cell::float(as_secs(t))
        }
    }

    /// The numeric value, for statistics: `None` for strings and empty cells.
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Cell::Int(v) => Some(v as f64),
            Cell::Float(v) => Some(v),
            Cell::Str(_) | Cell::Empty => None,
        }
    }

    /// Whether this is an empty cell.
    pub fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }
}

/// The CSV text of the cell.
///
/// Floats use `f64`'s `Display`, which prints the shortest decimal that reads back as the
/// same `f64`, never in exponent notation, identically on every platform. A duration of
/// `t` µs is computed as `t / 10⁶` (correctly rounded), so it prints as exactly its decimal
/// value with at most six fractional digits and no trailing zeros: `47`, `47.5`,
/// `130.123456`.
impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Int(v) => write!(f, "{v}"),
            Cell::Float(v) => write!(f, "{v}"),
            Cell::Str(s) => f.write_str(s),
            Cell::Empty => Ok(()),
        }
    }
}

/// What a column's numbers measure: decides whether it is aggregated and how the terminal
/// table formats it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Identifies the row (`trial`, `seed`): a number, but not a metric.
    Id,
    /// A name (`outcome`): counted per value, not averaged.
    Label,
    /// A count of things (tasks, requests, restarts, events).
    Count,
    /// Seconds of simulated time.
    Seconds,
    /// Milliseconds (latencies).
    Milliseconds,
    /// CPU cores.
    Cores,
    /// Bytes of memory.
    Bytes,
    /// A fraction in `[0, 1]` (availability).
    Ratio,
}

/// Which values of a metric are good, so a report can show its bad tail: the slow
/// rollouts (p95, p99 of `duration_s`) but the worst availability (p05, p01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    /// Higher is better (`availability`, `min_ready`): the bad tail is p05 / p01.
    Higher,
    /// Lower is better (durations, failures, latencies, capacity): the bad tail is p95 / p99.
    Lower,
    /// Neither (the load offered, identifiers, when a deadline passed): reports show the
    /// upper tail.
    Neither,
}

impl Better {
    /// The name reports print: `higher`, `lower`, or `-`.
    pub fn as_str(self) -> &'static str {
        match self {
            Better::Higher => "higher",
            Better::Lower => "lower",
            Better::Neither => "-",
        }
    }
}

/// One column of `trials.csv`.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The header name (also the metric's key in `summary.json` and in checks such as
    /// `duration_s.p95`).
    pub name: &'static str,
    /// What the values measure.
    pub unit: Unit,
    /// Which way is good: decides which tail of the distribution is the bad one.
    pub better: Better,
    /// The column's value for one trial.
    pub extract: fn(&TrialResult) -> Cell,
}

impl Column {
    /// The column's value for `row`.
    pub fn cell(&self, row: &TrialResult) -> Cell {
        (self.extract)(row)
    }

    /// Whether `summary.json` aggregates this column (every column but `trial`, `seed` and
    /// `outcome`).
    pub const fn is_metric(&self) -> bool {
        !matches!(self.unit, Unit::Id | Unit::Label)
    }
}

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
pub(crate) mod tests {
    use super::*;
    use crate::result::Outcome;
    use crate::sim::time::SECOND;

    /// A trial with traffic and every field distinct, shared by the output tests.
    pub(crate) fn sample_row() -> TrialResult {
        TrialResult {
            trial: 3,
            seed: 42,
            outcome: Outcome::RolledBack,
            duration: 130_123_456,
            min_ready: 4,
            min_available: 3,
            peak_tasks: 8,
            peak_cpu_millis: 4_500,
            peak_memory_bytes: 4 * 512 * 1024 * 1024,
            traffic: Some(TrafficResult {
                requests: 2_000,
                failed_requests: 5,
                p99_latency_ms: 23.5,
                bad_version_requests: 120,
                refused_requests: 3,
                timed_out_requests: 0,
                errored_requests: 1,
                dropped_requests: 1,
                p50_latency_ms: 12.25,
                next_requests: 500,
                slo_violation: Some(20 * SECOND),
                p95_latency_ms: 21.75,
            }),
            restarts: 2,
            update_failures: 1,
            deadline_exceeded_at: Some(600 * SECOND),
            events: 1_234,
            update_failures_modelled: true,
            peak_running_tasks: 7,
            event_budget_exceeded: false,
            pending: {
                let mut p = crate::cluster::placer::PendingReasons::new(false);
                p.insert(PendingReason::Affinity);
                p
            },
            verdict: Some(crate::result::Verdict {
                bad: true,
                aborted: true,
                time_to_detect: Some(95_500_000),
            }),
        }
    }

    fn cells(row: &TrialResult) -> Vec<String> {
        COLUMNS.iter().map(|c| c.cell(row).to_string()).collect()
    }

    #[test]
    fn contract_columns_come_first_in_contract_order() {
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(
            names[..CONTRACT_COLUMNS],
            [
                "trial",
                "seed",
                "outcome",
                "duration_s",
                "min_ready",
                "min_available",
                "peak_tasks",
                "peak_cpu",
                "peak_memory",
                "requests",
                "failed_requests",
                "availability",
                "p99_latency_ms",
                "restarts",
                "bad_version_requests",
            ]
        );
        assert_eq!(
            names[CONTRACT_COLUMNS..],
            [
                "update_failures",
                "deadline_exceeded_s",
                "events",
                "refused_requests",
                "timed_out_requests",
                "errored_requests",
                "dropped_requests",
                "p50_latency_ms",
                "next_requests",
                "next_share",
                "slo_violation_s",
                "p95_latency_ms",
                "peak_running_tasks",
                "event_budget_exceeded",
                "pending_resources",
                "pending_affinity",
                "pending_taint",
                "pending_spread",
                "pending_max_replicas_per_node",
                "pending_node_down",
                "detected",
                "time_to_detect_s",
                "false_rollback",
            ]
        );
    }

    #[test]
    fn column_names_are_unique() {
        for (i, c) in COLUMNS.iter().enumerate() {
            assert_eq!(column(c.name).map(|f| f.name), Some(c.name));
            assert!(COLUMNS[..i].iter().all(|d| d.name != c.name), "{}", c.name);
        }
    }

    #[test]
    fn cells_of_a_full_row() {
        assert_eq!(
            cells(&sample_row()),
            [
                "3",
                "42",
                "rolled_back",
                "130.123456",
                "4",
                "3",
                "8",
                "4.5",
                "2147483648",
                "2000",
                "5",
                "0.9975",
                "23.5",
                "2",
                "120",
                "1",
                "600",
                "1234",
                "3",
                "0",
                "1",
                "1",
                "12.25",
                "500",
                "0.25",
                "20",
                "21.75",
                "7",
                "0",
                "0",
                "1",
                "",
                "",
                "0",
                "0",
                "1",
                "95.5",
                "",
            ]
        );
    }

    #[test]
    fn unmodelled_values_are_empty_never_zero() {
        let row = TrialResult {
            traffic: None,
            deadline_exceeded_at: None,
            update_failures_modelled: false,
            ..sample_row()
        };
        let c = cells(&row);
        for name in [
            "requests",
            "failed_requests",
            "availability",
            "p99_latency_ms",
            "bad_version_requests",
            "update_failures",
            "deadline_exceeded_s",
            "p95_latency_ms",
        ] {
            let i = COLUMNS.iter().position(|c| c.name == name).unwrap();
            assert_eq!(c[i], "", "{name}");
        }
        // Traffic with no request at all: counts are 0, availability is undefined.
        let idle = TrialResult {
            traffic: Some(TrafficResult {
                p99_latency_ms: f64::NAN,
                ..TrafficResult::default()
            }),
            ..sample_row()
        };
        assert_eq!(column("requests").unwrap().cell(&idle), Cell::Int(0));
        assert_eq!(column("availability").unwrap().cell(&idle), Cell::Empty);
        assert_eq!(column("p99_latency_ms").unwrap().cell(&idle), Cell::Empty);
    }

    #[test]
    fn seconds_print_shortest_exact() {
        let s = |t: Time| Cell::seconds(t).to_string();
        assert_eq!(s(47 * SECOND), "47");
        assert_eq!(s(47_500_000), "47.5");
        assert_eq!(s(130_123_456), "130.123456");
        assert_eq!(s(1), "0.000001");
        assert_eq!(s(0), "0");
        assert_eq!(s(NEVER), "");
    }

    #[test]
    fn floats_never_print_nan_or_negative_zero() {
        assert_eq!(Cell::float(f64::NAN), Cell::Empty);
        assert_eq!(Cell::float(f64::INFINITY), Cell::Empty);
        assert_eq!(Cell::float(-0.0).to_string(), "0");
        assert_eq!(Cell::float(1e-7).to_string(), "0.0000001");
    }

    /// The direction of each metric is what a planner means by "worse": fewer serving
    /// tasks or requests served is worse, longer, costlier or more failures is worse.
    #[test]
    fn every_metric_has_the_direction_a_planner_means() {
        let better = |name: &str| column(name).unwrap().better;
        for name in ["availability", "min_ready", "min_available"] {
            assert_eq!(better(name), Better::Higher, "{name}");
        }
        for name in [
            "duration_s",
            "peak_tasks",
            "peak_cpu",
            "peak_memory",
            "peak_running_tasks",
            "failed_requests",
            "p50_latency_ms",
            "p95_latency_ms",
            "p99_latency_ms",
            "restarts",
            "bad_version_requests",
            "update_failures",
            "refused_requests",
            "timed_out_requests",
            "errored_requests",
            "dropped_requests",
            "slo_violation_s",
        ] {
            assert_eq!(better(name), Better::Lower, "{name}");
        }
        // Load and bookkeeping columns have no good direction.
        for name in ["requests", "next_requests", "next_share", "events"] {
            assert_eq!(better(name), Better::Neither, "{name}");
        }
    }

    #[test]
    fn metrics_are_every_column_but_trial_seed_outcome() {
        let skipped: Vec<&str> = COLUMNS
            .iter()
            .filter(|c| !c.is_metric())
            .map(|c| c.name)
            .collect();
        assert_eq!(skipped, ["trial", "seed", "outcome"]);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// `t` µs written the slow, obviously exact way: integer seconds, then the six
        /// fractional digits with trailing zeros removed.
        fn exact_decimal(t: Time) -> String {
            let (s, us) = (t / SECOND, t % SECOND);
            if us == 0 {
                s.to_string()
            } else {
                format!("{s}.{us:06}").trim_end_matches('0').to_string()
            }
        }

        proptest! {
            /// Every duration up to ~31 years prints as its exact decimal value. (Below
            /// 10¹⁵ µs the decimal has at most 15 significant digits, which an f64 always
            /// tells apart, so the shortest round-trip form is that decimal.)
            #[test]
            fn durations_print_exactly(t in 0u64..1_000_000_000_000_000) {
                prop_assert_eq!(Cell::seconds(t).to_string(), exact_decimal(t));
            }

            /// Millicores print exactly as cores.
            #[test]
            fn cores_print_exactly(m in 0u64..1_000_000_000) {
                let row = TrialResult { peak_cpu_millis: m, ..sample_row() };
                let got = column("peak_cpu").unwrap().cell(&row).to_string();
                let want = {
                    let (c, f) = (m / 1000, m % 1000);
                    if f == 0 { c.to_string() }
                    else { format!("{c}.{f:03}").trim_end_matches('0').to_string() }
                };
                prop_assert_eq!(got, want);
            }
        }
    }
}
