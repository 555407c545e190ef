//! Server functions: the browser's calls into the server. Each is thin: it finds the request
//! context and the `Backend` service in Leptos context and delegates; errors carry an HTTP status.

use domain::Role;
use domain::views::{ClinicView, SessionUser, UserView};
use leptos::prelude::*;
use leptos::server_fn::codec::{Json, JsonEncoding};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

mod audit;
mod network;
mod query;
mod registry;
mod routing;
mod studies;
mod tokens;
pub use audit::*;
pub use network::*;
pub use query::*;
pub use registry::*;
pub use routing::*;
pub use studies::*;
pub use tokens::*;

/// Errors shown to the user. They never carry internals (database text, paths, stack traces).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    #[error("sign-in required")]
    Unauthenticated,
    #[error("unknown user name or wrong password")]
    BadCredentials,
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// A field's value refused, said by field and problem (localized by the UI).
    #[error("{0}")]
    Field(domain::registry::FieldError),
    /// The RAMQ number disagrees with the record: saved only once the user confirms.
    #[error("the RAMQ number disagrees with the record; confirm to save anyway")]
    Warnings(Vec<domain::registry::RamqWarning>),
    #[error("internal error")]
    Internal,
    #[error("request failed: {0}")]
    Transport(String),
}

impl ApiError {
    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Unauthenticated | ApiError::BadCredentials => 401,
            ApiError::RateLimited { .. } => 429,
            ApiError::Forbidden => 403,
            ApiError::NotFound => 404,
            ApiError::Invalid(_) | ApiError::Transport(_) => 400,
            ApiError::Conflict(_) | ApiError::Warnings(_) => 409,
            ApiError::Field(f) if f.problem == domain::registry::Problem::Taken => 409,
            ApiError::Field(_) => 400,
            ApiError::Internal => 500,
        }
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::Transport(value.to_string())
    }
}

impl From<domain::registry::FieldError> for ApiError {
    fn from(e: domain::registry::FieldError) -> Self {
        ApiError::Field(e)
    }
}

impl From<domain::NameError> for ApiError {
    fn from(e: domain::NameError) -> Self {
        ApiError::Invalid(e.to_string())
    }
}

/// A clinic as submitted by the edit form (validated by the server with the domain types).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicForm {
    pub id: Option<i64>,
    pub code: String,
    pub name: String,
    pub active: bool,
}

/// A user as submitted by the edit form. `password` is required on creation, optional on edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserForm {
    pub id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub clinics: Vec<i64>,
    pub active: bool,
    pub password: Option<String>,
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::ApiError;
    use crate::backend::{BackendHandle, RequestCtx};
    use domain::views::SessionUser;
    use leptos::prelude::*;

    /// Sets the HTTP status (and `Retry-After`) of the answer for this error, then returns it.
    pub fn fail(e: ApiError) -> ApiError {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(e.status()) {
                res.set_status(status);
            }
            if let ApiError::RateLimited { retry_after_secs } = &e
                && let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string())
            {
                res.insert_header(http::header::RETRY_AFTER, v);
            }
        }
        e
    }

    pub fn request() -> Result<(BackendHandle, RequestCtx), ApiError> {
        let backend = use_context::<BackendHandle>().ok_or(ApiError::Internal)?;
        let parts = use_context::<http::request::Parts>().ok_or(ApiError::Internal)?;
        let ctx = parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or(ApiError::Internal)?;
        Ok((backend, ctx))
    }

    pub fn signed_in() -> Result<(BackendHandle, SessionUser), ApiError> {
        let (b, ctx) = request().map_err(fail)?;
        let user = ctx.user.ok_or_else(|| fail(ApiError::Unauthenticated))?;
        Ok((b, user))
    }
}

/// The signed-in user, or `None`.
#[server(endpoint = "whoami")]
pub async fn whoami() -> Result<Option<SessionUser>, ApiError> {
    let (_, ctx) = ssr::request().map_err(ssr::fail)?;
    Ok(ctx.user)
}

/// Signs in: checks the password, cycles the session id and stores the user in the session.
#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<SessionUser, ApiError> {
    let (b, ctx) = ssr::request().map_err(ssr::fail)?;
    b.0.login(&ctx, &username, &password)
        .await
        .map_err(ssr::fail)
}

/// Signs out: the session is deleted from the store.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), ApiError> {
    let (_, ctx) = ssr::request().map_err(ssr::fail)?;
    ctx.session.end().await.map_err(ssr::fail)
}

/// The clinics the signed-in user may see.
#[server(endpoint = "clinics")]
pub async fn list_clinics() -> Result<Vec<ClinicView>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.clinics(&user).await.map_err(ssr::fail)
}

/// One clinic, if the signed-in user may see it.
#[server(endpoint = "clinic")]
pub async fn get_clinic(id: i64) -> Result<ClinicView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.clinic(&user, domain::ClinicId(id))
        .await
        .map_err(ssr::fail)
}

/// Creates or updates a clinic (administrators).
#[server(endpoint = "save_clinic", input = Json)]
pub async fn save_clinic(form: ClinicForm) -> Result<ClinicView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.save_clinic(&user, form).await.map_err(ssr::fail)
}

/// All users (administrators).
#[server(endpoint = "users")]
pub async fn list_users() -> Result<Vec<UserView>, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.users(&user).await.map_err(ssr::fail)
}

/// One user (administrators).
#[server(endpoint = "user")]
pub async fn get_user(id: i64) -> Result<UserView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.user(&user, domain::UserId(id)).await.map_err(ssr::fail)
}

/// Creates or updates a user (administrators). Deactivating a user ends their sessions.
#[server(endpoint = "save_user", input = Json)]
pub async fn save_user(form: UserForm) -> Result<UserView, ApiError> {
    let (b, user) = ssr::signed_in()?;
    b.0.save_user(&user, form).await.map_err(ssr::fail)
}
