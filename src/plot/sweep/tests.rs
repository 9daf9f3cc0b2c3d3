//! The sweep charts' tests: each renders, and its SVG reads as the audit asked.

use super::heatmap::{BAR_W, ramp};
use super::*;
use crate::plot::axis::Scale;
use crate::plot::tests::{heading, renders, svg_texts};
use plotters::prelude::*;

fn point(label: &str, d: f64, a: f64, peak: f64) -> ParetoPoint {
    ParetoPoint {
        label: label.into(),
        duration_s: d,
        availability: a,
        peak,
        on_front: false,
    }
}

#[test]
fn the_front_keeps_exactly_the_undominated_points() {
    let pts = [
        point("fast, lossy", 30.0, 0.99, 8.0),
        point("slow, clean", 120.0, 1.0, 7.0),
        point("dominated", 130.0, 0.995, 7.0),
        point("middle", 60.0, 0.999, 9.0),
        point("tie of middle", 60.0, 0.999, 9.0),
    ];
    // Two equal points do not dominate each other: both stay.
    assert_eq!(two_axis_front(&pts), [0, 3, 4, 1]);
    assert!(two_axis_front(&[]).is_empty());
}

#[test]
fn sweep_charts_render_also_from_a_single_point_and_missing_cells() {
    let x = (
        "strategy.swarm.update_config.parallelism".to_string(),
        vec!["1".into(), "2".into(), "4".into()],
    );
    let y = ("delay".to_string(), vec!["0s".into(), "10s".into()]);
    let cells = (0..6)
        .map(|i| (i != 4).then(|| (f64::from(i) * 10.0, format!("{}s", i * 10))))
        .collect();
    renders(&Heatmap {
        heading: heading(),
        x,
        y,
        cells,
        left_out: vec![4],
        higher_is_better: false,
        scale: Scale::Seconds,
        value_label: "duration_s.p95".into(),
    });
    renders(&Heatmap::default());
    let line = vec![
        [1.0, 60.0, 50.0, 70.0],
        [2.0, 40.0, 35.0, 45.0],
        [4.0, 30.0, 30.0, 30.0],
    ];
    renders(&IntervalLines {
        heading: heading(),
        x_label: "parallelism".into(),
        x_ticks: vec![(1.0, "1".into()), (2.0, "2".into()), (4.0, "4".into())],
        y_label: "duration_s p95".into(),
        y_scale: Scale::Seconds,
        series: vec![
            IntervalSeries {
                label: "p95".into(),
                color: 0,
                points: line.clone(),
            },
            IntervalSeries {
                label: "p50".into(),
                color: 1,
                points: line
                    .iter()
                    .map(|&[x, m, lo, hi]| [x, m / 2.0, lo / 2.0, hi / 2.0])
                    .collect(),
            },
        ],
    });
    renders(&IntervalLines::default());
    renders(&Pareto {
        heading: heading(),
        axes: ("duration_s p95".into(), "availability p01".into()),
        points: vec![
            point("p=1", 100.0, 0.999, 7.0),
            point("p=2", 60.0, 0.99, 8.0),
        ],
    });
    renders(&Pareto {
        points: vec![point("only", 0.0, 1.0, 6.0)],
        ..Pareto::default()
    });
}

#[test]
fn the_rings_are_the_points_given_on_the_front_not_the_two_axis_best() {
    // The canary sweep's case: settings on (almost) one spot, and a front point that is
    // slower and less available than another but needs less capacity.
    let on = |mut p: ParetoPoint| {
        p.on_front = true;
        p
    };
    let chart = Pareto {
        heading: heading(),
        axes: ("duration_s.p95".into(), "availability.p01".into()),
        points: vec![
            on(point("0.02, 5000", 170.2, 0.99877, 11.0)),
            point("0.05, 5000", 170.2, 0.99854, 11.0),
            point("0.2, 5000", 170.2, 0.99735, 11.0),
            on(point("0.02, 50", 354.4, 0.99410, 8.0)),
            point("0.05, 50", 342.8, 0.98832, 20.0),
        ],
    };
    assert_eq!(chart.ringed(), [0, 3]);
    assert_eq!(two_axis_front(&chart.points), [0]);
    let (png, svg) = renders(&chart);
    // The same data, the same bytes.
    assert_eq!(renders(&chart), (png, svg));
    renders(&Pareto {
        points: vec![
            point("nan", f64::NAN, f64::INFINITY, f64::NAN),
            on(point("big", 1e300, -1e300, 1e300)),
        ],
        ..Pareto::default()
    });
}

/// Every text of an SVG that is one line of its own (tick labels, point labels).
fn texts(svg: &str) -> Vec<&str> {
    svg.split("\n").filter(|l| !l.starts_with('<')).collect()
}

#[test]
fn the_audits_axes_read_distinct_exact_ticks_inside_their_bounds() {
    // sweep-lines over three monitor values, p50 between 1m02s and 1m04s: half-second
    // ticks, each written as what it is.
    let (_, svg) = renders(&IntervalLines {
        heading: heading(),
        x_label: "monitor".into(),
        x_ticks: vec![
            (10.0, "10s".into()),
            (10.5, "10.5s".into()),
            (11.0, "11s".into()),
        ],
        y_label: "duration_s.p50".into(),
        y_scale: Scale::Seconds,
        series: vec![IntervalSeries {
            label: "duration_s.p50".into(),
            color: 0,
            points: vec![
                [10.0, 62.4, 61.9, 62.9],
                [10.5, 62.9, 62.4, 63.5],
                [11.0, 63.4, 62.9, 64.0],
            ],
        }],
    });
    let ticks: Vec<&str> = texts(&svg)
        .into_iter()
        .filter(|t| t.starts_with("1m0"))
        .collect();
    assert_eq!(
        ticks,
        ["1m02s", "1m02.5s", "1m03s", "1m03.5s", "1m04s"],
        "{svg:.300}"
    );
    // One sweep point at 100% availability: a share axis below 100%, not 90%–110%.
    let (_, svg) = renders(&Pareto {
        heading: heading(),
        axes: ("duration_s.p95".into(), "availability.p01".into()),
        points: vec![point("2", 119.0, 1.0, 8.0)],
    });
    let shares: Vec<f64> = texts(&svg)
        .into_iter()
        .filter_map(|t| t.strip_suffix('%')?.parse().ok())
        .collect();
    assert!(shares.len() >= 3, "{shares:?}");
    assert!(
        shares.iter().all(|&p| (0.0..=100.0).contains(&p)),
        "{shares:?}"
    );
    assert_eq!(shares.iter().copied().fold(0.0, f64::max), 100.0);
}

/// Every `<rect>` of an SVG: `(x, y, width, height, fill)`.
fn rects(svg: &str) -> Vec<(i32, i32, i32, i32, String)> {
    svg.split("<rect")
        .skip(1)
        .filter_map(|r| {
            let tag = &r[..r.find('>')?];
            let attr = |n: &str| {
                let from = tag.find(&format!(" {n}=\""))? + n.len() + 3;
                Some(tag[from..from + tag[from..].find('"')?].to_string())
            };
            let num = |n: &str| attr(n)?.parse().ok();
            Some((
                num("x")?,
                num("y")?,
                num("width")?,
                num("height")?,
                attr("fill")?,
            ))
        })
        .collect()
}

/// The audit's sweep: duration_s.p95 over parallelism (y) and delay (x).
fn audit_heatmap(higher_is_better: bool) -> Heatmap {
    let values = [104.1, 134.1, 165.1, 62.3, 76.9, 97.9, 48.8, 58.7, 71.3];
    Heatmap {
        heading: heading(),
        x: (
            "strategy.swarm.update_config.delay".into(),
            vec!["0s".into(), "5s".into(), "10s".into()],
        ),
        y: (
            "strategy.swarm.update_config.parallelism".into(),
            vec!["1".into(), "2".into(), "3".into()],
        ),
        cells: values.iter().map(|&v| Some((v, format!("{v}s")))).collect(),
        left_out: Vec::new(),
        higher_is_better,
        scale: Scale::Seconds,
        value_label: "duration_s.p95".into(),
    }
}

#[test]
fn a_heatmap_has_a_colour_bar_ticked_in_the_values_unit() {
    for higher_is_better in [false, true] {
        let chart = audit_heatmap(higher_is_better);
        let (_, svg) = renders(&chart);
        let texts = svg_texts(&svg);
        let cells_right = texts
            .iter()
            .filter(|t| t.text.ends_with("1s") && t.text.contains('.'))
            .map(|t| t.x)
            .fold(0.0, f64::max);
        // Clock steps over 48.8 s – 2m45.1s, as a time axis has them, right of the cells,
        // the higher value higher up.
        let ticks: Vec<_> = ["1m", "1m30s", "2m", "2m30s"]
            .iter()
            .map(|l| {
                texts
                    .iter()
                    .find(|t| t.text == *l)
                    .unwrap_or_else(|| panic!("tick {l} missing"))
            })
            .collect();
        assert!(ticks.iter().all(|t| t.x > cells_right + 50.0), "{ticks:?}");
        assert!(ticks.windows(2).all(|w| w[1].y < w[0].y), "{ticks:?}");
        let title = texts
            .iter()
            .find(|t| t.text.starts_with("duration_s.p95"))
            .expect("the bar's title");
        assert!(
            title
                .text
                .contains(if higher_is_better { "higher" } else { "lower" })
        );
        // At each tick, the bar has the colour a cell of that value has.
        let bar_x = ticks[0].x as i32 - 8 - BAR_W;
        for (t, v) in ticks.iter().zip([60.0, 90.0, 120.0, 150.0]) {
            let (r, g, b) = chart.fill(v).rgb();
            let want = format!("#{r:02X}{g:02X}{b:02X}");
            let y = t.y as i32;
            let row = rects(&svg)
                .into_iter()
                .find(|&(x, y0, w, h, _)| x == bar_x && w == BAR_W && (y0..y0 + h).contains(&y))
                .unwrap_or_else(|| panic!("no bar row at {y}"));
            // One row of two pixels: at most a step of the ramp apart.
            let got = u32::from_str_radix(&row.4[1..], 16).unwrap();
            let want_n = u32::from_str_radix(&want[1..], 16).unwrap();
            let diff = |k: u32| ((got >> k) & 255).abs_diff((want_n >> k) & 255);
            assert!(
                diff(0).max(diff(8)).max(diff(16)) <= 2,
                "{want} at {y}: {row:?}"
            );
        }
    }
    // One share everywhere: the bar stays inside 0–100%, the cells its dark end.
    let mut one = audit_heatmap(true);
    one.scale = Scale::Fraction;
    one.cells = vec![Some((1.0, "100.0%".into())); 9];
    let (_, svg) = renders(&one);
    let shares: Vec<f64> = svg_texts(&svg)
        .iter()
        .filter_map(|t| t.text.strip_suffix('%')?.parse().ok())
        .collect();
    assert!(shares.iter().all(|&p| p <= 100.0), "{shares:?}");
    assert_eq!(one.fill(1.0), ramp(1.0));
    // No value, no bar.
    let (_, svg) = renders(&Heatmap::default());
    assert!(!svg.contains("darker"));
}

#[test]
fn heatmap_colours_follow_the_good_direction() {
    assert_eq!(ramp(0.0), RGBColor(235, 243, 250));
    assert_eq!(ramp(1.0), RGBColor(8, 48, 107));
    assert_eq!(ramp(f64::NAN), ramp(0.0));
}
