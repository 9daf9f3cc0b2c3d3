//! Text drawn through [`BitmapText`] onto a small in-memory bitmap, measured in pixels and
//! checked against `ab_glyph`'s own metrics of the embedded font: glyphs rest on the
//! baseline at the font's ascent below the box's top, the gaps between glyphs are their
//! side bearings, the ink stays in the box `estimate_text_size` gives, at every anchor and
//! rotation, and centred text is centred. plotters 0.3.7's own bitmap text fails each.

use super::*;
use crate::plot::FONT;
use plotters::prelude::*;

/// Coverage of a white canvas after black text was drawn on it: 0 white, 1 black.
struct Canvas {
    w: usize,
    h: usize,
    coverage: Vec<f32>,
}

impl Canvas {
    fn at(&self, x: usize, y: usize) -> f32 {
        self.coverage[y * self.w + x]
    }

    /// Whether the pixel counts as ink: at least half covered (an edge pixel a glyph only
    /// grazes does not move a measured edge).
    fn inked(&self, x: usize, y: usize) -> bool {
        self.at(x, y) >= 0.5
    }

    /// The runs of inked columns, left to right, as `start..end` (one per glyph when the
    /// glyphs do not touch).
    fn column_runs(&self) -> Vec<std::ops::Range<usize>> {
        let mut runs = Vec::new();
        let mut start = None;
        for x in 0..=self.w {
            let ink = x < self.w && (0..self.h).any(|y| self.inked(x, y));
            match (ink, start) {
                (true, None) => start = Some(x),
                (false, Some(s)) => {
                    runs.push(s..x);
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    /// The last inked row within the columns `cols`.
    fn bottom(&self, cols: std::ops::Range<usize>) -> usize {
        (0..self.h)
            .rev()
            .find(|&y| cols.clone().any(|x| self.inked(x, y)))
            .expect("ink in the columns")
    }

    /// The bounding box of every pixel with any coverage, `(x0, y0, x1, y1)` inclusive.
    fn any_ink_box(&self) -> (usize, usize, usize, usize) {
        self.ink_box(|c| c > 0.0)
    }

    /// The bounding box of the inked pixels, `(x0, y0, x1, y1)` inclusive.
    fn ink_box(&self, ink: impl Fn(f32) -> bool) -> (usize, usize, usize, usize) {
        let mut b = (usize::MAX, usize::MAX, 0, 0);
        for y in 0..self.h {
            for x in 0..self.w {
                if ink(self.at(x, y)) {
                    b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
                }
            }
        }
        assert!(b.0 != usize::MAX, "nothing drawn");
        b
    }
}

/// A black text style in the charts' font (registered, as `png` does, so that plotters' own
/// text drawing could be measured by the same tests).
fn style(px: u32, anchor: Pos, transform: FontTransform) -> TextStyle<'static> {
    crate::plot::register_font();
    TextStyle::from((FONT, px).into_font())
        .pos(anchor)
        .transform(transform)
}

/// Draw `text` in black through `BitmapText` on a white `w`×`h` bitmap.
fn render((w, h): (u32, u32), text: &str, style: &TextStyle<'static>, at: (i32, i32)) -> Canvas {
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let mut backend = BitmapText::new(BitMapBackend::with_buffer(&mut rgb, (w, h))).unwrap();
        backend.draw_text(text, style, at).unwrap();
        backend.present().unwrap();
    }
    Canvas {
        w: w as usize,
        h: h as usize,
        coverage: rgb
            .chunks(3)
            .map(|p| 1.0 - f32::from(p[0]) / 255.0)
            .collect(),
    }
}

/// The box `estimate_text_size` gives for `text`.
fn estimate(text: &str, style: &TextStyle<'static>) -> (u32, u32) {
    let mut rgb = vec![0u8; 3];
    let backend = BitmapText::new(BitMapBackend::with_buffer(&mut rgb, (1, 1))).unwrap();
    backend.estimate_text_size(text, style).unwrap()
}

fn font() -> FontRef<'static> {
    FontRef::try_from_slice(dejavu::sans::regular()).unwrap()
}

fn left_top() -> Pos {
    Pos::new(HPos::Left, VPos::Top)
}

#[test]
fn glyphs_rest_on_the_baseline_at_the_ascent_below_the_top() {
    // 13 px (odd: plotters truncated half of it and put the "." a row above the digits)
    // and 20 px; the "." must end on the digits' row, and that row be the baseline.
    for px in [13u32, 20, 31] {
        let top = 4;
        let canvas = render(
            (80, 60),
            "1.1",
            &style(px, left_top(), FontTransform::None),
            (4, top),
        );
        let runs = canvas.column_runs();
        assert_eq!(runs.len(), 3, "{px}px: three glyphs, apart: {runs:?}");
        let bottoms: Vec<usize> = runs.iter().map(|r| canvas.bottom(r.clone())).collect();
        assert!(
            bottoms.iter().all(|&b| b == bottoms[0]),
            "{px}px: last inked rows of 1 . 1 differ: {bottoms:?}"
        );
        // The baseline is the ascent below the top; the last inked row is the one above it.
        let ascent = font().as_scaled(PxScale::from(px as f32)).ascent();
        let baseline = top as f32 + ascent;
        let last_row_bottom = bottoms[0] as f32 + 1.0;
        assert!(
            (last_row_bottom - baseline).abs() <= 1.0,
            "{px}px: glyphs end at {last_row_bottom}, baseline at {baseline}"
        );
    }
}

/// Where each glyph's ink starts and ends along x, from `ab_glyph`'s metrics alone: origins
/// by advance plus kerning from `x`, ink from the outline's bounds (a space has none).
fn ink_spans(text: &str, px: f32, x: f32) -> Vec<(f32, f32)> {
    let font = font();
    let scaled = font.as_scaled(PxScale::from(px));
    let mut pen = x;
    let mut prev = None;
    let mut spans = Vec::new();
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            pen += scaled.kern(p, id);
        }
        if let Some(outline) = font.outline(id) {
            let (b, k) = (outline.bounds, scaled.h_scale_factor());
            spans.push((pen + b.min.x * k, pen + b.max.x * k));
        }
        pen += scaled.h_advance(id);
        prev = Some(id);
    }
    spans
}

#[test]
fn gaps_between_glyphs_are_their_side_bearings() {
    // "111": equal gaps of advance − glyph width. "1.1T1": glyphs whose left side bearings
    // differ (plotters shifted each glyph left by its own bearing, so the gap after a glyph
    // came out as its advance − width whatever followed).
    for (text, px) in [("1.1T1", 40u32), ("1m1 8.8s", 32), ("111", 30)] {
        let x = 6;
        let canvas = render(
            (300, 60),
            text,
            &style(px, left_top(), FontTransform::None),
            (x, 4),
        );
        let runs = canvas.column_runs();
        let spans = ink_spans(text, px as f32, x as f32);
        assert_eq!(runs.len(), spans.len(), "{text:?}: {runs:?}");
        for (i, pair) in runs.windows(2).enumerate() {
            let gap = (pair[1].start - pair[0].end) as f32;
            let want = spans[i + 1].0 - spans[i].1;
            assert!(
                (gap - want).abs() <= 1.0,
                "{text:?} {px}px: gap {i} is {gap} px, ab_glyph says {want:.2}"
            );
        }
        // And the ink starts where the first glyph's outline starts.
        assert!((runs[0].start as f32 - spans[0].0).abs() <= 1.0);
    }
    let canvas = render(
        (200, 50),
        "111",
        &style(30, left_top(), FontTransform::None),
        (6, 4),
    );
    let runs = canvas.column_runs();
    let (g1, g2) = (runs[1].start - runs[0].end, runs[2].start - runs[1].end);
    assert!(g1.abs_diff(g2) <= 1, "uneven gaps in 111: {g1} and {g2}");
}

#[test]
fn the_box_is_the_advance_wide_and_ascent_to_descent_high() {
    let font = font();
    let scaled = font.as_scaled(PxScale::from(15.0));
    let one = scaled.glyph_id('1');
    let want = (4.0 * scaled.h_advance(one)).ceil() as u32;
    let style = style(15, left_top(), FontTransform::None);
    assert_eq!(
        estimate("1111", &style),
        (want, (scaled.ascent() - scaled.descent()).ceil() as u32)
    );
    assert_eq!(estimate("", &style).0, 0);
}

#[test]
fn ink_stays_in_the_estimated_box_at_every_anchor_and_rotation() {
    // The box plotters' layout reserves: `estimate_text_size`, anchored at `pos` and then
    // turned about it by plotters' own FontTransform::transform (the y-axis titles are
    // Rotate270, anchored centre / top).
    let text = "rollout duration (p95)";
    let px = 15;
    let at = (200i32, 200i32);
    let transforms = [
        FontTransform::None,
        FontTransform::Rotate90,
        FontTransform::Rotate180,
        FontTransform::Rotate270,
    ];
    for t in transforms {
        for (hn, h) in [
            ("left", HPos::Left),
            ("centre", HPos::Center),
            ("right", HPos::Right),
        ] {
            for (vn, v) in [
                ("top", VPos::Top),
                ("centre", VPos::Center),
                ("bottom", VPos::Bottom),
            ] {
                let style = style(px, Pos::new(h, v), t.clone());
                let (w, hh) = estimate(text, &style);
                let (w, hh) = (w as i32, hh as i32);
                let dx = match h {
                    HPos::Left => 0,
                    HPos::Center => -w / 2,
                    HPos::Right => -w,
                };
                let dy = match v {
                    VPos::Top => 0,
                    VPos::Center => -hh / 2,
                    VPos::Bottom => -hh,
                };
                let (ax, ay) = t.transform(dx, dy);
                let (bx, by) = t.transform(dx + w, dy + hh);
                let (x0, x1) = (at.0 + ax.min(bx), at.0 + ax.max(bx));
                let (y0, y1) = (at.1 + ay.min(by), at.1 + ay.max(by));
                let canvas = render((400, 400), text, &style, at);
                let ink = canvas.any_ink_box();
                // Pixel squares within a pixel of the box (a glyph may overhang its
                // advance by a fraction: a first "r" starts at its bearing, rounded down).
                let (ix0, iy0) = (ink.0 as i32, ink.1 as i32);
                let (ix1, iy1) = (ink.2 as i32 + 1, ink.3 as i32 + 1); // far edges
                let inside = ix0 >= x0 - 1 && ix1 <= x1 + 1 && iy0 >= y0 - 1 && iy1 <= y1 + 1;
                assert!(
                    inside,
                    "{hn}/{vn}, {}: ink {ink:?} outside the box x {x0}..{x1}, y {y0}..{y1}",
                    name(&t)
                );
                // Not vacuous: the ink spans the box's length.
                let along = if matches!(t, FontTransform::None | FontTransform::Rotate180) {
                    (ink.2 - ink.0 + 1) as i32
                } else {
                    (ink.3 - ink.1 + 1) as i32
                };
                assert!(
                    along >= w - 3,
                    "{}: ink {along} px along a {w} px box",
                    name(&t)
                );
            }
        }
    }
}

fn name(t: &FontTransform) -> &'static str {
    match t {
        FontTransform::None => "None",
        FontTransform::Rotate90 => "Rotate90",
        FontTransform::Rotate180 => "Rotate180",
        FontTransform::Rotate270 => "Rotate270",
    }
}

#[test]
fn rotate270_reads_upwards_with_the_top_of_the_letters_on_the_left() {
    // "T." turned a quarter anticlockwise: the "T" at the bottom, the "." above it on the
    // baseline side (right); the T's bar upright on the left, its stem across to the baseline.
    let px = 30;
    let at = (20, 150);
    let style = style(
        px,
        Pos::new(HPos::Center, VPos::Top),
        FontTransform::Rotate270,
    );
    let canvas = render((100, 200), "T.", &style, at);
    let (x0, y0, x1, y1) = canvas.ink_box(|c| c >= 0.5);
    let font = font();
    let scaled = font.as_scaled(PxScale::from(px as f32));
    let baseline_x = at.0 as f32 + scaled.ascent();
    let cap = font.outline(scaled.glyph_id('T')).unwrap().bounds.max.y * scaled.v_scale_factor();
    let row = |y: usize| -> Vec<usize> { (x0..=x1).filter(|&x| canvas.inked(x, y)).collect() };
    // The topmost inked row is the ".", by the baseline.
    assert!(
        row(y0).iter().all(|&x| (x as f32) > baseline_x - 6.0),
        "the top row {:?} is not the dot by the baseline at x {baseline_x}",
        row(y0)
    );
    // The bottom row is an end of the T's bar, on the side of the letters' tops.
    assert!(
        row(y1).iter().all(|&x| (x as f32) < baseline_x - cap / 2.0),
        "the bottom row {:?} is not the T's bar (baseline at x {baseline_x})",
        row(y1)
    );
    // Some row is the stem, from the bar to the baseline.
    assert!((y0..=y1).any(|y| row(y).len() as f32 >= cap - 2.0));
}

#[test]
fn centred_text_is_centred_on_the_anchor() {
    for px in [13u32, 20, 30] {
        let at = (100, 40);
        let canvas = render(
            (200, 80),
            "111",
            &style(
                px,
                Pos::new(HPos::Center, VPos::Center),
                FontTransform::None,
            ),
            at,
        );
        let (x0, y0, x1, y1) = canvas.ink_box(|c| c >= 0.5);
        let cx = (x0 + x1 + 1) as f32 / 2.0;
        let cy = (y0 + y1 + 1) as f32 / 2.0;
        assert!(
            (cx - at.0 as f32).abs() <= 1.0 && (cy - at.1 as f32).abs() <= 1.0,
            "{px}px: ink centred at ({cx}, {cy}), anchor at {at:?}"
        );
    }
}

#[test]
fn the_colour_is_the_style_colour_with_alpha_times_coverage() {
    // A fully covered pixel takes the colour; half transparent text, half of it.
    let mut rgb = vec![255u8; 60 * 40 * 3];
    {
        let mut backend = BitmapText::new(BitMapBackend::with_buffer(&mut rgb, (60, 40))).unwrap();
        let style = TextStyle::from((FONT, 30).into_font()).color(&RGBColor(0, 0, 200));
        backend.draw_text("I", &style, (10, 2)).unwrap();
        let half_black = BLACK.mix(0.5);
        let faint = TextStyle::from((FONT, 30).into_font()).color(&half_black);
        backend.draw_text("I", &faint, (35, 2)).unwrap();
    }
    let px = |x: usize, y: usize| &rgb[(y * 60 + x) * 3..(y * 60 + x) * 3 + 3];
    let solid = (0..40)
        .flat_map(|y| (0..30).map(move |x| (x, y)))
        .any(|(x, y)| px(x, y) == [0, 0, 200]);
    assert!(solid, "no pixel of the I in the style's colour");
    let darkest = (0..40)
        .flat_map(|y| (30..60).map(move |x| (x, y)))
        .map(|(x, y)| px(x, y)[0])
        .min()
        .unwrap();
    assert!(
        (126..=129).contains(&darkest),
        "half transparent black gave {darkest}"
    );
}
