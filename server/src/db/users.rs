//! Users repository: accounts, memberships, and ending a user's sessions on deactivation.

use super::entities::{session, user, user_clinic};
use super::{RepoError, conflict, now};
use domain::views::{SessionUser, UserView};
use domain::{ClinicId, DisplayName, Role, Scope, UserId, Username};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};
use std::collections::HashMap;

/// A user row with what sign-in needs.
#[derive(Debug, Clone)]
pub struct LoginRow {
    pub id: UserId,
    pub password_hash: String,
    pub active: bool,
}

/// What is written when a user is created or updated.
#[derive(Debug, Clone)]
pub struct UserWrite {
    pub display_name: DisplayName,
    pub role: Role,
    pub clinics: Vec<ClinicId>,
    pub active: bool,
    /// A new argon2 hash, or `None` to keep the current one (update only).
    pub password_hash: Option<String>,
}

fn invalid(e: impl std::fmt::Display) -> RepoError {
    RepoError::Invalid(e.to_string())
}

fn view(m: user::Model, clinics: Vec<ClinicId>) -> Result<UserView, RepoError> {
    Ok(UserView {
        id: UserId(m.id),
        username: Username::parse(&m.username).map_err(invalid)?,
        display_name: DisplayName::parse(&m.display_name).map_err(invalid)?,
        role: m.role.parse().map_err(invalid)?,
        active: m.active,
        clinics,
    })
}

async fn memberships(
    db: &impl ConnectionTrait,
    users: &[i64],
) -> Result<HashMap<i64, Vec<ClinicId>>, RepoError> {
    let rows = user_clinic::Entity::find()
        .filter(user_clinic::Column::UserId.is_in(users.to_vec()))
        .order_by_asc(user_clinic::Column::ClinicId)
        .all(db)
        .await?;
    let mut map: HashMap<i64, Vec<ClinicId>> = HashMap::new();
    for r in rows {
        map.entry(r.user_id)
            .or_default()
            .push(ClinicId(r.clinic_id));
    }
    Ok(map)
}

/// How many accounts exist (first-start detection).
pub async fn count(db: &impl ConnectionTrait) -> Result<u64, RepoError> {
    Ok(user::Entity::find().count(db).await?)
}

/// The sign-in data of a user name, active or not.
pub async fn find_login(
    db: &impl ConnectionTrait,
    username: &Username,
) -> Result<Option<LoginRow>, RepoError> {
    let row = user::Entity::find()
        .filter(user::Column::Username.eq(username.as_str()))
        .one(db)
        .await?;
    Ok(row.map(|m| LoginRow {
        id: UserId(m.id),
        password_hash: m.password_hash,
        active: m.active,
    }))
}

/// The signed-in view of an *active* user, or `None` if unknown or deactivated.
pub async fn session_user(
    db: &impl ConnectionTrait,
    id: UserId,
) -> Result<Option<SessionUser>, RepoError> {
    let Some(m) = user::Entity::find_by_id(id.0).one(db).await? else {
        return Ok(None);
    };
    if !m.active {
        return Ok(None);
    }
    let clinics = memberships(db, &[m.id])
        .await?
        .remove(&m.id)
        .unwrap_or_default();
    let v = view(m, clinics)?;
    Ok(Some(SessionUser {
        id: v.id,
        username: v.username,
        display_name: v.display_name,
        role: v.role,
        clinics: v.clinics,
    }))
}

/// Users that belong to at least one clinic in scope (every user for `Scope::All`).
pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<UserView>, RepoError> {
    let rows = user::Entity::find()
        .order_by_asc(user::Column::Username)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
    let mut members = memberships(db, &ids).await?;
    let mut out = Vec::new();
    for m in rows {
        let clinics = members.remove(&m.id).unwrap_or_default();
        let visible = scope.sees_any(&clinics);
        if visible {
            out.push(view(m, clinics)?);
        }
    }
    Ok(out)
}

/// One user, if visible in scope.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: UserId,
) -> Result<UserView, RepoError> {
    let m = user::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    let clinics = memberships(db, &[m.id])
        .await?
        .remove(&m.id)
        .unwrap_or_default();
    let visible = scope.sees_any(&clinics);
    if !visible {
        return Err(RepoError::NotFound);
    }
    view(m, clinics)
}

async fn set_memberships(
    db: &impl ConnectionTrait,
    user: i64,
    clinics: &[ClinicId],
) -> Result<(), RepoError> {
    user_clinic::Entity::delete_many()
        .filter(user_clinic::Column::UserId.eq(user))
        .exec(db)
        .await?;
    for c in clinics {
        user_clinic::ActiveModel {
            user_id: Set(user),
            clinic_id: Set(c.0),
        }
        .insert(db)
        .await
        .map_err(|_| RepoError::Invalid(format!("unknown clinic {}", c.0)))?;
    }
    Ok(())
}

/// Creates a user with memberships, in one transaction.
pub async fn create(
    db: &impl TransactionTrait,
    username: &Username,
    w: UserWrite,
) -> Result<UserView, RepoError> {
    let hash = w
        .password_hash
        .clone()
        .ok_or_else(|| invalid("a password is required"))?;
    let txn = db.begin().await?;
    let t = now();
    let m = user::ActiveModel {
        username: Set(username.to_string()),
        display_name: Set(w.display_name.to_string()),
        role: Set(w.role.as_str().to_owned()),
        password_hash: Set(hash),
        active: Set(w.active),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict(e, "user name"))?;
    set_memberships(&txn, m.id, &w.clinics).await?;
    txn.commit().await?;
    let mut clinics = w.clinics;
    clinics.sort();
    view(m, clinics)
}

/// Updates a user, in one transaction; deactivating deletes all of the user's sessions.
pub async fn update(
    db: &impl TransactionTrait,
    id: UserId,
    w: UserWrite,
) -> Result<UserView, RepoError> {
    let txn = db.begin().await?;
    let existing = user::Entity::find_by_id(id.0)
        .one(&txn)
        .await?
        .ok_or(RepoError::NotFound)?;
    let mut am: user::ActiveModel = existing.into();
    am.display_name = Set(w.display_name.to_string());
    am.role = Set(w.role.as_str().to_owned());
    am.active = Set(w.active);
    am.updated_at = Set(now());
    if let Some(h) = w.password_hash {
        am.password_hash = Set(h);
    }
    let m = am.update(&txn).await?;
    set_memberships(&txn, m.id, &w.clinics).await?;
    if !w.active {
        end_sessions(&txn, id).await?;
    }
    txn.commit().await?;
    let mut clinics = w.clinics;
    clinics.sort();
    view(m, clinics)
}

/// Deletes every stored session of a user.
pub async fn end_sessions(db: &impl ConnectionTrait, id: UserId) -> Result<u64, RepoError> {
    let r = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(id.0))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}
