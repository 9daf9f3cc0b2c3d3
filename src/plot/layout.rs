//! The frame every chart shares: a heading on top (what is shown, then the scenario and
//! strategy), the legend in a column on the right, the plot in what is left.
//!
//! The legend lives outside the plot so it can never hide a line, and every text size is
//! fixed here, so all charts read alike at [`SIZE`](super::SIZE).

use super::{FONT, PlotError};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// What a chart is about: `title` says what is drawn, `subtitle` which scenario and
/// strategy (and trials) it was drawn from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Heading {
    /// What is shown ("Ready tasks per version").
    pub title: String,
    /// Where it comes from ("web-start-first · Swarm start-first, parallelism 2 · 2000 trials").
    pub subtitle: String,
}

/// Text sizes, pixels.
pub(super) const TITLE: u32 = 20;
pub(super) const LABEL: u32 = 15;
pub(super) const TICK: u32 = 13;
pub(super) const NOTE: u32 = 13;

/// Width of the legend column, pixels.
const LEGEND_W: u32 = 200;
/// Height of one legend entry, pixels.
const LEGEND_ROW: i32 = 20;

pub(super) const GREY: RGBColor = RGBColor(90, 90, 90);

/// Reference lines (limits, percentile marks) by index: dark, told apart from the
/// palette's data colours.
pub(super) fn dark(i: usize) -> RGBColor {
    const DARK: [RGBColor; 3] = [
        RGBColor(0, 0, 0),
        RGBColor(180, 30, 30),
        RGBColor(110, 50, 160),
    ];
    DARK[i % DARK.len()]
}

/// Dash and gap, pixels, of a dotted line: instants (when rollouts ended), told apart from
/// the long dashes of limits, which share their colours.
pub(super) const DOTS: (u32, u32) = (2, 3);

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line (limits and marks).
    Dashed(RGBColor),
    /// A dotted line ([`DOTS`]: instants).
    Dotted(RGBColor),
    /// A median line inside a shaded band.
    Band(RGBColor),
    /// A filled box (bars).
    Box(RGBColor),
    /// A ring (points marked on a scatter).
    Ring(RGBColor),
}

pub(super) fn text(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FONT, size).into_font().color(&color)
}

/// Draw the heading and the legend (when it has two entries or more), and return the area
/// left for the plot.
pub(super) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    heading: &Heading,
    legend: &[(String, Swatch)],
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (w, _) = root.dim_in_pixel();
    let (top, rest) = root.split_vertically(56);
    let title = fit(root, &heading.title, TITLE, w - 20);
    top.draw(&Text::new(
        heading.title.clone(),
        (10, 8),
        text(title, BLACK),
    ))?;
    let sub = fit(root, &heading.subtitle, NOTE, w - 20);
    top.draw(&Text::new(
        heading.subtitle.clone(),
        (10, 33),
        text(sub, GREY),
    ))?;
    if legend.len() < 2 {
        return Ok(rest);
    }
    let (plot, side) = rest.split_horizontally(w - LEGEND_W);
    for (i, (label, swatch)) in legend.iter().enumerate() {
        let y = 24 + i as i32 * LEGEND_ROW;
        draw_swatch(&side, *swatch, (4, y))?;
        let size = fit(root, label, NOTE, LEGEND_W - 36);
        side.draw(&Text::new(
            label.clone(),
            (30, y),
            text(size, BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(plot)
}

/// The largest size up to `size` (down to 9) at which `s` fits in `width` pixels.
fn fit<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, s: &str, size: u32, width: u32) -> u32 {
    (9..=size)
        .rev()
        .find(|&px| {
            root.estimate_text_size(s, &text(px, BLACK))
                .is_ok_and(|(tw, _)| tw <= width)
        })
        .unwrap_or(9)
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> Result<(), PlotError> {
    match swatch {
        Swatch::Line(c) => area.draw(&PathElement::new(
            vec![(x, y), (x + 20, y)],
            c.stroke_width(2),
        ))?,
        Swatch::Dashed(c) => dashes(area, c, (5, 3), (x, y))?,
        Swatch::Dotted(c) => dashes(area, c, (DOTS.0 as i32, DOTS.1 as i32), (x, y))?,
        Swatch::Band(c) => {
            area.draw(&Rectangle::new(
                [(x, y - 6), (x + 20, y + 6)],
                c.mix(0.2).filled(),
            ))?;
            area.draw(&PathElement::new(
                vec![(x, y), (x + 20, y)],
                c.stroke_width(2),
            ))?;
        }
        Swatch::Box(c) => area.draw(&Rectangle::new(
            [(x + 2, y - 6), (x + 18, y + 6)],
            c.mix(0.75).filled(),
        ))?,
        Swatch::Ring(c) => area.draw(&Circle::new((x + 10, y), 6, c.stroke_width(2)))?,
    }
    Ok(())
}

/// A 20-pixel legend sample of `dash`-pixel strokes `gap` pixels apart.
fn dashes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    c: RGBColor,
    (dash, gap): (i32, i32),
    (x, y): (i32, i32),
) -> Result<(), PlotError> {
    for x0 in (x..x + 20).step_by((dash + gap) as usize) {
        area.draw(&PathElement::new(
            vec![(x0, y), (x0 + dash, y)],
            c.stroke_width(2),
        ))?;
    }
    Ok(())
}

/// A message centred in `area` (an empty chart says why it is empty).
pub(super) fn centred_note<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    note: &str,
) -> Result<(), PlotError> {
    let (w, h) = area.dim_in_pixel();
    area.draw(&Text::new(
        note.to_string(),
        (w as i32 / 2, h as i32 / 2),
        text(LABEL, GREY).pos(Pos::new(HPos::Center, VPos::Center)),
    ))?;
    Ok(())
}
