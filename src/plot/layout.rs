//! The frame every chart shares: a heading on top (what is shown, then the scenario and
//! strategy), the legend in a column on the right (or, when an entry would not fit there in
//! readable type, in rows below the plot), the plot in what is left.
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
/// Room for a legend entry's text in the column: the swatch and its gap take the rest.
const LEGEND_TEXT_W: u32 = LEGEND_W - 36;
/// Smallest text size an entry of the legend column may shrink to; a legend with a longer
/// entry goes below the plot instead, at [`NOTE`] size.
const LEGEND_MIN: u32 = 11;
/// Height of one legend entry (one line of it below the plot), pixels.
const LEGEND_ROW: i32 = 20;
/// Pixels from an entry's left edge to its text: the swatch, then a gap.
const SWATCH_W: i32 = 26;
/// Pixels between two columns of the legend below the plot.
const COLUMN_GAP: i32 = 24;
/// Left edge of the legend below the plot, as of the heading.
const LEFT: i32 = 10;

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

/// The opaque light shade of `c` a band is filled with: `c` at 18% on white. Opaque, so
/// no two bands blend into a colour no swatch has (where they overlap, [`OVERLAP`] is
/// drawn over both).
pub(super) fn tint(c: RGBColor) -> RGBColor {
    let mix = |v: u8| (255.0 + (f64::from(v) - 255.0) * 0.18).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// The opaque shade of wherever two bands or more overlap, whichever they are: one colour
/// the legend names ([`Swatch::Patch`]), darker than every band's [`tint`] and of none of
/// their hues, so it reads as neither band; the edges of the bands, drawn over it, show
/// which ones meet there.
pub(super) const OVERLAP: RGBColor = RGBColor(214, 212, 228);

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
    /// A median line inside a shaded band, its edges outlined.
    Band(RGBColor),
    /// An opaque patch of colour (where bands overlap).
    Patch(RGBColor),
    /// A filled box (bars).
    Box(RGBColor),
    /// A ring (points marked on a scatter).
    Ring(RGBColor),
}

pub(super) fn text(size: u32, color: RGBColor) -> TextStyle<'static> {
    (FONT, size).into_font().color(&color)
}

/// Pixels from the top of one title line to the next.
const TITLE_STEP: i32 = 25;
/// Pixels from the top of one subtitle line to the next.
const NOTE_STEP: i32 = 17;
/// Most lines a title, or a subtitle, may take; a longer one is cut, ending in `…`.
const HEADING_LINES: usize = 2;

/// The heading laid out `room` pixels wide: the title's lines at [`TITLE`] size, the
/// subtitle's at [`NOTE`] size (widths measured by `title_w` and `note_w`), and the
/// heading's height, pixels. Neither text ever shrinks: one too wide for a line is wrapped
/// ([`wrap`]) onto [`HEADING_LINES`] lines at most ([`at_most`]). A one-line title and
/// subtitle take 56 pixels, as every chart's heading did before titles wrapped.
pub(super) fn heading_lines(
    heading: &Heading,
    room: i32,
    title_w: &dyn Fn(&str) -> i32,
    note_w: &dyn Fn(&str) -> i32,
) -> (Vec<String>, Vec<String>, i32) {
    let title = at_most(&heading.title, room, HEADING_LINES, title_w);
    let sub = at_most(&heading.subtitle, room, HEADING_LINES, note_w);
    let height = 8 + TITLE_STEP * title.len() as i32 + NOTE_STEP * sub.len() as i32 + 6;
    (title, sub, height)
}

/// `s` wrapped into lines `room` pixels wide ([`wrap`]), `most` of them at most: the last
/// one kept is cut where `…` still fits after it.
pub(super) fn at_most(
    s: &str,
    room: i32,
    most: usize,
    measure: &dyn Fn(&str) -> i32,
) -> Vec<String> {
    let mut lines = wrap(s, room, measure);
    if lines.len() > most.max(1) {
        lines.truncate(most.max(1));
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && measure(&format!("{}…", last.trim_end())) > room {
                last.pop();
            }
            *last = format!("{}…", last.trim_end());
        }
    }
    lines
}

/// Draw the heading and the legend (when it has two entries or more), and return the area
/// left for the plot.
///
/// The heading's title and subtitle keep their sizes and wrap when too wide
/// ([`heading_lines`]). The legend is a column on the right when every entry fits there at
/// [`LEGEND_MIN`] pixels or more; otherwise (long names:
/// `strategy.swarm.update_config.order=stop-first`) it goes below the plot at [`NOTE`]
/// size, in as many columns as the widest entry allows, an entry wider than the chart
/// wrapped onto several lines ([`below`]): every entry is shown whole, in readable type.
pub(super) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    heading: &Heading,
    legend: &[(String, Swatch)],
) -> Result<DrawingArea<DB, Shift>, PlotError> {
    let (w, h) = root.dim_in_pixel();
    let width = |s: &str, px: u32| {
        root.estimate_text_size(s, &text(px, BLACK))
            .map_or(i32::MAX, |(tw, _)| i32::try_from(tw).unwrap_or(i32::MAX))
    };
    let (title, sub, heading_h) = heading_lines(
        heading,
        i32::try_from(w).unwrap_or(i32::MAX) - 20,
        &|s| width(s, TITLE),
        &|s| width(s, NOTE),
    );
    let heading_h = u32::try_from(heading_h).unwrap_or(0);
    let (top, rest) = root.split_vertically(heading_h);
    for (i, line) in title.iter().enumerate() {
        top.draw(&Text::new(
            line.trim_end().to_string(),
            (10, 8 + TITLE_STEP * i as i32),
            text(TITLE, BLACK),
        ))?;
    }
    let sub_top = 8 + TITLE_STEP * title.len() as i32;
    for (i, line) in sub.iter().enumerate() {
        top.draw(&Text::new(
            line.trim_end().to_string(),
            (10, sub_top + NOTE_STEP * i as i32),
            text(NOTE, GREY),
        ))?;
    }
    if legend.len() < 2 {
        return Ok(rest);
    }
    let column = legend
        .iter()
        .all(|(label, _)| width(label, LEGEND_MIN) <= LEGEND_TEXT_W as i32);
    if column {
        let (plot, side) = rest.split_horizontally(w - LEGEND_W);
        for (i, (label, swatch)) in legend.iter().enumerate() {
            let y = 24 + i as i32 * LEGEND_ROW;
            draw_swatch(&side, *swatch, (4, y))?;
            let size = fit(root, label, NOTE, LEGEND_TEXT_W);
            side.draw(&Text::new(
                label.clone(),
                (30, y),
                text(size, BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
        return Ok(plot);
    }
    let room = i32::try_from(w).unwrap_or(i32::MAX) - 2 * LEFT;
    let (cells, height) = below(legend, room, &|s| width(s, NOTE));
    let rest_h = h.saturating_sub(heading_h);
    let (plot, bottom) = rest.split_vertically(rest_h.saturating_sub(height.max(0) as u32));
    for (cell, (_, swatch)) in cells.iter().zip(legend) {
        let (x, y) = (LEFT + cell.at.0, cell.at.1 + LEGEND_ROW / 2);
        draw_swatch(&bottom, *swatch, (x, y))?;
        for (k, line) in cell.lines.iter().enumerate() {
            bottom.draw(&Text::new(
                line.clone(),
                (x + SWATCH_W, y + k as i32 * LEGEND_ROW),
                text(NOTE, BLACK).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
        }
    }
    Ok(plot)
}

/// One entry of a legend below the plot: its text's lines and where the entry starts,
/// pixels from the legend's top left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cell {
    pub lines: Vec<String>,
    pub at: (i32, i32),
}

/// Lay out a legend below the plot, `room` pixels wide, texts measured by `measure`: a grid
/// of equal columns as wide as the widest entry, as many as fit (one at least), entries row
/// by row; in a single column an entry wider than `room` is wrapped ([`wrap`]). Returns
/// each entry's cell and the legend's height, pixels (a few pixels of padding above).
pub(super) fn below(
    legend: &[(String, Swatch)],
    room: i32,
    measure: &dyn Fn(&str) -> i32,
) -> (Vec<Cell>, i32) {
    const PAD: i32 = 6;
    let widest = legend
        .iter()
        .map(|(label, _)| SWATCH_W.saturating_add(measure(label)))
        .max()
        .unwrap_or(0);
    let column = widest.saturating_add(COLUMN_GAP);
    let columns = usize::try_from((room.saturating_add(COLUMN_GAP) / column.max(1)).max(1))
        .unwrap_or(1)
        .min(legend.len().max(1));
    let mut cells = Vec::with_capacity(legend.len());
    let mut y = PAD;
    for row in legend.chunks(columns) {
        let mut tallest = 1;
        for (c, (label, _)) in row.iter().enumerate() {
            let lines = if columns == 1 {
                wrap(label, room - SWATCH_W, measure)
            } else {
                vec![label.clone()]
            };
            tallest = tallest.max(lines.len() as i32);
            cells.push(Cell {
                lines,
                at: (c as i32 * column, y),
            });
        }
        y += tallest * LEGEND_ROW;
    }
    (cells, y + PAD)
}

/// `s` in lines no wider than `room` pixels (as `measure` says), broken after a space, a
/// dot, a comma, `=`, `/` or `-` (a path and its value, a hyphenated name, break at their
/// separators), but never before a no-break space (`B\u{a0}=\u{a0}NAME` stays on one line
/// with the start of `NAME`); inside a piece only when the piece alone is too wide.
/// Joined, the lines give `s` back.
pub(super) fn wrap(s: &str, room: i32, measure: &dyn Fn(&str) -> i32) -> Vec<String> {
    let mut pieces: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let end = i + c.len_utf8();
        if " .,=/-".contains(c) && !s[end..].starts_with('\u{a0}') {
            pieces.push(&s[start..end]);
            start = end;
        }
    }
    if start < s.len() {
        pieces.push(&s[start..]);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        if line.is_empty() || measure(&format!("{line}{piece}")) <= room {
            line.push_str(piece);
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(piece);
        }
        // A piece wider than a line on its own: cut it where it overflows.
        while measure(&line) > room && line.chars().count() > 1 {
            let mut cut = line.len();
            while cut > 0 && (!line.is_char_boundary(cut) || measure(&line[..cut]) > room) {
                cut -= 1;
            }
            let cut = if cut == 0 {
                line.chars().next().map_or(line.len(), char::len_utf8)
            } else {
                cut
            };
            let rest = line.split_off(cut);
            lines.push(std::mem::replace(&mut line, rest));
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Width of a y label area holding `labels` (tick labels at [`TICK`] size) and, with `desc`,
/// the rotated axis title along its outer edge, so the two never overlap; at least `least`
/// pixels. plotters right-aligns the labels 10 pixels (twice its tick) from the axis and
/// puts the title's top at the area's outer edge.
pub(super) fn y_label_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &[String],
    desc: bool,
    least: u32,
) -> u32 {
    let widest = labels
        .iter()
        .filter_map(|l| root.estimate_text_size(l, &text(TICK, BLACK)).ok())
        .map(|(w, _)| w)
        .max()
        .unwrap_or(0);
    let title = if desc {
        root.estimate_text_size("Ag", &text(LABEL, BLACK))
            .map_or(LABEL + 4, |(_, h)| h)
            + 6
    } else {
        0
    };
    (widest + 10 + 4 + title).max(least)
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
                tint(c).filled(),
            ))?;
            for edge in [y - 6, y + 6] {
                area.draw(&PathElement::new(
                    vec![(x, edge), (x + 20, edge)],
                    c.stroke_width(1),
                ))?;
            }
            area.draw(&PathElement::new(
                vec![(x, y), (x + 20, y)],
                c.stroke_width(2),
            ))?;
        }
        Swatch::Patch(c) => {
            area.draw(&Rectangle::new([(x, y - 6), (x + 20, y + 6)], c.filled()))?
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Seven pixels a character: a stand-in for the font's metrics.
    fn chars(s: &str) -> i32 {
        7 * s.chars().count() as i32
    }

    fn entry(label: &str) -> (String, Swatch) {
        (label.to_string(), Swatch::Line(BLACK))
    }

    #[test]
    fn a_long_name_wraps_at_its_separators_and_loses_nothing() {
        let name = "strategy.swarm.update_config.order=stop-first (n = 2000)";
        let lines = wrap(name, 7 * 30, &chars);
        assert_eq!(
            lines,
            [
                "strategy.swarm.update_config.",
                "order=stop-first (n = 2000)"
            ]
        );
        assert_eq!(lines.concat(), name);
        // A piece wider than a line is cut inside; still nothing lost, no line too wide.
        let long = "a".repeat(25) + ".b";
        let lines = wrap(&long, 70, &chars);
        assert!(lines.iter().all(|l| chars(l) <= 70), "{lines:?}");
        assert_eq!(lines.concat(), long);
        assert_eq!(wrap("short", 70, &chars), ["short"]);
        assert_eq!(wrap("", 70, &chars), [""]);
        // Room for not even one character: one character a line, no endless loop.
        assert_eq!(wrap("äbc", 3, &chars), ["ä", "b", "c"]);
        // A no-break space holds its neighbours together.
        assert_eq!(
            wrap("means: B\u{a0}=\u{a0}fast-start", 7 * 12, &chars),
            ["means: ", "B\u{a0}=\u{a0}fast-", "start"]
        );
    }

    #[test]
    fn a_heading_wraps_and_never_shrinks() {
        let heading = |title: &str, subtitle: &str| Heading {
            title: title.into(),
            subtitle: subtitle.into(),
        };
        // One line each: the 56 pixels every heading had.
        let (t, s, h) = heading_lines(
            &heading("Outcomes", "web · 100 trials"),
            780,
            &chars,
            &chars,
        );
        assert_eq!((t.len(), s.len(), h), (1, 1, 56));
        // Too wide for a line: two, each within the room, nothing lost.
        let title = "Paired differences of the means: B = aggressive-rollout-with-short-delay, \
                     A = conservative-rollout";
        let (t, _, h) = heading_lines(&heading(title, "x"), 7 * 70, &chars, &chars);
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(t.iter().all(|l| chars(l.trim_end()) <= 7 * 70), "{t:?}");
        assert_eq!(t.concat(), title);
        assert_eq!(h, 56 + TITLE_STEP);
        // Too long for two lines: cut at the end of the second, marked.
        let t = at_most(&"word ".repeat(60), 7 * 40, 2, &chars);
        assert_eq!(t.len(), 2);
        assert!(t[1].ends_with('…') && chars(&t[1]) <= 7 * 40, "{t:?}");
    }

    #[test]
    fn the_legend_below_shows_whole_names_in_columns_that_fit() {
        // Two long variant names: one column, each entry on one line of its own.
        let legend = [
            entry("strategy.swarm.update_config.order=stop-first (n = 2000)"),
            entry("strategy.swarm.update_config.order=start-first (n = 2000)"),
        ];
        let (cells, height) = below(&legend, 780, &chars);
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].lines, [legend[0].0.clone()]);
        assert_eq!(cells[1].lines, [legend[1].0.clone()]);
        assert_eq!((cells[0].at.0, cells[1].at.0), (0, 0));
        assert_eq!(cells[1].at.1 - cells[0].at.1, LEGEND_ROW);
        assert_eq!(height, 2 * LEGEND_ROW + 12);
        // Short names side by side, as many as fit, row by row.
        let short: Vec<_> = (0..5).map(|i| entry(&format!("variant {i}"))).collect();
        let (cells, _) = below(&short, 300, &chars);
        let column = SWATCH_W + chars("variant 0") + COLUMN_GAP;
        assert_eq!(cells[1].at, (column, cells[0].at.1));
        assert_eq!(cells[2].at.0, 0);
        assert_eq!(cells[2].at.1, cells[0].at.1 + LEGEND_ROW);
        // Wider than the chart: wrapped, the next entry below all of its lines.
        let (cells, _) = below(&legend, 7 * 34, &chars);
        assert!(cells[0].lines.len() > 1);
        assert!(cells[0].lines.iter().all(|l| chars(l) <= 7 * 34 - SWATCH_W));
        assert_eq!(
            cells[1].at.1,
            cells[0].at.1 + cells[0].lines.len() as i32 * LEGEND_ROW
        );
    }
}
