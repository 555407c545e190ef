//! Routing and store-and-forward: destinations, ordered rules with their history, forward jobs
//! (instance × destination, leased by workers), and the purge mark on instances.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Clinics {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum RemoteNodes {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Instances {
    Table,
    Id,
    PurgedAt,
}

#[derive(DeriveIden)]
enum Series {
    Table,
    RouteFacts,
}

#[derive(DeriveIden)]
enum Destinations {
    Table,
    Id,
    Name,
    NodeId,
    Kind,
    StowUrl,
    AuthKind,
    AuthUser,
    AuthSecret,
    Enabled,
    Paused,
    MaxConcurrency,
    RetryBaseSeconds,
    RetryMaxSeconds,
    RetryMaxAttempts,
    TimeoutSeconds,
    PiaReference,
    PiaRecordedBy,
    PiaRecordedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RoutingRules {
    Table,
    Id,
    ClinicId,
    Position,
    Name,
    Enabled,
    Definition,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RuleVersions {
    Table,
    Id,
    RuleId,
    RuleName,
    ChangedBy,
    ChangedAt,
    Before,
    After,
}

#[derive(DeriveIden, Clone)]
enum ForwardJobs {
    Table,
    Id,
    InstanceId,
    DestinationId,
    ClinicId,
    StudyUid,
    RuleName,
    State,
    Attempts,
    DueAt,
    LeaseUntil,
    LeaseOwner,
    LastStatus,
    LastError,
    CreatedAt,
    UpdatedAt,
    DoneAt,
}

fn destinations() -> TableCreateStatement {
    Table::create()
        .table(Destinations::Table)
        .col(pk_auto(Destinations::Id).big_integer())
        .col(string_len_uniq(Destinations::Name, 64))
        .col(big_integer(Destinations::NodeId))
        .col(string_len(Destinations::Kind, 16))
        .col(text(Destinations::StowUrl).default(""))
        .col(string_len(Destinations::AuthKind, 16).default("none"))
        .col(text(Destinations::AuthUser).default(""))
        .col(text(Destinations::AuthSecret).default(""))
        .col(boolean(Destinations::Enabled).default(true))
        .col(boolean(Destinations::Paused).default(false))
        .col(integer(Destinations::MaxConcurrency).default(2))
        .col(integer(Destinations::RetryBaseSeconds).default(5))
        .col(integer(Destinations::RetryMaxSeconds).default(600))
        .col(integer(Destinations::RetryMaxAttempts).default(20))
        .col(integer(Destinations::TimeoutSeconds).default(30))
        .col(text_null(Destinations::PiaReference))
        .col(text_null(Destinations::PiaRecordedBy))
        .col(big_integer_null(Destinations::PiaRecordedAt))
        .col(big_integer(Destinations::CreatedAt))
        .col(big_integer(Destinations::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(Destinations::Table, Destinations::NodeId)
                .to(RemoteNodes::Table, RemoteNodes::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn rules() -> TableCreateStatement {
    Table::create()
        .table(RoutingRules::Table)
        .col(pk_auto(RoutingRules::Id).big_integer())
        .col(big_integer_null(RoutingRules::ClinicId))
        .col(integer(RoutingRules::Position))
        .col(string_len(RoutingRules::Name, 100))
        .col(boolean(RoutingRules::Enabled).default(true))
        .col(text(RoutingRules::Definition))
        .col(big_integer(RoutingRules::CreatedAt))
        .col(big_integer(RoutingRules::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(RoutingRules::Table, RoutingRules::ClinicId)
                .to(Clinics::Table, Clinics::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn versions() -> TableCreateStatement {
    Table::create()
        .table(RuleVersions::Table)
        .col(pk_auto(RuleVersions::Id).big_integer())
        .col(big_integer(RuleVersions::RuleId))
        .col(string_len(RuleVersions::RuleName, 100))
        .col(text(RuleVersions::ChangedBy))
        .col(big_integer(RuleVersions::ChangedAt))
        .col(text_null(RuleVersions::Before))
        .col(text_null(RuleVersions::After))
        .to_owned()
}

fn jobs() -> TableCreateStatement {
    Table::create()
        .table(ForwardJobs::Table)
        .col(pk_auto(ForwardJobs::Id).big_integer())
        .col(big_integer(ForwardJobs::InstanceId))
        .col(big_integer(ForwardJobs::DestinationId))
        .col(big_integer(ForwardJobs::ClinicId))
        .col(string_len(ForwardJobs::StudyUid, 64))
        .col(string_len(ForwardJobs::RuleName, 100))
        .col(string_len(ForwardJobs::State, 16))
        .col(integer(ForwardJobs::Attempts).default(0))
        .col(big_integer(ForwardJobs::DueAt))
        .col(big_integer_null(ForwardJobs::LeaseUntil))
        .col(string_len_null(ForwardJobs::LeaseOwner, 64))
        .col(integer_null(ForwardJobs::LastStatus))
        .col(text_null(ForwardJobs::LastError))
        .col(big_integer(ForwardJobs::CreatedAt))
        .col(big_integer(ForwardJobs::UpdatedAt))
        .col(big_integer_null(ForwardJobs::DoneAt))
        .foreign_key(
            ForeignKey::create()
                .from(ForwardJobs::Table, ForwardJobs::InstanceId)
                .to(Instances::Table, Instances::Id)
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .from(ForwardJobs::Table, ForwardJobs::DestinationId)
                .to(Destinations::Table, Destinations::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[ForwardJobs]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c.clone());
    }
    i.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForwardJobs as J;
        m.create_table(destinations()).await?;
        m.create_table(rules()).await?;
        m.create_table(versions()).await?;
        m.create_table(jobs()).await?;
        let indexes = [
            index(
                "ix_jobs_due",
                J::Table,
                &[J::DestinationId, J::State, J::DueAt],
            ),
            index("ix_jobs_instance", J::Table, &[J::InstanceId]),
            index("ix_jobs_study", J::Table, &[J::StudyUid]),
            index("ix_jobs_done", J::Table, &[J::DestinationId, J::DoneAt]),
        ];
        for i in indexes {
            m.create_index(i).await?;
        }
        m.alter_table(
            Table::alter()
                .table(Instances::Table)
                .add_column(ColumnDef::new(Instances::PurgedAt).big_integer().null())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Series::Table)
                .add_column(
                    ColumnDef::new(Series::RouteFacts)
                        .text()
                        .not_null()
                        .default(""),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Series::Table)
                .drop_column(Series::RouteFacts)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Instances::Table)
                .drop_column(Instances::PurgedAt)
                .to_owned(),
        )
        .await?;
        for t in [
            ForwardJobs::Table.into_iden(),
            RuleVersions::Table.into_iden(),
            RoutingRules::Table.into_iden(),
            Destinations::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
