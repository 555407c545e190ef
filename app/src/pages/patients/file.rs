//! A patient's page: the record (numbers, aliases, demographics, RAMQ, contact), its orders and
//! its studies together; a new order for the patient; merging a duplicate record into this one.

use super::picker::PatientPicker;
use crate::MeResource;
use crate::api::{ApiError, MergePatients, get_patient_file};
use crate::forms::{priority_badge, status_badge};
use crate::i18n::{I18n, Msg, Rg, language_label, ramq_warning, sex_label, use_i18n};
use crate::pages::studies::{show_date, show_name};
use crate::widgets::{ErrorMsg, Loading};
use domain::Permission;
use domain::orders::{OrderRow, PatientFile};
use domain::registry::PatientView;
use domain::views::StudySummary;
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn row(i18n: I18n, label: Rg, value: String) -> impl IntoView {
    view! { <div class="kv"><span>{move || i18n.rg(label)}</span><strong>{value}</strong></div> }
}

fn record(i18n: I18n, p: &PatientView) -> impl IntoView + use<> {
    let (sex, lang) = (p.sex, p.language);
    let contact = [
        p.contact.phone.as_ref().map(|x| x.to_string()),
        p.contact.email.as_ref().map(|x| x.to_string()),
        Some(p.contact.address.clone()).filter(|a| !a.is_empty()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let warnings = p.confirmed_warnings.clone();
    view! {
        <div class="kv-grid" id="patient-record">
            {row(i18n, Rg::Mrn, p.mrn.clone())}
            {(!p.aliases.is_empty()).then(|| row(i18n, Rg::Aliases, p.aliases.join(", ")))}
            {row(i18n, Rg::BirthDate, p.birth_date.map(|d| d.to_string()).unwrap_or_default())}
            <div class="kv"><span>{move || i18n.rg(Rg::Sex)}</span><strong>{move || sex_label(i18n.locale(), sex)}</strong></div>
            <div class="kv"><span>{move || i18n.rg(Rg::Language)}</span><strong>{move || language_label(i18n.locale(), lang)}</strong></div>
            {row(i18n, Rg::Ramq, p.ramq.clone())}
            {row(i18n, Rg::Contact, contact)}
        </div>
        {(!warnings.is_empty()).then(|| view! {
            <ul class="warnings confirmed">{move || warnings.iter().map(|w| view! { <li>{ramq_warning(i18n.locale(), w)}</li> }).collect_view()}</ul>
        })}
    }
}

pub(crate) fn order_table(i18n: I18n, orders: &[OrderRow], id: &'static str) -> AnyView {
    if orders.is_empty() {
        return view! { <p class="muted">{move || i18n.rg(Rg::NoOrders)}</p> }.into_any();
    }
    let rows = orders
        .iter()
        .map(|o| {
            let fr = o.procedure_fr.clone();
            let en = o.procedure_en.clone();
            view! {
                <tr class:stat=o.priority == domain::orders::Priority::Stat>
                    <td>{o.scheduled_local.clone()}</td>
                    <td><a href=format!("/orders/{}", o.id)>{o.accession.clone()}</a></td>
                    <td>{move || if i18n.locale() == crate::i18n::Locale::Fr { fr.clone() } else { en.clone() }}</td>
                    <td>{o.modality.clone()}</td>
                    <td>{priority_badge(i18n, o.priority)}</td>
                    <td>{status_badge(i18n, o.status)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id=id>
            <thead><tr>
                <th>{move || i18n.rg(Rg::Scheduled)}</th><th>{move || i18n.rg(Rg::Accession)}</th>
                <th>{move || i18n.rg(Rg::Procedure)}</th><th>{move || i18n.t(Msg::Modality)}</th>
                <th>{move || i18n.rg(Rg::Priority)}</th><th>{move || i18n.t(Msg::Status)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn study_table(i18n: I18n, studies: &[StudySummary]) -> AnyView {
    if studies.is_empty() {
        return view! { <p class="muted">{move || i18n.rg(Rg::NoStudies)}</p> }.into_any();
    }
    let rows = studies
        .iter()
        .map(|s| {
            view! {
                <tr>
                    <td><a href=format!("/studies/{}", s.id)>{show_date(&s.study_date)}</a></td>
                    <td>{s.modalities.replace('\\', ", ")}</td>
                    <td>{s.description.clone()}</td>
                    <td>{s.accession.clone()}</td>
                    <td>{s.patient_id.clone()}</td>
                    <td class="num">{s.instance_count}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="patient-studies">
            <thead><tr>
                <th>{move || i18n.t(Msg::StudyDate)}</th><th>{move || i18n.t(Msg::Modalities)}</th>
                <th>{move || i18n.t(Msg::Description)}</th><th>{move || i18n.t(Msg::Accession)}</th>
                <th>{move || i18n.rg(Rg::ImagesPatient)}</th><th>{move || i18n.t(Msg::Instances)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// "Merge a duplicate record into this one": pick it, confirm.
#[component]
fn MergePanel(into: i64, clinic: i64) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new(None::<PatientView>);
    let merge = ServerAction::<MergePatients>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = merge.value().get() {
            let _ = window().location().reload();
        }
    });
    view! {
        <details class="card panel" id="merge">
            <summary>{move || i18n.rg(Rg::MergeTitle)}</summary>
            <p class="hint">{move || i18n.rg(Rg::MergeHint)}</p>
            <PatientPicker chosen clinic=Signal::derive(move || Some(clinic)) exclude=into />
            {move || chosen.get().map(|p| view! {
                <p>{move || i18n.rg(Rg::MergeConfirm)}</p>
                <button id="merge-confirm" class="warn" on:click=move |_| { merge.dispatch(MergePatients { into, from: p.id }); }>
                    {move || i18n.rg(Rg::MergeInto)}
                </button>
            })}
            {move || merge.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
        </details>
    }
}

fn page(i18n: I18n, f: PatientFile, manage: bool) -> impl IntoView {
    let p = f.patient.clone();
    let (id, clinic) = (p.id, p.clinic.0);
    let current = p.merged_into.is_none();
    view! {
        <div class="titlebar">
            <h1 id="patient-name">{p.name.sortable()}</h1>
            {(manage && current).then(|| view! {
                <a class="button secondary" id="edit-patient" href=format!("/patients/{id}/edit")>{move || i18n.rg(Rg::Edit)}</a>
                <a class="button" id="order-for-patient" href=format!("/orders/new?patient={id}&clinic={clinic}")>{move || i18n.rg(Rg::OrderForPatient)}</a>
            })}
        </div>
        {f.merged_into.map(|m| view! {
            <p class="banner" id="merged-banner">{move || i18n.rg(Rg::MergedInto)} " "
                <a href=format!("/patients/{}", m.id)>{m.name.sortable()} " (" {m.mrn.clone()} ")"</a></p>
        })}
        <section class="card">{record(i18n, &p)}</section>
        <h2>{move || i18n.rg(Rg::Orders)}</h2>
        {order_table(i18n, &f.orders, "patient-orders")}
        <h2>{move || i18n.rg(Rg::StudiesOfPatient)}</h2>
        {study_table(i18n, &f.studies)}
        {(manage && current).then(|| view! { <MergePanel into=id clinic /> })}
        <p><a href="/patients">{move || i18n.rg(Rg::Back)}</a> " · " <small class="muted">{show_name(&p.name.to_dicom())}</small></p>
    }
}

#[component]
pub fn PatientPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let me = expect_context::<MeResource>();
    let data = Resource::new(
        move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()),
        |id| async move {
            match id {
                Some(id) => get_patient_file(id).await,
                None => Err(ApiError::NotFound),
            }
        },
    );
    view! {
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let manage = matches!(me.await, Ok(Some(u)) if u.role.can(Permission::ManageRegistry));
                match data.await {
                    Ok(f) => page(i18n, f, manage).into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/…/new` is the form; `/…/ID` the page.
#[component]
pub fn PatientRoute() -> impl IntoView {
    let params = use_params_map();
    move || {
        if params.read().get("id").as_deref() == Some("new") {
            view! { <crate::pages::patients::form::PatientEditPage /> }.into_any()
        } else {
            view! { <PatientPage /> }.into_any()
        }
    }
}
