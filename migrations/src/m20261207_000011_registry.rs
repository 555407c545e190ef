//! The registry: patient records of each clinic and the identifiers they are known by (the
//! record number and, after merges, earlier ones), referring physicians, radiologists with
//! their credentials, weekly availability and absences, and the procedure catalogue.

use crate::build::{b, create, drop, fk, index, n, n_null, s, s_null};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn patients(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let cols = [
        "family_name",
        "given_name",
        "middle_name",
        "birth_date",
        "sex",
        "language",
        "phone",
        "email",
        "address",
        "ramq",
        "confirmed_warnings",
        "search_key",
        "source",
    ];
    let mut c: Vec<ColumnDef> = vec![n("clinic_id")];
    c.extend(cols.iter().map(|x| s(x)));
    c.extend([n_null("merged_into"), n("created_at"), n("updated_at")]);
    create(
        m,
        "patient_records",
        c,
        vec![
            fk("patient_records", "clinic_id", "clinics", false),
            fk("patient_records", "merged_into", "patient_records", false),
        ],
    )
    .await?;
    index(m, "patient_records", &["clinic_id", "ramq"], false).await?;
    create(
        m,
        "patient_identifiers",
        vec![
            n("clinic_id"),
            s("identifier"),
            n("patient_id"),
            s("kind"),
            n("created_at"),
        ],
        vec![
            fk("patient_identifiers", "clinic_id", "clinics", false),
            fk(
                "patient_identifiers",
                "patient_id",
                "patient_records",
                false,
            ),
        ],
    )
    .await?;
    index(m, "patient_identifiers", &["clinic_id", "identifier"], true).await?;
    index(m, "patient_identifiers", &["patient_id"], false).await
}

async fn physicians(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let texts = [
        "family_name",
        "given_name",
        "licence",
        "email",
        "phone",
        "phone2",
        "urgent_channel",
        "search_key",
    ];
    let mut c: Vec<ColumnDef> = texts.iter().map(|x| s(x)).collect();
    c.extend([
        b("notify_in_app"),
        b("notify_email"),
        n_null("user_id"),
        b("active"),
        n("created_at"),
        n("updated_at"),
    ]);
    create(
        m,
        "physicians",
        c,
        vec![fk("physicians", "user_id", "users", false)],
    )
    .await?;
    index(m, "physicians", &["licence"], true).await?;
    create(
        m,
        "physician_clinics",
        vec![n("physician_id"), n("clinic_id")],
        vec![
            fk("physician_clinics", "physician_id", "physicians", true),
            fk("physician_clinics", "clinic_id", "clinics", false),
        ],
    )
    .await?;
    index(m, "physician_clinics", &["physician_id", "clinic_id"], true).await?;
    index(m, "physician_clinics", &["clinic_id"], false).await
}

async fn radiologists(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    create(
        m,
        "radiologists",
        vec![
            n("user_id"),
            s("licence"),
            s("licence_expiry"),
            s("subspecialties"),
            s("modalities"),
            n("max_open_tasks"),
            b("active"),
            n("created_at"),
            n("updated_at"),
        ],
        vec![fk("radiologists", "user_id", "users", false)],
    )
    .await?;
    index(m, "radiologists", &["user_id"], true).await?;
    index(m, "radiologists", &["licence"], true).await?;
    let child = |t: &'static str| fk(t, "radiologist_id", "radiologists", true);
    create(
        m,
        "radiologist_clinics",
        vec![n("radiologist_id"), n("clinic_id"), s_null("expires_on")],
        vec![
            child("radiologist_clinics"),
            fk("radiologist_clinics", "clinic_id", "clinics", false),
        ],
    )
    .await?;
    index(
        m,
        "radiologist_clinics",
        &["radiologist_id", "clinic_id"],
        true,
    )
    .await?;
    index(m, "radiologist_clinics", &["clinic_id"], false).await?;
    create(
        m,
        "radiologist_slots",
        vec![
            n("radiologist_id"),
            n("weekday"),
            n("start_minute"),
            n("end_minute"),
        ],
        vec![child("radiologist_slots")],
    )
    .await?;
    index(m, "radiologist_slots", &["radiologist_id"], false).await?;
    create(
        m,
        "radiologist_absences",
        vec![
            n("radiologist_id"),
            s("from_date"),
            s("to_date"),
            s("reason"),
        ],
        vec![child("radiologist_absences")],
    )
    .await?;
    index(m, "radiologist_absences", &["radiologist_id"], false).await
}

async fn procedures(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    create(
        m,
        "procedures",
        vec![
            n("clinic_id"),
            s("code"),
            s("name_fr"),
            s("name_en"),
            s("modality"),
            s("body_part"),
            n("expected_series"),
            s_null("subspecialty"),
            b("subspecialty_required"),
            n("tat_stat_minutes"),
            n("tat_urgent_minutes"),
            n("tat_routine_minutes"),
            n("weight_tenths"),
            b("active"),
            n("created_at"),
            n("updated_at"),
        ],
        vec![fk("procedures", "clinic_id", "clinics", false)],
    )
    .await?;
    index(m, "procedures", &["clinic_id", "code"], true).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        patients(m).await?;
        physicians(m).await?;
        radiologists(m).await?;
        procedures(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop(
            m,
            &[
                "procedures",
                "radiologist_absences",
                "radiologist_slots",
                "radiologist_clinics",
                "radiologists",
                "physician_clinics",
                "physicians",
                "patient_identifiers",
                "patient_records",
            ],
        )
        .await
    }
}
