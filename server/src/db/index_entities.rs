//! SeaORM entities of the instance index (patients, studies, series, instances, versions, events).

entity!(patient, "patients", "A patient of one clinic, keyed by Patient ID.", {
    clinic_id: i64, patient_key: String, name: String, birth_date: String, sex: String,
});

entity!(study, "studies", "A study of one clinic.", {
    clinic_id: i64, patient_id: i64, study_uid: String, study_date: String, study_time: String,
    accession: String, description: String, referring_physician: String, modalities: String,
    instance_count: i64, source_ae: String, received_at: i64, updated_at: i64,
    completed_at: Option<i64>, completion: String, assessed_at: Option<i64>,
});

entity!(series, "series", "A series of a study.", {
    study_id: i64, series_uid: String, modality: String, number: String, description: String,
    body_part: String, instance_count: i64, route_facts: String,
});

entity!(instance, "instances", "A received SOP instance and where its spool copy lives.", {
    clinic_id: i64, series_id: i64, sop_instance_uid: String, sop_class_uid: String,
    instance_number: String, transfer_syntax: String, size: i64, digest: String, spool_path: String,
    calling_ae: String, called_ae: String, received_at: i64, purged_at: Option<i64>,
});

entity!(instance_version, "instance_versions", "An earlier version of an instance (conflicting duplicate kept).", {
    instance_id: i64, spool_path: String, digest: String, size: i64, received_at: i64,
});

entity!(ingest_event, "ingest_events", "Something worth recording about a received instance.", {
    at: i64, clinic_id: Option<i64>, kind: String, sop_instance_uid: String, calling_ae: String,
    detail: String,
});
