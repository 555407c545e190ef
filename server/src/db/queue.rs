//! The forward queue in the database: jobs (instance × destination) seeded in the ingest
//! transaction, claimed by workers with a lease (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite has
//! one writer), completed with the peer's outcome. All instants here are Unix milliseconds.

use super::RepoError;
use super::index_entities::instance;
use super::routing_entities::forward_job as job;
use domain::forward::JobState;
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

/// Why a job was not sent: its spool copy is damaged. A sender's identical retry repairs the
/// copy and puts such jobs back in the queue (`db::repair`).
pub const DAMAGED: &str =
    "spool copy damaged (it no longer matches the data set received); not sent";

/// Unix milliseconds.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// A job to create with a new instance: where, by which rule, queued or held (and why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSeed {
    pub destination_id: i64,
    pub rule_name: String,
    pub held_reason: Option<String>,
}

/// Inserts the jobs of a newly indexed instance (inside the caller's transaction).
pub async fn seed(
    txn: &impl ConnectionTrait,
    instance_id: i64,
    clinic: i64,
    study_uid: &str,
    seeds: &[JobSeed],
) -> Result<(), RepoError> {
    if seeds.is_empty() {
        return Ok(());
    }
    let t = now_ms();
    let rows = seeds.iter().map(|s| job::ActiveModel {
        instance_id: Set(instance_id),
        destination_id: Set(s.destination_id),
        clinic_id: Set(clinic),
        study_uid: Set(study_uid.to_owned()),
        rule_name: Set(s.rule_name.chars().take(100).collect()),
        state: Set(if s.held_reason.is_some() {
            JobState::Held
        } else {
            JobState::Queued
        }
        .as_str()
        .to_owned()),
        attempts: Set(0),
        due_at: Set(t),
        last_error: Set(s.held_reason.clone()),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    });
    job::Entity::insert_many(rows).exec(txn).await?;
    Ok(())
}

/// A claimed job with what the sender needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub job_id: i64,
    pub attempts: i32,
    pub study_uid: String,
    pub instance: instance::Model,
}

/// Jobs that may be taken now: due and queued, or in flight with an expired lease.
fn takeable(now: i64) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(job::Column::State.eq(JobState::Queued.as_str()))
                .add(job::Column::DueAt.lte(now)),
        )
        .add(
            Condition::all()
                .add(job::Column::State.eq(JobState::InFlight.as_str()))
                .add(job::Column::LeaseUntil.lt(now)),
        )
}

/// How a worker claims: lease length, batch size, and how long a partial batch may wait for
/// more instances of its study (while a study arrives, fewer and fuller batches).
#[derive(Debug, Clone, Copy)]
pub struct ClaimPolicy {
    pub lease_ms: i64,
    pub limit: u64,
    pub linger_ms: i64,
}

/// Whether the study's due jobs should wait for more: the oldest became due less than
/// `linger_ms` ago and the batch is not full yet.
async fn lingering(
    db: &impl ConnectionTrait,
    first: &job::Model,
    now: i64,
    p: ClaimPolicy,
) -> Result<bool, RepoError> {
    if first.due_at <= now - p.linger_ms {
        return Ok(false);
    }
    use sea_orm::PaginatorTrait;
    let ready = job::Entity::find()
        .filter(job::Column::DestinationId.eq(first.destination_id))
        .filter(job::Column::StudyUid.eq(first.study_uid.as_str()))
        .filter(takeable(now))
        .count(db)
        .await?;
    Ok(ready < p.limit)
}

/// Claims up to `limit` takeable jobs of one study for `destination` (the study of the oldest
/// due job), so they travel on one association or request. Several processes may call this at
/// once on PostgreSQL: `FOR UPDATE SKIP LOCKED` gives each a disjoint set.
pub async fn claim(
    db: &sea_orm::DatabaseConnection,
    destination: i64,
    owner: &str,
    p: ClaimPolicy,
) -> Result<Vec<Claimed>, RepoError> {
    let (lease_ms, limit) = (p.lease_ms, p.limit);
    let now = now_ms();
    let first = job::Entity::find()
        .filter(job::Column::DestinationId.eq(destination))
        .filter(takeable(now))
        .order_by_asc(job::Column::DueAt)
        .order_by_asc(job::Column::Id)
        .one(db)
        .await?;
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    if lingering(db, &first, now, p).await? {
        return Ok(Vec::new());
    }
    let _gate = super::gate::write(db).await;
    let txn = db.begin().await?;
    let ids = Query::select()
        .column(job::Column::Id)
        .from(job::Entity)
        .and_where(job::Column::DestinationId.eq(destination))
        .and_where(job::Column::StudyUid.eq(first.study_uid.as_str()))
        .cond_where(takeable(now))
        .order_by(job::Column::Id, sea_orm::Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let taken = job::Entity::update_many()
        .col_expr(job::Column::State, Expr::value(JobState::InFlight.as_str()))
        .col_expr(job::Column::LeaseUntil, Expr::value(now + lease_ms))
        .col_expr(job::Column::LeaseOwner, Expr::value(owner))
        .col_expr(
            job::Column::Attempts,
            Expr::col(job::Column::Attempts).add(1),
        )
        .col_expr(job::Column::UpdatedAt, Expr::value(now))
        .filter(job::Column::Id.in_subquery(ids))
        .exec_with_returning(&txn)
        .await?;
    let instance_ids: Vec<i64> = taken.iter().map(|j| j.instance_id).collect();
    let instances = instance::Entity::find()
        .filter(instance::Column::Id.is_in(instance_ids))
        .all(&txn)
        .await?;
    txn.commit().await?;
    let mut claimed: Vec<Claimed> = taken
        .into_iter()
        .filter_map(|j| {
            let inst = instances.iter().find(|i| i.id == j.instance_id)?.clone();
            Some(Claimed {
                job_id: j.id,
                attempts: j.attempts,
                study_uid: j.study_uid,
                instance: inst,
            })
        })
        .collect();
    claimed.sort_by_key(|c| c.job_id);
    Ok(claimed)
}

/// Extends the lease of jobs still being sent by `owner`.
pub async fn renew(
    db: &sea_orm::DatabaseConnection,
    ids: &[i64],
    owner: &str,
    lease_ms: i64,
) -> Result<(), RepoError> {
    let _gate = super::gate::write(db).await;
    job::Entity::update_many()
        .col_expr(job::Column::LeaseUntil, Expr::value(now_ms() + lease_ms))
        .filter(job::Column::Id.is_in(ids.to_vec()))
        .filter(job::Column::LeaseOwner.eq(owner))
        .filter(job::Column::State.eq(JobState::InFlight.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// What became of one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finish {
    Done {
        status: Option<u16>,
    },
    /// Try again at `due_at` (ms).
    Retry {
        status: Option<u16>,
        reason: String,
        due_at: i64,
    },
    Dead {
        status: Option<u16>,
        reason: String,
    },
}

/// Records outcomes of jobs claimed by `owner`, in one transaction. A job whose lease another
/// worker took over meanwhile is left to that worker. Returns the instance ids whose jobs are
/// now all finished (candidates for release).
pub async fn finish(
    db: &sea_orm::DatabaseConnection,
    owner: &str,
    outcomes: &[(i64, Finish)],
) -> Result<Vec<i64>, RepoError> {
    let gate = super::gate::write(db).await;
    let txn = db.begin().await?;
    let t = now_ms();
    // Outcomes alike (most often: all done, same status) are written by one statement.
    let mut groups: Vec<(&Finish, Vec<i64>)> = Vec::new();
    for (id, f) in outcomes {
        match groups.iter_mut().find(|(g, _)| *g == f) {
            Some((_, ids)) => ids.push(*id),
            None => groups.push((f, vec![*id])),
        }
    }
    let mut done_ids = Vec::new();
    for (f, ids) in groups {
        let (state, status, error, due, done_at) = match f {
            Finish::Done { status } => (JobState::Done, *status, None, None, Some(t)),
            Finish::Retry {
                status,
                reason,
                due_at,
            } => (JobState::Queued, *status, Some(reason), Some(*due_at), None),
            Finish::Dead { status, reason } => (JobState::Dead, *status, Some(reason), None, None),
        };
        let mut q = job::Entity::update_many()
            .col_expr(job::Column::State, Expr::value(state.as_str()))
            .col_expr(job::Column::LastStatus, Expr::value(status.map(i32::from)))
            .col_expr(job::Column::LeaseUntil, Expr::value(Option::<i64>::None))
            .col_expr(job::Column::UpdatedAt, Expr::value(t));
        if let Some(e) = error {
            q = q.col_expr(job::Column::LastError, Expr::value(e.clone()));
        }
        if let Some(d) = due {
            q = q.col_expr(job::Column::DueAt, Expr::value(d));
        }
        if let Some(d) = done_at {
            q = q.col_expr(job::Column::DoneAt, Expr::value(d));
            done_ids.extend_from_slice(&ids);
        }
        q.filter(job::Column::Id.is_in(ids))
            .filter(job::Column::LeaseOwner.eq(owner))
            .filter(job::Column::State.eq(JobState::InFlight.as_str()))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    drop(gate);
    // Read after the commit: two senders finishing the last jobs of one instance at the same
    // time would each see the other's job still open inside their own transaction (PostgreSQL,
    // read committed), and neither would release it. Both may see it done here; releasing twice
    // is harmless.
    all_finished(db, &done_ids).await
}

/// Of the instances of `job_ids`, those with every job done. A cancelled job is not a
/// confirmation: an instance an operator gave up sending somewhere stays in the spool.
async fn all_finished(txn: &impl ConnectionTrait, job_ids: &[i64]) -> Result<Vec<i64>, RepoError> {
    if job_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut instances: Vec<i64> = job::Entity::find()
        .filter(job::Column::Id.is_in(job_ids.to_vec()))
        .all(txn)
        .await?
        .into_iter()
        .map(|j| j.instance_id)
        .collect();
    instances.sort_unstable();
    instances.dedup();
    let open = job::Entity::find()
        .filter(job::Column::InstanceId.is_in(instances.clone()))
        .filter(
            job::Column::State.is_not_in([JobState::Done.as_str(), JobState::Cancelled.as_str()]),
        )
        .all(txn)
        .await?;
    instances.retain(|i| !open.iter().any(|j| j.instance_id == *i));
    Ok(instances)
}

/// Marks instances as released from the spool (the caller then removes the files).
pub async fn mark_purged(
    db: &sea_orm::DatabaseConnection,
    instance_ids: &[i64],
) -> Result<Vec<String>, RepoError> {
    let _gate = super::gate::write(db).await;
    let rows = instance::Entity::find()
        .filter(instance::Column::Id.is_in(instance_ids.to_vec()))
        .filter(instance::Column::PurgedAt.is_null())
        .all(db)
        .await?;
    instance::Entity::update_many()
        .col_expr(instance::Column::PurgedAt, Expr::value(super::now()))
        .filter(instance::Column::Id.is_in(rows.iter().map(|r| r.id).collect::<Vec<_>>()))
        .exec(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.spool_path).collect())
}

/// Inserts one job directly (tests and repairs).
pub async fn insert_job(db: &impl ConnectionTrait, am: job::ActiveModel) -> Result<i64, RepoError> {
    Ok(am.insert(db).await?.id)
}

/// Up to `limit` unreleased instances received at or before `cutoff` (seconds) that have at
/// least one job and whose jobs are all done (confirmed by their destination, which can give
/// the instance back: WADO-RS or C-GET, over TLS too).
pub async fn releasable(
    db: &impl ConnectionTrait,
    cutoff: i64,
    limit: u64,
) -> Result<Vec<i64>, RepoError> {
    let jobs_of = || {
        Query::select()
            .expr(Expr::val(1))
            .from(job::Entity)
            .and_where(
                Expr::col((job::Entity, job::Column::InstanceId))
                    .equals((instance::Entity, instance::Column::Id)),
            )
            .to_owned()
    };
    let open = jobs_of()
        .and_where(Expr::col((job::Entity, job::Column::State)).ne(JobState::Done.as_str()))
        .to_owned();
    let rows = instance::Entity::find()
        .filter(instance::Column::PurgedAt.is_null())
        .filter(instance::Column::ReceivedAt.lte(cutoff))
        .filter(Expr::exists(jobs_of()))
        .filter(Expr::exists(open).not())
        .limit(limit)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
