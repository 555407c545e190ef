//! Who is calling `/dicomweb` (PS3.18 §6.2 leaves authentication to the origin server): a bearer
//! token issued in the UI or the CLI (scoped to clinics; when issued to a user, also bounded by
//! that user's clinics and activity), HTTP Basic with a user's own credentials (rate-limited
//! like the sign-in form), or the built-in UI's session cookie (same-origin for POST).

use super::DwError;
use crate::db::{tokens, users};
use crate::http::csrf::same_origin;
use crate::services::AppBackend;
use crate::state::AppState;
use app::backend::RequestCtx;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use domain::views::SessionUser;
use domain::{ClinicId, Permission, Scope, UserId};
use http::{HeaderMap, Method, header};

/// The authenticated caller and the clinics it may see.
#[derive(Debug, Clone)]
pub struct Caller {
    /// For logs and the audit trail: `user:NAME` or `token:ID:NAME`.
    pub actor: String,
    pub scope: Scope,
    /// May upload (STOW-RS): a token issued for it (and, acting for a user, a user who may),
    /// or a user whose role may.
    pub can_store: bool,
}

fn user_scope(u: &SessionUser) -> Result<Scope, DwError> {
    if u.role.can(Permission::ViewStudies) {
        Ok(u.scope())
    } else {
        Err(DwError::Forbidden)
    }
}

/// A user calling with their own credentials (HTTP Basic or the session cookie).
fn user_caller(user: &SessionUser) -> Result<Caller, DwError> {
    Ok(Caller {
        actor: format!("user:{}", user.username),
        scope: user_scope(user)?,
        can_store: user.role.can(Permission::StoreStudies),
    })
}

async fn bearer(state: &AppState, presented: &str) -> Result<Caller, DwError> {
    let token = tokens::verify(&state.db, presented.trim())
        .await
        .map_err(DwError::internal)?
        .ok_or(DwError::Unauthenticated)?;
    let clinics = token.clinics.iter().map(|c| ClinicId(*c));
    let mut scope = Scope::Clinics(clinics.collect());
    let mut can_store = token.can_store;
    if let Some(uid) = token.user_id {
        let user = users::session_user(&state.db, UserId(uid))
            .await
            .map_err(DwError::internal)?
            .ok_or(DwError::Unauthenticated)?;
        let of_user = user_scope(&user)?;
        can_store &= user.role.can(Permission::StoreStudies);
        if let Scope::Clinics(set) = &mut scope {
            set.retain(|c| of_user.allows(*c));
        }
    }
    Ok(Caller {
        actor: format!("token:{}:{}", token.id, token.name),
        scope,
        can_store,
    })
}

async fn basic(state: &AppState, ctx: &RequestCtx, encoded: &str) -> Result<Caller, DwError> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| DwError::Unauthenticated)?;
    let text = String::from_utf8(raw).map_err(|_| DwError::Unauthenticated)?;
    let (name, password) = text.split_once(':').ok_or(DwError::Unauthenticated)?;
    let backend = AppBackend::new(state.clone());
    let (_, id) = backend
        .check_credentials(ctx.client_ip, name, password)
        .await
        .map_err(DwError::from_api)?;
    let user = users::session_user(&state.db, id)
        .await
        .map_err(DwError::internal)?
        .ok_or(DwError::Unauthenticated)?;
    user_caller(&user)
}

async fn resolve(
    state: &AppState,
    ctx: Option<RequestCtx>,
    method: &Method,
    h: &HeaderMap,
) -> Result<Caller, DwError> {
    let ctx = ctx.ok_or(DwError::Unauthenticated)?;
    if let Some(auth) = h.get(header::AUTHORIZATION) {
        let auth = auth.to_str().map_err(|_| DwError::Unauthenticated)?;
        let (kind, rest) = auth.split_once(' ').ok_or(DwError::Unauthenticated)?;
        return match kind.to_ascii_lowercase().as_str() {
            "bearer" => bearer(state, rest).await,
            "basic" => basic(state, &ctx, rest).await,
            _ => Err(DwError::Unauthenticated),
        };
    }
    let user = ctx.user.ok_or(DwError::Unauthenticated)?;
    if !matches!(*method, Method::GET | Method::HEAD) {
        let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
        let claimed = h
            .get(header::ORIGIN)
            .or_else(|| h.get(header::REFERER))
            .and_then(|v| v.to_str().ok());
        if !same_origin(host, &state.config.server.public_url, claimed) {
            return Err(DwError::Forbidden);
        }
    }
    user_caller(&user)
}

/// Middleware: attaches the `Caller`, or answers 401 / 403 / 429; then records the access in
/// the audit trail (`access`).
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ctx = req.extensions().get::<RequestCtx>().cloned();
    match resolve(&state, ctx, req.method(), req.headers()).await {
        Ok(caller) => {
            let method = req.method().clone();
            let uri = req
                .extensions()
                .get::<axum::extract::OriginalUri>()
                .map_or_else(|| req.uri().clone(), |o| o.0.clone());
            req.extensions_mut().insert(caller.clone());
            let response = next.run(req).await;
            let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
            state
                .dicomweb_access
                .record(&state.db, &caller, &method, target, response.status())
                .await;
            response
        }
        Err(e) => e.into_response(),
    }
}
