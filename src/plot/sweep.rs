//! Charts of a sweep (one run per grid point): a heatmap over two parameters, lines with
//! interval bars over one, and every point's duration against availability, the sweep's
//! Pareto front ringed.
//!
//! They take plain data, one entry per grid point, so the sweep command only has to fill
//! them; nothing here knows how the grid was run.

use super::axis::{Scale, TickAxis, padded, span};
use super::labels::{Mark, PixelBox, Segment, place};
use super::layout::{GREY, Heading, LABEL, Swatch, TICK, frame, text, y_label_width};
use super::{Chart, PlotError, color};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One metric over a grid of two parameters; each cell annotated with its value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Heatmap {
    /// Title and subtitle.
    pub heading: Heading,
    /// The parameter along x (its `--set` path) and its values as typed.
    pub x: (String, Vec<String>),
    /// The parameter along y and its values.
    pub y: (String, Vec<String>),
    /// Row-major (`cells[iy · nx + ix]`): the value and its text, `None` where the grid
    /// point has no value (no trial defined it).
    pub cells: Vec<Option<(f64, String)>>,
    /// Whether a higher value is the good one (the dark end of the scale is the good end).
    pub higher_is_better: bool,
    /// What the values are: the colour bar's ticks are steps of this scale, written in its
    /// unit (`1m30s`, `99.9%`, `1.5Gi`), as the axes of the other charts are.
    pub scale: Scale,
    /// What the colours stand for, written along the colour bar (`duration_s.p95`).
    pub value_label: String,
}

/// A metric along one parameter, with its interval at every point.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntervalLines {
    /// Title and subtitle.
    pub heading: Heading,
    /// The parameter (x axis).
    pub x_label: String,
    /// The swept values: their position and their text as typed (`5s`); the x ticks are
    /// these alone. Empty: plotters' decimal ticks.
    pub x_ticks: Vec<(f64, String)>,
    /// The metric and its unit (y axis).
    pub y_label: String,
    /// What the metric's numbers are (seconds are shown as durations).
    pub y_scale: Scale,
    /// One line per statistic or metric.
    pub series: Vec<IntervalSeries>,
}

/// One line of [`IntervalLines`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IntervalSeries {
    /// Legend text.
    pub label: String,
    /// Palette index.
    pub color: usize,
    /// `[x, estimate, interval low, interval high]` per grid point.
    pub points: Vec<[f64; 4]>,
}

/// One setting on the duration/availability plane.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParetoPoint {
    /// The setting (`parallelism=2, delay=10s`).
    pub label: String,
    /// A duration of the rollout (e.g. p95 of `duration_s`), seconds.
    pub duration_s: f64,
    /// An availability (e.g. p01), in [0, 1].
    pub availability: f64,
    /// Peak capacity (e.g. p95 of `peak_tasks`): the point's size.
    pub peak: f64,
    /// On the sweep's own Pareto front (`sweep.json`'s `pareto_front.points`, over all of
    /// its axes): ringed. Given, not recomputed from the two axes drawn, so the chart rings
    /// the points the table and the JSON call the front.
    pub on_front: bool,
}

/// Settings on the duration/availability plane: the sweep's Pareto front ringed, the points
/// best on the two drawn axes alone joined by a dashed line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pareto {
    /// Title and subtitle.
    pub heading: Heading,
    /// What `duration_s` and `availability` are (`"duration_s p95"`, `"availability p01"`).
    pub axes: (String, String),
    /// Every setting.
    pub points: Vec<ParetoPoint>,
}

/// Indices of the points no other point beats on the two drawn axes alone: none is at
/// least as fast *and* at least as available, and better on one of them. Sorted by
/// duration. Not the sweep's Pareto front, which weighs more axes (peak capacity too) and
/// may hold more points: the chart draws this set as a trade-off line only.
///
/// O(n²), for grids of at most a few thousand points.
pub fn two_axis_front(points: &[ParetoPoint]) -> Vec<usize> {
    let dominates = |a: &ParetoPoint, b: &ParetoPoint| {
        a.duration_s <= b.duration_s
            && a.availability >= b.availability
            && (a.duration_s < b.duration_s || a.availability > b.availability)
    };
    let mut front: Vec<usize> = (0..points.len())
        .filter(|&i| !points.iter().any(|p| dominates(p, &points[i])))
        .collect();
    front.sort_by(|&a, &b| points[a].duration_s.total_cmp(&points[b].duration_s));
    front
}

/// A colour between light (t = 0) and dark blue (t = 1).
fn ramp(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |lo: f64, hi: f64| (lo + (hi - lo) * t).round() as u8;
    RGBColor(mix(235.0, 8.0), mix(243.0, 48.0), mix(250.0, 107.0))
}

/// Width of the colour bar's strip, pixels.
const BAR_W: i32 = 16;
/// Pixels from the plot's right edge to the colour bar, and from the bar to its tick marks'
/// labels.
const BAR_GAP: i32 = 14;

impl Heatmap {
    /// The range the colours span: the values' [`span`], kept to what the scale can take
    /// ([`padded`]: a single 100% spans 80%–100%, not 90%–110%).
    fn range(&self) -> (f64, f64) {
        padded(self.scale, self.cells.iter().flatten().map(|c| c.0), 0.0)
    }

    /// The colour of value `v`: [`ramp`] from light to dark, the dark end the good one.
    fn fill(&self, v: f64) -> RGBColor {
        let (lo, hi) = self.range();
        let good = (v - lo) / (hi - lo);
        ramp(if self.higher_is_better {
            good
        } else {
            1.0 - good
        })
    }

    /// The colour bar's ticks, the values' range on [`Heatmap::scale`]'s steps.
    fn bar_axis(&self) -> TickAxis {
        let (lo, hi) = self.range();
        TickAxis::new(self.scale, lo, hi, 6)
    }

    /// The colour bar's title: what the colours are, and which end is good.
    fn bar_title(&self) -> String {
        let better = if self.higher_is_better {
            "higher"
        } else {
            "lower"
        };
        format!("{} (darker: {better}, better)", self.value_label)
    }

    /// The colour bar beside the plot, whose pixels are `ys` (top to bottom) from `x` on:
    /// the colours from the lowest value (bottom) to the highest (top), ticked in the
    /// values' unit, the title along its right.
    fn draw_bar<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        x: i32,
        ys: std::ops::Range<i32>,
    ) -> Result<(), PlotError> {
        let (lo, hi) = self.range();
        let (top, bottom) = (ys.start, ys.end);
        let height = f64::from((bottom - top).max(1));
        let y_of = |v: f64| bottom - ((v - lo) / (hi - lo) * height).round() as i32;
        // Two-pixel rows, each the colour of the value at its middle.
        for y in (top..bottom).step_by(2) {
            let v = hi - (f64::from(y - top) + 1.0) / height * (hi - lo);
            root.draw(&Rectangle::new(
                [(x, y), (x + BAR_W, (y + 2).min(bottom))],
                self.fill(v).filled(),
            ))?;
        }
        root.draw(&Rectangle::new([(x, top), (x + BAR_W, bottom)], GREY))?;
        let mut widest = 0;
        for (v, label) in self.bar_axis().labelled() {
            let y = y_of(v);
            root.draw(&PathElement::new(
                vec![(x + BAR_W, y), (x + BAR_W + 5, y)],
                BLACK.stroke_width(1),
            ))?;
            let style = text(TICK, BLACK).pos(Pos::new(HPos::Left, VPos::Center));
            widest = widest.max(root.estimate_text_size(&label, &style).map_or(0, |s| s.0));
            root.draw(&Text::new(label, (x + BAR_W + 8, y), style))?;
        }
        let title_x = x + BAR_W + 8 + i32::try_from(widest).unwrap_or(0) + 8;
        root.draw(&Text::new(
            self.bar_title(),
            (title_x, (top + bottom) / 2),
            text(LABEL, BLACK)
                .transform(FontTransform::Rotate270)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
        Ok(())
    }

    /// Pixels the colour bar takes right of the plot: the strip, its tick labels and its
    /// title (none when no cell has a value).
    fn bar_room<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> u32 {
        if self.cells.iter().flatten().next().is_none() {
            return 0;
        }
        let widest = self
            .bar_axis()
            .labels()
            .iter()
            .filter_map(|l| root.estimate_text_size(l, &text(TICK, BLACK)).ok())
            .map(|(w, _)| w)
            .max()
            .unwrap_or(0);
        let title = root
            .estimate_text_size("Ag", &text(LABEL, BLACK))
            .map_or(LABEL + 4, |(_, h)| h);
        (BAR_GAP + BAR_W + 8) as u32 + widest + 8 + title + 8
    }
}

impl Chart for Heatmap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let area = frame(root, &self.heading, &[])?;
        let (w, _) = area.dim_in_pixel();
        let room = self.bar_room(root);
        let (area, _) = area.split_horizontally(w.saturating_sub(room));
        let (nx, ny) = (self.x.1.len().max(1), self.y.1.len().max(1));
        let (xs, ys) = (&self.x.1, &self.y.1);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(16)
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d((0..nx - 1).into_segmented(), (0..ny - 1).into_segmented())?;
        let name = |v: &[String], s: &SegmentValue<usize>| match s {
            SegmentValue::CenterOf(i) => v.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nx)
            .y_labels(ny)
            .x_label_formatter(&|s| name(xs, s))
            .y_label_formatter(&|s| name(ys, s))
            .label_style(text(TICK, BLACK))
            .axis_desc_style(text(LABEL, BLACK))
            .x_desc(self.x.0.as_str())
            .y_desc(self.y.0.as_str())
            .draw()?;
        let plot = chart.plotting_area();
        for iy in 0..self.y.1.len() {
            for ix in 0..self.x.1.len() {
                let at = |x: usize, y: usize| (SegmentValue::Exact(x), SegmentValue::Exact(y));
                let cell = self.cells.get(iy * self.x.1.len() + ix).cloned().flatten();
                let (fill, label) = match &cell {
                    Some((v, t)) => (self.fill(*v), t.clone()),
                    None => (WHITE, "–".to_string()),
                };
                plot.draw(&Rectangle::new(
                    [at(ix, iy), at(ix + 1, iy + 1)],
                    fill.filled(),
                ))?;
                plot.draw(&Rectangle::new([at(ix, iy), at(ix + 1, iy + 1)], WHITE))?;
                let (x0, y0) = plot.map_coordinate(&at(ix, iy));
                let (x1, y1) = plot.map_coordinate(&at(ix + 1, iy + 1));
                let (r, g, b) = fill.rgb();
                // Dark text on light cells, white on dark ones.
                let ink = if u32::from(r) + u32::from(g) + u32::from(b) > 380 {
                    BLACK
                } else {
                    WHITE
                };
                let (bx, by) = root.get_base_pixel();
                root.draw(&Text::new(
                    label,
                    ((x0 + x1) / 2 - bx, (y0 + y1) / 2 - by),
                    text(TICK, ink).pos(Pos::new(HPos::Center, VPos::Center)),
                ))?;
            }
        }
        if room > 0 {
            let (xs, ys) = plot.get_pixel_range();
            let (bx, by) = root.get_base_pixel();
            self.draw_bar(root, xs.end - bx + BAR_GAP, ys.start - by..ys.end - by)?;
        }
        Ok(())
    }
}

impl Chart for IntervalLines {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let legend: Vec<_> = self
            .series
            .iter()
            .map(|s| (s.label.clone(), Swatch::Line(color(s.color))))
            .collect();
        let area = frame(root, &self.heading, &legend)?;
        let all = || self.series.iter().flat_map(|s| s.points.iter());
        let (x_lo, x_hi) = span(all().map(|p| p[0]));
        // Room for the interval bars' caps at the first and last value.
        let pad = (x_hi - x_lo) * 0.08;
        let (x0, x1) = (x_lo - pad, x_hi + pad);
        // Inside what the statistic can be: no share above 100%, no duration below 0.
        let (y0, y1) = padded(self.y_scale, all().flat_map(|p| [p[1], p[2], p[3]]), 0.08);
        let x_axis = if self.x_ticks.is_empty() {
            TickAxis::new(Scale::Number, x0, x1, 10)
        } else {
            TickAxis::at(x0, x1, self.x_ticks.iter().map(|t| t.0).collect())
        };
        let numbers = x_axis.text();
        let x_text = |v: &f64| {
            self.x_ticks
                .iter()
                .find(|t| t.0 == *v)
                .map_or_else(|| numbers.label(*v), |t| t.1.clone())
        };
        let y_axis = TickAxis::new(self.y_scale, y0, y1, 8);
        let y_text = y_axis.text();
        let y_room = y_label_width(root, &y_axis.labels(), true, 64);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(16)
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(y_room)
            .build_cartesian_2d(x_axis, y_axis)?;
        chart
            .configure_mesh()
            .x_label_formatter(&x_text)
            .y_label_formatter(&|v| y_text.label(*v))
            .label_style(text(TICK, BLACK))
            .axis_desc_style(text(LABEL, BLACK))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .draw()?;
        // A value past the axis (a share above 100%) is drawn at its end.
        let fit = |v: f64| v.clamp(y0, y1);
        for s in &self.series {
            let c = color(s.color);
            chart.draw_series(LineSeries::new(
                s.points.iter().map(|p| (p[0], fit(p[1]))),
                c.stroke_width(2),
            ))?;
            for &[x, mid, lo, hi] in &s.points {
                let (mid, lo, hi) = (fit(mid), fit(lo), fit(hi));
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x, lo), (x, hi)],
                    c.stroke_width(2),
                )))?;
                for y in [lo, hi] {
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(-6, 0), (6, 0)], c.stroke_width(2)),
                    ))?;
                }
                chart.draw_series(std::iter::once(Circle::new((x, mid), 4, c.filled())))?;
            }
        }
        Ok(())
    }
}

/// Text size of the point labels.
const POINT_LABEL: u32 = TICK - 1;

/// Pixels above the Pareto plot: room for the labels of points at 100%, on its top edge.
const HEADROOM: u32 = 36;

impl Pareto {
    /// Indices of the points drawn ringed: exactly those the sweep put on its front.
    pub fn ringed(&self) -> Vec<usize> {
        (0..self.points.len())
            .filter(|&i| self.points[i].on_front)
            .collect()
    }

    /// The legend: what a circle, a ring and (when it has a length) the dashed line are.
    fn legend(&self, line: bool) -> Vec<(String, Swatch)> {
        let mut out = vec![
            (
                "a setting (size: peak capacity)".to_string(),
                Swatch::Box(color(0)),
            ),
            ("ringed: Pareto front".to_string(), Swatch::Ring(color(4))),
        ];
        if line {
            out.push(("best on x and y alone".to_string(), Swatch::Dashed(GREY)));
        }
        out
    }
}

impl Chart for Pareto {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let line = two_axis_front(&self.points);
        // A front of one point is no line: no legend entry for what is not drawn.
        let area = frame(root, &self.heading, &self.legend(line.len() > 1))?;
        let (x0, x1) = padded(
            Scale::Seconds,
            self.points.iter().map(|p| p.duration_s),
            0.08,
        );
        // Room on the right for the rightmost point's label.
        let x1 = x1 + (x1 - x0) * 0.16;
        // A share: inside [0, 100%] however the points lie.
        let (y0, y1) = padded(
            Scale::Fraction,
            self.points.iter().map(|p| p.availability),
            0.08,
        );
        let x_axis = TickAxis::new(Scale::Seconds, x0, x1, 9);
        let y_axis = TickAxis::new(Scale::Fraction, y0, y1, 9);
        let (x_text, y_text) = (x_axis.text(), y_axis.text());
        let y_room = y_label_width(root, &y_axis.labels(), true, 72);
        let mut chart = ChartBuilder::on(&area)
            .margin_right(16)
            .margin_top(HEADROOM)
            .x_label_area_size(44)
            .y_label_area_size(y_room)
            .build_cartesian_2d(x_axis, y_axis)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|v| x_text.label(*v))
            .y_label_formatter(&|v| y_text.label(*v))
            .label_style(text(TICK, BLACK))
            .axis_desc_style(text(LABEL, BLACK))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .x_desc(self.axes.0.as_str())
            .y_desc(self.axes.1.as_str())
            .draw()?;
        // Where a point is drawn: a value past the axis (an availability below 0) at its end.
        let at = |p: &ParetoPoint| (p.duration_s.clamp(x0, x1), p.availability.clamp(y0, y1));
        // Dashed and grey: a guide under the points, not the front the rings mark.
        chart.draw_series(DashedLineSeries::new(
            line.iter().map(|&i| at(&self.points[i])),
            6,
            4,
            GREY.stroke_width(1),
        ))?;
        let (p_lo, p_hi) = span(self.points.iter().map(|p| p.peak));
        // Radius 4 to 14 px with the peak: the area grows with the capacity needed.
        let radius = |p: &ParetoPoint| {
            (4.0 + 10.0 * ((p.peak - p_lo) / (p_hi - p_lo)).clamp(0.0, 1.0)) as i32
        };
        for p in &self.points {
            let at = at(p);
            let r = radius(p);
            chart.draw_series(std::iter::once(Circle::new(
                at,
                r,
                color(0).mix(0.55).filled(),
            )))?;
            if p.on_front {
                // A ring, not a line: the front need not be a curve in these two axes
                // (a point may be on it for its small peak alone).
                chart.draw_series(std::iter::once(Circle::new(
                    at,
                    r + 2,
                    color(4).stroke_width(2),
                )))?;
            }
        }
        // Labels last, over every circle, each where it meets no other label.
        let plot = chart.plotting_area();
        let style = text(POINT_LABEL, GREY).pos(Pos::new(HPos::Left, VPos::Top));
        let marks: Vec<Mark> = self
            .points
            .iter()
            .map(|p| {
                let (w, h) = root.estimate_text_size(&p.label, &style).unwrap_or((
                    // No font metrics: about 0.6 em a character.
                    POINT_LABEL * 6 / 10 * p.label.chars().count() as u32,
                    POINT_LABEL,
                ));
                Mark {
                    at: plot.map_coordinate(&at(p)),
                    // Past the ring of a front point.
                    radius: radius(p) + 2,
                    size: (
                        i32::try_from(w).unwrap_or(i32::MAX),
                        i32::try_from(h).unwrap_or(i32::MAX),
                    ),
                }
            })
            .collect();
        let (xs, ys) = plot.get_pixel_range();
        // The plot, and the margin above it: points at 100% sit on its top edge.
        let bounds = PixelBox {
            left: xs.start,
            top: ys.start - (HEADROOM as i32 - 4),
            right: xs.end,
            bottom: ys.end,
        };
        // The dashed line, to keep labels off it.
        let dashes: Vec<Segment> = line
            .windows(2)
            .map(|w| {
                let end = |i: usize| plot.map_coordinate(&at(&self.points[i]));
                (end(w[0]), end(w[1]))
            })
            .collect();
        let labels = place(&marks, bounds, &dashes);
        let (bx, by) = root.get_base_pixel();
        let local = |(x, y): (i32, i32)| (x - bx, y - by);
        // Leader lines first, so that none crosses a label's text.
        for (from, to) in labels.iter().filter_map(|l| l.leader) {
            root.draw(&PathElement::new(
                vec![local(from), local(to)],
                GREY.mix(0.6).stroke_width(1),
            ))?;
        }
        for (p, l) in self.points.iter().zip(&labels) {
            let b = l.text;
            // A light backdrop: a grid or dashed line left under the label does not strike
            // it through.
            root.draw(&Rectangle::new(
                [local((b.left - 1, b.top)), local((b.right + 1, b.bottom))],
                WHITE.mix(0.85).filled(),
            ))?;
            root.draw(&Text::new(
                p.label.clone(),
                local((b.left, b.top)),
                style.clone(),
            ))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::tests::{heading, renders, svg_texts};

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
}
