//! Indexes for the lookups HL7 intake and the worklist make on every message or query: a
//! clinic's studies by accession number (an order meets the images that came first), its
//! orders by filler order number (ORC-3), and its orders by status and schedule (the worklist).

use crate::build::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &[&str]); 3] = [
    (
        "ix_studies_clinic_id_accession",
        "studies",
        &["clinic_id", "accession"],
    ),
    (
        "ix_orders_clinic_id_filler_number",
        "orders",
        &["clinic_id", "filler_number"],
    ),
    (
        "ix_orders_clinic_id_status_scheduled_at",
        "orders",
        &["clinic_id", "status", "scheduled_at"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (_, table, cols) in INDEXES {
            index(m, table, cols, false).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            m.drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
