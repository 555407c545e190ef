//! DICOMweb access tokens from the UI and the JSON API: administrators issue tokens for any
//! clinics, users or applications; other users only for themselves, within their clinics, and
//! see and revoke only their own. The secret is returned once.

use super::require;
use crate::db::tokens;
use crate::state::AppState;
use app::api::ApiError;
use domain::tokens::{IssuedToken, TokenInput, TokenView};
use domain::views::SessionUser;
use domain::{ClinicId, Permission, Role, Scope};

fn is_admin(user: &SessionUser) -> bool {
    user.role == Role::Administrator
}

pub async fn list(state: &AppState, user: &SessionUser) -> Result<Vec<TokenView>, ApiError> {
    require(user, Permission::ViewStudies)?;
    let all = tokens::list(&state.db, &Scope::All).await?;
    Ok(all
        .into_iter()
        .filter(|t| is_admin(user) || t.user_id == Some(user.id.0))
        .collect())
}

pub async fn create(
    state: &AppState,
    user: &SessionUser,
    mut input: TokenInput,
) -> Result<IssuedToken, ApiError> {
    require(user, Permission::ViewStudies)?;
    if !is_admin(user) {
        input.user_id = Some(user.id.0);
    }
    input
        .validate()
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    let scope = user.scope();
    if input.clinics.iter().any(|c| !scope.allows(ClinicId(*c))) {
        return Err(ApiError::Forbidden);
    }
    let (token, secret) = tokens::create(&state.db, &input, user.username.as_str()).await?;
    tracing::info!(by = %user.username, token = token.id, name = %token.name, "DICOMweb token issued");
    Ok(IssuedToken { token, secret })
}

pub async fn revoke(state: &AppState, user: &SessionUser, id: i64) -> Result<TokenView, ApiError> {
    let mine = list(state, user).await?;
    if !mine.iter().any(|t| t.id == id) {
        return Err(ApiError::NotFound);
    }
    let t = tokens::revoke(&state.db, &Scope::All, id).await?;
    tracing::info!(by = %user.username, token = id, "DICOMweb token revoked");
    Ok(t)
}
