//! The JSON API of the registry (`/api/v1`): patients (with their file and merges), referring
//! physicians, radiologists and the procedure catalogue, with the same permissions and scopes as
//! the screens. Described in the OpenAPI document (`GET /api/v1/openapi.json`).

use super::api::{ErrorBody, Res, ok, signed_in as user};
use crate::state::AppState;
use crate::workflow::{patients, people};
use app::backend::RequestCtx;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use domain::orders::PatientFile;
use domain::registry::{
    PatientInput, PatientQuery, PatientView, PhysicianInput, PhysicianView, ProcedureInput,
    ProcedureView, RadiologistInput, RadiologistView,
};
use domain::views::Page;
use http::StatusCode;
use serde::Deserialize;

type Ctx = Extension<RequestCtx>;

/// A 201 JSON answer.
pub(crate) fn created<T: serde::Serialize>(v: T) -> Res {
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

#[utoipa::path(get, path = "/api/v1/patients", tag = "patients", params(PatientQuery),
    responses((status = 200, body = Page<PatientView>), (status = 403, body = ErrorBody)))]
pub(crate) async fn list_patients(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Query(q): Query<PatientQuery>,
) -> Res {
    ok(patients::list(&s, &user(c)?, q).await?)
}

#[utoipa::path(post, path = "/api/v1/patients", tag = "patients", request_body = PatientInput,
    responses((status = 201, body = PatientView), (status = 400, body = ErrorBody),
        (status = 409, description = "MRN taken, or RAMQ warnings to confirm", body = ErrorBody)))]
pub(crate) async fn create_patient(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Json(i): Json<PatientInput>,
) -> Res {
    created(patients::save(&s, &user(c)?, None, i).await?)
}

#[utoipa::path(get, path = "/api/v1/patients/{id}", tag = "patients", params(("id" = i64, Path)),
    responses((status = 200, description = "The record, its orders and its studies", body = PatientFile), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_patient(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
) -> Res {
    ok(patients::file(&s, &user(c)?, id).await?)
}

#[utoipa::path(put, path = "/api/v1/patients/{id}", tag = "patients", params(("id" = i64, Path)), request_body = PatientInput,
    responses((status = 200, body = PatientView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn update_patient(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
    Json(i): Json<PatientInput>,
) -> Res {
    ok(patients::save(&s, &user(c)?, Some(id), i).await?)
}

/// The record to merge into the one of the path.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct MergeBody {
    pub from: i64,
}

#[utoipa::path(post, path = "/api/v1/patients/{id}/merge", tag = "patients", params(("id" = i64, Path)), request_body = MergeBody,
    responses((status = 200, description = "The surviving record", body = PatientView), (status = 400, body = ErrorBody)))]
pub(crate) async fn merge_patient(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
    Json(b): Json<MergeBody>,
) -> Res {
    ok(patients::merge(&s, &user(c)?, id, b.from).await?)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub(crate) struct TextQuery {
    /// Name or licence, accents and case ignored.
    pub text: String,
}

#[utoipa::path(get, path = "/api/v1/physicians", tag = "physicians", params(TextQuery),
    responses((status = 200, body = Vec<PhysicianView>)))]
pub(crate) async fn list_physicians(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Query(q): Query<TextQuery>,
) -> Res {
    ok(people::physicians(&s, &user(c)?, &q.text).await?)
}

#[utoipa::path(post, path = "/api/v1/physicians", tag = "physicians", request_body = PhysicianInput,
    responses((status = 201, body = PhysicianView), (status = 400, body = ErrorBody)))]
pub(crate) async fn create_physician(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Json(i): Json<PhysicianInput>,
) -> Res {
    created(people::save_physician(&s, &user(c)?, None, i).await?)
}

#[utoipa::path(get, path = "/api/v1/physicians/{id}", tag = "physicians", params(("id" = i64, Path)),
    responses((status = 200, body = PhysicianView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_physician(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
) -> Res {
    ok(people::physician(&s, &user(c)?, id).await?)
}

#[utoipa::path(put, path = "/api/v1/physicians/{id}", tag = "physicians", params(("id" = i64, Path)), request_body = PhysicianInput,
    responses((status = 200, body = PhysicianView), (status = 400, body = ErrorBody)))]
pub(crate) async fn update_physician(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
    Json(i): Json<PhysicianInput>,
) -> Res {
    ok(people::save_physician(&s, &user(c)?, Some(id), i).await?)
}

#[utoipa::path(get, path = "/api/v1/radiologists", tag = "radiologists",
    responses((status = 200, body = Vec<RadiologistView>)))]
pub(crate) async fn list_radiologists(State(s): State<AppState>, Extension(c): Ctx) -> Res {
    ok(people::radiologists(&s, &user(c)?).await?)
}

#[utoipa::path(post, path = "/api/v1/radiologists", tag = "radiologists", request_body = RadiologistInput,
    responses((status = 201, body = RadiologistView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn create_radiologist(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Json(i): Json<RadiologistInput>,
) -> Res {
    created(people::save_radiologist(&s, &user(c)?, None, i).await?)
}

#[utoipa::path(get, path = "/api/v1/radiologists/{id}", tag = "radiologists", params(("id" = i64, Path)),
    responses((status = 200, body = RadiologistView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_radiologist(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
) -> Res {
    ok(people::radiologist(&s, &user(c)?, id).await?)
}

#[utoipa::path(put, path = "/api/v1/radiologists/{id}", tag = "radiologists", params(("id" = i64, Path)), request_body = RadiologistInput,
    responses((status = 200, body = RadiologistView), (status = 400, body = ErrorBody)))]
pub(crate) async fn update_radiologist(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
    Json(i): Json<RadiologistInput>,
) -> Res {
    ok(people::save_radiologist(&s, &user(c)?, Some(id), i).await?)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub(crate) struct ClinicQuery {
    /// Only this clinic's entries.
    pub clinic: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/procedures", tag = "procedures", params(ClinicQuery),
    responses((status = 200, body = Vec<ProcedureView>)))]
pub(crate) async fn list_procedures(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Query(q): Query<ClinicQuery>,
) -> Res {
    ok(people::procedures(&s, &user(c)?, q.clinic).await?)
}

#[utoipa::path(post, path = "/api/v1/procedures", tag = "procedures", request_body = ProcedureInput,
    responses((status = 201, body = ProcedureView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn create_procedure(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Json(i): Json<ProcedureInput>,
) -> Res {
    created(people::save_procedure(&s, &user(c)?, None, i).await?)
}

#[utoipa::path(get, path = "/api/v1/procedures/{id}", tag = "procedures", params(("id" = i64, Path)),
    responses((status = 200, body = ProcedureView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_procedure(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
) -> Res {
    ok(people::procedure(&s, &user(c)?, id).await?)
}

#[utoipa::path(put, path = "/api/v1/procedures/{id}", tag = "procedures", params(("id" = i64, Path)), request_body = ProcedureInput,
    responses((status = 200, body = ProcedureView), (status = 400, body = ErrorBody)))]
pub(crate) async fn update_procedure(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
    Json(i): Json<ProcedureInput>,
) -> Res {
    ok(people::save_procedure(&s, &user(c)?, Some(id), i).await?)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/patients", get(list_patients).post(create_patient))
        .route("/patients/{id}", get(get_patient).put(update_patient))
        .route("/patients/{id}/merge", post(merge_patient))
        .route("/physicians", get(list_physicians).post(create_physician))
        .route("/physicians/{id}", get(get_physician).put(update_physician))
        .route(
            "/radiologists",
            get(list_radiologists).post(create_radiologist),
        )
        .route(
            "/radiologists/{id}",
            get(get_radiologist).put(update_radiologist),
        )
        .route("/procedures", get(list_procedures).post(create_procedure))
        .route("/procedures/{id}", get(get_procedure).put(update_procedure))
}
