//! Clinics repository. Reads take the caller's `Scope`.

use super::entities::clinic;
use super::{RepoError, conflict, now};
use domain::views::ClinicView;
use domain::{ClinicCode, ClinicId, ClinicName, Scope};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

fn view(m: clinic::Model) -> Result<ClinicView, RepoError> {
    Ok(ClinicView {
        id: ClinicId(m.id),
        code: ClinicCode::parse(&m.code).map_err(|e| RepoError::Invalid(e.to_string()))?,
        name: ClinicName::parse(&m.name).map_err(|e| RepoError::Invalid(e.to_string()))?,
        active: m.active,
    })
}

fn scoped(scope: &Scope) -> sea_orm::Select<clinic::Entity> {
    let q = clinic::Entity::find();
    match scope.clinic_ids() {
        None => q,
        Some(ids) => q.filter(clinic::Column::Id.is_in(ids)),
    }
}

/// The clinics in scope, by code.
pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<ClinicView>, RepoError> {
    let rows = scoped(scope)
        .order_by_asc(clinic::Column::Code)
        .all(db)
        .await?;
    rows.into_iter().map(view).collect()
}

/// One clinic, if in scope.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: ClinicId,
) -> Result<ClinicView, RepoError> {
    let row = scoped(scope)
        .filter(clinic::Column::Id.eq(id.0))
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    view(row)
}

/// A clinic by code (system use: bootstrap, CLI).
pub async fn find_by_code(
    db: &impl ConnectionTrait,
    code: &ClinicCode,
) -> Result<Option<ClinicView>, RepoError> {
    let row = clinic::Entity::find()
        .filter(clinic::Column::Code.eq(code.as_str()))
        .one(db)
        .await?;
    row.map(view).transpose()
}

/// Creates a clinic; the code must be unused.
pub async fn create(
    db: &impl ConnectionTrait,
    code: &ClinicCode,
    name: &ClinicName,
) -> Result<ClinicView, RepoError> {
    let t = now();
    let row = clinic::ActiveModel {
        code: Set(code.to_string()),
        name: Set(name.to_string()),
        active: Set(true),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| conflict(e, "clinic code"))?;
    view(row)
}

/// Updates code, name and activation of a clinic.
pub async fn update(
    db: &impl ConnectionTrait,
    id: ClinicId,
    code: &ClinicCode,
    name: &ClinicName,
    active: bool,
) -> Result<ClinicView, RepoError> {
    let existing = clinic::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let mut am: clinic::ActiveModel = existing.into();
    am.code = Set(code.to_string());
    am.name = Set(name.to_string());
    am.active = Set(active);
    am.updated_at = Set(now());
    let row = am
        .update(db)
        .await
        .map_err(|e| conflict(e, "clinic code"))?;
    view(row)
}
