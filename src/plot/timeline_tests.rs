//! The timelines' axes: what their ticks say.

use super::*;
use crate::plot::tests::{heading, renders, svg_texts};

/// A one-replica stop-first rollout: one task of each version in turn, `replicas = 1`,
/// the parallelism floor at 0.
fn one_replica() -> RolloutTimeline {
    let band = |label: &str, color: usize, f: fn(f64) -> f64| BandSeries {
        label: label.into(),
        color,
        points: (0..40)
            .map(|i| {
                let t = f64::from(i);
                let v = f(t);
                (t, Some([v, v, v]))
            })
            .collect(),
    };
    RolloutTimeline {
        heading: heading(),
        series: vec![
            band("ready: current", 0, |t| if t < 10.0 { 1.0 } else { 0.0 }),
            band("ready: next", 1, |t| if t < 20.0 { 0.0 } else { 1.0 }),
        ],
        limits: vec![
            LimitLine::flat("replicas = 1".into(), 1.0),
            LimitLine::flat("parallelism floor = 0".into(), 0.0),
        ],
        ends: vec![],
        actions: vec![],
        nodes: vec![],
    }
}

/// Every number written on the chart: the axes' ticks (the legend's entries hold words).
fn numbers(svg: &str) -> Vec<(String, f64)> {
    svg_texts(svg)
        .into_iter()
        .filter_map(|t| Some((t.text.clone(), t.text.parse::<f64>().ok()?)))
        .collect()
}

/// Tasks are whole: a one-replica rollout's axis reads `0, 1`, not `0.2, 0.4,
/// 0.6000000000000001, 0.8` (plotters' own decimal ticks, written as floats).
#[test]
fn a_task_axis_is_ticked_at_whole_tasks_written_exactly() {
    for chart in [
        one_replica(),
        // Nothing but zeros (a run of 0 replicas): the axis still reads whole tasks.
        RolloutTimeline {
            series: one_replica()
                .series
                .into_iter()
                .map(|mut s| {
                    s.points.iter_mut().for_each(|p| p.1 = Some([0.0; 3]));
                    s
                })
                .collect(),
            limits: vec![LimitLine::flat("replicas = 0".into(), 0.0)],
            ..one_replica()
        },
    ] {
        let (_, svg) = renders(&chart);
        let ticks = numbers(&svg);
        assert!(
            ticks.iter().any(|(_, v)| *v == 1.0),
            "a tick at 1 task: {ticks:?}"
        );
        for (text, v) in &ticks {
            assert!(v.fract() == 0.0 && !text.contains('.'), "{text}: {ticks:?}");
        }
    }
}

/// A series at `v` from 0 to 39 s, every trial alike.
fn flat(label: &str, color: usize, v: f64) -> BandSeries {
    BandSeries {
        label: label.into(),
        color,
        points: (0..40).map(|i| (f64::from(i), Some([v, v, v]))).collect(),
    }
}

/// A traffic axis is written exactly too: a tick at 0.6 requests/s reads `0.6`.
#[test]
fn a_traffic_axis_is_written_exactly() {
    let chart = TrafficTimeline {
        heading: heading(),
        rates: vec![flat("served", 2, 0.9), flat("failed", 4, 0.1)],
        latency: vec![flat("p99", 3, 0.7)],
        ends: vec![],
        actions: vec![],
        nodes: vec![],
        measurements: vec![],
    };
    let (_, svg) = renders(&chart);
    let ticks = numbers(&svg);
    assert!(!ticks.is_empty());
    for (text, v) in &ticks {
        // The shortest text that reads back as the tick: no float noise.
        assert_eq!(text, &v.to_string(), "{ticks:?}");
        assert!(text.len() <= 4, "{text}: {ticks:?}");
    }
}

/// The rings of a trial's measurements: one per measurement in its verdict's colour, all
/// in one row above the highest rate, the legend counting each verdict it has (and only
/// those); without measurements no ring and no entry.
#[test]
fn measurements_are_rings_above_the_rates_counted_in_the_legend() {
    let mark = |t, verdict| MeasurementMark { t, verdict };
    let chart = TrafficTimeline {
        heading: heading(),
        rates: vec![flat("served", 2, 90.0), flat("failed", 4, 10.0)],
        latency: vec![flat("p99", 3, 0.7)],
        ends: vec![],
        actions: vec![],
        nodes: vec![],
        measurements: vec![
            mark(10.0, Verdict::Passed),
            mark(20.0, Verdict::Failed),
            mark(30.0, Verdict::Failed),
        ],
    };
    let (_, svg) = renders(&chart);
    let rings = |stroke: &str| -> Vec<(i32, i32)> {
        svg.split("<circle ")
            .skip(1)
            .filter(|c| c.contains(r#"r="5""#) && c.contains(&format!(r#"stroke="{stroke}""#)))
            .map(|c| {
                let at = |k: &str| {
                    let from = c.find(&format!(r#"{k}=""#)).unwrap() + k.len() + 2;
                    c[from..].split('"').next().unwrap().parse().unwrap()
                };
                (at("cx"), at("cy"))
            })
            .collect()
    };
    let (passed, failed) = (rings("#009E73"), rings("#D55E00"));
    assert_eq!((passed.len(), failed.len()), (1, 2), "{svg}");
    // Left to right in time, on one row.
    assert!(passed[0].0 < failed[0].0 && failed[0].0 < failed[1].0);
    assert!(failed.iter().all(|r| r.1 == passed[0].1));
    let texts: Vec<String> = svg_texts(&svg).into_iter().map(|t| t.text).collect();
    assert!(
        texts.contains(&"measured: passed (1)".to_string()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"measured: failed (2)".to_string()),
        "{texts:?}"
    );
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("inconclusive") || t.contains("no value"))
    );
    let (_, plain) = renders(&TrafficTimeline {
        measurements: vec![],
        ..chart
    });
    assert!(!plain.contains(r#"r="5""#));
    assert!(!plain.contains("measured:"));
}
