//! Study completeness: when each study became complete and why (the `domain::completeness`
//! verdict as JSON), when it was last assessed (the sweep takes the least recently assessed
//! first, so studies that wait long do not starve the others), and the clinics' rules for it: per modality ("" for every modality) the
//! time without a new instance after which a study without a completed MPPS step is complete,
//! and whether the procedure's expected series count must be reached too.

use crate::build::{a, b, create, drop, fk, index, n, n_null, s};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        m.alter_table(
            Table::alter()
                .table(a("studies"))
                .add_column(n_null("completed_at"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a("studies"))
                .add_column(s("completion").default(""))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(a("studies"))
                .add_column(n_null("assessed_at"))
                .to_owned(),
        )
        .await?;
        index(m, "studies", &["completed_at"], false).await?;
        create(
            m,
            "completion_rules",
            vec![
                n("clinic_id"),
                s("modality"),
                n("stable_seconds"),
                b("require_expected_series"),
            ],
            vec![fk("completion_rules", "clinic_id", "clinics", true)],
        )
        .await?;
        index(m, "completion_rules", &["clinic_id", "modality"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop(m, &["completion_rules"]).await?;
        m.drop_index(
            Index::drop()
                .name("ix_studies_completed_at")
                .table(a("studies"))
                .to_owned(),
        )
        .await?;
        for col in ["assessed_at", "completion", "completed_at"] {
            m.alter_table(
                Table::alter()
                    .table(a("studies"))
                    .drop_column(a(col))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
