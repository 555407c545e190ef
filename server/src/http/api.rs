//! The JSON API (`/api/v1`): the same services as the UI, for automation and integrations.
//! Authentication is the session cookie; errors are `{"error": "…"}` with the right status.

use app::api::ApiError;
use app::backend::{BackendHandle, RequestCtx};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use domain::ClinicId;
use domain::views::SessionUser;
use http::StatusCode;

/// An `ApiError` as an HTTP answer (no internals in the body).
pub struct HttpError(pub ApiError);

/// The body of an error answer: `error` always; `field` and `problem` for a refused value,
/// `warnings` for RAMQ disagreements to confirm.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<domain::registry::FieldName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<domain::registry::Problem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<domain::registry::RamqWarning>>,
}

impl ErrorBody {
    fn of(e: &ApiError) -> Self {
        let (field, problem, warnings) = match e {
            ApiError::Field(f) => (Some(f.field), Some(f.problem.clone()), None),
            ApiError::Warnings(w) => (None, None, Some(w.clone())),
            _ => (None, None, None),
        };
        Self {
            error: e.to_string(),
            field,
            problem,
            warnings,
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut res = (status, Json(ErrorBody::of(&self.0))).into_response();
        if let ApiError::RateLimited { retry_after_secs } = self.0
            && let Ok(v) = http::HeaderValue::from_str(&retry_after_secs.to_string())
        {
            res.headers_mut().insert(http::header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        HttpError(e)
    }
}

impl From<crate::workflow::WorkflowError> for HttpError {
    fn from(e: crate::workflow::WorkflowError) -> Self {
        HttpError(e.into())
    }
}

/// The signed-in user of a request, or 401.
pub(crate) fn signed_in(ctx: RequestCtx) -> Result<SessionUser, HttpError> {
    ctx.user.ok_or(HttpError(ApiError::Unauthenticated))
}

/// The JSON answer of the `/api/v1` handlers.
pub(crate) type Res = Result<Response, HttpError>;

/// A 200 JSON answer.
pub(crate) fn ok<T: serde::Serialize>(v: T) -> Res {
    Ok(Json(v).into_response())
}

async fn me(Extension(ctx): Extension<RequestCtx>) -> Result<Json<SessionUser>, HttpError> {
    Ok(Json(signed_in(ctx)?))
}

async fn clinics(
    State(b): State<BackendHandle>,
    Extension(ctx): Extension<RequestCtx>,
) -> Result<impl IntoResponse, HttpError> {
    let user = signed_in(ctx)?;
    Ok(Json(b.0.clinics(&user).await?))
}

async fn clinic(
    State(b): State<BackendHandle>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, HttpError> {
    let user = signed_in(ctx)?;
    Ok(Json(b.0.clinic(&user, ClinicId(id)).await?))
}

async fn users(
    State(b): State<BackendHandle>,
    Extension(ctx): Extension<RequestCtx>,
) -> Result<impl IntoResponse, HttpError> {
    let user = signed_in(ctx)?;
    Ok(Json(b.0.users(&user).await?))
}

async fn local_aes(
    State(b): State<BackendHandle>,
    Extension(ctx): Extension<RequestCtx>,
) -> Result<impl IntoResponse, HttpError> {
    let user = signed_in(ctx)?;
    Ok(Json(b.0.local_aes(&user).await?))
}

async fn nodes(
    State(b): State<BackendHandle>,
    Extension(ctx): Extension<RequestCtx>,
) -> Result<impl IntoResponse, HttpError> {
    let user = signed_in(ctx)?;
    Ok(Json(b.0.nodes(&user).await?))
}

async fn echo_node(
    State(b): State<BackendHandle>,
    Extension(ctx): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse, HttpError> {
    let user = signed_in(ctx)?;
    Ok(Json(b.0.echo_node(&user, id).await?))
}

pub fn routes<S: Clone + Send + Sync + 'static>(backend: BackendHandle) -> Router<S> {
    Router::new()
        .route("/local-aes", get(local_aes))
        .route("/nodes", get(nodes))
        .route("/nodes/{id}/echo", axum::routing::post(echo_node))
        .route("/me", get(me))
        .route("/clinics", get(clinics))
        .route("/clinics/{id}", get(clinic))
        .route("/users", get(users))
        .with_state(backend)
}
