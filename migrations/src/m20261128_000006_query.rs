//! Query / retrieve: retrieve jobs (C-MOVE / C-GET run in the background, leased so they survive
//! a restart) and the audit trail of queries and retrieves (who, which PACS, which keys, results).

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
enum RetrieveJobs {
    Table,
    Id,
    ClinicId,
    NodeId,
    Method,
    MoveDestination,
    Model,
    PatientId,
    StudyUid,
    SeriesUids,
    State,
    Remaining,
    Completed,
    Failed,
    Warning,
    LastStatus,
    Error,
    CancelRequested,
    Attempts,
    LeaseOwner,
    LeaseUntil,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    At,
    Actor,
    ClinicId,
    Action,
    NodeId,
    Detail,
    Outcome,
    ResultCount,
}

fn retrieve_jobs() -> TableCreateStatement {
    Table::create()
        .table(RetrieveJobs::Table)
        .col(pk_auto(RetrieveJobs::Id).big_integer())
        .col(big_integer(RetrieveJobs::ClinicId))
        .col(big_integer(RetrieveJobs::NodeId))
        .col(string_len(RetrieveJobs::Method, 16))
        .col(string_len(RetrieveJobs::MoveDestination, 16).default(""))
        .col(string_len(RetrieveJobs::Model, 16))
        .col(text(RetrieveJobs::PatientId).default(""))
        .col(string_len(RetrieveJobs::StudyUid, 64))
        .col(text(RetrieveJobs::SeriesUids).default(""))
        .col(string_len(RetrieveJobs::State, 16))
        .col(integer_null(RetrieveJobs::Remaining))
        .col(integer(RetrieveJobs::Completed).default(0))
        .col(integer(RetrieveJobs::Failed).default(0))
        .col(integer(RetrieveJobs::Warning).default(0))
        .col(integer_null(RetrieveJobs::LastStatus))
        .col(text_null(RetrieveJobs::Error))
        .col(boolean(RetrieveJobs::CancelRequested).default(false))
        .col(integer(RetrieveJobs::Attempts).default(0))
        .col(text_null(RetrieveJobs::LeaseOwner))
        .col(big_integer_null(RetrieveJobs::LeaseUntil))
        .col(string_len(RetrieveJobs::CreatedBy, 64))
        .col(big_integer(RetrieveJobs::CreatedAt))
        .col(big_integer(RetrieveJobs::UpdatedAt))
        .foreign_key(
            ForeignKey::create()
                .from(RetrieveJobs::Table, RetrieveJobs::ClinicId)
                .to(Clinics::Table, Clinics::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .foreign_key(
            ForeignKey::create()
                .from(RetrieveJobs::Table, RetrieveJobs::NodeId)
                .to(RemoteNodes::Table, RemoteNodes::Id)
                .on_delete(ForeignKeyAction::Restrict),
        )
        .to_owned()
}

fn audit_events() -> TableCreateStatement {
    Table::create()
        .table(AuditEvents::Table)
        .col(pk_auto(AuditEvents::Id).big_integer())
        .col(big_integer(AuditEvents::At))
        .col(string_len(AuditEvents::Actor, 64))
        .col(big_integer_null(AuditEvents::ClinicId))
        .col(string_len(AuditEvents::Action, 32))
        .col(big_integer_null(AuditEvents::NodeId))
        .col(text(AuditEvents::Detail))
        .col(string_len(AuditEvents::Outcome, 16))
        .col(integer_null(AuditEvents::ResultCount))
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(retrieve_jobs()).await?;
        m.create_index(
            Index::create()
                .name("idx_retrieve_jobs_state")
                .table(RetrieveJobs::Table)
                .col(RetrieveJobs::State)
                .to_owned(),
        )
        .await?;
        m.create_table(audit_events()).await?;
        m.create_index(
            Index::create()
                .name("idx_audit_events_at")
                .table(AuditEvents::Table)
                .col(AuditEvents::At)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AuditEvents::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(RetrieveJobs::Table).to_owned())
            .await
    }
}
