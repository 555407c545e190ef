//! The answers of the Query/Retrieve C-FIND SCP: every attribute Passerelle's index holds for a
//! row at its level (PS3.4 §C.6.1.1 and §C.6.2.1 tables), from which the keys asked are cut
//! (`dataset::project`). Counts are IS values (PS3.5 §6.2).

use super::super::dataset::put;
use crate::db::index_query::{InstanceRow, PatientRow, SeriesRow, StudyRow};
use dicom_core::VR;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// The attributes every answer carries: the level, where to retrieve it from (the called AE
/// title, PS3.4 §C.4.1.1.3.2) and its availability.
fn base(level: &str, retrieve_ae: &str) -> InMemDicomObject {
    let mut o = InMemDicomObject::new_empty();
    put(&mut o, tags::QUERY_RETRIEVE_LEVEL, VR::CS, level);
    put(&mut o, tags::RETRIEVE_AE_TITLE, VR::AE, retrieve_ae);
    put(&mut o, tags::INSTANCE_AVAILABILITY, VR::CS, "ONLINE");
    o
}

fn patient_part(o: &mut InMemDicomObject, name: &str, id: &str, birth: &str, sex: &str) {
    put(o, tags::PATIENT_NAME, VR::PN, name);
    put(o, tags::PATIENT_ID, VR::LO, id);
    put(o, tags::PATIENT_BIRTH_DATE, VR::DA, birth);
    put(o, tags::PATIENT_SEX, VR::CS, sex);
}

pub fn patient(r: &PatientRow, retrieve_ae: &str) -> InMemDicomObject {
    let mut o = base("PATIENT", retrieve_ae);
    patient_part(
        &mut o,
        &r.patient_name,
        &r.patient_key,
        &r.birth_date,
        &r.sex,
    );
    let counts = [
        (tags::NUMBER_OF_PATIENT_RELATED_STUDIES, r.study_count),
        (tags::NUMBER_OF_PATIENT_RELATED_SERIES, r.series_count),
        (tags::NUMBER_OF_PATIENT_RELATED_INSTANCES, r.instance_count),
    ];
    for (t, n) in counts {
        put(&mut o, t, VR::IS, &n.to_string());
    }
    o
}

pub fn study(r: &StudyRow, retrieve_ae: &str) -> InMemDicomObject {
    let mut o = base("STUDY", retrieve_ae);
    patient_part(
        &mut o,
        &r.patient_name,
        &r.patient_key,
        &r.birth_date,
        &r.sex,
    );
    let fields = [
        (tags::STUDY_DATE, VR::DA, r.study_date.as_str()),
        (tags::STUDY_TIME, VR::TM, &r.study_time),
        (tags::ACCESSION_NUMBER, VR::SH, &r.accession),
        (tags::STUDY_ID, VR::SH, ""),
        (tags::STUDY_INSTANCE_UID, VR::UI, &r.study_uid),
        (
            tags::REFERRING_PHYSICIAN_NAME,
            VR::PN,
            &r.referring_physician,
        ),
        (tags::STUDY_DESCRIPTION, VR::LO, &r.description),
        (tags::MODALITIES_IN_STUDY, VR::CS, &r.modalities),
    ];
    for (t, vr, v) in fields {
        put(&mut o, t, vr, v);
    }
    let counts = [
        (tags::NUMBER_OF_STUDY_RELATED_SERIES, r.series_count),
        (tags::NUMBER_OF_STUDY_RELATED_INSTANCES, r.instance_count),
    ];
    for (t, n) in counts {
        put(&mut o, t, VR::IS, &n.to_string());
    }
    o
}

pub fn series(r: &SeriesRow, retrieve_ae: &str) -> InMemDicomObject {
    let mut o = base("SERIES", retrieve_ae);
    let fields = [
        (tags::STUDY_INSTANCE_UID, VR::UI, r.study_uid.as_str()),
        (tags::SERIES_INSTANCE_UID, VR::UI, &r.series_uid),
        (tags::MODALITY, VR::CS, &r.modality),
        (tags::SERIES_NUMBER, VR::IS, r.number.trim()),
        (tags::SERIES_DESCRIPTION, VR::LO, &r.description),
        (tags::BODY_PART_EXAMINED, VR::CS, &r.body_part),
    ];
    for (t, vr, v) in fields {
        put(&mut o, t, vr, v);
    }
    put(
        &mut o,
        tags::NUMBER_OF_SERIES_RELATED_INSTANCES,
        VR::IS,
        &r.instance_count.to_string(),
    );
    o
}

pub fn instance(r: &InstanceRow, retrieve_ae: &str) -> InMemDicomObject {
    let mut o = base("IMAGE", retrieve_ae);
    let fields = [
        (tags::STUDY_INSTANCE_UID, VR::UI, r.study_uid.as_str()),
        (tags::SERIES_INSTANCE_UID, VR::UI, &r.series_uid),
        (tags::SOP_INSTANCE_UID, VR::UI, &r.sop_instance_uid),
        (tags::SOP_CLASS_UID, VR::UI, &r.sop_class_uid),
        (tags::INSTANCE_NUMBER, VR::IS, r.instance_number.trim()),
    ];
    for (t, vr, v) in fields {
        put(&mut o, t, vr, v);
    }
    o
}
