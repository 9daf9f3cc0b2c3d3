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

/// The narrowest bin, as a share of the x axis: a bar of one trial stays a bar (about a
/// dozen pixels), and trials closer together than that share one.
const NARROWEST: f64 = 1.0 / 40.0;

/// Share of the values' range left free right of the largest value (or mark), so that
/// neither its bar nor its line sits on the plot's frame.
const RIGHT_PAD: f64 = 0.03;

/// Durations closer together than this share of the largest are shown on an axis of their
/// own neighbourhood, not from 0: from 0, they would all stand in the last fifth of the
/// axis (one trial, two, or a run whose rollouts all take about as long).
const NARROW: f64 = 0.2;

/// The x axis for durations `values` and marks at `marks`: from 0 to a little past the
/// largest, or, when every value and mark lies within [`NARROW`] of the largest, around
/// them alone (at least a tenth of the largest wide, more than their spread; never below
/// 0). Values below 0 (none in a run's files) keep the axis at their own span.
fn x_range(values: &[f64], marks: &[f64]) -> (f64, f64) {
    let finite: Vec<f64> = values
        .iter()
        .chain(marks)
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = span(finite.iter().copied());
    let (min, max) = finite
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    // The values' own minimum, not the span's padded one: durations all 0 (a run of 0
    // replicas) span [-1, 1], and would show negative durations.
    if finite.is_empty() || min < 0.0 {
        return (lo, hi + (hi - lo) * RIGHT_PAD);
    }
    if max - min < NARROW * max {
        let half = ((max - min) / 2.0 * 1.3).max(max * 0.05);
        let centre = (min + max) / 2.0;
        let lo = (centre - half).max(0.0);
        return (lo, lo + 2.0 * half);
    }
    (0.0, hi + hi * RIGHT_PAD)
}

/// The histogram's bins: `count` bins `width` wide from `start`, laid over the values, not
/// over the axis: [`bins`] of them, the first centred on the smallest value and the last on
/// the largest, or, when that would make them narrower than [`NARROWEST`] of the axis (few
/// trials, or trials all alike), as many of that width as the values' range needs, centred
/// on it. One trial is a narrow bar centred on its duration, not half the axis; two are
/// two bars, each around its value.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bins {
    start: f64,
    width: f64,
    count: usize,
}

impl Bins {
    /// Bins for the finite `values` on an x axis from `lo` to `hi`.
    fn over(values: &[f64], (lo, hi): (f64, f64)) -> Bins {
        let (min, max) = values
            .iter()
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        if min > max {
            return Bins {
                start: lo,
                width: hi - lo,
                count: 1,
            };
        }
        let n = values.iter().filter(|v| v.is_finite()).count();
        let between = bins(n).saturating_sub(1).max(1) as f64;
        let width = ((max - min) / between).max((hi - lo) * NARROWEST);
        // Within a millionth of a bin counts as whole: 2 steps of a range 2 bins wide.
        // At most 41: the range is at most the axis, a bin at least a 40th of it.
        let count = ((max - min) / width - 1e-6).ceil() as usize + 1;
        Bins {
            start: (min + max) / 2.0 - count as f64 * width / 2.0,
            width,
            count,
        }
    }

    /// The bin of `v` (the last bin holds the largest value, on its right edge).
    fn of(&self, v: f64) -> usize {
        let b = ((v - self.start) / self.width).floor();
        if b.is_finite() && b > 0.0 {
            (b as usize).min(self.count - 1)
        } else {
            0
        }
    }

    /// Left and right edge of bin `b`.
    fn edges(&self, b: usize) -> (f64, f64) {
        let x0 = self.start + b as f64 * self.width;
        (x0, x0 + self.width)
    }
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
        let all: Vec<f64> = self
            .groups
            .iter()
            .flat_map(|g| g.values.iter().copied())
            .filter(|v| v.is_finite())
            .collect();
        let marks: Vec<f64> = self.marks.iter().map(|m| m.value).collect();
        let (lo, hi) = x_range(&all, &marks);
        let n = all.len();
        let bins = Bins::over(&all, (lo, hi));
        // The last bar whole, off the frame: a bin centred on the largest value reaches past
        // it.
        let last = bins.edges(bins.count - 1).1;
        let hi = hi.max(last + (last - lo) * RIGHT_PAD / 2.0);
        // counts[g][b]: trials of group g in bin b.
        let counts: Vec<Vec<u32>> = self
            .groups
            .iter()
            .map(|g| {
                let mut c = vec![0u32; bins.count];
                for v in g.values.iter().filter(|v| v.is_finite()) {
                    c[bins.of(*v)] += 1;
                }
                c
            })
            .collect();
        let tallest = (0..bins.count)
            .map(|b| counts.iter().map(|c| c[b]).sum::<u32>())
            .max()
            .unwrap_or(0)
            .max(1);
        let x_axis = TickAxis::new(Scale::Seconds, lo, hi, 9);
        let x_text = x_axis.text();
        // Whole trials: a step of at least 1 (one trial reads `0, 1`, not `0, 0.2, …`).
        let top = f64::from(tallest) * 1.08;
        let y_axis = TickAxis::new(Scale::Number, 0.0, top, (tallest as usize + 1).min(6));
        let y_text = y_axis.text();
        let mut chart = ChartBuilder::on(&area)
            .margin_right(8)
            .margin_top(8)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .right_y_label_area_size(64)
            .build_cartesian_2d(x_axis, y_axis)?
            .set_secondary_coord(lo..hi, 0.0..1.0);
        chart
            .configure_mesh()
            .x_label_formatter(&|x| x_text.label(*x))
            .y_label_formatter(&|y| y_text.label(*y))
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
        let mut base = vec![0u32; bins.count];
        for (g, c) in self.groups.iter().zip(&counts) {
            let fill = color(g.color).mix(0.75).filled();
            chart.draw_series((0..bins.count).filter(|&b| c[b] > 0).map(|b| {
                // Inside the axis: a bin centred on a duration near 0 starts at 0.
                let (x0, x1) = bins.edges(b);
                let (x0, x1) = (x0.max(lo), x1.min(hi));
                let y0 = f64::from(base[b]);
                Rectangle::new([(x0, y0), (x1, y0 + f64::from(c[b]))], fill)
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
    use crate::plot::tests::{heading, renders, svg_texts};

    /// Rollouts that all take no time (0 replicas): an axis of durations from 0, never
    /// through negative ones (it ran from `-1s`).
    #[test]
    fn durations_all_zero_are_drawn_on_an_axis_from_zero() {
        let chart = DurationDistribution {
            heading: heading(),
            groups: vec![DurationGroup {
                label: "completed".into(),
                color: 0,
                values: vec![0.0; 50],
            }],
            marks: vec![RefLine {
                label: "p50 completed 0.0s".into(),
                value: 0.0,
            }],
        };
        let (_, svg) = renders(&chart);
        let ticks: Vec<String> = svg_texts(&svg)
            .into_iter()
            .map(|t| t.text)
            .filter(|t| t.ends_with('s') || t == "0")
            .collect();
        assert!(ticks.contains(&"0".to_string()), "{ticks:?}");
        assert!(ticks.iter().all(|t| !t.starts_with('-')), "{ticks:?}");
        // The trials' bar is drawn (its half right of 0).
        assert!(bars(&svg).iter().any(|(l, r)| r > l), "{svg:.300}");
    }

    /// The histogram's bars in an SVG: `(left, right)` pixels of every rectangle of the
    /// bars' opacity inside the plot (the legend's swatches are right of it).
    fn bars(svg: &str) -> Vec<(f64, f64)> {
        svg.split("<rect")
            .skip(1)
            .filter(|r| r.contains("opacity=\"0.75\""))
            .filter_map(|r| {
                let num = |n: &str| -> Option<f64> {
                    let from = r.find(&format!(" {n}=\""))? + n.len() + 3;
                    r[from..from + r[from..].find('"')?].parse().ok()
                };
                Some((num("x")?, num("x")? + num("width")?))
            })
            .filter(|&(x, _)| x < 560.0)
            .collect()
    }

    /// The pixel of `secs` on the x axis, read from its tick labels `a` and `b` seconds.
    fn pixel(svg: &str, (a, a_label): (f64, &str), (b, b_label): (f64, &str), secs: f64) -> f64 {
        let texts = svg_texts(svg);
        let at = |l: &str| texts.iter().find(|t| t.text == l).expect(l).x;
        let (xa, xb) = (at(a_label), at(b_label));
        xa + (secs - a) / (b - a) * (xb - xa)
    }

    fn chart(values: Vec<f64>) -> DurationDistribution {
        DurationDistribution {
            heading: heading(),
            groups: vec![DurationGroup {
                label: "completed".into(),
                color: 2,
                values,
            }],
            marks: vec![],
        }
    }

    #[test]
    fn one_or_two_trials_are_narrow_bars_at_their_durations() {
        // `report --trials 1`: one rollout of 57.4 s, on an axis around it.
        let (_, svg) = renders(&chart(vec![57.4]));
        let bar = bars(&svg);
        assert_eq!(bar.len(), 1, "{bar:?}");
        let x = pixel(&svg, (57.0, "57s"), (58.0, "58s"), 57.4);
        let (l, r) = bar[0];
        assert!(r - l <= 20.0 && r - l >= 4.0, "{bar:?}");
        assert!(
            (l + r) / 2.0 - x <= 1.5 && x - (l + r) / 2.0 <= 1.5,
            "{bar:?} at {x}"
        );
        // Whole trials on the y axis: `0` and `1`, nothing between.
        let counts: Vec<String> = svg_texts(&svg)
            .into_iter()
            .filter(|t| t.x < 70.0 && t.text.parse::<f64>().is_ok())
            .map(|t| t.text)
            .collect();
        assert_eq!(counts, ["0", "1"]);
        // `--trials 2`: two bars apart, each around its duration.
        let (_, svg) = renders(&chart(vec![56.0, 57.4]));
        let two = bars(&svg);
        assert_eq!(two.len(), 2, "{two:?}");
        assert!(two[0].1 <= two[1].0, "{two:?}");
        for ((l, r), v) in two.into_iter().zip([56.0, 57.4]) {
            let x = pixel(&svg, (56.0, "56s"), (57.0, "57s"), v);
            assert!(l < x && x < r && r - l <= 60.0, "{v}: {l}–{r} at {x}");
        }
    }

    #[test]
    fn bins_are_laid_over_the_values_centred_on_the_ends() {
        // Many values: 2·√n bins, the first centred on the smallest value, the last on the
        // largest.
        let many: Vec<f64> = (0..100).map(|i| 10.0 + f64::from(i)).collect();
        let b = Bins::over(&many, (0.0, 112.0));
        assert_eq!(b.count, bins(100));
        assert!((b.width - 99.0 / 19.0).abs() < 1e-9);
        assert!((b.start + b.width / 2.0 - 10.0).abs() < 1e-9);
        assert_eq!(b.of(10.0), 0);
        assert_eq!(b.of(109.0), b.count - 1);
        // One value: one bin a 40th of the axis wide, around it.
        let one = Bins::over(&[57.4], (54.5, 60.3));
        assert_eq!(one.count, 1);
        let (l, r) = one.edges(0);
        assert!((r - l - 5.8 / 40.0).abs() < 1e-9 && ((l + r) / 2.0 - 57.4).abs() < 1e-9);
        // No value: the whole axis, one bin.
        assert_eq!(Bins::over(&[], (0.0, 1.0)).count, 1);
    }

    #[test]
    fn the_axis_zooms_onto_durations_close_together_only() {
        // One trial: around it, not from 0.
        let (lo, hi) = x_range(&[57.4], &[57.4]);
        assert!(lo > 50.0 && hi > 57.4 && hi < 65.0, "{lo}–{hi}");
        // Rolled back at 9 s, completed at 1m40s: from 0, a little past the last.
        let (lo, hi) = x_range(&[9.0, 100.0], &[100.0]);
        assert_eq!(lo, 0.0);
        assert!(hi > 100.0 && hi < 105.0, "{hi}");
    }

    #[test]
    fn bins_grow_as_the_square_root_up_to_forty() {
        assert_eq!(bins(0), 1);
        assert_eq!(bins(1), 2);
        assert_eq!(bins(100), 20);
        assert_eq!(bins(10_000), MAX_BINS);
    }
}
