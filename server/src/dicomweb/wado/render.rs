//! Rendered and thumbnail images (PS3.18 §8.3.5.1 rendered media types and query parameters:
//! `viewport`, `window`, `quality`; §10.4.1.1.3 rendered resources, §10.4.1.1.4 thumbnails)
//! of native single-sample grayscale (MONOCHROME1/2: Modality LUT from Rescale Slope/Intercept,
//! then the requested window, the data set's first Window Center/Width, or min/max; PS3.3
//! C.11.1, C.11.2.1.2) and three-sample RGB / YBR_FULL pixel data, as JPEG or PNG.

use super::accept::Rendered;
use super::pixels::{Geometry, PixelError};

/// Largest side of a rendered image (a viewport asking for more is refused).
pub const MAX_SIDE: u32 = 8192;
/// Thumbnail box when the request names no viewport.
pub const THUMBNAIL: (u32, u32) = (128, 128);

/// VOI LUT function of the `window` parameter (PS3.18 §8.3.5.1.4, PS3.3 C.11.2.1.3).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Function {
    Linear,
    Sigmoid,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub format: Rendered,
    /// Fit the image in this box (aspect ratio kept).
    pub viewport: Option<(u32, u32)>,
    /// Never enlarge (thumbnails).
    pub shrink_only: bool,
    pub window: Option<(f64, f64, Function)>,
    pub quality: u8,
}

/// One stored sample `i` of a native frame, masked to Bits Stored and sign-extended.
fn sample(frame: &[u8], i: usize, g: &Geometry, big_endian: bool) -> Option<i64> {
    let raw: u64 = match g.bits_allocated {
        1 => u64::from(*frame.get(i / 8)? >> (i % 8) & 1),
        8 => u64::from(*frame.get(i)?),
        16 => {
            let b = [*frame.get(2 * i)?, *frame.get(2 * i + 1)?];
            u64::from(if big_endian {
                u16::from_be_bytes(b)
            } else {
                u16::from_le_bytes(b)
            })
        }
        32 => {
            let b: [u8; 4] = frame.get(4 * i..4 * i + 4)?.try_into().ok()?;
            u64::from(if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            })
        }
        _ => return None,
    };
    let bits = g.bits_stored.clamp(1, g.bits_allocated.min(32));
    let v = raw & ((1u64 << bits) - 1);
    let negative = g.signed && v >> (bits - 1) & 1 == 1;
    Some(if negative {
        v as i64 - (1i64 << bits)
    } else {
        v as i64
    })
}

fn unsupported(why: impl Into<String>) -> PixelError {
    PixelError::Unsupported(why.into())
}

/// Linear or sigmoid VOI LUT to 0..=255 (PS3.3 C.11.2.1.2.1, C.11.2.1.3.1).
fn voi(x: f64, c: f64, w: f64, f: Function) -> u8 {
    let w = w.max(1.0);
    let y = match f {
        Function::Sigmoid => 255.0 / (1.0 + (-4.0 * (x - c) / w).exp()),
        Function::Linear if x <= c - 0.5 - (w - 1.0) / 2.0 => 0.0,
        Function::Linear if x > c - 0.5 + (w - 1.0) / 2.0 => 255.0,
        Function::Linear => ((x - (c - 0.5)) / (w - 1.0) + 0.5) * 255.0,
    };
    y.round().clamp(0.0, 255.0) as u8
}

/// MONOCHROME1/2 to 8-bit grayscale, without holding more than the output in memory (a
/// second pass over the samples finds the minimum and maximum when there is no window).
fn gray(g: &Geometry, frame: &[u8], be: bool, o: &Options) -> Result<Vec<u8>, PixelError> {
    let n = (g.rows as usize) * (g.columns as usize);
    if sample(frame, n.saturating_sub(1), g, be).is_none() {
        return Err(unsupported("the frame is shorter than Rows × Columns"));
    }
    let value = |i| sample(frame, i, g, be).map_or(0.0, |v| v as f64 * g.slope + g.intercept);
    let (c, w, f) = match (o.window, g.window) {
        (Some(win), _) => win,
        (None, Some((c, w))) => (c, w, Function::Linear),
        (None, None) => {
            let (min, max) = (0..n)
                .map(value)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                    (lo.min(x), hi.max(x))
                });
            // min maps to 0 and max to 255 (PS3.3 C.11.2.1.2.1 bounds).
            ((min + max) / 2.0 + 0.5, max - min + 1.0, Function::Linear)
        }
    };
    let invert = g.photometric == "MONOCHROME1";
    Ok((0..n)
        .map(|i| {
            let y = voi(value(i), c, w, f);
            if invert { 255 - y } else { y }
        })
        .collect())
}

/// RGB or YBR_FULL (PS3.3 C.7.6.3.1.2) to interleaved 8-bit RGB.
fn color(g: &Geometry, frame: &[u8], be: bool) -> Result<Vec<u8>, PixelError> {
    let n = (g.rows as usize) * (g.columns as usize);
    let shift = g.bits_stored.saturating_sub(8);
    let at = |px: usize, ch: usize| -> Option<f64> {
        let i = if g.planar { ch * n + px } else { px * 3 + ch };
        sample(frame, i, g, be).map(|v| (v.max(0) >> shift) as f64)
    };
    let ybr = g.photometric == "YBR_FULL";
    let mut out = Vec::with_capacity(n * 3);
    for px in 0..n {
        let (a, b, c) = at(px, 0)
            .zip(at(px, 1))
            .zip(at(px, 2))
            .map(|((a, b), c)| (a, b, c))
            .ok_or_else(|| unsupported("the frame is shorter than Rows × Columns × 3"))?;
        let rgb = if ybr {
            [
                a + 1.402 * (c - 128.0),
                a - 0.344136 * (b - 128.0) - 0.714136 * (c - 128.0),
                a + 1.772 * (b - 128.0),
            ]
        } else {
            [a, b, c]
        };
        out.extend(rgb.map(|v| v.round().clamp(0.0, 255.0) as u8));
    }
    Ok(out)
}

/// The output size: the image fitted in the viewport, aspect ratio kept.
pub fn fit(w: u32, h: u32, o: &Options) -> (u32, u32) {
    let Some((vw, vh)) = o.viewport else {
        return (w, h);
    };
    let mut scale = (f64::from(vw) / f64::from(w)).min(f64::from(vh) / f64::from(h));
    if o.shrink_only {
        scale = scale.min(1.0);
    }
    let side = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, MAX_SIDE);
    (side(w), side(h))
}

/// Box-filter resampling (an average over the source pixels each output pixel covers;
/// nearest neighbour when enlarging).
fn resize(src: &[u8], (w, h): (u32, u32), ch: usize, (dw, dh): (u32, u32)) -> Vec<u8> {
    if (w, h) == (dw, dh) {
        return src.to_vec();
    }
    let span = |o: u32, d: u32, s: u32| {
        let a = (u64::from(o) * u64::from(s) / u64::from(d)) as usize;
        let b = (u64::from(o + 1) * u64::from(s) / u64::from(d)) as usize;
        (a, b.max(a + 1).min(s as usize))
    };
    let mut out = Vec::with_capacity(dw as usize * dh as usize * ch);
    for oy in 0..dh {
        let (y0, y1) = span(oy, dh, h);
        for ox in 0..dw {
            let (x0, x1) = span(ox, dw, w);
            for c in 0..ch {
                let (mut sum, mut count) = (0u64, 0u64);
                for y in y0..y1 {
                    for x in x0..x1 {
                        sum += u64::from(src[(y * w as usize + x) * ch + c]);
                        count += 1;
                    }
                }
                out.push((sum / count.max(1)) as u8);
            }
        }
    }
    out
}

fn encode(
    pixels: &[u8],
    (w, h): (u32, u32),
    ch: usize,
    o: &Options,
) -> Result<Vec<u8>, PixelError> {
    let mut out = Vec::new();
    let enc_err = |e: &dyn std::fmt::Display| PixelError::Encode(e.to_string());
    match o.format {
        Rendered::Jpeg => {
            let (w, h) = (
                u16::try_from(w).map_err(|e| enc_err(&e))?,
                u16::try_from(h).map_err(|e| enc_err(&e))?,
            );
            let color = if ch == 1 {
                jpeg_encoder::ColorType::Luma
            } else {
                jpeg_encoder::ColorType::Rgb
            };
            jpeg_encoder::Encoder::new(&mut out, o.quality.clamp(1, 100))
                .encode(pixels, w, h, color)
                .map_err(|e| enc_err(&e))?;
        }
        Rendered::Png => {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(if ch == 1 {
                png::ColorType::Grayscale
            } else {
                png::ColorType::Rgb
            });
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().map_err(|e| enc_err(&e))?;
            writer.write_image_data(pixels).map_err(|e| enc_err(&e))?;
            writer.finish().map_err(|e| enc_err(&e))?;
        }
    }
    Ok(out)
}

/// Renders one native frame.
pub fn render(
    g: &Geometry,
    frame: &[u8],
    big_endian: bool,
    o: &Options,
) -> Result<Vec<u8>, PixelError> {
    let (pixels, ch) = match (g.samples, g.photometric.as_str()) {
        (1, "MONOCHROME1" | "MONOCHROME2") => (gray(g, frame, big_endian, o)?, 1),
        (3, "RGB" | "YBR_FULL") => (color(g, frame, big_endian)?, 3),
        (s, p) => {
            return Err(unsupported(format!(
                "rendering {p} with {s} samples per pixel is not supported"
            )));
        }
    };
    let size = fit(g.columns, g.rows, o);
    let scaled = resize(&pixels, (g.columns, g.rows), ch, size);
    encode(&scaled, size, ch, o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(bits: u32, photometric: &str) -> Geometry {
        Geometry {
            rows: 2,
            columns: 2,
            samples: 1,
            bits_allocated: bits,
            bits_stored: bits,
            signed: false,
            planar: false,
            frames: 1,
            photometric: photometric.into(),
            slope: 1.0,
            intercept: 0.0,
            window: None,
            extended_offsets: None,
        }
    }

    #[test]
    fn windowing() {
        assert_eq!(voi(0.0, 50.0, 100.0, Function::Linear), 0);
        assert_eq!(voi(100.0, 50.0, 100.0, Function::Linear), 255);
        assert_eq!(voi(50.0, 50.0, 100.0, Function::Linear), 129);
        let g = geometry(16, "MONOCHROME1");
        let o = Options {
            format: Rendered::Png,
            viewport: None,
            shrink_only: false,
            window: None,
            quality: 90,
        };
        let px = gray(&g, &[0, 0, 0, 1, 0, 2, 255, 3], false, &o).expect("gray");
        assert_eq!(px[0], 255, "MONOCHROME1: the minimum is white");
        assert_eq!(px[3], 0);
    }

    #[test]
    fn signed_samples() {
        let mut g = geometry(16, "MONOCHROME2");
        g.signed = true;
        g.bits_stored = 12;
        assert_eq!(sample(&[0xFF, 0x0F], 0, &g, false), Some(-1));
        assert_eq!(sample(&[0x00, 0x08], 0, &g, false), Some(-2048));
        assert_eq!(sample(&[0x08, 0x00], 0, &g, true), Some(-2048));
    }

    #[test]
    fn fits_and_shrinks() {
        let o = Options {
            format: Rendered::Jpeg,
            viewport: Some((128, 128)),
            shrink_only: true,
            window: None,
            quality: 90,
        };
        assert_eq!(fit(512, 256, &o), (128, 64));
        assert_eq!(fit(64, 32, &o), (64, 32));
        let px = resize(&[0, 10, 20, 30], (2, 2), 1, (1, 1));
        assert_eq!(px, vec![15]);
    }
}
