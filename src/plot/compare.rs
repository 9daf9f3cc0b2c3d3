//! Charts of a comparison (several scenarios or settings, the same seeds): their duration
//! CDFs overlaid, and per metric the paired difference with its interval.
//!
//! Plain data in, as for every chart: the comparison command computes the differences
//! and intervals; this file only draws them.

use super::axis::{Scale, TickAxis, percent_tick, span};
use super::distribution::DurationGroup;
use super::layout::{GREY, Heading, LABEL, Swatch, TICK, centred_note, frame, text};
use super::{Chart, PlotError, color};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Duration CDFs of several runs on one axis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CdfOverlay {
    /// Title and subtitle.
    pub heading: Heading,
    /// One group per compared run (label: the run, values: its durations in seconds).
    pub groups: Vec<DurationGroup>,
}

/// One metric's paired difference `B − A` over the same trials, relative to `A`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairedDifference {
    /// The metric and statistic (`duration_s mean`).
    pub metric: String,
    /// The difference as the reader should see it (`+12.3s`), written beside the row.
    pub text: String,
    /// `(B − A) / A`: the estimate, then its 95% interval.
    pub relative: [f64; 3],
}

/// Paired differences of several metrics, one row each, zero marked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairedDifferences {
    /// Title and subtitle (which run is A, which is B).
    pub heading: Heading,
    /// One row per metric.
    pub rows: Vec<PairedDifference>,
}

impl Chart for CdfOverlay {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let legend: Vec<_> = self
            .groups
            .iter()
            .map(|g| {
                let n = g.values.len();
                (
                    format!("{} (n = {n})", g.label),
                    Swatch::Line(color(g.color)),
                )
            })
            .collect();
        let area = frame(root, &self.heading, &legend)?;
        let (lo, hi) = span(self.groups.iter().flat_map(|g| g.values.iter().copied()));
        let lo = if lo >= 0.0 && hi > 0.0 { 0.0 } else { lo };
        // Past the slowest trial: its variant's last step, up to 100%, would be drawn on
        // the frame and that line seen to stop short of 100%.
        let hi = hi + (hi - lo) * RIGHT_PAD;
        let x_axis = TickAxis::new(Scale::Seconds, lo, hi, 9);
        let x_text = x_axis.text();
        let mut chart = ChartBuilder::on(&area)
            .margin_right(16)
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x_axis, 0.0..1.0)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| x_text.label(*x))
            .y_label_formatter(&|y| percent_tick(*y))
            .label_style(text(TICK, BLACK))
            .axis_desc_style(text(LABEL, BLACK))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .x_desc("rollout duration (start to outcome)")
            .y_desc("share of trials at or below")
            .draw()?;
        for g in &self.groups {
            let mut v: Vec<f64> = g.values.iter().copied().filter(|x| x.is_finite()).collect();
            v.sort_by(f64::total_cmp);
            let n = v.len() as f64;
            let mut points = vec![(lo, 0.0)];
            for (i, &x) in v.iter().enumerate() {
                points.push((x, i as f64 / n));
                points.push((x, (i + 1) as f64 / n));
            }
            if !v.is_empty() {
                points.push((hi, 1.0));
            }
            chart.draw_series(LineSeries::new(points, color(g.color).stroke_width(2)))?;
        }
        if self.groups.iter().all(|g| g.values.is_empty()) {
            centred_note(&area, "no trial")?;
        }
        Ok(())
    }
}

/// Share of the durations' range the axis runs past the slowest trial.
const RIGHT_PAD: f64 = 0.03;

/// The widest relative difference the axis shows, either way: 100%, a metric doubled (or
/// gone). A metric whose baseline mean is near 0 (`restarts` at 0.004) can differ by
/// thousands of percent; on an axis reaching that far every other metric's dot would sit
/// in a sliver around 0.
pub const REACH: f64 = 1.0;

/// The axis' span: every row's values and 0, cut to ±[`REACH`].
fn axis_span(rows: &[PairedDifference]) -> (f64, f64) {
    let (lo, hi) = span(
        rows.iter()
            .flat_map(|r| r.relative)
            .chain(std::iter::once(0.0)),
    );
    (lo.max(-REACH), hi.min(REACH))
}

impl PairedDifference {
    /// The text beside the row: [`text`](Self::text), and the relative estimate when a
    /// value lies past the axis' end, where its place cannot show it.
    pub fn label(&self, (lo, hi): (f64, f64)) -> String {
        match self.relative.iter().any(|&v| v < lo || v > hi) {
            true => format!("{} · {:+.0}% of A", self.text, self.relative[0] * 100.0),
            false => self.text.clone(),
        }
    }
}

/// An arrowhead at an end of a bar cut at the axis' edge, pointing past it (`dir` 1 to the
/// right, -1 to the left), in pixels from its point.
fn arrowhead(dir: i32) -> Vec<(i32, i32)> {
    vec![(0, -7), (12 * dir, 0), (0, 7)]
}

/// Where a row's text goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    RightOfBar,
    LeftOfBar,
    RightOfZero,
}

/// The side of a row's text `width` pixels wide, its bar's text anchors at `(left, right)`
/// (pixels, its gaps included), the zero line at `zero` and the plot's left edge at
/// `edge`: right of the bar, unless the text would cross the dashed line at 0 (a bar just
/// left of it: `duration_s` −5%), then left of the bar when it fits there, else right of
/// the line, where nothing else is drawn on that row.
fn text_side((left, right): (i32, i32), zero: i32, edge: i32, width: i32) -> Side {
    if right > zero || right + width < zero {
        Side::RightOfBar
    } else if left - width >= edge {
        Side::LeftOfBar
    } else {
        Side::RightOfZero
    }
}

impl Chart for PairedDifferences {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.heading, &[])?;
        let n = self.rows.len().max(1);
        let (lo, hi) = axis_span(&self.rows);
        let pad = (hi - lo) * 0.1;
        let names: Vec<String> = self.rows.iter().map(|r| r.metric.clone()).collect();
        let x_axis = TickAxis::new(Scale::Fraction, lo - pad, hi + pad, 10);
        let x_text = x_axis.text();
        // Room for the texts of the rows cut at the right edge, which say more.
        let cut_right = self.rows.iter().any(|r| r.relative[2] > hi);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(if cut_right { 170 } else { 90 })
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(150)
            .build_cartesian_2d(x_axis, (0..n - 1).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|s| match s {
                // The first row on top.
                SegmentValue::CenterOf(i) => names.get(n - 1 - *i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|x| {
                let label = x_text.label(*x);
                let plus = if label.starts_with('-') || label == "0%" {
                    ""
                } else {
                    "+"
                };
                format!("{plus}{label}")
            })
            .label_style(text(TICK, BLACK))
            .axis_desc_style(text(LABEL, BLACK))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .x_desc("paired difference B − A, relative to A (dot: estimate, bar: 95% interval)")
            .draw()?;
        chart.draw_series(DashedLineSeries::new(
            [(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(n))],
            6,
            4,
            GREY.stroke_width(1),
        ))?;
        for (i, r) in self.rows.iter().enumerate() {
            let [est, l, h] = r.relative;
            let y = SegmentValue::CenterOf(n - 1 - i);
            // Blue when the interval is clear of zero, grey when it straddles it.
            let c = if l > 0.0 || h < 0.0 { color(0) } else { GREY };
            // Past the axis' end a value is drawn at it, with an arrowhead pointing on.
            let fit = |v: f64| v.clamp(lo, hi);
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(fit(l), y.clone()), (fit(h), y.clone())],
                c.stroke_width(3),
            )))?;
            // One arrowhead a side the row runs past (both ends past one side: one).
            for (past, edge, dir) in [(l < lo, lo, -1), (h > hi, hi, 1)] {
                if past {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((edge, y.clone()))
                            + Polygon::new(arrowhead(dir), c.filled()),
                    ))?;
                }
            }
            if fit(est) == est {
                chart.draw_series(std::iter::once(Circle::new(
                    (est, y.clone()),
                    5,
                    c.filled(),
                )))?;
            }
            let label = r.label((lo, hi));
            let width = area
                .estimate_text_size(&label, &text(TICK, BLACK))
                .map_or(0, |(w, _)| w as i32);
            let px = |v: f64| chart.backend_coord(&(v, y.clone())).0;
            let gap = |v: f64| if fit(v) != v { 16 } else { 8 };
            let (at, dx, side) = match text_side(
                (px(fit(l)) - gap(l), px(fit(h)) + gap(h)),
                px(0.0),
                chart.plotting_area().get_pixel_range().0.start,
                width,
            ) {
                Side::RightOfBar => (fit(h), gap(h), HPos::Left),
                Side::LeftOfBar => (fit(l), -gap(l), HPos::Right),
                Side::RightOfZero => (0.0, 8, HPos::Left),
            };
            chart.draw_series(std::iter::once(
                EmptyElement::at((at, y))
                    + Text::new(
                        label,
                        (dx, 0),
                        text(TICK, BLACK).pos(Pos::new(side, VPos::Center)),
                    ),
            ))?;
        }
        if self.rows.is_empty() {
            centred_note(
                &area,
                "no metric to draw: each is equal on every trial or has a baseline mean of 0",
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::tests::{heading, renders, svg_texts};

    fn group(label: &str, c: usize, values: Vec<f64>) -> DurationGroup {
        DurationGroup {
            label: label.into(),
            color: c,
            values,
        }
    }

    #[test]
    fn comparison_charts_render_from_ordinary_and_degenerate_data() {
        renders(&CdfOverlay {
            heading: heading(),
            groups: vec![
                group("A", 0, (0..200).map(|i| 40.0 + f64::from(i % 30)).collect()),
                group("B", 1, (0..200).map(|i| 55.0 + f64::from(i % 20)).collect()),
            ],
        });
        renders(&CdfOverlay::default());
        renders(&CdfOverlay {
            heading: heading(),
            groups: vec![group("A", 0, vec![0.0]), group("B", 1, vec![])],
        });
        let row = |m: &str, r: [f64; 3]| PairedDifference {
            metric: m.into(),
            text: format!("{:+.1}%", r[0] * 100.0),
            relative: r,
        };
        renders(&PairedDifferences {
            heading: heading(),
            rows: vec![
                row("duration_s mean", [0.12, 0.08, 0.16]),
                row("availability mean", [-0.001, -0.003, 0.001]),
                row("peak_tasks p95", [0.0, 0.0, 0.0]),
            ],
        });
        renders(&PairedDifferences::default());
    }

    /// A metric with a near-zero baseline (`restarts` 0.004 → 0.31: +7725%) must not set
    /// the axis: the others' differences (duration −16%) keep their width, since the axis
    /// spans at most ±100%, and the far one says its value in words.
    #[test]
    fn a_far_difference_is_cut_at_the_axis_end_and_named() {
        let row = |m: &str, t: &str, r: [f64; 3]| PairedDifference {
            metric: m.into(),
            text: t.into(),
            relative: r,
        };
        let rows = vec![
            row("duration_s", "-10.4s (better)", [-0.162, -0.18, -0.144]),
            row("restarts", "+0.31 (worse)", [77.25, 70.0, 84.5]),
        ];
        let (lo, hi) = axis_span(&rows);
        assert_eq!((lo, hi), (-0.18, REACH));
        // Duration's dot sits 16% of the way along a 118% axis: visible, not in a sliver.
        assert!((0.0 - -0.162) / (hi - lo) > 0.1);
        assert_eq!(rows[1].label((lo, hi)), "+0.31 (worse) · +7725% of A");
        assert_eq!(rows[0].label((lo, hi)), "-10.4s (better)");
        let (_, svg) = renders(&PairedDifferences {
            heading: heading(),
            rows: rows.clone(),
        });
        assert!(svg.contains("+7725% of A"), "the far row's text is drawn");
        // Nothing past the reach: the axis is the values' own span, as before.
        let near = [row("a", "a", [0.3, 0.2, 0.4])];
        assert_eq!(axis_span(&near), (0.0, 0.4));
    }

    /// The slowest variant's line is seen to reach 100%: its last step stands inside the
    /// plot, not on its right edge.
    #[test]
    fn every_cdf_reaches_one_inside_the_plot() {
        let chart = CdfOverlay {
            heading: heading(),
            groups: vec![
                group("A", 0, (0..50).map(|i| 40.0 + f64::from(i)).collect()),
                group("B", 1, (0..50).map(|i| 45.0 + f64::from(i)).collect()),
            ],
        };
        let (_, svg) = renders(&chart);
        // B's line, the last polyline of its colour: its last two corners are the step
        // up to 100% at the slowest trial and the end of the plot.
        let line = svg
            .split("<polyline")
            .filter(|p| p.contains(&format!("stroke=\"{}\"", hex(color(1)))))
            .last()
            .expect("B's line");
        let points: Vec<(f64, f64)> = line
            .split("points=\"")
            .nth(1)
            .and_then(|p| p.split('"').next())
            .expect("points")
            .split_whitespace()
            .filter_map(|xy| xy.split_once(','))
            .map(|(x, y)| (x.parse().unwrap(), y.parse().unwrap()))
            .collect();
        let [.., step, end] = points[..] else {
            panic!("{points:?}")
        };
        assert_eq!(step.1, end.1, "both at 100%: {points:?}");
        assert!(end.0 - step.0 >= 10.0, "{step:?} {end:?}");
    }

    fn hex(c: RGBColor) -> String {
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    /// The dashed line at 0 never runs through a row's text: a small improvement
    /// (`duration_s` −5%, its interval just left of 0) has its text left of its bar, and
    /// one with no room there has it right of the line.
    #[test]
    fn a_rows_text_stays_clear_of_the_zero_line() {
        let row = |m: &str, t: &str, r: [f64; 3]| PairedDifference {
            metric: m.into(),
            text: t.into(),
            relative: r,
        };
        for rows in [
            vec![
                row("duration_s", "-3.4s (better)", [-0.052, -0.058, -0.045]),
                row("min_ready", "+2 (better)", [0.5, 0.5, 0.5]),
            ],
            // The bar reaches from the axis' left end to just short of 0: no room on
            // either side of it.
            vec![
                row("duration_s", "-1.3s (better)", [-0.02, -0.2, -0.01]),
                row("min_ready", "+2 (better)", [0.5, 0.5, 0.5]),
            ],
            // Room left of the bar (another row reaches far left): the text goes there.
            vec![
                row("duration_s", "-3.4s (better)", [-0.052, -0.058, -0.045]),
                row("peak_tasks", "-5 (better)", [-0.6, -0.65, -0.55]),
            ],
        ] {
            let (_, svg) = renders(&PairedDifferences {
                heading: heading(),
                rows: rows.clone(),
            });
            let texts = svg_texts(&svg);
            let zero = texts
                .iter()
                .find(|t| t.text == "0%")
                .expect("the 0% tick")
                .x;
            for r in &rows {
                let t = texts.iter().find(|t| t.text == r.text).expect(&r.text);
                // At most 8 pixels a character at this size, wide as it is at 13 pixels.
                let wide = 8.0 * t.text.chars().count() as f64;
                let clear = match t.anchor.as_str() {
                    "start" => t.x > zero || t.x + wide < zero,
                    "end" => t.x < zero,
                    other => panic!("{other}"),
                };
                assert!(clear, "{t:?} crosses the line at x = {zero}");
                if r.relative[1] < -0.5 {
                    assert_eq!(t.anchor, "start", "right of its bar: {t:?}");
                }
            }
            if rows[1].relative[1] < -0.5 {
                let t = texts.iter().find(|t| t.text == rows[0].text).unwrap();
                assert_eq!(t.anchor, "end", "left of its bar: {t:?}");
            }
        }
    }

    #[test]
    fn long_variant_names_are_shown_whole_below_the_plot() {
        // `--set` variants: names too long for the legend column.
        let names = [
            "strategy.swarm.update_config.order=stop-first",
            "strategy.swarm.update_config.order=start-first",
        ];
        let chart = CdfOverlay {
            heading: heading(),
            groups: names
                .iter()
                .enumerate()
                .map(|(i, n)| group(n, i, (0..20).map(|k| 60.0 + f64::from(k)).collect()))
                .collect(),
        };
        let (png, svg) = renders(&chart);
        for n in names {
            let entry = format!("{n} (n = 20)");
            let at = svg.find(&format!("\n{entry}\n")).expect(&entry);
            // Drawn at full size, left-aligned near the chart's left edge, under the plot.
            let tag = &svg[svg[..at].rfind("<text").unwrap()..at];
            let attr = |name: &str| -> f64 {
                let from = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                tag[from..from + tag[from..].find('"').unwrap()]
                    .parse()
                    .unwrap()
            };
            assert!(attr("x") < 450.0 && attr("y") > 440.0, "{tag}");
        }
        assert_eq!(renders(&chart), (png, svg), "the same bytes");
    }
}
