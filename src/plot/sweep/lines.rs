//! Lines of a sweep over one parameter: a metric at every grid point with its interval
//! as a bar.

use crate::plot::axis::{Scale, TickAxis, padded, span};
use crate::plot::layout::{Heading, LABEL, Swatch, TICK, frame, text, y_label_width};
use crate::plot::{Chart, PlotError, color};
use plotters::coord::Shift;
use plotters::prelude::*;

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
