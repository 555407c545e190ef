//! The audit trail (administrators; Law 25): the latest searches and retrieves from the PACS and
//! the DICOMweb searches, reads and uploads, with who, when, which clinic, what about and the
//! outcome, filtered by action. The server decides who may see it and which clinics' events.

use crate::api::{list_audit, list_clinics};
use crate::i18n::{Au, I18n, audit_action, audit_outcome, use_i18n};
use crate::widgets::{ErrorMsg, Loading, utc_minute};
use domain::views::{AUDIT_ACTIONS, AuditRow, ClinicView};
use leptos::prelude::*;

fn clinic_name(clinics: &[ClinicView], id: Option<i64>) -> String {
    match id {
        None => "—".to_owned(),
        Some(id) => clinics
            .iter()
            .find(|c| c.id.0 == id)
            .map_or_else(|| format!("#{id}"), |c| c.code.to_string()),
    }
}

fn outcome_cell(i18n: I18n, outcome: String) -> impl IntoView {
    let class = match audit_outcome(&outcome) {
        Some(Au::Ok) => "ok",
        Some(_) => "bad",
        None => "",
    };
    let text =
        move || audit_outcome(&outcome).map_or_else(|| outcome.clone(), |m| i18n.au(m).to_owned());
    view! { <span class=class>{text}</span> }
}

fn row(i18n: I18n, clinics: &[ClinicView], r: AuditRow) -> impl IntoView + use<> {
    let action = r.action.clone();
    let clinic = clinic_name(clinics, r.clinic_id);
    view! {
        <tr data-action=r.action.clone()>
            <td class="nowrap"><small>{utc_minute(r.at_ms)}</small></td>
            <td class="actor">{r.actor}</td>
            <td>{move || audit_action(i18n.0.get(), &action)}</td>
            <td>{clinic}</td>
            <td class="subject"><code>{r.subject}</code></td>
            <td>{outcome_cell(i18n, r.outcome)}</td>
            <td class="num">{r.result_count.map(|c| c.to_string()).unwrap_or_default()}</td>
        </tr>
    }
}

fn table(i18n: I18n, clinics: Vec<ClinicView>, rows: Vec<AuditRow>) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="muted" id="no-audit">{move || i18n.au(Au::Empty)}</p> }
            .into_any();
    }
    let head = [
        Au::When,
        Au::Who,
        Au::Action,
        Au::Clinic,
        Au::Subject,
        Au::Outcome,
        Au::Count,
    ];
    view! {
        <div class="table-scroll">
            <table class="grid compact audit" id="audit">
                <thead><tr>{head.into_iter().map(|m| view! { <th>{move || i18n.au(m)}</th> }).collect_view()}</tr></thead>
                <tbody>{rows.into_iter().map(|r| row(i18n, &clinics, r)).collect_view()}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let i18n = use_i18n();
    let action = RwSignal::new(String::new());
    let clinics = Resource::new(|| (), |_| list_clinics());
    let rows = Resource::new(
        move || action.get(),
        |a| list_audit((!a.is_empty()).then_some(a)),
    );
    view! {
        <h1>{move || i18n.au(Au::Title)}</h1>
        <p class="muted">{move || i18n.au(Au::Intro)}</p>
        <label class="inline">
            {move || i18n.au(Au::Show)} " "
            <select id="audit-action" on:change=move |ev| action.set(event_target_value(&ev))>
                <option value="">{move || i18n.au(Au::All)}</option>
                {AUDIT_ACTIONS
                    .into_iter()
                    .map(|a| view! { <option value=a>{move || audit_action(i18n.0.get(), a)}</option> })
                    .collect_view()}
            </select>
        </label>
        <Transition fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match (clinics.await, rows.await) {
                    (Ok(c), Ok(r)) => table(i18n, c, r),
                    (Err(error), _) | (_, Err(error)) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Transition>
    }
}
