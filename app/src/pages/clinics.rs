//! Clinic pages: the clinics a user belongs to, one clinic, and the administrators' list and editor.

use super::id_param;
use crate::api::{ClinicForm, SaveClinic, get_clinic, list_clinics};
use crate::i18n::{I18n, Msg, field_error, use_i18n};
use crate::widgets::{ErrorMsg, Loading, navigate_when};
use domain::views::ClinicView;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn status_msg(active: bool) -> Msg {
    if active { Msg::Active } else { Msg::Inactive }
}

/// A table of clinics; `edit` links each row to the administrators' editor.
fn clinic_table(i18n: I18n, list: Vec<ClinicView>, edit: bool) -> AnyView {
    if list.is_empty() {
        return view! { <p>{move || i18n.t(Msg::NoClinics)}</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|c| {
            let href = if edit {
                format!("/admin/clinics/{}", c.id.0)
            } else {
                format!("/clinics/{}", c.id.0)
            };
            let active = c.active;
            view! {
                <tr>
                    <td>{c.code.to_string()}</td>
                    <td>
                        <a href=href>{c.name.to_string()}</a>
                    </td>
                    <td>{move || i18n.t(status_msg(active))}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid">
            <thead>
                <tr>
                    <th>{move || i18n.t(Msg::Code)}</th>
                    <th>{move || i18n.t(Msg::Name)}</th>
                    <th>{move || i18n.t(Msg::Status)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn MyClinicsPage() -> impl IntoView {
    let i18n = use_i18n();
    let clinics = Resource::new(|| (), |_| list_clinics());
    view! {
        <h1>{move || i18n.t(Msg::NavClinics)}</h1>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match clinics.await {
                    Ok(list) => clinic_table(i18n, list, false),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ClinicPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let clinic = Resource::new(
        move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()),
        |id| async move {
            match id {
                Some(id) => get_clinic(id).await,
                None => Err(crate::api::ApiError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match clinic.await {
                    Ok(c) => {
                        let active = c.active;
                        view! {
                            <section class="card">
                                <h1 id="clinic-name">{c.name.to_string()}</h1>
                                <p>
                                    <strong>{move || i18n.t(Msg::Code)}</strong>
                                    ": "
                                    {c.code.to_string()}
                                </p>
                                <p>{move || i18n.t(status_msg(active))}</p>
                            </section>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AdminClinicsPage() -> impl IntoView {
    let i18n = use_i18n();
    let clinics = Resource::new(|| (), |_| list_clinics());
    view! {
        <div class="titlebar">
            <h1>{move || i18n.t(Msg::NavAdminClinics)}</h1>
            <a class="button" id="new-clinic" href="/admin/clinics/new">
                {move || i18n.t(Msg::NewClinic)}
            </a>
        </div>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match clinics.await {
                    Ok(list) => clinic_table(i18n, list, true),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn ClinicEditPage() -> impl IntoView {
    let params = use_params_map();
    let form = Resource::new(
        move || id_param(params.read().get("id")),
        |id| async move {
            match id {
                Ok(None) => Ok(ClinicForm {
                    id: None,
                    code: String::new(),
                    name: String::new(),
                    active: true,
                }),
                Ok(Some(id)) => get_clinic(id).await.map(|c| ClinicForm {
                    id: Some(c.id.0),
                    code: c.code.to_string(),
                    name: c.name.to_string(),
                    active: c.active,
                }),
                Err(()) => Err(crate::api::ApiError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match form.await {
                    Ok(initial) => view! { <ClinicEditor initial /> }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ClinicEditor(initial: ClinicForm) -> impl IntoView {
    let i18n = use_i18n();
    let id = initial.id;
    let code = RwSignal::new(initial.code);
    let name = RwSignal::new(initial.name);
    let active = RwSignal::new(initial.active);
    let save = ServerAction::<SaveClinic>::new();
    let code_error = move || field_error(i18n, &code.get(), domain::ClinicCode::parse);
    let name_error = move || field_error(i18n, &name.get(), domain::ClinicName::parse);
    let invalid = move || {
        domain::ClinicCode::parse(&code.get()).is_err()
            || domain::ClinicName::parse(&name.get()).is_err()
    };
    navigate_when(
        move || matches!(save.value().get(), Some(Ok(_))),
        "/admin/clinics",
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let form = ClinicForm {
            id,
            code: code.get_untracked(),
            name: name.get_untracked(),
            active: active.get_untracked(),
        };
        save.dispatch(SaveClinic { form });
    };
    view! {
        <section class="card">
            <h1>{move || i18n.t(if id.is_some() { Msg::EditClinic } else { Msg::NewClinic })}</h1>
            <form on:submit=on_submit id="clinic-form">
                <label>
                    {move || i18n.t(Msg::Code)}
                    <input name="code" bind:value=code maxlength="16" />
                    <small class="field-error">{code_error}</small>
                </label>
                <label>
                    {move || i18n.t(Msg::Name)}
                    <input name="name" bind:value=name maxlength="128" />
                    <small class="field-error">{name_error}</small>
                </label>
                <label class="check">
                    <input type="checkbox" name="active" bind:checked=active />
                    {move || i18n.t(Msg::Active)}
                </label>
                {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
                <div class="actions">
                    <a class="button secondary" href="/admin/clinics">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || invalid() || save.pending().get()>
                        {move || i18n.t(Msg::Save)}
                    </button>
                </div>
            </form>
        </section>
    }
}
