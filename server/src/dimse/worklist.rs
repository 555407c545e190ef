//! Modality Worklist SCP identifiers (PS3.4 Annex K, SOP class 1.2.840.10008.5.1.4.31): the
//! matching keys read from a C-FIND identifier (§K.6.1.2.2), and each answer built with every
//! return key of Table K.6-1 that Passerelle knows, then cut to the keys the modality asked
//! for: a requested key Passerelle does not hold comes back empty (§C.2.2.1.2), and such a
//! request is answered FF01 instead of FF00 (§K.4.1.3.1). Text is encoded in the request's
//! Specific Character Set when it names one (ISO_IR 100, ISO_IR 192), else in ISO_IR 100, or
//! UTF-8 when a name does not fit in Latin-1.

pub use super::dataset::project;
use super::dataset::{put, sequence, text};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_encoding::text::SpecificCharacterSet;
use dicom_object::InMemDicomObject;
use domain::worklist::{WorklistEntry, WorklistKeys};

/// Modality Worklist Information Model – FIND (PS3.4 §K.6.1).
pub const MWL_FIND: &str = "1.2.840.10008.5.1.4.31";

/// PS3.4 §K.4.1.3.1 C-FIND statuses.
pub const PENDING: u16 = 0xFF00;
pub const PENDING_UNSUPPORTED_KEYS: u16 = 0xFF01;
pub const CANCELLED: u16 = 0xFE00;
pub const IDENTIFIER_MISMATCH: u16 = 0xA900;
pub const UNABLE_TO_PROCESS: u16 = 0xC000;

/// The coding scheme of Passerelle's procedure catalogue codes (a private "99" designator,
/// PS3.16 §8.2).
const CODING_SCHEME: &str = "99PASSERELLE";

/// The first item of the Scheduled Procedure Step Sequence, if the request has one.
fn sps_item(obj: &InMemDicomObject) -> Option<&InMemDicomObject> {
    obj.element(tags::SCHEDULED_PROCEDURE_STEP_SEQUENCE)
        .ok()
        .and_then(|e| e.items())
        .and_then(|items| items.first())
}

/// The matching keys of a worklist identifier.
pub fn keys(id: &InMemDicomObject) -> WorklistKeys {
    let sps = sps_item(id);
    let in_sps = |t: Tag| sps.map(|s| text(s, t)).unwrap_or_default();
    WorklistKeys {
        station_ae: in_sps(tags::SCHEDULED_STATION_AE_TITLE),
        start_date: in_sps(tags::SCHEDULED_PROCEDURE_STEP_START_DATE),
        start_time: in_sps(tags::SCHEDULED_PROCEDURE_STEP_START_TIME),
        modality: in_sps(tags::MODALITY),
        patient_id: text(id, tags::PATIENT_ID),
        patient_name: text(id, tags::PATIENT_NAME),
        accession: text(id, tags::ACCESSION_NUMBER),
        requested_procedure_id: text(id, tags::REQUESTED_PROCEDURE_ID),
    }
}

/// At most `n` characters (LO 64, SH 16, PN 64 per component group; PS3.5 §6.2).
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Every return key of Table K.6-1 that Passerelle holds for this step.
pub fn full(e: &WorklistEntry) -> InMemDicomObject {
    let mut sps = InMemDicomObject::new_empty();
    put(
        &mut sps,
        tags::SCHEDULED_STATION_AE_TITLE,
        VR::AE,
        &e.item.station_ae,
    );
    put(
        &mut sps,
        tags::SCHEDULED_PROCEDURE_STEP_START_DATE,
        VR::DA,
        &e.item.start_date,
    );
    put(
        &mut sps,
        tags::SCHEDULED_PROCEDURE_STEP_START_TIME,
        VR::TM,
        &e.item.start_time,
    );
    put(&mut sps, tags::MODALITY, VR::CS, &e.item.modality);
    put(
        &mut sps,
        tags::SCHEDULED_PERFORMING_PHYSICIAN_NAME,
        VR::PN,
        "",
    );
    put(
        &mut sps,
        tags::SCHEDULED_PROCEDURE_STEP_DESCRIPTION,
        VR::LO,
        &cut(&e.description, 64),
    );
    put(
        &mut sps,
        tags::SCHEDULED_PROCEDURE_STEP_ID,
        VR::SH,
        &cut(&e.sps_id, 16),
    );
    put(
        &mut sps,
        tags::SCHEDULED_PROCEDURE_STEP_STATUS,
        VR::CS,
        e.sps_status.dicom(),
    );
    let mut code = InMemDicomObject::new_empty();
    put(
        &mut code,
        tags::CODE_VALUE,
        VR::SH,
        &cut(&e.procedure_code, 16),
    );
    put(
        &mut code,
        tags::CODING_SCHEME_DESIGNATOR,
        VR::SH,
        CODING_SCHEME,
    );
    put(
        &mut code,
        tags::CODE_MEANING,
        VR::LO,
        &cut(&e.description, 64),
    );
    sps.put(DataElement::new(
        tags::SCHEDULED_PROTOCOL_CODE_SEQUENCE,
        VR::SQ,
        sequence(vec![code.clone()]),
    ));
    let mut obj = InMemDicomObject::new_empty();
    obj.put(DataElement::new(
        tags::SCHEDULED_PROCEDURE_STEP_SEQUENCE,
        VR::SQ,
        sequence(vec![sps]),
    ));
    let fields: [(Tag, VR, String); 14] = [
        (
            tags::REQUESTED_PROCEDURE_ID,
            VR::SH,
            cut(&e.item.requested_procedure_id, 16),
        ),
        (
            tags::REQUESTED_PROCEDURE_DESCRIPTION,
            VR::LO,
            cut(&e.description, 64),
        ),
        (
            tags::REQUESTED_PROCEDURE_PRIORITY,
            VR::SH,
            e.priority.to_owned(),
        ),
        (
            tags::REASON_FOR_THE_REQUESTED_PROCEDURE,
            VR::LO,
            cut(&e.reason, 64),
        ),
        (tags::STUDY_INSTANCE_UID, VR::UI, e.study_uid.clone()),
        (tags::ACCESSION_NUMBER, VR::SH, cut(&e.item.accession, 16)),
        (
            tags::REFERRING_PHYSICIAN_NAME,
            VR::PN,
            e.referring_physician.clone(),
        ),
        (
            tags::REQUESTING_PHYSICIAN,
            VR::PN,
            e.referring_physician.clone(),
        ),
        (tags::PATIENT_NAME, VR::PN, e.item.patient_name.clone()),
        (tags::PATIENT_ID, VR::LO, cut(&e.item.patient_id, 64)),
        (tags::PATIENT_BIRTH_DATE, VR::DA, e.birth_date.clone()),
        (tags::PATIENT_SEX, VR::CS, e.sex.to_owned()),
        (tags::ADMISSION_ID, VR::LO, cut(&e.admission_id, 64)),
        (tags::BODY_PART_EXAMINED, VR::CS, cut(&e.body_part, 16)),
    ];
    for (tag, vr, value) in fields {
        put(&mut obj, tag, vr, &value);
    }
    obj.put(DataElement::new(
        tags::REQUESTED_PROCEDURE_CODE_SEQUENCE,
        VR::SQ,
        sequence(vec![code]),
    ));
    obj
}

/// The character set of the answers: the request's when it is one Passerelle writes, else
/// Latin-1, or UTF-8 when some text needs it.
pub fn charset(req: &InMemDicomObject, answers: &[WorklistEntry]) -> SpecificCharacterSet {
    let asked = text(req, tags::SPECIFIC_CHARACTER_SET);
    match asked.as_str() {
        "ISO_IR 100" => return SpecificCharacterSet::ISO_IR_100,
        "ISO_IR 192" => return SpecificCharacterSet::ISO_IR_192,
        _ => {}
    }
    let latin1 = |s: &str| s.chars().all(|c| u32::from(c) < 0x100);
    let fits = answers.iter().all(|a| {
        [
            &a.item.patient_name,
            &a.referring_physician,
            &a.description,
            &a.reason,
        ]
        .iter()
        .all(|s| latin1(s))
    });
    if fits {
        SpecificCharacterSet::ISO_IR_100
    } else {
        SpecificCharacterSet::ISO_IR_192
    }
}
