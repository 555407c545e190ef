//! Reads the attributes the index needs from a received data set, in its transfer syntax, token
//! by token up to the pixel data (PS3.5 §7): the pixel data is neither copied nor decoded, only
//! its extent is checked, so a large multi-frame instance costs no second copy in memory.

use dicom_core::{PrimitiveValue, Tag};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_encoding::transfer_syntax::Codec;
use dicom_parser::dataset::DataToken;
use dicom_parser::dataset::read::DataSetReader;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("unknown transfer syntax {0}")]
    UnknownTransferSyntax(String),
    #[error("unreadable data set: {0}")]
    Unreadable(String),
    #[error("missing required attribute {0}")]
    Missing(&'static str),
}

pub use crate::db::index_attrs::Attrs;

/// Where a value read from the data set goes.
type Field = fn(&mut Found) -> &mut String;

/// Top-level attributes the index or the routing rules read: where each goes, and the longest
/// text kept.
const WANTED: [(Tag, Field, usize); 23] = [
    (tags::SOP_CLASS_UID, |f| &mut f.attrs.sop_class_uid, 64),
    (
        tags::SOP_INSTANCE_UID,
        |f| &mut f.attrs.sop_instance_uid,
        64,
    ),
    (tags::STUDY_INSTANCE_UID, |f| &mut f.attrs.study_uid, 64),
    (tags::SERIES_INSTANCE_UID, |f| &mut f.attrs.series_uid, 64),
    (tags::PATIENT_ID, |f| &mut f.attrs.patient_key, 64),
    (tags::PATIENT_NAME, |f| &mut f.attrs.patient_name, 324),
    (tags::PATIENT_BIRTH_DATE, |f| &mut f.attrs.birth_date, 8),
    (tags::PATIENT_SEX, |f| &mut f.attrs.sex, 16),
    (tags::STUDY_DATE, |f| &mut f.attrs.study_date, 8),
    (tags::STUDY_TIME, |f| &mut f.attrs.study_time, 16),
    (tags::ACCESSION_NUMBER, |f| &mut f.attrs.accession, 16),
    (
        tags::STUDY_DESCRIPTION,
        |f| &mut f.attrs.study_description,
        64,
    ),
    (
        tags::REFERRING_PHYSICIAN_NAME,
        |f| &mut f.attrs.referring,
        324,
    ),
    (tags::MODALITY, |f| &mut f.attrs.modality, 16),
    (tags::SERIES_NUMBER, |f| &mut f.attrs.series_number, 12),
    (
        tags::SERIES_DESCRIPTION,
        |f| &mut f.attrs.series_description,
        64,
    ),
    (tags::BODY_PART_EXAMINED, |f| &mut f.attrs.body_part, 16),
    (tags::INSTANCE_NUMBER, |f| &mut f.attrs.instance_number, 12),
    (tags::INSTITUTION_NAME, |f| &mut f.attrs.institution, 64),
    (
        tags::INSTITUTIONAL_DEPARTMENT_NAME,
        |f| &mut f.attrs.department,
        64,
    ),
    (
        tags::CURRENT_PATIENT_LOCATION,
        |f| &mut f.attrs.patient_location,
        64,
    ),
    (tags::PATIENT_AGE, |f| &mut f.attrs.patient_age, 4),
    (
        tags::REQUESTED_PROCEDURE_PRIORITY,
        |f| &mut f.attrs.priority,
        16,
    ),
];

/// Requested Procedure Priority in the first item of the Request Attributes Sequence, used
/// when the top level has none.
const NESTED_PRIORITY: (Field, usize) = (|f| &mut f.nested_priority, 16);

/// The pixel data element the reading stopped at (PS3.5 §7.1: elements come in ascending tag
/// order, so everything the index needs was read before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pixels {
    /// Native pixel data of this many bytes.
    Defined(u32),
    /// Encapsulated pixel data: a sequence of fragments (PS3.5 §A.4).
    Encapsulated,
}

/// What the token walk found.
#[derive(Default)]
struct Found {
    attrs: Attrs,
    nested_priority: String,
    pixels: Option<Pixels>,
}

fn unreadable(e: impl std::fmt::Display) -> ParseError {
    ParseError::Unreadable(e.to_string())
}

fn trimmed(v: &PrimitiveValue, max: usize) -> String {
    let raw = v.to_str();
    raw.trim_matches(|c: char| c == '\0' || c == ' ')
        .chars()
        .take(max)
        .collect()
}

/// Is `tag` one of the pixel data elements, (7FE0,0008), (7FE0,0009) or (7FE0,0010)?
fn is_pixel_data(tag: Tag) -> bool {
    tag == tags::PIXEL_DATA || tag == tags::FLOAT_PIXEL_DATA || tag == tags::DOUBLE_FLOAT_PIXEL_DATA
}

/// Reads tokens up to the top-level pixel data (whose value is left unread) or the end.
fn walk<I>(tokens: I) -> Result<Found, ParseError>
where
    I: Iterator<Item = dicom_parser::dataset::read::Result<DataToken>>,
{
    let mut found = Found::default();
    // Open sequences: their tag and how many items have started.
    let mut open: Vec<(Tag, usize)> = Vec::new();
    let mut keep: Option<(Field, usize)> = None;
    for token in tokens {
        match token.map_err(unreadable)? {
            DataToken::ElementHeader(h) if open.is_empty() && is_pixel_data(h.tag) => {
                found.pixels = Some(Pixels::Defined(h.len.get().unwrap_or(0)));
                return Ok(found);
            }
            DataToken::PixelSequenceStart if open.is_empty() => {
                found.pixels = Some(Pixels::Encapsulated);
                return Ok(found);
            }
            DataToken::ElementHeader(h) => {
                keep = if open.is_empty() {
                    WANTED.iter().find(|w| w.0 == h.tag).map(|w| (w.1, w.2))
                } else {
                    let first_request_item =
                        open.as_slice() == [(tags::REQUEST_ATTRIBUTES_SEQUENCE, 1)];
                    (first_request_item && h.tag == tags::REQUESTED_PROCEDURE_PRIORITY)
                        .then_some(NESTED_PRIORITY)
                };
            }
            DataToken::PrimitiveValue(v) => {
                if let Some((field, max)) = keep.take() {
                    *field(&mut found) = trimmed(&v, max);
                }
            }
            DataToken::SequenceStart { tag, .. } => open.push((tag, 0)),
            DataToken::PixelSequenceStart => open.push((tags::PIXEL_DATA, 0)),
            DataToken::ItemStart { .. } => {
                if let Some(top) = open.last_mut() {
                    top.1 += 1;
                }
            }
            DataToken::SequenceEnd => {
                open.pop();
            }
            DataToken::ItemEnd | DataToken::ItemValue(_) | DataToken::OffsetTable(_) => {}
        }
    }
    Ok(found)
}

/// Checks that the unread pixel data is all there and returns where it ends: `rest` holds the
/// bytes after its header. Native data needs its whole length; encapsulated fragments (items
/// (FFFE,E000), always little endian) must each fit, up to the sequence delimiter (FFFE,E0DD)
/// (PS3.5 §A.4).
fn check_pixels(rest: &[u8], pixels: Pixels) -> Result<usize, ParseError> {
    let truncated = || ParseError::Unreadable("pixel data truncated".to_owned());
    match pixels {
        Pixels::Defined(len) => {
            let len = len as usize;
            (rest.len() >= len).then_some(len).ok_or_else(truncated)
        }
        Pixels::Encapsulated => {
            let mut at = 0usize;
            loop {
                let head = rest.get(at..at + 8).ok_or_else(truncated)?;
                let group = u16::from_le_bytes([head[0], head[1]]);
                let element = u16::from_le_bytes([head[2], head[3]]);
                let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
                match (group, element) {
                    (0xFFFE, 0xE0DD) => return Ok(at + 8),
                    (0xFFFE, 0xE000) if len != 0xFFFF_FFFF => {
                        at = at.checked_add(8 + len).ok_or_else(truncated)?;
                        if at > rest.len() {
                            return Err(truncated());
                        }
                    }
                    _ => return Err(unreadable("malformed pixel data fragment")),
                }
            }
        }
    }
}

/// Reads the attributes the index needs from `bytes` (a data set without file meta) encoded in
/// `ts_uid`, without copying or decoding the pixel data (only its extent is checked).
pub fn parse(bytes: &[u8], ts_uid: &str) -> Result<Attrs, ParseError> {
    let ts = TransferSyntaxRegistry
        .get(ts_uid.trim_end_matches('\0'))
        .ok_or_else(|| ParseError::UnknownTransferSyntax(ts_uid.to_owned()))?;
    let found = match ts.codec() {
        Codec::Dataset(Some(adapter)) => {
            // Deflated (PS3.5 §A.5): read through the inflater; the extent is not checked.
            let reader = adapter.adapt_reader(Box::new(bytes));
            walk(DataSetReader::new_with_ts(reader, ts).map_err(unreadable)?)?
        }
        Codec::Dataset(None) => {
            return Err(ParseError::UnknownTransferSyntax(ts_uid.to_owned()));
        }
        Codec::None | Codec::EncapsulatedPixelData(..) => {
            let mut rest = bytes;
            let found = walk(DataSetReader::new_with_ts(&mut rest, ts).map_err(unreadable)?)?;
            if let Some(pixels) = found.pixels {
                let end = check_pixels(rest, pixels)?;
                // What follows the pixel data (a signature, trailing padding) must parse too.
                if end < rest.len() {
                    for token in DataSetReader::new_with_ts(&rest[end..], ts).map_err(unreadable)? {
                        token.map_err(unreadable)?;
                    }
                }
            }
            found
        }
    };
    attrs(found)
}

/// The attributes found, once the required UIDs are known to be there.
fn attrs(f: Found) -> Result<Attrs, ParseError> {
    let mut a = f.attrs;
    for (v, name) in [
        (&a.sop_class_uid, "SOPClassUID"),
        (&a.sop_instance_uid, "SOPInstanceUID"),
        (&a.study_uid, "StudyInstanceUID"),
        (&a.series_uid, "SeriesInstanceUID"),
    ] {
        if v.is_empty() {
            return Err(ParseError::Missing(name));
        }
    }
    if a.priority.is_empty() {
        a.priority = f.nested_priority;
    }
    Ok(a)
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
