//! Small shared view pieces: error messages and loading placeholders.

use crate::api::ApiError;
use crate::i18n::{Msg, use_i18n};
use leptos::prelude::*;

/// A user-facing message for an error, in the current language.
#[component]
pub fn ErrorMsg(error: ApiError) -> impl IntoView {
    let i18n = use_i18n();
    let text = move || match &error {
        ApiError::NotFound => i18n.t(Msg::NotFound).to_owned(),
        ApiError::Forbidden => i18n.t(Msg::Forbidden).to_owned(),
        ApiError::BadCredentials => i18n.t(Msg::BadCredentials).to_owned(),
        ApiError::RateLimited { .. } => i18n.t(Msg::TooManyAttempts).to_owned(),
        ApiError::Unauthenticated => i18n.t(Msg::SignIn).to_owned(),
        other => format!("{} {other}", i18n.t(Msg::ErrorPrefix)),
    };
    view! { <p class="error" role="alert">{text}</p> }
}

/// Shown while data loads.
#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="loading" aria-busy="true">{move || i18n.t(Msg::Loading)}</p> }
}
