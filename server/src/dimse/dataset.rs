//! Data set helpers shared by the C-FIND and N-* services: reading an identifier in its
//! presentation context's transfer syntax, text of an element, building answers, cutting an
//! answer to the keys asked (PS3.4 §C.2.2.1.2) and choosing its Specific Character Set.

use super::service::Assoc;
use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntax;
use dicom_encoding::text::SpecificCharacterSet;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;

/// Why a received data set cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("transfer syntax not supported")]
    Syntax,
    #[error("the data set cannot be read")]
    Unreadable(String),
}

/// The transfer syntax of presentation context `id`.
pub fn context_ts<S>(assoc: &Assoc<S>, id: u8) -> String {
    assoc
        .presentation_contexts()
        .iter()
        .find(|pc| pc.id == id)
        .map(|pc| pc.transfer_syntax.trim_end_matches('\0').to_owned())
        .unwrap_or_default()
}

/// Reads the data set `data` received on presentation context `context` (PS3.8 §9.3.2.2).
pub fn read<S>(
    assoc: &Assoc<S>,
    context: u8,
    data: &[u8],
) -> Result<(InMemDicomObject, &'static TransferSyntax), ReadError> {
    let ts = TransferSyntaxRegistry
        .get(&context_ts(assoc, context))
        .ok_or(ReadError::Syntax)?;
    let obj = InMemDicomObject::read_dataset_with_ts(data, ts)
        .map_err(|e| ReadError::Unreadable(e.to_string()))?;
    Ok((obj, ts))
}

/// The text of an element without its padding, or "".
pub fn text(obj: &InMemDicomObject, t: Tag) -> String {
    obj.element(t)
        .ok()
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_matches(['\0', ' ']).to_owned())
        .unwrap_or_default()
}

pub fn put(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

pub fn sequence(items: Vec<InMemDicomObject>) -> DataSetSequence<InMemDicomObject> {
    DataSetSequence::from(items)
}

/// `full` cut to the keys of `req` (recursively into sequences); `unknown` is set when a key
/// was asked that Passerelle does not hold.
pub fn project(
    req: &InMemDicomObject,
    full: &InMemDicomObject,
    unknown: &mut bool,
) -> InMemDicomObject {
    let mut out = InMemDicomObject::new_empty();
    for el in req.iter() {
        let tag = el.header().tag;
        if tag == tags::SPECIFIC_CHARACTER_SET || tag.element() == 0 {
            continue;
        }
        let have = full.element(tag).ok();
        if have.is_none() {
            *unknown = true;
        }
        match (el.items(), have) {
            (Some(asked), Some(h)) if !asked.is_empty() => {
                let items = h
                    .items()
                    .unwrap_or_default()
                    .iter()
                    .map(|item| project(&asked[0], item, unknown))
                    .collect();
                out.put(DataElement::new(tag, VR::SQ, sequence(items)));
            }
            (_, Some(h)) => {
                out.put(h.clone());
            }
            (Some(_), None) => {
                out.put(DataElement::new(tag, VR::SQ, sequence(Vec::new())));
            }
            (None, None) => {
                out.put(DataElement::new(tag, el.vr(), PrimitiveValue::Empty));
            }
        }
    }
    out
}

/// The character set of an answer: the request's when it is one Passerelle writes and the text
/// fits it, else Latin-1 (ISO_IR 100), or UTF-8 (ISO_IR 192) when some text needs it.
pub fn charset<'a>(
    req: &InMemDicomObject,
    mut texts: impl Iterator<Item = &'a str>,
) -> SpecificCharacterSet {
    let latin1 = texts.all(|s| s.chars().all(|c| u32::from(c) < 0x100));
    match (text(req, tags::SPECIFIC_CHARACTER_SET).as_str(), latin1) {
        ("ISO_IR 192", _) | (_, false) => SpecificCharacterSet::ISO_IR_192,
        _ => SpecificCharacterSet::ISO_IR_100,
    }
}
