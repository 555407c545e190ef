//! Imaging orders (one requested procedure each, with the Study Instance UID assigned at
//! creation), their history, the studies of the index linked to them, and named counters
//! (generated accession numbers).

use crate::build::{a, b, create, drop, fk, index, n, n_null, s};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::big_integer;

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn orders(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let texts = [
        "accession",
        "priority",
        "reason",
        "station_ae",
        "modality",
        "study_uid",
        "status",
        "placer_number",
        "filler_number",
        "requested_procedure_id",
        "sps_id",
        "admission_id",
        "source",
    ];
    let mut c = vec![
        n("clinic_id"),
        n("patient_id"),
        n_null("physician_id"),
        n("procedure_id"),
    ];
    c.extend(texts.iter().map(|x| s(x)));
    c.extend([n("scheduled_at"), n("created_at"), n("updated_at")]);
    create(
        m,
        "orders",
        c,
        vec![
            fk("orders", "clinic_id", "clinics", false),
            fk("orders", "patient_id", "patient_records", false),
            fk("orders", "physician_id", "physicians", false),
            fk("orders", "procedure_id", "procedures", false),
        ],
    )
    .await?;
    index(m, "orders", &["clinic_id", "accession"], true).await?;
    index(m, "orders", &["study_uid"], true).await?;
    index(m, "orders", &["clinic_id", "scheduled_at"], false).await?;
    index(m, "orders", &["clinic_id", "placer_number"], false).await?;
    index(m, "orders", &["patient_id"], false).await?;
    index(m, "orders", &["physician_id"], false).await
}

async fn order_children(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    create(
        m,
        "order_events",
        vec![
            n("order_id"),
            n("at"),
            s("actor"),
            s("kind"),
            s("status"),
            s("note"),
        ],
        vec![fk("order_events", "order_id", "orders", true)],
    )
    .await?;
    index(m, "order_events", &["order_id"], false).await?;
    create(
        m,
        "order_studies",
        vec![
            n("order_id"),
            n("study_id"),
            s("matched_by"),
            b("patient_mismatch"),
            b("resolved"),
            n("linked_at"),
        ],
        vec![
            fk("order_studies", "order_id", "orders", true),
            fk("order_studies", "study_id", "studies", true),
        ],
    )
    .await?;
    index(m, "order_studies", &["order_id", "study_id"], true).await?;
    index(m, "order_studies", &["study_id"], false).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        orders(m).await?;
        order_children(m).await?;
        m.create_table(
            Table::create()
                .table(a("counters"))
                .col(ColumnDef::new(a("name")).text().not_null().primary_key())
                .col(big_integer(a("value")))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop(m, &["counters", "order_studies", "order_events", "orders"]).await
    }
}
