//! C-FIND / C-MOVE / C-GET identifiers (PS3.4 §C.4.1.1.3): the domain's keys encoded as a data
//! set in the negotiated transfer syntax, and answers decoded into result rows. Non-ASCII values
//! are sent with Specific Character Set ISO_IR 192 (UTF-8, PS3.5 §6.1.2.5.3); answers are decoded
//! in the character set they declare.

use dicom_core::header::HasLength;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use domain::query::{InstanceHit, Key, SeriesHit, StudyHit};
use std::str::FromStr;

#[derive(Debug, thiserror::Error)]
pub enum IdentifierError {
    #[error("unknown transfer syntax {0}")]
    TransferSyntax(String),
    #[error("cannot encode the identifier: {0}")]
    Write(String),
    #[error("unreadable answer from the PACS: {0}")]
    Read(String),
}

fn tag(t: u32) -> Tag {
    Tag((t >> 16) as u16, (t & 0xFFFF) as u16)
}

/// Encodes `keys` in transfer syntax `ts_uid`.
pub fn encode(keys: &[Key], ts_uid: &str) -> Result<Vec<u8>, IdentifierError> {
    let ts = TransferSyntaxRegistry
        .get(ts_uid.trim_end_matches('\0'))
        .ok_or_else(|| IdentifierError::TransferSyntax(ts_uid.to_owned()))?;
    let mut obj = InMemDicomObject::new_empty();
    if keys.iter().any(|k| !k.value.is_ascii()) {
        obj.put(DataElement::new(
            tags::SPECIFIC_CHARACTER_SET,
            VR::CS,
            PrimitiveValue::from("ISO_IR 192"),
        ));
    }
    for k in keys {
        let vr = VR::from_str(k.vr).unwrap_or(VR::LO);
        let value = if k.value.is_empty() {
            PrimitiveValue::Empty
        } else {
            PrimitiveValue::from(k.value.as_str())
        };
        obj.put(DataElement::new(tag(k.tag), vr, value));
    }
    let mut out = Vec::new();
    obj.write_dataset_with_ts(&mut out, ts)
        .map_err(|e| IdentifierError::Write(e.to_string()))?;
    Ok(out)
}

/// Decodes an identifier received in transfer syntax `ts_uid`.
pub fn decode(bytes: &[u8], ts_uid: &str) -> Result<InMemDicomObject, IdentifierError> {
    let ts = TransferSyntaxRegistry
        .get(ts_uid.trim_end_matches('\0'))
        .ok_or_else(|| IdentifierError::TransferSyntax(ts_uid.to_owned()))?;
    InMemDicomObject::read_dataset_with_ts(bytes, ts)
        .map_err(|e| IdentifierError::Read(e.to_string()))
}

/// The text of an attribute (all values joined by `\`), trimmed; empty if absent.
pub fn text(obj: &InMemDicomObject, t: Tag) -> String {
    obj.element(t)
        .ok()
        .filter(|e| !e.is_empty())
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_matches(['\0', ' ']).to_owned())
        .unwrap_or_default()
}

fn count(obj: &InMemDicomObject, t: Tag) -> Option<u32> {
    text(obj, t).trim().parse().ok()
}

pub fn study_hit(obj: &InMemDicomObject) -> StudyHit {
    StudyHit {
        study_uid: text(obj, tags::STUDY_INSTANCE_UID),
        patient_name: text(obj, tags::PATIENT_NAME),
        patient_id: text(obj, tags::PATIENT_ID),
        birth_date: text(obj, tags::PATIENT_BIRTH_DATE),
        study_date: text(obj, tags::STUDY_DATE),
        study_time: text(obj, tags::STUDY_TIME),
        accession: text(obj, tags::ACCESSION_NUMBER),
        description: text(obj, tags::STUDY_DESCRIPTION),
        modalities: text(obj, tags::MODALITIES_IN_STUDY)
            .split('\\')
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty())
            .collect(),
        series_count: count(obj, tags::NUMBER_OF_STUDY_RELATED_SERIES),
        instance_count: count(obj, tags::NUMBER_OF_STUDY_RELATED_INSTANCES),
        sources: Vec::new(),
    }
}

pub fn series_hit(obj: &InMemDicomObject) -> SeriesHit {
    SeriesHit {
        series_uid: text(obj, tags::SERIES_INSTANCE_UID),
        modality: text(obj, tags::MODALITY),
        number: text(obj, tags::SERIES_NUMBER),
        description: text(obj, tags::SERIES_DESCRIPTION),
        instance_count: count(obj, tags::NUMBER_OF_SERIES_RELATED_INSTANCES),
    }
}

pub fn instance_hit(obj: &InMemDicomObject) -> InstanceHit {
    InstanceHit {
        sop_uid: text(obj, tags::SOP_INSTANCE_UID),
        sop_class: text(obj, tags::SOP_CLASS_UID),
        number: text(obj, tags::INSTANCE_NUMBER),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::query::{InfoModel, StudySearch, study_keys};

    #[test]
    fn keys_survive_a_round_trip_in_both_little_endian_syntaxes() {
        let s = StudySearch {
            patient_name: "Bélanger*".into(),
            ..Default::default()
        };
        let keys = study_keys(&s, InfoModel::StudyRoot, None);
        for ts in ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1"] {
            let obj = decode(&encode(&keys, ts).expect("encode"), ts).expect("decode");
            assert_eq!(text(&obj, tags::PATIENT_NAME), "Bélanger*");
            assert_eq!(text(&obj, tags::QUERY_RETRIEVE_LEVEL), "STUDY");
            assert_eq!(text(&obj, tags::SPECIFIC_CHARACTER_SET), "ISO_IR 192");
        }
    }
}
