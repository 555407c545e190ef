//! The Query/Retrieve SCP's rules (PS3.4 Annex C), pure: which service and information model a
//! SOP class UID names, the Query/Retrieve Level of a request in that model (§C.6.1, §C.6.2),
//! which level each key belongs to, which keys a request may carry (§C.2.2.1, §C.4.1.2.1) and
//! what a retrieve needs (§C.4.2.2.1), and the final status of a C-MOVE or C-GET from its
//! sub-operations (§C.4.2.1.5, §C.4.3.1.4).

use super::{InfoModel, QueryLevel, SubOps, keys};

/// A Query/Retrieve service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QrService {
    Find,
    Move,
    Get,
}

/// PS3.4 §C.6.1.1, §C.6.2.1: Patient Root and Study Root SOP classes.
pub fn class_of(uid: &str) -> Option<(InfoModel, QrService)> {
    Some(match uid.trim_end_matches(['\0', ' ']) {
        "1.2.840.10008.5.1.4.1.2.1.1" => (InfoModel::PatientRoot, QrService::Find),
        "1.2.840.10008.5.1.4.1.2.1.2" => (InfoModel::PatientRoot, QrService::Move),
        "1.2.840.10008.5.1.4.1.2.1.3" => (InfoModel::PatientRoot, QrService::Get),
        "1.2.840.10008.5.1.4.1.2.2.1" => (InfoModel::StudyRoot, QrService::Find),
        "1.2.840.10008.5.1.4.1.2.2.2" => (InfoModel::StudyRoot, QrService::Move),
        "1.2.840.10008.5.1.4.1.2.2.3" => (InfoModel::StudyRoot, QrService::Get),
        _ => return None,
    })
}

/// Every Query/Retrieve SOP class the SCP accepts.
pub const QR_CLASSES: [&str; 6] = [
    "1.2.840.10008.5.1.4.1.2.1.1",
    "1.2.840.10008.5.1.4.1.2.1.2",
    "1.2.840.10008.5.1.4.1.2.1.3",
    "1.2.840.10008.5.1.4.1.2.2.1",
    "1.2.840.10008.5.1.4.1.2.2.2",
    "1.2.840.10008.5.1.4.1.2.2.3",
];

/// Why a request's identifier is refused (answered A900 with this text as Error Comment).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("Query/Retrieve Level (0008,0052) is missing")]
    NoLevel,
    #[error("Query/Retrieve Level {0:?} is unknown")]
    UnknownLevel(String),
    #[error("the Study Root model has no PATIENT level")]
    PatientInStudyRoot,
    #[error("key ({0:04X},{1:04X}) is below the {2} level")]
    BelowLevel(u16, u16, &'static str),
    #[error("a {0} retrieve needs ({1:04X},{2:04X})")]
    MissingUnique(&'static str, u16, u16),
}

fn split(tag: u32) -> (u16, u16) {
    ((tag >> 16) as u16, tag as u16)
}

/// The Query/Retrieve Level (0008,0052) of a request in `model`.
pub fn level(model: InfoModel, code: &str) -> Result<QueryLevel, IdentifierError> {
    let l = match code.trim_matches(['\0', ' ']) {
        "" => return Err(IdentifierError::NoLevel),
        "PATIENT" => QueryLevel::Patient,
        "STUDY" => QueryLevel::Study,
        "SERIES" => QueryLevel::Series,
        "IMAGE" => QueryLevel::Image,
        other => return Err(IdentifierError::UnknownLevel(other.to_owned())),
    };
    if l == QueryLevel::Patient && model == InfoModel::StudyRoot {
        return Err(IdentifierError::PatientInStudyRoot);
    }
    Ok(l)
}

const PATIENT_TAGS: [u32; 7] = [
    keys::PATIENT_NAME,
    keys::PATIENT_ID,
    keys::BIRTH_DATE,
    0x0010_0040, // Patient's Sex
    0x0020_1200, // Number of Patient Related Studies
    0x0020_1202, // Number of Patient Related Series
    0x0020_1204, // Number of Patient Related Instances
];
const SERIES_TAGS: [u32; 6] = [
    keys::MODALITY,
    keys::SERIES_UID,
    keys::SERIES_NUMBER,
    keys::SERIES_DESCRIPTION,
    0x0018_0015, // Body Part Examined
    keys::SERIES_INSTANCE_COUNT,
];
const IMAGE_TAGS: [u32; 3] = [
    keys::SOP_INSTANCE_UID,
    keys::SOP_CLASS_UID,
    keys::INSTANCE_NUMBER,
];

fn rank(l: QueryLevel) -> u8 {
    match l {
        QueryLevel::Patient => 0,
        QueryLevel::Study => 1,
        QueryLevel::Series => 2,
        QueryLevel::Image => 3,
    }
}

/// The level a key belongs to in `model` (Study Root holds the patient's attributes at its
/// STUDY level, §C.6.2.1.2); the other keys are at the study level.
pub fn key_level(model: InfoModel, tag: u32) -> QueryLevel {
    if PATIENT_TAGS.contains(&tag) {
        match model {
            InfoModel::PatientRoot => QueryLevel::Patient,
            InfoModel::StudyRoot => QueryLevel::Study,
        }
    } else if SERIES_TAGS.contains(&tag) {
        QueryLevel::Series
    } else if IMAGE_TAGS.contains(&tag) {
        QueryLevel::Image
    } else {
        QueryLevel::Study
    }
}

/// Checks the keys `(tag, has a value)` of a C-FIND at `at`: a key of a lower level may not be
/// given a value (§C.2.2.1: "keys at lower levels shall not be included"). Empty keys below
/// the level are return keys Passerelle answers empty, which peers accept.
pub fn check_find(
    model: InfoModel,
    at: QueryLevel,
    keys: &[(u32, bool)],
) -> Result<(), IdentifierError> {
    for &(tag, valued) in keys {
        if valued && rank(key_level(model, tag)) > rank(at) && tag != keys::QUERY_RETRIEVE_LEVEL {
            let (g, e) = split(tag);
            return Err(IdentifierError::BelowLevel(g, e, at.code()));
        }
    }
    Ok(())
}

/// The unique key a C-MOVE or C-GET at `at` must carry (§C.4.2.2.1).
pub fn unique_key(at: QueryLevel) -> u32 {
    match at {
        QueryLevel::Patient => keys::PATIENT_ID,
        QueryLevel::Study => keys::STUDY_UID,
        QueryLevel::Series => keys::SERIES_UID,
        QueryLevel::Image => keys::SOP_INSTANCE_UID,
    }
}

/// Checks that a retrieve at `at` names what it retrieves by the level's unique key.
pub fn check_retrieve(at: QueryLevel, keys: &[(u32, bool)]) -> Result<(), IdentifierError> {
    let need = unique_key(at);
    if keys.iter().any(|&(t, valued)| t == need && valued) {
        Ok(())
    } else {
        let (g, e) = split(need);
        Err(IdentifierError::MissingUnique(at.code(), g, e))
    }
}

/// PS3.4 §C.4.2.1.5 and §C.4.3.1.4 statuses of a C-MOVE / C-GET.
pub const SUCCESS: u16 = 0x0000;
pub const PENDING: u16 = 0xFF00;
/// Pending, one or more optional keys not supported (C-FIND only).
pub const PENDING_UNSUPPORTED_KEYS: u16 = 0xFF01;
pub const CANCELLED: u16 = 0xFE00;
pub const SOME_FAILED: u16 = 0xB000;
pub const OUT_OF_RESOURCES_SUBOPS: u16 = 0xA702;
pub const MOVE_DESTINATION_UNKNOWN: u16 = 0xA801;
pub const IDENTIFIER_MISMATCH: u16 = 0xA900;
pub const UNABLE_TO_PROCESS: u16 = 0xC000;

/// The final status of a retrieve whose sub-operations ended as `ops` (remaining ones are
/// those a cancel stopped): cancel FE00; every one failed A702; some failed or warned B000;
/// else success (and success for a retrieve that matched nothing).
pub fn final_status(ops: &SubOps, cancelled: bool) -> u16 {
    if cancelled {
        CANCELLED
    } else if ops.failed > 0 && ops.completed == 0 && ops.warning == 0 {
        OUT_OF_RESOURCES_SUBOPS
    } else if ops.failed > 0 || ops.warning > 0 {
        SOME_FAILED
    } else {
        SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_levels() {
        assert_eq!(
            class_of("1.2.840.10008.5.1.4.1.2.2.3\0"),
            Some((InfoModel::StudyRoot, QrService::Get))
        );
        assert_eq!(class_of("1.2.840.10008.5.1.4.31"), None);
        assert_eq!(
            level(InfoModel::PatientRoot, "PATIENT "),
            Ok(QueryLevel::Patient)
        );
        assert_eq!(
            level(InfoModel::StudyRoot, "PATIENT"),
            Err(IdentifierError::PatientInStudyRoot)
        );
        assert_eq!(
            level(InfoModel::StudyRoot, ""),
            Err(IdentifierError::NoLevel)
        );
        assert!(matches!(
            level(InfoModel::StudyRoot, "FRAME"),
            Err(IdentifierError::UnknownLevel(_))
        ));
    }

    #[test]
    fn keys_below_the_level_are_refused_when_valued() {
        let m = InfoModel::PatientRoot;
        let study_uid = (keys::STUDY_UID, true);
        assert!(check_find(m, QueryLevel::Study, &[study_uid]).is_ok());
        let e = check_find(m, QueryLevel::Patient, &[study_uid]).expect_err("below");
        assert_eq!(e.to_string(), "key (0020,000D) is below the PATIENT level");
        assert!(check_find(m, QueryLevel::Patient, &[(keys::STUDY_UID, false)]).is_ok());
        // Study Root: the patient's name is a study-level key.
        let name = (keys::PATIENT_NAME, true);
        assert!(check_find(InfoModel::StudyRoot, QueryLevel::Study, &[name]).is_ok());
        assert!(check_find(m, QueryLevel::Image, &[(keys::MODALITY, true)]).is_ok());
    }

    #[test]
    fn a_retrieve_names_its_unique_key() {
        assert!(check_retrieve(QueryLevel::Series, &[(keys::SERIES_UID, true)]).is_ok());
        let e = check_retrieve(QueryLevel::Study, &[(keys::STUDY_UID, false)]).expect_err("empty");
        assert_eq!(e.to_string(), "a STUDY retrieve needs (0020,000D)");
    }

    #[test]
    fn final_statuses() {
        let ops = |completed, failed, warning| SubOps {
            remaining: Some(0),
            completed,
            failed,
            warning,
        };
        assert_eq!(final_status(&ops(3, 0, 0), false), SUCCESS);
        assert_eq!(final_status(&ops(0, 0, 0), false), SUCCESS);
        assert_eq!(final_status(&ops(2, 1, 0), false), SOME_FAILED);
        assert_eq!(final_status(&ops(0, 0, 1), false), SOME_FAILED);
        assert_eq!(final_status(&ops(0, 3, 0), false), OUT_OF_RESOURCES_SUBOPS);
        assert_eq!(final_status(&ops(1, 0, 0), true), CANCELLED);
    }
}
