//! DIMSE command sets (PS3.7 §9.3, §6.3.1): always Implicit VR Little Endian, group 0000.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR, dicom_value};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::entries::IMPLICIT_VR_LITTLE_ENDIAN;

/// PS3.7 §E.1: command field values used here.
pub const C_ECHO_RQ: u16 = 0x0030;
pub const C_STORE_RQ: u16 = 0x0001;
pub const C_FIND_RQ: u16 = 0x0020;
pub const C_CANCEL_RQ: u16 = 0x0FFF;
pub const C_GET_RQ: u16 = 0x0010;
pub const C_MOVE_RQ: u16 = 0x0021;
/// PS3.7 §E.2: N-CREATE-RQ and N-SET-RQ.
pub const N_CREATE_RQ: u16 = 0x0140;
pub const N_SET_RQ: u16 = 0x0120;
/// PS3.7 §E.2: N-ACTION-RQ, N-EVENT-REPORT-RQ and its response.
pub const N_ACTION_RQ: u16 = 0x0130;
pub const N_EVENT_REPORT_RQ: u16 = 0x0100;
pub const N_EVENT_REPORT_RSP: u16 = 0x8100;
/// PS3.7 §9.3: "no data set present".
pub const NO_DATASET: u16 = 0x0101;
/// PS3.7 Annex C: success.
pub const STATUS_SUCCESS: u16 = 0x0000;
/// PS3.7 Annex C.4: refused, SOP class not supported / unrecognized operation.
pub const STATUS_UNRECOGNIZED_OPERATION: u16 = 0x0211;

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("unreadable command set: {0}")]
    Read(String),
    #[error("command set lacks {0}")]
    Missing(&'static str),
    #[error("cannot encode command set: {0}")]
    Write(String),
}

/// The fields of a request command that a response needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub command_field: u16,
    pub message_id: u16,
    pub affected_sop_class: String,
    pub affected_sop_instance: String,
    pub has_dataset: bool,
    /// A C-MOVE-RQ's Move Destination (PS3.7 §9.3.4.1), else "".
    pub move_destination: String,
    /// An N-ACTION-RQ's Action Type ID (PS3.7 §10.3.4.1), else 0.
    pub action_type: u16,
}

/// The elements of a command set, read directly: Implicit VR Little Endian, every length
/// defined, no sequences (PS3.7 §6.3.1, Annex E). The generic data set reader finds the end of
/// its input through an error whose backtrace it captures (three per forwarded instance).
struct Elements<'a>(Vec<(u32, &'a [u8])>);

impl<'a> Elements<'a> {
    fn read(bytes: &'a [u8]) -> Result<Self, CommandError> {
        let mut out = Vec::with_capacity(12);
        let mut at = 0usize;
        while at < bytes.len() {
            let head = bytes
                .get(at..at + 8)
                .ok_or_else(|| CommandError::Read("truncated element header".to_owned()))?;
            let tag = u32::from_le_bytes([head[2], head[3], head[0], head[1]]);
            let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
            let end = (at + 8)
                .checked_add(len)
                .filter(|end| *end <= bytes.len())
                .ok_or_else(|| CommandError::Read(format!("element {tag:08X} overruns")))?;
            out.push((tag, &bytes[at + 8..end]));
            at = end;
        }
        Ok(Self(out))
    }

    fn value(&self, tag: Tag) -> Option<&'a [u8]> {
        let key = (u32::from(tag.0) << 16) | u32::from(tag.1);
        self.0.iter().find(|(t, _)| *t == key).map(|(_, v)| *v)
    }

    /// A US value (PS3.5 §6.2).
    fn u16_of(&self, tag: Tag, name: &'static str) -> Result<u16, CommandError> {
        match self.value(tag) {
            Some([a, b]) => Ok(u16::from_le_bytes([*a, *b])),
            _ => Err(CommandError::Missing(name)),
        }
    }

    /// A UI or LO value without its padding.
    fn text_of(&self, tag: Tag) -> Option<String> {
        self.value(tag).map(|v| {
            String::from_utf8_lossy(v)
                .trim_end_matches(['\0', ' '])
                .to_owned()
        })
    }
}

/// Decodes a command set received in P-DATA command fragments. An N-SET names its object by
/// Requested SOP Class / Instance UID (PS3.7 §10.3.3.1), which its response returns as the
/// Affected ones (§10.3.3.2): read into the same fields.
pub fn parse(bytes: &[u8]) -> Result<Request, CommandError> {
    let e = Elements::read(bytes)?;
    Ok(Request {
        command_field: e.u16_of(tags::COMMAND_FIELD, "CommandField")?,
        // A C-CANCEL-RQ names the request it cancels instead (PS3.7 §9.3.2.3).
        message_id: e
            .u16_of(tags::MESSAGE_ID, "MessageID")
            .or_else(|_| e.u16_of(tags::MESSAGE_ID_BEING_RESPONDED_TO, "MessageID"))?,
        affected_sop_class: e
            .text_of(tags::AFFECTED_SOP_CLASS_UID)
            .or_else(|| e.text_of(tags::REQUESTED_SOP_CLASS_UID))
            .unwrap_or_default(),
        affected_sop_instance: e
            .text_of(tags::AFFECTED_SOP_INSTANCE_UID)
            .or_else(|| e.text_of(tags::REQUESTED_SOP_INSTANCE_UID))
            .unwrap_or_default(),
        has_dataset: e.u16_of(tags::COMMAND_DATA_SET_TYPE, "CommandDataSetType")? != NO_DATASET,
        move_destination: e.text_of(tags::MOVE_DESTINATION).unwrap_or_default(),
        action_type: e.u16_of(tags::ACTION_TYPE_ID, "ActionTypeID").unwrap_or(0),
    })
}

/// Encodes the response to `req` (command field with bit 15 set, PS3.7 §9.3) with `status`
/// and, for failures and warnings, an Error Comment (0000,0902; at most 64 characters).
pub fn response(
    req: &Request,
    status: u16,
    comment: Option<&str>,
) -> Result<Vec<u8>, CommandError> {
    response_with(req, status, comment, false)
}

/// [`response`], saying whether a data set follows (a pending C-FIND-RSP's identifier).
pub fn response_with(
    req: &Request,
    status: u16,
    comment: Option<&str>,
    dataset: bool,
) -> Result<Vec<u8>, CommandError> {
    response_extra(req, status, comment, dataset, Vec::new())
}

/// [`response_with`] with further elements (an N-*-RSP's Attribute Identifier List, Error ID).
pub fn response_extra(
    req: &Request,
    status: u16,
    comment: Option<&str>,
    dataset: bool,
    extra: Vec<DataElement<InMemDicomObject>>,
) -> Result<Vec<u8>, CommandError> {
    // PS3.7 §9.3: any value other than 0101H means a data set follows.
    let data_type = if dataset { 0x0000 } else { NO_DATASET };
    let mut elements = vec![
        DataElement::new(
            tags::AFFECTED_SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(req.affected_sop_class.as_str()),
        ),
        DataElement::new(
            tags::COMMAND_FIELD,
            VR::US,
            dicom_value!(U16, [req.command_field | 0x8000]),
        ),
        DataElement::new(
            tags::MESSAGE_ID_BEING_RESPONDED_TO,
            VR::US,
            dicom_value!(U16, [req.message_id]),
        ),
        DataElement::new(
            tags::COMMAND_DATA_SET_TYPE,
            VR::US,
            dicom_value!(U16, [data_type]),
        ),
        DataElement::new(tags::STATUS, VR::US, dicom_value!(U16, [status])),
    ];
    if !req.affected_sop_instance.is_empty() {
        elements.push(DataElement::new(
            tags::AFFECTED_SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(req.affected_sop_instance.as_str()),
        ));
    }
    if let Some(c) = comment {
        let c: String = c
            .chars()
            .filter(|c| c.is_ascii() && !c.is_control())
            .take(64)
            .collect();
        elements.push(DataElement::new(
            tags::ERROR_COMMENT,
            VR::LO,
            PrimitiveValue::from(c),
        ));
    }
    elements.extend(extra);
    let obj = InMemDicomObject::command_from_element_iter(elements);
    let mut out = Vec::with_capacity(160);
    obj.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|e| CommandError::Write(e.to_string()))?;
    Ok(out)
}

/// The command field of a command set. A C-CANCEL-RQ carries Message ID Being Responded To,
/// not a Message ID (PS3.7 §9.3.2.3), so [`parse`] does not read it.
pub fn command_field(bytes: &[u8]) -> Result<u16, CommandError> {
    Elements::read(bytes)?.u16_of(tags::COMMAND_FIELD, "CommandField")
}

/// The status of a response command set (PS3.7 §9.1.5.2, C-ECHO-RSP).
pub fn status_of(bytes: &[u8]) -> Result<u16, CommandError> {
    Elements::read(bytes)?.u16_of(tags::STATUS, "Status")
}

/// Encodes a C-ECHO-RQ (PS3.7 §9.3.5.1).
pub fn echo_request(message_id: u16) -> Result<Vec<u8>, CommandError> {
    let obj = InMemDicomObject::command_from_element_iter([
        DataElement::new(
            tags::AFFECTED_SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(dicom_dictionary_std::uids::VERIFICATION),
        ),
        DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [C_ECHO_RQ])),
        DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [message_id])),
        DataElement::new(
            tags::COMMAND_DATA_SET_TYPE,
            VR::US,
            dicom_value!(U16, [NO_DATASET]),
        ),
    ]);
    let mut out = Vec::new();
    obj.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|e| CommandError::Write(e.to_string()))?;
    Ok(out)
}

/// Encodes a C-STORE-RQ (PS3.7 §9.3.1.1), priority MEDIUM, a data set follows.
pub fn store_request(
    message_id: u16,
    sop_class: &str,
    sop_instance: &str,
) -> Result<Vec<u8>, CommandError> {
    store_request_for(message_id, sop_class, sop_instance, None)
}

/// The AE title and Message ID of the C-MOVE-RQ a C-STORE sub-operation serves (PS3.7
/// §9.3.1.1: Move Originator Application Entity Title and Message ID).
#[derive(Debug, Clone)]
pub struct MoveOrigin {
    pub ae_title: String,
    pub message_id: u16,
}

/// [`store_request`], naming the C-MOVE it serves, if any.
pub fn store_request_for(
    message_id: u16,
    sop_class: &str,
    sop_instance: &str,
    origin: Option<&MoveOrigin>,
) -> Result<Vec<u8>, CommandError> {
    let mut elements = vec![
        DataElement::new(
            tags::AFFECTED_SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(sop_class),
        ),
        DataElement::new(tags::COMMAND_FIELD, VR::US, dicom_value!(U16, [C_STORE_RQ])),
        DataElement::new(tags::MESSAGE_ID, VR::US, dicom_value!(U16, [message_id])),
        DataElement::new(tags::PRIORITY, VR::US, dicom_value!(U16, [0])),
        DataElement::new(
            tags::COMMAND_DATA_SET_TYPE,
            VR::US,
            dicom_value!(U16, [0x0000]),
        ),
        DataElement::new(
            tags::AFFECTED_SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(sop_instance),
        ),
    ];
    if let Some(o) = origin {
        elements.push(DataElement::new(
            tags::MOVE_ORIGINATOR_APPLICATION_ENTITY_TITLE,
            VR::AE,
            PrimitiveValue::from(o.ae_title.as_str()),
        ));
        elements.push(DataElement::new(
            tags::MOVE_ORIGINATOR_MESSAGE_ID,
            VR::US,
            dicom_value!(U16, [o.message_id]),
        ));
    }
    let obj = InMemDicomObject::command_from_element_iter(elements);
    let mut out = Vec::with_capacity(200);
    obj.write_dataset_with_ts(&mut out, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
        .map_err(|e| CommandError::Write(e.to_string()))?;
    Ok(out)
}

/// The status and Error Comment (0000,0902), if any, of a response command set (PS3.7 §9.1).
pub fn status_and_comment(bytes: &[u8]) -> Result<(u16, Option<String>), CommandError> {
    let e = Elements::read(bytes)?;
    Ok((
        e.u16_of(tags::STATUS, "Status")?,
        e.text_of(tags::ERROR_COMMENT),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_round_trip() {
        let rq = parse(&echo_request(7).expect("encode")).expect("parse");
        assert_eq!(rq.command_field, C_ECHO_RQ);
        assert_eq!(rq.message_id, 7);
        assert_eq!(rq.affected_sop_class, "1.2.840.10008.1.1");
        assert!(!rq.has_dataset);
        let rsp = InMemDicomObject::read_dataset_with_ts(
            &response(&rq, STATUS_SUCCESS, None).expect("encode")[..],
            &IMPLICIT_VR_LITTLE_ENDIAN.erased(),
        )
        .expect("parse");
        let field = rsp
            .element(tags::COMMAND_FIELD)
            .expect("field")
            .to_int::<u16>()
            .expect("u16");
        assert_eq!(field, 0x8030);
        let to = rsp
            .element(tags::MESSAGE_ID_BEING_RESPONDED_TO)
            .expect("id")
            .to_int::<u16>()
            .expect("u16");
        assert_eq!(to, 7);
    }

    #[test]
    fn a_cancel_names_the_request_it_cancels() {
        let obj = InMemDicomObject::command_from_element_iter([
            DataElement::new(
                tags::COMMAND_FIELD,
                VR::US,
                dicom_value!(U16, [C_CANCEL_RQ]),
            ),
            DataElement::new(
                tags::MESSAGE_ID_BEING_RESPONDED_TO,
                VR::US,
                dicom_value!(U16, [5]),
            ),
            DataElement::new(
                tags::COMMAND_DATA_SET_TYPE,
                VR::US,
                dicom_value!(U16, [NO_DATASET]),
            ),
        ]);
        let mut bytes = Vec::new();
        obj.write_dataset_with_ts(&mut bytes, &IMPLICIT_VR_LITTLE_ENDIAN.erased())
            .expect("encode");
        assert_eq!(command_field(&bytes).expect("field"), C_CANCEL_RQ);
        let rq = parse(&bytes).expect("a C-CANCEL-RQ has no Message ID");
        assert_eq!((rq.command_field, rq.message_id), (C_CANCEL_RQ, 5));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(&[1, 2, 3]).is_err());
        let mut cut = store_request(1, "1.2.840.10008.5.1.4.1.1.2", "1.2.3").expect("encode");
        cut.truncate(cut.len() - 3);
        assert!(matches!(parse(&cut), Err(CommandError::Read(_))), "overrun");
    }

    #[test]
    fn store_request_and_response_round_trip() {
        let rq = parse(&store_request(9, "1.2.840.10008.5.1.4.1.1.2", "1.2.3.45").expect("encode"))
            .expect("parse");
        assert_eq!(rq.command_field, C_STORE_RQ);
        assert_eq!(rq.message_id, 9);
        assert_eq!(rq.affected_sop_class, "1.2.840.10008.5.1.4.1.1.2");
        assert_eq!(rq.affected_sop_instance, "1.2.3.45", "UI padding removed");
        assert!(rq.has_dataset);
        let ok = response(&rq, STATUS_SUCCESS, None).expect("encode");
        assert_eq!(status_and_comment(&ok).expect("read"), (0, None));
        assert_eq!(status_of(&ok).expect("read"), 0);
        let failed = response(&rq, 0xA700, Some("disk full")).expect("encode");
        assert_eq!(
            status_and_comment(&failed).expect("read"),
            (0xA700, Some("disk full".to_owned()))
        );
    }
}
