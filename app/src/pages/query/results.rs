//! What a search found: one line per PACS (results, time, or its error in place, so one failing
//! PACS never hides the others) and the studies merged across PACS; a tap on a study opens its
//! series and the retrieve actions.

use super::Shared;
use super::study::StudyPanel;
use crate::i18n::{I18n, Msg, Qr, use_i18n};
use crate::pages::studies::{show_date, show_name};
use crate::widgets::ErrorMsg;
use domain::NodeRole;
use domain::query::{NodeOutcome, PacsSearch, SearchOutcome, StudyHit};
use leptos::prelude::*;

/// Columns of the results table (the open study's panel spans them all).
const COLUMNS: &str = "8";

fn outcome_line(i18n: I18n, n: NodeOutcome) -> impl IntoView {
    let failed = n.error.is_some();
    view! {
        <li class:failed=failed data-node=n.node_name.clone()>
            <b>{n.node_name.clone()}</b> " · "
            <span class="count">{n.count}</span> " " {move || i18n.q(if n.count == 1 { Qr::ResultOne } else { Qr::ResultCount })}
            " · " {n.elapsed_ms} " ms"
            {n.error.map(|e| view! { <br /><span class="bad node-error">{e}</span> })}
        </li>
    }
}

/// "series / instances", each only when the PACS told.
fn counts(hit: &StudyHit) -> String {
    let n = |v: Option<u32>| v.map_or_else(|| "–".to_owned(), |v| v.to_string());
    format!("{} / {}", n(hit.series_count), n(hit.instance_count))
}

#[component]
fn StudyRow(hit: StudyHit, search: PacsSearch, shared: Shared) -> impl IntoView {
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let badges = hit
        .sources
        .iter()
        .map(|s| view! { <span class="badge">{s.node_name.clone()}</span> })
        .collect_view();
    let vnas = shared
        .data
        .with_value(|d| d.nodes_of(search.clinic, NodeRole::Vna));
    let panel_hit = hit.clone();
    view! {
        <tr class="study" class:open=move || open.get() data-study-uid=hit.study_uid.clone()
            on:click=move |_| open.update(|o| *o = !*o)>
            <td><div class="patient-cell">
                <button type="button" class="secondary small expand" aria-expanded=move || open.get().to_string()
                    title=move || i18n.q(Qr::ShowSeries)>{move || if open.get() { "▾" } else { "▸" }}</button>
                <span><b class="patient">{show_name(&hit.patient_name)}</b><br /><small>{hit.patient_id.clone()}</small></span>
            </div></td>
            <td class="nowrap">{show_date(&hit.birth_date)}</td>
            <td class="nowrap">{show_date(&hit.study_date)}</td>
            <td>{hit.modalities.join(", ")}</td>
            <td>{hit.description.clone()}</td>
            <td>{hit.accession.clone()}</td>
            <td class="num">{counts(&hit)}</td>
            <td>{badges}</td>
        </tr>
        {move || open.get().then(|| view! {
            <tr class="detail">
                <td colspan=COLUMNS>
                    <StudyPanel hit=panel_hit.clone() search=search.clone() vnas=vnas.clone() started=shared.started />
                </td>
            </tr>
        })}
    }
}

fn studies_table(i18n: I18n, o: SearchOutcome, search: PacsSearch, shared: Shared) -> AnyView {
    if o.studies.is_empty() {
        return view! { <p class="muted" id="no-results">{move || i18n.q(Qr::NoResults)}</p> }
            .into_any();
    }
    let rows = o
        .studies
        .into_iter()
        .map(|hit| view! { <StudyRow hit search=search.clone() shared /> })
        .collect_view();
    view! {
        <div class="table-scroll"><table class="grid" id="query-results">
            <thead><tr>
                <th>{move || i18n.q(Qr::PatientAndId)}</th>
                <th>{move || i18n.t(Msg::BirthDate)}</th>
                <th>{move || i18n.t(Msg::StudyDate)}</th>
                <th>{move || i18n.t(Msg::Modalities)}</th>
                <th>{move || i18n.t(Msg::Description)}</th>
                <th>{move || i18n.t(Msg::Accession)}</th>
                <th>{move || i18n.q(Qr::SeriesInstances)}</th>
                <th>{move || i18n.q(Qr::Pacs)}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table></div>
    }
    .into_any()
}

#[component]
pub(super) fn Results(shared: Shared) -> impl IntoView {
    let i18n = use_i18n();
    let pending = shared.search.pending();
    let found = move || {
        let answer = shared.search.value().get()?;
        let search = shared.sent.get_untracked()?;
        Some(match answer {
            Ok(o) => {
                let lines = o
                    .nodes
                    .clone()
                    .into_iter()
                    .map(|n| outcome_line(i18n, n))
                    .collect_view();
                view! {
                    <h2>{move || i18n.q(Qr::Results)}</h2>
                    <ul class="pacs-outcomes" id="pacs-outcomes">{lines}</ul>
                    {studies_table(i18n, o, search, shared)}
                }
                .into_any()
            }
            Err(error) => view! { <ErrorMsg error /> }.into_any(),
        })
    };
    view! {
        {move || pending.get().then(|| view! { <p class="loading" aria-busy="true" id="searching">{move || i18n.q(Qr::Searching)}</p> })}
        <div class="query-results" class:stale=move || pending.get()>{found}</div>
    }
}
