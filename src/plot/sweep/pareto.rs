//! Every setting of a sweep on the duration/availability plane: the sweep's Pareto front
//! ringed, the points best on the two drawn axes alone joined by a dashed line.

use crate::plot::axis::{Scale, TickAxis, padded, span};
use crate::plot::labels::{Mark, PixelBox, Segment, place};
use crate::plot::layout::{GREY, Heading, LABEL, Swatch, TICK, frame, text, y_label_width};
use crate::plot::{Chart, PlotError, color};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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
