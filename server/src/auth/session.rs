//! Per-request authentication: resolves the signed-in user from the session (checking the
//! absolute timeout and that the account is still active) and attaches the `RequestCtx`.

use super::store::{LOGIN_AT_KEY, USER_KEY};
use crate::db::{self, users};
use crate::state::AppState;
use app::api::ApiError;
use app::backend::{RequestCtx, SessionControl};
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use domain::UserId;
use domain::views::SessionUser;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tower_sessions::Session;

/// `SessionControl` on a tower-sessions session.
pub struct TowerSession(pub Session);

#[async_trait::async_trait]
impl SessionControl for TowerSession {
    async fn begin(&self, user: UserId) -> Result<(), ApiError> {
        let s = &self.0;
        s.clear().await;
        // A new id at sign-in: a session id planted before sign-in is worthless after it.
        s.cycle_id().await.map_err(internal)?;
        s.insert(USER_KEY, user.0).await.map_err(internal)?;
        s.insert(LOGIN_AT_KEY, db::now()).await.map_err(internal)?;
        Ok(())
    }

    async fn end(&self) -> Result<(), ApiError> {
        self.0.flush().await.map_err(internal)
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    tracing::error!(error = %e, "session store failure");
    ApiError::Internal
}

/// The client address: the socket peer (no proxy headers are trusted).
pub fn client_ip(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]))
}

async fn resolve_user(state: &AppState, session: &Session) -> Option<SessionUser> {
    let id: i64 = session.get(USER_KEY).await.ok().flatten()?;
    let login_at: i64 = session.get(LOGIN_AT_KEY).await.ok().flatten().unwrap_or(0);
    let max_age = i64::from(state.config.auth.absolute_timeout_hours) * 3600;
    if db::now() - login_at > max_age {
        let _ = session.flush().await;
        return None;
    }
    match users::session_user(&state.db, UserId(id)).await {
        Ok(Some(u)) => Some(u),
        Ok(None) => {
            // Deactivated or deleted since sign-in.
            let _ = session.flush().await;
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "could not load the signed-in user");
            None
        }
    }
}

/// Middleware: attaches `RequestCtx` (user, client address, session control) to the request.
pub async fn attach(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let ip = client_ip(&req);
    let session = req.extensions().get::<Session>().cloned();
    let (user, control): (Option<SessionUser>, Arc<dyn SessionControl>) = match session {
        Some(s) => (resolve_user(&state, &s).await, Arc::new(TowerSession(s))),
        None => (None, Arc::new(NoSession)),
    };
    req.extensions_mut().insert(RequestCtx {
        user,
        client_ip: ip,
        session: control,
    });
    next.run(req).await
}

/// Used only if the session layer is missing (a wiring bug): every operation fails.
struct NoSession;

#[async_trait::async_trait]
impl SessionControl for NoSession {
    async fn begin(&self, _: UserId) -> Result<(), ApiError> {
        Err(ApiError::Internal)
    }
    async fn end(&self) -> Result<(), ApiError> {
        Err(ApiError::Internal)
    }
}
