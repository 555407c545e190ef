//! The JSON API of query / retrieve (`/api/v1`): nodes the caller may use, multi-PACS study
//! search, drill-down, retrieve jobs (start, list, cancel) and the audit trail of queries and
//! retrieves, and DICOMweb access tokens. Errors as in `api`.

use crate::services::query as svc;
use crate::state::AppState;
use app::backend::RequestCtx;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use domain::query::{DrillDown, PacsSearch, RetrieveRequest};
use serde::Deserialize;
use serde_json::json;

use super::api::{Res, ok, signed_in as user};

async fn nodes(State(s): State<AppState>, Extension(c): Extension<RequestCtx>) -> Res {
    ok(svc::nodes(&s, &user(c)?).await?)
}

async fn studies(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Json(q): Json<PacsSearch>,
) -> Res {
    ok(svc::search_pacs(&s, &user(c)?, q).await?)
}

async fn drill(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Json(q): Json<DrillDown>,
) -> Res {
    ok(svc::drill_down(&s, &user(c)?, q).await?)
}

async fn start(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Json(rq): Json<RetrieveRequest>,
) -> Res {
    let view = svc::start_retrieve(&s, &user(c)?, rq).await?;
    Ok((axum::http::StatusCode::ACCEPTED, Json(view)).into_response())
}

async fn list(State(s): State<AppState>, Extension(c): Extension<RequestCtx>) -> Res {
    ok(svc::list(&s, &user(c)?).await?)
}

async fn one(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    ok(svc::get(&s, &user(c)?, id).await?)
}

async fn cancel(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    ok(svc::cancel(&s, &user(c)?, id).await?)
}

#[derive(Deserialize)]
struct AuditQuery {
    action: Option<String>,
}

/// Administrators: the latest audited queries and retrieves.
async fn audit(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Query(q): Query<AuditQuery>,
) -> Res {
    let u = user(c)?;
    let rows = crate::services::audit::events(&s, &u, q.action.as_deref()).await?;
    let out: Vec<_> = rows
        .into_iter()
        .map(|r| {
            json!({ "id": r.id, "at_ms": r.at, "actor": r.actor, "clinic_id": r.clinic_id,
                "action": r.action, "node_id": r.node_id,
                "detail": serde_json::from_str::<serde_json::Value>(&r.detail).unwrap_or_default(),
                "outcome": r.outcome, "result_count": r.result_count })
        })
        .collect();
    ok(out)
}

async fn tokens(State(s): State<AppState>, Extension(c): Extension<RequestCtx>) -> Res {
    ok(crate::services::tokens::list(&s, &user(c)?).await?)
}

async fn create_token(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Json(input): Json<domain::tokens::TokenInput>,
) -> Res {
    let issued = crate::services::tokens::create(&s, &user(c)?, input).await?;
    Ok((axum::http::StatusCode::CREATED, Json(issued)).into_response())
}

async fn revoke_token(
    State(s): State<AppState>,
    Extension(c): Extension<RequestCtx>,
    Path(id): Path<i64>,
) -> Res {
    ok(crate::services::tokens::revoke(&s, &user(c)?, id).await?)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/query/nodes", get(nodes))
        .route("/query/studies", post(studies))
        .route("/query/drill", post(drill))
        .route("/retrieves", get(list).post(start))
        .route("/retrieves/{id}", get(one))
        .route("/retrieves/{id}/cancel", post(cancel))
        .route("/audit", get(audit))
        .route("/tokens", get(tokens).post(create_token))
        .route("/tokens/{id}/revoke", post(revoke_token))
}
