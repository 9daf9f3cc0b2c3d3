//! Limits with reasons: the largest input each size-like field accepts, so a typo such as
//! `replicas: 1000000000` or `traffic.tick: 1us` is an error naming the field and the
//! limit, not an allocation that takes the machine down.
//!
//! Each limit is generous for real use and is stated with the memory or work it bounds;
//! README.md ("Limits") lists them for users. Field-level limits are checked where the
//! field is read; [`check`] does the ones that combine fields (a window over a period).

use super::duration::show;
use super::error::Problem;
use super::model::{Probe, RateProfile, Scenario};
use crate::sim::time::Time;
use crate::traffic::rate::{DIURNAL_PIECES, diurnal_piece};

/// `service.replicas`. Kubernetes' documented scalability envelope is 150,000 pods per
/// cluster (kubernetes.io, "Considerations for large clusters"); one service of 100,000
/// replicas is beyond any real rollout. Each replica costs a slot and its tasks in every
/// worker's buffers.
pub const MAX_REPLICAS: u32 = 100_000;

/// `cluster.nodes`. Twice Kubernetes' documented 5,000-node limit per cluster (same
/// source); the scheduler scans every node for every placement.
pub const MAX_NODES: u64 = 10_000;

/// `trials` and `--trials`. `run`'s streaming summary keeps every trial's values in
/// compact columns (about 100 bytes a trial at peak, ≈1 GB at the limit); `run --plot`,
/// `report` and `check` also keep every trial's row (about 450 bytes a trial, ≈4.5 GB).
/// Measured with `/usr/bin/time` on `scenarios/default.yaml`, 20,000 against 200,000
/// trials. A million trials already resolve a p99.9 to a few per cent.
pub const MAX_TRIALS: u64 = 10_000_000;

/// Traffic buckets per trial (`traffic.duration`, or `horizon`, over `traffic.tick`)
/// times the version columns each bucket has (every version, plus "no endpoint"). A
/// bucket keeps five expected counts per column and five whole counts, eight bytes each,
/// in every worker thread: ≈140 MB a worker at the limit (measured), which is a million
/// buckets for a `current` → `next` rollout (a 100 ms tick for 27 hours).
pub const MAX_BUCKET_COLUMNS: u64 = 3_000_000;

/// Load steps per trial: the traffic model takes the load (and with it queueing and
/// drops) as constant between steps, and a diurnal profile changes it every
/// `period / 96` ([`crate::traffic::rate`]), so `traffic.duration` (or `horizon`) over
/// that piece is the work of one trial's traffic. A step profile has at most
/// [`MAX_SAMPLES`] steps, the same bound; a million is a 24 h day in 86 ms pieces.
pub const MAX_LOAD_STEPS: u64 = 1_000_000;

/// `traffic.queue_limit`: the requests one endpoint holds waiting. Each latency table
/// (one per version and load level, [`crate::traffic::queueing`]) tabulates how many
/// requests an arrival finds ahead, one entry per queue place: two `f64` arrays of the
/// limit's length while it is built, and a pass over them per table. A million places is
/// a thousand times the pending requests of the proxies' own defaults (Envoy's
/// `max_pending_requests`, 1,024) and keeps a table within 16 MB and milliseconds.
pub const MAX_QUEUE_LIMIT: u32 = 1_000_000;

/// Probe periods per container over `horizon` (HEALTHCHECK `interval`, `start_interval`
/// within `start_period`, each Kubernetes probe's `periodSeconds`): flaky probes are
/// drawn one at a time.
pub const MAX_PROBES: u64 = 10_000_000;

/// `name`, in bytes: it names the output folder, and a run writes that folder first as
/// the hidden sibling `.<name>.rollout-sim-tmp-<pid>` (18 bytes around the name, and a
/// process id of up to 10 digits), which must stay within the 255 bytes a file name may
/// have on Linux, macOS and Windows file systems.
pub const MAX_NAME_BYTES: usize = 255 - 18 - 10;

/// `actions`: each is an event of every trial; no rollout is driven by more hands.
pub const MAX_ACTIONS: usize = 10_000;

/// Samples of one `empirical` distribution, and steps of one traffic profile (inline or
/// from a file): eight bytes each, shared by every worker.
pub const MAX_SAMPLES: usize = 1_000_000;

/// A scenario file is read whole and parsed into a tree several times its size; a
/// hand-written scenario is a few kilobytes.
pub const MAX_SCENARIO_BYTES: u64 = 4 << 20;

/// A CSV data file (`empirical: {file}`, `traffic.profile.file`) is read whole before
/// parsing; 64 MiB holds millions of rows, more than [`MAX_SAMPLES`] are used.
pub const MAX_DATA_BYTES: u64 = 64 << 20;

/// Maps and lists nested in one another, in any file read into a tree (a scenario, YAML or
/// JSON; a `--set` value; a manifest; a record of a `--trace` file): the readers recurse
/// once a level, and a scenario nests a few. serde-saphyr's default depth budget, set from
/// here, as the JSON reader's (`serde_json`'s own limit, 128, is never reached).
pub const MAX_DEPTH: usize = 64;

/// The message for maps and lists nested deeper than [`MAX_DEPTH`]; `at` says where
/// (` at line 2, column 67`, or empty), in every reader's words alike.
pub fn too_deep(at: &str) -> String {
    format!(
        "maps and lists nested deeper than {MAX_DEPTH} levels{at} (see \"Limits\" in the \
         README; a scenario nests a few)"
    )
}

/// The message for a number over its limit; `got` as written.
pub fn too_large(max: u64, got: impl std::fmt::Display) -> String {
    format!("must be at most {max} (see \"Limits\" in the README), got {got}")
}

/// The message for a list longer than its limit.
pub fn too_many(max: usize, got: usize, what: &str) -> String {
    format!("at most {max} {what} are supported (see \"Limits\" in the README), got {got}")
}

/// The limits that combine fields, on a scenario whose fields are each valid.
pub fn check(s: &Scenario) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Some(t) = &s.traffic {
        let (window, named) = match t.duration {
            Some(d) if d < s.horizon => (d, "traffic.duration"),
            _ => (s.horizon, "horizon"),
        };
        let columns = s.service.versions.len() as u64 + 1;
        let max = MAX_BUCKET_COLUMNS / columns;
        if let RateProfile::Diurnal { period, .. } = t.rate
            && let Some(n) = periods_over(window, diurnal_piece(period), MAX_LOAD_STEPS)
        {
            problems.push(
                Problem::new(
                    "traffic.profile.diurnal.period",
                    format!(
                        "{}: the load is re-evaluated every period / {DIURNAL_PIECES} ({}), \
                     {n} times over `{named}` ({}); at most {MAX_LOAD_STEPS} load steps are \
                     simulated per trial (see \"Limits\" in the README): use a period of at \
                     least {} or a shorter window",
                        show(period),
                        show(diurnal_piece(period)),
                        show(window),
                        show(at_least(window.div_ceil(MAX_LOAD_STEPS) * DIURNAL_PIECES)),
                    ),
                )
                .reading(&["traffic.duration", "horizon"]),
            );
        }
        if let Some(n) = periods_over(window, t.tick, max) {
            problems.push(
                Problem::new(
                    "traffic.tick",
                    format!(
                        "{} over `{named}` ({}) makes {n} buckets; with {} versions at most {max} \
                     are kept per trial (see \"Limits\" in the README): use a tick of at \
                     least {} or a shorter window",
                        show(t.tick),
                        show(window),
                        columns - 1,
                        show(at_least(window.div_ceil(max))),
                    ),
                )
                .reading(&["traffic.duration", "horizon", "service.versions"]),
            );
        }
    }
    // Each period with its window, and the field that window is.
    let mut periods: Vec<(String, Time, Time, &[&str])> = Vec::new();
    if let Some(h) = &s.service.healthcheck {
        periods.push((
            "service.healthcheck.interval".into(),
            h.interval,
            s.horizon,
            &["horizon"],
        ));
        let starting = h.start_period.min(s.horizon);
        periods.push((
            "service.healthcheck.start_interval".into(),
            h.start_interval,
            starting,
            &["service.healthcheck.start_period", "horizon"],
        ));
    }
    let probes: [(&str, &Option<Probe>); 3] = [
        ("readinessProbe", &s.service.readiness_probe),
        ("livenessProbe", &s.service.liveness_probe),
        ("startupProbe", &s.service.startup_probe),
    ];
    for (key, p) in probes {
        if let Some(p) = p {
            let path = format!("service.{key}.periodSeconds");
            periods.push((path, p.period, s.horizon, &["horizon"]));
        }
    }
    for (path, period, window, reads) in periods {
        if let Some(n) = periods_over(window, period, MAX_PROBES) {
            problems.push(
                Problem::new(
                    path,
                    format!(
                        "{} over {} makes {n} probes per container; at most {MAX_PROBES} are \
                     simulated (see \"Limits\" in the README): use a period of at least {} \
                     or a shorter `horizon`",
                        show(period),
                        show(window),
                        show(at_least(window.div_ceil(MAX_PROBES))),
                    ),
                )
                .reading(reads),
            );
        }
    }
    problems
}

/// `t` rounded up to a whole number of the clock unit below its largest one (µs, ms, s,
/// min, h, days), so that a suggested least value reads as a person would write it:
/// `10h`, not `9h 59m 59s 999ms 640us`; `4days 4h`, not `4days 3h 59m 59s 996ms 400us`.
/// Never less than `t`, so the suggestion still keeps under the limit.
fn at_least(t: Time) -> Time {
    const UNITS: [Time; 6] = [
        1,
        1_000,
        1_000_000,
        60_000_000,
        3_600_000_000,
        86_400_000_000,
    ];
    let largest = UNITS.iter().rposition(|&u| t >= u).unwrap_or(0);
    let step = UNITS[largest.saturating_sub(1)];
    t.div_ceil(step).saturating_mul(step)
}

/// The number of periods in `window`, if it exceeds `max`.
fn periods_over(window: Time, period: Time, max: u64) -> Option<u64> {
    let n = window.div_ceil(period.max(1));
    (n > max).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Format, load_str};

    fn problems(text: &str) -> Vec<String> {
        match load_str(text, "x.yaml", Format::Yaml, &[]) {
            Ok(_) => Vec::new(),
            Err(e) => e.problems.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn each_size_field_is_refused_one_past_its_limit() {
        let at = |field: &str, n: u64| format!("{field}: {n}\nservice: {{}}\n");
        assert!(problems(&at("trials", MAX_TRIALS)).is_empty());
        assert_eq!(
            problems(&at("trials", MAX_TRIALS + 1)),
            [
                "trials: expected a whole number from 1 to 10000000 (see \"Limits\" in the \
                 README), got 10000001"
            ]
        );
        // Below the range, in the same words (as `--trials` says them): `-5` was "expected
        // a non-negative integer", then its fix `0` met "must be at least 1".
        for (n, got) in [("-5", "-5"), ("0", "0")] {
            assert_eq!(
                problems(&format!("trials: {n}\nservice: {{}}\n")),
                [format!(
                    "trials: expected a whole number from 1 to 10000000 (see \"Limits\" in \
                     the README), got {got}"
                )]
            );
        }
        let replicas = |n: u32| format!("service: {{replicas: {n}}}");
        assert!(problems(&replicas(MAX_REPLICAS)).is_empty());
        assert_eq!(
            problems(&replicas(1_000_000_000)),
            [
                "service.replicas: must be at most 100000 (see \"Limits\" in the README), got \
              1000000000"
            ]
        );
        let nodes = |n: u64| format!("service: {{}}\ncluster: {{nodes: {n}}}");
        assert!(problems(&nodes(MAX_NODES)).is_empty());
        assert_eq!(
            problems(&nodes(MAX_NODES + 1)),
            ["cluster.nodes: must be between 1 and 10000, got 10001"]
        );
        let list = |n: usize, item: &str| vec![item; n].join(", ");
        let actions = |n| {
            format!(
                "service: {{}}\nactions: [{}]",
                list(n, "{at: 1s, rollout: undo}")
            )
        };
        assert!(problems(&actions(MAX_ACTIONS)).is_empty());
        assert_eq!(
            problems(&actions(MAX_ACTIONS + 1)),
            [
                "actions: at most 10000 actions are supported (see \"Limits\" in the README), got \
              10001"
            ]
        );
        let samples = |n| {
            format!(
                r#"{{"service": {{"versions": {{"current": {{}}, "next": {{"pull": {{"empirical": {{"samples": [{}]}}}}}}}}}}}}"#,
                list(n, "1")
            )
        };
        let json = |text: &str| load_str(text, "x.json", Format::Json, &[]);
        assert!(json(&samples(MAX_SAMPLES)).is_ok());
        assert_eq!(
            json(&samples(MAX_SAMPLES + 1)).unwrap_err().to_string(),
            "x.json: service.versions.next.pull.empirical.samples: at most 1000000 samples are \
             supported (see \"Limits\" in the README), got 1000001"
        );
    }

    #[test]
    fn a_value_past_its_type_names_the_fields_limit() {
        // `1e12` is past 32 bits and `1e30` past 64: the message names the real limit.
        assert_eq!(
            problems("service: {replicas: 1e12}"),
            ["service.replicas: must be at most 100000 (see \"Limits\" in the README), got 1e12"]
        );
        assert_eq!(
            problems("service: {}\nactions: [{at: 1s, scale: 5000000000}]"),
            [
                "actions.0.scale: must be at most 100000 (see \"Limits\" in the README), got \
                 5000000000"
            ]
        );
        assert_eq!(
            problems("trials: 1e30\nservice: {}"),
            [
                "trials: expected a whole number from 1 to 10000000 (see \"Limits\" in the \
                 README), got 1e30"
            ]
        );
        assert_eq!(
            problems("service: {}\ncluster: {nodes: 1e30}"),
            ["cluster.nodes: must be between 1 and 10000, got 1e30"]
        );
        assert_eq!(
            problems("service: {}\nfaults: {node_failures: [{at: 1s, node: 1e12}]}"),
            ["faults.node_failures.0.node: no node with index 1e12: the cluster has 1 (0 to 0)"]
        );
    }

    #[test]
    fn a_suggested_least_value_is_rounded_up_to_two_clock_units() {
        let h = 3_600_000_000;
        // Exact ones stay; the rest go up to the unit below their largest.
        assert_eq!(at_least(600), 600);
        assert_eq!(at_least(1_080), 1_080);
        assert_eq!(at_least(10 * h - 360), 10 * h);
        assert_eq!(at_least(4 * 24 * h + 4 * h - 3_600), 4 * 24 * h + 4 * h);
        assert_eq!(at_least(35_996_400), 35_997_000);
        assert_eq!(at_least(0), 0);
        assert_eq!(at_least(u64::MAX), u64::MAX);
        // A probe period over a 99,999,999 h horizon: one a little under ten hours.
        assert_eq!(
            problems("horizon: 99999999h\nservice: {healthcheck: {interval: 1h}}"),
            [
                "service.healthcheck.interval: 1h over 11407years 8months 16days 8h 31m 12s \
              makes 99999999 probes per container; at most 10000000 are simulated (see \
              \"Limits\" in the README): use a period of at least 10h or a shorter `horizon`"
            ]
        );
    }

    #[test]
    fn traffic_ticks_count_over_the_window() {
        // 10 minutes of 1 µs ticks: 6 × 10⁸ buckets.
        assert_eq!(
            problems("horizon: 10m\nservice: {}\ntraffic: {rps: 10, tick: 1us}"),
            [
                "traffic.tick: 1us over `horizon` (10m) makes 600000000 buckets; with 2 \
                 versions at most 1000000 are kept per trial (see \"Limits\" in the README): \
                 use a tick of at least 600us or a shorter window"
            ]
        );
        // `current`, `next` and "no endpoint": 3 columns, 10⁶ buckets; 1 µs over 1 s is that.
        let at_limit = "horizon: 10m\nservice: {}\ntraffic: {rps: 10, tick: 1us, duration: 1s}";
        assert!(problems(at_limit).is_empty());
        let over = "horizon: 10m\nservice: {}\ntraffic: {rps: 10, tick: 1us, duration: 1000001us}";
        assert!(problems(over)[0].contains("over `traffic.duration` (1s 1us)"));
        // A third version leaves room for 750,000 buckets.
        let three = "horizon: 10m\nservice: {versions: {current: {}, next: {}, v3: {}}}\n\
                     actions: [{at: 1s, rollout: update, version: v3}]\n\
                     traffic: {rps: 10, tick: 1us, duration: 1s}";
        assert!(problems(three)[0].contains("with 3 versions at most 750000 are kept"));
        // A traffic window longer than the horizon is cut at it.
        let cut = "horizon: 1s\nservice: {}\ntraffic: {rps: 10, tick: 1us, duration: 1h}";
        assert!(problems(cut).is_empty());
    }

    #[test]
    fn diurnal_load_steps_count_over_the_window() {
        let diurnal = |period: &str, duration: &str| {
            problems(&format!(
                "horizon: 10m\nservice: {{}}\ntraffic: {{profile: {{diurnal: {{rps: 10, \
                 period: {period}}}}}{duration}}}"
            ))
        };
        // 10 minutes of 1 µs pieces (a 1 µs period is re-evaluated every microsecond).
        assert_eq!(
            diurnal("1us", ""),
            [
                "traffic.profile.diurnal.period: 1us: the load is re-evaluated every period / \
                 96 (1us), 600000000 times over `horizon` (10m); at most 1000000 load steps \
                 are simulated per trial (see \"Limits\" in the README): use a period of at \
                 least 57ms 600us or a shorter window"
            ]
        );
        // At the limit: 600 µs pieces, a million of them; one microsecond less is over.
        assert!(diurnal("57600us", "").is_empty());
        assert!(diurnal("57599us", "")[0].contains("1001670 times over `horizon`"));
        // A shorter `traffic.duration` is the window.
        assert!(diurnal("1ms", ", duration: 10s").is_empty());
        assert!(diurnal("1ms", ", duration: 2m")[0].contains("over `traffic.duration` (2m)"));
        // A step profile's load steps are its steps, bounded by their number.
        let steps = "horizon: 10m\nservice: {}\ntraffic: {profile: {step: [{at: 0, rps: 1}, \
                     {at: 1us, rps: 2}, {at: 2us, rps: 3}]}}";
        assert!(problems(steps).is_empty());
    }

    #[test]
    fn probe_periods_count_over_the_horizon() {
        let p = problems("horizon: 3h\nservice: {healthcheck: {interval: 1ms}}");
        assert_eq!(
            p,
            [
                "service.healthcheck.interval: 1ms over 3h makes 10800000 probes per \
                 container; at most 10000000 are simulated (see \"Limits\" in the README): \
                 use a period of at least 1ms 80us or a shorter `horizon`"
            ]
        );
        // start_interval runs only inside start_period.
        let p = problems(
            "horizon: 3h\nservice: {healthcheck: {start_interval: 1ms, start_period: 1m}}",
        );
        assert!(p.is_empty(), "{p:?}");
        // Kubernetes probes are at least a second apart: 120 days of them are too many.
        let p = problems(
            "horizon: 120d\nservice: {readinessProbe: {periodSeconds: 1}}\n\
             strategy: {kubernetes: {}}",
        );
        assert_eq!(p.len(), 1);
        assert!(
            p[0].starts_with("service.readinessProbe.periodSeconds: 1s over ")
                && p[0].contains(" makes 10368000 probes per container"),
            "{p:?}"
        );
    }
}
