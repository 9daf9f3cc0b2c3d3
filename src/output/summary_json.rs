//! `summary.json`: the bytes of a [`Summary`].
//!
//! ```json
//! {
//!   "scenario": "web",
//!   "trials": 1000,
//!   "seed": 42,
//!   "outcomes": {"completed": 981, "rolled_back": 19, "paused": 0, …},
//!   "outcome_ci95": {"completed": [0.9705, 0.9878], …},
//!   "metrics": {
//!     "duration_s": {"mean": …, "std": …, "min": …, "p01": …, "p05": …, "p10": …, "p50": …,
//!                    "p90": …, "p95": …, "p99": …, "max": …, "ci95": [lo, hi],
//!                    "intervals": {"mean": [lo, hi], "p01": [lo, hi], …, "p99": [lo, hi]}},
//!     "availability": {…, "n": 998},
//!     …
//!   },
//!   "by_outcome": {
//!     "completed": {"trials": 981, "metrics": {"duration_s": {…}, …}},
//!     "rolled_back": {"trials": 19, "metrics": {…}}
//!   },
//!   "partial": false
//! }
//! ```
//!
//! `ci95` is the 95% interval of the mean; `intervals` holds the 95% interval of every
//! statistic that has one (see [`crate::stats::summary`]): the mean again (t), each
//! percentile (order statistics) that the trials are numerous enough to bound. `std`, `min`
//! and `max` never have one, and a missing percentile means "too few trials to bound it".
//! `partial` is `true` when the run was stopped before all its trials finished.
//!
//! The summary of one shard of a run (`run --shard K/N`, [`Summary::shard_json`]) says so:
//! right after `seed` it has `"shard"`, the folder's `shard.json` ([`ShardManifest`]:
//! `[K, N]`, the slice `first_trial ≤ trial < end_trial`, the whole run's `trials`, …), so
//! a script given a summary alone can tell a slice's numbers from a whole run's. A whole
//! run's summary, and the one `merge` writes, have no `shard`: their bytes are what they
//! were before shards said so.
//!
//! Keys come in a fixed order: outcomes in [`Outcome::ALL`](crate::result::Outcome::ALL)
//! order, metrics in `trials.csv` column order. A column that is empty in every row (no
//! `traffic`, say) has no metric; a metric computed from fewer rows than there are trials
//! (availability of trials that sent no request) carries an extra `"n"`: how many rows it
//! is computed from.
//!
//! Serialised by hand ([`Serialize`] for [`Summary`], and a map that keeps its keys in the
//! order given) so the key order is the contract's, not the struct's or a sorted map's.

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::output::shard::ShardManifest;
use crate::output::summary::{Metric, Summary};
use crate::result::TrialResult;
use crate::stats::Stat;

impl Summary {
    /// The bytes of `summary.json`: pretty-printed, newline-terminated.
    ///
    /// Floats are printed by `serde_json` (shortest round-trip form, `47.0` for whole
    /// numbers); every value is finite, so there is no `null`.
    pub fn to_json(&self) -> Vec<u8> {
        SummaryJson {
            summary: self,
            shard: None,
        }
        .bytes()
    }

    /// The bytes of `summary.json` of one shard of a run: [`Summary::to_json`]'s, with
    /// `"shard"`, the shard's manifest, after `"seed"`.
    pub fn shard_json(&self, shard: &ShardManifest) -> Vec<u8> {
        SummaryJson {
            summary: self,
            shard: Some(shard),
        }
        .bytes()
    }
}

/// What `summary.json` holds: the summary, and the slice of the run it covers when it is
/// a shard's.
struct SummaryJson<'a> {
    summary: &'a Summary,
    shard: Option<&'a ShardManifest>,
}

impl SummaryJson<'_> {
    /// Pretty-printed, newline-terminated.
    fn bytes(&self) -> Vec<u8> {
        // Serialising plain structs, strings and finite floats into a Vec cannot fail.
        let mut bytes =
            serde_json::to_vec_pretty(self).expect("a Summary always serialises to JSON");
        bytes.push(b'\n');
        bytes
    }
}

/// The bytes of `summary.json` for a run of `rows`: [`Summary::from_rows`] then
/// [`Summary::to_json`].
pub fn summary_json(scenario_name: &str, seed: u64, rows: &[TrialResult]) -> Vec<u8> {
    Summary::from_rows(scenario_name, seed, rows).to_json()
}

/// A whole run's `summary.json` ([`Summary::to_json`]).
impl Serialize for Summary {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SummaryJson {
            summary: self,
            shard: None,
        }
        .serialize(serializer)
    }
}

/// Field order is the contract's: scenario, trials, seed, outcomes, (our `outcome_ci95`),
/// metrics, by_outcome, partial; a shard's `shard` after `seed`, beside the counts it
/// qualifies.
impl Serialize for SummaryJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let summary = self.summary;
        let mut s = serializer.serialize_struct("Summary", 8)?;
        s.serialize_field("scenario", &summary.scenario)?;
        s.serialize_field("trials", &summary.trials)?;
        s.serialize_field("seed", &summary.seed)?;
        if let Some(shard) = self.shard {
            s.serialize_field("shard", shard)?;
        }
        s.serialize_field(
            "outcomes",
            &OrderedMap(
                summary
                    .outcomes
                    .iter()
                    .map(|o| (o.outcome.as_str(), o.count))
                    .collect(),
            ),
        )?;
        s.serialize_field(
            "outcome_ci95",
            &OrderedMap(
                summary
                    .outcomes
                    .iter()
                    .map(|o| (o.outcome.as_str(), o.ci95))
                    .collect(),
            ),
        )?;
        s.serialize_field("metrics", &metrics_json(&summary.metrics, summary.trials))?;
        s.serialize_field(
            "by_outcome",
            &OrderedMap(
                summary
                    .by_outcome
                    .iter()
                    .map(|o| {
                        let group = OutcomeJson {
                            trials: o.trials,
                            metrics: metrics_json(&o.metrics, o.trials),
                        };
                        (o.outcome.as_str(), group)
                    })
                    .collect(),
            ),
        )?;
        if let Some(r) = crate::output::release::Release::of(summary) {
            s.serialize_field("progressive_delivery", &r)?;
        }
        s.serialize_field(
            "warnings",
            &OrderedMap(vec![(
                "event_budget_exceeded",
                summary.event_budget_exceeded,
            )]),
        )?;
        s.serialize_field("partial", &summary.partial)?;
        s.end()
    }
}

/// Metrics as a JSON object keyed by column name, `n` relative to `trials`.
fn metrics_json(metrics: &[Metric], trials: u64) -> OrderedMap<MetricJson> {
    OrderedMap(
        metrics
            .iter()
            .map(|m| (m.name(), MetricJson::new(m, trials)))
            .collect(),
    )
}

/// One entry of `by_outcome`.
#[derive(serde::Serialize)]
struct OutcomeJson {
    trials: u64,
    metrics: OrderedMap<MetricJson>,
}

/// A JSON object whose keys keep the order of the vector (a `BTreeMap` would sort them,
/// and serde_json's own map sorts too unless its `preserve_order` feature is on).
struct OrderedMap<V>(Vec<(&'static str, V)>);

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// One metric as `summary.json` spells it.
#[derive(serde::Serialize)]
struct MetricJson {
    mean: f64,
    std: f64,
    min: f64,
    p01: f64,
    p05: f64,
    p10: f64,
    p50: f64,
    p90: f64,
    p95: f64,
    p99: f64,
    max: f64,
    ci95: [f64; 2],
    /// Every statistic's 95% interval, for those that have one, in statistic order.
    intervals: OrderedMap<[f64; 2]>,
    /// Only when some rows had no value: a reader must not take the metric as covering
    /// every trial.
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<usize>,
}

impl MetricJson {
    fn new(m: &Metric, trials: u64) -> MetricJson {
        let s = &m.stats;
        MetricJson {
            mean: s.mean,
            std: s.std,
            min: s.min,
            p01: s.p01,
            p05: s.p05,
            p10: s.p10,
            p50: s.p50,
            p90: s.p90,
            p95: s.p95,
            p99: s.p99,
            max: s.max,
            ci95: s.ci95,
            intervals: OrderedMap(
                Stat::ALL
                    .into_iter()
                    .filter_map(|st| s.interval(st).map(|(lo, hi)| (st.as_str(), [lo, hi])))
                    .collect(),
            ),
            n: (s.n as u64 != trials).then_some(s.n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::columns::tests::sample_row;
    use crate::result::{Outcome, TrafficResult};
    use crate::sim::time::SECOND;
    use crate::stats::{Z_95, wilson};
    use serde_json::Value;

    fn rows() -> Vec<TrialResult> {
        (0..4)
            .map(|i| TrialResult {
                trial: i,
                outcome: if i == 3 {
                    Outcome::RolledBack
                } else {
                    Outcome::Completed
                },
                duration: (40 + 10 * i) * SECOND,
                // Trial 0 sent no request: availability is undefined there.
                traffic: Some(TrafficResult {
                    requests: 100 * i,
                    failed_requests: i,
                    p99_latency_ms: 20.0,
                    bad_version_requests: 0,
                    bad_release_requests: Some(0),
                    ..TrafficResult::default()
                }),
                deadline_exceeded_at: None,
                ..sample_row()
            })
            .collect()
    }

    fn json(rows: &[TrialResult]) -> Value {
        serde_json::from_slice(&summary_json("web", 42, rows)).unwrap()
    }

    #[test]
    fn top_level_keys_in_contract_order() {
        let text = String::from_utf8(summary_json("web", 42, &rows())).unwrap();
        let at = |key: &str| text.find(&format!("\"{key}\"")).unwrap();
        assert!(at("scenario") < at("trials") && at("trials") < at("seed"));
        assert!(at("seed") < at("outcomes") && at("outcomes") < at("outcome_ci95"));
        assert!(at("outcome_ci95") < at("metrics"));
        assert!(at("by_outcome") < at("partial"));
        assert_eq!(json(&rows())["partial"], false);
        assert!(text.ends_with("}\n"));
        let v = json(&rows());
        assert_eq!(v["scenario"], "web");
        assert_eq!(v["trials"], 4);
        assert_eq!(v["seed"], 42);
    }

    #[test]
    fn outcomes_all_listed_in_order_with_wilson_intervals() {
        let v = json(&rows());
        let outcomes = v["outcomes"].as_object().unwrap();
        // serde_json without preserve_order sorts keys on parse; check order on the text.
        assert_eq!(outcomes.len(), 5);
        assert_eq!(v["outcomes"]["completed"], 3);
        assert_eq!(v["outcomes"]["rolled_back"], 1);
        assert_eq!(v["outcomes"]["timeout"], 0);
        // Compare with a tolerance: serde_json's default float parser (no
        // `float_roundtrip` feature) may be one ulp off what was written.
        let (lo, hi) = wilson(3, 4, Z_95);
        let got = &v["outcome_ci95"]["completed"];
        assert!((got[0].as_f64().unwrap() - lo).abs() < 1e-15, "{got}");
        assert!((got[1].as_f64().unwrap() - hi).abs() < 1e-15, "{got}");
        assert_eq!(v["outcome_ci95"]["paused"][0], 0.0);

        let text = String::from_utf8(summary_json("web", 42, &rows())).unwrap();
        let pos: Vec<usize> = Outcome::ALL
            .iter()
            .map(|o| text.find(&format!("\"{}\"", o.as_str())).unwrap())
            .collect();
        assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
    }

    #[test]
    fn metrics_in_column_order_with_every_statistic() {
        let s = Summary::from_rows("web", 42, &rows());
        let names: Vec<&str> = s.metrics.iter().map(|m| m.name()).collect();
        assert_eq!(
            names,
            [
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
                "update_failures",
                "events",
                "refused_requests",
                "timed_out_requests",
                "errored_requests",
                "dropped_requests",
                "p50_latency_ms",
                "next_requests",
                "next_share",
                "p95_latency_ms",
                "peak_running_tasks",
                "event_budget_exceeded",
                "pending_resources",
                "pending_affinity",
                "pending_max_replicas_per_node",
                "pending_node_down",
                "detected",
                "time_to_detect_s",
                "bad_release_requests",
                "dry_run_detected",
                "pending_unschedulable",
                "drain_s",
                "drains_unfinished",
                "pending_host_port",
                "nodes_added",
            ],
            "deadline_exceeded_s is empty in every row, so it has no metric"
        );
        let v = json(&rows());
        let d = &v["metrics"]["duration_s"];
        let keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        // serde_json has `preserve_order`: keys parse back in file order.
        let want = [
            "mean",
            "std",
            "min",
            "p01",
            "p05",
            "p10",
            "p50",
            "p90",
            "p95",
            "p99",
            "max",
            "ci95",
            "intervals",
        ];
        assert_eq!(keys, want);
        assert_eq!(d["mean"], 55.0);
        assert_eq!(d["min"], 40.0);
        assert_eq!(d["max"], 70.0);
        assert_eq!(d["p50"], 55.0);
        assert_eq!(d["p90"], 67.0);
        assert_eq!(v["metrics"]["peak_cpu"]["mean"], 4.5);
    }

    /// Each outcome's metrics are those of its own trials only: recomputed here from the
    /// rows by hand (durations 40, 50, 60 s completed; 70 s rolled back).
    #[test]
    fn by_outcome_splits_the_trials() {
        let v = json(&rows());
        let by = v["by_outcome"].as_object().unwrap();
        assert_eq!(
            by.keys().collect::<Vec<_>>(),
            ["completed", "rolled_back"],
            "outcomes that never happened are left out"
        );
        let c = &v["by_outcome"]["completed"];
        assert_eq!(c["trials"], 3);
        let d = &c["metrics"]["duration_s"];
        assert_eq!(
            (&d["min"], &d["p50"], &d["max"]),
            (&40.0.into(), &50.0.into(), &60.0.into())
        );
        assert!(d.get("n").is_none(), "every completed trial has a duration");
        // Trial 0 (completed) sent no request: n is relative to the outcome's trials.
        assert_eq!(c["metrics"]["availability"]["n"], 2);
        let r = &v["by_outcome"]["rolled_back"];
        assert_eq!(r["trials"], 1);
        assert_eq!(r["metrics"]["duration_s"]["min"], 70.0);
        assert_eq!(r["metrics"]["duration_s"]["max"], 70.0);
        // Same shape as the run's metrics.
        let keys = |m: &Value| m.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(
            keys(&r["metrics"]["duration_s"]),
            keys(&v["metrics"]["duration_s"])
        );
        let text = String::from_utf8(summary_json("web", 42, &rows())).unwrap();
        assert!(text.find("\"metrics\"").unwrap() < text.find("\"by_outcome\"").unwrap());
    }

    #[test]
    fn partial_metrics_carry_n() {
        let v = json(&rows());
        assert!(v["metrics"]["duration_s"].get("n").is_none());
        let a = &v["metrics"]["availability"];
        assert_eq!(a["n"], 3, "trial 0 sent no request");
        assert_eq!(a["max"], 0.99);
        assert_eq!(a["min"], 0.99);
    }

    #[test]
    fn no_traffic_no_request_metrics() {
        let rows: Vec<TrialResult> = rows()
            .into_iter()
            .map(|r| TrialResult { traffic: None, ..r })
            .collect();
        let v = json(&rows);
        for name in [
            "requests",
            "failed_requests",
            "availability",
            "p99_latency_ms",
            "bad_version_requests",
            "bad_release_requests",
        ] {
            assert!(v["metrics"].get(name).is_none(), "{name}");
        }
    }

    #[test]
    fn empty_run() {
        let s = Summary::from_rows("web", 1, &[]);
        assert_eq!(s.trials, 0);
        assert!(s.metrics.is_empty());
        assert!(s.by_outcome.is_empty());
        assert_eq!(s.outcome(Outcome::Completed).ci95, [0.0, 1.0]);
        let v = json(&[]);
        assert_eq!(v["metrics"], serde_json::json!({}));
        assert_eq!(v["by_outcome"], serde_json::json!({}));
    }

    /// The exact bytes of one metric: key order, float spelling, layout.
    #[test]
    fn golden_metric_text() {
        let rows: Vec<TrialResult> = (0..2u64)
            .map(|i| TrialResult {
                trial: i,
                outcome: Outcome::Completed,
                duration: 47_000_000 + i * 500_000,
                traffic: None,
                deadline_exceeded_at: None,
                ..sample_row()
            })
            .collect();
        let text = String::from_utf8(summary_json("web", 42, &rows)).unwrap();
        let want = r#"{
  "scenario": "web",
  "trials": 2,
  "seed": 42,
  "outcomes": {
    "completed": 2,
    "rolled_back": 0,
    "paused": 0,
    "deadline_exceeded": 0,
    "timeout": 0
  },
  "outcome_ci95": {
    "completed": [
      0.34238022750665303,
      1.0
    ],"#;
        assert!(text.starts_with(want), "{text}");
        let want = r#"
  "metrics": {
    "duration_s": {
      "mean": 47.25,
      "std": 0.3535533905932738,
      "min": 47.0,
      "p01": 47.005,
      "p05": 47.025,
      "p10": 47.05,
      "p50": 47.25,
      "p90": 47.45,
      "p95": 47.475,
      "p99": 47.495,
      "max": 47.5,
      "ci95": [
        44.073448815956326,
        50.426551184043674
      ],
      "intervals": {
        "mean": [
          44.073448815956326,
          50.426551184043674
        ]
      }
    },
    "min_ready": {"#;
        assert!(text.contains(want), "{text}");
        assert!(text.ends_with("  },\n  \"partial\": false\n}\n"), "{text}");
    }

    /// A shard's summary is the whole run's bytes with one key more, `shard` (its
    /// manifest) after `seed`; taken out again, the bytes are the whole run's.
    #[test]
    fn a_shard_summary_names_its_slice_after_the_seed() {
        let s = Summary::from_rows("web", 42, &rows());
        let scenario = crate::scenario::load_str(
            "name: web\nservice: {replicas: 3}\n",
            "t.yaml",
            crate::scenario::Format::Yaml,
            &[],
        )
        .unwrap();
        let shard = crate::experiment::Shard { k: 2, n: 3 };
        let manifest = ShardManifest::of(&scenario, shard, 4..8, false);
        let text = String::from_utf8(s.shard_json(&manifest)).unwrap();
        let whole = String::from_utf8(s.to_json()).unwrap();
        let at = |key: &str| text.find(&format!("\n  \"{key}\"")).unwrap();
        assert!(
            at("seed") < at("shard") && at("shard") < at("outcomes"),
            "{text}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["shard"], serde_json::to_value(&manifest).unwrap());
        assert_eq!(v["shard"]["shard"], serde_json::json!([2, 3]));
        assert_eq!(
            (&v["shard"]["first_trial"], &v["shard"]["end_trial"]),
            (&4.into(), &8.into())
        );
        let without = format!("{}{}", &text[..at("shard")], &text[at("outcomes")..]);
        assert_eq!(without, whole);
        assert!(!whole.contains("\"shard\""));
    }

    #[test]
    fn independent_of_row_order() {
        let mut r = rows();
        let a = summary_json("web", 42, &r);
        r.reverse();
        assert_eq!(a, summary_json("web", 42, &r));
    }
}
