//! User administration: the list, and the editor (role, clinics, activation, password reset).

use super::id_param;
use crate::api::{ApiError, SaveUser, UserForm, get_user, list_clinics, list_users};
use crate::i18n::{I18n, Msg, field_error, role_msg, use_i18n};
use crate::widgets::{ErrorMsg, Loading, clinic_codes, navigate_when};
use domain::Role;
use domain::views::{ClinicView, UserView};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn user_table(i18n: I18n, users: Vec<UserView>, clinics: &[ClinicView]) -> AnyView {
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
                    <td>{clinic_codes(clinics, &u.clinics)}</td>
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

pub(crate) fn clinic_checkboxes(
    clinics: Vec<ClinicView>,
    chosen: RwSignal<Vec<i64>>,
) -> impl IntoView {
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

/// The editor's state: one signal per field.
#[derive(Clone, Copy)]
struct Fields {
    id: Option<i64>,
    username: RwSignal<String>,
    display_name: RwSignal<String>,
    role: RwSignal<Role>,
    clinics: RwSignal<Vec<i64>>,
    active: RwSignal<bool>,
    password: RwSignal<String>,
}

impl Fields {
    fn new(f: UserForm) -> Self {
        Self {
            id: f.id,
            username: RwSignal::new(f.username),
            display_name: RwSignal::new(f.display_name),
            role: RwSignal::new(f.role),
            clinics: RwSignal::new(f.clinics),
            active: RwSignal::new(f.active),
            password: RwSignal::new(String::new()),
        }
    }

    /// Whether the form may be sent (validated with the domain types the server uses).
    fn valid(self) -> bool {
        let p = self.password.get();
        domain::Username::parse(&self.username.get()).is_ok()
            && domain::DisplayName::parse(&self.display_name.get()).is_ok()
            && (self.id.is_some() && p.is_empty() || domain::NewPassword::parse(&p).is_ok())
    }

    fn form(self) -> UserForm {
        let p = self.password.get_untracked();
        UserForm {
            id: self.id,
            username: self.username.get_untracked(),
            display_name: self.display_name.get_untracked(),
            role: self.role.get_untracked(),
            clinics: self.clinics.get_untracked(),
            active: self.active.get_untracked(),
            password: (!p.is_empty()).then_some(p),
        }
    }
}

fn identity_inputs(i18n: I18n, f: Fields) -> impl IntoView {
    let username_error = move || field_error(i18n, &f.username.get(), domain::Username::parse);
    let name_error = move || field_error(i18n, &f.display_name.get(), domain::DisplayName::parse);
    view! {
        <label>
            {move || i18n.t(Msg::Username)}
            <input name="username" bind:value=f.username readonly=f.id.is_some() autocomplete="off" />
            <small class="field-error" id="username-error">{username_error}</small>
        </label>
        <label>
            {move || i18n.t(Msg::DisplayName)}
            <input name="display_name" bind:value=f.display_name />
            <small class="field-error">{name_error}</small>
        </label>
    }
}

fn password_input(i18n: I18n, f: Fields) -> impl IntoView {
    let error = move || field_error(i18n, &f.password.get(), domain::NewPassword::parse);
    let label = if f.id.is_some() {
        Msg::NewPasswordOptional
    } else {
        Msg::InitialPassword
    };
    view! {
        <label>
            {move || i18n.t(label)}
            <input type="password" name="password" bind:value=f.password autocomplete="new-password" />
            <small class="hint">{move || i18n.t(Msg::PasswordRule)}</small>
            <small class="field-error">{error}</small>
        </label>
    }
}

#[component]
fn UserEditor(initial: UserForm, clinics: Vec<ClinicView>) -> impl IntoView {
    let i18n = use_i18n();
    let f = Fields::new(initial);
    let save = ServerAction::<SaveUser>::new();
    navigate_when(
        move || matches!(save.value().get(), Some(Ok(_))),
        "/admin/users",
    );
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveUser { form: f.form() });
    };
    let title = if f.id.is_some() {
        Msg::EditUser
    } else {
        Msg::NewUser
    };
    view! {
        <section class="card">
            <h1>{move || i18n.t(title)}</h1>
            <form on:submit=on_submit id="user-form">
                {identity_inputs(i18n, f)}
                <label>{move || i18n.t(Msg::Role)} {role_select(i18n, f.role)}</label>
                <fieldset>
                    <legend>{move || i18n.t(Msg::Clinics)}</legend>
                    {clinic_checkboxes(clinics, f.clinics)}
                </fieldset>
                <label class="check">
                    <input type="checkbox" name="active" bind:checked=f.active />
                    {move || i18n.t(Msg::Active)}
                </label>
                {password_input(i18n, f)}
                {move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
                <div class="actions">
                    <a class="button secondary" href="/admin/users">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || !f.valid() || save.pending().get()>
                        {move || i18n.t(Msg::Save)}
                    </button>
                </div>
            </form>
        </section>
    }
}
