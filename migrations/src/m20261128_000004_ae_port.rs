//! An optional second port per local AE title (served besides the shared DICOM port).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum LocalAes {
    Table,
    Port,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(LocalAes::Table)
                .add_column(ColumnDef::new(LocalAes::Port).integer().null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_local_aes_port")
                .table(LocalAes::Table)
                .col(LocalAes::Port)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ux_local_aes_port")
                .table(LocalAes::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(LocalAes::Table)
                .drop_column(LocalAes::Port)
                .to_owned(),
        )
        .await
    }
}
