//! The JSON API of orders, reconciliation and HL7 messages (`/api/v1`): today's orders (or any
//! dates), one order with its history and studies, create and change, status changes, accepting
//! a study flagged as another patient's, the studies to reconcile, and the HL7 intake's messages
//! and facility mapping. Same permissions and scopes as the screens.

use super::api::{ErrorBody, Res, ok, signed_in as user};
use super::registry_api::created;
use crate::hl7::service as hl7;
use crate::state::AppState;
use crate::workflow::{orders, reconcile};
use app::backend::RequestCtx;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use domain::hl7::views::{FacilityMap, MessageDetail, MessageQuery, MessageRow};
use domain::orders::{
    OrderInput, OrderQuery, OrderRow, OrderStatus, OrderView, UnmatchedStep, UnmatchedStudy,
};
use domain::registry::{PatientInput, PatientView};
use domain::views::Page;
use serde::Deserialize;

type Ctx = Extension<RequestCtx>;

#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderQuery),
    responses((status = 200, description = "Today's orders (Montreal) unless dates are given; a referring physician's own only", body = Page<OrderRow>)))]
pub(crate) async fn list_orders(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Query(q): Query<OrderQuery>,
) -> Res {
    ok(orders::list(&s, &user(c)?, q).await?)
}

#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = OrderInput,
    responses((status = 201, body = OrderView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn create_order(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Json(i): Json<OrderInput>,
) -> Res {
    created(orders::save(&s, &user(c)?, None, i).await?)
}

#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_order(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
) -> Res {
    ok(orders::get(&s, &user(c)?, id).await?)
}

#[utoipa::path(put, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)), request_body = OrderInput,
    responses((status = 200, body = OrderView), (status = 400, body = ErrorBody)))]
pub(crate) async fn update_order(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
    Json(i): Json<OrderInput>,
) -> Res {
    ok(orders::save(&s, &user(c)?, Some(id), i).await?)
}

/// A status change with its reason.
#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct StatusBody {
    pub status: OrderStatus,
    #[serde(default)]
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/status", tag = "orders", params(("id" = i64, Path)), request_body = StatusBody,
    responses((status = 200, body = OrderView), (status = 400, description = "Not allowed by the lifecycle", body = ErrorBody)))]
pub(crate) async fn order_status(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
    Json(b): Json<StatusBody>,
) -> Res {
    ok(orders::set_status(&s, &user(c)?, id, b.status, &b.note).await?)
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(default)]
pub(crate) struct NoteBody {
    pub note: String,
}

#[utoipa::path(post, path = "/api/v1/orders/{id}/studies/{study}/accept", tag = "orders",
    params(("id" = i64, Path), ("study" = i64, Path)), request_body = NoteBody,
    responses((status = 200, body = OrderView), (status = 404, body = ErrorBody)))]
pub(crate) async fn accept_link(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path((id, study)): Path<(i64, i64)>,
    Json(b): Json<NoteBody>,
) -> Res {
    ok(orders::accept_link(&s, &user(c)?, id, study, &b.note).await?)
}

#[utoipa::path(get, path = "/api/v1/reconcile", tag = "reconcile",
    responses((status = 200, description = "Studies of no patient record, and studies linked to another patient's order", body = Vec<UnmatchedStudy>)))]
pub(crate) async fn unmatched(State(s): State<AppState>, Extension(c): Ctx) -> Res {
    ok(reconcile::list(&s, &user(c)?).await?)
}

#[utoipa::path(get, path = "/api/v1/reconcile/steps", tag = "reconcile",
    responses((status = 200, description = "Performed procedure steps (MPPS) that name no order of their clinic", body = Vec<UnmatchedStep>)))]
pub(crate) async fn unmatched_steps(State(s): State<AppState>, Extension(c): Ctx) -> Res {
    ok(crate::workflow::performed::unlinked(&s, &user(c)?).await?)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct AttachBody {
    /// The patient record whose alias the study's Patient ID becomes.
    pub patient: i64,
}

#[utoipa::path(post, path = "/api/v1/reconcile/{study}/attach", tag = "reconcile", params(("study" = i64, Path)), request_body = AttachBody,
    responses((status = 200, body = PatientView), (status = 409, body = ErrorBody)))]
pub(crate) async fn attach(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(study): Path<i64>,
    Json(b): Json<AttachBody>,
) -> Res {
    ok(reconcile::attach(&s, &user(c)?, study, b.patient).await?)
}

#[utoipa::path(get, path = "/api/v1/reconcile/{study}/patient", tag = "reconcile", params(("study" = i64, Path)),
    responses((status = 200, description = "A patient form filled from the study's DICOM patient", body = PatientInput)))]
pub(crate) async fn suggestion(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(study): Path<i64>,
) -> Res {
    ok(reconcile::suggestion(&s, &user(c)?, study).await?)
}

#[utoipa::path(get, path = "/api/v1/hl7/messages", tag = "hl7", params(MessageQuery),
    responses((status = 200, body = Page<MessageRow>)))]
pub(crate) async fn messages(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Query(q): Query<MessageQuery>,
) -> Res {
    ok(hl7::list(&s, &user(c)?, q).await?)
}

#[utoipa::path(get, path = "/api/v1/hl7/messages/{id}", tag = "hl7", params(("id" = i64, Path)),
    responses((status = 200, body = MessageDetail), (status = 404, body = ErrorBody)))]
pub(crate) async fn message(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
) -> Res {
    ok(hl7::get(&s, &user(c)?, id).await?)
}

#[utoipa::path(post, path = "/api/v1/hl7/messages/{id}/reprocess", tag = "hl7", params(("id" = i64, Path)),
    responses((status = 200, description = "Processed again; its new status and ACK", body = MessageDetail), (status = 400, body = ErrorBody)))]
pub(crate) async fn reprocess(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Path(id): Path<i64>,
) -> Res {
    ok(hl7::reprocess(&s, &user(c)?, id).await?)
}

#[utoipa::path(get, path = "/api/v1/hl7/facilities", tag = "hl7",
    responses((status = 200, body = Vec<FacilityMap>)))]
pub(crate) async fn facilities(State(s): State<AppState>, Extension(c): Ctx) -> Res {
    ok(hl7::facilities(&s, &user(c)?).await?)
}

#[utoipa::path(put, path = "/api/v1/hl7/facilities", tag = "hl7", request_body = Vec<FacilityMap>,
    responses((status = 200, body = Vec<FacilityMap>), (status = 400, body = ErrorBody)))]
pub(crate) async fn save_facilities(
    State(s): State<AppState>,
    Extension(c): Ctx,
    Json(maps): Json<Vec<FacilityMap>>,
) -> Res {
    ok(hl7::save_facilities(&s, &user(c)?, maps).await?)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list_orders).post(create_order))
        .route("/orders/{id}", get(get_order).put(update_order))
        .route("/orders/{id}/status", post(order_status))
        .route("/orders/{id}/studies/{study}/accept", post(accept_link))
        .route("/reconcile", get(unmatched))
        .route("/reconcile/steps", get(unmatched_steps))
        .route("/reconcile/{study}/attach", post(attach))
        .route("/reconcile/{study}/patient", get(suggestion))
        .route("/hl7/messages", get(messages))
        .route("/hl7/messages/{id}", get(message))
        .route("/hl7/messages/{id}/reprocess", post(reprocess))
        .route("/hl7/facilities", get(facilities).put(save_facilities))
}
