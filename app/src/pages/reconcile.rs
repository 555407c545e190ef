//! Studies to reconcile: received studies whose Patient ID no record of the clinic has (create
//! the record from the images, or attach the ID to an existing record as an alias), and studies
//! linked to an order of another patient (open the order to check and accept); and the
//! performed procedure steps (MPPS) that named no order.

use crate::MeResource;
use crate::api::{AttachStudy, list_clinics, list_unmatched, list_unmatched_steps};
use crate::forms::code_of;
use crate::i18n::{I18n, Msg, Ps, Rg, step_status, use_i18n};
use crate::pages::patients::picker::PatientPicker;
use crate::pages::studies::{show_date, show_name};
use crate::widgets::{ErrorMsg, Loading};
use domain::Permission;
use domain::orders::UnmatchedStudy;
use domain::registry::PatientView;
use domain::views::ClinicView;
use leptos::prelude::*;

#[component]
fn AttachPanel(study: i64, clinic: i64, attach: ServerAction<AttachStudy>) -> impl IntoView {
    let i18n = use_i18n();
    let chosen = RwSignal::new(None::<PatientView>);
    view! {
        <details class="attach">
            <summary>{move || i18n.rg(Rg::AttachTo)}</summary>
            <PatientPicker chosen clinic=Signal::derive(move || Some(clinic)) />
            {move || chosen.get().map(|p| view! {
                <button class="attach-confirm" on:click=move |_| { attach.dispatch(AttachStudy { study, patient: p.id }); }>{move || i18n.rg(Rg::Attach)}</button>
            })}
        </details>
    }
}

fn item(
    i18n: I18n,
    s: UnmatchedStudy,
    clinics: &[ClinicView],
    manage: bool,
    attach: ServerAction<AttachStudy>,
) -> impl IntoView + use<> {
    let mismatch = s.reason == "patient_mismatch";
    let (study, clinic) = (s.study_id, s.clinic.0);
    view! {
        <tr class:attention=mismatch>
            <td>{move || i18n.rg(if mismatch { Rg::WhyMismatch } else { Rg::WhyNoPatient })}</td>
            <td><strong>{show_name(&s.dicom_patient_name)}</strong><br /><small>{s.dicom_patient_id.clone()} " · " {show_date(&s.dicom_birth_date)} " · " {s.dicom_sex.clone()}</small></td>
            <td><a href=format!("/studies/{study}")>{show_date(&s.study_date)}</a><br /><small>{s.modalities.replace('\\', ", ")} " · " {s.description.clone()}</small></td>
            <td>{s.accession.clone()}<br /><small>{code_of(clinics, s.clinic)}</small></td>
            <td class="actions-cell">
                {s.order_id.map(|o| view! { <a class="button secondary" href=format!("/orders/{o}")>{move || i18n.rg(Rg::OpenOrder)}</a> })}
                {(manage && !mismatch).then(|| view! {
                    <a class="button secondary create-record" href=format!("/patients/new?from_study={study}")>{move || i18n.rg(Rg::CreateRecord)}</a>
                    <AttachPanel study clinic attach />
                })}
            </td>
        </tr>
    }
}

#[component]
pub fn ReconcilePage() -> impl IntoView {
    let i18n = use_i18n();
    let me = expect_context::<MeResource>();
    let attach = ServerAction::<AttachStudy>::new();
    let data = Resource::new(
        move || attach.version().get(),
        |_| async move {
            Ok::<_, crate::api::ApiError>((list_unmatched().await?, list_clinics().await?))
        },
    );
    view! {
        <h1>{move || i18n.rg(Rg::Reconcile)}</h1>
        <p class="muted">{move || i18n.rg(Rg::ReconcileIntro)}</p>
        {move || attach.value().get().and_then(|r| r.err()).map(|error| view! { <ErrorMsg error /> })}
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let manage = matches!(me.await, Ok(Some(u)) if u.role.can(Permission::ManageRegistry));
                let (list, clinics) = match data.await {
                    Ok(x) => x,
                    Err(error) => return view! { <ErrorMsg error /> }.into_any(),
                };
                if list.is_empty() {
                    return view! { <p class="muted" id="nothing-to-reconcile">{move || i18n.rg(Rg::NothingToReconcile)}</p> }.into_any();
                }
                let rows = list.into_iter().map(|s| item(i18n, s, &clinics, manage, attach)).collect_view();
                view! {
                    <table class="grid" id="unmatched">
                        <thead><tr><th></th><th>{move || i18n.rg(Rg::DicomPatient)}</th><th>{move || i18n.t(Msg::StudyDate)}</th>
                            <th>{move || i18n.t(Msg::Accession)}</th><th></th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            })}
        </Transition>
        <UnmatchedSteps clinics_of=data />
    }
}

type Loaded = Resource<Result<(Vec<UnmatchedStudy>, Vec<ClinicView>), crate::api::ApiError>>;

/// Performed procedure steps (MPPS) that named no order: kept, listed here to be looked at.
#[component]
fn UnmatchedSteps(clinics_of: Loaded) -> impl IntoView {
    let i18n = use_i18n();
    let steps = Resource::new(|| (), |_| list_unmatched_steps());
    view! {
        <h2>{move || i18n.ps(Ps::UnmatchedTitle)}</h2>
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let clinics = clinics_of.await.map(|(_, c)| c).unwrap_or_default();
                let list = match steps.await {
                    Ok(x) => x,
                    Err(error) => return view! { <ErrorMsg error /> }.into_any(),
                };
                if list.is_empty() {
                    return view! { <p class="muted" id="unmatched-steps">{move || i18n.ps(Ps::NoUnmatched)}</p> }.into_any();
                }
                let rows = list.into_iter().map(|u| {
                    let label = step_status(&u.step.status);
                    view! {
                        <tr>
                            <td><strong>{show_name(&u.patient_name)}</strong><br /><small>{u.patient_id.clone()}</small></td>
                            <td>{u.step.started.clone()}<br /><small>{u.step.modality.clone()} " " {u.step.station_ae.clone()} " · " {u.step.description.clone()}</small></td>
                            <td>{u.accession.clone()}<br /><small>{code_of(&clinics, u.clinic)} " · " {u.calling_ae.clone()}</small></td>
                            <td><span class="badge">{move || i18n.ps(label)}</span></td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <p class="muted">{move || i18n.ps(Ps::UnmatchedIntro)}</p>
                    <table class="grid" id="unmatched-steps">
                        <thead><tr><th>{move || i18n.rg(Rg::DicomPatient)}</th><th>{move || i18n.ps(Ps::Started)}</th>
                            <th>{move || i18n.t(Msg::Accession)}</th><th></th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            })}
        </Transition>
    }
}
