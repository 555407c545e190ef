//! Referring physicians: the list of the user's clinics and the editor (licence, clinics,
//! contacts, how reports and urgent results reach them, optional user account).

use super::clinic_boxes;
use crate::api::{
    ApiError, SavePhysician, get_physician, list_accounts, list_clinics, list_physicians,
};
use crate::forms::{check_field, input_field, plain_field};
use crate::i18n::{I18n, Localized, Msg, Rg, channel_label, use_i18n};
use crate::widgets::{ErrorMsg, Loading, clinic_codes};
use domain::Role;
use domain::registry::{NotifyPrefs, PhysicianInput, PhysicianView, UrgentChannel};
use domain::views::{ClinicView, UserView};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

fn table(i18n: I18n, list: &[PhysicianView], clinics: &[ClinicView]) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{move || i18n.rg(Rg::NoPhysicians)}</p> }.into_any();
    }
    let rows = list
        .iter()
        .map(|p| {
            let ch = p.notify.urgent;
            view! {
                <tr class:inactive=!p.active>
                    <td><a href=format!("/physicians/{}", p.id)>{p.name.sortable()}</a></td>
                    <td>{p.licence.clone()}</td>
                    <td>{clinic_codes(clinics, &p.clinics)}</td>
                    <td>{[p.phone.clone(), p.email.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ")}</td>
                    <td>{move || channel_label(i18n.locale(), ch)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="physicians">
            <thead><tr><th>{move || i18n.t(Msg::Name)}</th><th>{move || i18n.rg(Rg::Licence)}</th>
                <th>{move || i18n.t(Msg::Clinics)}</th><th>{move || i18n.rg(Rg::Contact)}</th>
                <th>{move || i18n.rg(Rg::UrgentChannel)}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn PhysiciansPage() -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let data = Resource::new(
        move || text.get(),
        |t| async move { Ok::<_, ApiError>((list_physicians(t).await?, list_clinics().await?)) },
    );
    view! {
        <div class="titlebar">
            <h1>{move || i18n.rg(Rg::Physicians)}</h1>
            <a class="button" id="new-physician" href="/physicians/new">{move || i18n.rg(Rg::NewPhysician)}</a>
        </div>
        <div class="toolbar"><input type="search" bind:value=text placeholder=move || i18n.t(Msg::Search) /></div>
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((list, clinics)) => table(i18n, &list, &clinics),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[derive(Clone, Copy)]
struct Fields {
    family: RwSignal<String>,
    given: RwSignal<String>,
    licence: RwSignal<String>,
    clinics: RwSignal<Vec<i64>>,
    email: RwSignal<String>,
    phone: RwSignal<String>,
    phone2: RwSignal<String>,
    in_app: RwSignal<bool>,
    by_email: RwSignal<bool>,
    urgent: RwSignal<UrgentChannel>,
    user: RwSignal<Option<i64>>,
    active: RwSignal<bool>,
}

impl Fields {
    fn new(p: PhysicianInput) -> Self {
        Self {
            family: RwSignal::new(p.family_name),
            given: RwSignal::new(p.given_name),
            licence: RwSignal::new(p.licence),
            clinics: RwSignal::new(p.clinics),
            email: RwSignal::new(p.email),
            phone: RwSignal::new(p.phone),
            phone2: RwSignal::new(p.phone2),
            in_app: RwSignal::new(p.notify.in_app),
            by_email: RwSignal::new(p.notify.email),
            urgent: RwSignal::new(p.notify.urgent),
            user: RwSignal::new(p.user_id),
            active: RwSignal::new(p.active),
        }
    }

    fn input(self) -> PhysicianInput {
        PhysicianInput {
            family_name: self.family.get(),
            given_name: self.given.get(),
            licence: self.licence.get(),
            clinics: self.clinics.get(),
            email: self.email.get(),
            phone: self.phone.get(),
            phone2: self.phone2.get(),
            notify: NotifyPrefs {
                in_app: self.in_app.get(),
                email: self.by_email.get(),
                urgent: self.urgent.get(),
            },
            user_id: self.user.get(),
            active: self.active.get(),
        }
    }
}

type Data = (Option<i64>, PhysicianInput, Vec<ClinicView>, Vec<UserView>);

async fn load(id: Option<i64>) -> Result<Data, ApiError> {
    let clinics = list_clinics().await?;
    let accounts = list_accounts(Role::ReferringPhysician)
        .await
        .unwrap_or_default();
    let input = match id {
        Some(id) => {
            let p = get_physician(id).await?;
            PhysicianInput {
                family_name: p.name.family,
                given_name: p.name.given,
                licence: p.licence,
                clinics: p.clinics.iter().map(|c| c.0).collect(),
                email: p.email,
                phone: p.phone,
                phone2: p.phone2,
                notify: p.notify,
                user_id: p.user_id,
                active: p.active,
            }
        }
        None => PhysicianInput {
            clinics: clinics.iter().take(1).map(|c| c.id.0).collect(),
            active: true,
            notify: NotifyPrefs::default(),
            ..Default::default()
        },
    };
    Ok((id, input, clinics, accounts))
}

#[component]
pub fn PhysicianEditPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || params.read().get("id"),
        |raw| async move { load(crate::pages::id_param(raw).map_err(|()| ApiError::NotFound)?).await },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((id, input, clinics, accounts)) => view! { <PhysicianEditor id input clinics accounts /> }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

fn channel_select(i18n: I18n, v: RwSignal<UrgentChannel>) -> impl IntoView {
    let options = UrgentChannel::ALL
        .into_iter()
        .map(|c| view! { <option value=c.as_str() selected=move || v.get() == c>{move || channel_label(i18n.locale(), c)}</option> })
        .collect_view();
    view! {
        <label class="field"><span class="label">{move || i18n.rg(Rg::UrgentChannel)}</span>
            <select name="urgent_channel" on:change=move |ev| if let Some(c) = UrgentChannel::parse(&event_target_value(&ev)) { v.set(c) }>{options}</select></label>
    }
}

fn account_select(
    i18n: I18n,
    accounts: &[UserView],
    v: RwSignal<Option<i64>>,
) -> impl IntoView + use<> {
    let options = accounts
        .iter()
        .map(|a| {
            let id = a.id.0;
            view! { <option value=id.to_string() selected=move || v.get() == Some(id)>{a.display_name.to_string()} " (" {a.username.to_string()} ")"</option> }
        })
        .collect_view();
    view! {
        <label class="field"><span class="label">{move || i18n.rg(Rg::Account)}</span>
            <select name="user" on:change=move |ev| v.set(event_target_value(&ev).parse().ok())>
                <option value="">{move || i18n.rg(Rg::NoAccount)}</option>{options}</select></label>
    }
}

#[component]
fn PhysicianEditor(
    id: Option<i64>,
    input: PhysicianInput,
    clinics: Vec<ClinicView>,
    accounts: Vec<UserView>,
) -> impl IntoView {
    let i18n = use_i18n();
    let f = Fields::new(input);
    let save = ServerAction::<SavePhysician>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            use_navigate()("/physicians", Default::default());
        }
    });
    let problem = move || f.input().check().err().map(|e| e.localized(i18n.locale()));
    let title = if id.is_some() {
        Rg::EditPhysician
    } else {
        Rg::NewPhysician
    };
    view! {
        <section class="card">
            <h1>{move || i18n.rg(title)}</h1>
            <form id="physician-form" class="form-grid" on:submit=move |ev| { ev.prevent_default(); save.dispatch(SavePhysician { id, input: f.input() }); }>
                {plain_field(i18n, Rg::FamilyName, "family_name", f.family)}
                {plain_field(i18n, Rg::GivenName, "given_name", f.given)}
                {input_field(i18n, Rg::Licence, ("licence", "text"), f.licence, || None)}
                <fieldset class="span-all"><legend>{move || i18n.t(Msg::Clinics)}</legend>{clinic_boxes(i18n, &clinics, f.clinics)}</fieldset>
                {input_field(i18n, Rg::Email, ("email", "email"), f.email, || None)}
                {input_field(i18n, Rg::Phone, ("phone", "tel"), f.phone, || None)}
                {input_field(i18n, Rg::Phone2, ("phone2", "tel"), f.phone2, || None)}
                <fieldset><legend>{move || i18n.rg(Rg::Notify)}</legend>
                    {check_field(i18n, Rg::NotifyInApp, "notify_in_app", f.in_app)}
                    {check_field(i18n, Rg::NotifyEmail, "notify_email", f.by_email)}</fieldset>
                {channel_select(i18n, f.urgent)}
                {account_select(i18n, &accounts, f.user)}
                <label class="check"><input type="checkbox" name="active" bind:checked=f.active />{move || i18n.t(Msg::Active)}</label>
                <p class="field-error span-all" id="physician-problem">{problem}</p>
                <div class="span-all">{move || save.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}</div>
                <div class="actions span-all">
                    <a class="button secondary" href="/physicians">{move || i18n.t(Msg::Cancel)}</a>
                    <button type="submit" disabled=move || f.input().check().is_err() || save.pending().get()>{move || i18n.t(Msg::Save)}</button>
                </div>
            </form>
        </section>
    }
}
