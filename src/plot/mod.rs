//! Charts, PNG and SVG: the only module that knows plotters.
//!
//! Every chart is a plain data struct (numbers and labels, no scenario, no trial) that
//! implements [`Chart`]; [`png`] and [`svg`] turn it into bytes. Whoever has results (a run,
//! a report, later a sweep or a comparison) fills the struct; nothing here simulates or
//! computes a statistic, so a chart shows exactly the numbers it was given.
//!
//! - [`timeline`]: ready tasks per version over time, and the traffic over time, as
//!   median lines inside 5–95% bands (opaque, edges outlined; wherever two or more overlap,
//!   one shade of its own that the legend names, over the bands' exact intersection,
//!   [`band_overlap`]);
//! - [`distribution`]: rollout durations per outcome, histogram and CDF, percentiles marked
//!   (bins laid over the durations, so one or two trials are narrow bars at their values);
//! - [`outcomes`]: how often each outcome happened, with its 95% interval;
//! - [`sweep`] and [`compare`]: heatmaps (with a colour bar in the statistic's unit),
//!   interval lines, the Pareto front, overlaid CDFs and paired differences, for runs over
//!   several settings (filled by `sweep --plot`, `compare --plot` and `report`).
//!
//! Every heading keeps its text sizes: a title or subtitle too wide for the chart wraps
//! onto a second line (`layout.rs`), it never shrinks.
//!
//! **Headless and deterministic.** Text is laid out with DejaVu Sans compiled into the
//! binary (the `dejavu` crate), registered once as the family `sans-serif`: no fontconfig,
//! no system font. PNG text is laid out and rasterised by [`bitmap_text`] from the same
//! font, since plotters' bitmap text path misplaces glyphs. The same struct gives the same
//! bytes, PNG and SVG alike (no clock, no hash order, no randomness in the drawing). SVG
//! text names the family `sans-serif`, so a browser draws it with its own sans-serif font.
//!
//! plotters is used through `DrawingArea<DB, Shift>` only, so a change of its font or
//! backend API (0.4) stays inside this folder.

pub mod axis;
mod band_overlap;
mod bitmap_text;
pub mod compare;
pub mod distribution;
mod labels;
mod layout;
pub mod outcomes;
pub mod sweep;
pub mod timeline;

use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

pub use axis::percent_tick;
pub use layout::Heading;

/// Width and height of every chart, pixels: what a review tool shows without scaling.
pub const SIZE: (u32, u32) = (800, 500);

/// The font family every text uses (the embedded DejaVu Sans).
pub const FONT: &str = "sans-serif";

/// Why a chart could not be drawn (a backend error; never the data's fault).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot draw the chart: {0}")]
pub struct PlotError(String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for PlotError {
    fn from(e: DrawingAreaErrorKind<E>) -> Self {
        PlotError(e.to_string())
    }
}

/// A chart that can be drawn on any plotters backend.
pub trait Chart {
    /// Draw onto `root` (already [`SIZE`], nothing drawn yet).
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// Register the embedded font under [`FONT`]; idempotent and cheap after the first call.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded TTF is valid by construction; a failure would show as a drawing error.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

/// The chart as an SVG document.
pub fn svg(chart: &impl Chart) -> Result<String, PlotError> {
    register_font();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root)?;
        root.present()?;
    }
    Ok(out)
}

/// The chart as a PNG file (8-bit RGB).
pub fn png(chart: &impl Chart) -> Result<Vec<u8>, PlotError> {
    use image::ImageEncoder;
    register_font();
    let (w, h) = SIZE;
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        // plotters' own bitmap text misplaces glyphs; `BitmapText` draws the text instead.
        let bitmap = BitMapBackend::with_buffer(&mut rgb, SIZE);
        let root = bitmap_text::BitmapText::new(bitmap)
            .map_err(|e| PlotError(e.to_string()))?
            .into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root)?;
        root.present()?;
    }
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(&rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| PlotError(e.to_string()))?;
    Ok(out)
}

/// Colours by index: versions, outcomes and compared settings keep theirs across charts.
/// A colour-blind-safe palette (Okabe and Ito, 2008).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // green
    RGBColor(204, 121, 167), // purple
    RGBColor(213, 94, 0),    // vermilion
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(120, 120, 120), // grey
    RGBColor(240, 228, 66),  // yellow
];

/// The palette colour `i` (wrapping).
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A horizontal or vertical reference line: a limit, a percentile, the rollout's end.
#[derive(Debug, Clone, PartialEq)]
pub struct RefLine {
    /// What the line is, with its value (`"max tasks (replicas + surge) = 8"`).
    pub label: String,
    /// Where it is, in the axis' unit.
    pub value: f64,
}

#[cfg(test)]
mod tests;
