//! Referring physicians, radiologists and the procedure catalogue: lists and editors, with
//! their permissions (staff and administrators manage physicians and procedures of their
//! clinics; administrators manage radiologists' profiles; radiologists and staff read them).

use super::{Result, WorkflowError, require, require_in};
use crate::db::entities::user;
use crate::db::{RepoError, gate, physicians, procedures, radiologists};
use crate::state::AppState;
use domain::registry::{
    FieldError, FieldName, PhysicianInput, PhysicianView, Problem, ProcedureInput, ProcedureView,
    RadiologistInput, RadiologistView,
};
use domain::views::SessionUser;
use domain::{ClinicId, Permission, Role};
use sea_orm::{EntityTrait, TransactionTrait};

pub async fn physicians(
    state: &AppState,
    user: &SessionUser,
    text: &str,
) -> Result<Vec<PhysicianView>> {
    require(user, Permission::ViewRegistry)?;
    Ok(physicians::list(&state.db, &user.scope(), text, 500).await?)
}

pub async fn physician(state: &AppState, user: &SessionUser, id: i64) -> Result<PhysicianView> {
    require(user, Permission::ViewRegistry)?;
    Ok(physicians::get(&state.db, &user.scope(), id).await?)
}

/// The account linked to a profile must exist and have the expected role.
async fn check_user(state: &AppState, id: i64, role: Role, field: FieldName) -> Result<()> {
    let u = user::Entity::find_by_id(id)
        .one(&state.db)
        .await
        .map_err(RepoError::from)?;
    match u {
        Some(u) if u.role == role.as_str() => Ok(()),
        Some(_) => Err(WorkflowError::Field(FieldError::new(
            field,
            Problem::Conflict {
                why: format!("the account must have the role {}", role.as_str()),
            },
        ))),
        None => Err(WorkflowError::Field(FieldError::new(
            field,
            Problem::NotFound,
        ))),
    }
}

/// Creates or updates a referring physician; every clinic named must be the user's.
pub async fn save_physician(
    state: &AppState,
    user: &SessionUser,
    id: Option<i64>,
    input: PhysicianInput,
) -> Result<PhysicianView> {
    require(user, Permission::ManageRegistry)?;
    let v = input.check()?;
    for c in &v.clinics {
        require_in(user, Permission::ManageRegistry, *c)?;
    }
    if let Some(u) = v.user_id {
        check_user(state, u, Role::ReferringPhysician, FieldName::User).await?;
    }
    let db = &state.db;
    if let Some(id) = id {
        // Visible to the user (one of its clinics is theirs).
        physicians::get(db, &user.scope(), id).await?;
    }
    let guard = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    let saved = match id {
        Some(id) => {
            physicians::update(&txn, id, &v).await?;
            id
        }
        None => physicians::insert(&txn, &v).await?,
    };
    txn.commit().await.map_err(RepoError::from)?;
    drop(guard);
    Ok(physicians::get(db, &user.scope(), saved).await?)
}

pub async fn radiologists(state: &AppState, user: &SessionUser) -> Result<Vec<RadiologistView>> {
    require(user, Permission::ViewRegistry)?;
    Ok(radiologists::list(&state.db, &user.scope()).await?)
}

pub async fn radiologist(state: &AppState, user: &SessionUser, id: i64) -> Result<RadiologistView> {
    require(user, Permission::ViewRegistry)?;
    Ok(radiologists::get(&state.db, &user.scope(), id).await?)
}

/// Creates or updates a radiologist's profile (administrators).
pub async fn save_radiologist(
    state: &AppState,
    user: &SessionUser,
    id: Option<i64>,
    input: RadiologistInput,
) -> Result<RadiologistView> {
    require(user, Permission::ManageRadiologists)?;
    let v = input.check()?;
    check_user(state, v.user_id, Role::Radiologist, FieldName::User).await?;
    let db = &state.db;
    let guard = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    let saved = radiologists::save(&txn, id, &v).await?;
    txn.commit().await.map_err(RepoError::from)?;
    drop(guard);
    Ok(radiologists::get(db, &domain::Scope::All, saved).await?)
}

pub async fn procedures(
    state: &AppState,
    user: &SessionUser,
    clinic: Option<i64>,
) -> Result<Vec<ProcedureView>> {
    require(user, Permission::ViewRegistry)?;
    Ok(procedures::list(&state.db, &user.scope(), clinic).await?)
}

pub async fn procedure(state: &AppState, user: &SessionUser, id: i64) -> Result<ProcedureView> {
    require(user, Permission::ViewRegistry)?;
    Ok(procedures::get(&state.db, &user.scope(), id).await?)
}

/// Creates or updates a catalogue entry of one of the user's clinics.
pub async fn save_procedure(
    state: &AppState,
    user: &SessionUser,
    id: Option<i64>,
    input: ProcedureInput,
) -> Result<ProcedureView> {
    require_in(user, Permission::ManageRegistry, ClinicId(input.clinic))?;
    let v = input.check()?;
    let db = &state.db;
    let guard = gate::write(db).await;
    let txn = db.begin().await.map_err(RepoError::from)?;
    let saved = procedures::save(&txn, id, &v).await?;
    txn.commit().await.map_err(RepoError::from)?;
    drop(guard);
    Ok(saved)
}
