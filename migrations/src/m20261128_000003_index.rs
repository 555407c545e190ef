//! The index of received instances: patients, studies, series, instances (each in one clinic),
//! earlier versions of conflicting duplicates, and ingest events.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clinics {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Patients {
    Table,
    Id,
    ClinicId,
    PatientKey,
    Name,
    BirthDate,
    Sex,
}

#[derive(DeriveIden)]
enum Studies {
    Table,
    Id,
    ClinicId,
    PatientId,
    StudyUid,
    StudyDate,
    StudyTime,
    Accession,
    Description,
    ReferringPhysician,
    Modalities,
    InstanceCount,
    SourceAe,
    ReceivedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)] // column names are the schema's
enum Series {
    Table,
    Id,
    StudyId,
    SeriesUid,
    Modality,
    Number,
    Description,
    BodyPart,
    InstanceCount,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
    ClinicId,
    SeriesId,
    SopInstanceUid,
    SopClassUid,
    InstanceNumber,
    TransferSyntax,
    Size,
    Digest,
    SpoolPath,
    CallingAe,
    CalledAe,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum InstanceVersions {
    Table,
    Id,
    InstanceId,
    SpoolPath,
    Digest,
    Size,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum IngestEvents {
    Table,
    Id,
    At,
    ClinicId,
    Kind,
    SopInstanceUid,
    CallingAe,
    Detail,
}

fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    cascade: bool,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(if cascade {
            ForeignKeyAction::Cascade
        } else {
            ForeignKeyAction::Restrict
        })
        .to_owned()
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c);
    }
    if unique {
        i.unique();
    }
    m.create_index(i.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Patients::Table)
                .col(pk_auto(Patients::Id).big_integer())
                .col(big_integer(Patients::ClinicId))
                .col(string_len(Patients::PatientKey, 64))
                .col(string_len(Patients::Name, 324))
                .col(string_len(Patients::BirthDate, 8))
                .col(string_len(Patients::Sex, 16))
                .foreign_key(&mut fk(
                    (Patients::Table, Patients::ClinicId),
                    (Clinics::Table, Clinics::Id),
                    false,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_patients_clinic_key",
            Patients::Table,
            vec![
                Patients::ClinicId.into_iden(),
                Patients::PatientKey.into_iden(),
            ],
            true,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Studies::Table)
                .col(pk_auto(Studies::Id).big_integer())
                .col(big_integer(Studies::ClinicId))
                .col(big_integer(Studies::PatientId))
                .col(string_len(Studies::StudyUid, 64))
                .col(string_len(Studies::StudyDate, 8))
                .col(string_len(Studies::StudyTime, 16))
                .col(string_len(Studies::Accession, 16))
                .col(string_len(Studies::Description, 64))
                .col(string_len(Studies::ReferringPhysician, 324))
                .col(string_len(Studies::Modalities, 64))
                .col(big_integer(Studies::InstanceCount).default(0))
                .col(string_len(Studies::SourceAe, 16))
                .col(big_integer(Studies::ReceivedAt))
                .col(big_integer(Studies::UpdatedAt))
                .foreign_key(&mut fk(
                    (Studies::Table, Studies::ClinicId),
                    (Clinics::Table, Clinics::Id),
                    false,
                ))
                .foreign_key(&mut fk(
                    (Studies::Table, Studies::PatientId),
                    (Patients::Table, Patients::Id),
                    false,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_studies_clinic_uid",
            Studies::Table,
            vec![Studies::ClinicId.into_iden(), Studies::StudyUid.into_iden()],
            true,
        )
        .await?;
        index(
            m,
            "ix_studies_clinic_date",
            Studies::Table,
            vec![
                Studies::ClinicId.into_iden(),
                Studies::StudyDate.into_iden(),
            ],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Series::Table)
                .col(pk_auto(Series::Id).big_integer())
                .col(big_integer(Series::StudyId))
                .col(string_len(Series::SeriesUid, 64))
                .col(string_len(Series::Modality, 16))
                .col(string_len(Series::Number, 12))
                .col(string_len(Series::Description, 64))
                .col(string_len(Series::BodyPart, 16))
                .col(big_integer(Series::InstanceCount).default(0))
                .foreign_key(&mut fk(
                    (Series::Table, Series::StudyId),
                    (Studies::Table, Studies::Id),
                    true,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_series_study_uid",
            Series::Table,
            vec![Series::StudyId.into_iden(), Series::SeriesUid.into_iden()],
            true,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Instances::Table)
                .col(pk_auto(Instances::Id).big_integer())
                .col(big_integer(Instances::ClinicId))
                .col(big_integer(Instances::SeriesId))
                .col(string_len(Instances::SopInstanceUid, 64))
                .col(string_len(Instances::SopClassUid, 64))
                .col(string_len(Instances::InstanceNumber, 12))
                .col(string_len(Instances::TransferSyntax, 64))
                .col(big_integer(Instances::Size))
                .col(string_len(Instances::Digest, 64))
                .col(string_len(Instances::SpoolPath, 128))
                .col(string_len(Instances::CallingAe, 16))
                .col(string_len(Instances::CalledAe, 16))
                .col(big_integer(Instances::ReceivedAt))
                .foreign_key(&mut fk(
                    (Instances::Table, Instances::ClinicId),
                    (Clinics::Table, Clinics::Id),
                    false,
                ))
                .foreign_key(&mut fk(
                    (Instances::Table, Instances::SeriesId),
                    (Series::Table, Series::Id),
                    true,
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_instances_clinic_uid",
            Instances::Table,
            vec![
                Instances::ClinicId.into_iden(),
                Instances::SopInstanceUid.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            m,
            "ix_instances_series",
            Instances::Table,
            vec![Instances::SeriesId.into_iden()],
            false,
        )
        .await?;
        m.create_table(
            Table::create()
                .table(InstanceVersions::Table)
                .col(pk_auto(InstanceVersions::Id).big_integer())
                .col(big_integer(InstanceVersions::InstanceId))
                .col(string_len(InstanceVersions::SpoolPath, 128))
                .col(string_len(InstanceVersions::Digest, 64))
                .col(big_integer(InstanceVersions::Size))
                .col(big_integer(InstanceVersions::ReceivedAt))
                .foreign_key(&mut fk(
                    (InstanceVersions::Table, InstanceVersions::InstanceId),
                    (Instances::Table, Instances::Id),
                    true,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IngestEvents::Table)
                .col(pk_auto(IngestEvents::Id).big_integer())
                .col(big_integer(IngestEvents::At))
                .col(big_integer_null(IngestEvents::ClinicId))
                .col(string_len(IngestEvents::Kind, 32))
                .col(string_len(IngestEvents::SopInstanceUid, 64))
                .col(string_len(IngestEvents::CallingAe, 16))
                .col(text(IngestEvents::Detail))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            IngestEvents::Table.into_iden(),
            InstanceVersions::Table.into_iden(),
            Instances::Table.into_iden(),
            Series::Table.into_iden(),
            Studies::Table.into_iden(),
            Patients::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
