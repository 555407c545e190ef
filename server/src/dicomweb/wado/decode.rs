//! Compressed frames decoded for rendering only (PS3.18 §10.4.1.1.3: a rendered image is made
//! from the pixel data whatever its transfer syntax; frames and instances are still served as
//! stored, never transcoded). Decoders are dicom-rs's (pure Rust): JPEG baseline and lossless
//! (PS3.5 §A.4.1; not 12-bit), RLE lossless of 8 and 16 bits (§A.4.2, Annex G) and JPEG 2000
//! (§A.4.4). JPEG-LS and HTJ2K have no decoder here: such instances answer 406 with the reason.
//! Blocking.

use super::pixels::{Geometry, PixelError};
use dicom_core::value::C;
use dicom_encoding::TransferSyntaxIndex;
use dicom_encoding::adapters::{PixelDataObject, RawPixelData};
use dicom_encoding::transfer_syntax::Codec;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::borrow::Cow;

/// Largest decoded frame accepted (a larger one would be a bomb or not worth rendering).
const MAX_DECODED: u64 = 256 << 20;

/// The JPEG transfer syntaxes (PS3.5 §A.4.1): baseline, extended, lossless, lossless SV1.
const JPEG_FAMILY: [&str; 4] = [
    "1.2.840.10008.1.2.4.50",
    "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.57",
    "1.2.840.10008.1.2.4.70",
];

/// Transfer syntaxes whose decoder turns YCbCr into RGB (JPEG baseline / extended, PS3.5
/// §8.2.1; JPEG 2000 with its multiple-component transform, §8.2.4).
const COLOR_CONVERTED: [&str; 4] = [
    "1.2.840.10008.1.2.4.50",
    "1.2.840.10008.1.2.4.51",
    "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.4.91",
];

/// One frame's encoded bytes (its fragments joined, PS3.5 §A.4) with the attributes the
/// decoders read.
struct OneFrame<'a> {
    ts: &'a str,
    g: &'a Geometry,
    data: Vec<u8>,
}

fn u16_of(v: u32) -> Option<u16> {
    u16::try_from(v).ok()
}

impl PixelDataObject for OneFrame<'_> {
    fn transfer_syntax_uid(&self) -> &str {
        self.ts
    }
    fn rows(&self) -> Option<u16> {
        u16_of(self.g.rows)
    }
    fn cols(&self) -> Option<u16> {
        u16_of(self.g.columns)
    }
    fn samples_per_pixel(&self) -> Option<u16> {
        u16_of(self.g.samples)
    }
    fn bits_allocated(&self) -> Option<u16> {
        u16_of(self.g.bits_allocated)
    }
    fn bits_stored(&self) -> Option<u16> {
        u16_of(self.g.bits_stored)
    }
    fn photometric_interpretation(&self) -> Option<&str> {
        Some(&self.g.photometric)
    }
    fn number_of_frames(&self) -> Option<u32> {
        Some(1)
    }
    fn number_of_fragments(&self) -> Option<u32> {
        Some(1)
    }
    fn fragment(&self, fragment: usize) -> Option<Cow<'_, [u8]>> {
        (fragment == 0).then_some(Cow::Borrowed(&self.data))
    }
    fn offset_table(&self) -> Option<Cow<'_, [u32]>> {
        Some(Cow::Borrowed(&[]))
    }
    fn raw_pixel_data(&self) -> Option<RawPixelData> {
        Some(RawPixelData {
            fragments: C::from_vec(vec![self.data.clone()]),
            offset_table: C::new(),
        })
    }
}

fn unsupported(why: impl Into<String>) -> PixelError {
    PixelError::Unsupported(why.into())
}

/// An RLE frame starts with a 64-byte header: the number of segments (1–15) and their
/// ascending offsets inside the frame (PS3.5 §G.5). Checked here because the decoder indexes
/// the header without checking it.
fn rle_header_ok(data: &[u8], segments_needed: u32) -> bool {
    let word = |i: usize| {
        data.get(4 * i..4 * i + 4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    };
    let Some(n) = word(0) else { return false };
    if !(1..=15).contains(&n) || n < segments_needed || data.len() < 64 {
        return false;
    }
    let offsets: Option<Vec<u32>> = (1..=n as usize).map(word).collect();
    offsets.is_some_and(|o| {
        o[0] == 64
            && o.windows(2).all(|w| w[0] <= w[1])
            && o.last().is_some_and(|l| (*l as usize) <= data.len())
    })
}

/// Decodes one frame (`data`: its fragments joined) of an instance stored in `ts_uid`. Returns
/// the geometry of the decoded samples (native little endian, interleaved) and the samples.
pub fn frame(g: &Geometry, ts_uid: &str, data: Vec<u8>) -> Result<(Geometry, Vec<u8>), PixelError> {
    let ts = TransferSyntaxRegistry
        .get(ts_uid)
        .ok_or_else(|| unsupported(format!("unknown transfer syntax {ts_uid}")))?;
    let Codec::EncapsulatedPixelData(Some(reader), _) = ts.codec() else {
        return Err(unsupported(format!(
            "instances stored as {} cannot be rendered (no decoder for it here); \
             retrieve the frames instead",
            ts.name()
        )));
    };
    let mut out = g.clone();
    out.planar = false;
    if g.samples == 3 && COLOR_CONVERTED.contains(&ts_uid) {
        out.photometric = "RGB".into();
    }
    let expected = out
        .frame_len()
        .filter(|n| *n <= MAX_DECODED)
        .ok_or_else(|| unsupported("the image is too large to be rendered"))?;
    let segments = g.samples * g.bits_allocated / 8;
    if ts_uid == "1.2.840.10008.1.2.5" && !rle_header_ok(&data, segments) {
        return Err(unsupported("the RLE pixel data is damaged (PS3.5 §G.5)"));
    }
    if !stream_matches(ts_uid, &data, g) {
        return Err(unsupported(
            "the compressed image's own size differs from Rows × Columns × Samples per Pixel",
        ));
    }
    let as_stored = g.samples == 3
        && g.photometric == "RGB"
        && JPEG_FAMILY.contains(&ts_uid)
        && !names_its_colours(&data);
    let src = OneFrame {
        ts: ts_uid,
        g,
        data,
    };
    let decoded = run(reader.as_ref(), &src, as_stored)?;
    if decoded.len() as u64 != expected {
        return Err(unsupported(
            "the decoded image does not have the size Rows × Columns announce",
        ));
    }
    Ok((out, decoded))
}

/// Runs the decoder; a decoder fed damaged data may panic, which is a damaged image, not a
/// server failure.
fn run(
    reader: &dyn dicom_encoding::adapters::PixelDataReader,
    src: &OneFrame<'_>,
    as_stored: bool,
) -> Result<Vec<u8>, PixelError> {
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if as_stored {
            return jpeg_without_colour_transform(&src.data);
        }
        let mut dst = Vec::new();
        match reader.decode_frame(src, 0, &mut dst) {
            Ok(()) => Ok(dst),
            Err(e) => Err(e.to_string()),
        }
    }));
    match decoded {
        Ok(Ok(samples)) => Ok(samples),
        Ok(Err(e)) => Err(unsupported(format!(
            "the compressed pixel data could not be decoded: {e}"
        ))),
        Err(_) => Err(unsupported(
            "the compressed pixel data could not be decoded",
        )),
    }
}

/// Whether the size a JPEG (SOFn, ITU-T T.81 §B.2.2) or JPEG 2000 (SIZ, ITU-T T.800 §A.5.1)
/// stream declares is the data set's. Decoders allocate what the stream declares before
/// decoding a byte of it, so a few hundred bytes could otherwise ask for gigabytes. Other
/// transfer syntaxes (RLE) are bounded by Rows × Columns.
fn stream_matches(ts_uid: &str, data: &[u8], g: &Geometry) -> bool {
    let declared = if JPEG_FAMILY.contains(&ts_uid) {
        jpeg_size(data)
    } else if ts_uid.starts_with("1.2.840.10008.1.2.4.9")
        || ts_uid.starts_with("1.2.840.10008.1.2.4.20")
    {
        j2k_size(data)
    } else {
        return true;
    };
    declared == Some((g.columns, g.rows, g.samples))
}

fn be16(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 2)
        .map(|b| u32::from(u16::from_be_bytes([b[0], b[1]])))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    d.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The marker segments of a JPEG stream before its first scan (ITU-T T.81 §B.1.1.4): each
/// marker with its segment's body, fill bytes skipped. Ends at the start of scan, at the end
/// of the stream, or at anything that is not a marker.
fn segments(stream: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    let mut pos = 2; // after SOI
    std::iter::from_fn(move || {
        loop {
            if stream.get(pos) != Some(&0xFF) {
                return None;
            }
            let marker = *stream.get(pos + 1)?;
            if marker == 0xFF {
                pos += 1;
                continue;
            }
            if marker == 0xDA {
                return None;
            }
            let len = usize::try_from(be16(stream, pos + 2)?).ok()?;
            // A segment cut short by the end of the stream yields what is there.
            let body = stream.get(pos + 4..(pos + 2 + len).min(stream.len()))?;
            pos += 2 + len;
            return Some((marker, body));
        }
    })
}

/// (width, height, components) of the first frame header (SOFn) of a JPEG stream.
fn jpeg_size(stream: &[u8]) -> Option<(u32, u32, u32)> {
    let sof = |m: u8| matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC);
    let (_, body) = segments(stream).find(|(m, _)| sof(*m))?;
    // P, Y, X, Nf
    Some((be16(body, 3)?, be16(body, 1)?, u32::from(*body.get(5)?)))
}

/// (width, height, components) of a JPEG 2000 codestream: SOC, then SIZ.
fn j2k_size(stream: &[u8]) -> Option<(u32, u32, u32)> {
    if stream.get(..4)? != [0xFF, 0x4F, 0xFF, 0x51] {
        return None;
    }
    // Lsiz, Rsiz, Xsiz, Ysiz, XOsiz, YOsiz, XTsiz, YTsiz, XTOsiz, YTOsiz, Csiz
    let (x, y) = (be32(stream, 8)?, be32(stream, 12)?);
    let (xo, yo) = (be32(stream, 16)?, be32(stream, 20)?);
    Some((x.checked_sub(xo)?, y.checked_sub(yo)?, be16(stream, 40)?))
}

/// Whether a JPEG stream names its colour space itself, with a JFIF (APP0, ITU-T T.871) or an
/// Adobe (APP14) marker segment before its first scan.
fn names_its_colours(stream: &[u8]) -> bool {
    segments(stream).any(|(marker, body)| {
        (marker == 0xE0 && body.starts_with(b"JFIF\0"))
            || (marker == 0xEE && body.starts_with(b"Adobe"))
    })
}

/// A three-component JPEG frame decoded without colour conversion. Without a JFIF or Adobe
/// marker the decoder would take it for YCbCr, but a data set that says RGB was compressed
/// without colour transform (PS3.5 §8.2.1), so its samples are R, G, B as they are.
fn jpeg_without_colour_transform(stream: &[u8]) -> Result<Vec<u8>, String> {
    let mut d = jpeg_decoder::Decoder::new(stream);
    d.set_color_transform(jpeg_decoder::ColorTransform::None);
    d.set_max_decoding_buffer_size(MAX_DECODED as usize);
    d.decode().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_colour_markers_are_found_before_the_scan() {
        let dqt = [0xFF, 0xDB, 0x00, 0x04, 1, 2];
        let jfif = [0xFF, 0xE0, 0x00, 0x07, b'J', b'F', b'I', b'F', 0];
        let adobe = [0xFF, 0xEE, 0x00, 0x07, b'A', b'd', b'o', b'b', b'e'];
        let sos = [0xFF, 0xDA, 0x00, 0x02];
        let stream = |parts: &[&[u8]]| {
            [&[0xFF, 0xD8][..]]
                .iter()
                .chain(parts)
                .flat_map(|p| p.to_vec())
                .collect::<Vec<u8>>()
        };
        assert!(!names_its_colours(&stream(&[&dqt, &sos])));
        assert!(names_its_colours(&stream(&[&dqt, &jfif, &sos])));
        assert!(names_its_colours(&stream(&[&adobe, &dqt, &sos])));
        assert!(
            !names_its_colours(&stream(&[&dqt, &sos, &jfif])),
            "after the scan: not read"
        );
    }

    #[test]
    fn declared_sizes_are_read_from_the_streams() {
        // SOI, DQT, SOF0 (Lf 17, P 8, Y 0x0200, X 0x0100, Nf 3, …), SOS.
        let jpeg = [
            &[0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x04, 1, 2][..],
            &[
                0xFF, 0xC0, 0x00, 0x11, 8, 0x02, 0x00, 0x01, 0x00, 3, 1, 0x11, 0,
            ],
            &[0xFF, 0xDA, 0x00, 0x02],
        ]
        .concat();
        assert_eq!(jpeg_size(&jpeg), Some((256, 512, 3)));
        assert_eq!(jpeg_size(&jpeg[..12]), None, "cut before the frame header");
        let mut j2k = vec![0xFF, 0x4F, 0xFF, 0x51, 0, 41, 0, 0];
        for v in [300u32, 200, 10, 20, 300, 200, 0, 0] {
            j2k.extend_from_slice(&v.to_be_bytes());
        }
        j2k.extend_from_slice(&[0, 1]);
        assert_eq!(j2k_size(&j2k), Some((290, 180, 1)));
        assert_eq!(j2k_size(&j2k[..30]), None);
    }
}
