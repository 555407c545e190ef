//! Query / retrieve: search the PACS of a clinic (one or all, Study or Patient Root), see what
//! each PACS answered and the studies merged across them, drill down to a study's series, and
//! retrieve a study or some of its series (C-MOVE here, C-MOVE to a VNA, C-GET); the retrieve
//! jobs are followed below, refreshed while any runs.

mod form;
mod results;
mod retrieves;
mod study;

use crate::api::{ApiError, SearchPacs, list_clinics, query_nodes};
use crate::i18n::{Qr, use_i18n};
use crate::widgets::{ErrorMsg, Loading};
use domain::NodeRole;
use domain::query::PacsSearch;
use domain::views::{ClinicView, RemoteNodeView};
use leptos::prelude::*;

/// The nodes and clinics the page offers.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct QueryData {
    pub nodes: Vec<RemoteNodeView>,
    pub clinics: Vec<ClinicView>,
}

impl QueryData {
    /// The nodes of `clinic` with `role`, in name order.
    fn nodes_of(&self, clinic: i64, role: NodeRole) -> Vec<RemoteNodeView> {
        let mut v: Vec<_> = self
            .nodes
            .iter()
            .filter(|n| n.role == role && n.clinics.iter().any(|c| c.0 == clinic))
            .cloned()
            .collect();
        v.sort_by(|a, b| a.name.cmp(&b.name));
        v
    }

    /// The clinics that have at least one PACS, as (id, code), in code order.
    fn clinics_with_pacs(&self) -> Vec<(i64, String)> {
        let mut v: Vec<(i64, String)> = self
            .nodes
            .iter()
            .filter(|n| n.role == NodeRole::Pacs)
            .flat_map(|n| n.clinics.iter().copied())
            .map(|id| {
                let code = self
                    .clinics
                    .iter()
                    .find(|c| c.id == id)
                    .map_or_else(|| format!("#{}", id.0), |c| c.code.to_string());
                (id.0, code)
            })
            .collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v.dedup();
        v
    }
}

async fn load() -> Result<QueryData, ApiError> {
    Ok(QueryData {
        nodes: query_nodes().await?,
        clinics: list_clinics().await?,
    })
}

/// What the form, the results and the retrieve panels share.
#[derive(Clone, Copy)]
struct Shared {
    data: StoredValue<QueryData>,
    search: ServerAction<SearchPacs>,
    /// The search as last sent: drill-downs and retrieves use its clinic and model.
    sent: RwSignal<Option<PacsSearch>>,
    /// Bumped when a retrieve starts, so the retrieves panel reloads at once.
    started: RwSignal<u32>,
}

#[component]
pub fn QueryPage() -> impl IntoView {
    let i18n = use_i18n();
    let data = Resource::new(|| (), |_| load());
    let search = ServerAction::<SearchPacs>::new();
    let (sent, started) = (RwSignal::new(None), RwSignal::new(0u32));
    view! {
        <h1>{move || i18n.q(Qr::Title)}</h1>
        <Suspense fallback=|| view! { <Loading /> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) if !d.clinics_with_pacs().is_empty() => {
                        let shared = Shared { data: StoredValue::new(d), search, sent, started };
                        view! { <form::SearchForm shared /> <results::Results shared /> }.into_any()
                    }
                    Ok(_) => view! { <p class="muted" id="no-pacs">{move || i18n.q(Qr::NoPacs)}</p> }.into_any(),
                    Err(error) => view! { <ErrorMsg error /> }.into_any(),
                }
            })}
        </Suspense>
        <retrieves::RetrievesPanel started />
    }
}
