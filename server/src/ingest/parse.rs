//! Reads the attributes the index needs from a received data set, in its transfer syntax.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
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

/// What the index keeps of an instance. Text is trimmed of DICOM padding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attrs {
    pub sop_class_uid: String,
    pub sop_instance_uid: String,
    pub study_uid: String,
    pub series_uid: String,
    pub patient_key: String,
    pub patient_name: String,
    pub birth_date: String,
    pub sex: String,
    pub study_date: String,
    pub study_time: String,
    pub accession: String,
    pub study_description: String,
    pub referring: String,
    pub modality: String,
    pub series_number: String,
    pub series_description: String,
    pub body_part: String,
    pub instance_number: String,
    /// What routing rules look at besides the above (PS3.3 C.7.1.1, C.7.5.1, C.4.10).
    pub institution: String,
    pub department: String,
    pub patient_location: String,
    pub patient_age: String,
    pub priority: String,
}

fn text(obj: &InMemDicomObject, tag: Tag, max: usize) -> String {
    let raw = obj
        .element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_str().ok().map(|s| s.into_owned()))
        .unwrap_or_default();
    let trimmed = raw.trim_matches(|c: char| c == '\0' || c == ' ');
    trimmed.chars().take(max).collect()
}

fn required(obj: &InMemDicomObject, tag: Tag, name: &'static str) -> Result<String, ParseError> {
    let v = text(obj, tag, 64);
    if v.is_empty() {
        Err(ParseError::Missing(name))
    } else {
        Ok(v)
    }
}

/// Requested Procedure Priority (0040,1003), at the top level or in the first item of the
/// Request Attributes Sequence (0040,0275).
fn priority(obj: &InMemDicomObject) -> String {
    let top = text(obj, tags::REQUESTED_PROCEDURE_PRIORITY, 16);
    if !top.is_empty() {
        return top;
    }
    obj.element_opt(tags::REQUEST_ATTRIBUTES_SEQUENCE)
        .ok()
        .flatten()
        .and_then(|e| e.items().and_then(|items| items.first()))
        .map(|item| text(item, tags::REQUESTED_PROCEDURE_PRIORITY, 16))
        .unwrap_or_default()
}

/// Parses `bytes` (a data set without file meta) encoded in `ts_uid`.
pub fn parse(bytes: &[u8], ts_uid: &str) -> Result<Attrs, ParseError> {
    let ts = TransferSyntaxRegistry
        .get(ts_uid.trim_end_matches('\0'))
        .ok_or_else(|| ParseError::UnknownTransferSyntax(ts_uid.to_owned()))?;
    let obj = InMemDicomObject::read_dataset_with_ts(bytes, ts)
        .map_err(|e| ParseError::Unreadable(e.to_string()))?;
    Ok(Attrs {
        sop_class_uid: required(&obj, tags::SOP_CLASS_UID, "SOPClassUID")?,
        sop_instance_uid: required(&obj, tags::SOP_INSTANCE_UID, "SOPInstanceUID")?,
        study_uid: required(&obj, tags::STUDY_INSTANCE_UID, "StudyInstanceUID")?,
        series_uid: required(&obj, tags::SERIES_INSTANCE_UID, "SeriesInstanceUID")?,
        patient_key: text(&obj, tags::PATIENT_ID, 64),
        patient_name: text(&obj, tags::PATIENT_NAME, 324),
        birth_date: text(&obj, tags::PATIENT_BIRTH_DATE, 8),
        sex: text(&obj, tags::PATIENT_SEX, 16),
        study_date: text(&obj, tags::STUDY_DATE, 8),
        study_time: text(&obj, tags::STUDY_TIME, 16),
        accession: text(&obj, tags::ACCESSION_NUMBER, 16),
        study_description: text(&obj, tags::STUDY_DESCRIPTION, 64),
        referring: text(&obj, tags::REFERRING_PHYSICIAN_NAME, 324),
        modality: text(&obj, tags::MODALITY, 16),
        series_number: text(&obj, tags::SERIES_NUMBER, 12),
        series_description: text(&obj, tags::SERIES_DESCRIPTION, 64),
        body_part: text(&obj, tags::BODY_PART_EXAMINED, 16),
        instance_number: text(&obj, tags::INSTANCE_NUMBER, 12),
        institution: text(&obj, tags::INSTITUTION_NAME, 64),
        department: text(&obj, tags::INSTITUTIONAL_DEPARTMENT_NAME, 64),
        patient_location: text(&obj, tags::CURRENT_PATIENT_LOCATION, 64),
        patient_age: text(&obj, tags::PATIENT_AGE, 4),
        priority: priority(&obj),
    })
}
