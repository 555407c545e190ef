//! Indexes for the DICOMweb door at scale (100k studies): studies of a clinic newest first
//! (QIDO-RS order: date, time, id) without a sort of the whole table, and a patient's studies.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Studies {
    Table,
    Id,
    ClinicId,
    PatientId,
    StudyDate,
    StudyTime,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_studies_clinic_newest")
                .table(Studies::Table)
                .col(Studies::ClinicId)
                .col(Studies::StudyDate)
                .col(Studies::StudyTime)
                .col(Studies::Id)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_studies_patient")
                .table(Studies::Table)
                .col(Studies::PatientId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_studies_patient")
                .table(Studies::Table)
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ix_studies_clinic_newest")
                .table(Studies::Table)
                .to_owned(),
        )
        .await
    }
}
