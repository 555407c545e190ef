//! One order: its details, the studies received for it (a study whose images name another
//! patient is flagged and must be accepted by staff), the steps the modalities performed
//! (MPPS), its history, and the status changes the lifecycle allows, each with a note.

use crate::MeResource;
use crate::api::{AcceptLink, ApiError, SetOrderStatus, get_order};
use crate::forms::{priority_badge, status_badge};
use crate::i18n::{I18n, Locale, Msg, Ps, Rg, status_label, step_status, use_i18n};
use crate::pages::studies::show_name;
use crate::widgets::{ErrorMsg, Loading, utc_minute};
use domain::Permission;
use domain::orders::{OrderStatus, OrderStudyLink, OrderView};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

fn kv(i18n: I18n, label: Rg, value: String) -> impl IntoView {
    view! { <div class="kv"><span>{move || i18n.rg(label)}</span><strong>{value}</strong></div> }
}

fn details(i18n: I18n, o: &OrderView) -> impl IntoView + use<> {
    let r = &o.row;
    let (fr, en) = (
        format!("{} — {}", r.procedure_code, r.procedure_fr),
        format!("{} — {}", r.procedure_code, r.procedure_en),
    );
    view! {
        <div class="kv-grid" id="order-details">
            <div class="kv"><span>{move || i18n.t(Msg::Patient)}</span>
                <strong><a href=format!("/patients/{}", r.patient_id)>{r.patient_name.sortable()}</a> " · " {r.mrn.clone()}</strong></div>
            <div class="kv"><span>{move || i18n.rg(Rg::Procedure)}</span>
                <strong>{move || if i18n.locale() == Locale::Fr { fr.clone() } else { en.clone() }}</strong></div>
            {kv(i18n, Rg::Scheduled, r.scheduled_local.clone())}
            {kv(i18n, Rg::Station, format!("{} {}", r.modality, r.station_ae))}
            {kv(i18n, Rg::Physician, r.physician_name.as_ref().map(|p| p.display()).unwrap_or_default())}
            {kv(i18n, Rg::Reason, o.reason.clone())}
            {kv(i18n, Rg::StudyUid, o.study_uid.clone())}
            {kv(i18n, Rg::Placer, o.placer_number.clone())}
            {kv(i18n, Rg::Filler, o.filler_number.clone())}
            {kv(i18n, Rg::Admission, o.admission_id.clone())}
            {kv(i18n, Rg::SourceLabel, o.source.clone())}
        </div>
    }
}

fn link_row(
    i18n: I18n,
    order: i64,
    l: OrderStudyLink,
    manage: bool,
    accept: ServerAction<AcceptLink>,
) -> impl IntoView {
    let flagged = l.patient_mismatch && !l.resolved;
    let study = l.study_id;
    view! {
        <tr class:attention=flagged>
            <td><a href=format!("/studies/{}", l.study_id)>{l.study_uid.clone()}</a></td>
            <td>{l.matched_by.as_str()}</td>
            <td>{show_name(&l.dicom_patient_name)} " · " {l.dicom_patient_id.clone()}</td>
            <td>
                {flagged.then(|| view! { <span class="flag">"⚠ " {move || i18n.rg(Rg::Mismatch)}</span> })}
                {(l.patient_mismatch && l.resolved).then(|| view! { <span class="muted">{move || i18n.rg(Rg::Accepted)}</span> })}
                {(flagged && manage).then(|| view! {
                    <button class="warn accept-link" on:click=move |_| { accept.dispatch(AcceptLink { id: order, study, note: String::new() }); }>
                        {move || i18n.rg(Rg::AcceptLink)}
                    </button>
                })}
            </td>
        </tr>
    }
}

fn studies(i18n: I18n, o: &OrderView, manage: bool, accept: ServerAction<AcceptLink>) -> AnyView {
    if o.studies.is_empty() {
        return view! { <p class="muted">{move || i18n.rg(Rg::NoLinkedStudies)}</p> }.into_any();
    }
    let id = o.row.id;
    let rows = o
        .studies
        .iter()
        .cloned()
        .map(|l| link_row(i18n, id, l, manage, accept))
        .collect_view();
    view! {
        <table class="grid" id="order-studies">
            <thead><tr><th>{move || i18n.rg(Rg::StudyUid)}</th><th>{move || i18n.rg(Rg::MatchedBy)}</th>
                <th>{move || i18n.rg(Rg::ImagesPatient)}</th><th></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

/// The performed procedure steps the modalities reported (MPPS), with what each listed.
fn steps(i18n: I18n, o: &OrderView) -> AnyView {
    if o.steps.is_empty() {
        return view! { <p class="muted" id="order-steps">{move || i18n.ps(Ps::None)}</p> }
            .into_any();
    }
    let rows = o
        .steps
        .iter()
        .map(|s| {
            let label = step_status(&s.status);
            let reason =
                (!s.discontinue_reason.is_empty()).then(|| format!(" — {}", s.discontinue_reason));
            view! {
                <tr data-status=s.status.clone()>
                    <td>{s.pps_id.clone()} " · " {s.description.clone()}</td>
                    <td>{s.modality.clone()} " " {s.station_ae.clone()}</td>
                    <td>{s.started.clone()}</td><td>{s.ended.clone()}</td>
                    <td><span class="badge">{move || i18n.ps(label)}</span>{reason}</td>
                    <td class="num">{s.series}</td><td class="num">{s.instances}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid" id="order-steps">
            <thead><tr><th>{move || i18n.ps(Ps::Step)}</th><th>{move || i18n.ps(Ps::Station)}</th>
                <th>{move || i18n.ps(Ps::Started)}</th><th>{move || i18n.ps(Ps::Ended)}</th><th></th>
                <th>{move || i18n.ps(Ps::Series)}</th><th>{move || i18n.ps(Ps::Instances)}</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}

fn history(i18n: I18n, o: &OrderView) -> impl IntoView + use<> {
    let items = o
        .events
        .iter()
        .map(|e| {
            let status = e.status;
            view! {
                <li><small>{utc_minute(e.at)}</small> " · " <strong>{e.kind.clone()}</strong>
                    {status.map(|s| view! { " → " {move || status_label(i18n.locale(), s)} })}
                    " · " {e.actor.clone()} {(!e.note.is_empty()).then(|| format!(" — {}", e.note))}</li>
            }
        })
        .collect_view();
    view! { <ul class="history" id="order-history">{items}</ul> }
}

/// The status changes staff may make from the current status (a report is signed elsewhere).
fn status_actions(
    i18n: I18n,
    o: &OrderView,
    change: ServerAction<SetOrderStatus>,
) -> impl IntoView + use<> {
    let id = o.row.id;
    let note = RwSignal::new(String::new());
    let next: Vec<OrderStatus> = o
        .row
        .status
        .next()
        .iter()
        .copied()
        .filter(|s| *s != OrderStatus::Reported)
        .collect();
    if next.is_empty() {
        return ().into_any();
    }
    let buttons = next
        .into_iter()
        .map(|s| {
            view! {
                <button class="secondary" data-status=s.as_str() on:click=move |_| {
                    change.dispatch(SetOrderStatus { id, to: s, note: note.get_untracked() });
                }>{move || status_label(i18n.locale(), s)}</button>
            }
        })
        .collect_view();
    view! {
        <section class="card" id="status-actions">
            <h2>{move || i18n.rg(Rg::ChangeStatus)}</h2>
            <label class="field"><span class="label">{move || i18n.rg(Rg::Note)}</span><input name="note" bind:value=note /></label>
            <div class="actions">{buttons}</div>
        </section>
    }
    .into_any()
}

fn page(
    i18n: I18n,
    o: OrderView,
    manage: bool,
    accept: ServerAction<AcceptLink>,
    change: ServerAction<SetOrderStatus>,
) -> impl IntoView {
    let id = o.row.id;
    let editable = manage && o.row.status.editable();
    view! {
        <div class="titlebar">
            <h1>{move || i18n.rg(Rg::Order)} " " <span id="order-accession">{o.row.accession.clone()}</span></h1>
            <span id="order-status">{status_badge(i18n, o.row.status)}</span>
            {priority_badge(i18n, o.row.priority)}
            {editable.then(|| view! { <a class="button secondary" id="edit-order" href=format!("/orders/{id}/edit")>{move || i18n.rg(Rg::Edit)}</a> })}
        </div>
        <section class="card">{details(i18n, &o)}</section>
        <h2>{move || i18n.rg(Rg::LinkedStudies)}</h2>
        {studies(i18n, &o, manage, accept)}
        <h2>{move || i18n.ps(Ps::Title)}</h2>
        {steps(i18n, &o)}
        {manage.then(|| status_actions(i18n, &o, change))}
        <h2>{move || i18n.rg(Rg::History)}</h2>
        {history(i18n, &o)}
    }
}

#[component]
pub fn OrderPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let me = expect_context::<MeResource>();
    let accept = ServerAction::<AcceptLink>::new();
    let change = ServerAction::<SetOrderStatus>::new();
    let data = Resource::new(
        move || {
            (
                params.read().get("id").and_then(|s| s.parse::<i64>().ok()),
                accept.version().get(),
                change.version().get(),
            )
        },
        |(id, _, _)| async move {
            match id {
                Some(id) => get_order(id).await,
                None => Err(ApiError::NotFound),
            }
        },
    );
    let failed = move || {
        let e = change
            .value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| accept.value().get().and_then(|r| r.err()));
        e.map(|error| view! { <ErrorMsg error /> })
    };
    view! {
        {failed}
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                let manage = matches!(me.await, Ok(Some(u)) if u.role.can(Permission::ManageRegistry));
                match data.await {
                    Ok(o) => page(i18n, o, manage, accept, change).into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/…/new` is the form; `/…/ID` the page.
#[component]
pub fn OrderRoute() -> impl IntoView {
    let params = use_params_map();
    move || {
        if params.read().get("id").as_deref() == Some("new") {
            view! { <crate::pages::orders::form::OrderEditPage /> }.into_any()
        } else {
            view! { <OrderPage /> }.into_any()
        }
    }
}
