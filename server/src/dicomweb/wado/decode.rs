//! Compressed frames decoded for rendering only (PS3.18 §10.4.1.1.3: a rendered image is made
//! from the pixel data whatever its transfer syntax; frames and instances are still served as
//! stored, never transcoded). Decoders are dicom-rs's (pure Rust): JPEG baseline, extended and
//! lossless (PS3.5 §A.4.1), RLE lossless (§A.4.2, Annex G) and JPEG 2000 (§A.4.4). JPEG-LS and
//! HTJ2K have no decoder here: such instances answer 406 with the reason. Blocking.

use super::pixels::{Geometry, PixelError};
use dicom_core::value::C;
use dicom_encoding::TransferSyntaxIndex;
use dicom_encoding::adapters::{PixelDataObject, RawPixelData};
use dicom_encoding::transfer_syntax::Codec;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::borrow::Cow;

/// Largest decoded frame accepted (a larger one would be a bomb or not worth rendering).
const MAX_DECODED: u64 = 256 << 20;

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
            "instances stored as {} cannot be rendered: Passerelle has no decoder for it; \
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
    if ts_uid == "1.2.840.10008.1.2.5" && !rle_header_ok(&data, g.samples * g.bits_allocated / 8) {
        return Err(unsupported(
            "the RLE pixel data is damaged (PS3.5 §G.5 header)",
        ));
    }
    let src = OneFrame {
        ts: ts_uid,
        g,
        data,
    };
    let mut dst = Vec::with_capacity(expected as usize);
    // A decoder fed damaged data may panic; that is a damaged image, not a server failure.
    let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        reader.decode_frame(&src, 0, &mut dst)
    }));
    match decoded {
        Ok(Ok(())) if dst.len() as u64 == expected => Ok((out, dst)),
        Ok(Ok(())) => Err(unsupported(
            "the decoded image does not have the size Rows × Columns announce",
        )),
        Ok(Err(e)) => Err(unsupported(format!(
            "the compressed pixel data could not be decoded: {e}"
        ))),
        Err(_) => Err(unsupported(
            "the compressed pixel data could not be decoded",
        )),
    }
}
