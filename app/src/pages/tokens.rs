//! DICOMweb tokens: issue a token for viewers and scripts (name, clinics, optional expiry;
//! validated in the browser with the domain code), see its secret once with an example call,
//! and list / revoke tokens (a second tap confirms). Administrators see every token, others
//! their own (the server decides).

use crate::api::{ApiError, IssueToken, RevokeToken, list_clinics, list_tokens};
use crate::i18n::{I18n, Tk, token_error, use_i18n};
use crate::widgets::{ErrorMsg, Loading, clinic_codes, utc_minute};
use domain::ClinicId;
use domain::tokens::{IssuedToken, TokenInput, TokenView};
use domain::views::ClinicView;
use leptos::prelude::*;

async fn load() -> Result<(Vec<TokenView>, Vec<ClinicView>), ApiError> {
    Ok((list_tokens().await?, list_clinics().await?))
}

#[component]
pub fn TokensPage() -> impl IntoView {
    let i18n = use_i18n();
    let issue = ServerAction::<IssueToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let data = Resource::new(
        move || (issue.version().get(), revoke.version().get()),
        |_| load(),
    );
    view! {
        <h1>{move || i18n.tk(Tk::Title)}</h1>
        <p class="muted">{move || i18n.tk(Tk::Intro)}</p>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((tokens, clinics)) => view! {
                        <IssueForm clinics=clinics.clone() issue />
                        <TokenList tokens clinics revoke />
                    }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn IssueForm(clinics: Vec<ClinicView>, issue: ServerAction<IssueToken>) -> impl IntoView {
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let days = RwSignal::new(String::new());
    let only = (clinics.len() == 1).then(|| clinics[0].id.0);
    let chosen = RwSignal::new(only.into_iter().collect::<Vec<i64>>());
    let problem = RwSignal::new(None::<Tk>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let expires_in_days = match days.get().trim() {
            "" => None,
            d => match d.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => return problem.set(Some(Tk::ErrExpiry)),
            },
        };
        let input = TokenInput {
            name: name.get(),
            user_id: None,
            clinics: chosen.get(),
            expires_in_days,
        };
        match input.validate() {
            Err(e) => problem.set(Some(token_error(&e))),
            Ok(()) => {
                problem.set(None);
                issue.dispatch(IssueToken { input });
            }
        }
    };
    let boxes = clinics
        .into_iter()
        .map(|c| {
            let id = c.id.0;
            let toggle = move |_| chosen.update(|v| if v.contains(&id) { v.retain(|x| *x != id) } else { v.push(id) });
            view! {
                <label class="check">
                    <input type="checkbox" prop:checked=move || chosen.get().contains(&id) on:change=toggle />
                    {format!("{} — {}", c.code, c.name)}
                </label>
            }
        })
        .collect_view();
    view! {
        <form class="card grid" id="token-form" on:submit=submit>
            <label>{move || i18n.tk(Tk::Name)}
                <input id="token-name" maxlength="64" prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e)) />
            </label>
            <label>{move || i18n.tk(Tk::ExpiresDays)}
                <input id="token-days" inputmode="numeric" prop:value=move || days.get() on:input=move |e| days.set(event_target_value(&e)) />
            </label>
            <fieldset><legend>{move || i18n.tk(Tk::Clinics)}</legend>{boxes}</fieldset>
            <div class="actions">
                <button type="submit" id="token-issue" disabled=move || issue.pending().get()>
                    {move || if issue.pending().get() { i18n.tk(Tk::Issuing) } else { i18n.tk(Tk::Issue) }}
                </button>
                {move || problem.get().map(|m| view! { <p class="error" role="alert">{i18n.tk(m)}</p> })}
                {move || match issue.value().get() {
                    Some(Err(error)) => view! { <ErrorMsg error /> }.into_any(),
                    _ => ().into_any(),
                }}
            </div>
        </form>
        {move || match issue.value().get() {
            Some(Ok(t)) => secret(i18n, t).into_any(),
            _ => ().into_any(),
        }}
    }
}

/// The new token's secret, shown once, with a ready-to-paste call.
fn secret(i18n: I18n, t: IssuedToken) -> impl IntoView {
    let origin = window().location().origin().unwrap_or_default();
    let example = format!(
        "curl -H \"Authorization: Bearer {}\" {origin}/dicomweb/studies",
        t.secret
    );
    view! {
        <div class="card secret" id="token-secret" role="status">
            <p><strong>{move || i18n.tk(Tk::SecretOnce)}</strong></p>
            <input readonly id="token-value" value=t.secret.clone() />
            <p class="muted">{move || i18n.tk(Tk::Example)} ": " <code>{example}</code></p>
        </div>
    }
}

fn state(i18n: I18n, t: &TokenView) -> impl IntoView + use<> {
    let (m, class) = if t.revoked {
        (Tk::Revoked, "bad")
    } else if t.expired {
        (Tk::Expired, "bad")
    } else {
        (Tk::Active, "ok")
    };
    view! { <span class=class>{move || i18n.tk(m)}</span> }
}

#[component]
fn TokenList(
    tokens: Vec<TokenView>,
    clinics: Vec<ClinicView>,
    revoke: ServerAction<RevokeToken>,
) -> impl IntoView {
    let i18n = use_i18n();
    if tokens.is_empty() {
        return view! { <p class="muted">{move || i18n.tk(Tk::NoTokens)}</p> }.into_any();
    }
    let armed = RwSignal::new(None::<i64>);
    let rows = tokens
        .into_iter()
        .map(|t| {
            let id = t.id;
            let ids: Vec<ClinicId> = t.clinics.iter().map(|c| ClinicId(*c)).collect();
            let whom = match t.user_id {
                Some(u) => format!("{} #{u}", i18n.tk(Tk::User)),
                None => i18n.tk(Tk::Application).to_owned(),
            };
            let live = !t.revoked && !t.expired;
            let button = live.then(|| view! {
                <button class="secondary" data-revoke=id on:click=move |_| {
                    if armed.get() == Some(id) { revoke.dispatch(RevokeToken { id }); armed.set(None); } else { armed.set(Some(id)); }
                }>
                    {move || if armed.get() == Some(id) { i18n.tk(Tk::ConfirmRevoke) } else { i18n.tk(Tk::Revoke) }}
                </button>
            });
            view! {
                <tr data-token=id>
                    <td>{t.name.clone()}</td>
                    <td>{whom}</td>
                    <td>{clinic_codes(&clinics, &ids)}</td>
                    <td>{t.created_by.clone()}<br /><small>{utc_minute(t.created_at_ms)}</small></td>
                    <td>{t.expires_at_ms.map_or_else(|| i18n.tk(Tk::Never).to_owned(), utc_minute)}</td>
                    <td>{t.last_used_at_ms.map(utc_minute).unwrap_or_default()}</td>
                    <td>{state(i18n, &t)}</td>
                    <td>{button}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="tablewrap">
            <table class="tokens">
                <thead><tr>
                    <th>{move || i18n.tk(Tk::NameCol)}</th><th>{move || i18n.tk(Tk::For)}</th>
                    <th>{move || i18n.tk(Tk::Clinics)}</th><th>{move || i18n.tk(Tk::Created)}</th>
                    <th>{move || i18n.tk(Tk::Expires)}</th><th>{move || i18n.tk(Tk::LastUsed)}</th>
                    <th>{move || i18n.tk(Tk::State)}</th><th></th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
