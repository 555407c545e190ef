//! Queries on the instance index shared by the doors that search it (QIDO-RS, the C-FIND SCP):
//! the matchable attributes, their SQL matching (PS3.4 §C.2.2.2) and the rows of each level,
//! always bounded by the caller's clinics.

mod classes;
mod matching;
mod rows;

pub use classes::classes_of;

pub use matching::{condition, date_range, depth, scoped, uid_list};
pub use rows::{
    HeldRow, InstanceRow, PatientRow, Query, SeriesRow, StudyRow, Within, held, instances,
    patients, series, studies, visible,
};

/// A matching value the index cannot use (the reason is for the caller).
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("{0}")]
    Key(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// Where an attribute lives in the index, and how it is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    PatientName,
    PatientId,
    BirthDate,
    Sex,
    StudyDate,
    Accession,
    ModalitiesInStudy,
    StudyUid,
    ReferringPhysician,
    StudyDescription,
    Modality,
    SeriesUid,
    SeriesNumber,
    SeriesDescription,
    BodyPart,
    SopClass,
    SopInstance,
    InstanceNumber,
}

/// (keyword, tag, attribute) of every matchable key.
pub const KEYS: &[(&str, u32, Attr)] = &[
    ("PatientName", 0x0010_0010, Attr::PatientName),
    ("PatientID", 0x0010_0020, Attr::PatientId),
    ("PatientBirthDate", 0x0010_0030, Attr::BirthDate),
    ("PatientSex", 0x0010_0040, Attr::Sex),
    ("StudyDate", 0x0008_0020, Attr::StudyDate),
    ("AccessionNumber", 0x0008_0050, Attr::Accession),
    ("ModalitiesInStudy", 0x0008_0061, Attr::ModalitiesInStudy),
    ("StudyInstanceUID", 0x0020_000D, Attr::StudyUid),
    (
        "ReferringPhysicianName",
        0x0008_0090,
        Attr::ReferringPhysician,
    ),
    ("StudyDescription", 0x0008_1030, Attr::StudyDescription),
    ("Modality", 0x0008_0060, Attr::Modality),
    ("SeriesInstanceUID", 0x0020_000E, Attr::SeriesUid),
    ("SeriesNumber", 0x0020_0011, Attr::SeriesNumber),
    ("SeriesDescription", 0x0008_103E, Attr::SeriesDescription),
    ("BodyPartExamined", 0x0018_0015, Attr::BodyPart),
    ("SOPClassUID", 0x0008_0016, Attr::SopClass),
    ("SOPInstanceUID", 0x0008_0018, Attr::SopInstance),
    ("InstanceNumber", 0x0020_0013, Attr::InstanceNumber),
];

/// The matchable attribute of a tag.
pub fn attr_of(tag: u32) -> Option<Attr> {
    KEYS.iter().find(|(_, t, _)| *t == tag).map(|(_, _, a)| *a)
}
