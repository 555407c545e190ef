//! The sign-in page. Before hydration the form posts straight to the server function.

use crate::api::Login;
use crate::i18n::{Msg, use_i18n};
use crate::widgets::ErrorMsg;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Only same-site paths are accepted as the page to return to after sign-in.
fn safe_next(raw: Option<String>) -> String {
    raw.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".to_owned())
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = ServerAction::<Login>::new();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let next = safe_next(use_query_map().with_untracked(|q| q.get("next")));
    Effect::new(move |_| {
        if let Some(Ok(_)) = action.value().get() {
            let _ = window().location().assign(&next);
        }
    });
    let pending = action.pending();
    view! {
        <section class="card narrow">
            <h1>{move || i18n.t(Msg::SignIn)}</h1>
            <p class="muted">{move || i18n.t(Msg::AppTagline)}</p>
            <form
                method="post"
                action="/api/login"
                on:submit=move |ev| {
                    ev.prevent_default();
                    action
                        .dispatch(Login {
                            username: username.get_untracked(),
                            password: password.get_untracked(),
                        });
                }
            >
                <label>
                    {move || i18n.t(Msg::Username)}
                    <input name="username" autocomplete="username" required bind:value=username />
                </label>
                <label>
                    {move || i18n.t(Msg::Password)}
                    <input
                        type="password"
                        name="password"
                        autocomplete="current-password"
                        required
                        bind:value=password
                    />
                </label>
                {move || {
                    action.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })
                }}
                <button type="submit" id="signin" disabled=move || pending.get()>
                    {move || i18n.t(if pending.get() { Msg::SigningIn } else { Msg::SignIn })}
                </button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next(Some("/admin/users".into())), "/admin/users");
        assert_eq!(safe_next(Some("//evil.example".into())), "/");
        assert_eq!(safe_next(Some("https://evil.example".into())), "/");
        assert_eq!(safe_next(Some("/\\evil".into())), "/");
        assert_eq!(safe_next(None), "/");
    }
}
