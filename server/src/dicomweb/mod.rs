//! The DICOMweb door under `/dicomweb` (PS3.18): QIDO-RS search (`qido`), WADO-RS retrieve
//! (`wado`), STOW-RS store (`stow`), each answering from the index and the spool, filtered to
//! the caller's clinics (a study of another clinic is 404). Authentication in `auth`; CORS for
//! the configured viewer origins.

pub mod access;
pub mod auth;
pub mod error;
pub mod json;
pub mod qido;
pub mod stow;
pub mod wado;

pub use auth::Caller;
pub use error::DwError;

use crate::auth::session;
use crate::state::AppState;
use axum::Router;
use axum::middleware::from_fn_with_state;
use http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

/// CORS for the configured viewer origins (PS3.18 §8.6 leaves it to the server); none by
/// default. Preflight requests are answered before authentication.
fn cors(state: &AppState) -> CorsLayer {
    let origins: Vec<HeaderValue> = state
        .config
        .dicomweb
        .cors_origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim_end_matches('/')).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
        .allow_headers([header::AUTHORIZATION, header::ACCEPT, header::CONTENT_TYPE])
        .expose_headers([
            header::CONTENT_TYPE,
            header::CONTENT_LENGTH,
            HeaderName::from_static("warning"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// The `/dicomweb` router with its authentication, session and CORS layers.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(qido::routes())
        .merge(stow::routes())
        .merge(wado::routes())
        .layer(from_fn_with_state(state.clone(), auth::authenticate))
        .layer(from_fn_with_state(state.clone(), session::attach))
        .layer(crate::http::session_layer(state))
        .layer(cors(state))
}
