//! An instance whose spool copy was written again from a sender's identical retry (the copy on
//! disk was short or damaged, or a fetched-back copy in another encoding): the index takes the
//! copy's size and transfer syntax, and its forward jobs dead-lettered because of the damage go
//! back to the queue.

use super::RepoError;
use super::index_entities::instance;
use super::queue::now_ms;
use super::routing_entities::forward_job as job;
use domain::forward::JobState;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};

/// Records the rewritten copy of instance `id`; returns how many of its jobs were queued again.
pub async fn repaired(
    db: &DatabaseConnection,
    id: i64,
    size: i64,
    transfer_syntax: &str,
) -> Result<u64, RepoError> {
    let _gate = super::gate::write(db).await;
    let txn = db.begin().await?;
    instance::Entity::update_many()
        .col_expr(instance::Column::Size, Expr::value(size))
        .col_expr(
            instance::Column::TransferSyntax,
            Expr::value(transfer_syntax.to_owned()),
        )
        .filter(instance::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    let now = now_ms();
    let requeued = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(JobState::Queued.as_str()))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::DueAt, Expr::value(now))
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::InstanceId.eq(id))
        .filter(job::Column::State.eq(JobState::Dead.as_str()))
        .filter(job::Column::LastError.eq(super::queue::DAMAGED))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(requeued.rows_affected)
}
