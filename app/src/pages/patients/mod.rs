//! Patients: the searchable list of the user's clinics (accents and case ignored), the record's
//! page with its orders and studies, the form, and the picker other forms use.

pub mod file;
pub mod form;
pub mod picker;

use crate::api::{list_clinics, search_patients};
use crate::forms::{code_of, pager};
use crate::i18n::{I18n, Rg, sex_label, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use domain::registry::{PatientQuery, PatientView};
use domain::views::{ClinicView, Page};
use leptos::prelude::*;

fn rows(i18n: I18n, page: &Page<PatientView>, clinics: &[ClinicView]) -> AnyView {
    if page.rows.is_empty() {
        return view! { <p class="muted">{move || i18n.rg(Rg::NoPatients)}</p> }.into_any();
    }
    let rows = page
        .rows
        .iter()
        .map(|p| {
            let sex = p.sex;
            let merged = p.merged_into.is_some();
            view! {
                <tr class:merged=merged>
                    <td><a href=format!("/patients/{}", p.id)>{p.name.sortable()}</a></td>
                    <td>{p.mrn.clone()}</td>
                    <td>{p.birth_date.map(|d| d.to_string()).unwrap_or_default()}</td>
                    <td>{move || sex_label(i18n.locale(), sex)}</td>
                    <td>{p.ramq.clone()}</td>
                    <td>{code_of(clinics, p.clinic)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="patients">
            <thead><tr>
                <th>{move || i18n.rg(Rg::FamilyName)}</th>
                <th>{move || i18n.rg(Rg::Mrn)}</th>
                <th>{move || i18n.rg(Rg::BirthDate)}</th>
                <th>{move || i18n.rg(Rg::Sex)}</th>
                <th>"RAMQ"</th>
                <th>{move || i18n.t(crate::i18n::Msg::Clinic)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn PatientsPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(PatientQuery::default());
    let text = RwSignal::new(String::new());
    let merged = RwSignal::new(false);
    let data = Resource::new(
        move || query.get(),
        |q| async move {
            Ok::<_, crate::api::ApiError>((search_patients(q).await?, list_clinics().await?))
        },
    );
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        query.set(PatientQuery {
            text: text.get_untracked(),
            include_merged: merged.get_untracked(),
            ..Default::default()
        });
    };
    view! {
        <div class="titlebar">
            <h1>{move || i18n.rg(Rg::Patients)}</h1>
            <a class="button" id="new-patient" href="/patients/new">{move || i18n.rg(Rg::NewPatient)}</a>
        </div>
        <form class="toolbar" on:submit=search id="patient-search">
            <input type="search" name="text" bind:value=text placeholder=move || i18n.rg(Rg::SearchPatients) />
            <label class="check"><input type="checkbox" bind:checked=merged />{move || i18n.rg(Rg::IncludeMerged)}</label>
            <button type="submit">{move || i18n.t(crate::i18n::Msg::Search)}</button>
        </form>
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((page, clinics)) => {
                        let at = (page.page, page.total, page.page_size);
                        view! {
                            {rows(i18n, &page, &clinics)}
                            {pager(i18n, at, move |p| query.update(|q| q.page = p))}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Transition>
    }
}
