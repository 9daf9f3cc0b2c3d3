//! `sweep.csv` and `sweep.json`: one row per grid point, the swept parameters under their
//! paths, then `METRIC.STAT` columns.
//!
//! `sweep.csv` columns: every swept path, `trials`, `outcome.NAME.rate` for every outcome,
//! then `METRIC.STAT` for every numeric `trials.csv` column with a value at some point
//! (column order) and every statistic of [`STATS`] (an empty cell where a point has no
//! value). `sweep.json` holds the same numbers per point (and `outcome.NAME`, the count,
//! for an objective or constraint on one), plus the objective, the constraints, the best
//! point and the Pareto front.

use crate::check::{Assertion, MetricStat};
use crate::experiment::objective::{Objective, STATS};
use crate::output::Summary;
use crate::output::columns::{COLUMNS, Cell};
use crate::output::human_text::counted;
use crate::result::Outcome;
use crate::scenario::{SweepAxis, SweepValue};
use serde_json::{Map, Value, json};

/// A finished sweep, ready to be written.
pub struct SweepReport<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// Seed every point ran on.
    pub seed: u64,
    /// The swept fields.
    pub axes: &'a [SweepAxis],
    /// Each point's values (in axis order) and summary, in grid order.
    pub points: Vec<(Vec<&'a SweepValue>, Summary)>,
    /// The grid index of each of `points` (`0..` unless points were left out).
    pub at: &'a [usize],
    /// The points `--skip-invalid` left out as the scenario's rules refuse them: their
    /// values, and why.
    pub left_out: Vec<(Vec<&'a SweepValue>, &'a str)>,
    /// The objective, if one was given.
    pub objective: Option<&'a Objective>,
    /// The constraints.
    pub constraints: &'a [Assertion],
    /// The best point, when an objective was given and a point meets the constraints.
    pub best: Option<usize>,
    /// The axes of the Pareto front.
    pub front_axes: Vec<Objective>,
    /// The points on it.
    pub front: Vec<usize>,
    /// Interrupted: every point holds the same first trials, fewer than asked for.
    pub partial: bool,
}

/// Every `METRIC.STAT` reported, in column order.
pub fn metric_stats(points: &[Summary]) -> Vec<MetricStat> {
    let outcomes = Outcome::ALL.into_iter().map(MetricStat::OutcomeRate);
    let columns = COLUMNS
        .iter()
        .filter(|c| c.is_metric() && points.iter().any(|p| p.metric(c.name).is_some()))
        .flat_map(|c| {
            STATS
                .iter()
                .map(move |&stat| MetricStat::Column { column: c, stat })
        });
    outcomes.chain(columns).collect()
}

impl SweepReport<'_> {
    /// Whether `seed` is a swept field: each point then runs the trials of its own seed,
    /// not the same trials as the others.
    pub fn seed_swept(&self) -> bool {
        self.axes.iter().any(|a| a.path == "seed")
    }

    /// The seed the points ran on, as headings say it: `seed 7 (the same trials at every
    /// point)`, or `seed swept (each point its own trials)` when [`Self::seed_swept`].
    pub fn seed_note(&self) -> String {
        if self.seed_swept() {
            "seed swept (each point its own trials)".into()
        } else {
            format!("seed {} (the same trials at every point)", self.seed)
        }
    }

    /// The statistics a reader looks at first, in the order shown: the Pareto front's axes,
    /// the share of completed rollouts, then the objective's and the constraints'
    /// statistics that are none of them.
    pub fn key_stats(&self) -> Vec<MetricStat> {
        let mut out: Vec<MetricStat> = self.front_axes.iter().map(|a| a.metric).collect();
        out.push(MetricStat::OutcomeRate(Outcome::Completed));
        if let Some(o) = self.objective
            && !out.contains(&o.metric)
        {
            out.push(o.metric);
        }
        // A constraint's statistic too: "no point meets the constraints" must be readable
        // from the table, not only from sweep.json.
        for c in self.constraints {
            if !out.contains(&c.target) {
                out.push(c.target);
            }
        }
        out
    }

    /// Point `i`'s values as `PATH=VALUE`, in axis order.
    pub fn point_label(&self, i: usize) -> String {
        let paths = self.axes.iter().map(|a| a.path.as_str());
        labelled(paths, &self.points[i].0)
    }

    /// Point `i`'s values as the tables head the axes: `maxSurge=1, maxUnavailable=0`.
    pub fn point_name(&self, i: usize) -> String {
        let headers = self.axis_headers();
        labelled(headers.iter().map(String::as_str), &self.points[i].0)
    }

    /// The swept parameters as tables head them: by their last path segment
    /// (`maxSurge`), in full where two share it, so the tables stay narrow enough to read
    /// (the paths are in sweep.csv and the report's *Swept parameters*).
    pub fn axis_headers(&self) -> Vec<String> {
        let short = |path: &str| path.rsplit('.').next().unwrap_or(path).to_string();
        (self.axes.iter())
            .map(|a| {
                let twins = (self.axes.iter())
                    .filter(|b| short(&b.path) == short(&a.path))
                    .count();
                if twins > 1 {
                    a.path.clone()
                } else {
                    short(&a.path)
                }
            })
            .collect()
    }

    /// How many points ran: `5 points`, or `5 points (1 left out as invalid)`.
    pub fn points_text(&self) -> String {
        let ran = counted(self.points.len(), "point");
        match self.left_out.len() {
            0 => ran,
            n => format!("{ran} ({n} left out as invalid)"),
        }
    }

    /// Each point left out as invalid (`--skip-invalid`): its values as `PATH=VALUE, …`,
    /// and why the scenario's rules refuse it.
    pub fn left_out_points(&self) -> Vec<(String, &str)> {
        (self.left_out.iter())
            .map(|(values, why)| {
                let paths = self.axes.iter().map(|a| a.path.as_str());
                (labelled(paths, values), *why)
            })
            .collect()
    }

    /// The best point and how it was chosen (`best{mark} by duration_s.p95 meeting …:
    /// PATH=V, … → duration_s.p95 = 61.2`, the value as `shown` writes it), or that no point meets the constraints;
    /// `None` without an objective.
    pub fn choice_line(
        &self,
        mark: &str,
        shown: impl Fn(&MetricStat, f64) -> String,
    ) -> Option<String> {
        let o = self.objective?;
        let constraints = self
            .constraints
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        Some(match self.best {
            Some(b) => format!(
                "best{mark} by {o}{}: {} → {} = {}",
                if self.constraints.is_empty() {
                    String::new()
                } else {
                    format!(" meeting {constraints}")
                },
                self.point_label(b),
                o.metric,
                o.metric
                    .of(&self.points[b].1)
                    .map_or("-".into(), |x| shown(&o.metric, x))
            ),
            None => format!(
                "no point meets the constraints ({constraints}); sweep.json has \"best\": null"
            ),
        })
    }

    fn summaries(&self) -> Vec<Summary> {
        self.points.iter().map(|(_, s)| s.clone()).collect()
    }

    /// The bytes of `sweep.csv`.
    pub fn csv(&self) -> Vec<u8> {
        let stats = metric_stats(&self.summaries());
        let mut out = String::new();
        let header: Vec<String> = self
            .axes
            .iter()
            .map(|a| a.path.clone())
            .chain(std::iter::once("trials".to_string()))
            .chain(stats.iter().map(|m| m.to_string()))
            .collect();
        out.push_str(&csv_line(&header));
        for (values, summary) in &self.points {
            let cells: Vec<String> = values
                .iter()
                .map(|v| v.shown.clone())
                .chain(std::iter::once(summary.trials.to_string()))
                .chain(stats.iter().map(|m| {
                    m.of(summary)
                        .map_or(String::new(), |x| Cell::float(x).to_string())
                }))
                .collect();
            out.push_str(&csv_line(&cells));
        }
        out.into_bytes()
    }

    /// `values` (one per axis) as sweep.json's `parameters` of a point.
    fn parameters_json(&self, values: &[&SweepValue]) -> Map<String, Value> {
        self.axes
            .iter()
            .zip(values)
            .map(|(a, v)| (a.path.clone(), yaml_value(v)))
            .collect()
    }

    fn point_json(&self, i: usize, stats: &[MetricStat]) -> Value {
        let (values, summary) = &self.points[i];
        let parameters = self.parameters_json(values);
        let metrics: Map<String, Value> = stats
            .iter()
            .filter_map(|m| m.of(summary).map(|x| (m.to_string(), json!(x))))
            .collect();
        json!({"parameters": parameters, "trials": summary.trials, "metrics": metrics})
    }

    /// The bytes of `sweep.json`.
    pub fn json(&self) -> Vec<u8> {
        let mut stats = metric_stats(&self.summaries());
        // An objective or constraint that counts an outcome (`outcome.paused`) is read at
        // every point too, beside the rates: `best` then always holds the objective's value.
        let counts: Vec<MetricStat> = self
            .key_stats()
            .into_iter()
            .filter(|m| !stats.contains(m))
            .collect();
        stats.extend(counts);
        let points: Vec<Value> = (0..self.points.len())
            .map(|i| self.point_json(i, &stats))
            .collect();
        let doc = json!({
            "scenario": self.scenario,
            "seed": self.seed,
            "trials": self.points.first().map_or(0, |(_, s)| s.trials),
            "parameters": self.axes.iter().map(|a| a.path.clone()).collect::<Vec<_>>(),
            "points": points,
            "left_out": self.left_out.iter().map(|(values, why)| {
                json!({"parameters": self.parameters_json(values), "error": why})
            }).collect::<Vec<_>>(),
            "objective": self.objective.map(|o| o.to_string()),
            "constraints": self.constraints.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            "best": self.best.map(|i| {
                let mut p = self.point_json(i, &stats);
                p["point"] = json!(i);
                p
            }),
            "pareto_front": {
                "axes": self.front_axes.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                "points": self.front,
            },
            "partial": self.partial,
        });
        let mut b = serde_json::to_vec_pretty(&doc).expect("JSON values serialise");
        b.push(b'\n');
        b
    }
}

/// `values` (one per axis) named by `names`: `NAME=VALUE, …`.
fn labelled<'a>(names: impl Iterator<Item = &'a str>, values: &[&SweepValue]) -> String {
    names
        .zip(values)
        .map(|(name, v)| format!("{name}={}", v.shown))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A swept value as JSON: the YAML text read as YAML (`4` → 4, `start-first` → a string).
fn yaml_value(v: &SweepValue) -> Value {
    serde_saphyr::from_str::<Value>(&v.text).unwrap_or_else(|_| Value::String(v.shown.clone()))
}

/// One CSV line; a cell with a comma, a quote or a line break is quoted.
fn csv_line(cells: &[String]) -> String {
    let quoted: Vec<String> = cells
        .iter()
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.clone()
            }
        })
        .collect();
    quoted.join(",") + "\n"
}
