//! Performed procedure steps in the workflow (PS3.4 Annex F): an N-CREATE stores the step with
//! the orders of its Scheduled Step Attributes Sequence (by Study Instance UID, else accession,
//! in the called AE's clinic; a step matching none is kept unlinked), an N-SET changes it while
//! IN PROGRESS; after each, every order it performs takes the status its steps imply, where the
//! order's lifecycle allows. One transaction each: nothing half-written is acknowledged.

use crate::db::orders as order_repo;
use crate::db::performed_steps as repo;
use crate::db::registry_entities::order;
use crate::db::{RepoError, gate};
use crate::state::AppState;
use domain::mpps::{self, PpsAttrs, PpsError, PpsStatus, Stored};
use domain::orders::{OrderStatus, UnmatchedStep};
use domain::views::SessionUser;
use domain::{ClinicId, Permission};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

/// The steps of the user's clinics that perform no order (for reconciliation).
pub async fn unlinked(
    state: &AppState,
    user: &SessionUser,
) -> crate::workflow::Result<Vec<UnmatchedStep>> {
    super::require(user, Permission::ViewRegistry)?;
    Ok(repo::unlinked(&state.db, &user.scope()).await?)
}

/// Why an N-CREATE or N-SET was not applied.
#[derive(Debug, thiserror::Error)]
pub enum MppsError {
    /// Refused by the rules of Annex F (the DIMSE status says which).
    #[error(transparent)]
    Rule(#[from] PpsError),
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl From<sea_orm::DbErr> for MppsError {
    fn from(e: sea_orm::DbErr) -> Self {
        MppsError::Repo(e.into())
    }
}

/// Who reported a step: the calling AE title, in order histories.
fn actor(calling: &str) -> String {
    format!("mpps:{calling}").chars().take(64).collect()
}

/// The orders of the clinic the scheduled steps name (Study Instance UID first, else accession).
async fn orders_named(
    db: &impl ConnectionTrait,
    clinic: ClinicId,
    a: &PpsAttrs,
) -> Result<Vec<i64>, RepoError> {
    let mut ids = Vec::new();
    for s in a.scheduled.iter().flatten() {
        let mut any = Condition::any().add(order::Column::StudyUid.eq(s.study_uid.text()));
        if !s.accession.is_empty() {
            any = any.add(order::Column::Accession.eq(s.accession.as_str()));
        }
        let found = order::Entity::find()
            .filter(order::Column::ClinicId.eq(clinic.0))
            .filter(any)
            .all(db)
            .await?;
        let pick = found
            .iter()
            .find(|o| o.study_uid == s.study_uid.text())
            .or(found.first());
        if let Some(o) = pick.filter(|o| !ids.contains(&o.id)) {
            ids.push(o.id);
        }
    }
    Ok(ids)
}

/// Moves an order to the status its steps imply, when its lifecycle allows it (an order
/// already reported or cancelled is left as it is).
async fn follow(
    db: &impl ConnectionTrait,
    order_id: i64,
    who: &str,
    note: &str,
) -> Result<(), RepoError> {
    let statuses: Vec<PpsStatus> = repo::of_order(db, order_id)
        .await?
        .iter()
        .filter_map(|s| PpsStatus::parse(&s.status))
        .collect();
    let Some(target) = mpps::order_status(&statuses) else {
        return Ok(());
    };
    let Some(row) = order::Entity::find_by_id(order_id).one(db).await? else {
        return Ok(());
    };
    let current = OrderStatus::parse(&row.status).unwrap_or(OrderStatus::Scheduled);
    match current.to(target) {
        Ok(true) => {
            order_repo::set_status(db, order_id, target, who, note).await?;
        }
        Ok(false) => {}
        Err(e) => tracing::info!(order_id, error = %e, "order left as it is by MPPS"),
    }
    Ok(())
}

/// N-CREATE: a new step, IN PROGRESS.
pub async fn create(
    db: &DatabaseConnection,
    clinic: ClinicId,
    sop_uid: &str,
    calling: &str,
    a: &PpsAttrs,
) -> Result<(), MppsError> {
    mpps::check_create(a)?;
    let _guard = gate::write(db).await;
    let txn = db.begin().await?;
    let id = match repo::insert(&txn, clinic, sop_uid, calling, a).await {
        Err(RepoError::Conflict(_)) => return Err(PpsError::Duplicate.into()),
        other => other?,
    };
    if let Some(series) = &a.series {
        repo::replace_series(&txn, id, series).await?;
    }
    let orders = orders_named(&txn, clinic, a).await?;
    repo::link_orders(&txn, id, &orders).await?;
    let note = format!("MPPS {sop_uid} IN PROGRESS");
    for o in orders {
        follow(&txn, o, &actor(calling), &note).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// N-SET: changes a step of the clinic that is still IN PROGRESS.
pub async fn set(
    db: &DatabaseConnection,
    clinic: ClinicId,
    sop_uid: &str,
    calling: &str,
    a: &PpsAttrs,
) -> Result<(), MppsError> {
    let _guard = gate::write(db).await;
    let txn = db.begin().await?;
    let row = repo::find(&txn, sop_uid)
        .await?
        .filter(|r| r.clinic_id == clinic.0)
        .ok_or(PpsError::NoSuchInstance)?;
    let stored = Stored {
        status: PpsStatus::parse(&row.status).unwrap_or(PpsStatus::InProgress),
        has_end: !row.end_date.is_empty() && !row.end_time.is_empty(),
        has_series: repo::has_series(&txn, row.id).await?,
    };
    let to = mpps::check_set(stored, a)?;
    repo::update(&txn, &row, to, a).await?;
    if let Some(series) = &a.series {
        repo::replace_series(&txn, row.id, series).await?;
    }
    let note = format!("MPPS {sop_uid} {}", to.dicom());
    for o in repo::orders_of(&txn, row.id).await? {
        follow(&txn, o, &actor(calling), &note).await?;
    }
    txn.commit().await?;
    Ok(())
}
