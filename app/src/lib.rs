//! Passerelle's web UI: the HTML shell, the routes and the pages (SSR on the server, hydrated in
//! the browser). Server functions are in `api`; the services behind them are the server's.
#![recursion_limit = "256"]

pub mod api;
#[cfg(feature = "ssr")]
pub mod backend;
#[cfg(feature = "ssr")]
mod csp;
mod forms;
pub mod i18n;
mod layout;
mod pages;
mod widgets;

use i18n::{I18n, Locale};
use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The locale of this render: on the server from the request (cookie, then Accept-Language);
/// in the browser from `<html lang>`, which the server set.
pub fn request_locale() -> Locale {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| {
                let h = &p.headers;
                h.get(http::header::COOKIE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Locale::from_cookie_header)
                    .or_else(|| {
                        h.get(http::header::ACCEPT_LANGUAGE)
                            .and_then(|v| v.to_str().ok())
                            .and_then(Locale::from_accept_language)
                    })
            })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document()
            .document_element()
            .and_then(|e| e.get_attribute("lang"))
            .and_then(|l| Locale::parse(&l))
            .unwrap_or_default()
    }
}

/// The whole HTML document (server only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = request_locale().code();
    #[cfg(feature = "ssr")]
    csp::set_header();
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: locale, signed-in user, layout and routes.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let i18n = I18n(RwSignal::new(request_locale()));
    provide_context(i18n);
    let me = Resource::new(|| (), |_| api::whoami());
    provide_context(me);
    // A marker for tests and scripts: set only once the WASM app runs in the browser.
    Effect::new(move |_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="passerelle" href="/pkg/passerelle.css" />
        <Title text="Passerelle" />
        <Router>
            <layout::Layout>
                <Routes fallback=|| view! { <pages::NotFoundPage /> }>
                    <Route path=path!("") view=pages::home::HomePage />
                    <Route path=path!("login") view=pages::login::LoginPage />
                    <Route path=path!("clinics") view=pages::clinics::MyClinicsPage />
                    <Route path=path!("clinics/:id") view=pages::clinics::ClinicPage />
                    <Route path=path!("admin/clinics") view=pages::clinics::AdminClinicsPage />
                    <Route path=path!("admin/clinics/:id") view=pages::clinics::ClinicEditPage />
                    <Route path=path!("admin/users") view=pages::users::AdminUsersPage />
                    <Route path=path!("admin/users/:id") view=pages::users::UserEditPage />
                    <Route path=path!("studies") view=pages::studies::StudiesPage />
                    <Route path=path!("studies/:id") view=pages::studies::StudyPageView />
                    <Route path=path!("admin/network") view=pages::network::NetworkPage />
                    <Route path=path!("admin/network/aes/:id") view=pages::network::editors::LocalAeEditPage />
                    <Route path=path!("admin/network/nodes/:id") view=pages::network::editors::NodeEditPage />
                    <Route path=path!("admin/routing") view=pages::routing::RoutingPage />
                    <Route path=path!("admin/routing/destinations/:id") view=pages::routing::destination_editor::DestinationEditPage />
                    <Route path=path!("admin/routing/rules/:id") view=pages::routing::rule_editor::RuleEditPage />
                    <Route path=path!("admin/transfers") view=pages::transfers::TransfersPage />
                    <Route path=path!("query") view=pages::query::QueryPage />
                    <Route path=path!("tokens") view=pages::tokens::TokensPage />
                    <Route path=path!("admin/audit") view=pages::audit::AuditPage />
                    <Route path=path!("orders") view=pages::orders::OrdersPage />
                    <Route path=path!("orders/:id") view=pages::orders::detail::OrderRoute />
                    <Route path=path!("orders/:id/edit") view=pages::orders::form::OrderEditPage />
                    <Route path=path!("patients") view=pages::patients::PatientsPage />
                    <Route path=path!("patients/:id") view=pages::patients::file::PatientRoute />
                    <Route path=path!("patients/:id/edit") view=pages::patients::form::PatientEditPage />
                    <Route path=path!("physicians") view=pages::people::physicians::PhysiciansPage />
                    <Route path=path!("physicians/:id") view=pages::people::physicians::PhysicianEditPage />
                    <Route path=path!("radiologists") view=pages::people::radiologists::RadiologistsPage />
                    <Route path=path!("radiologists/:id") view=pages::people::radiologist_form::RadiologistEditPage />
                    <Route path=path!("procedures") view=pages::people::procedures::ProceduresPage />
                    <Route path=path!("procedures/:id") view=pages::people::procedures::ProcedureEditPage />
                    <Route path=path!("reconcile") view=pages::reconcile::ReconcilePage />
                    <Route path=path!("admin/hl7") view=pages::hl7::Hl7Page />
                </Routes>
            </layout::Layout>
        </Router>
    }
}

/// The signed-in user resource provided by `App`.
pub type MeResource = Resource<Result<Option<domain::views::SessionUser>, api::ApiError>>;
