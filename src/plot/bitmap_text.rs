//! Text on PNG charts: a drawing backend that lays out and rasterises text itself and
//! leaves every other primitive to the bitmap backend it wraps.
//!
//! **Why it exists.** plotters 0.3.7 draws bitmap text in `src/style/font/ab_glyph.rs`,
//! `FontDataInternal::draw`, and misplaces every glyph there: the rasterised pixels of a
//! glyph are put at the pen position without the glyph's left side bearing
//! (`px_bounds().min.x`), so each glyph sits too far left by its own bearing ("1m1 8.8s"
//! reads with a gap after each "1", "st rat egy"); and the baseline is put at half the font
//! size below the text box's top rather than at the font's ascent, with the vertical offset
//! truncated towards zero per glyph, so text pokes out above its box and a "." can sit a
//! pixel above the digits beside it. SVG output is unaffected (the browser draws the text).
//!
//! **What it owns.** [`BitmapText`] implements plotters' `DrawingBackend` by passing every
//! call to the backend it wraps, except [`draw_text`](BitmapText::draw_text) and
//! [`estimate_text_size`](BitmapText::estimate_text_size), which lay text out with
//! `ab_glyph` from the same embedded font the charts register (DejaVu Sans, the `dejavu`
//! crate): the pen advances by each glyph's advance plus the pair's kerning, each glyph is
//! placed by its origin on the baseline, the baseline is the font's ascent below the text
//! box's top (rounded to a whole pixel row, so every glyph of a line ends on the same row),
//! and the box is the pen's advance wide and ascent − descent high. Layout and drawing use
//! the one [`Line`] layout, so the size a chart reserves for a label is the size it gets.
//!
//! The conventions are plotters' own (plotters-backend 0.3.7 `DrawingBackend::draw_text`):
//! the font size is in pixels, as plotters passes it to `ab_glyph`'s `as_scaled`; the text
//! anchor places the unrotated box at `pos` (left / centre / right, top / centre / bottom);
//! the box is then turned about `pos` by the style's `FontTransform`; the colour of a pixel
//! is the style's colour with its alpha times the glyph coverage, blended by the wrapped
//! backend; pixels outside the backend are skipped; `estimate_text_size` gives the
//! unrotated box. Every text is drawn in the embedded font, whatever family or style the
//! text style names: the charts use that one font (`FONT`, regular).
//!
//! Drawing is deterministic: the same text, style and position give the same pixels (no
//! cache, no hash order; floating point in a fixed order).

use ab_glyph::{Font, FontRef, Glyph, InvalidFont, PxScale, ScaleFont, point};
use plotters::style::FontTransform;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// A drawing backend (in practice plotters' `BitMapBackend`) whose text is laid out and
/// rasterised correctly with the embedded DejaVu Sans; see the [module](self) for why.
pub struct BitmapText<B> {
    inner: B,
    font: FontRef<'static>,
}

impl<B: DrawingBackend> BitmapText<B> {
    /// Wrap `inner`; fails only if the embedded font does not parse (it is valid by
    /// construction, so a failure means a broken build).
    pub fn new(inner: B) -> Result<Self, InvalidFont> {
        Ok(BitmapText {
            inner,
            font: FontRef::try_from_slice(dejavu::sans::regular())?,
        })
    }
}

/// One line of text laid out in text space: x to the right, y down, the unanchored text
/// box's top-left corner at (0, 0).
struct Line {
    /// Glyphs with their scale and origin (pen position on the baseline).
    glyphs: Vec<Glyph>,
    /// The pen's advance over the whole line, pixels (kerning included).
    width: f32,
    /// The box's height in whole pixels: the font's ascent − descent, rounded up.
    height: i32,
}

impl Line {
    /// Lay `text` out at `size` pixels: the pen starts at the box's left edge and advances
    /// by each glyph's advance, plus the kerning of each pair.
    fn new(font: &FontRef<'static>, size: f64, text: &str) -> Line {
        let scale = PxScale::from(size as f32);
        let scaled = font.as_scaled(scale);
        // A whole row: glyphs resting on the baseline end on the same pixel row, crisp.
        let baseline = scaled.ascent().round();
        let mut pen = 0.0f32;
        let mut prev = None;
        let mut glyphs = Vec::with_capacity(text.len());
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(p) = prev {
                pen += scaled.kern(p, id);
            }
            glyphs.push(id.with_scale_and_position(scale, point(pen, baseline)));
            pen += scaled.h_advance(id);
            prev = Some(id);
        }
        Line {
            glyphs,
            width: pen,
            height: (scaled.ascent() - scaled.descent()).ceil() as i32,
        }
    }

    /// The box's size in whole pixels, as `estimate_text_size` reports it (unrotated).
    fn size(&self) -> (u32, u32) {
        (self.width.ceil().max(0.0) as u32, self.height.max(0) as u32)
    }

    /// Where the box's top-left corner goes relative to the anchor point, in text space.
    /// Horizontally exact (a centred label is centred to the sub-pixel); vertically whole
    /// pixels, so the baseline stays on a pixel row.
    fn anchor_offset(&self, anchor: Pos) -> (f32, f32) {
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -self.width / 2.0,
            HPos::Right => -self.width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0,
            VPos::Center => -self.height / 2,
            VPos::Bottom => -self.height,
        };
        (dx, dy as f32)
    }

    /// Rasterise the line with its box anchored at (0, 0) of text space: the coverage of
    /// every pixel its glyphs touch. Overlapping glyphs (kerned pairs, negative bearings)
    /// add their coverage, capped at full, so a shared edge pixel is blended once.
    fn ink(&self, font: &FontRef<'static>, anchor: Pos) -> Option<Ink> {
        let (dx, dy) = self.anchor_offset(anchor);
        let outlines: Vec<_> = self
            .glyphs
            .iter()
            .filter_map(|g| {
                let mut g = g.clone();
                g.position = point(g.position.x + dx, g.position.y + dy);
                font.outline_glyph(g)
            })
            .collect();
        // ab_glyph's pixel bounds are whole numbers: the rows and columns each glyph draws.
        let bounds = outlines
            .iter()
            .map(|o| o.px_bounds())
            .reduce(|a, b| ab_glyph::Rect {
                min: point(a.min.x.min(b.min.x), a.min.y.min(b.min.y)),
                max: point(a.max.x.max(b.max.x), a.max.y.max(b.max.y)),
            })?;
        let (x0, y0) = (bounds.min.x as i32, bounds.min.y as i32);
        let w = (bounds.max.x as i32 - x0).max(0) as usize;
        let h = (bounds.max.y as i32 - y0).max(0) as usize;
        let mut coverage = vec![0.0f32; w * h];
        for o in &outlines {
            let b = o.px_bounds();
            let (ox, oy) = (
                (b.min.x as i32 - x0) as usize,
                (b.min.y as i32 - y0) as usize,
            );
            o.draw(|x, y, c| {
                let cell = &mut coverage[(oy + y as usize) * w + ox + x as usize];
                *cell = (*cell + c).min(1.0);
            });
        }
        Some(Ink {
            x0,
            y0,
            w,
            coverage,
        })
    }
}

/// A rasterised line in text space: `coverage` row by row, `w` pixels a row, its first
/// pixel at (`x0`, `y0`).
struct Ink {
    x0: i32,
    y0: i32,
    w: usize,
    coverage: Vec<f32>,
}

/// Where the text-space pixel (x, y) lands once the text is turned by `t` about the anchor.
/// plotters' `FontTransform::transform` maps points; a pixel is the unit square from its
/// top-left corner, and a quarter turn moves that corner to another of the square's corners,
/// so the turned square's top-left corner is one pixel off the mapped point on the axis the
/// turn flips (plotters' default `draw_text` maps the corner itself and is off by that pixel).
fn turn(t: &FontTransform, x: i32, y: i32) -> (i32, i32) {
    match t {
        FontTransform::None => (x, y),
        FontTransform::Rotate90 => (-y - 1, x),
        FontTransform::Rotate180 => (-x - 1, -y - 1),
        FontTransform::Rotate270 => (y, -x - 1),
    }
}

impl<B: DrawingBackend> DrawingBackend for BitmapText<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    /// Draw `text` anchored at `pos`: laid out by [`Line`], rasterised with `ab_glyph`,
    /// turned by the style's transform, each pixel the style's colour with alpha × coverage.
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let line = Line::new(&self.font, style.size(), text);
        let Some(ink) = line.ink(&self.font, style.anchor()) else {
            return Ok(()); // nothing but spaces
        };
        let transform = style.transform();
        let (w, h) = self.inner.get_size();
        for (i, &c) in ink.coverage.iter().enumerate() {
            if c <= 0.0 {
                continue;
            }
            let (tx, ty) = (ink.x0 + (i % ink.w) as i32, ink.y0 + (i / ink.w) as i32);
            let (dx, dy) = turn(&transform, tx, ty);
            let (x, y) = (pos.0 + dx, pos.1 + dy);
            if x < 0 || y < 0 || x >= w as i32 || y >= h as i32 {
                continue;
            }
            let alpha = color.alpha * f64::from(c);
            self.inner.draw_pixel(
                (x, y),
                BackendColor {
                    alpha,
                    rgb: color.rgb,
                },
            )?;
        }
        Ok(())
    }

    /// The unrotated text box [`draw_text`](Self::draw_text) anchors: the pen's advance
    /// wide, the font's ascent − descent high (whole pixels, rounded up).
    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        Ok(Line::new(&self.font, style.size(), text).size())
    }
}

#[cfg(test)]
mod tests;
