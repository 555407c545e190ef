//! User administration: the list, and the editor (role, clinics, activation, password reset).

use super::id_param;
use crate::api::{ApiError, SaveUser, UserForm, get_user, list_clinics, list_users};
use crate::i18n::{I18n, Msg, field_error, role_msg, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use domain::Role;
use domain::views::{ClinicView, UserView};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

fn user_table(i18n: I18n, users: Vec<UserView>, clinics: &[ClinicView]) -> AnyView {
    let clinic_codes = |ids: &[domain::ClinicId]| {
        ids.iter()
            .filter_map(|id| clinics.iter().find(|c| c.id == *id))
            .map(|c| c.code.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let rows = users
        .into_iter()
        .map(|u| {
            let (role, active) = (u.role, u.active);
            view! {
                <tr>
                    <td>
                        <a href=format!("/admin/users/{}", u.id.0)>{u.username.to_string()}</a>
                    </td>
                    <td>{u.display_name.to_string()}</td>
                    <td>{move || i18n.t(role_msg(role))}</td>
                    <td>{clinic_codes(&u.clinics)}</td>
                    <td>{move || i18n.t(if active { Msg::Active } else { Msg::Inactive })}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="users">
            <thead>
                <tr>
                    <th>{move || i18n.t(Msg::Username)}</th>
                    <th>{move || i18n.t(Msg::DisplayName)}</th>
                    <th>{move || i18n.t(Msg::Role)}</th>
                    <th>{move || i18n.t(Msg::Clinics)}</th>
                    <th>{move || i18n.t(Msg::Status)}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(
        || (),
        |_| async move { Ok::<_, ApiError>((list_users().await?, list_clinics().await?)) },
    );
    view! {
        <div class="titlebar">
            <h1>{move || i18n.t(Msg::NavAdminUsers)}</h1>
            <a class="button" id="new-user" href="/admin/users/new">
                {move || i18n.t(Msg::NewUser)}
            </a>
        </div>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((users, clinics)) => user_table(i18n, users, &clinics),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

async fn load_form(id: Result<Option<i64>, ()>) -> Result<(UserForm, Vec<ClinicView>), ApiError> {
    let clinics = list_clinics().await?;
    let form = match id {
        Ok(None) => UserForm {
            id: None,
            username: String::new(),
            display_name: String::new(),
            role: Role::ClinicStaff,
            clinics: vec![],
            active: true,
            password: Some(String::new()),
        },
        Ok(Some(id)) => {
            let u = get_user(id).await?;
            UserForm {
                id: Some(u.id.0),
                username: u.username.to_string(),
                display_name: u.display_name.to_string(),
                role: u.role,
                clinics: u.clinics.iter().map(|c| c.0).collect(),
                active: u.active,
                password: None,
            }
        }
        Err(()) => return Err(ApiError::NotFound),
    };
    Ok((form, clinics))
}

#[component]
pub fn UserEditPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(move || id_param(params.read().get("id")), load_form);
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((initial, clinics)) => view! { <UserEditor initial clinics /> }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn role_select(i18n: I18n, role: RwSignal<Role>) -> impl IntoView {
    let options = Role::ALL
        .into_iter()
        .map(|r| {
            view! {
                <option value=r.as_str() selected=move || role.get() == r>
                    {move || i18n.t(role_msg(r))}
                </option>
            }
        })
        .collect_view();
    view! {
        <select
            name="role"
            on:change=move |ev| {
                if let Ok(r) = event_target_value(&ev).parse::<Role>() {
                    role.set(r);
                }
            }
        >
            {options}
        </select>
    }
}

fn clinic_checkboxes(clinics: Vec<ClinicView>, chosen: RwSignal<Vec<i64>>) -> impl IntoView {
    clinics
        .into_iter()
        .map(|c| {
            let id = c.id.0;
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        name="clinics"
                        value=id.to_string()
                        prop:checked=move || chosen.read().contains(&id)
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            chosen.update(|v| {
                                v.retain(|x| *x != id);
                                if on {
                                    v.push(id);
                                }
                            });
                        }
                    />
                    {c.code.to_string()}
                    " — "
                    {c.name.to_string()}
                </label>
            }
        })
        .collect_view()
}

#[component]
fn UserEditor(initial: UserForm, clinics: Vec<ClinicView>) -> impl IntoView {
    let i18n = use_i18n();
    let id = initial.id;
    let username = RwSignal::new(initial.username);
    let display_name = RwSignal::new(initial.display_name);
    let role = RwSignal::new(initial.role);
    let chosen = RwSignal::new(initial.clinics);
    let active = RwSignal::new(initial.active);
    let password = RwSignal::new(String::new());
    let save = ServerAction::<SaveUser>::new();
    // Validated in the browser with the same domain types the server uses.
    let username_error = move || field_error(i18n, &username.get(), domain::Username::parse);
    let name_error = move || field_error(i18n, &display_name.get(), domain::DisplayName::parse);
    let password_error = move || field_error(i18n, &password.get(), domain::NewPassword::parse);
    let invalid = move || {
        domain::Username::parse(&username.get()).is_err()
            || domain::DisplayName::parse(&display_name.get()).is_err()
            || (id.is_none() || !password.get().is_empty())
                && domain::NewPassword::parse(&password.get()).is_err()
    };
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            use_navigate()("/admin/users", Default::default());
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let p = password.get_untracked();
        let form = UserForm {
            id,
            username: username.get_untracked(),
            display_name: display_name.get_untracked(),
            role: role.get_untracked(),
            clinics: chosen.get_untracked(),
            active: active.get_untracked(),
            password: (!p.is_empty()).then_some(p),
        };
        save.dispatch(SaveUser { form });
    };
    let pw_label = if id.is_some() {
        Msg::NewPasswordOptional
    } else {
        Msg::InitialPassword
    };
    view! {
        <section class="card">
            <h1>{move || i18n.t(if id.is_some() { Msg::EditUser } else { Msg::NewUser })}</h1>
            <form on:submit=on_submit id="user-form">
                <label>
                    {move || i18n.t(Msg::Username)}
                    <input name="username" bind:value=username readonly=id.is_some() autocomplete="off" />
                    <small class="field-error" id="username-error">{username_error}</small>
                </label>
                <label>
                    {move || i18n.t(Msg::DisplayName)}
                    <input name="display_name" bind:value=display_name />
                    <small class="field-error">{name_error}</small>
                </label>
                <label>{move || i18n.t(Msg::Role)} {role_select(i18n, role)}</label>
                <fieldset>
                    <legend>{move || i18n.t(Msg::Clinics)}</legend>
                    {clinic_checkboxes(clinics, chosen)}
                </fieldset>
                <label class="check">
                    <input type="checkbox" name="active" bind:checked=active />
                    {move || i18n.t(Msg::Active)}
                </label>
                <label>
                    {move || i18n.t(pw_label)}
                    <input type="password" name="password" bind:value=password autocomplete="new-password" />
                    <small class="hint">{move || i18n.t(Msg::PasswordRule)}</small>
                    <small class="field-error">{password_error}</small>
                </label>
                {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
                <div class="actions">
                    <a class="button secondary" href="/admin/users">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || invalid() || save.pending().get()>
                        {move || i18n.t(Msg::Save)}
                    </button>
                </div>
            </form>
        </section>
    }
}
