//! Radiologists: the list of those credentialed in the user's clinics (licence and expiry,
//! subspecialties, modalities, clinics, load limit). Administrators edit them
//! (`radiologist_form`).

use crate::MeResource;
use crate::api::{ApiError, list_clinics, list_radiologists};
use crate::i18n::{I18n, Msg, Rg, subspecialty_label, use_i18n};
use crate::widgets::{ErrorMsg, Loading, clinic_code};
use domain::Permission;
use domain::registry::RadiologistView;
use domain::views::ClinicView;
use leptos::prelude::*;

fn table(i18n: I18n, list: &[RadiologistView], clinics: &[ClinicView]) -> AnyView {
    if list.is_empty() {
        return view! { <p class="muted">{move || i18n.rg(Rg::NoRadiologists)}</p> }.into_any();
    }
    let rows = list
        .iter()
        .map(|r| {
            let subs = r.subspecialties.clone();
            let creds = r
                .credentials
                .iter()
                .map(|c| match c.expires_on {
                    Some(d) => format!("{} ({d})", clinic_code(clinics, c.clinic)),
                    None => clinic_code(clinics, c.clinic),
                })
                .collect::<Vec<_>>()
                .join(", ");
            view! {
                <tr class:inactive=!r.active>
                    <td><a href=format!("/radiologists/{}", r.id)>{r.display_name.clone()}</a><br /><small>{r.username.clone()}</small></td>
                    <td>{r.licence.clone()}<br /><small>{r.licence_expiry.to_string()}</small></td>
                    <td>{move || subs.iter().map(|s| subspecialty_label(i18n.locale(), *s)).collect::<Vec<_>>().join(", ")}</td>
                    <td>{r.modalities.join(", ")}</td>
                    <td>{creds}</td>
                    <td class="num">{r.max_open_tasks}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="radiologists">
            <thead><tr><th>{move || i18n.t(Msg::Name)}</th><th>{move || i18n.rg(Rg::Licence)}</th>
                <th>{move || i18n.rg(Rg::Subspecialties)}</th><th>{move || i18n.rg(Rg::ModalitiesRead)}</th>
                <th>{move || i18n.rg(Rg::Credentials)}</th><th>{move || i18n.rg(Rg::MaxOpen)}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn RadiologistsPage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let data = Resource::new(
        || (),
        |_| async move { Ok::<_, ApiError>((list_radiologists().await?, list_clinics().await?)) },
    );
    let admin =
        move || matches!(me.get(), Some(Ok(Some(u))) if u.role.can(Permission::ManageRadiologists));
    view! {
        <div class="titlebar">
            <h1>{move || i18n.rg(Rg::Radiologists)}</h1>
            {move || admin().then(|| view! { <a class="button" id="new-radiologist" href="/radiologists/new">{move || i18n.rg(Rg::NewRadiologist)}</a> })}
        </div>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((list, clinics)) => table(i18n, &list, &clinics),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}
