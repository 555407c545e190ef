//! The JSON API of routing (`/api/v1`): destinations, rules (with preview and history),
//! transfers and job actions. Administrators only; errors as in `api`.

use super::api::HttpError;
use crate::services::routing::{self as svc, PreviewInput, RuleInput};
use crate::state::AppState;
use app::api::ApiError;
use app::backend::RequestCtx;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post, put};
use axum::{Extension, Json, Router};
use domain::destination::DestinationInput;
use serde::Deserialize;
use serde_json::json;

use super::api::{Res, ok, signed_in as user};

async fn destinations(State(s): State<AppState>, Extension(c): Extension<RequestCtx>) -> Res {
    ok(svc::destinations(&s, &user(c)?).await?)
}

async fn create_destination(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Json(input): Json<DestinationInput>,
) -> Res {
    ok(svc::save_destination(&s, &user(c)?, None, input).await?)
}

async fn update_destination(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
    Json(input): Json<DestinationInput>,
) -> Res {
    ok(svc::save_destination(&s, &user(c)?, Some(id), input).await?)
}

async fn pause(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    svc::pause(&s, &user(c)?, id, true).await?;
    ok(json!({ "paused": true }))
}

async fn resume(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    svc::pause(&s, &user(c)?, id, false).await?;
    ok(json!({ "paused": false }))
}

#[derive(Deserialize)]
struct PiaBody {
    reference: String,
}

async fn pia(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
    Json(b): Json<PiaBody>,
) -> Res {
    let released = svc::record_pia(&s, &user(c)?, id, &b.reference).await?;
    ok(json!({ "released": released }))
}

async fn retry_dead(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    ok(json!({ "retried": svc::retry(&s, &user(c)?, None, Some(id)).await? }))
}

async fn rules(State(s): State<AppState>, Extension(c): Extension<RequestCtx>) -> Res {
    ok(svc::rules(&s, &user(c)?).await?)
}

async fn create_rule(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Json(i): Json<RuleInput>,
) -> Res {
    ok(svc::save_rule(&s, &user(c)?, None, i).await?)
}

async fn update_rule(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
    Json(i): Json<RuleInput>,
) -> Res {
    ok(svc::save_rule(&s, &user(c)?, Some(id), i).await?)
}

async fn delete_rule(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    svc::delete_rule(&s, &user(c)?, id).await?;
    ok(json!({ "deleted": id }))
}

async fn rule_up(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    svc::shift_rule(&s, &user(c)?, id, true).await?;
    ok(json!({ "moved": "up" }))
}

async fn rule_down(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    svc::shift_rule(&s, &user(c)?, id, false).await?;
    ok(json!({ "moved": "down" }))
}

#[derive(Deserialize)]
struct HistoryQuery {
    rule: Option<i64>,
}

async fn history(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Query(q): Query<HistoryQuery>,
) -> Res {
    ok(svc::history(&s, &user(c)?, q.rule).await?)
}

async fn preview(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Json(i): Json<PreviewInput>,
) -> Res {
    ok(svc::preview_rule(&s, &user(c)?, i).await?)
}

async fn transfers(State(s): State<AppState>, Extension(c): Extension<RequestCtx>) -> Res {
    ok(svc::overview(&s, &user(c)?).await?)
}

async fn retry_job(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    let n = svc::retry(&s, &user(c)?, Some(id), None).await?;
    if n == 0 {
        return Err(HttpError(ApiError::NotFound));
    }
    ok(json!({ "retried": n }))
}

async fn cancel_job(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    svc::cancel(&s, &user(c)?, id).await?;
    ok(json!({ "cancelled": id }))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/destinations", get(destinations).post(create_destination))
        .route("/destinations/{id}", put(update_destination))
        .route("/destinations/{id}/pause", post(pause))
        .route("/destinations/{id}/resume", post(resume))
        .route("/destinations/{id}/pia", post(pia))
        .route("/destinations/{id}/retry-dead", post(retry_dead))
        .route("/rules", get(rules).post(create_rule))
        .route("/rules/{id}", put(update_rule).delete(delete_rule))
        .route("/rules/{id}/up", post(rule_up))
        .route("/rules/{id}/down", post(rule_down))
        .route("/rules/history", get(history))
        .route("/rules/preview", post(preview))
        .route("/transfers", get(transfers))
        .route("/jobs/{id}/retry", post(retry_job))
        .route("/jobs/{id}/cancel", post(cancel_job))
}
