//! SeaORM entities of the registry and the orders (migrations m20261207_000011 – 000013).

entity!(patient_record, "patient_records", "A patient record of one clinic.", {
    clinic_id: i64, family_name: String, given_name: String, middle_name: String,
    birth_date: String, sex: String, language: String, phone: String, email: String,
    address: String, ramq: String, confirmed_warnings: String, search_key: String,
    source: String, merged_into: Option<i64>, created_at: i64, updated_at: i64,
});

entity!(patient_identifier, "patient_identifiers", "A record number a patient is known by in a clinic (the current one, or an alias after a merge).", {
    clinic_id: i64, identifier: String, patient_id: i64, kind: String, created_at: i64,
});

entity!(physician, "physicians", "A referring physician.", {
    family_name: String, given_name: String, licence: String, email: String, phone: String,
    phone2: String, urgent_channel: String, search_key: String, notify_in_app: bool,
    notify_email: bool, user_id: Option<i64>, active: bool, created_at: i64, updated_at: i64,
});

entity!(physician_clinic, "physician_clinics", "A clinic a referring physician refers to.", {
    physician_id: i64, clinic_id: i64,
});

entity!(radiologist, "radiologists", "A radiologist's reading profile (tied to a user).", {
    user_id: i64, licence: String, licence_expiry: String, subspecialties: String,
    modalities: String, max_open_tasks: i64, active: bool, created_at: i64, updated_at: i64,
});

entity!(radiologist_clinic, "radiologist_clinics", "A clinic where a radiologist is credentialed, until an expiry.", {
    radiologist_id: i64, clinic_id: i64, expires_on: Option<String>,
});

entity!(radiologist_slot, "radiologist_slots", "A weekly availability slot (Montreal time).", {
    radiologist_id: i64, weekday: i64, start_minute: i64, end_minute: i64,
});

entity!(radiologist_absence, "radiologist_absences", "A period away.", {
    radiologist_id: i64, from_date: String, to_date: String, reason: String,
});

entity!(procedure, "procedures", "A catalogue entry of a clinic.", {
    clinic_id: i64, code: String, name_fr: String, name_en: String, modality: String,
    body_part: String, expected_series: i64, subspecialty: Option<String>,
    subspecialty_required: bool, tat_stat_minutes: i64, tat_urgent_minutes: i64,
    tat_routine_minutes: i64, weight_tenths: i64, active: bool, created_at: i64, updated_at: i64,
});

entity!(order, "orders", "An imaging order (one requested procedure).", {
    clinic_id: i64, patient_id: i64, physician_id: Option<i64>, procedure_id: i64,
    accession: String, priority: String, reason: String, station_ae: String, modality: String,
    study_uid: String, status: String, placer_number: String, filler_number: String,
    requested_procedure_id: String, sps_id: String, admission_id: String, source: String,
    scheduled_at: i64, created_at: i64, updated_at: i64,
});

entity!(order_event, "order_events", "A change in an order's life.", {
    order_id: i64, at: i64, actor: String, kind: String, status: String, note: String,
});

entity!(order_study, "order_studies", "A study of the index linked to an order.", {
    order_id: i64, study_id: i64, matched_by: String, patient_mismatch: bool, resolved: bool,
    linked_at: i64,
});

entity!(hl7_message, "hl7_messages", "An HL7 v2 message received, with what was done and answered.", {
    received_at: i64, dedupe_key: Option<String>, clinic_id: Option<i64>, peer: String,
    sending_app: String, sending_facility: String, receiving_facility: String,
    control_id: String, message_type: String, version: String, charset: String,
    status: String, ack_code: String, error: String, raw: Vec<u8>, ack: Vec<u8>, size: i64,
    processed_at: Option<i64>, attempts: i64,
});

entity!(hl7_facility, "hl7_facilities", "A sending (MSH-4) or receiving (MSH-6) facility mapped to a clinic.", {
    side: String, facility: String, clinic_id: i64, created_at: i64,
});

pub mod counter {
    //! A named counter (generated accession numbers).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "counters")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub value: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
