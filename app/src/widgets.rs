//! Small shared view pieces: error messages and loading placeholders.

use crate::api::ApiError;
use crate::i18n::{Msg, use_i18n};
use domain::ClinicId;
use domain::views::ClinicView;
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

/// The code of a clinic, or nothing if it is not in `clinics`.
pub fn clinic_code(clinics: &[ClinicView], id: ClinicId) -> String {
    clinics
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.code.to_string())
        .unwrap_or_default()
}

/// The codes of the known clinics among `ids`, comma-separated.
pub fn clinic_codes(clinics: &[ClinicView], ids: &[ClinicId]) -> String {
    ids.iter()
        .filter_map(|id| clinics.iter().find(|c| c.id == *id))
        .map(|c| c.code.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Goes to `to` once `done` turns true (an editor whose save succeeded).
pub fn navigate_when(done: impl Fn() -> bool + Send + Sync + 'static, to: &'static str) {
    Effect::new(move |_| {
        if done() {
            leptos_router::hooks::use_navigate()(to, Default::default());
        }
    });
}
