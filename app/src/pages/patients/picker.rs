//! Finding a patient for another form (a new order, a merge, attaching a study): a search box,
//! the matches as large touch targets, the one chosen.

use crate::api::search_patients;
use crate::i18n::{Rg, use_i18n};
use domain::registry::{PatientQuery, PatientView};
use leptos::prelude::*;

/// A patient picker limited to `clinic` (when given); `chosen` holds the patient picked.
#[component]
pub fn PatientPicker(
    chosen: RwSignal<Option<PatientView>>,
    #[prop(into)] clinic: Signal<Option<i64>>,
    /// A record that may not be picked (the patient being merged into).
    #[prop(optional)]
    exclude: Option<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    // Client-side only: it lives inside forms rendered after an await (no server value to meet).
    let results = LocalResource::new(move || {
        let (t, clinic) = (text.get(), clinic.get());
        async move {
            if t.trim().chars().count() < 2 {
                return Ok(vec![]);
            }
            let q = PatientQuery {
                text: t,
                clinic,
                ..Default::default()
            };
            search_patients(q).await.map(|p| p.rows)
        }
    });
    let list = move || {
        Suspend::new(async move {
            let rows = results.await.unwrap_or_default();
            rows.into_iter()
                .filter(|p| Some(p.id) != exclude && p.merged_into.is_none())
                .take(8)
                .map(|p| choice(p, chosen))
                .collect_view()
        })
    };
    view! {
        <div class="picker">
            {move || chosen.get().map(|p| view! {
                <p class="picked" id="picked-patient">
                    <strong>{p.name.sortable()}</strong> " · " {p.mrn.clone()} " · "
                    {p.birth_date.map(|d| d.to_string()).unwrap_or_default()}
                    <button type="button" class="secondary" on:click=move |_| chosen.set(None)>{move || i18n.rg(Rg::Change)}</button>
                </p>
            })}
            <div class:hidden=move || chosen.get().is_some()>
                <input type="search" name="patient-search" bind:value=text placeholder=move || i18n.rg(Rg::SearchPatients) />
                <ul class="choices"><Transition fallback=|| ()>{list}</Transition></ul>
            </div>
        </div>
    }
}

fn choice(p: PatientView, chosen: RwSignal<Option<PatientView>>) -> impl IntoView {
    let label = format!(
        "{} · {} · {}",
        p.name.sortable(),
        p.mrn,
        p.birth_date.map(|d| d.to_string()).unwrap_or_default()
    );
    view! {
        <li><button type="button" class="choice" on:click=move |_| chosen.set(Some(p.clone()))>{label}</button></li>
    }
}
