//! `timeline.csv`: the traffic time series, one row per `traffic.tick` bucket.
//!
//! Two shapes, both with `t_s` (the end of the bucket, seconds) first:
//!
//! - **one trial** ([`timeline_trial_csv`]): `ready_<version>` (tasks Ready, the truth),
//!   `in_rotation_<version>` (the balancer's view), `requests, ok, failed, refused,
//!   timed_out, errored, dropped, availability, p99_latency_ms` for that bucket;
//! - **bands across trials** ([`timeline_bands_csv`]): `trials` (how many trials were
//!   still running in that bucket), then `<metric>_p05, <metric>_p50, <metric>_p95` for
//!   `ready_<version>`, `in_rotation_<version>`, `requests`, `failed`, `availability`
//!   and `p99_latency_ms`.
//!
//! Empty cells mean "not defined" (availability of a bucket with no request, latency of a
//! bucket with nothing served).

use crate::output::columns::Cell;
use crate::scenario::Scenario;
use crate::sim::time::Time;
use crate::stats::quantile::quantile;
use crate::traffic::TimelineRow;
use crate::traffic::meter::Outcome;

fn failed(r: &TimelineRow) -> u64 {
    r.requests.iter().sum::<u64>() - r.requests[Outcome::Ok as usize]
}

fn availability(r: &TimelineRow) -> f64 {
    let sent: u64 = r.requests.iter().sum();
    if sent == 0 {
        f64::NAN
    } else {
        r.requests[Outcome::Ok as usize] as f64 / sent as f64
    }
}

fn version_columns(s: &Scenario, prefix: &str) -> Vec<String> {
    s.service
        .versions
        .iter()
        .map(|v| format!("{prefix}_{}", v.name))
        .collect()
}

fn write(header: Vec<String>, rows: Vec<Vec<Cell>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = w.write_record(&header);
    for row in rows {
        let _ = w.write_record(row.iter().map(Cell::to_string));
    }
    w.into_inner().unwrap_or_default()
}

/// The timeline of one trial.
pub fn timeline_trial_csv(s: &Scenario, rows: &[TimelineRow]) -> Vec<u8> {
    let mut header = vec!["t_s".to_string()];
    header.extend(version_columns(s, "ready"));
    header.extend(version_columns(s, "in_rotation"));
    for h in [
        "requests",
        "ok",
        "failed",
        "refused",
        "timed_out",
        "errored",
        "dropped",
        "availability",
        "p99_latency_ms",
    ] {
        header.push(h.to_string());
    }
    let body = rows
        .iter()
        .map(|r| {
            let mut c = vec![Cell::seconds(r.t)];
            c.extend(r.ready.iter().map(|&n| Cell::Int(n.into())));
            c.extend(r.in_rotation.iter().map(|&n| Cell::Int(n.into())));
            c.push(Cell::Int(r.requests.iter().sum()));
            c.push(Cell::Int(r.requests[Outcome::Ok as usize]));
            c.push(Cell::Int(failed(r)));
            for o in [
                Outcome::Refused,
                Outcome::TimedOut,
                Outcome::Errored,
                Outcome::Dropped,
            ] {
                c.push(Cell::Int(r.requests[o as usize]));
            }
            c.push(Cell::float(availability(r)));
            c.push(Cell::float(r.p99_latency_ms));
            c
        })
        .collect();
    write(header, body)
}

/// Percentile bands (5th, 50th, 95th) across trials, bucket by bucket.
pub fn timeline_bands_csv(s: &Scenario, trials: &[Vec<TimelineRow>], tick: Time) -> Vec<u8> {
    let versions = s.service.versions.len();
    let mut names: Vec<String> = version_columns(s, "ready");
    names.extend(version_columns(s, "in_rotation"));
    names.extend(
        ["requests", "failed", "availability", "p99_latency_ms"]
            .iter()
            .map(|n| n.to_string()),
    );
    let metric = |r: &TimelineRow, m: usize| -> f64 {
        if m < versions {
            r.ready[m] as f64
        } else if m < 2 * versions {
            r.in_rotation[m - versions] as f64
        } else {
            match m - 2 * versions {
                0 => r.requests.iter().sum::<u64>() as f64,
                1 => failed(r) as f64,
                2 => availability(r),
                _ => r.p99_latency_ms,
            }
        }
    };
    let mut header = vec!["t_s".to_string(), "trials".to_string()];
    for n in &names {
        for p in ["p05", "p50", "p95"] {
            header.push(format!("{n}_{p}"));
        }
    }
    let buckets = trials.iter().map(Vec::len).max().unwrap_or(0);
    let mut values = Vec::with_capacity(trials.len());
    let body = (0..buckets)
        .map(|b| {
            let here: Vec<&TimelineRow> = trials.iter().filter_map(|t| t.get(b)).collect();
            let mut c = vec![
                Cell::seconds((b as Time + 1) * tick),
                Cell::Int(here.len() as u64),
            ];
            for m in 0..names.len() {
                values.clear();
                values.extend(here.iter().map(|r| metric(r, m)).filter(|x| x.is_finite()));
                values.sort_by(f64::total_cmp);
                for q in [0.05, 0.5, 0.95] {
                    c.push(quantile(&values, q).map_or(Cell::Empty, Cell::float));
                }
            }
            c
        })
        .collect();
    write(header, body)
}
