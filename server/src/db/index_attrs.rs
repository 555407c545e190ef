//! What the index keeps of a received instance, as ingest read it from the data set (plain
//! text; the database layer takes it without knowing how it was parsed).

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
