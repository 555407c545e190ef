//! Modality Performed Procedure Steps (PS3.4 Annex F) received by the MPPS SCP: one row per
//! step with the attributes Passerelle keeps, the orders it performs (a grouped step performs
//! several), and the series and instances it lists (its Performed Series Sequence).

use crate::build::{create, drop, fk, index, n, s};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn steps(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let texts = [
        "sop_instance_uid",
        "status",
        "pps_id",
        "station_ae",
        "calling_ae",
        "modality",
        "description",
        "study_uid",
        "accession",
        "patient_id",
        "patient_name",
        "start_date",
        "start_time",
        "end_date",
        "end_time",
        "discontinue_reason",
    ];
    let mut c = vec![n("clinic_id")];
    c.extend(texts.iter().map(|x| s(x)));
    c.extend([n("created_at"), n("updated_at")]);
    create(
        m,
        "performed_steps",
        c,
        vec![fk("performed_steps", "clinic_id", "clinics", false)],
    )
    .await?;
    index(m, "performed_steps", &["sop_instance_uid"], true).await?;
    index(m, "performed_steps", &["clinic_id", "study_uid"], false).await
}

async fn children(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    create(
        m,
        "performed_step_orders",
        vec![n("step_id"), n("order_id")],
        vec![
            fk("performed_step_orders", "step_id", "performed_steps", true),
            fk("performed_step_orders", "order_id", "orders", true),
        ],
    )
    .await?;
    index(m, "performed_step_orders", &["step_id", "order_id"], true).await?;
    index(m, "performed_step_orders", &["order_id"], false).await?;
    create(
        m,
        "performed_instances",
        vec![
            n("step_id"),
            s("series_uid"),
            s("series_description"),
            s("sop_class"),
            s("sop_uid"),
        ],
        vec![fk(
            "performed_instances",
            "step_id",
            "performed_steps",
            true,
        )],
    )
    .await?;
    index(m, "performed_instances", &["step_id"], false).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        steps(m).await?;
        children(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop(
            m,
            &[
                "performed_instances",
                "performed_step_orders",
                "performed_steps",
            ],
        )
        .await
    }
}
