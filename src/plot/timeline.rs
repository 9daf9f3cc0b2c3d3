//! Charts over the rollout's time: ready tasks per version, and the traffic.
//!
//! Each series is a median line inside the band between its 5th and 95th percentiles
//! across trials, as `timeline.csv` has them; a gap in a series (no trial defines the value
//! there, e.g. latency of a bucket with nothing served) is a gap in the line.

use super::axis::{Scale, TickAxis, from_zero};
use super::band_overlap::{Cut, intersection};
use super::layout::{
    DOTS, Heading, LABEL, OVERLAP, Swatch, TICK, centred_note, dark, frame, text, tint,
};
use super::{Chart, PlotError, RefLine, color};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One quantity over time across trials.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BandSeries {
    /// Legend text.
    pub label: String,
    /// Palette index ([`super::color`]).
    pub color: usize,
    /// `(t in seconds, Some([p05, p50, p95]))`, or `None` where no trial defines a value.
    pub points: Vec<(f64, Option<[f64; 3]>)>,
}

impl BandSeries {
    fn values(&self) -> impl Iterator<Item = f64> + '_ {
        self.points.iter().filter_map(|p| p.1).flatten()
    }

    fn times(&self) -> impl Iterator<Item = f64> + '_ {
        self.points.iter().map(|p| p.0)
    }

    /// Runs of consecutive defined points.
    fn runs(&self) -> impl Iterator<Item = Vec<(f64, [f64; 3])>> + '_ {
        self.points
            .split(|p| p.1.is_none())
            .filter(|run| !run.is_empty())
            .map(|run| run.iter().filter_map(|&(t, v)| Some((t, v?))).collect())
    }
}

/// Ready tasks per version over time, with the strategy's limits and the rollout's end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RolloutTimeline {
    /// Title and subtitle.
    pub heading: Heading,
    /// Tasks per version (and in total), in tasks.
    pub series: Vec<BandSeries>,
    /// Dashed lines: desired replicas, the most tasks the strategy allows, the fewest
    /// ready it keeps; each steps where a `scale` action changes the replica count.
    pub limits: Vec<LimitLine>,
    /// Vertical lines: when rollouts ended (the median, the 95th percentile; or one trial's
    /// end), seconds.
    pub ends: Vec<RefLine>,
    /// Dark grey vertical lines: the scenario's actions (`undo at 2m`), seconds.
    pub actions: Vec<RefLine>,
    /// Teal vertical lines: in the one trial drawn, when each node the cluster autoscaler
    /// added was Ready (`autoscaled-1 added at 1m12s`), seconds.
    pub nodes: Vec<RefLine>,
}

/// A limit that holds one value from each time on: a horizontal line that steps up or
/// down where its value changes (a `scale` action mid-rollout).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LimitLine {
    /// What the line is, with its values (`"replicas = 10 → 20 at 20s"`).
    pub label: String,
    /// `(t in seconds, value from t on)`, in time order, the first at 0.
    pub steps: Vec<(f64, f64)>,
}

impl LimitLine {
    /// One value throughout.
    pub fn flat(label: String, value: f64) -> LimitLine {
        LimitLine {
            label,
            steps: vec![(0.0, value)],
        }
    }

    /// The line's corners from 0 to `x_max`: each step's value held until the next step's
    /// time, then a vertical rise or fall to the new value (steps past `x_max` left out).
    pub(super) fn path(&self, x_max: f64) -> Vec<(f64, f64)> {
        let mut out: Vec<(f64, f64)> = Vec::new();
        for &(t, v) in self.steps.iter().filter(|s| s.0 <= x_max) {
            if let Some(&(_, before)) = out.last() {
                out.push((t, before));
            }
            out.push((t.max(0.0), v));
        }
        if let Some(&(_, last)) = out.last() {
            out.push((x_max, last));
        }
        out
    }
}

/// Requests per second (successful, failed) and latency over time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficTimeline {
    /// Title and subtitle.
    pub heading: Heading,
    /// Requests per second: served, failed.
    pub rates: Vec<BandSeries>,
    /// Latency percentile(s), milliseconds.
    pub latency: Vec<BandSeries>,
    /// Vertical lines: when rollouts ended, seconds.
    pub ends: Vec<RefLine>,
    /// Dark grey vertical lines: the scenario's actions, seconds.
    pub actions: Vec<RefLine>,
    /// Teal vertical lines: the nodes the cluster autoscaler added in the one trial drawn.
    pub nodes: Vec<RefLine>,
    /// Rings above the rates: the measurements the analysis took in the one trial drawn
    /// (none for bands across trials).
    pub measurements: Vec<MeasurementMark>,
}

/// How a measurement came out, as its ring's colour tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Passed (Successful).
    Passed,
    /// Failed.
    Failed,
    /// Inconclusive.
    Inconclusive,
    /// No value (Error: an empty window).
    NoValue,
}

impl Verdict {
    const ALL: [Verdict; 4] = [
        Verdict::Passed,
        Verdict::Failed,
        Verdict::Inconclusive,
        Verdict::NoValue,
    ];

    /// Palette colours: the served rate's green, the failed rate's vermilion, the purple
    /// of a paused trial (an Inconclusive run pauses the rollout), grey.
    fn color(self) -> RGBColor {
        color(match self {
            Verdict::Passed => 2,
            Verdict::Failed => 4,
            Verdict::Inconclusive => 3,
            Verdict::NoValue => 6,
        })
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Inconclusive => "inconclusive",
            Verdict::NoValue => "no value",
        }
    }
}

/// One measurement of the drawn trial's analysis: when (seconds) and how it came out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeasurementMark {
    /// Seconds from the rollout's start.
    pub t: f64,
    /// How it came out.
    pub verdict: Verdict,
}

/// One entry per verdict the marks have, with its count: `measured: failed (3)`.
fn measurements_legend(marks: &[MeasurementMark]) -> impl Iterator<Item = (String, Swatch)> + '_ {
    Verdict::ALL.into_iter().filter_map(|v| {
        let n = marks.iter().filter(|m| m.verdict == v).count();
        (n > 0).then(|| {
            let text = format!("measured: {} ({n})", v.label());
            (text, Swatch::Ring(v.color()))
        })
    })
}

/// Time (seconds, ticks on clock steps) against a value.
type Plot<'a, DB> = ChartContext<'a, DB, Cartesian2d<TickAxis, TickAxis>>;

/// Every band's entry, in the order given.
fn band_legend(series: &[BandSeries]) -> impl Iterator<Item = (String, Swatch)> + '_ {
    series
        .iter()
        .map(|s| (s.label.clone(), Swatch::Band(color(s.color))))
}

/// The entry of the one shade of every overlap ([`OVERLAP`]), when bands overlap somewhere:
/// it is true of two bands or more, whichever they are (their edges say which).
fn overlap_legend(shown: bool) -> Option<(String, Swatch)> {
    shown.then(|| ("bands overlap".to_string(), Swatch::Patch(OVERLAP)))
}

/// Where two or more of the 5–95% bands overlap: the intersection of every two bands'
/// polygons ([`intersection`]), their union the region to shade (a point where three bands
/// overlap lies in three of them, all of one shade).
fn overlaps(series: &[BandSeries]) -> Vec<Vec<Cut>> {
    // A band of no height anywhere (a version no trial ran) overlaps nothing.
    let bands: Vec<Vec<Vec<Cut>>> = series
        .iter()
        .map(|s| s.runs().map(|run| cuts(&run)).collect::<Vec<_>>())
        .filter(|runs| runs.iter().flatten().any(|c| c.2 > c.1))
        .collect();
    let mut out = Vec::new();
    for (i, a) in bands.iter().enumerate() {
        for b in &bands[i + 1..] {
            for ra in a {
                for rb in b {
                    out.extend(intersection(ra, rb));
                }
            }
        }
    }
    out
}

/// A run of a series' points as its band's cuts, `(t, p05, p95)`.
fn cuts(run: &[(f64, [f64; 3])]) -> Vec<Cut> {
    run.iter().map(|&(t, v)| (t, v[0], v[2])).collect()
}

/// The polygon of a band's run: its high edge forward, then its low edge back.
fn outline(run: &[Cut]) -> Vec<(f64, f64)> {
    let highs = run.iter().map(|&(t, _, hi)| (t, hi));
    highs
        .chain(run.iter().rev().map(|&(t, lo, _)| (t, lo)))
        .collect()
}

/// Ends are dotted, in the dark colours the duration chart gives the same percentiles
/// (median black, p95 red): one grey for every end could not tell them apart, and dashes
/// would read as the limits, which share these colours.
fn ends_legend(ends: &[RefLine]) -> impl Iterator<Item = (String, Swatch)> + '_ {
    ends.iter()
        .enumerate()
        .map(|(i, e)| (e.label.clone(), Swatch::Dotted(dark(i))))
}

/// The colour of the action marks: a dark grey, apart from the palette's grey (the
/// all-versions band) and from the black of the ends and limits.
const ACTION: RGBColor = RGBColor(70, 70, 70);

/// The colour of the marks of the nodes a cluster autoscaler added: a dark teal, apart
/// from the actions' grey and from the versions' colours.
const NODE_ADDED: RGBColor = RGBColor(0, 110, 110);

/// One legend entry for every action mark (they are drawn alike): `undo at 2m`, or
/// `actions: scale to 20 at 20s; undo at 2m`; past four, the count and the first and
/// last instants, so a long script of actions does not crowd out the legend.
fn actions_legend(actions: &[RefLine]) -> Option<(String, Swatch)> {
    marks_legend(actions, "actions", ACTION)
}

/// [`actions_legend`] for the nodes added: `nodes: autoscaled-1 added at 1m12s; …`.
fn nodes_legend(nodes: &[RefLine]) -> Option<(String, Swatch)> {
    marks_legend(nodes, "nodes", NODE_ADDED)
}

/// One legend entry for marks drawn alike in `color`, `what` naming them in the plural.
fn marks_legend(marks: &[RefLine], what: &str, color: RGBColor) -> Option<(String, Swatch)> {
    let text = match marks {
        [] => return None,
        [one] => one.label.clone(),
        few if few.len() <= 4 => {
            let labels: Vec<&str> = few.iter().map(|a| a.label.as_str()).collect();
            format!("{what}: {}", labels.join("; "))
        }
        many => format!(
            "{} {what}, from {} to {}",
            many.len(),
            many[0].label,
            many[many.len() - 1].label
        ),
    };
    Some((text, Swatch::Line(color)))
}

/// The action marks up to `x_max` (an action after every drawn trial ended marks nothing
/// drawn, and does not stretch the axis).
fn draw_actions<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    actions: &[RefLine],
    x_max: f64,
    y: (f64, f64),
) -> Result<(), PlotError> {
    draw_marks(chart, actions, x_max, y, ACTION)
}

/// Vertical marks in `color` up to `x_max`.
fn draw_marks<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    marks: &[RefLine],
    x_max: f64,
    (y_lo, y_hi): (f64, f64),
    color: RGBColor,
) -> Result<(), PlotError> {
    for a in marks.iter().filter(|a| a.value <= x_max) {
        chart.draw_series(LineSeries::new(
            [(a.value, y_lo), (a.value, y_hi)],
            color.stroke_width(2),
        ))?;
    }
    Ok(())
}

/// The time axis: from 0 to the last sample, or 3% past the last end mark: one trial's
/// samples stop at the first tick after its end, and its mark on the plot's edge would be
/// lost in the frame.
fn time_range<'a>(series: impl Iterator<Item = &'a BandSeries>, ends: &[RefLine]) -> f64 {
    let finite_max =
        |t: &mut dyn Iterator<Item = f64>| t.filter(|t| t.is_finite()).fold(0.0, f64::max);
    let samples = finite_max(&mut series.flat_map(|s| s.times()));
    let ends = finite_max(&mut ends.iter().map(|e| e.value));
    samples.max(ends * 1.03).max(1.0)
}

/// A cartesian plot on `area` with labelled axes (time on x, `y_axis` on y, ticked and
/// written as [`TickAxis`] does: exactly, `0.2` never `0.20` or `0.6000000000000001`).
fn plot_on<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x_max: f64,
    y_axis: TickAxis,
    y_desc: &str,
    x_desc: Option<&str>,
) -> Result<Plot<'a, DB>, PlotError> {
    let x_axis = TickAxis::new(Scale::Seconds, 0.0, x_max, 9);
    let x_text = x_axis.text();
    let x_fmt = |x: &f64| x_text.label(*x);
    let y_text = y_axis.text();
    let y_fmt = |y: &f64| y_text.label(*y);
    let mut chart = ChartBuilder::on(area)
        .margin_right(16)
        .margin_top(8)
        .x_label_area_size(if x_desc.is_some() { 44 } else { 24 })
        .y_label_area_size(64)
        .build_cartesian_2d(x_axis, y_axis)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(9)
        .y_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(text(TICK, BLACK))
        .axis_desc_style(text(LABEL, BLACK))
        .light_line_style(WHITE)
        .bold_line_style(RGBColor(235, 235, 235))
        .y_desc(y_desc);
    if let Some(d) = x_desc {
        mesh.x_desc(d);
    }
    mesh.draw()?;
    Ok(chart)
}

/// The 5–95% bands, then where they overlap, then their edges, then the median lines (so
/// no band hides a line).
///
/// Every fill is opaque: each band in its [`tint`], in the order given, then `overlaps` (the
/// [`overlaps`] of these bands) in one shade of their own, [`OVERLAP`], which the legend
/// names ([`overlap_legend`]). Translucent bands would blend into colours no legend entry
/// has. The edges of every band, a thin line of its colour, are drawn over all the fills,
/// so each band still shows where it runs, through an overlap too.
fn draw_bands<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    series: &[BandSeries],
    overlaps: &[Vec<Cut>],
) -> Result<(), PlotError> {
    for s in series {
        let fill = tint(color(s.color)).filled();
        for run in s.runs() {
            chart.draw_series(std::iter::once(Polygon::new(outline(&cuts(&run)), fill)))?;
        }
    }
    let fill = OVERLAP.filled();
    for run in overlaps {
        chart.draw_series(std::iter::once(Polygon::new(outline(run), fill)))?;
    }
    for s in series {
        let c = color(s.color);
        for run in s.runs() {
            for k in [0, 2] {
                chart.draw_series(LineSeries::new(
                    run.iter().map(|&(t, v)| (t, v[k])),
                    c.stroke_width(1),
                ))?;
            }
        }
    }
    for s in series {
        let c = color(s.color);
        for run in s.runs() {
            chart.draw_series(LineSeries::new(
                run.iter().map(|&(t, v)| (t, v[1])),
                c.stroke_width(2),
            ))?;
        }
    }
    Ok(())
}

/// The ends, dotted and coloured as [`ends_legend`] shows them.
fn draw_vertical<DB: DrawingBackend>(
    chart: &mut Plot<'_, DB>,
    lines: &[RefLine],
    (y_lo, y_hi): (f64, f64),
) -> Result<(), PlotError> {
    for (i, l) in lines.iter().enumerate() {
        chart.draw_series(DashedLineSeries::new(
            [(l.value, y_lo), (l.value, y_hi)],
            DOTS.0,
            DOTS.1,
            dark(i).stroke_width(2),
        ))?;
    }
    Ok(())
}

impl Chart for RolloutTimeline {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let overlaps = overlaps(&self.series);
        let legend: Vec<_> = band_legend(&self.series)
            .chain(overlap_legend(!overlaps.is_empty()))
            .chain(
                self.limits
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.label.clone(), Swatch::Dashed(dark(i)))),
            )
            .chain(ends_legend(&self.ends))
            .chain(actions_legend(&self.actions))
            .chain(nodes_legend(&self.nodes))
            .collect();
        let area = frame(root, &self.heading, &legend)?;
        let x_max = time_range(self.series.iter(), &self.ends);
        let y = from_zero(
            self.series
                .iter()
                .flat_map(|s| s.values())
                .chain(self.limits.iter().flat_map(|l| l.steps.iter().map(|s| s.1))),
        );
        let y = (y.0, y.1.max(1.0));
        // Tasks are whole: a step of at least 1 (one replica reads `0, 1`, not `0, 0.2, …`).
        let whole = (y.1 as usize + 1).min(6);
        let mut chart = plot_on(
            &area,
            x_max,
            TickAxis::new(Scale::Number, y.0, y.1, whole),
            "tasks ready",
            Some("time since the rollout started"),
        )?;
        // Under the bands: a mark must not hide a median that steps at its instant.
        draw_actions(&mut chart, &self.actions, x_max, y)?;
        draw_marks(&mut chart, &self.nodes, x_max, y, NODE_ADDED)?;
        draw_bands(&mut chart, &self.series, &overlaps)?;
        // Limits over the bands: a median running along a limit must not hide it.
        for (i, l) in self.limits.iter().enumerate() {
            chart.draw_series(DashedLineSeries::new(
                l.path(x_max),
                8,
                5,
                dark(i).stroke_width(2),
            ))?;
        }
        draw_vertical(&mut chart, &self.ends, y)?;
        if self.series.iter().all(|s| s.runs().next().is_none()) {
            centred_note(&area, "no sample: no trial ran")?;
        }
        Ok(())
    }
}

impl Chart for TrafficTimeline {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (rates, latency) = (overlaps(&self.rates), overlaps(&self.latency));
        let legend: Vec<_> = band_legend(&self.rates)
            .chain(band_legend(&self.latency))
            .chain(overlap_legend(!rates.is_empty() || !latency.is_empty()))
            .chain(ends_legend(&self.ends))
            .chain(actions_legend(&self.actions))
            .chain(nodes_legend(&self.nodes))
            .chain(measurements_legend(&self.measurements))
            .collect();
        let area = frame(root, &self.heading, &legend)?;
        let x_max = time_range(self.rates.iter().chain(&self.latency), &self.ends);
        let (_, h) = area.dim_in_pixel();
        let (upper, lower) = area.split_vertically(h * 55 / 100);
        let mut y = from_zero(self.rates.iter().flat_map(|s| s.values()));
        // The rings get a row of their own above the rates, where no line runs.
        let rings = y.1 * 1.06;
        if !self.measurements.is_empty() {
            y.1 *= 1.12;
        }
        let y_axis = TickAxis::new(Scale::Number, y.0, y.1, 6);
        let mut chart = plot_on(&upper, x_max, y_axis, "requests/s", None)?;
        draw_actions(&mut chart, &self.actions, x_max, y)?;
        draw_marks(&mut chart, &self.nodes, x_max, y, NODE_ADDED)?;
        draw_bands(&mut chart, &self.rates, &rates)?;
        draw_vertical(&mut chart, &self.ends, y)?;
        chart.draw_series(
            self.measurements
                .iter()
                .filter(|m| m.t <= x_max)
                .map(|m| Circle::new((m.t, rings), 5, m.verdict.color().stroke_width(2))),
        )?;
        let y = from_zero(self.latency.iter().flat_map(|s| s.values()));
        let mut chart = plot_on(
            &lower,
            x_max,
            TickAxis::new(Scale::Number, y.0, y.1, 6),
            "latency (ms)",
            Some("time since the rollout started"),
        )?;
        draw_actions(&mut chart, &self.actions, x_max, y)?;
        draw_marks(&mut chart, &self.nodes, x_max, y, NODE_ADDED)?;
        draw_bands(&mut chart, &self.latency, &latency)?;
        draw_vertical(&mut chart, &self.ends, y)?;
        if self.latency.iter().all(|s| s.runs().next().is_none()) {
            centred_note(&lower, "no request was served")?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
