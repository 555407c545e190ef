//! Query/retrieve command sets (PS3.7 §9.3.2 C-FIND, §9.3.3 C-GET, §9.3.4 C-MOVE, §9.3.2.3
//! C-CANCEL) and the fields of their responses, including the sub-operation counts
//! (PS3.7 §9.1.3.1, §9.1.4.1).

use crate::dimse::command::CommandError;
use dicom_core::{DataElement, PrimitiveValue, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;
use domain::query::SubOps;

use crate::dimse::command::NO_DATASET;
/// PS3.7 §E.1 command field values.
pub use crate::dimse::command::{C_CANCEL_RQ, C_FIND_RQ, C_GET_RQ, C_MOVE_RQ};

fn encode(elements: Vec<DataElement<InMemDicomObject>>) -> Result<Vec<u8>, CommandError> {
    let obj = InMemDicomObject::command_from_element_iter(elements);
    let mut out = Vec::with_capacity(200);
    obj.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|e| CommandError::Write(e.to_string()))?;
    Ok(out)
}

fn us(tag: dicom_core::Tag, v: u16) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::US, dicom_value!(U16, [v]))
}

/// C-FIND-RQ, C-GET-RQ or C-MOVE-RQ (with `move_destination`), priority MEDIUM, an
/// identifier follows.
pub fn request(
    field: u16,
    message_id: u16,
    sop_class: &str,
    move_destination: Option<&str>,
) -> Result<Vec<u8>, CommandError> {
    let mut e = vec![
        DataElement::new(
            tags::AFFECTED_SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(sop_class),
        ),
        us(tags::COMMAND_FIELD, field),
        us(tags::MESSAGE_ID, message_id),
        us(tags::PRIORITY, 0),
        us(tags::COMMAND_DATA_SET_TYPE, 0x0000),
    ];
    if let Some(dest) = move_destination {
        e.push(DataElement::new(
            tags::MOVE_DESTINATION,
            VR::AE,
            PrimitiveValue::from(dest),
        ));
    }
    encode(e)
}

/// C-CANCEL-RQ for the request `message_id` (PS3.7 §9.3.2.3).
pub fn cancel(message_id: u16) -> Result<Vec<u8>, CommandError> {
    encode(vec![
        us(tags::COMMAND_FIELD, C_CANCEL_RQ),
        us(tags::MESSAGE_ID_BEING_RESPONDED_TO, message_id),
        us(tags::COMMAND_DATA_SET_TYPE, NO_DATASET),
    ])
}

/// The fields of a received command set that the SCU needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields {
    pub command_field: u16,
    pub status: Option<u16>,
    pub has_dataset: bool,
    pub subops: SubOps,
    pub comment: Option<String>,
}

/// Decodes a response (or, during C-GET, a C-STORE-RQ) command set.
pub fn fields(bytes: &[u8]) -> Result<Fields, CommandError> {
    let ts = IMPLICIT_VR_LITTLE_ENDIAN.erased();
    let obj = InMemDicomObject::read_dataset_with_ts(bytes, &ts)
        .map_err(|e| CommandError::Read(e.to_string()))?;
    let u16_of = |tag| obj.element(tag).ok().and_then(|e| e.to_int::<u16>().ok());
    let count = |tag| u16_of(tag).map(u32::from);
    Ok(Fields {
        command_field: u16_of(tags::COMMAND_FIELD).ok_or(CommandError::Missing("CommandField"))?,
        status: u16_of(tags::STATUS),
        has_dataset: u16_of(tags::COMMAND_DATA_SET_TYPE).is_some_and(|t| t != NO_DATASET),
        subops: SubOps {
            remaining: count(tags::NUMBER_OF_REMAINING_SUBOPERATIONS),
            completed: count(tags::NUMBER_OF_COMPLETED_SUBOPERATIONS).unwrap_or(0),
            failed: count(tags::NUMBER_OF_FAILED_SUBOPERATIONS).unwrap_or(0),
            warning: count(tags::NUMBER_OF_WARNING_SUBOPERATIONS).unwrap_or(0),
        },
        comment: obj
            .element(tags::ERROR_COMMENT)
            .ok()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn move_request_and_cancel_round_trip() {
        let rq = request(C_MOVE_RQ, 3, "1.2.840.10008.5.1.4.1.2.2.2", Some("VNA")).expect("rq");
        let f = fields(&rq).expect("fields");
        assert_eq!(f.command_field, C_MOVE_RQ);
        assert!(f.has_dataset);
        let c = fields(&cancel(3).expect("cancel")).expect("fields");
        assert_eq!(c.command_field, C_CANCEL_RQ);
        assert!(!c.has_dataset);
    }
}
