//! The transfers overview and the operator's actions on jobs: counts per destination and
//! state, confirmations per minute over the last hour, studies in progress, dead letters;
//! retry one, retry all dead letters of a destination, cancel. Reads take the caller's scope
//! (the clinics whose jobs they may see).

use super::RepoError;
use super::index_entities::instance;
use super::queue::now_ms;
use super::routing_entities::forward_job as job;
use domain::Scope;
use domain::forward::JobState;
use domain::transfers::{DeadLetter, DestinationQueue, StudyProgress};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use std::collections::HashMap;

/// Jobs of the clinics in `scope`.
fn jobs(scope: &Scope) -> Select<job::Entity> {
    match scope.clinic_ids() {
        None => job::Entity::find(),
        Some(ids) => job::Entity::find().filter(job::Column::ClinicId.is_in(ids)),
    }
}

/// (destination id, state, jobs) of the jobs in scope.
pub async fn counts_by_state(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<(i64, String, i64)>, RepoError> {
    Ok(jobs(scope)
        .select_only()
        .column(job::Column::DestinationId)
        .column(job::Column::State)
        .column_as(Expr::col(job::Column::Id).count(), "n")
        .group_by(job::Column::DestinationId)
        .group_by(job::Column::State)
        .into_tuple()
        .all(db)
        .await?)
}

/// Fills the counters of `queues` (one per destination, already named) with the jobs in scope.
pub async fn fill_counts(
    db: &impl ConnectionTrait,
    scope: &Scope,
    queues: &mut [DestinationQueue],
) -> Result<(), RepoError> {
    let rows = counts_by_state(db, scope).await?;
    let since = now_ms() - 3_600_000;
    // Literal SQL, not a bound value: PostgreSQL must see the same expression in the select
    // list and in GROUP BY.
    let minute = || Expr::cust("done_at / 60000");
    let minutes: Vec<(i64, i64, i64)> = jobs(scope)
        .select_only()
        .column(job::Column::DestinationId)
        .column_as(minute(), "m")
        .column_as(Expr::col(job::Column::Id).count(), "n")
        .filter(job::Column::DoneAt.gte(since))
        .group_by(job::Column::DestinationId)
        .group_by(minute())
        .into_tuple()
        .all(db)
        .await?;
    let now_minute = now_ms() / 60_000;
    for q in queues.iter_mut() {
        q.per_minute = vec![0; 60];
        for (_, state, n) in rows.iter().filter(|r| r.0 == q.destination_id) {
            let n = *n as u64;
            match JobState::parse(state) {
                Ok(JobState::Queued) => q.queued = n,
                Ok(JobState::InFlight) => q.in_flight = n,
                Ok(JobState::Done) => q.done = n,
                Ok(JobState::Dead) => q.dead = n,
                Ok(JobState::Held) => q.held = n,
                Ok(JobState::Cancelled) => q.cancelled = n,
                Err(_) => {}
            }
        }
        for (_, m, n) in minutes.iter().filter(|r| r.0 == q.destination_id) {
            let age = now_minute - m;
            if (0..60).contains(&age) {
                q.per_minute[59 - age as usize] += *n as u32;
            }
        }
        q.last_error = jobs(scope)
            .filter(job::Column::DestinationId.eq(q.destination_id))
            .filter(job::Column::LastError.is_not_null())
            .filter(job::Column::State.ne(JobState::Done.as_str()))
            .order_by_desc(job::Column::UpdatedAt)
            .one(db)
            .await?
            .and_then(|j| j.last_error);
    }
    Ok(())
}

/// Studies with jobs still queued or in flight (at most `limit` study × destination pairs).
pub async fn in_progress(
    db: &impl ConnectionTrait,
    scope: &Scope,
    limit: u64,
) -> Result<Vec<StudyProgress>, RepoError> {
    let open: Vec<(i64, String)> = jobs(scope)
        .select_only()
        .column(job::Column::DestinationId)
        .column(job::Column::StudyUid)
        .filter(job::Column::State.is_in([JobState::Queued.as_str(), JobState::InFlight.as_str()]))
        .distinct()
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(open.len());
    for (dest, study) in open {
        let counts: Vec<(String, i64)> = jobs(scope)
            .select_only()
            .column(job::Column::State)
            .column_as(Expr::col(job::Column::Id).count(), "n")
            .filter(job::Column::DestinationId.eq(dest))
            .filter(job::Column::StudyUid.eq(study.as_str()))
            .group_by(job::Column::State)
            .into_tuple()
            .all(db)
            .await?;
        let of = |s: JobState| {
            counts
                .iter()
                .filter(|(st, _)| st == s.as_str())
                .map(|(_, n)| *n as u64)
                .sum::<u64>()
        };
        out.push(StudyProgress {
            destination_id: dest,
            study_uid: study,
            total: counts.iter().map(|(_, n)| *n as u64).sum(),
            done: of(JobState::Done),
            failed: of(JobState::Dead),
        });
    }
    Ok(out)
}

/// The newest dead letters (of one destination, or all).
pub async fn dead_letters(
    db: &impl ConnectionTrait,
    scope: &Scope,
    destination: Option<i64>,
    limit: u64,
) -> Result<Vec<DeadLetter>, RepoError> {
    let mut q = jobs(scope)
        .filter(job::Column::State.eq(JobState::Dead.as_str()))
        .order_by_desc(job::Column::UpdatedAt)
        .limit(limit);
    if let Some(d) = destination {
        q = q.filter(job::Column::DestinationId.eq(d));
    }
    let jobs = q.all(db).await?;
    let ids: Vec<i64> = jobs.iter().map(|j| j.instance_id).collect();
    let uids: HashMap<i64, String> = instance::Entity::find()
        .filter(instance::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|i| (i.id, i.sop_instance_uid))
        .collect();
    Ok(jobs
        .into_iter()
        .map(|j| DeadLetter {
            job_id: j.id,
            destination_id: j.destination_id,
            sop_instance_uid: uids.get(&j.instance_id).cloned().unwrap_or_default(),
            study_uid: j.study_uid,
            attempts: j.attempts,
            last_status: j.last_status,
            reason: j.last_error.unwrap_or_default(),
            at: j.updated_at,
        })
        .collect())
}

/// Puts dead letters back in the queue, due now, with a fresh attempt count: one job
/// (`job`), or every dead letter of `destination`. Returns how many.
pub async fn retry(
    db: &impl ConnectionTrait,
    job_id: Option<i64>,
    destination: Option<i64>,
) -> Result<u64, RepoError> {
    let mut q = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(JobState::Queued.as_str()))
        .col_expr(job::Column::Attempts, Expr::value(0))
        .col_expr(job::Column::DueAt, Expr::value(now_ms()))
        .col_expr(job::Column::UpdatedAt, Expr::value(now_ms()))
        .filter(job::Column::State.eq(JobState::Dead.as_str()));
    if let Some(id) = job_id {
        q = q.filter(job::Column::Id.eq(id));
    }
    if let Some(d) = destination {
        q = q.filter(job::Column::DestinationId.eq(d));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// Cancels a job that is not done (an operator gives up on it); returns whether it was.
pub async fn cancel(db: &impl ConnectionTrait, job_id: i64, by: &str) -> Result<bool, RepoError> {
    let r = job::Entity::update_many()
        .col_expr(
            job::Column::State,
            Expr::value(JobState::Cancelled.as_str()),
        )
        .col_expr(
            job::Column::LastError,
            Expr::value(format!("cancelled by {by}")),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now_ms()))
        .filter(job::Column::Id.eq(job_id))
        .filter(job::Column::State.is_in([
            JobState::Queued.as_str(),
            JobState::Dead.as_str(),
            JobState::Held.as_str(),
        ]))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}
