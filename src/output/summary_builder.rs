//! Streaming aggregation: a [`Summary`] from trials seen one at a time.
//!
//! A [`SummaryBuilder`] takes each [`TrialResult`] as it finishes and keeps, per numeric
//! column and per outcome, the column's non-empty values in a [`CompactColumn`]: exact
//! (the same `f64` bits as the cell) and small. [`SummaryBuilder::finish`] then computes
//! exactly what [`Summary::from_rows`] computes over the same trials, which is defined as
//! this builder fed every row.
//!
//! **Memory.** A value costs the bytes of its narrowest exact encoding: 1 for a small
//! count, 2 for cores or a request count, 4 for a duration under 71 minutes, 8 for memory
//! in bytes, a latency or a ratio (a run of one value at a column's end is counted, not
//! stored, until another value comes: see [`CompactColumn`]). The default scenario
//! (traffic on, 24 numeric cells a trial before the four 0/1 `pending_*` cells, one byte
//! each) kept 65 bytes per trial at a million trials, so 65 MB (69 with them), against
//! 192 MB (224) for one `f64` per cell (measured with [`SummaryBuilder::heap_bytes`]; a
//! test pins the bound).
//! Nothing else grows with the trials: a trial's outcome decides where its values are
//! filed rather than being stored. [`SummaryBuilder::finish`] decodes one column at a
//! time on each of at most four threads, adding at most 24 bytes per trial a thread while
//! it runs (the values, and the keys of [`crate::stats::sort`] twice).
//!
//! **Merging.** Statistics depend on the multiset of values only (they sort before they
//! sum), so [`SummaryBuilder::merge`] of builders over any partition of the trials (the
//! shards of a run, the chunks of worker threads) finishes into a `Summary` identical, bit
//! for bit, to one builder over all of them.

use crate::output::cells::{At, CellVisitor, METRICS, visit_cells};
use crate::output::columns::{COLUMNS, Cell, Column};
use crate::output::summary::{Metric, OutcomeMetrics, OutcomeShare, Summary};
use crate::result::{Outcome, TrialResult};
use crate::stats::sort::SortBuffers;
use crate::stats::summary::sort_finite_in;
use crate::stats::{self, CompactColumn, Z_95, wilson};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many outcomes there are.
const OUTCOMES: usize = Outcome::ALL.len();

/// The running aggregate of a run's trials (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct SummaryBuilder {
    scenario: String,
    seed: u64,
    /// Trials per outcome, indexed by `Outcome as usize` ([`Outcome::ALL`] order).
    counts: [u64; OUTCOMES],
    /// The numeric columns of `trials.csv`, in column order.
    columns: Vec<&'static Column>,
    /// `values[c][o]`: the non-empty cells of `columns[c]` in trials that ended with
    /// outcome `o`.
    values: Vec<[CompactColumn; OUTCOMES]>,
    /// Trials stopped by their event budget.
    event_budget_exceeded: u64,
}

impl SummaryBuilder {
    /// An empty aggregate for a run of `scenario` with `seed`.
    pub fn new(scenario: &str, seed: u64) -> SummaryBuilder {
        let columns: Vec<&'static Column> = COLUMNS.iter().filter(|c| c.is_metric()).collect();
        SummaryBuilder {
            scenario: scenario.to_string(),
            seed,
            counts: [0; OUTCOMES],
            values: columns.iter().map(|_| Default::default()).collect(),
            columns,
            event_budget_exceeded: 0,
        }
    }

    /// Adds one trial.
    pub fn push(&mut self, row: &TrialResult) {
        let o = row.outcome as usize;
        self.counts[o] += 1;
        self.event_budget_exceeded += u64::from(row.event_budget_exceeded);
        // As an array, the compile-time place of each metric needs no bounds check (nor
        // does `o`, checked by the count above).
        let values = self.values.as_mut_slice().try_into();
        let values = values.expect("a list of values per metric column");
        visit_cells(row, &mut Filing { values, outcome: o });
    }

    /// Adds every trial of `other`, a builder of the same scenario and seed over other
    /// trials; the caller checks that they belong together (shard merging compares the
    /// scenario, seed and version of each shard before it gets here).
    pub fn merge(&mut self, mut other: SummaryBuilder) {
        debug_assert_eq!((&self.scenario, self.seed), (&other.scenario, other.seed));
        self.event_budget_exceeded += other.event_budget_exceeded;
        for (mine, theirs) in self.counts.iter_mut().zip(other.counts) {
            *mine += theirs;
        }
        for (mine, theirs) in self.values.iter_mut().zip(&mut other.values) {
            for (m, t) in mine.iter_mut().zip(theirs) {
                m.append(t);
            }
        }
    }

    /// Trials added so far.
    pub fn trials(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Heap bytes held for the values (the memory that grows with the trials).
    pub fn heap_bytes(&self) -> usize {
        self.values
            .iter()
            .flatten()
            .map(CompactColumn::heap_bytes)
            .sum()
    }

    /// The summary of the trials so far (not marked partial: the caller knows whether
    /// the run was cut short). O(columns · n log n); the builder can keep growing.
    pub fn finish(&self) -> Summary {
        let trials = self.trials();
        let outcomes = Outcome::ALL
            .into_iter()
            .map(|outcome| {
                let count = self.counts[outcome as usize];
                let (lo, hi) = wilson(count, trials, Z_95);
                OutcomeShare {
                    outcome,
                    count,
                    fraction: if trials == 0 {
                        0.0
                    } else {
                        count as f64 / trials as f64
                    },
                    ci95: [lo, hi],
                }
            })
            .collect();
        let per_column = self.per_column();
        let by_outcome = Outcome::ALL
            .into_iter()
            .filter(|&o| self.counts[o as usize] > 0)
            .map(|outcome| OutcomeMetrics {
                outcome,
                trials: self.counts[outcome as usize],
                metrics: per_column
                    .iter()
                    .filter_map(|(_, of)| of[outcome as usize])
                    .collect(),
            })
            .collect();
        Summary {
            scenario: self.scenario.clone(),
            trials,
            seed: self.seed,
            outcomes,
            metrics: per_column.iter().filter_map(|(all, _)| *all).collect(),
            by_outcome,
            partial: false,
            event_budget_exceeded: self.event_budget_exceeded,
        }
    }

    /// Every column's metrics, in column order: the run's and each outcome's.
    ///
    /// A large run's columns are summarised on up to [`COLUMNS_AT_ONCE`] threads of the
    /// current pool, each taking the next column not yet taken: at the end of a run the
    /// summary is the one part left that does not run on every core (40 ms of a 200,000-
    /// trial `bench-swarm.yaml` run on two threads, against 630 ms of trials), and the
    /// columns are independent, so each comes out the same whichever thread takes it.
    /// Each thread decodes one column at a time into buffers it keeps from column to
    /// column: at most 24 bytes per trial a thread (the values, and the sort's keys).
    fn per_column(&self) -> Vec<ColumnMetrics> {
        let columns = self.columns.len();
        let threads = if self.trials() < PARALLEL_FROM {
            1
        } else {
            rayon::current_num_threads().clamp(1, COLUMNS_AT_ONCE)
        };
        let summarise = |next: &AtomicUsize| {
            let mut buffers = (Vec::new(), SortBuffers::default());
            let mut done = Vec::new();
            loop {
                let c = next.fetch_add(1, Ordering::Relaxed);
                if c >= columns {
                    return done;
                }
                done.push((
                    c,
                    column_metrics(self.columns[c], &self.values[c], &mut buffers),
                ));
            }
        };
        let next = AtomicUsize::new(0);
        let mut done: Vec<(usize, ColumnMetrics)> = if threads == 1 {
            summarise(&next)
        } else {
            (0..threads)
                .into_par_iter()
                .flat_map_iter(|_| summarise(&next))
                .collect()
        };
        done.sort_unstable_by_key(|&(c, _)| c);
        done.into_iter().map(|(_, m)| m).collect()
    }
}

/// Trials from which [`SummaryBuilder::finish`] summarises columns on several threads:
/// below, handing columns out costs more than it saves.
const PARALLEL_FROM: u64 = 20_000;

/// The most columns summarised at once, whatever the pool's size: each holds a column's
/// decoded values (see [`SummaryBuilder::per_column`]), so this bounds the memory.
const COLUMNS_AT_ONCE: usize = 4;

/// A column's metrics: over every trial, and over each outcome's.
type ColumnMetrics = (Option<Metric>, [Option<Metric>; OUTCOMES]);

/// One trial's cells being filed under its outcome: what [`Cell::as_f64`] gives, pushed
/// onto its metric's column, with the column known at compile time (see
/// [`crate::output::cells`]).
struct Filing<'a> {
    values: &'a mut [[CompactColumn; OUTCOMES]; METRICS],
    outcome: usize,
}

impl CellVisitor for Filing<'_> {
    #[inline(always)]
    fn visit<const I: usize>(&mut self, cell: Cell) {
        let Some(m) = At::<I>::METRIC else { return };
        let column = &mut self.values[m][self.outcome];
        match cell {
            Cell::Int(v) => column.push_int(v),
            Cell::Float(x) => column.push(x),
            Cell::Str(_) | Cell::Empty => {}
        }
    }
}

/// The statistics of one column over all trials and over each outcome's.
///
/// The outcomes' values are decoded one after the other into one vector and each run is
/// sorted in place; the stable sort of the whole then finds those sorted runs and only
/// merges them: one O(n log n) sort per column instead of two, and no second copy.
fn column_metrics(
    column: &'static Column,
    values: &[CompactColumn; OUTCOMES],
    (all, sort): &mut (Vec<f64>, SortBuffers),
) -> ColumnMetrics {
    let metric =
        |sorted: &[f64]| stats::Summary::of_sorted(sorted).map(|stats| Metric { column, stats });
    all.clear();
    all.reserve(values.iter().map(CompactColumn::len).sum());
    let of_outcome = std::array::from_fn(|o| {
        let start = all.len();
        values[o].decode_into(all);
        let part = match values[o].only_value() {
            // Copies of one value (most columns): in order already, and finite or not as
            // a whole; nothing to sort or to filter.
            Some(x) if x.is_finite() => start..all.len(),
            Some(_) => {
                all.truncate(start);
                start..start
            }
            None => sort_finite_in(all, start, sort),
        };
        metric(&all[part])
    });
    if values.iter().filter(|v| !v.is_empty()).count() <= 1 {
        // One outcome's values (a run where every trial ends alike) or none: `all` is
        // those values, already sorted and summarised.
        return (of_outcome.iter().find_map(|m| *m), of_outcome);
    }
    all.sort_by(f64::total_cmp);
    (metric(all), of_outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::tests::sample_row;
    use crate::result::TrafficResult;
    use crate::sim::time::{MILLISECOND, SECOND};

    /// Trials shaped like the default scenario's: durations in microseconds, small task
    /// counts, tens of thousands of requests, latencies and availability as arbitrary
    /// floats.
    fn trial(i: u64) -> TrialResult {
        let k = i * 7_919 % 1_000;
        TrialResult {
            trial: i,
            outcome: Outcome::ALL[(k % 3) as usize],
            duration: 60 * SECOND + k * 37 * MILLISECOND + k,
            min_ready: 4 + (k % 3) as u32,
            peak_tasks: 7 + (k % 2) as u32,
            peak_cpu_millis: 3_500 + 250 * (k % 3),
            peak_memory_bytes: (7 + k % 2) * 512 * 1024 * 1024,
            traffic: Some(TrafficResult {
                requests: 15_000 + k,
                failed_requests: k % 40,
                p99_latency_ms: 20.0 + k as f64 / 7.0,
                p95_latency_ms: 18.0 + k as f64 / 9.0,
                p50_latency_ms: 9.0 + k as f64 / 11.0,
                bad_version_requests: k % 5,
                refused_requests: k % 40,
                next_requests: 7_000 + k,
                slo_violation: None,
                ..TrafficResult::default()
            }),
            deadline_exceeded_at: None,
            events: 40_000 + 13 * k,
            ..sample_row()
        }
    }

    fn builder(trials: std::ops::Range<u64>) -> SummaryBuilder {
        let mut b = SummaryBuilder::new("web", 42);
        trials.for_each(|i| b.push(&trial(i)));
        b
    }

    /// The statistics of `column` over `rows`, from plain `f64` cells.
    fn plain(rows: &[&TrialResult], column: &Column) -> Option<stats::Summary> {
        let cells: Vec<f64> = rows
            .iter()
            .filter_map(|r| column.cell(r).as_f64())
            .collect();
        stats::Summary::of(&cells)
    }

    /// The builder computes what summarising `f64` columns of the rows computes: checked
    /// against `stats::Summary::of` over each column's cells, for the run and per outcome.
    #[test]
    fn same_statistics_as_the_plain_columns() {
        let rows: Vec<TrialResult> = (0..500).map(trial).collect();
        let s = builder(0..500).finish();
        assert_eq!(s.by_outcome.len(), 3);
        for column in COLUMNS.iter().filter(|c| c.is_metric()) {
            let all: Vec<&TrialResult> = rows.iter().collect();
            let got = s.metric(column.name).map(|m| m.stats);
            assert_eq!(got, plain(&all, column), "{}", column.name);
            for o in &s.by_outcome {
                let of: Vec<&TrialResult> =
                    rows.iter().filter(|r| r.outcome == o.outcome).collect();
                let got = o.metric(column.name).map(|m| m.stats);
                assert_eq!(got, plain(&of, column), "{}", column.name);
            }
        }
    }

    /// Shards 0..300, 300..301, 301..1000 merged give the single run's summary.json, byte
    /// for byte, in either merge order.
    #[test]
    fn merged_shards_equal_one_run() {
        let whole = builder(0..1_000).finish().to_json();
        let mut a = builder(0..300);
        a.merge(builder(300..301));
        a.merge(builder(301..1_000));
        assert_eq!(a.trials(), 1_000);
        assert_eq!(a.finish().to_json(), whole);
        let mut b = builder(301..1_000);
        b.merge(builder(0..301));
        assert_eq!(b.finish().to_json(), whole);
        // The builder keeps working after a merge.
        a.push(&trial(1_000));
        assert_eq!(a.finish().to_json(), builder(0..1_001).finish().to_json());
    }

    /// A run large enough to be summarised on several threads gives, byte for byte, what
    /// one thread gives, on pools of every size up to past [`COLUMNS_AT_ONCE`]; and it
    /// agrees with the plain columns (the check of the test above, on the run's metrics).
    #[test]
    fn columns_on_several_threads_summarise_as_on_one() {
        let n = PARALLEL_FROM + 1_000;
        let b = builder(0..n);
        let on = |threads: usize| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| b.finish().to_json())
        };
        let one = on(1);
        for threads in [2, 3, COLUMNS_AT_ONCE + 2] {
            assert_eq!(on(threads), one, "{threads} threads");
        }
        let rows: Vec<TrialResult> = (0..n).map(trial).collect();
        let all: Vec<&TrialResult> = rows.iter().collect();
        let summary = b.finish();
        assert_eq!(summary.trials, n);
        for column in COLUMNS.iter().filter(|c| c.is_metric()) {
            let got = summary.metric(column.name).map(|m| m.stats);
            assert_eq!(got, plain(&all, column), "{}", column.name);
        }
    }

    /// The memory figure of the module docs: under 4 bytes a cell (36 cells: under 144
    /// bytes per trial) for these rows, where one `f64` per cell would need 8.
    #[test]
    fn bytes_per_trial() {
        let n = 20_000;
        let b = builder(0..n);
        let per_trial = b.heap_bytes() as f64 / n as f64;
        let cells = COLUMNS
            .iter()
            .filter(|c| !c.cell(&trial(0)).is_empty() && c.is_metric())
            .count();
        assert_eq!(cells, 36);
        println!("{per_trial:.1} bytes per trial");
        assert!(
            per_trial < 4.0 * cells as f64,
            "{per_trial} bytes per trial"
        );
    }

    #[test]
    fn empty_builder() {
        let s = SummaryBuilder::new("web", 1).finish();
        assert_eq!(s.trials, 0);
        assert!(s.metrics.is_empty() && s.by_outcome.is_empty());
        assert_eq!(SummaryBuilder::new("web", 1).heap_bytes(), 0);
    }

    #[test]
    fn outcome_index_is_all_order() {
        for (i, o) in Outcome::ALL.into_iter().enumerate() {
            assert_eq!(o as usize, i);
        }
    }
}
