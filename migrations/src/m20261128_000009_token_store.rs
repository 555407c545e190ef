//! DICOMweb tokens that may upload: `api_tokens.can_store`. New tokens read only unless asked;
//! tokens issued before this migration could upload, and keep that (nothing breaks on upgrade).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    CanStore,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .add_column(
                    ColumnDef::new(ApiTokens::CanStore)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await?;
        let existing = Query::update()
            .table(ApiTokens::Table)
            .value(ApiTokens::CanStore, true)
            .to_owned();
        m.exec_stmt(existing).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ApiTokens::Table)
                .drop_column(ApiTokens::CanStore)
                .to_owned(),
        )
        .await
    }
}
