//! The HTTP side: one axum router with the Leptos pages, the server functions, the JSON API,
//! health probes and static files, behind CSRF, session and authentication layers.

pub mod api;
pub mod csrf;
pub mod guard;
pub mod health;
pub mod openapi;
pub mod orders_api;
pub mod query_api;
pub mod registry_api;
pub mod routing_api;

use crate::auth::{DbSessionStore, session};
use crate::services::AppBackend;
use crate::state::AppState;
use crate::workflow::backend::WorkflowBackend;
use app::backend::{BackendHandle, RegistryHandle};
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::get;
use http::{HeaderName, HeaderValue};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use std::sync::Arc;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The cookie that carries the session id.
pub const SESSION_COOKIE: &str = "passerelle_session";

pub(crate) fn session_layer(state: &AppState) -> SessionManagerLayer<DbSessionStore> {
    let idle = time::Duration::minutes(i64::from(state.config.auth.idle_timeout_minutes));
    SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies())
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
        .with_always_save(true)
}

fn security_headers(router: Router) -> Router {
    let headers = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        // Pages send their own policy with the nonce of their inline scripts (app::csp); every
        // other response (API, DICOMweb, files) allows nothing to run or frame it.
        (
            "content-security-policy",
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
        ),
    ];
    headers.into_iter().fold(router, |r, (k, v)| {
        r.layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static(k),
            HeaderValue::from_static(v),
        ))
    })
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    crate::telemetry::install();
    let backend = BackendHandle(Arc::new(AppBackend::new(state.clone())));
    let registry = RegistryHandle(Arc::new(WorkflowBackend::new(state.clone())));
    let routes = generate_route_list(app::App);
    let options = state.leptos.clone();
    let ctx_pages = {
        let (b, r) = (backend.clone(), registry.clone());
        move || {
            provide_context(b.clone());
            provide_context(r.clone());
        }
    };
    let ctx_fns = ctx_pages.clone();
    let server_fns = move |req: Request<Body>| handle_server_fns_with_context(ctx_fns.clone(), req);
    let fallback = {
        let ctx = ctx_pages.clone();
        let opts = options.clone();
        leptos_axum::render_app_to_stream_with_context(ctx, move || app::shell(opts.clone()))
    };
    let app_routes = Router::new()
        .nest(
            "/api/v1",
            api::routes(backend)
                .merge(routing_api::routes())
                .merge(query_api::routes())
                .merge(registry_api::routes())
                .merge(orders_api::routes()),
        )
        .route("/api/{*fn_name}", get(server_fns.clone()).post(server_fns))
        .leptos_routes_with_context(&state, routes, ctx_pages, move || {
            app::shell(options.clone())
        })
        .fallback(move |req: Request<Body>| async move { fallback(req).await.into_response() })
        .layer(axum::middleware::from_fn(guard::pages))
        .layer(from_fn_with_state(state.clone(), session::attach))
        .layer(session_layer(&state))
        .layer(from_fn_with_state(state.clone(), csrf::check));
    let pkg = state.config.server.site_dir.join("pkg");
    let public = Router::new()
        .route("/healthz", get(health::live))
        .route("/readyz", get(health::ready))
        .route("/metrics", get(crate::telemetry::scrape))
        .route("/api/v1/openapi.json", get(openapi::document))
        .nest_service("/pkg", ServeDir::new(pkg))
        .route_service("/robots.txt", ServeDir::new(&state.config.server.site_dir))
        .route_service("/favicon.svg", ServeDir::new(&state.config.server.site_dir))
        .nest("/dicomweb", crate::dicomweb::router(&state));
    security_headers(public.merge(app_routes).with_state(state))
}
