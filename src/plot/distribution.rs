//! How long rollouts took: a histogram stacked by outcome, each outcome's CDF on the right
//! axis, and percentiles marked.
//!
//! Outcomes are kept apart because a duration mixing them answers no question: a rollout
//! rolled back after its first failed task is often the fastest trial of a run.

use super::axis::{Scale, TickAxis, percent_tick, span};
use super::layout::{Heading, LABEL, Swatch, TICK, centred_note, dark, frame, text};
use super::{Chart, PlotError, RefLine, color};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The durations of the trials that ended one way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DurationGroup {
    /// The outcome (legend text).
    pub label: String,
    /// Palette index.
    pub color: usize,
    /// Durations, seconds, in any order.
    pub values: Vec<f64>,
}

/// Durations per outcome.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DurationDistribution {
    /// Title and subtitle.
    pub heading: Heading,
    /// One group per outcome that happened.
    pub groups: Vec<DurationGroup>,
    /// Vertical lines (p50, p95, p99 of one group), seconds.
    pub marks: Vec<RefLine>,
}

/// Most bins of the histogram.
const MAX_BINS: usize = 40;

/// Bins for `n` values: about 2·√n (enough to show a shape, few enough to stay readable).
fn bins(n: usize) -> usize {
    ((2.0 * (n as f64).sqrt()).ceil() as usize).clamp(1, MAX_BINS)
}

/// `values` sorted, for a CDF.
fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

impl Chart for DurationDistribution {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let mut legend: Vec<(String, Swatch)> = Vec::new();
        for g in &self.groups {
            let c = color(g.color);
            legend.push((
                format!("{} (n = {})", g.label, g.values.len()),
                Swatch::Box(c),
            ));
        }
        for g in &self.groups {
            legend.push((format!("CDF of {}", g.label), Swatch::Line(color(g.color))));
        }
        legend.extend(
            self.marks
                .iter()
                .enumerate()
                .map(|(i, m)| (m.label.clone(), Swatch::Dashed(dark(i)))),
        );
        let area = frame(root, &self.heading, &legend)?;
        let all = self.groups.iter().flat_map(|g| g.values.iter().copied());
        let (lo, hi) = span(all.clone().chain(self.marks.iter().map(|m| m.value)));
        let lo = if lo >= 0.0 && hi > 0.0 { 0.0 } else { lo };
        let n = all.clone().filter(|v| v.is_finite()).count();
        let nbins = bins(n);
        let width = (hi - lo) / nbins as f64;
        // counts[g][b]: trials of group g in bin b.
        let counts: Vec<Vec<u32>> = self
            .groups
            .iter()
            .map(|g| {
                let mut c = vec![0u32; nbins];
                for v in g.values.iter().filter(|v| v.is_finite()) {
                    let b = (((v - lo) / width) as usize).min(nbins - 1);
                    c[b] += 1;
                }
                c
            })
            .collect();
        let tallest = (0..nbins)
            .map(|b| counts.iter().map(|c| c[b]).sum::<u32>())
            .max()
            .unwrap_or(0)
            .max(1);
        let x_axis = TickAxis::new(Scale::Seconds, lo, hi, 9);
        let x_text = x_axis.text();
        let mut chart = ChartBuilder::on(&area)
            .margin_right(8)
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .right_y_label_area_size(64)
            .build_cartesian_2d(x_axis, 0.0..f64::from(tallest) * 1.08)?
            .set_secondary_coord(lo..hi, 0.0..1.0);
        chart
            .configure_mesh()
            .x_labels(9)
            .y_labels(6)
            .x_label_formatter(&|x| x_text.label(*x))
            .y_label_formatter(&|y| {
                if *y == y.round() {
                    format!("{y:.0}")
                } else {
                    String::new()
                }
            })
            .label_style(text(TICK, BLACK))
            .axis_desc_style(text(LABEL, BLACK))
            .light_line_style(WHITE)
            .bold_line_style(RGBColor(235, 235, 235))
            .x_desc("rollout duration (start to outcome)")
            .y_desc("trials per bin (bars)")
            .draw()?;
        chart
            .configure_secondary_axes()
            .y_labels(6)
            .y_label_formatter(&|y| percent_tick(*y))
            .label_style(text(TICK, BLACK))
            .axis_desc_style(text(LABEL, BLACK))
            .y_desc("share of the outcome's trials at or below (lines)")
            .draw()?;
        let mut base = vec![0u32; nbins];
        for (g, c) in self.groups.iter().zip(&counts) {
            let fill = color(g.color).mix(0.75).filled();
            chart.draw_series((0..nbins).filter(|&b| c[b] > 0).map(|b| {
                let x0 = lo + b as f64 * width;
                let y0 = f64::from(base[b]);
                Rectangle::new([(x0, y0), (x0 + width, y0 + f64::from(c[b]))], fill)
            }))?;
            for (acc, k) in base.iter_mut().zip(c) {
                *acc += k;
            }
        }
        for g in &self.groups {
            let v = sorted(&g.values);
            let total = v.len() as f64;
            // A step CDF: up at each value, flat in between; 0 before the first.
            let mut points = vec![(lo, 0.0)];
            for (i, &x) in v.iter().enumerate() {
                points.push((x, i as f64 / total));
                points.push((x, (i + 1) as f64 / total));
            }
            points.push((hi, if v.is_empty() { 0.0 } else { 1.0 }));
            chart.draw_secondary_series(LineSeries::new(points, color(g.color).stroke_width(2)))?;
        }
        for (i, m) in self.marks.iter().enumerate() {
            chart.draw_secondary_series(DashedLineSeries::new(
                [(m.value, 0.0), (m.value, 1.0)],
                6,
                4,
                dark(i).stroke_width(2),
            ))?;
        }
        if n == 0 {
            centred_note(&area, "no trial")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_grow_as_the_square_root_up_to_forty() {
        assert_eq!(bins(0), 1);
        assert_eq!(bins(1), 2);
        assert_eq!(bins(100), 20);
        assert_eq!(bins(10_000), MAX_BINS);
    }
}
