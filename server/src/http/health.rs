//! Liveness (`/healthz`: the process answers) and readiness (`/readyz`: the database answers).

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use http::StatusCode;

pub async fn live() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

pub async fn ready(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "unavailable", "database": "down" })),
            )
        }
    }
}
