//! The search form: clinic (when the user has several with a PACS), one or every PACS, the
//! information model and the study keys. Validated in the browser with `StudySearch::validate`,
//! the code the server runs, before anything is sent.

use super::Shared;
use crate::api::SearchPacs;
use crate::i18n::{Msg, Qr, query_error, use_i18n};
use domain::NodeRole;
use domain::query::{InfoModel, PacsSearch, QueryError, StudySearch};
use leptos::prelude::*;

/// What the form would send, or the first problem with it (an empty search is refused too:
/// PACS refuse or truncate a search of everything).
fn checked(keys: &StudySearch) -> Result<(), QueryError> {
    keys.validate()?;
    if keys.is_empty() {
        return Err(QueryError::Empty);
    }
    Ok(())
}

/// A text or date input bound to one field of the keys; dates are sent as `YYYYMMDD`.
fn key_input(
    keys: RwSignal<StudySearch>,
    name: &'static str,
    kind: &'static str,
    field: fn(&mut StudySearch) -> &mut String,
) -> impl IntoView {
    view! {
        <input type=kind name=name autocomplete="off" on:input=move |ev| {
            let raw = event_target_value(&ev);
            let v = match kind {
                "date" => raw.replace('-', ""),
                _ if name == "modality" => raw.trim().to_uppercase(),
                _ => raw,
            };
            keys.update(|k| *field(k) = v);
        } />
    }
}

/// Clinic and PACS selects.
fn where_fields(
    shared: Shared,
    clinic: RwSignal<i64>,
    node: RwSignal<Option<i64>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let clinics = shared.data.with_value(|d| d.clinics_with_pacs());
    let several = clinics.len() > 1;
    let clinic_select = several.then(|| {
        let options = clinics
            .into_iter()
            .map(|(id, code)| view! { <option value=id.to_string()>{code}</option> })
            .collect_view();
        view! {
            <label>{move || i18n.t(Msg::Clinic)}
                <select name="clinic" on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse() {
                        clinic.set(id);
                        node.set(None);
                    }
                }>{options}</select>
            </label>
        }
    });
    let pacs_options = move || {
        shared
            .data
            .with_value(|d| d.nodes_of(clinic.get(), NodeRole::Pacs))
            .into_iter()
            .map(|n| view! { <option value=n.id.to_string()>{n.name} " (" {n.ae_title.to_string()} ")"</option> })
            .collect_view()
    };
    view! {
        {clinic_select}
        <label>{move || i18n.q(Qr::Pacs)}
            <select name="pacs" on:change=move |ev| node.set(event_target_value(&ev).parse().ok())>
                <option value="">{move || i18n.q(Qr::AllPacs)}</option>
                {pacs_options}
            </select>
        </label>
    }
}

/// The study keys: patient name (with the wildcard hint), ID, birth date, study dates, modality,
/// accession, description.
fn key_fields(keys: RwSignal<StudySearch>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <label>{move || i18n.q(Qr::PatientName)}
            {key_input(keys, "patient_name", "text", |k| &mut k.patient_name)}
            <small class="hint">{move || i18n.q(Qr::WildcardHint)}</small>
        </label>
        <label>{move || i18n.t(Msg::PatientId)}{key_input(keys, "patient_id", "text", |k| &mut k.patient_id)}</label>
        <label>{move || i18n.t(Msg::BirthDate)}{key_input(keys, "birth_date", "date", |k| &mut k.birth_date)}</label>
        <label>{move || i18n.q(Qr::StudyFrom)}{key_input(keys, "study_date_from", "date", |k| &mut k.study_date_from)}</label>
        <label>{move || i18n.q(Qr::StudyTo)}{key_input(keys, "study_date_to", "date", |k| &mut k.study_date_to)}</label>
        <label>{move || i18n.t(Msg::Modality)}{key_input(keys, "modality", "text", |k| &mut k.modality)}</label>
        <label>{move || i18n.t(Msg::Accession)}{key_input(keys, "accession", "text", |k| &mut k.accession)}</label>
        <label>{move || i18n.q(Qr::Description)}{key_input(keys, "description", "text", |k| &mut k.description)}</label>
    }
}

#[component]
pub(super) fn SearchForm(shared: Shared) -> impl IntoView {
    let i18n = use_i18n();
    let first = shared
        .data
        .with_value(|d| d.clinics_with_pacs().first().map(|c| c.0));
    let clinic = RwSignal::new(first.unwrap_or_default());
    let node = RwSignal::new(None::<i64>);
    let model = RwSignal::new(InfoModel::StudyRoot);
    let keys = RwSignal::new(StudySearch::default());
    let error = RwSignal::new(None::<QueryError>);
    // Once a problem is shown, it follows the typing (and goes away when fixed).
    Effect::new(move |_| {
        let k = keys.get();
        if error.get_untracked().is_some() {
            error.set(checked(&k).err());
        }
    });
    let pending = shared.search.pending();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let k = keys.get_untracked();
        if let Err(e) = checked(&k) {
            error.set(Some(e));
            return;
        }
        error.set(None);
        let search = PacsSearch {
            clinic: clinic.get_untracked(),
            nodes: node.get_untracked().into_iter().collect(),
            model: model.get_untracked(),
            keys: k,
        };
        shared.sent.set(Some(search.clone()));
        shared.search.dispatch(SearchPacs { search });
    };
    view! {
        <form class="qr-form" id="query-form" novalidate on:submit=submit>
            {where_fields(shared, clinic, node)}
            <label>{move || i18n.q(Qr::Model)}
                <select name="model" on:change=move |ev| model.set(if event_target_value(&ev) == "patient_root" { InfoModel::PatientRoot } else { InfoModel::StudyRoot })>
                    <option value="study_root">{move || i18n.q(Qr::StudyRoot)}</option>
                    <option value="patient_root">{move || i18n.q(Qr::PatientRoot)}</option>
                </select>
            </label>
            {key_fields(keys)}
            <div class="form-actions">
                <button type="submit" id="search" disabled=move || pending.get()>
                    {move || if pending.get() { i18n.q(Qr::Searching) } else { i18n.t(Msg::Search) }}
                </button>
                {move || error.get().map(|e| view! { <p class="error" role="alert" id="search-error">{query_error(i18n.locale(), &e)}</p> })}
            </div>
        </form>
    }
}
