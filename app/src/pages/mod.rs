//! The pages, one module per area.

pub mod clinics;
pub mod home;
pub mod login;
pub mod network;
pub mod routing;
pub mod studies;
pub mod transfers;
pub mod users;

use crate::i18n::{Msg, use_i18n};
use leptos::prelude::*;

/// Parses a path parameter that is a database id, or `"new"` (→ `None`).
pub(crate) fn id_param(raw: Option<String>) -> Result<Option<i64>, ()> {
    match raw.as_deref() {
        Some("new") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| ()),
        None => Err(()),
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! { <h1>{move || i18n.t(Msg::NotFound)}</h1> }
}
