//! DICOMweb access tokens: issued to a user or an application, scoped to clinics, revocable,
//! optionally expiring. Only a hash of the secret is stored.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    SecretHash,
    UserId,
    Clinics,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    LastUsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(pk_auto(ApiTokens::Id).big_integer())
                .col(string_len(ApiTokens::Name, 64))
                .col(string_len(ApiTokens::SecretHash, 64))
                .col(big_integer_null(ApiTokens::UserId))
                .col(text(ApiTokens::Clinics))
                .col(string_len(ApiTokens::CreatedBy, 64))
                .col(big_integer(ApiTokens::CreatedAt))
                .col(big_integer_null(ApiTokens::ExpiresAt))
                .col(big_integer_null(ApiTokens::RevokedAt))
                .col(big_integer_null(ApiTokens::LastUsedAt))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ApiTokens::Table).to_owned())
            .await
    }
}
