//! The OpenAPI 3.1 document of the registry's JSON API, generated from the handlers' and types'
//! annotations (utoipa) and served at `GET /api/v1/openapi.json`.

use super::{orders_api as o, registry_api as r};
use axum::Json;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};

struct Session;

impl utoipa::Modify for Session {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        let key = ApiKeyValue::with_description(
            super::SESSION_COOKIE,
            "The session of POST /api/login (form fields username, password). State-changing requests must come from the same origin (Origin header).",
        );
        c.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(key)));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Passerelle registry API", description = "Patients, referring physicians, radiologists, procedures, orders, reconciliation and HL7 intake of the clinics the signed-in user belongs to."),
    paths(
        r::list_patients, r::create_patient, r::get_patient, r::update_patient, r::merge_patient,
        r::list_physicians, r::create_physician, r::get_physician, r::update_physician,
        r::list_radiologists, r::create_radiologist, r::get_radiologist, r::update_radiologist,
        r::list_procedures, r::create_procedure, r::get_procedure, r::update_procedure,
        o::list_orders, o::create_order, o::get_order, o::update_order, o::order_status, o::accept_link,
        o::unmatched, o::unmatched_steps, o::attach, o::suggestion,
        o::messages, o::message, o::reprocess, o::facilities, o::save_facilities,
    ),
    security(("session" = [])),
    modifiers(&Session),
)]
pub struct ApiDoc;

/// `GET /api/v1/openapi.json` (public: it describes the API, it holds no data).
pub async fn document() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
