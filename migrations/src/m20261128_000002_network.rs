//! DICOM network configuration: local AE titles (each in one clinic) and remote nodes.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clinics {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LocalAes {
    Table,
    Id,
    ClinicId,
    AeTitle,
    Enabled,
    CallerPolicy,
    AllowedCallers,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RemoteNodes {
    Table,
    Id,
    Name,
    AeTitle,
    Host,
    Port,
    Tls,
    Role,
    Jurisdiction,
    Notes,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RemoteNodeClinics {
    Table,
    NodeId,
    ClinicId,
}

fn clinic_fk(from_table: impl IntoIden, from_col: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(Clinics::Table, Clinics::Id)
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LocalAes::Table)
                .col(pk_auto(LocalAes::Id).big_integer())
                .col(big_integer(LocalAes::ClinicId))
                .col(string_len_uniq(LocalAes::AeTitle, 16))
                .col(boolean(LocalAes::Enabled).default(true))
                .col(string_len(LocalAes::CallerPolicy, 16))
                .col(text(LocalAes::AllowedCallers).default(""))
                .col(big_integer(LocalAes::CreatedAt))
                .col(big_integer(LocalAes::UpdatedAt))
                .foreign_key(&mut clinic_fk(LocalAes::Table, LocalAes::ClinicId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RemoteNodes::Table)
                .col(pk_auto(RemoteNodes::Id).big_integer())
                .col(string_len(RemoteNodes::Name, 128))
                .col(string_len(RemoteNodes::AeTitle, 16))
                .col(string_len(RemoteNodes::Host, 253))
                .col(integer(RemoteNodes::Port))
                .col(boolean(RemoteNodes::Tls).default(false))
                .col(string_len(RemoteNodes::Role, 16))
                .col(string_len(RemoteNodes::Jurisdiction, 32))
                .col(text(RemoteNodes::Notes).default(""))
                .col(big_integer(RemoteNodes::CreatedAt))
                .col(big_integer(RemoteNodes::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RemoteNodeClinics::Table)
                .col(big_integer(RemoteNodeClinics::NodeId))
                .col(big_integer(RemoteNodeClinics::ClinicId))
                .primary_key(
                    Index::create()
                        .col(RemoteNodeClinics::NodeId)
                        .col(RemoteNodeClinics::ClinicId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(RemoteNodeClinics::Table, RemoteNodeClinics::NodeId)
                        .to(RemoteNodes::Table, RemoteNodes::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(&mut clinic_fk(
                    RemoteNodeClinics::Table,
                    RemoteNodeClinics::ClinicId,
                ))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(RemoteNodeClinics::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(RemoteNodes::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(LocalAes::Table).to_owned())
            .await
    }
}
