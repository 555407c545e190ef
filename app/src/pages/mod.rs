//! The pages, one module per area.

pub mod audit;
pub mod clinics;
pub mod hl7;
pub mod home;
pub mod login;
pub mod network;
pub mod orders;
pub mod patients;
pub mod people;
pub mod query;
pub mod reconcile;
pub mod routing;
pub mod studies;
pub mod tokens;
pub mod transfers;
pub mod users;

use crate::api::ApiError;
use crate::i18n::{Msg, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use leptos::prelude::*;

/// Parses a path parameter that is a database id, or `"new"` (→ `None`).
pub(crate) fn id_param(raw: Option<String>) -> Result<Option<i64>, ()> {
    match raw.as_deref() {
        Some("new") => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| ()),
        None => Err(()),
    }
}

/// An editor page: loads `load()` and the route's `:id` (`new` or a number), then shows
/// `form(id, data)`, or the error (an unknown id is "not found").
pub(crate) fn editor_page<D, Fut, F, V>(load: fn() -> Fut, form: F) -> impl IntoView
where
    D: Clone + serde::Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<D, ApiError>> + Send + 'static,
    F: Fn(Option<i64>, D) -> Result<V, ApiError> + Copy + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let params = leptos_router::hooks::use_params_map();
    let data = Resource::new(
        move || params.read().get("id"),
        move |raw| async move {
            let id = id_param(raw).map_err(|()| ApiError::NotFound)?;
            Ok::<_, ApiError>((id, load().await?))
        },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await.and_then(|(id, d)| form(id, d)) {
                    Ok(v) => v.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
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
