//! `timeline.csv`: the rollout over time, one row per tick.
//!
//! Rows are at `t_s = 0, tick, 2·tick, …` (seconds) up to the first tick at or after the
//! last trial's end. The tick is `traffic.tick` when the scenario has traffic, else chosen
//! by [`default_tick`]. Columns, after `t_s`:
//!
//! - **fleet** (always): `ready`, `ready_<version>`…, `available`, `available_<version>`…,
//!   `running`, `running_<version>`… — tasks serving, available, and with a running
//!   process not told to stop (a lost node's tasks neither serve nor run from the loss),
//!   at the end of instant `t` (see
//!   [`fleet`](crate::experiment::fleet)); the column without a version sums them all.
//!   After a trial's end its fleet is held as the trial left it.
//! - **traffic** (with `traffic`): `in_rotation_<version>`… (the balancer's view at the end
//!   of instant `t`, after every change of it, as the fleet is read), then `requests, ok, failed, refused, timed_out, errored, dropped,
//!   availability, p99_latency_ms` of the bucket `(t − tick, t]`; empty on the row `t = 0`
//!   and once the trial's traffic window is over.
//!
//! Two shapes: **one trial** ([`timeline_trial_csv`]) prints the values; **bands across
//! trials** ([`timeline_bands_csv`]) print `trials` (how many trials had not ended before
//! `t`), then `<column>_min, _p05, _p50, _p95, _max` over the trials for every column
//! above (traffic columns over the trials whose window covers the whole bucket: a trial's
//! last, shorter bucket is left out).
//!
//! Empty cells mean "not defined" (availability of a bucket with no request, latency of a
//! bucket with nothing served).

use crate::experiment::fleet::FLEET_COUNTS;
use crate::output::columns::Cell;
use crate::scenario::Scenario;
use crate::sim::time::{SECOND, Time};
use crate::stats::quantile::quantile;
use crate::traffic::TimelineRow;
use crate::traffic::meter::Outcome;
use crate::trial::TrialTimeline;

/// Most rows [`default_tick`] cuts the longest trial into.
pub const DEFAULT_TICK_STEPS: u64 = 500;

/// Tick candidates for a timeline without traffic: 1-2-5 steps, then the clock's.
const TICKS_MS: [u64; 20] = [
    10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000,
    300_000, 600_000, 900_000, 1_800_000, 3_600_000, 7_200_000,
];

/// The tick of a timeline without traffic whose longest trial lasts `span`: the smallest
/// of 10ms, 20ms, 50ms, 100ms, …, 1s, 2s, 5s, 10s, 15s, 30s, 1m, 2m, 5m, 10m, 15m, 30m, 1h,
/// 2h that cuts `span` into at most [`DEFAULT_TICK_STEPS`] steps (whole hours beyond).
pub fn default_tick(span: Time) -> Time {
    let ms = SECOND / 1000;
    TICKS_MS
        .iter()
        .map(|&t| t * ms)
        .find(|&t| span.div_ceil(t) <= DEFAULT_TICK_STEPS)
        .unwrap_or_else(|| {
            let hour = 3600 * SECOND;
            span.div_ceil(DEFAULT_TICK_STEPS).div_ceil(hour) * hour
        })
}

/// The tick of a run's timeline whose longest trial lasts `longest`: `traffic.tick` when
/// the scenario has traffic (fleet samples then fall at the traffic buckets' ends), else
/// [`default_tick`].
pub fn timeline_tick(s: &Scenario, longest: Time) -> Time {
    s.traffic
        .as_ref()
        .map_or_else(|| default_tick(longest), |t| t.tick)
}

/// Traffic figures of one bucket.
#[derive(Debug, Clone, Copy)]
enum Traffic {
    Requests,
    Ok,
    Failed,
    Of(Outcome),
    Availability,
    P99,
}

const TRAFFIC: [(&str, Traffic); 9] = [
    ("requests", Traffic::Requests),
    ("ok", Traffic::Ok),
    ("failed", Traffic::Failed),
    ("refused", Traffic::Of(Outcome::Refused)),
    ("timed_out", Traffic::Of(Outcome::TimedOut)),
    ("errored", Traffic::Of(Outcome::Errored)),
    ("dropped", Traffic::Of(Outcome::Dropped)),
    ("availability", Traffic::Availability),
    ("p99_latency_ms", Traffic::P99),
];

/// One column of the timeline (before any statistic).
#[derive(Debug, Clone, Copy)]
enum Series {
    /// `FLEET_COUNTS[kind]` of one version, or of all when `None`.
    Fleet(usize, Option<usize>),
    /// Endpoints of a version in the balancer's rotation.
    InRotation(usize),
    Traffic(Traffic),
}

impl Series {
    /// The value at row `i` of `tl`; `None` when not defined there.
    fn value(self, tl: &TrialTimeline, i: usize) -> Option<f64> {
        if let Series::Fleet(kind, version) = self {
            let f = &tl.fleet;
            return Some(f64::from(match version {
                Some(v) => f.get(i, kind, v),
                None => f.total(i, kind),
            }));
        }
        // Row i ends bucket i − 1.
        let r: &TimelineRow = tl.traffic.get(i.checked_sub(1)?)?;
        let sent: u64 = r.requests.iter().sum();
        let ok = r.requests[Outcome::Ok as usize];
        let x = match self {
            Series::Fleet(..) => unreachable!("handled above"),
            Series::InRotation(v) => f64::from(r.in_rotation[v]),
            Series::Traffic(Traffic::Requests) => sent as f64,
            Series::Traffic(Traffic::Ok) => ok as f64,
            Series::Traffic(Traffic::Failed) => (sent - ok) as f64,
            Series::Traffic(Traffic::Of(o)) => r.requests[o as usize] as f64,
            Series::Traffic(Traffic::Availability) if sent == 0 => return None,
            Series::Traffic(Traffic::Availability) => ok as f64 / sent as f64,
            Series::Traffic(Traffic::P99) => r.p99_latency_ms,
        };
        x.is_finite().then_some(x)
    }
}

impl Series {
    /// Whether `tl` counts in the band of row `i`: always for the fleet (held after the
    /// trial's end); for traffic, only if the trial's window covers the whole bucket. The
    /// last bucket of a window that ends between two ticks is shorter than a tick, so its
    /// counts would read as a drop in requests per tick that no trial had.
    fn covered(self, tl: &TrialTimeline, i: usize, tick: Time) -> bool {
        matches!(self, Series::Fleet(..))
            || i.checked_sub(1)
                .and_then(|b| tl.traffic.get(b))
                .is_some_and(|r| r.t == i as Time * tick)
    }
}

/// Every column of `s`'s timeline, with its name, in file order.
fn series(s: &Scenario) -> Vec<(String, Series)> {
    let versions = &s.service.versions;
    let mut out = Vec::new();
    for (kind, name) in FLEET_COUNTS.iter().enumerate() {
        out.push((name.to_string(), Series::Fleet(kind, None)));
        for (v, version) in versions.iter().enumerate() {
            out.push((
                format!("{name}_{}", version.name),
                Series::Fleet(kind, Some(v)),
            ));
        }
    }
    if s.traffic.is_some() {
        for (v, version) in versions.iter().enumerate() {
            out.push((
                format!("in_rotation_{}", version.name),
                Series::InRotation(v),
            ));
        }
        for (name, t) in TRAFFIC {
            out.push((name.to_string(), Series::Traffic(t)));
        }
    }
    out
}

fn write(header: Vec<String>, rows: impl Iterator<Item = Vec<Cell>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&header);
    for row in rows {
        let _ = w.write_record(row.iter().map(Cell::to_string));
    }
    w.into_inner().unwrap_or_default()
}

fn cell(x: Option<f64>) -> Cell {
    x.map_or(Cell::Empty, Cell::float)
}

/// The timeline of one trial.
pub fn timeline_trial_csv(s: &Scenario, tl: &TrialTimeline) -> Vec<u8> {
    let cols = series(s);
    let mut header = vec!["t_s".to_string()];
    header.extend(cols.iter().map(|(n, _)| n.clone()));
    let tick = tl.fleet.tick;
    let rows = (0..tl.fleet.len()).map(|i| {
        let mut c = vec![Cell::seconds(i as Time * tick)];
        c.extend(cols.iter().map(|&(_, k)| cell(k.value(tl, i))));
        c
    });
    write(header, rows)
}

/// The statistics of the bands, in column order.
const BAND_STATS: [(&str, f64); 5] = [
    ("min", 0.0),
    ("p05", 0.05),
    ("p50", 0.5),
    ("p95", 0.95),
    ("max", 1.0),
];

/// Percentile bands across trials, in memory: what `timeline.csv` prints and what the
/// charts draw, computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineBands {
    /// Time between rows.
    pub tick: Time,
    /// Column names, in file order (`ready`, `ready_<version>`, …, `ok`, `failed`, …).
    pub names: Vec<String>,
    /// Per row: how many trials had not ended before the row's time.
    pub running: Vec<u64>,
    /// Per row, per column: `[min, p05, p50, p95, max]` over the trials that define the
    /// value there (`None` where none does).
    pub rows: Vec<Vec<[Option<f64>; 5]>>,
}

impl TimelineBands {
    /// The index of column `name`, if the scenario has it.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Statistic `stat` (index into `[min, p05, p50, p95, max]`) of column `col`, row by row.
    pub fn series(&self, col: usize, stat: usize) -> impl Iterator<Item = Option<f64>> + '_ {
        self.rows.iter().map(move |r| r[col][stat])
    }
}

/// Percentile bands (min, 5th, 50th, 95th, max) across trials, row by row. Every trial
/// must have been sampled with the same tick.
///
/// O(rows · columns · trials log trials).
pub fn timeline_bands(s: &Scenario, trials: &[TrialTimeline]) -> TimelineBands {
    let cols = series(s);
    let tick = trials.first().map_or(SECOND, |t| t.fleet.tick);
    debug_assert!(trials.iter().all(|t| t.fleet.tick == tick));
    let len = trials.iter().map(|t| t.fleet.len()).max().unwrap_or(0);
    let mut values = Vec::with_capacity(trials.len());
    let mut running = Vec::with_capacity(len);
    let mut rows = Vec::with_capacity(len);
    for i in 0..len {
        let t = i as Time * tick;
        running.push(trials.iter().filter(|tl| tl.fleet.end >= t).count() as u64);
        let row = cols
            .iter()
            .map(|&(_, k)| {
                values.clear();
                values.extend(
                    trials
                        .iter()
                        .filter(|tl| k.covered(tl, i, tick))
                        .filter_map(|tl| k.value(tl, i)),
                );
                values.sort_by(f64::total_cmp);
                BAND_STATS.map(|(_, q)| quantile(&values, q))
            })
            .collect();
        rows.push(row);
    }
    TimelineBands {
        tick,
        names: cols.into_iter().map(|(n, _)| n).collect(),
        running,
        rows,
    }
}

/// `timeline.csv` of percentile bands across trials (see [`timeline_bands`]).
pub fn timeline_bands_csv(s: &Scenario, trials: &[TrialTimeline]) -> Vec<u8> {
    bands_csv(&timeline_bands(s, trials))
}

/// The bytes of `timeline.csv` for bands already computed.
pub fn bands_csv(b: &TimelineBands) -> Vec<u8> {
    let mut header = vec!["t_s".to_string(), "trials".to_string()];
    for n in &b.names {
        header.extend(BAND_STATS.iter().map(|(stat, _)| format!("{n}_{stat}")));
    }
    let rows = b
        .rows
        .iter()
        .zip(&b.running)
        .enumerate()
        .map(|(i, (row, &n))| {
            let mut c = vec![Cell::seconds(i as Time * b.tick), Cell::Int(n)];
            c.extend(row.iter().flat_map(|stats| stats.map(cell)));
            c
        });
    write(header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_tick_cuts_the_span_into_at_most_500_steps() {
        assert_eq!(default_tick(0), 10 * SECOND / 1000);
        assert_eq!(default_tick(5 * SECOND), 10 * SECOND / 1000);
        assert_eq!(default_tick(5 * SECOND + 1), 20 * SECOND / 1000);
        assert_eq!(default_tick(80 * SECOND), 200 * SECOND / 1000);
        assert_eq!(default_tick(2 * 3600 * SECOND), 15 * SECOND);
        // Beyond the ladder: whole hours.
        assert_eq!(default_tick(2000 * 3600 * SECOND), 4 * 3600 * SECOND);
        for span in [1, 7 * SECOND, 3333 * SECOND, 50_000 * SECOND] {
            assert!(span.div_ceil(default_tick(span)) <= DEFAULT_TICK_STEPS);
        }
    }
}
