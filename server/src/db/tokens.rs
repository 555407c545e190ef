//! DICOMweb access tokens: issue (the secret is returned once; a blake3 hash is stored), list,
//! revoke, and verify a presented token (not revoked, not expired, its user still active).

use super::RepoError;
use super::queue::now_ms;
use domain::tokens::{TokenInput, TokenView, split};
use domain::{ClinicId, Scope};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

entity!(api_token, "api_tokens", "A DICOMweb access token (hash of its secret only).", {
    name: String, secret_hash: String, user_id: Option<i64>, clinics: String, created_by: String,
    created_at: i64, expires_at: Option<i64>, revoked_at: Option<i64>, last_used_at: Option<i64>,
    can_store: bool,
});

use api_token::{ActiveModel, Column, Entity, Model};

fn clinics_of(m: &Model) -> Vec<i64> {
    m.clinics
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect()
}

pub fn view(m: &Model) -> TokenView {
    TokenView {
        id: m.id,
        name: m.name.clone(),
        user_id: m.user_id,
        clinics: clinics_of(m),
        created_by: m.created_by.clone(),
        created_at_ms: m.created_at,
        expires_at_ms: m.expires_at,
        revoked: m.revoked_at.is_some(),
        expired: m.expires_at.is_some_and(|e| e <= now_ms()),
        last_used_at_ms: m.last_used_at,
        can_store: m.can_store,
    }
}

fn hash(secret: &str) -> String {
    blake3::hash(secret.as_bytes()).to_hex().to_string()
}

/// Issues a token; returns it and the secret to show once.
pub async fn create(
    db: &impl ConnectionTrait,
    input: &TokenInput,
    created_by: &str,
) -> Result<(TokenView, String), RepoError> {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let now = now_ms();
    let clinics: Vec<String> = input.clinics.iter().map(i64::to_string).collect();
    let m = ActiveModel {
        name: Set(input.name.trim().to_owned()),
        secret_hash: Set(hash(&secret)),
        user_id: Set(input.user_id),
        clinics: Set(clinics.join(",")),
        created_by: Set(created_by.to_owned()),
        created_at: Set(now),
        expires_at: Set(input
            .expires_in_days
            .map(|d| now + i64::from(d) * 86_400_000)),
        revoked_at: Set(None),
        last_used_at: Set(None),
        can_store: Set(input.can_store),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok((view(&m), format!("pst_{}_{secret}", m.id)))
}

/// Tokens whose clinics are all in scope (administrators: every token).
pub async fn list(db: &impl ConnectionTrait, scope: &Scope) -> Result<Vec<TokenView>, RepoError> {
    let rows = Entity::find().order_by_desc(Column::Id).all(db).await?;
    Ok(rows
        .iter()
        .filter(|m| clinics_of(m).iter().all(|c| scope.allows(ClinicId(*c))))
        .map(view)
        .collect())
}

pub async fn revoke(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> Result<TokenView, RepoError> {
    let m = Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    if !clinics_of(&m).iter().all(|c| scope.allows(ClinicId(*c))) {
        return Err(RepoError::NotFound);
    }
    Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(now_ms()))
        .filter(Column::Id.eq(id))
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    let m = Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(RepoError::NotFound)?;
    Ok(view(&m))
}

/// The valid token `presented` is, or `None` (unknown, wrong secret, revoked or expired).
pub async fn verify(
    db: &impl ConnectionTrait,
    presented: &str,
) -> Result<Option<TokenView>, RepoError> {
    let Some((id, secret)) = split(presented) else {
        return Ok(None);
    };
    let Some(m) = Entity::find_by_id(id).one(db).await? else {
        return Ok(None);
    };
    let now = now_ms();
    let matches = constant_eq(m.secret_hash.as_bytes(), hash(secret).as_bytes());
    if !matches || m.revoked_at.is_some() || m.expires_at.is_some_and(|e| e <= now) {
        return Ok(None);
    }
    if m.last_used_at.is_none_or(|t| now - t > 60_000) {
        Entity::update_many()
            .col_expr(Column::LastUsedAt, Expr::value(now))
            .filter(Column::Id.eq(id))
            .exec(db)
            .await?;
    }
    Ok(Some(view(&m)))
}

fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
