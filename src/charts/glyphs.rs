//! Text for the PNG charts, laid out with the font's own metrics.
//!
//! plotters' bitmap text (its `ab_glyph` feature) starts each glyph's ink at the pen position,
//! dropping the glyph's left side bearing, so narrow glyphs ("1", ".", ",") sit too far left and
//! digits that share one advance width look unevenly spaced. [`Glyphs`] wraps a pixel backend and
//! draws text itself: each glyph at its pen position plus bearing, kerned, in sub-pixel positions,
//! anchored as the SVG backend anchors text, at the SVG's font size (so both pictures agree).

use std::error::Error as StdError;
use std::fmt;
use std::sync::OnceLock;

use ab_glyph::{point, Font, FontRef, GlyphId, PxScale, ScaleFont};
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};

/// plotters' text size is 1.24 times the em the SVG backend writes (`font-size`).
const SIZE_PER_EM: f64 = 1.24;

/// The bundled regular and bold faces, parsed once.
fn faces() -> Option<&'static (FontRef<'static>, FontRef<'static>)> {
    static FACES: OnceLock<Option<(FontRef<'static>, FontRef<'static>)>> = OnceLock::new();
    FACES
        .get_or_init(|| {
            let regular =
                FontRef::try_from_slice(include_bytes!("../../assets/fonts/DejaVuSans.ttf"));
            let bold =
                FontRef::try_from_slice(include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"));
            regular.ok().zip(bold.ok())
        })
        .as_ref()
}

#[derive(Debug)]
struct FontsMissing;

impl fmt::Display for FontsMissing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the bundled fonts (assets/fonts) could not be read")
    }
}

impl StdError for FontsMissing {}

/// A line of text at one size: its glyphs' pen positions (from 0) and its width, in pixels.
struct Line<'f> {
    font: &'f FontRef<'static>,
    scale: PxScale,
    glyphs: Vec<(GlyphId, f32)>,
    width: f32,
    /// The height of a lower-case "x" (CSS `ex`), for vertical centring.
    ex: f32,
}

fn lay_out(text: &str, size: f64, bold: bool) -> Option<Line<'static>> {
    let (regular, bold_face) = faces()?;
    let font = if bold { bold_face } else { regular };
    let em = (size / SIZE_PER_EM) as f32;
    let units = font.units_per_em().unwrap_or(2048.0);
    let scale = PxScale::from(em * font.height_unscaled() / units);
    let scaled = font.as_scaled(scale);
    let mut glyphs = Vec::with_capacity(text.len());
    let mut pen = 0f32;
    let mut previous: Option<GlyphId> = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(p) = previous {
            pen += scaled.kern(p, id);
        }
        glyphs.push((id, pen));
        pen += scaled.h_advance(id);
        previous = Some(id);
    }
    let ex = font
        .outline(font.glyph_id('x'))
        .map_or(0.5 * em, |o| o.bounds.height().abs() / units * em);
    Some(Line {
        font,
        scale,
        glyphs,
        width: pen,
        ex,
    })
}

/// The width in pixels of `text` at plotters' text size `size` (regular or bold), as drawn.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    lay_out(text, size, bold).map_or(0.0, |line| f64::from(line.width))
}

/// A pixel backend whose text is drawn with the font's metrics (see the module's comment).
pub struct Glyphs<B> {
    inner: B,
}

impl<B> Glyphs<B> {
    pub fn new(inner: B) -> Self {
        Glyphs { inner }
    }
}

type Drawn<B> = Result<(), DrawingErrorKind<<B as DrawingBackend>::ErrorType>>;

impl<B: DrawingBackend> DrawingBackend for Glyphs<B> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Drawn<B> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Drawn<B> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn<B> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn<B> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn<B> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn<B> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn<B> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn<B> {
        self.inner.fill_polygon(vert, style)
    }

    fn blit_bitmap(&mut self, pos: BackendCoord, size: (u32, u32), src: &[u8]) -> Drawn<B> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let line = lay_out(text, style.size(), matches!(style.style(), FontStyle::Bold))
            .ok_or_else(|| DrawingErrorKind::FontError(Box::new(FontsMissing)))?;
        Ok((
            line.width.ceil() as u32,
            (style.size() / SIZE_PER_EM) as u32,
        ))
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Drawn<B> {
        let color = style.color();
        if color.alpha == 0.0 || text.is_empty() {
            return Ok(());
        }
        let line = lay_out(text, style.size(), matches!(style.style(), FontStyle::Bold))
            .ok_or_else(|| DrawingErrorKind::FontError(Box::new(FontsMissing)))?;
        let em = (style.size() / SIZE_PER_EM) as f32;
        // Where the SVG backend puts the baseline and the start of the line.
        let anchor = style.anchor();
        let x0 = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -line.width / 2.0,
            HPos::Right => -line.width,
        };
        let baseline = match anchor.v_pos {
            VPos::Top => 0.76 * em,
            VPos::Center => 0.5 * line.ex,
            VPos::Bottom => -0.5 * line.ex,
        };
        let transform = style.transform();
        let (w, h) = self.get_size();
        let scaled = line.font.as_scaled(line.scale);
        for &(id, pen) in &line.glyphs {
            let glyph = id.with_scale_and_position(scaled.scale(), point(x0 + pen, baseline));
            let Some(outlined) = line.font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outlined.px_bounds();
            let mut pixels = Vec::new();
            outlined.draw(|x, y, coverage| pixels.push((x, y, coverage)));
            for (x, y, coverage) in pixels {
                let local = (
                    bounds.min.x as i32 + x as i32,
                    bounds.min.y as i32 + y as i32,
                );
                let (dx, dy) = transform.transform(local.0, local.1);
                let (px, py) = (pos.0 + dx, pos.1 + dy);
                if coverage > 0.0 && px >= 0 && py >= 0 && px < w as i32 && py < h as i32 {
                    let ink = BackendColor {
                        alpha: color.alpha * f64::from(coverage.min(1.0)),
                        rgb: color.rgb,
                    };
                    self.inner.draw_pixel((px, py), ink)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;

    use ab_glyph::Font;

    use super::Glyphs;

    /// The leftmost inked column of `text` drawn left-aligned at x = 20, at 100 px per em.
    fn ink_start(text: &str) -> usize {
        let (w, h) = (600usize, 200usize);
        let mut buffer = vec![255u8; w * h * 3];
        {
            let backend = BitMapBackend::with_buffer(&mut buffer, (w as u32, h as u32));
            let root = Glyphs::new(backend).into_drawing_area();
            let style = TextStyle::from(("sans-serif", 124.0).into_font()).color(&BLACK);
            root.draw(&Text::new(text, (20, 40), style)).expect("draw");
            root.present().expect("present");
        }
        (0..w)
            .find(|&x| (0..h).any(|y| buffer[(y * w + x) * 3] < 128))
            .expect("some ink")
    }

    #[test]
    fn glyphs_start_at_their_left_side_bearing() {
        // plotters' own bitmap text put every glyph's ink at the pen (x = 20): "1", whose
        // outline starts far right of its pen position, then sat closer to its neighbours.
        let (font, _) = super::faces().expect("bundled fonts");
        let units = font.units_per_em().expect("units per em");
        for digit in "0123456789".chars() {
            let outline = font.outline(font.glyph_id(digit)).expect("outline");
            let bearing = f64::from(outline.bounds.min.x / units * 100.0);
            let ink = ink_start(&digit.to_string()) as f64;
            assert!(bearing > 2.0, "{digit}: {bearing}");
            assert!(
                (ink - 20.0 - bearing).abs() <= 1.0,
                "{digit}: ink from x = {ink}, the font puts it at {}",
                20.0 + bearing
            );
        }
    }
}
