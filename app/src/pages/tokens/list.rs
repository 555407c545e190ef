//! The tokens list: name, who it acts for (a user or an application), clinics, created by and
//! when, expiry, last use and state, with Revoke on live tokens: the first tap opens a
//! confirmation under the row (Revoke / Cancel, full-size buttons), the second revokes.
//! Reloads when a token is issued or revoked.

use super::TokenData;
use crate::api::{IssueToken, RevokeToken, list_tokens};
use crate::i18n::{I18n, Msg, Tk, use_i18n};
use crate::widgets::{ErrorMsg, Loading, utc_minute};
use domain::tokens::TokenView;
use leptos::prelude::*;

/// The column count, for the confirmation row that spans them.
const COLUMNS: &str = "8";

/// A date on one line and its time below, small (keeps the columns narrow at 1024 px).
fn when(ms: i64) -> impl IntoView {
    let full = utc_minute(ms);
    let (day, time) = full
        .split_once(' ')
        .map_or((full.clone(), String::new()), |(d, t)| {
            (d.to_owned(), t.to_owned())
        });
    view! { <span class="nowrap">{day}</span><br /><small class="muted">{time}</small> }
}

fn state_badge(i18n: I18n, t: &TokenView) -> impl IntoView + use<> {
    let (m, class, key) = if t.revoked {
        (Tk::Revoked, "bad", "revoked")
    } else if t.expired {
        (Tk::Expired, "bad", "expired")
    } else {
        (Tk::Active, "ok", "active")
    };
    view! { <span class=class data-state=key>{move || i18n.tk(m)}</span> }
}

/// Who the token acts for: a user's name, or "application".
fn whom(i18n: I18n, data: StoredValue<TokenData>, t: &TokenView) -> AnyView {
    match t.user_id {
        Some(u) => data.with_value(|d| d.user_label(u)).into_any(),
        None => view! { <em>{move || i18n.tk(Tk::Application)}</em> }.into_any(),
    }
}

fn clinic_badges(data: StoredValue<TokenData>, ids: &[i64]) -> impl IntoView + use<> {
    ids.iter()
        .map(|id| {
            let (name, code) = data.with_value(|d| d.clinic_label(*id));
            view! { <span class="badge" title=code>{name}</span> }
        })
        .collect_view()
}

/// Asks before revoking, under the token's row.
fn confirm_row(
    i18n: I18n,
    t: &TokenView,
    armed: RwSignal<Option<i64>>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView + use<> {
    let (id, name) = (t.id, t.name.clone());
    let pending = revoke.pending();
    move || {
        (armed.get() == Some(id)).then(|| {
            let name = name.clone();
            view! {
                <tr class="confirm" data-confirm=id>
                    <td colspan=COLUMNS>
                        <span class="question">{move || i18n.tk(Tk::ConfirmQuestion)} " " <q>{name}</q></span>
                        <button type="button" class="danger" data-confirm-revoke=id disabled=move || pending.get()
                            on:click=move |_| { revoke.dispatch(RevokeToken { id }); armed.set(None); }>
                            {move || i18n.tk(Tk::Revoke)}
                        </button>
                        <button type="button" class="secondary" data-cancel-revoke=id on:click=move |_| armed.set(None)>
                            {move || i18n.t(Msg::Cancel)}
                        </button>
                    </td>
                </tr>
            }
        })
    }
}

fn token_row(
    i18n: I18n,
    data: StoredValue<TokenData>,
    t: TokenView,
    armed: RwSignal<Option<i64>>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView {
    let id = t.id;
    let live = !t.revoked && !t.expired;
    let button = live.then(|| {
        view! {
            <button type="button" class="secondary" data-revoke=id aria-expanded=move || (armed.get() == Some(id)).to_string()
                on:click=move |_| armed.set(Some(id))>
                {move || i18n.tk(Tk::Revoke)}
            </button>
        }
    });
    view! {
        <tr data-token=id class:muted=!live class:armed=move || armed.get() == Some(id)>
            <td class="token-name">{t.name.clone()}
                {t.can_store.then(|| view! { <br /><small class="muted" data-can-store="">{move || i18n.tk(Tk::Uploads)}</small> })}
            </td>
            <td>{whom(i18n, data, &t)}</td>
            <td>{clinic_badges(data, &t.clinics)}</td>
            <td>{t.created_by.clone()}<br />{when(t.created_at_ms)}</td>
            <td>{t.expires_at_ms.map_or_else(|| view! { <span>{move || i18n.tk(Tk::Never)}</span> }.into_any(), |ms| when(ms).into_any())}</td>
            <td>{t.last_used_at_ms.map_or_else(|| view! { <span class="muted">{move || i18n.tk(Tk::NotUsed)}</span> }.into_any(), |ms| when(ms).into_any())}</td>
            <td>{state_badge(i18n, &t)}</td>
            <td class="nowrap">{button}</td>
        </tr>
        {confirm_row(i18n, &t, armed, revoke)}
    }
}

fn table(
    i18n: I18n,
    data: StoredValue<TokenData>,
    tokens: Vec<TokenView>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView {
    let armed = RwSignal::new(None::<i64>);
    let rows = tokens
        .into_iter()
        .map(|t| token_row(i18n, data, t, armed, revoke))
        .collect_view();
    let th = move |m: Tk| view! { <th>{move || i18n.tk(m)}</th> };
    view! {
        <div class="table-scroll">
            <table class="grid compact tokens" id="tokens">
                <thead><tr>
                    {th(Tk::NameCol)}{th(Tk::For)}{th(Tk::Clinics)}{th(Tk::Created)}
                    {th(Tk::Expires)}{th(Tk::LastUsed)}{th(Tk::State)}<th></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
pub(super) fn TokenList(
    data: StoredValue<TokenData>,
    issue: ServerAction<IssueToken>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView {
    let i18n = use_i18n();
    let tokens = Resource::new(
        move || (issue.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    view! {
        <section class="tokens-list">
            <h2>{move || i18n.tk(Tk::ListTitle)}</h2>
            {move || match revoke.value().get() {
                Some(Err(error)) => view! { <ErrorMsg error /> }.into_any(),
                _ => ().into_any(),
            }}
            <Transition fallback=|| view! { <Loading /> }>
                {move || Suspend::new(async move {
                    match tokens.await {
                        Ok(v) if v.is_empty() => view! { <p class="muted" id="no-tokens">{move || i18n.tk(Tk::NoTokens)}</p> }.into_any(),
                        Ok(v) => table(i18n, data, v, revoke).into_any(),
                        Err(error) => view! { <ErrorMsg error /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
