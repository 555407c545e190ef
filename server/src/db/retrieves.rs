//! Retrieve jobs: created by a user, claimed by a runner with a lease (a job whose runner died is
//! taken again when the lease runs out, so a retrieve survives a restart), progress and cancel
//! requests written while it runs. Reads take the caller's scope.

use super::RepoError;
use super::queue::now_ms;
use domain::Scope;
use domain::query::{RetrieveState, SubOps};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

entity!(retrieve_job, "retrieve_jobs", "One C-MOVE or C-GET asked for by a user.", {
    clinic_id: i64, node_id: i64, method: String, move_destination: String, model: String,
    patient_id: String, study_uid: String, series_uids: String, state: String,
    remaining: Option<i32>, completed: i32, failed: i32, warning: i32, last_status: Option<i32>,
    error: Option<String>, cancel_requested: bool, attempts: i32, lease_owner: Option<String>,
    lease_until: Option<i64>, created_by: String, created_at: i64, updated_at: i64,
});

pub use retrieve_job::Model as RetrieveJob;
use retrieve_job::{ActiveModel, Column, Entity};

/// What a new job records.
pub struct NewRetrieve<'a> {
    pub clinic_id: i64,
    pub node_id: i64,
    pub method: &'a str,
    pub move_destination: &'a str,
    pub model: &'a str,
    pub patient_id: &'a str,
    pub study_uid: &'a str,
    pub series_uids: &'a [String],
    pub created_by: &'a str,
}

pub async fn create(
    db: &impl ConnectionTrait,
    n: NewRetrieve<'_>,
) -> Result<RetrieveJob, RepoError> {
    let t = now_ms();
    let am = ActiveModel {
        clinic_id: Set(n.clinic_id),
        node_id: Set(n.node_id),
        method: Set(n.method.to_owned()),
        move_destination: Set(n.move_destination.to_owned()),
        model: Set(n.model.to_owned()),
        patient_id: Set(n.patient_id.to_owned()),
        study_uid: Set(n.study_uid.to_owned()),
        series_uids: Set(n.series_uids.join("\\")),
        state: Set(RetrieveState::Queued.as_str().to_owned()),
        remaining: Set(None),
        completed: Set(0),
        failed: Set(0),
        warning: Set(0),
        last_status: Set(None),
        error: Set(None),
        cancel_requested: Set(false),
        attempts: Set(0),
        lease_owner: Set(None),
        lease_until: Set(None),
        created_by: Set(n.created_by.to_owned()),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    };
    Ok(am.insert(db).await?)
}

fn scoped(scope: &Scope) -> Condition {
    match scope.clinic_ids() {
        None => Condition::all(),
        Some(ids) => Condition::all().add(Column::ClinicId.is_in(ids)),
    }
}

/// The most recent jobs of the clinics in scope.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    limit: u64,
) -> Result<Vec<RetrieveJob>, RepoError> {
    Ok(Entity::find()
        .filter(scoped(scope))
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<RetrieveJob, RepoError> {
    Entity::find_by_id(id)
        .filter(scoped(scope))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)
}

/// A queued job is cancelled at once; a running one is asked to stop (its runner sends
/// C-CANCEL). Final jobs are left as they are.
pub async fn request_cancel(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<RetrieveJob, RepoError> {
    let job = get(db, scope, id).await?;
    let t = now_ms();
    Entity::update_many()
        .col_expr(
            Column::State,
            Expr::value(RetrieveState::Cancelled.as_str()),
        )
        .col_expr(Column::UpdatedAt, Expr::value(t))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(RetrieveState::Queued.as_str()))
        .exec(db)
        .await?;
    Entity::update_many()
        .col_expr(Column::CancelRequested, Expr::value(true))
        .col_expr(Column::UpdatedAt, Expr::value(t))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(RetrieveState::Running.as_str()))
        .exec(db)
        .await?;
    get(db, scope, job.id).await
}

/// Takes one queued job, or a running job whose lease ran out, for `owner`.
pub async fn claim(
    db: &impl ConnectionTrait,
    owner: &str,
    lease_ms: i64,
) -> Result<Option<RetrieveJob>, RepoError> {
    let now = now_ms();
    let takeable = Condition::any()
        .add(Column::State.eq(RetrieveState::Queued.as_str()))
        .add(
            Condition::all()
                .add(Column::State.eq(RetrieveState::Running.as_str()))
                .add(Column::LeaseUntil.lt(now)),
        );
    let candidates = Entity::find()
        .filter(takeable.clone())
        .order_by_asc(Column::Id)
        .limit(4)
        .all(db)
        .await?;
    for c in candidates {
        // Compare-and-set on the lease: two runners never take the same job.
        let r = Entity::update_many()
            .col_expr(Column::State, Expr::value(RetrieveState::Running.as_str()))
            .col_expr(Column::LeaseOwner, Expr::value(owner))
            .col_expr(Column::LeaseUntil, Expr::value(now + lease_ms))
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .filter(Column::Id.eq(c.id))
            .filter(takeable.clone())
            .exec(db)
            .await?;
        if r.rows_affected == 1 {
            return Ok(Entity::find_by_id(c.id).one(db).await?);
        }
    }
    Ok(None)
}

/// Sets the sub-operation counts of an update.
fn with_subops(u: sea_orm::UpdateMany<Entity>, s: SubOps) -> sea_orm::UpdateMany<Entity> {
    let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    u.col_expr(Column::Remaining, Expr::value(s.remaining.map(n)))
        .col_expr(Column::Completed, Expr::value(n(s.completed)))
        .col_expr(Column::Failed, Expr::value(n(s.failed)))
        .col_expr(Column::Warning, Expr::value(n(s.warning)))
}

/// Records progress and renews the lease; returns whether a cancel was requested, or `None`
/// if the job is no longer this runner's.
pub async fn progress(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    s: SubOps,
    lease_ms: i64,
) -> Result<Option<bool>, RepoError> {
    let now = now_ms();
    let r = with_subops(Entity::update_many(), s)
        .col_expr(Column::LeaseUntil, Expr::value(now + lease_ms))
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Id.eq(id))
        .filter(Column::LeaseOwner.eq(owner))
        .filter(Column::State.eq(RetrieveState::Running.as_str()))
        .exec(db)
        .await?;
    if r.rows_affected != 1 {
        return Ok(None);
    }
    Ok(Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|j| j.cancel_requested))
}

/// The end of a job.
pub struct Finish<'a> {
    pub state: RetrieveState,
    pub subops: SubOps,
    pub status: Option<u16>,
    pub error: Option<&'a str>,
}

pub async fn finish(
    db: &impl ConnectionTrait,
    id: i64,
    owner: &str,
    f: Finish<'_>,
) -> Result<(), RepoError> {
    let s = f.subops;
    with_subops(Entity::update_many(), s)
        .col_expr(Column::State, Expr::value(f.state.as_str()))
        .col_expr(Column::LastStatus, Expr::value(f.status.map(i32::from)))
        .col_expr(Column::Error, Expr::value(f.error.map(str::to_owned)))
        .col_expr(Column::LeaseOwner, Expr::value(Option::<String>::None))
        .col_expr(Column::LeaseUntil, Expr::value(Option::<i64>::None))
        .col_expr(Column::UpdatedAt, Expr::value(now_ms()))
        .filter(Column::Id.eq(id))
        .filter(Column::LeaseOwner.eq(owner))
        .exec(db)
        .await?;
    Ok(())
}
