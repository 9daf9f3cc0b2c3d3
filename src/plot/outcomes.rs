//! How often each outcome happened: one bar per outcome, its 95% interval as an error bar,
//! the count and share written above it.

use super::axis::{Scale, TickAxis, percent_tick};
use super::layout::{Heading, LABEL, TICK, frame, text};
use super::{Chart, PlotError, color};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutcomeBar {
    /// The outcome's name.
    pub label: String,
    /// Palette index.
    pub color: usize,
    /// Trials that ended this way.
    pub count: u64,
    /// Share of the trials, in [0, 1].
    pub fraction: f64,
    /// 95% interval of the share (Wilson), in [0, 1].
    pub ci95: [f64; 2],
}

/// Every outcome of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutcomeBars {
    /// Title and subtitle.
    pub heading: Heading,
    /// One bar per outcome, in the order reports list them.
    pub bars: Vec<OutcomeBar>,
}

impl Chart for OutcomeBars {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        // Bars are labelled on the axis: no legend needed.
        let area = frame(root, &self.heading, &[])?;
        let n = self.bars.len().max(1);
        let labels: Vec<String> = self.bars.iter().map(|b| b.label.clone()).collect();
        // A share axis ends at 100%; the text over a full bar sits in the margin above.
        let y_axis = TickAxis::new(Scale::Fraction, 0.0, 1.0, 6);
        let y_text = y_axis.text();
        let mut chart = ChartBuilder::on(&area)
            .margin_right(16)
            .margin_top(34)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d((0..n - 1).into_segmented(), y_axis)?;
        chart
            .configure_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| match x {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .y_label_formatter(&|y| y_text.label(*y))
            .label_style(text(TICK, BLACK))
            .axis_desc_style(text(LABEL, BLACK))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .disable_x_mesh()
            .y_desc("share of trials (bar: estimate, whisker: 95% interval)")
            .x_desc("outcome")
            .draw()?;
        let plot = chart.plotting_area();
        for (i, b) in self.bars.iter().enumerate() {
            let c = color(b.color);
            let (x0, y0) = plot.map_coordinate(&(SegmentValue::Exact(i), 0.0));
            let (x1, _) = plot.map_coordinate(&(SegmentValue::Exact(i + 1), 0.0));
            let (_, y) = plot.map_coordinate(&(SegmentValue::Exact(i), b.fraction));
            let (_, lo) = plot.map_coordinate(&(SegmentValue::Exact(i), b.ci95[0]));
            let (_, hi) = plot.map_coordinate(&(SegmentValue::Exact(i), b.ci95[1]));
            let pad = (x1 - x0) / 5;
            let mid = (x0 + x1) / 2;
            // Drawn in pixels on the root so bars and whiskers sit inside their segment.
            let (ox, oy) = root.get_base_pixel();
            let at = |x: i32, y: i32| (x - ox, y - oy);
            root.draw(&Rectangle::new(
                [at(x0 + pad, y), at(x1 - pad, y0)],
                c.mix(0.8).filled(),
            ))?;
            let whisker = BLACK.stroke_width(2);
            root.draw(&PathElement::new(vec![at(mid, lo), at(mid, hi)], whisker))?;
            for yy in [lo, hi] {
                root.draw(&PathElement::new(
                    vec![at(mid - 8, yy), at(mid + 8, yy)],
                    whisker,
                ))?;
            }
            root.draw(&Text::new(
                format!("{} ({})", b.count, percent_tick(b.fraction)),
                at(mid, hi.min(y) - 6),
                text(TICK, BLACK).pos(Pos::new(HPos::Center, VPos::Bottom)),
            ))?;
        }
        Ok(())
    }
}
