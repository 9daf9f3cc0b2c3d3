//! The charts of a sweep: its points' summaries turned into the [`plot`](crate::plot)
//! module's sweep charts (heatmap, interval lines, Pareto front), drawn as PNG and SVG.
//!
//! Every number drawn is one `sweep.csv` holds for that point, so the charts never disagree
//! with the table.

use super::charts::{ChartFile, file};
use crate::check::MetricStat;
use crate::experiment::objective::Objective;
use crate::output::Summary;
use crate::output::columns::Unit;
use crate::output::human_text::{counted, number, percent, value};
use crate::output::sweep::SweepReport;
use crate::plot::axis::Scale;
use crate::plot::sweep::{Heatmap, IntervalLines, IntervalSeries, Pareto, ParetoPoint};
use crate::plot::{Heading, PlotError};
use crate::scenario::schema::{self, Ty};
use crate::scenario::{SweepAxis, parse_duration, quantity};
use crate::sim::time::as_secs;
use serde_json::{Value, json};

/// The statistic the heatmap and the lines show: the objective's, else `duration_s.p95`
/// (lower is better).
fn drawn(objective: Option<&Objective>) -> Objective {
    objective
        .cloned()
        .unwrap_or_else(|| "duration_s.p95".parse().expect("a known metric"))
}

/// The 95% interval of `m` at a point: the statistic's interval from the summary's
/// `intervals` (cut to the values the metric can take), the Wilson interval for an
/// outcome's rate (times the trials for its count).
pub fn interval(m: &MetricStat, s: &Summary) -> Option<(f64, f64)> {
    let i = m.interval(s)?;
    Some(m.unit().map_or(i, |unit| possible(unit, i)))
}

/// An interval `(lo, hi)` of a metric in `unit` cut to the values the metric can take, for
/// display: no count, duration or size is below 0, no ratio above 1. The Student t
/// interval of a mean crosses 0 for a rare count (`0.07 (-0.01 – 0.15)`); `summary.json`
/// keeps it as computed, a report shows `0.07 (0 – 0.15)`.
pub fn possible(unit: Unit, (lo, hi): (f64, f64)) -> (f64, f64) {
    let top = if unit == Unit::Ratio {
        1.0
    } else {
        f64::INFINITY
    };
    // Not `clamp`: it keeps -0.0, which prints as `-0.0s`.
    let cut = |x: f64| if x <= 0.0 { 0.0 } else { x.min(top) };
    (cut(lo), cut(hi))
}

/// `x` in the unit of `m`'s metric, for humans: `1m02.5s`, `99.95%`, `4`.
pub fn shown(m: &MetricStat, x: f64) -> String {
    match m {
        MetricStat::OutcomeRate(_) => percent(x),
        MetricStat::OutcomeCount(_) => number(x),
        MetricStat::Column { column, .. } => value(column.unit, x),
    }
}

/// How a chart's axis (or colour bar) ticks the values of `m`: durations for seconds,
/// percents for rates and ratios, binary units for memory, plain numbers otherwise.
fn scale(m: &MetricStat) -> Scale {
    match m {
        MetricStat::OutcomeRate(_) => Scale::Fraction,
        MetricStat::OutcomeCount(_) => Scale::Number,
        MetricStat::Column { column, .. } => match column.unit {
            Unit::Seconds => Scale::Seconds,
            Unit::Ratio => Scale::Fraction,
            Unit::Bytes => Scale::Bytes,
            _ => Scale::Number,
        },
    }
}

/// A swept value as a number for the x axis: a plain number, else a duration in seconds.
fn numeric(text: &str) -> Option<f64> {
    plain(text).or_else(|| parse_duration(text).ok().map(as_secs))
}

/// A finite plain number.
fn plain(text: &str) -> Option<f64> {
    text.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A swept quantity as the value the field holds: `256Mi` or `1073741824` as bytes, `500m`
/// or `2` as cores (the same notation the scenario reads, `quantity`).
fn quantity_of(text: &str, ty: Ty) -> Option<f64> {
    let v = plain(text).map_or_else(|| Value::String(text.trim().to_string()), |x| json!(x));
    match ty {
        Ty::Memory => quantity::memory_bytes(&v).ok().map(|b| b as f64),
        Ty::Cpu => quantity::cpu_millis(&v).ok().map(|m| m as f64 / 1000.0),
        _ => None,
    }
}

/// Where the values of `axis` go on an x axis: by the field's type, quantities at their
/// bytes or cores (`500m` of cpu is half a core, never 500 minutes), anything else at its
/// number or its seconds. `Err`: why no line can be drawn, naming the values that have no
/// position (a choice such as `start-first`, a percentage beside plain counts).
fn positions(axis: &SweepAxis) -> Result<Vec<f64>, String> {
    let keys: Vec<String> = axis.path.split('.').map(|k| k.replace('"', "")).collect();
    let ty = schema::type_at(&keys);
    let at = |text: &str| match ty {
        Some(ty @ (Ty::Memory | Ty::Cpu)) => quantity_of(text, ty),
        _ => numeric(text),
    };
    let xs: Vec<Option<f64>> = axis.values.iter().map(|v| at(&v.shown)).collect();
    let missing: Vec<&str> = axis
        .values
        .iter()
        .zip(&xs)
        .filter(|(_, x)| x.is_none())
        .map(|(v, _)| v.shown.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(xs.into_iter().flatten().collect());
    }
    let (one, is) = match missing.len() {
        1 => ("value", "is"),
        _ => ("values", "are"),
    };
    Err(format!(
        "no sweep-lines chart: the {one} {} of {} {is} neither a number, a duration nor a \
         quantity, with no place along an x axis (sweep.csv and sweep-pareto show every point)",
        missing
            .iter()
            .map(|v| format!("\"{v}\""))
            .collect::<Vec<_>>()
            .join(", "),
        axis.path,
    ))
}

/// Why a sweep over one parameter has no lines chart, if it has none (said on stderr by
/// `sweep --plot` and in a sweep's report, so a missing chart is never a silent one).
pub fn lines_missing(r: &SweepReport<'_>) -> Option<String> {
    match r.axes {
        [axis] => positions(axis).err(),
        _ => None,
    }
}

fn heading(r: &SweepReport<'_>, title: String) -> Heading {
    let trials = r.points.first().map_or(0, |(_, s)| s.trials);
    Heading {
        title,
        subtitle: format!(
            "{} · {} × {} · {}",
            r.scenario,
            r.points_text(),
            counted(trials, "trial"),
            r.seed_note()
        ),
    }
}

fn values(a: &SweepAxis) -> Vec<String> {
    a.values.iter().map(|v| v.shown.clone()).collect()
}

/// The statistic over two axes: the first along y, the second along x (the grid's last
/// axis changes fastest, so point `iy · nx + ix` is the cell).
pub fn heatmap(r: &SweepReport<'_>, o: &Objective) -> Heatmap {
    let n = r.axes[0].values.len() * r.axes[1].values.len();
    let (mut cells, mut ran) = (vec![None; n], vec![false; n]);
    for ((_, s), &i) in r.points.iter().zip(r.at) {
        cells[i] = o.metric.of(s).map(|v| (v, shown(&o.metric, v)));
        ran[i] = true;
    }
    Heatmap {
        heading: heading(r, format!("{} at every point", o.metric)),
        x: (r.axes[1].path.clone(), values(&r.axes[1])),
        y: (r.axes[0].path.clone(), values(&r.axes[0])),
        cells,
        left_out: (0..n).filter(|&i| !ran[i]).collect(),
        higher_is_better: o.maximize,
        scale: scale(&o.metric),
        value_label: o.metric.to_string(),
    }
}

/// The statistic along one axis with its 95% interval; `None` when a value of the axis has
/// no x position ([`lines_missing`] says which).
pub fn interval_lines(r: &SweepReport<'_>, o: &Objective) -> Option<IntervalLines> {
    let axis = &r.axes[0];
    let xs = positions(axis).ok()?;
    let points = r
        .points
        .iter()
        .zip(r.at.iter().map(|&i| xs[i]))
        .filter_map(|((_, s), x)| {
            let v = o.metric.of(s)?;
            let (lo, hi) = interval(&o.metric, s).unwrap_or((v, v));
            Some([x, v, lo, hi])
        })
        .collect();
    let x_ticks = xs
        .iter()
        .zip(&axis.values)
        .map(|(&x, v)| (x, v.shown.clone()))
        .collect();
    let y_scale = scale(&o.metric);
    // A `max` objective draws no bars: its title must not promise any.
    let title = if o.metric.has_interval() {
        format!("{} with its 95% interval", o.metric)
    } else {
        format!(
            "{} at each value (no interval: min, max and std have none)",
            o.metric
        )
    };
    Some(IntervalLines {
        heading: heading(r, title),
        x_label: axis.path.clone(),
        x_ticks,
        y_label: o.metric.to_string(),
        y_scale,
        series: vec![IntervalSeries {
            label: o.metric.to_string(),
            color: 0,
            points,
        }],
    })
}

/// Every point on the time/service plane: `duration_s.p95` against `availability.p01`
/// (or, without traffic at some point, `min_ready.min` as a share of the replicas), sized
/// by `peak_tasks.max`. Points missing one of them are left out.
pub fn pareto(r: &SweepReport<'_>, replicas: &[u32]) -> Pareto {
    let traffic = r.front_axes.get(1).is_some_and(
        |a| matches!(a.metric, MetricStat::Column { column, .. } if column.name == "availability"),
    );
    let stat = |s: &Summary, text: &str| text.parse::<MetricStat>().ok()?.of(s);
    let points = r
        .points
        .iter()
        .zip(replicas)
        .enumerate()
        .filter_map(|(i, ((vals, s), &n))| {
            let service = if traffic {
                stat(s, "availability.p01")?
            } else {
                stat(s, "min_ready.min")? / f64::from(n.max(1))
            };
            Some(ParetoPoint {
                // Values only, the parameters named once in the title: labels stay short
                // enough not to run into each other.
                label: vals
                    .iter()
                    .map(|v| v.shown.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                duration_s: stat(s, "duration_s.p95")?,
                availability: service,
                peak: stat(s, "peak_tasks.max")?,
                on_front: r.front.contains(&i),
            })
        })
        .collect();
    Pareto {
        heading: heading(
            r,
            format!(
                "Rollout time against service kept; points labelled {}",
                r.axes
                    .iter()
                    .map(|a| last_segment(&a.path))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        axes: (
            "duration_s.p95".to_string(),
            if traffic {
                "availability.p01".to_string()
            } else {
                "min_ready.min / replicas".to_string()
            },
        ),
        points,
    }
}

/// `parallelism` of `strategy.swarm.update_config.parallelism`: point labels stay short.
fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Every chart of a sweep: the heatmap for two axes, the interval lines for one (when its
/// values are numbers, durations or quantities), and always the Pareto front. `replicas[i]` is point
/// `i`'s desired replica count.
pub fn sweep_charts(r: &SweepReport<'_>, replicas: &[u32]) -> Result<Vec<ChartFile>, PlotError> {
    let o = drawn(r.objective);
    let mut out = Vec::new();
    match r.axes.len() {
        2 => out.push(file(
            "sweep-heatmap",
            "Sweep heatmap",
            format!(
                "{} at every combination of the two swept parameters, written in each cell \
                 (durations for seconds); the darker the cell, the better ({} is better), the \
                 colour bar on the right giving the value of each shade. A dash: no trial \
                 defined it.",
                o.metric,
                if o.maximize { "higher" } else { "lower" }
            ),
            &heatmap(r, &o),
        )?),
        1 => {
            if let Some(lines) = interval_lines(r, &o) {
                out.push(file(
                    "sweep-lines",
                    "Sweep lines",
                    format!(
                        "{} at every value of the swept parameter; the bars are its 95% \
                         interval as summary.json gives it (order statistics for a percentile, \
                         Student t for the mean, Wilson for a rate); none for std, min and \
                         max.",
                        o.metric
                    ),
                    &lines,
                )?);
            }
        }
        _ => {}
    }
    out.push(file(
        "sweep-pareto",
        "Pareto front",
        format!(
            "Every point of the grid placed by its 95th-percentile rollout time (x) and the \
             service it kept (y: 1st-percentile availability, or without traffic the fewest \
             ready tasks as a share of the replicas); the circle's size grows with the most \
             tasks placed on nodes at once (peak_tasks.max, the capacity reserved). Ringed: \
             the sweep's Pareto front, the points marked front in the table (sweep.json's \
             pareto_front), which no other point matches or beats on all of {} while beating \
             it on one. The dashed grey line, when two or more points are on it, joins the \
             points no other point beats on the two drawn axes alone, capacity left aside.",
            r.front_axes
                .iter()
                .map(|a| a.metric.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &pareto(r, replicas),
    )?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::run_trials_until;
    use crate::experiment::sweep::{front_axes, pareto as sweep_front};
    use crate::plot::sweep::two_axis_front;
    use crate::scenario::{Override, SweepValue, load_file};
    use std::sync::atomic::AtomicBool;

    #[test]
    fn the_chart_rings_exactly_the_sweeps_pareto_front() {
        // The README's sweep: order × parallelism of the Swarm stop-first example, where
        // start-first points are on the front for their service although slower, and only
        // one point is best on the chart's two axes.
        let path = format!(
            "{}/scenarios/swarm-stop-first.yaml",
            env!("CARGO_MANIFEST_DIR")
        );
        let axes = [
            SweepAxis {
                path: "strategy.swarm.update_config.parallelism".into(),
                values: ["1", "2", "3"].map(SweepValue::text).to_vec(),
            },
            SweepAxis {
                path: "strategy.swarm.update_config.order".into(),
                values: ["stop-first", "start-first"].map(SweepValue::text).to_vec(),
            },
        ];
        let stop = AtomicBool::new(false);
        let mut points = Vec::new();
        let mut replicas = Vec::new();
        for p in &axes[0].values {
            for o in &axes[1].values {
                let set = |path: &str, value: &str| Override {
                    path: path.into(),
                    value: value.into(),
                    set_by: Default::default(),
                };
                let s = load_file(
                    std::path::Path::new(&path),
                    &[
                        set(&axes[0].path, &p.text),
                        set(&axes[1].path, &o.text),
                        set("trials", "40"),
                    ],
                )
                .unwrap();
                let rows = run_trials_until(&s, 0..s.trials, &stop);
                replicas.push(s.service.replicas);
                points.push((vec![p, o], Summary::from_rows(&s.name, s.seed, &rows)));
            }
        }
        let summaries: Vec<Summary> = points.iter().map(|(_, s)| s.clone()).collect();
        let front_axes = front_axes(&summaries);
        let front = sweep_front(&summaries, &front_axes);
        let report = SweepReport {
            scenario: "swarm-stop-first",
            seed: 7,
            axes: &axes,
            points,
            at: &[0, 1, 2, 3, 4, 5],
            left_out: Vec::new(),
            objective: None,
            constraints: &[],
            best: None,
            front_axes,
            front: front.clone(),
            partial: false,
        };
        let chart = pareto(&report, &replicas);
        assert_eq!(chart.points.len(), 6, "no point lacks a value");
        assert_eq!(chart.ringed(), front);
        // The case the chart got wrong: the front of its two axes alone is another set.
        assert_ne!(two_axis_front(&chart.points), front);
        let files = sweep_charts(&report, &replicas).unwrap();
        let caption = &files.last().unwrap().caption;
        assert!(
            caption.contains("duration_s.p95, min_ready.min, peak_tasks.max"),
            "{caption}"
        );
    }

    #[test]
    fn displayed_intervals_hold_only_possible_values() {
        assert_eq!(possible(Unit::Count, (-0.01, 0.15)), (0.0, 0.15));
        let (lo, _) = possible(Unit::Seconds, (-0.0, 0.2));
        assert!(lo.is_sign_positive(), "-0.0 would print as -0.0s");
        assert_eq!(possible(Unit::Ratio, (0.98, 1.004)), (0.98, 1.0));
        assert_eq!(possible(Unit::Seconds, (3.0, 5.0)), (3.0, 5.0));
    }

    #[test]
    fn swept_values_are_placed_at_their_number_or_their_seconds() {
        assert_eq!(numeric("2"), Some(2.0));
        assert_eq!(numeric("1m30s"), Some(90.0));
        assert_eq!(numeric("250ms"), Some(0.25));
        // Not a position on an axis: no lines chart.
        assert_eq!(numeric("start-first"), None);
        assert_eq!(numeric("inf"), None);
    }

    /// Kubernetes quantity suffixes (`resource.Quantity`): `Mi` is 2²⁰ bytes, `Gi` 2³⁰,
    /// `m` a thousandth of a core; a plain memory number is bytes, a plain cpu number cores.
    #[test]
    fn quantities_are_placed_at_their_bytes_or_cores_and_other_values_say_why() {
        let axis = |path: &str, values: &[&str]| SweepAxis {
            path: path.into(),
            values: values.iter().map(|v| SweepValue::text(v)).collect(),
        };
        let memory = ["256Mi", "512Mi", "1Gi", "1073741824"];
        assert_eq!(
            positions(&axis("service.resources.memory", &memory)),
            Ok(vec![
                268_435_456.0,
                536_870_912.0,
                1_073_741_824.0,
                1_073_741_824.0
            ])
        );
        // `500m` of cpu is half a core, not 500 minutes.
        let cpu = ["500m", "1", "2"];
        assert_eq!(
            positions(&axis("service.resources.cpu", &cpu)),
            Ok(vec![0.5, 1.0, 2.0])
        );
        let durations = ["5s", "1m"];
        assert_eq!(
            positions(&axis("strategy.swarm.update_config.delay", &durations)),
            Ok(vec![5.0, 60.0])
        );
        let order = ["stop-first", "start-first"];
        let why = positions(&axis("strategy.swarm.update_config.order", &order)).unwrap_err();
        assert!(
            why.contains(
                r#"the values "stop-first", "start-first" of strategy.swarm.update_config.order"#
            ),
            "{why}"
        );
    }

    #[test]
    fn point_labels_keep_the_last_path_segment() {
        assert_eq!(
            last_segment("strategy.swarm.update_config.parallelism"),
            "parallelism"
        );
        assert_eq!(last_segment("seed"), "seed");
    }
}
