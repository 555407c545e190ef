//! The identifier of a C-FIND at each level (PS3.4 §C.6.1.1 Patient Root, §C.6.2.1 Study Root):
//! the level, the unique key of the level and of the levels above (hierarchical search,
//! §C.4.1.2.1), matching keys from the form and the return keys the results table shows.

use super::{InfoModel, QueryLevel, StudySearch};

/// One attribute of the identifier: tag (group << 16 | element), VR and value (empty for a
/// return key or universal matching).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub tag: u32,
    pub vr: &'static str,
    pub value: String,
}

fn k(tag: u32, vr: &'static str, value: &str) -> Key {
    Key {
        tag,
        vr,
        value: value.trim().to_owned(),
    }
}

pub const QUERY_RETRIEVE_LEVEL: u32 = 0x0008_0052;
pub const PATIENT_NAME: u32 = 0x0010_0010;
pub const PATIENT_ID: u32 = 0x0010_0020;
pub const BIRTH_DATE: u32 = 0x0010_0030;
pub const STUDY_DATE: u32 = 0x0008_0020;
pub const STUDY_TIME: u32 = 0x0008_0030;
pub const ACCESSION: u32 = 0x0008_0050;
pub const MODALITIES_IN_STUDY: u32 = 0x0008_0061;
pub const MODALITY: u32 = 0x0008_0060;
pub const STUDY_DESCRIPTION: u32 = 0x0008_1030;
pub const SERIES_DESCRIPTION: u32 = 0x0008_103E;
pub const STUDY_UID: u32 = 0x0020_000D;
pub const SERIES_UID: u32 = 0x0020_000E;
pub const SERIES_NUMBER: u32 = 0x0020_0011;
pub const INSTANCE_NUMBER: u32 = 0x0020_0013;
pub const SOP_CLASS_UID: u32 = 0x0008_0016;
pub const SOP_INSTANCE_UID: u32 = 0x0008_0018;
pub const STUDY_ID: u32 = 0x0020_0010;
pub const STUDY_SERIES_COUNT: u32 = 0x0020_1206;
pub const STUDY_INSTANCE_COUNT: u32 = 0x0020_1208;
pub const SERIES_INSTANCE_COUNT: u32 = 0x0020_1209;

fn level(l: QueryLevel) -> Key {
    k(QUERY_RETRIEVE_LEVEL, "CS", l.code())
}

/// PATIENT level of the Patient Root model (§C.6.1.1.2): name, ID, birth date.
pub fn patient_keys(s: &StudySearch) -> Vec<Key> {
    vec![
        level(QueryLevel::Patient),
        k(PATIENT_NAME, "PN", &s.patient_name),
        k(PATIENT_ID, "LO", &s.patient_id),
        k(BIRTH_DATE, "DA", &s.birth_date),
    ]
}

/// STUDY level. In the Patient Root model the Patient ID is the unique key of the level above
/// and must be given (`patient_id`); patient attributes then belong to the patient level and
/// are not repeated (§C.6.1.1.3).
pub fn study_keys(s: &StudySearch, model: InfoModel, patient_id: Option<&str>) -> Vec<Key> {
    let mut keys = vec![level(QueryLevel::Study)];
    match model {
        InfoModel::StudyRoot => keys.extend([
            k(PATIENT_NAME, "PN", &s.patient_name),
            k(PATIENT_ID, "LO", &s.patient_id),
            k(BIRTH_DATE, "DA", &s.birth_date),
        ]),
        InfoModel::PatientRoot => {
            keys.push(k(PATIENT_ID, "LO", patient_id.unwrap_or(&s.patient_id)))
        }
    }
    keys.extend([
        k(STUDY_UID, "UI", ""),
        k(STUDY_DATE, "DA", &s.study_date()),
        k(STUDY_TIME, "TM", ""),
        k(ACCESSION, "SH", &s.accession),
        k(STUDY_ID, "SH", ""),
        k(MODALITIES_IN_STUDY, "CS", &s.modality),
        k(STUDY_DESCRIPTION, "LO", &s.description),
        k(STUDY_SERIES_COUNT, "IS", ""),
        k(STUDY_INSTANCE_COUNT, "IS", ""),
    ]);
    keys
}

/// SERIES level under one study (unique keys of the levels above, §C.4.1.2.1).
pub fn series_keys(model: InfoModel, patient_id: &str, study_uid: &str) -> Vec<Key> {
    let mut keys = vec![level(QueryLevel::Series)];
    if model == InfoModel::PatientRoot {
        keys.push(k(PATIENT_ID, "LO", patient_id));
    }
    keys.extend([
        k(STUDY_UID, "UI", study_uid),
        k(SERIES_UID, "UI", ""),
        k(MODALITY, "CS", ""),
        k(SERIES_NUMBER, "IS", ""),
        k(SERIES_DESCRIPTION, "LO", ""),
        k(SERIES_INSTANCE_COUNT, "IS", ""),
    ]);
    keys
}

/// IMAGE level under one series.
pub fn instance_keys(
    model: InfoModel,
    patient_id: &str,
    study_uid: &str,
    series_uid: &str,
) -> Vec<Key> {
    let mut keys = vec![level(QueryLevel::Image)];
    if model == InfoModel::PatientRoot {
        keys.push(k(PATIENT_ID, "LO", patient_id));
    }
    keys.extend([
        k(STUDY_UID, "UI", study_uid),
        k(SERIES_UID, "UI", series_uid),
        k(SOP_INSTANCE_UID, "UI", ""),
        k(SOP_CLASS_UID, "UI", ""),
        k(INSTANCE_NUMBER, "IS", ""),
    ]);
    keys
}
