//! Accounts: clinics, users, user–clinic membership and the HTTP session store.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clinics {
    Table,
    Id,
    Code,
    Name,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Username,
    DisplayName,
    Role,
    PasswordHash,
    Active,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserClinics {
    Table,
    UserId,
    ClinicId,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    Data,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Clinics::Table)
                .col(pk_auto(Clinics::Id).big_integer())
                .col(string_len_uniq(Clinics::Code, 16))
                .col(string_len(Clinics::Name, 128))
                .col(boolean(Clinics::Active).default(true))
                .col(big_integer(Clinics::CreatedAt))
                .col(big_integer(Clinics::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_auto(Users::Id).big_integer())
                .col(string_len_uniq(Users::Username, 64))
                .col(string_len(Users::DisplayName, 128))
                .col(string_len(Users::Role, 32))
                .col(string_len(Users::PasswordHash, 256))
                .col(boolean(Users::Active).default(true))
                .col(big_integer(Users::CreatedAt))
                .col(big_integer(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UserClinics::Table)
                .col(big_integer(UserClinics::UserId))
                .col(big_integer(UserClinics::ClinicId))
                .primary_key(
                    Index::create()
                        .col(UserClinics::UserId)
                        .col(UserClinics::ClinicId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UserClinics::Table, UserClinics::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(UserClinics::Table, UserClinics::ClinicId)
                        .to(Clinics::Table, Clinics::Id)
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_user_clinics_clinic")
                .table(UserClinics::Table)
                .col(UserClinics::ClinicId)
                .to_owned(),
        )
        .await?;
        create_sessions(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(UserClinics::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Users::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Clinics::Table).to_owned())
            .await
    }
}

/// The tower-sessions store: the record is opaque (MessagePack); `user_id` is copied out of it so
/// that deactivating a user can end all of their sessions at once.
async fn create_sessions(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(Sessions::Table)
            .col(string_len(Sessions::Id, 64).primary_key())
            .col(big_integer_null(Sessions::UserId))
            .col(blob(Sessions::Data))
            .col(big_integer(Sessions::ExpiresAt))
            .to_owned(),
    )
    .await?;
    for (name, col) in [
        ("idx_sessions_user", Sessions::UserId),
        ("idx_sessions_expires", Sessions::ExpiresAt),
    ] {
        m.create_index(
            Index::create()
                .name(name)
                .table(Sessions::Table)
                .col(col)
                .to_owned(),
        )
        .await?;
    }
    Ok(())
}
