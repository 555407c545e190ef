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
        ApiError::Field(f) => crate::i18n::Localized::localized(f, i18n.locale()),
        ApiError::Warnings(w) => w
            .iter()
            .map(|w| crate::i18n::ramq_warning(i18n.locale(), w))
            .collect::<Vec<_>>()
            .join(" "),
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

/// `YYYY-MM-DD HH:MM UTC` of Unix milliseconds (civil-from-days, proleptic Gregorian).
pub fn utc_minute(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_minute_formats_known_instants() {
        assert_eq!(super::utc_minute(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::utc_minute(1_795_000_000_000), "2026-11-18 11:06 UTC");
    }
}
