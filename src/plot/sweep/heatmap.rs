//! The heatmap of a sweep over two parameters: one metric per grid point, each cell
//! annotated with its value, the dark end of the colour bar the good end.

use crate::plot::axis::{Scale, TickAxis, padded};
use crate::plot::layout::{GREY, Heading, LABEL, TICK, frame, text};
use crate::plot::{Chart, PlotError};
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
    /// Cells of points left out of the run as invalid (`sweep --skip-invalid`), in
    /// increasing order: drawn grey, reading `invalid`.
    pub left_out: Vec<usize>,
    /// Whether a higher value is the good one (the dark end of the scale is the good end).
    pub higher_is_better: bool,
    /// What the values are: the colour bar's ticks are steps of this scale, written in its
    /// unit (`1m30s`, `99.9%`, `1.5Gi`), as the axes of the other charts are.
    pub scale: Scale,
    /// What the colours stand for, written along the colour bar (`duration_s.p95`).
    pub value_label: String,
}

/// A colour between light (t = 0) and dark blue (t = 1).
pub(super) fn ramp(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mix = |lo: f64, hi: f64| (lo + (hi - lo) * t).round() as u8;
    RGBColor(mix(235.0, 8.0), mix(243.0, 48.0), mix(250.0, 107.0))
}

/// Width of the colour bar's strip, pixels.
pub(super) const BAR_W: i32 = 16;
/// Pixels from the plot's right edge to the colour bar, and from the bar to its tick marks'
/// labels.
const BAR_GAP: i32 = 14;

impl Heatmap {
    /// The range the colours span: the values' [`span`](crate::plot::axis::span), kept to
    /// what the scale can take ([`padded`]: a single 100% spans 80%–100%, not 90%–110%).
    fn range(&self) -> (f64, f64) {
        padded(self.scale, self.cells.iter().flatten().map(|c| c.0), 0.0)
    }

    /// The colour of value `v`: [`ramp`] from light to dark, the dark end the good one.
    pub(super) fn fill(&self, v: f64) -> RGBColor {
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
                let at_cell = iy * self.x.1.len() + ix;
                let cell = self.cells.get(at_cell).cloned().flatten();
                let (fill, label) = match &cell {
                    Some((v, t)) => (self.fill(*v), t.clone()),
                    None if self.left_out.binary_search(&at_cell).is_ok() => {
                        (RGBColor(221, 221, 221), "invalid".to_string())
                    }
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
